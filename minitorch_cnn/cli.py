"""The ``minitorch-cnn`` command (also ``python -m minitorch_cnn``).

Subcommands:
  gradcheck   run the registered gradient checks (ops and whole models) and print a table
  summary     the per-layer table of a model: output shapes, parameters, MACs, memory
  models      the registered models with their parameter counts
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import sys


def _gradcheck(args) -> int:
    from tqdm import tqdm

    from .checks import checks, run_check

    patterns = list(args.names) + ([args.op] if args.op else [])
    selected = [c for c in checks() if not patterns or any(fnmatch.fnmatch(c.op, p) for p in patterns)]
    if args.order:
        selected = [c for c in selected if c.order == args.order]
    if not selected:
        print(f"minitorch-cnn gradcheck: no registered check matches {' '.join(patterns)!r} "
              f"(see 'minitorch-cnn models' for model names)", file=sys.stderr)
        return 2
    rows, failures = [], []
    for check in tqdm(selected, desc="gradcheck", unit="check", file=sys.stderr, disable=args.quiet):
        result, seconds = run_check(check, fast_mode=True if args.fast else None)
        mode = "fast" if (args.fast or check.fast_mode) else "full"
        rows.append((check.op, check.config, str(check.order), mode, f"{result.max_abs_error:.2e}",
                     f"{result.max_rel_error:.2e}", f"{seconds:.2f}", "pass" if result.passed else "FAIL"))
        if not result.passed:
            failures.append(result.message)
    _print_table(("op", "configuration", "order", "mode", "max abs err", "max rel err", "seconds", "result"), rows)
    print(f"\n{len(rows) - len(failures)} passed, {len(failures)} failed")
    for message in failures:
        print("\n" + message)
    return 1 if failures else 0


def _print_table(header, rows, right_aligned=()) -> None:
    widths = [max(len(str(r[i])) for r in list(rows) + [header]) for i in range(len(header))]
    cells = ["{:>%d}" % w if i in right_aligned else "{:<%d}" % w for i, w in enumerate(widths)]
    line = "  ".join(cells)
    print(line.format(*header).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line.format(*row).rstrip())


def _model_options(args) -> dict:
    return {} if args.num_classes is None else {"num_classes": args.num_classes}


def _summary(args) -> int:
    from . import models
    from .inspect import parse_input_size, summary

    try:
        entry = models.model_entry(args.model)
        input_size = parse_input_size(args.input) if args.input else entry.input_size
    except ValueError as error:
        print(f"minitorch-cnn summary: {error}", file=sys.stderr)
        return 2
    model = entry.constructor(**_model_options(args))
    try:
        table = summary(model, input_size, batch_size=args.batch_size, depth=args.depth, train=args.train)
    except (ValueError, RuntimeError) as error:  # e.g. an input too small for the network
        print(f"minitorch-cnn summary: {args.model} on input {'x'.join(map(str, input_size))}: {error}",
              file=sys.stderr)
        return 2
    print(table)
    return 0


def _models(args) -> int:
    from tqdm import tqdm

    from . import models

    rows = []
    for name in tqdm(models.list_models(), desc="building", unit="model", file=sys.stderr, disable=args.quiet):
        entry = models.model_entry(name)
        model = entry.constructor()
        params = sum(p.numel() for p in model.parameters() if p.requires_grad)
        rows.append((name, entry.family, "x".join(map(str, entry.input_size)), f"{params:,}"))
        del model
    _print_table(("model", "family", "input", "parameters"), rows, right_aligned=(3,))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="minitorch-cnn", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n", 1)[1])
    sub = parser.add_subparsers(dest="command", required=True)
    grad = sub.add_parser("gradcheck", help="check registered ops' and models' gradients against finite differences",
                          formatter_class=argparse.RawDescriptionHelpFormatter, epilog=(
                              "examples:\n  minitorch-cnn gradcheck               every registered check\n"
                              "  minitorch-cnn gradcheck resnet18      the whole-model check of ResNet-18\n"
                              "  minitorch-cnn gradcheck 'conv*' --order 2"))
    grad.add_argument("names", nargs="*", metavar="OP_OR_MODEL",
                      help="only checks whose op or model name matches one of these globs")
    grad.add_argument("--op", default=None, help="only ops whose name matches this glob, e.g. 'pad*'")
    grad.add_argument("--order", type=int, choices=(1, 2), help="only first (1) or second (2) derivatives")
    grad.add_argument("--fast", action="store_true", help="fast mode: random projections u^T J v")
    grad.add_argument("--quiet", action="store_true", help="no progress bar")
    grad.set_defaults(run=_gradcheck)

    summ = sub.add_parser("summary", help="the per-layer table of a model (shapes, parameters, MACs, memory)",
                          formatter_class=argparse.RawDescriptionHelpFormatter, epilog=(
                              "examples:\n  minitorch-cnn summary lenet5\n"
                              "  minitorch-cnn summary resnet18 --depth 2\n"
                              "  minitorch-cnn summary alexnet --input 3x227x227"))
    summ.add_argument("model", help="a registered model name (see 'minitorch-cnn models')")
    summ.add_argument("--input", default=None, help="input size CxHxW (default: the model's native size)")
    summ.add_argument("--depth", type=int, default=None, help="show modules nested at most this deep")
    summ.add_argument("--batch-size", type=int, default=1, help="batch size of the forward pass (default 1)")
    summ.add_argument("--num-classes", type=int, default=None, help="number of classes (default: the model's)")
    summ.add_argument("--train", action="store_true", help="run the pass in training mode (shows auxiliary heads)")
    summ.set_defaults(run=_summary)

    mods = sub.add_parser("models", help="list the registered models with their parameter counts",
                          epilog="example:\n  minitorch-cnn models --quiet",
                          formatter_class=argparse.RawDescriptionHelpFormatter)
    mods.add_argument("--quiet", action="store_true", help="no progress bar")
    mods.set_defaults(run=_models)
    return parser


def _restart_with_better_blas(argv) -> None:
    """Where OpenBLAS mis-detected an AVX-512 CPU (see ``minitorch_cnn.blas``), run this
    command again with OPENBLAS_CORETYPE=SkylakeX: it only acts before NumPy is imported,
    and NumPy is loaded by now. The variable marks the restart, so it happens once at most.
    Set MINITORCH_CNN_KEEP_BLAS=1 to keep whatever OpenBLAS chose."""
    from . import blas

    if "OPENBLAS_CORETYPE" in os.environ or os.environ.get("MINITORCH_CNN_KEEP_BLAS"):
        return
    if blas.advice() is None:
        return
    print(f"minitorch-cnn: {blas.advice()}; restarting with OPENBLAS_CORETYPE=SkylakeX", file=sys.stderr)
    environment = dict(os.environ, OPENBLAS_CORETYPE="SkylakeX")
    arguments = sys.argv[1:] if argv is None else list(argv)
    os.execve(sys.executable, [sys.executable, "-m", "minitorch_cnn", *arguments], environment)


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    _restart_with_better_blas(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
