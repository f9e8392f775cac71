"""``Adam`` (with AMSGrad) and ``AdamW``, PyTorch's formulas. At step t:

    g ← ∇ + λ·w                      (Adam's L2 weight decay)
    w ← w·(1 - lr·λ)                 (AdamW's decoupled weight decay, instead)
    m ← β₁·m + (1-β₁)·g,   v ← β₂·v + (1-β₂)·g²
    v̂ ← max(v̂, v) (AMSGrad) or v
    w ← w - lr/(1-β₁ᵗ) · m / (√v̂/√(1-β₂ᵗ) + ε)

The arithmetic is the ``adam_step`` kernel's (``kernels/optim``); these classes check the
options and keep the moment estimates and the step count.
"""

from __future__ import annotations

from .. import kernels
from .checks import BETAS, EPS, LR, MAXIMIZE, WEIGHT_DECAY, Flag
from .optimizer import Optimizer, as_pair, state_array


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015)::

        m ← β₁·m + (1 - β₁)·g;   v ← β₂·v + (1 - β₂)·g²
        w ← w - lr·m̂ / (√v̂ + ε),   m̂ = m / (1 - β₁ᵗ),   v̂ = v / (1 - β₂ᵗ)

    ``weight_decay`` adds λ·w to g (L2; ``AdamW`` decays the weights instead), ``amsgrad``
    uses the running maximum of v̂.
    """

    _decoupled = False
    _hyper = (LR, EPS, BETAS, WEIGHT_DECAY, Flag("amsgrad"), MAXIMIZE)
    _state_keys = frozenset({"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"})

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0,
                 amsgrad: bool = False, *, maximize: bool = False):
        super().__init__(params, dict(lr=lr, betas=as_pair(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize))

    def _update(self, group, param, grad, state):
        state["step"] = state.get("step", 0) + 1
        beta1, beta2 = group["betas"]
        exp_avg = state_array(state, "exp_avg", param.array)
        exp_avg_sq = state_array(state, "exp_avg_sq", param.array)
        max_exp_avg_sq = state_array(state, "max_exp_avg_sq", param.array) if group["amsgrad"] else None
        kernels.adam_step(param.array, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, state["step"], group["lr"], beta1,
                          beta2, group["eps"], group["weight_decay"], self._decoupled, group["amsgrad"],
                          group["maximize"])


class AdamW(Adam):
    """Adam with decoupled weight decay (default 0.01), as Loshchilov & Hutter."""

    _decoupled = True

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 1e-2,
                 amsgrad: bool = False, *, maximize: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
