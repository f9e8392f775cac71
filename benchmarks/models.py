"""Whole-model training steps and evaluation passes in images/s, ours against PyTorch's, on
the CPU and (``device="cuda"``) on the GPU, side by side in the same rounds, in float32.

A training step is forward + cross-entropy + backward + an SGD step with momentum 0.9, the
loop of ``minitorch_cnn.train``; an evaluation pass is a forward in eval mode without a
graph. Both sides train the same weights (ours copied into PyTorch's model wherever the
state_dict keys match, see ``torch_models``) on the same batch, in NCHW. The cases:

- LeNet-5 on the shipped digits (the main job's data: 32×32 grey images, normalised with
  the training set's statistics) at batch 64 (CPU) and 256 (both devices: the GPU issue's
  target);
- the zoo at the sizes the speed issue measured, on the CPU: ResNet-20 (CIFAR) at batch
  64 on 3×32×32, ResNet-18 at batch 16 on 3×112×112 (both devices), MobileNetV2 at batch
  16 on 3×112×112, VGG-11-BN at batch 8 on 3×64×64, DenseNet-121 at batch 16 on 3×64×64
  and the small ViT of the zoo at batch 64 on 3×32×32; ResNet-18 at batch 32 on 3×224×224
  on the GPU only (our CPU path took 4-5 s a step there);
- one dense 3×3 convolution, 64 → 64 channels on 56×56 at batch 32 (ResNet-18's first
  stage at full size): forward + backward (input and weight gradients) as its "training
  step", the forward alone as its "evaluation".

Besides the medians, each CPU row has the training step's split into forward (with the
loss), backward and optimizer step (medians of the same calls), and the peak resident
memory one training step adds to the process (``peak_rss_mb``: sampled every half
millisecond by a thread, outside the timed calls). ``--profile`` prints, instead of
timing, where one of our training steps spends its time, per op and per kernel
(``minitorch_cnn.inspect.profile``). ``--autotune`` adds a row of ours with every
convolution's route measured per shape (``kernels.set_conv_autotune``), timed in the same
rounds as the others.

"% of torch" is our images/s as a share of PyTorch's on the same device; "GPU speed-up"
is an implementation's images/s on the GPU over its own on the CPU, for the cases run on
both. A cuda run also checks the targets the GPU issue set (``targets``).
"""

from __future__ import annotations

import platform
import statistics
import time
from dataclasses import asdict, dataclass

import numpy as np

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import blas

from . import candidates, devices, memory, torch_models
from . import conv as conv_suite
from .timing import clocked_medians, text_table


@dataclass(frozen=True)
class Case:
    name: str
    model: str  # a zoo name (``get_model``) or "conv3x3" (one layer)
    batch: int
    input: tuple  # (C, H, W)
    data: str = "random"  # or "digits"
    on: tuple = ("cpu", "cuda")  # the devices the case runs on
    options: tuple = ()  # (name, value) pairs for get_model and the PyTorch twin
    classes: int = 1000


CPU = ("cpu",)
CASES = [Case("lenet5, digits, batch 64", "lenet5", 64, (1, 32, 32), data="digits", on=CPU, classes=10),
         Case("lenet5, digits, batch 256", "lenet5", 256, (1, 32, 32), data="digits", classes=10),
         Case("resnet20, batch 64, 3x32x32", "resnet_cifar", 64, (3, 32, 32), on=CPU,
              options=(("depth", 20), ("num_classes", 10)), classes=10),
         Case("resnet18, batch 16, 3x112x112", "resnet18", 16, (3, 112, 112)),
         Case("resnet18, batch 32, 3x224x224", "resnet18", 32, (3, 224, 224), on=("cuda",)),
         Case("mobilenet_v2, batch 16, 3x112x112", "mobilenet_v2", 16, (3, 112, 112), on=CPU),
         Case("vgg11_bn, batch 8, 3x64x64", "vgg11_bn", 8, (3, 64, 64), on=CPU),
         Case("densenet121, batch 16, 3x64x64", "densenet121", 16, (3, 64, 64), on=CPU),
         Case("vit_tiny_cifar, batch 64, 3x32x32", "vit_tiny_cifar", 64, (3, 32, 32), on=CPU, classes=10),
         Case("conv3x3 64->64, 56x56, batch 32", "conv3x3", 32, (64, 56, 56), classes=0)]
