"""The ``minitorch-cnn`` command (also ``python -m minitorch_cnn``).

Subcommands:
  gradcheck   run the registered gradient checks and print a table
"""

from __future__ import annotations

import argparse
import os
import sys


def _gradcheck(args) -> int:
    from tqdm import tqdm

    from .checks import checks, run_check

    selected = checks(args.op)
    if args.order:
        selected = [c for c in selected if c.order == args.order]
    if not selected:
        print(f"no registered check matches --op {args.op!r}", file=sys.stderr)
        return 2
    rows, failures = [], []
    for check in tqdm(selected, desc="gradcheck", unit="check", file=sys.stderr, disable=args.quiet):
        result, seconds = run_check(check, fast_mode=True if args.fast else None)
        mode = "fast" if (args.fast or check.fast_mode) else "full"
        rows.append((check.op, check.config, str(check.order), mode, f"{result.max_abs_error:.2e}",
                     f"{result.max_rel_error:.2e}", f"{seconds:.2f}", "pass" if result.passed else "FAIL"))
        if not result.passed:
            failures.append(result.message)
    header = ("op", "configuration", "order", "mode", "max abs err", "max rel err", "seconds", "result")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    line = "  ".join("{:<%d}" % w for w in widths)
    print(line.format(*header).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line.format(*row).rstrip())
    print(f"\n{len(rows) - len(failures)} passed, {len(failures)} failed")
    for message in failures:
        print("\n" + message)
    return 1 if failures else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="minitorch-cnn", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    grad = sub.add_parser("gradcheck", help="check every registered op's gradients against finite differences")
    grad.add_argument("--op", default=None, help="only ops whose name matches this glob, e.g. 'pad*'")
    grad.add_argument("--order", type=int, choices=(1, 2), help="only first (1) or second (2) derivatives")
    grad.add_argument("--fast", action="store_true", help="fast mode: random projections u^T J v")
    grad.add_argument("--quiet", action="store_true", help="no progress bar")
    grad.set_defaults(run=_gradcheck)
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
