"""Loss functions, as ``torch.nn.functional``: cross_entropy, nll_loss, mse_loss,
l1_loss, smooth_l1_loss, huber_loss, binary_cross_entropy(_with_logits), kl_div.

All are compositions of differentiable ops (log_softmax, where, sums), so their
gradients, and second derivatives, come from the pieces. Picking the target class's
log-probability multiplies by a constant one-hot mask rather than indexing, which keeps
spatial targets (N, d1, d2…) and ignored positions a single expression.

``reduction="mean"`` with class weights divides by the total weight of the counted
targets, as PyTorch; with probability targets it divides by the number of samples.
"""

from __future__ import annotations

import numbers
import warnings


from .. import backend
from ..tensor import Tensor
from .activation import softplus
from .softmax import log_softmax
from .unary import log, where
from ..errors import ArgumentTypeError, ShapeError

REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(fn, reduction, allowed=REDUCTIONS):
    if reduction not in allowed:
        raise ShapeError(f"{fn}: reduction must be one of {allowed}, got {reduction!r}")


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _class_targets(fn, input, target, weight, ignore_index):
    """Validate class-index targets; return (one-hot mask, per-target weight, class dim,
    mask of counted targets), built on the input's device. The bounds check reads one
    boolean back (a host synchronisation on a GPU, the price of a clear error raised
    before any arithmetic; PyTorch's CUDA kernels assert on the device instead)."""
    if not isinstance(target, Tensor):
        raise ArgumentTypeError(f"{fn}: target must be a Tensor, got {type(target).__name__}")
    if target.dtype.kind not in "iu":  # PyTorch: "expected target dtype to be Long or Byte"
        raise ArgumentTypeError(f"{fn}: expected target dtype to be an integer type (class indices), got {target.dtype}")
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, numbers.Integral):
        # a float would ignore nothing (no class index equals 2.5), silently
        raise ArgumentTypeError(f"{fn}: ignore_index must be an int, got {type(ignore_index).__name__} "
                                f"{ignore_index!r}")
    class_dim = 0 if input.ndim == 1 else 1
    classes = input.shape[class_dim]
    expected = () if input.ndim == 1 else (input.shape[0],) + tuple(input.shape[2:])
    if target.shape != expected:
        raise ShapeError(f"{fn}: expected target of shape {list(expected)} for input of shape "
                         f"{list(input.shape)}, got {list(target.shape)}")
    if target.device != input.device:
        raise RuntimeError(f"{fn}: target is on {target.device} but input is on {input.device}")
    xp = backend.xp_of(input.array)
    t = target.array
    valid = t != ignore_index
    out_of_bounds = valid & ((t < 0) | (t >= classes))
    if bool(out_of_bounds.any()):
        bad = backend.to_device(t[out_of_bounds], backend.CPU)[0]
        raise IndexError(f"{fn}: Target {bad} is out of bounds for {classes} classes")
    safe = xp.where(valid, t, 0)
    shape = [1] * (t.ndim + 1)
    shape[class_dim] = classes
    onehot = (xp.arange(classes).reshape(shape) == xp.expand_dims(safe, class_dim)) & xp.expand_dims(valid, class_dim)
    if weight is None:
        per_target = valid.astype(input.dtype)
    else:
        per_target = xp.where(valid, weight.array[safe], 0).astype(input.dtype)
    return (Tensor._wrap(onehot.astype(input.dtype)), Tensor._wrap(per_target), class_dim,
            Tensor._wrap(valid))


