"""The experiments framework: each experiment states its claim and rule, prints its table
and one verdict line, and records JSON; their building blocks are checked against
closed forms computed here. Every experiment's --quick run is in the slow suite."""

import json
import os
import subprocess
import sys

import pytest

from minitorch_cnn import nn
from minitorch_cnn.experiments import EXPERIMENTS, Outcome, Settings, experiment, format_table, run_experiment
from minitorch_cnn.experiments.costs import _costs, _Inception
from minitorch_cnn.experiments.fields import _stage


def test_an_outcome_takes_only_the_three_verdicts():
    with pytest.raises(ValueError, match="verdict must be one of"):
        Outcome(["a"], [], "maybe", "")
    assert Outcome(["a"], [], "partly", "half of it").verdict_line == "verdict: partly: half of it"
    assert Outcome(["a"], [], "reproduced", "all of it").verdict_line == "verdict: reproduced"


def test_the_table_aligns_numbers_right_and_text_left():
    table = format_table(Outcome(["name", "value"], [{"name": "a", "value": 1.5}, {"name": "long name", "value": 12}],
                                 "reproduced", ""))
    assert table.split("\n") == ["name       value", "---------  -----", "a            1.5", "long name     12"]


def test_a_run_prints_claim_rule_table_and_verdict_and_records_json(tmp_path):
    lines = []
    outcome = run_experiment(EXPERIMENTS["receptive-field"], Settings(quick=True), out=str(tmp_path),
                             echo=lines.append)
    assert lines[0].startswith("receptive-field: ") and lines[2].startswith("rule: ")
    assert lines[-2] == outcome.verdict_line and lines[-2].startswith("verdict: ")
    record = json.loads((tmp_path / "receptive-field.json").read_text())
    assert record["verdict"] == outcome.verdict and record["rows"] == outcome.rows
    assert record["settings"] == {"quick": True, "seed": 0, "device": "cpu"}
    assert [p for p in os.listdir(tmp_path) if p.startswith(".tmp-")] == []
    pytest.importorskip("matplotlib")
    assert record["plots"] == ["receptive-field-growth.png"] and (tmp_path / "receptive-field-growth.png").stat().st_size


def test_the_inception_costs_are_the_closed_forms():
    """Multiply-adds of the 3a module on 28x28x192, counted by summary, against the sum of
    H·W·C_out·K²·C_in over its convolutions written out here."""
    hw = 28 * 28
    naive = hw * (64 * 192 + 128 * 9 * 192 + 32 * 25 * 192)
    reduced = hw * (64 * 192 + 96 * 192 + 128 * 9 * 96 + 16 * 192 + 32 * 25 * 16 + 32 * 192)
    shape = (192, 64, 96, 128, 16, 32, 32)
    assert _costs(_Inception(*shape, reduced=False), (192, 28, 28))[1] == naive
    assert _costs(_Inception(*shape, reduced=True), (192, 28, 28))[1] == reduced


@pytest.mark.parametrize("m, n, k", [(8, 16, 3), (32, 64, 5), (3, 7, 1)])
def test_a_separable_convolution_costs_one_over_n_plus_one_over_k_squared(m, n, k):
    standard = nn.Conv2d(m, n, k, padding=k // 2, bias=False)
    separable = nn.Sequential(nn.Conv2d(m, m, k, padding=k // 2, groups=m, bias=False), nn.Conv2d(m, n, 1, bias=False))
    (w_std, c_std), (w_sep, c_sep) = _costs(standard, (m, 9, 9)), _costs(separable, (m, 9, 9))
    assert (w_std, w_sep) == (k * k * m * n, k * k * m + m * n)
    assert c_sep / c_std == pytest.approx(1 / n + 1 / k ** 2, rel=1e-12)


def test_the_two_stages_compared_see_five_pixels_with_18_and_25_weights_per_channel_pair():
    two, one = _stage("two 3x3", 4), _stage("one 5x5", 4)
    assert sum(p.numel() for n, p in two.named_parameters() if n.endswith("weight")) == 18 * 16
    assert sum(p.numel() for n, p in one.named_parameters() if n.endswith("weight")) == 25 * 16


def test_an_unknown_experiment_is_named_with_the_list():
    with pytest.raises(ValueError, match="no experiment 'nope'; the experiments: init, batch-norm"):
        experiment("nope")


def _command(*arguments, cwd=None):
    return subprocess.run([sys.executable, "-m", "minitorch_cnn", "experiment", *arguments], capture_output=True,
                          text=True, cwd=cwd, env=dict(os.environ, MINITORCH_CNN_KEEP_BLAS="1"), timeout=900)


def test_the_list_names_every_experiment_with_its_minutes():
    result = _command("--list")
    assert result.returncode == 0, result.stderr
    for name, entry in EXPERIMENTS.items():
        line = next(line for line in result.stdout.splitlines() if line.startswith(name + " "))
        assert entry.claim in line and line.split()[-2:] == [f"{entry.minutes_quick:g}", f"{entry.minutes_full:g}"]


@pytest.mark.parametrize("arguments, message", [([], "give an experiment's name, or --list"),
                                                (["nope"], "no experiment 'nope'"),
                                                (["--list", "separable"], "--list takes no experiment name")])
def test_bad_command_lines_are_one_line_and_exit_2(arguments, message):
    result = _command(*arguments)
    assert result.returncode == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_every_quick_run_ends_with_a_verdict_line(name, tmp_path):
    result = _command(name, "--quick", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    verdict = [line for line in result.stdout.splitlines() if line.startswith("verdict: ")]
    assert len(verdict) == 1 and verdict[0].split(": ")[1].split(":")[0] in ("reproduced", "not reproduced", "partly")
    assert json.loads((tmp_path / f"{name}.json").read_text())["verdict"] in verdict[0]


def test_the_pages_results_are_the_recorded_runs():
    """docs/experiments.md's result blocks are written from docs/experiments/*.json by
    tools/experiments_page.py: a number typed by hand, or a record changed without the
    page, fails here. Every experiment has its block and its record."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "tools"))
    import experiments_page

    blocks = experiments_page.BLOCK.findall((root / "docs" / "experiments.md").read_text())
    assert sorted(name for _, name, _, _ in blocks) == sorted(EXPERIMENTS)
    assert experiments_page.main(["--check"]) == 0
