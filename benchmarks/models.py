"""Whole-model training steps and evaluation passes in images/s, ours against PyTorch's, on
the CPU and (``device="cuda"``) on the GPU, side by side in the same rounds, in float32.

A training step is forward + cross-entropy + backward + an SGD step with momentum 0.9, the
loop of ``minitorch_cnn.train``; an evaluation pass is a forward in eval mode without a
graph. Both sides train the same weights (ours copied into PyTorch's model wherever the
state_dict keys match, see ``torch_models``) on the same batch, in NCHW. The cases:

- LeNet-5 on the shipped digits (the main job's data: 32×32 grey images, normalised with
  the training set's statistics) at batch 256;
- ResNet-18 at batch 8 on 3×112×112 on both devices, and at batch 32 on 3×224×224 on the
  GPU only: that batch took our CPU path 4.0 and 5.1 s a training step on two cores, so
  five rounds of an untimed and a timed call would take a minute for that case alone;
- one dense 3×3 convolution, 64 → 64 channels on 56×56 at batch 32 (ResNet-18's first
  stage at full size): forward + backward (input and weight gradients) as its "training
  step", the forward alone as its "evaluation".

"% of torch" is our images/s as a share of PyTorch's on the same device; "GPU speed-up"
is an implementation's images/s on the GPU over its own on the CPU, for the cases run on
both. A cuda run also checks the targets the GPU issue set (``targets``).
"""

from __future__ import annotations

import platform
import time
from dataclasses import asdict, dataclass

import numpy as np

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import blas

from . import candidates, devices, torch_models
from . import conv as conv_suite
from .timing import clocked_medians, text_table


@dataclass(frozen=True)
class Case:
    name: str
    model: str  # "lenet5", "resnet18" or "conv3x3" (one layer)
    batch: int
    input: tuple  # (C, H, W)
    data: str = "random"  # or "digits"
    on: tuple = ("cpu", "cuda")  # the devices the case runs on


CASES = [Case("lenet5, digits, batch 256", "lenet5", 256, (1, 32, 32), data="digits"),
         Case("resnet18, batch 8, 3x112x112", "resnet18", 8, (3, 112, 112)),
         Case("resnet18, batch 32, 3x224x224", "resnet18", 32, (3, 224, 224), on=("cuda",)),
         Case("conv3x3 64->64, 56x56, batch 32", "conv3x3", 32, (64, 56, 56))]
# ``--quick``: one small case, for the dry run of tools/gpu_check.py over the CuPy stand-in
QUICK = [Case("lenet5, digits, batch 32", "lenet5", 32, (1, 32, 32), data="digits")]
OURS, TORCH = "minitorch", "pytorch"
CLASSES = {"lenet5": 10, "resnet18": 1000, "conv3x3": None}


def batch_of(case):
    """(images, labels) as float32 NCHW and int64: the first images of the digits' training
    set, normalised as the main job does, or a seeded normal batch."""
    if case.data == "digits":
        digits = mt.data.Digits(train=True)
        (mean,), (std,) = digits.channel_stats()
        take = np.arange(case.batch) % len(digits)
        images = (digits.data[take].astype(np.float32) / 255.0 - mean) / std
        return images[:, None].astype(np.float32), digits.targets[take]
    rng = np.random.default_rng(0)
    images = rng.standard_normal((case.batch,) + case.input, dtype=np.float32)
    return images, rng.integers(0, CLASSES[case.model] or 1, case.batch)


def our_model(case):
    mt.manual_seed(0)  # the same weights on every device
    if case.model == "conv3x3":
        return mt.nn.Conv2d(64, 64, 3, padding=1, bias=False)
    return mt.models.get_model(case.model)


def _steps(model, x, y, optimizer, no_grad, loss, layer):
    """(training step, evaluation pass) over one model and batch, for either library."""
    if layer:
        with no_grad():
            upstream = model(x) * 0 + 1

        def train():
            x.grad = model.weight.grad = None
            model(x).backward(upstream)
    else:
        def train():
            model.train()
            optimizer.zero_grad()
            loss(model(x), y).backward()
            optimizer.step()

    def evaluate():
        model.eval()
        with no_grad():
            model(x)

    return train, evaluate


