"""``summary(model, input_size)``: every layer's output shape, parameters, multiply-
accumulates (MACs) and activation memory, measured with forward hooks on a real forward
pass, with totals — the numbers the lectures compute by hand.

What is counted, and why:

* Parameters: each module's own, recursively for containers, counted once even if the
  module is called twice (a shared ReLU). The total is ``model.parameters()``.
* MACs: multiply-accumulates of the layers that do the arithmetic: convolutions
  (output elements × C_in/groups × kernel area), transposed convolutions (input elements ×
  C_out/groups × kernel area), fully connected layers (output elements × in_features) and
  multi-head attention (the four projections plus QKᵀ and the weighted sum of V), for the
  whole batch. Bias additions, normalisation, activations and pooling are not
  included, as in the papers' counts. Containers add up the MACs of what runs inside them.
* Activation memory: the bytes of each layer's output; the total adds the leaf layers
  only, so nothing is counted twice. This is what a training step keeps for backward.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .. import nn
from ..autograd.grad_mode import no_grad
from ..creation import tensor as make_tensor
from ..tensor import Tensor


def _conv_macs(module, inputs, output):
    return output.numel() * (module.in_channels // module.groups) * math.prod(module.kernel_size)


def _conv_transpose_macs(module, inputs, output):
    return inputs[0].numel() * (module.out_channels // module.groups) * math.prod(module.kernel_size)


def _linear_macs(module, inputs, output):
    return output.numel() * module.in_features


def _attention_macs(module, inputs, output):
    """Q, K and V projections, the scores QKᵀ, the weighted sum of V and the output
    projection (the count behind torchvision's ViT GFLOPS)."""
    query, key = inputs[0], inputs[1]
    batch_axis = 0 if module.batch_first else 1
    batch, embed = query.shape[batch_axis], module.embed_dim
    queries, keys = query.shape[1 - batch_axis], key.shape[1 - batch_axis]
    projections = (2 * queries + 2 * keys) * embed * embed
    return batch * (projections + 2 * queries * keys * embed)


# Layer type -> MACs of one call. A type listed here counts as a leaf even if it has
# children: MultiheadAttention applies its out_proj's weights itself, so the child never runs.
MAC_COUNTERS = {
    nn.Conv1d: _conv_macs, nn.Conv2d: _conv_macs,
    nn.ConvTranspose1d: _conv_transpose_macs, nn.ConvTranspose2d: _conv_transpose_macs,
    nn.Linear: _linear_macs, nn.MultiheadAttention: _attention_macs,
}


def count_macs(module, inputs, output) -> int:
    """The multiply-accumulates of one call of a leaf layer (0 for layers that do none)."""
    for layer_type, counter in MAC_COUNTERS.items():
        if isinstance(module, layer_type):
            return int(counter(module, inputs, output))
    return 0


def _tensors(value):
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in _tensors(item)]
    return []


@dataclass
class LayerRow:
    """One call of one module, in the order the calls began (the model itself is depth 0)."""

    name: str
    type: str
    depth: int
    is_leaf: bool
    output_shapes: list = field(default_factory=list)
    params: int = 0
    trainable_params: int = 0
    macs: int = 0
    activation_bytes: int = 0

    @property
    def output_shape(self):
        """The output's shape, or a list of shapes for a module that returns several."""
        return self.output_shapes[0] if len(self.output_shapes) == 1 else self.output_shapes


@dataclass
class ModelSummary:
    """The rows and totals of ``summary``; ``str()`` gives the table."""

    model_name: str
    input_shape: tuple
    rows: list
    total_params: int
    trainable_params: int
    total_macs: int
    activation_bytes: int
    param_bytes: int
    input_bytes: int
    max_depth: int | None = None

    def row(self, name: str) -> LayerRow:
        """The first row of the module named ``name`` (as in ``named_modules``)."""
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(f"summary has no layer named {name!r}")

    def visible_rows(self) -> list:
        """The printed rows: every module down to ``max_depth`` (the model itself only when it
        is a single layer)."""
        return [r for r in self.rows if (r.depth >= 1 or r.is_leaf)
                and (self.max_depth is None or r.depth <= self.max_depth)]

    def __str__(self) -> str:
        header = ("Layer (type)", "Output shape", "Param #", "MACs", "Activations")
        lines = []
        for r in self.visible_rows():
            shape = " ".join(str(list(s)) for s in r.output_shapes)
            lines.append(("  " * max(r.depth - 1, 0) + f"{r.name or 'model'} ({r.type})", shape, f"{r.params:,}" if r.params else "-",
                          f"{r.macs:,}" if r.macs else "-", _bytes(r.activation_bytes)))
        widths = [max(len(row[i]) for row in lines + [header]) for i in range(len(header))]
        fmt = "  ".join(["{:<%d}" % widths[0], "{:<%d}" % widths[1]] + ["{:>%d}" % w for w in widths[2:]])
        rule = "=" * (sum(widths) + 2 * (len(widths) - 1))
        out = [f"{self.model_name} on input {list(self.input_shape)}", rule, fmt.format(*header), rule]
        out += [fmt.format(*row) for row in lines]
        out += [rule,
                f"Total params: {self.total_params:,}",
                f"Trainable params: {self.trainable_params:,}",
                f"Non-trainable params: {self.total_params - self.trainable_params:,}",
                f"Total MACs: {self.total_macs:,}{_scaled(self.total_macs)}",
                f"Input size: {_bytes(self.input_bytes)}",
                f"Forward activations: {_bytes(self.activation_bytes)}",
                f"Params size: {_bytes(self.param_bytes)}",
                rule]
        return "\n".join(out)


