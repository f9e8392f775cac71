"""max_pool3d, avg_pool3d and adaptive_avg_pool3d: values and indices against direct loops
over output positions written here (PyTorch's window and divisor rules, ceil_mode
included), first and second derivatives by finite differences over drawn windows,
PyTorch when it is installed, corner cases and bad-input errors."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn.errors import ArgumentTypeError, ShapeError
from tests.helpers import host


@st.composite
def windows(draw, dilated=True, max_extra=3):
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(3))
    dilation = tuple(draw(st.integers(1, 2)) if dilated else 1 for _ in range(3))
    padding = tuple(draw(st.integers(0, (d * (k - 1) + 1) // 2)) for k, d in zip(kernel, dilation))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(3))
    size = tuple(max(1, d * (k - 1) + 1 - 2 * p) + draw(st.integers(0, max_extra))
                 for k, p, d in zip(kernel, padding, dilation))
    return dict(shape=(draw(st.integers(1, 2)), draw(st.integers(1, 2))) + size, kernel=kernel, stride=stride,
                padding=padding, dilation=dilation, ceil_mode=draw(st.booleans()), seed=draw(st.integers(0, 2**31)))


def out_size(size, kernel, stride, padding, dilation, ceil_mode):
    """PyTorch's rule, written out: round up with ceil_mode, unless the last window would
    start in the end padding."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (math.ceil if ceil_mode else math.floor)(span / stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def _sizes(case):
    return tuple(out_size(case["shape"][2 + a], case["kernel"][a], case["stride"][a], case["padding"][a],
                          case["dilation"][a], case["ceil_mode"]) for a in range(3))


def _distinct(case):
    """Values without ties, so the argmax (and the gradient) is unambiguous."""
    count = int(np.prod(case["shape"]))
    return np.random.default_rng(case["seed"]).permutation(count).reshape(case["shape"]) * 0.1 - count * 0.05


def direct_max_pool3d(x, case):
    n, c, d, h, w = x.shape
    outs = _sizes(case)
    values, indices = np.full((n, c) + outs, -np.inf), np.full((n, c) + outs, -1)
    for position in np.ndindex(*outs):
        taps = [[position[a] * case["stride"][a] - case["padding"][a] + t * case["dilation"][a]
                 for t in range(case["kernel"][a])] for a in range(3)]
        for i in taps[0]:
            for j in taps[1]:
                for k in taps[2]:
                    if 0 <= i < d and 0 <= j < h and 0 <= k < w:
                        better = x[:, :, i, j, k] > values[(slice(None), slice(None)) + position]
                        values[(slice(None), slice(None)) + position][better] = x[:, :, i, j, k][better]
                        indices[(slice(None), slice(None)) + position][better] = (i * h + j) * w + k
    return values, indices


def direct_avg_pool3d(x, case, count_include_pad, divisor_override):
    size = x.shape[2:]
    outs = _sizes(case)
    out = np.zeros(x.shape[:2] + outs)
    for position in np.ndindex(*outs):
        starts = [position[a] * case["stride"][a] - case["padding"][a] for a in range(3)]
        ends = [min(starts[a] + case["kernel"][a], size[a] + case["padding"][a]) for a in range(3)]
        padded_count = np.prod([e - s for s, e in zip(starts, ends)])
        inside = tuple(slice(max(s, 0), min(e, n)) for s, e, n in zip(starts, ends, size))
        window = x[(slice(None), slice(None)) + inside]
        divisor = divisor_override or (padded_count if count_include_pad else window[0, 0].size)
        out[(slice(None), slice(None)) + position] = window.sum(axis=(2, 3, 4)) / divisor
    return out


def _pool_args(case):
    return case["kernel"], case["stride"], case["padding"]


# ------------------------------------------------------------------ values
@settings(max_examples=15)
@given(case=windows())
def test_max_pool3d_values_and_indices_match_the_direct_loop(device, case):
    x = _distinct(case)
    values, indices = F.max_pool3d(mt.tensor(x, device=device), *_pool_args(case), case["dilation"],
                                   case["ceil_mode"], return_indices=True)
    expected_values, expected_indices = direct_max_pool3d(x, case)
    np.testing.assert_array_equal(host(values), expected_values)
    np.testing.assert_array_equal(host(indices), expected_indices)
    assert indices.dtype == np.int64


