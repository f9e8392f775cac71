"""``profile()``: where a piece of work (one training step, say) spends its time, per op,
per kernel and in the optimizer.

    with mt.inspect.profile() as prof:
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    print(prof.table())

It records three kinds of event while the block runs:

- every op's forward (``Function.apply``, named by its class: ``Conv2d``, ``ReLU``) and
  backward (the graph node's call: ``Conv2d backward``);
- every kernel the ops call through ``minitorch_cnn.kernels`` (``conv2d [winograd]``
  names the convolution's route, ``batch_norm_train``, ``sgd_step``);
- each ``Optimizer.step`` (``SGD.step``).

An op's *total* includes what it calls (a backward written with differentiable ops runs
other ops' forwards); its *self* time excludes the ops it calls, so the self times add up
to the time spent in ops, and *in kernels* is the part of the self time its kernels took.
What is left, self minus kernels, is the op's array code and the engine's bookkeeping.

Times are wall-clock from ``time.perf_counter``. On the GPU a call returns once its work is
queued: ``profile(synchronize=True)`` waits for the device at the end of every event, so
each event is charged its own work (at the cost of the overlap a real run has).
The instrumentation is installed for the block only and removed on exit, even on error;
it adds about a microsecond per event.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field

# the public kernel functions of minitorch_cnn.kernels that the ops call
KERNELS = ("index_add", "conv2d", "conv2d_input_grad", "conv2d_weight_grad", "conv2d_backward", "max_pool2d",
           "avg_pool2d", "avg_pool2d_backward", "gather_planes", "scatter_add_planes", "batch_norm_train",
           "batch_norm_backward", "erf", "gelu", "gelu_backward", "where", "sgd_step", "adam_step", "rmsprop_step", "adagrad_step")
CONV_KERNELS = ("conv2d", "conv2d_input_grad", "conv2d_weight_grad", "conv2d_backward")


@dataclass
class Stat:
    calls: int = 0
    total: float = 0.0  # seconds, including nested ops
    self: float = 0.0  # seconds, excluding nested ops
    kernels: float = 0.0  # seconds of the self time spent in kernels


@dataclass
class Profile:
    """What ``profile()`` recorded: ``ops``, ``kernels`` and ``optimizer`` map a name to its
    ``Stat``; ``wall`` is the block's wall time in seconds."""

    ops: dict = field(default_factory=dict)
    kernels: dict = field(default_factory=dict)
    optimizer: dict = field(default_factory=dict)
    wall: float = 0.0

    def table(self, top: int = 20) -> str:
        """The ``top`` ops by self time, the ``top`` kernels by time, and the optimizer."""
        def ms(seconds):
            return f"{seconds * 1e3:.1f}"

        def share(seconds):
            return f"{seconds / self.wall:.0%}" if self.wall else ""

        ops = sorted(self.ops.items(), key=lambda item: -item[1].self)[:top]
        kernels = sorted(self.kernels.items(), key=lambda item: -item[1].total)[:top]
        in_ops = sum(s.self for s in self.ops.values())
        in_kernels = sum(s.total for s in self.kernels.values())
        lines = [f"wall {ms(self.wall)} ms: ops {ms(in_ops)} ms ({share(in_ops)}), of which kernels "
                 f"{ms(in_kernels)} ms ({share(in_kernels)}); optimizer "
                 f"{ms(sum(s.total for s in self.optimizer.values()))} ms", "",
                 _columns(("op", "calls", "total ms", "self ms", "in kernels ms", "self % of wall"),
                            [(name, s.calls, ms(s.total), ms(s.self), ms(s.kernels), share(s.self))
                             for name, s in ops]), "",
                 _columns(("kernel", "calls", "ms", "% of wall"),
                            [(name, s.calls, ms(s.total), share(s.total)) for name, s in kernels])]
        if self.optimizer:
            lines += ["", _columns(("optimizer", "calls", "ms", "% of wall"),
                                     [(name, s.calls, ms(s.total), share(s.total))
                                      for name, s in self.optimizer.items()])]
        return "\n".join(lines)


def _columns(header, rows) -> str:
    """``rows`` under ``header``: the first column left-aligned, the numbers right-aligned."""
    rows = [tuple(str(v) for v in row) for row in rows]
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]

    def line(row):
        return "  ".join(str(v).ljust(w) if i == 0 else str(v).rjust(w)
                         for i, (v, w) in enumerate(zip(row, widths))).rstrip()
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


class _Recorder:
    """The stack of open events: each frame collects the time of the ops nested in it."""

    def __init__(self, result: Profile, synchronize):
        self.result, self.synchronize, self.stack = result, synchronize, []

    def timed(self, table: dict, name: str, run, *args, **kwargs):
        frame = [0.0, 0.0]  # seconds of nested ops, seconds of nested kernels
        self.stack.append(frame)
        start = time.perf_counter()
        try:
            return run(*args, **kwargs)
        finally:
            if self.synchronize is not None:
                self.synchronize()
            spent = time.perf_counter() - start
            self.stack.pop()
            stat = table.setdefault(name, Stat())
            stat.calls += 1
            stat.total += spent
            if table is self.result.kernels:
                if self.stack:
                    self.stack[-1][1] += spent
            else:
                stat.self += spent - frame[0]
                stat.kernels += frame[1]
                if self.stack and table is self.result.ops:
                    self.stack[-1][0] += spent


def _kernel_name(name, args):
    if name in CONV_KERNELS and args and hasattr(args[-1], "route"):
        return f"{name} [{args[-1].route}]"
    return name


@contextlib.contextmanager
def profile(synchronize: bool = False):
    """Record the ops, kernels and optimizer steps of the block into the ``Profile`` it yields."""
    from .. import kernels
    from ..autograd.function import Function, Node
    from ..optim.optimizer import Optimizer

    if not isinstance(synchronize, bool):
        raise TypeError(f"profile: synchronize must be a bool, got {type(synchronize).__name__}")
    result = Profile()
    sync = None
    if synchronize:
        from .. import cuda

        sync = cuda.synchronize if cuda.is_available() else None
    recorder = _Recorder(result, sync)
    original_apply = Function.__dict__["apply"].__func__
    original_node_apply = Node.apply
    original_step = Optimizer.step
    original_kernels = {name: getattr(kernels, name) for name in KERNELS}

    def apply(cls, *args, **kwargs):
        return recorder.timed(result.ops, cls.__name__, original_apply, cls, *args, **kwargs)

    def node_apply(node, grad_outputs):
        return recorder.timed(result.ops, f"{node.function.__name__} backward", original_node_apply, node,
                              grad_outputs)

    def step(optimizer, closure=None):
        return recorder.timed(result.optimizer, f"{type(optimizer).__name__}.step", original_step, optimizer,
                              closure)

    def kernel(name, function):
        def run(*args, **kwargs):
            return recorder.timed(result.kernels, _kernel_name(name, args), function, *args, **kwargs)
        return run

    Function.apply = classmethod(apply)
    Node.apply = node_apply
    Optimizer.step = step
    for name, function in original_kernels.items():
        setattr(kernels, name, kernel(name, function))
    start = time.perf_counter()
    try:
        yield result
    finally:
        result.wall = time.perf_counter() - start
        Function.apply = classmethod(original_apply)
        Node.apply = original_node_apply
        Optimizer.step = original_step
        for name, function in original_kernels.items():
            setattr(kernels, name, function)
