"""Transforms against direct computations: value conversions, geometric windows checked
against the padded image, colour factors in closed form, erasing rectangles, Mixup and
CutMix targets, and reproducibility under the global seed."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
from minitorch_cnn.data import transforms as T
from tests.helpers import host

images = st.tuples(st.integers(2, 12), st.integers(2, 12), st.sampled_from([None, 1, 3]), st.integers(0, 10**6))


def _image(h, w, channels, seed, dtype=np.uint8):
    shape = (h, w) if channels is None else (h, w, channels)
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, shape).astype(dtype) if dtype == np.uint8 else rng.random(shape).astype(dtype)


def _find_window(big: np.ndarray, small: np.ndarray) -> list[tuple[int, int]]:
    h, w = small.shape[:2]
    return [(i, j) for i in range(big.shape[0] - h + 1) for j in range(big.shape[1] - w + 1)
            if np.array_equal(big[i:i + h, j:j + w], small)]


def test_to_tensor_and_normalize():
    image = _image(4, 5, 3, 0)
    tensor = T.ToTensor()(image)
    assert tensor.shape == (3, 4, 5) and tensor.dtype == mt.float32
    np.testing.assert_allclose(host(tensor), image.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    out = host(T.Normalize([0.1, 0.2, 0.3], [0.5, 1.0, 2.0])(tensor))
    expected = (image.transpose(2, 0, 1) / 255.0 - np.array([0.1, 0.2, 0.3])[:, None, None]) \
        / np.array([0.5, 1.0, 2.0])[:, None, None]
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="mean/std have 2 channels, the image has 3"):
        T.Normalize([0, 0], [1, 1])(tensor)
    with pytest.raises(ValueError, match="std must not contain zeros"):
        T.Normalize([0], [0])
    with pytest.raises(TypeError, match="apply ToTensor first"):
        T.Normalize([0], [1])(_image(3, 3, None, 0))


def test_resize_matches_the_shorter_edge_and_keeps_the_kind():
    assert T.Resize(8)(_image(4, 6, 3, 0)).shape == (8, 12, 3)
    assert T.Resize(8)(_image(6, 4, None, 0)).shape == (12, 8)
    assert T.Resize((5, 7))(T.ToTensor()(_image(4, 6, 1, 0))).shape == (1, 5, 7)


@given(images, st.integers(0, 3), st.sampled_from(["constant", "edge", "reflect"]))
def test_random_crop_is_a_window_of_the_padded_image(image_spec, padding, mode):
    image = _image(*image_spec)
    h, w = image.shape[:2]
    if mode == "reflect" and padding >= min(h, w):
        return
    crop = T.RandomCrop((h, w), padding=padding, padding_mode=mode)(image)
    pads = ((padding, padding), (padding, padding)) + (((0, 0),) if image.ndim == 3 else ())
    padded = np.pad(image, pads, mode=mode)
    assert crop.shape == image.shape and _find_window(padded, crop)


def test_random_crop_rejects_a_crop_larger_than_the_padded_image():
    with pytest.raises(ValueError, match="larger than the padded image"):
        T.RandomCrop(10, padding=1)(_image(5, 5, None, 0))
    assert T.RandomCrop(10, pad_if_needed=True)(_image(5, 5, None, 0)).shape == (10, 10)


@given(images, st.floats(0.05, 1.0), st.floats(0.5, 2.0))
def test_random_resized_crop_window_respects_scale_and_ratio(image_spec, low, ratio_high):
    h, w = image_spec[:2]
    transform = T.RandomResizedCrop(6, scale=(low, 1.0), ratio=(0.5, max(0.5, ratio_high)))
    for _ in range(5):
        top, left, ch, cw = transform.window(h, w)
        assert 0 <= top and top + ch <= h and 0 <= left and left + cw <= w and ch >= 1 and cw >= 1
    assert transform(_image(*image_spec)).shape[:2] == (6, 6)


def test_horizontal_flip_flips_with_p1_and_never_with_p0():
    image = _image(3, 4, 3, 0)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(image), image[:, ::-1])
    assert T.RandomHorizontalFlip(0.0)(image) is image
    tensor = T.ToTensor()(image)
    np.testing.assert_array_equal(host(T.RandomHorizontalFlip(1.0)(tensor)), host(tensor)[:, :, ::-1])


@given(factor=st.floats(0.0, 2.0), seed=st.integers(0, 1000))
def test_color_jitter_factors_in_closed_form(factor, seed):
    image = _image(4, 4, 3, seed, dtype=np.float32)
    grey = 0.299 * image[..., 0] + 0.587 * image[..., 1] + 0.114 * image[..., 2]
    bright = T.ColorJitter(brightness=(factor, factor))(image)
    np.testing.assert_allclose(bright, np.clip(image * factor, 0, 1), atol=1e-6)
    contrast = T.ColorJitter(contrast=(factor, factor))(image)
    np.testing.assert_allclose(contrast, np.clip(factor * image + (1 - factor) * grey.mean(), 0, 1), atol=1e-6)
    saturation = T.ColorJitter(saturation=(factor, factor))(image)
    np.testing.assert_allclose(saturation, np.clip(factor * image + (1 - factor) * grey[..., None], 0, 1), atol=1e-6)


def test_color_jitter_draws_factors_in_range_and_keeps_uint8():
    image = np.full((2, 2, 3), 100, np.uint8)
    for _ in range(20):
        out = T.ColorJitter(brightness=0.5)(image)
        assert out.dtype == np.uint8 and 50 <= out[0, 0, 0] <= 150
    with pytest.raises(ValueError, match="brightness must be a non-negative"):
        T.ColorJitter(brightness=-1)


def test_grayscale_uses_luma_and_repeats_channels():
    image = _image(3, 3, 3, 1, dtype=np.float32)
    grey = T.Grayscale(3)(image)
    expected = 0.299 * image[..., 0] + 0.587 * image[..., 1] + 0.114 * image[..., 2]
    for c in range(3):
        np.testing.assert_allclose(grey[..., c], expected, rtol=1e-6)
    assert T.Grayscale(3)(_image(3, 3, None, 0)).shape == (3, 3, 3)


@given(images)
def test_random_erasing_sets_one_rectangle(image_spec):
    h, w, channels, seed = image_spec
    image = T.ToTensor()(_image(h, w, channels, seed)) + 1.0  # no pixel is 0 before erasing
    out = host(T.RandomErasing(p=1.0, scale=(0.1, 0.5), value=0)(image))
    erased = np.all(out == 0, axis=0)
    if erased.any():
        rows, cols = np.flatnonzero(erased.any(1)), np.flatnonzero(erased.any(0))
        assert erased[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].all()  # a solid rectangle
        assert erased.sum() <= 0.5 * h * w + h + w
        np.testing.assert_array_equal(out[:, ~erased], host(image)[:, ~erased])


def test_cutout_zeroes_a_clipped_square():
    mt.manual_seed(5)
    out = T.Cutout(4)(np.ones((10, 10), np.float32))
    zeros = out == 0
    rows, cols = np.flatnonzero(zeros.any(1)), np.flatnonzero(zeros.any(0))
    assert zeros.sum() == len(rows) * len(cols) and len(rows) <= 4 and len(cols) <= 4 and zeros.sum() > 0


def test_transforms_are_reproducible_under_the_global_seed():
    pipeline = T.Compose([T.RandomResizedCrop(8), T.RandomHorizontalFlip(), T.ColorJitter(0.4, 0.4, 0.4),
                          T.ToTensor(), T.RandomErasing(p=1.0)])
    image = _image(12, 12, 3, 7)
    mt.manual_seed(11)
    first = [host(pipeline(image)) for _ in range(3)]
    mt.manual_seed(11)
    again = [host(pipeline(image)) for _ in range(3)]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], first[1])


def _batch(n=6, classes=4):
    rng = np.random.default_rng(0)
    return mt.tensor(rng.random((n, 2, 8, 8)).astype(np.float32)), mt.tensor(rng.integers(0, classes, n))


def test_mixup_blends_images_and_targets_with_one_lambda():
    images, labels = _batch()
    mixed, targets = T.Mixup(alpha=0.4, num_classes=4)(images, labels)
    onehot = np.eye(4)[host(labels)]
    t = host(targets)
    np.testing.assert_allclose(t.sum(1), 1.0, rtol=1e-6)
    # recover λ from the first row's own class share, then check images and targets use it
    lam = t[0, host(labels)[0]] if host(labels)[0] != host(labels)[-1] else None
    if lam is not None:
        x = host(images)
        np.testing.assert_allclose(host(mixed), lam * x + (1 - lam) * np.roll(x, 1, 0), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(t, lam * onehot + (1 - lam) * np.roll(onehot, 1, 0), rtol=1e-5, atol=1e-6)


def test_cutmix_targets_equal_the_share_of_pixels_kept():
    images, labels = _batch()
    for seed in range(5):
        mt.manual_seed(seed)
        mixed, targets = T.CutMix(alpha=1.0, num_classes=4)(images, labels)
        x, m = host(images), host(mixed)
        pasted = np.all(m[0] == np.roll(x, 1, 0)[0], axis=0) & ~np.all(m[0] == x[0], axis=0)
        kept_share = 1 - pasted.mean()
        onehot = np.eye(4)[host(labels)]
        expected = kept_share * onehot + (1 - kept_share) * np.roll(onehot, 1, 0)
        np.testing.assert_allclose(host(targets), expected, atol=1e-6)


def test_mixing_rejects_bad_batches():
    images, labels = _batch()
    with pytest.raises(ValueError, match="labels must lie in \\[0, 3\\)"):
        T.Mixup(1.0, 3)(images, mt.tensor([0, 1, 2, 3, 0, 1]))
    with pytest.raises(ValueError, match="images must be a \\(N, C, H, W\\) Tensor"):
        T.CutMix(1.0, 4)(images[0], labels)
    with pytest.raises(ValueError, match="alpha must be a positive finite number"):
        T.Mixup(0.0, 4)
    choice = T.RandomChoice([T.Mixup(1.0, 4), T.CutMix(1.0, 4)])
    assert choice(images, labels)[1].shape == (6, 4)
    assert math.isclose(float(host(choice(images, labels)[1]).sum()), 6.0, rel_tol=1e-5)


def test_to_tensor_keeps_bool_masks_at_zero_and_one():
    np.testing.assert_array_equal(host(T.ToTensor()(np.array([[True, False]]))), [[[1.0, 0.0]]])
