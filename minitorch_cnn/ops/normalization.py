"""Normalisation, as ``torch.nn.functional``: batch_norm, layer_norm, group_norm,
instance_norm and local_response_norm.

Training-mode batch norm is one ``Function`` over a Numba kernel (it is in every modern
CNN and the hottest op after convolution). Its backward runs the fused kernel when no
graph of the backward is wanted, and otherwise the same formula written with
differentiable ops, so second derivatives work. Everything else (eval-mode batch norm,
layer/group/instance norm, LRN) is a composition of differentiable ops.

Statistics: normalisation uses the biased variance; running_var is updated with the
unbiased one (n / (n - 1)), as PyTorch. Running statistics are updated in place, outside
the graph.
"""

from __future__ import annotations

import numbers

from .. import kernels
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled, no_grad
from ..tensor import Tensor
from .pad import pad


def _check_vector(fn, name, t, channels, dtype):
    """A per-channel vector (weight, bias, running statistics): a Tensor of shape (C,) and the
    input's dtype (a float64 input with float32 statistics would silently compute in a mix)."""
    if t is None:
        return
    if not isinstance(t, Tensor):
        raise TypeError(f"{fn}: {name} must be a Tensor or None, got {type(t).__name__}")
    if t.shape != (channels,):
        raise ValueError(f"{fn}: {name} must have shape ({channels},) for an input with {channels} channels, "
                         f"got {list(t.shape)}")
    if t.dtype != dtype:
        raise RuntimeError(f"{fn}: expected {name} to have the input's dtype {dtype}, got {t.dtype}")


def _channel_view(t, ndim):
    return t.reshape((1, -1) + (1,) * (ndim - 2))


def _update_running(running_mean, running_var, mean, unbiased_var, momentum) -> None:
    """running = (1 - momentum)·running + momentum·batch, in place and outside the graph."""
    m = float(momentum)
    with no_grad():
        running_mean.array[...] = (1 - m) * running_mean.array + m * mean.astype(running_mean.dtype)
        running_var.array[...] = (1 - m) * running_var.array + m * unbiased_var.astype(running_var.dtype)
    running_mean._version.value += 1
    running_var._version.value += 1


class BatchNormTrain(Function):
    @staticmethod
    def forward(ctx, x, weight, bias, eps):
        y, mean, var, invstd = kernels.batch_norm_train(x, weight, bias, eps)
        ctx.save_for_backward(x, weight)
        ctx.mean, ctx.invstd, ctx.eps = mean, invstd, eps
        ctx.mark_non_differentiable(mean, var)
        return y, mean, var

    @staticmethod
    def backward(ctx, grad, _grad_mean, _grad_var):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        if not is_grad_enabled():  # plain backward: the fused kernel
            dx, dw, db = kernels.batch_norm_backward(x.array, grad.array, ctx.mean, ctx.invstd,
                                                     None if weight is None else weight.array)
            wrap = Tensor._wrap
            return wrap(dx) if need_x else None, wrap(dw) if need_w else None, wrap(db) if need_b else None, None
        # create_graph: the same formulas, recorded, with the statistics recomputed from x
        # so that their dependence on x is differentiated too
        count = x.shape[0] * x.shape[2]
        centred = x - x.mean((0, 2), keepdim=True)
        invstd = ((centred * centred).mean((0, 2), keepdim=True) + ctx.eps) ** -0.5
        xhat = centred * invstd
        dbias = grad.sum((0, 2))
        dweight = (grad * xhat).sum((0, 2))
        gamma = invstd if weight is None else invstd * weight.reshape(1, -1, 1)
        dx = gamma * (grad - dbias.reshape(1, -1, 1) / count - xhat * dweight.reshape(1, -1, 1) / count)
        return dx if need_x else None, dweight if need_w else None, dbias if need_b else None, None


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) over the batch and spatial dims.

    ``training=True`` uses the batch's statistics and, when running stats are given,
    updates them in place with ``momentum`` (new = (1-momentum)·old + momentum·batch);
    ``training=False`` uses the running statistics and stays differentiable in input,
    weight and bias (frozen-BN fine-tuning)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"batch_norm: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an input with at least 2 dims (N, C, ...), got {list(input.shape)}")
    if input.dtype.kind != "f":
        raise TypeError(f"batch_norm: input must be floating point, got {input.dtype}")
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        _check_vector("batch_norm", name, t, channels, input.dtype)
    if not training and (running_mean is None or running_var is None):
        raise ValueError("batch_norm: running_mean and running_var are needed when training=False")
    if training:
        count = input.numel() // max(channels, 1)
        if count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{list(input.shape)}")
        x = input.reshape(input.shape[0], channels, -1)  # a view, for channels_last memory too
        if input.ndim == 3:  # (N, C, L) keeps no channels_last format in PyTorch: NCL results
            x = x.contiguous()
        y, mean, var = BatchNormTrain.apply(x, weight, bias, eps)
        if running_mean is not None and running_var is not None:
            _update_running(running_mean, running_var, mean.array, var.array * (count / (count - 1)), momentum)
        return y.reshape(input.shape)
    invstd = (running_var + eps) ** -0.5
    scale = invstd if weight is None else invstd * weight
    out = (input - _channel_view(running_mean, input.ndim)) * _channel_view(scale, input.ndim)
    return out if bias is None else out + _channel_view(bias, input.ndim)


