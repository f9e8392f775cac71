"""``autograd.Function``: custom ops as a user writes them, ``once_differentiable``, and the
checks the engine makes on what a backward returns."""

import threading

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn.autograd import Function, once_differentiable


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


class ScaledSum(Function):
    """Two tensor inputs and a non-tensor option; records needs_input_grad."""

    @staticmethod
    def forward(ctx, a, b, scale):
        ctx.scale = scale
        ctx.seen_needs = ctx.needs_input_grad
        return (a + b) * scale

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.scale, grad * ctx.scale, None


class CubeRawBackward(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x.array * x.array  # a raw array computation, like a kernel


def test_custom_function_forward_backward_and_double_backward():
    x = mt.tensor([1.0, -2.0, 0.5], dtype=mt.float64, requires_grad=True)
    y = Cube.apply(x)
    assert y.grad_fn.name() == "CubeBackward"
    np.testing.assert_allclose(y.tolist(), [1.0, -8.0, 0.125])
    assert mt.gradcheck(Cube.apply, (x,))
    assert mt.gradgradcheck(Cube.apply, (x,))


def test_needs_input_grad_and_options():
    a = mt.ones(2, requires_grad=True)
    b = mt.ones(2)
    y = ScaledSum.apply(a, b, 3.0)
    assert y.grad_fn.ctx.seen_needs == (True, False, False)
    y.sum().backward()
    assert a.grad.tolist() == [3.0, 3.0] and b.grad is None


def test_no_graph_is_recorded_when_nothing_needs_grad():
    y = Cube.apply(mt.ones(2))
    assert y.grad_fn is None and not y.requires_grad
    with mt.no_grad():
        assert Cube.apply(mt.ones(2, requires_grad=True)).grad_fn is None


def test_once_differentiable_works_once_and_refuses_twice():
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    assert mt.gradcheck(CubeRawBackward.apply, (x,))
    (g,) = mt.autograd.grad(CubeRawBackward.apply(x).sum(), x, create_graph=True)
    assert g.tolist() == [3.0, 12.0]
    with pytest.raises(RuntimeError, match="once_differentiable.*cannot be differentiated twice"):
        g.sum().backward()


def test_wrong_number_of_gradients_is_a_clear_error():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(RuntimeError, match=r"BadBackward returned an incorrect number of gradients \(expected 2, got 1\)"):
        Bad.apply(mt.ones(2, requires_grad=True), mt.ones(2)).sum().backward()


def test_gradient_of_the_wrong_shape_is_a_clear_error():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, grad):
            return mt.ones(5)

    with pytest.raises(RuntimeError, match=r"invalid gradient at index 0 - got shape \[5\]"):
        Bad.apply(mt.ones(2, requires_grad=True)).sum().backward()


def test_mark_non_differentiable_outputs():
    class SortValues(Function):
        @staticmethod
        def forward(ctx, a):
            order = np.argsort(a)
            values = a[order]
            ctx.mark_non_differentiable(order)
            ctx.order = order
            return values, order

        @staticmethod
        def backward(ctx, grad_values, grad_order):
            out = mt.zeros(grad_values.shape, dtype=grad_values.dtype)
            out[mt.tensor(ctx.order)] = grad_values.detach()
            return out

    x = mt.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, order = SortValues.apply(x)
    assert values.requires_grad and not order.requires_grad
    (values * mt.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [3.0, 1.0, 2.0]


def test_mixing_devices_names_both():
    # a fake second device: the check compares device objects, so a tensor claiming
    # cuda:0 (without any GPU) is enough to exercise the message
    class FakeCudaTensor(mt.Tensor):
        __slots__ = ()

        @property
        def device(self):
            return mt.device("cuda:0")

    fake = FakeCudaTensor(np.ones(2))
    with pytest.raises(RuntimeError, match="same device.*cpu.*cuda:0"):
        mt.ones(2, device="cpu") * fake


def test_grad_mode_is_thread_local():
    results = {}

    def worker():
        results["worker"] = mt.is_grad_enabled()

    with mt.no_grad():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        results["main"] = mt.is_grad_enabled()
    assert results == {"worker": True, "main": False}
