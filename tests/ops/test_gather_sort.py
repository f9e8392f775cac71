"""``gather``, ``scatter``, ``scatter_add``, ``index_select``, ``take_along_dim``, the
ordering ops (``sort``, ``argsort``, ``topk``, ``kthvalue``, ``median``), ``repeat``,
``repeat_interleave`` and ``cumsum``: values against direct loops and NumPy, gradients in
float64 over hypothesis-drawn shapes and dims, and their errors."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch_cnn as mt
from tests.helpers import array, host, leaf, nonscalar_shapes, seeds


def _index(seed, input_shape, dim, bound):
    """An int64 index no larger than the input at each dim, entries in [0, bound)."""
    rng = np.random.default_rng(seed)
    shape = tuple(int(rng.integers(1, s + 1)) for s in input_shape)
    shape = shape[:dim] + (int(rng.integers(1, 5)),) + shape[dim + 1:]
    return rng.integers(0, bound, shape)


@given(shape=nonscalar_shapes, seed=seeds, data=st.data())
def test_gather_is_the_direct_loop(device, shape, seed, data):
    dim = data.draw(st.integers(0, len(shape) - 1))
    index = _index(seed, shape, dim, shape[dim])
    x, values = leaf(seed, shape, device), array(seed, shape)
    expected = np.empty(index.shape)
    for position in itertools.product(*map(range, index.shape)):
        source = list(position)
        source[dim] = index[position]
        expected[position] = values[tuple(source)]
    idx = mt.tensor(index, device=device)
    np.testing.assert_array_equal(host(mt.gather(x, dim, idx)), expected)
    assert mt.gradcheck(lambda t: t.gather(dim, idx), (x,))
    assert mt.gradgradcheck(lambda t: (t * t).gather(dim, idx), (x,))


@given(shape=nonscalar_shapes, seed=seeds, data=st.data())
def test_scatter_add_is_the_direct_loop(device, shape, seed, data):
    dim = data.draw(st.integers(0, len(shape) - 1))
    index = _index(seed, shape, dim, shape[dim])
    source_values = array(seed + 1, index.shape)
    x, values = leaf(seed, shape, device), array(seed, shape)
    src = mt.tensor(source_values, device=device, requires_grad=True)
    expected = values.copy()
    for position in itertools.product(*map(range, index.shape)):
        target = list(position)
        target[dim] = index[position]
        expected[tuple(target)] += source_values[position]  # repeated targets accumulate
    idx = mt.tensor(index, device=device)
    np.testing.assert_allclose(host(x.scatter_add(dim, idx, src)), expected, rtol=1e-12, atol=1e-12)
    assert mt.gradcheck(lambda t, s: t.scatter_add(dim, idx, s), (x, src))
    assert mt.gradgradcheck(lambda t, s: (t * s.sum()).scatter_add(dim, idx, s * s), (x, src))


@given(shape=nonscalar_shapes, seed=seeds, data=st.data())
def test_scatter_writes_each_position_once(device, shape, seed, data):
    """Without repeated targets (a permutation along dim), scatter is exactly the loop; the
    overwritten elements of the input get no gradient."""
    dim = data.draw(st.integers(0, len(shape) - 1))
    rng = np.random.default_rng(seed)
    count = int(rng.integers(1, shape[dim] + 1))
    index_shape = shape[:dim] + (count,) + shape[dim + 1:]
    index = np.moveaxis(np.stack([rng.permutation(shape[dim])[:count]
                                  for _ in range(int(np.prod(index_shape)) // count)]).reshape(
        tuple(s for d, s in enumerate(index_shape) if d != dim) + (count,)), -1, dim)
    src_values = array(seed + 1, index_shape)
    x, values = leaf(seed, shape, device), array(seed, shape)
    src = mt.tensor(src_values, device=device, requires_grad=True)
    expected, written = values.copy(), np.zeros(shape, dtype=bool)
    for position in itertools.product(*map(range, index.shape)):
        target = list(position)
        target[dim] = index[position]
        expected[tuple(target)], written[tuple(target)] = src_values[position], True
    idx = mt.tensor(index, device=device)
    np.testing.assert_array_equal(host(x.scatter(dim, idx, src)), expected)
    assert mt.gradcheck(lambda t, s: t.scatter(dim, idx, s), (x, src))
    (grad,) = mt.autograd.grad(x.scatter(dim, idx, src).sum(), x)
    np.testing.assert_array_equal(host(grad), (~written).astype(float))
    filled = x.detach().scatter(dim, idx, value=7.0)
    np.testing.assert_array_equal(host(filled), np.where(written, 7.0, values))


def test_scatter_reads_only_the_leading_block_of_a_larger_src():
    src = (mt.arange(12.0).reshape(3, 4) + 1).double().requires_grad_()
    out = mt.zeros(2, 4, dtype=mt.float64).scatter(0, mt.tensor([[1, 0]]), src)
    assert out.tolist() == [[0.0, 2.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]]
    (grad,) = mt.autograd.grad((out * mt.arange(8.0).reshape(2, 4).double()).sum(), src)
    # src[0, 0] went to out[1, 0] (weight 4), src[0, 1] to out[0, 1] (weight 1); the rest unread
    assert grad.tolist() == [[4.0, 1.0, 0.0, 0.0], [0.0] * 4, [0.0] * 4]


def test_scatter_multiply_and_add_reductions():
    base = mt.full((4,), 2.0)
    index = mt.tensor([0, 0, 3])
    assert base.scatter(0, index, mt.tensor([3.0, 5.0, 7.0]), reduce="multiply").tolist() == [30.0, 2.0, 2.0, 14.0]
    assert base.scatter(0, index, mt.tensor([3.0, 5.0, 7.0]), reduce="add").tolist() == [10.0, 2.0, 2.0, 9.0]


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.gather(0, mt.tensor([[0.0]])), TypeError, "Expected dtype int64 for index"),
    (lambda x: x.gather(0, mt.tensor([0])), ValueError, "same number of dimensions"),
    (lambda x: x.gather(1, mt.tensor([[5]])), IndexError, "index 5 is out of bounds for dimension 1 with size 3"),
    (lambda x: x.gather(1, mt.tensor([[-1]])), IndexError, "index -1 is out of bounds"),
    (lambda x: x.gather(0, mt.zeros(1, 4, dtype=mt.int64)), RuntimeError, "Size does not match at dimension 1"),
    (lambda x: x.scatter_add(0, mt.zeros(2, 2, dtype=mt.int64), mt.ones(1, 2)), RuntimeError, "larger than src"),
    (lambda x: x.scatter(0, mt.zeros(1, 1, dtype=mt.int64)), TypeError, "give src"),
    (lambda x: x.scatter(0, mt.zeros(1, 1, dtype=mt.int64), 1.0, reduce="max"), ValueError, "reduce must be"),
    (lambda x: x.scatter_add(0, mt.zeros(1, 1, dtype=mt.int64), mt.ones(1, 1, dtype=mt.float64)), TypeError,
     "Expected self.dtype to be equal to src.dtype"),
])
def test_index_errors_name_the_problem_and_change_nothing(call, error, message):
    x = mt.ones(2, 3)
    with pytest.raises(error, match=message):
        call(x)
    assert x.tolist() == [[1.0] * 3] * 2


def test_index_select_and_take_along_dim():
    x = mt.arange(12.0).reshape(3, 4).double().requires_grad_()
    assert mt.index_select(x, 1, mt.tensor([3, 0, 3])).tolist() == [[3, 0, 3], [7, 4, 7], [11, 8, 11]]
    assert mt.gradcheck(lambda t: mt.index_select(t, 0, mt.tensor([2, 2, 0])), (x,))
    order = mt.tensor([[1, 0, 3, 2]]).expand(3, 4).contiguous()
    np.testing.assert_array_equal(host(mt.take_along_dim(x, mt.tensor([[1, 0, 3, 2]]), 1)),
                                  np.take_along_axis(host(x), host(order), 1))
    assert mt.take_along_dim(x, mt.tensor([11, 0])).tolist() == [11.0, 0.0]


def _ranked(values, dim, descending):
    """Stable order along dim by a direct Python sort of each row (NaN last ascending)."""
    moved = np.moveaxis(values, dim, -1)
    order = np.empty(moved.shape, dtype=np.int64)
    for row in itertools.product(*map(range, moved.shape[:-1])):
        keys = [(np.isnan(v), v if not np.isnan(v) else 0.0) for v in moved[row]]
        ranked = sorted(range(len(keys)), key=lambda i: keys[i], reverse=False)
        if descending:  # stable descending: sort by the negated key, ties in their order
            ranked = sorted(range(len(keys)), key=lambda i: (not keys[i][0], -keys[i][1]))
        order[row] = ranked
    return np.moveaxis(order, -1, dim)


@given(shape=nonscalar_shapes, seed=seeds, data=st.data())
def test_sort_is_a_stable_sort_with_gradients(device, shape, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    descending = data.draw(st.booleans())
    values = np.round(array(seed, shape), 0)  # rounded: many ties, to check stability
    x = mt.tensor(values, device=device)
    result = x.sort(dim, descending=descending)
    order = _ranked(values, dim % len(shape), descending)
    np.testing.assert_array_equal(host(result.indices), order)
    np.testing.assert_array_equal(host(result.values), np.take_along_axis(values, order, dim))
    np.testing.assert_array_equal(host(x.argsort(dim, descending=descending)), order)
    distinct = leaf(seed, shape, device)  # distinct values: the order is stable under finite differences
    assert mt.gradcheck(lambda t: t.sort(dim, descending=descending).values, (distinct,))
    assert mt.gradgradcheck(lambda t: (t * t).sort(dim).values, (distinct,))


def test_sort_puts_nan_last_and_handles_unsigned_and_bool():
    x = mt.tensor([2.0, float("nan"), -1.0, 2.0])
    assert x.sort().indices.tolist() == [2, 0, 3, 1]
    assert x.sort(descending=True).indices.tolist() == [1, 0, 3, 2]
    assert mt.tensor([3, 0, 3], dtype=mt.uint8).sort(descending=True).indices.tolist() == [0, 2, 1]
    assert mt.tensor([True, False, True]).sort().values.tolist() == [False, True, True]


@settings(max_examples=20)
@given(shape=nonscalar_shapes, seed=seeds, data=st.data())
def test_topk_kthvalue_and_median_from_the_sorted_rows(device, shape, seed, data):
    dim = data.draw(st.integers(0, len(shape) - 1))
    n = shape[dim]
    k = data.draw(st.integers(1, n))
    x, values = leaf(seed, shape, device), array(seed, shape)
    ordered = np.sort(values, axis=dim)
    top = x.topk(k, dim)
    np.testing.assert_array_equal(host(top.values), np.flip(ordered, dim).take(range(k), axis=dim))
    np.testing.assert_array_equal(host(x.topk(k, dim, largest=False).values), ordered.take(range(k), axis=dim))
    np.testing.assert_array_equal(host(x.detach().gather(dim, top.indices)), host(top.values))
    kth = x.kthvalue(k, dim, keepdim=True)
    np.testing.assert_array_equal(host(kth.values), ordered.take([k - 1], axis=dim))
    median = x.median(dim)
    np.testing.assert_array_equal(host(median.values), ordered.take((n - 1) // 2, axis=dim))  # the lower one
    assert x.median().item() == np.sort(values.ravel())[(values.size - 1) // 2]
    assert mt.gradcheck(lambda t: t.topk(k, dim).values, (x,))
    assert mt.gradcheck(lambda t: t.median(dim).values, (x,))


def test_median_with_nan():
    x = mt.tensor([[1.0, float("nan"), 3.0, 2.0], [4.0, 1.0, 3.0, 2.0]])
    result = x.median(1)
    assert np.isnan(result.values[0].item()) and result.indices.tolist() == [1, 3]
    assert x.nanmedian(1).values.tolist() == [2.0, 2.0]
    assert mt.tensor([float("nan")] * 2).nanmedian().item() != mt.tensor([float("nan")] * 2).nanmedian().item()


def test_ordering_errors():
    x = mt.ones(2, 3)
    with pytest.raises(RuntimeError, match="k out of range: k = 4 for dimension 1 of size 3"):
        x.topk(4)
    with pytest.raises(RuntimeError, match="k out of range: k = 0"):
        x.kthvalue(0)
    with pytest.raises(IndexError):
        x.sort(2)
    with pytest.raises(RuntimeError, match="cannot be empty"):
        mt.zeros(0).median()


@given(shape=nonscalar_shapes, seed=seeds, data=st.data())
def test_repeat_is_numpy_tile(device, shape, seed, data):
    extra = data.draw(st.integers(0, 2))
    sizes = tuple(data.draw(st.lists(st.integers(1, 3), min_size=len(shape) + extra, max_size=len(shape) + extra)))
    x, values = leaf(seed, shape, device), array(seed, shape)
    np.testing.assert_array_equal(host(x.repeat(*sizes)), np.tile(values, sizes))
    assert mt.gradcheck(lambda t: t.repeat(*sizes), (x,))
    assert mt.gradgradcheck(lambda t: (t * t).repeat(sizes), (x,))


@given(shape=nonscalar_shapes, seed=seeds, data=st.data())
def test_repeat_interleave_is_numpy_repeat(device, shape, seed, data):
    dim = data.draw(st.one_of(st.none(), st.integers(0, len(shape) - 1)))
    size = int(np.prod(shape)) if dim is None else shape[dim]
    counts = data.draw(st.one_of(st.integers(0, 3), st.lists(st.integers(0, 3), min_size=size, max_size=size)))
    x, values = leaf(seed, shape, device), array(seed, shape)
    repeats = counts if isinstance(counts, int) else mt.tensor(counts, dtype=mt.int64, device=device)
    np.testing.assert_array_equal(host(x.repeat_interleave(repeats, dim)), np.repeat(values, counts, axis=dim))
    assert mt.gradcheck(lambda t: t.repeat_interleave(repeats, dim), (x,))


def test_repeat_errors():
    with pytest.raises(RuntimeError, match="can not be smaller than number of dimensions"):
        mt.ones(2, 3).repeat(2)
    with pytest.raises(RuntimeError, match="same size as input along dim"):
        mt.ones(2, 3).repeat_interleave(mt.tensor([1, 2]), dim=1)
    with pytest.raises(RuntimeError, match="can not be negative"):
        mt.ones(2).repeat_interleave(mt.tensor([1, -1]), dim=0)
    assert mt.repeat_interleave(mt.tensor([2, 0, 1])).tolist() == [0, 0, 2]


@given(shape=nonscalar_shapes, seed=seeds, data=st.data())
def test_cumsum_is_the_running_sum(device, shape, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x, values = leaf(seed, shape, device), array(seed, shape)
    np.testing.assert_allclose(host(x.cumsum(dim)), np.cumsum(values, axis=dim), rtol=1e-12, atol=1e-12)
    assert mt.gradcheck(lambda t: t.cumsum(dim), (x,))
    assert mt.gradgradcheck(lambda t: (t * t).cumsum(dim), (x,))
    assert mt.tensor([True, True]).cumsum(0).tolist() == [1, 2]
    assert mt.tensor([1, 2], dtype=mt.int32).cumsum(0).dtype == mt.int64


@pytest.mark.parametrize("sizes", [(3, 1, 1), (1, 1, 1), (2, 2, 1), (4, 1, 1, 1)])
def test_repeat_returns_new_memory_that_can_be_written(device, sizes):
    """As torch.Tensor.repeat: a copy, never a view of the input or of itself (a leading
    repeated dim was a stride-0 view, which refused writes and would have shared them)."""
    x = mt.arange(6, dtype=mt.float32, device=device).reshape(1, 2, 3)
    out = x.repeat(*sizes)
    out[(0,) * out.ndim] = 100.0
    assert host(x).tolist() == [[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]]
    expected = np.tile(np.arange(6, dtype=np.float32).reshape(1, 2, 3), sizes)
    expected[(0,) * expected.ndim] = 100.0
    np.testing.assert_array_equal(host(out), expected)
