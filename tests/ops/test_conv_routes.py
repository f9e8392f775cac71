"""Every convolution route (chunks, pointwise, direct, per-core pipelines, Winograd), forced
by name, against the reference kernels and the definition; the per-core work plan; the
Winograd transforms against their matrices; the BLAS thread switch the per-core routes
run under."""

import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import blas
from minitorch_cnn.kernels import conv_route, parallel
from minitorch_cnn.kernels.conv import cpu, reference, winograd, winograd_cpu
from tests.helpers import host
from tests.ops.test_conv import _arrays, _fast_against_reference, conv_cases, direct_conv2d


def route(name, workers=None, budget=None):
    """Send every convolution down one route, forced by name: "winograd" splits the tiles
    and "winograd-by-channels" the channels (the Winograd routes take only 3x3, stride-1
    cases); ``workers`` per-core workers and a ``budget`` small enough to cut images into
    bands."""
    if name.startswith("winograd"):
        return conv_route("winograd", workers=workers, budget=budget,
                          split="channels" if name == "winograd-by-channels" else "tiles")
    return conv_route(name, workers=workers, budget=budget)


@st.composite
def winograd_cases(draw):
    """3x3, stride 1, no dilation, one group: the cases the Winograd route takes."""
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    return dict(n=draw(st.integers(1, 3)), c=draw(st.integers(1, 4)), o=draw(st.integers(1, 4)),
                h=draw(st.integers(max(1, 3 - 2 * padding[0]), 9)), w=draw(st.integers(max(1, 3 - 2 * padding[1]), 9)),
                kernel=(3, 3), stride=(1, 1), padding=padding, dilation=(1, 1), groups=1,
                seed=draw(st.integers(0, 2**31)))


@st.composite
def pointwise_cases(draw):
    """1x1 kernels without padding, any stride and groups: the cases the pointwise route takes."""
    case = draw(conv_cases())
    return dict(case, kernel=(1, 1), padding=(0, 0), h=max(case["h"], 1), w=max(case["w"], 1))


def cases_for(name, max_side=6):
    if name.startswith("winograd"):
        return winograd_cases()
    return pointwise_cases() if name == "pointwise" else conv_cases(max_side=max_side)


ROUTES = [("chunks", None, None), ("chunks", None, 700), ("pointwise", None, None), ("direct", None, None),
          ("pipelines", 2, None), ("pipelines", 3, 700), ("winograd", 2, None), ("winograd", 3, 900),
          ("winograd-by-channels", 3, None)]
ROUTE_IDS = ["chunks", "chunks-of-one-image", "pointwise", "direct", "pipelines", "pipelines-3-workers-in-bands",
             "winograd", "winograd-3-workers-in-bands", "winograd-by-channels-3-workers"]
CPU_ROUTE = pytest.mark.cpu_only("the pipelines and Winograd routes run on CPU threads over NumPy arrays")


def route_params(routes=ROUTES, ids=ROUTE_IDS, slow=()):
    """The routes as parameters, the CPU-only ones marked so, and those in ``slow`` marked
    slow (``python -m pytest -m slow`` runs them)."""
    return [pytest.param(*route, id=route_id,
                         marks=([CPU_ROUTE] if route[0].startswith(("pipelines", "winograd")) else [])
                         + ([pytest.mark.slow] if route_id in slow else []))
            for route, route_id in zip(routes, ids)]


def test_every_route_is_tested_here():
    """A new route must join ROUTES above (and its case builder ``cases_for``)."""
    tested = {name.split("-")[0] for name, _, _ in ROUTES} | {"reference"}
    assert tested == set(mt.kernels.CONV_ROUTES)


@pytest.mark.parametrize("name,workers,budget", route_params())
@given(data=st.data())
def test_every_route_agrees_with_the_reference_kernels(name, workers, budget, data):
    case = data.draw(cases_for(name))
    with route(name, workers, budget):
        _fast_against_reference(case)


@pytest.mark.parametrize("name,workers,budget", route_params())
@given(data=st.data())
def test_every_route_matches_the_direct_loop_and_passes_gradcheck(name, workers, budget, data):
    case = data.draw(cases_for(name, max_side=3))
    x, w, b = _arrays(case)
    args = (case["stride"], case["padding"], case["dilation"], case["groups"])
    with route(name, workers, budget):
        out = F.conv2d(mt.tensor(x), mt.tensor(w), mt.tensor(b), *args)
        np.testing.assert_allclose(host(out), direct_conv2d(x, w, b, *args), rtol=1e-10, atol=1e-10)
        tensors = tuple(mt.tensor(a, requires_grad=True) for a in (x, w, b))
        assert mt.gradcheck(lambda x, w, b: F.conv2d(x, w, b, *args), tensors)


