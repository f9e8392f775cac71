"""NASNet-A (Zoph, Vasudevan, Shlens & Le, 2018): a network whose building blocks were
found by a reinforcement-learning controller searching over cells on CIFAR-10, then
stacked into an ImageNet network.

Two cells were searched. A **Normal cell** keeps the resolution, a **Reduction cell**
halves it; each reads the outputs of the two previous cells (``h``, the last, and ``p``,
the one before, adjusted to match), combines them in five blocks, each the sum of two ops
(separable convolutions 3×3/5×5/7×7 applied twice, 3×3 average or max pooling, identity),
and concatenates the block outputs (a Normal cell also passes ``p`` through). NASNet-A
Mobile ("4 @ 1056") stacks a 3×3 stem, two Reduction cells, then 3 × (4 Normal cells) with
a Reduction cell between each, at 44, 88 and 176 filters per block (1056 = 6 × 176 channels
at the end): 5.3M parameters, 564M multiply-adds at 224×224.

Cell wiring and widths follow the Keras reference (BatchNorm eps 1e-3, momentum 0.0003 in
PyTorch's convention); our stride-2 ops pad symmetrically rather than TensorFlow's "same",
which changes no shape and no parameter.
"""

from __future__ import annotations

from .. import nn
from ..nn import functional as F
from ..ops import cat
from .registry import register_model
from .xception import SeparableConv2d

BN = {"eps": 1e-3, "momentum": 0.0003}


class SeparableStack(nn.Sequential):
    """ReLU → separable conv (stride s) → BN → ReLU → separable conv → BN: NASNet's separable op."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1):
        super().__init__(nn.ReLU(), SeparableConv2d(in_channels, out_channels, kernel_size, stride),
                         nn.BatchNorm2d(out_channels, **BN),
                         nn.ReLU(), SeparableConv2d(out_channels, out_channels, kernel_size),
                         nn.BatchNorm2d(out_channels, **BN))


class Squeeze(nn.Sequential):
    """ReLU → 1×1 conv → BN: brings a cell input to the cell's width."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__(nn.ReLU(), nn.Conv2d(in_channels, out_channels, 1, bias=False),
                         nn.BatchNorm2d(out_channels, **BN))


class FactorizedReduce(nn.Module):
    """Halves ``p``'s resolution to match ``h``: two stride-2 1×1 convolutions, one on the
    even pixels and one on the odd (shifted by one), concatenated, then BN."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.path1 = nn.Conv2d(in_channels, out_channels // 2, 1, bias=False)
        self.path2 = nn.Conv2d(in_channels, out_channels // 2, 1, bias=False)
        self.bn = nn.BatchNorm2d(2 * (out_channels // 2), **BN)

    def forward(self, x):
        x = F.relu(x)
        even = x[:, :, ::2, ::2]
        odd = F.pad(x, (0, 1, 0, 1))[:, :, 1::2, 1::2]
        return self.bn(cat([self.path1(even), self.path2(odd)], 1))


def _adjust(p_channels: int, p_reduced: bool, filters: int):
    """How a cell brings its older input ``p`` to ``h``'s shape (the Keras "adjust block")."""
    if p_reduced:
        return FactorizedReduce(p_channels, filters)
    if p_channels != filters:
        return Squeeze(p_channels, filters)
    return nn.Identity()


def _avg(stride: int = 1):
    return nn.AvgPool2d(3, stride, padding=1, count_include_pad=False)


class NormalCell(nn.Module):
    """Five blocks at constant resolution; output = concat(p, x1 … x5), 6 × filters channels."""

    def __init__(self, h_channels: int, p_channels: int, p_reduced: bool, filters: int):
        super().__init__()
        self.adjust_p = _adjust(p_channels, p_reduced, filters)
        self.squeeze_h = Squeeze(h_channels, filters)
        self.x1_h, self.x1_p = SeparableStack(filters, filters, 5), SeparableStack(filters, filters, 3)
        self.x2_p5, self.x2_p3 = SeparableStack(filters, filters, 5), SeparableStack(filters, filters, 3)
        self.x3_h, self.x4_p = _avg(), _avg()
        self.x5_h = SeparableStack(filters, filters, 3)
        self.out_channels = 6 * filters

    def forward(self, h, p):
        p = self.adjust_p(p)
        h = self.squeeze_h(h)
        x1 = self.x1_h(h) + self.x1_p(p)
        x2 = self.x2_p5(p) + self.x2_p3(p)
        x3 = self.x3_h(h) + p
        x4 = self.x4_p(p) * 2  # the searched block adds the same average pool of p twice
        x5 = self.x5_h(h) + h
        return cat([p, x1, x2, x3, x4, x5], 1)


