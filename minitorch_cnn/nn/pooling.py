"""Pooling layers, as ``torch.nn``: ``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d``,
``AdaptiveMaxPool2d``, ``MaxUnpool2d`` (FCN-style decoders) and ``GlobalAvgPool2d``; the
1-D ``MaxPool1d``, ``AvgPool1d``, ``AdaptiveAvgPool1d`` and ``AdaptiveMaxPool1d``; the
volumetric ``MaxPool3d``, ``AvgPool3d`` and ``AdaptiveAvgPool3d``."""

from __future__ import annotations

from ..ops import pooling as P
from ..ops import pooling3d as P3
from ._checks import check_input
from .module import Module


_PLANE = "(N, C, H, W) or (C, H, W)"
_LINE = "(N, C, L) or (C, L)"
_VOLUME = "(N, C, D, H, W) or (C, D, H, W)"


class _PoolNd(Module):
    """What the pooling layers share, per dimensionality as in PyTorch's ``_MaxPoolNd``:
    the input ranks they take (``_ranks``, unbatched and batched), how the error names
    them (``_what``) and the functional op (``_pool``)."""

    _ranks: tuple
    _what: str

    def forward(self, input):
        check_input(self, input, self._ranks, what=self._what)
        return self._pool(input, *self._arguments())


class _MaxPoolNd(_PoolNd):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def _arguments(self):
        return self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode, self.return_indices

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class _AvgPoolNd(_PoolNd):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def _arguments(self):
        return (self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AdaptivePoolNd(_PoolNd):
    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def _arguments(self):
        return (self.output_size, self.return_indices) if self._returns_indices else (self.output_size,)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class MaxPool2d(_MaxPoolNd):
    """Max over windows of H and W (padding counts as -inf).

    Shape:
        input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out) with each
        size_out = (size + 2·padding - dilation·(kernel - 1) - 1) / stride + 1, rounded
        down (up with ``ceil_mode``, dropping a window that would start in the end padding).
    """

    _ranks, _what, _pool = (3, 4), _PLANE, staticmethod(P.max_pool2d)


class AvgPool2d(_AvgPoolNd):
    """Mean over windows of H and W (zero padding; the divisor as ``F.avg_pool2d``).

    Shape:
        input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out) with each
        size_out = (size + 2·padding - kernel) / stride + 1, rounded as in MaxPool2d.
    """

    _ranks, _what, _pool = (3, 4), _PLANE, staticmethod(P.avg_pool2d)


class AdaptiveAvgPool2d(_AdaptivePoolNd):
    """Mean over PyTorch's adaptive windows, to a fixed output size.

    Shape:
        input (N, C, H, W) or (C, H, W); output (N, C) + output_size.
    """

    _ranks, _what, _pool, _returns_indices = (3, 4), _PLANE, staticmethod(P.adaptive_avg_pool2d), False

    def __init__(self, output_size):
        super().__init__(output_size)


class AdaptiveMaxPool2d(_AdaptivePoolNd):
    """Max over PyTorch's adaptive windows, to a fixed output size.

    Shape:
        input (N, C, H, W) or (C, H, W); output (N, C) + output_size.
    """

    _ranks, _what, _pool, _returns_indices = (3, 4), _PLANE, staticmethod(P.adaptive_max_pool2d), True


class GlobalAvgPool2d(Module):
    """Mean over H and W: (N, C, H, W) -> (N, C, 1, 1) (NiN, GoogLeNet, ResNet heads).

    Shape:
        - Input: (N, C, H, W); Output: (N, C, 1, 1).
    """

    def forward(self, input):
        check_input(self, input, (3, 4), what=_PLANE)
        return P.adaptive_avg_pool2d(input, 1)


class MaxUnpool2d(Module):
    """Puts each value back where ``MaxPool2d(return_indices=True)`` found it.

    Shape:
        - Input: (N, C, H, W) with the pooling's indices; Output: (N, C, H_out, W_out), by default
          (H - 1)·stride - 2·padding + kernel_size (``output_size`` to choose).
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, kernel_size if stride is None else stride, padding

    def forward(self, input, indices, output_size=None):
        check_input(self, input, (3, 4), what=_PLANE)
        return P.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool1d(_MaxPoolNd):
    """Max over windows of the last dim (padding counts as -inf).

    Shape:
        input (N, C, L_in) or (C, L_in); output (N, C, L_out) or (C, L_out) with
        L_out = (L_in + 2·padding - dilation·(kernel_size - 1) - 1) / stride + 1, rounded
        down (up with ``ceil_mode``, dropping a window that would start in the end padding).
    """

    _ranks, _what, _pool = (2, 3), _LINE, staticmethod(P.max_pool1d)


class AvgPool1d(_AvgPoolNd):
    """Mean over windows of the last dim (zero padding; the divisor as ``F.avg_pool1d``).

    Shape:
        input (N, C, L_in) or (C, L_in); output (N, C, L_out) or (C, L_out) with
        L_out = (L_in + 2·padding - kernel_size) / stride + 1, rounded as in MaxPool1d.
    """

    _ranks, _what, _pool = (2, 3), _LINE, staticmethod(P.avg_pool1d)

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)  # no divisor_override

    def _arguments(self):
        return super()._arguments()[:-1]


class AdaptiveAvgPool1d(_AdaptivePoolNd):
    """Mean over PyTorch's adaptive windows of the last dim.

    Shape:
        input (N, C, L_in) or (C, L_in); output (N, C, output_size) or (C, output_size).
    """

    _ranks, _what, _pool, _returns_indices = (2, 3), _LINE, staticmethod(P.adaptive_avg_pool1d), False

    def __init__(self, output_size):
        super().__init__(output_size)


class AdaptiveMaxPool1d(_AdaptivePoolNd):
    """Max over PyTorch's adaptive windows of the last dim (indices: positions along L).

    Shape:
        input (N, C, L_in) or (C, L_in); output (N, C, output_size) or (C, output_size).
    """

    _ranks, _what, _pool, _returns_indices = (2, 3), _LINE, staticmethod(P.adaptive_max_pool1d), True


class MaxPool3d(_MaxPoolNd):
    """Max over 3-D windows (padding counts as -inf).

    Shape:
        input (N, C, D, H, W) or (C, D, H, W); output (N, C, D_out, H_out, W_out) with each
        size_out = (size + 2·padding - dilation·(kernel - 1) - 1) / stride + 1, rounded
        down (up with ``ceil_mode``, dropping a window that would start in the end padding).
    """

    _ranks, _what, _pool = (4, 5), _VOLUME, staticmethod(P3.max_pool3d)


class AvgPool3d(_AvgPoolNd):
    """Mean over 3-D windows (zero padding; the divisor as ``F.avg_pool3d``).

    Shape:
        input (N, C, D, H, W) or (C, D, H, W); output (N, C, D_out, H_out, W_out) with each
        size_out = (size + 2·padding - kernel) / stride + 1, rounded as in MaxPool3d.
    """

    _ranks, _what, _pool = (4, 5), _VOLUME, staticmethod(P3.avg_pool3d)


class AdaptiveAvgPool3d(_AdaptivePoolNd):
    """Mean over PyTorch's adaptive windows, to a fixed output size.

    Shape:
        input (N, C, D, H, W) or (C, D, H, W); output (N, C) + output_size (None keeps
        that dim's input size).
    """

    _ranks, _what, _pool, _returns_indices = (4, 5), _VOLUME, staticmethod(P3.adaptive_avg_pool3d), False

    def __init__(self, output_size):
        super().__init__(output_size)
