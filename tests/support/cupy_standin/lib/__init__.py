"""``cupy.lib`` for the stand-in: only ``stride_tricks``, as in CuPy."""

from .._exports import gate as _gate
from . import stride_tricks

__all__ = ["stride_tricks"]

__getattr__ = _gate("cupy.lib", globals())
