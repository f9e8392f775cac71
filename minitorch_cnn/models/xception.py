"""Xception (Chollet, 2017): "extreme Inception", the hypothesis that cross-channel and
spatial correlations can be mapped entirely separately, so every Inception module becomes
a depthwise separable convolution.

36 convolutional layers in 14 modules, all with linear residual connections except the
first and last: the *entry flow* (two 3×3 convolutions, then three modules that double
the channels to 728 and halve the resolution, each with a strided 1×1 convolution on the
shortcut), the *middle flow* (8 identical modules of three ReLU → separable conv → BN at
728 channels) and the *exit flow* (a last down-sampling module to 1024, then separable
convolutions to 1536 and 2048 channels, global average pooling and the classifier).
Separable convolutions have no bias, no activation between the depthwise and pointwise
steps, and BatchNorm follows every convolution. 299×299 input.
"""

from __future__ import annotations

from .. import nn
from .registry import register_model


class SeparableConv2d(nn.Module):
    """A k×k depthwise convolution then a 1×1 pointwise one, no bias, nothing in between
    (Keras's ``SeparableConv2D``; NASNet uses it too)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1):
        super().__init__()
        self.depthwise = nn.Conv2d(in_channels, in_channels, kernel_size, stride, padding=kernel_size // 2,
                                   groups=in_channels, bias=False)
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1, bias=False)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


class XceptionBlock(nn.Module):
    """``repeats`` × (ReLU → separable conv → BN), then 3×3/2 max pooling with a strided 1×1
    conv + BN on the shortcut when ``downsample``; the identity shortcut otherwise. The first
    module of the entry flow starts without the ReLU (the stem just applied one)."""

    def __init__(self, in_channels: int, out_channels: int, repeats: int, downsample: bool,
                 first_relu: bool = True, grow_first: bool = True):
        super().__init__()
        layers, channels = [], in_channels
        for i in range(repeats):
            width = out_channels if (grow_first and i == 0) or (not grow_first and i == repeats - 1) else channels
            if i > 0 or first_relu:
                layers.append(nn.ReLU())
            layers += [SeparableConv2d(channels, width), nn.BatchNorm2d(width, eps=1e-3)]
            channels = width
        if downsample:
            layers.append(nn.MaxPool2d(3, stride=2, padding=1))
            self.skip = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride=2, bias=False),
                                      nn.BatchNorm2d(out_channels, eps=1e-3))
        else:
            self.skip = None
        self.rep = nn.Sequential(*layers)

    def forward(self, x):
        return self.rep(x) + (x if self.skip is None else self.skip(x))


class Xception(nn.Module):
    """Xception (Chollet, 2017): entry, middle and exit flows of depthwise separable
    convolutions with residual connections.
    """

    def __init__(self, num_classes: int = 1000, middle_blocks: int = 8, widths=(32, 64, 128, 256, 728, 1024, 1536, 2048)):
        super().__init__()
        stem1, stem2, entry1, entry2, entry3, exit1, exit2, exit3 = widths
        self.stem = nn.Sequential(nn.Conv2d(3, stem1, 3, stride=2, bias=False), nn.BatchNorm2d(stem1, eps=1e-3),
                                  nn.ReLU(), nn.Conv2d(stem1, stem2, 3, bias=False), nn.BatchNorm2d(stem2, eps=1e-3),
                                  nn.ReLU())
        self.entry_flow = nn.Sequential(XceptionBlock(stem2, entry1, 2, True, first_relu=False),
                                        XceptionBlock(entry1, entry2, 2, True),
                                        XceptionBlock(entry2, entry3, 2, True))
        self.middle_flow = nn.Sequential(*(XceptionBlock(entry3, entry3, 3, False) for _ in range(middle_blocks)))
        self.exit_flow = nn.Sequential(
            XceptionBlock(entry3, exit1, 2, True, grow_first=False),
            SeparableConv2d(exit1, exit2), nn.BatchNorm2d(exit2, eps=1e-3), nn.ReLU(),
            SeparableConv2d(exit2, exit3), nn.BatchNorm2d(exit3, eps=1e-3), nn.ReLU())
        self.fc = nn.Linear(exit3, num_classes)

    def forward(self, x):
        x = self.exit_flow(self.middle_flow(self.entry_flow(self.stem(x))))
        return self.fc(x.mean((2, 3)))


@register_model(input_size=(3, 299, 299))
def xception(num_classes: int = 1000) -> Xception:
    """Xception: entry, middle (8 modules) and exit flows of separable convolutions (22,855,952 parameters)."""
    return Xception(num_classes)
