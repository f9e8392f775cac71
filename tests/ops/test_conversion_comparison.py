"""dtype/device conversion (differentiable) and comparisons (bool, no gradient)."""

import numpy as np
import pytest
from hypothesis import given

import minitorch_cnn as mt
from tests.helpers import array, broadcastable_pair, host, seeds


def test_to_dtype_is_differentiable_and_grad_comes_back_in_the_input_dtype(device):
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, device=device, requires_grad=True)
    y = x.float()
    assert y.dtype == mt.float32 and y.grad_fn.name() == "ToCopyBackward"
    (y * 3).sum().backward()
    assert x.grad.dtype == mt.float64 and x.grad.tolist() == [3.0, 3.0]


def test_to_returns_self_when_nothing_changes_and_copies_when_asked(device):
    x = mt.ones(2, device=device)
    assert x.to(device) is x and x.to(mt.float32) is x
    copy = x.to(device, copy=True)
    assert copy is not x and copy.array is not x.array


def test_to_accepts_a_tensor_and_keywords():
    x = mt.ones(2)
    assert x.to(mt.zeros(1, dtype=mt.float64)).dtype == mt.float64
    assert x.to(dtype=mt.int64).dtype == mt.int64
    assert x.double().dtype == mt.float64 and x.half().dtype == mt.float16
    assert x.long().dtype == mt.int64 and x.int().dtype == mt.int32 and x.bool().dtype == mt.bool_


def test_clone_is_a_differentiable_copy():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert y.array is not x.array
    (y * y).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


@given(shapes=broadcastable_pair(), seed=seeds)
def test_comparisons_match_numpy(device, shapes, seed):
    a_values, b_values = np.round(array(seed, shapes[0])), np.round(array(seed + 1, shapes[1]))
    a, b = mt.tensor(a_values, device=device, requires_grad=True), mt.tensor(b_values, device=device)
    for ours, theirs in ((a == b, a_values == b_values), (a != b, a_values != b_values), (a < b, a_values < b_values),
                         (a <= b, a_values <= b_values), (a > b, a_values > b_values), (a >= b, a_values >= b_values)):
        assert ours.dtype == mt.bool_ and not ours.requires_grad
        np.testing.assert_array_equal(host(ours), theirs)


def test_logical_ops():
    a, b = mt.tensor([True, False, True]), mt.tensor([True, True, False])
    assert (a & b).tolist() == [True, False, False]
    assert (a | b).tolist() == [True, True, True]
    assert (a ^ b).tolist() == [False, True, True]
    assert (~a).tolist() == [False, True, False]
    with pytest.raises(TypeError, match="must be a bool or integer tensor"):
        mt.ones(2) & mt.ones(2)


def test_tensors_stay_hashable():
    x = mt.ones(2)
    assert {x: 1}[x] == 1
