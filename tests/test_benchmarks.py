"""The benchmark harness runs end to end (on a tiny shape, without PyTorch) and reports
what it promises: both implementations, GFLOP/s, a table and JSON. Nothing here asserts
a time: performance is shown by the benchmarks, never by a test."""

import json

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
