"""Padding layers, as ``torch.nn``: ``ZeroPad1d/2d``, ``ConstantPad1d/2d``,
``ReflectionPad1d/2d``, ``ReplicationPad1d/2d`` and ``CircularPad1d/2d``, each a thin
module over ``F.pad`` (whose gradients, cropping by negative amounts and limits they share).

``padding`` is an int (the same amount on every side) or PyTorch's flat tuple, last dim
first: (left, right) for the 1-D layers, (left, right, top, bottom) for the 2-D ones. The
layer keeps it as that tuple, so ``repr`` and ``.padding`` read as PyTorch's.
"""

from __future__ import annotations

import numbers

from ..ops.pad import pad
from ._checks import check_input
from .module import Module


def _amounts(layer_name, padding, sides):
    """``padding`` as a tuple of ``sides`` ints, checked at construction (PyTorch only finds
    a bad tuple on the first forward)."""
    if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        return (int(padding),) * sides
    amounts = tuple(padding) if isinstance(padding, (tuple, list)) else None
    if amounts is None or len(amounts) != sides or any(
            isinstance(p, bool) or not isinstance(p, numbers.Integral) for p in amounts):
        raise ValueError(f"{layer_name}: padding must be an int or a tuple of {sides} ints, got {padding!r}")
    return tuple(int(p) for p in amounts)


class _Pad(Module):
    """What the padding layers share: the mode, the number of padded dims and the input
    ranks PyTorch accepts for the non-constant modes (the constant ones take any rank)."""

    mode = "constant"
    spatial = 1

    def __init__(self, padding):
        super().__init__()
        self.padding = _amounts(type(self).__name__, padding, 2 * self.spatial)

    def forward(self, input):
        if self.mode != "constant":
            ranks = (self.spatial + 1, self.spatial + 2)
            check_input(self, input, ranks, what="(C, W) or (N, C, W)" if self.spatial == 1 else
                        "(C, H, W) or (N, C, H, W)")
        return pad(input, self.padding, self.mode, getattr(self, "value", None))

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPad(_Pad):
    def __init__(self, padding, value: float):
        super().__init__(padding)
        self.value = value

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


_SHAPE_1D = """
    Shape:
        - Input: (C, W_in) or (N, C, W_in){any}.
        - Output: (C, W_out) or (N, C, W_out), where
          W_out = W_in + padding_left + padding_right
    """
_SHAPE_2D = """
    Shape:
        - Input: (N, C, H_in, W_in) or (C, H_in, W_in){any}.
        - Output: (N, C, H_out, W_out) or (C, H_out, W_out), where
          H_out = H_in + padding_top + padding_bottom,
          W_out = W_in + padding_left + padding_right
    """
_ANY = " (any rank: the last dims are padded)"


class ZeroPad1d(_ConstantPad):
    __doc__ = "Pads the last dim with zeros; negative amounts crop." + _SHAPE_1D.format(any=_ANY)

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(_ConstantPad):
    __doc__ = "Pads the last two dims with zeros; negative amounts crop." + _SHAPE_2D.format(any=_ANY)
    spatial = 2

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ConstantPad1d(_ConstantPad):
    __doc__ = "Pads the last dim with ``value``; negative amounts crop." + _SHAPE_1D.format(any=_ANY)


class ConstantPad2d(_ConstantPad):
    __doc__ = "Pads the last two dims with ``value``; negative amounts crop." + _SHAPE_2D.format(any=_ANY)
    spatial = 2


class ReflectionPad1d(_Pad):
    __doc__ = ("Pads with the reflection of the input, the border not repeated (each amount less than "
               "the input size)." + _SHAPE_1D.format(any=""))
    mode = "reflect"


class ReflectionPad2d(_Pad):
    __doc__ = ("Pads with the reflection of the input, the border not repeated (each amount less than "
               "the input size)." + _SHAPE_2D.format(any=""))
    mode, spatial = "reflect", 2


class ReplicationPad1d(_Pad):
    __doc__ = "Pads by repeating the border element." + _SHAPE_1D.format(any="")
    mode = "replicate"


class ReplicationPad2d(_Pad):
    __doc__ = "Pads by repeating the border elements." + _SHAPE_2D.format(any="")
    mode, spatial = "replicate", 2


class CircularPad1d(_Pad):
    __doc__ = ("Pads by wrapping around: the left padding is the end of the input (each amount at "
               "most the input size)." + _SHAPE_1D.format(any=""))
    mode = "circular"


class CircularPad2d(_Pad):
    __doc__ = ("Pads by wrapping around: the top padding is the bottom of the input, the left the "
               "right (each amount at most the input size)." + _SHAPE_2D.format(any=""))
    mode, spatial = "circular", 2
