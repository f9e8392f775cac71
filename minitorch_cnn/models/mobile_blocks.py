"""Building blocks shared by the mobile families (MobileNet v2/v3, EfficientNet), with
torchvision's names so that state_dicts line up:

* ``make_divisible(v)``: channel counts rounded to a multiple of 8 (never down by more than
  10%), the rule every width multiplier goes through;
* ``ConvNormActivation``: convolution (no bias), BatchNorm, then an optional activation,
  as one ``Sequential`` whose children are ``0``, ``1``, ``2``; "same" padding for odd kernels;
* ``SqueezeExcitation`` (Hu et al., 2018): global average pool, a 1×1 bottleneck, a gate
  in (0, 1) per channel, and the input scaled by it.
"""

from __future__ import annotations

from .. import nn
from ..nn import functional as F


def make_divisible(value: float, divisor: int = 8) -> int:
    """``value`` rounded to the nearest multiple of ``divisor`` (at least ``divisor``),
    bumped up one step if rounding lost more than 10%."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


class ConvNormActivation(nn.Sequential):
    """Convolution, batch norm and an activation (torchvision's ``Conv2dNormActivation``)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1, groups: int = 1,
                 activation=nn.ReLU, bn_eps: float = 1e-5, bn_momentum: float = 0.1):
        layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding=(kernel_size - 1) // 2,
                            groups=groups, bias=False),
                  nn.BatchNorm2d(out_channels, eps=bn_eps, momentum=bn_momentum)]
        if activation is not None:
            layers.append(activation())
        super().__init__(*layers)
        self.out_channels = out_channels


class SqueezeExcitation(nn.Module):
    """x · gate(fc2(act(fc1(mean over H, W of x)))), per channel."""

    def __init__(self, channels: int, squeeze_channels: int, activation=nn.ReLU, scale_activation=nn.Sigmoid):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def forward(self, x):
        scale = F.adaptive_avg_pool2d(x, 1)
        scale = self.scale_activation(self.fc2(self.activation(self.fc1(scale))))
        return x * scale