def _normalize_last(x, dims, eps):
    centred = x - x.mean(dims, keepdim=True)
    return centred * ((centred * centred).mean(dims, keepdim=True) + eps) ** -0.5


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing ``normalized_shape`` dims of each sample."""
    shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)
    if input.ndim < len(shape) or tuple(input.shape[input.ndim - len(shape):]) != shape:
        raise ValueError(f"layer_norm: normalized_shape {list(shape)} must match the last dims of the input, "
                         f"got input shape {list(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.shape != shape:
            raise ValueError(f"layer_norm: {name} must have shape {list(shape)}, got {list(t.shape)}")
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    out = _normalize_last(input, dims, eps)
    if weight is not None:
        out = out * weight
    return out if bias is None else out + bias


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each group of ``C / num_groups`` channels of each sample together."""
    if input.ndim < 2:
        raise ValueError(f"group_norm: expected an input with at least 2 dims (N, C, ...), got {list(input.shape)}")
    n, channels = input.shape[:2]
    if num_groups < 1 or channels % num_groups:
        raise ValueError(f"group_norm: num_channels ({channels}) must be divisible by num_groups ({num_groups})")
    _check_vector("group_norm", "weight", weight, channels, input.dtype)
    _check_vector("group_norm", "bias", bias, channels, input.dtype)
    out = _normalize_last(input.reshape(n, num_groups, -1), (2,), eps).reshape(input.shape)
    if weight is not None:
        out = out * _channel_view(weight, input.ndim)
    return out if bias is None else out + _channel_view(bias, input.ndim)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalise each channel of each sample over its spatial dims. With running stats
    given and ``use_input_stats``, they are updated with the batch average of the
    per-instance statistics (unbiased variance), as PyTorch."""
    if input.ndim < 3:
        raise ValueError(f"instance_norm: expected an input with at least 3 dims (N, C, ...), got {list(input.shape)}")
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        _check_vector("instance_norm", name, t, channels, input.dtype)
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: running_mean and running_var are needed when use_input_stats=False")
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    count = input.numel() // (input.shape[0] * channels)
    if count <= 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {list(input.shape)}")
    x = input.reshape(input.shape[0], channels, -1)
    out = _normalize_last(x, (2,), eps).reshape(input.shape)
    if running_mean is not None and running_var is not None:
        _update_running(running_mean, running_var, x.array.mean(axis=2).mean(axis=0),
                        x.array.var(axis=2, ddof=1).mean(axis=0), momentum)
    if weight is not None:
        out = out * _channel_view(weight, input.ndim)
    return out if bias is None else out + _channel_view(bias, input.ndim)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """AlexNet's LRN across channels: x / (k + alpha · mean of x² over ``size``
    neighbouring channels)^beta, the window zero-padded by (size//2, (size-1)//2) as
    PyTorch (which divides by ``size`` even at the edges)."""
    if input.ndim < 3:
        raise ValueError(f"local_response_norm: expected an input with at least 3 dims, got {list(input.shape)}")
    if not isinstance(size, numbers.Integral) or size < 1:
        raise ValueError(f"local_response_norm: size must be a positive int, got {size!r}")
    square = input * input
    # zero-pad dim 1 only: pad() lists (before, after) pairs from the last dim backwards
    padded = pad(square, (0, 0) * (input.ndim - 2) + (size // 2, (size - 1) // 2))
    channels = input.shape[1]
    window = padded[:, 0:channels]
    for offset in range(1, size):
        window = window + padded[:, offset:offset + channels]
    return input / (window * (alpha / size) + k) ** beta
