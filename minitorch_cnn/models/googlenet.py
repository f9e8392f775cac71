"""GoogLeNet / Inception v1 (Szegedy et al., 2014, "Going Deeper with Convolutions").

The Inception module runs four branches side by side on the same input and concatenates
their outputs along the channels: a 1×1 convolution, a 1×1 *reduction* then 3×3, a 1×1
reduction then 5×5, and 3×3 max pooling then a 1×1 projection. The 1×1 reductions are what
make it affordable: they shrink the channels before the expensive spatial convolutions. Nine
modules (3a–3b, 4a–4e, 5a–5b) with the paper's Table 1 channel numbers, two auxiliary
classifiers on 4a and 4d that add gradient signal to the middle of the network during
training (their losses weighted 0.3: ``auxiliary_loss``), and global average pooling
instead of fully connected layers.

This is torchvision's layout, so its weights load: every convolution is ``BasicConv2d``
(conv without bias + BatchNorm with eps 1e-3 + ReLU; BatchNorm came later, from Inception
v2), and — a known quirk of the original Caffe-to-torchvision port — the "5×5" branch uses
a 3×3 convolution. ``faithful_5x5=True`` uses the paper's 5×5 (weights then no longer load).
In training mode with ``aux_logits=True`` the forward returns ``GoogLeNetOutputs(logits,
aux_logits2, aux_logits1)``, as torchvision; otherwise the logits alone.
"""

from __future__ import annotations

from collections import namedtuple

from .. import nn
from ..nn import functional as F
from ..nn import init
from ..ops import cat
from .initialization import initialize_
from .registry import register_model

GoogLeNetOutputs = namedtuple("GoogLeNetOutputs", ["logits", "aux_logits2", "aux_logits1"])

# Table 1: #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj
INCEPTION_TABLE = {
    "3a": (64, 96, 128, 16, 32, 32), "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64), "4b": (160, 112, 224, 24, 64, 64), "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64), "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128), "5b": (384, 192, 384, 48, 128, 128),
}


def _truncated_normal_(layer) -> None:
    init.trunc_normal_(layer.weight, mean=0.0, std=getattr(layer, "stddev", 0.01), a=-2, b=2)


class BasicConv2d(nn.Module):
    """Convolution (no bias: BatchNorm has one) + BatchNorm (eps 1e-3) + ReLU."""

    def __init__(self, in_channels: int, out_channels: int, **conv_options):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **conv_options)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class Inception(nn.Module):
    """Four parallel branches concatenated along the channels."""

    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj, faithful_5x5=False):
        super().__init__()
        self.branch1 = BasicConv2d(in_channels, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(BasicConv2d(in_channels, ch3x3red, kernel_size=1),
                                     BasicConv2d(ch3x3red, ch3x3, kernel_size=3, padding=1))
        k = 5 if faithful_5x5 else 3
        self.branch3 = nn.Sequential(BasicConv2d(in_channels, ch5x5red, kernel_size=1),
                                     BasicConv2d(ch5x5red, ch5x5, kernel_size=k, padding=k // 2))
        self.branch4 = nn.Sequential(nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
                                     BasicConv2d(in_channels, pool_proj, kernel_size=1))
        self.out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj

    def forward(self, x):
        return cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], dim=1)


class InceptionAux(nn.Module):
    """The auxiliary classifier: 4×4 average pool, 1×1 conv to 128, fc 1024, dropout 0.7, fc."""

    def __init__(self, in_channels: int, num_classes: int, dropout: float = 0.7, width: int = 128, hidden: int = 1024):
        super().__init__()
        self.conv = BasicConv2d(in_channels, width, kernel_size=1)
        self.fc1 = nn.Linear(width * 4 * 4, hidden)
        self.fc2 = nn.Linear(hidden, num_classes)
        self.dropout = nn.Dropout(p=dropout)

    def forward(self, x):
        x = self.conv(F.adaptive_avg_pool2d(x, (4, 4)))
        x = self.dropout(F.relu(self.fc1(x.flatten(1))))
        return self.fc2(x)


class GoogLeNet(nn.Module):
    """GoogLeNet / Inception v1 (Szegedy et al., 2015) in torchvision's layout, with the two
    auxiliary classifiers in training mode. See docs/models/googlenet.md.
    """

    def __init__(self, num_classes: int = 1000, aux_logits: bool = True, dropout: float = 0.2,
                 dropout_aux: float = 0.7, faithful_5x5: bool = False, width_divisor: int = 1):
        super().__init__()
        d = width_divisor  # shrinks every channel count, for gradient checks

        def w(c):
            return max(1, c // d)

        self.aux_logits = aux_logits
        self.conv1 = BasicConv2d(3, w(64), kernel_size=7, stride=2, padding=3)       # 224 → 112
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)                    # → 56
        self.conv2 = BasicConv2d(w(64), w(64), kernel_size=1)
        self.conv3 = BasicConv2d(w(64), w(192), kernel_size=3, padding=1)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)                    # → 28
        channels = w(192)
        for name in ("3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b"):
            module = Inception(channels, *(w(c) for c in INCEPTION_TABLE[name]), faithful_5x5=faithful_5x5)
            setattr(self, f"inception{name}", module)
            channels = module.out_channels
            if name == "3b":
                self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)            # → 14
            elif name == "4e":
                self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)            # → 7
        if aux_logits:
            self.aux1 = InceptionAux(self.inception4a.out_channels, num_classes, dropout_aux, w(128), w(1024))
            self.aux2 = InceptionAux(self.inception4d.out_channels, num_classes, dropout_aux, w(128), w(1024))
        else:
            self.aux1 = self.aux2 = None
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(channels, num_classes)
        initialize_(self, conv=_truncated_normal_, linear=_truncated_normal_)

    def forward(self, x):
        x = self.maxpool1(self.conv1(x))
        x = self.maxpool2(self.conv3(self.conv2(x)))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        x = self.inception4a(x)
        aux1 = self.aux1(x) if self.aux1 is not None and self.training else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))
        aux2 = self.aux2(x) if self.aux2 is not None and self.training else None
        x = self.maxpool4(self.inception4e(x))
        x = self.inception5b(self.inception5a(x))
        x = self.dropout(self.avgpool(x).flatten(1))
        logits = self.fc(x)
        if self.training and self.aux_logits:
            return GoogLeNetOutputs(logits, aux2, aux1)
        return logits


def auxiliary_loss(outputs, target, aux_weight: float = 0.3, loss_fn=F.cross_entropy):
    """The training loss of a network with auxiliary classifiers: the main loss plus
    ``aux_weight`` times each auxiliary head's loss (the paper's 0.3). ``outputs`` is what the
    model returned: a tuple of logits (GoogLeNet, Inception-v3 in training) or plain logits."""
    if not isinstance(outputs, tuple):
        return loss_fn(outputs, target)
    logits, *auxiliary = outputs
    loss = loss_fn(logits, target)
    for aux in auxiliary:
        if aux is not None:
            loss = loss + aux_weight * loss_fn(aux, target)
    return loss


@register_model(input_size=(3, 224, 224))
def googlenet(num_classes: int = 1000, aux_logits: bool = True, dropout: float = 0.2,
              faithful_5x5: bool = False) -> GoogLeNet:
    """GoogLeNet (Inception v1), torchvision layout; ``faithful_5x5=True`` for the paper's 5×5 branch."""
    return GoogLeNet(num_classes=num_classes, aux_logits=aux_logits, dropout=dropout, faithful_5x5=faithful_5x5)
