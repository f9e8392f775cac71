"""Standard vs depthwise separable convolution, the trade MobileNet makes: one k×k
convolution from M to N channels against a k×k depthwise convolution (groups=M) followed
by a 1×1 pointwise convolution, on the same input, for our fast kernels and PyTorch's,
forward and forward+backward in float32.

The multiply-adds fall by 1/N + 1/k² (8-9× for 3×3); the timings show how much of that a
CPU turns into speed: a depthwise convolution does little arithmetic per byte it moves.
"""

from __future__ import annotations

import platform
import time
from dataclasses import asdict, dataclass

import numpy as np

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import blas

from . import conv
from .conv import _timed_calls, _torch_available
from .timing import interleaved_medians, text_table


@dataclass
class Case:
    name: str
    n: int
    m: int      # input channels
    n_out: int  # output channels
    size: int   # D_F: height = width of the (stride-1, same-padded) maps
    k: int = 3

    def macs(self) -> dict:
        """The lectures' counts: D_K²·M·N·D_F² against D_K²·M·D_F² + M·N·D_F², per image."""
        area = self.size * self.size
        return {"standard": self.k * self.k * self.m * self.n_out * area,
                "separable": self.k * self.k * self.m * area + self.m * self.n_out * area}


CASES = [Case("MobileNet 64->128 @56", 8, 64, 128, 56), Case("MobileNet 256->256 @28", 8, 256, 256, 28),
         Case("MobileNet 512->512 @14", 8, 512, 512, 14)]


def _weights(case: Case, seed: int = 0):
    rng = np.random.default_rng(seed)
    pad = case.k // 2
    x = rng.standard_normal((case.n, case.m, case.size, case.size), dtype=np.float32)
    full = rng.standard_normal((case.n_out, case.m, case.k, case.k), dtype=np.float32) * 0.05
    depthwise = rng.standard_normal((case.m, 1, case.k, case.k), dtype=np.float32) * 0.3
    pointwise = rng.standard_normal((case.n_out, case.m, 1, 1), dtype=np.float32) * 0.1
    return x, full, depthwise, pointwise, pad


def _calls(functional, case, pad):
    def standard(x, w):
        return functional.conv2d(x, w, None, 1, pad)

    def separable(x, depthwise, pointwise):
        return functional.conv2d(functional.conv2d(x, depthwise, None, 1, pad, groups=case.m), pointwise)

    return standard, separable


def _prepared(case, library):
    x, full, depthwise, pointwise, pad = _weights(case)
    if library == "minitorch":
        make, no_grad, ones, functional = (lambda a: mt.tensor(a, requires_grad=True)), mt.no_grad, mt.ones, F
    else:
        import torch
        import torch.nn.functional as TF
        make, no_grad, ones, functional = (lambda a: torch.tensor(a, requires_grad=True)), torch.no_grad, \
            torch.ones, TF
    standard, separable = _calls(functional, case, pad)
    out = {}
    for label, call, arrays in (("standard", standard, (x, full)), ("separable", separable, (x, depthwise, pointwise))):
        tensors = tuple(make(a) for a in arrays)
        with no_grad():
            upstream = ones(tuple(call(*tensors).shape))
        out[label] = _timed_calls(call, tensors, upstream, no_grad)
    return out


def run(cases=None, repeats: int = 9, reference: bool = False, torch: bool = True, budget: float = 30.0):
    """Time both forms for our kernels (and PyTorch's); returns the rows and the configuration."""
    torch_version = _torch_available() if torch else None
    libraries = ["minitorch"] + (["pytorch"] if torch_version else [])
    rows = []
    for case in cases or CASES:
        runs = {}
        for library in libraries:
            for form, (forward, forward_backward) in _prepared(case, library).items():
                runs[(library, form, "forward")] = forward
                runs[(library, form, "forward_backward")] = forward_backward
        medians = interleaved_medians(runs, repeats, budget=budget)
        macs = case.macs()
        for library in libraries:
            for form in ("standard", "separable"):
                rows.append({"case": case.name, "config": asdict(case), "implementation": library, "form": form,
                             "macs_per_image": macs[form],
                             "forward_ms": medians[(library, form, "forward")] * 1e3,
                             "forward_backward_ms": medians[(library, form, "forward_backward")] * 1e3})
    config = {"blas": blas.info(), "torch": torch_version, "python": platform.python_version(),
              "machine": platform.machine(), "when": time.strftime("%Y-%m-%d %H:%M")}
    return rows, config


def table(rows) -> str:
    """One line per case and implementation: both forms' times and how much faster the separable pair is,
    beside how much less arithmetic it does."""
    header = ("case", "implementation", "standard fwd ms", "separable fwd ms", "fwd speed-up",
              "standard fwd+bwd ms", "separable fwd+bwd ms", "fwd+bwd speed-up", "MACs ratio")
    grouped = {}
    for r in rows:
        grouped.setdefault((r["case"], r["implementation"]), {})[r["form"]] = r
    lines = []
    for (case, library), forms in grouped.items():
        s, p = forms["standard"], forms["separable"]
        lines.append((case, library, f"{s['forward_ms']:.2f}", f"{p['forward_ms']:.2f}",
                      f"{s['forward_ms'] / p['forward_ms']:.1f}x", f"{s['forward_backward_ms']:.2f}",
                      f"{p['forward_backward_ms']:.2f}", f"{s['forward_backward_ms'] / p['forward_backward_ms']:.1f}x",
                      f"{s['macs_per_image'] / p['macs_per_image']:.1f}x"))
    return text_table(header, lines)


def save(rows, config, directory: str, partial: bool = False) -> str:
    return conv.save(rows, config, directory, partial, stem="separable")
