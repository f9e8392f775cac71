"""Bad input over drawn cases: each gets a clear error naming the argument and the values,
raised before any arithmetic."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minitorch_cnn as mt


@given(a=hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=5),
       b=hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=5))
def test_incompatible_broadcast_names_both_sizes(a, b):
    mismatched = [(x, y) for x, y in zip(reversed(a), reversed(b)) if x != y]
    assume(mismatched)
    x, y = mismatched[0]
    for op in (mt.ops.add, mt.ops.mul, mt.ops.div, mt.ops.maximum, mt.ops.eq):
        with pytest.raises(RuntimeError, match=rf"size of tensor a \({x}\) must match the size of tensor b \({y}\)"):
            op(mt.ones(a), mt.ones(b))


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=3), extra=st.integers(0, 3), negative=st.booleans())
def test_dim_out_of_range_states_the_valid_range(shape, extra, negative):
    ndim = len(shape)
    dim = -(ndim + 1 + extra) if negative else ndim + extra
    pattern = rf"range of \[{-ndim}, {ndim - 1}\], but got {dim}"
    x = mt.ones(shape)
    for call in (lambda: x.sum(dim), lambda: x.softmax(dim), lambda: x.max(dim), lambda: x.var(dim),
                 lambda: mt.cat([x, x], dim), lambda: x.transpose(0, dim)):
        with pytest.raises(IndexError, match=pattern):
            call()


@given(size=st.lists(st.integers(-5, 5), min_size=1, max_size=3))
def test_negative_sizes_are_named(size):
    assume(any(s < 0 for s in size))
    first = next(s for s in size if s < 0)
    for factory in (mt.zeros, mt.ones, mt.empty, mt.rand, mt.randn):
        with pytest.raises(ValueError, match=rf"negative dimension {first} in size"):
            factory(*size)


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), target=st.integers(1, 70))
def test_reshape_to_the_wrong_size_names_both(shape, target):
    numel = mt.ones(shape).numel()
    assume(target != numel)
    with pytest.raises(RuntimeError, match=rf"shape '\[{target}\]' is invalid for input of size {numel}"):
        mt.ones(shape).reshape(target)


@given(n=st.integers(1, 4), k=st.integers(1, 4), k2=st.integers(1, 4), m=st.integers(1, 4))
def test_matmul_inner_mismatch_names_the_shapes(n, k, k2, m):
    assume(k != k2)
    with pytest.raises(RuntimeError, match=rf"\({n}x{k} and {k2}x{m}\)"):
        mt.ones(n, k) @ mt.ones(k2, m)
