"""Receptive-field claims, measured with gradients.

- ``receptive-field``: L stacked stride-1 K×K convolutions see 1 + L·(K - 1) pixels, and
  strides and dilation grow the field as 1 + Σ (k_i - 1)·d_i·∏_{j<i} s_j.
- ``two-3x3``: two 3×3 convolutions see the 5×5 window one 5×5 convolution sees, with 18
  weights per channel pair instead of 25, and train as well (VGG's section 2.3).
"""

from __future__ import annotations

import time

import numpy as np

from .. import backend, nn, optim
from ..data import DataLoader, load_dataset
from ..data import transforms as T
from ..inspect import measured_receptive_field, receptive_field
from ..ops.loss import cross_entropy
from .base import Experiment, Outcome, Settings


def _stack(layers):
    modules = []
    for kernel, stride, dilation in layers:
        modules += [nn.Conv2d(1, 1, kernel, stride=stride, dilation=dilation, padding=(kernel // 2) * dilation),
                    nn.ReLU()]
    return nn.Sequential(*modules)


def run_receptive_field(settings: Settings) -> Outcome:
    depths = range(1, 5 if settings.quick else 9)
    cases = [(f"{depth} x 3x3", [(3, 1, 1)] * depth) for depth in depths]
    cases += [(f"{depth} x 5x5", [(5, 1, 1)] * depth) for depth in (1, 2, 3)]
    cases += [("3x3 s2, 3x3, 3x3", [(3, 2, 1), (3, 1, 1), (3, 1, 1)]),
              ("3x3 s2, 3x3 s2, 3x3", [(3, 2, 1), (3, 2, 1), (3, 1, 1)]),
              ("3x3 d1, d2, d4", [(3, 1, 1), (3, 1, 2), (3, 1, 4)])]
    if not settings.quick:
        cases += [("3x3 d1, d2, d4, d8", [(3, 1, 1), (3, 1, 2), (3, 1, 4), (3, 1, 8)]),
                  ("7x7 s2, 3x3 s2, 3x3", [(7, 2, 1), (3, 2, 1), (3, 1, 1)])]
    rows, growth = [], []
    for name, layers in cases:
        model = _stack(layers)
        formula = receptive_field(model)[0]
        side = 2 * formula + 16
        measured = measured_receptive_field(model, (1, side, side)).height
        lecture = 1 + len(layers) * (layers[0][0] - 1) if all(s == d == 1 for _, s, d in layers) else None
        rows.append({"layers": name, "measured": measured, "formula": formula,
                     "1 + L(K - 1)": lecture if lecture is not None else "-"})
        if name.endswith("x 3x3"):
            growth.append((len(layers), measured))
    agree = all(row["measured"] == row["formula"] for row in rows)
    lecture_holds = all(row["measured"] == row["1 + L(K - 1)"] for row in rows if row["1 + L(K - 1)"] != "-")
    if agree and lecture_holds:
        verdict, why = "reproduced", "every measured field equals the formula"
    elif agree:
        verdict, why = "partly", "the general formula holds, 1 + L(K - 1) does not"
    else:
        verdict, why = "not reproduced", "a measured field differs from the formula"

    def draw(axes):
        depth, measured = zip(*growth)
        axes.plot(depth, measured, "o", label="measured (gradient)")
        axes.plot(depth, [1 + 2 * d for d in depth], "-", label="1 + L(K - 1), K = 3")
        axes.set_xticks(list(depth))
        axes.set_xlabel("stacked 3x3 stride-1 convolutions L")
        axes.set_ylabel("receptive field (pixels per side)")
        axes.set_title("receptive field growth")
        axes.legend()

    return Outcome(["layers", "measured", "formula", "1 + L(K - 1)"], rows, verdict, why, plots=[("growth", draw)],
                   notes=["measured: the input pixels with a nonzero gradient from the centre output unit"])


def _stage(design: str, width: int) -> nn.Sequential:
    """The compared stage, width -> width channels: two 3x3 convolutions or one 5x5."""
    if design == "two 3x3":
        return nn.Sequential(nn.Conv2d(width, width, 3, padding=1), nn.ReLU(), nn.Conv2d(width, width, 3, padding=1),
                             nn.ReLU())
    return nn.Sequential(nn.Conv2d(width, width, 5, padding=2), nn.ReLU())


def _net(design: str, width: int) -> nn.Module:
    """Digits 32x32: a 3x3 stem to ``width`` channels, the compared stage, pooling, a 3x3
    layer, and a linear classifier; the two designs differ only in the stage."""
    return nn.Sequential(nn.Conv2d(1, width, 3, padding=1), nn.ReLU(), _stage(design, width), nn.MaxPool2d(2),
                         nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(4), nn.Flatten(),
                         nn.Linear(2 * width * 16, 10))


def _accuracy(model, loader) -> float:
    correct = total = 0
    model.eval()
    for images, labels in loader:
        correct += int((model(images).argmax(1) == labels).sum().item())
        total += labels.shape[0]
    model.train()
    return correct / total


def run_two_3x3(settings: Settings) -> Outcome:
    from tqdm import tqdm

    width, epochs = 16, (4 if settings.quick else 15)
    seeds = [settings.seed] if settings.quick else [settings.seed + i for i in range(3)]
    train = load_dataset("digits", train=True, transform=T.ToTensor())
    test = load_dataset("digits", train=False, transform=T.ToTensor())
    rows, curves = [], {}
    for design in ("two 3x3", "one 5x5"):
        accuracies, seconds = [], []
        for seed in seeds:
            backend.manual_seed(seed)
            model = _net(design, width).to(settings.device)
            opt = optim.Adam(model.parameters(), lr=1e-3)  # the common default, the same for both
            loader = DataLoader(train, batch_size=32, shuffle=True, device=settings.device)
            curve = []
            start = time.perf_counter()
            for _ in tqdm(range(epochs), desc=f"{design}, seed {seed}", unit="epoch", leave=False):
                for images, labels in loader:
                    opt.zero_grad()
                    cross_entropy(model(images), labels).backward()
                    opt.step()
                curve.append(_accuracy(model, DataLoader(test, batch_size=256, device=settings.device)))
            seconds.append(time.perf_counter() - start)
            accuracies.append(curve[-1])
            curves.setdefault(design, []).append(curve)
        stage = _stage(design, width)
        weights = sum(p.numel() for n, p in stage.named_parameters() if n.endswith("weight"))
        field = measured_receptive_field(stage, (width, 32, 32)).height
        rows.append({"stage": design, "receptive field": field, "stage weights": weights,
                     "per channel pair": weights // width ** 2, "test accuracy": float(np.mean(accuracies)),
                     "seconds per run": float(np.mean(seconds))})
    stacked, single = rows
    same_field = stacked["receptive field"] == single["receptive field"] == 5
    fewer = (stacked["per channel pair"], single["per channel pair"]) == (18, 25)
    as_good = stacked["test accuracy"] >= single["test accuracy"] - 0.01
    if same_field and fewer and as_good:
        verdict, why = "reproduced", "the same 5x5 field, 18 weights instead of 25, accuracy at least as good"
    elif same_field and fewer:
        verdict, why = "partly", (f"the same field with 18 weights instead of 25, but accuracy "
                                  f"{stacked['test accuracy']:.3f} against {single['test accuracy']:.3f}")
    else:
        verdict, why = "not reproduced", "the two stages differ in field or in weights from the claim"

    def draw(axes):
        for design, runs in curves.items():
            mean = np.mean(runs, axis=0)
            axes.plot(range(1, len(mean) + 1), 100 * mean, marker="o", label=design)
        axes.set_xticks(range(1, epochs + 1))
        axes.set_xlabel("epoch")
        axes.set_ylabel("test accuracy (%)")
        axes.set_title("digits: a stage of two 3x3 vs one 5x5")
        axes.legend()

    return Outcome(["stage", "receptive field", "stage weights", "per channel pair", "test accuracy",
                    "seconds per run"], rows, verdict, why, plots=[("accuracy", draw)],
                   notes=[f"{len(seeds)} seed(s), {epochs} epochs of Adam (lr 0.001) on the shipped "
                          f"digits; the stage maps {width} to {width} channels, everything else is the same"])


RECEPTIVE_FIELD = Experiment(
    name="receptive-field",
    claim="L stacked stride-1 KxK convolutions see 1 + L(K - 1) pixels; strides and dilation grow the field as "
          "1 + sum (k_i - 1) d_i prod s_j",
    source="lecture: receptive fields; Luo et al., Understanding the effective receptive field (2016)",
    rule="reproduced if the field measured by backpropagation equals the formula for every stack",
    minutes_quick=0.1, minutes_full=0.3, run=run_receptive_field)

TWO_3X3 = Experiment(
    name="two-3x3",
    claim="two 3x3 convolutions see what one 5x5 sees, with 18 weights per channel pair instead of 25, and train "
          "as well",
    source="Simonyan and Zisserman, Very deep convolutional networks (2015), section 2.3; lecture: VGG",
    rule="reproduced if both see a 5x5 field and the two 3x3 stage's test accuracy is within 1 point of the 5x5 "
         "stage's or above it; partly if only the field holds",
    minutes_quick=1.0, minutes_full=8.0, run=run_two_3x3)
