"""Devices, dtypes and the RNG state."""

import json

import numpy as np
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


def test_is_channels_last_reads_the_memory_order():
    from minitorch_cnn import backend

    nchw = np.zeros((2, 3, 4, 5))
    nhwc = backend.to_channels_last(nchw)
    assert nhwc.shape == nchw.shape and nhwc.transpose(0, 2, 3, 1).flags.c_contiguous
    assert backend.is_channels_last(nhwc) and backend.channels_innermost(nhwc)
    assert not backend.is_channels_last(nchw) and not backend.channels_innermost(nchw)
    # strided views keep their order; a view laid out both ways (one channel) is plain NCHW
    assert backend.is_channels_last(nhwc[:, :, ::2, 1:]) and not backend.channels_innermost(nhwc[:, :, ::2, 1:])
    assert not backend.is_channels_last(nchw[:, :, ::2])
    assert not backend.is_channels_last(nchw[:, :1]) and not backend.is_channels_last(nchw[:, :1, :1, :1])
    assert not backend.is_channels_last(nhwc[:, :1, ::2])  # one channel: the default, like a whole one
    one_channel = backend.to_channels_last(np.zeros((2, 1, 4, 5)))
    assert backend.channels_innermost(one_channel) and not backend.is_channels_last(one_channel)
    assert not backend.is_channels_last(np.broadcast_to(np.zeros((2, 3, 1, 1)), (2, 3, 4, 5)))
    assert backend.is_channels_last(backend.to_channels_last(np.zeros((2, 3, 7))))  # (N, C, L) too
    assert backend.to_channels_last(nhwc) is nhwc
    filled = backend.full_in_format((2, 3, 4, 5), 7.0, np.float32, True, np)
    assert backend.is_channels_last(filled) and filled.dtype == np.float32 and (filled == 7).all()
    assert backend.full_in_format((2, 3, 4, 5), 0, np.float64, False, np).flags.c_contiguous
    assert backend.in_format_of(nhwc, np.ones((2, 3, 4, 5))).transpose(0, 2, 3, 1).flags.c_contiguous
    assert backend.in_format_of(nchw, nhwc) is nhwc
