"""``LRScheduler``: the base of the epoch-indexed learning-rate schedules.

A schedule states its closed form, ``lr_at(base_lr, t)``, and, where PyTorch's own update
is relative to the group's current rate (StepLR multiplies it by γ, CosineAnnealingLR
moves it towards η_min, ...), that recursive rule as ``_follow``. ``step()`` applies the
closed form while the rate is still the one this scheduler set last time; once something
else has changed it (another scheduler on the same optimizer, a ``ChainedScheduler``, the
user), it follows PyTorch's recursive rule from the current rate from then on, so stacked schedules
compose as they do in PyTorch. Without interference the two agree (the recursive rule is
the closed form's ratio), and the closed form does not accumulate rounding. (The optimizer remembers, by a weak reference,
which scheduler set its rates last, so a chained scheduler that happened to leave a rate
unchanged still counts as having moved it.)
``step(epoch)`` always uses the closed form, as PyTorch does when one exists.
"""

from __future__ import annotations

import weakref

from .optimizer import Optimizer


class LRScheduler:
    # schedules with no closed form (MultiplicativeLR) always follow the current rate
    _recursive_only = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when resuming an optimizer")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        # A fresh schedule "set" the base rate: a group still at its base follows the closed
        # form; one another scheduler already moved follows it (PyTorch's initial step).
        # Resuming (last_epoch >= 0) takes the closed form at the next step.
        if last_epoch == -1:
            self._last_lr = list(self.base_lrs)
        else:
            self._last_lr = [group["lr"] for group in optimizer.param_groups]
        # per group: whether its rate was moved from outside, after which it follows
        # PyTorch's recursive rule for good (until a step(epoch) restarts the closed form)
        self._following = [False] * len(optimizer.param_groups)
        self.step()

    def lr_at(self, base_lr: float, t: int) -> float:
        """The schedule: the learning rate at step ``t`` for a group whose base is ``base_lr``."""
        raise NotImplementedError(f"{type(self).__name__} must define lr_at")

    def _closed_form(self, index: int, base_lr: float, t) -> float:
        """Group ``index``'s rate at step ``t`` (per-group schedules, e.g. LambdaLR, override this).
        A subclass written the PyTorch way, overriding ``get_lr()`` only, is asked that."""
        if type(self).get_lr is not LRScheduler.get_lr and type(self).lr_at is LRScheduler.lr_at:
            return self.get_lr()[index]
        return self.lr_at(base_lr, t)

    def _follow(self, index: int, lr: float, base_lr: float, t) -> float:
        """PyTorch's recursive rule: the rate at step ``t`` from the group's current ``lr``.
        Schedules PyTorch computes from the base rate alone keep this default."""
        return self._closed_form(index, base_lr, t)

    def get_lr(self) -> list[float]:
        return [self._closed_form(i, base, self.last_epoch) for i, base in enumerate(self.base_lrs)]

    def _shares_the_rate(self) -> bool:
        """Whether another scheduler has stepped this optimizer since this one last did
        (the optimizer remembers the last scheduler that set its rates)."""
        last = getattr(self.optimizer, "_lr_set_by", None)
        return last is not None and last() is not self

    def _mark_as_setter(self) -> None:
        self.optimizer._lr_set_by = weakref.ref(self)

    def step(self, epoch=None) -> None:
        self.last_epoch = self.last_epoch + 1 if epoch is None else int(epoch)
        t = self.last_epoch
        shared = self._shares_the_rate()
        following = getattr(self, "_following", None) or [False] * len(self.optimizer.param_groups)
        for i, (group, base, mine) in enumerate(zip(self.optimizer.param_groups, self.base_lrs, self._last_lr)):
            following[i] = epoch is None and (following[i] or shared or group["lr"] != mine)
            if self._recursive_only or following[i]:
                group["lr"] = self._follow(i, group["lr"], base, t)
            else:
                group["lr"] = self._closed_form(i, base, t)
        self._following = following
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]
        self._mark_as_setter()

    def get_last_lr(self) -> list[float]:
        return list(self._last_lr)

    def state_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "optimizer" and not isinstance(v, LRScheduler)}

    def load_state_dict(self, state_dict: dict) -> None:
        self.__dict__.update(state_dict)
