"""vision.transforms: conversions and geometry against direct NumPy / PIL computations,
PIL in → PIL out, tensors on any device, reproducible random draws."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import minitorch_cnn as mt
from minitorch_cnn.vision import transforms as T
from minitorch_cnn.vision.transforms import functional as F
from tests.helpers import host

Image = pytest.importorskip("PIL.Image")


def _rgb(seed=0, h=7, w=9):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_to_tensor_and_back():
    pixels = _rgb()
    tensor = T.ToTensor()(Image.fromarray(pixels))
    assert tensor.dtype == np.float32 and list(tensor.shape) == [3, 7, 9]
    np.testing.assert_allclose(tensor.cpu().numpy(), pixels.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    np.testing.assert_allclose(T.ToTensor()(pixels).cpu().numpy(), tensor.cpu().numpy())
    grey = T.ToTensor()(Image.fromarray(pixels[..., 0]))
    assert list(grey.shape) == [1, 7, 9]
    assert T.ToTensor()(pixels.astype(np.float64)).dtype == np.float64  # only uint8 is rescaled (torchvision)
    raw = T.PILToTensor()(Image.fromarray(pixels))
    assert raw.dtype == np.uint8
    np.testing.assert_array_equal(raw.cpu().numpy(), pixels.transpose(2, 0, 1))
    back = T.ToPILImage()(tensor)
    assert back.mode == "RGB"
    # torchvision's mul(255).byte(): truncation, so x/255*255 may land one below in float32
    np.testing.assert_array_equal(np.array(back), (pixels.astype(np.float32) / np.float32(255) * 255).astype(np.uint8))
    assert T.ToPILImage()(mt.zeros(1, 3, 4)).mode == "L"
    assert T.ToPILImage()(np.zeros((3, 4, 4), np.uint8)).mode == "RGBA"
    with pytest.raises(ValueError, match="mode 'RGB' needs 3 channels"):
        T.ToPILImage(mode="RGB")(mt.zeros(1, 3, 4))
    with pytest.raises(TypeError, match="PIL Image or ndarray"):
        T.ToTensor()([1, 2])


def test_normalize_matches_formula(device):
    x = mt.rand(3, 4, 5, device=device)
    out = T.Normalize([0.5, 0.4, 0.3], [0.2, 0.25, 0.5])(x)
    expected = (host(x) - np.array([0.5, 0.4, 0.3])[:, None, None]) / np.array([0.2, 0.25, 0.5])[:, None, None]
    np.testing.assert_allclose(host(out), expected, rtol=1e-5, atol=1e-6)
    assert out.device == x.device
    before = host(x).copy()
    returned = F.normalize(x, [0.5] * 3, [0.5] * 3, inplace=True)
    assert returned is x
    np.testing.assert_allclose(host(x), (before - 0.5) / 0.5, rtol=1e-6)
    with pytest.raises(TypeError, match="Tensor"):
        T.Normalize([0.5], [0.5])(Image.fromarray(_rgb()))


def test_resize_pil_is_pils_and_tensor_antialias_agrees():
    pixels = _rgb(1, 20, 30)
    image = Image.fromarray(pixels)
    out = T.Resize(10)(image)  # shorter edge 10, longer 30 * 10 / 20 = 15
    assert out.size == (15, 10)
    np.testing.assert_array_equal(np.array(out), np.array(image.resize((15, 10), Image.BILINEAR)))
    tensor = F.resize(mt.tensor(pixels.transpose(2, 0, 1).astype(np.float64)), [7, 11])
    reference = np.stack([np.array(Image.fromarray(pixels[..., c].astype(np.float32), mode="F").resize(
        (11, 7), Image.BILINEAR)) for c in range(3)])
    np.testing.assert_allclose(tensor.cpu().numpy(), reference, rtol=1e-4, atol=1e-3)  # PIL's float filter, antialiased
    assert list(F.resize(mt.zeros(2, 3, 20, 30), 10, max_size=12).shape) == [2, 3, 8, 12]
    with pytest.raises(ValueError, match="max_size"):
        F.resize(image, [4, 4], max_size=10)


def test_resize_without_antialias_is_plain_bilinear():
    x = np.random.default_rng(2).random((1, 6, 8))
    out = F.resize(mt.tensor(x), [3, 5], antialias=False).cpu().numpy()

    def sample(axis_in, axis_out):
        src = np.clip((np.arange(axis_out) + 0.5) * axis_in / axis_out - 0.5, 0, axis_in - 1)
        return src

    rows, cols = sample(6, 3), sample(8, 5)
    expected = np.empty((3, 5))
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            r0, c0 = int(np.floor(r)), int(np.floor(c))
            r1, c1 = min(r0 + 1, 5), min(c0 + 1, 7)
            fr, fc = r - r0, c - c0
            expected[i, j] = ((1 - fr) * ((1 - fc) * x[0, r0, c0] + fc * x[0, r0, c1])
                              + fr * ((1 - fc) * x[0, r1, c0] + fc * x[0, r1, c1]))
    np.testing.assert_allclose(out[0], expected, rtol=1e-12)


@settings(max_examples=15)
@given(st.integers(1, 9), st.integers(1, 11), st.integers(-3, 8), st.integers(-3, 10))
def test_crop_pads_outside_with_zeros(height, width, top, left):
    pixels = _rgb(3)
    out = F.crop(mt.tensor(pixels.transpose(2, 0, 1)), top, left, height, width).cpu().numpy()
    expected = np.zeros((3, height, width), np.uint8)
    for i in range(height):
        for j in range(width):
            if 0 <= top + i < 7 and 0 <= left + j < 9:
                expected[:, i, j] = pixels[top + i, left + j]
    np.testing.assert_array_equal(out, expected)
    pil = F.crop(Image.fromarray(pixels), top, left, height, width)
    np.testing.assert_array_equal(np.array(pil).transpose(2, 0, 1), expected)


def test_center_crop_rounds_offsets_as_torchvision():
    pixels = _rgb(4, 5, 6)
    out = T.CenterCrop((2, 3))(Image.fromarray(pixels))
    # top = round(1.5) = 2, left = round(1.5) = 2
    np.testing.assert_array_equal(np.array(out), pixels[2:4, 2:5])
    tensor = T.CenterCrop(2)(mt.tensor(pixels.transpose(2, 0, 1)))
    np.testing.assert_array_equal(tensor.cpu().numpy(), pixels.transpose(2, 0, 1)[:, 2:4, 2:4])


def test_flips_pad_and_grayscale(device):
    pixels = _rgb(5)
    image, tensor = Image.fromarray(pixels), mt.tensor(pixels.transpose(2, 0, 1), device=device)
    np.testing.assert_array_equal(np.array(F.hflip(image)), pixels[:, ::-1])
    np.testing.assert_array_equal(host(F.vflip(tensor)), pixels.transpose(2, 0, 1)[:, ::-1])
    padded = T.Pad((1, 2), fill=(9, 8, 7))(image)
    assert padded.size == (11, 11)
    np.testing.assert_array_equal(np.array(padded)[0, 0], [9, 8, 7])
    np.testing.assert_array_equal(np.array(padded)[2:-2, 1:-1], pixels)
    np.testing.assert_array_equal(host(T.Pad(1, padding_mode="reflect")(tensor)),
                                  np.pad(pixels.transpose(2, 0, 1), ((0, 0), (1, 1), (1, 1)), mode="reflect"))
    grey = T.Grayscale(3)(image)
    r, g, b = (pixels[..., c].astype(np.int64) for c in range(3))
    luma = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16  # PIL's fixed-point ITU-R 601
    np.testing.assert_array_equal(np.array(grey), np.repeat(luma[..., None], 3, 2))


def test_random_transforms_reproducible_and_pil_in_pil_out():
    image = Image.fromarray(_rgb(6, 16, 20))
    pipeline = T.Compose([T.RandomResizedCrop(8), T.RandomHorizontalFlip(), T.RandomCrop(6, padding=2),
                          T.ColorJitter(0.4, 0.4, 0.4), T.RandomRotation(30), T.RandomApply([T.Grayscale(3)], p=0.5)])
    mt.manual_seed(3)
    first = [np.array(pipeline(image)) for _ in range(4)]
    mt.manual_seed(3)
    second = [np.array(pipeline(image)) for _ in range(4)]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
        assert a.shape == (6, 6, 3)
    assert not all(np.array_equal(first[0], f) for f in first[1:])
    with pytest.raises(ValueError, match="hue"):
        T.ColorJitter(hue=0.1)


def test_random_crop_draws_window_from_the_generator():
    pixels = _rgb(7, 10, 12)
    mt.manual_seed(11)
    out = np.array(T.RandomCrop((4, 5))(Image.fromarray(pixels)))
    mt.manual_seed(11)
    generator = mt.backend.default_rng.generator
    top, left = int(generator.integers(0, 7)), int(generator.integers(0, 8))
    np.testing.assert_array_equal(out, pixels[top:top + 4, left:left + 5])


def test_rotate_tensor_follows_pil():
    pixels = _rgb(8, 9, 9)
    image = Image.fromarray(pixels)
    for angle in (90, 33.0):
        from_pil = np.array(F.rotate(image, angle)).transpose(2, 0, 1)
        from_tensor = F.rotate(mt.tensor(pixels.transpose(2, 0, 1)), angle).cpu().numpy()
        np.testing.assert_array_equal(from_tensor, from_pil)
    np.testing.assert_array_equal(np.array(F.rotate(image, 90)), np.rot90(pixels))
    # a fill per channel, for a tensor as for PIL: the corners a 45° turn uncovers
    fill = [10, 20, 30]
    from_pil = np.array(F.rotate(image, 45, fill=fill)).transpose(2, 0, 1)
    from_tensor = F.rotate(mt.tensor(pixels.transpose(2, 0, 1)), 45, fill=fill).cpu().numpy()
    np.testing.assert_array_equal(from_tensor, from_pil)
    assert [int(from_tensor[c, 0, 0]) for c in range(3)] == fill


def test_against_torchvision():
    torchvision = pytest.importorskip("torchvision")
    image = Image.fromarray(_rgb(9, 20, 30))
    for ours, theirs in ((T.Resize(12), torchvision.transforms.Resize(12)),
                         (T.CenterCrop((5, 7)), torchvision.transforms.CenterCrop((5, 7)))):
        np.testing.assert_array_equal(np.array(ours(image)), np.array(theirs(image)))
    np.testing.assert_allclose(T.ToTensor()(image).cpu().numpy(), torchvision.transforms.ToTensor()(image).cpu().numpy())
