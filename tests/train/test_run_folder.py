"""A run's folder and its resumption: another run's folder is refused unless resumed or
overwritten, temporaries left by a killed checkpoint write are removed, a resume that
fails changes nothing, and a resume given more epochs stretches a length-dependent
schedule to the rates of a straight run of the new length."""

import json
import os

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import data, nn, optim
from minitorch_cnn.serialization import CheckpointError
from minitorch_cnn.train import RunFolderInUse, Trainer, load_checkpoint, make_scheduler, save_checkpoint
from minitorch_cnn.train.factory import schedule_resumed_at
from tests.helpers import host


def _loader(n=12, batch_size=4):
    rng = np.random.default_rng(0)
    return data.DataLoader(data.TensorDataset(mt.tensor(rng.standard_normal((n, 3)).astype(np.float32)),
                                              mt.tensor(rng.integers(0, 4, n))), batch_size=batch_size)


def _trainer(folder, *, scheduler=None, epochs=2, overwrite=False, seed=0, echo=None):
    mt.manual_seed(seed)
    model = nn.Linear(3, 4)
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loader = _loader()
    schedule, interval = make_scheduler(scheduler, optimizer, epochs, len(loader)) if scheduler else (None, "epoch")
    return Trainer(model, optimizer, loader, loader, scheduler=schedule, scheduler_interval=interval,
                   out_dir=folder, progress=False, plot=False, echo=echo, overwrite=overwrite)


def _state(trainer):
    return ({k: host(v).copy() for k, v in trainer.model.state_dict().items()},
            json.dumps(trainer.optimizer.state_dict()["param_groups"]),
            [host(b).copy() for s in trainer.optimizer.state_dict()["state"].values() for b in s.values()
             if hasattr(b, "shape")])


def test_a_folder_holding_another_run_is_refused_naming_its_files(tmp_path):
    _trainer(tmp_path).fit(1)
    before = {name: os.path.getmtime(tmp_path / name) for name in os.listdir(tmp_path)}
    again = _trainer(tmp_path)
    with pytest.raises(RunFolderInUse, match=r"holds another run \(log.jsonl, last.npz, best.npz\).*overwrite=True"):
        again.fit(1)
    assert isinstance(RunFolderInUse("x"), FileExistsError)
    assert {name: os.path.getmtime(tmp_path / name) for name in os.listdir(tmp_path)} == before
    assert again.epoch == 0


def test_overwrite_replaces_the_previous_run_instead_of_mixing_logs(tmp_path):
    _trainer(tmp_path, epochs=3).fit(3)
    _trainer(tmp_path, overwrite=True).fit(1)
    log = [json.loads(line) for line in open(tmp_path / "log.jsonl")]
    assert [row["epoch"] for row in log] == [1]
    assert load_checkpoint(tmp_path / "best.npz")["epoch"] == 1 == load_checkpoint(tmp_path / "last.npz")["epoch"]


def test_resuming_in_the_same_folder_is_not_refused(tmp_path):
    _trainer(tmp_path).fit(1)
    resumed = _trainer(tmp_path)
    resumed.resume(tmp_path / "last.npz")
    resumed.fit(2)
    assert [json.loads(line)["epoch"] for line in open(tmp_path / "log.jsonl")] == [1, 2]


