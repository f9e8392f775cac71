"""What an experiment is, and how one is run and recorded.

An ``Experiment`` states a claim from the lectures or a paper, where it comes from, the
rule that decides from the numbers whether it reproduced, and how long it takes. Its
``run(settings)`` measures and returns an ``Outcome``: a table of the numbers, the
verdict the rule gives (``reproduced``, ``not reproduced`` or ``partly: <why>``), and
plots to draw. ``run_experiment`` prints the claim and the rule first, then the table and
the verdict line, and writes ``NAME.json`` (the claim, the rule, the settings, the rows,
the verdict) and the plots into the output folder. The verdict is the data's: no
setting is tuned towards one.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import tempfile
import time
from typing import Callable

VERDICTS = ("reproduced", "not reproduced", "partly")


@dataclasses.dataclass(frozen=True)
class Settings:
    """How an experiment runs: ``quick`` (under 2 minutes on 2 cores) or full (under 15),
    the seed, the device."""

    quick: bool = False
    seed: int = 0
    device: str = "cpu"


@dataclasses.dataclass
class Outcome:
    """An experiment's measured numbers (``rows``, each a dict with the ``columns``), the
    verdict, why (for ``partly``, and said for the others too), and plot functions
    ``(name, draw(axes))`` that draw one figure each."""

    columns: list
    rows: list
    verdict: str
    why: str
    plots: list = dataclasses.field(default_factory=list)
    notes: list = dataclasses.field(default_factory=list)

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"Outcome: verdict must be one of {VERDICTS}, got {self.verdict!r}")

    @property
    def verdict_line(self) -> str:
        return f"verdict: {self.verdict}" + (f": {self.why}" if self.verdict == "partly" else "")


@dataclasses.dataclass(frozen=True)
class Experiment:
    """A claim and the experiment that tests it."""

    name: str
    claim: str
    source: str
    rule: str
    minutes_quick: float
    minutes_full: float
    run: Callable[[Settings], Outcome]


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def format_table(outcome: Outcome) -> str:
    """The rows as a plain-text table, columns as wide as their widest cell."""
    cells = [[_cell(row.get(column, "")) for column in outcome.columns] for row in outcome.rows]
    widths = [max(len(str(c)) for c in [column] + [r[i] for r in cells]) for i, column in enumerate(outcome.columns)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(outcome.columns, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.rjust(w) if _numeric(c) else c.ljust(w) for c, w in zip(row, widths)).rstrip()
              for row in cells]
    return "\n".join(lines)


def _numeric(text: str) -> bool:
    try:
        float(text.rstrip("%x"))
        return True
    except ValueError:
        return False


def _write_atomically(path: str, text: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=folder)
    try:
        with os.fdopen(handle, "w") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _draw(outcome: Outcome, experiment: Experiment, out: str, echo) -> list:
    """Each plot as NAME-PLOT.png; without matplotlib (the ``plot`` extra), a note instead."""
    if not outcome.plots:
        return []
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        echo("plots skipped: they need matplotlib (pip install -e \".[plot]\")")
        return []
    written = []
    for plot_name, draw in outcome.plots:
        figure, axes = plt.subplots(figsize=(6.4, 4.2))
        draw(axes)
        axes.set_title(axes.get_title() or f"{experiment.name}: {plot_name}")
        figure.tight_layout()
        path = os.path.join(out, f"{experiment.name}-{plot_name}.png")
        figure.savefig(path, dpi=110)
        plt.close(figure)
        written.append(path)
    return written


def run_experiment(experiment: Experiment, settings: Settings, out: str | None = None, echo=print) -> Outcome:
    """Print the claim and the rule, run, print the table and the verdict; with ``out``,
    write NAME.json and the plots there."""
    from .. import backend

    echo(f"{experiment.name}: {experiment.claim}")
    echo(f"source: {experiment.source}")
    echo(f"rule: {experiment.rule}")
    echo(f"settings: {'quick' if settings.quick else 'full'}, seed {settings.seed}, device {settings.device}")
    echo("")
    backend.manual_seed(settings.seed)
    started = time.perf_counter()
    outcome = experiment.run(settings)
    seconds = time.perf_counter() - started
    echo(format_table(outcome))
    for note in outcome.notes:
        echo(note)
    echo("")
    echo(outcome.verdict_line)
    if out is not None:
        os.makedirs(out, exist_ok=True)
        plots = _draw(outcome, experiment, out, echo)
        record = {"experiment": experiment.name, "claim": experiment.claim, "source": experiment.source,
                  "rule": experiment.rule, "settings": dataclasses.asdict(settings), "columns": outcome.columns,
                  "rows": outcome.rows, "notes": outcome.notes, "verdict": outcome.verdict, "why": outcome.why,
                  "seconds": round(seconds, 2), "plots": [os.path.basename(p) for p in plots],
                  "machine": {"python": platform.python_version(), "processor": platform.machine(),
                              "cpus": os.cpu_count()}}
        _write_atomically(os.path.join(out, f"{experiment.name}.json"), json.dumps(record, indent=2) + "\n")
        echo(f"record and plots in {out}")
    return outcome
