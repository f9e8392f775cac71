"""PyTorch twins of the models the ``models`` suite times, with our state_dict keys, so that
both sides train the same weights: LeNet-5 (torchvision has none) and ResNet-18, taken
from torchvision when it imports and written out here otherwise (the same network: a 7×7
stem, four stages of two BasicBlocks, 1×1 strided shortcuts, torchvision's key names).

Only the forward structure matters here: the weights are copied from our model
(``copy_weights``), so neither side's initialisation is timed or compared.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np


def lenet5(modern: bool = False):
    from torch import nn

    activation, pool = (nn.ReLU, nn.MaxPool2d) if modern else (nn.Tanh, nn.AvgPool2d)
    features = nn.Sequential(OrderedDict([("c1", nn.Conv2d(1, 6, 5)), ("act1", activation()), ("s2", pool(2, 2)),
                                          ("c3", nn.Conv2d(6, 16, 5)), ("act3", activation()), ("s4", pool(2, 2))]))
    classifier = nn.Sequential(OrderedDict([("f5", nn.Linear(400, 120)), ("act5", activation()),
                                            ("f6", nn.Linear(120, 84)), ("act6", activation()),
                                            ("output", nn.Linear(84, 10))]))
    return nn.Sequential(OrderedDict([("features", features), ("flatten", nn.Flatten()),
                                      ("classifier", classifier)]))


def _torchvision_resnet18(num_classes):
    """torchvision's resnet18, or None where torchvision is missing or does not load (a
    torchvision built for another torch fails with RuntimeError or OSError, not ImportError)."""
    try:
        from torchvision.models import resnet18
    except (ImportError, RuntimeError, OSError):
        return None
    return resnet18(num_classes=num_classes)


def _basic_block(inplanes, planes, stride):
    from torch import nn

    class BasicBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = None
            if stride != 1 or inplanes != planes:
                self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False),
                                                nn.BatchNorm2d(planes))

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(out)) + identity)

    return BasicBlock()


def resnet18(num_classes: int = 1000):
    """(model, where it came from: "torchvision" or "benchmarks.torch_models")."""
    model = _torchvision_resnet18(num_classes)
    if model is not None:
        return model, "torchvision"
    from torch import nn

    class ResNet18(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            widths = [(64, 64, 1), (64, 128, 2), (128, 256, 2), (256, 512, 2)]
            for index, (inplanes, planes, stride) in enumerate(widths, start=1):
                setattr(self, f"layer{index}", nn.Sequential(_basic_block(inplanes, planes, stride),
                                                             _basic_block(planes, planes, 1)))
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(512, num_classes)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(self.avgpool(x).flatten(1))

    return ResNet18(), "benchmarks.torch_models"


def copy_weights(ours, theirs) -> tuple[int, int]:
    """Copy our model's state_dict into the PyTorch model's where key and shape match;
    (tensors copied, tensors in the PyTorch model)."""
    import torch

    source = ours.state_dict()
    target = theirs.state_dict()
    copied = 0
    with torch.no_grad():
        for key, value in target.items():
            if key not in source:
                continue
            array = np.asarray(source[key].detach().cpu().numpy())
            if tuple(array.shape) != tuple(value.shape):
                continue
            value.copy_(torch.from_numpy(array.copy()).to(value.dtype))
            copied += 1
    return copied, len(target)
