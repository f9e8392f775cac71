"""Dropout layers, as ``torch.nn`` and torchvision: ``Dropout``, ``Dropout2d`` and
``StochasticDepth``. They act only in training mode (``model.train()``)."""

from __future__ import annotations

import numbers

from ..ops import dropout as D
from .module import Module


class _DropoutBase(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:  # NaN fails the range too
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p!r}")
        self.p, self.inplace = p, inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutBase):
    """Zeroes elements with probability p in training, scaling the rest by 1/(1-p).

    Shape:
        - Input: any shape; Output: the same.
    """

    def forward(self, input):
        return D.dropout(input, self.p, self.training)


class Dropout2d(_DropoutBase):
    """Zeroes whole channels with probability p in training, scaling the rest by 1/(1-p).

    Shape:
        - Input: (N, C, H, W) or (C, H, W): whole channels are zeroed; Output: the same.
    """

    def forward(self, input):
        return D.dropout2d(input, self.p, self.training)


class StochasticDepth(Module):
    """Drops a residual branch per sample ("row") or per batch ("batch") with probability
    p in training, as torchvision.ops.StochasticDepth (drop-path).

    Shape:
        - Input: (N, ...) (``mode='row'``: per sample) or any; Output: the same.
    """

    def __init__(self, p: float, mode: str):
        super().__init__()
        if not 0.0 <= p <= 1.0 or mode not in ("row", "batch"):
            raise ValueError(f"StochasticDepth: p must be in [0, 1] and mode 'row' or 'batch', got p={p}, mode={mode!r}")
        self.p, self.mode = p, mode

    def forward(self, input):
        return D.stochastic_depth(input, self.p, self.mode, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, mode={self.mode}"
