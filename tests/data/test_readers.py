"""The dataset readers on files the tests write: IDX (MNIST, Fashion-MNIST) plain and
gzipped, CIFAR-10/100 binary records, and every malformed case named in the error."""

import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minitorch_cnn import data
from minitorch_cnn.data import DatasetFileError, read_idx

from .files import cifar_records, idx_bytes, write, write_mnist

IDX_DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


@given(dtype=st.sampled_from(IDX_DTYPES), shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
       compress=st.booleans(), seed=st.integers(0, 2**31))
def test_read_idx_round_trips_every_type(tmp_path_factory, dtype, shape, compress, seed):
    rng = np.random.default_rng(seed)
    array = (rng.standard_normal(shape) * 100).astype(dtype)
    path = write(str(tmp_path_factory.mktemp("idx") / "a-idx"), idx_bytes(array), compress)
    np.testing.assert_array_equal(read_idx(path), array)
    assert read_idx(path).dtype == np.dtype(dtype)


@pytest.mark.parametrize("payload, message", [
    (b"\x08\x03\x00\x00", "wrong magic number"),
    (b"\x00\x00\x07\x01\x00\x00\x00\x01\x00", "wrong magic number"),
    (b"\x00\x00\x08\x03\x00\x00\x00\x02", "truncated header"),
    (b"\x00\x00", "too short"),
])
def test_read_idx_rejects_bad_headers(tmp_path, payload, message):
    path = write(str(tmp_path / "bad"), payload)
    with pytest.raises(DatasetFileError, match=message) as error:
        read_idx(path)
    assert str(tmp_path / "bad") in str(error.value)


def test_read_idx_rejects_truncated_and_overlong_data(tmp_path):
    good = idx_bytes(np.arange(12, dtype=np.uint8).reshape(3, 4))
    with pytest.raises(DatasetFileError, match="truncated: shape \\[3, 4\\]"):
        read_idx(write(str(tmp_path / "short"), good[:-1]))
    with pytest.raises(DatasetFileError, match="too long"):
        read_idx(write(str(tmp_path / "long"), good + b"\x00"))
    with pytest.raises(DatasetFileError, match="corrupt or truncated gzip"):
        path = write(str(tmp_path / "z"), good, compress=True)
        with open(path, "r+b") as handle:
            handle.truncate(os.path.getsize(path) - 6)
        read_idx(path)


def _mnist_arrays(seed=0, n_train=12, n_test=5):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8), rng.integers(0, 10, n_train).astype(np.uint8),
            rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8), rng.integers(0, 10, n_test).astype(np.uint8))


@pytest.mark.parametrize("layout", ["", "MNIST/raw"])
@pytest.mark.parametrize("compress", [False, True])
def test_mnist_reads_both_splits_from_plain_or_torchvision_layout(tmp_path, layout, compress):
    arrays = _mnist_arrays()
    write_mnist(str(tmp_path / layout), *arrays, compress=compress)
    train, test = data.MNIST(tmp_path), data.MNIST(tmp_path, train=False)
    np.testing.assert_array_equal(train.data, arrays[0])
    np.testing.assert_array_equal(train.targets, arrays[1])
    np.testing.assert_array_equal(test.data, arrays[2])
    image, label = test[4]
    np.testing.assert_array_equal(image, arrays[2][4])
    assert label == arrays[3][4] and train.classes[3] == "3"


def test_fashion_mnist_has_its_class_names(tmp_path):
    write_mnist(str(tmp_path / "FashionMNIST" / "raw"), *_mnist_arrays())
    dataset = data.FashionMNIST(tmp_path)
    assert dataset.classes[9] == "Ankle boot" and len(dataset) == 12


def test_mnist_errors_name_the_missing_or_inconsistent_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        data.MNIST(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="missing file 'train-images-idx3-ubyte'"):
        data.MNIST(tmp_path)
    images, labels, _, _ = _mnist_arrays()
    write(str(tmp_path / "train-images-idx3-ubyte"), idx_bytes(images))
    write(str(tmp_path / "train-labels-idx1-ubyte"), idx_bytes(labels[:-1]))
    with pytest.raises(DatasetFileError, match="expected 12 labels"):
        data.MNIST(tmp_path)
    write(str(tmp_path / "train-labels-idx1-ubyte"), idx_bytes(np.full(12, 10, np.uint8)))
    with pytest.raises(DatasetFileError, match="label 10 is out of range"):
        data.MNIST(tmp_path)


