"""Convolution benchmark: forward and forward+backward for the reference kernels, our fast
(Numba + BLAS) path and PyTorch's CPU convolution, side by side on the same data, in float32.

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

from .timing import interleaved_medians, text_table


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


def _ours(shape, x, w, b, channels_last=False):
    """Our conv on NCHW data, or (``channels_last``) on channels_last input and upstream
    gradient, as they flow through a network kept in that memory format."""
    call = _conv_call(shape, F)
    layout = mt.channels_last if channels_last else mt.contiguous_format
    tensors = (mt.tensor(x).contiguous(memory_format=layout).requires_grad_(),
               mt.tensor(w, requires_grad=True), mt.tensor(b, requires_grad=True))
    with mt.no_grad():
        upstream = mt.ones(call(*tensors).shape).contiguous(memory_format=layout)
    return _timed_calls(call, tensors, upstream, mt.no_grad)


def route(shape, x, w):
    """The plan our convolution takes for this shape, in one line (None for a library
    without plans, as the ones ``benchmarks against`` compares with may be)."""
    if not hasattr(F, "conv2d_plan"):
        return None
    if not shape.transposed:
        return F.conv2d_plan(mt.tensor(x), mt.tensor(w), shape.stride, shape.pad, groups=shape.groups).summary()
    # a transposed convolution computes the adjoint of the conv2d from its output to its input
    out_hw = tuple(mt.kernels.conv_transpose_output_size(size, shape.k, shape.stride, shape.pad, 1, 0)
                   for size in (shape.h, shape.w))
    plan = mt.kernels.conv_plan((shape.n, shape.c_out) + out_hw, w.shape, (shape.stride,) * 2, (shape.pad,) * 4,
                                (1, 1), shape.groups, like=x, output_hw=(shape.h, shape.w))
    return plan.summary()


def _torch(shape, x, w, b):
    import torch
    import torch.nn.functional as TF

    call = _conv_call(shape, TF)
    tensors = tuple(torch.tensor(a, requires_grad=True) for a in (x, w, b))
    with torch.no_grad():
        upstream = torch.ones(call(*tensors).shape)
    return _timed_calls(call, tensors, upstream, torch.no_grad)


def _in_mode(kernel_mode, run):
    """``run`` with the kernel registry in ``kernel_mode`` (None: leave it as it is)."""
    if kernel_mode is None:
        return run

    def wrapped():
        with mt.kernels.using(kernel_mode):
            run()

    return wrapped


def _torch_available():
    try:
        import torch

        torch.set_num_threads(os.cpu_count() or 1)
        return torch.__version__
    except ImportError:
        return None


def run(shapes=None, repeats: int = 9, reference: bool = True, torch: bool = True, budget: float = 30.0):
    """Time every implementation on every shape; returns the rows and the configuration."""
    torch_version = _torch_available() if torch else None
    rows = []
    for shape in shapes or SHAPES:
        x, w, b = _data(shape)
        candidates = [("minitorch (fast)", lambda: _ours(shape, x, w, b), "auto"),
                      ("minitorch (fast, channels_last)", lambda: _ours(shape, x, w, b, channels_last=True), "auto")]
        if reference:
            candidates.append(("minitorch (reference)", lambda: _ours(shape, x, w, b), "reference"))
        if torch_version:
            candidates.append(("pytorch", lambda: _torch(shape, x, w, b), None))
        runs = {}
        for label, make, kernel_mode in candidates:
            forward, forward_backward = make()
            runs[(label, "forward")] = _in_mode(kernel_mode, forward)
            runs[(label, "forward_backward")] = _in_mode(kernel_mode, forward_backward)
        medians = interleaved_medians(runs, repeats, budget=budget)
        timings = {label: (medians[(label, "forward")], medians[(label, "forward_backward")])
                   for label, _, _ in candidates}
        torch_times = timings.get("pytorch")
        planned = route(shape, x, w)
        for label, (forward_s, both_s) in timings.items():
            rows.append({
                "shape": shape.name, "config": asdict(shape), "implementation": label,
                "route": planned if label.startswith("minitorch (fast") else None,
                "forward_ms": forward_s * 1e3, "forward_backward_ms": both_s * 1e3,
                "forward_gflops": shape.flops() / forward_s / 1e9,
                "forward_backward_gflops": 3 * shape.flops() / both_s / 1e9,
                "forward_vs_torch": forward_s / torch_times[0] if torch_times else None,
                "forward_backward_vs_torch": both_s / torch_times[1] if torch_times else None,
            })
    config = {"blas": blas.info(), "torch": torch_version, "python": platform.python_version(),
              "machine": platform.machine(), "processor": platform.processor(), "when": time.strftime("%Y-%m-%d %H:%M")}
    return rows, config


def table(rows) -> str:
    header = ("shape", "implementation", "fwd ms", "fwd+bwd ms", "fwd+bwd GFLOP/s", "fwd x torch", "fwd+bwd x torch",
              "route")
    lines = []
    for r in rows:
        ratio = lambda v: "" if v is None else f"{v:.2f}"  # noqa: E731
        lines.append((r["shape"], r["implementation"], f"{r['forward_ms']:.2f}", f"{r['forward_backward_ms']:.2f}",
                      f"{r['forward_backward_gflops']:.1f}", ratio(r["forward_vs_torch"]),
                      ratio(r["forward_backward_vs_torch"]), r.get("route") or ""))
    return text_table(header, lines)


def save(rows, config, directory: str, partial: bool = False, stem: str = "conv") -> str:
    """Write the results (atomically). A run over a subset of the shapes goes to
    <stem>-partial.json, so that it never replaces the full run the docs quote."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"{stem}-partial.json" if partial else f"{stem}.json")
    with open(path + ".tmp", "w") as out:
        json.dump({"config": config, "rows": rows}, out, indent=1)
    os.replace(path + ".tmp", path)
    return path
