"""cat, stack, split and chunk: against NumPy, gradients, and size errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
from tests.helpers import array, host, leaf, nonscalar_shapes, seeds


@given(shape=nonscalar_shapes, seed=seeds, data=st.data())
def test_cat_and_stack(device, shape, seed, data):
    dim = data.draw(st.integers(0, len(shape) - 1))
    other_shape = shape[:dim] + (data.draw(st.integers(1, 3)),) + shape[dim + 1:]
    a, b = leaf(seed, shape, device), leaf(seed + 1, other_shape, device)
    np.testing.assert_array_equal(host(mt.cat([a, b], dim)),
                                  np.concatenate([array(seed, shape), array(seed + 1, other_shape)], dim))
    assert mt.gradcheck(lambda x, y: mt.cat([x, y, x], dim), (a, b))
    c = leaf(seed + 2, shape, device)
    np.testing.assert_array_equal(host(mt.stack([a, c], dim)), np.stack([array(seed, shape), array(seed + 2, shape)], dim))
    assert mt.gradcheck(lambda x, y: mt.stack((x, y), -1), (a, c))


@given(shape=nonscalar_shapes, seed=seeds, data=st.data())
def test_split_and_chunk(device, shape, seed, data):
    dim = data.draw(st.integers(0, len(shape) - 1))
    length = shape[dim]
    size = data.draw(st.integers(1, 4))
    x = leaf(seed, shape, device)
    values = array(seed, shape)
    pieces = x.split(size, dim)
    boundaries = list(range(size, length, size))
    expected = np.split(values, boundaries, axis=dim)
    assert len(pieces) == len(expected)
    for piece, reference in zip(pieces, expected):
        np.testing.assert_array_equal(host(piece), reference)
    chunks = data.draw(st.integers(1, 4))
    step = -(-length // chunks)
    expected_chunks = np.split(values, list(range(step, length, step)), axis=dim)
    assert [host(c).shape for c in x.chunk(chunks, dim)] == [e.shape for e in expected_chunks]
    assert mt.gradcheck(lambda t: tuple(p * (i + 1) for i, p in enumerate(t.split(size, dim))), (x,))


def test_split_with_sizes_and_errors():
    x = mt.arange(6.0)
    assert [p.tolist() for p in x.split([1, 5])] == [[0.0], [1, 2, 3, 4, 5]]
    with pytest.raises(RuntimeError, match="sum exactly to 6"):
        x.split([1, 2])
    with pytest.raises(RuntimeError, match="Expected size 2 but got size 3 for tensor number 1"):
        mt.cat([mt.ones(2, 2), mt.ones(3, 3)], 1)
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        mt.stack([mt.ones(2), mt.ones(3)])
    with pytest.raises(ValueError, match="non-empty list"):
        mt.cat([])


def test_cat_promotes_dtypes():
    assert mt.cat([mt.ones(2, dtype=mt.int64), mt.ones(2)]).dtype == mt.float32
