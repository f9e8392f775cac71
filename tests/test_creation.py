"""Factories: dtype inference as PyTorch, shapes, seeding, and errors for bad sizes."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
from tests.helpers import host


def test_dtype_inference_follows_pytorch(device):
    assert mt.tensor(1.5, device=device).dtype == mt.float32
    assert mt.tensor([1, 2], device=device).dtype == mt.int64
    assert mt.tensor([True], device=device).dtype == mt.bool_
    assert mt.tensor([1, 2.5], device=device).dtype == mt.float32
    assert mt.tensor(np.zeros(2, dtype=np.float64), device=device).dtype == mt.float64  # arrays keep their dtype
    assert mt.tensor(np.zeros(2, dtype=np.int32), device=device).dtype == mt.int32
    assert mt.tensor([1, 2], dtype=mt.float64, device=device).dtype == mt.float64


def test_tensor_copies_and_from_numpy_shares():
    values = np.zeros(3)
    copied, shared = mt.tensor(values), mt.from_numpy(values)
    values[0] = 5
    assert copied.tolist()[0] == 0 and shared.tolist()[0] == 5


def test_tensor_rejects_non_numbers():
    with pytest.raises(TypeError, match="data must be numbers"):
        mt.tensor(["a", "b"])
    with pytest.raises(ValueError, match="could not be converted"):
        mt.tensor([[1, 2], [3]])
    with pytest.raises(TypeError, match="not supported"):
        mt.tensor([1.0], dtype=np.complex64)


@given(shape=st.lists(st.integers(0, 4), max_size=3).map(tuple))
def test_shape_factories(device, shape):
    for make, fill in ((mt.zeros, 0.0), (mt.ones, 1.0)):
        t = make(*shape, device=device)
        assert t.shape == shape and t.dtype == mt.float32 and np.all(host(t) == fill)
        assert make(shape, device=device).shape == shape
    assert mt.empty(shape, device=device).shape == shape
    assert mt.full(shape, 3, device=device).dtype == mt.int64
    assert host(mt.full(shape, 2.5, device=device)).tolist() == np.full(shape, 2.5).tolist()


def test_negative_sizes_are_named():
    with pytest.raises(ValueError, match=r"zeros\(\): negative dimension -1 in size \(2, -1\)"):
        mt.zeros(2, -1)
    with pytest.raises(TypeError, match="size must be a sequence of ints"):
        mt.ones(2.5)


def test_ranges(device):
    assert mt.arange(5, device=device).tolist() == [0, 1, 2, 3, 4] and mt.arange(5).dtype == mt.int64
    assert mt.arange(0, 1, 0.25, device=device).tolist() == [0.0, 0.25, 0.5, 0.75]
    assert mt.arange(0, 1, 0.25).dtype == mt.float32
    np.testing.assert_allclose(mt.linspace(0, 1, 5, device=device).tolist(), [0, 0.25, 0.5, 0.75, 1])
    assert mt.eye(2, 3, device=device).tolist() == [[1, 0, 0], [0, 1, 0]]
    with pytest.raises(ValueError, match="step must be nonzero"):
        mt.arange(0, 1, 0)
    with pytest.raises(ValueError, match="inconsistent with step sign"):
        mt.arange(0, 5, -1)


def test_random_factories_are_reproducible_under_manual_seed(device):
    mt.manual_seed(42)
    first = (mt.rand(3, device=device), mt.randn(2, 2, device=device), mt.randint(0, 10, (4,), device=device))
    mt.manual_seed(42)
    second = (mt.rand(3, device=device), mt.randn(2, 2, device=device), mt.randint(0, 10, (4,), device=device))
    for a, b in zip(first, second):
        assert a.tolist() == b.tolist()
    assert first[2].dtype == mt.int64 and all(0 <= v < 10 for v in first[2].tolist())
    assert mt.randint(5, (3,)).shape == (3,)


def test_random_distributions_look_right():
    u = host(mt.rand(100_000))
    n = host(mt.randn(100_000))
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    assert abs(n.mean()) < 0.02 and abs(n.std() - 1) < 0.02


def test_like_factories(device):
    x = mt.ones(2, 3, dtype=mt.float64, device=device)
    for make in (mt.zeros_like, mt.ones_like, mt.empty_like, mt.rand_like, mt.randn_like):
        y = make(x)
        assert y.shape == x.shape and y.dtype == mt.float64 and y.device == x.device
    assert mt.full_like(x, 4).tolist() == [[4.0] * 3] * 2
    assert mt.randint_like(x, 3).dtype == mt.float64
    assert mt.zeros_like(x, dtype=mt.int32).dtype == mt.int32


def test_default_dtype_can_be_float64():
    mt.set_default_dtype(mt.float64)
    assert mt.tensor(1.0).dtype == mt.float64 and mt.zeros(1).dtype == mt.float64
    with pytest.raises(TypeError, match="float32 or float64"):
        mt.set_default_dtype(mt.int64)