def ours(case, device, images, labels):
    model = our_model(case).to(device)
    x = mt.tensor(images, device=device, requires_grad=case.model == "conv3x3")
    optimizer = mt.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return _steps(model, x, mt.tensor(labels, device=device), optimizer, mt.no_grad, F.cross_entropy,
                  case.model == "conv3x3")


def theirs(case, device, images, labels, notes):
    """PyTorch's twin, with our weights (``notes`` records how many tensors were copied and
    where the model came from)."""
    import torch

    if case.model == "conv3x3":
        model, source = torch.nn.Conv2d(64, 64, 3, padding=1, bias=False), "torch.nn.Conv2d"
    elif case.model == "lenet5":
        model, source = torch_models.lenet5(), "benchmarks.torch_models"
    else:
        model, source = torch_models.resnet18()
    copied, total = torch_models.copy_weights(our_model(case), model)
    notes.update(torch_model=source, weights_copied=f"{copied} of {total} tensors")
    model.to(device)
    x = torch.tensor(images, device=device, requires_grad=case.model == "conv3x3")
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return _steps(model, x, torch.tensor(labels, device=device), optimizer, torch.no_grad,
                  torch.nn.functional.cross_entropy, case.model == "conv3x3")


def implementations(case, device, torch_version, torch_cuda):
    """[(label, device)] timed on ``case`` in a run on ``device``."""
    picked = []
    if "cpu" in case.on:
        picked += [(OURS, "cpu")] + ([(TORCH, "cpu")] if torch_version else [])
    if device == "cuda" and "cuda" in case.on:
        picked += [(devices.OURS_CUDA, "cuda")] + ([(devices.TORCH_CUDA, "cuda")] if torch_cuda else [])
    return picked


def _ratios(label, label_device, medians, case):
    torch_label = devices.TORCH_CUDA if label_device == "cuda" else TORCH
    cpu_label = {devices.OURS_CUDA: OURS, devices.TORCH_CUDA: TORCH}.get(label)
    row = {}
    for part in ("train", "eval"):
        own = medians[(label, part)]
        against, cpu = medians.get((torch_label, part)), medians.get((cpu_label, part))
        row[f"{part}_ms"] = own * 1e3
        row[f"{part}_images_per_s"] = case.batch / own
        row[f"{part}_vs_torch"] = against / own if against else None  # a share of PyTorch's images/s
        row[f"{part}_gpu_speedup"] = cpu / own if cpu else None
    return row


def run(cases=None, repeats: int = 5, reference: bool = False, torch: bool = True, budget: float = 40.0,
        device: str = "cpu", warmup: int = 1):
    """Time every case; returns the rows and the configuration. ``reference`` is accepted
    for the common command line and unused (the reference kernels would take minutes a step)."""
    from tqdm import tqdm

    threads = blas.info().get("numba_threads")  # PyTorch gets as many CPU threads as our kernels
    torch_version = devices.torch_version(threads) if torch else None
    torch_cuda = bool(torch_version) and device == "cuda" and devices.torch_cuda()
    rows = []
    for case in tqdm([c for c in cases or CASES if device in c.on or "cpu" in c.on], desc="models", unit="case"):
        images, labels = batch_of(case)
        picked = implementations(case, device, torch_version, torch_cuda)
        runs, clocks, cache, notes = {}, {}, {}, {}
        for label, on in picked:
            train, evaluate = (theirs(case, on, images, labels, notes) if label in (TORCH, devices.TORCH_CUDA)
                               else ours(case, on, images, labels))
            clock = candidates.clock_for(label, on, cache)
            runs[(label, "train")], runs[(label, "eval")] = train, evaluate
            clocks[(label, "train")] = clocks[(label, "eval")] = clock
        medians = clocked_medians(runs, clocks, repeats, warmup, budget)
        for label, on in picked:
            row = {"case": case.name, "config": asdict(case), "implementation": label, "device": on}
            row.update(_ratios(label, on, medians, case))
            if label in (TORCH, devices.TORCH_CUDA):
                row.update(notes)
            rows.append(row)
    config = {"blas": blas.info(), "torch": torch_version, "torch_threads": threads if torch_version else None,
              "python": platform.python_version(), "machine": platform.machine(),
              "when": time.strftime("%Y-%m-%d %H:%M"), "device": device, "repeats": repeats, "warmup": warmup}
    if device == "cuda":
        config["cuda"] = devices.cuda_config()
    return rows, config


