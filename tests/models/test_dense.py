"""The dense-prediction models: parameter counts written out layer by layer, output maps
of the right size (the paper's 572 → 388 for U-Net, the input size for FCN), the bilinear
initialisation of FCN's up-sampling, MaxUnpool in the autoencoder, and training on the
generated shapes set to a stated pixel accuracy (cross-entropy over N×C×H×W)."""

import numpy as np
import pytest

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import data, models, optim
from minitorch_cnn.data import transforms as T
from minitorch_cnn.train import Trainer, evaluate
from tests.helpers import host

from .test_zoo import conv


def vgg16_convs(classes=3):
    widths = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
    total, channels = 0, classes
    for w in widths:
        if w != "M":
            total += conv(channels, w, 3)
            channels = w
    return total


@pytest.mark.parametrize("stride", [32, 16, 8])
def test_fcn_counts_layer_by_layer(stride):
    k = 21
    head = conv(512, 4096, 7) + conv(4096, 4096, 1) + conv(4096, k, 1)
    ups = {32: k * k * 64 * 64,
           16: conv(512, k, 1) + k * k * 4 * 4 + k * k * 32 * 32,
           8: conv(512, k, 1) + conv(256, k, 1) + 2 * k * k * 4 * 4 + k * k * 16 * 16}[stride]
    model = models.get_model(f"fcn{stride}s")
    assert sum(p.numel() for p in model.parameters()) == vgg16_convs() + head + ups


@pytest.mark.parametrize("stride", [32, 16, 8])
@pytest.mark.parametrize("size", [(32, 32), (45, 61)])
def test_fcn_output_has_the_input_size(stride, size):
    model = models.FCN(5, stride, width_divisor=16)
    with mt.no_grad():
        assert model(mt.randn(2, 3, *size)).shape == (2, 5, *size)


def test_fcn_upsampling_starts_as_bilinear_interpolation():
    """A transposed convolution with the bilinear kernel, stride 2, kernel 4, interpolates:
    away from the borders, a linear ramp stays a linear ramp at twice the density."""
    up = models.FCN(2, 8, width_divisor=16).upscore2
    ramp = np.tile(np.arange(6.0), (6, 1))[None, None].repeat(2, axis=1).astype(np.float32)
    out = host(up(mt.tensor(ramp)))[0, 0]       # (14, 14): (6 - 1)·2 + 4
    # output column j sits at input position (j - 1.5)/2, cropped as FCN does
    inner = out[4:10, 4:10]
    np.testing.assert_allclose(inner, np.tile((np.arange(4, 10) - 1.5) / 2, (6, 1)), atol=1e-6)


def test_unet_maps_572_to_388_and_keeps_the_size_with_padding():
    table = mt.summary(models.unet(base_width=4), (1, 572, 572))
    assert table.rows[-1].output_shapes == [(1, 2, 388, 388)]
    with mt.no_grad():
        assert models.unet(3, 4, padding=True, base_width=4)(mt.randn(2, 3, 64, 48)).shape == (2, 4, 64, 48)
    with pytest.raises(ValueError, match="multiples of 16"):
        models.unet(padding=True, base_width=4)(mt.randn(1, 1, 40, 40))


def test_autoencoder_unpools_to_the_encoders_positions():
    model = models.conv_autoencoder(widths=(4,))
    x = mt.randn(2, 1, 8, 8)
    code, where = model.pool(model.encoder[0](x))
    unpooled = host(model.unpool(code, where))
    kept = unpooled != 0
    assert kept.reshape(2, 4, 4, 2, 4, 2).sum(axis=(3, 5)).max() <= 1  # one value per 2×2 window
    assert model(x).shape == x.shape


def test_ensemble_averages_logits_or_probabilities():
    a, b = models.lenet5(num_classes=4), models.lenet5(num_classes=4)
    x = mt.randn(3, 1, 32, 32)
    with mt.no_grad():
        la, lb = host(a(x)), host(b(x))
        np.testing.assert_allclose(host(models.Ensemble([a, b])(x)), (la + lb) / 2, rtol=1e-5, atol=1e-6)
        mean_p = (host(F.softmax(mt.tensor(la), 1)) + host(F.softmax(mt.tensor(lb), 1))) / 2
        np.testing.assert_allclose(host(models.Ensemble([a, b], combine="probabilities").predict_proba(x)), mean_p,
                                   rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="combine must be"):
        models.Ensemble([a], combine="votes")


