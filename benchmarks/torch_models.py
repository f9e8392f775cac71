"""PyTorch twins of the models the ``models`` suite times, with our state_dict keys, so that
both sides train the same weights: LeNet-5 (torchvision has none) and ResNet-18, taken
from torchvision when it imports and written out here otherwise (the same network: a 7×7
stem, four stages of two BasicBlocks, 1×1 strided shortcuts, torchvision's key names).

The rest are written out in plain ``torch.nn`` whether or not torchvision is there, each
following our definition in ``minitorch_cnn.models`` rather than torchvision's where the two
differ: ``resnet_cifar`` (the paper's CIFAR ResNet, option-A zero-padding shortcuts, which
torchvision does not have), ``mobilenet_v2``, ``vgg11_bn``, ``densenet121`` and
``vit_tiny_cifar`` (our own ViT variant: 4×4 patches of 32×32 images). ``twin(name,
**kwargs)`` takes the name and keyword arguments of our ``get_model``.

Only the forward structure matters here: the weights are copied from our model
(``copy_weights``), so neither side's initialisation is timed or compared.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np


def lenet5(modern: bool = False, num_classes: int = 10, in_channels: int = 1):
    from torch import nn

    activation, pool = (nn.ReLU, nn.MaxPool2d) if modern else (nn.Tanh, nn.AvgPool2d)
    features = nn.Sequential(OrderedDict([("c1", nn.Conv2d(in_channels, 6, 5)), ("act1", activation()),
                                          ("s2", pool(2, 2)), ("c3", nn.Conv2d(6, 16, 5)), ("act3", activation()),
                                          ("s4", pool(2, 2))]))
    classifier = nn.Sequential(OrderedDict([("f5", nn.Linear(400, 120)), ("act5", activation()),
                                            ("f6", nn.Linear(120, 84)), ("act6", activation()),
                                            ("output", nn.Linear(84, num_classes))]))
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


WRITTEN_HERE = "benchmarks.torch_models"


def _zero_pad_shortcut(in_channels, out_channels, stride):
    """Option A of the ResNet paper, as ours: the identity subsampled by ``stride`` with zero
    channels put around it (extra // 2 in front, the rest behind), so it has no parameters."""
    from torch import nn
    from torch.nn import functional as F

    extra = out_channels - in_channels

    class ZeroPadShortcut(nn.Module):
        def forward(self, x):
            return F.pad(x[:, :, ::stride, ::stride], (0, 0, 0, 0, extra // 2, extra - extra // 2))

    return ZeroPadShortcut()


def _cifar_block(in_channels, out_channels, stride):
    from torch import nn

    class BuildingBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(out_channels)
            self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(out_channels)
            self.relu = nn.ReLU(inplace=True)
            reshapes = stride != 1 or in_channels != out_channels
            self.shortcut = _zero_pad_shortcut(in_channels, out_channels, stride) if reshapes else nn.Identity()

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(out)) + self.shortcut(x))

    return BuildingBlock()


def resnet_cifar(depth: int = 20, num_classes: int = 10):
    """The paper's CIFAR ResNet (6n + 2 layers, 16-32-64 filters, option-A shortcuts), which
    torchvision does not have; (model, "benchmarks.torch_models")."""
    from torch import nn

    if depth < 8 or (depth - 2) % 6:
        raise ValueError(f"resnet_cifar: depth must be 6n + 2 with n >= 1, got {depth}")
    blocks_per_stage = (depth - 2) // 6

    class CifarResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(16)
            self.relu = nn.ReLU(inplace=True)
            channels = 16
            for stage, width in enumerate((16, 32, 64), start=1):
                blocks = []
                for index in range(blocks_per_stage):
                    blocks.append(_cifar_block(channels, width, 2 if stage > 1 and index == 0 else 1))
                    channels = width
                setattr(self, f"layer{stage}", nn.Sequential(*blocks))
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(channels, num_classes)

        def forward(self, x):
            x = self.relu(self.bn1(self.conv1(x)))
            x = self.layer3(self.layer2(self.layer1(x)))
            return self.fc(self.avgpool(x).flatten(1))

    return CifarResNet(), WRITTEN_HERE


def _round_channels(value, divisor=8):
    """The width rule of the mobile families (ours and torchvision's): the nearest multiple of
    ``divisor``, never below it, one step up where rounding down lost more than 10%."""
    multiple = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if multiple < 0.9 * value:
        multiple += divisor
    return multiple


def _conv_bn_relu6(in_channels, out_channels, kernel_size, stride=1, groups=1):
    """Ours is a Sequential keyed 0 (conv), 1 (BatchNorm), 2 (activation)."""
    from torch import nn

    return nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel_size, stride, (kernel_size - 1) // 2,
                                   groups=groups, bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU6(inplace=True))


