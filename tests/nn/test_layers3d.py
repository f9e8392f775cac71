"""The volumetric layers: Conv3d, ConvTranspose3d, MaxPool3d, AvgPool3d, AdaptiveAvgPool3d,
BatchNorm3d, InstanceNorm1d and InstanceNorm3d. Parameter names, shapes and init as
PyTorch's; each forward against its functional form or a NumPy formula written here;
PyTorch's modules (weights copied) when it is installed; input errors naming the layer."""

import numpy as np
import pytest

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import nn
from tests.helpers import host


def _x(shape, seed=0, device=None):
    return mt.tensor(np.random.default_rng(seed).standard_normal(shape), device=device)


# ------------------------------------------------------------------ convolution
def test_conv3d_parameters_follow_pytorch():
    layer = nn.Conv3d(4, 6, (3, 2, 1), stride=2, groups=2)
    assert layer.weight.shape == (6, 2, 3, 2, 1) and layer.bias.shape == (6,)
    assert list(layer.state_dict()) == ["weight", "bias"]
    bound = 1 / np.sqrt(2 * 3 * 2 * 1)  # U(-1/√fan_in, 1/√fan_in), fan_in = C_in/groups · kernel volume
    assert np.abs(host(layer.weight)).max() <= bound and np.abs(host(layer.bias)).max() <= bound
    assert np.abs(host(layer.weight)).max() > bound / 2  # drawn over the range, not a constant
    assert layer.stride == (2, 2, 2) and layer.padding == (0, 0, 0)
    assert nn.Conv3d(2, 2, 1, bias=False).bias is None
    transposed = nn.ConvTranspose3d(4, 6, 3, groups=2)
    assert transposed.weight.shape == (4, 3, 3, 3, 3) and list(transposed.state_dict()) == ["weight", "bias"]
    assert "Conv3d(4, 6, kernel_size=(3, 2, 1), stride=(2, 2, 2), groups=2)" == repr(layer)


def test_conv3d_forward_is_the_functional_form(device):
    layer = nn.Conv3d(2, 3, 2, stride=(1, 2, 1), padding=1, dilation=(1, 1, 2), device=device, dtype=mt.float64)
    x = _x((2, 2, 4, 5, 6), device=device)
    expected = F.conv3d(x, layer.weight, layer.bias, (1, 2, 1), 1, (1, 1, 2))
    np.testing.assert_allclose(host(layer(x)), host(expected), rtol=1e-12)
    assert layer(x[0]).shape == layer(x).shape[1:]  # unbatched


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_conv3d_padding_modes_pad_explicitly_first(device, mode):
    layer = nn.Conv3d(2, 2, (3, 2, 3), padding=(1, 1, 2), padding_mode=mode, device=device, dtype=mt.float64)
    x = _x((1, 2, 3, 4, 5), seed=1, device=device)
    padded = F.pad(x, (2, 2, 1, 1, 1, 1), mode=mode)
    np.testing.assert_allclose(host(layer(x)), host(F.conv3d(padded, layer.weight, layer.bias)), rtol=1e-12)
    same = nn.Conv3d(2, 2, (2, 3, 4), padding="same", padding_mode=mode, device=device, dtype=mt.float64)
    assert same(x).shape == x.shape


def test_conv_transpose3d_forward_and_output_size(device):
    layer = nn.ConvTranspose3d(2, 4, 3, stride=2, padding=1, groups=2, device=device, dtype=mt.float64)
    x = _x((1, 2, 3, 2, 4), seed=2, device=device)
    assert layer(x).shape == (1, 4, 5, 3, 7)
    wanted = layer(x, output_size=(6, 4, 8))
    assert wanted.shape == (1, 4, 6, 4, 8)
    expected = F.conv_transpose3d(x, layer.weight, layer.bias, 2, 1, 1, 2)
    np.testing.assert_allclose(host(wanted), host(expected), rtol=1e-12)
    with pytest.raises(ValueError, match="not reachable"):
        layer(x, output_size=(7, 4, 8))


