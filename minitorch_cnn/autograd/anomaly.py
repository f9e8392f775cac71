"""``detect_anomaly``: find the op whose backward first produced NaN or Inf.

While enabled, every recorded op keeps the stack where it was created, and the engine
checks each gradient an op's backward returns; the first non-finite one raises an error
naming the op and that stack.
"""

from __future__ import annotations

import threading
import traceback

_state = threading.local()


def is_anomaly_enabled() -> bool:
    return getattr(_state, "enabled", False)


class detect_anomaly:
    """Context manager (and decorator) that switches anomaly detection on."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        self._previous = is_anomaly_enabled()
        _state.enabled = self.check_nan
        return self

    def __exit__(self, *exc):
        _state.enabled = self._previous
        return False

    def __call__(self, fn):
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


class set_detect_anomaly(detect_anomaly):
    """``set_detect_anomaly(mode)``: takes effect when called, as PyTorch."""

    def __init__(self, mode: bool):
        super().__init__(mode)
        self._previous = is_anomaly_enabled()
        _state.enabled = mode

    def __enter__(self):
        return self


def creation_stack() -> str:
    """Where the op being recorded was called from, without the framework's own frames."""
    frames = traceback.extract_stack()
    user = [f for f in frames if "/minitorch_cnn/" not in f.filename.replace("\\", "/")]
    return "".join(traceback.format_list(user[-8:] or frames[-8:]))


def check_gradient(node_name: str, index: int, grad, creation: str | None) -> None:
    """Raise if ``grad`` (a Tensor) holds NaN or Inf."""
    from ..backend import xp_of

    xp = xp_of(grad.array)
    if grad.array.dtype.kind == "f" and not bool(xp.isfinite(grad.array).all()):
        kind = "nan" if bool(xp.isnan(grad.array).any()) else "inf"
        where = creation or "(the creation stack is recorded only for ops created under detect_anomaly)\n"
        raise RuntimeError(
            f"Function '{node_name}' returned {kind} values in its {index}th output.\n"
            f"The forward op was created at:\n{where}"
        )
