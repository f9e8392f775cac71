"""The command line under random argument lists (hypothesis): every list ends with exit 0
or 2, a bad one with one line on stderr naming what was wrong, never a traceback.

Runs in process. ``train`` stops where training would begin (``build_trainer`` replaced),
so that each example checks the whole of the argument validation in milliseconds; the
other commands run for real on small models."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from minitorch_cnn.cli import main

# values that break parsers: not numbers, non-finite numbers, out of range, huge, empty, odd digits
TRICKY = ["nan", "inf", "-inf", "-1", "0", "1", "0.5", "1e400", "99999999999999999999", "abc", "", "True",
          "false", "3x32", "0x0", "-3x4x4", "1x32x32", "3x999999x999999", "\u0663", "1_000", " 2", "0x10"]
MODEL_OPTIONS = ["depth=abc", "bogus=1", "modern=False", "modern=maybe", "=", "depth", "depth=20", "modern=nan",
                 "in_channels=-1", "in_channels=3", "num_classes=0"]
TRAIN_OPTIONS = {"--epochs": TRICKY, "--batch-size": TRICKY, "--lr": TRICKY, "--momentum": TRICKY,
                 "--weight-decay": TRICKY, "--mixup": TRICKY, "--cutmix": TRICKY, "--label-smoothing": TRICKY,
                 "--clip-grad": TRICKY, "--seed": TRICKY, "--image-size": TRICKY,
                 "--model": ["lenet5", "resnet_cifar", "nosuch", ""], "--model-option": MODEL_OPTIONS,
                 "--data": ["digits", "mnist", "cifar10", "imagenet"], "--optimizer": ["sgd", "adam", "sgdd"],
                 "--scheduler": ["cosine", "onecycle", "none", "linear"], "--device": ["cpu", "cuda", "tpu", "auto"],
                 "--data-dir": ["/nonexistent", ""], "--resume": ["/nonexistent.npz", "GARBAGE"]}
SUMMARY_OPTIONS = {"--input": TRICKY, "--batch-size": TRICKY, "--depth": TRICKY, "--num-classes": TRICKY}
FLAGS = {"train": ["--augment", "--quiet", "--overwrite", "--autotune"], "summary": ["--train"]}


class _TrainingWouldStart(BaseException):
    """Raised instead of loading data and training: the arguments passed every check (a
    BaseException, so that the command's catch-all for internal errors lets it through)."""


def _refuse_to_train(*args, **kwargs):
    raise _TrainingWouldStart


@st.composite
def command_lines(draw):
    command = draw(st.sampled_from(["train", "summary", "eval"]))
    arguments = [command]
    if command == "summary":
        arguments.append(draw(st.sampled_from(["lenet5", "resnet_cifar", "nosuch", ""])))
    if command == "eval":
        arguments.append(draw(st.sampled_from(["/nonexistent.npz", "GARBAGE", "TEXT"])))
    options = TRAIN_OPTIONS if command == "train" else SUMMARY_OPTIONS if command == "summary" else {}
    for name in draw(st.lists(st.sampled_from(sorted(options)), max_size=4)) if options else []:
        arguments += [name, draw(st.sampled_from(options[name]) | st.text(max_size=6))]
    arguments += draw(st.lists(st.sampled_from(FLAGS.get(command, ["--quiet"])), max_size=2, unique=True))
    if draw(st.booleans()):
        arguments.insert(draw(st.integers(0, len(arguments))), draw(st.sampled_from(["--bogus", "-x", "--"])))
    return arguments


@pytest.fixture(scope="module")
def scratch():
    """A working folder holding a damaged checkpoint and a text file, for --resume and eval."""
    with tempfile.TemporaryDirectory() as folder:
        with open(os.path.join(folder, "GARBAGE"), "wb") as handle:
            handle.write(b"PK\x03\x04" + os.urandom(200))
        with open(os.path.join(folder, "TEXT"), "w") as handle:
            handle.write('{"epoch": 3}\n')
        yield folder


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(arguments=command_lines())
# the command lines that once gave a traceback or were accepted wrongly (issue 20's survey)
@example(arguments=["train", "--model-option", "bogus=1"])
@example(arguments=["train", "--model", "resnet_cifar", "--model-option", "depth=abc"])
@example(arguments=["train", "--device", "cuda"])
@example(arguments=["train", "--image-size", "1000000"])
@example(arguments=["train", "--batch-size", "100000000000"])
@example(arguments=["summary", "lenet5", "--input", "3x999999x999999"])
@example(arguments=["summary", "lenet5", "--input", "3x32"])
@example(arguments=["train", "--lr", "nan"])
@example(arguments=["train", "--momentum", "nan"])
@example(arguments=["train", "--weight-decay", "inf"])
@example(arguments=["train", "--mixup", "nan"])
@example(arguments=["eval", "TEXT"])
def test_any_command_line_exits_0_or_2_without_a_traceback(arguments, scratch, monkeypatch):
    monkeypatch.setattr("minitorch_cnn.train.run.build_trainer", _refuse_to_train)
    arguments = [os.path.join(scratch, a) if a in ("GARBAGE", "TEXT") else a for a in arguments]
    err, out = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(scratch)  # the default run folder (runs/MODEL-DATA) lands here, never in the checkout
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            try:
                code = main(arguments)
            except SystemExit as exit_:  # argparse: --help (0) or a parse error (2)
                code = exit_.code
            except _TrainingWouldStart:
                code = 0
    finally:
        os.chdir(cwd)
    message = err.getvalue()
    assert code in (0, 2), (arguments, code, message)
    assert "Traceback" not in message, (arguments, message)
    if code == 2:
        lines = [line for line in message.splitlines() if line.strip()]
        assert lines and lines[-1].startswith("minitorch-cnn"), (arguments, message)
        assert len(lines) == 1 or lines[0].startswith("usage:"), (arguments, message)
