"""``RAdam`` (rectified Adam, Liu et al. 2019), PyTorch's formula. At step t:

    w ← w·(1 - lr·λ)  with decoupled_weight_decay, else g ← ∇ + λ·w  (−∇ with maximize)
    m ← β₁·m + (1-β₁)·g,   v ← β₂·v + (1-β₂)·g²,   m̂ = m/(1-β₁ᵗ)
    ρ∞ = 2/(1-β₂) - 1,   ρₜ = ρ∞ - 2t·β₂ᵗ/(1-β₂ᵗ)
    ρₜ > 5:  r = √((ρₜ-4)(ρₜ-2)ρ∞ / ((ρ∞-4)(ρ∞-2)ρₜ)),  w ← w - lr·m̂·r·√(1-β₂ᵗ)/(√v + ε)
    else:    w ← w - lr·m̂   (the variance estimate is not trusted yet: plain momentum)

In-place array code through the parameter's array module (NumPy or CuPy).
"""

from __future__ import annotations

import math

from ..backend import xp_of
from .adamax import ADAM_FAMILY
from .checks import Flag
from .optimizer import Optimizer, as_pair, refuse_unsupported, state_array, weight_decayed


class RAdam(Optimizer):
    """Rectified Adam (Liu et al., 2020): Adam whose adaptive step is switched on only once
    the variance of its estimate is tractable (ρ_t > 5), and rectified by r_t until then;
    before that, plain momentum SGD steps.
    """

    _hyper = ADAM_FAMILY + (Flag("decoupled_weight_decay"),)
    _state_keys = frozenset({"step", "exp_avg", "exp_avg_sq"})

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 decoupled_weight_decay: bool = False, *, foreach=None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False):
        refuse_unsupported("RAdam", foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, dict(lr=lr, betas=as_pair(betas), eps=eps, weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay, maximize=maximize))

    def _update(self, group, param, grad, state):
        xp = xp_of(param.array)
        step = state["step"] = state.get("step", 0) + 1
        beta1, beta2 = group["betas"]
        lr, decay = group["lr"], group["weight_decay"]
        exp_avg = state_array(state, "exp_avg", param.array)
        exp_avg_sq = state_array(state, "exp_avg_sq", param.array)
        grad = weight_decayed(grad, param.array, lr, decay, group["decoupled_weight_decay"], group["maximize"])
        exp_avg *= beta1
        exp_avg += (1 - beta1) * grad
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        bias_correction2 = 1 - beta2 ** step
        corrected_avg = exp_avg / (1 - beta1 ** step)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * beta2 ** step / bias_correction2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            param.array -= corrected_avg * lr * (math.sqrt(bias_correction2) / (xp.sqrt(exp_avg_sq) + group["eps"])) \
                * rect
        else:
            param.array -= corrected_avg * lr
