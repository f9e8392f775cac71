"""Learning-rate schedules, as ``torch.optim.lr_scheduler``. This file has ``StepLR``,
``MultiStepLR``, ``ExponentialLR``, ``CosineAnnealingLR``, ``LinearLR`` (warm-up),
``OneCycleLR``, ``SequentialLR`` (warm-up then another schedule) and
``ReduceLROnPlateau``, and gathers the rest under the one name PyTorch uses:
``LambdaLR``, ``MultiplicativeLR``, ``ConstantLR``, ``PolynomialLR`` (factor_schedulers.py),
``CosineAnnealingWarmRestarts``, ``CyclicLR`` (cyclic_schedulers.py), ``ChainedScheduler``
(chained_scheduler.py) and the base ``LRScheduler`` (scheduler_base.py).

Each schedule is written in its closed form, lr(t) from the base lr and the step count
t, which is the formula PyTorch documents and what its recursive updates compute when
nothing else touches the learning rate; ``_follow`` is PyTorch's recursive rule, used once
something else has moved the rate (see scheduler_base.py). Like PyTorch, building a
scheduler applies lr(0), and ``step()`` moves to t + 1. ``state_dict`` holds everything
but the optimizer.
"""

from __future__ import annotations

import bisect
import math

from .chained_scheduler import ChainedScheduler
from ..arguments import boolean, int_list, integer, one_of, real
from .cyclic_schedulers import CosineAnnealingWarmRestarts, CyclicLR, per_group
from .factor_schedulers import ConstantLR, LambdaLR, MultiplicativeLR, PolynomialLR
from .optimizer import Optimizer
from .scheduler_base import LRScheduler, check_own_keys, check_rates, check_scheduler, check_sub_states

__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
           "ExponentialLR", "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR",
           "OneCycleLR", "SequentialLR", "ChainedScheduler", "ReduceLROnPlateau"]


class StepLR(LRScheduler):
    """lr = base · gamma^⌊t / step_size⌋."""

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        integer(step_size, "StepLR: step_size", low=1)
        real(gamma, "StepLR: gamma", low=0, low_open=True)
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, t):
        return base_lr * self.gamma ** (t // self.step_size)

    def _follow(self, index, lr, base_lr, t):
        return lr * self.gamma if t > 0 and t % self.step_size == 0 else lr


class MultiStepLR(LRScheduler):
    """lr = base · gamma^(number of milestones ≤ t)."""

    def __init__(self, optimizer, milestones, gamma: float = 0.1, last_epoch: int = -1):
        self.milestones = sorted(int_list(milestones, "MultiStepLR: milestones"))
        self.gamma = real(gamma, "MultiStepLR: gamma", low=0, low_open=True)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, t):
        return base_lr * self.gamma ** bisect.bisect_right(self.milestones, t)

    def _follow(self, index, lr, base_lr, t):
        return lr * self.gamma ** self.milestones.count(t)


