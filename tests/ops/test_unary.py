"""Elementwise functions: forward against NumPy, gradients (first and second) against
finite differences, and their behaviour at the edges of their domains."""

import numpy as np
import pytest
from hypothesis import given

import minitorch_cnn as mt
from tests.helpers import array, host, leaf, seeds, small_shapes

UNARY = {
    "exp": (lambda t: t.exp(), np.exp, None),
    "log": (lambda t: t.log(), np.log, 0.3),
    "sqrt": (lambda t: t.sqrt(), np.sqrt, 0.3),
    "tanh": (lambda t: t.tanh(), np.tanh, None),
    "sigmoid": (lambda t: t.sigmoid(), lambda x: 1 / (1 + np.exp(-x)), None),
    "neg": (lambda t: -t, np.negative, None),
    "abs": (lambda t: t.abs(), np.abs, 0.1),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(shape=small_shapes, seed=seeds)
def test_unary_forward_and_gradients(device, name, shape, seed):
    ours, reference, low = UNARY[name]
    x = leaf(seed, shape, device, low)
    np.testing.assert_allclose(host(ours(x)), reference(array(seed, shape, low)), rtol=1e-12)
    assert mt.gradcheck(ours, (x,))
    assert mt.gradgradcheck(ours, (x,))


@given(shape=small_shapes, seed=seeds)
def test_clamp(device, shape, seed):
    values = array(seed, shape)
    values = np.asarray(values + np.sign(values) * 0.05)  # keep finite differences off the kinks at +-0.5
    values[np.abs(np.abs(values) - 0.5) < 0.02] = 0.2
    x = mt.tensor(values, device=device, requires_grad=True)
    np.testing.assert_array_equal(host(x.clamp(-0.5, 0.5)), np.clip(values, -0.5, 0.5))
    np.testing.assert_array_equal(host(x.clamp(min=0.0)), np.maximum(values, 0.0))
    assert mt.gradcheck(lambda t: t.clamp(-0.5, 0.5), (x,))


def test_clamp_passes_gradient_at_the_bounds():
    x = mt.tensor([-1.0, -0.5, 0.0, 0.5, 1.0], requires_grad=True)
    x.clamp(-0.5, 0.5).sum().backward()
    np.testing.assert_array_equal(host(x.grad), [0, 1, 1, 1, 0])


def test_clamp_needs_a_bound():
    with pytest.raises(ValueError, match="at least one of 'min' or 'max'"):
        mt.ones(2).clamp()


@given(seed=seeds)
def test_where(device, seed):
    a, b = leaf(seed, (3, 4), device), leaf(seed + 1, (4,), device)
    condition = a.detach() > 0
    expected = np.where(host(condition), array(seed, (3, 4)), array(seed + 1, (4,)))
    np.testing.assert_array_equal(host(mt.where(condition, a, b)), expected)
    assert mt.gradcheck(lambda a, b: mt.where(condition, a, b), (a, b))
    assert mt.gradgradcheck(lambda a, b: mt.where(condition, a * a, b), (a, b))


def test_where_needs_a_bool_condition():
    with pytest.raises(TypeError, match="condition must be a bool Tensor"):
        mt.where(mt.ones(2), mt.ones(2), mt.zeros(2))


def test_sigmoid_is_stable_for_large_inputs():
    x = mt.tensor([-1000.0, 0.0, 1000.0], dtype=mt.float64)
    np.testing.assert_array_equal(host(x.sigmoid()), [0.0, 0.5, 1.0])


def test_log_of_zero_is_minus_infinity_without_warnings():
    with np.errstate(all="raise"):
        assert mt.tensor([0.0]).log().item() == -np.inf


def test_integer_inputs_are_promoted_to_float():
    assert mt.tensor([1, 2]).exp().dtype == mt.float32
    assert mt.tensor([1, 4]).sqrt().tolist() == [1.0, 2.0]


def test_sign_is_recorded_and_finite_checks_carry_no_gradient():
    x = mt.tensor([-2.0, 0.0, np.inf], requires_grad=True)
    # sign, as PyTorch: in the graph, with a zero gradient (tests/ops/test_pytorch_semantics.py)
    assert x.sign().tolist() == [-1.0, 0.0, 1.0] and x.sign().requires_grad
    assert x.isfinite().tolist() == [True, True, False]
    assert x.isinf().tolist() == [False, False, True]
