"""``matmul`` (the ``@`` operator): 1-D, 2-D and batched with broadcast batch dims; and
``linear``, the affine map of ``nn.Linear``, as one op.

``matmul``'s backward promotes 1-D operands to matrices exactly as forward does (a vector on the left
is a row, on the right a column), multiplies by the transposed other operand, and lets the
engine sum the gradient over broadcast batch dims.
"""

from __future__ import annotations

from .. import backend
from ..autograd.function import Function
from ..tensor import Tensor
from .common import broadcast_shapes


class MatMul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return backend.xp_of(a).matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        if a.ndim == 1 and b.ndim == 1:  # a dot product: the gradient is a scalar
            return (grad * b if ctx.needs_input_grad[0] else None,
                    grad * a if ctx.needs_input_grad[1] else None)
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b
        g = grad
        if a.ndim == 1:
            g = g.unsqueeze(-2)
        if b.ndim == 1:
            g = g.unsqueeze(-1)
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = g @ b2.transpose(-1, -2)
            if a.ndim == 1:
                grad_a = grad_a.squeeze(-2)
        if ctx.needs_input_grad[1]:
            grad_b = a2.transpose(-1, -2) @ g
            if b.ndim == 1:
                grad_b = grad_b.squeeze(-1)
        return grad_a, grad_b


def matmul(input, other):
    """The matrix product with NumPy's and PyTorch's rules: 1-D operands are vectors, leading
    dims broadcast (batched products). Gradients ``g·Bᵀ`` and ``Aᵀ·g``, summed over broadcast
    batch dims.
    """
    for name, x in (("input", input), ("other", other)):
        if not isinstance(x, Tensor):
            raise TypeError(f"matmul: {name} must be a Tensor, got {type(x).__name__}")
        if x.ndim == 0:
            raise RuntimeError(f"matmul: both arguments need to be at least 1D, but {name} is 0D")
    if input.dtype != other.dtype:
        raise RuntimeError(f"matmul: expected both arguments to have the same dtype, but got {input.dtype} and {other.dtype}")
    k_left = input.shape[-1]
    k_right = other.shape[0] if other.ndim == 1 else other.shape[-2]
    if k_left != k_right:
        left = "x".join(map(str, input.shape))
        right = "x".join(map(str, other.shape))
        raise RuntimeError(f"matmul: shapes cannot be multiplied ({left} and {right}): "
                           f"inner dimensions {k_left} and {k_right} differ")
    if input.ndim > 2 or other.ndim > 2:
        broadcast_shapes(input.shape[:-2] if input.ndim > 1 else (), other.shape[:-2] if other.ndim > 1 else (),
                         "matmul batch dims")
    return MatMul.apply(input, other)


class Linear(Function):
    """``x @ w.T + b`` over any leading dims of x. One op rather than a transpose, a matmul
    and an add: the weight gradient comes out as ``grad.T @ x``, in the weight's own (C)
    layout, where differentiating ``x @ w.t()`` gave the transpose of a C-order product,
    which every optimizer pass then had to read against its parameter's layout (VGG-11's
    4096×25088 layer); and the bias is added into the fresh product in place."""

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        xp = backend.xp_of(x)
        # leading dims folded into one GEMM: NumPy's matmul on a (64, 65, 192) input runs 64
        # small GEMMs of 65 rows (the ViT's layers spent 332 ms a step there)
        rows = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
        out = xp.matmul(rows, w.T)
        if b is not None:
            out += b
        return out.reshape(x.shape[:-1] + (w.shape[0],)) if x.ndim != 2 else out

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        needs = ctx.needs_input_grad
        rows = grad.reshape(-1, w.shape[0])
        grad_x = (rows @ w).reshape(x.shape) if needs[0] else None
        grad_w = rows.t() @ x.reshape(-1, w.shape[1]) if needs[1] else None
        grad_b = rows.sum(0) if needs[2] else None
        return grad_x, grad_w, grad_b


def linear(input, weight, bias=None):
    """``input @ weight.T + bias``: the affine map of ``nn.Linear`` (weight: out × in)."""
    if not isinstance(weight, Tensor) or weight.ndim not in (1, 2):
        got = list(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__
        raise ValueError(f"linear: weight must be a 1-D or 2-D Tensor (out_features, in_features), got {got}")
    if not isinstance(input, Tensor) or input.ndim == 0 or input.shape[-1] != weight.shape[-1]:
        got = list(input.shape) if isinstance(input, Tensor) else type(input).__name__
        raise ValueError(f"linear: input's last dim must be in_features={weight.shape[-1]}, got input shape {got}")
    if weight.ndim == 1:
        out = matmul(input, weight)
        return out if bias is None else out + bias
    if input.dtype != weight.dtype:
        raise RuntimeError(f"linear: expected input and weight to have the same dtype, but got {input.dtype} and "
                           f"{weight.dtype}")
    if bias is not None and (not isinstance(bias, Tensor) or bias.shape != (weight.shape[0],)
                             or bias.dtype != weight.dtype):
        got = (f"shape {list(bias.shape)}, dtype {bias.dtype}" if isinstance(bias, Tensor) else type(bias).__name__)
        raise ValueError(f"linear: bias must be a Tensor of shape [{weight.shape[0]}] and dtype {weight.dtype}, "
                         f"got {got}")
    return Linear.apply(input, weight, bias)
