"""Weight penalties to add to a loss: L1, L2 and elastic net, over a model's parameters
(or any iterable of tensors).

``l2_penalty`` is ½·Σw², so that its gradient is w itself: adding λ·l2_penalty to the
loss is exactly SGD's ``weight_decay=λ`` (docs/optim.md shows both agree). For adaptive
optimizers the two differ, which is why AdamW exists."""

from __future__ import annotations

from ..tensor import Tensor


def _tensors(parameters, name):
    from .module import Module

    items = list(parameters.parameters() if isinstance(parameters, Module) else parameters)
    if not items:
        raise ValueError(f"{name}: got no parameters")
    for t in items:
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: expected Tensors, got {type(t).__name__}")
    return items


def l1_penalty(parameters):
    """Σ|w| over all parameters (promotes sparsity)."""
    items = _tensors(parameters, "l1_penalty")
    total = items[0].abs().sum()
    for t in items[1:]:
        total = total + t.abs().sum()
    return total


def l2_penalty(parameters):
    """½·Σw² over all parameters (weight decay)."""
    items = _tensors(parameters, "l2_penalty")
    total = (items[0] * items[0]).sum()
    for t in items[1:]:
        total = total + (t * t).sum()
    return total * 0.5


def elastic_net_penalty(parameters, l1_ratio: float = 0.5):
    """l1_ratio·Σ|w| + (1 - l1_ratio)·½·Σw² (scikit-learn's parametrisation)."""
    if not 0.0 <= l1_ratio <= 1.0:
        raise ValueError(f"elastic_net_penalty: l1_ratio must be in [0, 1], got {l1_ratio}")
    items = _tensors(parameters, "elastic_net_penalty")
    return l1_penalty(items) * l1_ratio + l2_penalty(items) * (1 - l1_ratio)
