"""EfficientNet (Tan & Le, 2019): one network found by search (B0), then scaled up by a
single compound coefficient φ — depth by α^φ, width by β^φ and resolution by γ^φ at once
(α·β²·γ² ≈ 2, so each step about doubles the FLOPs) — instead of one dimension at a time.

The block is MBConv: MobileNet v2's inverted residual with a squeeze-and-excitation gate
(squeezing to a quarter of the block's *input* width), SiLU (swish) activations, and
stochastic depth on the residual branch, whose drop probability grows linearly from 0 to
0.2 over the blocks. torchvision layout; B5-B7 use BatchNorm eps 1e-3, momentum 0.01.
"""

from __future__ import annotations

import math

from .. import nn
from ..arguments import real
from ..nn import init
from .initialization import he_fan_out_, initialize_
from .mobile_blocks import ConvNormActivation, SqueezeExcitation, make_divisible
from .registry import register_model


class MBConv(nn.Module):
    """The mobile inverted bottleneck: 1×1 expansion, depthwise k×k convolution,
    squeeze-and-excitation, 1×1 projection, and the residual (with stochastic depth) when
    the shape allows.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel: int, stride: int, expand_ratio: int,
                 drop_probability: float, bn: dict):
        super().__init__()
        self.use_res_connect = stride == 1 and in_channels == out_channels
        expanded = make_divisible(in_channels * expand_ratio)
        layers = []
        if expanded != in_channels:
            layers.append(ConvNormActivation(in_channels, expanded, 1, activation=nn.SiLU, **bn))
        layers += [ConvNormActivation(expanded, expanded, kernel, stride, groups=expanded, activation=nn.SiLU, **bn),
                   SqueezeExcitation(expanded, max(1, in_channels // 4), activation=nn.SiLU),
                   ConvNormActivation(expanded, out_channels, 1, activation=None, **bn)]
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = nn.StochasticDepth(drop_probability, "row")
        self.out_channels = out_channels

    def forward(self, x):
        out = self.block(x)
        return x + self.stochastic_depth(out) if self.use_res_connect else out


# Table 1 of the paper (B0): expansion, kernel, first stride, input, output channels, layers
B0_STAGES = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
             (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)]
# width multiplier, depth multiplier, input resolution, dropout before the classifier
SCALING = {"b0": (1.0, 1.0, 224, 0.2), "b1": (1.0, 1.1, 240, 0.2), "b2": (1.1, 1.2, 260, 0.3),
           "b3": (1.2, 1.4, 300, 0.3), "b4": (1.4, 1.8, 380, 0.4), "b5": (1.6, 2.2, 456, 0.4),
           "b6": (1.8, 2.6, 528, 0.5), "b7": (2.0, 3.1, 600, 0.5)}


class EfficientNet(nn.Module):
    """EfficientNet (Tan and Le, 2019): MBConv stages scaled by a width and a depth multiplier
    (B0 to B7), with squeeze-and-excitation and stochastic depth. See docs/models/efficientnet.md.
    """

    def __init__(self, width_mult: float, depth_mult: float, dropout: float, num_classes: int = 1000,
                 stochastic_depth_prob: float = 0.2, bn: dict | None = None):
        super().__init__()
        for name, value in (("width_mult", width_mult), ("depth_mult", depth_mult)):
            real(value, f"EfficientNet: {name}", low=0.0, low_open=True)
        real(dropout, "EfficientNet: dropout", low=0.0, high=1.0)
        # named here: each block gets a share of it, and a block's error would name that share
        real(stochastic_depth_prob, "EfficientNet: stochastic_depth_prob", low=0.0, high=1.0)
        bn = bn or {}
        width = lambda c: make_divisible(c * width_mult)  # noqa: E731
        stages = [(t, k, s, width(i), width(o), int(math.ceil(n * depth_mult))) for t, k, s, i, o, n in B0_STAGES]
        total_blocks, block_id = sum(s[-1] for s in stages), 0
        layers = [ConvNormActivation(3, stages[0][3], 3, stride=2, activation=nn.SiLU, **bn)]
        for t, k, s, channels_in, channels_out, repeats in stages:
            blocks = []
            for i in range(repeats):
                drop = stochastic_depth_prob * block_id / total_blocks
                blocks.append(MBConv(channels_in if i == 0 else channels_out, channels_out, k, s if i == 0 else 1,
                                     t, drop, bn))
                block_id += 1
            layers.append(nn.Sequential(*blocks))
        last_in = stages[-1][4]
        layers.append(ConvNormActivation(last_in, 4 * last_in, 1, activation=nn.SiLU, **bn))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(4 * last_in, num_classes))
        initialize_(self, conv=he_fan_out_, linear=_uniform_by_fan_out)

    def forward(self, x):
        return self.classifier(self.avgpool(self.features(x)).flatten(1))


def _uniform_by_fan_out(layer) -> None:
    bound = 1.0 / math.sqrt(layer.out_features)
    init.uniform_(layer.weight, -bound, bound)
    init.zeros_(layer.bias)


def _efficientnet(variant: str, num_classes: int, stochastic_depth_prob: float) -> EfficientNet:
    width, depth, _, dropout = SCALING[variant]
    bn = {"bn_eps": 1e-3, "bn_momentum": 0.01} if variant in ("b5", "b6", "b7") else None
    return EfficientNet(width, depth, dropout, num_classes, stochastic_depth_prob, bn)


def _register(variant: str):
    """The registered constructor ``efficientnet_<variant>``, at its native resolution."""
    width, depth, resolution, _ = SCALING[variant]

    def constructor(num_classes: int = 1000, stochastic_depth_prob: float = 0.2) -> EfficientNet:
        return _efficientnet(variant, num_classes, stochastic_depth_prob)

    constructor.__name__ = constructor.__qualname__ = f"efficientnet_{variant}"
    constructor.__doc__ = (f"EfficientNet-{variant.upper()}: width ×{width}, depth ×{depth}, "
                           f"{resolution}×{resolution} input, torchvision layout.")
    return register_model(input_size=(3, resolution, resolution))(constructor)


efficientnet_b0 = _register("b0")
efficientnet_b1 = _register("b1")
efficientnet_b2 = _register("b2")
efficientnet_b3 = _register("b3")
efficientnet_b4 = _register("b4")
efficientnet_b5 = _register("b5")
efficientnet_b6 = _register("b6")
efficientnet_b7 = _register("b7")
