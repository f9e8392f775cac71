"""The backward engine: walks the recorded graph in reverse topological order.

Never recursive: the graph is discovered with an explicit stack and run with Kahn's
algorithm (a node runs once every node that feeds it a gradient has run), so a chain of
any length backpropagates without touching Python's recursion limit. The engine owns the
bookkeeping that individual ops should not repeat: summing the gradients of a tensor used
several times, reducing broadcast gradients (in ``Node.apply``), running hooks, checking
for NaN under ``detect_anomaly``, and freeing each node's saved arrays once it has run
unless ``retain_graph=True``.
"""

from __future__ import annotations

import heapq
import sys

from .. import backend
from .anomaly import check_gradient, is_anomaly_enabled
from .function import AccumulateGrad, _tensor_class
from .grad_mode import set_grad_enabled


def _as_tuple(x):
    if x is None:
        return ()
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _root_edges(outputs, grad_outputs, create_graph):
    from ..creation import ones_like
    Tensor = _tensor_class()

    if grad_outputs and len(grad_outputs) != len(outputs):
        raise ValueError(f"grad_outputs: expected {len(outputs)} gradients (one per output), got {len(grad_outputs)}")
    roots = []
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"outputs[{i}]: expected a Tensor, got {type(out).__name__}")
        edge = out._gradient_edge()
        if edge is None:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        grad = grad_outputs[i] if grad_outputs else None
        if grad is None:
            if out.numel() != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs (output {i} has shape {list(out.shape)})"
                )
            grad = ones_like(out)
        elif not isinstance(grad, Tensor):
            raise TypeError(f"grad_outputs[{i}]: expected a Tensor, got {type(grad).__name__}")
        elif grad.shape != out.shape:
            raise RuntimeError(
                f"grad_outputs[{i}]: mismatch in shape: grad_output has a shape of {list(grad.shape)} "
                f"and output has a shape of {list(out.shape)}"
            )
        elif grad.device != out.device:
            raise RuntimeError(f"grad_outputs[{i}]: is on {grad.device} but output {i} is on {out.device}")
        if not create_graph:
            grad = grad.detach()
        roots.append((edge, grad))
    return roots


def _discover(root_nodes):
    """Count, for every reachable node, the edges that lead into it (iteratively)."""
    dependencies = {}
    seen = set()
    stack = list(root_nodes)
    for node in root_nodes:
        seen.add(node)
    while stack:
        node = stack.pop()
        for edge in node.next_edges:
            if edge is None:
                continue
            child = edge[0]
            dependencies[child] = dependencies.get(child, 0) + 1
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return dependencies, seen


def _needed(nodes, targets):
    """Nodes from which a target is reachable (only these run for ``autograd.grad``)."""
    parents = {}
    for node in nodes:
        for edge in node.next_edges:
            if edge is not None:
                parents.setdefault(edge[0], []).append(node)
    needed = set(targets)
    stack = list(targets)
    while stack:
        node = stack.pop()
        for parent in parents.get(node, ()):
            if parent not in needed:
                needed.add(parent)
                stack.append(parent)
    return needed


def _add(buffer, index, grad):
    buffer[index] = grad if buffer[index] is None else buffer[index] + grad


def _run_hooks(hooks, grad):
    for hook in list(hooks.values()):
        replaced = hook(grad)
        if replaced is not None:
            grad = replaced
    return grad


def _held_only_by_engine(grad, engine_references):
    """True when nothing outside the engine can reach ``grad`` or its memory: the tensor has
    only the ``engine_references`` of the calling frames, its array only the tensor's, and an array that
    is a view (an NCHW view of channels-last memory, a reshape) has a base nothing else
    holds. Then the gradient can become ``.grad`` as it is; PyTorch's AccumulateGrad
    "steals" a gradient on the same condition (its use count)."""
    if sys.getrefcount(grad) > engine_references + 2:  # + this parameter and getrefcount's argument
        return False
    data = grad.array
    if sys.getrefcount(data) > 3:  # grad.array, the local name, the argument
        return False
    if any(stride == 0 and size > 1 for stride, size in zip(data.strides, data.shape)):
        return False  # a broadcast view (several elements in one place) cannot become a writable .grad
    base = data.base
    # numpy points every view at the array that owns the memory, so one level suffices
    return base is None or (getattr(base, "base", None) is None and sys.getrefcount(base) <= 3)


def _dense(array) -> bool:
    """True when ``array`` covers its memory exactly once in some order of its axes (C
    order, channels_last, a transpose of either): the layouts a gradient can copy."""
    order = sorted(range(array.ndim), key=lambda axis: -array.strides[axis])
    return array.transpose(order).flags.c_contiguous


