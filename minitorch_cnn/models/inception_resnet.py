"""Inception-ResNet-v2 (Szegedy, Ioffe, Vanhoucke & Alemi, 2016): Inception modules whose
concatenated branches, instead of being the block's output, are projected back by a 1×1
convolution and *added* to the block's input — a residual connection — scaled down by
0.1-0.3 first, because without the scaling networks this wide "died" early in training.

Stem → Mixed-5b (an Inception-A module, 320 channels) → 10 × Block35 (Inception-ResNet-A,
scale 0.17) → Reduction-A (1088) → 20 × Block17 (Inception-ResNet-B, scale 0.10) →
Reduction-B (2080) → 10 × Block8 (Inception-ResNet-C, scale 0.20; the last without ReLU)
→ 1×1 conv to 1536 → global pooling → classifier. Every convolution but the residual
projections is conv + BN (eps 1e-3) + ReLU without bias. As in the Keras reference, the
BatchNorm scale γ is fixed at 1 (``bn_scale=False``: only β is learned), which gives its
55,813,192 trainable parameters; ``bn_scale=True`` learns γ as well (55,843,464).
299×299 input.
"""

from __future__ import annotations

from .. import nn
from ..nn import functional as F
from ..ops import cat
from .registry import register_model


class ConvBN(nn.Module):
    """Conv (no bias) + BatchNorm (eps 1e-3; γ fixed at 1 unless ``scale``) + ReLU."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride: int = 1, padding=0,
                 scale: bool = False):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias=False)
        self.bn = nn.BatchNorm2d(out_channels, eps=1e-3)
        self.bn.weight.requires_grad_(scale)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.bn(self.conv(x)))


class _Branches(nn.Module):
    """Runs each branch (an ``nn.Sequential``) on the same input and concatenates them."""

    def branches(self):
        return [module for name, module in self.named_children() if name.startswith("branch")]

    def concatenated(self, x):
        return cat([branch(x) for branch in self.branches()], 1)


class Mixed5b(_Branches):
    """An Inception-A module: 35×35×192 → 35×35×320."""

    def __init__(self, scale: bool = False):
        super().__init__()
        self.branch0 = nn.Sequential(ConvBN(192, 96, 1, scale=scale))
        self.branch1 = nn.Sequential(ConvBN(192, 48, 1, scale=scale), ConvBN(48, 64, 5, padding=2, scale=scale))
        self.branch2 = nn.Sequential(ConvBN(192, 64, 1, scale=scale), ConvBN(64, 96, 3, padding=1, scale=scale),
                                     ConvBN(96, 96, 3, padding=1, scale=scale))
        self.branch3 = nn.Sequential(nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False),
                                     ConvBN(192, 64, 1, scale=scale))

    def forward(self, x):
        return self.concatenated(x)


class ResidualInception(_Branches):
    """x + residual_scale · up(concat(branches(x))), then ReLU (unless ``activate=False``)."""

    def __init__(self, channels: int, concatenated: int, residual_scale: float, activate: bool = True):
        super().__init__()
        self.up = nn.Conv2d(concatenated, channels, 1)  # the projection back: bias, no BN, no ReLU
        self.residual_scale, self.activate = residual_scale, activate

    def forward(self, x):
        out = x + self.up(self.concatenated(x)) * self.residual_scale
        return F.relu(out) if self.activate else out


class Block35(ResidualInception):
    """Inception-ResNet-A, on the 35×35 grid (320 channels)."""

    def __init__(self, residual_scale: float = 0.17, scale: bool = False):
        super().__init__(320, 128, residual_scale)
        self.branch0 = nn.Sequential(ConvBN(320, 32, 1, scale=scale))
        self.branch1 = nn.Sequential(ConvBN(320, 32, 1, scale=scale), ConvBN(32, 32, 3, padding=1, scale=scale))
        self.branch2 = nn.Sequential(ConvBN(320, 32, 1, scale=scale), ConvBN(32, 48, 3, padding=1, scale=scale),
                                     ConvBN(48, 64, 3, padding=1, scale=scale))


class Block17(ResidualInception):
    """Inception-ResNet-B, on the 17×17 grid (1088 channels), with factorised 1×7 / 7×1 convolutions."""

    def __init__(self, residual_scale: float = 0.10, scale: bool = False):
        super().__init__(1088, 384, residual_scale)
        self.branch0 = nn.Sequential(ConvBN(1088, 192, 1, scale=scale))
        self.branch1 = nn.Sequential(ConvBN(1088, 128, 1, scale=scale),
                                     ConvBN(128, 160, (1, 7), padding=(0, 3), scale=scale),
                                     ConvBN(160, 192, (7, 1), padding=(3, 0), scale=scale))


class Block8(ResidualInception):
    """Inception-ResNet-C, on the 8×8 grid (2080 channels), with 1×3 / 3×1 convolutions."""

    def __init__(self, residual_scale: float = 0.20, activate: bool = True, scale: bool = False):
        super().__init__(2080, 448, residual_scale, activate)
        self.branch0 = nn.Sequential(ConvBN(2080, 192, 1, scale=scale))
        self.branch1 = nn.Sequential(ConvBN(2080, 192, 1, scale=scale),
                                     ConvBN(192, 224, (1, 3), padding=(0, 1), scale=scale),
                                     ConvBN(224, 256, (3, 1), padding=(1, 0), scale=scale))


class ReductionA(_Branches):
    """35×35×320 → 17×17×1088."""

    def __init__(self, scale: bool = False):
        super().__init__()
        self.branch0 = nn.Sequential(ConvBN(320, 384, 3, stride=2, scale=scale))
        self.branch1 = nn.Sequential(ConvBN(320, 256, 1, scale=scale), ConvBN(256, 256, 3, padding=1, scale=scale),
                                     ConvBN(256, 384, 3, stride=2, scale=scale))
        self.branch2 = nn.Sequential(nn.MaxPool2d(3, stride=2))

    def forward(self, x):
        return self.concatenated(x)


class ReductionB(_Branches):
    """17×17×1088 → 8×8×2080."""

    def __init__(self, scale: bool = False):
        super().__init__()
        self.branch0 = nn.Sequential(ConvBN(1088, 256, 1, scale=scale), ConvBN(256, 384, 3, stride=2, scale=scale))
        self.branch1 = nn.Sequential(ConvBN(1088, 256, 1, scale=scale), ConvBN(256, 288, 3, stride=2, scale=scale))
        self.branch2 = nn.Sequential(ConvBN(1088, 256, 1, scale=scale), ConvBN(256, 288, 3, padding=1, scale=scale),
                                     ConvBN(288, 320, 3, stride=2, scale=scale))
        self.branch3 = nn.Sequential(nn.MaxPool2d(3, stride=2))

    def forward(self, x):
        return self.concatenated(x)


class InceptionResNetV2(nn.Module):
    """Inception-ResNet-v2 (Szegedy et al., 2017): Inception blocks with scaled residual
    connections. See docs/models/xception.md.
    """

    def __init__(self, num_classes: int = 1000, bn_scale: bool = False, repeats=(10, 20, 10), dropout: float = 0.2):
        super().__init__()
        s = bn_scale
        self.stem = nn.Sequential(
            ConvBN(3, 32, 3, stride=2, scale=s), ConvBN(32, 32, 3, scale=s), ConvBN(32, 64, 3, padding=1, scale=s),
            nn.MaxPool2d(3, stride=2), ConvBN(64, 80, 1, scale=s), ConvBN(80, 192, 3, scale=s),
            nn.MaxPool2d(3, stride=2))
        self.mixed_5b = Mixed5b(s)
        self.repeat = nn.Sequential(*(Block35(scale=s) for _ in range(repeats[0])))
        self.mixed_6a = ReductionA(s)
        self.repeat_1 = nn.Sequential(*(Block17(scale=s) for _ in range(repeats[1])))
        self.mixed_7a = ReductionB(s)
        self.repeat_2 = nn.Sequential(*(Block8(scale=s) for _ in range(repeats[2] - 1)))
        self.block8 = Block8(activate=False, scale=s)
        self.conv2d_7b = ConvBN(2080, 1536, 1, scale=s)
        self.dropout = nn.Dropout(dropout)
        self.classif = nn.Linear(1536, num_classes)

    def forward(self, x):
        x = self.mixed_7a(self.repeat_1(self.mixed_6a(self.repeat(self.mixed_5b(self.stem(x))))))
        x = self.conv2d_7b(self.block8(self.repeat_2(x)))
        return self.classif(self.dropout(x.mean((2, 3))))


@register_model(input_size=(3, 299, 299))
def inception_resnet_v2(num_classes: int = 1000, bn_scale: bool = False) -> InceptionResNetV2:
    """Inception-ResNet-v2 (55,813,192 trainable parameters, as the Keras reference; 55.8M in the paper)."""
    return InceptionResNetV2(num_classes, bn_scale)
