"""The one prepared GPU check: run it once on a machine with an NVIDIA GPU, from a plain
checkout, with nothing to install, and commit what it writes.

    python tools/gpu_check.py --out DIR            # on the GPU machine, under 5 minutes on an H200
    python tools/gpu_check.py --dry-run --out DIR  # the same steps over the CuPy stand-in (CI runs this)

Steps, each with its own time limit, each written to ``DIR`` (at most 8 files, as a lent
machine returns no more):

    environment.json   nvidia-smi, the device, CuPy / CUDA runtime / driver versions, torch.cuda
    kernels.txt        every CUDA kernel on the device against its reference: the kernel
                       contract (hypothesis cases, float64) and tests/test_cuda_on_device.py
                       (float32 and float64, small and large shapes, through the ops)
    suite.txt          the whole test suite on device "cuda" (parallel, time-limited)
    conv-cuda.json, layers-cuda.json, models-cuda.json
                       the GPU-vs-CPU benchmarks (python -m benchmarks SUITE --device cuda)
    summary.md         each step's outcome and time, and the targets the issue set, met or not

The dry run swaps the GPU for the NumPy stand-in and each step for a small sample of it,
so that every line of this script runs in CI and a lent GPU never meets a script bug.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# (step, seconds): the whole check stays under 5 minutes on an H200
LIMITS = {"kernels": 75, "suite": 120, "benchmarks": 150}
MAX_FILES = 8
TAIL = 6000  # characters of each step's output kept in its file

# the suite's sample for a dry run: the kernels, the ops on every family, a model
DRY_SUITE = ["tests/test_tensor.py", "tests/ops/test_pooling.py", "tests/test_conv_plan.py"]
DRY_KERNELS = ["-k", "im2col or max_pool2d or batch_norm_train or erf or conv2d_forward"]


def _environment(dry_run: bool) -> dict:
    sys.path.insert(0, str(ROOT))
    if dry_run:
        from tests.support import cupy_standin

        cupy_standin.install()
    import numpy

    import minitorch_cnn as mt

    info = {"python": platform.python_version(), "numpy": numpy.__version__, "machine": platform.machine(),
            "dry_run": dry_run, "commit": _git("rev-parse", "HEAD"), "cpu_count": os.cpu_count()}
    if shutil.which("nvidia-smi"):
        info["nvidia_smi"] = _run_text(["nvidia-smi"], 30)
    if dry_run:
        from minitorch_cnn import backend

        backend._cupy, backend._cupy_checked = sys.modules["cupy"], True
    info["cuda_available"] = mt.cuda.is_available()
    if not mt.cuda.is_available():
        from minitorch_cnn import backend

        info["cuda_unavailable"] = backend.cuda_unavailable_reason()
        return info
    import cupy

    runtime = cupy.cuda.runtime
    properties = runtime.getDeviceProperties(0)
    info.update(device=mt.cuda.get_device_name(0), device_count=mt.cuda.device_count(),
                cupy=getattr(cupy, "__version__", "stand-in"), cuda_runtime=runtime.runtimeGetVersion(),
                cuda_driver=runtime.driverGetVersion(),
                compute_capability=f"{properties.get('major')}.{properties.get('minor')}",
                memory_bytes=properties.get("totalGlobalMem"))
    if importlib.util.find_spec("torch") is not None:
        import torch

        info["torch"] = torch.__version__
        info["torch_cuda"] = torch.cuda.is_available()
        if torch.cuda.is_available():
            info.update(torch_device=torch.cuda.get_device_name(0), torch_cuda_version=torch.version.cuda,
                        cudnn=torch.backends.cudnn.version())
    return info


def _git(*arguments) -> str:
    try:
        return subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _run_text(command, limit) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=limit).stdout
    except (OSError, subprocess.SubprocessError) as error:
        return f"{command[0]} failed: {error}"


def _step(name: str, command: list[str], limit: float, environment: dict) -> dict:
    """Run one step's command from the checkout with a time limit; its outcome and the
    tail of its output."""
    started = time.perf_counter()
    print(f"[gpu_check] {name}: {' '.join(command)} (limit {limit:.0f} s)", flush=True)
    try:
        done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=limit)
        output, status = done.stdout + done.stderr, ("passed" if done.returncode == 0 else f"failed ({done.returncode})")
    except subprocess.TimeoutExpired as expired:
        text = lambda v: v.decode(errors="replace") if isinstance(v, bytes) else (v or "")  # noqa: E731
        output, status = text(expired.stdout) + text(expired.stderr), f"timed out after {limit:.0f} s"
    seconds = time.perf_counter() - started
    print(f"[gpu_check] {name}: {status} in {seconds:.0f} s", flush=True)
    return {"step": name, "status": status, "seconds": round(seconds, 1), "command": " ".join(command),
            "output": output[-TAIL:]}


def _pytest(dry_run: bool, arguments: list[str], parallel: bool) -> list[str]:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-header", "-rfE",
               "--cuda-standin" if dry_run else "--cuda"]
    if parallel and importlib.util.find_spec("xdist") is not None:
        command += ["-n", str(min(8, os.cpu_count() or 1))]
    return command + arguments


def _benchmarks(dry_run: bool, out: Path) -> list[list[str]]:
    extra = ["--cuda-standin", "--quick"] if dry_run else []
    return [[sys.executable, "-m", "benchmarks", suite, "--device", "cuda", "--out", str(out), *extra]
            for suite in ("conv", "layers", "models")]


def _targets(out: Path) -> list[str]:
    """The issue's targets, read from the models benchmark: met, missed, or not measured."""
    path = out / "models-cuda.json"
    if not path.exists():
        return ["- targets: not measured (no models-cuda.json)"]
    results = json.loads(path.read_text())
    return [f"- {line}" for line in results.get("targets", ["the models suite reported no targets"])]


