"""interpolate on 5-D (N, C, D, H, W) inputs (nearest, nearest-exact, trilinear with
align_corners both ways) and 3-D (N, C, L) ones (nearest, linear): against a direct loop
over the output voxels written here, gradients, PyTorch's errors, and PyTorch itself
where it is installed."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import nn
from tests.helpers import array, host, leaf, seeds


def _source(dst, in_size, out_size, align_corners):
    """The fractional source coordinate of output position ``dst`` (PyTorch's rule)."""
    if align_corners:
        return dst * (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    return max((dst + 0.5) * in_size / out_size - 0.5, 0.0)


def direct_linear(x, out_sizes, align_corners):
    """Each output voxel as the weighted sum of its 2^k neighbours, weights the products
    of the per-axis fractions."""
    spatial = x.shape[2:]
    out = np.zeros(x.shape[:2] + tuple(out_sizes))
    for position in itertools.product(*(range(s) for s in out_sizes)):
        coords = [_source(p, n, m, align_corners) for p, n, m in zip(position, spatial, out_sizes)]
        lows = [min(int(np.floor(c)), n - 1) for c, n in zip(coords, spatial)]
        for corner in itertools.product((0, 1), repeat=len(spatial)):
            weight, at = 1.0, []
            for c, low, n, up in zip(coords, lows, spatial, corner):
                frac = c - low
                weight *= frac if up else 1 - frac
                at.append(min(low + up, n - 1))
            out[(slice(None), slice(None)) + position] += weight * x[(slice(None), slice(None)) + tuple(at)]
    return out


sides = st.integers(1, 4)


@settings(max_examples=12)
@given(in_sizes=st.tuples(sides, sides, sides), out_sizes=st.tuples(sides, sides, sides),
       align_corners=st.booleans(), seed=seeds)
def test_trilinear_matches_a_direct_loop(device, in_sizes, out_sizes, align_corners, seed):
    x = leaf(seed, (1, 2) + in_sizes, device)
    resize = lambda t: F.interpolate(t, size=out_sizes, mode="trilinear", align_corners=align_corners)  # noqa: E731
    np.testing.assert_allclose(host(resize(x)), direct_linear(host(x), out_sizes, align_corners),
                               rtol=1e-12, atol=1e-12)
    assert mt.gradcheck(resize, (x,))


@given(length=st.integers(1, 6), out=st.integers(1, 9), align_corners=st.booleans(), seed=seeds)
def test_linear_matches_a_direct_loop(device, length, out, align_corners, seed):
    x = leaf(seed, (2, 3, length), device)
    resize = lambda t: F.interpolate(t, size=out, mode="linear", align_corners=align_corners)  # noqa: E731
    np.testing.assert_allclose(host(resize(x)), direct_linear(host(x), (out,), align_corners), rtol=1e-12,
                               atol=1e-12)
    assert mt.gradcheck(resize, (x,))


def test_trilinear_second_derivatives():
    x = leaf(3, (1, 1, 2, 3, 2))
    assert mt.gradgradcheck(lambda t: F.interpolate(t * t, size=(3, 2, 4), mode="trilinear"), (x,))


@given(in_sizes=st.tuples(sides, sides, sides), factors=st.tuples(*(st.integers(1, 3),) * 3),
       exact=st.booleans(), seed=seeds)
def test_nearest_5d_by_whole_factors(device, in_sizes, factors, exact, seed):
    """Up by a whole factor r, output i reads input i // r in both nearest modes (the
    centre rule moves nothing); down by r, nearest reads i·r and nearest-exact i·r + r//2."""
    mode = "nearest-exact" if exact else "nearest"
    x = leaf(seed, (1, 2) + in_sizes, device)
    up = F.interpolate(x, size=tuple(n * r for n, r in zip(in_sizes, factors)), mode=mode)
    expected = host(x)
    for axis, r in enumerate(factors):
        expected = np.repeat(expected, r, axis=2 + axis)
    np.testing.assert_array_equal(host(up), expected)
    assert mt.gradcheck(lambda t: F.interpolate(t, scale_factor=factors, mode=mode), (x,))
    big = leaf(seed, (1, 1) + tuple(n * r for n, r in zip(in_sizes, factors)), device)
    down = F.interpolate(big, size=in_sizes, mode=mode)
    picks = tuple(np.arange(n) * r + (r // 2 if exact else 0) for n, r in zip(in_sizes, factors))
    np.testing.assert_array_equal(host(down), host(big)[np.ix_([0], [0], *picks)])


def test_integer_volumes_take_nearest_but_not_trilinear():
    x = mt.arange(8).reshape(1, 1, 2, 2, 2)
    assert F.interpolate(x, scale_factor=2).dtype == mt.int64
    with pytest.raises(TypeError, match="mode 'trilinear' needs a floating point input"):
        F.interpolate(x, scale_factor=2, mode="trilinear")


def test_interpolate_rank_and_mode_errors_are_pytorchs():
    with pytest.raises(NotImplementedError, match="got a 4-D input .* trilinear mode needs a 5-D input"):
        F.interpolate(mt.ones(1, 1, 2, 2), scale_factor=2, mode="trilinear")
    with pytest.raises(NotImplementedError, match="bilinear mode needs a 4-D input"):
        F.interpolate(mt.ones(1, 1, 2, 2, 2), scale_factor=2, mode="bilinear")
    with pytest.raises(NotImplementedError, match="got a 6-D input"):
        F.interpolate(mt.ones(1, 1, 2, 2, 2, 2), scale_factor=2)
    with pytest.raises(NotImplementedError, match="mode 'bicubic2'"):
        F.interpolate(mt.ones(1, 1, 2, 2, 2), scale_factor=2, mode="bicubic2")
    with pytest.raises(ValueError, match="or 3 positive ints for a 5-D input"):
        F.interpolate(mt.ones(1, 1, 2, 2, 2), size=(4, 4))


def test_upsample_layer_takes_trilinear():
    layer = nn.Upsample(scale_factor=2, mode="trilinear", align_corners=True)
    assert layer(mt.ones(1, 2, 2, 3, 1)).shape == (1, 2, 4, 6, 2)


@settings(max_examples=10)
@given(in_sizes=st.tuples(sides, sides, sides), scales=st.tuples(*(st.sampled_from([0.5, 1.5, 2.0, 2.5]),) * 3),
       mode=st.sampled_from(["nearest", "nearest-exact", "trilinear"]), align_corners=st.booleans(), seed=seeds)
def test_5d_interpolation_agrees_with_pytorch(in_sizes, scales, mode, align_corners, seed):
    torch = pytest.importorskip("torch")
    if any(int(n * s) < 1 for n, s in zip(in_sizes, scales)):
        return
    corners = align_corners if mode == "trilinear" else None
    values = array(seed, (1, 2) + in_sizes)
    ours = F.interpolate(mt.tensor(values), scale_factor=scales, mode=mode, align_corners=corners)
    theirs = torch.nn.functional.interpolate(torch.tensor(values), scale_factor=scales, mode=mode,
                                             align_corners=corners)
    np.testing.assert_allclose(host(ours), theirs.numpy(), rtol=1e-12, atol=1e-12)
