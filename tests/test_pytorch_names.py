"""The PyTorch names a program uses besides the ops: dtype aliases, ``inference_mode``,
``autograd.gradcheck``, ``backends.*`` flags, ``accelerator``, ``nn.DataParallel``, each
with PyTorch's documented behaviour."""

import numpy as np
import pytest

import minitorch_cnn as mt
from tests.helpers import host


def test_dtype_aliases_are_pytorch_s():
    assert (mt.float, mt.double, mt.half) == (mt.float32, mt.float64, mt.float16)
    assert (mt.long, mt.int, mt.short) == (mt.int64, mt.int32, mt.int16)
    assert mt.zeros(2, dtype=mt.long).dtype == np.int64 and mt.tensor([1.5], dtype=mt.double).dtype == np.float64


def test_inference_mode_records_no_graph_in_every_form():
    x = mt.ones(2, requires_grad=True)
    with mt.inference_mode():
        assert not (x * 2).requires_grad and mt.is_inference_mode_enabled()
    assert not mt.is_inference_mode_enabled() and (x * 2).requires_grad

    @mt.inference_mode
    def bare():
        return (x * 2).requires_grad

    @mt.inference_mode()
    def called():
        return (x * 2).requires_grad

    assert bare() is False and called() is False and mt.is_grad_enabled()
    with mt.inference_mode(False):
        assert (x * 2).requires_grad
    with mt.no_grad(), mt.inference_mode(False):  # PyTorch: disabling inference mode enables grad
        assert mt.is_grad_enabled() and not mt.is_inference_mode_enabled()
    with mt.inference_mode(), mt.inference_mode(False):
        assert mt.is_grad_enabled() and not mt.is_inference_mode_enabled()
    assert mt.is_grad_enabled()
    with pytest.raises(TypeError, match="inference_mode: mode must be a bool, got 'yes'"):
        mt.inference_mode("yes")
    assert mt.autograd.inference_mode is mt.inference_mode


def test_autograd_gradcheck_is_the_framework_s():
    assert mt.autograd.gradcheck is mt.gradcheck and mt.autograd.gradgradcheck is mt.gradgradcheck
    x = mt.tensor([0.3, -1.2], dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradcheck(lambda t: t * t * t, (x,))
    with pytest.raises(mt.autograd.GradcheckError):  # a wrong gradient is caught through this name too
        mt.autograd.gradcheck(_wrong_square, (x,))
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        mt.autograd.nothing


class _WrongSquare(mt.autograd.Function):
    @staticmethod
    def forward(ctx, t):
        ctx.save_for_backward(t)
        return t * t

    @staticmethod
    def backward(ctx, grad):
        (t,) = ctx.saved_tensors
        return grad * t  # should be 2 t


def _wrong_square(t):
    return _WrongSquare.apply(t)


def test_cudnn_benchmark_is_convolution_autotuning():
    assert mt.backends.cudnn.benchmark is False
    mt.backends.cudnn.benchmark = True
    assert mt.kernels.conv.autotune.enabled() and mt.backends.cudnn.benchmark
    mt.backends.cudnn.benchmark = False
    assert not mt.kernels.conv.autotune.enabled()
    with pytest.raises(TypeError, match="set_conv_autotune: enabled must be a bool"):
        mt.backends.cudnn.benchmark = "on"
    mt.backends.cudnn.deterministic = True  # kept, harmless
    assert mt.backends.cudnn.deterministic and mt.backends.cudnn.version() is None
    assert mt.backends.cudnn.is_available() == mt.cuda.is_available()
    mt.backends.cudnn.deterministic = False


def test_other_backends_answer_as_on_a_machine_without_them():
    assert not mt.backends.mps.is_available() and not mt.backends.mkldnn.is_available()
    mt.backends.cuda.matmul.allow_tf32 = True
    assert mt.backends.cuda.matmul.allow_tf32 and mt.backends.cuda.is_built()
    mt.backends.cuda.matmul.allow_tf32 = False


def test_accelerator_names_the_gpu_or_none():
    if mt.cuda.is_available():
        assert mt.accelerator.is_available() and mt.accelerator.current_accelerator() == mt.device("cuda")
        assert mt.accelerator.device_count() >= 1
    else:
        assert not mt.accelerator.is_available() and mt.accelerator.current_accelerator() is None
        assert mt.accelerator.device_count() == 0


def test_data_parallel_runs_the_module_and_prefixes_its_keys(device):
    mt.manual_seed(0)
    inner = mt.nn.Linear(3, 2).to(device)
    wrapped = mt.nn.DataParallel(inner)
    x = mt.randn(4, 3, device=device)
    np.testing.assert_array_equal(host(wrapped(x)), host(inner(x)))
    assert list(wrapped.state_dict()) == ["module.weight", "module.bias"] and wrapped.module is inner
    assert mt.nn.parallel.DataParallel is mt.nn.DataParallel
    with pytest.raises(ValueError, match="runs on one device; got device_ids=\\[0, 1\\]"):
        mt.nn.DataParallel(inner, device_ids=[0, 1])
    with pytest.raises(TypeError, match="module must be a Module, got int"):
        mt.nn.DataParallel(3)
