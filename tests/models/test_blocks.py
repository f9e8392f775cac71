"""The building blocks behave as their papers define them, each checked against a direct
NumPy computation or a property that holds only if the block is right: residual adds,
option-A and pyramidal zero-padded shortcuts, highway gates, dense concatenation,
auxiliary outputs and their loss, grouped AlexNet."""

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import models, nn
from minitorch_cnn.nn import init
from tests.helpers import host


def _x(*shape, seed=0):
    return mt.tensor(np.random.default_rng(seed).standard_normal(shape), dtype="float32")


@pytest.mark.parametrize("build, block_path, channels", [
    (models.resnet18, ("layer1", 1), 64), (models.resnet50, ("layer2", 1), 512)])
def test_zero_init_residual_makes_every_block_start_as_the_identity(build, block_path, channels):
    model = build(zero_init_residual=True).eval()
    layer, index = block_path
    block = getattr(model, layer)[index]
    x = _x(2, channels, 6, 6)
    with mt.no_grad():
        np.testing.assert_allclose(host(block(x)), np.maximum(host(x), 0), rtol=1e-6, atol=1e-6)
        plain = build(zero_init_residual=False).eval()
        assert not np.allclose(host(getattr(plain, layer)[index](x)), np.maximum(host(x), 0))


def test_googlenet_outputs_in_training_and_evaluation():
    model = models.GoogLeNet(num_classes=5, width_divisor=8)
    x = _x(2, 3, 64, 64)
    out = model.train()(x)
    assert isinstance(out, models.GoogLeNetOutputs) and out._fields == ("logits", "aux_logits2", "aux_logits1")
    assert all(tuple(o.shape) == (2, 5) for o in out)
    assert tuple(model.eval()(x).shape) == (2, 5)
    without = models.GoogLeNet(num_classes=5, aux_logits=False, width_divisor=8)
    assert isinstance(without.train()(x), mt.Tensor)
    assert not any(k.startswith("aux") for k in without.state_dict())


def test_inception_v3_outputs_and_batch_norm_eps():
    model = models.Inception3(num_classes=4, width_divisor=8)
    assert all(m.eps == 1e-3 for m in model.modules() if isinstance(m, nn.BatchNorm2d))
    out = model.train()(_x(2, 3, 299, 299))
    assert isinstance(out, models.InceptionOutputs) and tuple(out.aux_logits.shape) == (2, 4)


def _cross_entropy(logits, target):
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -log_p[np.arange(len(target)), target].mean()


def test_auxiliary_loss_weights_each_head_by_0_3():
    main, aux2, aux1 = (_x(4, 3, seed=s) for s in (1, 2, 3))
    target = mt.tensor([0, 2, 1, 2])
    t = host(target)
    expected = (_cross_entropy(host(main), t) + 0.3 * _cross_entropy(host(aux2), t)
                + 0.3 * _cross_entropy(host(aux1), t))
    loss = models.auxiliary_loss(models.GoogLeNetOutputs(main, aux2, aux1), target)
    assert float(loss.item()) == pytest.approx(expected, rel=1e-5)
    assert float(models.auxiliary_loss(main, target).item()) == pytest.approx(_cross_entropy(host(main), t), rel=1e-5)


def test_option_a_shortcut_subsamples_and_zero_pads():
    x = _x(2, 4, 6, 6)
    out = host(models.ZeroPadShortcut(4, 8, 2)(x))
    expected = np.zeros((2, 8, 3, 3), np.float32)
    expected[:, 2:6] = host(x)[:, :, ::2, ::2]
    np.testing.assert_array_equal(out, expected)


def test_plain_cifar_net_is_the_resnet_without_shortcuts():
    resnet, plain = models.resnet_cifar(20), models.plain_cifar(20)
    assert list(resnet.state_dict()) == list(plain.state_dict())  # option A adds no parameters
    plain.load_state_dict(resnet.state_dict())
    assert all(b.shortcut is None for layer in (plain.layer1, plain.layer2, plain.layer3) for b in layer)
    x = _x(2, 3, 32, 32)
    assert not np.allclose(host(resnet.eval()(x)), host(plain.eval()(x)))


def test_highway_layer_is_gated_between_transform_and_carry():
    layer = models.HighwayLayer(5)
    np.testing.assert_array_equal(host(layer.gate.bias), -2.0)  # starts by carrying its input
    x = _x(3, 5)
    xs = host(x).astype(np.float64)
    h = np.maximum(xs @ host(layer.transform.weight).T + host(layer.transform.bias), 0)
    t = 1 / (1 + np.exp(-(xs @ host(layer.gate.weight).T + host(layer.gate.bias))))
    np.testing.assert_allclose(host(layer(x)), h * t + xs * (1 - t), rtol=1e-5, atol=1e-6)


def test_dense_block_concatenates_its_input_and_every_layer_output():
    block = models.DenseBlock(num_layers=3, num_input_features=5, bn_size=2, growth_rate=4, drop_rate=0.0)
    x = _x(2, 5, 6, 6)
    out = block.eval()(x)
    assert tuple(out.shape) == (2, 5 + 3 * 4, 6, 6)
    np.testing.assert_array_equal(host(out)[:, :5], host(x))  # the input is carried to the end
    assert [layer.conv1.in_channels for layer in block.values()] == [5, 9, 13]
    assert tuple(models.Transition(17, 8)(out).shape) == (2, 8, 3, 3)


def test_pyramid_block_shortcut_is_pooled_and_zero_padded():
    block = models.PyramidBlock(4, 6, stride=2).eval()
    init.zeros_(block.bn3.weight)  # the residual branch then adds exactly zero
    x = _x(2, 4, 6, 6)
    pooled = host(x).reshape(2, 4, 3, 2, 3, 2).mean(axis=(3, 5))
    expected = np.concatenate([pooled, np.zeros((2, 2, 3, 3), np.float32)], axis=1)
    np.testing.assert_allclose(host(block(x)), expected, rtol=1e-6, atol=1e-6)


def test_original_alexnet_splits_conv2_conv4_conv5_over_two_gpus():
    model = models.alexnet(original=True)
    convs = [m for m in model.features if isinstance(m, nn.Conv2d)]
    assert [c.groups for c in convs] == [1, 2, 1, 2, 2]
    assert [c.out_channels for c in convs] == [96, 256, 384, 384, 256]
    assert sum(isinstance(m, nn.LocalResponseNorm) for m in model.features) == 2
    biases = [float(host(m.bias).mean()) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert biases == [0, 1, 0, 1, 1, 1, 1, 0]  # the paper's initialisation
    assert tuple(model.features(_x(1, 3, 227, 227)).shape) == (1, 256, 6, 6)


def test_zfnet_shapes_follow_the_papers_figure():
    model = models.zfnet()
    shapes, x = [], _x(1, 3, 224, 224)
    with mt.no_grad():
        for layer in model.features:
            x = layer(x)
            if isinstance(layer, (nn.Conv2d, nn.MaxPool2d)):
                shapes.append(tuple(x.shape[1:]))
    assert shapes == [(96, 110, 110), (96, 55, 55), (256, 26, 26), (256, 13, 13), (384, 13, 13), (384, 13, 13),
                      (256, 13, 13), (256, 6, 6)]


def test_resnet_basic_block_refuses_groups():
    with pytest.raises(ValueError, match="groups=1"):
        models.BasicBlock(8, 8, groups=2)
