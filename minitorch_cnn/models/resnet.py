"""ResNet (He et al., 2015, "Deep Residual Learning"), ResNeXt and Wide ResNet.

A residual block learns a correction F(x) to its input and adds it back: ``relu(F(x) + x)``.
The identity path lets gradients reach early layers undiminished, which is what let
networks go from 20 to 152 layers and keep getting better. Where a block changes the size
(stride 2, more channels) the shortcut is a 1×1 strided convolution + BatchNorm
(``downsample``, the paper's option B).

* ``BasicBlock`` (ResNet-18/34): two 3×3 convolutions.
* ``Bottleneck`` (ResNet-50/101/152): 1×1 reduce, 3×3, 1×1 expand by 4, so the 3×3 works on
  a quarter of the channels. The stride is on the 3×3 ("ResNet v1.5", as torchvision).
* ResNeXt: the 3×3 of the bottleneck becomes a grouped convolution with ``groups``
  (cardinality) paths of ``width_per_group`` channels: ``resnext50_32x4d``.
* Wide ResNet: the bottleneck's inner width doubled: ``wide_resnet50_2``.

The stages follow the paper's Table 1 (conv2_x … conv5_x are ``layer1`` … ``layer4``);
layout and init are torchvision's, so its weights load. ``zero_init_residual=True`` starts
each block's last BatchNorm at zero, so every block begins as the identity.
"""

from __future__ import annotations

from .. import nn
from ..nn import init
from .initialization import he_fan_out_, initialize_
from .registry import register_model


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, groups: int = 1, dilation: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation, groups=groups,
                     bias=False, dilation=dilation)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3×3 convolutions with batch norm and the identity (or a 1×1 projection) added."""

    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64, dilation=1):
        super().__init__()
        if groups != 1 or base_width != 64:
            raise ValueError(f"BasicBlock only supports groups=1 and base_width=64, got groups={groups}, "
                             f"base_width={base_width}")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)  # the residual add


class Bottleneck(nn.Module):
    """1×1 reduce, 3×3, 1×1 expand (×4) with the shortcut added (stride on the 3×3, as
    torchvision's v1.5).
    """

    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64, dilation=1):
        super().__init__()
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)                      # reduce
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = conv1x1(width, planes * self.expansion)       # expand
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNet(nn.Module):
    """ResNet (He et al., 2016) in torchvision's layout: a 7×7 stem, four stages of basic
    or bottleneck blocks, global average pooling and a linear classifier.
    """

    def __init__(self, block, layers, num_classes: int = 1000, zero_init_residual: bool = False, groups: int = 1,
                 width_per_group: int = 64, base_planes: int = 64):
        super().__init__()
        self.groups, self.base_width = groups, width_per_group
        self.inplanes = base_planes
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)  # 224 → 112
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)                        # → 56
        self.layer1 = self._make_layer(block, base_planes, layers[0])                          # conv2_x, 56
        self.layer2 = self._make_layer(block, base_planes * 2, layers[1], stride=2)            # conv3_x, 28
        self.layer3 = self._make_layer(block, base_planes * 4, layers[2], stride=2)            # conv4_x, 14
        self.layer4 = self._make_layer(block, base_planes * 8, layers[3], stride=2)            # conv5_x, 7
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(base_planes * 8 * block.expansion, num_classes)
        initialize_(self, conv=he_fan_out_)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck):
                    init.zeros_(m.bn3.weight)
                elif isinstance(m, BasicBlock):
                    init.zeros_(m.bn2.weight)

    def _make_layer(self, block, planes: int, blocks: int, stride: int = 1) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                       nn.BatchNorm2d(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes, groups=self.groups, base_width=self.base_width)
                   for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.avgpool(x).flatten(1))


@register_model(input_size=(3, 224, 224))
def resnet18(num_classes: int = 1000, zero_init_residual: bool = False) -> ResNet:
    """ResNet-18: BasicBlocks [2, 2, 2, 2]."""
    return ResNet(BasicBlock, [2, 2, 2, 2], num_classes, zero_init_residual)


@register_model(input_size=(3, 224, 224))
def resnet34(num_classes: int = 1000, zero_init_residual: bool = False) -> ResNet:
    """ResNet-34: BasicBlocks [3, 4, 6, 3]."""
    return ResNet(BasicBlock, [3, 4, 6, 3], num_classes, zero_init_residual)


@register_model(input_size=(3, 224, 224))
def resnet50(num_classes: int = 1000, zero_init_residual: bool = False) -> ResNet:
    """ResNet-50: Bottlenecks [3, 4, 6, 3]."""
    return ResNet(Bottleneck, [3, 4, 6, 3], num_classes, zero_init_residual)


@register_model(input_size=(3, 224, 224))
def resnet101(num_classes: int = 1000, zero_init_residual: bool = False) -> ResNet:
    """ResNet-101: Bottlenecks [3, 4, 23, 3]."""
    return ResNet(Bottleneck, [3, 4, 23, 3], num_classes, zero_init_residual)


@register_model(input_size=(3, 224, 224))
def resnet152(num_classes: int = 1000, zero_init_residual: bool = False) -> ResNet:
    """ResNet-152: Bottlenecks [3, 8, 36, 3]."""
    return ResNet(Bottleneck, [3, 8, 36, 3], num_classes, zero_init_residual)


@register_model(input_size=(3, 224, 224))
def resnext50_32x4d(num_classes: int = 1000, zero_init_residual: bool = False) -> ResNet:
    """ResNeXt-50 (32×4d): ResNet-50 with 32 groups of 4 channels per group in each 3×3."""
    return ResNet(Bottleneck, [3, 4, 6, 3], num_classes, zero_init_residual, groups=32, width_per_group=4)


@register_model(input_size=(3, 224, 224))
def wide_resnet50_2(num_classes: int = 1000, zero_init_residual: bool = False) -> ResNet:
    """Wide ResNet-50-2: ResNet-50 with the bottlenecks' inner width doubled (128 per group)."""
    return ResNet(Bottleneck, [3, 4, 6, 3], num_classes, zero_init_residual, width_per_group=128)
