"""The training loop: it learns, its loss is what the formulas say (auxiliary heads,
label smoothing, mixup), it keeps the best checkpoint and the log, and a run resumed
from a checkpoint ends with exactly the weights of a run never interrupted."""

import json
import os

import numpy as np
import pytest

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import data, nn, optim
from minitorch_cnn.serialization import CheckpointError
from minitorch_cnn.train import Trainer, load_checkpoint, make_optimizer, make_scheduler
from minitorch_cnn.train.run import build_trainer
from tests.helpers import host

SMALL_RUN = {"epochs": 4, "batch_size": 64, "augment": True, "mixup": 0.2, "cutmix": 0.0,
             "model_options": {"modern": True}, "scheduler": "onecycle", "lr": 0.02}


def _weights(model):
    return {k: host(v).copy() for k, v in model.state_dict().items()}


def test_resuming_continues_exactly_as_if_never_interrupted(tmp_path):
    straight = build_trainer(dict(SMALL_RUN), out_dir=tmp_path / "straight", progress=False, echo=None)
    straight.fit(4)

    first = build_trainer(dict(SMALL_RUN), out_dir=tmp_path / "split", progress=False, echo=None)
    first.fit(2)
    mt.manual_seed(12345)  # whatever happens in between must not matter
    second = build_trainer(dict(SMALL_RUN), out_dir=tmp_path / "split", progress=False, echo=None)
    second.resume(tmp_path / "split" / "last.npz")
    assert second.epoch == 2
    second.fit(4)

    a, b = _weights(straight.model), _weights(second.model)
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    drop = ("train_seconds", "samples_per_second")
    clean = [[{k: v for k, v in row.items() if k not in drop} for row in t.history] for t in (straight, second)]
    assert clean[0] == clean[1]
    log = [json.loads(line) for line in open(tmp_path / "split" / "log.jsonl")]
    assert [row["epoch"] for row in log] == [1, 2, 3, 4]


def test_a_short_run_learns_the_digits_and_keeps_its_best_checkpoint(tmp_path):
    trainer = build_trainer({"epochs": 3}, out_dir=tmp_path, progress=False, echo=None)
    history = trainer.fit(3)
    assert history[-1]["test_top1"] > 0.9 and history[-1]["train_loss"] < history[0]["train_loss"]
    assert sorted(os.listdir(tmp_path)) == ["best.npz", "curves.png", "last.npz", "log.jsonl"]
    best = load_checkpoint(tmp_path / "best.npz")
    top = max(range(3), key=lambda i: (history[i]["test_top1"], -i))
    assert best["epoch"] == top + 1 == trainer.best["epoch"]
    assert best["config"]["model"] == "lenet5" and len(best["config"]["normalize"]["mean"]) == 1
    assert load_checkpoint(tmp_path / "last.npz")["epoch"] == 3
    with open(tmp_path / "curves.png", "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"


class _TwoHeads(nn.Module):
    """Logits and an auxiliary head's logits, as GoogLeNet returns in training."""

    def __init__(self):
        super().__init__()
        self.main, self.aux = nn.Linear(3, 4), nn.Linear(3, 4)

    def forward(self, x):
        return (self.main(x), self.aux(x)) if self.training else self.main(x)


def _loader(n=8):
    rng = np.random.default_rng(0)
    return data.DataLoader(data.TensorDataset(mt.tensor(rng.standard_normal((n, 3)).astype(np.float32)),
                                              mt.tensor(rng.integers(0, 4, n))), batch_size=n)


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_the_training_loss_adds_auxiliary_heads_at_weight_0_3(smoothing):
    model, loader = _TwoHeads(), _loader()
    x, y = next(iter(loader))
    main, aux = model(x)
    expected = (F.cross_entropy(main, y, label_smoothing=smoothing).item()
                + 0.3 * F.cross_entropy(aux, y, label_smoothing=smoothing).item())
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.0), loader, label_smoothing=smoothing,
                      progress=False, echo=None)
    assert trainer.train_epoch()["train_loss"] == pytest.approx(expected, rel=1e-6)


def test_gradient_clipping_bounds_the_update():
    model, loader = nn.Linear(3, 4), _loader()
    before = _weights(model)
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=1.0), loader, clip_grad_norm=1e-3, progress=False,
                      echo=None)
    trainer.train_epoch()
    step = np.sqrt(sum(((_weights(model)[k] - before[k]) ** 2).sum() for k in before))
    assert step == pytest.approx(1e-3, rel=1e-3)


def test_a_diverging_run_stops_with_a_message():
    model, loader = nn.Linear(3, 4), _loader()
    with mt.no_grad():
        model.weight.fill_(float("inf"))
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), loader, progress=False, echo=None)
    with pytest.raises(FloatingPointError, match="lower the learning rate"):
        trainer.train_epoch()


def test_every_named_optimizer_and_schedule_builds_and_steps():
    for name in ("sgd", "adam", "adamw", "rmsprop", "adagrad"):
        make_optimizer(name, nn.Linear(2, 2).parameters(), lr=0.1, weight_decay=1e-4)
    for name, interval in (("cosine", "epoch"), ("step", "epoch"), ("multistep", "epoch"),
                           ("exponential", "epoch"), ("onecycle", "step"), ("plateau", "plateau")):
        opt = make_optimizer("sgd", nn.Linear(2, 2).parameters(), lr=0.1)
        scheduler, got = make_scheduler(name, opt, epochs=4, steps_per_epoch=3)
        assert got == interval
    with pytest.raises(ValueError, match="unknown optimizer 'sgdd'"):
        make_optimizer("sgdd", nn.Linear(2, 2).parameters(), lr=0.1)


def test_resume_refuses_foreign_files(tmp_path):
    trainer = Trainer(nn.Linear(3, 4), optim.SGD(nn.Linear(3, 4).parameters(), lr=0.1), _loader(), progress=False)
    mt.save(nn.Linear(3, 4).state_dict(), tmp_path / "weights.npz")
    with pytest.raises(CheckpointError, match="not a training checkpoint"):
        trainer.resume(tmp_path / "weights.npz")
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        trainer.resume(tmp_path / "junk.npz")


def test_grey_digits_feed_a_colour_network_as_three_equal_channels():
    trainer = build_trainer({"model": "resnet_cifar", "model_options": {"depth": 8}}, progress=False, echo=None)
    images, labels = next(iter(trainer.test_loader))
    assert images.shape[1:] == (3, 32, 32)
    x = host(images)
    np.testing.assert_array_equal(x[:, 0], x[:, 1])
    np.testing.assert_array_equal(x[:, 0], x[:, 2])
    grey = data.Digits(train=False)
    mean, std = trainer.config["normalize"]["mean"][0], trainer.config["normalize"]["std"][0]
    np.testing.assert_allclose(x[0, 0], (grey.data[0] / 255.0 - mean) / std, rtol=1e-5, atol=1e-5)
    assert trainer.model(images[:2]).shape == (2, 10)
