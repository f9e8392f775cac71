"""Devices, dtypes and the RNG state."""

import json

import pytest

import minitorch_cnn as mt


def test_device_parsing_and_equality():
    assert mt.device("cpu") == "cpu" and repr(mt.device("cpu")) == "device(type='cpu')"
    gpu = mt.device("cuda:1")
    assert gpu.type == "cuda" and gpu.index == 1 and str(gpu) == "cuda:1"
    assert mt.device("cuda") == mt.device("cuda", 0)
    for bad, error in (("tpu", ValueError), ("cuda:x", ValueError), (3, TypeError), ("cpu:1", ValueError)):
        with pytest.raises(error):
            mt.device(bad)


def test_dtype_normalisation():
    assert mt.backend.as_dtype("float64") is mt.float64
    with pytest.raises(TypeError, match="dtype: 'nonsense' is not a dtype"):
        mt.backend.as_dtype("nonsense")


def test_rng_state_round_trips_through_json():
    mt.manual_seed(7)
    mt.rand(3)
    state = json.loads(json.dumps(mt.get_rng_state()))
    expected = mt.randn(4).tolist()
    mt.set_rng_state(state)
    assert mt.randn(4).tolist() == expected
    assert mt.initial_seed() == 7


def test_bad_seed_and_state_are_refused():
    with pytest.raises(ValueError, match="seed must be >= 0"):
        mt.manual_seed(-1)
    with pytest.raises(TypeError, match="seed must be an int"):
        mt.manual_seed(1.5)
    with pytest.raises(ValueError, match="expected a state returned by get_rng_state"):
        mt.set_rng_state({"bit_generator": "MT19937"})


def test_cuda_module_reports_availability():
    assert isinstance(mt.cuda.is_available(), bool)
    assert mt.cuda.device_count() == (mt.cuda.device_count() if mt.cuda.is_available() else 0)
