"""``minitorch-cnn train``, ``eval`` and ``inspect`` run as a user runs them (subprocess):
their output, the files they write, their one-line errors and exit codes."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import data

from .data.files import write_mnist


def _run(*arguments, cwd=None, timeout=600):
    return subprocess.run([sys.executable, "-m", "minitorch_cnn", *arguments], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env=dict(os.environ, MINITORCH_CNN_KEEP_BLAS="1"))


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """A 2-epoch default run (LeNet-5 on the shipped digits)."""
    folder = tmp_path_factory.mktemp("run")
    result = _run("train", "--epochs", "2", "--out", str(folder), "--quiet")
    return folder, result


def test_train_prints_each_epoch_and_the_final_accuracy(trained_run):
    folder, result = trained_run
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("lenet5 (61,706 parameters) on digits: 1,442 training and 355 test images")
    assert lines[1].startswith("epoch 1/2") and lines[2].startswith("epoch 2/2")
    assert "final test accuracy" in lines[-1]
    log = [json.loads(line) for line in open(folder / "log.jsonl")]
    assert [row["epoch"] for row in log] == [1, 2]
    assert f"{100 * log[-1]['test_top1']:.2f}%" in lines[-1]
    assert {"last.npz", "best.npz", "log.jsonl", "curves.png"} <= set(os.listdir(folder))


def test_eval_reports_the_checkpoint_and_its_confusion_matrix(trained_run):
    folder, _ = trained_run
    result = _run("eval", str(folder / "last.npz"), "--quiet")
    assert result.returncode == 0, result.stderr
    log = [json.loads(line) for line in open(folder / "log.jsonl")]
    assert f"top-1 {100 * log[-1]['test_top1']:.2f}%" in result.stdout
    assert "confusion matrix" in result.stdout
    rows = [line.split() for line in result.stdout.splitlines() if line[:1].isdigit()]
    counts = np.array([[int(v) for v in row[1:11]] for row in rows])
    assert counts.shape == (10, 10) and counts.sum() == 355
    assert np.trace(counts) == round(log[-1]["test_top1"] * 355)


def test_resume_continues_and_refuses_changed_options(trained_run, tmp_path):
    folder, _ = trained_run
    refused = _run("train", "--resume", str(folder / "last.npz"), "--lr", "0.1", "--out", str(tmp_path))
    assert refused.returncode == 2 and "--lr" in refused.stderr and len(refused.stderr.splitlines()) == 1
    resumed = _run("train", "--resume", str(folder / "last.npz"), "--epochs", "3", "--out", str(tmp_path), "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed" in resumed.stdout and "epoch 3/3" in resumed.stdout and "epoch 1/3" not in resumed.stdout


def test_inspect_shows_xavier_shrinking_and_draws_the_plot(tmp_path):
    picture = tmp_path / "inits.png"
    result = _run("inspect", "lenet5", "--init", "xavier", "kaiming", "--only",
                  "Conv2d", "--plot", str(picture))
    assert result.returncode == 0, result.stderr
    assert "init xavier" in result.stdout and "init kaiming" in result.stdout
    assert picture.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("arguments, message", [
    (["train", "--epochs", "0"], "--epochs must be at least 1"),
    (["train", "--model", "lenet6"], "did you mean lenet5"),
    (["train", "--data", "cifar10"], "--data-dir"),
    (["train", "--data", "cifar10", "--data-dir", "."], "missing file 'data_batch_1.bin'"),
    (["train", "--epochs", "many"], "invalid int value"),
    (["train", "--model-option", "modern"], "KEY=VALUE"),
    (["train", "--device", "tpu"], "device"),
    (["eval", "no-such.npz"], "no such file"),
    (["eval", "README.md"], "not a readable minitorch_cnn checkpoint"),
    (["inspect", "lenet5", "--init", "uniform"], "--init must be xavier, kaiming or normalSTD"),
    (["nonsense"], "invalid choice"),
])
def test_bad_arguments_give_one_line_and_exit_2(arguments, message):
    result = _run(*arguments, cwd=os.path.dirname(os.path.dirname(__file__)))
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(bool(__import__("minitorch_cnn").backend._probe_cupy()[0]), reason="this machine has a GPU")
@pytest.mark.parametrize("command", [["train", "--epochs", "1"], ["eval", "README.md"]])
def test_a_gpu_asked_for_on_a_machine_without_one_gives_one_line_and_exit_2(command):
    """The subprocess has no stand-in: CuPy is there and no driver, or CuPy is missing."""
    result = _run(*command, "--device", "cuda", cwd=os.path.dirname(os.path.dirname(__file__)))
    assert result.returncode == 2, result.stdout + result.stderr
    line = result.stderr.strip()
    assert "cuda is not available: " in line and len(line.splitlines()) == 1, line
    assert "CuPy is not installed" in line or "no usable NVIDIA driver" in line or "no GPU is visible" in line


@pytest.mark.parametrize("command", ["train", "eval", "summary", "models", "inspect", "gradcheck"])
def test_every_command_has_help_with_examples(command):
    result = _run(command, "--help")
    assert result.returncode == 0 and "example" in result.stdout


def test_train_autotune_measures_each_convolution_shape(tmp_path):
    result = _run("train", "--epochs", "1", "--autotune", "--out", str(tmp_path), "--quiet")
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("autotune:")]
    # LeNet-5's two convolutions at each batch shape: training batches of 32 and the last of
    # 2 (1,442 = 45 x 32 + 2), test batches of 256 and the last of 99 (355 images)
    count = int(line.split()[1])
    assert count == 2 * 4, line
    assert "convolution shapes measured (" in line and "took another route than the thresholds'" in line


def test_train_reads_mnist_idx_files(tmp_path):
    """The MNIST path end to end on an IDX set the test writes: the shipped digits at 28×28
    in MNIST's files (the real MNIST cannot be downloaded here); LeNet-5 resizes to 32×32."""
    train, test = data.Digits(size=28), data.Digits(train=False, size=28)
    write_mnist(str(tmp_path / "MNIST" / "raw"), train.data, train.targets.astype(np.uint8), test.data,
                test.targets.astype(np.uint8), compress=True)
    result = _run("train", "--data", "mnist", "--data-dir", str(tmp_path), "--epochs", "3", "--lr", "0.02",
                  "--out", str(tmp_path / "run"), "--quiet")
    assert result.returncode == 0, result.stderr
    assert "on mnist: 1,442 training and 355 test images" in result.stdout
    final = [json.loads(line) for line in open(tmp_path / "run" / "log.jsonl")][-1]
    assert final["test_top1"] > 0.9


