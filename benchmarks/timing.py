"""Timing helpers: warm up first (Numba compiles on first call), then medians of repeats.

Our machines are small VMs whose speed drifts from second to second (neighbours, steal
time): the same PyTorch convolution measured 38 to 71 ms in consecutive runs. Comparisons
therefore interleave the implementations round by round (``interleaved_medians``), so that
every implementation sees the same drift and the *ratios* stay meaningful.
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


def interleaved_medians(runs: dict, repeats: int, warmup: int = 1, budget: float | None = None) -> dict:
    """{name: median seconds} for each ``runs[name]()``, timed in alternation: one call of
    each per round. With ``budget`` (seconds), stops after the round that exceeds it (at
    least 3 rounds).

    Each timed call follows an untimed call of the same implementation: switching costs
    (OpenBLAS's worker threads spin for a while after a GEMM, OpenMP's after a PyTorch call,
    and on two cores that slowed whatever ran next by up to 1.7x; caches hold the other's
    data) then fall on the untimed call. Sleeping between calls instead cost PyTorch's
    backward 11 ms of thread wake-up, so no implementation idles before its timing."""
    for run in runs.values():
        for _ in range(warmup):
            run()
    times = {name: [] for name in runs}
    spent = 0.0
    for round_number in range(repeats):
        for name, run in runs.items():
            run()  # absorbs the cost of switching from the previous implementation
            start = time.perf_counter()
            run()
            elapsed = time.perf_counter() - start
            times[name].append(elapsed)
            spent += elapsed
        if budget is not None and round_number >= 2 and spent > budget:
            break
    return {name: statistics.median(values) for name, values in times.items()}


def text_table(header, lines) -> str:
    """``lines`` (tuples of cells) under ``header``, in left-aligned columns, as every suite prints."""
    widths = [max(len(str(row[i])) for row in list(lines) + [header]) for i in range(len(header))]
    fmt = lambda row: "  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip()  # noqa: E731
    return "\n".join([fmt(header), fmt(["-" * w for w in widths])] + [fmt(row) for row in lines])
