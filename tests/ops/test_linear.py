"""``F.linear`` (one op: ``x @ w.T + b``) against a direct loop, its gradients (first and
second) by finite differences over drawn shapes, the weight gradient in the weight's own
layout, and its argument checks."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from tests.helpers import host, leaf, seeds


def direct_linear(x, w, b):
    """Every output element as its own sum over the input features."""
    rows = x.reshape(-1, x.shape[-1])
    out = np.zeros((rows.shape[0], w.shape[0]))
    for r in range(rows.shape[0]):
        for o in range(w.shape[0]):
            out[r, o] = sum(rows[r, i] * w[o, i] for i in range(w.shape[1])) + (0.0 if b is None else b[o])
    return out.reshape(x.shape[:-1] + (w.shape[0],))


shapes = st.tuples(st.lists(st.integers(1, 3), min_size=0, max_size=2), st.integers(1, 4), st.integers(1, 4))


@given(shape=shapes, bias=st.booleans(), seed=seeds)
def test_linear_matches_a_direct_loop_and_its_gradients_check(shape, bias, seed):
    lead, features_in, features_out = shape
    x = leaf(seed, tuple(lead) + (features_in,))
    w = leaf(seed + 1, (features_out, features_in))
    b = leaf(seed + 2, (features_out,)) if bias else None
    out = F.linear(x, w, b)
    np.testing.assert_allclose(host(out), direct_linear(host(x), host(w), None if b is None else host(b)),
                               rtol=1e-12, atol=1e-12)
    inputs = (x, w) + ((b,) if bias else ())
    fn = (lambda x, w, b: F.linear(x, w, b)) if bias else (lambda x, w: F.linear(x, w))
    assert mt.gradcheck(fn, inputs)
    assert mt.gradgradcheck(fn, inputs)


def test_weight_gradient_keeps_the_weight_layout():
    """The weight's .grad comes out C-ordered like the weight (not as a transposed view),
    so the optimizers' fused passes take it as it is."""
    x, w = leaf(0, (5, 7)), leaf(1, (3, 7))
    F.linear(x, w).sum().backward()
    assert host(w.grad).flags.c_contiguous or w.grad.array.strides == w.array.strides
    np.testing.assert_allclose(host(w.grad), np.ones((5, 3)).T @ host(x), rtol=1e-12)


def test_linear_argument_errors():
    x, w = mt.randn(2, 3), mt.randn(4, 3)
    with pytest.raises(ValueError, match=r"bias must be a Tensor of shape \[4\] and dtype float32, got shape \[3\]"):
        F.linear(x, w, mt.randn(3))
    with pytest.raises(ValueError, match=r"bias .*dtype float32, got shape \[4\], dtype float64"):
        F.linear(x, w, mt.randn(4, dtype=mt.float64))
    with pytest.raises(RuntimeError, match="same dtype, but got float64 and float32"):
        F.linear(x.double(), w)
