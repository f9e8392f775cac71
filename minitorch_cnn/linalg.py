"""``torch.linalg``'s names that exist here: ``vector_norm`` and ``matmul`` (matrix
decompositions are outside this framework's scope)."""

from .ops.linalg import matmul
from .ops.products_norms import vector_norm

__all__ = ["matmul", "vector_norm"]
