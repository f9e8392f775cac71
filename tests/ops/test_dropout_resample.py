"""Dropout (masks, scaling, modes, gradient = mask), interpolation against direct loops
of PyTorch's coordinate formulas, pixel/channel shuffles against index formulas."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import nn
from tests.helpers import host, leaf


def test_dropout_zeroes_a_fraction_p_and_scales_the_rest():
    x = mt.ones(200, 100, requires_grad=True)
    y = F.dropout(x, 0.3)
    values = host(y)
    assert set(np.unique(values)) <= {0.0, np.float32(1 / 0.7)}
    assert abs((values == 0).mean() - 0.3) < 0.02
    y.sum().backward()
    np.testing.assert_array_equal(host(x.grad), values)  # the gradient is the mask
    assert F.dropout(x, 0.3, training=False) is x
    assert not host(F.dropout(x, 1.0)).any()


def test_dropout_layers_follow_train_and_eval():
    layer = nn.Dropout(0.5)
    x = mt.ones(10, 10)
    layer.eval()
    assert layer(x) is x
    layer.train()
    assert (host(layer(x)) == 0).any()
    mt.manual_seed(1)
    a = host(layer(x))
    mt.manual_seed(1)
    np.testing.assert_array_equal(a, host(layer(x)))  # seeded


def test_dropout2d_drops_whole_channels_and_stochastic_depth_whole_samples():
    out = host(F.dropout2d(mt.ones(8, 16, 3, 3), 0.5))
    per_channel = out.reshape(8, 16, -1)
    assert (per_channel.min(-1) == per_channel.max(-1)).all()
    assert set(np.unique(out)) == {0.0, 2.0}
    depth = host(F.stochastic_depth(mt.ones(32, 2, 2, 2), 0.25, "row"))
    per_sample = depth.reshape(32, -1)
    assert (per_sample.min(-1) == per_sample.max(-1)).all() and set(np.unique(depth)) <= {0.0, np.float32(1 / 0.75)}
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        F.dropout(mt.ones(2), 1.5)
    with pytest.raises(ValueError, match="mode has to be either 'batch' or 'row'"):
        F.stochastic_depth(mt.ones(2), 0.1, "col")


def _source(dst, in_size, out_size, align_corners):
    if align_corners:
        return dst * (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    return max((dst + 0.5) * in_size / out_size - 0.5, 0.0)


def direct_bilinear(x, out_hw, align_corners):
    n, c, h, w = x.shape
    out = np.zeros((n, c) + out_hw)
    for i in range(out_hw[0]):
        sy = _source(i, h, out_hw[0], align_corners)
        y0 = min(int(math.floor(sy)), h - 1)
        y1, fy = min(y0 + 1, h - 1), sy - y0
        for j in range(out_hw[1]):
            sx = _source(j, w, out_hw[1], align_corners)
            x0 = min(int(math.floor(sx)), w - 1)
            x1, fx = min(x0 + 1, w - 1), sx - x0
            out[:, :, i, j] = ((1 - fy) * (1 - fx) * x[:, :, y0, x0] + (1 - fy) * fx * x[:, :, y0, x1]
                               + fy * (1 - fx) * x[:, :, y1, x0] + fy * fx * x[:, :, y1, x1])
    return out


@given(h=st.integers(1, 6), w=st.integers(1, 6), oh=st.integers(1, 9), ow=st.integers(1, 9), corners=st.booleans(),
       seed=st.integers(0, 2**31))
def test_bilinear_matches_direct_loop_and_gradients(h, w, oh, ow, corners, seed):
    x = leaf(seed, (2, 2, h, w))
    out = F.interpolate(x, size=(oh, ow), mode="bilinear", align_corners=corners)
    np.testing.assert_allclose(host(out), direct_bilinear(host(x), (oh, ow), corners), rtol=1e-12, atol=1e-12)
    assert mt.gradcheck(lambda t: F.interpolate(t, size=(oh, ow), mode="bilinear", align_corners=corners), (x,))


@given(h=st.integers(1, 6), oh=st.integers(1, 13), seed=st.integers(0, 2**31))
def test_nearest_picks_floor_of_scaled_index(h, oh, seed):
    x = leaf(seed, (1, 1, h, 3))
    out = host(F.interpolate(x, size=(oh, 3)))
    rows = [min(int(math.floor(i * h / oh)), h - 1) for i in range(oh)]
    np.testing.assert_array_equal(out[0, 0], host(x)[0, 0, rows])
    doubled = host(nn.Upsample(scale_factor=2)(x))
    np.testing.assert_array_equal(doubled, host(x).repeat(2, axis=2).repeat(2, axis=3))


def test_pixel_shuffle_and_channel_shuffle_index_formulas():
    r = 2
    x = mt.arange(2 * 8 * 3 * 3).reshape(2, 8, 3, 3).double()
    out = host(nn.PixelShuffle(r)(x))
    a = host(x)
    for c in range(2):
        for i in range(6):
            for j in range(6):
                assert out[1, c, i, j] == a[1, c * r * r + (i % r) * r + (j % r), i // r, j // r]
    np.testing.assert_array_equal(host(nn.PixelUnshuffle(r)(mt.tensor(out))), a)
    shuffled = host(nn.ChannelShuffle(4)(x))
    for c in range(8):  # channel g·(C/g) + k moves to k·g + g_index
        group, k = divmod(c, 2)
        np.testing.assert_array_equal(shuffled[:, k * 4 + group], a[:, c])
    with pytest.raises(ValueError, match=r"number of channels \(8\) must be divisible by groups \(3\)"):
        F.channel_shuffle(x, 3)
    assert mt.gradcheck(lambda t: F.pixel_shuffle(t, 2), (leaf(0, (1, 4, 2, 2)),))


def test_interpolate_errors():
    with pytest.raises(ValueError, match="exactly one of size or scale_factor"):
        F.interpolate(mt.ones(1, 1, 2, 2))
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(mt.ones(1, 1, 2, 2), scale_factor=2, align_corners=True)