class ReductionCell(nn.Module):
    """Five blocks that halve the resolution; output = concat(x2 … x5), 4 × filters channels."""

    def __init__(self, h_channels: int, p_channels: int, p_reduced: bool, filters: int):
        super().__init__()
        self.adjust_p = None if p_channels is None else _adjust(p_channels, p_reduced, filters)
        self.squeeze_h = Squeeze(h_channels, filters)
        p_width = filters if p_channels is not None else h_channels  # with no older input, p is the raw input
        self.x1_h, self.x1_p = SeparableStack(filters, filters, 5, 2), SeparableStack(p_width, filters, 7, 2)
        self.x2_h, self.x2_p = nn.MaxPool2d(3, 2, padding=1), SeparableStack(p_width, filters, 7, 2)
        self.x3_h, self.x3_p = _avg(2), SeparableStack(p_width, filters, 5, 2)
        self.x4_x1 = _avg()
        self.x5_x1, self.x5_h = SeparableStack(filters, filters, 3), nn.MaxPool2d(3, 2, padding=1)
        self.out_channels = 4 * filters

    def forward(self, h, p):
        p = h if p is None else self.adjust_p(p)
        h = self.squeeze_h(h)
        x1 = self.x1_h(h) + self.x1_p(p)
        x2 = self.x2_h(h) + self.x2_p(p)
        x3 = self.x3_h(h) + self.x3_p(p)
        x4 = self.x4_x1(x1) + x2
        x5 = self.x5_x1(x1) + self.x5_h(h)
        return cat([x2, x3, x4, x5], 1)


class NASNetA(nn.Module):
    """``num_normal`` Normal cells per stack, ``penultimate_filters`` channels at the end."""

    def __init__(self, num_classes: int = 1000, num_normal: int = 4, penultimate_filters: int = 1056,
                 stem_filters: int = 32, dropout: float = 0.5):
        super().__init__()
        if penultimate_filters % 24:
            raise ValueError(f"NASNetA: penultimate_filters must be a multiple of 24, got {penultimate_filters}")
        filters = penultimate_filters // 24
        self.stem = nn.Sequential(nn.Conv2d(3, stem_filters, 3, stride=2, bias=False),
                                  nn.BatchNorm2d(stem_filters, **BN))
        cells = []
        # (channels of h, channels of p, whether p is at twice h's resolution) as the stack grows
        h_channels, p_channels, p_reduced = stem_filters, None, False
        plan = [("reduction", filters // 4), ("reduction", filters // 2)]
        for stack in range(3):
            if stack > 0:
                plan.append(("reduction", filters * 2 ** stack))
            plan += [("normal", filters * 2 ** stack)] * num_normal
        for kind, width in plan:
            cell_type = ReductionCell if kind == "reduction" else NormalCell
            cell = cell_type(h_channels, p_channels, p_reduced, width)
            cells.append(cell)
            p_channels, p_reduced, h_channels = h_channels, kind == "reduction", cell.out_channels
        self.cells = nn.ModuleList(cells)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(h_channels, num_classes)

    def forward(self, x):
        h, p = self.stem(x), None
        for cell in self.cells:
            h, p = cell(h, p), h
        return self.classifier(self.dropout(F.relu(h).mean((2, 3))))


@register_model(input_size=(3, 224, 224))
def nasnet_a_mobile(num_classes: int = 1000, dropout: float = 0.5) -> NASNetA:
    """NASNet-A Mobile, "4 @ 1056": the searched Normal and Reduction cells, 5.3M parameters."""
    return NASNetA(num_classes, 4, 1056, 32, dropout)
