"""The kernel registry and the reference kernels, against a direct loop."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
from minitorch_cnn import kernels
from minitorch_cnn.kernels.indexing import reference


@given(rows=st.lists(st.integers(0, 4), min_size=1, max_size=10), seed=st.integers(0, 1000))
def test_reference_index_add_accumulates_repeats(rows, seed):
    values = np.random.default_rng(seed).standard_normal((len(rows), 3))
    target = np.zeros((5, 3))
    reference.index_add(target, (np.array(rows),), values)
    expected = np.zeros((5, 3))
    for i, r in enumerate(rows):
        expected[r] += values[i]
    np.testing.assert_allclose(target, expected, rtol=1e-12)


def test_registry_prefers_a_device_kernel_unless_reference_is_forced():
    calls = []
    kernels.register("probe_kernel", "reference", lambda x: calls.append("reference"))
    kernels.register("probe_kernel", "cpu", lambda x: calls.append("cpu"))
    try:
        kernels.lookup("probe_kernel", np.zeros(1))(None)
        with kernels.using("reference"):
            kernels.lookup("probe_kernel", np.zeros(1))(None)
    finally:
        kernels.registry._registry.pop("probe_kernel")
    assert calls == ["cpu", "reference"] and kernels.current_mode() == "auto"


def test_registry_errors():
    with pytest.raises(ValueError, match="mode must be one of"):
        kernels.use("fast")
    with pytest.raises(KeyError, match="no kernel named 'nope'"):
        kernels.lookup("nope", np.zeros(1))
    with pytest.raises(ValueError, match="kind must be"):
        kernels.register("x", "gpu", print)


def test_kernels_package_lives_inside_minitorch_cnn():
    assert mt.kernels.__name__ == "minitorch_cnn.kernels"
    assert "reference" in kernels.implementations("index_add")


@pytest.mark.cpu_only("the Numba where's memory layout")
def test_the_cpu_where_keeps_the_gradients_layout():
    """ReLU's backward on a channels_last gradient stays channels_last (NumPy's where gives
    C order, which the next convolution's backward would have to transpose back)."""
    from minitorch_cnn import backend

    grad = backend.to_channels_last(np.random.default_rng(0).standard_normal((2, 3, 4, 5)))
    mask = backend.to_channels_last(np.random.default_rng(1).random((2, 3, 4, 5)) < 0.5)
    out = kernels.implementations("where")["cpu"](mask, grad, np.asarray(0.0))
    assert out.strides == grad.strides
    np.testing.assert_array_equal(out, np.where(mask, grad, 0.0))
