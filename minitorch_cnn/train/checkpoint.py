"""Training checkpoints: one ``.npz`` (arrays) with its JSON description, written
atomically by ``minitorch_cnn.save`` and read without unpickling by ``minitorch_cnn.load``.

A checkpoint holds everything a run needs to continue as if never interrupted: the
model's state_dict, the optimizer's and the scheduler's state, the number of finished
epochs, the random generator's state, the best result so far, the per-epoch history, and
the run's configuration (model name and options, dataset, normalisation), which is what
``minitorch-cnn eval`` rebuilds the model from.
"""

from __future__ import annotations

from ..serialization import CheckpointError, load, save

KIND = "minitorch_cnn.train checkpoint"
REQUIRED = ("kind", "epoch", "model", "optimizer", "scheduler", "rng", "best", "history", "config")


def save_checkpoint(path, *, epoch: int, model, optimizer, scheduler, rng: dict, best: dict, history: list,
                    config: dict) -> None:
    save({"kind": KIND, "epoch": int(epoch), "model": model.state_dict(), "optimizer": optimizer.state_dict(),
          "scheduler": None if scheduler is None else scheduler.state_dict(), "rng": rng, "best": best,
          "history": history, "config": config}, path)


def load_checkpoint(path, map_location=None) -> dict:
    """The checkpoint's contents as a dict; ``CheckpointError`` if the file is a readable
    ``.npz`` but not a training checkpoint (a bare state_dict, say)."""
    content = load(path, map_location=map_location)
    if not isinstance(content, dict) or content.get("kind") != KIND:
        raise CheckpointError(f"{path}: not a training checkpoint (written by minitorch_cnn.save, but without the "
                              "training state; a bare state_dict loads with model.load_state_dict(mt.load(path)))")
    missing = [key for key in REQUIRED if key not in content]
    if missing:
        raise CheckpointError(f"{path}: the training checkpoint lacks {', '.join(missing)}")
    return content
