"""``python -m benchmarks plot``: the GPU-vs-CPU comparison drawn from the results JSON, to
``docs/images/performance-gpu-vs-cpu.png`` (matplotlib, the ``plot`` extra; Agg backend, so
no display is needed).

It draws the ``models`` suite's images/s per case, training and evaluation, one bar per
implementation and device, from ``models-cuda.json`` when a GPU run left one (a stand-in
dry run never counts: its timings mean nothing), else from the CPU run's ``models.json``,
titled as CPU only. With ``conv-cuda.json`` there too, a third panel shows each
convolution's GPU speed-up over the CPU.
"""

from __future__ import annotations

import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUTPUT = os.path.join(ROOT, "docs", "images", "performance-gpu-vs-cpu.png")
COLOURS = {("minitorch", "cpu"): "#4c72b0", ("pytorch", "cpu"): "#9ecae1",
           ("minitorch (cuda)", "cuda"): "#dd8452", ("pytorch (cuda)", "cuda"): "#fdd0a2"}


def load(directory, stem):
    """The results of ``stem``, or None when absent or left by the CuPy stand-in."""
    path = os.path.join(directory, f"{stem}.json")
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        results = json.load(handle)
    return None if results["config"].get("cuda", {}).get("standin") else results


def _bars(axis, rows, metric, title):
    cases = list(dict.fromkeys(r["case"] for r in rows))
    series = list(dict.fromkeys((r["implementation"], r["device"]) for r in rows))
    height = 0.8 / len(series)
    for index, key in enumerate(series):
        values = {r["case"]: r[metric] for r in rows if (r["implementation"], r["device"]) == key}
        positions = [c + index * height for c, case in enumerate(cases) if case in values]
        axis.barh(positions, [values[case] for case in cases if case in values], height,
                  label=f"{key[0]} on {key[1]}" if "cuda" not in key[0] else key[0],
                  color=COLOURS.get(key, "#999999"))
    axis.set_yticks([c + 0.4 - height / 2 for c in range(len(cases))], cases)
    axis.invert_yaxis()
    axis.set_xscale("log")
    axis.set_xlabel("images/s (log scale; more is faster)")
    axis.set_title(title)
    axis.grid(axis="x", which="both", alpha=0.3)


def _speedups(axis, rows):
    gpu = [r for r in rows if r.get("gpu_speedup") is not None]
    labels = [f"{r['shape']} ({r['implementation'].split()[0]})" for r in gpu]
    axis.barh(range(len(gpu)), [r["gpu_speedup"] for r in gpu],
              color=[COLOURS.get((r["implementation"], "cuda"), "#999999") for r in gpu])
    axis.set_yticks(range(len(gpu)), labels, fontsize=7)
    axis.invert_yaxis()
    axis.set_xscale("log")
    axis.axvline(1.0, color="black", linewidth=0.8)
    axis.set_xlabel("GPU speed-up over the CPU, fwd+bwd (log scale)")
    axis.set_title("convolutions")


def main(results_dir: str, output: str | None = None) -> str:
    """Draw the figure; returns the path written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = load(results_dir, "models-cuda")
    on_gpu = models is not None
    models = models or load(results_dir, "models")
    if models is None:
        raise SystemExit(f"python -m benchmarks plot: no models.json or models-cuda.json in {results_dir}: "
                         "run python -m benchmarks models first")
    conv = load(results_dir, "conv-cuda") if on_gpu else None
    panels = 3 if conv else 2
    figure, axes = plt.subplots(1, panels, figsize=(6.5 * panels, 4.2), constrained_layout=True)
    _bars(axes[0], models["rows"], "train_images_per_s", "training step (fwd + loss + bwd + SGD)")
    _bars(axes[1], models["rows"], "eval_images_per_s", "evaluation (forward, no graph)")
    if conv:
        _speedups(axes[2], conv["rows"])
    axes[0].legend(loc="lower right", fontsize=8)
    config = models["config"]
    if on_gpu:
        title = f"GPU vs CPU: {config['cuda']['device']} against the CPU ({config['when']})"
    else:
        title = (f"CPU only: no GPU results (benchmarks/results/*-cuda.json absent); "
                 f"{config['blas'].get('numba_threads')} threads ({config['when']})")
    figure.suptitle(title)
    output = output or DEFAULT_OUTPUT
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    figure.savefig(output, dpi=110)
    plt.close(figure)
    return output
