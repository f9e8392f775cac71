"""``Adamax`` (Adam with the infinity norm, Kingma & Ba §7), PyTorch's formula. At step t:

    g ← ∇ + λ·w  (−∇ with maximize)
    m ← β₁·m + (1-β₁)·g
    u ← max(β₂·u, |g| + ε)
    w ← w - lr/(1-β₁ᵗ) · m/u

``m`` is ``exp_avg`` and ``u`` is ``exp_inf`` in the state. In-place array code through
the parameter's array module (NumPy or CuPy).
"""

from __future__ import annotations

from ..backend import xp_of
from .optimizer import Optimizer, ascent_and_l2, refuse_unsupported, state_array


def check_betas(betas) -> None:
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


def check_adam_family(lr, betas, eps, weight_decay) -> None:
    """The checks Adamax, NAdam and RAdam share, in PyTorch's order and words."""
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    check_betas(betas)
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


class Adamax(Optimizer):
    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 foreach=None, *, maximize: bool = False, differentiable: bool = False, capturable: bool = False):
        refuse_unsupported("Adamax", foreach=foreach, differentiable=differentiable, capturable=capturable)
        check_adam_family(lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _update(self, group, param, grad, state):
        xp = xp_of(param.array)
        state["step"] = state.get("step", 0) + 1
        beta1, beta2 = group["betas"]
        exp_avg = state_array(state, "exp_avg", param.array)
        exp_inf = state_array(state, "exp_inf", param.array)
        grad = ascent_and_l2(grad, param.array, group["weight_decay"], group["maximize"])
        exp_avg *= beta1
        exp_avg += (1 - beta1) * grad
        exp_inf *= beta2
        xp.maximum(exp_inf, xp.abs(grad) + group["eps"], out=exp_inf)
        param.array -= group["lr"] / (1 - beta1 ** state["step"]) * exp_avg / exp_inf