@settings(max_examples=15)
@given(case=windows(dilated=False), count_include_pad=st.booleans(), override=st.sampled_from([None, None, 3, -2]))
def test_avg_pool3d_matches_the_direct_loop(device, case, count_include_pad, override):
    x = np.random.default_rng(case["seed"]).standard_normal(case["shape"])
    out = F.avg_pool3d(mt.tensor(x, device=device), *_pool_args(case), case["ceil_mode"], count_include_pad, override)
    np.testing.assert_allclose(host(out), direct_avg_pool3d(x, case, count_include_pad, override), rtol=1e-12)


def _adaptive_windows(size, out):
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


@settings(max_examples=15)
@given(shape=st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 6), st.integers(1, 6), st.integers(1, 6)),
       out=st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4)))
def test_adaptive_avg_pool3d_matches_the_direct_loop(device, shape, out):
    x = np.random.default_rng(sum(shape + out)).standard_normal(shape)
    result = F.adaptive_avg_pool3d(mt.tensor(x, device=device), out)
    expected = np.zeros(shape[:2] + out)
    for position in np.ndindex(*out):
        box = tuple(slice(*_adaptive_windows(shape[2 + a], out[a])[position[a]]) for a in range(3))
        expected[(slice(None), slice(None)) + position] = x[(slice(None), slice(None)) + box].mean(axis=(2, 3, 4))
    np.testing.assert_allclose(host(result), expected, rtol=1e-12)


def test_adaptive_output_size_forms(device):
    x = mt.tensor(np.arange(2 * 4 * 6 * 5, dtype=np.float64).reshape(2, 4, 6, 5), device=device)  # unbatched
    assert F.adaptive_avg_pool3d(x, 2).shape == (2, 2, 2, 2)
    assert F.adaptive_avg_pool3d(x, (None, 3, 1)).shape == (2, 4, 3, 1)
    np.testing.assert_allclose(host(F.adaptive_avg_pool3d(x, 1)).ravel(), host(x).reshape(2, -1).mean(axis=1))


def test_unbatched_input_is_one_sample(device):
    x = np.random.default_rng(5).standard_normal((2, 3, 4, 5))
    t = mt.tensor(x, device=device)
    np.testing.assert_array_equal(host(F.max_pool3d(t, 2)), host(F.max_pool3d(t.unsqueeze(0), 2))[0])
    values, indices = F.max_pool3d(t, 2, return_indices=True)
    assert values.shape == indices.shape == (2, 1, 2, 2)
    np.testing.assert_allclose(host(F.avg_pool3d(t, 2, 1, 1)), host(F.avg_pool3d(t.unsqueeze(0), 2, 1, 1))[0])


def test_max_pooling_pads_with_minus_infinity_and_lets_nan_through(device):
    x = -np.ones((1, 1, 2, 2, 2)) - np.arange(8).reshape(1, 1, 2, 2, 2)
    out = F.max_pool3d(mt.tensor(x, device=device), 2, 1, 1)
    assert host(out).max() < 0  # padding never wins against negatives
    x[0, 0, 1, 0, 1] = np.nan
    values, indices = F.max_pool3d(mt.tensor(x, device=device), 2, return_indices=True)
    assert np.isnan(host(values)).all() and host(indices).item() == 5


def test_a_window_that_misses_the_input_is_minus_infinity_with_no_gradient(device):
    # dilation 3, padding 1 on a depth of 2: the first window's taps are -1 and 2, both outside
    x = mt.tensor(np.ones((1, 1, 2, 2, 2)), device=device, requires_grad=True)
    values, indices = F.max_pool3d(x, (2, 1, 1), padding=(1, 0, 0), dilation=(3, 1, 1), return_indices=True)
    assert np.isneginf(host(values)).all() and (host(indices) == -1).all()
    values.clamp(min=0.0).sum().backward()
    np.testing.assert_array_equal(host(x.grad), np.zeros((1, 1, 2, 2, 2)))


# ------------------------------------------------------------------ derivatives
@settings(max_examples=6)
@given(case=windows(max_extra=2))
def test_max_pool3d_first_and_second_derivatives(device, case):
    x = mt.tensor(_distinct(case), device=device, requires_grad=True)
    fn = lambda t: F.max_pool3d(t, *_pool_args(case), case["dilation"], case["ceil_mode"])  # noqa: E731
    assert mt.gradcheck(fn, (x,)) and mt.gradgradcheck(fn, (x,))


@settings(max_examples=6)
@given(case=windows(dilated=False, max_extra=2), count_include_pad=st.booleans())
def test_avg_pool3d_first_and_second_derivatives(device, case, count_include_pad):
    x = mt.tensor(np.random.default_rng(case["seed"]).standard_normal(case["shape"]), device=device,
                  requires_grad=True)
    fn = lambda t: F.avg_pool3d(t, *_pool_args(case), case["ceil_mode"], count_include_pad)  # noqa: E731
    assert mt.gradcheck(fn, (x,)) and mt.gradgradcheck(fn, (x,))


