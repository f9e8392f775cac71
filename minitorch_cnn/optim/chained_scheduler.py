"""``ChainedScheduler``: steps several schedulers of one optimizer together, each after the
other, as ``torch.optim.lr_scheduler.ChainedScheduler``. Each scheduler after the first
finds the rate moved by the ones before it and applies its own recursive rule to it
(scheduler_base.py), so multiplicative schedules multiply: StepLR's γ and ExponentialLR's
γ both apply at a step where both change the rate.
"""

from __future__ import annotations

from .scheduler_base import LRScheduler, check_sub_states


class ChainedScheduler(LRScheduler):
    """Step several schedulers of one optimizer together: ``step()`` steps each in turn, each
    from the rate the previous ones left, as ``torch.optim.lr_scheduler.ChainedScheduler``.
    """

    def __init__(self, schedulers, optimizer=None):
        # Not LRScheduler.__init__: the chained schedulers have each made their first step.
        from .lr_scheduler import ReduceLROnPlateau

        if isinstance(schedulers, LRScheduler) or not hasattr(schedulers, "__iter__"):
            raise TypeError(f"{type(self).__name__} expects a list of schedulers, got {type(schedulers).__name__}")
        schedulers = list(schedulers)
        if len(schedulers) < 1:
            raise ValueError(f"{type(self).__name__} expects at least one scheduler to be chained, but got no "
                             "scheduler.")
        optimizer = optimizer or schedulers[0].optimizer
        for index, scheduler in enumerate(schedulers):
            if not hasattr(scheduler, "optimizer"):
                raise TypeError(f"{type(self).__name__} at index {index} should have `optimizer` as its attribute.")
            if isinstance(scheduler, ReduceLROnPlateau):
                raise ValueError(f"{type(self).__name__} does not support `ReduceLROnPlateau` scheduler as it "
                                 "requires additional kwargs to be specified when calling `step`, but got one at "
                                 f"index {index} in the given schedulers sequence.")
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"{type(self).__name__} expects all schedulers to belong to the same optimizer, but "
                                 f"got scheduler {type(scheduler).__name__} at index {index} has "
                                 f"{type(scheduler.optimizer).__name__} optimizer {id(scheduler.optimizer):#x}, "
                                 f"which is different from {type(optimizer).__name__} {id(optimizer):#x}.")
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def step(self) -> None:  # noqa: D102 (no epoch argument, as PyTorch)
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict:
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def _check_state_dict(self, state_dict) -> None:
        super()._check_state_dict(state_dict)
        check_sub_states(self, state_dict["_schedulers"])

    def load_state_dict(self, state_dict: dict) -> None:
        self._check_state_dict(state_dict)
        state = dict(state_dict)
        for scheduler, saved in zip(self._schedulers, state.pop("_schedulers", [])):
            scheduler.load_state_dict(saved)
        self.__dict__.update(state)
