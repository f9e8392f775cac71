"""softmax, log_softmax and logsumexp: against a direct NumPy formula, stability for large
inputs, and first and second derivatives."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
from minitorch_cnn.nn import functional as F
from tests.helpers import array, host, leaf, nonscalar_shapes, seeds


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@given(shape=nonscalar_shapes, seed=seeds, data=st.data())
def test_softmax_family(device, shape, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = leaf(seed, shape, device)
    values = array(seed, shape)
    np.testing.assert_allclose(host(F.softmax(x, dim)), _softmax(values, dim), rtol=1e-12)
    np.testing.assert_allclose(host(F.log_softmax(x, dim)), np.log(_softmax(values, dim)), rtol=1e-10, atol=1e-12)
    lse = np.log(np.exp(values).sum(axis=dim))
    np.testing.assert_allclose(host(x.logsumexp(dim)), lse, rtol=1e-12)
    for fn in (lambda t: t.softmax(dim), lambda t: t.log_softmax(dim), lambda t: t.logsumexp(dim),
               lambda t: t.logsumexp(dim, keepdim=True)):
        assert mt.gradcheck(fn, (x,))
        assert mt.gradgradcheck(fn, (x,))


def test_large_inputs_do_not_overflow():
    x = mt.tensor([[1000.0, 1000.0], [-1000.0, 0.0]], dtype=mt.float64)
    np.testing.assert_allclose(host(x.softmax(1)), [[0.5, 0.5], [0.0, 1.0]])
    np.testing.assert_allclose(host(x.logsumexp(1)), [1000 + np.log(2), 0.0])
    np.testing.assert_allclose(host(x.log_softmax(1)), [[-np.log(2), -np.log(2)], [-1000.0, 0.0]])


def test_logsumexp_over_several_dims_and_all_minus_infinity():
    values = array(1, (2, 3, 4))
    x = mt.tensor(values)
    np.testing.assert_allclose(host(x.logsumexp((0, 2))), np.log(np.exp(values).sum(axis=(0, 2))), rtol=1e-12)
    assert mt.tensor([-np.inf, -np.inf]).logsumexp(0).item() == -np.inf


def test_softmax_rejects_integer_input():
    with pytest.raises(TypeError, match="softmax: input must be floating point"):
        mt.tensor([1, 2]).softmax(0)
    assert mt.tensor([1, 2]).softmax(0, dtype=mt.float32).dtype == mt.float32