def _check_weight(fn, weight, classes):
    if weight is not None and (not isinstance(weight, Tensor) or weight.shape != (classes,)):
        got = list(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__
        raise ShapeError(f"{fn}: weight must be a Tensor of shape ({classes},) (one per class), got {got}")


def _check_logits(fn, input):
    if not isinstance(input, Tensor) or input.dtype.kind != "f":
        got = input.dtype if isinstance(input, Tensor) else type(input).__name__
        raise ArgumentTypeError(f"{fn}: input must be a floating point Tensor, got {got}")
    if input.ndim == 0:
        raise ShapeError(f"{fn}: input must have a class dim, got a 0-d tensor")


def nll_loss(input, target, weight=None, *, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of class-index targets, given log-probabilities."""
    _check_logits("nll_loss", input)
    _check_reduction("nll_loss", reduction)
    _check_weight("nll_loss", weight, input.shape[0 if input.ndim == 1 else 1])
    onehot, per_target, class_dim, _ = _class_targets("nll_loss", input, target, weight, ignore_index)
    loss = -(input * onehot).sum(class_dim) * per_target
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.sum() / per_target.sum()


def cross_entropy(input, target, weight=None, *, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy of logits (N, C) or (N, C, d1, …), or an unbatched (C,).

    ``target``: class indices (N,) / (N, d1, …) (``ignore_index`` skipped), or class
    probabilities of the input's shape (mixup, cutmix). ``label_smoothing`` ε mixes the
    target with the uniform distribution: (1-ε)·target + ε/C."""
    _check_logits("cross_entropy", input)
    _check_reduction("cross_entropy", reduction)
    if not isinstance(label_smoothing, numbers.Real) or not 0.0 <= label_smoothing <= 1.0:
        raise ShapeError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing!r}")
    if not isinstance(target, Tensor):
        raise ArgumentTypeError(f"cross_entropy: target must be a Tensor, got {type(target).__name__}")
    class_dim = 0 if input.ndim == 1 else 1
    classes = input.shape[class_dim]
    _check_weight("cross_entropy", weight, classes)
    logp = log_softmax(input, class_dim)
    weight_view = None
    if weight is not None:
        weight_view = weight.reshape((classes,) + (1,) * (input.ndim - class_dim - 1))
    if target.dtype.kind == "f":  # class probabilities
        if target.shape != input.shape:
            raise ShapeError(f"cross_entropy: probability targets must have the input's shape {list(input.shape)}, "
                             f"got {list(target.shape)}")
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / classes
        weighted = logp * target if weight_view is None else logp * target * weight_view
        loss = -weighted.sum(class_dim)
        return _reduce(loss, reduction)
    if target.dtype.kind not in "iu":
        raise ArgumentTypeError(f"cross_entropy: target must hold class indices (integers) or probabilities (floats), "
                        f"got {target.dtype}")
    onehot, per_target, _, valid = _class_targets("cross_entropy", input, target, weight, ignore_index)
    loss = -(logp * onehot).sum(class_dim) * per_target
    if label_smoothing > 0:
        spread = logp if weight_view is None else logp * weight_view
        smooth = where(valid, -spread.sum(class_dim) / classes, 0.0)
        loss = loss * (1 - label_smoothing) + smooth * label_smoothing
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.sum() / per_target.sum()


def _check_pair(fn, input, target, same_shape=False):
    """Both tensors; a target of another shape is refused where PyTorch refuses it (the
    binary cross-entropies: an (N, 1) input against an (N,) target would broadcast to
    (N, N)), else broadcast with PyTorch's warning."""
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise ArgumentTypeError(f"{fn}: input and target must be Tensors")
    if same_shape and input.shape != target.shape:
        raise ShapeError(f"{fn}: target size ({list(target.shape)}) must be the same as input size "
                         f"({list(input.shape)})")
    if input.shape != target.shape:
        warnings.warn(f"{fn}: using a target size ({list(target.shape)}) that is different to the input size "
                      f"({list(input.shape)}); this will likely lead to incorrect results due to broadcasting",
                      stacklevel=3)


def mse_loss(input, target, reduction="mean"):
    """``(input - target)²``, reduced by ``reduction`` (mean, sum or none)."""

    _check_pair("mse_loss", input, target)
    _check_reduction("mse_loss", reduction)
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1_loss(input, target, reduction="mean"):
    """``|input - target|``, reduced by ``reduction``."""

    _check_pair("l1_loss", input, target)
    _check_reduction("l1_loss", reduction)
    return _reduce((input - target).abs(), reduction)


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    """0.5·d²/beta where |d| < beta, |d| - 0.5·beta elsewhere (beta = 0: L1)."""
    _check_pair("smooth_l1_loss", input, target)
    _check_reduction("smooth_l1_loss", reduction)
    if isinstance(beta, bool) or not isinstance(beta, numbers.Real) or not beta >= 0:  # NaN fails this too
        raise ShapeError(f"smooth_l1_loss: beta must be a number >= 0, got {beta!r}")
    d = (input - target).abs()
    if beta == 0:
        return _reduce(d, reduction)
    return _reduce(where(d < beta, d * d * (0.5 / beta), d - 0.5 * beta), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """beta · smooth_l1 with beta = delta (PyTorch's relation)."""
    if isinstance(delta, bool) or not isinstance(delta, numbers.Real) or not delta > 0:  # NaN fails this too
        raise ShapeError(f"huber_loss: delta must be a number > 0, got {delta!r}")
    return smooth_l1_loss(input, target, reduction, beta=delta) * delta


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    """-[p·y·log σ(x) + (1-y)·log(1-σ(x))] in the stable form
    (1-y)·x + (1 + (p-1)·y)·softplus(-x)."""
    _check_pair("binary_cross_entropy_with_logits", input, target, same_shape=True)
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    log_weight = 1 if pos_weight is None else (pos_weight - 1) * target + 1
    loss = (1 - target) * input + softplus(-input) * log_weight
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """-[y·log x + (1-y)·log(1-x)] of probabilities; each log is clamped at -100, as
    PyTorch, so x = 0 or 1 gives a finite loss."""
    _check_pair("binary_cross_entropy", input, target, same_shape=True)
    _check_reduction("binary_cross_entropy", reduction)
    data = input.array
    if input.numel() and (float(data.min()) < 0 or float(data.max()) > 1):
        raise ShapeError("binary_cross_entropy: all elements of input should be between 0 and 1, got values in "
                         f"[{float(data.min())}, {float(data.max())}]")
    loss = -(target * log(input).clamp(min=-100.0) + (1 - target) * log(1 - input).clamp(min=-100.0))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input, target, reduction="mean", log_target=False):
    """KL(target ‖ exp(input)) pointwise: target·(log target - input), 0 where target = 0.
    ``input`` is log-probabilities. ``reduction="batchmean"`` (sum / batch size) is the
    mathematically correct one; "mean" averages over all elements, as PyTorch."""
    _check_pair("kl_div", input, target)
    _check_reduction("kl_div", reduction, REDUCTIONS + ("batchmean",))
    if log_target:
        pointwise = target.exp() * (target - input)
    else:
        positive = target > 0
        pointwise = where(positive, target * (log(where(positive, target, 1.0)) - input), 0.0)
    if reduction == "batchmean":
        return pointwise.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(pointwise, reduction)
