"""The shipped digits (counts, the fixed stratified split, pixel values) and the bilinear
resize they are made with, compared with ``F.interpolate`` and closed forms."""

import gzip

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import data
from minitorch_cnn.data.digits import DIGITS_FILE
from tests.helpers import host


def _raw_table():
    with gzip.open(DIGITS_FILE, "rt") as handle:
        return np.array([[int(v) for v in line.split(",")] for line in handle])


def test_the_shipped_file_is_the_uci_test_set():
    table = _raw_table()
    assert table.shape == (1797, 65)
    assert table[:, :64].min() == 0 and table[:, :64].max() == 16
    assert sorted(set(table[:, 64])) == list(range(10))


def test_split_is_fixed_disjoint_and_stratified():
    table = _raw_table()
    train, test = data.Digits(size=8), data.Digits(train=False, size=8)
    assert (len(train), len(test)) == (1442, 355)
    both = np.concatenate([train.data, test.data]).reshape(-1, 64).astype(np.int64)
    expected = np.rint(table[:, :64] * 255 / 16)
    # every image lands in exactly one split (compare as sorted multisets of rows)
    assert sorted(map(tuple, both)) == sorted(map(tuple, expected.astype(np.int64)))
    for digit in range(10):
        in_class = (table[:, 64] == digit).sum()
        assert (test.targets == digit).sum() == in_class // 5
    assert data.Digits(train=False, size=8).targets.tolist() == test.targets.tolist()


def test_32x32_images_are_the_bilinear_resize_of_the_8x8_ones():
    small, large = data.Digits(size=8), data.Digits()
    assert large.data.shape == (1442, 32, 32) and large.data.dtype == np.uint8
    values = _raw_table()[:, :64].reshape(-1, 8, 8)[0] * 255 / 16
    resized = host(F.interpolate(mt.tensor(values[None, None]), size=(32, 32), mode="bilinear",
                                 align_corners=False))[0, 0]
    first_train = small.data[0].astype(float)
    np.testing.assert_allclose(first_train, np.rint(values))
    np.testing.assert_array_equal(large.data[0], np.clip(np.rint(resized), 0, 255))


@given(h=st.integers(1, 9), w=st.integers(1, 9), out_h=st.integers(1, 12), out_w=st.integers(1, 12),
       channels=st.sampled_from([None, 1, 3]), seed=st.integers(0, 1000))
def test_resize_matches_interpolate_bilinear(h, w, out_h, out_w, channels, seed):
    shape = (h, w) if channels is None else (h, w, channels)
    image = np.random.default_rng(seed).standard_normal(shape)
    ours = data.resize_bilinear(image, (out_h, out_w))
    chw = image[None] if channels is None else image.transpose(2, 0, 1)
    theirs = host(F.interpolate(mt.tensor(chw[None]), size=(out_h, out_w), mode="bilinear",
                                align_corners=False))[0]
    theirs = theirs[0] if channels is None else theirs.transpose(1, 2, 0)
    np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_resize_keeps_constants_and_linear_ramps_inside_the_image():
    np.testing.assert_array_equal(data.resize_bilinear(np.full((3, 5), 7, np.uint8), (9, 4)), 7)
    ramp = np.tile(np.arange(4.0), (2, 1))             # value = column index
    out = data.resize_bilinear(ramp, (2, 8))
    centres = np.clip((np.arange(8) + 0.5) * 4 / 8 - 0.5, 0, 3)
    np.testing.assert_allclose(out[0], centres)
