"""Saliency, guided backpropagation, class activation maps, occlusion, the filter grid and
feature maps, each against a small case computed by hand (a linear model's gradient is its
weights; one ReLU's guided gradient is the positive part; a CAM's mean is the score less
the bias; covering a window of a linear model's input removes exactly that window's terms)."""

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import nn
from minitorch_cnn import backend
from minitorch_cnn.inspect import attribution as A
from tests.helpers import host


def _set(parameter, values):
    """Write host values into a parameter on whatever device it lives (the stand-in run's "cuda")."""
    parameter.array[...] = backend.to_device(np.asarray(values, dtype=parameter.dtype), parameter.device)


def _linear_model(weights):
    """Flatten then a bias-free linear layer with the given (classes, C*H*W) weights."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(weights.shape[1], weights.shape[0], bias=False)).double()
    _set(model[1].weight, weights)
    return model


def test_saliency_of_a_linear_model_is_its_weights_largest_over_channels():
    rng = np.random.default_rng(0)
    weights = rng.standard_normal((3, 2 * 4 * 5))
    image = mt.tensor(rng.standard_normal((2, 4, 5)))
    result, chosen = A.saliency(_linear_model(weights), image, target=1)
    assert chosen == 1
    np.testing.assert_allclose(result, np.abs(weights[1].reshape(2, 4, 5)).max(axis=0))


def test_saliency_takes_the_predicted_class_by_default():
    weights = np.zeros((3, 4))
    weights[2] = 1.0
    _, chosen = A.saliency(_linear_model(weights), mt.ones(1, 2, 2, dtype=mt.float64))
    assert chosen == 2


def test_guided_backprop_through_one_relu_keeps_the_positive_part():
    """x (1, 1, 2) -> h = W1 x -> relu -> s = W2 r: the plain gradient is W1ᵀ(W2[c]·[h > 0]);
    guided, the ReLU passes back max(W2[c]·[h > 0], 0)."""
    w1 = np.array([[1.0, 2.0], [-1.0, 1.0], [3.0, -1.0]])
    w2 = np.array([[1.0, -2.0, 0.5]])
    model = nn.Sequential(nn.Flatten(), nn.Linear(2, 3, bias=False), nn.ReLU(), nn.Linear(3, 1, bias=False)).double()
    _set(model[1].weight, w1)
    _set(model[3].weight, w2)
    x = np.array([1.0, 1.0])
    h = w1 @ x                                   # [3, 0, 2]: the second unit is off
    passed = w2[0] * (h > 0)                     # [1, 0, 0.5]
    plain = w1.T @ passed
    guided = w1.T @ np.maximum(passed, 0)
    image = mt.tensor(x.reshape(1, 1, 2))
    got, _ = A.guided_backprop(model, image, target=0)
    np.testing.assert_allclose(got.reshape(2), guided)
    np.testing.assert_allclose(A.saliency(model, image, 0)[0].reshape(2), np.abs(plain))
    w2[0, 0] = -1.0                              # a negative gradient now reaches the first unit
    _set(model[3].weight, w2)
    got, _ = A.guided_backprop(model, image, target=0)
    np.testing.assert_allclose(got.reshape(2), w1.T @ np.maximum(w2[0] * (h > 0), 0))
    assert all(not m._backward_hooks for m in model.modules())  # the hooks are removed


def test_cam_is_the_class_weighted_sum_of_the_maps():
    maps = np.arange(2 * 2 * 3, dtype=float).reshape(2, 2, 3)
    np.testing.assert_allclose(A.class_activation_map(maps, np.array([2.0, -1.0])), 2 * maps[0] - maps[1])


def test_a_models_cam_averages_to_its_score_less_the_bias():
    """score = Σ_k w_k·mean(A_k) + b = mean(CAM) + b, for GAP then one linear layer."""
    mt.manual_seed(0)
    model = nn.Sequential()
    model.add_module("features", nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU()))
    model.add_module("pool", nn.AdaptiveAvgPool2d(1))
    model.add_module("flatten", nn.Flatten())
    model.add_module("fc", nn.Linear(4, 5))
    model = model.double()
    image = mt.randn(3, 6, 6, dtype=mt.float64)
    cam, chosen = A.model_class_activation_map(model, image, "features", "fc", target=3)
    score = float(model(image.unsqueeze(0))[0, 3].item())
    assert chosen == 3 and cam.shape == (6, 6)
    assert cam.mean() + float(model.fc.bias[3].item()) == pytest.approx(score, rel=1e-12)


def test_occlusion_of_a_linear_model_removes_the_windows_terms():
    rng = np.random.default_rng(1)
    weights = rng.standard_normal((2, 1 * 6 * 6))
    x = rng.standard_normal((1, 6, 6))
    drops, chosen = A.occlusion(_linear_model(weights), mt.tensor(x), target=0, window=2, stride=2, fill=0.5)
    w = weights[0].reshape(1, 6, 6)
    expected = np.array([[(w[:, i:i + 2, j:j + 2] * (x[:, i:i + 2, j:j + 2] - 0.5)).sum() for j in (0, 2, 4)]
                         for i in (0, 2, 4)])
    assert chosen == 0
    np.testing.assert_allclose(drops, expected, rtol=1e-10, atol=1e-12)


def test_the_filter_grid_tiles_each_filter_scaled_to_0_1():
    weight = np.arange(5 * 3 * 2 * 2, dtype=float).reshape(5, 3, 2, 2)
    grid = A.filter_grid(weight, columns=4, pad=1)
    assert grid.shape == (2 * 3 + 1, 4 * 3 + 1, 3)
    first = grid[1:3, 1:3]
    assert first.min() == 0.0 and first.max() == 1.0
    np.testing.assert_allclose(first, (weight[0].transpose(1, 2, 0) - weight[0].min()) / np.ptp(weight[0]))
    assert (grid[0] == 1).all() and (grid[4:7, 7:13] == 1).all()  # padding, and the unused tiles
    assert A.filter_grid(np.ones((2, 1, 3, 3))).shape[2] == 1       # grey filters: one channel, flat ones at 0


def test_feature_maps_are_the_named_layers_output():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Conv2d(2, 3, 3))
    image = mt.randn(1, 8, 8)
    np.testing.assert_allclose(A.feature_maps(model, image, "1"), host(model[1](model[0](image.unsqueeze(0)))[0]))
    with pytest.raises(ValueError, match="no submodule 'conv9'"):
        A.feature_maps(model, image, "conv9")


@pytest.mark.parametrize("call, message", [
    (lambda m: A.saliency(m, mt.zeros(4)), "image must be a \\(C, H, W\\) Tensor"),
    (lambda m: A.saliency(m, mt.zeros(1, 2, 2, dtype=mt.float64), target=7), "target must be a class index"),
    (lambda m: A.occlusion(m, mt.zeros(1, 2, 2, dtype=mt.float64), window=3), "window 3 is larger"),
    (lambda m: A.guided_backprop(m, mt.zeros(1, 2, 2, dtype=mt.float64)), "no nn.ReLU modules"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call(_linear_model(np.ones((2, 4))))


def test_the_deconvnet_of_one_convolution_places_the_filter_at_the_strongest_unit():
    """Undoing one convolution from a single kept activation a at (r, c) of channel k gives
    a·w[k] laid on the input window of (r, c): the transposed convolution of a one-hot map."""
    from minitorch_cnn.inspect import deconvnet

    conv = nn.Conv2d(1, 2, 3, bias=False).double()
    w = np.arange(18, dtype=float).reshape(2, 1, 3, 3) - 8.0
    _set(conv.weight, w)
    model = nn.Sequential(conv)
    x = np.zeros((1, 6, 6))
    x[0, 2:5, 1:4] = w[1, 0]            # channel 1 matches itself best at output (2, 1)
    reconstruction, channel, unit = deconvnet(model, mt.tensor(x), "0")
    activation = (w[1, 0] ** 2).sum()
    expected = np.zeros((1, 6, 6))
    expected[0, 2:5, 1:4] = activation * w[1, 0]
    assert (channel, unit) == (1, (2, 1))
    np.testing.assert_allclose(reconstruction, expected)


def test_the_deconvnet_through_pooling_stays_inside_the_units_field():
    """conv 3x3 -> ReLU -> 2x2 max pool -> conv 3x3: the strongest unit of the last layer
    sees a (3 + 1 + 2·2) = 8 pixel window; its reconstruction is zero outside it, unpooled
    to the recorded switches, and back at the image's shape."""
    from minitorch_cnn.inspect import deconv_layers, deconvnet

    mt.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 4, 3, padding=1),
                          nn.ReLU(), nn.Flatten(), nn.Linear(4 * 8 * 8, 3)).double()
    assert deconv_layers(model) == ["0", "1", "2", "3", "4"]
    image = mt.rand(1, 16, 16, dtype=mt.float64)
    reconstruction, channel, (row, column) = deconvnet(model, image, "4")
    assert reconstruction.shape == (1, 16, 16)
    nonzero = np.argwhere(reconstruction[0] != 0)
    assert nonzero.size
    top, left = 2 * (row - 1) - 1, 2 * (column - 1) - 1      # the field of (row, column) in the image
    assert nonzero.min(axis=0).tolist() >= [top, left] and nonzero.max(axis=0).tolist() <= [top + 7, left + 7]
    with pytest.raises(ValueError, match="layer must be one of the convolutional part's layers"):
        deconvnet(model, image, "6")
