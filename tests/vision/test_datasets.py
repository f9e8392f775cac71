"""vision.datasets: torchvision's layouts, items and attributes, from fixture files
written in the published formats; download= offline; the safe CIFAR pickle reader."""

import os
import pickle

import numpy as np
import pytest

from minitorch_cnn.data.downloads import DatasetFileError
from minitorch_cnn.vision import datasets, transforms
from minitorch_cnn.vision.datasets.safe_pickle import read_python_batch
from tests.data.files import cifar_records, write
from tests.vision.files import py2_pickle, write_cifar10_python, write_cifar100_python, write_mnist_torchvision

Image = pytest.importorskip("PIL.Image")


def _images(seed, shape):
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


@pytest.mark.parametrize("cls", [datasets.MNIST, datasets.FashionMNIST])
@pytest.mark.parametrize("compress", [False, True])
def test_mnist_reads_torchvision_layout(tmp_path, cls, compress):
    train, test = _images(0, (5, 28, 28)), _images(1, (3, 28, 28))
    write_mnist_torchvision(tmp_path, cls.__name__, train, np.array([3, 1, 4, 1, 5], np.uint8), test,
                            np.array([9, 2, 6], np.uint8), compress)
    for download in (False, True):  # files present: download=True does nothing
        dataset = cls(tmp_path, train=True, download=download)
        assert len(dataset) == 5 and dataset.data.dtype == np.uint8 and list(dataset.data.shape) == [5, 28, 28]
        image, target = dataset[2]
        assert isinstance(image, Image.Image) and image.mode == "L" and target == 4 and type(target) is int
        np.testing.assert_array_equal(np.array(image), train[2])
    assert dataset.targets.tolist() == [3, 1, 4, 1, 5]
    assert len(dataset.classes) == 10 and dataset.class_to_idx[dataset.classes[7]] == 7
    test_set = cls(str(tmp_path), train=False, transform=transforms.ToTensor(), target_transform=lambda t: t * 10)
    tensor, target = test_set[-1]
    assert list(tensor.shape) == [1, 28, 28] and target == 60
    np.testing.assert_allclose(tensor.numpy()[0], test[2] / 255.0, rtol=1e-6)
    assert "Number of datapoints: 3" in repr(test_set)


def test_mnist_classes_are_torchvisions():
    assert datasets.MNIST.classes[0] == "0 - zero" and datasets.FashionMNIST.classes[9] == "Ankle boot"


@pytest.mark.parametrize("download", [False, True])
def test_missing_files_name_themselves_and_where_to_put_them(tmp_path, download):
    with pytest.raises(datasets.DatasetNotFoundError) as caught:
        datasets.MNIST(tmp_path, download=download)
    message = str(caught.value)
    assert "train-images-idx3-ubyte" in message and os.path.join(str(tmp_path), "MNIST", "raw") in message
    assert ("never downloads" in message) == download
    assert isinstance(caught.value, RuntimeError) and isinstance(caught.value, FileNotFoundError)
    with pytest.raises(datasets.DatasetNotFoundError, match="test_batch"):
        datasets.CIFAR10(tmp_path, train=False, download=download)
    with pytest.raises(datasets.DatasetNotFoundError, match="cifar-100-python"):
        datasets.CIFAR100(tmp_path, download=download)


def test_cifar10_python_version_read_without_unpickling(tmp_path):
    images, labels = _images(2, (10, 32, 32, 3)), np.arange(10) % 10
    write_cifar10_python(tmp_path, images, labels, train=True, names=[f"n{i}" for i in range(10)])
    dataset = datasets.CIFAR10(tmp_path, train=True, download=True)
    assert isinstance(dataset.data, np.ndarray) and dataset.data.shape == (10, 32, 32, 3)
    np.testing.assert_array_equal(dataset.data, images)
    assert dataset.targets == labels.tolist() and isinstance(dataset.targets, list)
    assert dataset.classes == [f"n{i}" for i in range(10)] and dataset.class_to_idx["n3"] == 3
    image, target = dataset[7]
    assert image.mode == "RGB" and target == 7
    np.testing.assert_array_equal(np.array(image), images[7])


def test_cifar100_python_version_uses_fine_labels(tmp_path):
    images = _images(3, (4, 32, 32, 3))
    write_cifar100_python(tmp_path, images, fine=[99, 0, 42, 7], coarse=[19, 0, 3, 1], train=False)
    dataset = datasets.CIFAR100(tmp_path, train=False)
    assert dataset.targets == [99, 0, 42, 7] and dataset.classes[42] == "f42" and len(dataset.classes) == 100
    np.testing.assert_array_equal(np.array(dataset[2][0]), images[2])


