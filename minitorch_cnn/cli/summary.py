"""``minitorch-cnn summary MODEL`` (the per-layer table) and ``minitorch-cnn models`` (the
registered models with their parameter counts)."""

from __future__ import annotations

import math
import sys

from ..memory import human_bytes, physical_memory
from .table import print_table


def add_parsers(sub) -> None:
    summ = sub.add_parser("summary", help="the per-layer table of a model (shapes, parameters, MACs, memory)",
                          epilog="examples:\n  minitorch-cnn summary lenet5\n"
                                 "  minitorch-cnn summary resnet18 --depth 2\n"
                                 "  minitorch-cnn summary alexnet --input 3x227x227")
    summ.add_argument("model", help="a registered model name (see 'minitorch-cnn models')")
    summ.add_argument("--input", default=None, help="input size CxHxW (default: the model's native size)")
    summ.add_argument("--depth", type=int, default=None, help="show modules nested at most this deep")
    summ.add_argument("--batch-size", type=int, default=1, help="batch size of the forward pass (default 1)")
    summ.add_argument("--num-classes", type=int, default=None, help="number of classes (default: the model's)")
    summ.add_argument("--train", action="store_true", help="run the pass in training mode (shows auxiliary heads)")
    summ.set_defaults(run=run_summary)

    mods = sub.add_parser("models", help="list the registered models with their parameter counts",
                          epilog="example:\n  minitorch-cnn models --quiet")
    mods.add_argument("--quiet", action="store_true", help="no progress bar")
    mods.set_defaults(run=run_models)


def model_options(args) -> dict:
    return {} if args.num_classes is None else {"num_classes": args.num_classes}


def run_summary(args) -> int:
    from .. import models
    from ..inspect import parse_input_size, summary

    entry = models.model_entry(args.model)
    input_size = parse_input_size(args.input) if args.input else entry.input_size
    if len(input_size) != len(entry.input_size):
        raise ValueError(f"--input: expected CxHxW like {'x'.join(map(str, entry.input_size))} for {args.model}, "
                         f"got {args.input!r}")
    needed = args.batch_size * math.prod(input_size) * 8  # the float64 input alone
    if needed > physical_memory():
        raise ValueError(f"--input {args.input} with --batch-size {args.batch_size}: the input alone needs "
                         f"{human_bytes(needed)}, more than this machine's memory ({human_bytes(physical_memory())})")
    model = entry.constructor(**model_options(args))
    try:
        table = summary(model, input_size, batch_size=args.batch_size, depth=args.depth, train=args.train)
    except (ValueError, RuntimeError) as error:  # e.g. an input too small for the network
        raise ValueError(f"{args.model} on input {'x'.join(map(str, input_size))}: {error}") from None
    print(table)
    return 0


def run_models(args) -> int:
    from tqdm import tqdm

    from .. import models

    rows = []
    for name in tqdm(models.list_models(), desc="building", unit="model", file=sys.stderr, disable=args.quiet):
        entry = models.model_entry(name)
        model = entry.constructor()
        params = sum(p.numel() for p in model.parameters() if p.requires_grad)
        rows.append((name, entry.family, "x".join(map(str, entry.input_size)), f"{params:,}"))
        del model
    print_table(("model", "family", "input", "parameters"), rows, right_aligned=(3,))
    return 0
