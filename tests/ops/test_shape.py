"""Shape ops against NumPy, their gradients, view semantics and error messages."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
from tests.helpers import array, host, leaf, nonscalar_shapes, seeds, small_shapes


@given(shape=small_shapes, seed=seeds, data=st.data())
def test_reshape_view_flatten(device, shape, seed, data):
    x = leaf(seed, shape, device)
    values = array(seed, shape)
    size = values.size
    target = data.draw(st.sampled_from([(size,), (1, size, 1), (-1,), (size, -1)]))
    np.testing.assert_array_equal(host(x.reshape(target)), values.reshape(target))
    np.testing.assert_array_equal(host(x.view(*target)), values.reshape(target))
    np.testing.assert_array_equal(host(x.flatten()), values.reshape(-1))
    assert mt.gradcheck(lambda t: t.reshape(target) * 2, (x,))
    assert mt.gradcheck(lambda t: t.flatten(), (x,))


@given(shape=nonscalar_shapes, seed=seeds, data=st.data())
def test_permute_transpose(device, shape, seed, data):
    order = data.draw(st.permutations(range(len(shape))))
    x = leaf(seed, shape, device)
    values = array(seed, shape)
    np.testing.assert_array_equal(host(x.permute(*order)), values.transpose(order))
    d0, d1 = data.draw(st.integers(0, len(shape) - 1)), data.draw(st.integers(0, len(shape) - 1))
    np.testing.assert_array_equal(host(x.transpose(d0, d1)), np.swapaxes(values, d0, d1))
    np.testing.assert_array_equal(host(x.T), values.T)
    assert mt.gradcheck(lambda t: t.permute(order), (x,))
    assert mt.gradgradcheck(lambda t: (t * t).transpose(d0, d1), (x,))


@given(shape=small_shapes, seed=seeds, data=st.data())
def test_squeeze_unsqueeze(device, shape, seed, data):
    x = leaf(seed, shape, device)
    values = array(seed, shape)
    dim = data.draw(st.integers(-len(shape) - 1, len(shape)))
    np.testing.assert_array_equal(host(x.unsqueeze(dim)), np.expand_dims(values, dim))
    np.testing.assert_array_equal(host(x.squeeze()), np.squeeze(values))
    if shape:
        d = data.draw(st.integers(0, len(shape) - 1))
        expected = np.squeeze(values, d) if shape[d] == 1 else values  # PyTorch: no-op if size != 1
        np.testing.assert_array_equal(host(x.squeeze(d)), expected)
    assert mt.gradcheck(lambda t: t.unsqueeze(dim).squeeze(), (x,))


@given(shape=small_shapes, seed=seeds, data=st.data())
def test_expand_and_sum_to_size(device, shape, seed, data):
    kept = tuple(1 if data.draw(st.booleans()) else s for s in shape)
    lead = tuple(data.draw(st.lists(st.integers(1, 3), max_size=2)))
    target = lead + shape
    x = leaf(seed, kept, device)
    np.testing.assert_array_equal(host(x.expand(target)), np.broadcast_to(array(seed, kept), target))
    np.testing.assert_array_equal(host(x.expand(*((-1,) * 0 + target))), np.broadcast_to(array(seed, kept), target))
    assert mt.gradcheck(lambda t: t.expand(target), (x,))
    assert mt.gradgradcheck(lambda t: (t * t).expand(target), (x,))
    big = leaf(seed, target, device)
    expected = array(seed, target).sum(axis=tuple(range(len(lead))))
    expected = expected.sum(axis=tuple(i for i, s in enumerate(kept) if s == 1 and shape[i] != 1), keepdims=True)
    np.testing.assert_allclose(host(big.sum_to_size(kept)), expected, rtol=1e-12)
    assert mt.gradcheck(lambda t: t.sum_to_size(kept), (big,))


def test_views_share_memory_and_version():
    base = mt.zeros(2, 3)
    view = base.view(6)
    view[1] = 5.0
    assert base[0, 1].item() == 5.0
    assert base._version is view._version and base._version.value == 1


def test_view_of_a_non_contiguous_tensor_is_refused():
    x = mt.ones(2, 3).t()
    with pytest.raises(RuntimeError, match="not compatible with input tensor's size and stride.*reshape"):
        x.view(6)
    assert x.reshape(6).shape == (6,)
    assert x.contiguous().view(6).shape == (6,)


def test_shape_errors():
    with pytest.raises(RuntimeError, match=r"shape '\[4, 2\]' is invalid for input of size 6"):
        mt.ones(2, 3).reshape(4, 2)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        mt.ones(6).reshape(-1, -1)
    with pytest.raises(RuntimeError, match=r"expanded size of the tensor \(4\) must match the existing size \(3\)"):
        mt.ones(2, 3).expand(2, 4)
    with pytest.raises(RuntimeError, match="not a permutation"):
        mt.ones(2, 3).permute(0, 0)
    with pytest.raises(RuntimeError, match="t\\(\\) expects a tensor with <= 2 dimensions"):
        mt.ones(2, 3, 4).t()
    with pytest.raises(RuntimeError, match="start_dim .* cannot come after end_dim"):
        mt.ones(2, 3, 4).flatten(2, 1)
