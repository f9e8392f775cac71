"""Normalisation layers, as ``torch.nn``: ``BatchNorm1d``, ``BatchNorm2d``, ``BatchNorm3d``,
``LayerNorm``, ``GroupNorm``, ``InstanceNorm1d``, ``InstanceNorm2d``, ``InstanceNorm3d`` and
AlexNet's ``LocalResponseNorm``.

Batch norm keeps ``running_mean``, ``running_var`` and ``num_batches_tracked`` as buffers
(saved in the state_dict under PyTorch's names). ``momentum=None`` makes the running
statistics a cumulative average: the factor is 1/num_batches_tracked.
"""

from __future__ import annotations

import numbers
import warnings

from .. import backend, creation
from ..arguments import integer, real
from ..autograd.grad_mode import no_grad
from ..ops import normalization as N
from ..tensor import Tensor
from . import init
from ._checks import check_input
from .module import Module
from .parameter import Parameter


class _NormBase(Module):
    def __init__(self, num_features, eps, momentum, affine, track_running_stats, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        integer(num_features, f"{name}: num_features", low=1)
        real(eps, f"{name}: eps", low=0.0)  # a NaN or negative eps makes every output NaN
        if momentum is not None:  # None: a cumulative average
            real(momentum, f"{name}: momentum (None, or the running average's weight)", low=0.0, high=1.0)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(creation.ones(num_features, device=device, dtype=dtype))
            self.bias = Parameter(creation.zeros(num_features, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros(num_features, device=device, dtype=dtype))
            self.register_buffer("running_var", creation.ones(num_features, device=device, dtype=dtype))
            self.register_buffer("num_batches_tracked", creation.tensor(0, dtype=backend.int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            self.num_batches_tracked.array[...] = 0

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def _average_factor(self) -> float:
        """The momentum this step uses, counting the batch (PyTorch's rule); the count itself
        advances in ``_count_batch`` once the step has succeeded (a refused input changes
        nothing)."""
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.momentum is None:
            factor = 1.0 / (float(self.num_batches_tracked.item()) + 1)
        return factor

    def _count_batch(self) -> None:
        if self.training and self.track_running_stats:
            with no_grad():
                self.num_batches_tracked.array[...] += 1

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    _ndims: tuple = ()
    _what = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)

    def forward(self, input):
        check_input(self, input, self._ndims, self.num_features, what=self._what)
        factor = self._average_factor()
        use_batch_stats = self.training or self.running_mean is None
        # in training, the running stats are updated only when they are tracked
        out = N.batch_norm(input, self.running_mean if not self.training or self.track_running_stats else None,
                           self.running_var if not self.training or self.track_running_stats else None,
                           self.weight, self.bias, use_batch_stats, factor, self.eps)
        self._count_batch()
        return out


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) inputs.

    Shape:
        - Input: (N, C) or (N, C, L); Output: the same.
    """
    _ndims = (2, 3)
    _what = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    r"""Batch norm over (N, C, H, W) inputs, statistics per channel over N, H and W
    (Ioffe and Szegedy, 2015):

    $$
    y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} \cdot \gamma + \beta
    $$

    In training the batch's mean and biased variance are used, and ``running_mean`` /
    ``running_var`` follow ``(1 - momentum)·running + momentum·batch`` (the unbiased
    variance; ``momentum=None``: a cumulative average); in eval mode the running statistics.

    Shape:
        - Input: (N, C, H, W); Output: the same (channels_last input stays channels_last).
    """

    _ndims = (4,)
    _what = "(N, C, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch norm over volumes, statistics per channel over N, D, H and W.

    Shape:
        input (N, C, D, H, W); output the same shape.
    """
    _ndims = (5,)
    _what = "(N, C, D, H, W)"


class _InstanceNorm(_NormBase):
    """Per-sample, per-channel normalisation over the spatial dims. Defaults as PyTorch: no
    affine parameters, no running statistics; ``num_batches_tracked`` is kept (for the
    state_dict) but, as in PyTorch, never counted. An input with one dim fewer than
    ``_batched_ndim`` is one unbatched sample."""
    _batched_ndim = 4
    _what = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)

    def forward(self, input):
        batched_ndim = self._batched_ndim
        check_input(self, input, (batched_ndim - 1, batched_ndim), what=self._what)
        channel_dim = 1 if input.ndim == batched_ndim else 0
        if input.shape[channel_dim] != self.num_features:
            # as PyTorch: num_features is only used by the affine parameters (and running stats)
            message = (f"{self!r}: expected input with {self.num_features} channels (dim {channel_dim}), "
                       f"got shape {list(input.shape)}")
            if self.affine or self.track_running_stats:
                raise ValueError(message)
            warnings.warn(message + "; num_features is not used since affine=False", stacklevel=2)
        batched = input if input.ndim == batched_ndim else input.unsqueeze(0)
        # PyTorch's instance norm neither counts batches nor averages cumulatively: a
        # momentum of None freezes the running statistics
        factor = 0.0 if self.momentum is None else self.momentum
        use_input_stats = self.training or not self.track_running_stats
        out = N.instance_norm(batched, self.running_mean, self.running_var, self.weight, self.bias,
                              use_input_stats, factor, self.eps)
        return out if input.ndim == batched_ndim else out.squeeze(0)


class InstanceNorm1d(_InstanceNorm):
    """Instance norm over L of each sample and channel.

    Shape:
        input (N, C, L) or (C, L); output the same shape.
    """
    _batched_ndim = 3
    _what = "(N, C, L) or (C, L)"


class InstanceNorm2d(_InstanceNorm):
    """Instance norm over H, W of each sample and channel.

    Shape:
        input (N, C, H, W) or (C, H, W); output the same shape.
    """
    _batched_ndim = 4
    _what = "(N, C, H, W) or (C, H, W)"


class InstanceNorm3d(_InstanceNorm):
    """Instance norm over D, H, W of each sample and channel.

    Shape:
        input (N, C, D, H, W) or (C, D, H, W); output the same shape.
    """
    _batched_ndim = 5
    _what = "(N, C, D, H, W) or (C, D, H, W)"


class LayerNorm(Module):
    """Normalises over the trailing ``normalized_shape`` dims, with elementwise affine.

    Shape:
        - Input: (*, normalized_shape); Output: the same.
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device=None, dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)
        real(eps, "LayerNorm: eps", low=0.0)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(creation.ones(*shape, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(creation.zeros(*shape, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input):
        n = len(self.normalized_shape)
        if not isinstance(input, Tensor) or tuple(input.shape[input.ndim - n:]) != self.normalized_shape:
            got = list(input.shape) if isinstance(input, Tensor) else type(input).__name__
            raise ValueError(f"{self!r}: expected input ending in {list(self.normalized_shape)}, got shape {got}")
        return N.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Normalises groups of channels of each sample; per-channel affine.

    Shape:
        - Input: (N, C, ...), C divisible by num_groups; Output: the same.
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True, device=None,
                 dtype=None):
        super().__init__()
        integer(num_groups, "GroupNorm: num_groups", low=1)
        integer(num_channels, "GroupNorm: num_channels", low=1)
        real(eps, "GroupNorm: eps", low=0.0)
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        if affine:
            self.weight = Parameter(creation.ones(num_channels, device=device, dtype=dtype))
            self.bias = Parameter(creation.zeros(num_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input):
        check_input(self, input, range(2, 8), self.num_channels, what="(N, C, ...)")
        return N.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class LocalResponseNorm(Module):
    """AlexNet's local response normalisation across ``size`` neighbouring channels.

    Shape:
        - Input: (N, C, ...); Output: the same.
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return N.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
