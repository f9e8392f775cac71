"""Devices, dtypes and the RNG state."""

import json
import sys

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


class _Runtime:
    def __init__(self, error=None, count=1):
        self.error, self.count = error, count

    def getDeviceCount(self):
        if self.error:
            raise RuntimeError(self.error)
        return self.count


def _fake_cupy(runtime):
    import types

    module = types.ModuleType("cupy")
    module.cuda = types.SimpleNamespace(runtime=runtime)
    return module


@pytest.mark.cpu_only("simulates machines without CUDA, on the cpu default device")
@pytest.mark.parametrize("cupy,reason", [
    (None, "CuPy is not installed (install the cuda13 or cuda12 extra"),
    (_fake_cupy(_Runtime("cudaErrorInsufficientDriver: CUDA driver version is insufficient")),
     "CuPy is installed but finds no usable NVIDIA driver"),
    (_fake_cupy(_Runtime("cudaErrorNoDevice: no CUDA-capable device is detected")),
     "CuPy and the NVIDIA driver are there but no GPU is visible"),
    (_fake_cupy(_Runtime(count=0)), "CuPy and the NVIDIA driver are there but no GPU is visible"),
])
def test_asking_for_cuda_says_whether_cupy_the_driver_or_the_gpu_is_missing(monkeypatch, cupy, reason):
    from minitorch_cnn import backend

    monkeypatch.setitem(sys.modules, "cupy", cupy)  # None: `import cupy` raises ImportError
    monkeypatch.setattr(backend, "_cupy_checked", False)
    monkeypatch.setattr(backend, "_cupy", None)
    assert not mt.cuda.is_available() and mt.cuda.device_count() == 0 and mt.cuda.memory_allocated() == 0
    assert backend.cuda_unavailable_reason().startswith(reason)
    for call in (lambda: mt.zeros(2, device="cuda"), lambda: mt.ones(2).to("cuda:0"), mt.cuda.synchronize,
                 lambda: mt.set_default_device("cuda")):
        with pytest.raises(backend.CudaUnavailableError, match=reason.split(" (")[0]):
            call()
    assert mt.get_default_device() == "cpu", "a refused set_default_device changed the default"


def test_the_default_device_is_where_factories_put_tensors(standin_cuda):
    mt.set_default_device("cuda")
    assert mt.get_default_device() == "cuda:0"
    assert mt.zeros(2).device == "cuda:0" and mt.randn(3).device == "cuda:0" and mt.tensor([1.0]).device == "cuda:0"
    assert mt.tensor(mt.ones(2, device="cpu")).device == "cpu", "a tensor keeps its own device, as torch.tensor"
    assert mt.nn.Linear(2, 3).weight.device == "cuda:0"
    mt.set_default_device(None)
    assert mt.zeros(2).device == "cpu"


def test_a_cupy_array_becomes_a_tensor_on_its_device_without_a_host_copy(standin_cuda):
    array = standin_cuda.arange(6, dtype=np.float32).reshape(2, 3)
    t = mt.tensor(array)
    assert t.device == "cuda:0" and t.dtype == mt.float32 and t.shape == (2, 3)
    assert t.array is not array, "tensor() copies, as torch.tensor"
    assert t.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert mt.tensor(array, dtype=mt.float64, device="cpu").array.dtype == np.float64


def test_tensors_on_different_devices_meet_with_an_error_naming_both(standin_cuda):
    a, b = mt.ones(2, device="cuda"), mt.ones(2, device="cpu")
    for op in (lambda: a + b, lambda: b * a, lambda: mt.cat([a, b]), lambda: a.matmul(b)):
        with pytest.raises(RuntimeError, match=r"cuda:0.*cpu|cpu.*cuda:0"):
            op()
    assert a.tolist() == [1.0, 1.0]


def test_the_cuda_module_answers_as_torch_cuda(standin_cuda):
    assert mt.cuda.is_available() and mt.cuda.device_count() == 1 and mt.cuda.current_device() == 0
    assert isinstance(mt.cuda.get_device_name(), str)
    before = mt.cuda.memory_allocated()
    x = mt.zeros(1024, 1024, device="cuda")
    assert mt.cuda.memory_allocated() >= before + x.nbytes
    start, end = mt.cuda.Event(enable_timing=True), mt.cuda.Event(enable_timing=True)
    start.record()
    (x + 1).sum()
    end.record()
    mt.cuda.synchronize()
    assert start.elapsed_time(end) >= 0
    with pytest.raises(RuntimeError, match="enable_timing"):
        mt.cuda.Event().elapsed_time(end)
    mt.cuda.manual_seed(5)
    first = mt.randn(4, device="cuda").tolist()
    mt.manual_seed(5)
    assert mt.randn(4, device="cpu").tolist() == first, "one generator serves every device"