def test_conv_layers_check_their_input():
    with pytest.raises(ValueError, match=r"expected input with 2 channels \(dim 1\), got shape \[1, 3, 2, 2, 2\]"):
        nn.Conv3d(2, 2, 1)(mt.zeros(1, 3, 2, 2, 2))
    with pytest.raises(ValueError, match=r"\(N, C, D, H, W\) or \(C, D, H, W\)"):
        nn.Conv3d(2, 2, 1)(mt.zeros(2, 2, 2))
    with pytest.raises(ValueError, match=r"expected input with 2 channels \(dim 0\)"):
        nn.ConvTranspose3d(2, 2, 1)(mt.zeros(3, 2, 2, 2))
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv3d(3, 2, 1, groups=2)
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        nn.ConvTranspose3d(2, 2, 1, padding_mode="reflect")
    with pytest.raises(ValueError, match="not supported for strided"):
        nn.Conv3d(2, 2, 3, stride=2, padding="same")


# ------------------------------------------------------------------ pooling
def test_pooling_layers_are_their_functional_forms(device):
    x = _x((2, 2, 5, 4, 6), seed=3, device=device)
    values, indices = nn.MaxPool3d(3, 2, 1, return_indices=True, ceil_mode=True)(x)
    expected_values, expected_indices = F.max_pool3d(x, 3, 2, 1, ceil_mode=True, return_indices=True)
    np.testing.assert_array_equal(host(values), host(expected_values))
    np.testing.assert_array_equal(host(indices), host(expected_indices))
    np.testing.assert_array_equal(host(nn.AvgPool3d(2, 1, 1, count_include_pad=False)(x)),
                                  host(F.avg_pool3d(x, 2, 1, 1, count_include_pad=False)))
    np.testing.assert_array_equal(host(nn.AdaptiveAvgPool3d((2, None, 3))(x)),
                                  host(F.adaptive_avg_pool3d(x, (2, None, 3))))
    assert nn.MaxPool3d(2).stride == 2 and repr(nn.AdaptiveAvgPool3d(1)) == "AdaptiveAvgPool3d(output_size=1)"
    with pytest.raises(ValueError, match=r"MaxPool3d.*expected a 4-D or 5-D input"):
        nn.MaxPool3d(2)(mt.zeros(1, 2, 2))


# ------------------------------------------------------------------ normalisation
def _normalised(x, axes, eps=1e-5):
    return (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)


