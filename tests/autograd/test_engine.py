"""The backward engine: ordering, accumulation, broadcasting, freeing, memory, grad(),
higher-order gradients, hooks, and the version counter."""

import gc
import sys
import weakref

import numpy as np
import pytest
from hypothesis import given

import minitorch_cnn as mt
from minitorch_cnn.autograd import Node
from tests.helpers import broadcastable_pair, host, leaf, seeds


def test_chain_of_10000_ops_does_not_recurse(device):
    x = mt.tensor([1.0], dtype=mt.float64, device=device, requires_grad=True)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # far below the chain's depth: any recursion would fail
    try:
        y = x
        for _ in range(10_000):
            y = y * 1.0001
        y.backward()
    finally:
        sys.setrecursionlimit(limit)
    np.testing.assert_allclose(x.grad.tolist(), [1.0001 ** 10_000], rtol=1e-9)
    del y  # freeing the 10,000-node chain must not recurse either


def test_gradients_accumulate_for_a_tensor_used_several_times(device):
    x = mt.tensor([2.0, 3.0], dtype=mt.float64, device=device, requires_grad=True)
    (x * x + x * 3 + x.exp()).sum().backward()
    expected = 2 * np.array([2.0, 3.0]) + 3 + np.exp([2.0, 3.0])
    np.testing.assert_allclose(x.grad.tolist(), expected)


def test_backward_accumulates_into_grad_across_calls(device):
    x = mt.tensor([1.0, 2.0], device=device, requires_grad=True)
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0]


@given(shapes=broadcastable_pair(), seed=seeds)
def test_broadcast_gradients_are_reduced_to_the_input_shape(device, shapes, seed):
    a, b = leaf(seed, shapes[0], device), leaf(seed + 1, shapes[1], device)
    (a * b).sum().backward()
    assert a.grad.shape == a.shape and b.grad.shape == b.shape
    other = np.broadcast_to(host(b), np.broadcast_shapes(a.shape, b.shape))
    expected = other.sum(axis=tuple(range(other.ndim - a.ndim))) if other.ndim > a.ndim else other
    for axis, size in enumerate(a.shape):
        if size == 1 and expected.shape[axis] != 1:
            expected = expected.sum(axis=axis, keepdims=True)
    np.testing.assert_allclose(host(a.grad), expected, rtol=1e-12)


def test_diamond_graph_runs_each_node_once():
    x = mt.tensor(1.5, dtype=mt.float64, requires_grad=True)
    shared = x.exp()
    calls = []
    shared.register_hook(lambda g: calls.append(g.item()))
    (shared * 2 + shared * 3).backward()
    assert len(calls) == 1 and calls[0] == pytest.approx(5.0)
    assert x.grad.item() == pytest.approx(5 * np.exp(1.5))


def test_second_backward_through_a_freed_graph_is_a_clear_error():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_saved_arrays_are_freed_after_backward():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    node = y.grad_fn
    y.sum().backward()
    assert node.ctx._saved is None and node.ctx._released


def _live_graph_objects():
    gc.collect()
    # type(), not isinstance(): isinstance on a dead weakref.proxy (Numba keeps some) raises
    return sum(1 for o in gc.get_objects() if issubclass(type(o), (Node, mt.Tensor)))


def test_memory_does_not_grow_across_training_steps():
    w = mt.randn(8, 4, requires_grad=True)
    b = mt.zeros(4, requires_grad=True)
    data, target = mt.randn(16, 8), mt.randn(16, 4)

    def step():
        loss = (((data @ w + b).tanh() - target) ** 2).mean()
        loss.backward()
        with mt.no_grad():
            w.sub_(w.grad * 0.1)
            b.sub_(b.grad * 0.1)
        w.grad = None
        b.grad = None

    for _ in range(5):
        step()
    before = _live_graph_objects()
    for _ in range(50):
        step()
    assert _live_graph_objects() <= before


def test_graph_is_freed_by_reference_counting_alone():
    gc.disable()
    try:
        x = mt.randn(3, requires_grad=True)
        y = (x.exp() * x.sigmoid()).softmax(0)  # ops that save their outputs
        node_refs = [y.grad_fn]
        del y
        assert node_refs[0] is not None  # still held by our list
        import weakref

        ref = weakref.ref(node_refs.pop())
        assert ref() is None  # no reference cycle kept the node alive
    finally:
        gc.enable()