def _write(out: Path, name: str, text: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    temporary = out / f".{name}.tmp"
    temporary.write_text(text)
    os.replace(temporary, out / name)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="the folder the (at most 8) result files go to")
    parser.add_argument("--dry-run", action="store_true", help="over the CuPy stand-in, each step sampled")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    started = time.perf_counter()

    environment = _environment(args.dry_run)
    _write(out, "environment.json", json.dumps(environment, indent=2, default=str))
    if not environment["cuda_available"]:
        print(f"[gpu_check] no GPU: {environment.get('cuda_unavailable')}; use --dry-run on a machine without one")
        return 2

    # one process per worker and two threads each: a 16-core machine runs 8 workers
    child = dict(os.environ, NUMBA_NUM_THREADS="2", OPENBLAS_NUM_THREADS="2", OMP_NUM_THREADS="2",
                 PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    kernel_tests = ["tests/test_kernel_contract.py", "tests/test_cuda_on_device.py"]
    steps = [_step("kernels", _pytest(args.dry_run, kernel_tests + (DRY_KERNELS if args.dry_run else []), False),
                   LIMITS["kernels"], child)]
    _write(out, "kernels.txt", steps[-1]["output"])
    steps.append(_step("suite", _pytest(args.dry_run, DRY_SUITE if args.dry_run else [], True), LIMITS["suite"],
                       child))
    _write(out, "suite.txt", steps[-1]["output"])
    benchmark_output = []
    for command in _benchmarks(args.dry_run, out):
        steps.append(_step(f"benchmark {command[3]}", command, LIMITS["benchmarks"], child))
        benchmark_output.append(steps[-1]["output"])

    lines = [f"# GPU check {'(dry run over the CuPy stand-in)' if args.dry_run else ''}".rstrip(), "",
             f"device: {environment.get('device')}, CuPy {environment.get('cupy')}, "
             f"CUDA runtime {environment.get('cuda_runtime')}, driver {environment.get('cuda_driver')}, "
             f"commit {environment.get('commit', '')[:10]}", "",
             "| step | outcome | seconds |", "|---|---|---|"]
    lines += [f"| {s['step']} | {s['status']} | {s['seconds']} |" for s in steps]
    lines += ["", f"total {time.perf_counter() - started:.0f} s", "", "## Targets", *_targets(out), "",
              "## Benchmark output", "```", *("\n".join(benchmark_output)[-TAIL:].splitlines()), "```"]
    _write(out, "summary.md", "\n".join(lines) + "\n")
    written = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    if len(written) > MAX_FILES:
        print(f"[gpu_check] warning: {len(written)} files in {out}, more than the {MAX_FILES} a run returns")
    print(f"[gpu_check] wrote {', '.join(written)} to {out}")
    return 0 if all(s["status"] == "passed" for s in steps) else 1


if __name__ == "__main__":
    sys.exit(main())
