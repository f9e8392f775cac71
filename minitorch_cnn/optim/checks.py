"""Argument checks the optimizers and schedules share.

An optimizer declares its hyper-parameters as a tuple of specs (``Number``, ``Pair``,
``Flag``); ``Optimizer`` checks every one of them in the defaults, in each group added by
``add_param_group`` and in each group of a state dict being loaded, before anything
changes. A bad value is a ``ValueError`` in PyTorch's words ("Invalid learning rate: nan"),
followed by the argument, where it is (a parameter group) and the range expected; a value
that is no number at all (a string, ``None``, a ``bool``) is a ``TypeError`` worded the same.
The schedules use ``real`` and ``integer`` directly.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


def _show(value) -> str:
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
        got = f"not {type(value).__name__}" if prefix else f"got {type(value).__name__} {_show(value)}"
        error = TypeError
    elif (math.isnan(value) or (finite and math.isinf(value)) or value < low or (low_open and value == low)
          or value > high or (high_open and value == high)):
        got, error = "" if prefix else f"got {_show(value)}", ValueError
    else:
        return value
    rule = f"{argument}{where} must be {expected}"
    if prefix:
        raise error(f"{prefix}: {_show(value)} ({rule}{', ' + got if got else ''})")
    raise error(f"{rule}, {got}")


def integer(value, argument: str, *, low=None, where: str = "") -> int:
    """``value`` if it is an int (not a bool) of at least ``low``; else a TypeError (not an
    int) or ValueError (too small) naming ``argument``."""
    expected = "an int" if low is None else ("a positive int" if low == 1 else f"an int >= {low}")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{argument}{where} must be {expected}, got {type(value).__name__} {_show(value)}")
    if low is not None and value < low:
        raise ValueError(f"{argument}{where} must be {expected}, got {_show(value)}")
    return int(value)


def boolean(value, argument: str, where: str = ""):
    """``value`` if it is ``True`` or ``False`` (a string "False" is not taken for true)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{argument}{where} must be a bool, got {type(value).__name__} {_show(value)}")
    return value


def one_of(value, argument: str, choices) -> None:
    """``value`` if it is one of ``choices`` (strings: a mode, a strategy)."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{argument} must be one of {', '.join(map(repr, choices))}, got {_show(value)}")
    return value


def int_list(values, argument: str) -> list:
    """``values`` (a list, tuple or other iterable that is not a string) as a list of ints >= 0."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{argument} must be a list of ints, got {type(values).__name__} {values!r}")
    values = list(values)
    for i, value in enumerate(values):
        integer(value, f"{argument}[{i}]", low=0)
    return [int(v) for v in values]


class Number:
    """A real hyper-parameter ``key``: PyTorch's message ``label`` and its range."""

    def __init__(self, key: str, label: str, low=0.0, high=math.inf, *, low_open=False, high_open=False,
                 finite=True):
        self.key, self.label, self.finite = key, label, finite
        self.low, self.high, self.low_open, self.high_open = low, high, low_open, high_open

    def check(self, value, where: str = "", key: str | None = None, label: str | None = None) -> None:
        real(value, key or self.key, low=self.low, high=self.high, low_open=self.low_open, high_open=self.high_open,
             finite=self.finite, prefix=label or self.label, where=where)


class Pair:
    """A pair of reals ``key`` (betas, etas, step_sizes): a tuple or list of two, each checked
    by ``element`` (labelled ``label(i)``), then ``relation(a, b)``, which returns what is
    wrong with the two together, or None. ``head(a, b)`` is PyTorch's message for a bad pair
    ("Invalid eta values: 1.2, 0.5"); ``describe`` says what is expected."""

    def __init__(self, key: str, label, element: Number, describe: str, relation=None, head=None):
        self.key, self.label, self.element, self.describe = key, label, element, describe
        self.relation, self.head = relation, head

    def check(self, value, where: str = "") -> None:
        rule = f"{self.key}{where} must be {self.describe}"
        if not isinstance(value, (tuple, list)):
            raise TypeError(f"Invalid {self.key}: {_show(value)} ({rule}, not {type(value).__name__})")
        if len(value) != 2:
            raise ValueError(f"Invalid {self.key}: {_show(value)} ({rule}, got {len(value)} "
                             f"value{'' if len(value) == 1 else 's'})")
        for i, v in enumerate(value):
            self.element.check(v, where, key=f"{self.key}[{i}]", label=self.label(i))
        problem = self.relation(*value) if self.relation else None
        if problem:
            head = self.head(*value) if self.head else f"Invalid {self.key}: {_show(tuple(value))}"
            raise ValueError(f"{head} ({rule}; {problem})")


class Flag:
    """A boolean switch ``key`` (nesterov, amsgrad, maximize...): ``True``/``False`` only, so
    a string "False" is not taken for true."""

    def __init__(self, key: str):
        self.key = key

    def check(self, value, where: str = "") -> None:
        boolean(value, self.key, where)


# the hyper-parameters several optimizers share, in PyTorch's words
LR = Number("lr", "Invalid learning rate")
EPS = Number("eps", "Invalid epsilon value")
WEIGHT_DECAY = Number("weight_decay", "Invalid weight_decay value")
MOMENTUM = Number("momentum", "Invalid momentum value")
MAXIMIZE = Flag("maximize")
BETAS = Pair("betas", lambda i: f"Invalid beta parameter at index {i}",
             Number("betas", "Invalid beta parameter", 0.0, 1.0, high_open=True),
             "a pair of floats (beta1, beta2), each in [0, 1)")


def check_hyper_parameters(specs, group: dict, where: str = "", required: bool = True) -> None:
    """Every spec's value in ``group``; a missing one is an error when ``required`` (a
    parameter group has them all, from the defaults)."""
    for spec in specs:
        if spec.key in group:
            spec.check(group[spec.key], where)
        elif required:
            raise ValueError(f"parameter group{where} has no {spec.key!r}")
