"""minitorch-cnn visualize: each picture from a checkpoint (a LeNet-5 trained for one
epoch) and from a registered model's name, titled and written; bad choices are one line.
The methods themselves are tested in tests/inspect/test_attribution.py."""

import os
import subprocess
import sys

import pytest

pytest.importorskip("matplotlib")


def _run(*arguments, cwd):
    return subprocess.run([sys.executable, "-m", "minitorch_cnn", *arguments], capture_output=True, text=True,
                          cwd=cwd, timeout=600, env=dict(os.environ, MINITORCH_CNN_KEEP_BLAS="1"))


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("visualize")
    result = _run("train", "--epochs", "1", "--model-option", "modern=true", "--out", "run", "--quiet", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder


@pytest.mark.parametrize("what, layer, picture", [
    ("filters", None, "best-filters-features.c1.png"),
    ("maps", "features.c3", "best-maps-features.c3.png"),
    ("deconv", None, "best-deconv-features.s4.png"),
    ("saliency", None, "best-saliency.png"),
    ("guided", None, "best-guided.png"),
    ("occlusion", None, "best-occlusion.png"),
])
def test_each_picture_of_a_checkpoint(checkpoint, what, layer, picture):
    arguments = ["visualize", "run/best.npz", "--what", what, "--input", "5", "--out", "pictures"]
    result = _run(*arguments, *(["--layer", layer] if layer else []), cwd=checkpoint)
    assert result.returncode == 0, result.stderr
    assert "lenet5 (best.npz)" in result.stdout and ("test image 5" in result.stdout or what == "filters")
    path = checkpoint / "pictures" / picture
    assert path.stat().st_size > 5000 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cam_of_a_network_ending_in_global_average_pooling(tmp_path):
    result = _run("visualize", "resnet18", "--what", "cam", "--out", "pictures", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "resnet18 (untrained): cam for class" in result.stdout and (tmp_path / "pictures" / "resnet18-cam.png").exists()


@pytest.mark.parametrize("arguments, message", [
    (["run/best.npz", "--what", "cam"], "cam needs a network with global average pooling"),
    (["run/best.npz", "--what", "maps", "--input", "9999"], "--input 9999: the test set has 355 images"),
    (["run/best.npz", "--what", "filters", "--layer", "nope"], "--layer 'nope': filters need a convolution's name"),
    (["run/best.npz", "--what", "maps", "--input", "missing.png"], "neither a test image's index nor an image file"),
    (["nosuch", "--what", "maps"], "unknown model 'nosuch'"),
])
def test_bad_choices_are_one_line_and_exit_2(checkpoint, arguments, message):
    result = _run("visualize", *arguments, "--out", "pictures", cwd=checkpoint)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
