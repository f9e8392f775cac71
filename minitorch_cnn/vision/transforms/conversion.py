"""Between PIL images, NumPy images and tensors, with torchvision's rules:

- ``to_tensor``: a PIL image or (H, W[, C]) ndarray → (C, H, W) tensor; uint8 pixels become
  floats in [0, 1] (the default float dtype), any other dtype is kept as it is;
- ``pil_to_tensor``: a PIL image → (C, H, W) tensor of its own dtype (uint8 for "L"/"RGB");
- ``to_pil_image``: a (C, H, W) / (H, W) tensor or (H, W, C) / (H, W) ndarray → PIL image;
  float pixels are multiplied by 255 and truncated to uint8 (torchvision's ``mul(255).byte()``)
  unless ``mode="F"``.
"""

from __future__ import annotations

import numpy as np

from ... import backend
from ...tensor import Tensor
from .._pil import is_pil_image, pil_image_module, pil_to_array

# PIL band counts, for checking a requested mode against the channels
_BANDS = {"1": 1, "L": 1, "P": 1, "I": 1, "I;16": 1, "F": 1, "LA": 2, "RGB": 3, "YCbCr": 3, "HSV": 3, "LAB": 3,
          "RGBA": 4, "CMYK": 4, "RGBX": 4}


def _chw(array: np.ndarray) -> np.ndarray:
    return array[None] if array.ndim == 2 else array.transpose(2, 0, 1)


def to_tensor(pic) -> Tensor:
    if is_pil_image(pic):
        array = pil_to_array(pic)
        if pic.mode == "1":
            array = array.astype(np.uint8) * np.uint8(255)  # torchvision scales the bits, then divides
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"to_tensor: pic should be 2 or 3 dimensional (H, W[, C]), got {pic.ndim} dimensions")
        array = pic
    else:
        raise TypeError(f"to_tensor: pic should be a PIL Image or ndarray, got {type(pic).__name__}")
    array = np.ascontiguousarray(_chw(array))
    if array.dtype == np.uint8:
        dtype = backend.get_default_dtype()
        array = array.astype(dtype) / dtype.type(255)
    return Tensor._wrap(array)


def pil_to_tensor(pic) -> Tensor:
    if not is_pil_image(pic):
        raise TypeError(f"pil_to_tensor: pic should be a PIL Image, got {type(pic).__name__}")
    return Tensor._wrap(np.ascontiguousarray(_chw(pil_to_array(pic))))


def _default_mode(channels: int, dtype: np.dtype) -> str:
    if channels == 1:
        modes = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16", np.dtype(np.uint16): "I;16",
                 np.dtype(np.int32): "I", np.dtype(np.float32): "F"}
        if dtype not in modes:
            raise TypeError(f"to_pil_image: a one-channel image of {dtype} has no PIL mode "
                            f"(expected one of {', '.join(str(d) for d in modes)})")
        return modes[dtype]
    if channels in (2, 3, 4):
        return {2: "LA", 3: "RGB", 4: "RGBA"}[channels]
    raise ValueError(f"to_pil_image: pic should have 1 to 4 channels, got {channels}")


def to_pil_image(pic, mode: str | None = None):
    image_module = pil_image_module()
    if isinstance(pic, Tensor):
        if pic.ndim not in (2, 3):
            raise ValueError(f"to_pil_image: pic should be 2 or 3 dimensional (C, H, W), got shape {list(pic.shape)}")
        array = pic.detach().cpu().array
        array = array[:, :, None] if array.ndim == 2 else array.transpose(1, 2, 0)
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"to_pil_image: pic should be 2 or 3 dimensional (H, W, C), got shape {pic.shape}")
        array = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        raise TypeError(f"to_pil_image: pic should be a Tensor or ndarray, got {type(pic).__name__}")
    if array.dtype.kind == "f" and mode != "F":
        array = (array * 255).astype(np.uint8)
    elif array.dtype.kind == "b":
        array = array.astype(np.uint8) * np.uint8(255)
    elif mode == "F":
        array = array.astype(np.float32)
    channels = array.shape[2]
    inferred = _default_mode(channels, array.dtype)
    if mode is None or mode == inferred:
        mode = inferred
    elif mode not in _BANDS:
        raise ValueError(f"to_pil_image: unknown mode {mode!r}; the modes are {', '.join(sorted(_BANDS))}")
    elif _BANDS.get(mode) != channels:
        raise ValueError(f"to_pil_image: mode {mode!r} needs {_BANDS.get(mode, '?')} channels, "
                         f"the image has {channels}")
    array = np.ascontiguousarray(array[:, :, 0] if channels == 1 else array)
    if mode in ("L", "RGB", "RGBA", "F", "I") and mode == inferred:
        return image_module.fromarray(array)
    if mode == "1":
        return image_module.fromarray(array > 0)
    return image_module.frombytes(mode, (array.shape[1], array.shape[0]), array.tobytes())
