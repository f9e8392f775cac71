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

from ..arguments import shown, boolean, real


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
            raise TypeError(f"Invalid {self.key}: {shown(value)} ({rule}, not {type(value).__name__})")
        if len(value) != 2:
            raise ValueError(f"Invalid {self.key}: {shown(value)} ({rule}, got {len(value)} "
                             f"value{'' if len(value) == 1 else 's'})")
        for i, v in enumerate(value):
            self.element.check(v, where, key=f"{self.key}[{i}]", label=self.label(i))
        problem = self.relation(*value) if self.relation else None
        if problem:
            head = self.head(*value) if self.head else f"Invalid {self.key}: {shown(tuple(value))}"
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
