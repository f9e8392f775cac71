"""The benchmark harness runs end to end (on a tiny shape, without PyTorch) and reports
what it promises: both implementations, GFLOP/s, a table and JSON; the cuda path (over the
CuPy stand-in or fake events), the models suite, its targets and the plot. Nothing here
asserts a time: performance is shown by the benchmarks, never by a test."""

import json

import pytest

from benchmarks import conv
from benchmarks.timing import interleaved_medians


def test_conv_benchmark_runs_and_reports(tmp_path):
    shapes = [conv.Shape("tiny", 2, 3, 8, 8, 4, 3, 1, 1), conv.Shape("tiny transposed", 2, 4, 4, 4, 3, 2, 2, 0,
                                                                     transposed=True)]
    rows, config = conv.run(shapes, repeats=2, reference=True, torch=False, budget=5.0)
    assert {(r["shape"], r["implementation"]) for r in rows} == {
        (s.name, impl) for s in shapes for impl in ("minitorch (fast)", "minitorch (fast, channels_last)", "minitorch (reference)")}
    for r in rows:
        assert r["forward_ms"] > 0 and r["forward_backward_ms"] > 0 and r["forward_backward_gflops"] > 0
        assert r["forward_backward_vs_torch"] is None
    assert "blas" in config and config["torch"] is None
    assert "fwd+bwd GFLOP/s" in conv.table(rows)
    saved = json.loads(open(conv.save(rows, config, str(tmp_path))).read())
    assert len(saved["rows"]) == len(rows)
    assert conv.save(rows, config, str(tmp_path), partial=True).endswith("conv-partial.json")


