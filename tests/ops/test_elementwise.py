"""The elementwise functions of ``ops/elementwise.py`` against NumPy's (and closed forms),
their gradients in float64 over hypothesis-drawn shapes, ``div(rounding_mode=)``,
``isclose``/``allclose`` and ``randperm``."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
from tests.helpers import array, host, nonscalar_shapes, seeds

# name, NumPy's function, the domain's inputs from standard normals
ONE_INPUT = [
    ("sin", np.sin, lambda v: v), ("cos", np.cos, lambda v: v), ("tan", np.tan, lambda v: v / 3),
    ("asin", np.arcsin, lambda v: np.tanh(v) * 0.9), ("acos", np.arccos, lambda v: np.tanh(v) * 0.9),
    ("atan", np.arctan, lambda v: v), ("sinh", np.sinh, lambda v: v), ("cosh", np.cosh, lambda v: v),
    ("asinh", np.arcsinh, lambda v: v), ("acosh", np.arccosh, lambda v: np.abs(v) + 1.2),
    ("atanh", np.arctanh, lambda v: np.tanh(v) * 0.9), ("exp2", np.exp2, lambda v: v),
    ("expm1", np.expm1, lambda v: v), ("log2", np.log2, lambda v: np.abs(v) + 0.5),
    ("log10", np.log10, lambda v: np.abs(v) + 0.5), ("log1p", np.log1p, lambda v: np.abs(v) - 0.5),
    ("rsqrt", lambda v: 1 / np.sqrt(v), lambda v: np.abs(v) + 0.5),
    ("reciprocal", lambda v: 1 / v, lambda v: np.sign(v) * (np.abs(v) + 0.5)),
    ("square", np.square, lambda v: v), ("frac", lambda v: v - np.trunc(v), lambda v: 3 * v),
]


@pytest.mark.parametrize("name, reference, domain", ONE_INPUT, ids=[case[0] for case in ONE_INPUT])
@given(shape=nonscalar_shapes, seed=seeds)
def test_one_input_functions_match_numpy_and_their_gradients_check(device, name, reference, domain, shape, seed):
    values = domain(array(seed, shape))
    if name == "frac":  # frac jumps at whole numbers: keep finite differences away from them
        values = np.trunc(values) + 0.2 + 0.6 * np.abs(np.modf(values)[0])
    x = mt.tensor(values, device=device, requires_grad=True)
    fn = getattr(mt, name)
    np.testing.assert_allclose(host(fn(x)), reference(values), rtol=1e-12, atol=1e-12)
    assert mt.gradcheck(fn, (x,))
    assert mt.gradgradcheck(fn, (x,))


def test_derivatives_against_closed_forms():
    """d/dx at x = 0.5, written out: sin → cos, tan → 1/cos², asin → 1/√(1-x²), atanh → 1/(1-x²),
    log2 → 1/(x ln 2), rsqrt → -x^(-3/2)/2."""
    expected = {"sin": math.cos(0.5), "tan": 1 / math.cos(0.5) ** 2, "asin": 1 / math.sqrt(0.75),
                "atanh": 1 / 0.75, "log2": 1 / (0.5 * math.log(2)), "rsqrt": -0.5 * 0.5 ** -1.5}
    for name, value in expected.items():
        x = mt.tensor(0.5, dtype=mt.float64, requires_grad=True)
        (grad,) = mt.autograd.grad(getattr(mt, name)(x), x)
        assert grad.item() == pytest.approx(value, rel=1e-12), name


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round"])
def test_rounding_matches_numpy_with_a_zero_gradient(device, name):
    values = np.array([-2.5, -1.5, -0.7, -0.5, 0.0, 0.4, 0.5, 1.5, 2.5, 3.7])
    x = mt.tensor(values, device=device, requires_grad=True)
    out = getattr(mt, name)(x)
    np.testing.assert_array_equal(host(out), getattr(np, name)(values))  # round: half to even, as PyTorch
    (grad,) = mt.autograd.grad(out.sum(), x)
    np.testing.assert_array_equal(host(grad), np.zeros(10))
    ints = mt.tensor([3, -4], device=device)
    assert getattr(mt, name)(ints).dtype == mt.int64 and getattr(mt, name)(ints).tolist() == [3, -4]


def test_round_to_decimals():
    assert mt.round(mt.tensor([1.2345, -2.5678], dtype=mt.float64), decimals=2).tolist() == [1.23, -2.57]
    with pytest.raises(TypeError, match="decimals must be an int"):
        mt.round(mt.ones(2), decimals=1.5)


def test_integer_inputs_promote_to_the_default_float():
    assert mt.sin(mt.tensor([0, 1])).dtype == mt.float32
    assert mt.square(mt.tensor([3, -2])).tolist() == [9, 4]  # square keeps integers


TWO_INPUTS = [
    ("atan2", np.arctan2), ("logaddexp", np.logaddexp), ("logaddexp2", np.logaddexp2),
    ("copysign", np.copysign),
]


@pytest.mark.parametrize("name, reference", TWO_INPUTS, ids=[case[0] for case in TWO_INPUTS])
@given(seed=seeds, broadcast=st.booleans())
def test_two_input_functions_match_numpy_and_their_gradients_check(device, name, reference, seed, broadcast):
    left = array(seed, (3, 4))
    right = array(seed + 1, (4,) if broadcast else (3, 4))
    if name == "copysign":  # the sign flips at 0: keep both away from it
        left, right = left + np.sign(left) * 0.1, right + np.sign(right) * 0.1
    a = mt.tensor(left, device=device, requires_grad=True)
    b = mt.tensor(right, device=device, requires_grad=True)
    fn = getattr(mt, name)
    np.testing.assert_allclose(host(fn(a, b)), reference(left, right), rtol=1e-12, atol=1e-12)
    assert mt.gradcheck(fn, (a, b))
    assert mt.gradgradcheck(fn, (a, b))


def test_logaddexp_does_not_overflow():
    big = mt.tensor([1000.0, -1000.0], dtype=mt.float64)
    assert mt.logaddexp(big, big).tolist() == pytest.approx([1000 + math.log(2), -1000 + math.log(2)])
    infinities = mt.tensor([-math.inf, math.inf, -math.inf])
    others = mt.tensor([-math.inf, math.inf, 1.0])
    assert mt.logaddexp(infinities, others).tolist() == [-math.inf, math.inf, 1.0]  # NumPy's too, not nan
    assert mt.logaddexp2(infinities, others).tolist() == [-math.inf, math.inf, 1.0]


@given(seed=seeds, weight=st.floats(-1, 2))
def test_lerp_is_the_straight_line(device, seed, weight):
    start, end = array(seed, (2, 3)), array(seed + 1, (3,))
    a = mt.tensor(start, device=device, requires_grad=True)
    b = mt.tensor(end, device=device, requires_grad=True)
    np.testing.assert_allclose(host(mt.lerp(a, b, weight)), start + weight * (end - start), rtol=1e-12, atol=1e-12)
    w = mt.tensor(array(seed + 2, (2, 1)), device=device, requires_grad=True)
    assert mt.gradcheck(lambda s, e, t: mt.lerp(s, e, t), (a, b, w))


def test_div_rounding_modes_against_python():
    pairs = [(-7, 2), (7, -2), (5, 3), (-5, 3), (6, -3), (0, 4)]
    a, b = mt.tensor([p[0] for p in pairs]), mt.tensor([p[1] for p in pairs])
    assert mt.div(a, b, rounding_mode="trunc").tolist() == [int(x / y) for x, y in pairs]
    assert mt.div(a, b, rounding_mode="floor").tolist() == [x // y for x, y in pairs]
    assert mt.div(a, b, rounding_mode="trunc").dtype == mt.int64
    floats = mt.tensor([-7.5, 7.5], dtype=mt.float64).div(2.0, rounding_mode="trunc")
    assert floats.tolist() == [-3.0, 3.0]
    assert mt.div(a, b).dtype == mt.float32  # no rounding: true division
    x = mt.tensor([3.0, -5.0], dtype=mt.float64, requires_grad=True)
    y = mt.tensor([2.0, 2.0], dtype=mt.float64, requires_grad=True)
    for mode, expected in (("trunc", [1.0, -2.0]), ("floor", [1.0, -3.0])):
        rounded = x.div(y, rounding_mode=mode)
        assert rounded.tolist() == expected and rounded.requires_grad  # recorded, as PyTorch records it
        assert [g.tolist() for g in mt.autograd.grad(rounded.sum(), (x, y))] == [[0.0, 0.0], [0.0, 0.0]]
    with pytest.raises(ValueError, match="rounding_mode to be one of None, 'trunc', or 'floor' but found 'up'"):
        mt.div(a, b, rounding_mode="up")


def test_isclose_and_allclose_follow_the_documented_formula():
    a = mt.tensor([1.0, 1.0, float("inf"), float("nan"), 0.0], dtype=mt.float64)
    b = mt.tensor([1.0 + 1e-6, 1.1, float("inf"), float("nan"), 1e-9], dtype=mt.float64)
    # |a - b| <= atol + rtol·|b|: 1e-6 <= 1e-8 + 1e-5·1.000001 yes; 0.1 no; inf == inf; nan never; 1e-9 <= 1e-8
    assert mt.isclose(a, b).tolist() == [True, False, True, False, True]
    assert mt.isclose(a, b, equal_nan=True).tolist()[3] is True
    assert mt.allclose(a[:3:2], b[:3:2]) is True and mt.allclose(a, b) is False
    with pytest.raises(RuntimeError, match="rtol must be a non-negative number"):
        mt.isclose(a, b, rtol=-1)
    with pytest.raises(RuntimeError, match="did not match"):
        mt.isclose(a, b.float())


def test_randperm_is_a_seeded_permutation():
    mt.manual_seed(3)
    first = mt.randperm(10)
    mt.manual_seed(3)
    assert mt.randperm(10).tolist() == first.tolist()
    assert sorted(first.tolist()) == list(range(10)) and first.dtype == mt.int64
    assert mt.randperm(0).shape == (0,)
    assert mt.randperm(4, generator=np.random.default_rng(0)).tolist() == list(np.random.default_rng(0).permutation(4))
    with pytest.raises(RuntimeError, match="n must be a non-negative int"):
        mt.randperm(-1)
