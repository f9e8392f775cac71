"""1-D pooling (max, avg, adaptive avg/max) against direct loops over the windows written
here, gradients of first and second order, indices along L, integer inputs to max and
average pooling (exact values, PyTorch's truncating int64 average), errors, and PyTorch
where it is installed."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import nn
from tests.helpers import host, leaf, seeds


def _starts(length, kernel, stride, pad, dilation, ceil_mode):
    """Window starts in unpadded coordinates, by PyTorch's rule in words: every window
    that fits in the padded row, and in ceil mode one more for the leftover elements
    unless it would start in the right padding."""
    reach = dilation * (kernel - 1) + 1
    count = (length + 2 * pad - reach + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (count - 1) * stride >= length + pad:
        count -= 1
    return [i * stride - pad for i in range(count)]


def direct_max_pool1d(x, kernel, stride, pad, dilation, ceil_mode):
    starts = _starts(x.shape[-1], kernel, stride, pad, dilation, ceil_mode)
    values = np.empty(x.shape[:-1] + (len(starts),), x.dtype)
    where = np.empty(values.shape, np.int64)
    for index in np.ndindex(x.shape[:-1]):
        for j, start in enumerate(starts):
            taps = [start + k * dilation for k in range(kernel) if 0 <= start + k * dilation < x.shape[-1]]
            best = max(taps, key=lambda p: (x[index + (p,)], -p))  # the first maximum wins
            values[index + (j,)], where[index + (j,)] = x[index + (best,)], best
    return values, where


def direct_avg_pool1d(x, kernel, stride, pad, ceil_mode, count_include_pad):
    length = x.shape[-1]
    starts = _starts(length, kernel, stride, pad, 1, ceil_mode)
    out = np.empty(x.shape[:-1] + (len(starts),))
    for j, start in enumerate(starts):
        lo, hi = max(start, 0), min(start + kernel, length)
        divisor = (min(start + kernel, length + pad) - start) if count_include_pad else hi - lo
        out[..., j] = x[..., lo:hi].sum(-1) / divisor
    return out


def _adaptive_windows(length, size):
    return [(math.floor(i * length / size), math.ceil((i + 1) * length / size)) for i in range(size)]


@st.composite
def pool_options(draw, dilated=True):
    kernel = draw(st.integers(1, 4))
    dilation = draw(st.integers(1, 2)) if dilated else 1  # average pooling has no dilation
    pad = draw(st.integers(0, (dilation * (kernel - 1) + 1) // 2))
    stride = draw(st.integers(1, 3))
    length = draw(st.integers(dilation * (kernel - 1) + 1, 9))
    lead = draw(st.sampled_from([(3,), (2, 3)]))  # unbatched (C, L) and batched (N, C, L)
    return lead + (length,), kernel, stride, pad, dilation, draw(st.booleans())


@given(options=pool_options(), seed=seeds)
def test_max_pool1d_matches_a_direct_loop(device, options, seed):
    shape, kernel, stride, pad, dilation, ceil_mode = options
    x = leaf(seed, shape, device)
    out, indices = F.max_pool1d(x, kernel, stride, pad, dilation, ceil_mode, return_indices=True)
    expected, where = direct_max_pool1d(host(x), kernel, stride, pad, dilation, ceil_mode)
    np.testing.assert_array_equal(host(out), expected)
    np.testing.assert_array_equal(host(indices), where)  # positions along L
    assert mt.gradcheck(lambda t: F.max_pool1d(t, kernel, stride, pad, dilation, ceil_mode), (x,))


@given(options=pool_options(dilated=False), seed=seeds, count_include_pad=st.booleans())
def test_avg_pool1d_matches_a_direct_loop(device, options, seed, count_include_pad):
    shape, kernel, stride, pad, _, ceil_mode = options
    x = leaf(seed, shape, device)
    pool = lambda t: F.avg_pool1d(t, kernel, stride, pad, ceil_mode, count_include_pad)  # noqa: E731
    np.testing.assert_allclose(host(pool(x)), direct_avg_pool1d(host(x), kernel, stride, pad, ceil_mode,
                                                                count_include_pad), rtol=1e-12, atol=1e-12)
    assert mt.gradcheck(pool, (x,))
    assert mt.gradgradcheck(pool, (x,))


@settings(max_examples=10)
@given(length=st.integers(1, 9), size=st.integers(1, 9), seed=seeds)
def test_adaptive_pool1d_matches_its_windows(device, length, size, seed):
    x = leaf(seed, (2, 2, length), device)
    values = host(x)
    windows = _adaptive_windows(length, size)
    means = np.stack([values[..., a:b].mean(-1) for a, b in windows], -1)
    np.testing.assert_allclose(host(F.adaptive_avg_pool1d(x, size)), means, rtol=1e-12)
    out, indices = F.adaptive_max_pool1d(x, (size,), return_indices=True)
    np.testing.assert_array_equal(host(out), np.stack([values[..., a:b].max(-1) for a, b in windows], -1))
    np.testing.assert_array_equal(host(indices), np.stack([a + values[..., a:b].argmax(-1) for a, b in windows], -1))
    assert mt.gradcheck(lambda t: F.adaptive_avg_pool1d(t, size), (x,))
    assert mt.gradcheck(lambda t: F.adaptive_max_pool1d(t, size), (x,))


@given(options=pool_options(), seed=seeds, dtype=st.sampled_from(["int64", "int32", "uint8", "int8"]))
def test_integer_max_pooling_keeps_the_dtype_and_the_values(device, options, seed, dtype):
    shape, kernel, stride, pad, dilation, ceil_mode = options
    info = np.iinfo(dtype)
    values = np.random.default_rng(seed).integers(info.min, info.max, shape, dtype=dtype, endpoint=True)
    x = mt.tensor(values, device=device)
    out, indices = F.max_pool1d(x, kernel, stride, pad, dilation, ceil_mode, return_indices=True)
    expected, where = direct_max_pool1d(values, kernel, stride, pad, dilation, ceil_mode)
    assert out.dtype == np.dtype(dtype) and not out.requires_grad
    np.testing.assert_array_equal(host(out), expected)
    np.testing.assert_array_equal(host(indices), where)
    # the 2-D op on the same rows: a unit height changes nothing
    np.testing.assert_array_equal(host(F.max_pool2d(x.unsqueeze(-2), (1, kernel), (1, stride), (0, pad),
                                                    (1, dilation), ceil_mode)).squeeze(-2), expected)


def test_integer_max_pooling_ties_and_extremes():
    low = np.iinfo(np.int64).min
    x = mt.tensor([[[low, low, 5, 5, 2**62 + 1, 2**62]]])  # beyond float64's exact integers
    out, indices = F.max_pool1d(x, 2, return_indices=True)
    assert out.tolist() == [[[low, 5, 2**62 + 1]]]
    assert indices.tolist() == [[[0, 2, 4]]]  # a tie keeps the first


@given(options=pool_options(dilated=False), seed=seeds, count_include_pad=st.booleans())
def test_int64_average_pooling_truncates_towards_zero(device, options, seed, count_include_pad):
    shape, kernel, stride, pad, _, ceil_mode = options
    values = np.random.default_rng(seed).integers(-50, 50, shape)
    out = F.avg_pool1d(mt.tensor(values, device=device), kernel, stride, pad, ceil_mode, count_include_pad)
    assert out.dtype == mt.int64
    exact = direct_avg_pool1d(values.astype(np.float64), kernel, stride, pad, ceil_mode, count_include_pad)
    np.testing.assert_array_equal(host(out), np.trunc(np.round(exact, 9)).astype(np.int64))


def test_int64_average_pooling_2d_with_divisor_override():
    x = mt.tensor([[[[-3, 0, 2], [3, 7, 1]]]])
    assert F.avg_pool2d(x, 2, 1, divisor_override=3).tolist() == [[[[2, 3]]]]  # 7/3 -> 2, 10/3 -> 3
    assert F.avg_pool2d(-x, 2, 1).tolist() == [[[[-1, -2]]]]  # -7/4 -> -1, -10/4 -> -2


@pytest.mark.parametrize("dtype", ["int32", "uint8", "bool"])
def test_average_pooling_refuses_other_integer_dtypes_as_pytorch(dtype):
    x = mt.zeros(1, 2, 4, dtype=dtype)
    with pytest.raises(NotImplementedError, match="not implemented for"):
        F.avg_pool1d(x, 2)
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        F.adaptive_avg_pool1d(mt.zeros(1, 2, 4, dtype="int64"), 2)
    with pytest.raises(NotImplementedError, match="not implemented for 'Bool'"):
        F.max_pool1d(mt.zeros(1, 2, 4, dtype="bool"), 2)


def test_pool1d_errors_name_the_argument():
    x = mt.ones(2, 3, 6)
    with pytest.raises(RuntimeError, match=r"expected a 2-D \(C, L\) or 3-D \(N, C, L\) input, got shape \[1, 2, 3, 6\]"):
        F.max_pool1d(x[None], 2)
    with pytest.raises(RuntimeError, match="kernel_size must be an int or a tuple of 1 int"):
        F.max_pool1d(x, (2, 2))
    with pytest.raises(RuntimeError, match="padding should be at most half"):
        F.avg_pool1d(x, 2, padding=2)
    with pytest.raises(RuntimeError, match="output_size should contain one int"):
        F.adaptive_avg_pool1d(x, (2, 3))
    with pytest.raises(ValueError, match=r"MaxPool1d.*expected a 2-D or 3-D input"):
        nn.MaxPool1d(2)(mt.ones(6))


def test_pool1d_layers_wrap_the_functions():
    x = mt.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]])
    out, indices = nn.MaxPool1d(2, 1, return_indices=True)(x)
    assert out.tolist() == [[[3, 3, 5, 5]]] and indices.tolist() == [[[1, 1, 3, 3]]]
    assert nn.AvgPool1d(2, padding=1, count_include_pad=False)(x).tolist() == [[[1.0, 2.5, 4.5]]]
    assert nn.AdaptiveAvgPool1d(1)(x).tolist() == [[[3.0]]]
    assert [t.tolist() for t in nn.AdaptiveMaxPool1d(2, return_indices=True)(x)] == [[[[3.0, 5.0]]], [[[1, 3]]]]
    assert repr(nn.MaxPool1d(3)) == "MaxPool1d(kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=False)"


@settings(max_examples=10)
@given(options=pool_options(dilated=False), seed=seeds)
def test_pool1d_agrees_with_pytorch(options, seed):
    torch = pytest.importorskip("torch")
    TF = torch.nn.functional
    shape, kernel, stride, pad, dilation, ceil_mode = options
    values = np.random.default_rng(seed).standard_normal(shape)
    x, t = mt.tensor(values), torch.tensor(values)
    ours, where = F.max_pool1d(x, kernel, stride, pad, dilation, ceil_mode, True)
    theirs, their_where = TF.max_pool1d(t, kernel, stride, pad, dilation, ceil_mode, True)
    np.testing.assert_array_equal(host(ours), theirs.numpy())
    np.testing.assert_array_equal(host(where), their_where.numpy())
    np.testing.assert_allclose(host(F.avg_pool1d(x, kernel, stride, pad, ceil_mode, False)),
                               TF.avg_pool1d(t, kernel, stride, pad, ceil_mode, False).numpy(), rtol=1e-12)
    integers = np.random.default_rng(seed).integers(-99, 99, (1,) + shape)
    np.testing.assert_array_equal(host(F.avg_pool2d(mt.tensor(integers), (1, kernel), (1, stride), (0, pad))),
                                  TF.avg_pool2d(torch.tensor(integers), (1, kernel), (1, stride), (0, pad)).numpy())
    np.testing.assert_array_equal(host(F.max_pool2d(mt.tensor(integers), (1, kernel), (1, stride), (0, pad))),
                                  TF.max_pool2d(torch.tensor(integers), (1, kernel), (1, stride), (0, pad)).numpy())
    for size in (1, 3):
        np.testing.assert_allclose(host(F.adaptive_avg_pool1d(x, size)), TF.adaptive_avg_pool1d(t, size).numpy(),
                                   rtol=1e-12)
