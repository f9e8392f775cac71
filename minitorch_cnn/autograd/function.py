"""``Function``, its ``ctx``, and the graph nodes that recording creates.

A ``Function`` subclass is one differentiable op: ``forward(ctx, *arrays, **options)``
computes on raw arrays (NumPy or CuPy, usually through a kernel) and
``backward(ctx, *grad_outputs)`` receives and returns *Tensors*, written with
differentiable ops, so that ``create_graph=True`` records the backward pass and
higher-order gradients work. ``Function.apply`` runs forward and, when any input needs a
gradient, records a ``Node`` that points at the inputs' nodes (the graph's edges).

Saved values: ``ctx.save_for_backward(*arrays)`` may name input arrays, output arrays or
intermediates. Inputs come back as the input Tensors themselves and outputs as Tensors
attached to this node, so the backward graph connects to the forward graph; the node
does not hold its own outputs (that would be a reference cycle that keeps activations
alive until the garbage collector runs).
"""

from __future__ import annotations

import functools
import itertools
import weakref

import numpy as np

from .. import backend
from .anomaly import creation_stack, is_anomaly_enabled
from .grad_mode import is_grad_enabled, no_grad


_TENSOR = []


def _tensor_class():
    """``minitorch_cnn.tensor.Tensor``, imported on first use (tensor.py imports this
    module) and then kept: an import statement in a function costs about a microsecond a
    call, and the hot paths here run several per op."""
    if not _TENSOR:
        from ..tensor import Tensor

        _TENSOR.append(Tensor)
    return _TENSOR[0]

_sequence = itertools.count()


class _SavedInput:
    __slots__ = ("tensor", "version")

    def __init__(self, tensor):
        self.tensor = tensor
        self.version = tensor._version.value


class _SavedOutput:
    __slots__ = ("array", "index", "counter", "version")

    def __init__(self, array, index, counter):
        self.array, self.index, self.counter = array, index, counter
        self.version = counter.value


class Context:
    """What ``forward`` hands to ``backward``: saved arrays and any attributes set on it."""

    def __init__(self, needs_input_grad: tuple):
        self.needs_input_grad = needs_input_grad
        self._to_save = ()
        self._saved = None
        self._released = False
        self._non_differentiable = ()
        self._node = None  # a weak reference, set when the op is recorded

    def save_for_backward(self, *arrays) -> None:
        """Keep ``arrays`` (inputs, outputs or intermediates; None allowed) for backward."""
        self._to_save = arrays

    def mark_non_differentiable(self, *arrays) -> None:
        """Outputs (e.g. argmax indices) that never carry a gradient."""
        self._non_differentiable = tuple(id(a) for a in arrays)

    @property
    def saved_tensors(self) -> tuple:
        """The saved values as Tensors; raises if the graph was freed or a saved tensor was
        modified in place after it was saved."""
        Tensor = _tensor_class()

        if self._released:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time."
            )
        if self._saved is None:  # an op called outside recording: ctx kept by the user
            return tuple(
                a if a is None or isinstance(a, Tensor) or not hasattr(a, "shape") else Tensor._wrap(a)
                for a in self._to_save
            )
        node = self._node() if self._node is not None else None
        result = []
        for slot in self._saved:
            if slot is None:
                result.append(None)
            elif isinstance(slot, _SavedInput):
                _check_version(slot.tensor._version, slot.version, slot.tensor.shape, node)
                result.append(slot.tensor)
            elif isinstance(slot, _SavedOutput):
                _check_version(slot.counter, slot.version, slot.array.shape, node)
                result.append(Tensor._wrap(slot.array, grad_fn=node, output_nr=slot.index, version=slot.counter))
            elif hasattr(slot, "shape"):
                result.append(Tensor._wrap(slot))
            else:
                result.append(slot)  # a Python scalar operand stays a scalar
        return tuple(result)

    def _resolve_saved(self, inputs: list, outputs: list, raw_outputs: tuple) -> None:
        """Turn the arrays named in ``save_for_backward`` into slots (after forward ran).

        Outputs are matched against ``raw_outputs``, what forward returned: for 0-d inputs
        NumPy returns scalars, which the output tensor holds re-wrapped as 0-d arrays."""
        Tensor = _tensor_class()

        slots = []
        for item in self._to_save:
            if item is None:
                slots.append(None)
                continue
            if isinstance(item, Tensor):
                slots.append(_SavedInput(item))
                continue
            slot = None
            for t in inputs:
                if t.array is item:
                    slot = _SavedInput(t)
                    break
            if slot is None:
                for index, (t, raw) in enumerate(zip(outputs, raw_outputs)):
                    if t is not None and (t.array is item or raw is item):
                        slot = _SavedOutput(t.array, index, t._version)
                        break
            slots.append(item if slot is None else slot)
        self._saved = slots
        self._to_save = ()

    def _release(self) -> None:
        self._saved = None
        self._to_save = ()
        self._released = True


