"""Damaged dataset files raise ``DatasetFileError`` and nothing else: every truncation
offset and random bit flips of small real-format files (MNIST's IDX, plain and gzip;
CIFAR's binary records and its pickled "python version"), written by the independent
writers in ``tests/data/files.py`` and ``tests/vision/files.py``. A file that still loads
after a flip (a flipped pixel is still a pixel) must hold a valid dataset."""

import os
import tempfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minitorch_cnn import data
from minitorch_cnn.data.downloads import DatasetFileError
from minitorch_cnn.vision import datasets
from tests.data.files import cifar_records, idx_bytes, write
from tests.vision.files import py2_pickle

rng = np.random.default_rng(7)
MNIST_IMAGES = rng.integers(0, 256, (3, 5, 4), dtype=np.uint8)
MNIST_LABELS = np.array([0, 9, 4], dtype=np.uint8)
CIFAR_IMAGES = rng.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
CIFAR_LABELS = [3, 9]
RECORD = 1 + 3 * 32 * 32  # a CIFAR-10 binary record: the label byte, then the pixels


def _mnist_folder(folder, images_payload, labels_payload, compress=False):
    for stem, payload in (("train-images-idx3-ubyte", images_payload), ("train-labels-idx1-ubyte", labels_payload),
                          ("t10k-images-idx3-ubyte", idx_bytes(MNIST_IMAGES)),
                          ("t10k-labels-idx1-ubyte", idx_bytes(MNIST_LABELS))):
        write(os.path.join(folder, stem), payload, compress)


def _load_mnist(images_payload, labels_payload, compress=False):
    with tempfile.TemporaryDirectory() as folder:
        _mnist_folder(folder, images_payload, labels_payload, compress)
        return data.MNIST(folder, train=True)


def _load_cifar_binary(payload):
    with tempfile.TemporaryDirectory() as folder:
        write(os.path.join(folder, "cifar-10-batches-bin", "test_batch.bin"), payload)
        return data.CIFAR10(folder, train=False)


def _cifar_python_batch():
    rows = CIFAR_IMAGES.transpose(0, 3, 1, 2).reshape(len(CIFAR_IMAGES), -1)
    return py2_pickle({"batch_label": "test", "labels": CIFAR_LABELS, "data": rows, "filenames": ["a", "b"]})


def _load_cifar_python(payload):
    with tempfile.TemporaryDirectory() as folder:
        write(os.path.join(folder, "cifar-10-batches-py", "test_batch"), payload)
        write(os.path.join(folder, "cifar-10-batches-py", "batches.meta"),
              py2_pickle({"label_names": [f"c{i}" for i in range(10)]}))
        return datasets.CIFAR10(folder, train=False)


def _assert_valid(dataset, classes):
    labels = np.asarray(dataset.targets.array if hasattr(dataset.targets, "array") else dataset.targets)
    assert labels.ndim == 1 and len(labels) == len(dataset.data)
    assert labels.dtype.kind in "iu" and (labels.size == 0 or 0 <= labels.min() <= labels.max() < classes)


def _loads_or_names_the_damage(load, payload, classes):
    try:
        dataset = load(payload)
    except DatasetFileError as error:
        assert str(error)
        return False
    _assert_valid(dataset, classes)
    return True


def _flip(payload: bytes, flips) -> bytes:
    damaged = bytearray(payload)
    for position, bit in flips:
        damaged[position % len(damaged)] ^= 1 << bit
    return bytes(damaged)


FLIPS = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 7)), min_size=1, max_size=4)

READERS = {
    "mnist images": (lambda p: _load_mnist(p, idx_bytes(MNIST_LABELS)), idx_bytes(MNIST_IMAGES), 10),
    "mnist labels": (lambda p: _load_mnist(idx_bytes(MNIST_IMAGES), p), idx_bytes(MNIST_LABELS), 10),
    "cifar binary": (_load_cifar_binary, cifar_records(CIFAR_IMAGES, CIFAR_LABELS), 10),
    "cifar python": (_load_cifar_python, _cifar_python_batch(), 10),
}


