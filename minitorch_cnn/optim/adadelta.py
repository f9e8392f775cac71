"""``Adadelta`` (Zeiler 2012), PyTorch's formula. At each step:

    g ← ∇ + λ·w  (−∇ with maximize)
    v ← ρ·v + (1-ρ)·g²
    Δ ← √(u + ε) / √(v + ε) · g
    u ← ρ·u + (1-ρ)·Δ²
    w ← w - lr·Δ

``v`` is ``square_avg`` and ``u`` is ``acc_delta`` in the state, as PyTorch names them.
The arithmetic is in-place array code through the parameter's array module, so it runs on
NumPy and CuPy alike.
"""

from __future__ import annotations

from ..backend import xp_of
from .checks import EPS, LR, MAXIMIZE, WEIGHT_DECAY, Number
from .optimizer import Optimizer, ascent_and_l2, refuse_unsupported, state_array


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012): ``v ← ρ·v + (1 - ρ)·g²``,
    ``Δ = √(u + ε)/√(v + ε)·g``, ``u ← ρ·u + (1 - ρ)·Δ²``, ``w ← w - lr·Δ``.
    """

    _hyper = (LR, Number("rho", "Invalid rho value", 0.0, 1.0), EPS, WEIGHT_DECAY, MAXIMIZE)
    _state_keys = frozenset({"step", "square_avg", "acc_delta"})

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0,
                 foreach=None, *, capturable: bool = False, maximize: bool = False, differentiable: bool = False):
        refuse_unsupported("Adadelta", foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def _update(self, group, param, grad, state):
        xp = xp_of(param.array)
        state["step"] = state.get("step", 0) + 1
        square_avg = state_array(state, "square_avg", param.array)
        acc_delta = state_array(state, "acc_delta", param.array)
        rho, eps = group["rho"], group["eps"]
        grad = ascent_and_l2(grad, param.array, group["weight_decay"], group["maximize"])
        square_avg *= rho
        square_avg += (1 - rho) * grad * grad
        delta = xp.sqrt(acc_delta + eps) / xp.sqrt(square_avg + eps) * grad
        acc_delta *= rho
        acc_delta += (1 - rho) * delta * delta
        param.array -= group["lr"] * delta
