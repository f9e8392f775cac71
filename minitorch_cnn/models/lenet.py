"""LeNet-5 (LeCun et al., 1998): the network that started it all.

The layers keep the paper's names: C1 (6 feature maps, 5×5), S2 (2×2 subsampling), C3 (16
maps, 5×5), S4, then the fully connected F5 (120, the paper's C5: a 5×5 convolution over a
5×5 map is a fully connected layer), F6 (84) and the output layer (10). The classic network
uses tanh and average pooling; ``modern=True`` swaps in ReLU and max pooling, the two
changes that every later network made. The paper's sparse C3 connection table and its RBF
output layer are replaced by full connections, as every modern re-implementation does, so
the classic count is 61,706 parameters.
"""

from __future__ import annotations

from collections import OrderedDict

from .. import nn
from .registry import register_model


class LeNet5(nn.Module):
    """LeNet-5 (LeCun et al., 1998): C1-S2-C3-S4-C5-F6-output on 32×32 images; ``modern=True``
    swaps tanh and average pooling for ReLU and max pooling. See docs/models/lenet.md.
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, modern: bool = False):
        super().__init__()
        activation = nn.ReLU if modern else nn.Tanh
        pool = nn.MaxPool2d if modern else nn.AvgPool2d
        self.features = nn.Sequential(OrderedDict([
            ("c1", nn.Conv2d(in_channels, 6, kernel_size=5)),   # 32×32 → 6×28×28
            ("act1", activation()),
            ("s2", pool(kernel_size=2, stride=2)),               # → 6×14×14
            ("c3", nn.Conv2d(6, 16, kernel_size=5)),             # → 16×10×10
            ("act3", activation()),
            ("s4", pool(kernel_size=2, stride=2)),               # → 16×5×5
        ]))
        self.flatten = nn.Flatten()                              # → 400
        self.classifier = nn.Sequential(OrderedDict([
            ("f5", nn.Linear(16 * 5 * 5, 120)),
            ("act5", activation()),
            ("f6", nn.Linear(120, 84)),
            ("act6", activation()),
            ("output", nn.Linear(84, num_classes)),
        ]))

    def forward(self, x):
        return self.classifier(self.flatten(self.features(x)))


@register_model(input_size=(1, 32, 32))
def lenet5(num_classes: int = 10, in_channels: int = 1, modern: bool = False) -> LeNet5:
    """LeNet-5 for 32×32 inputs: tanh + average pooling, or ReLU + max pooling with ``modern=True``."""
    return LeNet5(num_classes=num_classes, in_channels=in_channels, modern=modern)
