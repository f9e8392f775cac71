"""The convolution plan: which route computes a call, with which parameters, chosen once.

``Conv2d.forward`` asks ``choose`` once per call and keeps the plan for its backward, so
forward, input gradient and weight gradient take the same route and read the same layout
copies. A plan depends on shapes, dtype, device and settings only (never on values).

The routes, one file each, each with ``input_layout``/``grad_layout`` (the arrays it
reads) and ``forward``/``input_grad``/``weight_grad``/``backward``:

    reference   the spec (reference.py): a sum over kernel offsets           any device
    chunks      im2col + one GEMM per chunk of images, under a memory budget  any device
    pointwise   1x1 without padding: the (strided) input is the GEMM operand  any device
    direct      depthwise and thin groups: loops over the window, no im2col   any device
    pipelines   im2col + GEMM + col2im per core, on its share of the batch    NumPy
    winograd    F(2x2, 3x3) on the per-core pipelines                         NumPy, 3x3 s1

``conv_route("winograd")`` forces a route by name (a clear error where it does not apply),
and ``ConvPlan.explain()`` says which route a call takes and why.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools

import numpy as np

from .. import parallel, registry
from . import autotune, chunks, direct, pipelines, pointwise, reference_route, winograd
from .geometry import conv_output_size
from .layout import laid_out_shape

ROUTES = ("reference", "chunks", "pointwise", "direct", "pipelines", "winograd")
_MODULES = {"reference": reference_route, "chunks": chunks, "pointwise": pointwise, "direct": direct,
            "pipelines": pipelines, "winograd": winograd}
SPLITS = ("tiles", "channels")
# the kernels a call can run: the convolution itself, and its two gradients
WORK = ("forward", "input_grad", "weight_grad")

# ------------------------------------------------------------ the measured thresholds
# groups with at most this many input channels each use the direct kernels: as GEMMs, their
# K = KH*KW*Cg is tiny and runs at 1-3 GFLOP/s
DIRECT_MAX_CHANNELS_PER_GROUP = 8
# the per-core pipelines take GEMMs with at least this many rows per core per im2col column:
# with fewer, the weight matrix outweighs the rest, and one GEMM threaded by OpenBLAS reads
# it once instead of once per core (ResNet-18's 512-channel 4x4 layer on im2col, 512 rows
# of 4608: 33.6 against 36.2 ms forward+backward; that layer now takes Winograd)
PIPELINE_MIN_ROWS_PER_COLUMN = 1
# layers with fewer channels (in or out) stay off Winograd: the GEMMs are too thin for the
# transforms to pay for themselves
WINOGRAD_MIN_CHANNELS = 16
# ... and so do layers with fewer tiles in the batch: the filter transform (16 values per
# filter) would cost more than the multiplications it saves
WINOGRAD_MIN_TILES = 64
# with fewer tiles than this times the widest channel count, the cores split the channels
# instead of the tiles (see ``winograd.py``)
WINOGRAD_MIN_TILES_PER_CHANNEL = 2

# the im2col buffer of one chunk (or all the pipelines' buffers together) stays under this:
# a chunk that stays in cache between the im2col copy and the GEMM that reads it beat one
# big buffer by 1.2-1.6x on ResNet and VGG layers
_budget = 16 * 2**20
# on a GPU the cache argument does not hold (an im2col buffer streams through a 50 MB L2
# either way) and every chunk is two more launches and a GEMM too short to fill the SMs,
# so the budget is what memory affords: ResNet-18's widest im2col at batch 32, 56x56x576
# floats per image (231 MB), is one chunk. Not yet measured on a GPU (tools/gpu_check.py).
_device_budget = 256 * 2**20


def memory_budget(device: str = "cpu") -> int:
    """Bytes the im2col buffer of one chunk may use on ``device`` ("cpu", where the
    per-core routes share them, or "cuda")."""
    return _budget if device == "cpu" else _device_budget


def set_memory_budget(nbytes: int, device: str = "cpu") -> None:
    """Set the bytes the im2col buffer of one chunk may use on ``device`` ("cpu" or "cuda"):
    the chunked routes split a batch so that each chunk's buffer fits (16 MiB on the CPU by
    default, a size that stays in cache; 256 MiB on a GPU).
    """
    global _budget, _device_budget
    if isinstance(nbytes, bool) or not isinstance(nbytes, (int, np.integer)) or nbytes <= 0:
        raise ValueError(f"set_memory_budget: nbytes must be a positive int, got {nbytes!r}")
    if device not in ("cpu", "cuda"):
        raise ValueError(f"set_memory_budget: device must be 'cpu' or 'cuda', got {device!r}")
    if device == "cpu":
        _budget = int(nbytes)
    else:
        _device_budget = int(nbytes)


# -------------------------------------------------------------------------- the plan
@dataclasses.dataclass(frozen=True)
class ConvPlan:
    """How one convolution call is computed: the route, its parameters, and the geometry.

    ``input_shape`` is the convolution's input (N, C, H, W); ``padding`` is (top, bottom,
    left, right); ``output_hw`` the output positions computed (the formula's, or fewer for
    a transposed convolution whose output padding reaches past what the input covers).
    ``channels_last``: results come back channels_last (the input was), else plain NCHW.
    """

    route: str
    input_shape: tuple
    weight_shape: tuple
    stride: tuple
    padding: tuple
    dilation: tuple
    groups: int
    output_hw: tuple
    dtype: np.dtype
    device: str
    channels_last: bool
    workers: int | None = None
    step_bytes: int | None = None
    chunk_images: int | None = None
    split: str | None = None
    forced: bool = False
    reasons: tuple = ()

    @property
    def module(self):
        return _MODULES[self.route]

    @property
    def output_shape(self) -> tuple:
        return (self.input_shape[0], self.weight_shape[0]) + tuple(self.output_hw)

    @functools.cached_property
    def tables(self):
        """(in_rows, in_cols, out_rows, out_cols): see ``taps.window_tables``."""
        from .taps import window_tables

        return window_tables(self)

    @property
    def input_layout_shape(self) -> tuple:
        """The shape of ``input_layout(x)``: what the forward and weight-gradient kernels read."""
        return laid_out_shape(self.module.INPUT_LAYOUT, self.input_shape, self)

    @property
    def grad_layout_shape(self) -> tuple:
        """The shape of ``grad_layout(grad)``: what both gradient kernels read."""
        return laid_out_shape(self.module.GRAD_LAYOUT, self.output_shape, self)

    def input_layout(self, x):
        """x (the convolution's input) as this route reads it, for forward and weight
        gradient alike: a layout copy, or x itself."""
        _expect_shape("input", x, self.input_shape)
        return self.module.input_layout(x, self)

    def grad_layout(self, grad):
        """The output gradient (N, C_out, OH, OW) as this route reads it, for both gradients."""
        _expect_shape("grad_output", grad, self.output_shape)
        return self.module.grad_layout(grad, self)

    def summary(self) -> str:
        """The route and its parameters, in one line."""
        details = []
        if self.split is not None:
            details.append(f"split by {self.split}")
        if self.workers is not None:
            details.append(f"{self.workers} workers")
        if self.step_bytes is not None:
            details.append(f"{self.step_bytes / 2**20:.1f} MiB per step")
        if self.chunk_images is not None:
            details.append(f"{self.chunk_images} image{'s' * (self.chunk_images != 1)} per chunk")
        if self.forced:
            details.append("forced")
        return self.route + (f" ({', '.join(details)})" if details else "")

    def explain(self) -> str:
        """Which route this call takes and why, for a person to read."""
        c_out, cg, kh, kw = self.weight_shape
        call = (f"conv2d {list(self.input_shape)} -> {list(self.output_shape)}, kernel {kh}x{kw}, stride "
                f"{self.stride}, padding {self.padding}, dilation {self.dilation}, groups {self.groups}, "
                f"{self.dtype} on {self.device}{', channels_last' if self.channels_last else ''}")
        lines = [call, f"route: {self.summary()}"]
        lines += [("why: " if i == 0 else "     ") + reason for i, reason in enumerate(self.reasons)]
        return "\n".join(lines)


def _expect_shape(name, array, shape, what="the planned call's"):
    if tuple(array.shape) != tuple(shape):
        raise ValueError(f"conv plan: {name} must have shape {list(shape)} ({what}), got {list(array.shape)}")


def check_laid_out(plan, x_in=None, grad_in=None, weight=None, bias=None):
    """Before a planned kernel runs: the arrays must be the ones ``plan.input_layout`` and
    ``plan.grad_layout`` made, and the weight and bias the planned ones, all in the planned
    dtype (the Numba kernels do not check bounds)."""
    layout = f"{plan.route}'s layout; pass plan.input_layout(x) / plan.grad_layout(grad)"
    named = (("x_in", x_in, plan.input_layout_shape, layout), ("grad_in", grad_in, plan.grad_layout_shape, layout),
             ("weight", weight, plan.weight_shape, "the planned call's"),
             ("bias", bias, plan.weight_shape[:1], "the planned call's"))
    for name, array, shape, what in named:
        if array is None:
            continue
        _expect_shape(name, array, shape, what)
        if array.dtype != plan.dtype:
            raise TypeError(f"conv plan: {name} must be {plan.dtype} (the planned call's), got {array.dtype}")


# ------------------------------------------------------------------ forcing a route
_forced = None  # (route, options) while a conv_route block runs


@contextlib.contextmanager
def conv_route(route: str, *, workers: int | None = None, budget: int | None = None, split: str | None = None):
    """Compute every convolution in the block on ``route`` (see ``ROUTES``), to study or
    benchmark a route or to test it on shapes the automatic choice would send elsewhere.

    ``workers``: the per-core routes' worker count (default: the cores OpenBLAS uses);
    ``budget``: bytes of im2col or tile buffers per step, all workers together (default:
    ``memory_budget()``); ``split``: Winograd's "tiles" or "channels" (default: chosen by
    shape). A call the route cannot compute raises ``ValueError`` naming the route and why.
    Process-wide while the block runs, as ``kernels.use`` is: other threads' convolutions
    take the route too.
    """
    global _forced
    if route not in ROUTES:
        raise ValueError(f"conv_route: route must be one of {ROUTES}, got {route!r}")
    for name, value in (("workers", workers), ("budget", budget)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1):
            raise ValueError(f"conv_route: {name} must be a positive int or None, got {value!r}")
    if split is not None and (route != "winograd" or split not in SPLITS):
        raise ValueError(f"conv_route: split must be one of {SPLITS}, and only for the winograd route; "
                         f"got split={split!r} for route {route!r}")
    if workers is not None and route not in ("pipelines", "winograd"):
        raise ValueError(f"conv_route: workers apply to the per-core routes (pipelines, winograd), not {route!r}")
    previous = _forced
    _forced = (route, dict(workers=workers, budget=budget, split=split))
    try:
        yield
    finally:
        _forced = previous


def why_not(route, call):
    """Why ``route`` cannot compute the call ``call`` describes (a sentence), or None when it can."""
    kh, kw = call["weight_shape"][2:]
    if route in ("pipelines", "winograd") and call["device"] != "cpu":
        return f"the {route} route runs on NumPy arrays (CPU threads), and this call's arrays are on {call['device']}"
    if route == "pointwise" and ((kh, kw) != (1, 1) or any(call["padding"])):
        return f"the pointwise route computes 1x1 kernels without padding; this one has kernel {kh}x{kw} and " \
               f"padding {call['padding']}"
    if route == "winograd":
        stride, dilation, groups = call["stride"], call["dilation"], call["groups"]
        if (kh, kw) != (3, 3) or stride != (1, 1) or dilation != (1, 1) or groups != 1:
            return (f"Winograd F(2x2, 3x3) computes 3x3, stride-1, undilated, ungrouped convolutions; this one has "
                    f"kernel {kh}x{kw}, stride {stride}, dilation {dilation}, groups {groups}")
    return None


# ---------------------------------------------------------------------- the choice
def choose(input_shape, weight_shape, stride, padding, dilation, groups, dtype, device, channels_last,
           output_hw=None, work=WORK) -> ConvPlan:
    """The plan for one call: the forced route if a ``conv_route`` block is open, the
    reference under ``kernels.use("reference")``, the route measured fastest for this shape
    while autotuning is on (``autotune.py``), else the route the measured thresholds above
    pick. ``work``: the kernels the call will run, some of ``WORK`` (what autotuning times)."""
    input_shape, weight_shape = tuple(int(v) for v in input_shape), tuple(int(v) for v in weight_shape)
    stride, padding, dilation = tuple(stride), tuple(padding), tuple(dilation)
    (h, w), (kh, kw) = input_shape[2:], weight_shape[2:]
    if output_hw is None:
        output_hw = (conv_output_size(h, kh, stride[0], padding[0], padding[1], dilation[0]),
                     conv_output_size(w, kw, stride[1], padding[2], padding[3], dilation[1]))
    call = dict(input_shape=input_shape, weight_shape=weight_shape, stride=stride, padding=padding,
                dilation=dilation, groups=int(groups), output_hw=tuple(int(v) for v in output_hw),
                dtype=np.dtype(dtype), device=device, channels_last=bool(channels_last))
    work = _check_work(work)
    if _forced is not None:
        return _forced_plan(call, *_forced)
    if registry.current_mode() == "reference":
        return ConvPlan("reference", **call, reasons=('kernels.use("reference"): the readable spec',))
    if autotune.enabled():
        return autotune.measured_plan(call, _automatic_plan(call), work)
    return _automatic_plan(call)


def _check_work(work):
    """``work`` in WORK's order (so equal sets share one measurement); a clear error for a
    name that is not a convolution kernel or for no kernel at all."""
    unknown = [w for w in work if w not in WORK]
    if unknown or not work:
        raise ValueError(f"conv plan: work must be a non-empty collection of {WORK}, got {work!r}")
    return tuple(w for w in WORK if w in work)


def _forced_plan(call, route, options):
    reason = why_not(route, call)
    if reason is not None:
        raise ValueError(f"conv_route({route!r}) cannot compute this convolution: {reason}")
    return route_plan(call, route, reasons=(f"forced by conv_route({route!r})",), forced=True, **options)


def route_plan(call, route, *, reasons, forced=False, workers=None, budget=None, split=None):
    """The plan that computes ``call`` on ``route`` with the given parameters (defaults as
    ``conv_route`` documents); the caller has checked ``why_not``."""
    budget = budget or memory_budget(call["device"])
    parameters = {}
    if route in ("pipelines", "winograd"):
        workers = workers or parallel.workers() or 1
        parameters = dict(workers=workers, step_bytes=max(1, budget // workers))
        if route == "winograd":
            parameters["split"] = split or _winograd_split(call, budget)
    elif route == "chunks":
        parameters = dict(chunk_images=_chunk_images(call, budget))
    return ConvPlan(route, **call, **parameters, forced=forced, reasons=tuple(reasons))


def _without_device_kernels(route, device):
    """The building blocks of ``route`` with no implementation for ``device`` (the routes
    around them are array code, but on the reference blocks they would be slower, and the
    direct ones KH*KW times larger, than the reference route itself)."""
    return [name for name in _MODULES[route].BUILDING_BLOCKS if device not in registry.implementations(name)]


def _automatic_plan(call):
    c_out, cg, kh, kw = call["weight_shape"]
    groups, padding = call["groups"], call["padding"]
    if groups > 1 and cg <= DIRECT_MAX_CHANNELS_PER_GROUP:
        missing = _without_device_kernels("direct", call["device"]) if call["device"] != "cpu" else []
        if missing:
            return ConvPlan("reference", **call, reasons=(
                f"depthwise or thin groups on {call['device']}, with no {call['device']} version of "
                f"{', '.join(missing)}: the reference route",))
        return ConvPlan("direct", **call, reasons=(
            f"{groups} groups of {cg} input channel{'s' * (cg > 1)} (at most {DIRECT_MAX_CHANNELS_PER_GROUP}): as "
            f"GEMMs of depth {kh * kw * cg} they would run at a few GFLOP/s, so the window is looped over directly",))
    if kh == kw == 1 and not any(padding):
        return ConvPlan("pointwise", **call, reasons=(
            "1x1 kernel without padding: the (strided) channels-last input is the GEMM operand, no im2col",))
    if call["device"] != "cpu":
        missing = _without_device_kernels("chunks", call["device"])
        if missing:
            return ConvPlan("reference", **call, reasons=(
                f"no {call['device']} version of {', '.join(missing)} yet: the reference route",))
        return _chunks_plan(call, (f"{call['device']} arrays: im2col and one GEMM per chunk on the device",))
    workers = parallel.workers()
    if not workers:
        return _chunks_plan(call, ("NumPy's BLAS is not OpenBLAS, whose threads the per-core routes would take over",))
    n, (out_h, out_w) = call["input_shape"][0], call["output_hw"]
    tiles = n * -(-out_h // 2) * -(-out_w // 2)
    channels = cg * groups
    if why_not("winograd", call) is None:
        if min(channels, c_out) >= WINOGRAD_MIN_CHANNELS and tiles >= WINOGRAD_MIN_TILES:
            split = _winograd_split(call, _budget)
            reasons = (f"3x3, stride 1, ungrouped, {min(channels, c_out)} >= {WINOGRAD_MIN_CHANNELS} channels each "
                       f"way and {tiles} >= {WINOGRAD_MIN_TILES} tiles: Winograd F(2x2, 3x3) does 2.25x fewer "
                       f"multiplications than im2col",
                       f"{tiles} tiles for {max(channels, c_out)} channels: the cores split the {split}")
            return ConvPlan("winograd", **call, workers=workers, step_bytes=max(1, _budget // workers), split=split,
                            reasons=reasons)
    rows, columns = n * out_h * out_w, kh * kw * cg
    if rows < PIPELINE_MIN_ROWS_PER_COLUMN * workers * columns:
        return _chunks_plan(call, (f"{rows} GEMM rows for {columns} im2col columns on {workers} cores: the weight "
                                   f"matrix outweighs the rest, and one threaded GEMM reads it once",))
    return ConvPlan("pipelines", **call, workers=workers, step_bytes=max(1, _budget // workers), reasons=(
        f"dense {kh}x{kw} on NumPy with OpenBLAS: each of {workers} cores runs im2col, GEMM and col2im on its own "
        f"share of the batch",))


def _chunks_plan(call, reasons):
    return ConvPlan("chunks", **call, chunk_images=_chunk_images(call, memory_budget(call["device"])), reasons=reasons)


def _chunk_images(call, budget):
    """Images per chunk: as many as keep the im2col buffer under ``budget`` (at least one)."""
    n, c = call["input_shape"][:2]
    kh, kw = call["weight_shape"][2:]
    per_image = call["output_hw"][0] * call["output_hw"][1] * kh * kw * c * call["dtype"].itemsize
    return max(1, min(n, budget // max(per_image, 1)))


def _winograd_split(call, budget):
    """Whether the cores split the tiles or the channels (see ``winograd.py``): split by
    tiles, every core reads all 16 transformed filters for its share of the rows; with few
    rows, that reading dominates (ResNet-18's 512-channel 4x4 layer, 128 tiles: 1.4x slower
    than im2col). Split by channels, each core reads its share of the filters once, for all
    the tiles, which are transformed first into shared buffers that must fit the budget."""
    n, channels = call["input_shape"][:2]
    out_h, out_w = call["output_hw"]
    tiles = n * -(-out_h // 2) * -(-out_w // 2)
    widest = max(channels, call["weight_shape"][0])
    few_tiles = tiles < WINOGRAD_MIN_TILES_PER_CHANNEL * widest
    return "channels" if few_tiles and 2 * 16 * tiles * widest * call["dtype"].itemsize <= budget else "tiles"
