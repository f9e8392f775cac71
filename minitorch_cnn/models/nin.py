"""Network in Network (Lin, Chen and Yan, 2013).

Two ideas that every later network borrowed. An *mlpconv* block follows each spatial
convolution with two 1×1 convolutions: a small multilayer perceptron slid over every pixel,
which mixes channels cheaply (GoogLeNet's 1×1 reductions and ResNet's bottlenecks are this
idea). And there are no fully connected layers: the last mlpconv has one channel per class
and *global average pooling* turns each map into that class's score, which removes most of
AlexNet's parameters and the overfitting that came with them.

The layout is the ImageNet model the authors released (the shapes of AlexNet, 224×224
input): mlpconv blocks of 96, 256 and 384 channels with 11×11, 5×5 and 3×3 spatial
convolutions, 3×3 stride-2 max pooling between them, dropout, and a final mlpconv to the
classes. ``widths`` shrinks it for gradient checks.
"""

from __future__ import annotations

from collections import OrderedDict

from .. import nn
from .registry import register_model


class MlpConv(nn.Sequential):
    """A spatial convolution and two 1×1 convolutions, each followed by ReLU."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0):
        super().__init__(OrderedDict([
            ("conv", nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding)),
            ("relu", nn.ReLU(inplace=True)),
            ("cccp1", nn.Conv2d(out_channels, out_channels, kernel_size=1)),  # the paper's "cascaded cross
            ("relu1", nn.ReLU(inplace=True)),                                # channel parametric pooling"
            ("cccp2", nn.Conv2d(out_channels, out_channels, kernel_size=1)),
            ("relu2", nn.ReLU(inplace=True)),
        ]))


class NiN(nn.Module):
    """Network in Network (Lin et al., 2014): mlpconv blocks (a convolution followed by two
    1×1 convolutions) and global average pooling instead of fully connected layers.
    """

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5, widths: tuple = (96, 256, 384)):
        super().__init__()
        c1, c2, c3 = widths
        self.features = nn.Sequential(
            MlpConv(3, c1, kernel_size=11, stride=4),                 # 224 → 54
            nn.MaxPool2d(kernel_size=3, stride=2),                    # → 26
            MlpConv(c1, c2, kernel_size=5, padding=2),
            nn.MaxPool2d(kernel_size=3, stride=2),                    # → 12
            MlpConv(c2, c3, kernel_size=3, padding=1),
            nn.MaxPool2d(kernel_size=3, stride=2),                    # → 5
            nn.Dropout(p=dropout),
            MlpConv(c3, num_classes, kernel_size=3, padding=1),       # one map per class
        )
        self.global_pool = nn.GlobalAvgPool2d()
        self.flatten = nn.Flatten()

    def forward(self, x):
        return self.flatten(self.global_pool(self.features(x)))


@register_model(input_size=(3, 224, 224))
def nin(num_classes: int = 1000, dropout: float = 0.5) -> NiN:
    """Network in Network: mlpconv blocks and global average pooling instead of fully connected layers."""
    return NiN(num_classes=num_classes, dropout=dropout)
