"""``InterpolationMode``, torchvision's names for resampling filters, and their PIL codes."""

from __future__ import annotations

import enum


class InterpolationMode(enum.Enum):
    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


# PIL.Image.Resampling's values (stable since Pillow 2): NEAREST 0, LANCZOS 1, BILINEAR 2, BICUBIC 3, BOX 4, HAMMING 5
_PIL_CODES = {InterpolationMode.NEAREST: 0, InterpolationMode.LANCZOS: 1, InterpolationMode.BILINEAR: 2,
              InterpolationMode.BICUBIC: 3, InterpolationMode.BOX: 4, InterpolationMode.HAMMING: 5}
# what tensors are resampled with here (see resampling.py)
TENSOR_MODES = (InterpolationMode.NEAREST, InterpolationMode.BILINEAR)


def as_mode(interpolation, argument: str = "interpolation") -> InterpolationMode:
    """An ``InterpolationMode`` from the enum, its value ("bilinear") or a PIL code (2), as torchvision takes."""
    if isinstance(interpolation, InterpolationMode):
        return interpolation
    if isinstance(interpolation, str):
        for mode in InterpolationMode:
            if mode.value == interpolation:
                return mode
    if isinstance(interpolation, int) and not isinstance(interpolation, bool):
        for mode, code in _PIL_CODES.items():
            if code == interpolation:
                return mode
    raise TypeError(f"{argument} must be an InterpolationMode (e.g. InterpolationMode.BILINEAR), "
                    f"got {interpolation!r}")


def pil_code(mode: InterpolationMode) -> int:
    if mode not in _PIL_CODES:
        raise ValueError(f"interpolation {mode} is not available for PIL images; use one of "
                         f"{', '.join(m.name for m in _PIL_CODES)}")
    return _PIL_CODES[mode]
