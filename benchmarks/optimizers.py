"""One optimizer step over a model's parameters: our fused Numba kernels against the
reference formulas (NumPy, a temporary per term) and PyTorch's ``torch.optim`` (its
default, the foreach path, and the per-parameter loop), in float32.

Two parameter sets bracket what models have: VGG-11-BN's (133 M values in 38 tensors, one
of them 4096×25088) and ResNet-20's (0.27 M values in 59 tensors, most of a few thousand),
where a step is bound by memory bandwidth and by per-parameter overhead respectively.
Every optimizer is run with the options that make its pass longest (momentum, AMSGrad, a
centred average), and gradients are fixed random arrays, so each timed step does the same
work; parameters drift a little from step to step, which changes no timing.
"""

from __future__ import annotations

import platform
import time
from dataclasses import asdict, dataclass

import numpy as np

import minitorch_cnn as mt
from minitorch_cnn import blas, kernels

from .conv import _torch_available
from . import conv
from .timing import interleaved_medians, text_table


@dataclass(frozen=True)
class Case:
    name: str
    model: str
    options: tuple = ()


CASES = [Case("vgg11_bn (133 M values, 38 tensors)", "vgg11_bn"),
         Case("resnet20 (0.27 M values, 59 tensors)", "resnet_cifar", (("depth", 20), ("num_classes", 10)))]
QUICK = [Case("lenet5 (62 k values, 10 tensors)", "lenet5")]

# (label, ours, PyTorch's): the option sets that exercise every term of each update
OPTIMIZERS = [
    ("SGD momentum 0.9, weight decay", lambda o: o.SGD, dict(lr=0.01, momentum=0.9, weight_decay=5e-4)),
    ("SGD Nesterov", lambda o: o.SGD, dict(lr=0.01, momentum=0.9, nesterov=True)),
    ("Adam", lambda o: o.Adam, dict(lr=1e-3)),
    ("AdamW amsgrad", lambda o: o.AdamW, dict(lr=1e-3, amsgrad=True)),
    ("RMSprop centred, momentum", lambda o: o.RMSprop, dict(lr=1e-3, centered=True, momentum=0.9)),
    ("Adagrad", lambda o: o.Adagrad, dict(lr=1e-2)),
]
OURS, REFERENCE = "minitorch (fused)", "minitorch (reference)"
TORCH_FOREACH, TORCH_LOOP = "pytorch (foreach)", "pytorch (for-loop)"


def _arrays(case):
    mt.manual_seed(0)
    model = mt.models.get_model(case.model, **dict(case.options))
    rng = np.random.default_rng(0)
    values = [np.asarray(p.detach().cpu().array, dtype=np.float32) for p in model.parameters()]
    return values, [rng.standard_normal(v.shape, dtype=np.float32) * 1e-3 for v in values]


def _ours(values, grads, make, options, mode):
    params = [mt.nn.Parameter(mt.tensor(v.copy(), device="cpu")) for v in values]  # a CPU suite
    for p, g in zip(params, grads):
        p.grad = mt.tensor(g, device="cpu")
    optimizer = make(mt.optim)(params, **options)

    def step():
        with kernels.using(mode):
            optimizer.step()
    return step


def _theirs(values, grads, make, options, foreach):
    import torch

    params = [torch.nn.Parameter(torch.from_numpy(v.copy())) for v in values]
    for p, g in zip(params, grads):
        p.grad = torch.from_numpy(g)
    optimizer = make(torch.optim)(params, foreach=foreach, **options)
    return optimizer.step


def run(cases=None, repeats: int = 9, reference: bool = True, torch: bool = True, budget: float = 20.0):
    """Time every optimizer on every case; returns the rows and the configuration."""
    from tqdm import tqdm

    torch_version = _torch_available() if torch else None
    rows = []
    work = [(case, optimizer) for case in cases or CASES for optimizer in OPTIMIZERS]
    for case, (label, make, options) in tqdm(work, desc="optimizers", unit="step"):
        values, grads = _arrays(case)
        runs = {OURS: _ours(values, grads, make, options, "auto")}
        if reference:
            runs[REFERENCE] = _ours(values, grads, make, options, "reference")
        if torch_version:
            runs[TORCH_FOREACH] = _theirs(values, grads, make, options, True)
            runs[TORCH_LOOP] = _theirs(values, grads, make, options, False)
        medians = interleaved_medians(runs, repeats, budget=budget)
        for implementation, seconds in medians.items():
            rows.append({"case": case.name, "config": asdict(case), "optimizer": label, "options": options,
                         "implementation": implementation, "step_ms": seconds * 1e3,
                         "vs_fused": seconds / medians[OURS]})
        del runs, values, grads
    config = {"blas": blas.info(), "torch": torch_version, "python": platform.python_version(),
              "machine": platform.machine(), "when": time.strftime("%Y-%m-%d %H:%M"), "repeats": repeats}
    return rows, config


def table(rows) -> str:
    """One line per case and optimizer: each implementation's step time."""
    labels = [label for label in (OURS, REFERENCE, TORCH_FOREACH, TORCH_LOOP)
              if any(r["implementation"] == label for r in rows)]
    grouped = {}
    for r in rows:
        grouped.setdefault((r["case"], r["optimizer"]), {})[r["implementation"]] = r["step_ms"]
    header = ("case", "optimizer") + tuple(f"{label} ms" for label in labels)
    lines = [(case, optimizer) + tuple(f"{times[label]:.2f}" if label in times else "" for label in labels)
             for (case, optimizer), times in grouped.items()]
    return text_table(header, lines)


def save(rows, config, directory: str, partial: bool = False) -> str:
    return conv.save(rows, config, directory, partial, stem="optimizers")
