"""``make_grid`` and ``save_image``, as ``torchvision.utils``.

``make_grid`` lays a batch (B, C, H, W) — or a list of (C, H, W) tensors — out in rows of
``nrow`` images separated by ``padding`` pixels of ``pad_value``; one-channel images are
repeated to three, and ``normalize`` maps ``value_range`` (default: the min and max, of
each image with ``scale_each``) to [0, 1] after clamping, exactly torchvision's rules. It
returns a new tensor on the input's device, outside the autograd graph (a picture, not a
computation to differentiate). ``save_image`` writes that grid as an 8-bit image (PNG by
default) to a temporary file in the same folder, then renames it over the target, so a
reader never sees half a file."""

from __future__ import annotations

import math
import os
import tempfile

import numpy as np

from .. import backend
from ..tensor import Tensor
from ._pil import pil_image_module


def _as_batch(tensor):
    if isinstance(tensor, (list, tuple)):
        if not tensor or not all(isinstance(t, Tensor) for t in tensor):
            raise TypeError("make_grid: tensor must be a Tensor or a non-empty list of Tensors")
        shapes = {tuple(t.shape) for t in tensor}
        if len(shapes) != 1:
            raise ValueError(f"make_grid: the images must all have one shape, got {sorted(shapes)}")
        arrays = [t.detach().array for t in tensor]
        return backend.xp_of(arrays[0]).stack(arrays)
    if not isinstance(tensor, Tensor):
        raise TypeError(f"make_grid: tensor must be a Tensor or a list of Tensors, got {type(tensor).__name__}")
    array = tensor.detach().array
    if array.ndim == 2:
        array = array[None]
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4:
        raise ValueError(f"make_grid: expected (B, C, H, W), (C, H, W) or (H, W), got shape {list(tensor.shape)}")
    return array


def _normalized(array, value_range):
    xp = backend.xp_of(array)
    low, high = (float(array.min()), float(array.max())) if value_range is None else value_range
    return (xp.clip(array, low, high) - low) / max(high - low, 1e-5)


def make_grid(tensor, nrow: int = 8, padding: int = 2, normalize: bool = False, value_range=None,
              scale_each: bool = False, pad_value: float = 0.0) -> Tensor:
    if isinstance(nrow, bool) or not isinstance(nrow, int) or nrow < 1:
        raise ValueError(f"make_grid: nrow must be a positive int, got {nrow!r}")
    if isinstance(padding, bool) or not isinstance(padding, int) or padding < 0:
        raise ValueError(f"make_grid: padding must be a non-negative int, got {padding!r}")
    if value_range is not None and (len(value_range) != 2):
        raise ValueError(f"make_grid: value_range must be (min, max), got {value_range!r}")
    batch = _as_batch(tensor)
    xp = backend.xp_of(batch)
    if batch.shape[1] == 1:
        batch = xp.concatenate([batch] * 3, axis=1)
    if normalize:
        batch = batch.astype(batch.dtype if batch.dtype.kind == "f" else backend.get_default_dtype())
        if scale_each:
            batch = xp.stack([_normalized(image, value_range) for image in batch])
        else:
            batch = _normalized(batch, value_range)
    if batch.shape[0] == 1:
        return Tensor._wrap(xp.ascontiguousarray(batch[0]))
    count, channels, height, width = batch.shape
    columns = min(nrow, count)
    rows = math.ceil(count / columns)
    cell_h, cell_w = height + padding, width + padding
    grid = xp.full((channels, rows * cell_h + padding, columns * cell_w + padding), pad_value, dtype=batch.dtype)
    for k in range(count):
        top, left = (k // columns) * cell_h + padding, (k % columns) * cell_w + padding
        grid[:, top:top + height, left:left + width] = batch[k]
    return Tensor._wrap(grid)


def _pixels(tensor, **grid_options) -> np.ndarray:
    grid = make_grid(tensor, **grid_options).array
    host = grid if backend.xp_of(grid) is np else grid.get()
    # torchvision's rounding: x · 255 + 0.5, clamped, truncated to uint8
    return np.clip(host.astype(np.float64) * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)


def save_image(tensor, fp, format: str | None = None, **grid_options) -> None:
    pixels = _pixels(tensor, **grid_options)
    if pixels.shape[2] == 1:
        pixels = pixels[:, :, 0]
    if not isinstance(fp, (str, os.PathLike)):  # a file object: written in place, as torchvision
        _write(pixels, fp, format or "PNG")
        return
    path = os.fspath(fp)
    extension = os.path.splitext(path)[1].lower()
    if format is None and not extension:
        raise ValueError(f"save_image: cannot tell the format of {path!r}: give it an extension or format=")
    format = format or extension[1:]
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=extension, dir=os.path.dirname(os.path.abspath(path)))
    try:
        with os.fdopen(handle, "wb") as out:
            _write(pixels, out, format)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _umask() -> int:
    from ..serialization import current_umask

    return current_umask()


def _write(pixels: np.ndarray, out, format: str) -> None:
    try:
        image_module = pil_image_module()
    except ImportError:
        if format.lower() != "png":
            raise
        from matplotlib import image as matplotlib_image  # PNG without Pillow

        matplotlib_image.imsave(out, pixels, format="png", cmap="gray" if pixels.ndim == 2 else None)
        return
    image_module.fromarray(pixels).save(out, format={"jpg": "JPEG"}.get(format.lower(), format.upper()))
