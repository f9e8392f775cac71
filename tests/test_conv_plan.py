"""The convolution plan: chosen once per call and reused by the backward, the same for the
same shapes, forced by name (with a clear error where a route does not apply), and
explained in words; the automatic choice follows the measured thresholds."""

import numpy as np
import pytest

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import kernels, nn
from minitorch_cnn.kernels import conv, parallel
from tests.helpers import host


@pytest.fixture
def count_choices(monkeypatch):
    calls = []
    original = conv.choose

    def counting(*args, **kwargs):
        plan = original(*args, **kwargs)
        calls.append(plan)
        return plan

    monkeypatch.setattr(conv, "choose", counting)
    return calls


@pytest.mark.parametrize("weight_shape,groups", [((8, 8, 3, 3), 1), ((8, 1, 3, 3), 8), ((8, 8, 1, 1), 1)],
                         ids=["dense", "depthwise", "pointwise"])
@pytest.mark.parametrize("needs", ["both", "input only", "weight only"])
def test_one_plan_per_call_serves_forward_and_backward(count_choices, weight_shape, groups, needs):
    x = mt.randn(2, 8, 6, 6, requires_grad=needs != "weight only")
    w = mt.randn(*weight_shape, requires_grad=needs != "input only")
    F.conv2d(x, w, padding=weight_shape[2] // 2, groups=groups).sum().backward()
    assert len(count_choices) == 1


def test_a_transposed_convolution_is_planned_once_too(count_choices):
    y = mt.randn(2, 4, 5, 5, requires_grad=True)
    w = mt.randn(4, 3, 3, 3, requires_grad=True)
    F.conv_transpose2d(y, w, stride=2, padding=1, output_padding=1).sum().backward()
    assert len(count_choices) == 1
    assert count_choices[0].input_shape == (2, 3, 10, 10) and count_choices[0].output_hw == (5, 5)


def test_the_plan_depends_on_shapes_not_values():
    first = F.conv2d_plan(mt.randn(4, 16, 8, 8), mt.randn(16, 16, 3, 3), padding=1)
    second = F.conv2d_plan(mt.zeros(4, 16, 8, 8), mt.ones(16, 16, 3, 3), padding=1)
    assert first == second
    assert F.conv2d_plan(mt.randn(4, 16, 8, 8, dtype=mt.float64), mt.randn(16, 16, 3, 3, dtype=mt.float64),
                         padding=1).dtype == mt.float64


@pytest.mark.cpu_only("the CPU plan: its thresholds, routes and worker counts")
def test_the_automatic_choice_follows_the_thresholds():
    def route(x_shape, w_shape, **options):
        return F.conv2d_plan(mt.randn(*x_shape), mt.randn(*w_shape), **options).route

    assert route((2, 8, 6, 6), (8, 1, 3, 3), padding=1, groups=8) == "direct"
    assert route((2, 32, 6, 6), (32, 4, 3, 3), padding=1, groups=8) == "direct"  # 4 channels a group: thin
    assert route((2, 8, 6, 6), (4, 8, 1, 1), stride=2) == "pointwise"
    with kernels.using("reference"):
        assert route((2, 8, 6, 6), (8, 1, 3, 3), padding=1, groups=8) == "reference"
    if parallel.workers() is None:  # not OpenBLAS: the per-core routes cannot take its threads
        assert route((8, 64, 16, 16), (64, 64, 3, 3), padding=1) == "chunks"
        return
    assert route((8, 64, 16, 16), (64, 64, 3, 3), padding=1) == "winograd"
    assert route((8, 8, 16, 16), (64, 8, 3, 3), padding=1) == "pipelines"  # too few channels for Winograd
    assert route((1, 64, 6, 6), (64, 64, 3, 3), padding=1) == "chunks"  # 9 tiles; 36 GEMM rows for 576 columns
    assert route((32, 64, 16, 16), (64, 64, 3, 3), padding=1, stride=2) == "pipelines"
    assert route((1, 512, 2, 2), (512, 512, 3, 3), padding=1) == "chunks"  # 4 GEMM rows for 4608 columns
    split = F.conv2d_plan(mt.randn(32, 512, 4, 4), mt.randn(512, 512, 3, 3), padding=1)
    assert (split.route, split.split) == ("winograd", "channels")


@pytest.mark.cpu_only("the CPU plan: its thresholds, routes and worker counts")
def test_forcing_a_route_and_its_parameters():
    x, w = mt.randn(4, 16, 8, 8), mt.randn(16, 16, 3, 3)
    with kernels.conv_route("pipelines", workers=3, budget=3000):
        plan = F.conv2d_plan(x, w, padding=1)
    assert (plan.route, plan.workers, plan.step_bytes, plan.forced) == ("pipelines", 3, 1000, True)
    with kernels.conv_route("chunks", budget=2 * 8 * 8 * 9 * 16 * 4):
        assert F.conv2d_plan(x, w, padding=1).chunk_images == 2
    with kernels.conv_route("winograd", split="channels"):
        assert F.conv2d_plan(x, w, padding=1).split == "channels"
    with kernels.conv_route("direct"):
        with kernels.conv_route("reference"):  # the innermost block wins, and is undone on exit
            assert F.conv2d_plan(x, w, padding=1).route == "reference"
        assert F.conv2d_plan(x, w, padding=1).route == "direct"
    assert not F.conv2d_plan(x, w, padding=1).forced


# on "cuda" the Winograd route is refused first for running on NumPy arrays (CPU threads)
_CPU_ROUTE = pytest.mark.cpu_only("the Winograd route's own conditions, checked on the CPU")


@pytest.mark.parametrize("route,call,message", [
    pytest.param("winograd", lambda: F.conv2d(mt.randn(1, 2, 6, 6), mt.randn(2, 2, 5, 5)), "Winograd F.*kernel 5x5",
                 marks=_CPU_ROUTE),
    pytest.param("winograd", lambda: F.conv2d(mt.randn(1, 2, 6, 6), mt.randn(2, 2, 3, 3), stride=2), "stride \\(2, 2\\)",
                 marks=_CPU_ROUTE),
    pytest.param("winograd", lambda: F.conv2d(mt.randn(1, 2, 6, 6), mt.randn(2, 1, 3, 3), groups=2), "groups 2",
                 marks=_CPU_ROUTE),
    ("pointwise", lambda: F.conv2d(mt.randn(1, 2, 6, 6), mt.randn(2, 2, 3, 3)), "1x1 kernels without padding"),
    ("pointwise", lambda: F.conv2d(mt.randn(1, 2, 6, 6), mt.randn(2, 2, 1, 1), padding=1), "padding"),
])
def test_forcing_a_route_that_does_not_apply_names_the_route_and_why(route, call, message):
    with kernels.conv_route(route), pytest.raises(ValueError, match=f"conv_route\\('{route}'\\) cannot.*{message}"):
        call()


@pytest.mark.parametrize("options,message", [
    (dict(route="fastest"), "route must be one of"),
    (dict(route="chunks", split="tiles"), "split must be one of"),
    (dict(route="winograd", split="rows"), "split must be one of"),
    (dict(route="chunks", workers=2), "workers apply to the per-core routes"),
    (dict(route="pipelines", workers=0), "workers must be a positive int"),
    (dict(route="pipelines", budget=-1), "budget must be a positive int"),
])
def test_bad_route_options_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        with kernels.conv_route(**options):
            pytest.fail("the options were refused only after the block started")


def test_a_planned_kernel_refuses_arrays_of_another_shape():
    x, w = np.ones((2, 3, 5, 5)), np.ones((4, 3, 3, 3))
    plan = kernels.conv_plan(x.shape, w.shape, (1, 1), (1, 1, 1, 1), (1, 1), 1, like=x)
    with pytest.raises(ValueError, match="input must have shape \\[2, 3, 5, 5\\].*got \\[2, 3, 6, 5\\]"):
        plan.input_layout(np.ones((2, 3, 6, 5)))
    with pytest.raises(ValueError, match="grad_output must have shape \\[2, 4, 5, 5\\]"):
        plan.grad_layout(np.ones((2, 4, 4, 4)))


@pytest.mark.cpu_only("the CPU plan: its thresholds, routes and worker counts")
def test_explain_says_which_route_and_why():
    x = mt.randn(2, 8, 6, 6)
    text = F.conv2d_plan(x, mt.randn(8, 1, 3, 3), padding=1, groups=8).explain()
    assert text.splitlines()[0] == ("conv2d [2, 8, 6, 6] -> [2, 8, 6, 6], kernel 3x3, stride (1, 1), padding "
                                    "(1, 1, 1, 1), dilation (1, 1), groups 8, float32 on cpu")
    assert text.splitlines()[1] == "route: direct"
    assert text.splitlines()[2].startswith("why: 8 groups of 1 input channel (at most 8)")
    with kernels.conv_route("chunks", budget=10**9):
        forced = F.conv2d_plan(x, mt.randn(8, 8, 3, 3), padding=1)
    assert forced.explain().splitlines()[1:] == ["route: chunks (2 images per chunk, forced)",
                                                 "why: forced by conv_route('chunks')"]
    assert "channels_last" in F.conv2d_plan(x.contiguous(memory_format=mt.channels_last), mt.randn(8, 8, 3, 3)).explain()


def test_a_layer_reports_its_plan_with_its_padding_mode():
    layer = nn.Conv2d(4, 6, 3, padding=2, padding_mode="reflect")
    plan = layer.plan(mt.randn(2, 4, 7, 7))
    assert plan.input_shape == (2, 4, 11, 11) and plan.padding == (0, 0, 0, 0) and plan.output_shape == (2, 6, 9, 9)
    assert layer(mt.randn(2, 4, 7, 7)).shape == plan.output_shape
    with pytest.raises(ValueError, match="expected"):
        layer.plan(mt.randn(2, 5, 7, 7))


def test_the_memory_budget_is_a_positive_int():
    before = kernels.memory_budget()
    for bad in (0, -5, 2.5, True):
        with pytest.raises(ValueError, match="nbytes must be a positive int"):
            kernels.set_memory_budget(bad)
    assert kernels.memory_budget() == before


def test_a_forced_route_under_the_reference_mode_runs_on_the_reference_building_blocks(monkeypatch):
    implementations = kernels.registry._registry["direct_forward"]
    calls = []
    original = implementations["reference"]
    monkeypatch.setitem(implementations, "reference", lambda *a: calls.append("reference") or original(*a))
    x, w = mt.randn(2, 4, 5, 5, dtype=mt.float64), mt.randn(4, 1, 3, 3, dtype=mt.float64)
    with kernels.using("reference"), kernels.conv_route("direct"):
        y = F.conv2d(x, w, padding=1, groups=4)
    assert calls == ["reference"]
    np.testing.assert_allclose(host(y), host(F.conv2d(x, w, padding=1, groups=4)), rtol=1e-12)


@pytest.mark.parametrize("route", ["reference", "chunks", "direct", "pipelines", "winograd"])
def test_the_planned_kernels_refuse_arrays_not_laid_out_by_the_plan(route):
    x, w = np.ones((2, 4, 5, 5)), np.ones((4, 4, 3, 3))
    with kernels.conv_route(route):
        plan = kernels.conv_plan(x.shape, w.shape, (1, 1), (1, 1, 1, 1), (1, 1), 1, like=x)
    x_in, g_in = plan.input_layout(x), plan.grad_layout(np.ones(plan.output_shape))
    assert x_in.shape == plan.input_layout_shape and g_in.shape == plan.grad_layout_shape
    wrong = np.ones((2, 4, 5, 6))  # no route lays this input out: the shapes cannot match
    with pytest.raises(ValueError, match="x_in must have shape"):
        kernels.conv2d(wrong, w, None, plan)
    with pytest.raises(ValueError, match="grad_in must have shape"):
        kernels.conv2d_input_grad(wrong, w, plan)
    with pytest.raises(ValueError, match="x_in must have shape"):
        kernels.conv2d_backward(wrong, g_in, w, plan)
    with pytest.raises(ValueError, match="weight must have shape \\[4, 4, 3, 3\\]"):
        kernels.conv2d(x_in, np.ones((4, 4, 7, 7)), None, plan)
    with pytest.raises(ValueError, match="bias must have shape \\[4\\]"):
        kernels.conv2d(x_in, w, np.ones(3), plan)
    with pytest.raises(TypeError, match="weight must be float64"):
        kernels.conv2d_input_grad(g_in, w.astype(np.float32), plan)


def test_on_a_gpu_the_routes_wait_for_their_cuda_building_blocks(monkeypatch):
    """CuPy arrays take the reference route until the chunked or direct route's building
    blocks have CUDA versions (on the reference blocks those routes would be slower, and the
    direct one KH*KW times larger); the pointwise route is array code and needs none."""
    def plan(weight_shape, groups=1, padding=(1, 1, 1, 1)):
        return conv.choose((2, 8, 6, 6), weight_shape, (1, 1), padding, (1, 1), groups, np.float32, "cuda", False)

    assert plan((8, 8, 3, 3)).route == "chunks" and plan((8, 1, 3, 3), groups=8).route == "direct"
    assert plan((4, 8, 1, 1), padding=(0, 0, 0, 0)).route == "pointwise"
    for name in ("im2col", "col2im", "direct_forward", "direct_input_grad", "direct_weight_grad"):
        monkeypatch.delitem(kernels.registry._registry[name], "cuda")
    assert plan((8, 8, 3, 3)).route == "reference" and "no cuda version of im2col, col2im" in plan((8, 8, 3, 3)).explain()
    assert plan((8, 1, 3, 3), groups=8).route == "reference"
    assert plan((4, 8, 1, 1), padding=(0, 0, 0, 0)).route == "pointwise"
    with kernels.conv_route("pipelines"), pytest.raises(ValueError, match="runs on NumPy arrays"):
        plan((8, 8, 3, 3))