# ``--quick``: one small case, for the dry run of tools/gpu_check.py over the CuPy stand-in
QUICK = [Case("lenet5, digits, batch 32", "lenet5", 32, (1, 32, 32), data="digits", classes=10)]
OURS, TORCH = "minitorch", "pytorch"
# ours again with each convolution's route measured per shape (``--autotune``): the
# measurements are made in the warm-up calls, before any timed one
OURS_AUTOTUNED = "minitorch autotuned"
PHASES = ("forward", "backward", "step")


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
    return images, rng.integers(0, case.classes or 1, case.batch)


def our_model(case):
    mt.manual_seed(0)  # the same weights on every device
    if case.model == "conv3x3":
        return mt.nn.Conv2d(64, 64, 3, padding=1, bias=False)
    return mt.models.get_model(case.model, **dict(case.options))


def _steps(model, x, y, optimizer, no_grad, loss, layer, phases):
    """(training step, evaluation pass) over one model and batch, for either library; each
    training step appends its (forward, backward, step) seconds to ``phases``."""
    clock = time.perf_counter
    if layer:
        with no_grad():
            upstream = model(x) * 0 + 1

        def train():
            x.grad = model.weight.grad = None
            start = clock()
            out = model(x)
            middle = clock()
            out.backward(upstream)
            phases.append((middle - start, clock() - middle, 0.0))
    else:
        def train():
            model.train()
            optimizer.zero_grad()
            start = clock()
            value = loss(model(x), y)
            forward = clock()
            value.backward()
            backward = clock()
            optimizer.step()
            phases.append((forward - start, backward - forward, clock() - backward))

    def evaluate():
        model.eval()
        with no_grad():
            model(x)

    return train, evaluate


def ours(case, device, images, labels, phases, autotune=False):
    model = our_model(case).to(device)
    x = mt.tensor(images, device=device, requires_grad=case.model == "conv3x3")
    optimizer = mt.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    train, evaluate = _steps(model, x, mt.tensor(labels, device=device), optimizer, mt.no_grad, F.cross_entropy,
                             case.model == "conv3x3", phases)
    if not autotune:
        return train, evaluate

    def autotuned(call):
        def run():
            with mt.kernels.conv_autotune():
                call()
        return run

    return autotuned(train), autotuned(evaluate)


def theirs(case, device, images, labels, notes, phases):
    """PyTorch's twin, with our weights (``notes`` records how many tensors were copied and
    where the model came from)."""
    import torch

    if case.model == "conv3x3":
        model, source = torch.nn.Conv2d(64, 64, 3, padding=1, bias=False), "torch.nn.Conv2d"
    else:
        model, source = torch_models.twin(case.model, **dict(case.options))
    copied, total = torch_models.copy_weights(our_model(case), model)
    notes.update(torch_model=source, weights_copied=f"{copied} of {total} tensors")
    model.to(device)
    x = torch.tensor(images, device=device, requires_grad=case.model == "conv3x3")
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return _steps(model, x, torch.tensor(labels, device=device), optimizer, torch.no_grad,
                  torch.nn.functional.cross_entropy, case.model == "conv3x3", phases)


def implementations(case, device, torch_version, torch_cuda, autotune=False):
    """[(label, device)] timed on ``case`` in a run on ``device``."""
    picked = []
    if "cpu" in case.on:
        picked += [(OURS, "cpu")] + [(OURS_AUTOTUNED, "cpu")] * autotune + ([(TORCH, "cpu")] if torch_version else [])
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


def _phase_split(times, device) -> dict:
    """Median ms of forward (with the loss), backward and optimizer step over the training
    calls; None on the GPU, where a phase's host time is only its launches."""
    if device != "cpu" or not times:
        return {f"{phase}_ms": None for phase in PHASES}
    return {f"{phase}_ms": statistics.median(t[i] for t in times) * 1e3 for i, phase in enumerate(PHASES)}


