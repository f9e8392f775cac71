"""Where NumPy's rules and PyTorch's part, ours are PyTorch's: indexing that mixes ints with
index tensors, tuples as index sequences, bool masks of the wrong shape, the gradients of
``pow`` at 0 and of ``sign``, and the inputs PyTorch refuses (an integer input to bilinear
interpolation or dropout, a target of another shape for the binary cross-entropies, float
or bool class indices). Expected values come from PyTorch's documented rules, computed
independently (a two-step NumPy index, closed forms), and from PyTorch where installed."""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from tests.helpers import host

A = np.arange(2 * 5 * 6, dtype=np.float64).reshape(2, 5, 6)
IDX = [0, 3, 1, 2]

# (index as ours takes it, the same selection written as PyTorch evaluates it: the ints
# first as basic indexing, then the rest)
CASES = [
    ((1, slice(None), IDX), lambda a: a[1][:, IDX]),
    ((slice(None), 2, IDX), lambda a: a[:, 2][:, IDX]),
    ((1, IDX), lambda a: a[1][IDX]),
    (([1, 0, 1], slice(None), 4), lambda a: a[:, :, 4][[1, 0, 1], :]),
    ((1, Ellipsis, IDX), lambda a: a[1][..., IDX]),
    ((0, slice(1, 4), [5, 5]), lambda a: a[0][1:4, [5, 5]]),
]


@pytest.mark.parametrize("index,pytorch_order", CASES)
def test_ints_act_first_as_pytorch_indexes(index, pytorch_order, device):
    x = mt.tensor(A, device=device, requires_grad=True)
    torch_like = tuple(mt.tensor(i, device=device) if isinstance(i, list) else i for i in index)
    expected = pytorch_order(A)
    got = x[torch_like]
    assert got.shape == expected.shape
    np.testing.assert_array_equal(host(got), expected)
    upstream = np.random.default_rng(0).standard_normal(expected.shape)
    got.backward(mt.tensor(upstream, device=device))
    grad = np.zeros_like(A)  # the adjoint of the same selection: upstream added where picked
    np.add.at(grad, _flat_positions(pytorch_order), upstream.ravel())
    np.testing.assert_allclose(host(x.grad), grad)


def _flat_positions(pytorch_order):
    """The (i, j, k) of every element the PyTorch-order selection picks, in output order."""
    positions = np.arange(A.size).reshape(A.shape)
    return np.unravel_index(pytorch_order(positions).ravel(), A.shape)


@pytest.mark.parametrize("index,pytorch_order", CASES)
def test_assignment_takes_a_value_of_pytorch_s_shape(index, pytorch_order, device):
    x = mt.tensor(A.copy(), device=device)
    target_shape = pytorch_order(A).shape
    value = np.random.default_rng(1).standard_normal(target_shape)
    x[tuple(mt.tensor(i, device=device) if isinstance(i, list) else i for i in index)] = mt.tensor(value,
                                                                                                  device=device)
    expected = A.copy()
    flat = _flat_positions(pytorch_order)
    expected[flat] = value.ravel()  # the last write wins where an element repeats
    np.testing.assert_array_equal(host(x), expected)


def test_against_pytorch_indexing():
    torch = pytest.importorskip("torch")
    t = torch.tensor(A)
    for index, _ in CASES:
        theirs = t[tuple(torch.tensor(i) if isinstance(i, list) else i for i in index)]
        ours = mt.tensor(A)[tuple(mt.tensor(i) if isinstance(i, list) else i for i in index)]
        np.testing.assert_array_equal(host(ours), theirs.numpy())


def test_a_tuple_inside_the_index_is_a_sequence():
    x = mt.tensor(A)
    np.testing.assert_array_equal(host(x[:, (2, 1)]), A[:, [2, 1]])
    assert x[(1, 2)].shape == (6,)  # the index tuple itself: x[1, 2]
    assert x[[]].shape == (0, 5, 6)


@pytest.mark.parametrize("mask_shape,where", [((3,), 0), ((2, 4), 0), ((7,), 2)])
def test_a_mask_of_the_wrong_shape_is_refused(mask_shape, where):
    x = mt.tensor(A)
    mask = mt.tensor(np.ones(mask_shape, dtype=bool))
    index = (mask,) if where == 0 else (Ellipsis, mask)
    message = (f"the shape of the mask {list(mask_shape)} at index {where // 2} does not match the shape of the "
               f"indexed tensor [2, 5, 6] at index {where}")
    with pytest.raises(IndexError, match=re.escape(message)):
        x[index]
    with pytest.raises(IndexError, match="the shape of the mask"):
        x[index] = 0.0
    np.testing.assert_array_equal(host(x), A)


