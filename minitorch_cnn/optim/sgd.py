"""``SGD`` with momentum, dampening, Nesterov and weight decay, PyTorch's formula:

    g ← ∇ + λ·w
    b ← g (first step), then b ← μ·b + (1 - dampening)·g
    g ← g + μ·b (Nesterov) or g ← b
    w ← w - lr·g
"""

from __future__ import annotations

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
        g = -grad if group["maximize"] else grad
        if group["weight_decay"]:
            g = g + group["weight_decay"] * param.data
        momentum = group["momentum"]
        if momentum:
            first = "momentum_buffer" not in state
            buf = state_array(state, "momentum_buffer", param.data)
            if first:
                buf[...] = g
            else:
                buf *= momentum
                buf += (1 - group["dampening"]) * g
            g = g + momentum * buf if group["nesterov"] else buf
        param.data -= group["lr"] * g
