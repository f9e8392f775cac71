"""Writers of the standard dataset files, for tests: IDX (MNIST) and CIFAR binary records,
written byte by byte from their published layouts (struct, not our reader's code)."""

import gzip
import os
import struct

import numpy as np

IDX_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(np.int16): 0x0B,
             np.dtype(np.int32): 0x0C, np.dtype(np.float32): 0x0D, np.dtype(np.float64): 0x0E}


def idx_bytes(array: np.ndarray) -> bytes:
    array = np.asarray(array)
    header = bytes([0, 0, IDX_CODES[array.dtype], array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path, payload: bytes, compress: bool = False) -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if compress:
        path += ".gz"
        with gzip.open(path, "wb") as handle:
            handle.write(payload)
    else:
        with open(path, "wb") as handle:
            handle.write(payload)
    return path


def write_mnist(folder, images_train, labels_train, images_test, labels_test, compress=False) -> None:
    for stem, array in (("train-images-idx3-ubyte", images_train), ("train-labels-idx1-ubyte", labels_train),
                        ("t10k-images-idx3-ubyte", images_test), ("t10k-labels-idx1-ubyte", labels_test)):
        write(os.path.join(folder, stem), idx_bytes(array), compress)


def cifar_records(images_hwc: np.ndarray, labels, coarse=None) -> bytes:
    """Records of [coarse byte,] label byte, then the R, G and B planes (32×32 each)."""
    out = bytearray()
    for i, (image, label) in enumerate(zip(images_hwc, labels)):
        if coarse is not None:
            out.append(int(coarse[i]))
        out.append(int(label))
        for channel in range(3):
            out.extend(image[:, :, channel].astype(np.uint8).tobytes())
    return bytes(out)