def _cifar_arrays(seed, n, classes):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8), rng.integers(0, classes, n)


def test_cifar10_binary_batches_are_read_as_hwc_images(tmp_path):
    folder = tmp_path / "cifar-10-batches-bin"
    parts = [_cifar_arrays(i, 3, 10) for i in range(6)]
    for i, (images, labels) in enumerate(parts[:5]):
        write(str(folder / f"data_batch_{i + 1}.bin"), cifar_records(images, labels))
    write(str(folder / "test_batch.bin"), cifar_records(*parts[5]))
    (folder / "batches.meta.txt").write_text("\n".join(f"name{i}" for i in range(10)) + "\n\n")
    train = data.CIFAR10(tmp_path)
    np.testing.assert_array_equal(train.data, np.concatenate([p[0] for p in parts[:5]]))
    np.testing.assert_array_equal(train.targets, np.concatenate([p[1] for p in parts[:5]]))
    assert train.classes[7] == "name7" and train.channels == 3
    test = data.CIFAR10(folder, train=False)  # the folder itself works too
    np.testing.assert_array_equal(test[2][0], parts[5][0][2])
    assert test.data.shape == (3, 32, 32, 3)


def test_cifar100_reads_the_fine_label(tmp_path):
    images, fine = _cifar_arrays(0, 4, 100)
    coarse = fine // 5
    folder = tmp_path / "cifar-100-binary"
    write(str(folder / "train.bin"), cifar_records(images, fine, coarse=coarse))
    write(str(folder / "test.bin"), cifar_records(images[:2], fine[:2], coarse=coarse[:2]))
    dataset = data.CIFAR100(tmp_path)
    np.testing.assert_array_equal(dataset.targets, fine)
    np.testing.assert_array_equal(dataset.data, images)
    assert len(dataset.classes) == 100


def test_cifar_rejects_truncated_files_and_foreign_labels(tmp_path):
    folder = tmp_path / "cifar-100-binary"
    images, fine = _cifar_arrays(0, 2, 100)
    write(str(folder / "train.bin"), cifar_records(images, fine, coarse=fine // 5)[:-7])
    with pytest.raises(DatasetFileError, match="not a whole number of 3074-byte records"):
        data.CIFAR100(tmp_path)
    bad = tmp_path / "c10" / "cifar-10-batches-bin"
    write(str(bad / "test_batch.bin"), cifar_records(images, [3, 42]))
    with pytest.raises(DatasetFileError, match="label 42 is out of range for 10 classes"):
        data.CIFAR10(tmp_path / "c10", train=False)


@pytest.mark.parametrize("cls, folder, batch", [(data.CIFAR10, "cifar-10-batches-py", "data_batch_1"),
                                                (data.CIFAR100, "cifar-100-python", "train")])
def test_cifar_refuses_the_pickled_python_version(tmp_path, cls, folder, batch):
    write(str(tmp_path / folder / batch), b"\x80\x04 pretend pickle")
    for root in (tmp_path, tmp_path / folder):
        with pytest.raises(DatasetFileError) as error:
            cls(root)
        message = str(error.value)
        assert "pickle" in message and "binary version" in message and "-binary.tar.gz" in message


def test_load_dataset_by_name(tmp_path):
    write_mnist(str(tmp_path), *_mnist_arrays())
    assert len(data.load_dataset("mnist", tmp_path, train=False)) == 5
    assert len(data.load_dataset("digits")) == 1442
    with pytest.raises(ValueError, match="did you mean mnist"):
        data.load_dataset("mnsit")
    with pytest.raises(ValueError, match="--data-dir"):
        data.load_dataset("cifar10")


def test_channel_stats_match_numpy_over_the_whole_set(tmp_path):
    images, labels = _cifar_arrays(3, 5000, 10)  # more than one 4096-image chunk
    folder = tmp_path / "cifar-10-batches-bin"
    write(str(folder / "test_batch.bin"), cifar_records(images, labels))
    mean, std = data.CIFAR10(tmp_path, train=False).channel_stats()
    scaled = images.astype(np.float64) / 255.0
    np.testing.assert_allclose(mean, scaled.mean(axis=(0, 1, 2)), rtol=1e-12)
    np.testing.assert_allclose(std, scaled.std(axis=(0, 1, 2)), rtol=1e-10)
