"""``functional_call``: gradients reach the replacement tensors, the module is restored,
and bad names or shapes are refused before anything runs."""

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import nn
from minitorch_cnn.func import functional_call
from tests.helpers import host


def test_gradients_flow_to_the_replacement_and_the_module_is_restored():
    layer = nn.Linear(3, 2).double()
    original = layer.weight
    w = mt.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    x = mt.tensor(np.ones((4, 3)))
    out = functional_call(layer, {"weight": w * 2}, (x,))
    np.testing.assert_allclose(host(out), np.ones((4, 3)) @ (2 * np.arange(6.0).reshape(2, 3)).T + host(layer.bias))
    out.sum().backward()
    np.testing.assert_allclose(host(w.grad), np.full((2, 3), 2 * 4.0))  # d/dw of sum(x (2w)^T) = 2·Σ_rows x
    assert layer.weight is original and layer.weight.grad is None


def test_nested_names_buffers_and_restoration_after_an_error():
    model = nn.Sequential(nn.BatchNorm1d(2), nn.Linear(2, 2)).eval()
    mean = mt.tensor([10.0, 10.0])
    out = functional_call(model, {"0.running_mean": mean}, mt.tensor([[10.0, 10.0]]))
    np.testing.assert_allclose(host(out), host(model[1].bias)[None], atol=1e-6)
    with pytest.raises(ValueError):
        functional_call(model, {"1.weight": mt.zeros(2, 2)}, mt.zeros(1, 3))  # forward fails: wrong input
    assert isinstance(model[1].weight, nn.Parameter)


def test_bad_names_and_shapes():
    layer = nn.Linear(3, 2)
    with pytest.raises(KeyError, match="'nope'"):
        functional_call(layer, {"nope": mt.zeros(1)}, mt.zeros(1, 3))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3, 2\)"):
        functional_call(layer, {"weight": mt.zeros(3, 2)}, mt.zeros(1, 3))
    with pytest.raises(TypeError, match="Tensor"):
        functional_call(layer, {"weight": np.zeros((2, 3))}, mt.zeros(1, 3))
