"""Argument checks every public entry point shares: a real number in a range (finite unless
said otherwise: NaN passes every ``x < 0`` test, so a range written as comparisons lets it
through), an int (not a bool, not a float that ``int()`` would truncate), a bool, one of
some strings, a list of ints. Each raises a TypeError (not a number, not an int) or a
ValueError (out of range) naming the argument, the expected and the given value, before
any arithmetic."""

from __future__ import annotations

import math
import numbers

import numpy as np


def shown(value) -> str:
    """A value as a message shows it: numbers as PyTorch prints them (``nan``, ``-1``), anything
    else by repr."""
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        return str(value.item() if isinstance(value, np.generic) else value)
    return repr(value)


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _range_text(low, high, low_open, high_open) -> str:
    if high == math.inf:
        return f"{'>' if low_open else '>='} {low:g}"
    return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def real(value, argument: str, *, low=-math.inf, high=math.inf, low_open=False, high_open=False, finite=True,
         prefix: str = "", where: str = ""):
    """``value`` if it is a real number (not a bool) in the range, finite unless ``finite`` is
    False; else a TypeError (not a number) or ValueError naming ``argument``. With ``prefix``
    the message is PyTorch's ("Invalid learning rate: nan (lr must be a finite number >= 0)"),
    without, "gamma must be a finite number > 0, got nan"."""
    expected = "a finite number" if finite else "a number"
    if low != -math.inf or high != math.inf:
        expected += " " + _range_text(low, high, low_open, high_open)
    if not _is_real(value):
        got = f"not {type(value).__name__}" if prefix else f"got {type(value).__name__} {shown(value)}"
        error = TypeError
    elif (math.isnan(value) or (finite and math.isinf(value)) or value < low or (low_open and value == low)
          or value > high or (high_open and value == high)):
        got, error = "" if prefix else f"got {shown(value)}", ValueError
    else:
        return value
    rule = f"{argument}{where} must be {expected}"
    if prefix:
        raise error(f"{prefix}: {shown(value)} ({rule}{', ' + got if got else ''})")
    raise error(f"{rule}, {got}")


def integer(value, argument: str, *, low=None, where: str = "") -> int:
    """``value`` if it is an int (not a bool) of at least ``low``; else a TypeError (not an
    int) or ValueError (too small) naming ``argument``."""
    expected = "an int" if low is None else ("a positive int" if low == 1 else f"an int >= {low}")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{argument}{where} must be {expected}, got {type(value).__name__} {shown(value)}")
    if low is not None and value < low:
        raise ValueError(f"{argument}{where} must be {expected}, got {shown(value)}")
    return int(value)


def boolean(value, argument: str, where: str = ""):
    """``value`` if it is ``True`` or ``False`` (a string "False" is not taken for true)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{argument}{where} must be a bool, got {type(value).__name__} {shown(value)}")
    return value


def one_of(value, argument: str, choices) -> None:
    """``value`` if it is one of ``choices`` (strings: a mode, a strategy)."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{argument} must be one of {', '.join(map(repr, choices))}, got {shown(value)}")
    return value


def int_list(values, argument: str) -> list:
    """``values`` (a list, tuple or other iterable that is not a string) as a list of ints >= 0."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{argument} must be a list of ints, got {type(values).__name__} {values!r}")
    values = list(values)
    for i, value in enumerate(values):
        integer(value, f"{argument}[{i}]", low=0)
    return [int(v) for v in values]


def number_pair(value, argument: str) -> tuple[float, float]:
    """``value`` as a (low, high) pair of finite numbers, a TypeError naming ``argument``
    otherwise (a one-element tuple would fail later as an IndexError, a three-element one
    would pass its third number on as a size)."""
    if (not isinstance(value, (tuple, list)) or len(value) != 2
            or not all(_is_real(v) and math.isfinite(v) for v in value)):
        raise TypeError(f"{argument} must be a (min, max) pair of finite numbers, got {value!r}")
    return float(value[0]), float(value[1])
