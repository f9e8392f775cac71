"""Test helpers: hypothesis strategies for shapes and data, and array conversion."""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minitorch_cnn as mt

seeds = st.integers(0, 2**32 - 1)
small_shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
nonscalar_shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


def broadcastable_pair():
    """Two shapes that broadcast together (size-1 dims and missing leading dims included)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=4).map(
        lambda result: result.input_shapes)


def array(seed, shape, low=None, dtype=np.float64):
    """Standard normal values (or |values| + low, to stay inside a domain)."""
    values = np.random.default_rng(seed).standard_normal(shape)
    if low is not None:
        values = np.abs(values) + low
    return np.asarray(values, dtype=dtype)


def leaf(seed, shape, device=None, low=None, dtype=np.float64):
    """A float64 leaf tensor that requires grad, from a seed, on `device` (the default device)."""
    return mt.tensor(array(seed, shape, low, dtype), device=device, requires_grad=True)


def host(t):
    """A tensor's values as a NumPy array on the host."""
    return np.asarray(t.detach().cpu().array)


def dim_of(ndim):
    """A strategy for a valid dim (negative allowed) of an ndim-dimensional tensor."""
    bound = max(ndim, 1)
    return st.integers(-bound, bound - 1)
