"""Measured route choice (``kernels/conv/autotune.py``): each shape's candidates are timed
once and the fastest is kept; the timings here come from a fake clock, so the choice they
must lead to is known in advance. Also: what is a candidate, what is timed (the call's
work), what overrides autotuning, and that an autotuned convolution computes what the
reference kernels compute."""

import numpy as np
import pytest

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import kernels
from minitorch_cnn.kernels.conv import autotune
from tests.helpers import host


@pytest.fixture
def fake_clock(monkeypatch):
    """Every candidate's run advances a fake clock by ``cost[label]`` seconds (default
    1 s); ``runs`` counts the runs per label and records the work each was asked for."""
    state = {"now": 0.0, "cost": {}, "runs": {}, "work": {}}
    monkeypatch.setattr(autotune.time, "perf_counter", lambda: state["now"])

    def runner(candidate, work, *arrays):
        label = autotune._label(candidate)
        state["work"][label] = work

        def run():
            state["runs"][label] = state["runs"].get(label, 0) + 1
            state["now"] += state["cost"].get(label, 1.0)
        return run

    monkeypatch.setattr(autotune, "_runner", runner)
    return state


def plan_of(x_shape, w_shape, device, **options):
    return F.conv2d_plan(mt.randn(*x_shape, device=device), mt.randn(*w_shape, device=device), **options)


def candidate_labels(x_shape, w_shape, device, **options):
    kernels.clear_conv_autotune()
    with kernels.conv_autotune():
        plan_of(x_shape, w_shape, device, **options)
    (measurement,) = kernels.conv_autotune_records()
    return [label for label, _ in measurement.times]


@pytest.mark.cpu_only("the per-core routes are CPU routes")
def test_the_fastest_candidate_is_chosen_whatever_the_thresholds_say(fake_clock):
    fake_clock["cost"] = {"winograd/tiles": 0.5, "pipelines": 0.2, "chunks": 0.9}
    assert plan_of((8, 16, 8, 8), (16, 16, 3, 3), "cpu", padding=1).route == "winograd"  # the thresholds' pick
    with kernels.conv_autotune():
        plan = plan_of((8, 16, 8, 8), (16, 16, 3, 3), "cpu", padding=1)
    assert plan.route == "pipelines" and not plan.forced
    assert "autotuned" in plan.explain() and "the thresholds pick winograd/tiles" in plan.explain()
    (measurement,) = kernels.conv_autotune_records()
    assert measurement.chosen == "pipelines" and measurement.threshold_choice == "winograd/tiles"
    assert dict(measurement.times) == pytest.approx({"chunks": 0.9, "pipelines": 0.2, "winograd/tiles": 0.5,
                                                     "winograd/channels": 1.0})
    assert measurement.table().splitlines()[0].split() == ["*", "pipelines", "200.000", "ms"]


@pytest.mark.cpu_only("the per-core routes are CPU routes")
def test_a_shape_is_measured_once_until_cleared(fake_clock):
    with kernels.conv_autotune():
        for _ in range(3):
            plan_of((8, 16, 8, 8), (16, 16, 3, 3), "cpu", padding=1)
        runs_once = dict(fake_clock["runs"])
        plan_of((8, 16, 8, 8), (16, 16, 3, 3), "cpu", padding=2)  # another shape: measured too
        assert len(kernels.conv_autotune_records()) == 2
        kernels.clear_conv_autotune()
        plan_of((8, 16, 8, 8), (16, 16, 3, 3), "cpu", padding=1)
    # one untimed run and then REPEATS timed ones (1 s each, under the time limit's
    # check only once the first is over) per candidate, per measurement
    per_candidate = autotune.WARMUP + 1
    assert set(runs_once.values()) == {per_candidate}
    assert all(count == 3 * per_candidate for count in fake_clock["runs"].values())


@pytest.mark.cpu_only("the per-core routes are CPU routes")
def test_a_candidate_far_slower_than_the_best_is_timed_once(fake_clock, monkeypatch):
    monkeypatch.setattr(autotune, "TIME_PER_CANDIDATE_S", 100.0)  # every candidate may repeat
    fake_clock["cost"] = {"chunks": 0.1, "pipelines": 10.0, "winograd/tiles": 0.2}
    with kernels.conv_autotune():
        plan_of((8, 16, 8, 8), (16, 16, 3, 3), "cpu", padding=1)
    runs = fake_clock["runs"]
    order = [label for label, _ in kernels.conv_autotune_records()[0].times]
    assert order[0] == "chunks" and runs["chunks"] == autotune.WARMUP + autotune.REPEATS
    assert runs["pipelines"] == autotune.WARMUP + 1
    assert runs["winograd/tiles"] == autotune.WARMUP + autotune.REPEATS


@pytest.mark.cpu_only("the per-core routes are CPU routes")
def test_the_candidates_are_the_routes_that_can_compute_the_call():
    assert candidate_labels((8, 16, 8, 8), (16, 16, 3, 3), "cpu", padding=1)[:2] == ["chunks", "pipelines"]
    assert "winograd/tiles" in candidate_labels((8, 16, 8, 8), (16, 16, 3, 3), "cpu", padding=1)
    # not 3x3 stride 1: no Winograd; ungrouped: no direct loops
    assert candidate_labels((4, 8, 9, 9), (8, 8, 3, 3), "cpu", stride=2) == ["chunks", "pipelines"]
    assert candidate_labels((4, 8, 6, 6), (8, 8, 1, 1), "cpu") == ["chunks", "pointwise", "pipelines"]
    assert candidate_labels((4, 8, 6, 6), (8, 1, 3, 3), "cpu", padding=1, groups=8) == ["chunks", "direct",
                                                                                         "pipelines"]


