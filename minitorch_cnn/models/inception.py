"""Inception-v3 (Szegedy et al., 2015, "Rethinking the Inception Architecture").

The paper's design principles made concrete, module by module (torchvision's names):

* ``InceptionA`` (35×35 grid): the 5×5 convolution *factorised* into two stacked 3×3
  (the ``branch3x3dbl`` path): the same receptive field with 18 instead of 25 weights per
  channel pair. (torchvision keeps one 5×5 branch next to it, as the released model did.)
* ``InceptionB`` / ``InceptionD``: *efficient grid-size reduction*: a stride-2 convolution
  branch and a stride-2 pooling branch side by side, concatenated, so the grid halves
  while the channels grow, without a representational bottleneck.
* ``InceptionC`` (17×17 grid): n×n factorised into *asymmetric* 1×7 then 7×1 convolutions
  (14 instead of 49 weights per channel pair).
* ``InceptionE`` (8×8 grid): the 3×3 branches split into parallel 1×3 and 3×1 outputs,
  "expanded filter banks" for the coarsest grid.
* ``InceptionAux``: one auxiliary classifier on the 17×17 grid, with BatchNorm: the paper
  found it acts as a regulariser rather than a help to early training.

All convolutions are ``BasicConv2d`` (conv without bias, BatchNorm eps 1e-3, ReLU); input
299×299. In training mode with ``aux_logits=True`` the forward returns
``InceptionOutputs(logits, aux_logits)``, as torchvision (see ``auxiliary_loss``).
"""

from __future__ import annotations

from collections import namedtuple

from .. import nn
from ..nn import functional as F
from ..nn import init
from ..ops import cat
from .googlenet import BasicConv2d
from .initialization import initialize_
from .registry import register_model

InceptionOutputs = namedtuple("InceptionOutputs", ["logits", "aux_logits"])


def _truncated_normal_(layer) -> None:
    init.trunc_normal_(layer.weight, mean=0.0, std=getattr(layer, "stddev", 0.1), a=-2, b=2)


class InceptionA(nn.Module):
    """Inception v3's 35×35 block: 1×1, 5×5, double 3×3 and pooling branches."""

    def __init__(self, in_channels: int, pool_features: int, w=lambda c: c):
        super().__init__()
        self.branch1x1 = BasicConv2d(in_channels, w(64), kernel_size=1)
        self.branch5x5_1 = BasicConv2d(in_channels, w(48), kernel_size=1)
        self.branch5x5_2 = BasicConv2d(w(48), w(64), kernel_size=5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, w(64), kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(w(64), w(96), kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(w(96), w(96), kernel_size=3, padding=1)
        self.branch_pool = BasicConv2d(in_channels, pool_features, kernel_size=1)
        self.out_channels = w(64) + w(64) + w(96) + pool_features

    def forward(self, x):
        branch5x5 = self.branch5x5_2(self.branch5x5_1(x))
        branch3x3dbl = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        branch_pool = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))
        return cat([self.branch1x1(x), branch5x5, branch3x3dbl, branch_pool], dim=1)