def _check_version(counter, saved_version, shape, node) -> None:
    if counter.value != saved_version:
        name = node.name() if node is not None else "an op"
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: [Tensor of shape {list(shape)}], saved by {name}, is at version "
            f"{counter.value}; expected version {saved_version} instead."
        )


class Node:
    """A recorded op in the graph: the backward to call and the edges to its inputs."""

    __slots__ = (
        "function",
        "ctx",
        "next_edges",
        "tensor_args",
        "input_meta",
        "output_meta",
        "tensor_hooks",
        "retained",
        "creation",
        "sequence",
        "__weakref__",
    )

    def __init__(self, function, ctx, next_edges, input_meta, tensor_args):
        self.function = function
        self.ctx = ctx
        self.next_edges = next_edges
        self.tensor_args = tensor_args  # which positional arguments were tensors
        self.input_meta = input_meta
        self.output_meta = ()
        self.tensor_hooks = None  # {output_nr: {handle_id: hook}} for non-leaf register_hook
        self.retained = None  # {output_nr: weakref to the tensor} for retain_grad
        self.creation = creation_stack() if is_anomaly_enabled() else None
        self.sequence = next(_sequence)

    def name(self) -> str:
        return f"{self.function.__name__}Backward"

    def __repr__(self):
        return f"<{self.name()}>"

    @property
    def next_functions(self) -> tuple:
        """((node, output_nr) or (None, 0)) per tensor input, as PyTorch's ``grad_fn.next_functions``."""
        return tuple((None, 0) if e is None else e for e, is_tensor in zip(self.next_edges, self.tensor_args)
                     if is_tensor)

    def apply(self, grad_outputs: list) -> list:
        """Call the op's backward; check and shape its results, one per input."""
        results = self.function.backward(self.ctx, *grad_outputs)
        if not isinstance(results, tuple):
            results = (results,)
        if len(results) != len(self.next_edges):
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients "
                f"(expected {len(self.next_edges)}, got {len(results)})"
            )
        return [self._validate(i, g) for i, g in enumerate(results)]

    def _validate(self, index, grad):
        Tensor = _tensor_class()

        if self.next_edges[index] is None or grad is None:
            return None
        if not isinstance(grad, Tensor):
            raise TypeError(f"function {self.name()} returned a {type(grad).__name__} as gradient {index}; expected a Tensor")
        shape, dtype, dev = self.input_meta[index]
        if grad.shape != shape:
            if not _broadcasts_to(shape, grad.shape):
                raise RuntimeError(
                    f"function {self.name()} returned an invalid gradient at index {index} - got "
                    f"shape {list(grad.shape)} but expected shape compatible with {list(shape)}"
                )
            grad = grad.sum_to_size(shape)  # the engine reduces broadcast gradients
        if grad.dtype != dtype:
            grad = grad.to(dtype)
        if grad.device != dev:
            raise RuntimeError(
                f"function {self.name()} returned a gradient on {grad.device} for an input on {dev} (index {index})"
            )
        return grad


def _broadcasts_to(shape, grad_shape) -> bool:
    """True if an input of ``shape`` broadcasts to ``grad_shape`` (so grad can be summed back)."""
    if len(shape) > len(grad_shape):
        return False
    for s, g in zip(reversed(shape), reversed(grad_shape)):
        if s != g and s != 1:
            return False
    return True


class AccumulateGrad:
    """The node at a leaf: adds the arriving gradient into ``leaf.grad``."""

    __slots__ = ("variable", "sequence", "__weakref__")
    next_edges = ()
    tensor_hooks = None
    retained = None

    def __init__(self, variable):
        self.variable = variable
        self.sequence = next(_sequence)

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self):
        return "<AccumulateGrad>"

    next_functions = ()


