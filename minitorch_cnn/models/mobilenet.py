"""MobileNet v1 (Howard et al., 2017) and v2 (Sandler et al., 2018).

v1 replaces each standard convolution by a *depthwise separable* pair: a 3×3 depthwise
convolution (one filter per channel, ``groups=C``) then a 1×1 pointwise convolution that
mixes channels, each followed by BatchNorm and ReLU. That costs
D_K·D_K·M·D_F·D_F + M·N·D_F·D_F multiply-adds instead of D_K·D_K·M·N·D_F·D_F, 8 to 9
times less for 3×3 kernels. The width multiplier α thins every layer; the resolution
multiplier is simply a smaller input.

v2's inverted residual block goes the other way round from a ResNet bottleneck: a 1×1
convolution *expands* the channels t-fold, a depthwise 3×3 filters them, and a 1×1
projection with no activation (a *linear* bottleneck: a ReLU in the narrow space would
destroy information) brings them back down; the shortcut joins the narrow ends when the
stride is 1 and the widths match. ReLU6 throughout. v2 has torchvision's layout.
"""

from __future__ import annotations

from .. import nn
from ..arguments import real
from .initialization import he_fan_out_, initialize_, small_normal_
from .mobile_blocks import ConvNormActivation, make_divisible
from .registry import register_model


class DepthwiseSeparable(nn.Module):
    """3×3 depthwise conv + BN + ReLU, then 1×1 pointwise conv + BN + ReLU."""

    def __init__(self, in_channels: int, out_channels: int, stride: int):
        super().__init__()
        self.depthwise = ConvNormActivation(in_channels, in_channels, 3, stride, groups=in_channels)
        self.pointwise = ConvNormActivation(in_channels, out_channels, 1)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


# Table 1 of the v1 paper after the first convolution: (output channels, stride) per pair
MOBILENET_V1 = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]


class MobileNetV1(nn.Module):
    """MobileNet v1 (Howard et al., 2017): depthwise separable convolutions with a width
    multiplier. See docs/models/separable.md.
    """

    def __init__(self, num_classes: int = 1000, width_mult: float = 1.0, dropout: float = 0.0):
        super().__init__()
        if width_mult <= 0:
            raise ValueError(f"MobileNetV1: width_mult must be positive, got {width_mult}")
        width = lambda c: max(1, int(c * width_mult))  # noqa: E731  (the paper's αM, αN)
        layers = [ConvNormActivation(3, width(32), 3, stride=2)]
        channels = width(32)
        for out, stride in MOBILENET_V1:
            layers.append(DepthwiseSeparable(channels, width(out), stride))
            channels = width(out)
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(channels, num_classes))
        initialize_(self, conv=he_fan_out_, linear=small_normal_)

    def forward(self, x):
        x = self.features(x)
        return self.classifier(x.mean((2, 3)))


class InvertedResidual(nn.Module):
    """1×1 expansion (ReLU6), 3×3 depthwise (ReLU6), linear 1×1 projection, and the residual
    when stride and channels allow.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int, expand_ratio: int):
        super().__init__()
        hidden = int(round(in_channels * expand_ratio))
        self.use_res_connect = stride == 1 and in_channels == out_channels
        layers = []
        if expand_ratio != 1:
            layers.append(ConvNormActivation(in_channels, hidden, 1, activation=nn.ReLU6))
        layers += [ConvNormActivation(hidden, hidden, 3, stride, groups=hidden, activation=nn.ReLU6),
                   nn.Conv2d(hidden, out_channels, 1, bias=False),  # the linear bottleneck: no activation
                   nn.BatchNorm2d(out_channels)]
        self.conv = nn.Sequential(*layers)
        self.out_channels = out_channels

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


# Table 2 of the v2 paper: expansion t, output channels c, repeats n, first stride s
MOBILENET_V2 = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                (6, 320, 1, 1)]


class MobileNetV2(nn.Module):
    """MobileNet v2 (Sandler et al., 2018): inverted residuals with linear bottlenecks."""

    def __init__(self, num_classes: int = 1000, width_mult: float = 1.0, dropout: float = 0.2):
        super().__init__()
        real(width_mult, "MobileNetV2: width_mult", low=0.0, low_open=True)
        channels = make_divisible(32 * width_mult)
        last_channel = make_divisible(1280 * max(1.0, width_mult))
        layers = [ConvNormActivation(3, channels, 3, stride=2, activation=nn.ReLU6)]
        for t, c, n, s in MOBILENET_V2:
            out = make_divisible(c * width_mult)
            for i in range(n):
                layers.append(InvertedResidual(channels, out, s if i == 0 else 1, t))
                channels = out
        layers.append(ConvNormActivation(channels, last_channel, 1, activation=nn.ReLU6))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(last_channel, num_classes))
        initialize_(self, conv=he_fan_out_, linear=small_normal_)

    def forward(self, x):
        return self.classifier(self.features(x).mean((2, 3)))


@register_model(input_size=(3, 224, 224))
def mobilenet_v1(num_classes: int = 1000, width_mult: float = 1.0, dropout: float = 0.0) -> MobileNetV1:
    """MobileNet v1: 13 depthwise separable pairs after one 3×3 convolution (4,231,976 at width 1.0)."""
    return MobileNetV1(num_classes, width_mult, dropout)


@register_model(input_size=(3, 224, 224))
def mobilenet_v2(num_classes: int = 1000, width_mult: float = 1.0, dropout: float = 0.2) -> MobileNetV2:
    """MobileNet v2: inverted residuals with linear bottlenecks, torchvision layout (3,504,872)."""
    return MobileNetV2(num_classes, width_mult, dropout)
