"""Pooling and batch-norm kernels, forward and forward+backward, side by side: our Numba
kernels on NCHW and on channels_last tensors, our reference kernels and PyTorch's CPU ops,
on the shapes the layers issue names, (32, 64, 32, 32) and (32, 64, 56, 56), in float32.

Timings interleave the implementations round by round (see ``timing``), so the ratios
hold even when the machine's speed drifts. With ``device="cuda"``, ours on the GPU and
PyTorch's (cuDNN) join the CPU columns in the same rounds (see ``candidates``).
"""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass

import numpy as np

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import blas

from . import candidates, devices
from . import conv as conv_suite
from .conv import _timed_calls, _torch_available
from .timing import text_table


@dataclass(frozen=True)
class Case:
    name: str
    shape: tuple
    call: object  # (functional module, x, weight, bias) -> output


def _max_2x2(fn, x, w, b):
    return fn.max_pool2d(x, 2, 2)


def _max_3x3(fn, x, w, b):
    return fn.max_pool2d(x, 3, 2, 1)


def _avg_2x2(fn, x, w, b):
    return fn.avg_pool2d(x, 2, 2)


def _avg_3x3(fn, x, w, b):
    return fn.avg_pool2d(x, 3, 1, 1)


def _batch_norm(fn, x, w, b):
    return fn.batch_norm(x, None, None, w, b, True)


CASES = [Case(f"{label} {tuple(shape)}", shape, call)
         for shape in ((32, 64, 32, 32), (32, 64, 56, 56))
         for label, call in (("max_pool 2x2 s2", _max_2x2), ("max_pool 3x3 s2 p1", _max_3x3),
                             ("avg_pool 2x2 s2", _avg_2x2), ("avg_pool 3x3 s1 p1", _avg_3x3),
                             ("batch_norm train", _batch_norm))]
# ``--quick``: one small case, for the dry run of tools/gpu_check.py over the CuPy stand-in
QUICK = [Case("max_pool 3x3 s2 p1 (4, 16, 16, 16)", (4, 16, 16, 16), _max_3x3)]


LABELS = ("minitorch (numba)", "minitorch (numba, channels_last)")


def _picked(case, device, reference: bool, torch_version, torch_cuda):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(case.shape, dtype=np.float32)
    w, b = rng.standard_normal(case.shape[1], dtype=np.float32), rng.standard_normal(case.shape[1], dtype=np.float32)

    def ours(on, channels_last):
        """On NCHW tensors, or on channels_last input and upstream gradient, as they flow
        through a network kept in that format (the kernels then read NHWC memory)."""
        layout = mt.channels_last if channels_last else mt.contiguous_format
        tensors = (mt.tensor(x, device=on).contiguous(memory_format=layout).requires_grad_(),
                   mt.tensor(w, device=on, requires_grad=True), mt.tensor(b, device=on, requires_grad=True))
        call = lambda *t: case.call(F, *t)  # noqa: E731
        with mt.no_grad():
            upstream = mt.ones(call(*tensors).shape, device=on).contiguous(memory_format=layout)
        return _timed_calls(call, tensors, upstream, mt.no_grad)

    def theirs(on):
        import torch
        import torch.nn.functional as TF

        tensors = tuple(torch.tensor(a, device=on, requires_grad=True) for a in (x, w, b))
        call = lambda *t: case.call(TF, *t)  # noqa: E731
        with torch.no_grad():
            upstream = torch.ones(call(*tensors).shape, device=on)
        return _timed_calls(call, tensors, upstream, torch.no_grad)

    return candidates.chosen(device, LABELS, reference, torch_version, torch_cuda, ours, theirs)


def run(cases=None, repeats: int = 9, reference: bool = True, torch: bool = True, budget: float = 20.0,
        device: str = "cpu", warmup: int = 1):
    from tqdm import tqdm

    torch_version = _torch_available() if torch else None
    torch_cuda = bool(torch_version) and device == "cuda" and devices.torch_cuda()
    rows = []
    for case in tqdm(cases or CASES, desc="layers", unit="case"):
        picked = _picked(case, device, reference, torch_version, torch_cuda)
        timings = candidates.time_all(picked, repeats, budget, warmup)
        for name, on, _, _ in picked:
            forward_s, both_s = timings[name]
            vs_forward, vs_both, speedup = candidates.compare(name, timings, LABELS[0])
            rows.append({"case": case.name, "implementation": name, "device": on, "forward_ms": forward_s * 1e3,
                         "forward_backward_ms": both_s * 1e3, "forward_vs_torch": vs_forward,
                         "forward_backward_vs_torch": vs_both, "gpu_speedup": speedup})
    config = {"blas": blas.info(), "torch": torch_version, "python": platform.python_version(),
              "machine": platform.machine(), "when": time.strftime("%Y-%m-%d %H:%M"), "device": device}
    if device == "cuda":
        config["cuda"] = devices.cuda_config()
    return rows, config


def table(rows) -> str:
    """The CPU table; a cuda run's adds the device and the GPU speed-up (see ``conv.table``)."""
    cuda, ratio = conv_suite.has_cuda(rows), conv_suite.ratio
    header = ("case", "implementation") + (("device",) if cuda else ()) + (
        "fwd ms", "fwd+bwd ms", "fwd x torch", "fwd+bwd x torch") + (("GPU speed-up (fwd+bwd)",) if cuda else ())
    lines = [(r["case"], r["implementation"]) + ((r.get("device", "cpu"),) if cuda else ()) + (
        f"{r['forward_ms']:.2f}", f"{r['forward_backward_ms']:.2f}", ratio(r["forward_vs_torch"]),
        ratio(r["forward_backward_vs_torch"])) + ((ratio(r.get("gpu_speedup")),) if cuda else ()) for r in rows]
    return text_table(header, lines)


def save(rows, config, directory: str, partial: bool = False) -> str:
    return conv_suite.save(rows, config, directory, partial, stem="layers")
