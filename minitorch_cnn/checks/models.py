"""Whole-model gradient checks, for ``minitorch-cnn gradcheck MODEL``: each registered
model, shrunk (fewer channels, fewer blocks, a small input, 3 classes) so that float64
finite differences take seconds, in training mode (BatchNorm uses batch statistics, dropout
masks are fixed because the check rewinds the RNG before every forward).

The check treats the model as a function of its input and of *all* its parameters joined
into one flat vector (through ``functional_call``), in fast mode: the projection u^T J v
along one random direction of the input and one of the whole parameter vector, which a
wrong gradient anywhere in the network changes. Inputs are large enough that every
BatchNorm normalises over at least 8 values per channel: over 2 (a 1×1 map, batch 2) the
variance can be tiny and the function too curved for any finite difference."""

from __future__ import annotations

import numpy as np

from .. import backend
from .. import creation as mt
from .. import models, nn
from ..func import functional_call
from ..nn import init
from ..ops import split
from .registry import register


class WholeModel:
    """``model`` as f(input, flat_parameters); exposes the model's buffers so that the
    gradient check puts the running statistics back after it."""

    def __init__(self, model):
        self.model = model
        self.names, self.shapes = zip(*[(n, tuple(p.shape)) for n, p in model.named_parameters()])

    def named_buffers(self):
        return self.model.named_buffers()

    def flat_parameters(self):
        arrays = [p.array.ravel() for p in self.model.parameters()]
        values = backend.xp_of(arrays[0]).concatenate(arrays)  # on the parameters' own device
        return mt.tensor(values, dtype="float64", requires_grad=True)

    def __call__(self, x, flat):
        sizes = [int(np.prod(s)) for s in self.shapes]
        pieces = split(flat, sizes)
        replacement = {n: piece.reshape(shape) for n, shape, piece in zip(self.names, self.shapes, pieces)}
        return functional_call(self.model, replacement, (x,))


def model_check(build_model, input_shape):
    """A check builder: the shrunk model in float64 and training mode, a random input."""

    def build():
        model = build_model().double().train()
        whole = WholeModel(model)
        x = mt.randn(*input_shape, dtype="float64", requires_grad=True)
        return whole, (x, whole.flat_parameters())

    return build


def register_model_check(name: str, config: str, build_model, input_shape) -> None:
    # eps 1e-7, not 1e-6: a network of ReLUs and max pools is only piecewise smooth, and the
    # smaller step makes it ten times less likely that some unit's kink lies within the step
    # (float64 leaves the difference quotient accurate to ~1e-9 at this step).
    register(name, config, model_check(build_model, input_shape), fast_mode=True, eps=1e-7)


# ---------------------------------------------------------------- Model zoo I
register_model_check("lenet5", "classic, 2×1×32×32", lambda: models.lenet5(), (2, 1, 32, 32))
register_model_check("lenet5", "modern=True, 2×1×32×32", lambda: models.lenet5(modern=True), (2, 1, 32, 32))
register_model_check("alexnet", "widths 4-8-8-8-8, hidden 16, 3 classes, 2×3×63×63",
                     lambda: models.AlexNet(3, widths=(4, 8, 8, 8, 8), hidden=16), (2, 3, 63, 63))
register_model_check("alexnet", "original=True (LRN, groups=2), widths 4-8-8-8-8, hidden 16, 2×3×67×67",
                     lambda: models.AlexNet(3, original=True, widths=(4, 8, 8, 8, 8), hidden=16), (2, 3, 67, 67))
register_model_check("zfnet", "widths 4-8-8-8-8, hidden 16, 3 classes, 2×3×64×64",
                     lambda: models.ZFNet(3, widths=(4, 8, 8, 8, 8), hidden=16), (2, 3, 64, 64))
