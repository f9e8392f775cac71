"""``mt.load`` raises only ``CheckpointError`` for a damaged file: every truncation of a
real checkpoint, random bit flips (hypothesis), headers that claim more bytes than they
hold, dtypes no tensor has, malformed descriptions, a text file; and the error never
advises unpickling."""

import io
import json
import os
import tempfile
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch_cnn as mt
from minitorch_cnn import nn, optim


def _checkpoint_bytes():
    """A small training-style checkpoint: a model's state_dict, an optimizer's state, plain values."""
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    optimizer = optim.Adam(model.parameters())
    model(mt.randn(4, 3)).sum().backward()
    optimizer.step()
    state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3, "best": float("nan")}
    with tempfile.TemporaryDirectory() as folder:
        mt.save(state, os.path.join(folder, "source.npz"))
        with open(os.path.join(folder, "source.npz"), "rb") as f:
            return f.read()


GOOD = _checkpoint_bytes()


def _load_bytes(tmp_path, data):
    path = tmp_path / "damaged.npz"
    path.write_bytes(data)
    return mt.load(path)


def _same(a, b):
    """Whether two loaded checkpoints are equal (nan equal to nan)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, mt.Tensor):
        return isinstance(b, mt.Tensor) and a.dtype == b.dtype and np.array_equal(a.numpy(), b.numpy(), equal_nan=True)
    if isinstance(a, float) and a != a:
        return isinstance(b, float) and b != b
    return a == b


def test_every_truncation_is_a_checkpoint_error(tmp_path):
    intact = _load_bytes(tmp_path, GOOD)
    for length in range(len(GOOD)):
        try:
            loaded = _load_bytes(tmp_path, GOOD[:length])
        except mt.CheckpointError:
            continue
        # a zip's directory sits at its end: no prefix of it can be read
        raise AssertionError(f"a checkpoint cut to {length} of {len(GOOD)} bytes loaded: {_same(loaded, intact)}")


@settings(max_examples=150)
@given(flips=st.lists(st.tuples(st.integers(0, len(GOOD) - 1), st.integers(0, 7)), min_size=1, max_size=3))
def test_bit_flips_give_a_checkpoint_error_or_the_same_contents(tmp_path_factory, flips):
    damaged = bytearray(GOOD)
    for position, bit in flips:
        damaged[position] ^= 1 << bit
    folder = tmp_path_factory.mktemp("flips")
    try:
        loaded = _load_bytes(folder, bytes(damaged))
    except mt.CheckpointError:
        return
    # zip's CRC-32 covers every array's bytes, so a flip that loads sat in bytes nothing
    # reads (a timestamp, an unused field) and cannot change what loads
    assert _same(loaded, _load_bytes(folder, GOOD))


def _archive(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _description(tree) -> bytes:
    meta = json.dumps({"format": "minitorch_cnn", "version": 1, "tree": tree}).encode()
    return _npy(np.frombuffer(meta, dtype=np.uint8))


def test_a_header_claiming_terabytes_is_refused_before_allocating(tmp_path):
    header = _npy(np.zeros(2, dtype=np.float32))
    huge = header.replace(b"(2,)", b"(2199023255552,)")  # 8 TiB of float32
    data = _archive({"w.npy": huge, "__minitorch_cnn__.npy": _description({"tensor": "w", "dtype": "float32"})})
    with pytest.raises(mt.CheckpointError, match=r"declares shape \[2199023255552\] of float32 .* but the member "
                                                 r"holds \d+ bytes"):
        _load_bytes(tmp_path, data)


@pytest.mark.parametrize("array", [np.array([1 + 2j]), np.array(["text"]), np.zeros(2, dtype=[("a", "i4")]),
                                   np.array([1], dtype=np.uint64)], ids=["complex", "string", "structured", "uint64"])
def test_dtypes_no_tensor_has_are_refused(tmp_path, array):
    data = _archive({"w.npy": _npy(array),
                     "__minitorch_cnn__.npy": _description({"tensor": "w", "dtype": str(array.dtype)})})
    with pytest.raises(mt.CheckpointError, match="is not one a checkpoint holds"):
        _load_bytes(tmp_path, data)


@pytest.mark.parametrize("tree, message", [
    ({"dict": [["a"]]}, "not a \\[key, value\\] pair"),
    ({"dict": {"a": 1}}, "not a \\[key, value\\] pair"),
    ({"list": 5}, "a list in the description holds a int"),
    ({"tensor": "missing", "dtype": "float32"}, "names array 'missing' but does not contain it"),
    ({"tensor": ["w"], "dtype": "float32"}, "names array"),
    ({"tensor": "w", "dtype": "float64"}, "is float32 where the description says 'float64'"),
    ({"float": "1e400"}, "is not nan, inf or -inf"),
    ({"device": 7}, "is not one"),
    ({"what": 1}, "unknown entry"),
    ({}, "unknown entry"),
    ([1, 2], "a bare list"),
    ({"dict": [[1.5, 2]]}, "not a \\[key, value\\] pair"),
])
def test_malformed_descriptions_are_checkpoint_errors(tmp_path, tree, message):
    data = _archive({"w.npy": _npy(np.zeros(2, dtype=np.float32)), "__minitorch_cnn__.npy": _description(tree)})
    with pytest.raises(mt.CheckpointError, match=message):
        _load_bytes(tmp_path, data)


def test_deep_nesting_is_refused_without_recursion_errors(tmp_path):
    tree = 0
    for _ in range(150):
        tree = {"list": [tree]}
    data = _archive({"__minitorch_cnn__.npy": _description(tree)})
    with pytest.raises(mt.CheckpointError, match="nests deeper than 100 levels"):
        _load_bytes(tmp_path, data)
    too_deep_for_json = b"[" * 100_000 + b"]" * 100_000
    data = _archive({"__minitorch_cnn__.npy": _npy(np.frombuffer(too_deep_for_json, dtype=np.uint8))})
    with pytest.raises(mt.CheckpointError, match="not readable JSON"):
        _load_bytes(tmp_path, data)


def test_foreign_files_and_members(tmp_path):
    with pytest.raises(mt.CheckpointError, match="not a zip archive") as caught:
        _load_bytes(tmp_path, b"epoch 1 loss 0.5\n")  # a log file given by mistake
    assert "pickle" not in str(caught.value)
    with pytest.raises(mt.CheckpointError, match="unexpected member 'notes.txt'"):
        _load_bytes(tmp_path, _archive({"notes.txt": b"hello", "__minitorch_cnn__.npy": _description(0)}))
    with pytest.raises(mt.CheckpointError, match="without the '__minitorch_cnn__' entry"):
        _load_bytes(tmp_path, _archive({"w.npy": _npy(np.zeros(2))}))
    with pytest.raises(mt.CheckpointError, match="description is not UTF-8 bytes"):
        _load_bytes(tmp_path, _archive({"__minitorch_cnn__.npy": _npy(np.zeros(3))}))


def test_a_good_checkpoint_still_loads_with_its_values():
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/good.npz"
        with open(path, "wb") as f:
            f.write(GOOD)
        loaded = mt.load(path)
    assert loaded["epoch"] == 3 and loaded["best"] != loaded["best"]
    assert loaded["model"]["0.weight"].shape == (2, 3) and loaded["model"]["1.num_batches_tracked"].item() == 1
    assert loaded["optimizer"]["state"][0]["exp_avg"].shape == (2, 3)
    loaded["model"]["0.weight"][0, 0] = 5.0  # its own, writable memory
