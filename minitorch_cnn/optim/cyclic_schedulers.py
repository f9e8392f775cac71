"""Schedules that cycle, as ``torch.optim.lr_scheduler``: ``CosineAnnealingWarmRestarts``
(SGDR: cosine annealing restarted every T_i steps, T_i growing by T_mult) and ``CyclicLR``
(Smith's cyclical rates between two bounds, stepped per batch, with the momentum or Adam's
β₁ cycled the opposite way). Both compute the rate from the base rates alone, as PyTorch
does, so a scheduler stacked before them on the same optimizer is overridden.
"""

from __future__ import annotations

import math
import types

from ..arguments import boolean, one_of, real
from .scheduler_base import LRScheduler, check_scheduler


def per_group(name: str, optimizer, value, who: str, **limits) -> list:
    """``value`` for each parameter group: a list/tuple as given (as many as the groups),
    else repeated; each a finite number within ``limits`` (``real``'s keywords). ``who``
    (the scheduler) starts the messages."""
    count = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != count:
            raise ValueError(f"{who}: expected {count} values for {name}, got {len(value)} ({name} must have the "
                             f"same length as optimizer.param_groups, {count}, or be a single number)")
        for i, v in enumerate(value):
            real(v, f"{who}: {name}[{i}]", **limits)
        return list(value)
    real(value, f"{who}: {name}", **limits)
    return [value] * count


class CosineAnnealingWarmRestarts(LRScheduler):
    """lr = η_min + (base - η_min)·(1 + cos(π·T_cur/T_i))/2, where T_cur counts the steps
    since the last restart and T_i (T_0, then T_0·T_mult, ...) is the current period.
    ``step(epoch)`` accepts a fractional epoch (``epoch + i / iters`` per batch) and works
    out T_cur and T_i from it in closed form; ``step()`` advances T_cur by one."""

    def __init__(self, optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0, last_epoch: int = -1):  # noqa: N803
        check_scheduler("CosineAnnealingWarmRestarts", optimizer, last_epoch)
        if isinstance(T_0, bool) or not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"Expected positive integer T_0, but got {T_0}")
        if isinstance(T_mult, bool) or not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult}")
        if isinstance(eta_min, bool) or not isinstance(eta_min, (float, int)):
            raise ValueError(f"Expected float or int eta_min, but got {eta_min} of type {type(eta_min)}")
        real(eta_min, "CosineAnnealingWarmRestarts: eta_min")
        self.T_0, self.T_i, self.T_mult, self.eta_min = T_0, T_0, T_mult, eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def _closed_form(self, index, base_lr, t):
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2

    def _locate(self, epoch) -> None:
        """T_cur and T_i at ``epoch``: the periods T_0·T_multᵏ sum to T_0·(T_multⁿ - 1)/(T_mult - 1)."""
        if epoch >= self.T_0:
            if self.T_mult == 1:
                self.T_cur = epoch % self.T_0
            else:
                n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                self.T_i = self.T_0 * self.T_mult ** n
        else:
            self.T_i, self.T_cur = self.T_0, epoch

    def step(self, epoch=None) -> None:
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur %= self.T_i
                self.T_i *= self.T_mult
        else:
            if epoch < 0:
                raise ValueError(f"Expected non-negative epoch, but got {epoch}")
            self._locate(epoch)
        self.last_epoch = math.floor(epoch)
        for i, (group, base) in enumerate(zip(self.optimizer.param_groups, self.base_lrs)):
            group["lr"] = self._closed_form(i, base, self.last_epoch)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]
        self._mark_as_setter()


