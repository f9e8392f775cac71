"""Reductions: forward against NumPy over drawn shapes, dims and keepdim; gradients
against finite differences; max/min index semantics and tie handling."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
from tests.helpers import array, host, leaf, nonscalar_shapes, seeds, small_shapes


@st.composite
def shape_and_dims(draw, shapes=small_shapes):
    shape = draw(shapes)
    ndim = len(shape)
    if ndim == 0 or draw(st.booleans()):
        return shape, None
    dims = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    negative = draw(st.booleans())
    return shape, tuple(d - ndim if negative else d for d in dims)


@given(case=shape_and_dims(), keepdim=st.booleans(), seed=seeds)
def test_sum_and_mean(device, case, keepdim, seed):
    shape, dims = case
    x = leaf(seed, shape, device)
    values = array(seed, shape)
    np.testing.assert_allclose(host(x.sum(dims, keepdim)), values.sum(axis=dims, keepdims=keepdim), rtol=1e-12)
    np.testing.assert_allclose(host(x.mean(dims, keepdim)), values.mean(axis=dims, keepdims=keepdim), rtol=1e-12)
    assert mt.gradcheck(lambda t: t.sum(dims, keepdim), (x,))
    assert mt.gradcheck(lambda t: t.mean(dims, keepdim), (x,))
    assert mt.gradgradcheck(lambda t: (t * t).mean(dims, keepdim), (x,))


@given(case=shape_and_dims(nonscalar_shapes), keepdim=st.booleans(), correction=st.sampled_from([0, 1]), seed=seeds)
def test_var_and_std(device, case, keepdim, correction, seed):
    shape, dims = case
    count = int(np.prod([shape[d] for d in (range(len(shape)) if dims is None else dims)]))
    if count <= correction:
        return  # a variance of one sample with Bessel's correction is nan (as in PyTorch)
    x = leaf(seed, shape, device)
    values = array(seed, shape)
    expected = values.var(axis=dims, ddof=correction, keepdims=keepdim)
    np.testing.assert_allclose(host(x.var(dims, correction=correction, keepdim=keepdim)), expected, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(host(x.std(dims, correction=correction, keepdim=keepdim)), np.sqrt(expected), rtol=1e-10)
    assert mt.gradcheck(lambda t: t.var(dims, correction=correction, keepdim=keepdim), (x,))
    assert mt.gradgradcheck(lambda t: t.var(dims, correction=correction, keepdim=keepdim), (x,))
    if count > 1 and np.all(expected > 1e-3):
        assert mt.gradcheck(lambda t: t.std(dims, correction=correction, keepdim=keepdim), (x,))


def test_var_unbiased_keyword_and_errors():
    x = mt.tensor([1.0, 2.0, 4.0])
    assert x.var(unbiased=False).item() == pytest.approx(np.var([1, 2, 4]))
    assert x.var().item() == pytest.approx(np.var([1, 2, 4], ddof=1))
    with pytest.raises(ValueError, match="either correction or unbiased"):
        x.var(correction=1, unbiased=True)
    with pytest.raises(RuntimeError, match="floating point"):
        mt.tensor([1, 2]).var()


@given(shape=nonscalar_shapes, keepdim=st.booleans(), seed=seeds, data=st.data())
def test_max_min_over_a_dim(device, shape, keepdim, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = leaf(seed, shape, device)
    values = array(seed, shape)
    for name, reduce, arg in (("max", np.max, np.argmax), ("min", np.min, np.argmin)):
        result = getattr(x, name)(dim, keepdim)
        np.testing.assert_array_equal(host(result.values), reduce(values, axis=dim, keepdims=keepdim))
        np.testing.assert_array_equal(host(result.indices), arg(values, axis=dim, keepdims=keepdim))
        assert result.indices.dtype == mt.int64 and not result.indices.requires_grad
        values_of = result.values  # tuple unpacking works as in PyTorch
        v, i = result
        assert v is values_of
        assert mt.gradcheck(lambda t, name=name: getattr(t, name)(dim, keepdim).values, (x,))


def test_max_over_a_dim_sends_the_gradient_to_the_first_maximum():
    x = mt.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]], requires_grad=True)
    values, indices = x.max(1)
    assert indices.tolist() == [1, 0]
    values.sum().backward()
    assert x.grad.tolist() == [[0, 1, 0], [1, 0, 0]]


def test_full_max_and_amax_share_the_gradient_between_ties():
    x = mt.tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5]
    y = mt.tensor([[1.0, 5.0], [5.0, 2.0]], requires_grad=True)
    y.amax(1).sum().backward()
    assert y.grad.tolist() == [[0, 1], [1, 0]]


def test_max_with_a_tensor_is_maximum():
    assert mt.max(mt.tensor([1.0, 5.0]), mt.tensor([3.0, 2.0])).tolist() == [3.0, 5.0]


def test_reducing_an_empty_dim_is_a_clear_error():
    with pytest.raises(RuntimeError, match="cannot reduce over an empty dimension"):
        mt.zeros(0, 3).max(0)
    with pytest.raises(RuntimeError, match="cannot reduce over an empty dimension"):
        mt.zeros(0).max()


def test_dim_out_of_range_names_the_range():
    with pytest.raises(IndexError, match=r"expected to be in range of \[-2, 1\], but got 2"):
        mt.ones(2, 3).sum(2)
    with pytest.raises(RuntimeError, match="appears multiple times"):
        mt.ones(2, 3).sum((0, -2))


@given(shape=nonscalar_shapes, seed=seeds)
def test_argmax_argmin_any_all(shape, seed):
    values = array(seed, shape)
    x = mt.tensor(values)
    assert x.argmax().item() == int(np.argmax(values))
    assert host(x.argmin(-1)).tolist() == np.argmin(values, axis=-1).tolist()
    assert host(mt.argmax(x, 0, keepdim=True)).shape == np.argmax(values, axis=0, keepdims=True).shape
    assert (x > 0).any().item() == bool((values > 0).any())
    assert host((x > 0).all(-1)).tolist() == (values > 0).all(axis=-1).tolist()


def test_integer_sums_are_int64_and_mean_of_ints_is_refused():
    assert mt.tensor([1, 2], dtype=mt.int32).sum().dtype == mt.int64
    assert mt.tensor([True, True, False]).sum().item() == 2
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype"):
        mt.tensor([1, 2]).mean()
