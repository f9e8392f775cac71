"""Every registered model: its trainable parameter count against the reference (torchvision
0.28 and the papers, as listed in the issue, or a per-layer sum written out here), its
state_dict layout against torchvision's (read off torchvision into a fixture), and a
forward pass at the native resolution in training and evaluation mode."""

import gzip
import json
import pathlib

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import models
from tests.helpers import host

LAYOUTS = json.loads(gzip.decompress(
    (pathlib.Path(__file__).parents[1] / "fixtures" / "torchvision_layouts.json.gz").read_bytes()))["models"]


def conv(c_in, c_out, k, bias=True, groups=1):
    kh, kw = (k, k) if isinstance(k, int) else k
    return c_out * (c_in // groups) * kh * kw + (c_out if bias else 0)


def fc(n_in, n_out):
    return n_in * n_out + n_out


def nin_count():
    def mlpconv(c_in, c_out, k):
        return conv(c_in, c_out, k) + 2 * conv(c_out, c_out, 1)
    return mlpconv(3, 96, 11) + mlpconv(96, 256, 5) + mlpconv(256, 384, 3) + mlpconv(384, 1000, 3)


def cifar_resnet_count(depth, classes=10):
    n = (depth - 2) // 6
    total = conv(3, 16, 3, bias=False) + 2 * 16
    for c_in, c_out in ((16, 16), (16, 32), (32, 64)):
        total += conv(c_in, c_out, 3, bias=False) + (2 * n - 1) * conv(c_out, c_out, 3, bias=False)
        total += 2 * n * 2 * c_out  # BatchNorm weight and bias
    return total + fc(64, classes)


# Table 1 of the GoogLeNet paper: #5×5 reduce, #5×5 for modules 3a … 5b.
GOOGLENET_5X5 = [(16, 32), (32, 96), (16, 48), (24, 64), (24, 64), (32, 64), (32, 128), (32, 128), (48, 128)]

EXPECTED = {
    # from the issues (torchvision 0.28 and the papers); below the first block, Model zoo II
    "lenet5": 61_706, "alexnet": 61_100_840, "vgg16": 138_357_544, "vgg16_bn": 138_365_992,
    "googlenet": 13_004_888, "inception_v3": 27_161_264, "resnet18": 11_689_512, "resnet34": 21_797_672,
    "resnet50": 25_557_032, "resnet101": 44_549_160, "resnet152": 60_192_808, "resnext50_32x4d": 25_028_904,
    "wide_resnet50_2": 68_883_240, "densenet121": 7_978_856, "densenet169": 14_149_480,
    # torchvision 0.28's counts for the other variants (torchvision.models.X().parameters())
    "vgg11": 132_863_336, "vgg11_bn": 132_868_840, "vgg13": 133_047_848, "vgg13_bn": 133_053_736,
    "vgg19": 143_667_240, "vgg19_bn": 143_678_248, "densenet161": 28_681_000, "densenet201": 20_013_928,
    "mobilenet_v1": 4_231_976, "mobilenet_v2": 3_504_872, "mobilenet_v3_small": 2_542_856,
    "shufflenet_v2_x1_0": 2_278_604, "squeezenet1_0": 1_248_424, "squeezenet1_1": 1_235_496,
    "efficientnet_b0": 5_288_548,
    "mobilenet_v3_large": 5_483_032, "shufflenet_v2_x0_5": 1_366_792, "shufflenet_v2_x1_5": 3_503_624,
    "shufflenet_v2_x2_0": 7_393_996, "efficientnet_b1": 7_794_184, "efficientnet_b2": 9_109_994,
    "efficientnet_b3": 12_233_232, "efficientnet_b4": 19_341_616, "efficientnet_b5": 30_389_784,
    "efficientnet_b6": 43_040_704, "efficientnet_b7": 66_347_960,
    "vit_b_16": 86_567_656, "vit_b_32": 88_224_232, "vit_l_16": 304_326_632,
    # DeiT-Tiny's encoder on 65 tokens: patch embedding, class token, positions, 12 blocks, final LN, head
    "vit_tiny_cifar": (conv(3, 192, 4) + 192 + 65 * 192
                       + 12 * (4 * 192 + 3 * 192 * 192 + 3 * 192 + fc(192, 192) + fc(192, 768) + fc(768, 192))
                       + 2 * 192 + fc(192, 10)),
    "xception": 22_855_952, "inception_resnet_v2": 55_813_192, "nasnet_a_mobile": 5_289_978,
    "unet": 31_030_658,
    "fcn32s": None, "fcn16s": None, "fcn8s": None,  # checked layer by layer below
    "conv_autoencoder": conv(1, 16, 3) + conv(16, 32, 3) + conv(32, 16, 3) + conv(16, 1, 3),
    # written out layer by layer from the papers' tables
    "zfnet": (conv(3, 96, 7) + conv(96, 256, 5) + conv(256, 384, 3) + conv(384, 384, 3) + conv(384, 256, 3)
              + fc(9216, 4096) + fc(4096, 4096) + fc(4096, 1000)),
    "nin": nin_count(),
    "resnet_cifar": cifar_resnet_count(20), "plain_cifar": cifar_resnet_count(20),
    "highway_net": fc(784, 50) + 10 * 2 * fc(50, 50) + fc(50, 10),
    "pyramidnet": None,  # the paper gives 1.7M only: checked below
}
# dense-prediction models: their output is a map, checked in tests/models/test_dense.py
DENSE = {"unet", "fcn32s", "fcn16s", "fcn8s", "conv_autoencoder"}
SLOW_FORWARD = {"vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn", "resnet152",
                "wide_resnet50_2", "efficientnet_b5", "efficientnet_b6", "efficientnet_b7", "vit_l_16"}


def trainable(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def test_every_registered_model_has_an_expected_count():
    assert set(models.list_models()) == set(EXPECTED)


def _forward_shapes(model, input_size, classes):
    x = mt.randn(2, *input_size)
    with mt.no_grad():
        model.train()
        out = model(x)
        train_shapes = [tuple(o.shape) for o in out] if isinstance(out, tuple) else [tuple(out.shape)]
        model.eval()
        eval_shape = tuple(model(x).shape)
    assert all(s == (2, classes) for s in train_shapes) and eval_shape == (2, classes)
    return train_shapes


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_parameter_count_layout_and_forward(name):
    model = models.get_model(name)
    if EXPECTED[name] is not None:
        assert trainable(model) == EXPECTED[name]
    if name in LAYOUTS:
        ours = [(key, list(value.shape)) for key, value in model.state_dict().items()]
        theirs = [tuple(entry) for entry in LAYOUTS[name]]
        missing = sorted(set(k for k, _ in theirs) - set(k for k, _ in ours))
        unexpected = sorted(set(k for k, _ in ours) - set(k for k, _ in theirs))
        assert not missing and not unexpected, (missing[:5], unexpected[:5])
        assert ours == theirs  # same shapes, same order
    if name not in SLOW_FORWARD and name not in DENSE:
        del model
        _forward_shapes(models.get_model(name, num_classes=7), models.model_entry(name).input_size, 7)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SLOW_FORWARD))
