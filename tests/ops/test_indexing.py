"""Indexing with gradient: basic, integer-array (repeated indices accumulate) and bool
masks, against NumPy and a direct loop; and in-place item assignment."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
from tests.helpers import array, host, leaf, nonscalar_shapes, seeds


@st.composite
def basic_index(draw, shape):
    items = []
    for size in shape:
        kind = draw(st.sampled_from(["int", "slice", "all"]))
        if kind == "int":
            items.append(draw(st.integers(-size, size - 1)))
        elif kind == "slice":
            start = draw(st.integers(-size, size))
            step = draw(st.sampled_from([1, 2, -1]))
            items.append(slice(start, None, step))
        else:
            items.append(slice(None))
    if draw(st.booleans()):
        items.insert(draw(st.integers(0, len(items))), None)
    return tuple(items)


@given(shape=nonscalar_shapes, seed=seeds, data=st.data())
def test_basic_indexing(device, shape, seed, data):
    index = data.draw(basic_index(shape))
    x = leaf(seed, shape, device)
    np.testing.assert_array_equal(host(x[index]), array(seed, shape)[index])
    assert mt.gradcheck(lambda t: t[index], (x,))


@given(shape=nonscalar_shapes, seed=seeds, data=st.data())
def test_integer_array_indexing_accumulates_repeats(device, shape, seed, data):
    picks = data.draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1, max_size=6))
    x = leaf(seed, shape, device)
    index = mt.tensor(picks, device=device)
    np.testing.assert_array_equal(host(x[index]), array(seed, shape)[picks])
    upstream = np.random.default_rng(seed).standard_normal((len(picks),) + shape[1:])
    x[index].backward(mt.tensor(upstream, device=device))
    expected = np.zeros(shape)
    for row, pick in enumerate(picks):  # a direct loop: every pick adds its row of gradient
        expected[pick] += upstream[row]
    np.testing.assert_allclose(host(x.grad), expected, rtol=1e-12)
    assert mt.gradcheck(lambda t: t[index], (x,))
    assert mt.gradgradcheck(lambda t: (t * t)[index], (x,))


@given(shape=nonscalar_shapes, seed=seeds)
def test_bool_mask_indexing(device, shape, seed):
    x = leaf(seed, shape, device)
    values = array(seed, shape)
    mask = x.detach() > 0
    np.testing.assert_array_equal(host(x[mask]), values[values > 0])
    assert mt.gradcheck(lambda t: t[mask] * 3, (x,))


def test_mixed_advanced_indexing_follows_numpy():
    values = array(0, (3, 4, 5))
    x = mt.tensor(values, requires_grad=True)
    rows, cols = [0, 2, 2], [1, 1, 3]
    np.testing.assert_array_equal(host(x[rows, :, cols]), values[rows, :, cols])
    np.testing.assert_array_equal(host(x[..., [0, 4]]), values[..., [0, 4]])
    assert mt.gradcheck(lambda t: t[rows, 1:, cols], (x,))


def test_setitem_writes_in_place_and_bumps_the_version():
    x = mt.zeros(2, 3)
    x[0] = 1.0
    x[1, [0, 2]] = mt.tensor([4.0, 5.0])
    x[x > 4] = -1.0
    assert x.tolist() == [[1, 1, 1], [4, 0, -1]]
    assert x._version.value == 3


def test_setitem_on_a_leaf_that_requires_grad_is_refused():
    x = mt.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad is being used in an in-place"):
        x[0] = 1.0
    with mt.no_grad():
        x[0] = 1.0
    assert x.tolist() == [1.0, 0.0, 0.0]


def test_index_errors_are_clear():
    x = mt.zeros(3)
    with pytest.raises(IndexError, match="out of bounds"):
        x[5]
    with pytest.raises(IndexError, match="must be integer or bool tensors"):
        x[mt.tensor([0.5])]
    with pytest.raises(RuntimeError, match=r"__setitem__: The size of tensor a \(2\) must match the size of tensor b \(3\)"):
        x[0:2] = mt.ones(3)
    with pytest.raises(RuntimeError, match="cannot be broadcast to the indexed shape"):
        x[0:2] = mt.ones(3, 2)