class CyclicLR(LRScheduler):
    """The rate moves linearly from ``base_lr`` up to ``max_lr`` over ``step_size_up``
    steps and back down over ``step_size_down``; the height of each cycle is scaled by
    ``mode``: "triangular" (1), "triangular2" (halved every cycle), "exp_range"
    (gamma^t), or ``scale_fn`` of the cycle number or the step (``scale_mode``). With
    ``cycle_momentum`` the momentum (SGD) or β₁ (Adam family) goes from ``max_momentum``
    down to ``base_momentum`` as the rate rises. Step it once per batch.

    At step t, with C = step_size_up + step_size_down and r = step_size_up / C:
    cycle = ⌊1 + t/C⌋, x = 1 + t/C - cycle, s = x/r if x ≤ r else (x - 1)/(r - 1),
    lr = base + (max - base)·s·scale, momentum = max_m - (max_m - base_m)·s·scale.
    """

    def __init__(self, optimizer, base_lr, max_lr, step_size_up: int = 2000, step_size_down=None,
                 mode: str = "triangular", gamma: float = 1.0, scale_fn=None, scale_mode: str = "cycle",
                 cycle_momentum: bool = True, base_momentum: float = 0.8, max_momentum: float = 0.9,
                 last_epoch: int = -1):
        check_scheduler("CyclicLR", optimizer, last_epoch)
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None")
        if scale_fn is not None and not callable(scale_fn):
            raise TypeError(f"scale_fn should be a function, but got {type(scale_fn).__name__}")
        one_of(scale_mode, "CyclicLR: scale_mode", ("cycle", "iterations"))
        real(gamma, "CyclicLR: gamma", low=0, low_open=True)
        base_lrs = per_group("base_lr", optimizer, base_lr, "CyclicLR", low=0)
        max_lrs = per_group("max_lr", optimizer, max_lr, "CyclicLR", low=0)
        # PyTorch divides by them; a zero-length cycle has no schedule to give
        up = float(real(step_size_up, "CyclicLR: step_size_up", low=0, low_open=True))
        down = up if step_size_down is None else float(real(step_size_down, "CyclicLR: step_size_down", low=0))
        boolean(cycle_momentum, "CyclicLR: cycle_momentum")
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
            # Adam's β₁ must stay in [0, 1)
            limits = dict(low=0, high=1, high_open=True) if "betas" in optimizer.defaults else dict(low=0)
            base_momentums = per_group("base_momentum", optimizer, base_momentum, "CyclicLR", **limits)
            max_momentums = per_group("max_momentum", optimizer, max_momentum, "CyclicLR", **limits)
        # checks done: from here on the scheduler and the optimizer change
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = "betas" in optimizer.defaults
            self.base_momentums, self.max_momentums = base_momentums, max_momentums
        if last_epoch == -1:
            for group, lr in zip(optimizer.param_groups, base_lrs):
                group["lr"] = lr
        if cycle_momentum and last_epoch == -1:
            for group, top, bottom in zip(optimizer.param_groups, self.max_momentums, self.base_momentums):
                self._set_momentum(group, top)
                group["max_momentum"], group["base_momentum"] = top, bottom
        self.max_lrs, self.total_size = max_lrs, up + down
        self.step_ratio = up / self.total_size
        self.mode, self.gamma, self._scale_fn_custom = mode, gamma, scale_fn
        # the built-in modes fix their scale mode, as PyTorch does
        self.scale_mode = {"triangular": "cycle", "triangular2": "cycle", "exp_range": "iterations"}.get(
            mode, scale_mode) if scale_fn is None else scale_mode
        super().__init__(optimizer, last_epoch)
        # PyTorch's first step reads the groups' initial_lr; later ones read base_lr
        self.base_lrs = base_lrs

    def scale_fn(self, x) -> float:
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def _position(self, t):
        """(s, scale): the fraction of the way up, and this cycle's height factor."""
        cycle = math.floor(1 + t / self.total_size)
        x = 1.0 + t / self.total_size - cycle
        rise = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        return rise, self.scale_fn(cycle if self.scale_mode == "cycle" else t)

    def _closed_form(self, index, base_lr, t):
        rise, scale = self._position(t)
        return base_lr + (self.max_lrs[index] - base_lr) * rise * scale

    def _set_momentum(self, group, momentum) -> None:
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum

    def step(self, epoch=None) -> None:
        super().step(epoch)
        if self.cycle_momentum:
            rise, scale = self._position(self.last_epoch)
            for group, bottom, top in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                self._set_momentum(group, top - (top - bottom) * rise * scale)

    def state_dict(self) -> dict:
        state = {k: v for k, v in super().state_dict().items() if k != "_scale_fn_custom"}
        fn = self._scale_fn_custom
        state["_scale_fn_custom"] = None if fn is None or isinstance(fn, types.FunctionType) else fn.__dict__.copy()
        return state

    def _check_state_dict(self, state_dict) -> None:
        super()._check_state_dict(state_dict)
        fn_state = state_dict["_scale_fn_custom"]
        if fn_state is not None and not isinstance(fn_state, dict):
            raise TypeError(f"CyclicLR.load_state_dict: _scale_fn_custom must be None or a dict (a callable "
                            f"object's __dict__), got {type(fn_state).__name__}")

    def load_state_dict(self, state_dict: dict) -> None:
        self._check_state_dict(state_dict)
        state = dict(state_dict)
        fn_state = state.pop("_scale_fn_custom", None)
        self.__dict__.update(state)
        if fn_state is not None and self._scale_fn_custom is not None:
            self._scale_fn_custom.__dict__.update(fn_state)
