"""Optimizers and learning-rate schedules by name, as the command line asks for them.

Each schedule is set up for a run of ``epochs`` epochs of ``steps_per_epoch`` batches and
says whether it steps once per epoch or once per batch (1cycle), or on the test loss
(plateau)."""

from __future__ import annotations

from .. import optim
from ..optim import lr_scheduler

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad")
SCHEDULERS = ("none", "cosine", "step", "multistep", "exponential", "onecycle", "plateau")
# the schedules whose rates depend on the run's length (the others: none, exponential, plateau)
LENGTH_DEPENDENT = ("cosine", "step", "multistep", "onecycle")


def make_optimizer(name: str, parameters, lr: float, weight_decay: float = 0.0, momentum: float = 0.9):
    """SGD (with ``momentum``), Adam, AdamW, RMSprop or Adagrad with PyTorch's defaults otherwise."""
    parameters = [p for p in parameters if p.requires_grad]
    if name == "sgd":
        return optim.SGD(parameters, lr=lr, momentum=momentum, weight_decay=weight_decay)
    if name == "adam":
        return optim.Adam(parameters, lr=lr, weight_decay=weight_decay)
    if name == "adamw":
        return optim.AdamW(parameters, lr=lr, weight_decay=weight_decay)
    if name == "rmsprop":
        return optim.RMSprop(parameters, lr=lr, weight_decay=weight_decay)
    if name == "adagrad":
        return optim.Adagrad(parameters, lr=lr, weight_decay=weight_decay)
    raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")


def make_scheduler(name: str, optimizer, epochs: int, steps_per_epoch: int):
    """``(scheduler, interval)`` with interval "epoch", "step" or "plateau"; (None, None) for "none".

    cosine: cosine annealing to 0 over the run; step: ×0.1 every third of the run;
    multistep: ×0.1 at 50% and 75% (the ResNet/DenseNet CIFAR recipe); exponential: ×0.9
    per epoch; onecycle: 1cycle with the given lr as its peak; plateau: ×0.1 when the test
    loss has not improved for 5 epochs."""
    if name == "none":
        return None, None
    if name == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs), "epoch"
    if name == "step":
        return lr_scheduler.StepLR(optimizer, step_size=max(1, epochs // 3)), "epoch"
    if name == "multistep":
        return lr_scheduler.MultiStepLR(optimizer, milestones=[epochs // 2, epochs * 3 // 4]), "epoch"
    if name == "exponential":
        return lr_scheduler.ExponentialLR(optimizer, gamma=0.9), "epoch"
    if name == "onecycle":
        # a resumed optimizer's groups remember the peak; a fresh one's peak is its rate
        peak = [group.get("max_lr", group["lr"]) for group in optimizer.param_groups]
        return lr_scheduler.OneCycleLR(optimizer, max_lr=peak, total_steps=epochs * steps_per_epoch), "step"
    if name == "plateau":
        return lr_scheduler.ReduceLROnPlateau(optimizer, patience=5), "plateau"
    raise ValueError(f"unknown scheduler {name!r}; choose one of {', '.join(SCHEDULERS)}")


def schedule_resumed_at(name: str, optimizer, epochs: int, steps_per_epoch: int, epochs_done: int):
    """The schedule ``name`` of a run of ``epochs`` epochs, positioned after
    ``epochs_done`` of them: from there on, the rates a straight run of ``epochs`` epochs
    has (a resumed run given more epochs than it was started with). The optimizer's
    ``initial_lr`` (and 1cycle's ``max_lr``), restored from the checkpoint, are the base."""
    scheduler, interval = make_scheduler(name, optimizer, epochs, steps_per_epoch)
    if scheduler is not None and interval != "plateau":
        scheduler.step(epochs_done * (steps_per_epoch if interval == "step" else 1))  # the closed form at that step
    return scheduler
