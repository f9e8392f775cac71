"""``Trainer``: the training loop of the main job — epochs of mini-batch SGD (or any
optimizer), per-epoch evaluation with top-1/top-5 accuracy, the best checkpoint kept,
exact resumption, a JSON-lines log, a progress bar and the training curves.

The loop is the one every PyTorch user writes (``zero_grad``, forward, loss,
``backward``, optional gradient clipping, ``step``); the Trainer adds the bookkeeping
around it. GoogLeNet/Inception outputs with auxiliary heads are trained with
``models.auxiliary_loss`` (weight 0.3); batch transforms (Mixup/CutMix) turn labels into
probabilities, which the loss and the accuracy both accept.
"""

from __future__ import annotations

import copy
import functools
import glob
import json
import math
import os
import time

import numpy as np
from tqdm import tqdm

from .. import backend
from ..autograd.grad_mode import no_grad
from ..models.googlenet import auxiliary_loss
from ..nn import functional as F
from ..nn.utils import clip_grad_norm_
from . import checkpoint as ckpt
from .metrics import confusion_matrix, hard_labels, topk_correct

LOG_NAME, LAST_NAME, BEST_NAME, CURVES_NAME = "log.jsonl", "last.npz", "best.npz", "curves.png"
RUN_FILES = (LOG_NAME, LAST_NAME, BEST_NAME, CURVES_NAME)
# what minitorch_cnn.save names the file it writes before renaming it (serialization.save)
TEMPORARY_PATTERN = ".tmp-*.npz"
TRAINER_REMEDY = "resume it (Trainer.resume), pass overwrite=True to replace it, or choose another out_dir"


class RunFolderInUse(FileExistsError):
    """The run's folder already holds another run's checkpoints or log."""


def run_files_in(folder) -> list[str]:
    """The names of a run's files (log, checkpoints, curves) present in ``folder``."""
    return [name for name in RUN_FILES if os.path.exists(os.path.join(folder, name))]


def check_run_folder(folder, *, overwrite: bool = False, resuming_from=None, remedy: str = TRAINER_REMEDY) -> None:
    """Refuse (``RunFolderInUse``) to start a run in a folder that holds another one,
    unless ``overwrite``, or the run resumes from a checkpoint in that same folder."""
    if folder is None or overwrite or not os.path.isdir(folder):
        return
    if resuming_from is not None and os.path.samefile(os.path.dirname(os.path.abspath(resuming_from)), folder):
        return
    present = run_files_in(folder)
    if present:
        raise RunFolderInUse(f"{folder} holds another run ({', '.join(present)}): {remedy}")


def remove_leftover_temporaries(folder) -> list[str]:
    """Delete the temporary files a checkpoint write killed midway left in ``folder``
    (a finished write renames its temporary file; only a killed one leaves it behind)."""
    removed = []
    for path in sorted(glob.glob(os.path.join(glob.escape(folder), TEMPORARY_PATTERN))):
        try:
            os.remove(path)
            removed.append(os.path.basename(path))
        except FileNotFoundError:
            pass
    return removed


def _logits(outputs):
    return outputs[0] if isinstance(outputs, tuple) else outputs


def _host(array):
    return array if backend.device_of(array).type == "cpu" else array.get()


def _bar(loader, description, progress):
    total = len(loader.dataset) if hasattr(loader, "dataset") else None
    return tqdm(total=total, desc=description, unit="img", unit_scale=True, leave=False, disable=not progress,
                dynamic_ncols=True)


def evaluate(model, loader, confusion: bool = False, progress: bool = False) -> dict:
    """Mean cross-entropy, top-1 and top-5 accuracy of ``model`` on ``loader`` in
    evaluation mode (and the confusion matrix, rows = true class, with ``confusion=True``).
    For dense prediction (logits (N, C, H, W), labels (N, H, W)) every pixel counts: top-1
    is the pixel accuracy. ``samples`` is the number of labels counted. The model's mode is
    restored afterwards."""
    was_training = model.training
    model.eval()
    loss_sum, hits, seen = 0.0, {1: 0, 5: 0}, 0
    predictions, truths, classes = [], [], None
    try:
        with no_grad(), _bar(loader, "evaluating", progress) as bar:
            for images, labels in loader:
                logits = _logits(model(images))
                loss_sum += float(F.cross_entropy(logits, labels, reduction="sum").item())
                for k, count in topk_correct(logits.array, labels.array, ks=(1, 5)).items():
                    hits[k] += count
                seen += labels.numel()  # images, or pixels for dense prediction
                if confusion:
                    classes = logits.shape[1]
                    predictions.append(_host(logits.array.argmax(axis=1)).ravel())
                    truths.append(_host(hard_labels(labels.array, logits.ndim)).ravel())
                bar.update(images.shape[0])
    finally:
        model.train(was_training)
    result = {"loss": loss_sum / seen, "top1": hits[1] / seen, "top5": hits[5] / seen, "samples": seen}
    if confusion:
        result["confusion"] = confusion_matrix(np.concatenate(predictions), np.concatenate(truths), classes)
    return result


