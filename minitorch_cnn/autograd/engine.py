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

from .anomaly import check_gradient, is_anomaly_enabled
from .function import AccumulateGrad
from .grad_mode import set_grad_enabled


def _as_tuple(x):
    if x is None:
        return ()
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _root_edges(outputs, grad_outputs, create_graph):
    from ..creation import ones_like
    from ..tensor import Tensor

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
    data = grad.data
    if sys.getrefcount(data) > 3:  # grad.data, the local name, the argument
        return False
    base = data.base
    # numpy points every view at the array that owns the memory, so one level suffices
    return base is None or (getattr(base, "base", None) is None and sys.getrefcount(base) <= 3)


def _accumulate_into_leaf(leaf, grad, create_graph, engine_references=None):
    """Add ``grad`` into ``leaf.grad``. ``engine_references`` counts the references to
    ``grad`` the caller's frames hold (this function's parameter included); when given, a
    first gradient nothing else holds becomes ``.grad`` without the copy."""
    from ..tensor import Tensor

    if create_graph:
        leaf.grad = grad if leaf.grad is None else leaf.grad + grad
    elif leaf.grad is None:
        if engine_references is not None and _held_only_by_engine(grad, engine_references + 1):
            leaf.grad = Tensor._wrap(grad.data)
            return
        # a fresh array: leaf.grad must never alias a tensor the caller still holds. order="K"
        # keeps the memory layout (convolutions return NCHW views of channels-last memory;
        # a C-order copy of those is a transposing copy, several times slower than memcpy)
        leaf.grad = Tensor._wrap(grad.data.copy(order="K"))
    else:
        leaf.grad = Tensor._wrap(leaf.grad.data + grad.data)


def run_backward(outputs, grad_outputs=None, retain_graph=None, create_graph=False, inputs=None,
                 accumulate=True, allow_unused=False):
    """Backpropagate from ``outputs``.

    ``accumulate=True`` (``Tensor.backward``): gradients are added into the ``.grad`` of
    leaves (only of ``inputs`` when given). ``accumulate=False`` (``autograd.grad``): the
    gradients of ``inputs`` are returned and no ``.grad`` is touched.
    """
    from ..tensor import Tensor

    outputs = _as_tuple(outputs)
    grad_outputs = _as_tuple(grad_outputs)
    retain_graph = create_graph if retain_graph is None else retain_graph
    roots = _root_edges(outputs, grad_outputs, create_graph)

    targets = {}  # node -> {output_nr: [positions in inputs]}
    input_list = _as_tuple(inputs)
    for position, t in enumerate(input_list):
        if not isinstance(t, Tensor):
            raise TypeError(f"inputs[{position}]: expected a Tensor, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError(f"inputs[{position}]: one of the differentiated Tensors does not require grad")
        node, nr = t._gradient_edge()
        targets.setdefault(node, {}).setdefault(nr, []).append(position)
    captured = [None] * len(input_list)

    root_nodes = list({edge[0]: None for edge, _ in roots})
    dependencies, reachable = _discover(root_nodes)
    needed = _needed(reachable, targets) if input_list else None

    buffers = {}
    for (node, nr), grad in roots:
        buffer = buffers.setdefault(node, [None] * _num_outputs(node))
        _add(buffer, nr, grad)

    # ready nodes run latest-created first: it keeps the buffers of long graphs small
    ready = [(-n.sequence, id(n), n) for n in root_nodes if dependencies.get(n, 0) == 0]
    heapq.heapify(ready)
    anomaly = is_anomaly_enabled()
    with set_grad_enabled(create_graph):
        while ready:
            _, _, node = heapq.heappop(ready)
            grads = buffers.pop(node)
            if node.tensor_hooks:
                for nr, hooks in node.tensor_hooks.items():
                    if grads[nr] is not None and hooks:
                        grads[nr] = _run_hooks(hooks, grads[nr])
            if node.retained:
                for nr, ref in node.retained.items():
                    tensor = ref()
                    if tensor is not None and grads[nr] is not None:
                        _accumulate_into_leaf(tensor, grads[nr], create_graph)
            if node in targets:
                for nr, positions in targets[node].items():
                    for p in positions:
                        captured[p] = grads[nr]

            if isinstance(node, AccumulateGrad):
                leaf = node.variable
                grad = grads[0]
                # the engine's only reference is now ``grad``: drop the buffer and the
                # previous node's results, which still hold it (see below)
                grads = buffer = results = None
                if grad is None:
                    continue
                if leaf._hooks:
                    grad = _run_hooks(leaf._hooks, grad)
                    if node in targets:
                        for p in targets[node][0]:
                            captured[p] = grad
                if accumulate and (not input_list or node in targets):
                    # references: ``grad`` here and the callee's parameter; anything else
                    # (a hook that kept it, ``captured``, the caller's upstream) forces a copy
                    _accumulate_into_leaf(leaf, grad, create_graph, engine_references=1)
                continue

            if needed is not None and not any(n in needed for n in _children(node)):
                continue  # everything we were asked for lies elsewhere
            if all(g is None for g in grads):
                results = [None] * len(node.next_edges)  # nothing flows; still release the children
            else:
                for nr, meta in enumerate(node.output_meta):
                    if grads[nr] is None and meta is not None:
                        grads[nr] = _zeros(meta)
                results = node.apply(grads)
                if anomaly:
                    for i, g in enumerate(results):
                        if g is not None:
                            check_gradient(node.name(), i, g, node.creation)
            if not retain_graph:
                node.ctx._release()
            for edge, grad in zip(node.next_edges, results):
                if edge is None:
                    continue
                child, nr = edge
                if needed is not None and child not in needed:
                    continue
                buffer = buffers.setdefault(child, [None] * _num_outputs(child))
                if grad is not None:
                    _add(buffer, nr, grad)
                dependencies[child] -= 1
                if dependencies[child] == 0:
                    heapq.heappush(ready, (-child.sequence, id(child), child))

    if accumulate:
        # backward(inputs=[...]) also accumulates into non-leaf inputs, as in PyTorch
        for t, g in zip(input_list, captured):
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
