"""Whether operations record the graph: ``no_grad``, ``enable_grad``, ``set_grad_enabled``,
``inference_mode``.

The flag is thread-local (as in PyTorch), so a data-loading thread cannot switch recording
off for the training loop. Each class works as a context manager and as a decorator.
"""

from __future__ import annotations

import functools
import threading

_state = threading.local()


def is_grad_enabled() -> bool:
    """Whether operations are being recorded for autograd in this thread (False under ``no_grad``)."""
    return getattr(_state, "enabled", True)


def _set_enabled(mode: bool) -> None:
    _state.enabled = bool(mode)


class _GradModeContext:
    """Base: subclasses say which mode they switch to in ``_mode``."""

    _mode: bool

    def __enter__(self):
        self._previous = is_grad_enabled()
        _set_enabled(self._mode)
        return self

    def __exit__(self, *exc):
        _set_enabled(self._previous)
        return False

    def __call__(self, fn):
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            previous = is_grad_enabled()
            _set_enabled(mode)
            try:
                return fn(*args, **kwargs)
            finally:
                _set_enabled(previous)

        return wrapper


class no_grad(_GradModeContext):
    """Operations inside record no graph (evaluation, optimizer updates)."""

    _mode = False


class enable_grad(_GradModeContext):
    """Switch recording back on inside a ``no_grad`` region."""

    _mode = True


class set_grad_enabled(_GradModeContext):
    """``set_grad_enabled(flag)``: as PyTorch, it takes effect when called, and undoes
    itself on leaving a ``with`` block; used as a decorator it applies per call."""

    def __init__(self, mode: bool):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled: mode must be a bool, got {mode!r}")
        self._mode = mode
        self._previous = is_grad_enabled()
        _set_enabled(mode)

    def __enter__(self):
        return self

    def __call__(self, fn):
        _set_enabled(self._previous)  # the decorator form must not leave the mode switched
        return super().__call__(fn)


def is_inference_mode_enabled() -> bool:
    """Whether this thread is inside ``inference_mode()``."""
    return getattr(_state, "inference", False)


class inference_mode(_GradModeContext):
    """``inference_mode(mode=True)``, as PyTorch: no graph is recorded inside (``no_grad``);
    ``inference_mode(False)`` turns recording on and inference mode off (PyTorch: "disabling
    inference mode means enabling grad modes"). Context manager and decorator, with or
    without the call (``@inference_mode`` too).

    PyTorch's inference tensors also refuse to enter autograd later and skip version
    counting; here they are ordinary tensors made without a graph, which is what programs
    use the mode for."""

    def __new__(cls, mode=True):
        if callable(mode) and not isinstance(mode, bool):  # @inference_mode, without the call
            return cls(True)(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True):
        if not isinstance(mode, bool):
            raise TypeError(f"inference_mode: mode must be a bool, got {mode!r}")
        self.mode = mode
        self._mode = not mode

    def __enter__(self):
        self._previous = is_grad_enabled()
        self._previous_inference = is_inference_mode_enabled()
        _set_enabled(not self.mode)
        _state.inference = self.mode
        return self

    def __exit__(self, *exc):
        _set_enabled(self._previous)
        _state.inference = self._previous_inference
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(self.mode):
                return fn(*args, **kwargs)

        return wrapper
