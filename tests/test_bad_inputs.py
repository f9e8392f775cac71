"""Bad inputs to the tensor API get an error naming the argument, before any arithmetic or
allocation, and a failed call changes nothing: sizes larger than memory, non-finite or
non-integer arguments, dtypes that would mix silently. Also the degenerate convolutions
(no images, no channels in or out), which PyTorch computes and which are checked here
against a direct sum over windows."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import nn
from minitorch_cnn.data import transforms as T
from minitorch_cnn.errors import AllocationTooLarge
from minitorch_cnn.memory import physical_memory
from minitorch_cnn.vision import transforms as V
from tests.helpers import host

HUGE = 10 ** 7  # 10**7 x 10**7 float32 elements: 364 TiB, more than any machine this runs on


@pytest.mark.parametrize("make, name", [
    (lambda: mt.zeros(HUGE, HUGE), "zeros()"),
    (lambda: mt.ones((HUGE, HUGE)), "ones()"),
    (lambda: mt.empty(HUGE, HUGE), "empty()"),
    (lambda: mt.full((HUGE, HUGE), 1.5), "full()"),
    (lambda: mt.rand(HUGE, HUGE), "rand()"),
    (lambda: mt.randn(HUGE, HUGE), "randn()"),
    (lambda: mt.randint(0, 5, (HUGE, HUGE)), "randint()"),
    (lambda: mt.randperm(HUGE * HUGE), "randperm()"),
    (lambda: mt.arange(0, HUGE * HUGE), "arange()"),
    (lambda: mt.eye(HUGE), "eye()"),
    (lambda: mt.linspace(0, 1, HUGE * HUGE), "linspace()"),
    (lambda: mt.zeros(4).new_zeros(HUGE, HUGE), "zeros()"),
])
def test_sizes_larger_than_memory_are_refused_before_allocating(make, name):
    with pytest.raises(AllocationTooLarge) as caught:
        make()
    message = str(caught.value)
    assert message.startswith(name) and "TiB" in message and "more than the memory of" in message, message
    assert isinstance(caught.value, MemoryError) and isinstance(caught.value, RuntimeError)


def test_the_size_named_is_the_product_of_the_shape_in_bytes():
    rows = physical_memory() // 4 + 1  # one float32 row more than fits
    with pytest.raises(AllocationTooLarge, match=rf"size \[{rows}\] needs"):
        mt.zeros(rows)
    assert mt.zeros(3, 4).shape == (3, 4)  # ordinary sizes still work


@pytest.mark.parametrize("arguments, error, message", [
    ((0, math.inf), ValueError, "arange(): end must be finite, got inf"),
    ((math.nan,), ValueError, "arange(): end must be finite, got nan"),
    ((0, 5, math.nan), ValueError, "arange(): step must be finite"),
    (("5",), TypeError, "arange(): end must be a real number, got str '5'"),
    ((0, 5, 0), ValueError, "step must be nonzero"),
])
def test_arange_arguments(arguments, error, message):
    with pytest.raises(error) as caught:
        mt.arange(*arguments)
    assert message in str(caught.value)


def test_arange_still_takes_numbers_and_one_element_tensors():
    assert mt.arange(mt.tensor(3)).tolist() == [0, 1, 2]
    assert mt.arange(0, 1, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75]


def test_a_grad_of_another_dtype_is_refused_and_the_old_grad_kept():
    x = mt.zeros(2, 3)
    old = mt.ones(2, 3)
    x.grad = old
    with pytest.raises(RuntimeError, match="assigned grad has dtype float64, the tensor has float32"):
        x.grad = mt.zeros(2, 3, dtype=mt.float64)
    assert x.grad is old


@pytest.mark.parametrize("norm", ["batch", "instance", "group"])
def test_normalization_refuses_parameters_of_another_dtype(norm):
    x = mt.randn(2, 4, 3, 3, dtype=mt.float64)
    layer = {"batch": nn.BatchNorm2d(4), "instance": nn.InstanceNorm2d(4, affine=True),
             "group": nn.GroupNorm(2, 4)}[norm]
    with pytest.raises(RuntimeError, match="to have the input's dtype float64, got float32"):
        layer(x)
    if norm == "batch":  # nothing was updated by the refused call
        assert host(layer.running_mean).tolist() == [0.0] * 4 and int(layer.num_batches_tracked.item()) == 0
    assert layer.double()(x).dtype == mt.float64  # the same layer in float64 takes it


@pytest.mark.parametrize("call, error, message", [
    (lambda: mt.zeros(3, 1).expand(3, -2), RuntimeError, "expanded size -2 at dimension 1 is not allowed"),
    (lambda: mt.zeros(2, 3).sum(dim=1.0), TypeError, "dim: expected an int, a tuple of ints or None, got float"),
    (lambda: mt.zeros(2, 3).mean(dim="0"), TypeError, "got str '0'"),
    (lambda: F.interpolate(mt.zeros(1, 1, 4, 4), scale_factor=math.nan), ValueError, "positive finite number"),
    (lambda: F.interpolate(mt.zeros(1, 1, 4, 4), scale_factor=math.inf), ValueError, "positive finite number"),
    (lambda: F.interpolate(mt.zeros(1, 1, 4, 4), scale_factor=(2, -1)), ValueError, "got (2, -1)"),
    (lambda: F.interpolate(mt.zeros(1, 1, 4, 4), size=4.5), ValueError, "size must be a positive int"),
    (lambda: F.interpolate(mt.zeros(1, 1, 4, 4), size=(4, 4.0)), ValueError, "got (4, 4.0)"),
    (lambda: F.interpolate(mt.zeros(1, 1, 4, 4), scale_factor=1e8), AllocationTooLarge, "interpolate's output"),
    (lambda: F.conv2d(mt.zeros(1, 3, 5, 5), mt.zeros(2, 3, 0, 3)), RuntimeError, "kernel size"),
    (lambda: T.Resize(4.5), ValueError, "Resize: size must be a positive int or (height, width), got 4.5"),
    (lambda: V.Resize(4.5), ValueError, "Resize: size must be a positive int or a sequence"),
    (lambda: T.Mixup(math.nan), ValueError, "Mixup: alpha must be a positive finite number, got nan"),
    (lambda: T.CutMix(math.inf), ValueError, "CutMix: alpha must be a positive finite number, got inf"),
    (lambda: T.Mixup(True), ValueError, "alpha must be a positive finite number"),
])
def test_named_errors(call, error, message):
    with pytest.raises(error) as caught:
        call()
    assert message in str(caught.value), str(caught.value)


def _direct_conv(x, w, b, g):
    """Cross-correlation (stride 1, no padding, one group) as a sum over every window, and
    the adjoints of that sum for the output gradient ``g``: (y, dx, dw)."""
    n, c, h, width = x.shape
    c_out, _, kh, kw = w.shape
    y = np.zeros((n, c_out, h - kh + 1, width - kw + 1))
    dx, dw = np.zeros(x.shape), np.zeros(w.shape)
    for i in range(y.shape[2]):
        for j in range(y.shape[3]):
            window = x[:, :, i:i + kh, j:j + kw]
            y[:, :, i, j] = np.einsum("nckl,ockl->no", window, w)
            dx[:, :, i:i + kh, j:j + kw] += np.einsum("no,ockl->nckl", g[:, :, i, j], w)
            dw += np.einsum("no,nckl->ockl", g[:, :, i, j], window)
    return y + b.reshape(1, -1, 1, 1), dx, dw


@given(images=st.integers(0, 2), channels=st.integers(0, 2), out_channels=st.integers(0, 2),
       channels_last=st.booleans())
def test_convolutions_with_no_images_or_no_channels_match_the_direct_sum(device, images, channels, out_channels,
                                                                         channels_last):
    """PyTorch computes these: the output has the formula's shape, the bias alone where the
    sum over input channels is empty, and the gradients are the direct sum's adjoints
    (zeros where a side is empty; the weight gradient of an empty batch was uninitialised
    memory before the kernels answered these cases themselves)."""
    rng = np.random.default_rng(images * 9 + channels * 3 + out_channels)
    x_np, w_np = rng.standard_normal((images, channels, 5, 4)), rng.standard_normal((out_channels, channels, 3, 2))
    b_np, g_np = rng.standard_normal(out_channels), rng.standard_normal((images, out_channels, 3, 3))
    x = mt.tensor(x_np, device=device)
    if channels_last:
        x = x.to(memory_format=mt.channels_last)
    x.requires_grad_()
    w = mt.tensor(w_np, device=device, requires_grad=True)
    b = mt.tensor(b_np, device=device, requires_grad=True)
    y = F.conv2d(x, w, b)
    expected_y, expected_dx, expected_dw = _direct_conv(x_np, w_np, b_np, g_np)
    assert y.shape == expected_y.shape
    np.testing.assert_allclose(host(y), expected_y, atol=1e-12)
    y.backward(mt.tensor(g_np, device=device))
    np.testing.assert_allclose(host(x.grad), expected_dx, atol=1e-12)
    np.testing.assert_allclose(host(w.grad), expected_dw, atol=1e-12)
    np.testing.assert_allclose(host(b.grad), g_np.sum((0, 2, 3)), atol=1e-12)
