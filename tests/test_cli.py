"""The ``minitorch-cnn`` command: the gradcheck table and its exit codes."""

import subprocess
import sys

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
