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
from .checks import BETAS, EPS, LR, MAXIMIZE, WEIGHT_DECAY
from .optimizer import Optimizer, as_pair, ascent_and_l2, refuse_unsupported, state_array

# the hyper-parameters Adamax, NAdam and RAdam share, in PyTorch's order and words
ADAM_FAMILY = (LR, EPS, BETAS, WEIGHT_DECAY, MAXIMIZE)


class Adamax(Optimizer):
    """Adamax, Adam's infinity-norm variant: ``m ← β₁·m + (1 - β₁)·g``,
    ``u ← max(β₂·u, |g| + ε)``, ``w ← w - lr/(1 - β₁ᵗ)·m/u``.
    """

    _hyper = ADAM_FAMILY
    _state_keys = frozenset({"step", "exp_avg", "exp_inf"})

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 foreach=None, *, maximize: bool = False, differentiable: bool = False, capturable: bool = False):
        refuse_unsupported("Adamax", foreach=foreach, differentiable=differentiable, capturable=capturable)
        super().__init__(params, dict(lr=lr, betas=as_pair(betas), eps=eps, weight_decay=weight_decay,
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
