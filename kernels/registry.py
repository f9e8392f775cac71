"""The kernel registry: which implementation of each kernel serves which device.

Every kernel has a ``"reference"`` implementation (readable array code, NumPy or CuPy:
the spec); a family may add a ``"cpu"`` one (Numba) and a ``"cuda"`` one (CUDA through
CuPy). ``lookup`` picks, for the arrays at hand, the implementation of their device kind
and falls back to the reference. ``use("reference")`` forces the reference everywhere (to
compare, or to rule a fast kernel out while debugging); ``use("auto")`` restores the
normal choice. ``tests/test_kernel_contract.py`` walks ``names()``: every kernel with more
than one implementation must agree with its reference on every device present.
"""

from __future__ import annotations

import contextlib

import numpy as np

KINDS = ("reference", "cpu", "cuda")
MODES = ("auto", "reference")

_registry: dict[str, dict[str, object]] = {}
_mode = "auto"


def register(name: str, kind: str, function) -> None:
    """Make ``function`` the ``kind`` implementation ("reference", "cpu" or "cuda") of ``name``."""
    if kind not in KINDS:
        raise ValueError(f"register: kind must be one of {KINDS}, got {kind!r}")
    if not callable(function):
        raise TypeError(f"register: the {kind} implementation of {name!r} must be callable, got {function!r}")
    _registry.setdefault(name, {})[kind] = function


def use(mode: str) -> None:
    """``"reference"``: every kernel runs its readable reference version; ``"auto"``: the
    registry picks the fastest registered version per device (the default)."""
    global _mode
    if mode not in MODES:
        raise ValueError(f"kernels.use: mode must be one of {MODES}, got {mode!r}")
    _mode = mode


def current_mode() -> str:
    """The kernel mode in force: ``"auto"`` (the fastest registered version per device) or
    ``"reference"`` (see ``use``).
    """
    return _mode


@contextlib.contextmanager
def using(mode: str):
    """``with kernels.using("reference"): ...`` switches for a block only."""
    previous = _mode
    use(mode)
    try:
        yield
    finally:
        use(previous)


def kind_of(array) -> str:
    """The device kind whose implementations serve ``array``: "cpu" for NumPy, else "cuda"."""
    return "cpu" if isinstance(array, np.ndarray) else "cuda"


def lookup(name: str, array):
    """The implementation of kernel ``name`` that serves ``array``'s device now."""
    implementations = _registry.get(name)
    if implementations is None:
        raise KeyError(f"no kernel named {name!r} (registered: {sorted(_registry)})")
    kind = kind_of(array)
    if _mode == "auto" and kind in implementations:
        return implementations[kind]
    if "reference" not in implementations:
        raise KeyError(f"kernel {name!r} has no implementation for {kind} arrays (it has: {sorted(implementations)})")
    return implementations["reference"]


def implementations(name: str) -> dict:
    """{kind: function} registered for kernel ``name`` (for tests and benchmarks)."""
    if name not in _registry:
        raise KeyError(f"no kernel named {name!r} (registered: {sorted(_registry)})")
    return dict(_registry[name])


def names() -> list:
    """Every registered kernel name, sorted."""
    return sorted(_registry)
