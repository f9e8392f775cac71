"""Failure injection for checkpoint writes: a process killed (SIGKILL, nothing runs after
it) at any point of ``mt.save`` leaves the previous checkpoint loadable, and the next
``Trainer`` on the folder removes the temporary file the write left.

The default run kills a writer at chosen points: after N bytes of the archive (the zip
headers, the arrays, the central directory, the last byte), before the fsync, before and
after the rename. The slow run kills ``minitorch-cnn train`` at random moments again and
again, resuming each time, and ends with the weights of a run never interrupted."""

from __future__ import annotations

import glob
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import nn, optim
from minitorch_cnn.train import Trainer

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")

# The child saves version 1, then arms the kill and saves version 2. ``where`` is
# "bytes:N" (killed once N bytes of the archive are written), "fsync", "replace" (before
# the rename) or "replaced" (just after it).
CHILD = r"""
import os, signal, sys
import numpy as np
import minitorch_cnn as mt

path, where = sys.argv[1], sys.argv[2]
def state(version):
    return {"version": version, "weight": mt.tensor(np.full((64, 1024), version, dtype=np.float32))}
mt.save(state(1), path)

def die():
    os.kill(os.getpid(), signal.SIGKILL)

real_fdopen, real_fsync, real_replace = os.fdopen, os.fsync, os.replace
if where.startswith("bytes:"):
    limit = int(where.split(":")[1])
    class Dying:
        def __init__(self, handle):
            self.handle, self.written = handle, 0
        def write(self, data):
            room = limit - self.written
            if len(data) >= room:
                self.handle.write(bytes(data)[:room]); self.handle.flush(); die()
            self.written += len(data)
            return self.handle.write(data)
        def __getattr__(self, name):
            return getattr(self.handle, name)
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return self.handle.__exit__(*exc)
    os.fdopen = lambda *a, **k: Dying(real_fdopen(*a, **k))
elif where == "fsync":
    os.fsync = lambda fd: die()
elif where == "replace":
    os.replace = lambda a, b: die()
elif where == "replaced":
    os.replace = lambda a, b: (real_replace(a, b), die())
mt.save(state(2), path)
print("not killed")
"""


def _archive_size() -> int:
    """The size of the child's version-2 archive, to place the byte offsets inside it."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "probe.npz")
        mt.save({"version": 2, "weight": mt.tensor(np.full((64, 1024), 2, dtype=np.float32))}, path)
        return os.path.getsize(path)


SIZE = _archive_size()
POINTS = ["bytes:0", "bytes:1", "bytes:30", "bytes:4096", f"bytes:{SIZE // 2}", f"bytes:{SIZE - 200}",
          f"bytes:{SIZE - 1}", "fsync", "replace", "replaced"]


@pytest.mark.cpu_only("kills a process writing a CPU checkpoint")
@pytest.mark.parametrize("where", POINTS)
def test_a_write_killed_anywhere_leaves_the_previous_checkpoint_and_the_next_start_cleans_up(tmp_path, where):
    path = tmp_path / "last.npz"
    child = subprocess.run([sys.executable, "-c", CHILD, str(path), where], capture_output=True, text=True,
                           timeout=120)
    assert child.returncode == -signal.SIGKILL, (child.returncode, child.stderr)
    loaded = mt.load(path)
    expected = 2 if where == "replaced" else 1  # the rename is the moment the new checkpoint exists
    assert loaded["version"] == expected
    np.testing.assert_array_equal(loaded["weight"].numpy(), np.full((64, 1024), expected, dtype=np.float32))
    leftovers = glob.glob(str(tmp_path / ".tmp-*.npz"))
    assert len(leftovers) == (0 if where == "replaced" else 1)  # a killed write cannot clean up after itself
    messages = []
    model = nn.Linear(2, 2)
    Trainer(model, optim.SGD(model.parameters(), lr=0.1), [], out_dir=tmp_path, progress=False, echo=messages.append)
    assert glob.glob(str(tmp_path / ".tmp-*.npz")) == [] and sorted(os.listdir(tmp_path)) == ["last.npz"]
    assert len(messages) == len(leftovers)


def _train(*arguments):
    return subprocess.Popen([sys.executable, "-m", "minitorch_cnn", "train", *arguments], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ, MINITORCH_CNN_KEEP_BLAS="1"))


@pytest.mark.slow
@pytest.mark.cpu_only("kills CPU training processes")
def test_training_killed_at_random_moments_resumes_to_the_uninterrupted_weights(tmp_path):
    options = ["--epochs", "8", "--batch-size", "128", "--augment", "--quiet"]
    straight = _train(*options, "--out", str(tmp_path / "straight"))
    assert straight.wait(timeout=600) == 0, straight.stderr.read()
    rng = np.random.default_rng(20)
    folder, kills = tmp_path / "killed", 0
    for _ in range(40):
        if (folder / "last.npz").exists() and mt.load(folder / "last.npz")["epoch"] == 8:
            break  # killed after its last checkpoint, on its way out
        # killed before its first checkpoint, a run has nothing to resume: it starts again over its leftovers
        resume = ["--resume", str(folder / "last.npz")] if (folder / "last.npz").exists() else ["--overwrite"]
        process = _train(*options, "--out", str(folder), *resume)
        try:
            code = process.wait(timeout=rng.uniform(2.5, 6.0))  # start-up is about 2.5 s, an epoch 0.5 s
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += 1
            continue
        assert code == 0, process.stderr.read()
        break
    else:
        pytest.fail(f"40 starts did not finish the run ({kills} kills)")
    assert kills >= 3  # the run was really interrupted, more than once
    assert glob.glob(str(folder / ".tmp-*.npz")) == []
    a, b = mt.load(tmp_path / "straight" / "last.npz"), mt.load(folder / "last.npz")
    assert a["epoch"] == b["epoch"] == 8
    for key in a["model"]:
        np.testing.assert_array_equal(a["model"][key].numpy(), b["model"][key].numpy(), err_msg=key)