def test_forward_of_the_largest_models(name):
    _forward_shapes(models.get_model(name, num_classes=7), models.model_entry(name).input_size, 7)


def test_keras_counts_of_the_batch_norm_statistics():
    """Keras counts BatchNorm's moving mean and variance as non-trainable parameters: its totals
    are 22,910,480 for Xception, 55,873,736 for Inception-ResNet-v2 and 5,326,716 for NASNet-A Mobile."""
    def running(model):
        return sum(b.numel() for name, b in model.named_buffers() if "running" in name)
    assert trainable(models.xception()) + running(models.xception()) == 22_910_480
    irv2 = models.inception_resnet_v2()
    assert trainable(irv2) + running(irv2) == 55_873_736
    assert trainable(models.inception_resnet_v2(bn_scale=True)) == 55_813_192 + running(irv2) // 2  # + every γ
    assert trainable(models.nasnet_a_mobile()) + running(models.nasnet_a_mobile()) == 5_326_716


def test_variant_counts():
    assert trainable(models.lenet5(modern=True)) == 61_706  # pooling has no parameters
    assert trainable(models.alexnet(original=True)) == (
        conv(3, 96, 11) + conv(96, 256, 5, groups=2) + conv(256, 384, 3) + conv(384, 384, 3, groups=2)
        + conv(384, 256, 3, groups=2) + fc(9216, 4096) + fc(4096, 4096) + fc(4096, 1000)) == 60_965_224
    assert trainable(models.googlenet(aux_logits=False)) == 6_624_904
    assert trainable(models.inception_v3(aux_logits=False)) == 23_834_568
    extra = sum(reduce * out * (25 - 9) for reduce, out in GOOGLENET_5X5)  # 5×5 instead of 3×3 in branch 3
    assert trainable(models.googlenet(aux_logits=False, faithful_5x5=True)) == 6_624_904 + extra