def test_interleaved_medians_calls_every_implementation_in_turn():
    calls = []
    medians = interleaved_medians({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, repeats=3)
    assert set(medians) == {"a", "b"}
    # one warm-up each, then per round: an untimed and a timed call of a, then of b
    assert calls == ["a", "b"] + ["a", "a", "b", "b"] * 3


def test_flops_follow_the_convolution_formula():
    shape = conv.Shape("s", 2, 4, 8, 8, 6, 3, 2, 1, groups=2)
    out = (8 + 2 - 3) // 2 + 1
    assert shape.flops() == 2 * 2 * 6 * out * out * (4 // 2) * 9


def test_separable_benchmark_runs_and_counts_like_the_lectures(tmp_path):
    from benchmarks import separable

    case = separable.Case("tiny", 2, 8, 16, 6)
    rows, config = separable.run([case], repeats=2, torch=False, budget=5.0)
    assert {(r["implementation"], r["form"]) for r in rows} == {("minitorch", "standard"), ("minitorch", "separable")}
    assert all(r["forward_ms"] > 0 and r["forward_backward_ms"] > 0 for r in rows)
    # the lectures' 8 -> 16 channel example, per output position: 1,152 against 200 multiply-adds
    assert case.macs() == {"standard": 1_152 * 36, "separable": 200 * 36}
    assert "fwd speed-up" in separable.table(rows)
    assert separable.save(rows, config, str(tmp_path)).endswith("separable.json")


def test_conv_rows_name_the_route_our_convolution_takes():
    shape = conv.Shape("tiny depthwise", 2, 4, 6, 6, 4, 3, 1, 1, groups=4)
    rows, _ = conv.run([shape], repeats=2, reference=False, torch=False, budget=5.0)
    assert {r["route"] for r in rows} == {"direct"}
    assert "direct" in conv.table(rows)


@pytest.mark.cpu_only("it counts the CPU convolution routes' layout copies")
def test_layout_benchmark_runs_both_memory_formats_on_a_whole_network(tmp_path):
    from benchmarks import layout

    case = layout.Case("tiny resnet_cifar", "resnet_cifar", 2, (3, 8, 8))
    rows, config = layout.run([case], repeats=2, budget=5.0)
    assert [r["layout"] for r in rows] == ["NCHW", "channels_last"]
    assert all(r["step_ms"] > 0 for r in rows) and rows[0]["vs_nchw"] == 1.0
    # the NCHW network copies every convolution's input into channels-last; the
    # channels_last one only where a route pads its copy (the chunked route)
    assert rows[1]["conv_input_copies"] < rows[0]["conv_input_copies"]
    assert "conv input copies" in layout.table(rows)
    assert layout.save(rows, config, str(tmp_path)).endswith("layout.json")


def test_against_summarises_each_row_over_rounds():
    from benchmarks import against

    rounds = {"this tree": [[{"shape": "a", "implementation": "x", "forward_ms": t, "note": "n"}] for t in (1, 3, 2)],
              "base": [[{"shape": "a", "implementation": "x", "forward_ms": t}] for t in (4, 4, 5)]}
    (row,) = against.summarise(rounds)
    assert row == {"row": "a / x", "metric": "forward_ms", "base_ms": 4, "this_tree_ms": 2, "this_tree_vs_base": 0.5}
    assert "this tree / base" in against.table([row])
    zero = {"this tree": [[{"case": "layer", "step_ms": 0.0}]], "base": [[{"case": "layer", "step_ms": 0.0}]]}
    assert against.summarise(zero)[0]["this_tree_vs_base"] is None  # a phase that takes no time has no ratio


# ---------------------------------------------------------------- devices, models, plot
class _FakeCuda:
    """A ``torch.cuda``-like module whose events report a fixed time and log every call,
    so that what ``cuda_medians`` does can be checked without a GPU or a clock."""

    def __init__(self, log, elapsed_ms=2.5):
        self.log, self.elapsed_ms = log, elapsed_ms
        fake = self

        class Event:
            def __init__(self, enable_timing=False):
                assert enable_timing
                fake.log.append("new")

            def record(self):
                fake.log.append("record")

            def synchronize(self):
                fake.log.append("wait end")

            def elapsed_time(self, end):
                return fake.elapsed_ms

        self.Event = Event

    def synchronize(self):
        self.log.append("synchronize")


def test_cuda_medians_synchronises_then_times_each_call_between_two_events():
    from benchmarks.timing import cuda_medians

    log = []
    cuda = _FakeCuda(log)
    medians = cuda_medians({"a": lambda: log.append("a"), "b": lambda: log.append("b")}, repeats=2, cuda=cuda)
    assert medians == {"a": 2.5e-3, "b": 2.5e-3}  # elapsed_time's milliseconds, as seconds
    timed = ["synchronize", "record", "record", "wait end"]  # the run sits between the two records
    one = lambda name: [name, "new", "new"] + timed[:2] + [name] + timed[2:]  # noqa: E731
    assert log == ["a", "b"] + (one("a") + one("b")) * 2  # warm-up, then untimed + timed per round


def test_cuda_medians_over_the_cupy_standin(standin_cuda):
    from benchmarks.timing import cuda_medians

    calls = []
    medians = cuda_medians({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, repeats=3)
    assert set(medians) == {"a", "b"} and all(value >= 0 for value in medians.values())
    assert calls == ["a", "b"] + ["a", "a", "b", "b"] * 3


def test_clocked_medians_times_each_implementation_on_its_own_clock():
    from benchmarks.timing import clocked_medians, cpu_seconds

    medians = clocked_medians({"host": lambda: None, "gpu": lambda: None},
                              {"host": cpu_seconds, "gpu": lambda run: run() or 7.0}, repeats=3)
    assert medians["gpu"] == 7.0 and 0 <= medians["host"] < 7.0


def test_quick_models_run_on_the_cpu_writes_results_and_says_why_no_cuda_columns(tmp_path, capsys):
    from benchmarks.__main__ import main

    assert main(["models", "--quick", "--no-torch", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "CUDA columns absent" in printed and "train images/s" in printed
    saved = json.loads((tmp_path / "models.json").read_text())  # another --out keeps the plain name
    (row,) = saved["rows"]
    assert row["implementation"] == "minitorch" and row["device"] == "cpu"
    assert row["train_images_per_s"] > 0 and row["eval_images_per_s"] > 0 and row["train_vs_torch"] is None
    assert saved["config"]["device"] == "cpu" and all("not measured" in line for line in saved["targets"])


def test_models_autotune_adds_a_row_with_its_measurements(tmp_path, capsys):
    from benchmarks.__main__ import main

    assert main(["models", "--quick", "--no-torch", "--autotune", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    saved = json.loads((tmp_path / "models.json").read_text())
    assert [r["implementation"] for r in saved["rows"]] == ["minitorch", "minitorch autotuned"]
    measured = saved["rows"][1]["autotune"]
    # LeNet-5's two convolutions, for the training step (conv1 without an input gradient)
    # and for the evaluation pass (forward only)
    assert sorted(tuple(m["work"]) for m in measured) == [("forward",), ("forward",), ("forward", "input_grad",
                                                          "weight_grad"), ("forward", "weight_grad")]
    assert all(m["ms"][m["chosen"]] == min(m["ms"].values()) and m["thresholds"] in m["ms"] for m in measured)
    assert saved["config"]["autotune"] is True
    assert "autotuned convolution routes:" in printed and "4 convolution shapes measured" in printed
    import minitorch_cnn as mt

    assert not mt.kernels.conv.autotune.enabled() and mt.kernels.conv_autotune_records() == []


def test_the_autotune_report_names_the_worst_shape():
    from benchmarks import models

    shape = dict(input=[8, 16, 8, 8], weight=[16, 16, 3, 3], stride=[1, 1], work=["forward"])
    rows = [{"case": "a", "autotune": [dict(shape, ms={"winograd/tiles": 2.0, "pipelines": 1.6}, chosen="pipelines",
                                            thresholds="winograd/tiles"),
                                       dict(shape, ms={"chunks": 1.0, "pipelines": 3.0}, chosen="chunks",
                                            thresholds="chunks")]},
            {"case": "b", "autotune": [dict(shape, ms={"chunks": 1.0}, chosen="chunks", thresholds="chunks")]},
            {"case": "c"}]
    first, second = models.autotune_report(rows)
    assert first.startswith("a: 2 convolution shapes measured, the thresholds' route the fastest on 1; worst:")
    assert "the thresholds' winograd/tiles 2.00 ms, pipelines 1.60 ms (25% slower)" in first
    assert second == "b: 1 convolution shape measured, the thresholds' route the fastest on 1"


def test_device_cuda_without_a_gpu_exits_2_with_one_line(capsys):
    import minitorch_cnn as mt
    from benchmarks.__main__ import main

    if mt.cuda.is_available():
        pytest.skip("a GPU (or the stand-in) is there")
    assert main(["conv", "--device", "cuda"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "--device cuda: no GPU" in error and "--cuda-standin" in error


def test_the_standin_never_writes_into_benchmarks_results(capsys):
    from benchmarks.__main__ import main

    assert main(["models", "--device", "cuda", "--cuda-standin"]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["models", "--cuda-standin", "--out", "elsewhere"]) == 2  # the stand-in is for --device cuda


def test_cuda_standin_dry_run_of_the_models_suite(tmp_path):
    """The command tools/gpu_check.py's dry run gives, in its own process (the stand-in
    replaces cupy for the whole interpreter)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "benchmarks", "models", "--device", "cuda", "--cuda-standin",
                           "--quick", "--no-torch", "--out", str(tmp_path)], capture_output=True, text=True,
                          cwd=str(__import__("pathlib").Path(__file__).resolve().parents[1]), timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "timings are meaningless" in done.stdout
    saved = json.loads((tmp_path / "models-cuda.json").read_text())
    assert saved["config"]["cuda"]["standin"] is True
    assert [(r["implementation"], r["device"]) for r in saved["rows"]] == [("minitorch", "cpu"),
                                                                           ("minitorch (cuda)", "cuda")]
    assert saved["rows"][1]["train_gpu_speedup"] > 0
    assert len(saved["targets"]) == 3 and all("not measured" in line for line in saved["targets"])


def test_conv_on_cuda_adds_the_gpu_rows_and_their_speedup(standin_cuda, tmp_path):
    rows, config = conv.run(conv.QUICK, repeats=1, torch=False, device="cuda")
    assert [(r["implementation"], r["device"]) for r in rows] == [("minitorch (fast)", "cpu"),
                                                                  ("minitorch (cuda)", "cuda")]
    assert rows[1]["gpu_speedup"] == rows[0]["forward_backward_ms"] / rows[1]["forward_backward_ms"]
    assert rows[1]["route"] and config["cuda"]["standin"] is True
    assert "GPU speed-up (fwd+bwd)" in conv.table(rows) and "device" in conv.table(rows)
    assert conv.save(rows, config, str(tmp_path)).endswith("conv-cuda.json")


def test_models_targets_are_met_missed_or_not_measured():
    from benchmarks import models

    def row(case, label, train_ms, images_per_s=None):
        return {"case": case, "implementation": label, "train_ms": train_ms, "train_images_per_s": images_per_s}

    rows = [row("conv3x3 64->64, 56x56, batch 32", "minitorch (cuda)", 3.0),
            row("conv3x3 64->64, 56x56, batch 32", "pytorch (cuda)", 1.0),
            row("resnet18, batch 32, 3x224x224", "minitorch (cuda)", 0, 600.0),
            row("resnet18, batch 32, 3x224x224", "pytorch (cuda)", 0, 1000.0)]
    lines = models.targets(rows, {"device": "cuda", "cuda": {"standin": False}})
    assert lines[0].endswith("3.00x cuDNN's time: missed")
    assert lines[1].endswith("60%: met")
    assert "not measured" in lines[2]
    assert "meaningless" in models.targets(rows, {"device": "cuda", "cuda": {"standin": True}})[1]


def test_plot_draws_the_cpu_results_and_ignores_a_standin_run(tmp_path):
    pytest.importorskip("matplotlib")
    from benchmarks import plot

    rows = [{"case": "lenet5", "implementation": label, "device": "cpu", "train_images_per_s": speed,
             "eval_images_per_s": 3 * speed} for label, speed in (("minitorch", 1000.0), ("pytorch", 2000.0))]
    config = {"blas": {"numba_threads": 2}, "when": "now", "device": "cpu"}
    (tmp_path / "models.json").write_text(json.dumps({"config": config, "rows": rows}))
    standin = dict(config, device="cuda", cuda={"standin": True, "device": "CuPy stand-in"})
    (tmp_path / "models-cuda.json").write_text(json.dumps({"config": standin, "rows": rows}))
    assert plot.load(str(tmp_path), "models-cuda") is None
    written = plot.main(str(tmp_path), str(tmp_path / "figure.png"))
    assert (tmp_path / "figure.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and written.endswith("figure.png")


def test_torch_twins_take_our_weights():
    torch = pytest.importorskip("torch")
    import numpy as np

    from benchmarks import models, torch_models

    case = models.Case("tiny resnet18", "resnet18", 2, (3, 32, 32))
    ours = models.our_model(case)
    theirs, _ = torch_models.resnet18()
    assert torch_models.copy_weights(ours, theirs) == (122, 122)
    images, _ = models.batch_of(case)
    ours.eval(), theirs.eval()
    import minitorch_cnn as mt

    with mt.no_grad():
        expected = ours(mt.tensor(images, device="cpu").to(ours.fc.weight.device)).cpu().numpy()
    with torch.no_grad():
        np.testing.assert_allclose(theirs(torch.tensor(images)).numpy(), expected, rtol=1e-4, atol=1e-4)


def test_models_profile_prints_one_steps_ops_and_kernels(capsys):
    from benchmarks.__main__ import main

    assert main(["models", "--profile", "--quick"]) == 0
    printed = capsys.readouterr().out
    assert "## lenet5, digits, batch 32" in printed and "Conv2d backward" in printed and "SGD.step" in printed


def test_models_rows_carry_the_phase_split_and_peak_memory():
    from benchmarks import models

    rows, _ = models.run(models.QUICK, repeats=1, torch=False)
    (row,) = rows
    assert all(row[f"{phase}_ms"] > 0 for phase in ("forward", "backward", "step"))
    assert row["forward_ms"] + row["backward_ms"] + row["step_ms"] <= row["train_ms"] * 3  # medians of the same calls
    assert row["peak_rss_mb"] is None or row["peak_rss_mb"] >= 0


def test_peak_rss_sees_a_call_that_touches_memory():
    import numpy as np

    from benchmarks import memory

    def touch():
        block = np.ones(50_000_000 // 8)  # 50 MB, written
        return block.sum()

    peak = memory.peak_rss_mb(touch)
    if peak is None:
        pytest.skip("no /proc/self/statm here")
    assert peak > 40


def test_openblas_default_reruns_without_the_variables_or_says_none_is_set(tmp_path, monkeypatch, capsys):
    from benchmarks.__main__ import main

    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        monkeypatch.delenv(name, raising=False)
    assert main(["models", "--quick", "--no-torch", "--openblas-default", "--out", str(tmp_path)]) == 0
    assert "neither OPENBLAS_CORETYPE nor OPENBLAS_L2_SIZE is set" in capsys.readouterr().out
    # set here, for the parent's decision only: its own OpenBLAS loaded long ago
    monkeypatch.setenv("OPENBLAS_L2_SIZE", "1048576")
    assert main(["models", "--quick", "--no-torch", "--openblas-default", "--out", str(tmp_path)]) == 0
    child = json.loads((tmp_path / "openblas-default" / "models.json").read_text())
    assert child["config"]["blas"]["OPENBLAS_CORETYPE"] is None and child["rows"][0]["train_ms"] > 0


@pytest.mark.parametrize("suite", ["optimizers", "engine"])
def test_quick_optimizers_and_engine_suites_write_their_rows(suite, tmp_path):
    from benchmarks.__main__ import main

    assert main([suite, "--quick", "--no-torch", "--out", str(tmp_path)]) == 0
    saved = json.loads((tmp_path / f"{suite}.json").read_text())
    assert saved["rows"] and all(r["implementation"].startswith("minitorch") for r in saved["rows"])
