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

from ..arguments import integer, real
from .optimizer import Optimizer


def check_scheduler(name: str, optimizer, last_epoch) -> None:
    """What every schedule checks before it touches the optimizer: that it is one, that
    ``last_epoch`` is an int >= -1, and, when resuming (``last_epoch`` >= 0), that every group
    has the ``initial_lr`` the first run left there (a KeyError, as PyTorch)."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
    integer(last_epoch, f"{name}: last_epoch", low=-1)
    if last_epoch != -1:
        for i, group in enumerate(optimizer.param_groups):
            if "initial_lr" not in group:
                raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when resuming an optimizer")


def check_rates(name: str, values, count: int) -> None:
    """A saved list of per-group rates (``base_lrs``, ``_last_lr``): ``count`` finite numbers."""
    if not isinstance(values, (list, tuple)):
        raise TypeError(f"{name} must be a list of {count} learning rates, got {type(values).__name__}")
    if len(values) != count:
        raise ValueError(f"{name} must have {count} values (one per parameter group), got {len(values)}")
    for i, value in enumerate(values):
        real(value, f"{name}[{i}]")


def check_own_keys(scheduler, state_dict) -> tuple[str, dict]:
    """(the name for messages, the scheduler's own state dict) once ``state_dict`` is a
    dict with exactly the keys ``scheduler.state_dict()`` has (a scheduler of another kind
    or configuration has others)."""
    name = f"{type(scheduler).__name__}.load_state_dict"
    if not isinstance(state_dict, dict):
        raise TypeError(f"{name}: expected a dict, got {type(state_dict).__name__}")
    own = scheduler.state_dict()
    unexpected, missing = sorted(set(state_dict) - set(own)), sorted(set(own) - set(state_dict))
    if unexpected or missing:
        raise ValueError(f"{name}: the state dict is not one this {type(scheduler).__name__} saves (unexpected keys "
                         f"{unexpected}, missing keys {missing})")
    return name, own


def check_sub_states(scheduler, states) -> None:
    """The saved states of a SequentialLR's or ChainedScheduler's schedulers: one per
    scheduler, each checked by that scheduler before any is loaded."""
    name = f"{type(scheduler).__name__}.load_state_dict"
    if not isinstance(states, (list, tuple)) or len(states) != len(scheduler._schedulers):
        got = f"{len(states)}" if isinstance(states, (list, tuple)) else type(states).__name__
        raise ValueError(f"{name}: expected the states of {len(scheduler._schedulers)} schedulers, got {got}")
    for inner, state in zip(scheduler._schedulers, states):
        inner._check_state_dict(state)


class LRScheduler:
    """The base of the epoch-indexed schedules: a subclass gives ``lr_at(base_lr, t)``, the
    closed form; ``step()`` moves to t + 1 and writes each group's rate (PyTorch's recursive
    rule once something else has changed the rate), and ``state_dict``/``load_state_dict``
    save and restore it (all or nothing).
    """
    # schedules with no closed form (MultiplicativeLR) always follow the current rate
    _recursive_only = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        check_scheduler(type(self).__name__, optimizer, last_epoch)
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
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
        """All or nothing: ``state_dict`` is checked whole (see ``_check_state_dict``) before
        anything changes."""
        self._check_state_dict(state_dict)
        self.__dict__.update(state_dict)

    def _check_state_dict(self, state_dict) -> None:
        """That ``state_dict`` is one this scheduler saves: a dict with the keys its own
        ``state_dict()`` has (a scheduler of another kind or configuration has others), an
        int ``last_epoch`` and one finite rate per parameter group."""
        name, own = check_own_keys(self, state_dict)
        if "last_epoch" in own:
            integer(state_dict["last_epoch"], f"{name}: last_epoch", low=-1)
        count = len(self.optimizer.param_groups)
        for key in ("base_lrs", "_last_lr"):
            if key in own:
                check_rates(f"{name}: {key}", state_dict[key], count)