@pytest.mark.parametrize("depth, paper_millions", [(20, 0.27), (32, 0.46), (44, 0.66), (56, 0.85), (110, 1.7)])
def test_cifar_resnets_match_the_paper(depth, paper_millions):
    count = trainable(models.resnet_cifar(depth))
    assert count == cifar_resnet_count(depth) == trainable(models.plain_cifar(depth))
    assert round(count / 1e6, 2 if paper_millions < 1 else 1) == paper_millions


def test_pyramidnet_110_alpha_48_has_the_papers_1_7_million():
    model = models.pyramidnet(110, 48)
    assert 1_700_000 <= trainable(model) < 1_800_000  # the paper's "1.7M" (1,772,706, truncated)
    widths = [block.conv1.out_channels for layer in (model.layer1, model.layer2, model.layer3) for block in layer]
    assert len(widths) == 54 and widths[0] == 17 and widths[-1] == 16 + 48  # 16 + 48·k/54, k = 1 … 54
    assert all(0 <= b - a <= 1 for a, b in zip(widths, widths[1:]))


@pytest.mark.parametrize("bad_depth", [7, 21, 0])
def test_cifar_depth_must_be_6n_plus_2(bad_depth):
    with pytest.raises(ValueError, match="6n \\+ 2"):
        models.resnet_cifar(bad_depth)
    with pytest.raises(ValueError, match="6n \\+ 2"):
        models.pyramidnet(bad_depth)


def test_registry():
    names = models.list_models()
    assert names == sorted(names) and "resnet18" in names and "lenet5" in names
    assert type(models.get_model("lenet5", num_classes=3)).__name__ == "LeNet5"
    assert models.model_entry("inception_v3").input_size == (3, 299, 299)
    with pytest.raises(ValueError, match="did you mean resnet18"):
        models.get_model("resnet81")


def test_torchvision_weights_exported_to_safetensors_load(tmp_path):
    """What the two-line export recipe produces (keys and shapes of torchvision's
    state_dict, values in a .safetensors file) loads strictly into our model."""
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    rng = np.random.default_rng(0)
    tensors = {key: (rng.integers(0, 5, shape) if key.endswith("num_batches_tracked")
                     else rng.standard_normal(shape).astype(np.float32)) for key, shape in LAYOUTS["resnet18"]}
    path = tmp_path / "resnet18.safetensors"
    safetensors_numpy.save_file(tensors, str(path))
    model = models.resnet18()
    model.load_state_dict(mt.load_safetensors(path))
    np.testing.assert_array_equal(host(model.layer3[1].conv2.weight), tensors["layer3.1.conv2.weight"])
    np.testing.assert_array_equal(host(model.bn1.running_var), tensors["bn1.running_var"])
