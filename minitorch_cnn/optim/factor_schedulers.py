"""Schedules that scale the base rate by a factor: ``LambdaLR`` (a user function of t),
``MultiplicativeLR`` (the current rate times a user function, PyTorch's recursive rule),
``ConstantLR`` (a constant factor until ``total_iters``) and ``PolynomialLR`` (decay to 0
at ``total_iters``), as ``torch.optim.lr_scheduler``.

User functions cannot be saved: as PyTorch does, ``state_dict`` keeps ``None`` for a plain
function or lambda and the ``__dict__`` of a callable object (whose state is all there is
to restore; the object itself is rebuilt by the code that builds the scheduler).
"""

from __future__ import annotations

import types

from ..arguments import integer, real
from .scheduler_base import LRScheduler, check_scheduler


def per_group_functions(optimizer, lr_lambda) -> list:
    """One function per parameter group, as PyTorch spreads ``lr_lambda``."""
    count = len(optimizer.param_groups)
    if isinstance(lr_lambda, (list, tuple)):
        if len(lr_lambda) != count:
            raise ValueError(f"Expected {count} lr_lambdas, but got {len(lr_lambda)}")
        functions = list(lr_lambda)
    else:
        functions = [lr_lambda] * count
    for function in functions:
        if not callable(function):
            raise TypeError(f"lr_lambda should be a function, but got {type(function).__name__}")
    return functions


class _UserFunctionSchedule(LRScheduler):
    """Saves and restores ``lr_lambdas`` as PyTorch does (see the module docstring)."""

    def __init__(self, optimizer, lr_lambda, last_epoch):
        check_scheduler(type(self).__name__, optimizer, last_epoch)
        self.lr_lambdas = per_group_functions(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def state_dict(self) -> dict:
        state = {k: v for k, v in super().state_dict().items() if k != "lr_lambdas"}
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else fn.__dict__.copy()
                               for fn in self.lr_lambdas]
        return state

    def _check_state_dict(self, state_dict) -> None:
        super()._check_state_dict(state_dict)
        saved, name = state_dict["lr_lambdas"], f"{type(self).__name__}.load_state_dict"
        if not isinstance(saved, (list, tuple)) or len(saved) != len(self.lr_lambdas):
            raise ValueError(f"{name}: lr_lambdas must be a list of {len(self.lr_lambdas)} entries (one per "
                             f"function), got {saved!r}")
        for i, fn_state in enumerate(saved):
            if fn_state is not None and not isinstance(fn_state, dict):
                raise TypeError(f"{name}: lr_lambdas[{i}] must be None or a dict (a callable object's __dict__), "
                                f"got {type(fn_state).__name__}")

    def load_state_dict(self, state_dict: dict) -> None:
        self._check_state_dict(state_dict)
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", [None] * len(self.lr_lambdas))
        self.__dict__.update(state)
        for fn, fn_state in zip(self.lr_lambdas, saved):
            if fn_state is not None:
                fn.__dict__.update(fn_state)


class LambdaLR(_UserFunctionSchedule):
    """lr = base · lr_lambda(t) (one function, or one per parameter group)."""

    def __init__(self, optimizer, lr_lambda, last_epoch: int = -1):
        super().__init__(optimizer, lr_lambda, last_epoch)

    def _closed_form(self, index, base_lr, t):
        return base_lr * self.lr_lambdas[index](t)


class MultiplicativeLR(_UserFunctionSchedule):
    """lr ← lr · lr_lambda(t) at each step t ≥ 1, from the group's current rate (PyTorch's
    rule; there is no closed form to fall back on, so it composes with anything)."""

    _recursive_only = True

    def __init__(self, optimizer, lr_lambda, last_epoch: int = -1):
        super().__init__(optimizer, lr_lambda, last_epoch)

    def _follow(self, index, lr, base_lr, t):
        return lr * self.lr_lambdas[index](t) if t > 0 else lr


class ConstantLR(LRScheduler):
    """lr = base · factor for t < total_iters, then base."""

    def __init__(self, optimizer, factor: float = 1.0 / 3, total_iters: int = 5, last_epoch: int = -1):
        try:
            real(factor, "ConstantLR: factor", low=0, high=1)
        except ValueError as error:
            raise ValueError(f"Constant multiplicative factor expected to be between 0 and 1. ({error})") from None
        integer(total_iters, "ConstantLR: total_iters", low=0)
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, t):
        return base_lr * (self.factor + (t >= self.total_iters) * (1 - self.factor))

    def _follow(self, index, lr, base_lr, t):
        if t == 0:
            return lr * self.factor
        return lr * (1.0 / self.factor) if t == self.total_iters else lr


class PolynomialLR(LRScheduler):
    """lr = base · (1 - min(t, total_iters)/total_iters)^power: reaches 0 at total_iters."""

    def __init__(self, optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1):
        # PyTorch divides by it and fails with ZeroDivisionError; say why instead
        integer(total_iters, "PolynomialLR: total_iters", low=1)
        # a negative power would divide by zero at total_iters
        real(power, "PolynomialLR: power", low=0)
        self.total_iters, self.power = total_iters, power
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, t):
        return base_lr * (1.0 - min(self.total_iters, t) / self.total_iters) ** self.power

    def _follow(self, index, lr, base_lr, t):
        if t == 0 or t > self.total_iters:
            return lr
        return lr * ((1.0 - t / self.total_iters) / (1.0 - (t - 1) / self.total_iters)) ** self.power
