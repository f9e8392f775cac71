"""``F.unfold``/``F.fold`` against a direct loop over windows and as each other's adjoint;
``prod``, ``norm``/``linalg.vector_norm`` and ``F.normalize`` against NumPy with their
gradients (zeros included); ``scaled_dot_product_attention(enable_gqa=True)`` against a
loop over heads."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from tests.helpers import array, host, leaf, nonscalar_shapes, seeds


def _windows_by_loop(x, k, d, p, s):
    """Columns (N, C·kH·kW, L) read window by window from the zero-padded input."""
    n, c, h, w = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    oh = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    out = np.zeros((n, c * k[0] * k[1], oh * ow))
    for b, ch, i, j, r, q in itertools.product(range(n), range(c), range(k[0]), range(k[1]), range(oh), range(ow)):
        out[b, (ch * k[0] + i) * k[1] + j, r * ow + q] = padded[b, ch, r * s[0] + i * d[0], q * s[1] + j * d[1]]
    return out


geometries = st.tuples(st.tuples(st.integers(1, 3), st.integers(1, 3)), st.tuples(st.integers(1, 2), st.integers(1, 2)),
                       st.tuples(st.integers(0, 1), st.integers(0, 1)), st.tuples(st.integers(1, 2), st.integers(1, 2)))


@settings(max_examples=25)
@given(geometry=geometries, seed=seeds, hw=st.tuples(st.integers(4, 6), st.integers(4, 6)))
def test_unfold_reads_every_window_and_fold_is_its_adjoint(device, geometry, seed, hw):
    k, d, p, s = geometry
    shape = (2, 2) + hw
    x, values = leaf(seed, shape, device), array(seed, shape)
    columns = F.unfold(x, k, d, p, s)
    expected = _windows_by_loop(values, k, d, p, s)
    np.testing.assert_array_equal(host(columns), expected)
    upstream = array(seed + 1, expected.shape)
    folded = F.fold(mt.tensor(upstream, device=device), hw, k, d, p, s)
    # <unfold(x), c> = <x, fold(c)>: fold is unfold's adjoint
    assert np.sum(expected * upstream) == pytest.approx(np.sum(values * host(folded)), rel=1e-10)
    assert mt.gradcheck(lambda t: F.unfold(t, k, d, p, s), (x,))
    cols = mt.tensor(upstream, device=device, requires_grad=True)
    assert mt.gradcheck(lambda c: F.fold(c, hw, k, d, p, s), (cols,))
    assert mt.gradgradcheck(lambda t: F.unfold(t * t, k, d, p, s), (x,))


def test_fold_of_unfold_counts_the_windows_covering_each_pixel():
    ones = mt.ones(1, 1, 4, 4)
    counts = F.fold(F.unfold(ones, 3, padding=1), (4, 4), 3, padding=1)
    assert counts[0, 0].tolist() == [[4, 6, 6, 4], [6, 9, 9, 6], [6, 9, 9, 6], [4, 6, 6, 4]]
    assert F.unfold(mt.ones(2, 4, 4), 2).shape == (8, 9)  # unbatched


def test_unfold_and_fold_errors():
    with pytest.raises(ValueError, match="Expected 3D .unbatched. or 4D .batched. input, got 2"):
        F.unfold(mt.ones(4, 4), 2)
    with pytest.raises(RuntimeError, match="does not fit the padded input 4x4"):
        F.unfold(mt.ones(1, 1, 4, 4), 5)
    with pytest.raises(RuntimeError, match="divisible by the product of kernel_size"):
        F.fold(mt.ones(1, 5, 9), (4, 4), 2)
    with pytest.raises(RuntimeError, match="calculated number of sliding blocks 9, but got input.size.2.=8"):
        F.fold(mt.ones(1, 4, 8), (4, 4), 2)


@given(shape=nonscalar_shapes, seed=seeds, data=st.data())
def test_prod_matches_numpy_and_its_gradient_is_the_product_of_the_others(device, shape, seed, data):
    dim = data.draw(st.integers(0, len(shape) - 1))
    values = array(seed, shape)
    if data.draw(st.booleans()):
        values.flat[0] = 0.0  # a zero: out / x would be 0/0
    x = mt.tensor(values, device=device, requires_grad=True)
    np.testing.assert_allclose(host(x.prod(dim)), np.prod(values, axis=dim), rtol=1e-12, atol=1e-15)
    (grad,) = mt.autograd.grad(x.prod(dim).sum(), x)
    others = np.empty(shape)
    for position in itertools.product(*map(range, shape)):
        row = list(position)
        row[dim] = slice(None)
        line = values[tuple(row)].copy()
        line[position[dim]] = 1.0
        others[position] = np.prod(line)
    np.testing.assert_allclose(host(grad), others, rtol=1e-12, atol=1e-15)
    assert mt.gradcheck(lambda t: t.prod(dim), (x,))
    assert mt.gradgradcheck(lambda t: t.prod(dim, keepdim=True), (x,))
    assert x.prod().item() == pytest.approx(np.prod(values), rel=1e-12, abs=1e-300)
    assert mt.tensor([2, 3]).prod().dtype == mt.int64


@pytest.mark.parametrize("p", [1, 2, 3, -1.5, math.inf, -math.inf])
@given(shape=nonscalar_shapes, seed=seeds, data=st.data())
def test_vector_norms_match_numpy_with_gradients(device, p, shape, seed, data):
    dim = data.draw(st.one_of(st.none(), st.integers(0, len(shape) - 1)))
    x, values = leaf(seed, shape, device), array(seed, shape)
    flat = values.reshape(-1) if dim is None else values
    expected = np.linalg.norm(flat, ord=p, axis=None if dim is None else dim)
    np.testing.assert_allclose(host(mt.linalg.vector_norm(x, p, dim)), expected, rtol=1e-12)
    assert mt.gradcheck(lambda t: mt.linalg.vector_norm(t, p, dim), (x,))
    if not math.isinf(p):
        assert mt.gradgradcheck(lambda t: mt.linalg.vector_norm(t, p, dim), (x,))


def test_norm_names_and_the_subgradient_at_zero():
    x = mt.tensor([[3.0, 4.0], [0.0, 0.0]], dtype=mt.float64, requires_grad=True)
    assert x.norm().item() == 5.0 and mt.norm(x, "fro").item() == 5.0
    assert x.norm(dim=1).tolist() == [5.0, 0.0]
    assert mt.linalg.vector_norm(x, 0).item() == 2.0  # the count of non-zeros
    (grad,) = mt.autograd.grad(x.norm(dim=1).sum(), x)
    assert grad.tolist() == [[0.6, 0.8], [0.0, 0.0]]  # x / ‖x‖, and 0 where the norm is 0
    with pytest.raises(NotImplementedError, match="matrix norm"):
        x.norm("nuc")
    with pytest.raises(RuntimeError, match="Expected a floating point"):
        mt.linalg.vector_norm(mt.tensor([1, 2]))


@given(shape=nonscalar_shapes, seed=seeds, data=st.data())
def test_normalize_divides_by_the_clamped_norm(device, shape, seed, data):
    dim = data.draw(st.integers(0, len(shape) - 1))
    p = data.draw(st.sampled_from([1.0, 2.0, 3.0]))
    x, values = leaf(seed, shape, device), array(seed, shape)
    norms = np.maximum(np.sum(np.abs(values) ** p, axis=dim, keepdims=True) ** (1 / p), 1e-12)
    np.testing.assert_allclose(host(F.normalize(x, p, dim)), values / norms, rtol=1e-12)
    assert mt.gradcheck(lambda t: F.normalize(t, p, dim), (x,))
    assert F.normalize(mt.zeros(2, 3)).tolist() == [[0.0] * 3] * 2  # eps keeps zeros at zero


def test_grouped_query_attention_shares_each_key_head_between_query_heads():
    rng = np.random.default_rng(0)
    q, k, v = rng.standard_normal((2, 6, 4, 3)), rng.standard_normal((2, 2, 5, 3)), rng.standard_normal((2, 2, 5, 2))
    out = F.scaled_dot_product_attention(mt.tensor(q), mt.tensor(k), mt.tensor(v), enable_gqa=True)
    expected = np.empty((2, 6, 4, 2))
    for head in range(6):
        shared = head // 3  # 6 query heads over 2 key heads: 3 consecutive query heads per key head
        scores = q[:, head] @ k[:, shared].transpose(0, 2, 1) / math.sqrt(3)
        weights = np.exp(scores - scores.max(-1, keepdims=True))
        expected[:, head] = (weights / weights.sum(-1, keepdims=True)) @ v[:, shared]
    np.testing.assert_allclose(host(out), expected, rtol=1e-10)
    with pytest.raises(ValueError, match="must be a multiple"):
        F.scaled_dot_product_attention(mt.tensor(q[:, :5]), mt.tensor(k), mt.tensor(v), enable_gqa=True)
