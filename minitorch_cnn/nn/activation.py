"""Activation layers, as ``torch.nn``: thin modules over ``nn.functional``'s functions
(``PReLU`` owns its learnable slope)."""

from __future__ import annotations

from .. import creation
from ..arguments import integer, real
from ..ops import activation as A
from ..ops.softmax import log_softmax, softmax
from ..ops.unary import sigmoid, tanh
from .module import Module
from .parameter import Parameter


class _Elementwise(Module):
    """An activation with keyword options stored as attributes and shown in the repr."""

    _options: tuple = ()

    def __init__(self, **options):
        super().__init__()
        for name, value in options.items():
            setattr(self, name, value)

    def extra_repr(self) -> str:
        return ", ".join(f"{name}={getattr(self, name)}" for name in self._options)


class ReLU(_Elementwise):
    """``max(0, x)``.

    Shape:
        - Input: any shape; Output: the same.
    """

    def __init__(self, inplace: bool = False):
        super().__init__(inplace=inplace)

    def forward(self, input):
        return A.relu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ReLU6(ReLU):
    """``min(max(0, x), 6)`` (MobileNet's bounded ReLU).

    Shape:
        - Input: any shape; Output: the same.
    """

    def forward(self, input):
        return A.relu6(input)


class Hardtanh(_Elementwise):
    """``x`` clipped to [min_val, max_val].

    Shape:
        - Input: any shape; Output: the same.
    """

    _options = ("min_val", "max_val")

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
        real(min_val, "Hardtanh: min_val", finite=False)
        real(max_val, "Hardtanh: max_val", finite=False)
        if not max_val > min_val:  # PyTorch asserts it here, at construction
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be greater than min_val ({min_val})")
        super().__init__(min_val=min_val, max_val=max_val, inplace=inplace)

    def forward(self, input):
        return A.hardtanh(input, self.min_val, self.max_val)


class LeakyReLU(_Elementwise):
    """``x`` for ``x > 0``, else ``negative_slope·x``.

    Shape:
        - Input: any shape; Output: the same.
    """

    _options = ("negative_slope",)

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        real(negative_slope, "LeakyReLU: negative_slope")
        super().__init__(negative_slope=negative_slope, inplace=inplace)

    def forward(self, input):
        return A.leaky_relu(input, self.negative_slope)


class PReLU(Module):
    """Leaky ReLU with a learned slope, one shared (default) or one per channel.

    Shape:
        - Input: (N, C, ...) or any shape when num_parameters is 1; Output: the same.
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        super().__init__()
        integer(num_parameters, "PReLU: num_parameters", low=1)
        real(init, "PReLU: init")
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(creation.full((num_parameters,), float(init), device=device, dtype=dtype))

    def reset_parameters(self) -> None:
        from . import init as nn_init

        nn_init.constant_(self.weight, self.init)

    def forward(self, input):
        return A.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class ELU(_Elementwise):
    """``x`` for ``x > 0``, else ``alpha·(e^x - 1)`` (Clevert et al., 2016).

    Shape:
        - Input: any shape; Output: the same.
    """

    _options = ("alpha",)

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        real(alpha, "ELU: alpha")
        super().__init__(alpha=alpha, inplace=inplace)

    def forward(self, input):
        return A.elu(input, self.alpha)


class CELU(ELU):
    """``max(0, x) + min(0, alpha·(e^{x/alpha} - 1))``: ELU made continuously differentiable.

    Shape:
        - Input: any shape; Output: the same.
    """

    def forward(self, input):
        return A.celu(input, self.alpha)


class SELU(ReLU):
    """``scale·(max(0, x) + min(0, alpha·(e^x - 1)))`` with Klambauer et al.'s
    alpha ≈ 1.6733 and scale ≈ 1.0507 (self-normalising networks).

    Shape:
        - Input: any shape; Output: the same.
    """

    def forward(self, input):
        return A.selu(input)


class GELU(_Elementwise):
    """``x·Φ(x)``, Φ the standard normal CDF; ``approximate="tanh"`` uses
    ``0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))``.

    Shape:
        - Input: any shape; Output: the same.
    """

    _options = ("approximate",)

    def __init__(self, approximate: str = "none"):
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        super().__init__(approximate=approximate)

    def forward(self, input):
        return A.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate='{self.approximate}'"


class SiLU(ReLU):
    """``x·σ(x)`` (also called swish).

    Shape:
        - Input: any shape; Output: the same.
    """

    def forward(self, input):
        return A.silu(input)


class Mish(ReLU):
    """``x·tanh(softplus(x))``.

    Shape:
        - Input: any shape; Output: the same.
    """

    def forward(self, input):
        return A.mish(input)


class Hardswish(ReLU):
    """``x·relu6(x + 3)/6`` (MobileNetV3).

    Shape:
        - Input: any shape; Output: the same.
    """

    def forward(self, input):
        return A.hardswish(input)


class Hardsigmoid(ReLU):
    """``relu6(x + 3)/6``.

    Shape:
        - Input: any shape; Output: the same.
    """

    def forward(self, input):
        return A.hardsigmoid(input)


class Sigmoid(Module):
    """``1 / (1 + e^{-x})``.

    Shape:
        - Input: any shape; Output: the same.
    """

    def forward(self, input):
        return sigmoid(input)


class Tanh(Module):
    """``tanh(x)``.

    Shape:
        - Input: any shape; Output: the same.
    """

    def forward(self, input):
        return tanh(input)


class LogSigmoid(Module):
    """``log σ(x) = -softplus(-x)``, computed stably.

    Shape:
        - Input: any shape; Output: the same.
    """

    def forward(self, input):
        return A.logsigmoid(input)


class Softplus(_Elementwise):
    """``log(1 + e^{βx})/β``, and ``x`` itself where ``βx > threshold``.

    Shape:
        - Input: any shape; Output: the same.
    """

    _options = ("beta", "threshold")

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__(beta=beta, threshold=threshold)

    def forward(self, input):
        return A.softplus(input, self.beta, self.threshold)


class Softmax(_Elementwise):
    """Softmax along ``dim``. PyTorch's implicit dim choice (deprecated there) is not
    copied: ``dim`` is required here.

    Shape:
        - Input: any shape; Output: the same, summing to 1 along ``dim``.
    """

    _options = ("dim",)

    def __init__(self, dim: int):
        super().__init__(dim=dim)

    def forward(self, input):
        return softmax(input, self.dim)


class LogSoftmax(Softmax):
    """``log_softmax`` along ``dim`` as a layer.

    Shape:
        - Input: any shape; Output: the same.
    """

    def forward(self, input):
        return log_softmax(input, self.dim)


_BY_NAME = {"relu": ReLU, "relu6": ReLU6, "leaky_relu": LeakyReLU, "elu": ELU, "selu": SELU, "gelu": GELU,
            "silu": SiLU, "swish": SiLU, "hardswish": Hardswish, "hardsigmoid": Hardsigmoid, "sigmoid": Sigmoid,
            "tanh": Tanh, "softplus": Softplus, "mish": Mish, "identity": None}


def activation_from_name(name: str) -> Module:
    """An activation layer from its lower-case name ("relu", "gelu", …), for configs."""
    if name not in _BY_NAME:
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(_BY_NAME)}")
    from .linear import Identity

    cls = _BY_NAME[name]
    return Identity() if cls is None else cls()
