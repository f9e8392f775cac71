"""``minitorch_cnn.train``: the training loop (``Trainer``), metrics, optimizers and
schedules by name, checkpoints and training curves — what ``minitorch-cnn train`` and
``minitorch-cnn eval`` are built on."""

from .checkpoint import load_checkpoint, save_checkpoint
from .factory import OPTIMIZERS, SCHEDULERS, make_optimizer, make_scheduler
from .metrics import confusion_matrix, topk_correct
from .plot import plot_curves
from .trainer import RunFolderInUse, Trainer, evaluate

__all__ = ["Trainer", "RunFolderInUse", "evaluate", "make_optimizer", "make_scheduler", "OPTIMIZERS", "SCHEDULERS", "topk_correct",
           "confusion_matrix", "save_checkpoint", "load_checkpoint", "plot_curves"]