# uneven windows (separable means), and even ones (the avg_pool3d path)
@pytest.mark.parametrize("shape, out", [((1, 2, 4, 5, 3), (2, 3, 2)), ((1, 2, 4, 4, 3), (2, 2, 1))])
def test_adaptive_avg_pool3d_derivatives(device, shape, out):
    x = mt.tensor(np.random.default_rng(6).standard_normal(shape), device=device, requires_grad=True)
    fn = lambda t: F.adaptive_avg_pool3d(t, out)  # noqa: E731
    assert mt.gradcheck(fn, (x,)) and mt.gradgradcheck(fn, (x,))


# ------------------------------------------------------------------ PyTorch
def test_against_pytorch_values_indices_and_gradients():
    torch = pytest.importorskip("torch")
    TF = torch.nn.functional
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 5, 6, 7))
    calls = [
        (F.max_pool3d, TF.max_pool3d, dict(kernel_size=(3, 2, 3), stride=(2, 1, 2), padding=(1, 1, 0),
                                           dilation=(1, 2, 1), ceil_mode=True)),
        (F.avg_pool3d, TF.avg_pool3d, dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                           count_include_pad=False)),
        (F.avg_pool3d, TF.avg_pool3d, dict(kernel_size=(2, 3, 2), divisor_override=5)),
        (F.adaptive_avg_pool3d, TF.adaptive_avg_pool3d, dict(output_size=(3, 4, None))),
    ]
    for ours_fn, theirs_fn, kwargs in calls:
        ours, theirs = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, expected = ours_fn(ours, **kwargs), theirs_fn(theirs, **kwargs)
        np.testing.assert_allclose(host(out), expected.detach().numpy(), rtol=1e-12)
        g = rng.standard_normal(out.shape)
        out.backward(mt.tensor(g, device=out.device))
        expected.backward(torch.tensor(g))
        np.testing.assert_allclose(host(ours.grad), theirs.grad.numpy(), rtol=1e-12, atol=1e-12)
    _, ours_indices = F.max_pool3d(mt.tensor(x), 2, 1, 1, return_indices=True)
    _, their_indices = TF.max_pool3d(torch.tensor(x), 2, 1, 1, return_indices=True)
    np.testing.assert_array_equal(host(ours_indices), their_indices.numpy())


# ------------------------------------------------------------------ errors
def _t(*shape):
    return mt.zeros(*shape, dtype="float64")


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.max_pool3d(_t(2, 3, 3), 2), ShapeError, r"4-D \(C, D, H, W\) or 5-D"),
    (lambda: F.max_pool3d(mt.zeros(1, 1, 2, 2, 2, dtype="int64"), 2), ArgumentTypeError, "floating point"),
    (lambda: F.max_pool3d(_t(1, 1, 0, 2, 2), 1), ShapeError, "zero-size"),
    (lambda: F.max_pool3d(_t(1, 1, 3, 3, 3), 2, padding=2), ShapeError, "at most half of effective kernel"),
    (lambda: F.max_pool3d(_t(1, 1, 1, 3, 3), 2), ShapeError, "output size is too small"),
    (lambda: F.max_pool3d(_t(1, 1, 3, 3, 3), (2, 2)), ArgumentTypeError, "kernel_size"),
    (lambda: F.max_pool3d(_t(1, 1, 3, 3, 3), 0), ShapeError, "kernel_size must be >= 1"),
    (lambda: F.avg_pool3d(_t(1, 1, 3, 3, 3), 2, divisor_override=0), ShapeError, "divisor_override"),
    (lambda: F.avg_pool3d(_t(1, 1, 3, 3, 3), 2, stride=0), ShapeError, "stride must be >= 1"),
    (lambda: F.adaptive_avg_pool3d(_t(1, 1, 3, 3, 3), (2, 2)), ShapeError, "output_size must be an int or 3"),
    (lambda: F.adaptive_avg_pool3d(_t(1, 1, 3, 3, 3), (2, 0, 1)), ShapeError, "positive"),
    (lambda: F.adaptive_avg_pool3d(np.zeros((1, 1, 3, 3, 3)), 1), ArgumentTypeError, "must be a Tensor"),
])
def test_bad_arguments_are_refused_before_any_arithmetic(call, error, message):
    with pytest.raises(error, match=message):
        call()
    assert issubclass(error, RuntimeError)  # PyTorch raises RuntimeError for each of these