@given(mask=st.lists(st.booleans(), min_size=5, max_size=5))
def test_a_mask_of_the_right_shape_selects_as_numpy(mask):
    x = mt.tensor(A)
    np.testing.assert_array_equal(host(x[:, mt.tensor(mask)]), A[:, np.array(mask)])


# ------------------------------------------------------------------------ gradients
def test_pow_gradients_at_zero_follow_pytorch():
    # d/dx x**y = y x**(y-1), taken as 0 where y == 0; d/dy = x**y log x, taken as 0 where
    # x == 0 and y >= 0 (PyTorch's pow_backward conventions)
    x = mt.tensor([0.0, 2.0, 0.0, 0.0], dtype=mt.float64, requires_grad=True)
    y = mt.tensor([0.0, 3.0, 2.0, 0.5], dtype=mt.float64, requires_grad=True)
    (x ** y).sum().backward()
    np.testing.assert_allclose(host(x.grad), [0.0, 12.0, 0.0, np.inf])
    np.testing.assert_allclose(host(y.grad), [0.0, 8 * np.log(2), 0.0, 0.0])
    z = mt.tensor([0.0, 2.0, -1.0], dtype=mt.float64, requires_grad=True)
    (0 ** z).sum().backward()
    np.testing.assert_array_equal(host(z.grad), [0.0, 0.0, -np.inf])
    w = mt.tensor([0.0, 2.0], dtype=mt.float64, requires_grad=True)
    (w ** 0).sum().backward()
    np.testing.assert_array_equal(host(w.grad), [0.0, 0.0])


def test_pow_gradients_against_pytorch():
    torch = pytest.importorskip("torch")
    values = [0.0, 2.0, 0.0, 0.0, 1.5]
    exponents = [0.0, 3.0, 2.0, 0.5, -1.0]
    ours = [mt.tensor(v, dtype=mt.float64, requires_grad=True) for v in (values, exponents)]
    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (values, exponents)]
    (ours[0] ** ours[1]).sum().backward()
    (theirs[0] ** theirs[1]).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(host(a.grad), b.grad.numpy())


def test_sign_is_recorded_with_a_zero_gradient(device):
    x = mt.tensor([-2.0, 0.0, 3.0], device=device, requires_grad=True)
    s = mt.sign(x)
    assert s.requires_grad and s.grad_fn is not None
    np.testing.assert_array_equal(host(s), [-1.0, 0.0, 1.0])
    (s * x).sum().backward()  # d(sign(x) x)/dx = sign(x) + x * 0
    np.testing.assert_array_equal(host(x.grad), [-1.0, 0.0, 1.0])
    assert mt.sign(mt.tensor([-3, 4])).tolist() == [-1, 1]


# ------------------------------------------------------------- inputs PyTorch refuses
def test_bilinear_interpolation_of_integers_is_refused():
    x = mt.tensor([[[[0, 10], [20, 30]]]])
    with pytest.raises(TypeError, match="mode 'bilinear' needs a floating point input, got int64"):
        F.interpolate(x, scale_factor=2, mode="bilinear")
    assert F.interpolate(x, scale_factor=2).dtype == mt.int64  # nearest copies values: fine for integers
    halves = F.interpolate(x.float(), scale_factor=2, mode="bilinear", align_corners=True)
    np.testing.assert_allclose(host(halves)[0, 0, 0], [0, 10 / 3, 20 / 3, 10], rtol=1e-6)


@pytest.mark.parametrize("fn", [F.binary_cross_entropy, F.binary_cross_entropy_with_logits])
def test_binary_cross_entropies_refuse_a_target_of_another_shape(fn):
    with pytest.raises(ValueError, match=r"target size \(\[4\]\) must be the same as input size \(\[4, 1\]\)"):
        fn(mt.rand(4, 1), mt.rand(4))


