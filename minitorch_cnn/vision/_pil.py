"""PIL, imported only when an image is really read, written or converted (it is an
optional dependency), and the two conversions every PIL-aware part of ``vision`` needs."""

from __future__ import annotations

import numpy as np


def pil_image_module():
    """``PIL.Image``, or an ImportError that says how to get it."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("minitorch_cnn.vision needs Pillow to read, write or convert PIL images: "
                          "pip install pillow") from None
    return Image


def is_pil_image(image) -> bool:
    """Whether ``image`` is a PIL image (without importing PIL when it never was)."""
    import sys

    module = sys.modules.get("PIL.Image")
    return module is not None and isinstance(image, module.Image)


def pil_to_array(image) -> np.ndarray:
    """The pixels as PIL holds them: (H, W) for one band, (H, W, C) for several; mode "1"
    comes out as bool."""
    return np.array(image, copy=True)


def array_to_pil(array: np.ndarray, like):
    """(H, W) or (H, W, C) pixels as a PIL image of the same mode as the image ``like``
    they came from (its palette too, for a "P" image)."""
    image_module = pil_image_module()
    if like.mode == "1":
        return image_module.fromarray(np.ascontiguousarray(array, dtype=bool))
    # np.array(image) gave the bands in PIL's own byte layout, so the bytes are that mode's raw data
    array = np.ascontiguousarray(array, dtype=pil_to_array(like.crop((0, 0, 1, 1))).dtype)
    image = image_module.frombytes(like.mode, (array.shape[1], array.shape[0]), array.tobytes())
    if like.mode == "P" and like.getpalette() is not None:
        image.putpalette(like.getpalette())
    return image