def test_autograd_grad_returns_gradients_without_touching_grad():
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    y = mt.tensor([3.0], dtype=mt.float64, requires_grad=True)
    (gx, gy) = mt.autograd.grad((x * y).sum(), (x, y))
    assert gx.tolist() == [3.0, 3.0] and gy.tolist() == [3.0]
    assert x.grad is None and y.grad is None


def test_autograd_grad_with_respect_to_an_intermediate():
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    h = x * 2
    (gh,) = mt.autograd.grad((h * h).sum(), h)
    assert gh.tolist() == [4.0, 8.0]


def test_autograd_grad_unused_input():
    x = mt.tensor([1.0], requires_grad=True)
    z = mt.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="appears to not have been used"):
        mt.autograd.grad((x * 2).sum(), (x, z))
    gx, gz = mt.autograd.grad((x * 2).sum(), (x, z), allow_unused=True)
    assert gx.tolist() == [2.0] and gz is None


def test_hessian_vector_product():
    # f(x) = sum(x^3): Hessian = diag(6x), so H v = 6 x v
    x = mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64, requires_grad=True)
    v = mt.tensor([1.0, -1.0, 0.5], dtype=mt.float64)
    (g,) = mt.autograd.grad((x ** 3).sum(), x, create_graph=True)
    (hv,) = mt.autograd.grad((g * v).sum(), x)
    np.testing.assert_allclose(hv.tolist(), [6.0, -12.0, 9.0])


def test_gradient_penalty_through_backward_create_graph():
    x = mt.tensor([0.5, -1.0], dtype=mt.float64, requires_grad=True)
    y = (x.tanh() * 3).sum()
    y.backward(create_graph=True)
    penalty = (x.grad ** 2).sum()
    x_grad_first = x.grad.detach().clone()
    x.grad = None
    penalty.backward()
    # d/dx (3 sech^2 x)^2 = 2 * 3 sech^2 x * 3 * (-2 sech^2 x tanh x)
    s2 = 1 - np.tanh([0.5, -1.0]) ** 2
    expected = 2 * 3 * s2 * 3 * (-2 * s2 * np.tanh([0.5, -1.0]))
    np.testing.assert_allclose(x.grad.tolist(), expected, rtol=1e-12)
    np.testing.assert_allclose(x_grad_first.tolist(), 3 * s2)


def test_backward_needs_a_gradient_for_non_scalar_outputs():
    x = mt.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        (x * 2).backward()
    (x * 2).backward(mt.tensor([1.0, 2.0, 3.0]))
    assert x.grad.tolist() == [2.0, 4.0, 6.0]


def test_backward_gradient_shape_is_checked():
    x = mt.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="mismatch in shape"):
        (x * 2).backward(mt.ones(4))


def test_backward_of_a_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mt.ones(2).sum().backward()


