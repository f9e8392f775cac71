"""``NAdam`` (Adam with Nesterov momentum, Dozat 2016), PyTorch's formula. At step t:

    w ← w·(1 - lr·λ)  with decoupled_weight_decay, else g ← ∇ + λ·w  (−∇ with maximize)
    μₜ = β₁·(1 - ½·0.96^(t·ψ)),  μₜ₊₁ = β₁·(1 - ½·0.96^((t+1)·ψ))   (ψ = momentum_decay)
    m ← β₁·m + (1-β₁)·g,   v ← β₂·v + (1-β₂)·g²
    d = √(v/(1-β₂ᵗ)) + ε
    w ← w - lr·(1-μₜ)/(1-∏ᵢ≤ₜ μᵢ) · g/d - lr·μₜ₊₁/(1-∏ᵢ≤ₜ₊₁ μᵢ) · m/d

The running product ∏μᵢ is kept in the state as ``mu_product`` (a float), beside
``exp_avg``, ``exp_avg_sq`` and ``step``. In-place array code (NumPy or CuPy).
"""

from __future__ import annotations

from ..backend import xp_of
from .adamax import ADAM_FAMILY
from .checks import Flag, Number
from .optimizer import Optimizer, as_pair, refuse_unsupported, state_array, weight_decayed


class NAdam(Optimizer):
    """Adam with Nesterov momentum (Dozat, 2016), with PyTorch's momentum decay schedule
    ``μ_t = β₁·(1 - 0.5·0.96^{t·momentum_decay})``.
    """

    _hyper = ADAM_FAMILY + (Number("momentum_decay", "Invalid momentum_decay value"), Flag("decoupled_weight_decay"))
    _state_keys = frozenset({"step", "exp_avg", "exp_avg_sq", "mu_product"})

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False):
        refuse_unsupported("NAdam", foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, dict(lr=lr, betas=as_pair(betas), eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def _update(self, group, param, grad, state):
        xp = xp_of(param.array)
        step = state["step"] = state.get("step", 0) + 1
        beta1, beta2 = group["betas"]
        lr, decay, psi = group["lr"], group["weight_decay"], group["momentum_decay"]
        exp_avg = state_array(state, "exp_avg", param.array)
        exp_avg_sq = state_array(state, "exp_avg_sq", param.array)
        grad = weight_decayed(grad, param.array, lr, decay, group["decoupled_weight_decay"], group["maximize"])
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        mu_product = state["mu_product"] = state.get("mu_product", 1.0) * mu
        exp_avg *= beta1
        exp_avg += (1 - beta1) * grad
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        denom = xp.sqrt(exp_avg_sq / (1 - beta2 ** step)) + group["eps"]
        param.array -= lr * (1 - mu) / (1 - mu_product) * grad / denom
        param.array -= lr * mu_next / (1 - mu_product * mu_next) * exp_avg / denom
