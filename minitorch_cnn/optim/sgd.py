"""``SGD`` with momentum, dampening, Nesterov and weight decay, PyTorch's formula:

    g ← ∇ + λ·w
    b ← g (first step), then b ← μ·b + (1 - dampening)·g
    g ← g + μ·b (Nesterov) or g ← b
    w ← w - lr·g

The arithmetic is the ``sgd_step`` kernel's (``kernels/optim``: one fused pass per
parameter on the CPU); this class checks the options and keeps the momentum buffers.
"""

from __future__ import annotations

from .. import kernels
from .optimizer import Optimizer, state_array


class SGD(Optimizer):
    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False):
        if momentum < 0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))

    def _update(self, group, param, grad, state):
        momentum = group["momentum"]
        first = momentum and "momentum_buffer" not in state
        buffer = state_array(state, "momentum_buffer", param.array) if momentum else None
        kernels.sgd_step(param.array, grad, buffer, group["lr"], momentum, group["dampening"], group["weight_decay"],
                         group["nesterov"], group["maximize"], first)
