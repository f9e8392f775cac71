"""The CIFAR-10 ResNets of the ResNet paper (section 4.2) and their plain twins.

``resnet_cifar(depth)`` for depth = 6n + 2: a 3×3 convolution with 16 filters, then three
stages of n building blocks (two 3×3 convolutions each) on 32×32, 16×16 and 8×8 maps with
16, 32 and 64 filters, global average pooling and a 10-way fully connected layer: 6n + 2
weight layers. Shortcuts are the paper's *option A*: the identity, subsampled by 2 and
zero-padded with the extra channels where a stage begins, so shortcuts add no parameters
(ResNet-20: 0.27M, ResNet-110: 1.7M).

``plain_cifar(depth)`` is the same network with the shortcuts removed. The paper's Figure 6
(left) is the experiment these two make possible: plain nets get *worse* as they get deeper
(the degradation problem), ResNets get better.
"""

from __future__ import annotations

from .. import nn
from ..nn import functional as F
from .initialization import he_fan_out_, initialize_
from .registry import register_model


class ZeroPadShortcut(nn.Module):
    """Option A: subsample by ``stride`` and append zero channels; no parameters."""

    def __init__(self, in_channels: int, out_channels: int, stride: int):
        super().__init__()
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride

    def forward(self, x):
        x = x[:, :, ::self.stride, ::self.stride]
        extra = self.out_channels - self.in_channels
        return F.pad(x, (0, 0, 0, 0, extra // 2, extra - extra // 2))

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, stride={self.stride}"


class BuildingBlock(nn.Module):
    """Two 3×3 conv + BN layers; with ``shortcut`` the input is added before the last ReLU."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, shortcut: bool = True):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if not shortcut:
            self.shortcut = None
        elif stride != 1 or in_channels != out_channels:
            self.shortcut = ZeroPadShortcut(in_channels, out_channels, stride)
        else:
            self.shortcut = nn.Identity()

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.shortcut is not None:
            out = out + self.shortcut(x)
        return F.relu(out)


class CifarResNet(nn.Module):
    """The CIFAR ResNets of He et al. (2016), depth 6n + 2: three stages of n basic blocks at
    16, 32 and 64 channels on 32×32 images.
    """

    def __init__(self, depth: int, num_classes: int = 10, shortcuts: bool = True, width: int = 16):
        super().__init__()
        if depth < 8 or (depth - 2) % 6:
            raise ValueError(f"depth must be 6n + 2 with n >= 1 (20, 32, 44, 56, 110, ...), got {depth}")
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(3, width, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        stages, channels = [], width
        for stage, out_channels in enumerate((width, 2 * width, 4 * width)):
            blocks = []
            for index in range(n):
                stride = 2 if stage > 0 and index == 0 else 1
                blocks.append(BuildingBlock(channels, out_channels, stride, shortcut=shortcuts))
                channels = out_channels
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = stages
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(channels, num_classes)
        initialize_(self, conv=he_fan_out_)  # the paper's He init

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(self.avgpool(x).flatten(1))


@register_model(input_size=(3, 32, 32))
def resnet_cifar(depth: int = 20, num_classes: int = 10) -> CifarResNet:
    """The paper's CIFAR ResNet with 6n+2 layers (20, 32, 44, 56, 110) and option-A shortcuts."""
    return CifarResNet(depth, num_classes, shortcuts=True)


@register_model(input_size=(3, 32, 32))
def plain_cifar(depth: int = 20, num_classes: int = 10) -> CifarResNet:
    """The same network as ``resnet_cifar(depth)`` without shortcuts: the paper's plain baseline."""
    return CifarResNet(depth, num_classes, shortcuts=False)
