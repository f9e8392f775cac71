"""nn.init: fans as PyTorch computes them for conv weights, gains, the bounds and spreads
of the Xavier/Kaiming initialisers against their formulas, orthogonality, truncation,
and each layer's default init."""

import math

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import nn
from minitorch_cnn.nn import init
from tests.helpers import host


def test_fans_count_the_receptive_field():
    w = mt.empty(64, 32, 3, 5)
    assert init._calculate_fan_in_and_fan_out(w) == (32 * 15, 64 * 15)
    assert init._calculate_fan_in_and_fan_out(mt.empty(10, 7)) == (7, 10)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(mt.empty(5))


def test_gains():
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("conv2d") == 1.0
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swoosh")


@pytest.mark.parametrize("fn, expected_std", [
    (lambda w: init.xavier_uniform_(w), math.sqrt(2 / (288 + 576))),
    (lambda w: init.xavier_normal_(w, gain=2.0), 2 * math.sqrt(2 / (288 + 576))),
    (lambda w: init.kaiming_uniform_(w, nonlinearity="relu"), math.sqrt(2 / 288)),
    (lambda w: init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"), math.sqrt(2 / 576)),
])
def test_initialisers_have_the_documented_spread(fn, expected_std):
    w = mt.empty(64, 32, 3, 3, dtype="float64")  # fan_in 288, fan_out 576
    values = host(fn(w))
    assert values.std() == pytest.approx(expected_std, rel=0.03)
    assert abs(values.mean()) < 0.05 * expected_std * 10


def test_uniform_initialisers_stay_inside_their_bound():
    w = mt.empty(16, 8, 3, 3)
    bound = math.sqrt(3) * math.sqrt(2) / math.sqrt(72)
    values = host(init.kaiming_uniform_(w, nonlinearity="relu"))
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.9 * bound


def test_orthogonal_trunc_normal_constant():
    w = init.orthogonal_(mt.empty(6, 10, dtype="float64"), gain=2.0)
    np.testing.assert_allclose(host(w) @ host(w).T, 4 * np.eye(6), atol=1e-12)
    t = host(init.trunc_normal_(mt.empty(10000), std=1.0, a=-0.5, b=1.0))
    assert t.min() >= -0.5 and t.max() <= 1.0 and t.min() < -0.49 and t.max() > 0.99
    assert (host(init.constant_(mt.empty(3), 0.25)) == 0.25).all()


def test_init_is_reproducible_under_a_seed():
    mt.manual_seed(3)
    a = host(nn.Conv2d(3, 8, 3).weight)
    mt.manual_seed(3)
    np.testing.assert_array_equal(a, host(nn.Conv2d(3, 8, 3).weight))


@pytest.mark.parametrize("layer, fan_in", [(lambda: nn.Linear(50, 40), 50), (lambda: nn.Conv2d(6, 16, 5), 150),
                                           (lambda: nn.Conv2d(8, 8, 3, groups=4), 18),
                                           (lambda: nn.ConvTranspose2d(8, 4, 3), 36)])
def test_layer_default_init_is_pytorchs(layer, fan_in):
    # kaiming_uniform(a=√5): gain √(2/6), bound √3·gain/√fan_in = 1/√fan_in; bias the same
    module = layer()
    bound = 1 / math.sqrt(fan_in)
    for p in (module.weight, module.bias):
        values = host(p)
        assert np.abs(values).max() <= bound + 1e-7
        assert np.abs(values).max() > 0.7 * bound
