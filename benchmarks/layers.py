"""Pooling and batch-norm kernels, forward and forward+backward, side by side: our Numba
kernels on NCHW and on channels_last tensors, our reference kernels and PyTorch's CPU ops,
on the shapes the layers issue names, (32, 64, 32, 32) and (32, 64, 56, 56), in float32.

Timings interleave the implementations round by round (see ``timing``), so the ratios
hold even when the machine's speed drifts.
"""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass

import numpy as np

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import blas

from . import conv as conv_suite
from .conv import _in_mode, _timed_calls, _torch_available
from .timing import interleaved_medians, text_table


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


def _candidates(case, reference: bool, torch_version):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(case.shape, dtype=np.float32)
    w, b = rng.standard_normal(case.shape[1], dtype=np.float32), rng.standard_normal(case.shape[1], dtype=np.float32)

    def ours(layout=mt.contiguous_format):
        """On NCHW tensors, or on channels_last input and upstream gradient, as they flow
        through a network kept in that format (the kernels then read NHWC memory)."""
        tensors = (mt.tensor(x).contiguous(memory_format=layout).requires_grad_(), mt.tensor(w, requires_grad=True),
                   mt.tensor(b, requires_grad=True))
        call = lambda *t: case.call(F, *t)  # noqa: E731
        with mt.no_grad():
            upstream = mt.ones(call(*tensors).shape).contiguous(memory_format=layout)
        return _timed_calls(call, tensors, upstream, mt.no_grad)

    candidates = [("minitorch (numba)", ours(), "auto"),
                  ("minitorch (numba, channels_last)", ours(mt.channels_last), "auto")]
    if reference:
        candidates.append(("minitorch (reference)", ours(), "reference"))
    if torch_version:
        import torch
        import torch.nn.functional as TF

        tensors = tuple(torch.tensor(a, requires_grad=True) for a in (x, w, b))
        call = lambda *t: case.call(TF, *t)  # noqa: E731
        with torch.no_grad():
            upstream = torch.ones(call(*tensors).shape)
        candidates.append(("pytorch", _timed_calls(call, tensors, upstream, torch.no_grad), None))
    return candidates


def run(cases=None, repeats: int = 9, reference: bool = True, torch: bool = True, budget: float = 20.0):
    from tqdm import tqdm

    torch_version = _torch_available() if torch else None
    rows = []
    for case in tqdm(cases or CASES, desc="layers", unit="case"):
        candidates = _candidates(case, reference, torch_version)
        runs = {}
        for name, (forward, both), mode in candidates:
            runs[(name, 0)] = _in_mode(mode, forward)
            runs[(name, 1)] = _in_mode(mode, both)
        timings = interleaved_medians(runs, repeats, budget=budget)
        torch_times = (timings.get(("pytorch", 0)), timings.get(("pytorch", 1)))
        for name, _, _ in candidates:
            forward_s, both_s = timings[(name, 0)], timings[(name, 1)]
            rows.append({"case": case.name, "implementation": name, "forward_ms": forward_s * 1e3,
                         "forward_backward_ms": both_s * 1e3,
                         "forward_vs_torch": forward_s / torch_times[0] if torch_times[0] else None,
                         "forward_backward_vs_torch": both_s / torch_times[1] if torch_times[1] else None})
    config = {"blas": blas.info(), "torch": torch_version, "python": platform.python_version(),
              "machine": platform.machine(), "when": time.strftime("%Y-%m-%d %H:%M")}
    return rows, config


def table(rows) -> str:
    header = ("case", "implementation", "fwd ms", "fwd+bwd ms", "fwd x torch", "fwd+bwd x torch")
    ratio = lambda v: "" if v is None else f"{v:.2f}"  # noqa: E731
    lines = [(r["case"], r["implementation"], f"{r['forward_ms']:.2f}", f"{r['forward_backward_ms']:.2f}",
              ratio(r["forward_vs_torch"]), ratio(r["forward_backward_vs_torch"])) for r in rows]
    return text_table(header, lines)


def save(rows, config, directory: str, partial: bool = False) -> str:
    return conv_suite.save(rows, config, directory, partial, stem="layers")
