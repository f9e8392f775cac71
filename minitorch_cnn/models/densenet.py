"""DenseNet (Huang et al., 2017, "Densely Connected Convolutional Networks").

Inside a *dense block* every layer receives the concatenation of the block's input and all
earlier layers' outputs, and adds ``growth_rate`` new channels of its own (k = 32 for
DenseNet-121). Features are reused rather than re-learned, so each layer can be narrow.

* ``DenseLayer`` (DenseNet-B): BN → ReLU → 1×1 conv to ``bn_size``·k channels (the
  bottleneck) → BN → ReLU → 3×3 conv to k channels. Pre-activation order.
* ``Transition`` (DenseNet-C): BN → ReLU → 1×1 conv halving the channels (compression
  θ = 0.5) → 2×2 average pool, between blocks.

The block sizes are the paper's Table 1 (121: 6-12-24-16, 169: 6-12-32-32, 201: 6-12-48-32,
161: 6-12-36-24 with k = 48); layout and init are torchvision's, so its weights load.
"""

from __future__ import annotations

from collections import OrderedDict

from .. import nn
from ..arguments import real
from ..nn import functional as F
from ..nn import init
from ..ops import cat
from .initialization import initialize_
from .registry import register_model


class DenseLayer(nn.Module):
    """BN-ReLU-1×1 conv (bn_size·growth channels), BN-ReLU-3×3 conv (growth channels); its
    output is concatenated to its input.
    """

    def __init__(self, num_input_features: int, growth_rate: int, bn_size: int, drop_rate: float):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(num_input_features)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(num_input_features, bn_size * growth_rate, kernel_size=1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, kernel_size=3, padding=1, bias=False)
        self.drop_rate = float(drop_rate)

    def forward(self, features: list):
        x = cat(features, dim=1)  # every earlier output, concatenated
        bottleneck = self.conv1(self.relu1(self.norm1(x)))
        new = self.conv2(self.relu2(self.norm2(bottleneck)))
        return F.dropout(new, p=self.drop_rate, training=self.training) if self.drop_rate > 0 else new


class DenseBlock(nn.ModuleDict):
    """``num_layers`` dense layers, each seeing the concatenation of all before it."""

    def __init__(self, num_layers: int, num_input_features: int, bn_size: int, growth_rate: int, drop_rate: float):
        super().__init__()
        for i in range(num_layers):
            self[f"denselayer{i + 1}"] = DenseLayer(num_input_features + i * growth_rate, growth_rate, bn_size,
                                                    drop_rate)

    def forward(self, x):
        features = [x]
        for layer in self.values():
            features.append(layer(features))
        return cat(features, dim=1)


class Transition(nn.Sequential):
    """BN-ReLU-1×1 conv then 2×2 average pooling between dense blocks."""

    def __init__(self, num_input_features: int, num_output_features: int):
        super().__init__(OrderedDict([
            ("norm", nn.BatchNorm2d(num_input_features)),
            ("relu", nn.ReLU(inplace=True)),
            ("conv", nn.Conv2d(num_input_features, num_output_features, kernel_size=1, bias=False)),
            ("pool", nn.AvgPool2d(kernel_size=2, stride=2)),
        ]))


class DenseNet(nn.Module):
    """DenseNet-BC (Huang et al., 2017): dense blocks, each layer taking every earlier
    layer's features, joined by transitions that halve the channels and the resolution.
    See docs/models/densenet.md.
    """

    def __init__(self, growth_rate: int = 32, block_config=(6, 12, 24, 16), num_init_features: int = 64,
                 bn_size: int = 4, drop_rate: float = 0.0, num_classes: int = 1000):
        super().__init__()
        real(drop_rate, "DenseNet: drop_rate", low=0.0, high=1.0)
        self.features = nn.Sequential(OrderedDict([
            ("conv0", nn.Conv2d(3, num_init_features, kernel_size=7, stride=2, padding=3, bias=False)),  # → 112
            ("norm0", nn.BatchNorm2d(num_init_features)),
            ("relu0", nn.ReLU(inplace=True)),
            ("pool0", nn.MaxPool2d(kernel_size=3, stride=2, padding=1)),                                   # → 56
        ]))
        channels = num_init_features
        for i, num_layers in enumerate(block_config):
            self.features.add_module(f"denseblock{i + 1}",
                                     DenseBlock(num_layers, channels, bn_size, growth_rate, drop_rate))
            channels += num_layers * growth_rate
            if i != len(block_config) - 1:
                self.features.add_module(f"transition{i + 1}", Transition(channels, channels // 2))
                channels //= 2  # compression θ = 0.5
        self.features.add_module("norm5", nn.BatchNorm2d(channels))
        self.classifier = nn.Linear(channels, num_classes)
        initialize_(self, conv=lambda layer: init.kaiming_normal_(layer.weight),
                    linear=lambda layer: init.zeros_(layer.bias))

    def forward(self, x):
        x = F.relu(self.features(x))
        return self.classifier(F.adaptive_avg_pool2d(x, (1, 1)).flatten(1))


def _densenet(growth_rate, block_config, num_init_features, num_classes, drop_rate) -> DenseNet:
    return DenseNet(growth_rate, block_config, num_init_features, drop_rate=drop_rate, num_classes=num_classes)


@register_model(input_size=(3, 224, 224))
def densenet121(num_classes: int = 1000, drop_rate: float = 0.0) -> DenseNet:
    """DenseNet-121: k = 32, blocks 6-12-24-16."""
    return _densenet(32, (6, 12, 24, 16), 64, num_classes, drop_rate)


@register_model(input_size=(3, 224, 224))
def densenet161(num_classes: int = 1000, drop_rate: float = 0.0) -> DenseNet:
    """DenseNet-161: k = 48, blocks 6-12-36-24, 96 initial features."""
    return _densenet(48, (6, 12, 36, 24), 96, num_classes, drop_rate)


@register_model(input_size=(3, 224, 224))
def densenet169(num_classes: int = 1000, drop_rate: float = 0.0) -> DenseNet:
    """DenseNet-169: k = 32, blocks 6-12-32-32."""
    return _densenet(32, (6, 12, 32, 32), 64, num_classes, drop_rate)


@register_model(input_size=(3, 224, 224))
def densenet201(num_classes: int = 1000, drop_rate: float = 0.0) -> DenseNet:
    """DenseNet-201: k = 32, blocks 6-12-48-32."""
    return _densenet(32, (6, 12, 48, 32), 64, num_classes, drop_rate)