def test_cifar_binary_version_also_read(tmp_path):
    images, labels = _images(4, (6, 32, 32, 3)), [5, 4, 3, 2, 1, 0]
    write(os.path.join(tmp_path, "cifar-10-batches-bin", "test_batch.bin"), cifar_records(images, labels))
    dataset = datasets.CIFAR10(tmp_path, train=False)
    assert dataset.targets == labels
    np.testing.assert_array_equal(np.array(dataset[0][0]), images[0])


@pytest.mark.parametrize("protocol", [2, 3, 4])
def test_safe_reader_reads_python3_pickles_of_arrays(tmp_path, protocol):
    # written by the pickle module (numpy's own reduce recipe), read by our opcode interpreter
    value = {"data": np.arange(24, dtype=np.uint8).reshape(2, 12), "labels": [1, 300, 70000, -2],
             "floats": np.linspace(0, 1, 6).reshape(2, 3).T, "name": "batch", "raw": b"\x00\xff"}
    path = tmp_path / "batch"
    path.write_bytes(pickle.dumps(value, protocol=protocol))
    read = read_python_batch(str(path))
    assert read["labels"] == value["labels"] and read["name"] == "batch" and read["raw"] == b"\x00\xff"
    np.testing.assert_array_equal(read["data"], value["data"])
    np.testing.assert_array_equal(read["floats"], value["floats"])


class _Marker:
    def __reduce__(self):
        return (os.mkdir, (self.path,))


def test_safe_reader_refuses_code_and_does_not_run_it(tmp_path):
    marker = _Marker()
    marker.path = str(tmp_path / "ran")
    path = tmp_path / "evil"
    path.write_bytes(pickle.dumps({"data": marker}, protocol=2))
    with pytest.raises(DatasetFileError, match="refused global"):
        read_python_batch(str(path))
    assert not os.path.exists(marker.path)


def test_safe_reader_reports_truncation(tmp_path):
    path = tmp_path / "cut"
    path.write_bytes(py2_pickle({"labels": [1, 2, 3]})[:-3])
    with pytest.raises(DatasetFileError, match="truncated|no MARK|underflow"):
        read_python_batch(str(path))


def test_fakedata_is_deterministic_per_index():
    dataset = datasets.FakeData(size=4, image_size=(3, 5, 6), num_classes=3, random_offset=7)
    image, target = dataset[1]
    again, target_again = dataset[1]
    assert image.mode == "RGB" and image.size == (6, 5) and 0 <= target < 3
    np.testing.assert_array_equal(np.array(image), np.array(again))
    assert target == target_again and len(dataset) == 4
    grey = datasets.FakeData(size=2, image_size=(1, 4, 4), transform=transforms.ToTensor())
    assert list(grey[0][0].shape) == [1, 4, 4]
    with pytest.raises(ValueError, match="image_size"):
        datasets.FakeData(image_size=(2, 4, 4))


def _write_png(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(array).save(path)


def test_image_folder(tmp_path):
    red, green = np.zeros((3, 4, 3), np.uint8), np.zeros((3, 4), np.uint8)
    red[..., 0], green[:] = 200, 90
    _write_png(tmp_path / "dog" / "b.png", red)
    _write_png(tmp_path / "cat" / "z.png", green)  # a grey file comes out RGB
    _write_png(tmp_path / "cat" / "a.jpg", red)
    (tmp_path / "cat" / "notes.txt").write_text("not an image")
    dataset = datasets.ImageFolder(str(tmp_path))
    assert dataset.classes == ["cat", "dog"] and dataset.class_to_idx == {"cat": 0, "dog": 1}
    assert [os.path.basename(p) for p, _ in dataset.samples] == ["a.jpg", "z.png", "b.png"]
    assert dataset.targets == [0, 0, 1] and dataset.imgs == dataset.samples
    image, target = dataset[1]
    assert image.mode == "RGB" and target == 0
    np.testing.assert_array_equal(np.array(image), np.repeat(green[..., None], 3, axis=2))
    texts = datasets.DatasetFolder(str(tmp_path), loader=lambda p: open(p).read(), extensions=(".txt",),
                                   allow_empty=True)
    assert texts[0] == ("not an image", 0)
    with pytest.raises(FileNotFoundError, match="dog"):
        datasets.DatasetFolder(str(tmp_path), loader=open, extensions=(".txt",))
    with pytest.raises(ValueError, match="extensions and is_valid_file"):
        datasets.DatasetFolder(str(tmp_path), loader=open)
    with pytest.raises(FileNotFoundError, match="class folder"):
        datasets.ImageFolder(str(tmp_path / "dog"))