def test_on_a_device_the_candidates_are_its_routes(standin_cuda):
    labels = candidate_labels((4, 8, 6, 6), (8, 8, 3, 3), "cuda", padding=1)
    assert labels == ["chunks"]
    assert candidate_labels((4, 8, 6, 6), (8, 1, 3, 3), "cuda", padding=1, groups=8) == ["chunks", "direct"]


def test_the_timed_work_is_what_the_call_will_run(fake_clock, device):
    x, w = mt.randn(2, 4, 6, 6, device=device, requires_grad=True), mt.randn(4, 4, 3, 3, device=device,
                                                                              requires_grad=True)
    frozen = mt.randn(4, 4, 3, 3, device=device)
    with kernels.conv_autotune():
        F.conv2d(x, w, padding=1)
        with mt.no_grad():
            F.conv2d(x, w, padding=1)
        F.conv2d(x.detach(), w, padding=1)  # a first layer: no input gradient
        F.conv2d(x, frozen, padding=1)
        F.conv_transpose2d(x, w, stride=2, padding=1)  # as the adjoint of a conv2d of 11x11 images
        with mt.no_grad():
            F.conv_transpose2d(x, w, stride=2, padding=1)
    works = [m.work for m in kernels.conv_autotune_records()]
    assert works == [("forward", "input_grad", "weight_grad"), ("forward",), ("forward", "weight_grad"),
                     ("forward", "input_grad"), ("forward", "input_grad", "weight_grad"), ("input_grad",)]
    assert set(fake_clock["work"].values()) <= set(works)


@pytest.mark.cpu_only("the per-core routes are CPU routes")
def test_a_forced_route_and_the_reference_mode_win_over_autotuning(fake_clock):
    fake_clock["cost"] = {"pipelines": 0.1}
    with kernels.conv_autotune():
        with kernels.conv_route("chunks"):
            assert plan_of((8, 16, 8, 8), (16, 16, 3, 3), "cpu", padding=1).route == "chunks"
        with kernels.using("reference"):
            assert plan_of((8, 16, 8, 8), (16, 16, 3, 3), "cpu", padding=1).route == "reference"
    assert kernels.conv_autotune_records() == [] and fake_clock["runs"] == {}


def test_autotuning_is_off_by_default_and_the_block_restores_it():  # conftest turns it off again after
    assert not autotune.enabled()
    with kernels.conv_autotune():
        assert autotune.enabled()
        with kernels.conv_autotune(False):
            assert not autotune.enabled()
        assert autotune.enabled()
    assert not autotune.enabled()
    kernels.set_conv_autotune(True)
    assert autotune.enabled()


@pytest.mark.parametrize("bad", ["yes", 1, None])
def test_a_setting_that_is_not_a_bool_is_refused(bad):
    with pytest.raises(TypeError, match=f"set_conv_autotune: enabled must be a bool, got {type(bad).__name__}"):
        kernels.set_conv_autotune(bad)
    assert not autotune.enabled()


@pytest.mark.parametrize("autotuning", [True, False])
@pytest.mark.parametrize("bad", [(), ("forward", "backward"), "forward"])
def test_the_work_must_name_convolution_kernels(bad, autotuning):
    x = np.zeros((1, 2, 4, 4), np.float32)
    with kernels.conv_autotune(autotuning), pytest.raises(ValueError, match="work must be a non-empty collection"):
        kernels.conv_plan(x.shape, (2, 2, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1, like=x, work=bad)


def test_the_measured_arrays_have_the_call_s_memory_format(device):
    x = mt.randn(2, 3, 5, 4, device=device).to(memory_format=mt.channels_last)
    plan = F.conv2d_plan(x, mt.randn(6, 3, 3, 3, device=device))
    call = {name: getattr(plan, name) for name in ("input_shape", "weight_shape", "output_hw", "dtype", "device",
                                                    "channels_last")}
    arrays = autotune._random_arrays(call)
    assert [tuple(a.shape) for a in arrays] == [(2, 3, 5, 4), (6, 3, 3, 3), (2, 6, 3, 2)]
    assert all(mt.backend.xp_of(a) is mt.backend.xp_of(x.array) for a in arrays)
    assert [mt.backend.is_channels_last(a) for a in (arrays[0], arrays[2])] == [True, True]


@pytest.mark.parametrize("case", [dict(w=(8, 8, 3, 3), padding=1), dict(w=(8, 8, 3, 3), stride=2),
                                  dict(w=(8, 8, 1, 1)), dict(w=(8, 1, 3, 3), padding=1, groups=8),
                                  dict(w=(8, 4, 3, 3), padding=1, groups=2)],
                         ids=["3x3", "stride 2", "1x1", "depthwise", "groups 2"])
def test_an_autotuned_convolution_computes_what_the_reference_computes(device, case):
    case = dict(case)
    w_shape = case.pop("w")
    rng = np.random.default_rng(1)
    x0 = rng.standard_normal((3, 8, 7, 7))
    w0 = rng.standard_normal(w_shape)
    upstream = None

    def run():
        nonlocal upstream
        x = mt.tensor(x0, device=device, requires_grad=True)
        w = mt.tensor(w0, device=device, requires_grad=True)
        y = F.conv2d(x, w, **case)
        if upstream is None:
            upstream = rng.standard_normal(y.shape)
        y.backward(mt.tensor(upstream, device=device))
        return host(y), host(x.grad), host(w.grad)

    with kernels.using("reference"):
        expected = run()
    with kernels.conv_autotune():
        got = run()
    assert kernels.conv_autotune_records()  # measured, not the thresholds' plan
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-10)