def _find(rows, case_prefix, label):
    return next((r for r in rows if r["case"].startswith(case_prefix) and r["implementation"] == label), None)


def targets(rows, config) -> list[str]:
    """The GPU issue's three targets, each met, missed or not measured (and why)."""
    if config.get("device") != "cuda":
        return ["not measured: a CPU run (the targets are GPU targets: run with --device cuda)"]
    caveat = " (CuPy stand-in: meaningless)" if config["cuda"].get("standin") else ""

    def verdict(ok):
        return ("met" if ok else "missed") + caveat

    lines = []
    conv_ours, conv_torch = _find(rows, "conv3x3", devices.OURS_CUDA), _find(rows, "conv3x3", devices.TORCH_CUDA)
    if conv_ours and conv_torch:
        times = conv_ours["train_ms"] / conv_torch["train_ms"]
        lines.append(f"dense 3x3 conv fwd+bwd within 2x of cuDNN: {times:.2f}x cuDNN's time: {verdict(times <= 2)}")
    else:
        lines.append("dense 3x3 conv fwd+bwd within 2x of cuDNN: not measured (needs the conv3x3 case and "
                     "PyTorch on the GPU)")
    res_ours, res_torch = _find(rows, "resnet18, batch 32", devices.OURS_CUDA), _find(rows, "resnet18, batch 32",
                                                                                      devices.TORCH_CUDA)
    if res_ours and res_torch:
        share = res_ours["train_images_per_s"] / res_torch["train_images_per_s"]
        lines.append(f"ResNet-18 training step >= 50% of PyTorch's images/s on the same GPU: {share:.0%}: "
                     f"{verdict(share >= 0.5)}")
    else:
        lines.append("ResNet-18 training step >= 50% of PyTorch's images/s: not measured (needs the resnet18 "
                     "batch-32 case and PyTorch on the GPU)")
    lenet_gpu, lenet_cpu = _find(rows, "lenet5, digits, batch 256", devices.OURS_CUDA), _find(
        rows, "lenet5, digits, batch 256", OURS)
    if lenet_gpu and lenet_cpu:
        speedup = lenet_gpu["train_images_per_s"] / lenet_cpu["train_images_per_s"]
        lines.append(f"LeNet-5 on the digits faster on GPU than CPU at batch 256: {speedup:.2f}x: "
                     f"{verdict(speedup > 1)}")
    else:
        lines.append("LeNet-5 on the digits faster on GPU than CPU at batch 256: not measured (needs the "
                     "batch-256 lenet5 case)")
    return lines


def table(rows) -> str:
    cuda, ratio = conv_suite.has_cuda(rows), conv_suite.ratio
    share = lambda v: "" if v is None else f"{v:.0%}"  # noqa: E731
    header = ("case", "implementation") + (("device",) if cuda else ()) + (
        "train ms", "train images/s", "% of torch", "eval ms", "eval images/s", "% of torch") + (
        ("GPU speed-up (train)", "GPU speed-up (eval)") if cuda else ())
    lines = [(r["case"], r["implementation"]) + ((r["device"],) if cuda else ()) + (
        f"{r['train_ms']:.1f}", f"{r['train_images_per_s']:.0f}", share(r["train_vs_torch"]),
        f"{r['eval_ms']:.1f}", f"{r['eval_images_per_s']:.0f}", share(r["eval_vs_torch"])) + (
        (ratio(r["train_gpu_speedup"]), ratio(r["eval_gpu_speedup"])) if cuda else ()) for r in rows]
    return text_table(header, lines)


def save(rows, config, directory: str, partial: bool = False) -> str:
    return conv_suite.save(rows, config, directory, partial, stem="models", extra={"targets": targets(rows, config)})
