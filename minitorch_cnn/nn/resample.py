"""Resampling layers, as ``torch.nn``: ``Upsample`` (and its two fixed-mode aliases),
``PixelShuffle``, ``PixelUnshuffle`` and ShuffleNet's ``ChannelShuffle``."""

from __future__ import annotations

from ..ops import resample as R
from .module import Module


class Upsample(Module):
    """``interpolate`` as a layer: to ``size`` or by ``scale_factor``, with ``mode`` nearest,
    nearest-exact, linear, bilinear or trilinear.

    Shape:
        - Input: (N, C, L), (N, C, H, W) or (N, C, D, H, W); Output: the same with each spatial size
          ``size`` or ⌊size·scale_factor⌋.
    """

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest", align_corners=None):
        super().__init__()
        if mode not in R.MODES:
            raise ValueError(f"Upsample: mode must be one of {R.MODES}, got {mode!r}")
        self.size, self.scale_factor, self.mode, self.align_corners = size, scale_factor, mode, align_corners

    def forward(self, input):
        return R.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners)

    def extra_repr(self) -> str:
        what = f"scale_factor={self.scale_factor}" if self.scale_factor is not None else f"size={self.size}"
        return f"{what}, mode='{self.mode}'"


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour upsampling of 4-D inputs (``Upsample(mode='nearest')``).

    Shape:
        - Input: (N, C, H, W); Output: (N, C, H_out, W_out).
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, "nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear with align_corners=True (what this deprecated PyTorch layer does).

    Shape:
        - Input: (N, C, H, W); Output: (N, C, H_out, W_out) (align_corners=True, as PyTorch).
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, "bilinear", True)


class PixelShuffle(Module):
    """(N, C·r², H, W) → (N, C, H·r, W·r): the sub-pixel convolution's rearrangement (Shi et al., 2016).

    Shape:
        - Input: (*, C·r², H, W); Output: (*, C, H·r, W·r).
    """

    def __init__(self, upscale_factor: int):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        return R.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """The inverse of ``PixelShuffle``: (N, C, H·r, W·r) → (N, C·r², H, W).

    Shape:
        - Input: (*, C, H·r, W·r); Output: (*, C·r², H, W).
    """

    def __init__(self, downscale_factor: int):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        return R.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """ShuffleNet's shuffle: channels viewed as (groups, C/groups), transposed and flattened.

    Shape:
        - Input: (N, C, ...), C divisible by groups; Output: the same.
    """

    def __init__(self, groups: int):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return R.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