def _scaled(n: int) -> str:
    for unit, scale in (("G", 1e9), ("M", 1e6)):
        if n >= scale:
            return f" ({n / scale:.2f} {unit})"
    return ""


def _bytes(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.2f} {unit}"
    return f"{n} B"


def parse_input_size(text: str) -> tuple:
    """'3x224x224' (or '3,224,224') -> (3, 224, 224); a ValueError naming the text otherwise."""
    parts = text.replace(",", "x").replace("×", "x").split("x")
    try:
        size = tuple(int(p) for p in parts)
    except ValueError:
        size = ()
    if not size or any(s <= 0 for s in size):
        raise ValueError(f"input size must be positive integers like 3x224x224, got {text!r}")
    return size


def summary(model, input_size=None, *, input=None, batch_size: int = 1, depth: int | None = None,
            train: bool = False) -> ModelSummary:
    """Run one forward pass of ``model`` on a (batch_size, *input_size) input (or the given
    ``input``) and tabulate every module call. ``depth`` limits the printed rows to modules
    nested at most that deep (their numbers include everything inside them); ``train`` runs
    the pass in training mode (e.g. to see auxiliary classifiers). The model's modes and
    buffers are left as they were."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"summary: model must be an nn.Module, got {type(model).__name__}")
    if depth is not None and depth < 1:
        raise ValueError(f"summary: depth must be >= 1 or None, got {depth}")
    parameters = list(model.parameters())
    if input is None:
        if input_size is None:
            raise ValueError("summary: give input_size (C, H, W) or an input tensor")
        input_size = tuple(input_size)
        if batch_size < 1 or not input_size or any(int(s) <= 0 for s in input_size):
            raise ValueError(f"summary: input_size and batch_size must be positive, got input_size={input_size}, "
                             f"batch_size={batch_size}")
        reference = parameters[0] if parameters else None
        values = np.random.default_rng(0).standard_normal((batch_size, *input_size))
        input = make_tensor(values, dtype=reference.dtype if reference is not None else None,
                            device=reference.device if reference is not None else None)
    names = {id(m): name for name, m in model.named_modules()}
    rows, stack, seen = [], [], set()

    def before(module, inputs):
        name = names.get(id(module), "?")
        is_leaf = not any(True for _ in module.children()) or isinstance(module, tuple(MAC_COUNTERS))
        depth = 0 if module is model else name.count(".") + 1
        row = LayerRow(name, type(module).__name__, depth, is_leaf)
        if id(module) not in seen:
            seen.add(id(module))
            own = list(module.parameters())
            row.params = sum(p.numel() for p in own)
            row.trainable_params = sum(p.numel() for p in own if p.requires_grad)
        rows.append(row)
        stack.append(row)

    def after(module, inputs, output):
        row = stack.pop()
        outputs = _tensors(output)
        row.output_shapes = [tuple(t.shape) for t in outputs]
        row.activation_bytes = sum(t.numel() * t.array.itemsize for t in outputs)
        if row.is_leaf:
            macs = count_macs(module, inputs, output)
            for open_row in stack + [row]:
                open_row.macs += macs

    handles = []
    for module in model.modules():
        handles.append(module.register_forward_pre_hook(before))
        handles.append(module.register_forward_hook(after))
    modes = {id(m): m.training for m in model.modules()}
    saved_buffers = [(b, b.array.copy()) for b in model.buffers()]
    try:
        model.train(train)
        with no_grad():
            model(input)
    finally:
        for handle in handles:
            handle.remove()
        for m in model.modules():
            m.training = modes[id(m)]
        for buffer, data in saved_buffers:
            buffer.array[...] = data
    leaves = [r for r in rows if r.is_leaf]
    return ModelSummary(
        model_name=type(model).__name__,
        input_shape=tuple(input.shape),
        rows=rows,
        total_params=sum(p.numel() for p in parameters),
        trainable_params=sum(p.numel() for p in parameters if p.requires_grad),
        total_macs=sum(r.macs for r in leaves),
        activation_bytes=sum(r.activation_bytes for r in leaves),
        param_bytes=sum(p.numel() * p.array.itemsize for p in parameters),
        input_bytes=input.numel() * input.array.itemsize,
        max_depth=depth,
    )
