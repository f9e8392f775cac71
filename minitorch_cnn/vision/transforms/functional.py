"""``vision.transforms.functional``: torchvision's functional transforms. Each takes a PIL
image (and returns one, computed by PIL as torchvision does) or a tensor of shape
(..., H, W) (and returns a tensor on the same device, computed with its array module);
geometric ones also take (H, W[, C]) NumPy images, as ``data.transforms`` does."""

from __future__ import annotations

import numbers

import numpy as np

from ... import backend
from ...data.transforms.tensor import Normalize as _Normalize
from ...tensor import Tensor
from .._pil import is_pil_image, pil_image_module
from .conversion import pil_to_tensor, to_pil_image, to_tensor
from .interpolation import TENSOR_MODES, InterpolationMode, as_mode, pil_code
from .resampling import resize_array

__all__ = ["to_tensor", "pil_to_tensor", "to_pil_image", "normalize", "get_image_size", "get_dimensions", "resize",
           "crop", "center_crop", "resized_crop", "hflip", "vflip", "pad", "rotate", "rgb_to_grayscale",
           "to_grayscale", "InterpolationMode"]


def _check_image(img, name: str):
    if is_pil_image(img):
        return
    if isinstance(img, Tensor):
        if img.ndim < 2:
            raise ValueError(f"{name}: a tensor image must be (..., H, W), got shape {list(img.shape)}")
        return
    raise TypeError(f"{name}: img should be a PIL Image or Tensor, got {type(img).__name__}")


def _on_array(img, name, function):
    """Apply ``function`` to the (..., H, W) array of a tensor, or of an (H, W[, C]) ndarray
    seen channels-first, and give back the caller's kind."""
    if isinstance(img, np.ndarray):
        if img.ndim == 2:
            return function(img)
        if img.ndim == 3:
            return np.ascontiguousarray(function(img.transpose(2, 0, 1)).transpose(1, 2, 0))
        raise ValueError(f"{name}: an ndarray image must be (H, W) or (H, W, C), got shape {img.shape}")
    _check_image(img, name)
    return Tensor._wrap(function(img.detach().array))


def get_dimensions(img) -> list[int]:
    """[channels, height, width], as torchvision."""
    if is_pil_image(img):
        return [len(img.getbands()), img.height, img.width]
    _check_image(img, "get_dimensions")
    return [1 if img.ndim == 2 else int(img.shape[-3]), int(img.shape[-2]), int(img.shape[-1])]


def _height_width(img) -> tuple[int, int]:
    if isinstance(img, np.ndarray):
        return int(img.shape[0]), int(img.shape[1])
    return tuple(get_dimensions(img)[1:])


def get_image_size(img) -> list[int]:
    """[width, height], as torchvision."""
    channels, height, width = get_dimensions(img)
    return [width, height]


