"""Activation and gradient statistics, layer by layer: what ``minitorch-cnn inspect`` shows.

One forward pass records, for every leaf layer in the order it runs, the mean, standard
deviation and fraction of exact zeros of its output; one backward pass (cross-entropy
against the given labels) records the norm of the gradient reaching that output and of
the gradient of the layer's own weights. ``reinitialize_`` re-draws the weights by a
named rule, to see the lectures' claim: with Xavier's variance (about 1/fan_in) each ReLU
layer halves the second moment of the activations, so they shrink layer after layer,
while Kaiming's 2/fan_in keeps their scale (He et al., 2015).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from .. import backend, nn
from ..nn import functional as F
from ..nn import init
from ..creation import randint
from ..tensor import Tensor

_WEIGHTED = (nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.Linear)
INIT_SCHEMES = ("xavier", "kaiming", "normal0.01")


@dataclass
class LayerStats:
    name: str
    kind: str
    shape: tuple
    mean: float
    std: float
    zeros: float                 # fraction of output entries that are exactly 0
    grad_norm: float | None      # ‖∂loss/∂output‖, None if no gradient reached the output
    weight_grad_norm: float | None  # ‖∂loss/∂(the layer's own parameters)‖, None for layers without any


def reinitialize_(model, scheme: str) -> None:
    """Re-draw every convolution's and linear layer's weight by ``scheme`` — "xavier"
    (Glorot normal, gain 1), "kaiming" (He normal, fan-in, ReLU gain) or "normalSTD"
    (e.g. "normal0.01": N(0, STD²)) — and zero their biases."""
    match = re.fullmatch(r"normal(\d*\.?\d+(?:e-?\d+)?)", scheme)
    if scheme not in ("xavier", "kaiming") and match is None:
        raise ValueError(f"--init must be xavier, kaiming or normalSTD (e.g. normal0.01), got {scheme!r}")
    for module in model.modules():
        if not isinstance(module, _WEIGHTED):
            continue
        if scheme == "xavier":
            init.xavier_normal_(module.weight)
        elif scheme == "kaiming":
            init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
        else:
            init.normal_(module.weight, 0.0, float(match.group(1)))
        if module.bias is not None:
            init.zeros_(module.bias)


def _host64(array) -> np.ndarray:
    return (array if backend.device_of(array).type == "cpu" else array.get()).astype(np.float64)


def _norm(array) -> float:
    return float(math.sqrt(np.square(_host64(array)).sum()))


def activation_statistics(model, inputs: Tensor, targets: Tensor | None = None) -> list[LayerStats]:
    """Forward ``inputs`` through ``model`` (in its current mode), back-propagate the
    cross-entropy against ``targets`` (default: random labels from the seeded generator),
    and return one ``LayerStats`` per leaf-layer call."""
    leaves = [(name, m) for name, m in model.named_modules() if name and not any(True for _ in m.children())]
    rows: list[LayerStats] = []
    output_grads: dict[int, float] = {}
    handles = []

    def watch(name):
        def hook(mod, args, output):
            out = output[0] if isinstance(output, tuple) else output
            if not isinstance(out, Tensor):
                return
            values = _host64(out.array)
            index = len(rows)
            rows.append(LayerStats(name, type(mod).__name__, tuple(out.shape), float(values.mean()),
                                   float(values.std()), float((values == 0).mean()), None, None))
            if out.requires_grad:
                out.register_hook(lambda grad: output_grads.__setitem__(index, _norm(grad.array)))
        return hook

    for name, module in leaves:
        handles.append(module.register_forward_hook(watch(name)))
    try:
        for p in model.parameters():
            p.grad = None
        outputs = model(inputs)
        logits = outputs[0] if isinstance(outputs, tuple) else outputs
        if targets is None:
            # one label per image, or per pixel for a dense-prediction model
            targets = randint(0, logits.shape[1], (logits.shape[0], *logits.shape[2:]), device=logits.device)
        F.cross_entropy(logits, targets).backward()
    finally:
        for handle in handles:
            handle.remove()
    weight_norms = {name: math.sqrt(sum(_norm(p.grad.array) ** 2 for p in m.parameters(recurse=False)
                                        if p.grad is not None))
                    for name, m in leaves if any(True for _ in m.parameters(recurse=False))}
    for index, row in enumerate(rows):
        row.grad_norm = output_grads.get(index)
        row.weight_grad_norm = weight_norms.get(row.name)
    return rows
