"""Claims about training, each tested by training small networks on the shipped digits.

- ``init``: Kaiming's initialisation keeps activations alive under ReLU through a deep
  plain network, where Xavier's halves their second moment per layer and N(0, 0.01)
  lets them vanish at once (He et al., 2015).
- ``batch-norm``: batch normalisation lets a network train at learning rates that make
  the same network without it fail, and train faster (Ioffe and Szegedy, 2015).
- ``dropout``: inverted dropout keeps each unit's expected value (the 1/(1 - p) scaling),
  is the identity at test time, and narrows the gap between training and test accuracy
  (Srivastava et al., 2014).
- ``gap``: global average pooling instead of flatten + fully connected layers removes
  most of the classifier's parameters and overfits less (Lin et al., 2014).
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend, creation, nn, optim
from ..ops import stack
from ..inspect import activation_statistics, reinitialize_
from .base import Experiment, Outcome, Settings
from .digits import digits, train


def _plain(depth: int, width: int, activation) -> nn.Sequential:
    layers = [nn.Flatten(), nn.Linear(32 * 32, width), activation()]
    for _ in range(depth - 1):
        layers += [nn.Linear(width, width), activation()]
    return nn.Sequential(*layers, nn.Linear(width, 10))


def run_init(settings: Settings) -> Outcome:
    depth, width = (12, 128) if settings.quick else (20, 256)
    epochs = 2 if settings.quick else 6
    images = stack([digits(True)[i][0] for i in range(256)])
    rows, depth_curves = [], {}
    for activation_name, activation in (("relu", nn.ReLU), ("tanh", nn.Tanh)):
        for scheme in ("xavier", "kaiming", "normal0.01"):
            backend.manual_seed(settings.seed)
            model = _plain(depth, width, activation)
            reinitialize_(model, scheme)
            stats = [s for s in activation_statistics(model, images) if s.kind == activation.__name__]
            stds = [s.std for s in stats]
            curve = train(model, lambda p: optim.SGD(p, lr=0.01, momentum=0.9), epochs, settings.seed,
                          settings.device, flatten=True, progress=f"{activation_name} {scheme}")
            rows.append({"activation": activation_name, "init": scheme, "std layer 1": stds[0],
                         "std last": stds[-1], "last / first": stds[-1] / stds[0] if stds[0] else math.nan,
                         "test accuracy": curve.test_accuracy[-1]})
            depth_curves[(activation_name, scheme)] = stds
    by = {(r["activation"], r["init"]): r for r in rows}
    kaiming_alive = 0.5 <= by[("relu", "kaiming")]["last / first"] <= 2
    xavier_shrinks = by[("relu", "xavier")]["last / first"] < 0.1
    small_vanishes = by[("relu", "normal0.01")]["std last"] < 1e-3 * by[("relu", "kaiming")]["std last"]
    trains_better = by[("relu", "kaiming")]["test accuracy"] > by[("relu", "normal0.01")]["test accuracy"] + 0.1
    held = {"Kaiming keeps the ReLU scale": kaiming_alive, "Xavier shrinks it": xavier_shrinks,
            "N(0, 0.01) vanishes": small_vanishes, "Kaiming trains, N(0, 0.01) does not": trains_better}
    if all(held.values()):
        verdict, why = "reproduced", "all four parts hold"
    elif any(held.values()):
        verdict, why = "partly", "not " + ", not ".join(k for k, v in held.items() if not v)
    else:
        verdict, why = "not reproduced", "none of the four parts holds"

    def draw(axes):
        for (activation_name, scheme), stds in depth_curves.items():
            axes.semilogy(range(1, len(stds) + 1), stds, marker=".",
                          linestyle="-" if activation_name == "relu" else "--", label=f"{activation_name}, {scheme}")
        axes.set_xlabel("layer")
        axes.set_ylabel("activation std (log scale)")
        axes.set_title(f"a {depth}-layer plain network at initialisation")
        axes.legend(fontsize=7)

    return Outcome(["activation", "init", "std layer 1", "std last", "last / first", "test accuracy"], rows, verdict,
                   why, plots=[("stds", draw)],
                   notes=[f"{depth} linear layers of {width} units on flattened digits; stds at initialisation on 256 "
                          f"images; accuracy after {epochs} epochs of SGD (lr 0.01, momentum 0.9)"])


def _conv_net(batch_norm: bool) -> nn.Sequential:
    def block(a, b):
        return [nn.Conv2d(a, b, 3, padding=1, bias=not batch_norm)] + ([nn.BatchNorm2d(b)] if batch_norm else []) \
            + [nn.ReLU(), nn.MaxPool2d(2)]

    return nn.Sequential(*block(1, 16), *block(16, 32), *block(32, 32), nn.Flatten(), nn.Linear(32 * 16, 10))


def run_batch_norm(settings: Settings) -> Outcome:
    rates = [0.01, 0.1, 0.5] if settings.quick else [0.01, 0.03, 0.1, 0.3, 0.5, 1.0]
    epochs = 2 if settings.quick else 5
    rows, curves = [], {}
    for batch_norm in (False, True):
        for lr in rates:
            backend.manual_seed(settings.seed)
            model = _conv_net(batch_norm)
            curve = train(model, lambda p: optim.SGD(p, lr=lr), epochs, settings.seed, settings.device,
                          progress=f"{'BN' if batch_norm else 'plain'} lr {lr}")
            curves[(batch_norm, lr)] = curve
            rows.append({"network": "batch norm" if batch_norm else "plain", "lr": lr,
                         "accuracy after 1 epoch": curve.test_accuracy[0], "final accuracy": curve.test_accuracy[-1]})
    trained = {bn: [lr for lr in rates if curves[(bn, lr)].test_accuracy[-1] > 0.5] for bn in (False, True)}
    top = {bn: max(trained[bn], default=0.0) for bn in trained}
    first_epoch = {bn: max(curves[(bn, lr)].test_accuracy[0] for lr in rates) for bn in (False, True)}
    larger_rates = top[True] > top[False]
    faster = first_epoch[True] > first_epoch[False]
    if larger_rates and faster:
        verdict, why = "reproduced", "batch norm trains at larger learning rates and faster"
    elif larger_rates or faster:
        verdict, why = "partly", ("it trains at larger rates, not faster" if larger_rates else
                                  "it trains faster, not at larger rates")
    else:
        verdict, why = "not reproduced", "the plain network trains at the same rates and as fast"

    def draw(axes):
        for batch_norm in (False, True):
            axes.semilogx(rates, [100 * np.nan_to_num(curves[(batch_norm, lr)].test_accuracy[-1]) for lr in rates],
                          marker="o", label="batch norm" if batch_norm else "plain")
        axes.set_xlabel("learning rate (SGD)")
        axes.set_ylabel(f"test accuracy after {epochs} epochs (%)")
        axes.set_title("the learning rates that train")
        axes.legend()

    return Outcome(["network", "lr", "accuracy after 1 epoch", "final accuracy"], rows, verdict, why,
                   plots=[("rates", draw)],
                   notes=[f"three conv-ReLU-pool blocks, with or without batch norm, {epochs} epochs of plain SGD on "
                          f"the digits; 'trains' means a test accuracy above 50%: plain "
                          f"{_up_to(trained[False])}, batch norm {_up_to(trained[True])}"])


def _up_to(rates) -> str:
    return f"up to lr {max(rates)}" if rates else "at none of these rates"


def run_dropout(settings: Settings) -> Outcome:
    p, epochs = 0.5, (15 if settings.quick else 40)
    x = creation.ones(200_000)
    layer = nn.Dropout(p)
    kept_mean = float(layer(x).mean().item())
    layer.eval()
    identity = bool((layer(x) == x).all().item())
    rows, curves = [], {}
    for rate in (0.0, p):
        backend.manual_seed(settings.seed)
        model = nn.Sequential(nn.Flatten(), nn.Linear(32 * 32, 512), nn.ReLU(), nn.Dropout(rate), nn.Linear(512, 512),
                              nn.ReLU(), nn.Dropout(rate), nn.Linear(512, 10))
        curve = train(model, lambda q: optim.SGD(q, lr=0.05, momentum=0.9), epochs, settings.seed, settings.device,
                      progress=f"dropout {rate}", train_subset=300)
        curves[rate] = curve
        rows.append({"dropout p": rate, "train accuracy": curve.train_accuracy[-1],
                     "test accuracy": curve.test_accuracy[-1], "gap": curve.final_gap})
    scaling = abs(kept_mean - 1.0) < 0.01
    narrower = curves[p].final_gap < curves[0.0].final_gap
    if scaling and identity and narrower:
        verdict, why = "reproduced", "the scaling keeps the mean, eval is the identity, and the gap narrows"
    elif scaling and identity:
        verdict, why = "partly", "the scaling and eval mode hold, but the gap did not narrow"
    else:
        verdict, why = "not reproduced", "the inverted scaling does not keep the mean"

    def draw(axes):
        for rate, curve in curves.items():
            epochs_axis = range(1, len(curve.train_accuracy) + 1)
            axes.plot(epochs_axis, [100 * a for a in curve.train_accuracy], label=f"train, p = {rate}")
            axes.plot(epochs_axis, [100 * a for a in curve.test_accuracy], "--", label=f"test, p = {rate}")
        axes.set_xlabel("epoch")
        axes.set_ylabel("accuracy (%)")
        axes.set_title("300 training digits: with and without dropout")
        axes.legend()

    return Outcome(["dropout p", "train accuracy", "test accuracy", "gap"], rows, verdict, why, plots=[("gap", draw)],
                   notes=[f"Dropout({p}) in training: the mean of 200,000 ones is {kept_mean:.4f} (1 expected); in "
                          f"eval mode the identity: {identity}",
                          f"a 1024-512-512-10 network trained on the first 300 training digits for {epochs} epochs "
                          "(SGD, lr 0.05, momentum 0.9), tested on all 355 test digits"])


def _gap_net(head: str) -> nn.Sequential:
    trunk = [nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
             nn.MaxPool2d(2)]
    if head == "gap":
        return nn.Sequential(*trunk, nn.Conv2d(64, 10, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten())
    return nn.Sequential(*trunk, nn.Flatten(), nn.Linear(64 * 8 * 8, 256), nn.ReLU(), nn.Linear(256, 10))


def run_gap(settings: Settings) -> Outcome:
    epochs = 10 if settings.quick else 30
    rows, curves = [], {}
    for head in ("flatten + FC", "gap"):
        backend.manual_seed(settings.seed)
        model = _gap_net("gap" if head == "gap" else "fc")
        head_params = sum(p.numel() for layer in list(model.children())[6:] for p in layer.parameters())
        curve = train(model, lambda p: optim.Adam(p, lr=1e-3), epochs, settings.seed, settings.device,
                      progress=head, train_subset=300)
        curves[head] = curve
        rows.append({"head": head, "head parameters": head_params, "train accuracy": curve.train_accuracy[-1],
                     "test accuracy": curve.test_accuracy[-1], "gap": curve.final_gap})
    fc, gap = rows
    fewer = gap["head parameters"] * 10 <= fc["head parameters"]
    # a gap is compared only between networks that fit their training set: one that has
    # not learned has no gap to speak of, and would "overfit less" by failing
    fitted = min(fc["train accuracy"], gap["train accuracy"]) >= 0.9
    overfits_less = fitted and gap["gap"] < fc["gap"]
    if fewer and overfits_less:
        verdict, why = "reproduced", "far fewer parameters and a narrower train-test gap"
    elif fewer:
        verdict, why = "partly", ("far fewer parameters, but the gap did not narrow" if fitted else
                                  f"far fewer parameters, but a network did not fit its 300 training digits "
                                  f"(train accuracy {min(fc['train accuracy'], gap['train accuracy']):.2f}), so "
                                  "the gaps say nothing")
    else:
        verdict, why = "not reproduced", "the head's parameters did not fall by 10x"

    def draw(axes):
        for head, curve in curves.items():
            axes.plot(range(1, epochs + 1), [100 * a for a in curve.test_accuracy], label=f"test, {head}")
            axes.plot(range(1, epochs + 1), [100 * a for a in curve.train_accuracy], "--", label=f"train, {head}")
        axes.set_xlabel("epoch")
        axes.set_ylabel("accuracy (%)")
        axes.set_title("300 training digits: GAP head vs flatten + FC head")
        axes.legend()

    return Outcome(["head", "head parameters", "train accuracy", "test accuracy", "gap"], rows, verdict, why,
                   plots=[("curves", draw)],
                   notes=[f"the same two-conv trunk; trained on the first 300 training digits for {epochs} epochs "
                          "(Adam, lr 0.001), tested on all 355 test digits"])


INIT = Experiment(
    name="init", claim="Kaiming initialisation keeps activations alive under ReLU where Xavier shrinks them layer by "
                       "layer and N(0, 0.01) lets them vanish",
    source="He et al., Delving deep into rectifiers (2015), section 2.2; lecture: initialisation",
    rule="reproduced if, under ReLU, Kaiming's last-layer std is within 2x of its first, Xavier's falls below a "
         "tenth, N(0, 0.01)'s below a thousandth of Kaiming's, and Kaiming's net tests 10 points above N(0, 0.01)'s",
    minutes_quick=0.5, minutes_full=4.0, run=run_init)

BATCH_NORM = Experiment(
    name="batch-norm", claim="batch normalisation lets a network train at larger learning rates, and faster",
    source="Ioffe and Szegedy, Batch normalization (2015), section 3.3; lecture: batch norm",
    rule="reproduced if the largest SGD learning rate that reaches 50% test accuracy is larger with batch norm and "
         "its best first-epoch accuracy is higher; partly if one of the two holds",
    minutes_quick=0.7, minutes_full=5.0, run=run_batch_norm)

DROPOUT = Experiment(
    name="dropout", claim="inverted dropout keeps each unit's expected value, is the identity at test time, and "
                          "narrows the gap between training and test accuracy",
    source="Srivastava et al., Dropout (2014); lecture: regularisation",
    rule="reproduced if Dropout(0.5) keeps the mean of ones within 1%, eval mode is the identity, and the train-test "
         "gap with dropout is narrower than without; partly if only the first two hold",
    minutes_quick=0.5, minutes_full=2.0, run=run_dropout)

GAP = Experiment(
    name="gap", claim="global average pooling instead of flatten + fully connected layers removes most of the "
                      "classifier's parameters and overfits less",
    source="Lin et al., Network in network (2014), section 3.2; lecture: NiN and GoogLeNet",
    rule="reproduced if the GAP head has at most a tenth of the FC head's parameters and, both networks fitting "
         "their training digits (train accuracy at least 90%), a narrower train-test gap; partly if only the "
         "parameters fall",
    minutes_quick=0.7, minutes_full=3.0, run=run_gap)