@pytest.mark.parametrize("arguments, message", [
    (["train", "--model-option", "bogus=1"], "lenet5 has no option 'bogus' (its options: in_channels, modern)"),
    (["train", "--model-option", "modern=maybe"], "modern: expected true or false (the default is False), got 'maybe'"),
    (["train", "--model", "resnet_cifar", "--model-option", "depth=abc"], "depth: expected an int"),
    (["train", "--model-option", "modern=NaN"], "modern: NaN is not a finite number"),
    (["train", "--lr", "nan"], "--lr must be a finite number, got nan"),
    (["train", "--mixup", "nan"], "--mixup must be a finite number, got nan"),
    (["train", "--weight-decay", "inf"], "--weight-decay must be a finite number, got inf"),
    (["train", "--image-size", "1000000"], "--batch-size 32 of 1000000x1000000 images: one batch of input needs "
                                           "349.25 TiB, more than this machine's memory"),
    (["train", "--batch-size", "100000000000"], "one batch of input needs 1.09 PiB"),
    (["summary", "lenet5", "--input", "3x32"], "--input: expected CxHxW like 1x32x32 for lenet5, got '3x32'"),
    (["summary", "lenet5", "--input", "3x999999x999999"], "the input alone needs 21.83 TiB, more than this machine"),
])
def test_bad_values_are_one_line_before_training(arguments, message, capsys, monkeypatch, tmp_path):
    """In process (a subprocess costs seconds each): the same one line and exit 2 as above.
    In an empty folder, so that no earlier run in ./runs decides which refusal comes first."""
    from minitorch_cnn.cli import main

    monkeypatch.chdir(tmp_path)

    assert main(arguments) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err


