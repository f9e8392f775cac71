"""Convolution benchmark: forward and forward+backward for the reference kernels, our fast
(Numba + BLAS) path and PyTorch's CPU convolution, side by side on the same data, in float32.
With ``device="cuda"``, ours on the GPU (CuPy) and PyTorch's (cuDNN) join ours and PyTorch's
on the CPU in the same rounds (the reference and channels_last CPU variants stay out: the
run compares devices), each GPU call timed with CUDA events (see ``timing``).

Shapes are (N, C_in, H, W, C_out, k, stride, pad, groups) from the layers users study:
LeNet, ResNet-18 (CIFAR), AlexNet conv1, VGG, MobileNet-style depthwise, grouped, and the
transposed convolutions of a decoder.
"""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import asdict, dataclass

import numpy as np

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import blas

from . import candidates, devices
from .timing import text_table


@dataclass
class Shape:
    name: str
    n: int
    c_in: int
    h: int
    w: int
    c_out: int
    k: int
    stride: int
    pad: int
    groups: int = 1
    transposed: bool = False

    def flops(self) -> float:
        """Multiply-adds x 2 of the forward pass (backward: twice that)."""
        if self.transposed:  # the adjoint of a conv from c_out to c_in over the output
            return 2.0 * self.n * self.c_in * self.h * self.w * (self.c_out // self.groups) * self.k * self.k
        # written out, not kernels.conv_output_size: ``benchmarks against`` runs this driver on
        # earlier versions of the library too, so it keeps to the API they all have
        out_h = (self.h + 2 * self.pad - self.k) // self.stride + 1
        out_w = (self.w + 2 * self.pad - self.k) // self.stride + 1
        return 2.0 * self.n * self.c_out * out_h * out_w * (self.c_in // self.groups) * self.k * self.k


SHAPES = [
    Shape("lenet conv1", 64, 1, 32, 32, 6, 5, 1, 0),
    Shape("lenet conv2", 64, 6, 14, 14, 16, 5, 1, 0),
    Shape("resnet18 64x32x32", 32, 64, 32, 32, 64, 3, 1, 1),
    Shape("resnet18 128x16x16", 32, 128, 16, 16, 128, 3, 1, 1),
    Shape("resnet18 256x8x8", 32, 256, 8, 8, 256, 3, 1, 1),
    Shape("resnet18 512x4x4", 32, 512, 4, 4, 512, 3, 1, 1),
    Shape("resnet18 3x3 s2", 32, 64, 32, 32, 128, 3, 2, 1),
    Shape("resnet18 1x1 s2", 32, 64, 32, 32, 128, 1, 2, 0),
    Shape("alexnet conv1", 8, 3, 224, 224, 64, 11, 4, 2),
    Shape("vgg 64->128 112x112", 8, 64, 112, 112, 128, 3, 1, 1),
    Shape("depthwise 128x32x32", 32, 128, 32, 32, 128, 3, 1, 1, 128),
    Shape("depthwise 256x16x16 s2", 32, 256, 16, 16, 256, 3, 2, 1, 256),
    Shape("grouped 128, 32 groups", 32, 128, 16, 16, 128, 3, 1, 1, 32),
    Shape("transposed k2 s2", 32, 64, 16, 16, 32, 2, 2, 0, transposed=True),
    Shape("transposed k4 s2 p1", 8, 128, 32, 32, 64, 4, 2, 1, transposed=True),
]
# ``--quick``: one small case, for the dry run of tools/gpu_check.py over the CuPy stand-in
QUICK = [Shape("quick 3x3", 4, 16, 16, 16, 16, 3, 1, 1)]


def _data(shape: Shape, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((shape.n, shape.c_in, shape.h, shape.w), dtype=np.float32)
    if shape.transposed:
        w = rng.standard_normal((shape.c_in, shape.c_out // shape.groups, shape.k, shape.k), dtype=np.float32)
    else:
        w = rng.standard_normal((shape.c_out, shape.c_in // shape.groups, shape.k, shape.k), dtype=np.float32)
    b = rng.standard_normal(shape.c_out, dtype=np.float32)
    return x, w * 0.05, b


def _conv_call(shape, functional):
    """The benchmarked call; ours and PyTorch's functional APIs take the same arguments."""
    def call(xt, wt, bt):
        if shape.transposed:
            return functional.conv_transpose2d(xt, wt, bt, shape.stride, shape.pad, groups=shape.groups)
        return functional.conv2d(xt, wt, bt, shape.stride, shape.pad, groups=shape.groups)

    return call


def _timed_calls(call, tensors, upstream, no_grad):
    """(forward without a graph, forward + backward into fresh gradients)."""
    def forward():
        with no_grad():
            call(*tensors)

    def forward_backward():
        for t in tensors:
            t.grad = None
        call(*tensors).backward(upstream)

    return forward, forward_backward


def _ours(shape, x, w, b, channels_last=False, device="cpu"):
    """Our conv on NCHW data, or (``channels_last``) on channels_last input and upstream
    gradient, as they flow through a network kept in that memory format."""
    call = _conv_call(shape, F)
    layout = mt.channels_last if channels_last else mt.contiguous_format
    tensors = (mt.tensor(x, device=device).contiguous(memory_format=layout).requires_grad_(),
               mt.tensor(w, device=device, requires_grad=True), mt.tensor(b, device=device, requires_grad=True))
    with mt.no_grad():
        upstream = mt.ones(call(*tensors).shape, device=device).contiguous(memory_format=layout)
    return _timed_calls(call, tensors, upstream, mt.no_grad)


def route(shape, x, w, device="cpu"):
    """The plan our convolution takes for this shape on ``device``, in one line (None for a
    library without plans, as the ones ``benchmarks against`` compares with may be)."""
    if not hasattr(F, "conv2d_plan"):
        return None
    x, w = mt.tensor(x, device=device), mt.tensor(w, device=device)
    if not shape.transposed:
        return F.conv2d_plan(x, w, shape.stride, shape.pad, groups=shape.groups).summary()
    # a transposed convolution computes the adjoint of the conv2d from its output to its input
    out_hw = tuple(mt.kernels.conv_transpose_output_size(size, shape.k, shape.stride, shape.pad, 1, 0)
                   for size in (shape.h, shape.w))
    plan = mt.kernels.conv_plan((shape.n, shape.c_out) + out_hw, tuple(w.shape), (shape.stride,) * 2,
                                (shape.pad,) * 4, (1, 1), shape.groups, like=x.array, output_hw=(shape.h, shape.w))
    return plan.summary()


def _torch(shape, x, w, b, device="cpu"):
    import torch
    import torch.nn.functional as TF

    call = _conv_call(shape, TF)
    tensors = tuple(torch.tensor(a, device=device, requires_grad=True) for a in (x, w, b))
    with torch.no_grad():
        upstream = torch.ones(call(*tensors).shape, device=device)
    return _timed_calls(call, tensors, upstream, torch.no_grad)


def _torch_available():
    """PyTorch's version (None without it), given as many CPU threads as our kernels have
    (every core here; on a GPU machine, the threads tools/gpu_check.py gives each process)."""
    return devices.torch_version(blas.info().get("numba_threads"))


LABELS = ("minitorch (fast)", "minitorch (fast, channels_last)")


def run(shapes=None, repeats: int = 9, reference: bool = True, torch: bool = True, budget: float = 30.0,
        device: str = "cpu", warmup: int = 1):
    """Time every implementation on every shape; returns the rows and the configuration."""
    torch_version = _torch_available() if torch else None
    torch_cuda = bool(torch_version) and device == "cuda" and devices.torch_cuda()
    rows = []
    for shape in shapes or SHAPES:
        x, w, b = _data(shape)
        picked = candidates.chosen(device, LABELS, reference, torch_version, torch_cuda,
                                   lambda on, last: _ours(shape, x, w, b, channels_last=last, device=on),
                                   lambda on: _torch(shape, x, w, b, device=on))
        timings = candidates.time_all(picked, repeats, budget, warmup)
        planned = {on: route(shape, x, w, on) for on in {d for _, d, _, _ in picked}}
        for label, on, _, _ in picked:
            forward_s, both_s = timings[label]
            vs_forward, vs_both, speedup = candidates.compare(label, timings, LABELS[0])
            rows.append({
                "shape": shape.name, "config": asdict(shape), "implementation": label, "device": on,
                "route": planned[on] if label.startswith("minitorch (fast") or label == devices.OURS_CUDA else None,
                "forward_ms": forward_s * 1e3, "forward_backward_ms": both_s * 1e3,
                "forward_gflops": shape.flops() / forward_s / 1e9,
                "forward_backward_gflops": 3 * shape.flops() / both_s / 1e9,
                "forward_vs_torch": vs_forward, "forward_backward_vs_torch": vs_both,
                "gpu_speedup": speedup,
            })
    config = {"blas": blas.info(), "torch": torch_version, "python": platform.python_version(),
              "machine": platform.machine(), "processor": platform.processor(), "when": time.strftime("%Y-%m-%d %H:%M"),
              "device": device}
    if device == "cuda":
        config["cuda"] = devices.cuda_config()
    return rows, config


def has_cuda(rows) -> bool:
    return any(r.get("device") == "cuda" for r in rows)


def ratio(value) -> str:
    return "" if value is None else f"{value:.2f}"


def table(rows) -> str:
    """The CPU table; a cuda run's adds the device and the GPU speed-up ("x torch" is then
    against PyTorch on the same device)."""
    cuda = has_cuda(rows)
    header = ("shape", "implementation") + (("device",) if cuda else ()) + (
        "fwd ms", "fwd+bwd ms", "fwd+bwd GFLOP/s", "fwd x torch", "fwd+bwd x torch") + (
        ("GPU speed-up (fwd+bwd)",) if cuda else ()) + ("route",)
    lines = []
    for r in rows:
        lines.append((r["shape"], r["implementation"]) + ((r.get("device", "cpu"),) if cuda else ()) + (
            f"{r['forward_ms']:.2f}", f"{r['forward_backward_ms']:.2f}", f"{r['forward_backward_gflops']:.1f}",
            ratio(r["forward_vs_torch"]), ratio(r["forward_backward_vs_torch"])) + (
            (ratio(r.get("gpu_speedup")),) if cuda else ()) + (r.get("route") or "",))
    return text_table(header, lines)


def save(rows, config, directory: str, partial: bool = False, stem: str = "conv", extra: dict | None = None) -> str:
    """Write the results (atomically). A run over a subset of the shapes goes to
    <stem>-partial.json, so that it never replaces the full run the docs quote; a cuda run
    to <stem>-cuda.json, beside the CPU run's <stem>.json."""
    os.makedirs(directory, exist_ok=True)
    stem = f"{stem}-cuda" if config.get("device") == "cuda" else stem
    path = os.path.join(directory, f"{stem}-partial.json" if partial else f"{stem}.json")
    with open(path + ".tmp", "w") as out:
        json.dump(dict({"config": config, "rows": rows}, **(extra or {})), out, indent=1)
    os.replace(path + ".tmp", path)
    return path
