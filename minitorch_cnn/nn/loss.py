"""Loss layers, as ``torch.nn``: thin modules over ``nn.functional``'s losses; class
weights are registered as buffers (so ``.to()`` moves them), as PyTorch."""

from __future__ import annotations

from ..ops import loss as L
from .module import Module


class _Loss(Module):
    def __init__(self, reduction: str = "mean"):
        super().__init__()
        L._check_reduction(type(self).__name__, reduction, L.REDUCTIONS + ("batchmean",))
        self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, reduction: str = "mean"):
        super().__init__(reduction)
        self.register_buffer("weight", weight)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy of logits against class indices or class probabilities, as
    ``torch.nn.CrossEntropyLoss``: ``-log softmax(x)[target]`` per sample, with optional class
    ``weight``, targets equal to ``ignore_index`` left out, and ``label_smoothing`` ε mixing the
    target with the uniform distribution: ``(1 - ε)·one_hot + ε / C``.

    Shape:
        - Input: (N, C), (C,) or (N, C, d1, ...).
        - Target: class indices of shape (N,), () or (N, d1, ...), or probabilities of the
          input's shape.
        - Output: a scalar, or the target's shape with ``reduction="none"``.

    Example:

        >>> loss = nn.CrossEntropyLoss(label_smoothing=0.1)(mt.randn(4, 10), mt.tensor([3, 1, 4, 1]))
    """

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean", label_smoothing: float = 0.0):
        super().__init__(weight, reduction)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target):
        return L.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction,
                               label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities: ``-x[target]`` per sample,
    weighted by ``weight[target]``; the mean divides by the sum of those weights (PyTorch's
    rule). Apply it after ``log_softmax``; ``CrossEntropyLoss`` is the two in one.

    Shape:
        - Input: (N, C), (C,) or (N, C, d1, ...); Target: (N,), () or (N, d1, ...).
    """

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return L.nll_loss(input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error ``(x - y)²``, averaged (``"mean"``), summed or per element.

    Shape:
        - Input and target: any shape, the same (broadcasting is refused, as PyTorch warns).
    """

    def forward(self, input, target):
        return L.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error ``|x - y|``, averaged, summed or per element.

    Shape:
        - Input and target: any shape, the same.
    """

    def forward(self, input, target):
        return L.l1_loss(input, target, self.reduction)


class SmoothL1Loss(_Loss):
    """``0.5·d²/β`` where ``|d| < β``, else ``|d| - 0.5·β`` (d = x - y): quadratic
    near zero, linear beyond (Fast R-CNN's box loss). ``beta=0`` is the L1 loss.

    Shape:
        - Input and target: any shape, the same.
    """

    def __init__(self, reduction: str = "mean", beta: float = 1.0):
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input, target):
        return L.smooth_l1_loss(input, target, self.reduction, self.beta)


class HuberLoss(_Loss):
    """``0.5·d²`` where ``|d| < δ``, else ``δ·(|d| - 0.5·δ)``: ``δ`` times the smooth L1
    loss with ``β = δ`` (PyTorch's relation).

    Shape:
        - Input and target: any shape, the same.
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input, target):
        return L.huber_loss(input, target, self.reduction, self.delta)


class BCEWithLogitsLoss(_WeightedLoss):
    """Binary cross-entropy of logits, in the stable form
    ``max(x, 0) - x·y + log(1 + e^{-|x|})``; ``pos_weight`` p scales the positive term:
    ``-[p·y·log σ(x) + (1 - y)·log(1 - σ(x))]``.

    Shape:
        - Input and target: any shape, the same; ``pos_weight`` broadcasts over the last dim.
    """

    def __init__(self, weight=None, reduction: str = "mean", pos_weight=None):
        super().__init__(weight, reduction)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return L.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction, self.pos_weight)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities: ``-[y·log p + (1 - y)·log(1 - p)]``, each
    log clamped at -100 as PyTorch (so a 0 or 1 gives a finite loss).

    Shape:
        - Input (probabilities in [0, 1]) and target: any shape, the same.
    """

    def forward(self, input, target):
        return L.binary_cross_entropy(input, target, self.weight, self.reduction)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence ``y·(log y - x)`` of log-probabilities ``x`` from
    the target ``y`` (log-probabilities too with ``log_target=True``); ``"batchmean"`` divides
    the sum by the batch size, the mathematically right mean.

    Shape:
        - Input and target: any shape, the same.
    """

    def __init__(self, reduction: str = "mean", log_target: bool = False):
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return L.kl_div(input, target, self.reduction, self.log_target)
