"""``cupyx.scipy`` for the stand-in: only ``special``."""

from ..._exports import gate as _gate
from . import special

__all__ = ["special"]

__getattr__ = _gate("cupyx.scipy", globals())
