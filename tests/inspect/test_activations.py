"""Activation statistics and gradient norms against direct computations, the named
initialisations against their variance formulas, and the lectures' claim about Xavier and
Kaiming initialisation in a deep ReLU network."""

import numpy as np
import pytest

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import nn
from minitorch_cnn.inspect import activation_statistics, reinitialize_
from tests.helpers import host


def test_statistics_match_a_forward_and_backward_done_by_hand():
    model = nn.Sequential(nn.Linear(5, 6), nn.ReLU(), nn.Linear(6, 3))
    x = mt.randn(7, 5, dtype=mt.float32)
    y = mt.tensor([0, 1, 2, 0, 1, 2, 0])
    rows = activation_statistics(model, x, y)
    assert [(r.name, r.kind, r.shape) for r in rows] == [("0", "Linear", (7, 6)), ("1", "ReLU", (7, 6)),
                                                         ("2", "Linear", (7, 3))]
    # by hand: keep each intermediate and take gradients with autograd.grad
    h1 = model[0](x)
    h2 = model[1](h1)
    h3 = model[2](h2)
    loss = F.cross_entropy(h3, y)
    grads = mt.autograd.grad(loss, [h1, h2, h3, model[0].weight, model[0].bias])
    for row, h, g in zip(rows, (h1, h2, h3), grads[:3]):
        values = host(h).astype(np.float64)
        assert row.mean == pytest.approx(values.mean(), rel=1e-6, abs=1e-9)
        assert row.std == pytest.approx(values.std(), rel=1e-6)
        assert row.zeros == pytest.approx((values == 0).mean())
        assert row.grad_norm == pytest.approx(np.linalg.norm(host(g)), rel=1e-5)
    first_layer = np.sqrt((host(grads[3]) ** 2).sum() + (host(grads[4]) ** 2).sum())
    assert rows[0].weight_grad_norm == pytest.approx(first_layer, rel=1e-5)
    assert rows[1].weight_grad_norm is None


@pytest.mark.parametrize("scheme, variance", [
    ("xavier", lambda fan_in, fan_out: 2.0 / (fan_in + fan_out)),
    ("kaiming", lambda fan_in, fan_out: 2.0 / fan_in),
    ("normal0.01", lambda fan_in, fan_out: 1e-4),
    ("normal2e-3", lambda fan_in, fan_out: 4e-6),
])
def test_reinitialize_draws_each_scheme_s_variance(scheme, variance):
    model = nn.Sequential(nn.Conv2d(16, 32, 3), nn.Linear(400, 300))
    reinitialize_(model, scheme)
    conv, linear = model[0], model[1]
    for layer, fan_in, fan_out in ((conv, 16 * 9, 32 * 9), (linear, 400, 300)):
        sample = host(layer.weight)
        assert sample.var() == pytest.approx(variance(fan_in, fan_out), rel=0.05)
        assert not host(layer.bias).any()
    with pytest.raises(ValueError, match="--init must be xavier, kaiming or normalSTD"):
        reinitialize_(model, "uniform")


def test_xavier_lets_relu_activations_shrink_while_kaiming_keeps_their_scale():
    """Each ReLU layer halves the second moment under Var(w) = 1/fan_in (Xavier with equal
    fans): after 10 layers the scale is about 2^-5 of Kaiming's, which stays of order 1."""
    layers = []
    for _ in range(10):
        layers += [nn.Linear(256, 256), nn.ReLU()]
    model = nn.Sequential(*layers)
    x = mt.randn(512, 256)
    last_std = {}
    for scheme in ("xavier", "kaiming"):
        mt.manual_seed(0)
        reinitialize_(model, scheme)
        rows = [r for r in activation_statistics(model, x) if r.kind == "ReLU"]
        last_std[scheme] = rows[-1].std
        ratios = [b.std / a.std for a, b in zip(rows, rows[1:])]
        expected = np.sqrt(0.5) if scheme == "xavier" else 1.0
        assert np.mean(ratios) == pytest.approx(expected, rel=0.1)
    # Kaiming: every pre-activation is N(0, 2) for N(0, 1) inputs, and ReLU(z) then has std sqrt(1 - 1/π)
    assert last_std["kaiming"] == pytest.approx(np.sqrt(1 - 1 / np.pi), rel=0.2)
    # Xavier: the variance starts at half Kaiming's and halves at each of the 9 further layers
    assert last_std["xavier"] / last_std["kaiming"] == pytest.approx(2 ** -5, rel=0.2)