def run(cases=None, repeats: int = 5, reference: bool = False, torch: bool = True, budget: float = 40.0,
        device: str = "cpu", warmup: int = 1, autotune: bool = False):
    """Time every case; returns the rows and the configuration. ``reference`` is accepted
    for the common command line and unused (the reference kernels would take minutes a step).
    ``autotune``: also time ours with measured convolution routes (``OURS_AUTOTUNED``)."""
    from tqdm import tqdm

    threads = blas.info().get("numba_threads")  # PyTorch gets as many CPU threads as our kernels
    torch_version = devices.torch_version(threads) if torch else None
    torch_cuda = bool(torch_version) and device == "cuda" and devices.torch_cuda()
    rows = []
    for case in tqdm([c for c in cases or CASES if device in c.on or "cpu" in c.on], desc="models", unit="case"):
        images, labels = batch_of(case)
        picked = implementations(case, device, torch_version, torch_cuda, autotune)
        runs, clocks, cache, notes, phases = {}, {}, {}, {}, {}
        for label, on in picked:
            phases[label] = []
            train, evaluate = (theirs(case, on, images, labels, notes, phases[label])
                               if label in (TORCH, devices.TORCH_CUDA) else
                               ours(case, on, images, labels, phases[label], autotune=label == OURS_AUTOTUNED))
            clock = candidates.clock_for(label, on, cache)
            runs[(label, "train")], runs[(label, "eval")] = train, evaluate
            clocks[(label, "train")] = clocks[(label, "eval")] = clock
        medians = clocked_medians(runs, clocks, repeats, warmup, budget)
        for label, on in picked:
            row = {"case": case.name, "config": asdict(case), "implementation": label, "device": on}
            row.update(_ratios(label, on, medians, case))
            row.update(_phase_split(phases[label], on))
            # after the timings, so that the sampling thread never shares the cores with them
            row["peak_rss_mb"] = memory.peak_rss_mb(runs[(label, "train")]) if on == "cpu" else None
            if label in (TORCH, devices.TORCH_CUDA):
                row.update(notes)
            if label == OURS_AUTOTUNED:
                row["autotune"] = [_measured(m) for m in mt.kernels.conv_autotune_records()]
                mt.kernels.clear_conv_autotune()
            rows.append(row)
    config = {"blas": blas.info(), "torch": torch_version, "torch_threads": threads if torch_version else None,
              "python": platform.python_version(), "machine": platform.machine(),
              "when": time.strftime("%Y-%m-%d %H:%M"), "device": device, "repeats": repeats, "warmup": warmup,
              "autotune": autotune}
    if device == "cuda":
        config["cuda"] = devices.cuda_config()
    return rows, config


def profile(cases, steps: int = 2) -> str:
    """Where one of our training steps spends its time, per case: ``steps`` untimed steps
    (Numba compiles, the plans and buffers settle), then one under ``inspect.profile``."""
    from minitorch_cnn.inspect import profile as profiled

    reports = []
    for case in cases:
        if "cpu" not in case.on:
            continue
        images, labels = batch_of(case)
        train, _ = ours(case, "cpu", images, labels, [])
        for _ in range(steps):
            train()
        with profiled() as recorded:
            train()
        reports.append(f"## {case.name}\n\n{recorded.table()}")
    return "\n\n".join(reports)


def _measured(measurement) -> dict:
    """One autotuning measurement as JSON: the call, the work timed, ms per candidate."""
    call = measurement.call
    return {"input": list(call["input_shape"]), "weight": list(call["weight_shape"]), "stride": list(call["stride"]),
            "padding": list(call["padding"]), "groups": call["groups"], "work": list(measurement.work),
            "ms": {label: seconds * 1e3 for label, seconds in measurement.times}, "chosen": measurement.chosen,
            "thresholds": measurement.threshold_choice}


