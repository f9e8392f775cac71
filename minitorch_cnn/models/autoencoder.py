"""A convolutional encoder-decoder with unpooling: the counterpart of U-Net without skips.

The encoder convolves and max-pools, remembering where each maximum was
(``MaxPool2d(return_indices=True)``); the decoder puts values back at exactly those places
(``MaxUnpool2d``, as in SegNet and Zeiler & Fergus's deconvnet) and convolves again. Only
the positions of the maxima cross from encoder to decoder — no feature maps, as U-Net's
skips carry — so the reconstruction shows what the bottleneck kept.
"""

from __future__ import annotations

from .. import nn
from .registry import register_model


class ConvAutoencoder(nn.Module):
    """A small convolutional autoencoder: 3×3 convolutions with ReLU and 2×2 max pooling
    down to a code, and back up with ``MaxUnpool2d`` at the pooling's own indices (the
    deconvnet's "switches") and 3×3 convolutions, to the input's shape."""

    def __init__(self, in_channels: int = 1, widths=(16, 32)):
        super().__init__()
        if len(widths) < 1:
            raise ValueError("ConvAutoencoder: give at least one width")
        channels = [in_channels, *widths]
        self.encoder = nn.ModuleList(nn.Sequential(nn.Conv2d(a, b, 3, padding=1), nn.ReLU())
                                     for a, b in zip(channels, channels[1:]))
        self.pool = nn.MaxPool2d(2, return_indices=True)
        self.unpool = nn.MaxUnpool2d(2)
        pairs = list(zip(channels, channels[1:]))[::-1]
        decoder = [nn.Sequential(nn.Conv2d(wide, narrow, 3, padding=1), nn.ReLU()) for narrow, wide in pairs]
        decoder[-1] = nn.Conv2d(channels[1], in_channels, 3, padding=1)  # the reconstruction: no ReLU
        self.decoder = nn.ModuleList(decoder)

    def forward(self, x):
        if x.shape[2] % 2 ** len(self.encoder) or x.shape[3] % 2 ** len(self.encoder):
            raise ValueError(f"ConvAutoencoder: height and width must be multiples of {2 ** len(self.encoder)}, "
                             f"got {x.shape[2]}×{x.shape[3]}")
        positions = []
        for block in self.encoder:
            x, where = self.pool(block(x))
            positions.append(where)
        for block, where in zip(self.decoder, reversed(positions)):
            x = block(self.unpool(x, where))
        return x


@register_model(input_size=(1, 32, 32))
def conv_autoencoder(in_channels: int = 1, widths=(16, 32)) -> ConvAutoencoder:
    """Conv + max-pool down, unpool (with the encoder's indices) + conv up; output = input size."""
    return ConvAutoencoder(in_channels, widths)
