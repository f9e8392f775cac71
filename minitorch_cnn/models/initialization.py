"""The weight initialisations the model families share (torchvision's choices): one pass
over the modules that applies a rule to each convolution and fully connected layer and
resets every BatchNorm to the identity (weight 1, bias 0)."""

from __future__ import annotations

from .. import nn
from ..nn import init


def he_fan_out_(layer) -> None:
    """Kaiming normal over fan-out with ReLU gain (ResNet, VGG); bias zero."""
    init.kaiming_normal_(layer.weight, mode="fan_out", nonlinearity="relu")
    if layer.bias is not None:
        init.zeros_(layer.bias)


def small_normal_(layer) -> None:
    """N(0, 0.01²) weights and a zero bias: torchvision's classifier layers (VGG, MobileNet)."""
    init.normal_(layer.weight, 0.0, 0.01)
    init.zeros_(layer.bias)


def initialize_(model, conv=None, linear=None) -> None:
    """``conv(layer)`` on every Conv2d, ``linear(layer)`` on every Linear (None keeps the
    layer's default init), and weight 1, bias 0 on every BatchNorm2d."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d) and conv is not None:
            conv(m)
        elif isinstance(m, nn.Linear) and linear is not None:
            linear(m)
        elif isinstance(m, nn.BatchNorm2d):
            init.ones_(m.weight)
            init.zeros_(m.bias)
