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
    "vae.py": (["--epochs", "3", "--samples", "128"], r"====> Epoch: (\d) Average loss: ([\d.]+)"),
}
# the ImageNet-style script writes checkpoints: run by its own test, in a temporary folder
TWINS = sorted(RUNS) + ["imagenet_style.py"]


def _run(path, arguments):
    return subprocess.run([sys.executable, str(path), *arguments], capture_output=True, text=True, timeout=600,
                          cwd=ROOT)


def _import_line(line):
    return line.startswith(("import ", "from "))


@pytest.mark.parametrize("name", TWINS)
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
    elif name == "vae.py":
        losses = [float(m.group(2)) for m in matches]
        assert len(losses) == 3 and losses[-1] < 0.8 * losses[0]  # the ELBO improves
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


def _resume_run(path, tmp_path):
    """Two epochs, then a resume from the checkpoint for a third: the schedule and the epoch
    count continue where the checkpoint left them."""
    first = _run(path, ["--epochs", "2", "--samples", "16", "--out", str(tmp_path)])
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "checkpoint.pth.tar").exists() and (tmp_path / "model_best.pth.tar").exists()
    again = _run(path, ["--epochs", "3", "--samples", "16", "--out", str(tmp_path), "--resume",
                        str(tmp_path / "checkpoint.pth.tar")])
    assert again.returncode == 0, again.stderr
    assert "(epoch 2)" in again.stdout and "Epoch 0" not in again.stdout
    epochs = re.findall(r"Epoch (\d): loss ([\d.]+) .* lr ([\d.]+)  \* Acc@1 ([\d.]+) Acc@5 ([\d.]+)", again.stdout)
    assert [e[0] for e in epochs] == ["2"]
    assert float(epochs[0][2]) == pytest.approx(0.05 * 0.5 ** 3, abs=1e-4)  # StepLR(1, 0.5) after 3 steps
    assert 0 <= float(epochs[0][3]) <= float(epochs[0][4]) <= 100  # top-1 <= top-5


def test_the_imagenet_style_example_trains_checkpoints_and_resumes(tmp_path):
    _resume_run(EXAMPLES / "imagenet_style.py", tmp_path)


@pytest.mark.skipif(importlib.util.find_spec("torchvision") is None, reason="torchvision is not installed")
def test_the_imagenet_style_twin_runs_with_pytorch(tmp_path):
    _resume_run(EXAMPLES / "torch" / "imagenet_style.py", tmp_path)
