"""The autograd engine: ``Function``, ``grad``, grad modes and anomaly detection.

Public names follow ``torch.autograd``: ``Function``, ``once_differentiable``, ``grad``,
``backward``, ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``,
``detect_anomaly``, and ``gradcheck``/``gradgradcheck`` (the functions of
``minitorch_cnn.gradcheck``, looked up on first use: that module imports this one).
"""

import importlib

from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .engine import grad, run_backward
from .function import Context, Function, Node, once_differentiable
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                        set_grad_enabled)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` into the leaves' ``.grad`` (as ``torch.autograd.backward``)."""
    run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs=inputs, accumulate=True)


def __getattr__(name):
    if name in ("gradcheck", "gradgradcheck", "GradcheckError"):
        return getattr(importlib.import_module("minitorch_cnn.gradcheck"), name)
    raise AttributeError(f"module 'minitorch_cnn.autograd' has no attribute {name!r}")


__all__ = [
    "Context", "Function", "Node", "once_differentiable", "grad", "backward", "no_grad", "enable_grad",
    "set_grad_enabled", "is_grad_enabled", "inference_mode", "is_inference_mode_enabled", "detect_anomaly",
    "set_detect_anomaly", "is_anomaly_enabled", "gradcheck", "gradgradcheck",
]