def _inverted_residual(in_channels, out_channels, stride, expand_ratio):
    from torch import nn

    hidden = int(round(in_channels * expand_ratio))

    class InvertedResidual(nn.Module):
        def __init__(self):
            super().__init__()
            # without expansion there is no 1×1 expand layer, so the keys start at the depthwise one
            layers = [] if expand_ratio == 1 else [_conv_bn_relu6(in_channels, hidden, 1)]
            layers += [_conv_bn_relu6(hidden, hidden, 3, stride, groups=hidden),
                       nn.Conv2d(hidden, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels)]
            self.conv = nn.Sequential(*layers)
            self.residual = stride == 1 and in_channels == out_channels

        def forward(self, x):
            return x + self.conv(x) if self.residual else self.conv(x)

    return InvertedResidual()


# expansion t, output channels c, repeats n, first stride s: Table 2 of the MobileNetV2 paper
_MOBILENET_V2_STAGES = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                        (6, 160, 3, 2), (6, 320, 1, 1))


def mobilenet_v2(num_classes: int = 1000, width_mult: float = 1.0, dropout: float = 0.2):
    """MobileNet v2 in torchvision's layout; (model, "benchmarks.torch_models")."""
    from torch import nn

    channels = _round_channels(32 * width_mult)
    last_channel = _round_channels(1280 * max(1.0, width_mult))  # the last layer is never thinned
    layers = [_conv_bn_relu6(3, channels, 3, 2)]
    for expand_ratio, width, repeats, stride in _MOBILENET_V2_STAGES:
        out_channels = _round_channels(width * width_mult)
        for index in range(repeats):
            layers.append(_inverted_residual(channels, out_channels, stride if index == 0 else 1, expand_ratio))
            channels = out_channels
    layers.append(_conv_bn_relu6(channels, last_channel, 1))

    class MobileNetV2(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(*layers)
            self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(last_channel, num_classes))

        def forward(self, x):
            return self.classifier(self.features(x).mean((2, 3)))

    return MobileNetV2(), WRITTEN_HERE


