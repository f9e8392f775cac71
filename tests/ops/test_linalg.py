"""matmul: every rank combination against NumPy, broadcast batch dims, gradients, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
from tests.helpers import array, host, leaf, seeds


@st.composite
def matmul_shapes(draw):
    n, k, m = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    left_rank, right_rank = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    batch = draw(st.lists(st.integers(1, 3), min_size=2, max_size=2))
    left_batch = [draw(st.sampled_from([b, 1])) for b in batch][: max(0, left_rank - 2)]
    right_batch = [draw(st.sampled_from([b, 1])) for b in batch][: max(0, right_rank - 2)]
    left = (k,) if left_rank == 1 else tuple(left_batch) + (n, k)
    right = (k,) if right_rank == 1 else tuple(right_batch) + (k, m)
    return left, right


@given(shapes=matmul_shapes(), seed=seeds)
def test_matmul_against_numpy_and_gradients(device, shapes, seed):
    a, b = leaf(seed, shapes[0], device), leaf(seed + 1, shapes[1], device)
    expected = np.matmul(array(seed, shapes[0]), array(seed + 1, shapes[1]))
    np.testing.assert_allclose(host(a @ b), expected, rtol=1e-12, atol=1e-12)
    assert mt.gradcheck(lambda x, y: x @ y, (a, b))
    assert mt.gradgradcheck(lambda x, y: mt.matmul(x, y), (a, b))


def test_matmul_errors_name_the_shapes():
    with pytest.raises(RuntimeError, match=r"shapes cannot be multiplied \(2x3 and 4x5\)"):
        mt.ones(2, 3) @ mt.ones(4, 5)
    with pytest.raises(RuntimeError, match="at least 1D"):
        mt.tensor(1.0) @ mt.ones(2)
    with pytest.raises(RuntimeError, match="same dtype"):
        mt.ones(2, 2) @ mt.ones(2, 2, dtype=mt.float64)
    with pytest.raises(RuntimeError, match="matmul batch dims"):
        mt.ones(2, 2, 3) @ mt.ones(3, 3, 4)
