"""Input checks shared by the layers: errors that name the layer (with its settings), the
expected shape and the actual one, raised before any arithmetic."""

from __future__ import annotations

from ..tensor import Tensor


def check_input(layer, input, ndims, channels=None, what="(N, C, H, W)", unbatched_ndim=None):
    """``input`` must be a Tensor with one of ``ndims`` dims and, if given, ``channels``
    entries along dim 1 (dim 0 for an unbatched input of ``unbatched_ndim`` dims)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{layer!r}: expected a Tensor input, got {type(input).__name__}")
    if input.ndim not in ndims:
        raise ValueError(f"{layer!r}: expected a {' or '.join(f'{n}-D' for n in ndims)} input {what}, "
                         f"got shape {list(input.shape)}")
    if channels is not None:
        dim = 0 if input.ndim == unbatched_ndim else 1
        if input.shape[dim] != channels:
            raise ValueError(f"{layer!r}: expected input with {channels} channels (dim {dim}), "
                             f"got shape {list(input.shape)}")
