"""Measured route choice: time every route that can compute a convolution, once per shape,
and keep the fastest (what ``torch.backends.cudnn.benchmark = True`` does for cuDNN).

The automatic plan (``plan.py``) picks a route from thresholds measured on one machine.
They are close there (docs/performance.md, "Measured convolution routes", says how close
on the zoo's layers), but another machine has other caches, another BLAS kernel and another core count, and there the
thresholds can be wrong. With autotuning on, the first call of each shape runs every
candidate on random arrays of the call's shapes, dtype, device and memory format, and
that shape then takes the route measured fastest, until ``clear()``.

What is timed is the work the call will do (``plan.WORK``: the convolution, and the
gradients its op will need), because a training step runs all three kernels on one plan
and an evaluation pass runs only the first. Each candidate runs once untimed (Numba's
cached compilation and the first-touch page faults are not the route's cost) and then up
to ``REPEATS`` times, keeping the minimum: the least disturbed run, as ``timeit``
recommends. A candidate more than ``GIVE_UP`` times slower than the best so far is not
repeated. The measurement is a function of the shape only, never of the values, and
random arrays of the same shape take the same time: no data is read from the call.

A choice is not deterministic across runs (two routes within noise may swap), and the
routes' results differ by rounding (each route sums in its own order), so autotuning is
off by default, as cuDNN's benchmark mode is.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time

import numpy as np

from .. import parallel
from . import plan as _plan

# untimed runs per candidate, then timed runs at most (the minimum is kept)
WARMUP, REPEATS = 1, 3
# timed runs stop early once a candidate has taken this long in all
TIME_PER_CANDIDATE_S = 0.25
# a candidate this many times slower than the best so far is timed once only
GIVE_UP = 3.0

_enabled = False
_records: dict = {}
_lock = threading.RLock()


@dataclasses.dataclass(frozen=True)
class Measurement:
    """What autotuning measured for one shape: each candidate's best time in seconds (in
    the order measured), the route chosen, and what the thresholds would have chosen."""

    call: dict
    work: tuple
    times: tuple  # ((candidate label, seconds), ...)
    chosen: str
    threshold_choice: str

    def table(self) -> str:
        """One line per candidate, fastest first, the chosen one marked."""
        ordered = sorted(self.times, key=lambda item: item[1])
        return "\n".join(f"{'*' if label == self.chosen else ' '} {label:<20} {seconds * 1e3:9.3f} ms"
                         for label, seconds in ordered)


def enabled() -> bool:
    """Whether convolution plans are chosen by measurement now."""
    return _enabled


def set_enabled(flag: bool) -> None:
    """Turn measured route choice on or off, process-wide (measurements already made are
    kept: ``clear()`` forgets them)."""
    global _enabled
    if not isinstance(flag, (bool, np.bool_)):
        raise TypeError(f"set_conv_autotune: enabled must be a bool, got {type(flag).__name__} {flag!r}")
    _enabled = bool(flag)


@contextlib.contextmanager
def autotuning(flag: bool = True):
    """Measured route choice on (or off) while the block runs, as it was afterwards."""
    previous = _enabled
    set_enabled(flag)
    try:
        yield
    finally:
        set_enabled(previous)


def records() -> list:
    """Every measurement kept, one ``Measurement`` per shape, in the order they were made."""
    with _lock:
        return list(_records.values())


def clear() -> None:
    """Forget every measurement: the next call of each shape is measured again."""
    with _lock:
        _records.clear()


def _key(call, work):
    # everything a route's speed depends on besides the shape: the cores the per-core
    # routes use and the buffer budget they share
    return (tuple(sorted((name, str(value)) for name, value in call.items())), work, parallel.workers(),
            _plan.memory_budget(call["device"]))


def measured_plan(call, threshold_plan, work):
    """The plan for ``call`` on the route measured fastest for ``work`` (measured now, on
    the shape's first call), its reasons saying what was measured."""
    key = _key(call, work)
    with _lock:
        measurement = _records.get(key)
        if measurement is None:
            measurement = _measure(call, threshold_plan, work)
            _records[key] = measurement
    candidate = dict(_candidates(call, threshold_plan))[measurement.chosen]
    timings = "; ".join(f"{label} {seconds * 1e3:.2f} ms" for label, seconds in
                        sorted(measurement.times, key=lambda item: item[1]))
    reasons = (f"autotuned: measured fastest for {' + '.join(work)} (best of up to {REPEATS}): {timings}",
               f"the thresholds pick {measurement.threshold_choice}: {threshold_plan.reasons[0]}")
    return dataclasses.replace(candidate, reasons=reasons)


def _label(plan):
    return plan.route + (f"/{plan.split}" if plan.split else "")


def _candidates(call, threshold_plan):
    """(label, plan) for every route worth timing on ``call``: those that can compute it
    with kernels for its device, Winograd with either split where the shared buffers fit.
    The direct kernels are candidates for grouped convolutions only (on a dense one they
    are a loop over every input channel, minutes on a large layer), and the reference
    route only when it is what the thresholds chose (it has no faster building block)."""
    if threshold_plan.route == "reference":
        return [(_label(threshold_plan), threshold_plan)]
    routes = [r for r in _plan.ROUTES if r != "reference" and _plan.why_not(r, call) is None
              and not _plan._without_device_kernels(r, call["device"])]
    if call["groups"] == 1 and "direct" in routes:
        routes.remove("direct")
    if call["device"] == "cpu" and not parallel.workers():
        routes = [r for r in routes if r not in ("pipelines", "winograd")]
    plans = []
    for route in routes:
        splits = [None]
        if route == "winograd":
            splits = ["tiles"] + (["channels"] if _channel_split_fits(call) else [])
        for split in splits:
            plans.append(_plan.route_plan(call, route, split=split, reasons=("autotuned",)))
    if _label(threshold_plan) not in {_label(p) for p in plans}:
        plans.append(threshold_plan)
    return [(_label(p), p) for p in plans]


def _channel_split_fits(call):
    n = call["input_shape"][0]
    out_h, out_w = call["output_hw"]
    tiles = n * -(-out_h // 2) * -(-out_w // 2)
    widest = max(call["input_shape"][1], call["weight_shape"][0])
    return 2 * 16 * tiles * widest * call["dtype"].itemsize <= _plan.memory_budget(call["device"])


def _measure(call, threshold_plan, work):
    arrays = _random_arrays(call)
    sync = _synchronizer(call["device"])
    times, best = [], float("inf")
    for label, candidate in _candidates(call, threshold_plan):
        run = _runner(candidate, work, *arrays)
        for _ in range(WARMUP):
            run()
        sync()
        taken = []
        while len(taken) < REPEATS and sum(taken) < TIME_PER_CANDIDATE_S:
            start = time.perf_counter()
            run()
            sync()
            taken.append(time.perf_counter() - start)
            if taken[0] > GIVE_UP * best:
                break
        times.append((label, min(taken)))
        best = min(best, min(taken))
    chosen = min(times, key=lambda item: item[1])[0]
    return Measurement(call=dict(call), work=work, times=tuple(times), chosen=chosen,
                       threshold_choice=_label(threshold_plan))


def _random_arrays(call):
    """Input, weight and output gradient of the call's shapes, dtype, device and memory
    format (values from a fixed seed: the routes' time does not depend on them)."""
    xp = _array_module(call["device"])
    rng = np.random.default_rng(0)
    dtype = call["dtype"]

    def make(shape, channels_last):
        if channels_last:
            n, c, h, w = shape
            host = rng.standard_normal((n, h, w, c)).astype(dtype).transpose(0, 3, 1, 2)
        else:
            host = rng.standard_normal(shape).astype(dtype)
        return host if xp is np else _to_device(xp, host, channels_last)

    x = make(call["input_shape"], call["channels_last"])
    weight = make(call["weight_shape"], False)
    output_shape = (call["input_shape"][0], call["weight_shape"][0]) + call["output_hw"]
    grad = make(output_shape, call["channels_last"])
    return x, weight, grad


def _to_device(xp, host, channels_last):
    if channels_last:  # keep the strides: copy the NHWC block, then view it as NCHW
        return xp.asarray(np.ascontiguousarray(host.transpose(0, 2, 3, 1))).transpose(0, 3, 1, 2)
    return xp.asarray(host)


def _array_module(device):
    if device == "cpu":
        return np
    from ...backend import cupy_module  # kernels never import CuPy themselves

    return cupy_module()


def _synchronizer(device):
    if device == "cpu":
        return lambda: None
    cupy = _array_module(device)
    return lambda: cupy.cuda.Device().synchronize()


def _runner(candidate, work, x, weight, grad):
    """One call's kernels on ``candidate``, as the op runs them (both gradients through the
    route's combined backward, which reads the output gradient once for both)."""
    module = candidate.module

    def run():
        x_in = candidate.input_layout(x) if {"forward", "weight_grad"} & set(work) else None
        grad_in = candidate.grad_layout(grad) if {"input_grad", "weight_grad"} & set(work) else None
        if "forward" in work:
            module.forward(x_in, weight, None, candidate)
        if "input_grad" in work and "weight_grad" in work:
            module.backward(x_in, grad_in, weight, candidate)
        elif "input_grad" in work:
            module.input_grad(grad_in, weight, candidate)
        elif "weight_grad" in work:
            module.weight_grad(x_in, grad_in, candidate)

    return run

