"""``Parameter``: a tensor that a ``Module`` registers as learnable when assigned to it."""

from __future__ import annotations

from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and is listed by ``Module.parameters()``.

    ``Parameter(t)`` shares ``t``'s array (no copy), as in PyTorch. Results of ops on a
    parameter are plain Tensors.
    """

    def __init__(self, data=None, requires_grad: bool = True):
        if data is None:
            from ..creation import empty

            data = empty(0)
        if isinstance(data, Tensor):
            data = data.array
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
