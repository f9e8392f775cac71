"""``gradcheck``/``gradgradcheck`` themselves: they must catch wrong gradients (including
the ones a summed-output check misses), name what failed, and leave state untouched."""

import numpy as np
import pytest
from hypothesis import given

import minitorch_cnn as mt
from minitorch_cnn.autograd import Function
from minitorch_cnn.gradcheck import GradcheckError, check_gradients
from tests.helpers import host, leaf, nonscalar_shapes, seeds


class WrongSquare(Function):
    """Forward x**2, backward off by a factor of 1.01 at one element."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        factor = mt.ones(x.shape, dtype=x.dtype)
        factor[(0,) * x.ndim] = 1.01
        return grad * 2 * x * factor


class SoftmaxWithMeanInsteadOfWeightedSum(Function):
    """softmax whose backward uses mean(g) where s-weighted sum(g * s) belongs:
    s * (g - mean(g)). It is exact whenever the upstream gradient is constant along the
    softmax dim, which is what a check against the summed output feeds it."""

    @staticmethod
    def forward(ctx, x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        out = e / e.sum(axis=-1, keepdims=True)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (s,) = ctx.saved_tensors
        return s * (grad - grad.mean(-1, keepdim=True))


@given(shape=nonscalar_shapes, seed=seeds)
def test_catches_a_wrong_gradient_and_names_where(shape, seed):
    x = leaf(seed, shape, low=0.5)
    with pytest.raises(GradcheckError) as info:
        mt.gradcheck(WrongSquare.apply, (x,))
    message = str(info.value)
    assert "with respect to input 0" in message
    assert f"input element {(0,) * len(shape)}" in message
    assert "numerical" in message and "analytical" in message and "largest absolute error" in message
    assert not mt.gradcheck(WrongSquare.apply, (x,), raise_exception=False)


@given(shape=nonscalar_shapes, seed=seeds)
def test_fast_mode_catches_a_wrong_gradient(shape, seed):
    x = leaf(seed, shape, low=0.5)
    assert mt.gradcheck(lambda t: t * t, (x,), fast_mode=True)
    with pytest.raises(GradcheckError, match="fast mode compares the projection"):
        mt.gradcheck(WrongSquare.apply, (x,), fast_mode=True, atol=1e-7, rtol=1e-5)


def test_catches_the_wrong_softmax_that_a_summed_check_passes():
    x = leaf(3, (2, 5))
    wrong = SoftmaxWithMeanInsteadOfWeightedSum.apply
    # the trap, shown: checked through its summed output, the wrong backward passes
    assert mt.gradcheck(lambda t: wrong(t).sum(), (x,))
    # gradcheck itself never sums: one-hot rows (full) and random projections (fast) catch it
    with pytest.raises(GradcheckError):
        mt.gradcheck(wrong, (x,))
    with pytest.raises(GradcheckError):
        mt.gradcheck(wrong, (x,), fast_mode=True)
    assert mt.gradcheck(lambda t: t.softmax(-1), (x,))
    assert mt.gradcheck(lambda t: t.softmax(-1), (x,), fast_mode=True)


def test_float32_inputs_are_refused_with_a_clear_error():
    x = mt.ones(3, requires_grad=True)
    with pytest.raises(ValueError, match="input 0 has dtype float32.*float64"):
        mt.gradcheck(lambda t: t * 2, (x,))


def test_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="at least one input must be a Tensor with requires_grad=True"):
        mt.gradcheck(lambda t: t * 2, (mt.ones(2, dtype=mt.float64),))


def test_catches_a_nondeterministic_backward():
    class Noisy(Function):
        calls = 0

        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            Noisy.calls += 1
            return grad * 2 + (1e-9 if Noisy.calls % 2 else 0.0)

    with pytest.raises(GradcheckError, match="not deterministic"):
        mt.gradcheck(Noisy.apply, (leaf(0, (3,)),))


def test_catches_a_gradient_that_ignores_a_zero_upstream():
    class Leaky(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            # right whenever the upstream gradient has no zero... but 2 + 0 * junk is not 0
            return grad * 2 + (grad == 0).double() * 1e-3

    # the full Jacobian already catches it (its one-hot rows are mostly zeros)...
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        mt.gradcheck(Leaky.apply, (leaf(0, (3,)),))
    # ...fast mode's random projections have no zeros: the explicit zero-upstream check does
    with pytest.raises(GradcheckError, match="zero upstream gradient gave a non-zero gradient"):
        mt.gradcheck(Leaky.apply, (leaf(0, (3,)),), fast_mode=True)


class BatchStatistics:
    """A stateful callable with a buffer, the protocol a Module's named_buffers() follows."""

    def __init__(self):
        self.running_mean = mt.zeros(3, dtype=mt.float64)

    def named_buffers(self):
        return [("running_mean", self.running_mean)]

    def __call__(self, x):
        with mt.no_grad():
            self.running_mean.mul_(0.9).add_(x.mean(0) * 0.1)
        return x - x.mean(0)


def test_state_is_left_untouched():
    x = leaf(0, (4, 3))
    before_input = x.detach().clone()
    stats = BatchStatistics()
    mt.manual_seed(123)
    rng_before = mt.get_rng_state()
    assert mt.gradcheck(stats, (x,))
    assert mt.get_rng_state() == rng_before
    assert stats.running_mean.tolist() == [0.0, 0.0, 0.0]
    assert np.array_equal(host(x), host(before_input))


def test_random_function_sees_the_same_numbers_in_every_evaluation():
    x = leaf(0, (6,))
    # multiplicative noise drawn from the framework's RNG, like dropout
    assert mt.gradcheck(lambda t: t * mt.rand(6, dtype=mt.float64), (x,))


def test_result_reports_errors_even_when_passing():
    result = check_gradients(lambda t: t.exp(), (leaf(0, (3,)),))
    assert result.passed and 0 <= result.max_abs_error < 1e-6 and result.message == ""


def test_gradgradcheck_catches_a_wrong_second_derivative():
    class FrozenSlope(Function):
        """x**3 whose backward treats 3x^2 as a constant: first derivative right, second zero."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * (3 * x * x).detach()

    x = leaf(0, (3,), low=0.5)
    assert mt.gradcheck(FrozenSlope.apply, (x,))
    with pytest.raises(GradcheckError, match="gradgradcheck"):
        mt.gradgradcheck(FrozenSlope.apply, (x,))
    assert mt.gradgradcheck(lambda t: t ** 3, (x,))


def test_gradgradcheck_with_given_grad_outputs():
    x = leaf(0, (2, 3))
    upstream = leaf(1, (2, 3))
    assert mt.gradgradcheck(lambda t: t.tanh(), (x,), (upstream,))
    with pytest.raises(ValueError, match="expected 1 tensors"):
        mt.gradgradcheck(lambda t: t.tanh(), (x,), (upstream, upstream))


def test_multiple_outputs_and_inputs():
    a, b = leaf(0, (2, 3)), leaf(1, (3,))
    assert mt.gradcheck(lambda a, b: (a * b, (a + b).exp(), a.sum(1)), (a, b))