def test_an_empty_or_unrelated_folder_is_accepted(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    _trainer(tmp_path).fit(1)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_temporaries_of_a_killed_write_are_removed_when_the_trainer_is_made(tmp_path):
    for name in (".tmp-abc.npz", ".tmp-def.npz"):
        (tmp_path / name).write_bytes(b"PK half a checkpoint")
    (tmp_path / "keep.npz").write_bytes(b"not ours")
    messages = []
    _trainer(tmp_path, echo=messages.append)
    assert sorted(os.listdir(tmp_path)) == ["keep.npz"]
    assert messages == [f"removed 2 temporary files left in {tmp_path} by an interrupted checkpoint write"]


def _damaged(tmp_path, **changes):
    """A real checkpoint of a 1-epoch run with some parts replaced."""
    source = _trainer(tmp_path / "source")
    source.fit(1)
    state = load_checkpoint(tmp_path / "source" / "last.npz")
    state.update(changes)
    path = tmp_path / "damaged.npz"
    save_checkpoint(path, epoch=state["epoch"], model=_Holder(state["model"]), optimizer=_Holder(state["optimizer"]),
                    scheduler=None if state["scheduler"] is None else _Holder(state["scheduler"]), rng=state["rng"],
                    best=state["best"], history=state["history"], config=state.get("config") or {})
    return path


class _Holder:
    """Something with a state_dict(), to write a hand-altered checkpoint."""

    def __init__(self, state):
        self.state = state

    def state_dict(self):
        return self.state


@pytest.mark.parametrize("changes, message", [
    ({"epoch": -1}, "'epoch' must be a non-negative int"),
    ({"history": []}, "'history' must hold one row per finished epoch"),
    ({"best": {"epoch": 1}}, "'best' must be a dict"),
    ({"rng": {"bit_generator": "MT19937", "state": {}}}, "'rng' is not a random generator state"),
])
def test_a_checkpoint_with_a_bad_plain_part_is_refused_before_anything_loads(tmp_path, changes, message):
    path = _damaged(tmp_path, **changes)
    target = _trainer(tmp_path / "target", seed=7)
    before = _state(target)
    with pytest.raises(CheckpointError, match=message):
        target.resume(path)
    _assert_unchanged(before, _state(target), target)


def test_a_model_that_does_not_fit_leaves_model_optimizer_and_rng_as_they_were(tmp_path):
    source = _trainer(tmp_path / "source")
    source.fit(1)
    state = load_checkpoint(tmp_path / "source" / "last.npz")
    # the weight fits, the optimizer's momentum buffers do not: the model loads first, then the optimizer fails
    state["optimizer"]["state"] = {0: {"momentum_buffer": mt.zeros(5, 5)}}
    path = tmp_path / "mismatch.npz"
    save_checkpoint(path, epoch=1, model=_Holder(state["model"]), optimizer=_Holder(state["optimizer"]),
                    scheduler=None, rng=state["rng"], best=state["best"], history=state["history"], config={})
    target = _trainer(tmp_path / "target", seed=7)
    target.fit(1)  # its own optimizer state, to be kept
    before = _state(target)
    mt.manual_seed(99)
    rng_before = mt.rand(3).tolist()
    mt.manual_seed(99)
    with pytest.raises(CheckpointError, match="does not fit this run"):
        target.resume(path)
    _assert_unchanged(before, _state(target), target, epoch=1)
    assert mt.rand(3).tolist() == rng_before  # the random stream is where it was


def _assert_unchanged(before, after, trainer, epoch=0):
    weights_before, groups_before, buffers_before = before
    weights_after, groups_after, buffers_after = after
    for key in weights_before:
        np.testing.assert_array_equal(weights_before[key], weights_after[key], err_msg=key)
    assert groups_before == groups_after
    assert len(buffers_before) == len(buffers_after)
    for a, b in zip(buffers_before, buffers_after):
        np.testing.assert_array_equal(a, b)
    assert trainer.epoch == epoch


@pytest.mark.parametrize("name", ["cosine", "step", "multistep", "onecycle"])
def test_a_resumed_schedule_given_more_epochs_has_the_rates_of_a_straight_run(tmp_path, name):
    straight = _trainer(tmp_path / "straight", scheduler=name, epochs=4)
    straight.fit(4)
    short = _trainer(tmp_path / "short", scheduler=name, epochs=2)
    short.fit(2)
    longer = _trainer(tmp_path / "short", scheduler=name, epochs=2)
    longer.resume(tmp_path / "short" / "last.npz")
    interval = "step" if name == "onecycle" else "epoch"
    longer.scheduler = schedule_resumed_at(name, longer.optimizer, 4, len(longer.train_loader), longer.epoch)
    longer.scheduler_interval = interval
    longer.fit(4)
    assert [row["lr"] for row in longer.history[2:]] == pytest.approx([row["lr"] for row in straight.history[2:]],
                                                                       rel=1e-12)
    assert longer.optimizer.param_groups[0]["lr"] == pytest.approx(straight.optimizer.param_groups[0]["lr"],
                                                                   rel=1e-12, abs=1e-15)
