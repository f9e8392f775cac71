"""Classification metrics on raw arrays: top-k correct counts and the confusion matrix."""

from __future__ import annotations

import numpy as np

from ..backend import xp_of


def hard_labels(targets, logits_ndim: int):
    """Class indices from targets that are indices (N, ...) or probabilities (N, C, ...) (mixup)."""
    return targets.argmax(axis=1) if targets.ndim == logits_ndim else targets


def topk_correct(logits, targets, ks=(1, 5)) -> dict[int, int]:
    """For each k, how many targets are among the k highest scores of ``logits`` (N, C) —
    or, for dense prediction, (N, C, H, W) against (N, H, W): then every pixel counts
    (so top-5 of a 3-class problem counts everything). Ties go to the lower class index,
    as a stable sort orders them."""
    xp = xp_of(logits)
    labels = hard_labels(targets, logits.ndim)
    # the target's rank: classes scoring higher, plus equal scores at lower indices (no sort,
    # so it runs the same on NumPy and CuPy)
    target_score = xp.take_along_axis(logits, labels[:, None], axis=1)
    columns = xp.arange(logits.shape[1]).reshape((1, -1) + (1,) * (logits.ndim - 2))
    rank = (logits > target_score).sum(axis=1) + ((logits == target_score) & (columns < labels[:, None])).sum(axis=1)
    return {k: int((rank < k).sum()) for k in ks}


def confusion_matrix(predictions: np.ndarray, targets: np.ndarray, num_classes: int) -> np.ndarray:
    """(num_classes, num_classes) counts: row = true class, column = predicted class."""
    predictions, targets = np.asarray(predictions), np.asarray(targets)
    if predictions.shape != targets.shape:
        raise ValueError(f"confusion_matrix: predictions {predictions.shape} and targets {targets.shape} differ")
    flat = targets.astype(np.int64) * num_classes + predictions.astype(np.int64)
    return np.bincount(flat, minlength=num_classes * num_classes).reshape(num_classes, num_classes)
