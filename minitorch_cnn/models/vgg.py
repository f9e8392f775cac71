"""VGG (Simonyan and Zisserman, 2014): depth from stacks of 3×3 convolutions.

Two 3×3 convolutions see a 5×5 window with 18 weights per channel pair instead of 25, and
add a non-linearity in between; three see 7×7 with 27 instead of 49. The configurations
are the paper's Table 1 columns A (11 weight layers), B (13), D (16) and E (19): numbers
are the output channels of a 3×3 convolution (padding 1, so size is kept), "M" a 2×2 max
pool that halves it. The ``_bn`` variants put BatchNorm after every convolution (not in the
paper, which predates it). The layout and init are torchvision's, so its weights load.
"""

from __future__ import annotations

from .. import nn
from .initialization import he_fan_out_, initialize_, small_normal_
from .registry import register_model

CONFIGS = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


def make_features(config, batch_norm: bool = False) -> nn.Sequential:
    """The convolutional part from a Table-1 column."""
    layers, channels = [], 3
    for item in config:
        if item == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        layers.append(nn.Conv2d(channels, item, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(item))
        layers.append(nn.ReLU(inplace=True))
        channels = item
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """VGG (Simonyan and Zisserman, 2015) in torchvision's layout: stacks of 3×3 convolutions
    and max pooling, then a three-layer classifier.
    """

    def __init__(self, features: nn.Sequential, num_classes: int = 1000, dropout: float = 0.5, hidden: int = 4096):
        super().__init__()
        self.features = features
        channels = [m.out_channels for m in features.modules() if isinstance(m, nn.Conv2d)][-1]
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(channels * 7 * 7, hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(hidden, num_classes),
        )
        initialize_(self, conv=he_fan_out_, linear=small_normal_)

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


def _vgg(config: str, batch_norm: bool, num_classes: int, dropout: float) -> VGG:
    return VGG(make_features(CONFIGS[config], batch_norm), num_classes=num_classes, dropout=dropout)


@register_model(input_size=(3, 224, 224))
def vgg11(num_classes: int = 1000, dropout: float = 0.5) -> VGG:
    """VGG configuration A: 8 convolutions + 3 fully connected layers."""
    return _vgg("A", False, num_classes, dropout)


@register_model(input_size=(3, 224, 224))
def vgg11_bn(num_classes: int = 1000, dropout: float = 0.5) -> VGG:
    """VGG-11 with BatchNorm after every convolution."""
    return _vgg("A", True, num_classes, dropout)


@register_model(input_size=(3, 224, 224))
def vgg13(num_classes: int = 1000, dropout: float = 0.5) -> VGG:
    """VGG configuration B: 10 convolutions + 3 fully connected layers."""
    return _vgg("B", False, num_classes, dropout)


@register_model(input_size=(3, 224, 224))
def vgg13_bn(num_classes: int = 1000, dropout: float = 0.5) -> VGG:
    """VGG-13 with BatchNorm after every convolution."""
    return _vgg("B", True, num_classes, dropout)


@register_model(input_size=(3, 224, 224))
def vgg16(num_classes: int = 1000, dropout: float = 0.5) -> VGG:
    """VGG configuration D: 13 convolutions + 3 fully connected layers."""
    return _vgg("D", False, num_classes, dropout)


@register_model(input_size=(3, 224, 224))
def vgg16_bn(num_classes: int = 1000, dropout: float = 0.5) -> VGG:
    """VGG-16 with BatchNorm after every convolution."""
    return _vgg("D", True, num_classes, dropout)


@register_model(input_size=(3, 224, 224))
def vgg19(num_classes: int = 1000, dropout: float = 0.5) -> VGG:
    """VGG configuration E: 16 convolutions + 3 fully connected layers."""
    return _vgg("E", False, num_classes, dropout)


@register_model(input_size=(3, 224, 224))
def vgg19_bn(num_classes: int = 1000, dropout: float = 0.5) -> VGG:
    """VGG-19 with BatchNorm after every convolution."""
    return _vgg("E", True, num_classes, dropout)