@pytest.mark.parametrize("name", list(READERS))
def test_every_truncation_is_a_dataset_file_error(name):
    load, payload, classes = READERS[name]
    assert _loads_or_names_the_damage(load, payload, classes)  # the whole file loads
    # every offset of the small files; every 7th of the 6 KB ones (their pixel bytes all
    # truncate alike), and every offset of their last and first 64 bytes
    offsets = range(len(payload)) if len(payload) < 512 else sorted(
        set(range(0, len(payload), 7)) | set(range(64)) | set(range(len(payload) - 64, len(payload))))
    for offset in offsets:
        if name == "cifar binary" and offset and offset % RECORD == 0:  # fewer whole records: a valid file
            assert len(load(payload[:offset])) == offset // RECORD
            continue
        with pytest.raises(DatasetFileError):
            load(payload[:offset])


@pytest.mark.parametrize("name", list(READERS))
@settings(max_examples=40)
@given(flips=FLIPS)
def test_bit_flips_load_validly_or_are_a_dataset_file_error(name, flips):
    load, payload, classes = READERS[name]
    _loads_or_names_the_damage(load, _flip(payload, flips), classes)


@settings(max_examples=25)
@given(flips=FLIPS, cut=st.integers(0, 200))
def test_damaged_gzip_is_a_dataset_file_error(flips, cut):
    import gzip
    packed = gzip.compress(idx_bytes(MNIST_IMAGES))
    packed = _flip(packed, flips)[:len(packed) - cut]
    with tempfile.TemporaryDirectory() as folder:
        _mnist_folder(folder, idx_bytes(MNIST_IMAGES), idx_bytes(MNIST_LABELS))
        os.remove(os.path.join(folder, "train-images-idx3-ubyte"))
        with open(os.path.join(folder, "train-images-idx3-ubyte.gz"), "wb") as handle:
            handle.write(packed)
        try:
            dataset = data.MNIST(folder, train=True)
        except DatasetFileError:
            return
        _assert_valid(dataset, 10)


@pytest.mark.parametrize("labels, why", [
    (np.array([0, -1, 2], dtype=np.int8), "label -1 is out of range"),
    (np.array([0, 10, 2], dtype=np.uint8), "label 10 is out of range"),
    (np.array([0, 3.5, 2], dtype=np.float32), "expected integer labels, got float32"),
])
def test_mnist_labels_outside_the_classes_are_refused(labels, why):
    with pytest.raises(DatasetFileError, match=why):
        _load_mnist(idx_bytes(MNIST_IMAGES), idx_bytes(labels))


def test_idx_header_whose_size_overflows_int64_is_refused():
    # three dimensions of 2**32 - 1 bytes: 2**96 bytes, which int64 arithmetic wraps around
    header = bytes([0, 0, 0x08, 3]) + b"\xff\xff\xff\xff" * 3
    with pytest.raises(DatasetFileError, match="truncated: shape .4294967295, 4294967295, 4294967295. of uint8"):
        _load_mnist(header + bytes(60), idx_bytes(MNIST_LABELS))


def test_cifar_python_labels_of_the_wrong_kind_are_refused():
    rows = CIFAR_IMAGES.transpose(0, 3, 1, 2).reshape(2, -1)
    for labels in (["x", "y"], [3, [1]], [3, 12]):
        with pytest.raises(DatasetFileError):
            _load_cifar_python(py2_pickle({"labels": labels, "data": rows}))
    with pytest.raises(DatasetFileError, match="expected .N, 3072. uint8 pixels under 'data', got list"):
        _load_cifar_python(py2_pickle({"labels": [1, 2], "data": [1, 2]}))


@settings(max_examples=30)
@given(flips=FLIPS, cut=st.integers(0, 120))
def test_damaged_images_in_an_image_folder_are_a_dataset_file_error(flips, cut):
    image_module = pytest.importorskip("PIL.Image")
    import io
    encoded = io.BytesIO()
    image_module.fromarray(CIFAR_IMAGES[0][:8, :8]).save(encoded, format="PNG")
    damaged = _flip(encoded.getvalue(), flips)
    damaged = damaged[:max(1, len(damaged) - cut)]
    with tempfile.TemporaryDirectory() as folder:
        write(os.path.join(folder, "cat", "a.png"), damaged)
        dataset = datasets.ImageFolder(folder)
        try:
            image, label = dataset[0]
        except DatasetFileError as error:
            assert "a.png: not a readable image" in str(error)
            return
        assert image.size == (8, 8) and label == 0
