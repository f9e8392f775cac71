"""PyramidNet (Han, Kim and Kim, 2017, "Deep Pyramidal Residual Networks"), for CIFAR.

Where a ResNet doubles its channels abruptly at each of a few downsampling blocks,
PyramidNet widens *every* block a little: with N residual blocks in all and a widening
factor α, block k has 16 + α·k/N channels (rounded), so the widths rise linearly from 16 to
16 + α like the side of a pyramid ("additive" widening). The residual block is the paper's:
BN → 3×3 conv → BN → ReLU → 3×3 conv → BN, no ReLU after the addition (the paper found
both removals help). The shortcut is the identity, average-pooled 2×2 where the map
halves, and zero-padded with the extra channels the block adds, so no shortcut has
parameters. Depth 110 with α = 48: 1,772,706 parameters, the paper's Table 4 "1.7M".
"""

from __future__ import annotations

from .. import nn
from ..nn import functional as F
from .initialization import he_fan_out_, initialize_
from .registry import register_model


class PyramidBlock(nn.Module):
    """BN-conv-BN-ReLU-conv-BN; the shortcut is the identity (average-pooled when strided)
    with zero channels appended for the extra width."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.downsample = nn.AvgPool2d(2, stride=2, ceil_mode=True) if stride != 1 else None
        self.extra_channels = out_channels - in_channels

    def forward(self, x):
        out = self.bn3(self.conv2(F.relu(self.bn2(self.conv1(self.bn1(x))))))
        shortcut = x if self.downsample is None else self.downsample(x)
        if self.extra_channels:
            shortcut = F.pad(shortcut, (0, 0, 0, 0, 0, self.extra_channels))  # zero channels appended
        return out + shortcut


class PyramidNet(nn.Module):
    """PyramidNet (Han et al., 2017): residual units whose width grows by the same step at
    every unit, with zero-padded shortcuts.
    """

    def __init__(self, depth: int = 110, alpha: float = 48, num_classes: int = 10, width: int = 16):
        super().__init__()
        if depth < 8 or (depth - 2) % 6:
            raise ValueError(f"depth must be 6n + 2 with n >= 1 (e.g. 110), got {depth}")
        n = (depth - 2) // 6
        step = alpha / (3 * n)  # channels added per block
        self.conv1 = nn.Conv2d(3, width, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        exact, channels, stages = float(width), width, []
        for stage in range(3):
            blocks = []
            for index in range(n):
                exact += step
                stride = 2 if stage > 0 and index == 0 else 1
                blocks.append(PyramidBlock(channels, int(round(exact)), stride))
                channels = int(round(exact))
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = stages
        self.bn_final = nn.BatchNorm2d(channels)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(channels, num_classes)
        initialize_(self, conv=he_fan_out_)

    def forward(self, x):
        x = self.bn1(self.conv1(x))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = F.relu(self.bn_final(x))
        return self.fc(self.avgpool(x).flatten(1))


@register_model(input_size=(3, 32, 32))
def pyramidnet(depth: int = 110, alpha: float = 48, num_classes: int = 10) -> PyramidNet:
    """PyramidNet for CIFAR with additive widening: depth 6n+2, widening factor ``alpha``."""
    return PyramidNet(depth=depth, alpha=alpha, num_classes=num_classes)
