"""Broadcasting arithmetic: forward against NumPy, gradients against finite differences,
PyTorch's type promotion, and errors for bad input."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
from tests.helpers import array, broadcastable_pair, host, leaf, seeds

BINARY = {
    "add": (lambda a, b: a + b, np.add, None),
    "sub": (lambda a, b: a - b, np.subtract, None),
    "mul": (lambda a, b: a * b, np.multiply, None),
    "div": (lambda a, b: a / b, np.divide, 0.5),
    "pow": (lambda a, b: a ** b, np.power, 0.5),
    "maximum": (mt.maximum, np.maximum, None),
    "minimum": (mt.minimum, np.minimum, None),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(shapes=broadcastable_pair(), seed=seeds)
def test_binary_forward_matches_numpy_and_gradients_check(device, name, shapes, seed):
    ours, reference, low = BINARY[name]
    a, b = leaf(seed, shapes[0], device, low), leaf(seed + 1, shapes[1], device, low)
    np.testing.assert_allclose(host(ours(a, b)), reference(array(seed, shapes[0], low), array(seed + 1, shapes[1], low)),
                               rtol=1e-12)
    assert mt.gradcheck(ours, (a, b))


@pytest.mark.parametrize("name", ["add", "mul", "div", "pow"])
@given(shapes=broadcastable_pair(), seed=seeds)
def test_binary_second_derivatives(device, name, shapes, seed):
    ours, _, low = BINARY[name]
    assert mt.gradgradcheck(ours, (leaf(seed, shapes[0], device, low), leaf(seed + 1, shapes[1], device, low)))


@given(seed=seeds, scalar=st.floats(-3, 3).filter(lambda v: abs(v) > 0.1))
def test_scalars_on_either_side(device, seed, scalar):
    a = leaf(seed, (2, 3), device, low=0.5)
    x = array(seed, (2, 3), low=0.5)
    cases = [
        (lambda t: t + scalar, x + scalar), (lambda t: scalar + t, scalar + x),
        (lambda t: t - scalar, x - scalar), (lambda t: scalar - t, scalar - x),
        (lambda t: t * scalar, x * scalar), (lambda t: scalar * t, scalar * x),
        (lambda t: t / scalar, x / scalar), (lambda t: scalar / t, scalar / x),
        (lambda t: t ** scalar, x ** scalar), (lambda t: abs(scalar) ** t, abs(scalar) ** x),
    ]
    for fn, expected in cases:
        np.testing.assert_allclose(host(fn(a)), expected, rtol=1e-12)
        assert mt.gradcheck(fn, (a,))


def test_maximum_splits_the_gradient_on_ties():
    a = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = mt.tensor([1.0, 0.0, 5.0], requires_grad=True)
    mt.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(host(a.grad), [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(host(b.grad), [0.5, 0.0, 1.0])


def test_pow_gradient_with_respect_to_exponent_is_zero_at_zero_base():
    base = mt.tensor([0.0, 2.0], dtype=mt.float64, requires_grad=True)
    exponent = mt.tensor([2.0, 3.0], dtype=mt.float64, requires_grad=True)
    (base ** exponent).sum().backward()
    np.testing.assert_allclose(host(exponent.grad), [0.0, 8.0 * np.log(2.0)])


# PyTorch's promotion table, written out by hand from its documented rules
PROMOTION = [
    (mt.float32, mt.float64, mt.float64),
    (mt.int64, mt.float32, mt.float32),
    (mt.int32, mt.int64, mt.int64),
    (mt.bool_, mt.int32, mt.int32),
    (mt.uint8, mt.int8, mt.int16),
    (mt.float16, mt.int64, mt.float16),
]


@pytest.mark.parametrize("left,right,expected", PROMOTION)
def test_tensor_tensor_promotion(left, right, expected):
    assert (mt.ones(2, dtype=left) + mt.ones(2, dtype=right)).dtype == expected


def test_python_scalars_do_not_widen_tensors():
    assert (mt.ones(2, dtype=mt.float32) * 2.5).dtype == mt.float32
    assert (mt.ones(2, dtype=mt.int32) + 3).dtype == mt.int32
    assert (mt.ones(2, dtype=mt.int64) * 2.5).dtype == mt.float32  # default float, not float64
    assert (mt.ones(2, dtype=mt.int64) / mt.ones(2, dtype=mt.int64)).dtype == mt.float32
    # a 0-d tensor does not widen a dimensioned tensor of the same category
    assert (mt.ones(2, dtype=mt.float32) + mt.tensor(1.0, dtype=mt.float64)).dtype == mt.float32


def test_gradient_keeps_the_input_dtype_under_promotion():
    a = mt.ones(3, dtype=mt.float32, requires_grad=True)
    b = mt.ones(3, dtype=mt.float64, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == mt.float32 and b.grad.dtype == mt.float64


def test_shape_mismatch_is_a_clear_error():
    with pytest.raises(RuntimeError, match=r"size of tensor a \(3\) must match the size of tensor b \(4\)"):
        mt.ones(2, 3) + mt.ones(2, 4)


def test_non_tensor_operands_are_rejected_by_name():
    with pytest.raises(TypeError, match="other: expected a Tensor or a real number"):
        mt.ones(2) + "x"
    with pytest.raises(TypeError, match="numpy array"):
        mt.ops.add(mt.ones(2), np.ones(2))


def test_numpy_array_on_the_left_defers_to_tensor():
    result = np.float64(2.0) * mt.ones(2)
    assert isinstance(result, mt.Tensor)


def test_integer_to_negative_power_is_an_error():
    with pytest.raises(RuntimeError, match="negative integer powers"):
        mt.tensor([1, 2]) ** -1


# ------------------------------------------------ remainder, fmod, floor_divide (% and //)
_finite = st.floats(-50, 50, allow_nan=False).filter(lambda v: abs(v) > 1e-3)


@given(st.lists(st.tuples(_finite, _finite), min_size=1, max_size=6))
def test_remainder_fmod_floor_divide_match_python(pairs):
    a = mt.tensor([p[0] for p in pairs], dtype=mt.float64)
    b = mt.tensor([p[1] for p in pairs], dtype=mt.float64)
    for got, want in ((a % b, [x % y for x, y in pairs]), (mt.fmod(a, b), [math.fmod(x, y) for x, y in pairs]),
                      (a // b, [x // y for x, y in pairs])):
        np.testing.assert_allclose(host(got), want, rtol=1e-12, atol=1e-12)


@given(st.lists(st.tuples(st.integers(-30, 30), st.integers(-9, 9).filter(bool)), min_size=1, max_size=6))
def test_integer_remainder_and_floor_divide_match_python(pairs):
    a, b = mt.tensor([p[0] for p in pairs]), mt.tensor([p[1] for p in pairs])
    assert (a % b).tolist() == [x % y for x, y in pairs] and (a % b).dtype == mt.int64
    assert (a // b).tolist() == [x // y for x, y in pairs]
    assert (7 % b).tolist() == [7 % y for _, y in pairs]


@given(seeds)
def test_remainder_and_fmod_gradients(seed):
    rng = np.random.default_rng(seed)
    a = mt.tensor(rng.uniform(-5, 5, (3, 4)), requires_grad=True)
    b = mt.tensor(rng.uniform(0.5, 2, (4,)) * rng.choice([-1, 1], 4), requires_grad=True)
    # finite differences need the quotient to stay away from a jump (an integer a/b)
    quotient = host((a.detach() / b.detach()))
    if np.min(np.abs(quotient - np.round(quotient))) < 1e-3:
        return
    assert mt.gradcheck(lambda x, y: x % y, (a, b))
    assert mt.gradcheck(lambda x, y: mt.fmod(x, y), (a, b))
    (a % b).sum().backward()
    np.testing.assert_allclose(host(b.grad), -np.floor(quotient).sum(0))


def test_modulo_errors_and_floor_divide_carries_no_gradient():
    with pytest.raises(ZeroDivisionError, match="remainder: integer division by zero"):
        mt.arange(3) % mt.tensor([1, 0, 2])
    with pytest.raises(ZeroDivisionError, match="floor_divide"):
        mt.arange(3) // 0
    with pytest.raises(TypeError, match="bool"):
        mt.tensor([True]) % mt.tensor([True])
    assert not (mt.randn(3, requires_grad=True) // 2.0).requires_grad
