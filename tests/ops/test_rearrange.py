"""``flip``, ``roll``, ``masked_fill``, ``unflatten`` and ``F.one_hot`` against NumPy, their
gradients in float64 over hypothesis-drawn shapes and options, and their errors; plus the
``Tensor.type()`` names."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from tests.helpers import array, host, leaf, nonscalar_shapes, seeds


@given(shape=nonscalar_shapes, seed=seeds, data=st.data())
def test_flip(device, shape, seed, data):
    dims = data.draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1, max_size=len(shape),
                              unique_by=lambda d: d % len(shape)))
    x, values = leaf(seed, shape, device), array(seed, shape)
    np.testing.assert_array_equal(host(x.flip(dims)), np.flip(values, dims))
    assert mt.gradcheck(lambda t: t.flip(dims), (x,))
    assert mt.gradgradcheck(lambda t: (t * t).flip(dims), (x,))


@given(shape=nonscalar_shapes, seed=seeds, data=st.data())
def test_roll(device, shape, seed, data):
    x, values = leaf(seed, shape, device), array(seed, shape)
    if data.draw(st.booleans()):
        dims = data.draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape), unique=True))
        shifts = data.draw(st.lists(st.integers(-5, 5), min_size=len(dims), max_size=len(dims)))
        expected = np.roll(values, shifts, dims)
    else:
        dims, shifts = None, data.draw(st.integers(-7, 7))
        expected = np.roll(values.ravel(), shifts).reshape(shape)  # PyTorch: the flattened tensor
    np.testing.assert_array_equal(host(mt.roll(x, shifts, dims)), expected)
    assert mt.gradcheck(lambda t: t.roll(shifts, dims), (x,))
    assert mt.gradgradcheck(lambda t: (t * t).roll(shifts, dims), (x,))


def test_roll_by_a_loop():
    """roll written out: out[(i + s) % n] = x[i]."""
    x = np.arange(7.0)
    expected = np.empty(7)
    for i in range(7):
        expected[(i + 3) % 7] = x[i]
    np.testing.assert_array_equal(host(mt.tensor(x).roll(3, 0)), expected)


@given(shape=nonscalar_shapes, seed=seeds, data=st.data())
def test_masked_fill(device, shape, seed, data):
    x, values = leaf(seed, shape, device), array(seed, shape)
    mask_shape = data.draw(st.sampled_from([shape, shape[-1:], (1,) * len(shape)]))
    mask_values = np.random.default_rng(seed).random(mask_shape) < 0.5
    mask = mt.tensor(mask_values, device=device)
    fill = data.draw(st.floats(-3, 3))
    expected = np.where(mask_values, fill, values)
    np.testing.assert_array_equal(host(x.masked_fill(mask, fill)), expected)
    assert mt.gradcheck(lambda t: t.masked_fill(mask, fill), (x,))
    grad = mt.autograd.grad(x.masked_fill(mask, fill).sum(), x)[0]
    np.testing.assert_array_equal(host(grad), np.broadcast_to(~mask_values, shape).astype(float))


def test_masked_fill_with_a_0_d_tensor_value_and_integer_inputs():
    x = mt.tensor([1, 2, 3])
    assert x.masked_fill(mt.tensor([True, False, False]), 2.7).tolist() == [2, 2, 3]  # truncated, as PyTorch
    wide = mt.zeros(3).masked_fill(mt.tensor([[True], [False]]), 1.0)  # the input broadcast to the mask
    assert wide.tolist() == [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]
    assert x.masked_fill(mt.tensor([True, False, True]), 7).tolist() == [7, 2, 7]
    assert x.masked_fill(mt.tensor([True, False, True]), mt.tensor(5)).dtype == mt.int64
    value = mt.tensor(2.0, dtype=mt.float64, requires_grad=True)
    y = mt.zeros(3, dtype=mt.float64).masked_fill(mt.tensor([True, True, False]), value)
    assert mt.autograd.grad(y.sum(), value)[0].item() == 2.0


@pytest.mark.parametrize("call,error,message", [
    (lambda x: x.masked_fill(x > 0, "a"), TypeError, "value must be a number or a 0-d Tensor, got str"),
    (lambda x: x.masked_fill(mt.ones(3), 1.0), TypeError, "mask must be a bool Tensor, got float32"),
    (lambda x: x.masked_fill(mt.tensor([True, False]), 1.0), RuntimeError, "masked_fill"),
    (lambda x: x.masked_fill(x > 0, mt.ones(2)), RuntimeError, "only supports a 0-dimensional value tensor"),
    (lambda x: x.long().masked_fill(x > 0, float("inf")), RuntimeError, "cannot be converted to the input's dtype"),
    (lambda x: x.flip((0, 0)), RuntimeError, "dims has a dim appearing several times"),
    (lambda x: x.flip(2), IndexError, "Dimension out of range"),
    (lambda x: x.roll((1, 2), 0), RuntimeError, "shifts and dims must align"),
    (lambda x: x.roll((1, 2)), RuntimeError, "with dims=None, shifts must be one int"),
    (lambda x: x.roll(1.5, 0), TypeError, "shifts must be ints"),
    (lambda x: x.unflatten(0, (2, 2)), RuntimeError, "is invalid for input of size 3"),
])
def test_errors_name_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call(mt.tensor([0.5, -1.0, 2.0]))


def test_unflatten():
    x = mt.arange(24.0).reshape(2, 12)
    assert x.unflatten(1, (3, 4)).shape == (2, 3, 4) and mt.unflatten(x, -1, (2, -1, 3)).shape == (2, 2, 2, 3)
    np.testing.assert_array_equal(host(x.unflatten(1, (3, 4))), np.arange(24.0).reshape(2, 3, 4))
    assert mt.nn.Unflatten(1, (4, 3))(x).shape == (2, 4, 3)


@given(labels=st.lists(st.integers(0, 5), min_size=1, max_size=8), extra=st.integers(0, 3))
def test_one_hot_is_rows_of_the_identity(labels, extra):
    classes = max(labels) + 1 + extra
    encoded = F.one_hot(mt.tensor(labels), classes)
    assert encoded.dtype == mt.int64
    np.testing.assert_array_equal(host(encoded), np.eye(classes, dtype=np.int64)[labels])
    np.testing.assert_array_equal(host(F.one_hot(mt.tensor(labels))), np.eye(max(labels) + 1, dtype=np.int64)[labels])


@pytest.mark.parametrize("labels,classes,error,message", [
    (mt.tensor([0.0, 1.0]), -1, TypeError, "only applicable to index tensor"),
    (mt.tensor([0, 3]), 3, RuntimeError, "Class values must be smaller than num_classes \\(3\\), got 3"),
    (mt.tensor([0, -1]), -1, RuntimeError, "Class values must be non-negative, got -1"),
    (mt.tensor([0, 1]), -2, ValueError, "num_classes must be -1 or a non-negative int, got -2"),
])
def test_one_hot_refuses(labels, classes, error, message):
    with pytest.raises(error, match=message):
        F.one_hot(labels, classes)


def test_type_names_as_pytorch(device):
    prefix = "torch.cuda." if mt.device(device).type == "cuda" else "torch."
    assert mt.zeros(1, device=device).type() == prefix + "FloatTensor"
    assert mt.zeros(1, dtype=mt.int64, device=device).type() == prefix + "LongTensor"
    assert mt.zeros(1, device=device).type(mt.float64).dtype == mt.float64


def test_relu_and_erf_methods():
    x = mt.tensor([-1.0, 0.5])
    assert x.relu().tolist() == [0.0, 0.5]
    np.testing.assert_allclose(host(x.erf()), [-0.8427007929, 0.5204998778], rtol=1e-6)
