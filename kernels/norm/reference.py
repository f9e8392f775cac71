"""Reference batch-norm kernels (training mode): readable array code, NumPy or CuPy.

Inputs are viewed as (N, C, L): the statistics of channel c are taken over N and L (the
spatial positions). The forward normalises with the biased variance; the op layer turns
it into the unbiased one for the running estimate. Results keep x's memory format.
"""

from __future__ import annotations

import numpy as np

from ...backend import in_format_of, xp_of


def _per_channel(v):
    return v.reshape(1, -1, 1)


def batch_norm_train(x, weight, bias, eps):
    """y = (x - mean) / sqrt(var + eps) * weight + bias; returns (y, mean, var, invstd)."""
    xp = xp_of(x)
    mean = x.mean(axis=(0, 2), dtype=np.float64)
    var = ((x - _per_channel(mean.astype(x.dtype))) ** 2).mean(axis=(0, 2), dtype=np.float64)
    invstd = 1.0 / xp.sqrt(var + eps)
    scale = invstd if weight is None else invstd * weight
    shift = -mean * scale if bias is None else bias - mean * scale
    y = x * _per_channel(scale.astype(x.dtype)) + _per_channel(shift.astype(x.dtype))
    return in_format_of(x, y), mean.astype(x.dtype), var.astype(x.dtype), invstd.astype(x.dtype)


def batch_norm_backward(x, grad, mean, invstd, weight):
    """Gradients of ``batch_norm_train``'s y with respect to x, weight and bias.

    With x̂ = (x - mean)·invstd and M values per channel:
    dbias = Σ g, dweight = Σ g·x̂, dx = weight·invstd·(g - dbias/M - x̂·dweight/M)."""
    m = x.shape[0] * x.shape[2]
    xhat = (x - _per_channel(mean)) * _per_channel(invstd)
    dbias = grad.sum(axis=(0, 2), dtype=np.float64)
    dweight = (grad * xhat).sum(axis=(0, 2), dtype=np.float64)
    gamma = invstd if weight is None else invstd * weight
    dx = _per_channel(gamma) * (grad - _per_channel((dbias / m).astype(x.dtype))
                                - xhat * _per_channel((dweight / m).astype(x.dtype)))
    return in_format_of(x, dx.astype(x.dtype, copy=False)), dweight.astype(x.dtype), dbias.astype(x.dtype)
