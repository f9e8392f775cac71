"""Volumetric convolution layers, ``Conv3d`` and ``ConvTranspose3d``, as ``torch.nn``
(same arguments, weight shapes, default init and state_dict keys), on top of
``ops.conv3d`` (a reference-speed op: see its docstring). The machinery they share with
the 1-D and 2-D layers (argument checks, ``padding_mode``, ``output_size``) is in
``nn/conv.py``."""

from __future__ import annotations

from ..ops import conv3d as conv3d_ops
from ._checks import check_input
from .conv import _Conv, _ConvTranspose

_WHAT = "(N, C, D, H, W) or (C, D, H, W)"


class Conv3d(_Conv):
    """3-D convolution; weight (C_out, C_in/groups, kD, kH, kW), bias (C_out,).

    Shape:
        input (N, C_in, D, H, W) or (C_in, D, H, W); output (N, C_out, D_out, H_out, W_out)
        with each size_out = (size + 2·padding - dilation·(kernel - 1) - 1) // stride + 1.
    """
    _spatial = 3
    _function = staticmethod(conv3d_ops.conv3d)

    def _check(self, input):
        check_input(self, input, (4, 5), self.in_channels, what=_WHAT, unbatched_ndim=4)


class ConvTranspose3d(_ConvTranspose):
    """Transposed 3-D convolution (the gradient of Conv3d in its input); weight
    (C_in, C_out/groups, kD, kH, kW), bias (C_out,).

    Shape:
        input (N, C_in, D, H, W) or (C_in, D, H, W); output (N, C_out, D_out, H_out, W_out)
        with each size_out = (size - 1)·stride - 2·padding + dilation·(kernel - 1)
        + output_padding + 1 (``forward(input, output_size)`` picks output_padding).
    """
    _spatial = 3
    _function = staticmethod(conv3d_ops.conv_transpose3d)

    def _check(self, input):
        check_input(self, input, (4, 5), self.in_channels, what=_WHAT, unbatched_ndim=4)
