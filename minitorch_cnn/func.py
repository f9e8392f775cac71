"""``functional_call``: run a module with some of its parameters or buffers replaced by
other tensors, as ``torch.func.functional_call``.

The replacement tensors may be results of differentiable ops, so gradients flow to
whatever they were computed from. This is what lets a whole model be gradient-checked as a
function of one flat parameter vector (``checks.models``), and what meta-learning and
per-sample-gradient code needs: the module's own Parameters are put back afterwards.
"""

from __future__ import annotations

from .tensor import Tensor


def _owner(module, name: str):
    """(submodule, store, attribute) for a dotted parameter or buffer name."""
    *path, attribute = name.split(".")
    owner = module
    for part in path:
        child = owner._modules.get(part)
        if child is None:
            raise KeyError(f"functional_call: {type(module).__name__} has no submodule {part!r} (in {name!r})")
        owner = child
    for store in (owner._parameters, owner._buffers):
        if attribute in store and store[attribute] is not None:
            return owner, store, attribute
    raise KeyError(f"functional_call: {type(module).__name__} has no parameter or buffer named {name!r}")


def functional_call(module, parameters_and_buffers: dict, args=(), kwargs=None):
    """``module(*args, **kwargs)`` with each named parameter or buffer (state_dict names,
    e.g. ``"layer1.0.conv1.weight"``) replaced by the given tensor for this one call.
    Shapes must match; names must exist. The module is restored even if forward raises."""
    if not isinstance(args, tuple):
        args = (args,)
    swaps = []
    for name, value in parameters_and_buffers.items():
        if not isinstance(value, Tensor):
            raise TypeError(f"functional_call: the value for {name!r} must be a Tensor, got {type(value).__name__}")
        owner, store, attribute = _owner(module, name)
        if tuple(store[attribute].shape) != tuple(value.shape):
            raise ValueError(f"functional_call: {name!r} has shape {tuple(store[attribute].shape)}, "
                             f"the replacement has shape {tuple(value.shape)}")
        swaps.append((store, attribute))
    originals = [(store, attribute, store[attribute]) for store, attribute in swaps]
    try:
        for (store, attribute), value in zip(swaps, parameters_and_buffers.values()):
            store[attribute] = value
        return module(*args, **(kwargs or {}))
    finally:
        for store, attribute, original in originals:
            store[attribute] = original