def test_batch_norm3d_trains_and_evaluates_with_pytorch_s_statistics(device):
    layer = nn.BatchNorm3d(3, momentum=0.2, device=device, dtype=mt.float64)
    assert list(layer.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    x = np.random.default_rng(4).standard_normal((2, 3, 2, 3, 2)) * 2 + 1
    layer.weight.array[...] = layer.weight.array * 0 + mt.tensor([1.0, 2.0, 0.5], device=device).array
    out = layer(mt.tensor(x, device=device))
    expected = _normalised(x, (0, 2, 3, 4)) * np.array([1.0, 2.0, 0.5]).reshape(1, 3, 1, 1, 1)
    np.testing.assert_allclose(host(out), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(host(layer.running_mean), 0.2 * x.mean(axis=(0, 2, 3, 4)), rtol=1e-12)
    np.testing.assert_allclose(host(layer.running_var), 0.8 + 0.2 * x.var(axis=(0, 2, 3, 4), ddof=1), rtol=1e-12)
    assert int(layer.num_batches_tracked.item()) == 1
    layer.eval()
    mean, var = host(layer.running_mean).reshape(1, 3, 1, 1, 1), host(layer.running_var).reshape(1, 3, 1, 1, 1)
    np.testing.assert_allclose(host(layer(mt.tensor(x, device=device))),
                               (x - mean) / np.sqrt(var + 1e-5) * np.array([1.0, 2.0, 0.5]).reshape(1, 3, 1, 1, 1),
                               rtol=1e-10)
    with pytest.raises(ValueError, match=r"BatchNorm3d.*\(N, C, D, H, W\)"):
        layer(mt.zeros(2, 3, 2, 2))


@pytest.mark.parametrize("layer_type, shape", [(nn.InstanceNorm1d, (2, 3, 5)), (nn.InstanceNorm3d, (2, 3, 2, 3, 2))])
def test_instance_norm_normalises_each_sample_and_channel(device, layer_type, shape):
    x = np.random.default_rng(5).standard_normal(shape) * 3 - 1
    axes = tuple(range(2, len(shape)))
    layer = layer_type(3, device=device, dtype=mt.float64)
    assert list(layer.state_dict()) == [] and layer.weight is None  # PyTorch's defaults
    np.testing.assert_allclose(host(layer(mt.tensor(x, device=device))), _normalised(x, axes), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(host(layer(mt.tensor(x[0], device=device))), _normalised(x[:1], axes)[0],
                               rtol=1e-10, atol=1e-12)  # unbatched
    tracked = layer_type(3, affine=True, track_running_stats=True, momentum=0.5, device=device, dtype=mt.float64)
    assert list(tracked.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    tracked(mt.tensor(x, device=device))
    flat = x.reshape(2, 3, -1)
    np.testing.assert_allclose(host(tracked.running_mean), 0.5 * flat.mean(axis=2).mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(host(tracked.running_var), 0.5 + 0.5 * flat.var(axis=2, ddof=1).mean(axis=0),
                               rtol=1e-12)
    assert int(tracked.num_batches_tracked.item()) == 0  # PyTorch's instance norm never counts
    with pytest.raises(ValueError, match="expected input with 3 channels"):
        tracked(mt.zeros(*((2, 4) + shape[2:]), device=device))
    with pytest.warns(UserWarning, match="num_features is not used"):  # unused without affine, as PyTorch
        assert layer(mt.zeros(*((2, 4) + shape[2:]), device=device)).shape == (2, 4) + shape[2:]


# ------------------------------------------------------------------ PyTorch
def _copy_from_torch(ours, theirs):
    ours.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})


@pytest.mark.parametrize("make", [
    lambda nn_: nn_.Conv3d(4, 6, (3, 2, 3), stride=(2, 1, 1), padding=(1, 0, 1), dilation=(1, 2, 1), groups=2),
    lambda nn_: nn_.Conv3d(4, 2, (2, 3, 2), padding="same", padding_mode="circular"),
    lambda nn_: nn_.Conv3d(4, 2, 3, padding=1, padding_mode="reflect", bias=False),
    lambda nn_: nn_.ConvTranspose3d(4, 6, (2, 3, 2), stride=(2, 1, 3), padding=(0, 1, 1), output_padding=(1, 0, 2),
                                    groups=2),
    lambda nn_: nn_.MaxPool3d((2, 3, 2), stride=1, padding=1, dilation=(2, 1, 1), ceil_mode=True),
    lambda nn_: nn_.AvgPool3d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    lambda nn_: nn_.AdaptiveAvgPool3d((3, 2, 4)),
    lambda nn_: nn_.BatchNorm3d(4),
    lambda nn_: nn_.InstanceNorm3d(4, affine=True, track_running_stats=True),
])
@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_against_pytorch_s_modules(make):
    torch = pytest.importorskip("torch")
    theirs = make(torch.nn).double()
    ours = make(nn)
    ours.to(mt.float64)
    _copy_from_torch(ours, theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    x = np.random.default_rng(6).standard_normal((2, 4, 5, 6, 7))
    ours_x, theirs_x = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = ours(ours_x), theirs(theirs_x)
    np.testing.assert_allclose(host(out), expected.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = np.random.default_rng(7).standard_normal(out.shape)
    out.backward(mt.tensor(g, device=out.device))
    expected.backward(torch.tensor(g))
    np.testing.assert_allclose(host(ours_x.grad), theirs_x.grad.numpy(), rtol=1e-9, atol=1e-10)
    for name, value in theirs.state_dict().items():  # running statistics updated alike
        np.testing.assert_allclose(host(ours.state_dict()[name]), value.numpy(), rtol=1e-10, atol=1e-12)
