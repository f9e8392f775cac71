"""This tree against an earlier commit, on the same machine in the same session:
``python -m benchmarks against REV SUITE [--rounds 3] [--repeats 5] [--only NAME]``.

Two versions of the library cannot be imported into one process, so the comparison runs
each version's suite in its own process, alternately (this tree, REV, REV, this tree, ...),
``--rounds`` times, and reports per row the median over rounds of each version's medians,
and their ratio (above 1: this tree is slower). Both versions run the same driver, this
tree's ``benchmarks`` package, so that only the library differs; REV is installed from
``git archive`` with pip into a temporary folder, as a wheel, which works for every commit
(older checkouts could not run their own kernels without an install).
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile

from .timing import text_table

ROOT = pathlib.Path(__file__).resolve().parents[1]
KEYS = ("shape", "case", "implementation", "layout")  # what identifies a row in every suite


def install(rev: str, folder: pathlib.Path) -> pathlib.Path:
    """The library at ``rev``, installed into ``folder``/site; returns that folder."""
    source, site = folder / "source", folder / "site"
    source.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site),
                    str(source)], check=True)
    return site


def _run_suite(suite, arguments, out, cwd, env):
    command = [sys.executable, "-m", "benchmarks", suite, "--no-reference", "--no-torch", "--out", str(out)]
    subprocess.run(command + arguments, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    (result,) = pathlib.Path(out).glob("*.json")
    return json.loads(result.read_text())["rows"]


def _key(row):
    return tuple(row[k] for k in KEYS if k in row)


def summarise(runs: dict) -> list:
    """``runs``: {version: [rows of one round, ...]} -> one row per key and ``*_ms`` metric,
    with each version's median over rounds and the ratio of "this tree" to "base"."""
    table = {}
    for version, rounds in runs.items():
        for rows in rounds:
            for row in rows:
                for metric, value in row.items():
                    if metric.endswith("_ms") and value is not None:
                        table.setdefault((_key(row), metric), {}).setdefault(version, []).append(value)
    summary = []
    for (key, metric), values in table.items():
        medians = {version: statistics.median(v) for version, v in values.items()}
        # a phase that takes no time (the optimizer step of a single-layer case) has no ratio
        ratio = (medians["this tree"] / medians["base"] if {"this tree", "base"} <= set(medians) and medians["base"]
                 else None)
        summary.append({"row": " / ".join(map(str, key)), "metric": metric, "base_ms": medians.get("base"),
                        "this_tree_ms": medians.get("this tree"), "this_tree_vs_base": ratio})
    return summary


def table(summary) -> str:
    header = ("row", "metric", "base ms", "this tree ms", "this tree / base")
    number = lambda v, digits: "" if v is None else f"{v:.{digits}f}"  # noqa: E731
    lines = [(s["row"], s["metric"], number(s["base_ms"], 2), number(s["this_tree_ms"], 2),
              number(s["this_tree_vs_base"], 3)) for s in summary]
    return text_table(header, lines)


def main(rev, suite, rounds=3, repeats=5, only=None, out=None):
    from tqdm import tqdm

    out = pathlib.Path(out or ROOT / "benchmarks" / "results")
    arguments = ["--repeats", str(repeats)] + (["--only", only] if only else [])
    with tempfile.TemporaryDirectory(prefix="minitorch-against-") as scratch:
        scratch = pathlib.Path(scratch)
        site = install(rev, scratch / "base")
        driver = scratch / "driver"
        shutil.copytree(ROOT / "benchmarks", driver / "benchmarks", ignore=shutil.ignore_patterns("results"))
        versions = {
            "this tree": (ROOT, {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}),
            "base": (driver, dict(os.environ, PYTHONPATH=str(site))),
        }
        runs = {name: [] for name in versions}
        order = list(versions)
        progress = tqdm(total=2 * rounds, desc=f"{suite} against {rev}", unit="run")
        for round_number in range(rounds):
            for name in order if round_number % 2 == 0 else order[::-1]:  # ABBA: neither always goes first
                cwd, env = versions[name]
                folder = scratch / "out" / f"{name.replace(' ', '-')}-{round_number}"
                runs[name].append(_run_suite(suite, arguments, folder, cwd, env))
                progress.update()
        progress.close()
    summary = summarise(runs)
    print(table(summary))
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"against-{suite}.json"
    path.with_suffix(".tmp").write_text(json.dumps({"rev": rev, "rounds": rounds, "repeats": repeats, "only": only,
                                                    "summary": summary, "runs": runs}, indent=1))
    os.replace(path.with_suffix(".tmp"), path)
    print(f"\nJSON: {path}")
    return 0
