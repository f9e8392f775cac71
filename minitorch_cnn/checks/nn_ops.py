"""Gradient checks of the layer ops, for ``minitorch-cnn gradcheck``: activations,
pooling (ceil mode, padding, overlapping windows), normalisation in training and eval,
resampling, dropout (the check rewinds the RNG, so the mask is fixed), losses and
attention; the 3-D (volumetric) convolutions and pooling; second derivatives where the
backward is itself differentiable."""

from __future__ import annotations

import numpy as np

from .. import creation as mt
from ..nn import functional as F
from .registry import register


def _x(*shape, low=None):
    t = mt.randn(*shape, dtype="float64")
    if low is not None:
        t = t.abs() + low
    return t.requires_grad_()


def _distinct(*shape):
    """Values without ties (max pooling is not differentiable at a tie)."""
    values = np.random.default_rng(0).permutation(int(np.prod(shape))).reshape(shape) * 0.1
    return mt.tensor(values, dtype="float64", requires_grad=True)


_UNARY = [
    ("relu", F.relu), ("gelu", F.gelu), ("gelu", lambda x: F.gelu(x, approximate="tanh")), ("silu", F.silu),
    ("elu", F.elu), ("selu", F.selu), ("softplus", F.softplus), ("hardswish", F.hardswish),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.1)), ("mish", F.mish),
]
for _name, _fn in _UNARY:
    register(_name, "(3, 4)", lambda _fn=_fn: (_fn, (_x(3, 4, low=0.1) * mt.tensor([1.0, -1.0, 1.0, -1.0],
                                                                                   dtype="float64"),)))
register("prelu", "per channel", lambda: (F.prelu, (_x(2, 3, 4), _x(3))))

register("max_pool2d", "3x3 s2 p1 ceil_mode", lambda: (lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True),
                                                        (_distinct(2, 2, 6, 7),)))
register("max_pool2d", "2x2 s1 overlapping (second order)", lambda: (lambda x: F.max_pool2d(x, 2, 1),
                                                                     (_distinct(1, 2, 4, 4),)), second_order=True)
register("avg_pool2d", "3x2 s2 p1 count_include_pad=False ceil_mode",
         lambda: (lambda x: F.avg_pool2d(x, (3, 2), 2, 1, True, False), (_x(2, 2, 6, 5),)))
register("avg_pool2d", "2x2 (second order)", lambda: (lambda x: F.avg_pool2d(x, 2), (_x(1, 2, 4, 4),)),
         second_order=True)
register("adaptive_avg_pool2d", "5x7 -> 3x2", lambda: (lambda x: F.adaptive_avg_pool2d(x, (3, 2)), (_x(2, 2, 5, 7),)))
register("adaptive_max_pool2d", "5x7 -> 3x2", lambda: (lambda x: F.adaptive_max_pool2d(x, (3, 2)),
                                                        (_distinct(2, 2, 5, 7),)))
register("batch_norm", "training, affine", lambda: (lambda x, w, b: F.batch_norm(x, None, None, w, b, True),
                                                    (_x(3, 2, 3, 3), _x(2), _x(2))))
register("batch_norm", "training (second order)", lambda: (lambda x, w: F.batch_norm(x, None, None, w, None, True),
                                                           (_x(3, 2, 2, 2), _x(2))), second_order=True)
register("batch_norm", "eval, running stats", lambda: (
    lambda x, w, b: F.batch_norm(x, mt.zeros(2, dtype="float64") + 0.5, mt.ones(2, dtype="float64") * 2, w, b),
    (_x(3, 2, 3), _x(2), _x(2))))
register("layer_norm", "last two dims", lambda: (lambda x, w, b: F.layer_norm(x, (3, 4), w, b),
                                                 (_x(2, 3, 4), _x(3, 4), _x(3, 4))))
register("group_norm", "4 channels, 2 groups", lambda: (lambda x, w, b: F.group_norm(x, 2, w, b),
                                                        (_x(2, 4, 3, 3), _x(4), _x(4))))
register("local_response_norm", "size 3", lambda: (lambda x: F.local_response_norm(x, 3, 0.1, 0.75, 2.0),
                                                   (_x(2, 5, 2, 2),)))
register("interpolate", "bilinear, align_corners=False", lambda: (
    lambda x: F.interpolate(x, size=(5, 7), mode="bilinear", align_corners=False), (_x(1, 2, 3, 4),)))
register("interpolate", "nearest x2", lambda: (lambda x: F.interpolate(x, scale_factor=2), (_x(1, 2, 3, 3),)))
register("dropout", "p=0.3", lambda: (lambda x: F.dropout(x, 0.3), (_x(4, 5),)))
register("cross_entropy", "spatial, weights, ignore_index, smoothing", lambda: (
    lambda x: F.cross_entropy(x, mt.tensor([[0, 2], [1, -100]]), mt.tensor([1.0, 2.0, 0.5], dtype="float64"),
                              label_smoothing=0.1), (_x(2, 3, 2),)))
register("cross_entropy", "probability targets (second order)", lambda: (
    lambda x: F.cross_entropy(x, mt.tensor([[0.2, 0.8, 0.0], [0.5, 0.25, 0.25]], dtype="float64")), (_x(2, 3),)),
    second_order=True)
