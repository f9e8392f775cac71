"""Fully convolutional networks (Long, Shelhamer & Darrell, 2015): a classification
network turned into a per-pixel labeller.

The VGG-16 classifier's fully connected layers become convolutions (fc6: 7×7 over the
512-channel map, fc7: 1×1), so the network takes any input size and gives a coarse map of
class scores at 1/32 of the resolution. A transposed convolution (stride 32, initialised
to bilinear interpolation, then learned) brings the scores back to the input size: FCN-32s.
FCN-16s first adds scores predicted from pool4 (1/16) to the 2× up-sampled coarse scores,
FCN-8s adds pool3's too (1/8): the skips put back detail the deep layers pooled away.

As in the paper, the first convolution pads by 100 pixels, so that even a small input
leaves fc6 a 7×7 window; the crops that align the maps again (offsets 5 and 9 for the
pool4 and pool3 scores, 19, 27 and 31 for the final maps) follow from that geometry.
"""

from __future__ import annotations

import numpy as np

from .. import backend, nn
from ..nn import functional as F
from ..nn import init
from .registry import register_model
from .vgg import CONFIGS

def bilinear_kernel(channels: int, size: int) -> np.ndarray:
    """(channels, channels, size, size) weights that make a transposed convolution
    interpolate each channel bilinearly (and ignore the others)."""
    factor = (size + 1) // 2
    centre = factor - 1 if size % 2 == 1 else factor - 0.5
    grid = np.arange(size)
    profile = 1 - np.abs(grid - centre) / factor
    weight = np.zeros((channels, channels, size, size))
    weight[np.arange(channels), np.arange(channels)] = np.outer(profile, profile)
    return weight


def _upsampler(channels: int, size: int, stride: int) -> nn.ConvTranspose2d:
    layer = nn.ConvTranspose2d(channels, channels, size, stride=stride, bias=False)
    # built on the host, then moved: the layer's weight may already live on a GPU
    kernel = bilinear_kernel(channels, size).astype(layer.weight.dtype)
    layer.weight.array[...] = backend.to_device(kernel, layer.weight.device)
    return layer


class VGG16Features(nn.Sequential):
    """VGG-16's convolutions (VGG-16-BN's with ``batch_norm``) with the paper's 100-pixel
    padding on the first and ceil-mode pooling; returns the last map and the maps after
    pool3 and pool4, which the skips of FCN-16s/8s read. Children are numbered as in
    torchvision's ``vgg16().features``, so its weights load."""

    def __init__(self, width_divisor: int = 1, batch_norm: bool = False, in_channels: int = 3):
        layers, channels = [], in_channels
        for item in CONFIGS["D"]:
            if item == "M":
                layers.append(nn.MaxPool2d(2, stride=2, ceil_mode=True))
                continue
            width = item // width_divisor
            layers.append(nn.Conv2d(channels, width, 3, padding=100 if not layers else 1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(width))
            layers.append(nn.ReLU())
            channels = width
        super().__init__(*layers)
        pools = [i for i, layer in enumerate(layers) if isinstance(layer, nn.MaxPool2d)]
        self.taps = (pools[2], pools[3])

    def forward(self, x):
        taps = []
        for index, layer in enumerate(self):
            x = layer(x)
            if index in self.taps:
                taps.append(x)
        return x, taps[0], taps[1]


def _crop(x, offset: int, like_height: int, like_width: int):
    return x[:, :, offset:offset + like_height, offset:offset + like_width]


class FCN(nn.Module):
    """FCN-32s, -16s or -8s (``stride``) on VGG-16 (VGG-16-BN with ``batch_norm``);
    ``width_divisor`` thins every layer, ``in_channels`` takes grey images (for tests)."""

    def __init__(self, num_classes: int = 21, stride: int = 8, width_divisor: int = 1, dropout: float = 0.5,
                 batch_norm: bool = False, in_channels: int = 3):
        super().__init__()
        if stride not in (8, 16, 32):
            raise ValueError(f"FCN: stride must be 8, 16 or 32, got {stride}")
        self.stride = stride
        self.features = VGG16Features(width_divisor, batch_norm, in_channels)
        top, hidden = 512 // width_divisor, 4096 // width_divisor
        self.fc6 = nn.Conv2d(top, hidden, 7)
        self.fc7 = nn.Conv2d(hidden, hidden, 1)
        self.drop = nn.Dropout2d(dropout)
        self.score_fr = nn.Conv2d(hidden, num_classes, 1)
        if stride == 32:
            self.upscore = _upsampler(num_classes, 64, 32)
        else:
            self.score_pool4 = nn.Conv2d(top, num_classes, 1)
            self.upscore2 = _upsampler(num_classes, 4, 2)
            if stride == 16:
                self.upscore16 = _upsampler(num_classes, 32, 16)
            else:
                self.score_pool3 = nn.Conv2d(256 // width_divisor, num_classes, 1)
                self.upscore_pool4 = _upsampler(num_classes, 4, 2)
                self.upscore8 = _upsampler(num_classes, 16, 8)
        for layer in [m for m in self.modules() if isinstance(m, nn.Conv2d) and m.out_channels == num_classes]:
            init.zeros_(layer.weight)  # the scoring layers start at zero, as in the paper's release
            init.zeros_(layer.bias)

    def forward(self, x):
        height, width = x.shape[2:]
        h, pool3, pool4 = self.features(x)
        h = self.drop(F.relu(self.fc7(self.drop(F.relu(self.fc6(h))))))
        scores = self.score_fr(h)
        if self.stride == 32:
            return _crop(self.upscore(scores), 19, height, width)
        scores = self.upscore2(scores)
        scores = scores + _crop(self.score_pool4(pool4), 5, *scores.shape[2:])
        if self.stride == 16:
            return _crop(self.upscore16(scores), 27, height, width)
        scores = self.upscore_pool4(scores)
        scores = scores + _crop(self.score_pool3(pool3), 9, *scores.shape[2:])
        return _crop(self.upscore8(scores), 31, height, width)


@register_model(input_size=(3, 224, 224))
def fcn32s(num_classes: int = 21) -> FCN:
    """FCN-32s on VGG-16: one 32× learned up-sampling of the coarse scores."""
    return FCN(num_classes, 32)


@register_model(input_size=(3, 224, 224))
def fcn16s(num_classes: int = 21) -> FCN:
    """FCN-16s: the coarse scores fused with pool4's, then 16× up-sampling."""
    return FCN(num_classes, 16)


@register_model(input_size=(3, 224, 224))
def fcn8s(num_classes: int = 21) -> FCN:
    """FCN-8s: fused with pool4's and pool3's scores, then 8× up-sampling."""
    return FCN(num_classes, 8)