class Function:
    """Base class of differentiable ops; subclass it and define two static methods.

    Example (a custom op, as in PyTorch)::

        class Cube(Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return grad * 3 * x * x

        y = Cube.apply(t)
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define forward(ctx, *arrays)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must define backward(ctx, *grad_outputs)")

    @classmethod
    def apply(cls, *args, **kwargs):
        Tensor = _tensor_class()

        inputs = [a for a in args if isinstance(a, Tensor)]
        _check_same_device(cls, args)
        recording = is_grad_enabled()
        needs = tuple(isinstance(a, Tensor) and recording and a.requires_grad for a in args)
        ctx = Context(needs)
        raw = [a.array if isinstance(a, Tensor) else a for a in args]
        # as in PyTorch, float arithmetic never warns: inf and nan propagate, and
        # detect_anomaly() is the tool that finds where they come from
        with np.errstate(all="ignore"):
            result = cls.forward(ctx, *raw, **kwargs)
        arrays = result if isinstance(result, tuple) else (result,)

        record = any(needs)
        node = None
        if record:
            edges = [a._gradient_edge() if n else None for a, n in zip(args, needs)]
            meta = [(a.shape, a.dtype, a.device) if n else None for a, n in zip(args, needs)]
            node = Node(cls, ctx, edges, meta, tuple(isinstance(a, Tensor) for a in args))
            ctx._node = weakref.ref(node)

        outputs = []
        for index, array in enumerate(arrays):
            if array is None:
                outputs.append(None)
                continue
            differentiable = record and array.dtype.kind == "f" and id(array) not in ctx._non_differentiable
            out = Tensor._wrap(array, grad_fn=node if differentiable else None, output_nr=index)
            _share_version_if_view(out, inputs)
            outputs.append(out)

        if record:
            node.output_meta = tuple(
                None if o is None or o.grad_fn is None else (o.shape, o.dtype, o.device) for o in outputs
            )
            ctx._resolve_saved(inputs, outputs, arrays)
        return tuple(outputs) if isinstance(result, tuple) else outputs[0]


def _check_same_device(cls, args) -> None:
    Tensor = _tensor_class()

    first = None
    for position, a in enumerate(args):
        if isinstance(a, Tensor):
            if first is None:
                first = (position, a.device)
            elif a.device != first[1]:
                raise RuntimeError(
                    f"Expected all tensors to be on the same device, but found at least two "
                    f"devices, {first[1]} (argument {first[0]}) and {a.device} (argument {position}) "
                    f"in {cls.__name__}"
                )


def _share_version_if_view(out, inputs) -> None:
    """An output that is a view of an input shares its version counter (as in PyTorch), so
    that an in-place change through either is seen by backward."""
    if out.array.base is None:
        return
    for t in inputs:
        if out.array is t.array or backend.xp_of(t.array).may_share_memory(out.array, t.array):
            out._version = t._version
            return


# -------------------------------------------------------------- once-differentiable ops
class _DelayedError(Function):
    """Identity whose backward raises: marks the result of a once-differentiable backward."""

    @staticmethod
    def forward(ctx, x, *grad_inputs, message):
        ctx.message = message
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError(ctx.message)


def once_differentiable(backward):
    """Decorate a ``backward`` written on raw arrays (a kernel): it receives arrays and
    returns arrays. Differentiating its result again raises a clear error."""

    @functools.wraps(backward)
    def wrapper(ctx, *grad_outputs):
        Tensor = _tensor_class()

        raw = [None if g is None else g.array for g in grad_outputs]
        with no_grad():
            results = backward(ctx, *raw)
        single = not isinstance(results, tuple)
        results = (results,) if single else results
        tensors = [None if r is None else (r if isinstance(r, Tensor) else Tensor._wrap(r)) for r in results]
        # The result depends on the upstream gradients and, in general, on the saved inputs.
        # (PyTorch looks at the upstream gradients only, which lets g = d(op)/dx come back
        # as a constant when it really depends on x; here it is marked in that case too.)
        carrying = [g for g in grad_outputs if g is not None and g.requires_grad]
        carrying += [slot.tensor for slot in (ctx._saved or ())
                     if isinstance(slot, _SavedInput) and slot.tensor.requires_grad]
        if is_grad_enabled() and carrying:
            owner = ctx._node() if ctx._node is not None else None
            message = (
                f"function {owner.name() if owner else 'backward'} is marked with @once_differentiable "
                "(its backward is a raw kernel) and cannot be differentiated twice"
            )
            tensors = [None if t is None else _DelayedError.apply(t, *carrying, message=message) for t in tensors]
        return tensors[0] if single else tuple(tensors)

    wrapper.once_differentiable = True
    return wrapper
