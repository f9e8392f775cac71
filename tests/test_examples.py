"""examples/: programs written the way PyTorch's tutorials and examples write them run here,
as a user runs them (a subprocess), and differ from their PyTorch twins in examples/torch/
only in the import lines; where PyTorch is installed the twins run too."""

import difflib
import importlib.util
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
# each example with small arguments, and what its last lines must show
RUNS = {
    "mnist_cnn.py": (["--epochs", "3", "--samples", "512"], r"Accuracy: (\d+)/(\d+)"),
    "cifar_classifier.py": (["--epochs", "3", "--samples", "200"], r"Accuracy of the network on the (\d+) test images: (\d+) %"),
    "dcgan.py": (["--iterations", "12"], r"samples \(4, 1, 16, 16\) in \[(-?[\d.]+), (-?[\d.]+)\]"),
}


def _run(path, arguments):
    return subprocess.run([sys.executable, str(path), *arguments], capture_output=True, text=True, timeout=600,
                          cwd=ROOT)


def _import_line(line):
    return line.startswith(("import ", "from "))


@pytest.mark.parametrize("name", sorted(RUNS))
def test_an_example_differs_from_its_pytorch_twin_only_in_imports(name):
    ours = (EXAMPLES / name).read_text().splitlines()
    theirs = (EXAMPLES / "torch" / name).read_text().splitlines()
    changed = [line for line in difflib.unified_diff(ours, theirs, lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed, "the twin imports torch, so some lines must differ"
    assert all(_import_line(line[1:]) for line in changed), changed
    assert all("minitorch_cnn" in line for line in changed if line.startswith("-"))
    assert all("torch" in line and "minitorch_cnn" not in line for line in changed if line.startswith("+"))


def _check(name, result):
    assert result.returncode == 0, result.stderr
    matches = list(re.finditer(RUNS[name][1], result.stdout))
    assert matches, result.stdout
    match = matches[-1]  # the last epoch's line
    if name == "mnist_cnn.py":
        assert int(match.group(1)) / int(match.group(2)) > 0.3  # ten classes: chance is 0.1
    elif name == "cifar_classifier.py":
        assert int(match.group(2)) > 50  # four classes: chance is 25 %
    else:
        low, high = float(match.group(1)), float(match.group(2))
        assert -1 <= low <= high <= 1  # the generator ends in tanh


@pytest.mark.parametrize("name", sorted(RUNS))
def test_an_example_runs_here(name):
    _check(name, _run(EXAMPLES / name, RUNS[name][0]))


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("name", sorted(RUNS))
def test_its_pytorch_twin_runs_with_pytorch(name):
    _check(name, _run(EXAMPLES / "torch" / name, RUNS[name][0]))
