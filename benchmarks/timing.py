"""Timing helpers: warm up first (Numba compiles on first call), then medians of repeats.

Our machines are small VMs whose speed drifts from second to second (neighbours, steal
time): the same PyTorch convolution measured 38 to 71 ms in consecutive runs. Comparisons
therefore interleave the implementations round by round (``interleaved_medians``), so that
every implementation sees the same drift and the *ratios* stay meaningful.

On a GPU, launches are asynchronous: a call returns once its kernels are queued, so host
wall time measures the queueing, not the work. ``cuda_medians`` times each call with a
pair of CUDA events recorded on the stream around it, after a synchronisation (nothing
queued before the start event) and waits for the end event before reading the elapsed
time. ``clocked_medians`` interleaves CPU and GPU implementations in the same rounds, each
timed by its own clock.
"""

from __future__ import annotations

import statistics
import time


def median_seconds(run, repeats: int, warmup: int = 1, budget: float | None = None) -> float:
    """Median wall time of ``run()`` over ``repeats`` calls after ``warmup`` untimed calls.
    With ``budget`` (seconds), stops repeating once the timed calls have used it (at least 3)."""
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
        if budget is not None and len(times) >= 3 and sum(times) > budget:
            break
    return statistics.median(times)


def cpu_seconds(run) -> float:
    """Host wall time of one call of ``run()``."""
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def cuda_clock(cuda=None):
    """A clock (``run -> seconds``) that times a call with CUDA events. ``cuda`` is a module
    with ``torch.cuda``'s ``Event(enable_timing=True)`` and ``synchronize()``:
    ``minitorch_cnn.cuda`` (the default, CuPy's stream) or ``torch.cuda`` (PyTorch's)."""
    if cuda is None:
        import minitorch_cnn.cuda as cuda

    def seconds(run) -> float:
        start, end = cuda.Event(enable_timing=True), cuda.Event(enable_timing=True)
        cuda.synchronize()  # the start event must not wait behind work queued earlier
        start.record()
        run()
        end.record()
        end.synchronize()
        return start.elapsed_time(end) / 1e3  # elapsed_time is in milliseconds

    return seconds


def clocked_medians(runs: dict, clocks: dict, repeats: int, warmup: int = 1, budget: float | None = None) -> dict:
    """{name: median seconds} for each ``runs[name]()`` timed by ``clocks[name]`` (``cpu_seconds``
    or a ``cuda_clock``), in alternation: one call of each per round. With ``budget``
    (seconds), stops after the round that exceeds it (at least 3 rounds).

    Each timed call follows an untimed call of the same implementation: switching costs
    (OpenBLAS's worker threads spin for a while after a GEMM, OpenMP's after a PyTorch call,
    and on two cores that slowed whatever ran next by up to 1.7x; caches hold the other's
    data) then fall on the untimed call. Sleeping between calls instead cost PyTorch's
    backward 11 ms of thread wake-up, so no implementation idles before its timing. A GPU
    implementation gets the same untimed call: each of its launches is Python work on the
    host, which the CPU implementations' spinning threads would slow down just the same."""
    for name, run in runs.items():
        for _ in range(warmup):
            run()
    times = {name: [] for name in runs}
    spent = 0.0
    for round_number in range(repeats):
        for name, run in runs.items():
            run()  # absorbs the cost of switching from the previous implementation
            elapsed = clocks[name](run)
            times[name].append(elapsed)
            spent += elapsed
        if budget is not None and round_number >= 2 and spent > budget:
            break
    return {name: statistics.median(values) for name, values in times.items()}


def interleaved_medians(runs: dict, repeats: int, warmup: int = 1, budget: float | None = None) -> dict:
    """``clocked_medians`` with every implementation on the CPU, timed by host wall time."""
    return clocked_medians(runs, dict.fromkeys(runs, cpu_seconds), repeats, warmup, budget)


def cuda_medians(runs: dict, repeats: int, warmup: int = 1, budget: float | None = None, cuda=None) -> dict:
    """``clocked_medians`` with every implementation on the GPU, each call timed with CUDA
    events after a synchronisation. ``cuda``: the events' module for all of them, or
    {name: module} (``torch.cuda`` for PyTorch's, whose stream CuPy's events do not see);
    default ``minitorch_cnn.cuda``."""
    modules = cuda if isinstance(cuda, dict) else dict.fromkeys(runs, cuda)
    clocks = {name: cuda_clock(modules.get(name)) for name in runs}
    return clocked_medians(runs, clocks, repeats, warmup, budget)


def text_table(header, lines) -> str:
    """``lines`` (tuples of cells) under ``header``, in left-aligned columns, as every suite prints."""
    widths = [max(len(str(row[i])) for row in list(lines) + [header]) for i in range(len(header))]
    fmt = lambda row: "  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip()  # noqa: E731
    return "\n".join([fmt(header), fmt(["-" * w for w in widths])] + [fmt(row) for row in lines])
