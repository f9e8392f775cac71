"""vision.utils: make_grid against a direct loop over the cells; save_image round trip."""

import os

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import minitorch_cnn as mt
from minitorch_cnn.vision import utils
from tests.helpers import host


def _loop_grid(batch, nrow, padding, pad_value):
    count, channels, height, width = batch.shape
    if channels == 1:
        batch = np.repeat(batch, 3, axis=1)
    columns = min(nrow, count)
    rows = -(-count // columns)
    grid = np.full((3 if channels == 1 else channels, rows * (height + padding) + padding,
                    columns * (width + padding) + padding), pad_value, dtype=batch.dtype)
    for k in range(count):
        row, column = divmod(k, columns)
        for y in range(height):
            for x in range(width):
                grid[:, padding + row * (height + padding) + y, padding + column * (width + padding) + x] = \
                    batch[k, :, y, x]
    return grid


@settings(max_examples=15)
@given(st.integers(2, 7), st.sampled_from([1, 3]), st.integers(1, 4), st.integers(0, 3), st.floats(0, 1))
def test_make_grid_matches_a_loop(count, channels, nrow, padding, pad_value):
    batch = np.random.default_rng(count).random((count, channels, 3, 4))
    grid = utils.make_grid(mt.tensor(batch), nrow=nrow, padding=padding, pad_value=pad_value)
    np.testing.assert_array_equal(host(grid), _loop_grid(batch, nrow, padding, pad_value))


def test_make_grid_normalize_and_list(device):
    batch = np.random.default_rng(0).normal(size=(3, 3, 2, 2))
    images = [mt.tensor(b, device=device) for b in batch]
    grid = utils.make_grid(images, normalize=True, padding=0, nrow=3)
    expected = (batch - batch.min()) / (batch.max() - batch.min())
    np.testing.assert_allclose(host(grid), _loop_grid(expected, 3, 0, 0.0), rtol=1e-12)
    each = utils.make_grid(mt.tensor(batch, device=device), normalize=True, scale_each=True, padding=0)
    per_image = [(b - b.min()) / (b.max() - b.min()) for b in batch]
    np.testing.assert_allclose(host(each), _loop_grid(np.stack(per_image), 8, 0, 0.0), rtol=1e-12)
    clipped = utils.make_grid(mt.tensor(batch, device=device), normalize=True, value_range=(-1, 1), padding=0)
    np.testing.assert_allclose(host(clipped), _loop_grid((np.clip(batch, -1, 1) + 1) / 2, 8, 0, 0.0), rtol=1e-12)
    single = utils.make_grid(mt.ones(1, 4, 5))  # one image: returned as it is, grey made RGB
    assert list(single.shape) == [3, 4, 5]
    with pytest.raises(ValueError, match="nrow"):
        utils.make_grid(mt.ones(2, 1, 2, 2), nrow=0)


def test_save_image_round_trip(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    batch = np.random.default_rng(1).random((5, 3, 4, 6)).astype(np.float32)
    path = str(tmp_path / "grid.png")
    utils.save_image(mt.tensor(batch), path, nrow=2, padding=1)
    read = np.array(Image.open(path))
    expected = np.clip(_loop_grid(batch, 2, 1, 0.0).astype(np.float64) * 255 + 0.5, 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(read, expected.transpose(1, 2, 0))
    assert [f for f in os.listdir(tmp_path)] == ["grid.png"]  # no temporary file left behind
    with pytest.raises(ValueError, match="format"):
        utils.save_image(mt.tensor(batch), str(tmp_path / "noext"))