def _same_layout(a, b) -> bool:
    """Equal strides along every axis longer than one (a length-1 axis's stride is arbitrary)."""
    return all(sa == sb for sa, sb, n in zip(a.strides, b.strides, a.shape) if n > 1)


def _in_layout_of(leaf_array, grad_array):
    """A fresh copy of ``grad_array`` laid out as ``leaf_array``: PyTorch's gradient layout
    contract (a dense parameter's ``.grad`` has the parameter's strides), so that the
    optimizers' fused passes read parameter, gradient and state in one order."""
    out = backend.xp_of(leaf_array).empty_like(leaf_array, dtype=grad_array.dtype)
    out[...] = grad_array
    return out


def _accumulate_into_leaf(leaf, grad, create_graph, engine_references=None):
    """Add ``grad`` into ``leaf.grad``. ``engine_references`` counts the references to
    ``grad`` the caller's frames hold (this function's parameter included); when given, a
    first gradient nothing else holds becomes ``.grad`` without the copy."""
    Tensor = _tensor_class()

    if create_graph:
        leaf.grad = grad if leaf.grad is None else leaf.grad + grad
    elif leaf.grad is None:
        if not _same_layout(leaf.array, grad.array) and _dense(leaf.array):
            leaf.grad = Tensor._wrap(_in_layout_of(leaf.array, grad.array))
            return
        if engine_references is not None and _held_only_by_engine(grad, engine_references + 1):
            leaf.grad = Tensor._wrap(grad.array)
            return
        # a fresh array: leaf.grad must never alias a tensor the caller still holds. order="K"
        # keeps the memory layout (convolutions return NCHW views of channels-last memory;
        # a C-order copy of those is a transposing copy, several times slower than memcpy)
        leaf.grad = Tensor._wrap(grad.array.copy(order="K"))
    else:
        leaf.grad = Tensor._wrap(leaf.grad.array + grad.array)


def _targets(inputs):
    """{node: {output_nr: [positions in inputs]}} for the tensors ``autograd.grad`` asks about."""
    Tensor = _tensor_class()

    targets = {}
    for position, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"inputs[{position}]: expected a Tensor, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError(f"inputs[{position}]: one of the differentiated Tensors does not require grad")
        node, nr = t._gradient_edge()
        targets.setdefault(node, {}).setdefault(nr, []).append(position)
    return targets


