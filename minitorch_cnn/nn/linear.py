"""``Linear`` and the shape-only layers ``Identity``, ``Flatten`` and ``Unflatten``."""

from __future__ import annotations

from .. import creation
from ..arguments import integer
from ..ops.linalg import linear
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter


class Identity(Module):
    """Returns its input; takes (and ignores) any arguments, as PyTorch.

    Shape:
        - Input: any; Output: the input itself.
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x Wᵀ + b, W of shape (out_features, in_features).

    Default init (PyTorch's): W ~ kaiming_uniform(a=√5), i.e. U(-1/√in, 1/√in), and
    b ~ U(-1/√in, 1/√in).

    Shape:
        - Input: (*, in_features), any number of leading dims.
        - Output: (*, out_features).

    Example:

        >>> nn.Linear(20, 30)(mt.randn(128, 20)).shape
        (128, 30)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None):
        super().__init__()
        integer(in_features, "Linear: in_features", low=0)
        integer(out_features, "Linear: out_features", low=0)
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(creation.empty(out_features, in_features, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.default_layer_init_(self.weight, self.bias)

    def forward(self, input):
        if not isinstance(input, Tensor) or input.ndim == 0 or input.shape[-1] != self.in_features:
            got = list(input.shape) if isinstance(input, Tensor) else type(input).__name__
            raise ValueError(f"{self!r}: expected input with last dim {self.in_features}, got shape {got}")
        return linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Flatten(Module):
    """Flattens dims start_dim..end_dim (default: all but the batch dim).

    Shape:
        - Input: (*, S_start, ..., S_end, *); Output: (*, S_start·...·S_end, *).
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expands dim ``dim`` into ``unflattened_size``.

    Shape:
        - Input: (*, S, *) along ``dim``; Output: (*, U_1, ..., U_k, *) with ∏U = S.
    """

    def __init__(self, dim: int, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input):
        dim = self.dim % input.ndim
        size = 1
        for s in self.unflattened_size:
            size *= s
        if -1 not in self.unflattened_size and size != input.shape[dim]:
            raise ValueError(f"{self!r}: unflattened_size {self.unflattened_size} must multiply to the size of dim "
                             f"{self.dim} ({input.shape[dim]}) of input shape {list(input.shape)}")
        return input.unflatten(dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
