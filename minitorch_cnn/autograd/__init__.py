"""The autograd engine: ``Function``, ``grad``, grad modes and anomaly detection.

Public names follow ``torch.autograd``: ``Function``, ``once_differentiable``, ``grad``,
``backward``, ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``detect_anomaly``.
"""

from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .engine import grad, run_backward
from .function import Context, Function, Node, once_differentiable
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` into the leaves' ``.grad`` (as ``torch.autograd.backward``)."""
    run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs=inputs, accumulate=True)


__all__ = [
    "Context", "Function", "Node", "once_differentiable", "grad", "backward", "no_grad", "enable_grad",
    "set_grad_enabled", "is_grad_enabled", "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
]