def test_backward_inputs_accumulates_only_into_those():
    a = mt.tensor([1.0], requires_grad=True)
    b = mt.tensor([2.0], requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    assert a.grad.tolist() == [2.0] and b.grad is None


def test_leaf_hook_can_replace_the_gradient():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    handle = x.register_hook(lambda g: g * 10)
    (x * 1).sum().backward()
    assert x.grad.tolist() == [10.0, 10.0]
    handle.remove()
    x.grad = None
    (x * 1).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_non_leaf_hook_sees_the_summed_gradient():
    x = mt.tensor([1.0], requires_grad=True)
    h = x * 2
    seen = []
    h.register_hook(lambda g: seen.append(g.tolist()))
    (h * 3 + h * 4).sum().backward()
    assert seen == [[7.0]] and x.grad.tolist() == [14.0]


def test_retain_grad_keeps_a_non_leaf_gradient_once():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    h.retain_grad()  # twice must not double it
    assert h.retains_grad
    (h * h).sum().backward()
    assert h.grad.tolist() == [6.0, 12.0]


def test_non_leaf_grad_is_none_without_retain_grad():
    x = mt.tensor([1.0], requires_grad=True)
    h = x * 3
    h.sum().backward()
    assert h.grad is None


def test_in_place_change_of_a_saved_tensor_is_caught_at_backward():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    b = mt.tensor([3.0, 4.0])  # needs no grad, so in-place changes are allowed
    y = a * b  # saves b
    b.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*version 1; expected version 0"):
        y.sum().backward()


def test_in_place_change_through_a_view_is_caught():
    a = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = mt.tensor([[1.0, 2.0, 3.0]])
    y = a * b.view(3)
    b[0, 1] = 5.0  # writes through the base: the view's version moves too
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_in_place_change_of_a_saved_output_is_caught():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    y = a.exp()  # saves its output
    with mt.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_grad_fn_and_next_functions_describe_the_graph():
    a = mt.tensor([1.0], requires_grad=True)
    y = (a * 2).exp()
    assert y.grad_fn.name() == "ExpBackward"
    (mul_node, _), = y.grad_fn.next_functions
    assert mul_node.name() == "MulBackward"
    assert mul_node.next_functions[0][0].name() == "AccumulateGrad"
    assert mul_node.next_functions[0][0].variable is a


# ------------------------------------------------------------------ gradient stealing
def test_a_fresh_gradient_becomes_grad_without_a_copy(monkeypatch):
    """A gradient nothing else holds becomes the leaf's .grad as it is (PyTorch's
    AccumulateGrad "steals" it): the array the pooling backward kernel returned is .grad."""
    produced = []
    original = mt.kernels.avg_pool2d_backward

    def recording(*args, **kwargs):
        result = original(*args, **kwargs)
        produced.append(weakref.ref(result))  # a strong reference here would force the copy
        return result

    monkeypatch.setattr(mt.kernels, "avg_pool2d_backward", recording)
    x = mt.randn(2, 3, 4, 4, requires_grad=True)
    mt.nn.functional.avg_pool2d(x, 2).backward(mt.ones(2, 3, 2, 2))
    assert len(produced) == 1 and x.grad.array is produced[0]()


def test_the_callers_upstream_gradient_is_never_aliased():
    x = mt.randn(2, 3, requires_grad=True)
    upstream = mt.ones(2, 3)
    (x + 0).backward(upstream)  # add passes the upstream gradient through unchanged
    x.grad.array += 1
    assert upstream.tolist() == [[1.0] * 3] * 2
    x.grad = None
    x.reshape(6).backward(upstream.reshape(6))  # a view of the caller's tensor
    assert not np.shares_memory(x.grad.array, upstream.array)


def test_a_gradient_a_hook_kept_is_copied_into_grad():
    kept = []
    x = mt.randn(3, requires_grad=True)
    x.register_hook(lambda g: kept.append(g))
    (x * 2).sum().backward()
    x.grad.array += 1  # as an in-place optimizer step or clip_grad_ would
    assert kept[0].tolist() == [2.0, 2.0, 2.0]


def test_a_gradient_that_is_a_view_of_shared_memory_is_copied():
    x = mt.randn(2, 3, requires_grad=True)
    y = mt.randn(6, requires_grad=True)
    # both leaves receive views of the same upstream-derived array
    (x.reshape(6) + y).backward(mt.ones(6) * 2)
    assert not np.shares_memory(x.grad.array, y.grad.array)
    assert x.grad.tolist() == [[2.0] * 3] * 2 and y.grad.tolist() == [2.0] * 6


def test_a_broadcast_gradient_is_never_stolen_as_grad():
    """mean's backward returns a broadcast view of a fresh array that nothing else holds;
    as .grad it would be read-only, several elements in one place: it is copied instead."""
    for reduce in (lambda t: t.mean(), lambda t: t.sum(), lambda t: t.mean((2, 3)).sum()):
        x = mt.randn(2, 3, 4, 4, requires_grad=True)
        reduce(x).backward()
        assert 0 not in x.grad.array.strides
        # NumPy marks a broadcast view read-only; CuPy has no such flag (its arrays are all writable)
        assert x.grad.device.type != "cpu" or x.grad.array.flags.writeable
        x.grad.zero_()  # a writable gradient, as optimizers need


def test_a_dense_leaf_gets_its_gradient_in_its_own_layout():
    """PyTorch's gradient layout contract: a gradient computed in another order (here the
    transpose of a C-order product) is copied into the leaf's strides; values unchanged."""
    w = mt.tensor(np.random.default_rng(0).standard_normal((3, 5)), requires_grad=True)
    c = np.random.default_rng(1).standard_normal((5, 3))
    (w.t() * mt.tensor(c)).sum().backward()  # the transpose's backward hands w a transposed (5, 3) product
    assert w.grad.array.strides == w.array.strides
    np.testing.assert_array_equal(host(w.grad), c.T)
    channels_last = mt.tensor(np.random.default_rng(2).standard_normal((2, 3, 4, 5))).contiguous(
        memory_format=mt.channels_last).requires_grad_()
    (channels_last * 2).contiguous().sum().backward()
    assert channels_last.grad.array.strides == channels_last.array.strides
    np.testing.assert_allclose(host(channels_last.grad), np.full((2, 3, 4, 5), 2.0))
