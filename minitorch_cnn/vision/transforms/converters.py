"""The conversion transforms: ``ToTensor``, ``PILToTensor``, ``ToPILImage`` and
``ConvertImageDtype`` (rules in ``conversion.py``)."""

from __future__ import annotations

import numpy as np

from ... import backend
from ...tensor import Tensor
from .conversion import pil_to_tensor, to_pil_image, to_tensor


class ToTensor:
    """A PIL image or (H, W[, C]) ndarray as a (C, H, W) tensor; uint8 becomes float in [0, 1]."""

    def __call__(self, pic):
        return to_tensor(pic)

    def __repr__(self):
        return "ToTensor()"


class PILToTensor:
    """A PIL image as a (C, H, W) tensor of its own dtype, values unchanged."""

    def __call__(self, pic):
        return pil_to_tensor(pic)

    def __repr__(self):
        return "PILToTensor()"


class ToPILImage:
    def __init__(self, mode: str | None = None):
        self.mode = mode

    def __call__(self, pic):
        return to_pil_image(pic, self.mode)

    def __repr__(self):
        return f"ToPILImage(mode={self.mode!r})" if self.mode else "ToPILImage()"


class ConvertImageDtype:
    """A tensor image in another dtype, rescaled as torchvision does: integer images to
    floats in [0, 1] (divided by the integer type's maximum), floats to integers by
    ``x · (max + 1 - ε)`` truncated, integers to integers by shifting bits."""

    def __init__(self, dtype):
        self.dtype = backend.as_dtype(dtype)

    def __call__(self, image):
        if not isinstance(image, Tensor):
            raise TypeError(f"ConvertImageDtype: expected a Tensor, got {type(image).__name__}")
        array, target = image.detach().array, self.dtype
        xp = backend.xp_of(array)
        if array.dtype == target:
            return image
        if array.dtype.kind == "f":
            if target.kind == "f":
                return Tensor._wrap(array.astype(target))
            top = float(np.iinfo(target).max)
            return Tensor._wrap(xp.clip(array * (top + 1.0 - 1e-3), 0, top).astype(target))
        top_in = float(np.iinfo(array.dtype).max)
        if target.kind == "f":
            return Tensor._wrap(array.astype(target) / target.type(top_in))
        shift = 8 * (target.itemsize - array.dtype.itemsize)
        wide = array.astype(np.int64)
        return Tensor._wrap((wide << shift if shift > 0 else wide >> -shift).astype(target))

    def __repr__(self):
        return f"ConvertImageDtype(dtype={self.dtype})"
