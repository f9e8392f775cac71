"""``minitorch_cnn.vision.models``, as ``torchvision.models``: a constructor of
torchvision's name for each zoo model torchvision also has, taking ``weights=None`` (or
a weights file's path), ``pretrained=False``, ``progress`` (ignored: nothing is
downloaded) and the model's keyword arguments (``num_classes=``, ...); plus the model
classes, ``list_models`` and ``get_model``."""

from __future__ import annotations

from ...models import registry as _registry
from ...models import (AlexNet, DenseNet, EfficientNet, GoogLeNet, Inception3, MobileNetV2, MobileNetV3, ResNet,
                       ShuffleNetV2, SqueezeNet, VGG, VisionTransformer)
from .weights import PretrainedWeightsUnavailable, load_into, resolve

# the registry's models that torchvision.models also has, under the same names
TORCHVISION_NAMES = ["alexnet", "densenet121", "densenet161", "densenet169", "densenet201"] + \
    [f"efficientnet_b{i}" for i in range(8)] + \
    ["googlenet", "inception_v3", "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small", "resnet18", "resnet34",
     "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "wide_resnet50_2", "shufflenet_v2_x0_5",
     "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0", "squeezenet1_0", "squeezenet1_1", "vgg11",
     "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn", "vit_b_16", "vit_b_32", "vit_l_16"]


def _constructor(name: str):
    build = _registry.model_entry(name).constructor

    def constructor(*, weights=None, progress: bool = True, pretrained=None, **kwargs):
        path = resolve(name, weights, pretrained)
        model = build(**kwargs)
        return model if path is None else load_into(model, path)

    constructor.__name__ = constructor.__qualname__ = name
    constructor.__doc__ = (f"torchvision's ``{name}``: ``minitorch_cnn.models.{name}(**kwargs)``, with "
                           f"``weights`` None or a weights file's path (no pretrained weights are shipped).")
    return constructor


for _name in TORCHVISION_NAMES:
    globals()[_name] = _constructor(_name)


def list_models() -> list[str]:
    return list(TORCHVISION_NAMES)


def get_model(name: str, **config):
    """``get_model("resnet18", weights=None, num_classes=10)``, as torchvision's."""
    if name not in TORCHVISION_NAMES:
        _registry.model_entry(name)  # a ValueError with close matches for a name nobody has
        raise ValueError(f"{name!r} is a minitorch_cnn model without a torchvision counterpart; build it with "
                         f"minitorch_cnn.models.get_model({name!r})")
    return globals()[name](**config)


__all__ = TORCHVISION_NAMES + ["list_models", "get_model", "PretrainedWeightsUnavailable", "AlexNet", "DenseNet",
                               "EfficientNet", "GoogLeNet", "Inception3", "MobileNetV2", "MobileNetV3", "ResNet",
                               "ShuffleNetV2", "SqueezeNet", "VGG", "VisionTransformer"]
