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
import time

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


def _finished_epochs(checkpoint) -> int:
    return mt.load(checkpoint)["epoch"] if checkpoint.exists() else 0


def _kill_after_epochs(process, checkpoint, epochs: int, delay: float) -> bool:
    """SIGKILL ``process`` ``delay`` seconds after its checkpoint records ``epochs`` finished
    epochs (so the kill lands in the next epoch's training or its checkpoint write); False
    when the process ended first."""
    seen = None
    while process.poll() is None:
        stamp = checkpoint.stat().st_mtime_ns if checkpoint.exists() else None
        if stamp != seen:  # a new checkpoint (renamed into place whole): how far is it?
            seen = stamp
            if _finished_epochs(checkpoint) >= epochs:
                try:
                    process.wait(timeout=delay)
                    return False
                except subprocess.TimeoutExpired:
                    process.send_signal(signal.SIGKILL)
                    process.wait()
                    return True
        time.sleep(0.01)
    return False


@pytest.mark.slow
@pytest.mark.cpu_only("kills CPU training processes")
def test_training_killed_at_random_moments_resumes_to_the_uninterrupted_weights(tmp_path):
    """Kill moments follow the run's own progress, not a guessed clock (a resumed run has
    fewer epochs left and would finish inside any fixed window): the first start is killed
    during start-up, before any checkpoint; every later one a random fraction of an epoch
    after its next checkpoint, or the one after."""
    epochs = 8
    options = ["--epochs", str(epochs), "--batch-size", "128", "--augment", "--quiet"]
    started = time.perf_counter()
    straight = _train(*options, "--out", str(tmp_path / "straight"))
    assert straight.wait(timeout=600) == 0, straight.stderr.read()
    epoch_seconds = (time.perf_counter() - started) / epochs  # an upper bound: start-up included
    rng = np.random.default_rng(20)
    folder, kills = tmp_path / "killed", 0
    checkpoint = folder / "last.npz"
    for start in range(40):
        finished = _finished_epochs(checkpoint)
        if finished == epochs:
            break  # killed after its last checkpoint, on its way out: the run is complete
        # killed before its first checkpoint, a run has nothing to resume: it starts again over its leftovers
        resume = ["--resume", str(checkpoint)] if checkpoint.exists() else ["--overwrite"]
        process = _train(*options, "--out", str(folder), *resume)
        if start == 0:
            try:
                process.wait(timeout=rng.uniform(0.3, 1.0))  # in start-up: no checkpoint yet
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                process.wait()
                kills += 1
                assert not checkpoint.exists()
                continue
        target = finished + int(rng.integers(1, 3))
        if target < epochs and _kill_after_epochs(process, checkpoint, target, rng.uniform(0.05, 1.0) * epoch_seconds):
            kills += 1
            continue
        assert process.wait(timeout=600) == 0, process.stderr.read()
        break
    else:
        pytest.fail(f"40 starts did not finish the run ({kills} kills)")
    assert kills >= 3, kills  # the run was really interrupted, more than once
    assert glob.glob(str(folder / ".tmp-*.npz")) == []
    a, b = mt.load(tmp_path / "straight" / "last.npz"), mt.load(checkpoint)
    assert a["epoch"] == b["epoch"] == epochs
    for key in a["model"]:
        np.testing.assert_array_equal(a["model"][key].numpy(), b["model"][key].numpy(), err_msg=key)