def autotune_report(rows) -> list[str]:
    """Per case run with ``--autotune``: how often the thresholds picked the route measured
    fastest, and the worst shape, by how much the thresholds' route was slower."""
    lines = []
    for row in rows:
        shapes = row.get("autotune")
        if not shapes:
            continue
        agreed = sum(m["chosen"] == m["thresholds"] for m in shapes)
        worst = max(shapes, key=lambda m: m["ms"][m["thresholds"]] / m["ms"][m["chosen"]])
        slower = worst["ms"][worst["thresholds"]] / worst["ms"][worst["chosen"]] - 1
        line = (f"{row['case']}: {len(shapes)} convolution shape{'s' * (len(shapes) != 1)} measured, the "
                f"thresholds' route the fastest on {agreed}")
        if slower > 0:
            line += (f"; worst: input {worst['input']}, weight {worst['weight']}, stride {worst['stride']}, "
                     f"{' + '.join(worst['work'])}: the thresholds' {worst['thresholds']} "
                     f"{worst['ms'][worst['thresholds']]:.2f} ms, {worst['chosen']} {worst['ms'][worst['chosen']]:.2f}"
                     f" ms ({slower:.0%} slower)")
        lines.append(line)
    return lines


def _find(rows, case_prefix, label):
    return next((r for r in rows if r["case"].startswith(case_prefix) and r["implementation"] == label), None)


# the speed issue's targets on the CPU: our training step's time over PyTorch's, per case
CPU_TARGETS = (("lenet5, digits, batch 64", 1.0), ("resnet20", 1.5), ("resnet18, batch 16", 1.3),
               ("mobilenet_v2", 1.5), ("vgg11_bn", 1.3))
EVAL_TARGET = 1.3  # every case's evaluation pass


def cpu_targets(rows) -> list[str]:
    """The CPU speed targets, each met, missed or not measured."""
    lines = []
    for prefix, bound in CPU_TARGETS:
        row = _find(rows, prefix, OURS)
        if row is None or not row.get("train_vs_torch"):
            lines.append(f"{prefix}: training step <= {bound}x PyTorch's time: not measured (needs the case and "
                         f"PyTorch)")
            continue
        times = 1 / row["train_vs_torch"]
        lines.append(f"{prefix}: training step <= {bound}x PyTorch's time: {times:.2f}x: "
                     f"{'met' if times <= bound else 'missed'}")
    measured = [r for r in rows if r["implementation"] == OURS and r.get("eval_vs_torch")]
    if measured:
        worst = max(measured, key=lambda r: 1 / r["eval_vs_torch"])
        times = 1 / worst["eval_vs_torch"]
        lines.append(f"every evaluation pass <= {EVAL_TARGET}x PyTorch's time: worst {times:.2f}x ({worst['case']}): "
                     f"{'met' if times <= EVAL_TARGET else 'missed'}")
    else:
        lines.append(f"every evaluation pass <= {EVAL_TARGET}x PyTorch's time: not measured (needs PyTorch)")
    return lines


def targets(rows, config) -> list[str]:
    """A CPU run: the speed issue's CPU targets. A cuda run: the GPU issue's three targets.
    Each met, missed or not measured (and why)."""
    if config.get("device") != "cuda":
        return cpu_targets(rows)
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
    times = lambda v: "" if not v else f"{1 / v:.2f}"  # noqa: E731  (our time over PyTorch's)
    ms = lambda v: "" if v is None else f"{v:.0f}"  # noqa: E731
    header = ("case", "implementation") + (("device",) if cuda else ()) + (
        "train ms", "train images/s", "% of torch", "x torch's time", "fwd / bwd / step ms", "peak MB",
        "eval ms", "eval images/s", "% of torch") + (("GPU speed-up (train)", "GPU speed-up (eval)") if cuda else ())
    lines = [(r["case"], r["implementation"]) + ((r["device"],) if cuda else ()) + (
        f"{r['train_ms']:.1f}", f"{r['train_images_per_s']:.0f}", share(r["train_vs_torch"]),
        times(r["train_vs_torch"]),
        "" if r.get("forward_ms") is None else " / ".join(ms(r[f"{p}_ms"]) for p in PHASES),
        ms(r.get("peak_rss_mb")),
        f"{r['eval_ms']:.1f}", f"{r['eval_images_per_s']:.0f}", share(r["eval_vs_torch"])) + (
        (ratio(r["train_gpu_speedup"]), ratio(r["eval_gpu_speedup"])) if cuda else ()) for r in rows]
    return text_table(header, lines)


def save(rows, config, directory: str, partial: bool = False) -> str:
    return conv_suite.save(rows, config, directory, partial, stem="models", extra={"targets": targets(rows, config)})
