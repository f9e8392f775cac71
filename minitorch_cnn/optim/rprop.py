"""``Rprop`` (resilient backpropagation, Riedmiller & Braun 1993), PyTorch's variant. Per
element, from the sign of g·g_prev (g is −∇ with maximize; there is no weight decay):

    > 0:  η ← η·η₊          < 0:  η ← η·η₋ and g ← 0 (skip this step)        = 0:  η unchanged
    η ← clamp(η, step_sizes[0], step_sizes[1]);   w ← w - η·sign(g);   g_prev ← g

The per-element step sizes η start at ``lr``; the state holds ``prev``, ``step_size``
and ``step``. In-place array code through the parameter's array module (NumPy or CuPy).
"""

from __future__ import annotations

import math

from ..backend import xp_of
from .checks import LR, MAXIMIZE, Number, Pair
from .optimizer import Optimizer, as_pair, ascent_and_l2, refuse_unsupported, state_array

ETAS = Pair("etas", lambda i: "Invalid eta values", Number("etas", "Invalid eta values", -math.inf),
            "(eta_minus, eta_plus) with 0 < eta_minus < 1 < eta_plus",
            relation=lambda minus, plus: (f"eta_minus={minus} is not in (0, 1)" if not 0.0 < minus < 1.0 else
                                          f"eta_plus={plus} is not > 1" if not plus > 1.0 else None),
            head=lambda minus, plus: f"Invalid eta values: {minus}, {plus}")
# the largest step may be unbounded (inf); the smallest is a finite floor
STEP_SIZES = Pair("step_sizes", lambda i: "Invalid step_sizes",
                  Number("step_sizes", "Invalid step_sizes", finite=False),
                  "(min_step, max_step) with 0 <= min_step <= max_step, min_step finite",
                  relation=lambda low, high: (f"min_step={low} is not finite" if not math.isfinite(low) else
                                              f"min_step={low} > max_step={high}" if low > high else None))


class Rprop(Optimizer):
    """Resilient backpropagation: each weight's step grows by ``etas[1]`` while its gradient
    keeps its sign and shrinks by ``etas[0]`` when it flips, within ``step_sizes``; only the
    gradient's sign is used.
    """

    _hyper = (LR, ETAS, STEP_SIZES, MAXIMIZE)
    _state_keys = frozenset({"step", "prev", "step_size"})

    def __init__(self, params, lr: float = 1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable: bool = False, foreach=None, maximize: bool = False, differentiable: bool = False):
        refuse_unsupported("Rprop", capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, dict(lr=lr, etas=as_pair(etas), step_sizes=as_pair(step_sizes), maximize=maximize))

    def _update(self, group, param, grad, state):
        xp = xp_of(param.array)
        state["step"] = state.get("step", 0) + 1
        prev = state_array(state, "prev", param.array)
        if "step_size" not in state:
            state_array(state, "step_size", param.array)[...] = group["lr"]
        step_size = state["step_size"].array
        eta_minus, eta_plus = group["etas"]
        smallest, largest = group["step_sizes"]
        grad = ascent_and_l2(grad, param.array, 0, group["maximize"])
        agreement = grad * prev
        factor = xp.where(agreement > 0, eta_plus, xp.where(agreement < 0, eta_minus, 1.0)).astype(step_size.dtype)
        step_size *= factor
        xp.clip(step_size, smallest, largest, out=step_size)
        # a sign change means the last step overshot: hold still, and forget this gradient
        # so the next step is taken at the reduced size whatever its sign
        grad = xp.where(agreement < 0, 0, grad).astype(grad.dtype)
        param.array -= xp.sign(grad) * step_size
        prev[...] = grad