# VGG configuration A (the paper's Table 1): output channels of a 3×3 convolution, or "M" for a 2×2 max pool
_VGG11 = (64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M")


def vgg11_bn(num_classes: int = 1000, dropout: float = 0.5):
    """VGG-11 with BatchNorm, torchvision's layout: the 7×7 adaptive pool (which repeats
    values on inputs smaller than 224×224) and the 4096-wide classifier;
    (model, "benchmarks.torch_models")."""
    from torch import nn

    layers, channels = [], 3
    for item in _VGG11:
        if item == "M":
            layers.append(nn.MaxPool2d(2, 2))
            continue
        layers += [nn.Conv2d(channels, item, 3, padding=1), nn.BatchNorm2d(item), nn.ReLU(inplace=True)]
        channels = item

    class VGG(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(*layers)
            self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
            self.classifier = nn.Sequential(nn.Linear(channels * 7 * 7, 4096), nn.ReLU(inplace=True),
                                            nn.Dropout(dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
                                            nn.Dropout(dropout), nn.Linear(4096, num_classes))

        def forward(self, x):
            return self.classifier(self.avgpool(self.features(x)).flatten(1))

    return VGG(), WRITTEN_HERE


def _dense_layer(in_features, growth_rate, bn_size, drop_rate):
    import torch
    from torch import nn
    from torch.nn import functional as F

    class DenseLayer(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm1 = nn.BatchNorm2d(in_features)
            self.relu1 = nn.ReLU(inplace=True)
            self.conv1 = nn.Conv2d(in_features, bn_size * growth_rate, 1, bias=False)
            self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
            self.relu2 = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, 3, padding=1, bias=False)

        def forward(self, features):
            x = torch.cat(features, 1)
            new = self.conv2(self.relu2(self.norm2(self.conv1(self.relu1(self.norm1(x))))))
            return F.dropout(new, drop_rate, self.training) if drop_rate > 0 else new

    return DenseLayer()


def _dense_block(num_layers, in_features, growth_rate, bn_size, drop_rate):
    import torch
    from torch import nn

    class DenseBlock(nn.ModuleDict):
        # a ModuleDict, as ours and torchvision's, so the keys are denseblockN.denselayerM.…
        def forward(self, x):
            features = [x]
            for layer in self.values():
                features.append(layer(features))
            return torch.cat(features, 1)

    return DenseBlock({f"denselayer{index + 1}": _dense_layer(in_features + index * growth_rate, growth_rate,
                                                              bn_size, drop_rate)
                       for index in range(num_layers)})


def _transition(in_features, out_features):
    from torch import nn

    return nn.Sequential(OrderedDict([("norm", nn.BatchNorm2d(in_features)), ("relu", nn.ReLU(inplace=True)),
                                      ("conv", nn.Conv2d(in_features, out_features, 1, bias=False)),
                                      ("pool", nn.AvgPool2d(2, 2))]))


def _densenet(growth_rate, block_config, num_init_features, num_classes, drop_rate, bn_size=4):
    from torch import nn
    from torch.nn import functional as F

    features = nn.Sequential(OrderedDict([
        ("conv0", nn.Conv2d(3, num_init_features, 7, 2, 3, bias=False)), ("norm0", nn.BatchNorm2d(num_init_features)),
        ("relu0", nn.ReLU(inplace=True)), ("pool0", nn.MaxPool2d(3, 2, 1))]))
    channels = num_init_features
    for index, num_layers in enumerate(block_config, start=1):
        features.add_module(f"denseblock{index}", _dense_block(num_layers, channels, growth_rate, bn_size, drop_rate))
        channels += num_layers * growth_rate
        if index != len(block_config):
            features.add_module(f"transition{index}", _transition(channels, channels // 2))
            channels //= 2
    features.add_module("norm5", nn.BatchNorm2d(channels))

    class DenseNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = features
            self.classifier = nn.Linear(channels, num_classes)

        def forward(self, x):
            # the final ReLU is functional, outside ``features``, as in ours and torchvision's
            x = F.adaptive_avg_pool2d(F.relu(self.features(x)), (1, 1))
            return self.classifier(x.flatten(1))

    return DenseNet()


def densenet121(num_classes: int = 1000, drop_rate: float = 0.0):
    """DenseNet-121 (k = 32, blocks 6-12-24-16) in torchvision's layout;
    (model, "benchmarks.torch_models")."""
    return _densenet(32, (6, 12, 24, 16), 64, num_classes, drop_rate), WRITTEN_HERE


def _encoder_block(num_heads, hidden_dim, mlp_dim, dropout):
    from torch import nn

    class EncoderBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(hidden_dim, eps=1e-6)
            # ours passes no attention dropout down from the ViT constructor, so it is always 0
            self.self_attention = nn.MultiheadAttention(hidden_dim, num_heads, dropout=0.0, batch_first=True)
            self.dropout = nn.Dropout(dropout)
            self.ln_2 = nn.LayerNorm(hidden_dim, eps=1e-6)
            # ours numbers the MLP 0-4; its GELU is the exact (erf) one, PyTorch's default too
            self.mlp = nn.Sequential(nn.Linear(hidden_dim, mlp_dim), nn.GELU(), nn.Dropout(dropout),
                                     nn.Linear(mlp_dim, hidden_dim), nn.Dropout(dropout))

        def forward(self, x):
            y = self.ln_1(x)
            y, _ = self.self_attention(y, y, y, need_weights=False)
            x = x + self.dropout(y)
            return x + self.mlp(self.ln_2(x))

    return EncoderBlock()


def _vision_transformer(image_size, patch_size, num_layers, num_heads, hidden_dim, mlp_dim, dropout, num_classes):
    """Our ViT (torchvision's layout): a strided-convolution patch embedding, a class token in
    front, learned position embeddings, pre-norm encoder blocks, the class token's final
    LayerNorm-ed state into ``heads.head``."""
    import torch
    from torch import nn

    seq_length = (image_size // patch_size) ** 2 + 1

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.pos_embedding = nn.Parameter(torch.zeros(1, seq_length, hidden_dim))
            self.dropout = nn.Dropout(dropout)
            self.layers = nn.Sequential(OrderedDict(
                (f"encoder_layer_{index}", _encoder_block(num_heads, hidden_dim, mlp_dim, dropout))
                for index in range(num_layers)))
            self.ln = nn.LayerNorm(hidden_dim, eps=1e-6)

        def forward(self, x):
            return self.ln(self.layers(self.dropout(x + self.pos_embedding)))

    class VisionTransformer(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv_proj = nn.Conv2d(3, hidden_dim, patch_size, patch_size)
            self.class_token = nn.Parameter(torch.zeros(1, 1, hidden_dim))
            self.encoder = Encoder()
            self.heads = nn.Sequential(OrderedDict(head=nn.Linear(hidden_dim, num_classes)))

        def forward(self, x):
            patches = self.conv_proj(x).flatten(2).transpose(1, 2)  # (N, patches, hidden), row-major patches
            tokens = torch.cat([self.class_token.expand(x.shape[0], -1, -1), patches], 1)
            return self.heads(self.encoder(tokens)[:, 0])

    return VisionTransformer()


def vit_tiny_cifar(num_classes: int = 10, dropout: float = 0.0, image_size: int = 32):
    """Our ViT-Tiny for CIFAR (4×4 patches, 12 layers, 3 heads, width 192, MLP 768), which
    torchvision does not have; (model, "benchmarks.torch_models")."""
    return _vision_transformer(image_size, 4, 12, 3, 192, 768, dropout, num_classes), WRITTEN_HERE


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


def twin(name: str, **kwargs):
    """(PyTorch twin of our ``get_model(name, **kwargs)``, where it came from); the keyword
    arguments are ours."""
    if name == "lenet5":
        return lenet5(**kwargs), WRITTEN_HERE
    if name == "resnet18":
        kwargs.pop("zero_init_residual", None)  # it only sets initial weights, which copy_weights replaces
        return resnet18(**kwargs)
    builders = {"resnet_cifar": resnet_cifar, "mobilenet_v2": mobilenet_v2, "vgg11_bn": vgg11_bn,
                "densenet121": densenet121, "vit_tiny_cifar": vit_tiny_cifar}
    if name not in builders:
        raise ValueError(f"no PyTorch twin of model {name!r}; there are twins of lenet5, resnet18, "
                         + ", ".join(builders))
    return builders[name](**kwargs)
