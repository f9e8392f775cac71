"""The reference elementwise kernels: array code that runs on NumPy or CuPy."""

from __future__ import annotations

from ...backend import xp_of


def where(condition, a, b):
    """``condition ? a : b`` elementwise, broadcasting (``a`` or ``b`` may be 0-d)."""
    return xp_of(a if a.ndim else b).where(condition, a, b)