class ExponentialLR(LRScheduler):
    """lr = base · gamma^t."""

    def __init__(self, optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = real(gamma, "ExponentialLR: gamma", low=0, low_open=True)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, t):
        return base_lr * self.gamma ** t

    def _follow(self, index, lr, base_lr, t):
        return lr * self.gamma if t > 0 else lr


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base - eta_min)·(1 + cos(π·t / T_max))/2 (SGDR without restarts)."""

    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):  # noqa: N803
        real(T_max, "CosineAnnealingLR: T_max", low=0, low_open=True)
        real(eta_min, "CosineAnnealingLR: eta_min")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, t):
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * t / self.T_max)) / 2

    def _follow(self, index, lr, base_lr, t):
        if t == 0:
            return lr
        if (t - 1 - self.T_max) % (2 * self.T_max) == 0:
            # the ratio below would divide by 1 + cos(π) = 0 just past the minimum
            return lr + (base_lr - self.eta_min) * (1 - math.cos(math.pi / self.T_max)) / 2
        return ((1 + math.cos(math.pi * t / self.T_max)) / (1 + math.cos(math.pi * (t - 1) / self.T_max))
                * (lr - self.eta_min) + self.eta_min)


class LinearLR(LRScheduler):
    """lr = base · (start + (end - start)·min(t, total_iters)/total_iters): warm-up."""

    def __init__(self, optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0, total_iters: int = 5,
                 last_epoch: int = -1):
        real(start_factor, "LinearLR: start_factor", low=0, high=1, low_open=True)
        real(end_factor, "LinearLR: end_factor", low=0, high=1)
        integer(total_iters, "LinearLR: total_iters", low=0)
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, t):
        progress = min(t, self.total_iters) / self.total_iters if self.total_iters else 1.0
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * progress)

    def _follow(self, index, lr, base_lr, t):
        if t == 0:
            return lr * self.start_factor
        if t > self.total_iters:
            return lr
        change = self.end_factor - self.start_factor
        return lr * (1.0 + change / (self.total_iters * self.start_factor + (t - 1) * change))


class SequentialLR(LRScheduler):
    """Runs ``schedulers[i]`` from ``milestones[i-1]`` on, each restarted at its own t = 0
    (e.g. LinearLR warm-up for 5 epochs, then CosineAnnealingLR)."""

    def __init__(self, optimizer, schedulers, milestones, last_epoch: int = -1):
        check_scheduler("SequentialLR", optimizer, last_epoch)
        if not isinstance(schedulers, (list, tuple)) or not schedulers:
            raise ValueError(f"SequentialLR: schedulers must be a non-empty list of schedulers, got {schedulers!r}")
        for i, s in enumerate(schedulers):
            if not isinstance(s, LRScheduler):
                raise TypeError(f"SequentialLR: schedulers[{i}] must be an LRScheduler (ReduceLROnPlateau cannot "
                                f"be sequenced), got {type(s).__name__}")
            if s.optimizer is not optimizer:
                raise ValueError(f"SequentialLR: every scheduler must drive the same optimizer; schedulers[{i}] "
                                 "drives another")
        milestones = int_list(milestones, "SequentialLR: milestones")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR: expected {len(schedulers) - 1} milestones for {len(schedulers)} "
                             f"schedulers, got {len(milestones)}")
        if milestones != sorted(milestones):
            raise ValueError(f"SequentialLR: milestones must be in increasing order, got {milestones}")
        self._schedulers, self.milestones = list(schedulers), milestones
        super().__init__(optimizer, last_epoch)

    def _closed_form(self, group_index, base_lr, t):
        index = bisect.bisect_right(self.milestones, t)
        start = self.milestones[index - 1] if index else 0
        return self._schedulers[index]._closed_form(group_index, base_lr, t - start)

    def state_dict(self) -> dict:
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def _check_state_dict(self, state_dict) -> None:
        super()._check_state_dict(state_dict)
        check_sub_states(self, state_dict["_schedulers"])

    def load_state_dict(self, state_dict: dict) -> None:
        self._check_state_dict(state_dict)
        state = dict(state_dict)
        for scheduler, sub in zip(self._schedulers, state.pop("_schedulers", [])):
            scheduler.load_state_dict(sub)
        self.__dict__.update(state)


class OneCycleLR(LRScheduler):
    """Smith's 1cycle policy, stepped once per batch: lr rises from max_lr/div_factor to
    max_lr over the first ``pct_start`` of the steps, then anneals to
    initial_lr/final_div_factor; momentum (or Adam's β₁) moves the opposite way."""

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95, div_factor=25.0,
                 final_div_factor=1e4, three_phase=False, last_epoch=-1):
        # every check first: a refused OneCycleLR leaves the optimizer's groups as they were
        check_scheduler("OneCycleLR", optimizer, last_epoch)
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError("OneCycleLR: give total_steps, or epochs and steps_per_epoch")
            total_steps = (integer(epochs, "OneCycleLR: epochs", low=1)
                           * integer(steps_per_epoch, "OneCycleLR: steps_per_epoch", low=1))
        integer(total_steps, "OneCycleLR: total_steps", low=1)
        real(pct_start, "OneCycleLR: pct_start", low=0, high=1)
        one_of(anneal_strategy, "OneCycleLR: anneal_strategy", ("cos", "linear"))
        real(div_factor, "OneCycleLR: div_factor", low=0, low_open=True)
        real(final_div_factor, "OneCycleLR: final_div_factor", low=0, low_open=True)
        boolean(cycle_momentum, "OneCycleLR: cycle_momentum")
        boolean(three_phase, "OneCycleLR: three_phase")
        max_lrs = per_group("max_lr", optimizer, max_lr, "OneCycleLR", low=0)
        use_betas = cycle_momentum and "betas" in optimizer.defaults
        if cycle_momentum and not use_betas and "momentum" not in optimizer.defaults:
            raise ValueError("OneCycleLR: optimizer must support momentum or betas with cycle_momentum enabled")
        if cycle_momentum:
            # Adam's β₁ must stay in [0, 1)
            limits = dict(low=0, high=1, high_open=True) if use_betas else dict(low=0)
            max_momentums = per_group("max_momentum", optimizer, max_momentum, "OneCycleLR", **limits)
            base_momentums = per_group("base_momentum", optimizer, base_momentum, "OneCycleLR", **limits)
        self.total_steps, self.anneal_strategy, self.cycle_momentum = total_steps, anneal_strategy, cycle_momentum
        self._use_betas = use_betas
        for i, (group, top) in enumerate(zip(optimizer.param_groups, max_lrs)):
            if last_epoch == -1:
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
            if cycle_momentum:
                group["max_momentum"], group["base_momentum"] = max_momentums[i], base_momentums[i]
        up = float(pct_start * total_steps) - 1
        if three_phase:
            self._phases = [(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                            (float(2 * pct_start * total_steps) - 2, "max_lr", "initial_lr", "base_momentum",
                             "max_momentum"),
                            (total_steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        else:
            self._phases = [(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                            (total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")]
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start, end, pct):
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def _values(self, group, t):
        start_step = 0.0
        for i, (end_step, lr_from, lr_to, m_from, m_to) in enumerate(self._phases):
            if t <= end_step or i == len(self._phases) - 1:
                pct = (t - start_step) / (end_step - start_step) if end_step != start_step else 1.0
                lr = self._anneal(group[lr_from], group[lr_to], pct)
                momentum = self._anneal(group[m_from], group[m_to], pct) if self.cycle_momentum else None
                return lr, momentum
            start_step = end_step
        raise AssertionError("unreachable: the last phase always matches")

    def step(self, epoch=None) -> None:
        self.last_epoch = self.last_epoch + 1 if epoch is None else int(epoch)
        if self.last_epoch > self.total_steps:
            raise ValueError(f"Tried to step {self.last_epoch} times. The specified number of total steps is "
                             f"{self.total_steps}")
        for group in self.optimizer.param_groups:
            lr, momentum = self._values(group, self.last_epoch)
            group["lr"] = lr
            if momentum is not None:
                if self._use_betas:
                    group["betas"] = (momentum,) + tuple(group["betas"][1:])
                else:
                    group["momentum"] = momentum
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]
        self._mark_as_setter()


class ReduceLROnPlateau:
    """Multiply the learning rate by ``factor`` when ``step(metric)`` has not improved for
    more than ``patience`` calls (ResNet's "divide by 10 when the error plateaus")."""

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0.0, eps=1e-8):
        try:
            real(factor, "ReduceLROnPlateau: factor", low=0, high=1, high_open=True)
        except ValueError as error:
            raise ValueError(f"Factor should be < 1.0. ({error})") from None
        if mode not in ("min", "max"):
            raise ValueError(f"mode {mode} is unknown! (ReduceLROnPlateau: mode must be 'min' or 'max')")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold mode {threshold_mode} is unknown! (ReduceLROnPlateau: threshold_mode must "
                             "be 'rel' or 'abs')")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        integer(patience, "ReduceLROnPlateau: patience", low=0)
        integer(cooldown, "ReduceLROnPlateau: cooldown", low=0)
        real(threshold, "ReduceLROnPlateau: threshold", low=0)
        real(eps, "ReduceLROnPlateau: eps", low=0)
        groups = optimizer.param_groups
        if isinstance(min_lr, (list, tuple)) and len(min_lr) != len(groups):
            raise ValueError(f"expected {len(groups)} min_lrs, got {len(min_lr)}")
        min_lrs = per_group("min_lr", optimizer, min_lr, "ReduceLROnPlateau", low=0)
        self.optimizer, self.min_lrs = optimizer, min_lrs
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode, self.cooldown, self.eps = threshold, threshold_mode, cooldown, eps
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs, self.cooldown_counter, self.last_epoch = 0, 0, 0
        self._last_lr = [group["lr"] for group in groups]

    def is_better(self, a: float, best: float) -> bool:
        if self.mode == "min":
            return a < (best * (1 - self.threshold) if self.threshold_mode == "rel" else best - self.threshold)
        return a > (best * (1 + self.threshold) if self.threshold_mode == "rel" else best + self.threshold)

    def step(self, metrics) -> None:
        current = float(metrics)
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, floor in zip(self.optimizer.param_groups, self.min_lrs):
                new = max(group["lr"] * self.factor, floor)
                if group["lr"] - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        return list(self._last_lr)

    def state_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        """All or nothing: the keys must be this scheduler's, the counters ints, the modes
        known and the rates one per parameter group, before anything changes."""
        name, _ = check_own_keys(self, state_dict)
        for key in ("patience", "cooldown", "num_bad_epochs", "cooldown_counter", "last_epoch"):
            integer(state_dict[key], f"{name}: {key}", low=0)
        one_of(state_dict["mode"], f"{name}: mode", ("min", "max"))
        one_of(state_dict["threshold_mode"], f"{name}: threshold_mode", ("rel", "abs"))
        real(state_dict["factor"], f"{name}: factor", low=0, high=1, high_open=True)
        for key in ("threshold", "eps"):
            real(state_dict[key], f"{name}: {key}", low=0)
        real(state_dict["best"], f"{name}: best", finite=False)
        for key in ("min_lrs", "_last_lr"):
            check_rates(f"{name}: {key}", state_dict[key], len(self.optimizer.param_groups))
        self.__dict__.update(state_dict)
