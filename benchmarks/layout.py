"""Whole networks in NCHW and in channels_last, side by side: a training step (forward,
cross-entropy, backward, SGD-momentum step) of the same network, the same weights and the
same batch, with the batch given in either memory format, in float32.

Batch norm, pooling, activations, dropout and residual adds keep the memory format (as in
PyTorch), so a channels_last network reads channels_last memory from the first
convolution to the pooling head and makes no layout copy between its convolutions; an
NCHW network converts every convolution's input and output (and gradients) instead.
"conv input copies" counts, in one step, the convolutions whose layout copy of their input
was a real copy rather than a view (the chunked route always pads, so it copies).

Timings interleave the two layouts round by round (see ``timing``).
"""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass

import numpy as np

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import blas

from . import conv as conv_suite
from .timing import interleaved_medians, text_table


@dataclass(frozen=True)
class Case:
    name: str
    model: str
    batch: int
    input: tuple  # (C, H, W)


CASES = [Case("resnet_cifar (ResNet-20), batch 32, 3x32x32", "resnet_cifar", 32, (3, 32, 32)),
         Case("resnet18, batch 8, 3x112x112", "resnet18", 8, (3, 112, 112)),
         Case("mobilenet_v2, batch 8, 3x112x112", "mobilenet_v2", 8, (3, 112, 112))]
LAYOUTS = {"NCHW": mt.contiguous_format, "channels_last": mt.channels_last}


def _training_step(case, layout, images, labels):
    mt.manual_seed(0)  # the same weights in both layouts
    model = mt.models.get_model(case.model)
    model.train()
    optimizer = mt.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    targets = mt.tensor(labels)

    def step():
        batch = mt.tensor(images).contiguous(memory_format=layout)  # as a loader's batch would be converted
        optimizer.zero_grad()
        F.cross_entropy(model(batch), targets).backward()
        optimizer.step()

    return step


def conv_input_copies(step):
    """How many convolutions in one call of ``step`` made a real copy of their input (None
    for a library without plans)."""
    plan_class = getattr(mt.kernels, "ConvPlan", None)
    if plan_class is None:
        return None
    original = plan_class.input_layout
    copies = []

    def counting(plan, array):
        laid = original(plan, array)
        copies.append(not np.shares_memory(laid, array))
        return laid

    plan_class.input_layout = counting
    try:
        step()
    finally:
        plan_class.input_layout = original
    return sum(copies)


def run(cases=None, repeats: int = 5, reference: bool = False, torch: bool = False, budget: float = 60.0):
    """Time both layouts on every case. ``reference`` and ``torch`` are accepted for the
    common command line and unused: the reference kernels would take minutes per step, and
    the model-level comparison with PyTorch is its own suite."""
    from tqdm import tqdm

    rows = []
    for case in tqdm(cases or CASES, desc="layout", unit="model"):
        rng = np.random.default_rng(0)
        images = rng.standard_normal((case.batch,) + case.input, dtype=np.float32)
        labels = rng.integers(0, 10, case.batch)
        steps = {name: _training_step(case, layout, images, labels) for name, layout in LAYOUTS.items()}
        copies = {name: conv_input_copies(step) for name, step in steps.items()}
        medians = interleaved_medians(steps, repeats, budget=budget)
        for name in LAYOUTS:
            rows.append({"case": case.name, "layout": name, "step_ms": medians[name] * 1e3,
                         "vs_nchw": medians[name] / medians["NCHW"], "conv_input_copies": copies[name]})
    config = {"blas": blas.info(), "python": platform.python_version(), "machine": platform.machine(),
              "when": time.strftime("%Y-%m-%d %H:%M")}
    return rows, config


def table(rows) -> str:
    header = ("case", "layout", "train step ms", "x NCHW", "conv input copies")
    lines = [(r["case"], r["layout"], f"{r['step_ms']:.1f}", f"{r['vs_nchw']:.2f}",
              "" if r["conv_input_copies"] is None else str(r["conv_input_copies"])) for r in rows]
    return text_table(header, lines)


def save(rows, config, directory: str, partial: bool = False) -> str:
    return conv_suite.save(rows, config, directory, partial, stem="layout")