class _Backward:
    """One backward pass over the graph, in phases: ``__init__`` discovers the graph and
    seeds the roots' gradients; ``run`` pops the ready nodes in order and, for each,
    ``_receive``s its summed gradients (hooks, retained and captured gradients), then either
    ``_accumulate``s into a leaf or ``_apply``s the node and ``_send``s its results on."""

    def __init__(self, roots, inputs, retain_graph, create_graph, accumulate):
        self.inputs, self.retain_graph, self.create_graph, self.accumulate = inputs, retain_graph, create_graph, \
            accumulate
        self.targets = _targets(inputs)
        self.captured = [None] * len(inputs)
        root_nodes = list({edge[0]: None for edge, _ in roots})
        self.dependencies, reachable = _discover(root_nodes)
        self.needed = _needed(reachable, self.targets) if inputs else None
        self.buffers = {}
        for (node, nr), grad in roots:
            _add(self._buffer(node), nr, grad)
        # ready nodes run latest-created first: it keeps the buffers of long graphs small
        self.ready = [(-n.sequence, id(n), n) for n in root_nodes if self.dependencies.get(n, 0) == 0]
        heapq.heapify(self.ready)
        self.anomaly = is_anomaly_enabled()

    def _buffer(self, node):
        return self.buffers.setdefault(node, [None] * _num_outputs(node))

    def run(self):
        """Every node once all that feed it have run; returns the captured input gradients."""
        with set_grad_enabled(self.create_graph):
            while self.ready:
                _, _, node = heapq.heappop(self.ready)
                grads = self._receive(node)
                if isinstance(node, AccumulateGrad):
                    # pop: the engine's only reference to the gradient is then the callee's
                    # parameter, so a gradient nothing else holds can become .grad uncopied
                    self._accumulate(node, grads.pop())
                else:
                    self._apply(node, grads)
        return self.captured

    def _receive(self, node):
        """The node's summed gradients, after its tensors' hooks; retained and captured too."""
        grads = self.buffers.pop(node)
        for nr, hooks in node.tensor_hooks.items() if node.tensor_hooks else ():
            if grads[nr] is not None and hooks:
                grads[nr] = _run_hooks(hooks, grads[nr])
        for nr, ref in node.retained.items() if node.retained else ():
            tensor = ref()
            if tensor is not None and grads[nr] is not None:
                _accumulate_into_leaf(tensor, grads[nr], self.create_graph)
        for nr, positions in self.targets.get(node, {}).items():
            for p in positions:
                self.captured[p] = grads[nr]
        return grads

    def _accumulate(self, node, grad):
        """A leaf's gradient: its hooks, then into ``.grad`` (only the asked-for leaves when
        ``inputs`` were given)."""
        if grad is None:
            return
        leaf = node.variable
        if leaf._hooks:
            grad = _run_hooks(leaf._hooks, grad)
            for p in self.targets.get(node, {}).get(0, ()):
                self.captured[p] = grad
        if self.accumulate and (not self.inputs or node in self.targets):
            # references: ``grad`` here and the callee's parameter; anything else (a hook
            # that kept it, ``captured``, the caller's upstream) forces a copy
            _accumulate_into_leaf(leaf, grad, self.create_graph, engine_references=1)

    def _apply(self, node, grads):
        """Run the node's backward (unless nothing asked for lies behind it) and pass its
        results to the nodes that feed it."""
        if self.needed is not None and not any(n in self.needed for n in _children(node)):
            return  # everything we were asked for lies elsewhere
        if all(g is None for g in grads):
            results = [None] * len(node.next_edges)  # nothing flows; still release the children
        else:
            for nr, meta in enumerate(node.output_meta):
                if grads[nr] is None and meta is not None:
                    grads[nr] = _zeros(meta)
            results = node.apply(grads)
            if self.anomaly:
                for i, g in enumerate(results):
                    if g is not None:
                        check_gradient(node.name(), i, g, node.creation)
        if not self.retain_graph:
            node.ctx._release()
        self._send(node, results)

    def _send(self, node, results):
        for edge, grad in zip(node.next_edges, results):
            if edge is None:
                continue
            child, nr = edge
            if self.needed is not None and child not in self.needed:
                continue
            buffer = self._buffer(child)
            if grad is not None:
                _add(buffer, nr, grad)
            self.dependencies[child] -= 1
            if self.dependencies[child] == 0:
                heapq.heappush(self.ready, (-child.sequence, id(child), child))


def run_backward(outputs, grad_outputs=None, retain_graph=None, create_graph=False, inputs=None,
                 accumulate=True, allow_unused=False):
    """Backpropagate from ``outputs``.

    ``accumulate=True`` (``Tensor.backward``): gradients are added into the ``.grad`` of
    leaves (only of ``inputs`` when given). ``accumulate=False`` (``autograd.grad``): the
    gradients of ``inputs`` are returned and no ``.grad`` is touched.
    """
    outputs = _as_tuple(outputs)
    grad_outputs = _as_tuple(grad_outputs)
    retain_graph = create_graph if retain_graph is None else retain_graph
    roots = _root_edges(outputs, grad_outputs, create_graph)
    inputs = _as_tuple(inputs)
    captured = _Backward(roots, inputs, retain_graph, create_graph, accumulate).run()
    return _finish(inputs, captured, create_graph, accumulate, allow_unused)


def _finish(inputs, captured, create_graph, accumulate, allow_unused):
    """``backward(inputs=...)`` accumulates into non-leaf inputs too, as in PyTorch;
    ``autograd.grad`` returns the captured gradients, checking none is missing."""
    if accumulate:
        for t, g in zip(inputs, captured):
            if g is not None and t.grad_fn is not None:
                _accumulate_into_leaf(t, g, create_graph)
        return None
    for position, g in enumerate(captured):
        if g is None and not allow_unused:
            raise RuntimeError(
                f"inputs[{position}]: One of the differentiated Tensors appears to not have been "
                "used in the graph. Set allow_unused=True if this is the desired behavior."
            )
    if not create_graph:
        captured = [None if g is None else g.detach() for g in captured]
    return tuple(captured)


def _children(node):
    return [e[0] for e in node.next_edges if e is not None]


def _num_outputs(node):
    return 1 if isinstance(node, AccumulateGrad) else len(node.output_meta)


def _zeros(meta):
    from ..creation import zeros

    shape, dtype, dev = meta
    return zeros(shape, dtype=dtype, device=dev)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned as a tuple (no ``.grad``
    is modified). As ``torch.autograd.grad``."""
    return run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=_as_tuple(inputs),
                        accumulate=False, allow_unused=allow_unused)