def normalize(tensor, mean, std, inplace: bool = False):
    """``(tensor - mean[c]) / std[c]`` per channel of a float (C, H, W) tensor (``data.transforms.Normalize``)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"normalize: tensor should be a Tensor, got {type(tensor).__name__}")
    out = _Normalize(mean, std)(tensor)
    if inplace:
        tensor.array[...] = out.array
        return tensor
    return out


def _pair(name, size):
    values = [size] if isinstance(size, numbers.Integral) else list(size) if isinstance(size, (tuple, list)) else []
    if len(values) not in (1, 2) or any(isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1
                                        for v in values):
        raise ValueError(f"{name}: size must be a positive int or a sequence of 1 or 2 of them, got {size!r}")
    return [int(v) for v in values]


def _output_size(height, width, size, max_size):
    """torchvision's rule: one number is the shorter edge (the longer one keeps the aspect
    ratio, truncated), capped so the longer edge stays <= ``max_size``."""
    size = _pair("resize", size)
    if len(size) == 2:
        if max_size is not None:
            raise ValueError(f"resize: max_size is only allowed when size is one number, got size {size}")
        return size
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = size[0], int(size[0] * long / short)
    if max_size is not None:
        if max_size <= size[0]:
            raise ValueError(f"resize: max_size = {max_size} must be larger than the requested size {size[0]}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    return [new_long, new_short] if width <= height else [new_short, new_long]


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    mode = as_mode(interpolation)
    height, width = _height_width(img)
    new_h, new_w = _output_size(height, width, size, max_size)
    if is_pil_image(img):
        return img if (new_h, new_w) == (height, width) else img.resize((new_w, new_h), pil_code(mode))
    if mode not in TENSOR_MODES:
        raise ValueError(f"resize: interpolation {mode} is offered for PIL images only; tensors take "
                         f"{', '.join(m.name for m in TENSOR_MODES)}")
    return _on_array(img, "resize", lambda a: resize_array(a, (new_h, new_w), mode, bool(antialias)))


def _pad_array(array, left, top, right, bottom, fill=0, padding_mode="constant"):
    xp = backend.xp_of(array)
    widths = [(0, 0)] * (array.ndim - 2) + [(top, bottom), (left, right)]
    if padding_mode == "constant":
        return xp.pad(array, widths, mode="constant", constant_values=fill)
    return xp.pad(array, widths, mode=padding_mode)


def crop(img, top: int, left: int, height: int, width: int):
    """The window ``[top, top + height) × [left, left + width)``; the part outside the image is zeros (torchvision)."""
    if height < 1 or width < 1:
        raise ValueError(f"crop: height and width must be positive, got {height} x {width}")
    if is_pil_image(img):
        return img.crop((left, top, left + width, top + height))

    def window(array):
        h, w = array.shape[-2:]
        pads = (max(0, -left), max(0, -top), max(0, left + width - w), max(0, top + height - h))
        if any(pads):
            array = _pad_array(array, *pads)
        t, l0 = top + pads[1], left + pads[0]
        return array[..., t:t + height, l0:l0 + width]

    return _on_array(img, "crop", window)


def center_crop(img, output_size):
    crop_h, crop_w = (_pair("center_crop", output_size) * 2)[:2]
    height, width = _height_width(img)
    # torchvision rounds the offset half to even: (5 - 2) / 2 gives top 2, not 1
    top, left = int(round((height - crop_h) / 2.0)), int(round((width - crop_w) / 2.0))
    return crop(img, top, left, crop_h, crop_w)


def resized_crop(img, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR, antialias=True):
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def hflip(img):
    if is_pil_image(img):
        return img.transpose(0)  # Image.Transpose.FLIP_LEFT_RIGHT
    return _on_array(img, "hflip", lambda a: a[..., ::-1].copy())


def vflip(img):
    if is_pil_image(img):
        return img.transpose(1)  # Image.Transpose.FLIP_TOP_BOTTOM
    return _on_array(img, "vflip", lambda a: a[..., ::-1, :].copy())


_PADDING_MODES = ("constant", "edge", "reflect", "symmetric")


def _fill(name, fill):
    """A fill value: a number, or one number per channel (torchvision's "Got inappropriate
    fill arg" is a TypeError too), checked where the transform is built."""
    number = lambda v: isinstance(v, numbers.Real) and not isinstance(v, bool)  # noqa: E731
    if fill is None or number(fill):
        return fill
    if isinstance(fill, (tuple, list)) and fill and all(number(v) for v in fill):
        return fill
    raise TypeError(f"{name}: fill must be a number or a sequence of numbers (one per channel), got {fill!r}")


def _padding(padding):
    values = ([padding] if isinstance(padding, numbers.Integral) else list(padding) if isinstance(padding, (tuple, list))
              else [None])  # a float or a string: refused below
    if len(values) not in (1, 2, 4) or any(isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 0
                                           for v in values):
        raise ValueError(f"pad: padding must be non-negative ints (1, 2 or 4 of them), got {padding!r}")
    if len(values) == 1:
        return values * 4
    if len(values) == 2:
        return [values[0], values[1], values[0], values[1]]
    return values


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    """Pad each border: ``padding`` is one int, (left/right, top/bottom) or (left, top, right, bottom)."""
    if padding_mode not in _PADDING_MODES:
        raise ValueError(f"pad: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
    left, top, right, bottom = _padding(padding)
    if is_pil_image(img):
        from .._pil import array_to_pil, pil_to_array

        array = pil_to_array(img)
        array = array[..., None] if array.ndim == 2 else array
        widths = ((top, bottom), (left, right), (0, 0))
        if padding_mode == "constant":
            fills = np.broadcast_to(np.asarray(fill), (array.shape[2],))
            padded = np.stack([np.pad(array[..., c], widths[:2], constant_values=fills[c])
                               for c in range(array.shape[2])], axis=2)
        else:
            padded = np.pad(array, widths, mode=padding_mode)
        return array_to_pil(padded, img)
    return _on_array(img, "pad", lambda a: _pad_array(a, left, top, right, bottom, fill, padding_mode))


def rotate(img, angle: float, interpolation=InterpolationMode.NEAREST, expand: bool = False, center=None, fill=None):
    """Rotate ``angle`` degrees counter-clockwise about ``center`` (default the image's centre).
    PIL computes it, for tensors too (channel by channel as 32-bit float images), so both
    kinds follow PIL's sampling exactly."""
    mode = pil_code(as_mode(interpolation))
    if is_pil_image(img):
        fillcolor = tuple(fill) if isinstance(fill, (list, tuple)) else fill
        return img.rotate(angle, resample=mode, expand=expand, center=center, fillcolor=fillcolor)
    image_module = pil_image_module()

    def turn(array):
        xp = backend.xp_of(array)
        host = array if xp is np else array.get()
        planes = host.reshape(-1, *host.shape[-2:])
        channels = host.shape[-3] if host.ndim >= 3 else 1
        # torchvision's fill: a number for every channel, or one per channel
        fills = [float(v) for v in fill] if isinstance(fill, (list, tuple)) else [float(fill or 0)]
        if len(fills) not in (1, channels):
            raise ValueError(f"rotate: fill must be a number or one value per channel ({channels}), got {fill!r}")
        turned = [np.asarray(image_module.fromarray(plane.astype(np.float32)).rotate(
            angle, resample=mode, expand=expand, center=center, fillcolor=fills[i % channels % len(fills)]),
            dtype=np.float32) for i, plane in enumerate(planes)]
        out = np.stack(turned).reshape(*host.shape[:-2], *turned[0].shape)
        out = np.clip(np.rint(out), *_limits(host.dtype)) if host.dtype.kind in "iu" else out
        out = out.astype(host.dtype)
        return out if xp is np else backend.to_device(out, backend.device_of(array))

    return _on_array(img, "rotate", turn)


def _limits(dtype):
    info = np.iinfo(dtype)
    return info.min, info.max


def rgb_to_grayscale(img, num_output_channels: int = 1):
    """The ITU-R 601 luma; PIL images by PIL's ``convert("L")``, tensors by
    ``data.transforms.Grayscale`` (float arithmetic)."""
    if num_output_channels not in (1, 3):
        raise ValueError(f"rgb_to_grayscale: num_output_channels must be 1 or 3, got {num_output_channels!r}")
    if is_pil_image(img):
        grey = img.convert("L")
        return grey if num_output_channels == 1 else pil_image_module().merge("RGB", (grey, grey, grey))
    from ...data.transforms.color import Grayscale

    _check_image(img, "rgb_to_grayscale")
    if img.ndim != 3:
        raise ValueError(f"rgb_to_grayscale: a tensor image must be (C, H, W), got shape {list(img.shape)}")
    return Grayscale(num_output_channels)(img)


to_grayscale = rgb_to_grayscale