register("binary_cross_entropy_with_logits", "pos_weight", lambda: (
    lambda x: F.binary_cross_entropy_with_logits(x, mt.tensor([[0.0, 1.0], [0.3, 0.9]], dtype="float64"),
                                                 pos_weight=mt.tensor([2.0, 0.5], dtype="float64")), (_x(2, 2),)))
register("smooth_l1_loss", "beta 0.5", lambda: (lambda x, y: F.smooth_l1_loss(x, y, beta=0.5), (_x(3, 3), _x(3, 3))))

# padding with cropping (negative amounts) in every mode, the 1-D pools, and 3-D / 5-D resampling
for _mode, _pad in [("constant", (2, -1, -1, 1)), ("reflect", (-1, 2, 1, -1)), ("replicate", (3, -2, -1, 2)),
                    ("circular", (-1, 3, 2, -1))]:
    register("pad", f"{_mode} {_pad}", lambda _mode=_mode, _pad=_pad: (
        lambda x: F.pad(x, _pad, mode=_mode), (_x(1, 2, 3, 4),)), second_order=True)
register("max_pool1d", "k3 s2 p1 dilation 2 ceil_mode", lambda: (
    lambda x: F.max_pool1d(x, 3, 2, 1, 2, ceil_mode=True), (_distinct(2, 3, 9),)))
register("avg_pool1d", "k3 s2 p1 count_include_pad=False ceil_mode (second order)", lambda: (
    lambda x: F.avg_pool1d(x, 3, 2, 1, True, False), (_x(2, 3, 8),)), second_order=True)
register("adaptive_avg_pool1d", "7 -> 3", lambda: (lambda x: F.adaptive_avg_pool1d(x, 3), (_x(2, 2, 7),)))
register("adaptive_max_pool1d", "7 -> 3", lambda: (lambda x: F.adaptive_max_pool1d(x, 3), (_distinct(2, 2, 7),)))
register("interpolate", "linear 3-D, align_corners=True", lambda: (
    lambda x: F.interpolate(x, size=7, mode="linear", align_corners=True), (_x(1, 2, 4),)))
register("interpolate", "trilinear, align_corners=False (second order)", lambda: (
    lambda x: F.interpolate(x, size=(3, 4, 2), mode="trilinear", align_corners=False), (_x(1, 1, 2, 3, 3),)),
    second_order=True)
register("interpolate", "nearest-exact 5-D", lambda: (
    lambda x: F.interpolate(x, scale_factor=(1.5, 2, 0.5), mode="nearest-exact"), (_x(1, 1, 2, 2, 4),)))
register("multi_head_attention", "2 heads", lambda: (
    lambda q, w: F.multi_head_attention_forward(q, q, q, 2, w, None, mt.eye(4, dtype="float64"), None,
                                                need_weights=False)[0], (_x(3, 2, 4), _x(12, 4))))

# the volumetric family: tiny volumes, since every check costs a forward per input element
register("conv3d", "k(2,3,2) stride (1,2,1) padding (1,1,0) dilation (2,1,1) groups 2", lambda: (
    lambda x, w, b: F.conv3d(x, w, b, (1, 2, 1), (1, 1, 0), (2, 1, 1), 2), (_x(1, 2, 3, 4, 3), _x(4, 1, 2, 3, 2), _x(4))))
register("conv3d", "padding='same', k2 (second order)", lambda: (
    lambda x, w: F.conv3d(x, w, padding="same"), (_x(1, 2, 3, 2, 3), _x(2, 2, 2, 2, 2))), second_order=True)
register("conv_transpose3d", "k2 stride 2 output_padding 1 groups 2", lambda: (
    lambda x, w, b: F.conv_transpose3d(x, w, b, 2, 0, 1, 2), (_x(1, 2, 2, 2, 2), _x(2, 1, 2, 2, 2), _x(2))))
register("conv_transpose3d", "k2 stride (1, 2, 1) (second order)", lambda: (
    lambda x, w: F.conv_transpose3d(x, w, stride=(1, 2, 1)), (_x(1, 2, 2, 2, 2), _x(2, 1, 2, 1, 2))),
    second_order=True)
register("max_pool3d", "k2 s(1,2,1) p1 ceil_mode", lambda: (lambda x: F.max_pool3d(x, 2, (1, 2, 1), 1, ceil_mode=True),
                                                             (_distinct(1, 2, 3, 4, 3),)))
register("max_pool3d", "k2 s1 overlapping (second order)", lambda: (lambda x: F.max_pool3d(x, 2, 1),
                                                                    (_distinct(1, 1, 3, 3, 3),)), second_order=True)
register("avg_pool3d", "k(3,2,2) s2 p1 count_include_pad=False ceil_mode", lambda: (
    lambda x: F.avg_pool3d(x, (3, 2, 2), 2, 1, True, False), (_x(1, 2, 4, 3, 5),)))
register("avg_pool3d", "k2 (second order)", lambda: (lambda x: F.avg_pool3d(x, 2), (_x(1, 1, 4, 2, 4),)),
         second_order=True)
register("adaptive_avg_pool3d", "3x5x4 -> 2x3x3", lambda: (lambda x: F.adaptive_avg_pool3d(x, (2, 3, 3)),
                                                           (_x(1, 2, 3, 5, 4),)))
