"""The autograd engine's cost per op: graphs of tiny ops, where the arithmetic is nothing
and the bookkeeping (recording a node, dispatch, the backward walk) is everything, ours
against PyTorch's, as ops per second.

Three graphs: a chain of elementwise ops on a 4-element tensor (each op's node feeds the
next), the same ops forward only under no_grad (the dispatch without the graph), and a
small MLP's training step at batch 1 (linear layers of 16 features: what a model with
many small layers pays per layer).
"""

from __future__ import annotations

import platform
import time
from dataclasses import asdict, dataclass

import numpy as np

import minitorch_cnn as mt
from minitorch_cnn import blas

from . import conv
from .conv import _torch_available
from .timing import interleaved_medians, text_table


@dataclass(frozen=True)
class Case:
    name: str
    graph: str  # "chain", "chain_no_grad" or "mlp"
    ops: int  # ops per call: chain links, or layers


CASES = [Case("chain of 200 elementwise ops, forward + backward", "chain", 200),
         Case("chain of 200 elementwise ops, forward under no_grad", "chain_no_grad", 200),
         Case("MLP of 20 Linear+ReLU layers (16 wide), batch 1, training step", "mlp", 20)]
QUICK = [Case("chain of 20 elementwise ops, forward + backward", "chain", 20)]
OURS, TORCH = "minitorch", "pytorch"


def _chain(library, links, grad):
    x = library.tensor(np.linspace(-1, 1, 4), requires_grad=grad)

    def call():
        y = x
        for i in range(links // 2):
            y = y * 0.5
            y = y + x
        if grad:
            x.grad = None
            y.sum().backward()
    if grad:
        return call
    no_grad = library.no_grad

    def forward_only():
        with no_grad():
            call()
    return forward_only


def _mlp(library, layers):
    nn = library.nn
    library.manual_seed(0)
    blocks = []
    for _ in range(layers):
        blocks += [nn.Linear(16, 16), nn.ReLU()]
    model = nn.Sequential(*blocks)
    x = library.tensor(np.random.default_rng(0).standard_normal((1, 16), dtype=np.float32))
    optimizer = library.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)

    def step():
        optimizer.zero_grad()
        model(x).sum().backward()
        optimizer.step()
    return step


def _call(library, case):
    if case.graph == "mlp":
        return _mlp(library, case.ops)
    return _chain(library, case.ops, grad=case.graph == "chain")


def run(cases=None, repeats: int = 9, reference: bool = False, torch: bool = True, budget: float = 10.0):
    """Time every graph in both libraries; returns the rows and the configuration."""
    torch_version = _torch_available() if torch else None
    libraries = {OURS: mt}
    if torch_version:
        import torch as torch_module

        libraries[TORCH] = torch_module
    rows = []
    for case in cases or CASES:
        runs = {label: _call(library, case) for label, library in libraries.items()}
        medians = interleaved_medians(runs, repeats, warmup=2, budget=budget)
        for label, seconds in medians.items():
            rows.append({"case": case.name, "config": asdict(case), "implementation": label,
                         "call_us": seconds * 1e6, "us_per_op": seconds * 1e6 / case.ops,
                         "vs_torch": medians[TORCH] / seconds if TORCH in medians else None})
    config = {"blas": blas.info(), "torch": torch_version, "python": platform.python_version(),
              "machine": platform.machine(), "when": time.strftime("%Y-%m-%d %H:%M"), "repeats": repeats}
    return rows, config


def table(rows) -> str:
    share = lambda v: "" if v is None else f"{v:.0%}"  # noqa: E731
    return text_table(("case", "implementation", "µs per call", "µs per op", "% of torch's ops/s"),
                      [(r["case"], r["implementation"], f"{r['call_us']:.0f}", f"{r['us_per_op']:.1f}",
                        share(r["vs_torch"])) for r in rows])


def save(rows, config, directory: str, partial: bool = False) -> str:
    return conv.save(rows, config, directory, partial, stem="engine")
