"""ZFNet (Zeiler and Fergus, 2013, "Visualizing and Understanding Convolutional Networks").

AlexNet as the deconvnet visualisations told the authors to change it: the first layer's
11×11 stride-4 filters aliased and left dead filters, so ZFNet uses 7×7 filters with
stride 2, and conv2 strides by 2 so the maps shrink as before. The shapes follow the
paper's Figure 3 on a 224×224 input: 110×110×96 after conv1, 55 after pooling, 26 after
conv2, 13 after pooling, 13×13×384, 13×13×384, 13×13×256, 6×6×256 after the last pooling,
then 4096, 4096 and the classes. (The paddings that give exactly those sizes are written
next to each layer.) The paper's contrast normalisation across feature maps is expressed as
AlexNet's LocalResponseNorm, and its two-GPU split is gone: ZFNet trained on one GPU, with
dense connections in conv3–conv5.
"""

from __future__ import annotations

from .. import nn
from .alexnet import fully_connected_head
from .registry import register_model


class ZFNet(nn.Module):
    """ZFNet (Zeiler and Fergus, 2014): AlexNet with a 7×7 stride-2 first layer (AlexNet's
    is 11×11 stride 4) and a stride-2 second one, the changes their deconvnet visualisations
    suggested. See docs/models/zfnet.md."""

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5, widths: tuple = (96, 256, 384, 384, 256),
                 hidden: int = 4096):
        super().__init__()
        c1, c2, c3, c4, c5 = widths
        self.features = nn.Sequential(
            nn.Conv2d(3, c1, kernel_size=7, stride=2, padding=1),      # 224 → 110
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1),         # → 55
            nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0),
            nn.Conv2d(c1, c2, kernel_size=5, stride=2),                # → 26
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1),         # → 13
            nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0),
            nn.Conv2d(c2, c3, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(c3, c4, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(c4, c5, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),                     # → 6
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = fully_connected_head(c5 * 6 * 6, hidden, num_classes, dropout)

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


@register_model(input_size=(3, 224, 224))
def zfnet(num_classes: int = 1000, dropout: float = 0.5) -> ZFNet:
    """ZFNet: AlexNet with a 7×7 stride-2 first layer and a stride-2 conv2, as the paper's table."""
    return ZFNet(num_classes=num_classes, dropout=dropout)
