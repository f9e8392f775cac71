"""``SGD`` with momentum, dampening, Nesterov and weight decay, PyTorch's formula:

    g ← ∇ + λ·w
    b ← g (first step), then b ← μ·b + (1 - dampening)·g
    g ← g + μ·b (Nesterov) or g ← b
    w ← w - lr·g

The arithmetic is the ``sgd_step`` kernel's (``kernels/optim``: one fused pass per
parameter on the CPU); this class checks the options and keeps the momentum buffers.
"""

from __future__ import annotations

import math

from .. import kernels
from .checks import LR, MAXIMIZE, MOMENTUM, WEIGHT_DECAY, Flag, Number
from .optimizer import Optimizer, state_array


class SGD(Optimizer):
    """Stochastic gradient descent with momentum μ, dampening, Nesterov and weight decay λ,
    PyTorch's formula::

        g ← ∇ + λ·w;   b ← μ·b + (1 - dampening)·g;   g ← g + μ·b (Nesterov) or b;   w ← w - lr·g

    Example:

        >>> model = nn.Linear(4, 2)
        >>> opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
        >>> model(mt.ones(1, 4)).sum().backward()
        >>> opt.step()
        >>> opt.state_dict()["param_groups"][0]["momentum"]
        0.9
    """

    _hyper = (LR, MOMENTUM, WEIGHT_DECAY, Number("dampening", "Invalid dampening value", -math.inf),
              Flag("nesterov"), MAXIMIZE)
    _state_keys = frozenset({"momentum_buffer"})

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))

    def _check_consistency(self, group, where):
        if group.get("nesterov") and (group.get("momentum", 0) <= 0 or group.get("dampening", 0) != 0):
            raise ValueError(f"Nesterov momentum requires a momentum and zero dampening (nesterov=True{where} with "
                             f"momentum={group.get('momentum')}, dampening={group.get('dampening')})")

    def _update(self, group, param, grad, state):
        momentum = group["momentum"]
        first = momentum and "momentum_buffer" not in state
        buffer = state_array(state, "momentum_buffer", param.array) if momentum else None
        kernels.sgd_step(param.array, grad, buffer, group["lr"], momentum, group["dampening"], group["weight_decay"],
                         group["nesterov"], group["maximize"], first)