@pytest.mark.parametrize("name,workers,budget", route_params())
@given(data=st.data())
def test_backward_is_bit_for_bit_repeatable_on_every_route(name, workers, budget, data):
    case = data.draw(cases_for(name, max_side=4))
    x, w, _ = _arrays(case, np.float32)
    args = (case["stride"], case["padding"], case["dilation"], case["groups"])
    results = []
    with route(name, workers, budget):
        for _ in range(2):
            tx, tw = mt.tensor(x, requires_grad=True), mt.tensor(w, requires_grad=True)
            y = F.conv2d(tx, tw, None, *args)
            y.backward(mt.ones(y.shape))
            results.append((host(tx.grad).copy(), host(tw.grad).copy()))
    for first, second in zip(*results):
        np.testing.assert_array_equal(first, second)


@CPU_ROUTE
def test_winograd_in_float32_is_about_as_accurate_as_im2col():
    # the transforms add and subtract neighbours before multiplying; measured against the
    # float64 result, the float32 error must stay within a few times im2col's own
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((4, 32, 12, 12)), rng.standard_normal((32, 32, 3, 3)) / 17
    gy = rng.standard_normal((4, 32, 12, 12))
    errors = {}
    for name in ("chunks", "winograd"):
        results = {}
        for dtype in (np.float32, np.float64):
            with route(name):
                tx, tw = mt.tensor(x.astype(dtype), requires_grad=True), mt.tensor(w.astype(dtype), requires_grad=True)
                y = F.conv2d(tx, tw, padding=1)
                y.backward(mt.tensor(gy.astype(dtype)))
                results[dtype] = (host(y), host(tx.grad), host(tw.grad))
        errors[name] = [np.abs(single - double).max() / np.abs(double).max()
                        for single, double in zip(results[np.float32], results[np.float64])]
    eps = np.finfo(np.float32).eps
    for winograd_error, im2col_error in zip(errors["winograd"], errors["chunks"]):
        assert winograd_error <= 4 * max(im2col_error, eps)


# ----------------------------------------------------------------------- the work plan
@given(n_images=st.integers(1, 5), out_h=st.integers(1, 9), row_bytes=st.integers(1, 100),
       n_workers=st.integers(1, 4), step_bytes=st.integers(1, 600), whole_images=st.booleans())
def test_plan_covers_every_output_row_once_within_the_step(n_images, out_h, row_bytes, n_workers, step_bytes,
                                                           whole_images):
    shares = parallel.shares(n_images, out_h, row_bytes, n_workers, step_bytes, whole_images)
    assert len(shares) == n_workers
    seen = []
    for worker, units in enumerate(shares):
        for n0, n1, r0, r1 in units:
            assert n0 < n1 and r0 < r1 <= out_h
            assert n1 - n0 == 1 or (r0, r1) == (0, out_h), "several images per unit only when whole"
            rows = (n1 - n0) * (r1 - r0)
            assert rows * row_bytes <= step_bytes or rows == 1
            seen += [(n, r, worker) for n in range(n0, n1) for r in range(r0, r1)]
    assert sorted((n, r) for n, r, _ in seen) == [(n, r) for n in range(n_images) for r in range(out_h)]
    assert [(n, r) for n, r, _ in seen] == sorted((n, r) for n, r, _ in seen), "shares in order"
    if whole_images:
        owners = {}
        for n, _, worker in seen:
            assert owners.setdefault(n, worker) == worker, "an image's bands stay with one worker"