def test_model_option_values_are_parsed_by_type():
    from minitorch_cnn.cli.train import _model_option

    assert [_model_option(f"modern={v}")[1] for v in ("true", "True", "false", "False")] == [True, True, False, False]
    assert _model_option("depth=20") == ("depth", 20) and _model_option("width=0.5") == ("width", 0.5)
    assert _model_option("name=basic") == ("name", "basic") and _model_option("x=none") == ("x", None)


def test_version_and_a_closed_pipe(monkeypatch, capsys):
    from minitorch_cnn.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0 and capsys.readouterr().out.strip() == f"minitorch-cnn {mt.__version__}"

    read_end, write_end = os.pipe()

    class ClosedPipe:
        """stdout after the reader left: every write raises, as it does once `head` exits."""

        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            return None  # nothing buffered: every write already failed

        def fileno(self):
            return write_end

    try:
        monkeypatch.setattr("sys.stdout", ClosedPipe())
        # as `minitorch-cnn models | head` once its reader left (summary: models builds the whole zoo, 50 s)
        assert main(["summary", "lenet5"]) == 1
    finally:
        os.close(read_end)
        os.close(write_end)
    assert capsys.readouterr().err == ""


def test_a_folder_holding_another_run_is_refused_before_the_data_loads(trained_run, capsys, monkeypatch):
    """In process: the refusal names the files and the three ways on, and comes before any data is read."""
    from minitorch_cnn.cli import main

    folder, _ = trained_run
    before = {name: os.path.getmtime(folder / name) for name in os.listdir(folder)}
    monkeypatch.setattr("minitorch_cnn.train.run.build_trainer", None)  # reaching it would fail loudly
    assert main(["train", "--epochs", "1", "--out", str(folder), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"{folder} holds another run (log.jsonl, last.npz, best.npz, curves.png)" in err
    assert "--resume" in err and "--overwrite" in err and "--out" in err
    assert {name: os.path.getmtime(folder / name) for name in os.listdir(folder)} == before


def test_resume_refuses_epochs_already_finished(trained_run, capsys):
    from minitorch_cnn.cli import main

    folder, _ = trained_run
    assert main(["train", "--resume", str(folder / "last.npz"), "--epochs", "2", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"--epochs 2: {folder / 'last.npz'} has already finished 2 epochs; give more to continue it" in err


def test_overwrite_and_a_longer_resume_stretch_the_cosine_schedule(tmp_path, capsys):
    """A 1-epoch cosine run resumed to 3 epochs has, in epochs 2 and 3, the rates of a straight 3-epoch run."""
    from minitorch_cnn.cli import main

    common = ["train", "--scheduler", "cosine", "--batch-size", "256", "--quiet"]
    assert main(common + ["--epochs", "3", "--out", str(tmp_path / "straight")]) == 0
    assert main(common + ["--epochs", "1", "--out", str(tmp_path / "short")]) == 0
    assert main(common + ["--epochs", "1", "--out", str(tmp_path / "short"), "--overwrite"]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", str(tmp_path / "short" / "last.npz"), "--epochs", "3", "--quiet"]) == 0
    assert "the cosine schedule now spans 3 epochs (it spanned 1)" in capsys.readouterr().out
    rates = {run: [json.loads(line)["lr"] for line in open(tmp_path / run / "log.jsonl")]
             for run in ("straight", "short")}
    assert len(rates["short"]) == 3
    assert rates["short"][1:] == pytest.approx(rates["straight"][1:], rel=1e-12)
    assert rates["straight"][1:] == pytest.approx([0.05 * (1 + np.cos(np.pi * e / 3)) / 2 for e in (1, 2)])


def test_two_processes_with_the_same_seed_train_identical_weights(trained_run, tmp_path):
    """Determinism: the same command in a fresh process ends with bit-identical parameters."""
    folder, _ = trained_run
    again = _run("train", "--epochs", "2", "--out", str(tmp_path), "--quiet")
    assert again.returncode == 0, again.stderr
    first, second = mt.load(folder / "last.npz")["model"], mt.load(tmp_path / "last.npz")["model"]
    assert first.keys() == second.keys()
    for key in first:
        np.testing.assert_array_equal(first[key].tolist(), second[key].tolist(), err_msg=key)