# (cross_entropy reads float targets as class probabilities: the loss tests cover those)
@pytest.mark.parametrize("fn,target", [(F.nll_loss, [True, False, True]), (F.nll_loss, [1.0, 2.0, 0.0]),
                                       (F.cross_entropy, [True, False, True])],
                         ids=["nll_loss bool", "nll_loss float", "cross_entropy bool"])
def test_class_index_targets_must_be_integers(fn, target):
    message = ("target must hold class indices" if fn is F.cross_entropy
               else "expected target dtype to be an integer type")
    with pytest.raises(TypeError, match=message):
        fn(mt.randn(3, 4), mt.tensor(target))


def test_dropout_of_integers_is_refused_in_training_only():
    x = mt.tensor([1, 2, 3, 4])
    with pytest.raises(TypeError, match="dropout: result type float can't be cast to the input's dtype int64"):
        F.dropout(x, 0.5, training=True)
    assert F.dropout(x, 0.5, training=False) is x and F.dropout(x, 0.0).tolist() == [1, 2, 3, 4]


def test_reflected_bitwise_operators_are_the_operations_themselves():
    x = mt.tensor([1, 2, 3])
    values = np.array([1, 2, 3])
    assert (1 & x).tolist() == (1 & values).tolist() and (6 | x).tolist() == (6 | values).tolist()
    assert (3 ^ x).tolist() == (3 ^ values).tolist()
    assert (True & mt.tensor([True, False])).tolist() == [True, False]


@pytest.mark.parametrize("call", [
    lambda: F.conv2d(mt.randn(1, 3, 5, 5), mt.randn(4, 2, 3, 3)),  # channels do not match
    lambda: F.max_pool2d(mt.randn(1, 1, 2, 2), 3),  # the window does not fit
    lambda: mt.clamp(mt.randn(2)),  # neither bound
    lambda: F.cross_entropy(mt.randn(3, 4), mt.tensor([True, False, True])),
    lambda: F.conv2d(mt.randn(1, 3, 5, 5), mt.randn(4, 3, 3, 3), stride=0),
])
def test_errors_where_pytorch_raises_runtime_error_are_runtime_errors_too(call):
    """A ported program catching RuntimeError, as PyTorch raises it here, still catches it;
    ours catching ValueError/TypeError too."""
    with pytest.raises(RuntimeError) as caught:
        call()
    assert isinstance(caught.value, (ValueError, TypeError))


@pytest.mark.parametrize("size,scale,expected", [
    (3, None, [0, 2, 4]), (8, None, [0, 0, 1, 2, 2, 3, 4, 4]), (None, 1.7, [0, 0, 1, 2, 2, 3, 3, 4]),
])
def test_nearest_exact_takes_the_nearest_centre(size, scale, expected):
    """Output i reads input floor((i + 0.5) * in / out) (PyTorch's "nearest-exact"; these are
    its outputs on arange(5)); "nearest" reads floor(i * in / out)."""
    x = mt.arange(5.0, dtype=mt.float64).reshape(1, 1, 5).requires_grad_()
    y = F.interpolate(x, size=size, scale_factor=scale, mode="nearest-exact")
    assert host(y)[0, 0].tolist() == expected
    assert mt.gradcheck(lambda t: F.interpolate(t, size=size, scale_factor=scale, mode="nearest-exact"), (x,))
    assert host(F.interpolate(x, size=3, mode="nearest"))[0, 0].tolist() == [0, 1, 3]
    assert mt.nn.Upsample(scale_factor=2, mode="nearest-exact")(x).shape == (1, 1, 10)


def test_a_0_d_index_tensor_is_a_scalar():
    x = mt.tensor(A)
    assert x[mt.tensor(1), :, mt.tensor(IDX)].shape == (5, 4)  # as x[1, :, idx]
    np.testing.assert_array_equal(host(x[mt.tensor(1)]), A[1])
    assert x[mt.tensor(True)].shape == (1, 2, 5, 6)


def test_sign_gives_zeros_even_for_an_infinite_upstream_gradient():
    x = mt.tensor([1.0, -2.0], requires_grad=True)
    mt.sign(x).backward(mt.tensor([np.inf, 1.0]))
    assert host(x.grad).tolist() == [0.0, 0.0]


def test_nll_loss_names_a_target_that_is_not_a_tensor():
    with pytest.raises(TypeError, match="nll_loss: target must be a Tensor, got list"):
        F.nll_loss(mt.randn(2, 3), [0, 1])