class InceptionB(nn.Module):
    """Inception v3's grid reduction 35 → 17."""

    def __init__(self, in_channels: int, w=lambda c: c):
        super().__init__()
        self.branch3x3 = BasicConv2d(in_channels, w(384), kernel_size=3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, w(64), kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(w(64), w(96), kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(w(96), w(96), kernel_size=3, stride=2)
        self.out_channels = w(384) + w(96) + in_channels

    def forward(self, x):
        branch3x3dbl = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        branch_pool = F.max_pool2d(x, kernel_size=3, stride=2)
        return cat([self.branch3x3(x), branch3x3dbl, branch_pool], dim=1)


class InceptionC(nn.Module):
    """Inception v3's 17×17 block with factorised 1×7 / 7×1 convolutions."""

    def __init__(self, in_channels: int, channels_7x7: int, w=lambda c: c):
        super().__init__()
        c7 = channels_7x7
        self.branch1x1 = BasicConv2d(in_channels, w(192), kernel_size=1)
        self.branch7x7_1 = BasicConv2d(in_channels, c7, kernel_size=1)
        self.branch7x7_2 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, w(192), kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(in_channels, c7, kernel_size=1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, w(192), kernel_size=(1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(in_channels, w(192), kernel_size=1)
        self.out_channels = 4 * w(192)

    def forward(self, x):
        branch7x7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        branch7x7dbl = x
        for layer in (self.branch7x7dbl_1, self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4,
                      self.branch7x7dbl_5):
            branch7x7dbl = layer(branch7x7dbl)
        branch_pool = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))
        return cat([self.branch1x1(x), branch7x7, branch7x7dbl, branch_pool], dim=1)


class InceptionD(nn.Module):
    """Inception v3's grid reduction 17 → 8."""

    def __init__(self, in_channels: int, w=lambda c: c):
        super().__init__()
        self.branch3x3_1 = BasicConv2d(in_channels, w(192), kernel_size=1)
        self.branch3x3_2 = BasicConv2d(w(192), w(320), kernel_size=3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(in_channels, w(192), kernel_size=1)
        self.branch7x7x3_2 = BasicConv2d(w(192), w(192), kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(w(192), w(192), kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(w(192), w(192), kernel_size=3, stride=2)
        self.out_channels = w(320) + w(192) + in_channels

    def forward(self, x):
        branch3x3 = self.branch3x3_2(self.branch3x3_1(x))
        branch7x7x3 = x
        for layer in (self.branch7x7x3_1, self.branch7x7x3_2, self.branch7x7x3_3, self.branch7x7x3_4):
            branch7x7x3 = layer(branch7x7x3)
        return cat([branch3x3, branch7x7x3, F.max_pool2d(x, kernel_size=3, stride=2)], dim=1)


class InceptionE(nn.Module):
    """Inception v3's 8×8 block with expanded 1×3 / 3×1 branches."""

    def __init__(self, in_channels: int, w=lambda c: c):
        super().__init__()
        self.branch1x1 = BasicConv2d(in_channels, w(320), kernel_size=1)
        self.branch3x3_1 = BasicConv2d(in_channels, w(384), kernel_size=1)
        self.branch3x3_2a = BasicConv2d(w(384), w(384), kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(w(384), w(384), kernel_size=(3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(in_channels, w(448), kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(w(448), w(384), kernel_size=3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(w(384), w(384), kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(w(384), w(384), kernel_size=(3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(in_channels, w(192), kernel_size=1)
        self.out_channels = w(320) + 4 * w(384) + w(192)

    def forward(self, x):
        branch3x3 = self.branch3x3_1(x)
        branch3x3 = cat([self.branch3x3_2a(branch3x3), self.branch3x3_2b(branch3x3)], dim=1)
        branch3x3dbl = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        branch3x3dbl = cat([self.branch3x3dbl_3a(branch3x3dbl), self.branch3x3dbl_3b(branch3x3dbl)], dim=1)
        branch_pool = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))
        return cat([self.branch1x1(x), branch3x3, branch3x3dbl, branch_pool], dim=1)


class InceptionAux(nn.Module):
    """5×5/3 average pool, 1×1 conv to 128, 5×5 conv to 768, global pool, fc."""

    def __init__(self, in_channels: int, num_classes: int, w=lambda c: c):
        super().__init__()
        self.conv0 = BasicConv2d(in_channels, w(128), kernel_size=1)
        self.conv1 = BasicConv2d(w(128), w(768), kernel_size=5)
        self.conv1.stddev = 0.01  # torchvision's init reads these
        self.fc = nn.Linear(w(768), num_classes)
        self.fc.stddev = 0.001

    def forward(self, x):
        x = self.conv1(self.conv0(F.avg_pool2d(x, kernel_size=5, stride=3)))  # 17×17 → 5×5 → 1×1
        return self.fc(F.adaptive_avg_pool2d(x, (1, 1)).flatten(1))


class Inception3(nn.Module):
    """Inception v3 (Szegedy et al., 2016) in torchvision's layout (299×299 input, factorised
    convolutions, an auxiliary classifier). See docs/models/inception.md.
    """

    def __init__(self, num_classes: int = 1000, aux_logits: bool = True, dropout: float = 0.5, width_divisor: int = 1):
        super().__init__()

        def w(c):  # shrinks every channel count, for gradient checks
            return max(1, c // width_divisor)

        self.aux_logits = aux_logits
        self.Conv2d_1a_3x3 = BasicConv2d(3, w(32), kernel_size=3, stride=2)       # 299 → 149
        self.Conv2d_2a_3x3 = BasicConv2d(w(32), w(32), kernel_size=3)             # → 147
        self.Conv2d_2b_3x3 = BasicConv2d(w(32), w(64), kernel_size=3, padding=1)
        self.maxpool1 = nn.MaxPool2d(kernel_size=3, stride=2)                     # → 73
        self.Conv2d_3b_1x1 = BasicConv2d(w(64), w(80), kernel_size=1)
        self.Conv2d_4a_3x3 = BasicConv2d(w(80), w(192), kernel_size=3)            # → 71
        self.maxpool2 = nn.MaxPool2d(kernel_size=3, stride=2)                     # → 35
        self.Mixed_5b = InceptionA(w(192), pool_features=w(32), w=w)
        self.Mixed_5c = InceptionA(self.Mixed_5b.out_channels, pool_features=w(64), w=w)
        self.Mixed_5d = InceptionA(self.Mixed_5c.out_channels, pool_features=w(64), w=w)
        self.Mixed_6a = InceptionB(self.Mixed_5d.out_channels, w=w)                # → 17
        self.Mixed_6b = InceptionC(self.Mixed_6a.out_channels, channels_7x7=w(128), w=w)
        self.Mixed_6c = InceptionC(self.Mixed_6b.out_channels, channels_7x7=w(160), w=w)
        self.Mixed_6d = InceptionC(self.Mixed_6c.out_channels, channels_7x7=w(160), w=w)
        self.Mixed_6e = InceptionC(self.Mixed_6d.out_channels, channels_7x7=w(192), w=w)
        self.AuxLogits = InceptionAux(self.Mixed_6e.out_channels, num_classes, w=w) if aux_logits else None
        self.Mixed_7a = InceptionD(self.Mixed_6e.out_channels, w=w)                # → 8
        self.Mixed_7b = InceptionE(self.Mixed_7a.out_channels, w=w)
        self.Mixed_7c = InceptionE(self.Mixed_7b.out_channels, w=w)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(self.Mixed_7c.out_channels, num_classes)
        initialize_(self, conv=_truncated_normal_, linear=_truncated_normal_)

    def forward(self, x):
        for layer in (self.Conv2d_1a_3x3, self.Conv2d_2a_3x3, self.Conv2d_2b_3x3, self.maxpool1, self.Conv2d_3b_1x1,
                      self.Conv2d_4a_3x3, self.maxpool2, self.Mixed_5b, self.Mixed_5c, self.Mixed_5d, self.Mixed_6a,
                      self.Mixed_6b, self.Mixed_6c, self.Mixed_6d, self.Mixed_6e):
            x = layer(x)
        aux = self.AuxLogits(x) if self.AuxLogits is not None and self.training else None
        x = self.Mixed_7c(self.Mixed_7b(self.Mixed_7a(x)))
        logits = self.fc(self.dropout(self.avgpool(x).flatten(1)))
        if self.training and self.aux_logits:
            return InceptionOutputs(logits, aux)
        return logits


@register_model(input_size=(3, 299, 299))
def inception_v3(num_classes: int = 1000, aux_logits: bool = True, dropout: float = 0.5) -> Inception3:
    """Inception-v3 for 299×299 inputs, torchvision layout."""
    return Inception3(num_classes=num_classes, aux_logits=aux_logits, dropout=dropout)
