"""Writers of torchvision's on-disk dataset layouts, for the vision tests: MNIST's IDX
files under ``MNIST/raw/`` (through ``tests/data/files.py``) and CIFAR's "python version"
batches, written opcode by opcode as Python 2's cPickle (protocol 2) wrote them (struct,
not the pickle module, and not our reader's code)."""

import os
import struct

import numpy as np

from tests.data.files import write_mnist


def py2_string(text) -> bytes:
    raw = text if isinstance(text, bytes) else text.encode("latin1")
    return (b"U" + bytes([len(raw)]) if len(raw) < 256 else b"T" + struct.pack("<i", len(raw))) + raw


def py2_int(value: int) -> bytes:
    if 0 <= value < 256:
        return b"K" + bytes([value])
    if 0 <= value < 65536:
        return b"M" + struct.pack("<H", value)
    return b"J" + struct.pack("<i", value)


def py2_uint8_array(array: np.ndarray) -> bytes:
    shape = b"(" + b"".join(py2_int(d) for d in array.shape) + b"t"
    dtype = (b"cnumpy\ndtype\n" + py2_string("u1") + py2_int(0) + py2_int(1) + b"\x87R"
             + b"(" + py2_int(3) + py2_string("|") + b"NNN" + b"J\xff\xff\xff\xff" * 2 + py2_int(0) + b"tb")
    return (b"cnumpy.core.multiarray\n_reconstruct\n" + b"cnumpy\nndarray\n" + py2_int(0) + b"\x85" + py2_string("b")
            + b"\x87R" + b"(" + py2_int(1) + shape + dtype + b"\x89" + py2_string(array.astype(np.uint8).tobytes())
            + b"tb")


def py2_value(value) -> bytes:
    if isinstance(value, np.ndarray):
        return py2_uint8_array(value)
    if isinstance(value, str):
        return py2_string(value)
    if isinstance(value, int):
        return py2_int(value)
    if isinstance(value, list):
        return b"](" + b"".join(py2_value(v) for v in value) + b"e"
    raise TypeError(type(value))


def py2_pickle(mapping: dict) -> bytes:
    return b"\x80\x02}(" + b"".join(py2_string(k) + py2_value(v) for k, v in mapping.items()) + b"u."


def write_cifar10_python(root, images_hwc, labels, train: bool, names=None) -> str:
    folder = os.path.join(root, "cifar-10-batches-py")
    os.makedirs(folder, exist_ok=True)
    rows = images_hwc.transpose(0, 3, 1, 2).reshape(len(images_hwc), -1)
    batches = [f"data_batch_{i}" for i in range(1, 6)] if train else ["test_batch"]
    for part, name in zip(np.array_split(np.arange(len(labels)), len(batches)), batches):
        with open(os.path.join(folder, name), "wb") as handle:
            handle.write(py2_pickle({"batch_label": name, "labels": [int(labels[i]) for i in part],
                                     "data": rows[part], "filenames": [f"{i}.png" for i in part]}))
    with open(os.path.join(folder, "batches.meta"), "wb") as handle:
        handle.write(py2_pickle({"num_cases_per_batch": 10000, "label_names": names or [f"c{i}" for i in range(10)],
                                 "num_vis": 3072}))
    return folder


def write_cifar100_python(root, images_hwc, fine, coarse, train: bool) -> str:
    folder = os.path.join(root, "cifar-100-python")
    os.makedirs(folder, exist_ok=True)
    rows = images_hwc.transpose(0, 3, 1, 2).reshape(len(images_hwc), -1)
    with open(os.path.join(folder, "train" if train else "test"), "wb") as handle:
        handle.write(py2_pickle({"filenames": ["x.png"] * len(fine), "batch_label": "b",
                                 "fine_labels": [int(v) for v in fine], "coarse_labels": [int(v) for v in coarse],
                                 "data": rows}))
    with open(os.path.join(folder, "meta"), "wb") as handle:
        handle.write(py2_pickle({"fine_label_names": [f"f{i}" for i in range(100)],
                                 "coarse_label_names": [f"g{i}" for i in range(20)]}))
    return folder


def write_mnist_torchvision(root, name, train_images, train_labels, test_images, test_labels, compress=False):
    write_mnist(os.path.join(root, name, "raw"), train_images, train_labels, test_images, test_labels, compress)
