"""The ``minitorch-cnn`` command: the gradcheck table and its exit codes."""

import subprocess
import sys

import pytest

import minitorch_cnn as mt
from minitorch_cnn import cli
from minitorch_cnn.autograd import Function
from minitorch_cnn.checks import registry


def test_gradcheck_prints_a_table_and_passes(capsys):
    assert cli.main(["gradcheck", "--quiet", "--op", "soft*"]) == 0
    out = capsys.readouterr().out
    assert "max abs err" in out and "softmax" in out and "pass" in out
    assert " passed, 0 failed" in out


def test_gradcheck_fails_with_exit_code_1_on_a_wrong_gradient(capsys):
    class Wrong(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 3

    registry.register("deliberately wrong", "test", lambda: (Wrong.apply, (mt.ones(2, dtype=mt.float64, requires_grad=True),)))
    try:
        assert cli.main(["gradcheck", "--quiet", "--op", "deliberately*"]) == 1
    finally:
        registry._checks.pop()
    out = capsys.readouterr().out
    assert "FAIL" in out and "0 passed, 1 failed" in out and "Jacobian mismatch" in out


def test_unknown_op_pattern_exits_2(capsys):
    assert cli.main(["gradcheck", "--quiet", "--op", "no-such-op"]) == 2


def test_python_dash_m_runs_the_command():
    result = subprocess.run([sys.executable, "-m", "minitorch_cnn", "gradcheck", "--quiet", "--op", "exp", "--fast"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "exp" in result.stdout and "fast" in result.stdout


def test_command_restarts_with_the_right_openblas_core_where_it_was_misdetected(monkeypatch):
    from minitorch_cnn import blas

    calls = []
    monkeypatch.delenv("OPENBLAS_CORETYPE", raising=False)
    monkeypatch.delenv("MINITORCH_CNN_KEEP_BLAS", raising=False)
    monkeypatch.setattr(blas, "info", lambda: {"avx512f": True, "blas_core": "Haswell"})
    monkeypatch.setattr(cli.os, "execve", lambda exe, args, env: calls.append((args, env)))
    cli._restart_with_better_blas(["gradcheck", "--op", "exp"])
    (args, env), = calls
    assert args[1:] == ["-m", "minitorch_cnn", "gradcheck", "--op", "exp"]
    assert env["OPENBLAS_CORETYPE"] == "SkylakeX"
    # once set (by the restart itself, or by the user), nothing happens
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    cli._restart_with_better_blas(["gradcheck"])
    assert len(calls) == 1


def test_no_restart_where_openblas_chose_well(monkeypatch):
    from minitorch_cnn import blas

    monkeypatch.delenv("OPENBLAS_CORETYPE", raising=False)
    monkeypatch.setattr(blas, "info", lambda: {"avx512f": True, "blas_core": "SkylakeX"})
    monkeypatch.setattr(cli.os, "execve", lambda *a: (_ for _ in ()).throw(AssertionError("restarted")))
    cli._restart_with_better_blas(["gradcheck"])


def test_gradcheck_takes_model_names_as_arguments(capsys):
    assert cli.main(["gradcheck", "--quiet", "highway_net", "lenet5"]) == 0
    out = capsys.readouterr().out
    assert "highway_net" in out and "lenet5" in out and "3 passed, 0 failed" in out


def test_summary_prints_the_table(capsys):
    assert cli.main(["summary", "lenet5"]) == 0
    out = capsys.readouterr().out
    assert "features.c1 (Conv2d)" in out and "Total params: 61,706" in out and "[1, 6, 28, 28]" in out
    assert cli.main(["summary", "resnet_cifar", "--depth", "1", "--input", "3x16x16", "--num-classes", "4"]) == 0
    out = capsys.readouterr().out
    assert "layer1 (Sequential)" in out and "layer1.0" not in out and "[1, 4]" in out


@pytest.mark.parametrize("arguments, message", [
    (["summary", "resnet81"], "did you mean resnet18"),
    (["summary", "lenet5", "--input", "1xnope"], "input size"),
    (["summary", "alexnet", "--input", "3x20x20"], "output size is too small"),
])
def test_summary_bad_arguments_give_one_line_and_exit_2(arguments, message, capsys):
    assert cli.main(arguments) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_models_lists_every_model_with_its_count():
    result = subprocess.run([sys.executable, "-m", "minitorch_cnn", "models", "--quiet"], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "resnet18" in result.stdout and "11,689,512" in result.stdout and "61,706" in result.stdout
