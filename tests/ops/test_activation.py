"""Activations against closed forms written here with NumPy and math.erf, gradients (first
and second) by finite differences over drawn shapes, and stability for large |x|."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import nn
from tests.helpers import host, leaf, nonscalar_shapes, seeds

_erf = np.vectorize(math.erf)
_phi = lambda x: 0.5 * (1 + _erf(x / math.sqrt(2)))  # noqa: E731

CLOSED_FORMS = {
    "relu": (F.relu, lambda x: np.maximum(x, 0)),
    "relu6": (F.relu6, lambda x: np.minimum(np.maximum(x, 0), 6)),
    "hardtanh": (lambda x: F.hardtanh(x, -2.0, 1.5), lambda x: np.clip(x, -2.0, 1.5)),
    "celu": (lambda x: F.celu(x, 0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(np.minimum(x, 0) / 0.5))),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    "elu": (lambda x: F.elu(x, 1.5), lambda x: np.where(x > 0, x, 1.5 * np.expm1(np.minimum(x, 0)))),
    "selu": (F.selu, lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(np.minimum(x, 0)))),
    "gelu": (F.gelu, lambda x: x * _phi(x)),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"),
                  lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))),
    "silu": (F.silu, lambda x: x / (1 + np.exp(-x))),
    "hardswish": (F.hardswish, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    "hardsigmoid": (F.hardsigmoid, lambda x: np.clip(x + 3, 0, 6) / 6),
    "softplus": (lambda x: F.softplus(x, beta=2.0), lambda x: np.logaddexp(0, 2 * x) / 2),
    "mish": (F.mish, lambda x: x * np.tanh(np.logaddexp(0, x))),
    "logsigmoid": (F.logsigmoid, lambda x: -np.logaddexp(0, -x)),
}


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_forward_matches_closed_form(name):
    fn, reference = CLOSED_FORMS[name]
    x = np.linspace(-8, 8, 161)
    np.testing.assert_allclose(host(fn(mt.tensor(x))), reference(x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_stable_for_large_inputs(name):
    fn, _ = CLOSED_FORMS[name]
    x = mt.tensor([-1e4, -800.0, 800.0, 1e4], dtype="float32", requires_grad=True)
    y = fn(x)
    y.sum().backward()
    assert np.isfinite(host(y)).all() and np.isfinite(host(x.grad)).all()


def _away_from_kinks(seed, shape):
    """Values with |x| >= 0.05 and away from ±3 and 6, where the piecewise functions bend."""
    x = np.random.default_rng(seed).uniform(0.05, 4, shape) * np.random.default_rng(seed + 1).choice([-1, 1], shape)
    for kink in (3.0, 2.0, 1.5):
        x = np.where(np.abs(np.abs(x) - kink) < 0.05, x + 0.2, x)
    return mt.tensor(x, requires_grad=True)


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
@given(shape=nonscalar_shapes, seed=seeds)
def test_gradients(name, shape, seed):
    fn, _ = CLOSED_FORMS[name]
    assert mt.gradcheck(fn, (_away_from_kinks(seed % 2**31, shape),))
    if name not in ("relu", "relu6", "hardtanh", "hardsigmoid"):  # piecewise linear: second derivative 0 a.e.
        assert mt.gradgradcheck(fn, (_away_from_kinks(seed % 2**31, shape),))


@given(shape=st.sampled_from([(2, 3), (2, 3, 4), (3,)]), seed=seeds, shared=st.booleans())
def test_prelu_gradients_in_input_and_slope(shape, seed, shared):
    channels = shape[1] if len(shape) > 1 else 1
    weight = leaf(seed + 1, (1 if shared else channels,))
    assert mt.gradcheck(F.prelu, (_away_from_kinks(seed % 2**31, shape), weight))


def test_relu_gradient_at_zero_is_zero_and_nan_propagates():
    x = mt.tensor([0.0, float("nan"), -1.0], requires_grad=True)
    y = F.relu(x)
    assert np.isnan(host(y)[1])
    y[0].backward()
    assert host(x.grad)[0] == 0.0


def test_prelu_layer_learns_one_slope_per_channel():
    layer = nn.PReLU(3, init=0.1)
    x = -mt.ones(2, 3, 4)
    np.testing.assert_allclose(host(layer(x)), -0.1 * np.ones((2, 3, 4)), rtol=1e-6)
    with pytest.raises(ValueError, match="weight has 3 elements but the input has 5 channels"):
        layer(mt.ones(2, 5))


def test_bad_inputs():
    with pytest.raises(TypeError, match="relu: input must be floating point"):
        F.relu(mt.tensor([1, 2]))
    with pytest.raises(ValueError, match="approximate must be"):
        F.gelu(mt.ones(2), approximate="fast")
    with pytest.raises(ValueError, match="unknown activation"):
        nn.activation_from_name("swoosh")
