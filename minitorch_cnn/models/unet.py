"""U-Net (Ronneberger et al., 2015): a contracting path that captures context and a
symmetric expanding path that recovers where things are, for a label per pixel.

Contracting: two 3×3 convolutions with ReLU, then 2×2 max pooling, the channels doubling
at each of four steps (64 → 1024). Expanding: a 2×2 up-convolution (transposed, stride 2)
halves the channels and doubles the size; the contracting path's map of that level is
cropped to match and concatenated (the skip that gives back the detail pooling lost); two
3×3 convolutions follow. A 1×1 convolution maps the 64 channels to class scores. The
paper's convolutions are unpadded, so a 572×572 tile gives a 388×388 map (the context
around each output tile is read, not invented); ``padding=True`` keeps the input size.
"""

from __future__ import annotations

from .. import nn
from ..arguments import integer
from ..ops import cat
from .registry import register_model


class DoubleConv(nn.Sequential):
    """Two 3×3 convolutions with ReLU (and BatchNorm before each ReLU with ``batch_norm``)."""

    def __init__(self, in_channels: int, out_channels: int, padding: bool, batch_norm: bool = False):
        pad = 1 if padding else 0
        layers = []
        for channels in (in_channels, out_channels):
            layers.append(nn.Conv2d(channels, out_channels, 3, padding=pad))
            if batch_norm:
                layers.append(nn.BatchNorm2d(out_channels))
            layers.append(nn.ReLU())
        super().__init__(*layers)


class Down(nn.Sequential):
    """2×2 max pooling then two 3×3 convolutions."""

    def __init__(self, in_channels: int, out_channels: int, padding: bool, batch_norm: bool = False):
        super().__init__(nn.MaxPool2d(2), DoubleConv(in_channels, out_channels, padding, batch_norm))


def center_crop(x, height: int, width: int):
    """The centre height×width window of an (N, C, H, W) map."""
    top, left = (x.shape[2] - height) // 2, (x.shape[3] - width) // 2
    return x[:, :, top:top + height, left:left + width]


class Up(nn.Module):
    """Up-convolve, crop the skip to the same size, concatenate [skip, up], two 3×3 convolutions."""

    def __init__(self, in_channels: int, out_channels: int, padding: bool, batch_norm: bool = False):
        super().__init__()
        self.up = nn.ConvTranspose2d(in_channels, in_channels // 2, kernel_size=2, stride=2)
        self.conv = DoubleConv(in_channels, out_channels, padding, batch_norm)

    def forward(self, x, skip):
        x = self.up(x)
        return self.conv(cat([center_crop(skip, x.shape[2], x.shape[3]), x], 1))


class UNet(nn.Module):
    """U-Net (Ronneberger et al., 2015): a contracting path, an expanding path, and skip
    connections concatenating the two at each resolution.
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 2, padding: bool = False, base_width: int = 64,
                 batch_norm: bool = False):
        super().__init__()
        integer(base_width, "UNet: base_width", low=1)
        integer(in_channels, "UNet: in_channels", low=1)
        integer(num_classes, "UNet: num_classes", low=1)
        w, options = base_width, (padding, batch_norm)
        self.inc = DoubleConv(in_channels, w, *options)
        self.down1, self.down2 = Down(w, 2 * w, *options), Down(2 * w, 4 * w, *options)
        self.down3, self.down4 = Down(4 * w, 8 * w, *options), Down(8 * w, 16 * w, *options)
        self.up1, self.up2 = Up(16 * w, 8 * w, *options), Up(8 * w, 4 * w, *options)
        self.up3, self.up4 = Up(4 * w, 2 * w, *options), Up(2 * w, w, *options)
        self.outc = nn.Conv2d(w, num_classes, kernel_size=1)
        self.padding = padding

    def forward(self, x):
        if self.padding and (x.shape[2] % 16 or x.shape[3] % 16):
            raise ValueError(f"UNet(padding=True): height and width must be multiples of 16 (four 2×2 poolings), "
                             f"got {x.shape[2]}×{x.shape[3]}")
        x1 = self.inc(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        x4 = self.down3(x3)
        x = self.down4(x4)
        x = self.up4(self.up3(self.up2(self.up1(x, x4), x3), x2), x1)
        return self.outc(x)


@register_model(input_size=(1, 572, 572))
def unet(in_channels: int = 1, num_classes: int = 2, padding: bool = False, base_width: int = 64,
         batch_norm: bool = False) -> UNet:
    """The paper's U-Net (31,030,658 parameters): 572×572 in, 388×388 out; ``padding=True`` keeps the
    size; ``batch_norm=True`` adds BatchNorm before every ReLU (the paper predates it; it trains much faster)."""
    return UNet(in_channels, num_classes, padding, base_width, batch_norm)
