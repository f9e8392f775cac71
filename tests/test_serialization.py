"""save/load: round trips of state dicts and nested checkpoints, the on-disk layout,
atomic writes (a failed save leaves the old file), clear errors for truncated, foreign
and pickled files, and safetensors reading."""

import json
import os

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import nn, optim
from tests.helpers import host


def _model():
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 3))


def test_state_dict_round_trip(tmp_path):
    model = _model()
    model(mt.randn(2, 1, 4, 4))
    path = tmp_path / "weights.npz"
    mt.save(model.state_dict(), path)
    loaded = mt.load(path)
    assert list(loaded) == list(model.state_dict())
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(host(loaded[key]), host(value))
        assert loaded[key].dtype == value.dtype and loaded[key].shape == value.shape
    fresh = _model()
    fresh.load_state_dict(loaded)
    with np.load(path, allow_pickle=False) as raw:  # plain NumPy can read the weights
        np.testing.assert_array_equal(raw["3.weight"], host(model[3].weight))


def test_nested_checkpoint_with_optimizer_and_plain_values(tmp_path):
    model = _model()
    opt = optim.Adam(model.parameters())
    model(mt.randn(2, 1, 4, 4)).sum().backward()
    opt.step()
    checkpoint = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3, "best": float("inf"),
                  "rng": mt.get_rng_state(), "tags": ("a", None, True)}
    mt.save(checkpoint, tmp_path / "c.npz")
    loaded = mt.load(tmp_path / "c.npz")
    assert loaded["epoch"] == 3 and loaded["best"] == float("inf") and loaded["tags"] == ("a", None, True)
    assert loaded["rng"] == mt.get_rng_state()
    assert list(loaded["optimizer"]["state"]) == list(range(len(list(model.parameters()))))
    optim.Adam(model.parameters()).load_state_dict(loaded["optimizer"])


def test_failed_save_leaves_the_previous_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "weights.npz"
    mt.save({"w": mt.ones(3)}, path)

    def broken_savez(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        mt.save({"w": mt.zeros(3)}, path)
    assert os.listdir(tmp_path) == ["weights.npz"]
    np.testing.assert_array_equal(host(mt.load(path)["w"]), np.ones(3))


def test_truncated_foreign_and_pickled_files_give_clear_errors(tmp_path):
    good = tmp_path / "good.npz"
    mt.save({"w": mt.ones(100)}, good)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:200])
    with pytest.raises(mt.CheckpointError, match="truncated or corrupt"):
        mt.load(truncated)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, weights=np.ones(2))
    with pytest.raises(mt.CheckpointError, match="not a minitorch_cnn checkpoint"):
        mt.load(foreign)
    pickled = tmp_path / "pickled.npz"
    meta = json.dumps({"format": "minitorch_cnn", "version": 1, "tree": {"tensor": "x", "dtype": "object"}})
    np.savez(pickled, x=np.array([{"a": 1}], dtype=object),
             __minitorch_cnn__=np.frombuffer(meta.encode(), dtype=np.uint8))
    with pytest.raises(mt.CheckpointError, match="dtype object is not one a checkpoint holds") as caught:
        mt.load(pickled)
    assert "pickle" not in str(caught.value).replace(str(pickled), "")  # never advise loading with pickle
    with pytest.raises(FileNotFoundError, match="no such file"):
        mt.load(tmp_path / "missing.npz")
    with pytest.raises(TypeError, match="cannot store a set"):
        mt.save({"x": {1, 2}}, tmp_path / "bad.npz")


def test_safetensors_weights_load_into_a_model(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    model = _model()
    exported = {k: np.array(host(v)) for k, v in model.state_dict().items()}
    safetensors_numpy.save_file(exported, str(tmp_path / "model.safetensors"))
    fresh = _model()
    fresh.load_state_dict(mt.load_safetensors(tmp_path / "model.safetensors"))
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(host(fresh.state_dict()[key]), host(value))
    (tmp_path / "junk.safetensors").write_bytes(b"\x00" * 20)
    with pytest.raises(mt.CheckpointError, match="not a readable safetensors file"):
        mt.load_safetensors(tmp_path / "junk.safetensors")
