"""Gradient checks of the convolution ops, for ``minitorch-cnn gradcheck``: dense, strided
and dilated, grouped, depthwise with a multiplier, transposed with output padding, 1-D;
second derivatives through all three convolution ops."""

from __future__ import annotations

from .. import creation as mt
from ..nn import functional as F
from .registry import register


def _x(*shape):
    return mt.randn(*shape, dtype="float64").requires_grad_()


_CONFIGS = [
    ("conv2d", "3x3, padding 1", lambda x, w, b: F.conv2d(x, w, b, padding=1), (2, 3, 5, 5), (4, 3, 3, 3), 4),
    ("conv2d", "3x2 kernel, stride (2, 1), dilation (1, 2)",
     lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 0), dilation=(1, 2)), (2, 3, 6, 7), (4, 3, 3, 2), 4),
    ("conv2d", "groups=2", lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=2), (2, 4, 4, 4), (6, 2, 3, 3), 6),
    ("conv2d", "depthwise, multiplier 2", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, groups=3),
     (2, 3, 5, 5), (6, 1, 3, 3), 6),
    ("conv2d", "1x1, stride 2", lambda x, w, b: F.conv2d(x, w, b, stride=2), (2, 4, 5, 5), (3, 4, 1, 1), 3),
    ("conv2d", "padding='same', 4x4 kernel", lambda x, w, b: F.conv2d(x, w, b, padding="same"),
     (1, 2, 5, 6), (3, 2, 4, 4), 3),
    ("conv_transpose2d", "k3 s2 p1 output_padding 1",
     lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1), (2, 4, 3, 3), (4, 3, 3, 3), 3),
    ("conv_transpose2d", "k4 s2 p1 groups 2",
     lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, groups=2), (1, 4, 3, 3), (4, 2, 4, 4), 4),
    ("conv1d", "k3 s2 dilation 2", lambda x, w, b: F.conv1d(x, w, b, stride=2, dilation=2), (2, 3, 9), (4, 3, 3), 4),
    ("conv_transpose1d", "k3 s2 output_padding 1",
     lambda x, w, b: F.conv_transpose1d(x, w, b, stride=2, output_padding=1), (2, 3, 4), (3, 2, 3), 2),
]

for _op, _config, _fn, _x_shape, _w_shape, _bias in _CONFIGS:
    register(_op, _config, lambda _fn=_fn, _xs=_x_shape, _ws=_w_shape, _b=_bias: (_fn, (_x(*_xs), _x(*_ws), _x(_b))))

register("conv2d", "3x3 stride 2 groups 2 (x and w)",
         lambda: ((lambda x, w: F.conv2d(x, w, stride=2, padding=1, groups=2)), (_x(1, 4, 4, 4), _x(4, 2, 3, 3))),
         second_order=True)
register("conv_transpose2d", "k3 s2 p1 output_padding 1 (x and w)",
         lambda: ((lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)),
                  (_x(1, 2, 2, 3), _x(2, 3, 3, 3))), second_order=True)