# ------------------------------------------------------------ the pipelines' kernels
@given(case=conv_cases(), data=st.data())
def test_tap_im2col_and_col2im_agree_with_the_reference_on_any_band(case, data):
    rng = np.random.default_rng(case["seed"])
    (ph, pw), (kh, kw), g = case["padding"], case["kernel"], case["groups"]
    x = rng.standard_normal((case["n"], case["h"], case["w"], case["c"]))
    xpad = np.pad(x, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    out_h = (case["h"] + 2 * ph - case["dilation"][0] * (kh - 1) - 1) // case["stride"][0] + 1
    out_w = (case["w"] + 2 * pw - case["dilation"][1] * (kw - 1) - 1) // case["stride"][1] + 1
    shape = (case["n"], out_h, out_w, g, kh, kw, case["c"] // g)
    whole = reference.im2col(xpad, np.empty(shape), case["stride"], case["dilation"])
    plan = mt.kernels.conv_plan((case["n"], case["c"], case["h"], case["w"]), (g, case["c"] // g, kh, kw),
                                case["stride"], (ph, ph, pw, pw), case["dilation"], g, like=x)
    rows, cols, _, _ = plan.tables
    first = data.draw(st.integers(0, out_h - 1))
    last = data.draw(st.integers(first + 1, out_h))
    band = cpu.im2col_taps(x, np.full((case["n"], last - first) + shape[2:], np.nan), first, rows, cols)
    np.testing.assert_array_equal(band, whole[:, first:last])
    grads = rng.standard_normal(shape)
    expected = reference.col2im(grads, np.zeros_like(xpad), case["stride"], case["dilation"])
    dx = np.zeros_like(x)
    for start, stop in ((0, first), (first, last), (last, out_h)):  # bands add up
        cpu.col2im_taps_add(np.ascontiguousarray(grads[:, start:stop]), dx, start, rows, cols)
    np.testing.assert_allclose(dx, expected[:, ph:ph + case["h"], pw:pw + case["w"]], rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------ the Winograd transforms
B_T = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], dtype=float)
G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
A_T = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=float)


def test_f2x3_matrices_compute_the_3x3_correlation():
    # the algebra the kernels are built on, checked on its own: A^T[(G g G^T)(B^T d B)]A
    rng = np.random.default_rng(0)
    d, g = rng.standard_normal((4, 4)), rng.standard_normal((3, 3))
    y = A_T @ ((G @ g @ G.T) * (B_T @ d @ B_T.T)) @ A_T.T
    direct = np.array([[np.sum(d[i:i + 3, j:j + 3] * g) for j in range(2)] for i in range(2)])
    np.testing.assert_allclose(y, direct, rtol=1e-12, atol=1e-12)


@given(tile_h=st.integers(1, 3), tile_w=st.integers(1, 3), channels=st.integers(1, 5), seed=st.integers(0, 2**31))
def test_tile_kernels_apply_their_matrices(tile_h, tile_w, channels, seed):
    rng = np.random.default_rng(seed)
    h, w = 2 * tile_h + 2, 2 * tile_w + 2  # every tile inside the image: no padding
    x = rng.standard_normal((1, h, w, channels))
    rows, cols = winograd.tile_tables(h, 2 * tile_h, 0), winograd.tile_tables(w, 2 * tile_w, 0)
    tiles = winograd_cpu.input_tiles(x, np.empty((16, 1, tile_h, tile_w, channels)), 0, rows, cols,
                                     np.empty((1, 4, 4, channels)))
    products = rng.standard_normal((16, 1, tile_h, tile_w, channels))
    out = winograd_cpu.output_tiles(products, np.empty((1, 2 * tile_h, 2 * tile_w, channels)), 0,
                                    np.zeros(channels))
    grad = rng.standard_normal((1, 2 * tile_h, 2 * tile_w, channels))
    grad_tiles = winograd_cpu.grad_tiles(grad, np.empty((16, 1, tile_h, tile_w, channels)), 0,
                                         np.empty((2, 2, channels)))
    dx = winograd_cpu.input_tiles_adjoint_add(products, np.zeros_like(x), 0, rows, cols, np.empty((1, 4, 4, channels)))
    expected_dx = np.zeros_like(x)
    for a in range(tile_h):
        for b in range(tile_w):
            for c in range(channels):
                patch = x[0, 2 * a:2 * a + 4, 2 * b:2 * b + 4, c]
                np.testing.assert_allclose(tiles[:, 0, a, b, c].reshape(4, 4), B_T @ patch @ B_T.T, atol=1e-12)
                m = products[:, 0, a, b, c].reshape(4, 4)
                np.testing.assert_allclose(out[0, 2 * a:2 * a + 2, 2 * b:2 * b + 2, c], A_T @ m @ A_T.T, atol=1e-12)
                u = grad[0, 2 * a:2 * a + 2, 2 * b:2 * b + 2, c]
                np.testing.assert_allclose(grad_tiles[:, 0, a, b, c].reshape(4, 4), A_T.T @ u @ A_T, atol=1e-12)
                expected_dx[0, 2 * a:2 * a + 4, 2 * b:2 * b + 4, c] += B_T.T @ m @ B_T
    np.testing.assert_allclose(dx, expected_dx, rtol=1e-12, atol=1e-12)


@given(c_out=st.integers(1, 4), channels=st.integers(1, 4), seed=st.integers(0, 2**31))
def test_filter_transform_and_its_adjoint(c_out, channels, seed):
    rng = np.random.default_rng(seed)
    weight = rng.standard_normal((c_out, channels, 3, 3))
    u = winograd.weight_transform(weight)
    expected = np.einsum("ki,ocij,lj->kloc", G, weight, G).reshape(16, c_out, channels)
    np.testing.assert_allclose(u, expected, rtol=1e-12, atol=1e-12)
    du = rng.standard_normal((16, c_out, channels))
    back = winograd.weight_transform_adjoint(du)
    np.testing.assert_allclose(back, np.einsum("ki,kloc,lj->ocij", G, du.reshape(4, 4, c_out, channels), G),
                               rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------ the BLAS switch
@pytest.mark.skipif(blas.threads() is None, reason="NumPy's BLAS is not OpenBLAS: nothing to switch")
def test_one_thread_blocks_nest_and_overlap_and_restore_the_thread_count():
    before = blas.threads()
    get = blas._switch.functions()[0]
    inside, release = threading.Event(), threading.Event()

    def other_block():
        with blas.one_thread():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=other_block)
    with blas.one_thread() as saved:
        assert saved == before and get() == 1 and blas.threads() == before
        thread.start()
        inside.wait(10)
        with blas.one_thread() as nested:
            assert nested == before
        assert get() == 1
    assert get() == 1, "the other thread's block is still open"
    release.set()
    thread.join(10)
    assert get() == before


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="no fork on this platform")
@CPU_ROUTE
def test_pipelines_work_in_a_forked_child():
    # the parent's pool threads do not exist in a child; a stale pool would wait forever
    import os

    x, w = mt.randn(4, 16, 8, 8), mt.randn(16, 16, 3, 3)
    with route("pipelines", workers=2):
        expected = host(F.conv2d(x, w, padding=1))  # the parent's pool now exists
        pid = os.fork()
        if pid == 0:  # the child: exit status 0 only if the same convolution completes
            try:
                os._exit(0 if np.array_equal(host(F.conv2d(x, w, padding=1)), expected) else 1)
            finally:
                os._exit(2)
    import signal
    import time

    deadline = time.monotonic() + 60
    while (finished := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    if finished[0] == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the convolution in the forked child did not finish in 60 s")
    assert os.waitstatus_to_exitcode(finished[1]) == 0


# the 3-worker Winograd bands took 28 s of a cold default run here; two-worker Winograd and
# the banded split stay in the default run
@pytest.mark.parametrize("name,workers,budget",
                         route_params([("reference", None, None)] + ROUTES, ["reference"] + ROUTE_IDS,
                                      slow=("winograd-3-workers-in-bands",)))
@given(data=st.data())
def test_every_route_computes_transposed_convolutions_and_their_gradients(name, workers, budget, data):
    """conv_transpose2d on each route, output padding up to the dilation included (then its
    plan computes fewer positions than the formula's): the adjoint identity
    <conv(x), y> = <x, conv_transpose(y)> with the definition's conv, and a gradient check
    (whose backward runs the same plan forwards)."""
    from tests.ops.test_conv import _transposed_case

    case = data.draw(cases_for(name, max_side=3))
    output_padding, out_hw, y_shape = _transposed_case(case, data)
    rng = np.random.default_rng(case["seed"] + 3)
    x = rng.standard_normal((case["n"], case["c"], out_hw[0], out_hw[1]))
    y = rng.standard_normal((case["n"], case["o"]) + y_shape[2:])
    w = _arrays(case)[1]
    args = (case["stride"], case["padding"], output_padding, case["groups"], case["dilation"])
    with route(name, workers, budget):
        transposed = F.conv_transpose2d(mt.tensor(y), mt.tensor(w), None, *args)
        conv = direct_conv2d(x, w, None, case["stride"], case["padding"], case["dilation"], case["groups"])
        conv = conv[:, :, :y.shape[2], :y.shape[3]]
        assert np.sum(conv * y) == pytest.approx(np.sum(x * host(transposed)), rel=1e-10, abs=1e-10)
        tensors = (mt.tensor(y, requires_grad=True), mt.tensor(w, requires_grad=True))
        assert mt.gradcheck(lambda y, w: F.conv_transpose2d(y, w, None, *args), tensors)