for _name, (_config, _bn) in {"vgg11": ("A", False), "vgg11_bn": ("A", True), "vgg13": ("B", False),
                              "vgg13_bn": ("B", True), "vgg16": ("D", False), "vgg16_bn": ("D", True),
                              "vgg19": ("E", False), "vgg19_bn": ("E", True)}.items():
    register_model_check(
        _name, f"configuration {_config}, widths ÷16, hidden 16, 3 classes, 2×3×32×32",
        lambda _config=_config, _bn=_bn: models.VGG(models.make_features(
            [c if c == "M" else c // 16 for c in models.vgg.CONFIGS[_config]], _bn), num_classes=3, hidden=16),
        (2, 3, 32, 32))
register_model_check("nin", "widths 4-8-8, 3 classes, 2×3×67×67", lambda: models.NiN(3, widths=(4, 8, 8)),
                     (2, 3, 67, 67))
register_model_check("googlenet", "widths ÷8, with auxiliary classifiers, 3 classes, 2×3×64×64",
                     lambda: models.GoogLeNet(3, width_divisor=8), (2, 3, 64, 64))
register_model_check("googlenet", "faithful_5x5=True, widths ÷8, no auxiliary classifiers, 2×3×64×64",
                     lambda: models.GoogLeNet(3, aux_logits=False, faithful_5x5=True, width_divisor=8),
                     (2, 3, 64, 64))
register_model_check("inception_v3", "widths ÷8, no auxiliary classifier, 3 classes, 2×3×75×75",
                     lambda: models.Inception3(3, aux_logits=False, width_divisor=8), (2, 3, 75, 75))
register_model_check("inception_v3", "the auxiliary classifier alone, widths ÷8, on its 2×96×17×17 grid",
                     lambda: models.inception.InceptionAux(96, 3, w=lambda c: c // 8), (2, 96, 17, 17))
_RESNETS = {
    "resnet18": (models.BasicBlock, [2, 2, 2, 2], {}), "resnet34": (models.BasicBlock, [3, 4, 6, 3], {}),
    "resnet50": (models.Bottleneck, [3, 4, 6, 3], {}), "resnet101": (models.Bottleneck, [1, 1, 3, 1], {}),
    "resnet152": (models.Bottleneck, [1, 2, 4, 1], {}),
    "resnext50_32x4d": (models.Bottleneck, [3, 4, 6, 3], {"groups": 2, "width_per_group": 32}),
    "wide_resnet50_2": (models.Bottleneck, [3, 4, 6, 3], {"width_per_group": 128}),
}
for _name, (_block, _layers, _options) in _RESNETS.items():
    register_model_check(
        _name, f"{_block.__name__} {_layers}, base width 4{', ' if _options else ''}"
               f"{', '.join(f'{k}={v}' for k, v in _options.items())}, 3 classes, 2×3×64×64",
        lambda _block=_block, _layers=_layers, _options=_options: models.ResNet(
            _block, _layers, num_classes=3, base_planes=4, **_options), (2, 3, 64, 64))
register_model_check("resnet_cifar", "depth 20, width 4, 3 classes, 2×3×16×16",
                     lambda: models.CifarResNet(20, 3, shortcuts=True, width=4), (2, 3, 16, 16))
register_model_check("plain_cifar", "depth 20, width 4, 3 classes, 2×3×16×16",
                     lambda: models.CifarResNet(20, 3, shortcuts=False, width=4), (2, 3, 16, 16))
register_model_check("highway_net", "3 highway layers of 6 units, 3 classes, 2×1×4×4",
                     lambda: models.HighwayNet(3, in_features=16, width=6, depth=3), (2, 1, 4, 4))
register_model_check("pyramidnet", "depth 20, alpha 12, width 4, 3 classes, 2×3×16×16",
                     lambda: models.PyramidNet(20, 12, 3, width=4), (2, 3, 16, 16))
_DENSENETS = {"densenet121": (32, (6, 12, 24, 16), 64), "densenet161": (48, (6, 12, 36, 24), 96),
              "densenet169": (32, (6, 12, 32, 32), 64), "densenet201": (32, (6, 12, 48, 32), 64)}
for _name, (_growth, _blocks, _initial) in _DENSENETS.items():
    _small = tuple(max(1, b // 6) for b in _blocks)
    register_model_check(
        _name, f"growth {_growth // 8}, blocks {'-'.join(map(str, _small))}, bn_size 2, 3 classes, 2×3×64×64",
        lambda _growth=_growth, _small=_small, _initial=_initial: models.DenseNet(
            _growth // 8, _small, _initial // 8, bn_size=2, num_classes=3), (2, 3, 64, 64))

# ---------------------------------------------------------------- Model zoo II
# 64×64 inputs leave 2×2 maps after the usual stride 32, so the last BatchNorms see 8 values
for _name in ("squeezenet1_0", "squeezenet1_1"):
    register_model_check(_name, "full width (no BatchNorm to starve), 3 classes, 2×3×39×39",
                         lambda _name=_name: models.get_model(_name, num_classes=3), (2, 3, 39, 39))
for _name in ("mobilenet_v1", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large"):
    register_model_check(_name, "width_mult 0.25, 3 classes, 2×3×64×64",
                         lambda _name=_name: models.get_model(_name, num_classes=3, width_mult=0.25), (2, 3, 64, 64))
for _name in ("shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0"):
    # a stem of 8, the other widths ÷8 rounded down to even numbers (the split halves them)
    _widths = (8,) + tuple(2 * (c // 16) for c in models.shufflenet.STAGE_CHANNELS[_name[-3:]][1:])
    register_model_check(
        _name, f"channels {'-'.join(map(str, _widths))}, repeats 2-2-2, 3 classes, 2×3×64×64",
        lambda _widths=_widths: models.ShuffleNetV2(_widths, num_classes=3, stages_repeats=(2, 2, 2)), (2, 3, 64, 64))
for _variant, (_width, _depth, _, _) in models.efficientnet.SCALING.items():
    register_model_check(
        f"efficientnet_{_variant}", f"width ×{_width}/4, depth ×{_depth}/4, 3 classes, 2×3×64×64",
        lambda _width=_width, _depth=_depth: models.EfficientNet(_width / 4, _depth / 4, 0.2, num_classes=3),
        (2, 3, 64, 64))


def _small_vit(patch: int, heads: int):
    model = models.VisionTransformer(16, patch, 2, heads, 4 * heads, 16, num_classes=3)
    init.normal_(model.heads.head.weight, std=0.5)  # ViT's head starts at zero, which would hide the encoder
    return model


for _name, (_patch, _heads) in {"vit_b_16": (4, 2), "vit_b_32": (8, 2), "vit_l_16": (4, 4),
                                "vit_tiny_cifar": (4, 3)}.items():
    register_model_check(
        _name, f"16×16 images, patch {_patch}, 2 layers, {_heads} heads, width {4 * _heads}, MLP 16, random head, "
               "3 classes", lambda _patch=_patch, _heads=_heads: _small_vit(_patch, _heads), (2, 3, 16, 16))


def _small_fcn(stride: int):
    model = models.FCN(3, stride, width_divisor=32)
    for layer in model.modules():  # FCN's scoring layers start at zero, which would hide the backbone
        if isinstance(layer, nn.Conv2d) and layer.out_channels == 3:
            init.normal_(layer.weight, std=0.5)
    return model


for _stride in (32, 16, 8):
    register_model_check(f"fcn{_stride}s", "widths ÷32, random scoring layers, 3 classes, 2×3×16×16",
                         lambda _stride=_stride: _small_fcn(_stride), (2, 3, 16, 16))
register_model_check("unet", "padding=True, base width 2, 3 classes, 2×1×16×16",
                     lambda: models.UNet(1, 3, padding=True, base_width=2), (2, 1, 16, 16))
register_model_check("unet", "unpadded (the paper's), base width 2, 2×1×188×188 → 2×2×4×4",
                     lambda: models.UNet(1, 2, padding=False, base_width=2), (2, 1, 188, 188))
register_model_check("conv_autoencoder", "widths 4-8, 2×1×8×8",
                     lambda: models.ConvAutoencoder(1, (4, 8)), (2, 1, 8, 8))
register_model_check("xception", "widths ÷16 (stem 4-8, flows 8-16-48 / 64-96-128), 1 middle module, 3 classes, "
                                 "2×3×64×64",
                     lambda: models.Xception(3, middle_blocks=1, widths=(4, 8, 8, 16, 48, 64, 96, 128)), (2, 3, 64, 64))
register_model_check("inception_resnet_v2", "full width, one block of each kind, 3 classes, 2×3×107×107 (2×2 at the end)",
                     lambda: models.InceptionResNetV2(3, repeats=(1, 1, 1)), (2, 3, 107, 107))
register_model_check("nasnet_a_mobile", "1 Normal cell per stack, penultimate 192 (cells of 2-4-8-16-32 filters), "
                                        "stem 8, 3 classes, 2×3×64×64",
                     lambda: models.NASNetA(3, num_normal=1, penultimate_filters=192, stem_filters=8), (2, 3, 64, 64))