class Trainer:
    """Train ``model`` with ``optimizer`` on ``train_loader``, evaluating on ``test_loader``
    after each epoch.

    ``scheduler_interval`` says when the scheduler steps: "epoch", "step" (every batch) or
    "plateau" (each epoch, on the test loss). ``out_dir``, when given, receives
    ``last.npz`` after every epoch, ``best.npz`` whenever test top-1 improves, ``log.jsonl``
    (one JSON object per epoch) and ``curves.png`` (with matplotlib). ``config`` is any
    JSON-able description of the run, stored in the checkpoints.

    A folder that holds another run is refused (``RunFolderInUse``) when this run starts,
    unless ``overwrite=True`` (its run files are then deleted first) or the run resumes
    from a checkpoint in that folder. Temporary files left by a checkpoint write that was
    killed midway are deleted when the Trainer is made."""

    def __init__(self, model, optimizer, train_loader, test_loader=None, *, scheduler=None,
                 scheduler_interval: str | None = "epoch", label_smoothing: float = 0.0, batch_transform=None,
                 clip_grad_norm: float | None = None, aux_weight: float = 0.3, out_dir=None, config=None,
                 progress: bool = True, plot: bool = True, echo=print, overwrite: bool = False):
        if scheduler is not None and scheduler_interval not in ("epoch", "step", "plateau"):
            raise ValueError(f"Trainer: scheduler_interval must be 'epoch', 'step' or 'plateau', "
                             f"got {scheduler_interval!r}")
        if clip_grad_norm is not None and not clip_grad_norm > 0:
            raise ValueError(f"Trainer: clip_grad_norm must be positive, got {clip_grad_norm!r}")
        self.model, self.optimizer = model, optimizer
        self.train_loader, self.test_loader = train_loader, test_loader
        self.scheduler, self.scheduler_interval = scheduler, scheduler_interval
        self.batch_transform, self.clip_grad_norm, self.aux_weight = batch_transform, clip_grad_norm, aux_weight
        self.loss_fn = functools.partial(F.cross_entropy, label_smoothing=label_smoothing)
        self.out_dir = None if out_dir is None else os.fspath(out_dir)
        self.config = dict(config or {})
        self.progress, self.plot, self.echo = progress, plot, echo
        self.epoch = 0                      # epochs finished
        self.history: list[dict] = []
        self.best = {"epoch": None, "test_top1": None}
        self.overwrite = overwrite
        self._folder_claimed = False
        if self.out_dir is not None:
            os.makedirs(self.out_dir, exist_ok=True)
            removed = remove_leftover_temporaries(self.out_dir)
            if removed and echo is not None:
                echo(f"removed {len(removed)} temporary file{'s' * (len(removed) != 1)} left in {self.out_dir} by "
                     f"an interrupted checkpoint write")

    def _claim_folder(self, resuming_from=None) -> None:
        """Before this run writes into ``out_dir``: refuse another run's folder, or with
        ``overwrite`` delete that run's files (once)."""
        if self._folder_claimed or self.out_dir is None:
            return
        check_run_folder(self.out_dir, overwrite=self.overwrite, resuming_from=resuming_from)
        if self.overwrite and not (resuming_from is not None and os.path.samefile(
                os.path.dirname(os.path.abspath(resuming_from)), self.out_dir)):
            for name in run_files_in(self.out_dir):
                os.remove(os.path.join(self.out_dir, name))
        self._folder_claimed = True

    # ------------------------------------------------------------------ one epoch
    def train_epoch(self, total_epochs: int | None = None) -> dict:
        """One pass over the training data; returns the mean loss, top-1 accuracy and throughput."""
        self.model.train()
        loss_sum, correct, seen, images_seen = 0.0, 0, 0, 0
        start = time.perf_counter()
        label = f"epoch {self.epoch + 1}" + (f"/{total_epochs}" if total_epochs else "")
        with _bar(self.train_loader, label, self.progress) as bar:
            for images, labels in self.train_loader:
                targets = labels
                if self.batch_transform is not None:
                    images, targets = self.batch_transform(images, labels)
                outputs = self.model(images)
                loss = auxiliary_loss(outputs, targets, self.aux_weight, self.loss_fn)
                loss_value = float(loss.item())
                if not math.isfinite(loss_value):  # stop before the step spreads it into every weight
                    raise FloatingPointError(f"the training loss became {loss_value} in epoch {self.epoch + 1}; "
                                             "lower the learning rate (--lr) or clip gradients (--clip-grad)")
                self.optimizer.zero_grad()
                loss.backward()
                if self.clip_grad_norm is not None:
                    clip_grad_norm_(self.model.parameters(), self.clip_grad_norm)
                self.optimizer.step()
                if self.scheduler is not None and self.scheduler_interval == "step":
                    self.scheduler.step()
                counted = labels.numel()  # images, or pixels for dense prediction
                loss_sum += loss_value * counted
                correct += topk_correct(_logits(outputs).array, targets.array, ks=(1,))[1]
                seen += counted
                images_seen += images.shape[0]
                bar.update(images.shape[0])
                bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{100 * correct / seen:.2f}%")
        seconds = time.perf_counter() - start
        return {"train_loss": loss_sum / seen, "train_top1": correct / seen, "train_seconds": seconds,
                "samples_per_second": images_seen / seconds}

    def evaluate(self, loader, confusion: bool = False) -> dict:
        """``evaluate(self.model, loader)`` with this trainer's progress setting."""
        return evaluate(self.model, loader, confusion=confusion, progress=self.progress)

    # ------------------------------------------------------------------ the run
    def fit(self, epochs: int) -> list[dict]:
        """Train until ``epochs`` epochs are finished (counting those of a resumed run)."""
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"Trainer.fit: epochs must be a positive int, got {epochs!r}")
        self._claim_folder()
        while self.epoch < epochs:
            row = {"epoch": self.epoch + 1, "lr": self.optimizer.param_groups[0]["lr"]}
            row.update(self.train_epoch(epochs))
            if self.test_loader is not None:
                row.update({f"test_{k}": v for k, v in self.evaluate(self.test_loader).items() if k != "samples"})
            if self.scheduler is not None and self.scheduler_interval == "epoch":
                self.scheduler.step()
            elif self.scheduler is not None and self.scheduler_interval == "plateau":
                self.scheduler.step(row.get("test_loss", row["train_loss"]))
            self.epoch += 1
            self.history.append(row)
            self._report(row, epochs)
            self._record(row)
        if self.out_dir is not None and self.plot and self.history:
            self._plot()
        return self.history

    def _report(self, row: dict, epochs: int) -> None:
        if self.echo is None:
            return
        text = (f"epoch {row['epoch']:>{len(str(epochs))}}/{epochs}  lr {row['lr']:.4g}  "
                f"train loss {row['train_loss']:.4f} acc {100 * row['train_top1']:.2f}%")
        if "test_top1" in row:
            text += (f"  test loss {row['test_loss']:.4f} acc {100 * row['test_top1']:.2f}% "
                     f"(top-5 {100 * row['test_top5']:.2f}%)")
        text += f"  {row['samples_per_second']:.0f} img/s"
        if self.progress:
            tqdm.write(text)  # above the progress bar, not through it
        else:
            self.echo(text)

    def _record(self, row: dict) -> None:
        improved = "test_top1" in row and (self.best["test_top1"] is None or row["test_top1"] > self.best["test_top1"])
        if improved:
            self.best = {"epoch": row["epoch"], "test_top1": row["test_top1"]}
        if self.out_dir is None:
            return
        with open(os.path.join(self.out_dir, LOG_NAME), "a", encoding="utf-8") as log:
            log.write(json.dumps(row) + "\n")
        if improved:
            self.save(os.path.join(self.out_dir, BEST_NAME))
        self.save(os.path.join(self.out_dir, LAST_NAME))

    def _plot(self) -> None:
        from .plot import plot_curves
        try:
            plot_curves(self.history, os.path.join(self.out_dir, CURVES_NAME))
        except ImportError:
            pass  # curves are the plot extra's; the log holds the same numbers

    # ------------------------------------------------------------------ checkpoints
    def save(self, path) -> None:
        """Everything needed to continue this run exactly (see ``train.checkpoint``)."""
        ckpt.save_checkpoint(path, epoch=self.epoch, model=self.model, optimizer=self.optimizer,
                             scheduler=self.scheduler, rng=backend.get_rng_state(), best=self.best,
                             history=self.history, config=self.config)

    def resume(self, path) -> dict:
        """Load a checkpoint written by ``save`` (model, optimizer, scheduler, epoch, random
        state, best, history); the next ``fit`` continues where it stopped. The log in
        ``out_dir`` is rewritten from the checkpoint's history, so it never holds epochs
        the checkpoint does not. Returns the checkpoint's contents.

        All or nothing: the checkpoint is checked whole first, and if any part fails to
        load (a ``CheckpointError`` naming it), the model, optimizer, scheduler and random
        state are put back as they were."""
        state = ckpt.load_checkpoint(path, map_location=backend.device_of(
            next(iter(self.model.parameters())).array))
        _check_training_state(state, path, has_scheduler=self.scheduler is not None)
        self._claim_folder(resuming_from=path)
        before = self._snapshot()
        try:
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            if self.scheduler is not None:
                self.scheduler.load_state_dict(state["scheduler"])
            backend.set_rng_state(state["rng"])
        except (ValueError, TypeError, KeyError, RuntimeError) as error:
            self._restore(before)
            raise ckpt.CheckpointError(f"{path}: does not fit this run: {error}") from error
        except BaseException:
            self._restore(before)
            raise
        self.epoch, self.best, self.history = int(state["epoch"]), dict(state["best"]), list(state["history"])
        if self.out_dir is not None:
            with open(os.path.join(self.out_dir, LOG_NAME), "w", encoding="utf-8") as log:
                log.writelines(json.dumps(row) + "\n" for row in self.history)
        return state

    def _snapshot(self) -> dict:
        """Copies of everything ``resume`` changes, to put back if it fails."""
        return {"model": {k: v.detach().clone() for k, v in self.model.state_dict().items()},
                "optimizer": copy.deepcopy(self.optimizer.state_dict()),
                "scheduler": None if self.scheduler is None else copy.deepcopy(self.scheduler.state_dict()),
                "rng": backend.get_rng_state()}

    def _restore(self, snapshot: dict) -> None:
        self.model.load_state_dict(snapshot["model"])
        self.optimizer.load_state_dict(snapshot["optimizer"])
        if self.scheduler is not None:
            self.scheduler.load_state_dict(snapshot["scheduler"])
        backend.set_rng_state(snapshot["rng"])


