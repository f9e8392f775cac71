"""Normalisation against NumPy formulas written here: batch norm in training (biased
variance) and eval, running statistics (unbiased, momentum, cumulative average), the
one-value-per-channel error, layer/group/instance norm and LRN; gradients of first and
second order; the Numba batch-norm kernels against the reference."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import kernels, nn
from tests.helpers import host, leaf

shapes_nc = st.sampled_from([(4, 3), (2, 3, 5), (2, 2, 3, 3), (3, 1, 2, 2)])


def _bn_reference(x, w, b, eps):
    axes = (0,) + tuple(range(2, x.ndim))
    view = (1, -1) + (1,) * (x.ndim - 2)
    mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w.reshape(view) + b.reshape(view)


@given(shape=shapes_nc, seed=st.integers(0, 2**31))
def test_batch_norm_training_forward_and_running_stats(shape, seed):
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal(shape) * 3 + 1, rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    rm, rv = mt.zeros(shape[1], dtype="float64"), mt.ones(shape[1], dtype="float64")
    out = F.batch_norm(mt.tensor(x), rm, rv, mt.tensor(w), mt.tensor(b), training=True, momentum=0.3, eps=1e-5)
    np.testing.assert_allclose(host(out), _bn_reference(x, w, b, 1e-5), rtol=1e-9, atol=1e-9)
    axes = (0,) + tuple(range(2, x.ndim))
    np.testing.assert_allclose(host(rm), 0.3 * x.mean(axis=axes), rtol=1e-9)
    np.testing.assert_allclose(host(rv), 0.7 + 0.3 * x.var(axis=axes, ddof=1), rtol=1e-9)


@given(shape=shapes_nc, seed=st.integers(0, 2**31), affine=st.booleans())
def test_batch_norm_training_gradients(shape, seed, affine):
    x = leaf(seed, shape)
    w, b = (leaf(seed + 1, shape[1:2]), leaf(seed + 2, shape[1:2])) if affine else (None, None)
    fn = lambda *t: F.batch_norm(t[0], None, None, *(t[1:] if affine else (None, None)), training=True)  # noqa: E731
    inputs = (x, w, b) if affine else (x,)
    assert mt.gradcheck(fn, inputs)
    assert mt.gradgradcheck(fn, inputs)


@given(shape=shapes_nc, seed=st.integers(0, 2**31))
def test_batch_norm_eval_uses_running_stats_and_is_differentiable(shape, seed):
    rng = np.random.default_rng(seed)
    rm, rv = mt.tensor(rng.standard_normal(shape[1])), mt.tensor(rng.uniform(0.5, 2, shape[1]))
    x, w, b = leaf(seed, shape), leaf(seed + 1, shape[1:2]), leaf(seed + 2, shape[1:2])
    view = (1, -1) + (1,) * (len(shape) - 2)
    expected = (host(x) - host(rm).reshape(view)) / np.sqrt(host(rv).reshape(view) + 1e-5) * host(w).reshape(view) \
        + host(b).reshape(view)
    np.testing.assert_allclose(host(F.batch_norm(x, rm, rv, w, b)), expected, rtol=1e-12)
    assert mt.gradcheck(lambda *t: F.batch_norm(t[0], rm, rv, t[1], t[2]), (x, w, b))


def test_batch_norm_one_value_per_channel_raises_in_training_only():
    layer = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, got input size \[1, 3\]"):
        layer(mt.randn(1, 3))
    layer.eval()
    assert layer(mt.randn(1, 3)).shape == (1, 3)


def test_batch_norm_module_momentum_none_is_a_cumulative_average():
    layer = nn.BatchNorm2d(2, momentum=None).double()
    batches = [np.random.default_rng(i).standard_normal((3, 2, 2, 2)) + i for i in range(4)]
    for x in batches:
        layer(mt.tensor(x))
    means = [x.mean(axis=(0, 2, 3)) for x in batches]
    np.testing.assert_allclose(host(layer.running_mean), np.mean(means, axis=0), rtol=1e-12)
    assert layer.num_batches_tracked.item() == 4


def test_gradcheck_restores_batch_norm_running_stats():
    layer = nn.BatchNorm2d(2).double()
    before = host(layer.running_mean).copy()
    assert mt.gradcheck(layer, (leaf(0, (3, 2, 2, 2)),))
    np.testing.assert_array_equal(host(layer.running_mean), before)


def test_batch_norm_layer_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"BatchNorm2d\(4.*expected input with 4 channels \(dim 1\), got shape \[2, 3, 5, 5\]"):
        nn.BatchNorm2d(4)(mt.randn(2, 3, 5, 5))
    with pytest.raises(ValueError, match=r"BatchNorm2d.*expected a 4-D input"):
        nn.BatchNorm2d(4)(mt.randn(2, 4))


@given(shape=st.sampled_from([(2, 3, 4), (3, 2, 2, 3)]), seed=st.integers(0, 2**31))
def test_layer_group_instance_norm_match_formulas(shape, seed):
    x = leaf(seed, shape)
    a = host(x)
    last = a.shape[-1]
    w, b = leaf(seed + 1, (last,)), leaf(seed + 2, (last,))
    expected = (a - a.mean(-1, keepdims=True)) / np.sqrt(a.var(-1, keepdims=True) + 1e-5) * host(w) + host(b)
    np.testing.assert_allclose(host(F.layer_norm(x, (last,), w, b)), expected, rtol=1e-10, atol=1e-12)
    assert mt.gradcheck(lambda *t: F.layer_norm(t[0], (last,), t[1], t[2]), (x, w, b))
    groups = 1 if shape[1] == 3 else 2
    g = a.reshape(shape[0], groups, -1)
    expected = ((g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + 1e-5)).reshape(shape)
    np.testing.assert_allclose(host(F.group_norm(x, groups)), expected, rtol=1e-10, atol=1e-12)
    assert mt.gradcheck(lambda t: F.group_norm(t, groups), (x,))
    flat = a.reshape(shape[0], shape[1], -1)
    expected = ((flat - flat.mean(-1, keepdims=True)) / np.sqrt(flat.var(-1, keepdims=True) + 1e-5)).reshape(shape)
    np.testing.assert_allclose(host(F.instance_norm(x)), expected, rtol=1e-10, atol=1e-12)


def test_group_norm_rejects_indivisible_channels():
    with pytest.raises(ValueError, match=r"num_channels \(6\) must be divisible by num_groups \(4\)"):
        nn.GroupNorm(4, 6)


@given(size=st.integers(1, 5), seed=st.integers(0, 2**31))
def test_local_response_norm_matches_direct_sum(size, seed):
    x = leaf(seed, (2, 6, 2, 3))
    a = host(x)
    expected = np.empty_like(a)
    for c in range(6):
        lo, hi = max(c - size // 2, 0), min(c + (size - 1) // 2, 5)
        expected[:, c] = a[:, c] / (2.0 + 1e-2 / size * (a[:, lo:hi + 1] ** 2).sum(1)) ** 0.75
    np.testing.assert_allclose(host(F.local_response_norm(x, size, 1e-2, 0.75, 2.0)), expected, rtol=1e-12)
    assert mt.gradcheck(lambda t: F.local_response_norm(t, size, 1e-2, 0.75, 2.0), (x,))


@given(shape=shapes_nc, seed=st.integers(0, 2**31))
def test_numba_batch_norm_kernels_agree_with_reference(shape, seed):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 5 + 3).astype(np.float32).reshape(shape[0], shape[1], -1)
    w, b = rng.standard_normal(shape[1]).astype(np.float32), rng.standard_normal(shape[1]).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    ref, fast = kernels.implementations("batch_norm_train"), kernels.implementations("batch_norm_train")
    ref, fast = ref["reference"](x, w, b, 1e-5), fast["cpu"](x, w, b, 1e-5)
    for a, c in zip(ref, fast):
        np.testing.assert_allclose(a, c, rtol=1e-4, atol=1e-4)
    back = kernels.implementations("batch_norm_backward")
    for a, c in zip(back["reference"](x, g, ref[1], ref[3], w), back["cpu"](x, g, ref[1], ref[3], w)):
        np.testing.assert_allclose(a, c, rtol=1e-4, atol=1e-4)


def test_numba_batch_norm_is_accurate_in_float32_far_from_zero():
    """A channel at mean 1000 with unit spread: E[x²] - E[x]² summed in float32 would lose
    the variance entirely (the kernels sum shifted values in float64), and the float32
    elementwise passes must stay within the input's own rounding. Against the float64
    reference."""
    rng = np.random.default_rng(0)
    x64 = rng.standard_normal((8, 4, 300)) + 1000.0
    g64 = rng.standard_normal(x64.shape)
    w64, b64 = rng.standard_normal(4), rng.standard_normal(4)
    ref = kernels.implementations("batch_norm_train")["reference"](x64, w64, b64, 1e-5)
    y, mean, _, invstd = kernels.implementations("batch_norm_train")["cpu"](
        *(a.astype(np.float32) for a in (x64, w64, b64)), 1e-5)
    # float32 cannot hold x to better than 6e-5 (its spacing at 1000), so that bounds y's error
    np.testing.assert_allclose(y, ref[0], atol=2e-4 * np.abs(w64).max())
    ref_back = kernels.implementations("batch_norm_backward")["reference"](x64, g64, ref[1], ref[3], w64)
    back = kernels.implementations("batch_norm_backward")["cpu"](
        x64.astype(np.float32), g64.astype(np.float32), mean, invstd, w64.astype(np.float32))
    np.testing.assert_allclose(back[0], ref_back[0], atol=2e-4 * np.abs(w64).max())
    np.testing.assert_allclose(back[1], ref_back[1], rtol=1e-3, atol=2e-2)
    np.testing.assert_allclose(back[2], ref_back[2], rtol=1e-5, atol=1e-3)
