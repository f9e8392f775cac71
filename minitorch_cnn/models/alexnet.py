"""AlexNet (Krizhevsky, Sutskever and Hinton, 2012).

Two versions:

* ``alexnet()`` is torchvision's (the "one weird trick" variant, 64-192-384-256-256
  filters, no normalisation), with the same module indices, so its weights load.
* ``alexnet(original=True)`` is the 2012 paper: 96-256-384-384-256 filters on a 227×227
  input, LocalResponseNorm (size 5, α=1e-4, β=0.75, k=2) after conv1 and conv2, and the
  paper's two-GPU split expressed as ``groups=2`` in conv2, conv4 and conv5 (each GPU's half
  of the filters saw only its own half of the previous layer; conv3 and the fully
  connected layers talked across GPUs). Its 60,965,224 parameters are the paper's "60
  million"; its initialisation is the paper's: N(0, 0.01) weights, biases 1 in conv2, conv4,
  conv5 and the hidden fully connected layers (so ReLUs start active), 0 elsewhere.

``widths`` and ``hidden`` shrink the network for gradient checks; the defaults are the paper's.
"""

from __future__ import annotations

from .. import nn
from ..nn import init
from .registry import register_model


def fully_connected_head(in_features: int, hidden: int, num_classes: int, dropout: float) -> nn.Sequential:
    """AlexNet's classifier (ZFNet's too): two hidden layers of ``hidden`` units with
    dropout before each, torchvision's module indices."""
    return nn.Sequential(
        nn.Dropout(p=dropout),
        nn.Linear(in_features, hidden),
        nn.ReLU(inplace=True),
        nn.Dropout(p=dropout),
        nn.Linear(hidden, hidden),
        nn.ReLU(inplace=True),
        nn.Linear(hidden, num_classes),
    )


class AlexNet(nn.Module):
    """AlexNet (Krizhevsky et al., 2012) in torchvision's layout: five convolutions with ReLU
    and max pooling, adaptive average pooling to 6×6, and a three-layer classifier with
    dropout. Input (N, 3, 224, 224). See docs/models/alexnet.md.
    """

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5, original: bool = False,
                 widths: tuple | None = None, hidden: int = 4096):
        super().__init__()
        if original:
            c1, c2, c3, c4, c5 = widths or (96, 256, 384, 384, 256)
            self.features = nn.Sequential(
                nn.Conv2d(3, c1, kernel_size=11, stride=4),              # 227 → 55
                nn.ReLU(inplace=True),
                nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0),
                nn.MaxPool2d(kernel_size=3, stride=2),                   # → 27 (overlapping pooling)
                nn.Conv2d(c1, c2, kernel_size=5, padding=2, groups=2),   # one half per GPU
                nn.ReLU(inplace=True),
                nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0),
                nn.MaxPool2d(kernel_size=3, stride=2),                   # → 13
                nn.Conv2d(c2, c3, kernel_size=3, padding=1),             # the GPUs exchange here
                nn.ReLU(inplace=True),
                nn.Conv2d(c3, c4, kernel_size=3, padding=1, groups=2),
                nn.ReLU(inplace=True),
                nn.Conv2d(c4, c5, kernel_size=3, padding=1, groups=2),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),                   # → 6
            )
        else:
            c1, c2, c3, c4, c5 = widths or (64, 192, 384, 256, 256)
            self.features = nn.Sequential(
                nn.Conv2d(3, c1, kernel_size=11, stride=4, padding=2),   # 224 → 55
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),                   # → 27
                nn.Conv2d(c1, c2, kernel_size=5, padding=2),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),                   # → 13
                nn.Conv2d(c2, c3, kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv2d(c3, c4, kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv2d(c4, c5, kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),                   # → 6
            )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = fully_connected_head(c5 * 6 * 6, hidden, num_classes, dropout)
        if original:
            self._paper_init()

    def _paper_init(self):
        layers = [m for m in self.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
        for index, layer in enumerate(layers):
            init.normal_(layer.weight, 0.0, 0.01)
            # conv2, conv4, conv5 and the two hidden fully connected layers start with bias 1
            init.constant_(layer.bias, 1.0 if index in (1, 3, 4, 5, 6) else 0.0)

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


@register_model(input_size=(3, 224, 224))
def alexnet(num_classes: int = 1000, dropout: float = 0.5, original: bool = False) -> AlexNet:
    """AlexNet: torchvision's layout, or the 2012 paper's with ``original=True`` (use 227×227 inputs)."""
    return AlexNet(num_classes=num_classes, dropout=dropout, original=original)