def _check_training_state(state: dict, path, has_scheduler: bool) -> None:
    """The parts of a training checkpoint that are plain values, checked before any is used."""
    if (state["scheduler"] is None) == has_scheduler:
        raise ckpt.CheckpointError(f"{path}: the checkpoint was written "
                                   f"{'without' if state['scheduler'] is None else 'with'} a scheduler, "
                                   f"this run has {'one' if has_scheduler else 'none'}")
    epoch = state["epoch"]
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise ckpt.CheckpointError(f"{path}: 'epoch' must be a non-negative int, got {epoch!r}")
    if not isinstance(state["best"], dict) or set(state["best"]) != {"epoch", "test_top1"}:
        raise ckpt.CheckpointError(f"{path}: 'best' must be a dict of 'epoch' and 'test_top1', got {state['best']!r}")
    history = state["history"]
    if not isinstance(history, list) or len(history) != epoch or not all(
            isinstance(row, dict) and row.get("epoch") == i + 1 for i, row in enumerate(history)):
        raise ckpt.CheckpointError(f"{path}: 'history' must hold one row per finished epoch (epochs 1 to {epoch})")
    rng = state["rng"]
    if not isinstance(rng, dict) or rng.get("bit_generator") != "PCG64" or not isinstance(rng.get("state"), dict) \
            or not all(isinstance(rng["state"].get(k), int) for k in ("state", "inc")):
        raise ckpt.CheckpointError(f"{path}: 'rng' is not a random generator state (PCG64)")
