"""Pooling against direct loops written here (one window at a time, padding handled by
skipping out-of-range positions), PyTorch's size rules on hand-worked cases, the corner
cases peers got wrong, gradients of first and second order, and the Numba kernels
against the reference ones."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import kernels, nn
from tests.helpers import host


def _windows(size, kernel, stride, pad, dilation, ceil_mode):
    """Window starts (unpadded coordinates), enumerated by the rule in words: every window
    that fits in the padded input; in ceil mode one more to cover the elements the last
    fitting window left over, unless that window would start in the right padding."""
    reach = dilation * (kernel - 1) + 1
    last_fit = size + 2 * pad - reach  # padded start of the last window that fits
    starts = []
    for i in range(size + 2 * pad + 1):
        fits = i * stride <= last_fit
        leftover = ceil_mode and (i - 1) * stride < last_fit < i * stride and i * stride - pad < size
        if fits or leftover:
            starts.append(i * stride - pad)
    return starts


def direct_max_pool(x, kernel, stride, padding, dilation, ceil_mode):
    n, c, h, w = x.shape
    rows = _windows(h, kernel[0], stride[0], padding[0], dilation[0], ceil_mode)
    cols = _windows(w, kernel[1], stride[1], padding[1], dilation[1], ceil_mode)
    out = np.zeros((n, c, len(rows), len(cols)))
    for i, r in enumerate(rows):
        for j, q in enumerate(cols):
            picks = [x[:, :, r + a * dilation[0], q + b * dilation[1]] for a in range(kernel[0])
                     for b in range(kernel[1]) if 0 <= r + a * dilation[0] < h and 0 <= q + b * dilation[1] < w]
            # a dilated window can miss the image altogether: padding is -inf
            out[:, :, i, j] = np.max(picks, axis=0) if picks else -np.inf
    return out


def direct_avg_pool(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
    n, c, h, w = x.shape
    rows = _windows(h, kernel[0], stride[0], padding[0], 1, ceil_mode)
    cols = _windows(w, kernel[1], stride[1], padding[1], 1, ceil_mode)
    out = np.zeros((n, c, len(rows), len(cols)))
    for i, r in enumerate(rows):
        for j, q in enumerate(cols):
            r0, r1, q0, q1 = max(r, 0), min(r + kernel[0], h), max(q, 0), min(q + kernel[1], w)
            total = x[:, :, r0:r1, q0:q1].sum(axis=(2, 3))
            if divisor_override:
                divisor = divisor_override
            elif count_include_pad:  # the window inside the padded input (not the overhang)
                divisor = (min(r + kernel[0], h + padding[0]) - r) * (min(q + kernel[1], w + padding[1]) - q)
            else:
                divisor = (r1 - r0) * (q1 - q0)
            out[:, :, i, j] = total / divisor
    return out


@st.composite
def pool_cases(draw, dilated=True):
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilated else (1, 1)
    padding = tuple(draw(st.integers(0, (d * (k - 1) + 1) // 2)) for k, d in zip(kernel, dilation))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    reach = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    h = draw(st.integers(max(1, reach[0] - 2 * padding[0]), reach[0] + 5))
    w = draw(st.integers(max(1, reach[1] - 2 * padding[1]), reach[1] + 5))
    return dict(shape=(draw(st.integers(1, 2)), draw(st.integers(1, 3)), h, w), kernel=kernel, stride=stride,
                padding=padding, dilation=dilation, ceil_mode=draw(st.booleans()), seed=draw(st.integers(0, 2**31)))


@pytest.mark.parametrize("size, kernel, stride, pad, ceil, expected", [
    (5, 2, 2, 0, False, 2), (5, 2, 2, 0, True, 3),      # the overhanging window [4, 6) is kept in ceil mode
    (4, 3, 2, 1, False, 2), (4, 3, 2, 1, True, 3),      # starts -1, 1 and (ceil) 3
    (5, 2, 2, 1, True, 3),                              # a 4th window would start at 5, in the right padding
    (6, 3, 3, 1, True, 3), (7, 3, 2, 0, True, 3),
])
def test_output_size_rule_on_hand_worked_cases(size, kernel, stride, pad, ceil, expected):
    x = mt.randn(1, 1, size, size)
    assert F.max_pool2d(x, kernel, stride, pad, ceil_mode=ceil).shape[-1] == expected
    assert F.avg_pool2d(x, kernel, stride, pad, ceil_mode=ceil).shape[-1] == expected


@given(case=pool_cases())
def test_max_pool_matches_direct_loop(case):
    x = np.random.default_rng(case["seed"]).standard_normal(case["shape"])
    args = (case["kernel"], case["stride"], case["padding"], case["dilation"], case["ceil_mode"])
    out, index = F.max_pool2d(mt.tensor(x), *args, return_indices=True)
    np.testing.assert_array_equal(host(out), direct_max_pool(x, *args))
    flat, index = x.reshape(x.shape[0], x.shape[1], -1), host(index).reshape(*x.shape[:2], -1)
    picked = np.where(index >= 0, np.take_along_axis(flat, np.maximum(index, 0), 2), -np.inf)  # -1: no element
    np.testing.assert_array_equal(picked, host(out).reshape(*x.shape[:2], -1))


@given(case=pool_cases(dilated=False), include=st.booleans(), override=st.sampled_from([None, 3]))
def test_avg_pool_matches_direct_loop(case, include, override):
    x = np.random.default_rng(case["seed"]).standard_normal(case["shape"])
    args = (case["kernel"], case["stride"], case["padding"], case["ceil_mode"], include, override)
    np.testing.assert_allclose(host(F.avg_pool2d(mt.tensor(x), *args)), direct_avg_pool(x, *args), rtol=1e-12)


def test_max_pool_pads_with_minus_infinity():
    x = -mt.ones(1, 1, 2, 2) - 1
    out = F.max_pool2d(x, 3, stride=1, padding=1)
    assert (host(out) == -2).all()  # zero padding would have returned 0


def test_avg_pool_count_include_pad_and_ceil_overhang():
    x = mt.ones(1, 1, 3, 3)
    included = host(F.avg_pool2d(x, 2, 2, padding=1, count_include_pad=True))
    excluded = host(F.avg_pool2d(x, 2, 2, padding=1, count_include_pad=False))
    np.testing.assert_allclose(included[0, 0], [[0.25, 0.5], [0.5, 1.0]])
    np.testing.assert_allclose(excluded, np.ones((1, 1, 2, 2)))
    overhang = host(F.avg_pool2d(mt.ones(1, 1, 5, 5), 2, 2, ceil_mode=True))
    np.testing.assert_allclose(overhang, np.ones((1, 1, 3, 3)))  # the overhang is not counted


@given(case=pool_cases())
def test_max_pool_gradients(case):
    rng = np.random.default_rng(case["seed"])
    values = rng.permutation(np.prod(case["shape"])).reshape(case["shape"]) * 0.1  # distinct: no ties
    x = mt.tensor(values, requires_grad=True)
    args = (case["kernel"], case["stride"], case["padding"], case["dilation"], case["ceil_mode"])
    # clamped below: a dilated window that misses the image is -inf, whose finite
    # differences are NaN (its gradient is zero, as the clamp's is there)
    assert mt.gradcheck(lambda t: F.max_pool2d(t, *args).clamp(min=-1.0), (x,))
    assert mt.gradgradcheck(lambda t: F.max_pool2d(t, *args).clamp(min=-1.0), (x,))


@given(case=pool_cases(dilated=False), include=st.booleans())
def test_avg_pool_gradients(case, include):
    x = mt.tensor(np.random.default_rng(case["seed"]).standard_normal(case["shape"]), requires_grad=True)
    args = (case["kernel"], case["stride"], case["padding"], case["ceil_mode"], include)
    assert mt.gradcheck(lambda t: F.avg_pool2d(t, *args), (x,))
    assert mt.gradgradcheck(lambda t: F.avg_pool2d(t, *args), (x,))


def test_overlapping_max_windows_accumulate_and_backward_twice_agrees():
    x = mt.tensor([[[[0.0, 1.0, 0.0], [0.0, 5.0, 0.0], [0.0, 0.0, 0.0]]]], requires_grad=True)
    out = F.max_pool2d(x, 2, stride=1)  # all four windows pick the 5
    out.backward(mt.ones_like(out), retain_graph=True)
    first = host(x.grad).copy()
    x.grad = None
    out.backward(mt.ones_like(out))
    np.testing.assert_array_equal(first, host(x.grad))
    assert first[0, 0, 1, 1] == 4.0 and first.sum() == 4.0


def test_saved_indices_modified_in_place_are_caught():
    x = mt.randn(1, 1, 4, 4, requires_grad=True)
    out, index = F.max_pool2d(x, 2, return_indices=True)
    with mt.no_grad():
        index.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_max_unpool_inverts_max_pool_positions():
    x = mt.randn(2, 3, 4, 6)
    out, index = F.max_pool2d(x, 2, return_indices=True)
    restored = host(F.max_unpool2d(out, index, 2))
    kept = restored != 0
    assert kept.reshape(2, 3, -1).sum(-1).tolist() == [[6] * 3] * 2
    np.testing.assert_array_equal(restored[kept], host(x)[kept])
    unpool = nn.MaxUnpool2d(2)
    assert unpool(out, index, output_size=(5, 7)).shape == (2, 3, 5, 7)
    y = mt.randn(1, 1, 2, 2, dtype="float64", requires_grad=True)
    assert mt.gradcheck(lambda t: F.max_unpool2d(t, mt.tensor([[[[0, 3], [9, 15]]]]), 2), (y,))


def _adaptive(size, out):
    return [(math.floor(i * size / out), math.ceil((i + 1) * size / out)) for i in range(out)]


@given(h=st.integers(1, 9), w=st.integers(1, 9), oh=st.integers(1, 5), ow=st.integers(1, 5), seed=st.integers(0, 99))
def test_adaptive_pools_match_direct_windows(h, w, oh, ow, seed):
    x = np.random.default_rng(seed).standard_normal((2, 2, h, w))
    avg, mx = np.zeros((2, 2, oh, ow)), np.zeros((2, 2, oh, ow))
    for i, (r0, r1) in enumerate(_adaptive(h, oh)):
        for j, (c0, c1) in enumerate(_adaptive(w, ow)):
            avg[:, :, i, j] = x[:, :, r0:r1, c0:c1].mean(axis=(2, 3))
            mx[:, :, i, j] = x[:, :, r0:r1, c0:c1].max(axis=(2, 3))
    t = mt.tensor(x, requires_grad=True)
    np.testing.assert_allclose(host(F.adaptive_avg_pool2d(t, (oh, ow))), avg, rtol=1e-12)
    np.testing.assert_array_equal(host(F.adaptive_max_pool2d(t, (oh, ow))), mx)
    assert mt.gradcheck(lambda v: F.adaptive_avg_pool2d(v, (oh, ow)), (t,))
    assert mt.gradcheck(lambda v: F.adaptive_max_pool2d(v, (oh, ow)), (t,))


@given(case=pool_cases())
def test_numba_kernels_agree_with_reference(case):
    x = np.random.default_rng(case["seed"]).standard_normal(case["shape"]).astype(np.float32)
    x[0, 0, 0, 0] = np.nan  # NaN wins in both
    args = (case["kernel"], case["stride"], case["padding"], case["dilation"])
    out_hw = F.max_pool2d(mt.tensor(x), *args, case["ceil_mode"]).shape[-2:]
    impl = kernels.implementations("max_pool2d")
    (a, ia), (b, ib) = impl["reference"](x, *args, out_hw), impl["cpu"](x, *args, out_hw)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ia, ib)
    g = np.random.default_rng(1).standard_normal(a.shape).astype(np.float32)
    scatter = kernels.implementations("scatter_add_planes")
    np.testing.assert_allclose(scatter["reference"](g, ia, x.shape[-2:]), scatter["cpu"](g, ia, x.shape[-2:]),
                               rtol=1e-6, atol=1e-6)
    divisor = kernels.avg_pool2d_divisor(x.shape[-2:], case["kernel"], case["stride"],
                                                        case["padding"], out_hw, True, None)
    x = np.nan_to_num(x)
    avg, back = kernels.implementations("avg_pool2d"), kernels.implementations("avg_pool2d_backward")
    pargs = (case["kernel"], case["stride"], case["padding"])
    np.testing.assert_allclose(avg["reference"](x, *pargs, out_hw, divisor), avg["cpu"](x, *pargs, out_hw, divisor),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(back["reference"](g, *pargs, x.shape[-2:], divisor),
                               back["cpu"](g, *pargs, x.shape[-2:], divisor), rtol=1e-5, atol=1e-6)


SPECIALISED_CASES = [
    (kernel, stride, padding, hw, ceil_mode)
    for kernel, stride in sorted(kernels.pool.cpu.SPECIALISED)
    for padding in [(0, 0), (1, 0), (0, 1), (1, 1)]
    for hw, ceil_mode in [((7, 9), True), ((8, 8), False), ((3, 5), True), ((2, 3), False)]
    # PyTorch's limits: padding at most half the kernel, kernel within the padded input
    if all(p <= k // 2 and h + 2 * p >= k for p, k, h in zip(padding, kernel, hw))]


@pytest.mark.parametrize("kernel, stride, padding, hw, ceil_mode", SPECIALISED_CASES)
def test_specialised_pool_kernels_agree_with_generic_and_reference(monkeypatch, kernel, stride, padding, hw,
                                                                   ceil_mode):
    """The branches with the geometry as literal constants compute exactly what the
    generic branch does (the same plane function), and agree with the reference."""
    x = np.random.default_rng(sum(hw)).standard_normal((2, 3) + hw).astype(np.float32)
    x[1, 2, 1, 1] = np.nan
    args = (kernel, stride, padding)
    out_hw = F.max_pool2d(mt.tensor(x), *args, ceil_mode=ceil_mode).shape[-2:]
    divisor = kernels.avg_pool2d_divisor(hw, kernel, stride, padding, out_hw, False, None)
    g = np.random.default_rng(1).standard_normal((2, 3) + tuple(out_hw)).astype(np.float32)
    clean = np.nan_to_num(x)

    def run_all():
        return (kernels.pool.cpu.max_pool2d(x, *args, (1, 1), out_hw),
                kernels.pool.cpu.avg_pool2d(clean, *args, out_hw, divisor),
                kernels.pool.cpu.avg_pool2d_backward(g, *args, hw, divisor))

    (values, index), mean, adjoint = run_all()
    monkeypatch.setattr(kernels.pool.cpu, "specialise", False)
    (generic_values, generic_index), generic_mean, generic_adjoint = run_all()
    np.testing.assert_array_equal(values, generic_values)
    np.testing.assert_array_equal(index, generic_index)
    np.testing.assert_array_equal(mean, generic_mean)
    np.testing.assert_array_equal(adjoint, generic_adjoint)
    ref_values, ref_index = kernels.pool.reference.max_pool2d(x, *args, (1, 1), out_hw)
    np.testing.assert_array_equal(values, ref_values)
    np.testing.assert_array_equal(index, ref_index)
    np.testing.assert_allclose(mean, kernels.pool.reference.avg_pool2d(clean, *args, out_hw, divisor),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(adjoint, kernels.pool.reference.avg_pool2d_backward(g, *args, hw, divisor),
                               rtol=1e-5, atol=1e-6)


def test_interior_window_ranges_match_a_direct_scan():
    for size in range(1, 9):
        for kernel in range(1, 4):
            for stride in range(1, 4):
                for pad in range(0, kernel // 2 + 1):
                    for dilation in (1, 2):
                        out = (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 2  # one overhang
                        inside = [i for i in range(out)
                                  if i * stride - pad >= 0 and i * stride - pad + dilation * (kernel - 1) < size]
                        lo, hi = kernels.pool.cpu.interior(size, out, kernel, stride, pad, dilation)
                        assert list(range(lo, hi)) == inside, (size, kernel, stride, pad, dilation)


def test_pooling_errors_name_the_argument():
    x = mt.randn(1, 1, 4, 4)
    with pytest.raises(ValueError, match="padding should be at most half"):
        F.max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match="kernel_size must be >= 1"):
        F.avg_pool2d(x, 0)
    with pytest.raises(ValueError, match="output size is too small"):
        F.max_pool2d(mt.randn(1, 1, 2, 2), 3)
    with pytest.raises(ValueError, match=r"MaxPool2d.*expected a 3-D or 4-D input"):
        nn.MaxPool2d(2)(mt.randn(4, 4))
    with pytest.raises(ValueError, match="indices must lie in"):
        F.max_unpool2d(mt.ones(1, 1, 2, 2), mt.tensor([[[[0, 1], [2, 99]]]]), 2)


@pytest.mark.parametrize("layout", ["nchw", "channels_last"])
def test_a_dilated_window_that_misses_the_image_is_minus_infinity_and_passes_no_gradient(layout):
    x = mt.randn(2, 3, 1, 5, dtype=mt.float64)
    if layout == "channels_last":
        x = x.contiguous(memory_format=mt.channels_last)
    x.requires_grad_()
    y, index = F.max_pool2d(x, (2, 1), 1, (2, 0), (3, 1), return_indices=True)
    assert y.shape == (2, 3, 2, 5)
    assert np.all(np.isneginf(host(y.detach()))) and np.all(host(index) == -1)
    y.backward(mt.ones(*y.shape, dtype=mt.float64))
    np.testing.assert_array_equal(host(x.grad), np.zeros(x.shape))
    # a window that reaches the image once its row is taller behaves as usual
    assert np.isfinite(host(F.max_pool2d(mt.randn(1, 1, 4, 5), (2, 1), 1, (2, 0), (3, 1)))).any()
