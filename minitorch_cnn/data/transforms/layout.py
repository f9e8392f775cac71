"""How transforms see an image: whatever the caller holds — a NumPy image (H, W) or
(H, W, C), as datasets return them, or a (C, H, W) Tensor, as ``ToTensor`` makes — each
transform works on a (C, H, W) NumPy array and hands back the caller's kind and layout."""

from __future__ import annotations

import numpy as np

from ... import backend
from ...tensor import Tensor


def to_chw(image, transform: str):
    """``(array, back)``: the image as a (C, H, W) array, and the function that turns a
    (C, H', W') array back into the caller's kind of image."""
    if isinstance(image, Tensor):
        if image.ndim != 3:
            raise ValueError(f"{transform}: a tensor image must be (C, H, W), got shape {list(image.shape)}")
        device = image.device
        array = image.array if device.type == "cpu" else image.array.get()
        return array, lambda out: Tensor._wrap(backend.to_device(np.ascontiguousarray(out), device))
    if isinstance(image, np.ndarray):
        to_hwc = lambda out: np.ascontiguousarray(out.transpose(1, 2, 0))  # noqa: E731
        if image.ndim == 2:  # a grey image stays (H, W) unless a transform made channels (Grayscale(3))
            return image[None], lambda out: out[0] if out.shape[0] == 1 else to_hwc(out)
        if image.ndim == 3:
            return image.transpose(2, 0, 1), to_hwc
        raise ValueError(f"{transform}: an array image must be (H, W) or (H, W, C), got shape {image.shape}")
    raise TypeError(f"{transform}: expected a NumPy image or a (C, H, W) Tensor, got {type(image).__name__}")


def max_value(array: np.ndarray) -> float:
    """The brightest value of the image's range: 255 for integer images, 1.0 for float ones."""
    return float(np.iinfo(array.dtype).max) if array.dtype.kind in "iu" else 1.0


def like(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``values`` (computed in float) clipped to the reference's range and cast back to its dtype."""
    top = max_value(reference)
    if reference.dtype.kind in "iu":
        return np.clip(np.rint(values), 0, top).astype(reference.dtype)
    return np.clip(values, 0.0, top).astype(reference.dtype)


def rng() -> np.random.Generator:
    """The framework's seeded generator, looked up at each draw (``manual_seed`` replaces it)."""
    return backend.default_rng.generator
