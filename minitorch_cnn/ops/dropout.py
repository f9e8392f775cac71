"""Dropout, as ``torch.nn.functional``: ``dropout`` (elements), ``dropout2d`` (whole
channels) and torchvision's ``stochastic_depth`` (whole residual branches per sample).

All are *inverted* dropout: in training the kept values are scaled by 1/(1-p), so the
expected output equals the input and evaluation is the identity. The masks come from the
framework's one generator (``manual_seed``), drawn on the host and moved to the input's
device, so a seed gives the same masks on CPU and GPU. The output is input × mask, a
product with a constant, so the gradient is grad × mask. A full-size mask is drawn in the
input's memory order, so a channels_last input gives a channels_last output (as in
PyTorch, the same seed then draws a different mask than for the NCHW layout).
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import backend
from ..errors import ArgumentTypeError
from ..tensor import Tensor


def _check_p(fn, p, input=None, training=True):
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{fn}: dropout probability has to be between 0 and 1, but got {p!r}")
    if training and p > 0 and isinstance(input, Tensor) and input.dtype.kind != "f":
        # the kept values are scaled by 1/(1-p), which an integer tensor cannot hold
        raise ArgumentTypeError(f"{fn}: result type float can't be cast to the input's dtype {input.dtype} (dropout "
                        f"scales the kept values by 1/(1-p)); convert the input with .float()")
    return float(p)


def _mask(input, shape, keep):
    """A {0, 1/keep} mask of ``shape`` (broadcastable to the input), in the input's dtype."""
    if tuple(shape) == tuple(input.shape) and backend.is_channels_last(input.array):
        n, c, *spatial = shape
        last = input.ndim - 1
        kept = (backend.default_rng.generator.random((n, *spatial, c)) < keep).transpose(0, last, *range(1, last))
    else:
        kept = backend.default_rng.generator.random(shape) < keep
    scale = 0.0 if keep == 0 else 1.0 / keep
    mask = kept.astype(input.dtype) * np.asarray(scale, dtype=input.dtype)
    return Tensor._wrap(backend.to_device(mask, input.device))


def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero each element with probability p and scale the rest by 1/(1-p) (training only)."""
    p = _check_p("dropout", p, input, training)
    if not training or p == 0.0:
        return input
    return input * _mask(input, input.shape, 1.0 - p)


def dropout2d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of a (N, C, H, W) or (C, H, W) input with probability p."""
    p = _check_p("dropout2d", p, input, training)
    if input.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected a 3-D or 4-D input, got shape {list(input.shape)}")
    if not training or p == 0.0:
        return input
    shape = input.shape[:-2] + (1, 1)
    return input * _mask(input, shape, 1.0 - p)


def stochastic_depth(input, p: float, mode: str, training: bool = True):
    """torchvision's stochastic depth for residual branches: drop the whole input per
    sample (``mode="row"``) or for the whole batch (``mode="batch"``) with probability p,
    scaling survivors by 1/(1-p)."""
    p = _check_p("stochastic_depth", p)
    if mode not in ("row", "batch"):
        raise ValueError(f"stochastic_depth: mode has to be either 'batch' or 'row', but got {mode!r}")
    if not training or p == 0.0:
        return input
    shape = (input.shape[0],) + (1,) * (input.ndim - 1) if mode == "row" else (1,) * input.ndim
    return input * _mask(input, shape, 1.0 - p)