def test_an_ensemble_evaluates_like_a_model():
    a, b = models.lenet5(num_classes=4), models.lenet5(num_classes=4)
    images, labels = mt.randn(6, 1, 32, 32), mt.tensor([0, 1, 2, 3, 0, 1])
    loader = data.DataLoader(data.TensorDataset(images, labels), batch_size=4)
    ensemble = models.Ensemble([a, b])
    result = evaluate(ensemble, loader)
    with mt.no_grad():
        averaged = (host(a.eval()(images)) + host(b.eval()(images))) / 2
    assert result["top1"] == np.mean(averaged.argmax(1) == host(labels))
    expected_loss = F.cross_entropy(mt.tensor(averaged), labels).item()
    assert result["loss"] == pytest.approx(expected_loss, rel=1e-5)


def _shapes_loaders():
    transform = T.Compose([T.ToTensor(), T.Normalize([0.3], [0.3])])
    train = data.Shapes(192, 32, seed=1, transform=transform)
    test = data.Shapes(64, 32, seed=2, transform=transform)
    return data.DataLoader(train, batch_size=16, shuffle=True), data.DataLoader(test, batch_size=64)


@pytest.mark.slow  # 20 s of a cold default run; python -m pytest -m slow
def test_unet_learns_to_segment_squares_and_discs():
    """10 epochs of U-Net (width 8, BatchNorm) on 192 generated 32×32 images: above 88%
    pixel accuracy on 64 new ones, where predicting background everywhere scores 67.6%.

    Constant-rate Adam ends its 10 epochs wherever its last steps left it: over model seeds
    0-9 the accuracy measured 93.9-97.5%, and over the CuPy stand-in (float32 rounding in
    another order) 91.3%. The bound used to be 95%, which held for one seed on one machine."""
    train_loader, test_loader = _shapes_loaders()
    model = models.unet(1, 3, padding=True, base_width=8, batch_norm=True)
    trainer = Trainer(model, optim.Adam(model.parameters(), lr=3e-3), train_loader, test_loader, progress=False,
                      echo=None)
    trainer.fit(10)
    result = evaluate(model, test_loader, confusion=True)
    assert result["samples"] == 64 * 32 * 32
    assert result["top1"] > 0.88
    assert np.trace(result["confusion"]) == round(result["top1"] * result["samples"])


@pytest.mark.slow
def test_fcn_learns_to_segment_squares_and_discs():
    """FCN-8s (VGG-16-BN widths ÷16, no dropout) for 20 epochs on the same set: above 90%
    pixel accuracy (91.69% measured, about 4 minutes on 2 cores: the 100-pixel padding
    makes every 32×32 image a 230×230 map in the first layers)."""
    train_loader, test_loader = _shapes_loaders()
    model = models.FCN(3, 8, width_divisor=16, dropout=0.0, batch_norm=True, in_channels=1)
    Trainer(model, optim.Adam(model.parameters(), lr=3e-3), train_loader, test_loader, progress=False,
            echo=None).fit(20)
    assert evaluate(model, test_loader)["top1"] > 0.90


def _forward_both_modes(model, x):
    with mt.no_grad():
        model.train()
        trained = model(x).shape
        model.eval()
        return trained, model(x).shape


def test_autoencoder_forward_at_native_size_in_both_modes():
    assert _forward_both_modes(models.conv_autoencoder(), mt.randn(2, 1, 32, 32)) == ((2, 1, 32, 32),) * 2


@pytest.mark.slow
@pytest.mark.parametrize("name, size, out", [("unet", (1, 572, 572), (2, 2, 388, 388)),
                                             ("fcn32s", (3, 224, 224), (2, 21, 224, 224)),
                                             ("fcn16s", (3, 224, 224), (2, 21, 224, 224)),
                                             ("fcn8s", (3, 224, 224), (2, 21, 224, 224))])
def test_dense_models_forward_at_native_size_in_both_modes(name, size, out):
    assert models.model_entry(name).input_size == size
    assert _forward_both_modes(models.get_model(name), mt.randn(2, *size)) == (out, out)
