"""MobileNet v3 (Howard et al., 2019): v2's inverted residuals, found by architecture
search (MnasNet's platform-aware NAS, then NetAdapt per layer), plus two changes:

* squeeze-and-excitation in some blocks, gated by a hard sigmoid relu6(x + 3)/6;
* the hard-swish activation x·relu6(x + 3)/6 in the deeper half, a cheap stand-in for
  swish x·σ(x).

The head is rebuilt too: the last 1×1 expansion runs after global pooling, at 1×1, where
it costs almost nothing. BatchNorm uses eps 1e-3 and momentum 0.01. torchvision layout.
"""

from __future__ import annotations

from .. import nn
from .initialization import he_fan_out_, initialize_, small_normal_
from .mobile_blocks import ConvNormActivation, SqueezeExcitation, make_divisible
from .registry import register_model

BN = {"bn_eps": 1e-3, "bn_momentum": 0.01}
ACTIVATIONS = {"RE": nn.ReLU, "HS": nn.Hardswish}


class InvertedResidualV3(nn.Module):
    """Expand 1×1 (when the width changes), depthwise k×k, optional SE, linear 1×1 projection."""

    def __init__(self, in_channels, kernel, expanded, out_channels, use_se, activation, stride):
        super().__init__()
        act = ACTIVATIONS[activation]
        self.use_res_connect = stride == 1 and in_channels == out_channels
        layers = []
        if expanded != in_channels:
            layers.append(ConvNormActivation(in_channels, expanded, 1, activation=act, **BN))
        layers.append(ConvNormActivation(expanded, expanded, kernel, stride, groups=expanded, activation=act, **BN))
        if use_se:
            layers.append(SqueezeExcitation(expanded, make_divisible(expanded // 4), scale_activation=nn.Hardsigmoid))
        layers.append(ConvNormActivation(expanded, out_channels, 1, activation=None, **BN))
        self.block = nn.Sequential(*layers)
        self.out_channels = out_channels

    def forward(self, x):
        return x + self.block(x) if self.use_res_connect else self.block(x)


# Tables 1 and 2 of the paper: input, kernel, expansion, output, SE, activation, stride
LARGE = [(16, 3, 16, 16, False, "RE", 1), (16, 3, 64, 24, False, "RE", 2), (24, 3, 72, 24, False, "RE", 1),
         (24, 5, 72, 40, True, "RE", 2), (40, 5, 120, 40, True, "RE", 1), (40, 5, 120, 40, True, "RE", 1),
         (40, 3, 240, 80, False, "HS", 2), (80, 3, 200, 80, False, "HS", 1), (80, 3, 184, 80, False, "HS", 1),
         (80, 3, 184, 80, False, "HS", 1), (80, 3, 480, 112, True, "HS", 1), (112, 3, 672, 112, True, "HS", 1),
         (112, 5, 672, 160, True, "HS", 2), (160, 5, 960, 160, True, "HS", 1), (160, 5, 960, 160, True, "HS", 1)]
SMALL = [(16, 3, 16, 16, True, "RE", 2), (16, 3, 72, 24, False, "RE", 2), (24, 3, 88, 24, False, "RE", 1),
         (24, 5, 96, 40, True, "HS", 2), (40, 5, 240, 40, True, "HS", 1), (40, 5, 240, 40, True, "HS", 1),
         (40, 5, 120, 48, True, "HS", 1), (48, 5, 144, 48, True, "HS", 1), (48, 5, 288, 96, True, "HS", 2),
         (96, 5, 576, 96, True, "HS", 1), (96, 5, 576, 96, True, "HS", 1)]


class MobileNetV3(nn.Module):
    """MobileNet v3 (Howard et al., 2019), large or small: inverted residuals with
    squeeze-and-excitation and hard-swish.
    """

    def __init__(self, setting, last_channel: int, num_classes: int = 1000, width_mult: float = 1.0,
                 dropout: float = 0.2):
        super().__init__()
        w = lambda c: make_divisible(c * width_mult)  # noqa: E731
        blocks = [(w(i), k, w(e), w(o), se, act, s) for i, k, e, o, se, act, s in setting]
        layers = [ConvNormActivation(3, blocks[0][0], 3, stride=2, activation=nn.Hardswish, **BN)]
        layers += [InvertedResidualV3(*b) for b in blocks]
        last_in = blocks[-1][3]
        layers.append(ConvNormActivation(last_in, 6 * last_in, 1, activation=nn.Hardswish, **BN))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Linear(6 * last_in, last_channel), nn.Hardswish(), nn.Dropout(dropout),
                                        nn.Linear(last_channel, num_classes))
        initialize_(self, conv=he_fan_out_, linear=small_normal_)

    def forward(self, x):
        return self.classifier(self.avgpool(self.features(x)).flatten(1))



@register_model(input_size=(3, 224, 224))
def mobilenet_v3_large(num_classes: int = 1000, width_mult: float = 1.0, dropout: float = 0.2) -> MobileNetV3:
    """MobileNet v3 Large, torchvision layout (5,483,032 parameters)."""
    return MobileNetV3(LARGE, make_divisible(1280 * width_mult), num_classes, width_mult, dropout)


@register_model(input_size=(3, 224, 224))
def mobilenet_v3_small(num_classes: int = 1000, width_mult: float = 1.0, dropout: float = 0.2) -> MobileNetV3:
    """MobileNet v3 Small, torchvision layout (2,542,856 parameters)."""
    return MobileNetV3(SMALL, make_divisible(1024 * width_mult), num_classes, width_mult, dropout)
