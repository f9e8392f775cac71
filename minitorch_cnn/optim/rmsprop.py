"""``RMSprop`` (GoogLeNet's optimizer) and ``Adagrad``, PyTorch's formulas.

RMSprop:  s ← α·s + (1-α)·g²;  centred: a ← α·a + (1-α)·g, d = √(s - a²) + ε, else
          d = √s + ε;  with momentum μ: b ← μ·b + g/d, w ← w - lr·b; else w ← w - lr·g/d.
Adagrad:  lr_t = lr / (1 + (t-1)·lr_decay);  s ← s + g²;  w ← w - lr_t·g/(√s + ε).
Both add the L2 term λ·w to g first. The arithmetic is the ``rmsprop_step`` and
``adagrad_step`` kernels' (``kernels/optim``); the classes check the options and keep the
state.
"""

from __future__ import annotations

from .. import kernels
from .checks import EPS, LR, MAXIMIZE, MOMENTUM, WEIGHT_DECAY, Flag, Number
from .optimizer import Optimizer, state_array


class RMSprop(Optimizer):
    """RMSprop: ``v ← α·v + (1 - α)·g²``, ``w ← w - lr·g / (√v + ε)``; ``centered`` subtracts
    the squared running mean of g, ``momentum`` keeps a buffer of the steps.
    """

    _hyper = (LR, EPS, MOMENTUM, WEIGHT_DECAY, Number("alpha", "Invalid alpha value"), Flag("centered"), MAXIMIZE)
    _state_keys = frozenset({"step", "square_avg", "grad_avg", "momentum_buffer"})

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
                 momentum: float = 0.0, centered: bool = False, *, maximize: bool = False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize))

    def _update(self, group, param, grad, state):
        state["step"] = state.get("step", 0) + 1
        square = state_array(state, "square_avg", param.array)
        mean = state_array(state, "grad_avg", param.array) if group["centered"] else None
        buffer = state_array(state, "momentum_buffer", param.array) if group["momentum"] > 0 else None
        kernels.rmsprop_step(param.array, grad, square, mean, buffer, group["lr"], group["alpha"], group["eps"],
                             group["weight_decay"], group["momentum"], group["centered"], group["maximize"])


class Adagrad(Optimizer):
    """Adagrad: ``s ← s + g²``, ``w ← w - lr_t·g / (√s + ε)`` with
    ``lr_t = lr / (1 + (t - 1)·lr_decay)``.
    """

    _hyper = (LR, Number("lr_decay", "Invalid lr_decay value"), WEIGHT_DECAY,
              Number("initial_accumulator_value", "Invalid initial_accumulator_value value"), EPS, MAXIMIZE)
    _state_keys = frozenset({"step", "sum"})

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10, *, maximize: bool = False):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize))

    def _update(self, group, param, grad, state):
        if "sum" not in state:
            state_array(state, "sum", param.array)[...] = group["initial_accumulator_value"]
        state["step"] = state.get("step", 0) + 1
        rate = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        kernels.adagrad_step(param.array, grad, state["sum"].array, rate, group["eps"], group["weight_decay"],
                             group["maximize"])
