"""``python -m benchmarks conv|layers|separable|layout [--repeats N] [--only SUBSTRING] [--no-reference] [--no-torch]``
and ``python -m benchmarks against REV SUITE [--rounds N] [--repeats N] [--only SUBSTRING]``."""

from __future__ import annotations

import argparse
import os
import sys

# Three thread pools share two cores here: Numba's, OpenBLAS's and PyTorch's OpenMP. OpenMP
# threads spin-wait after each call by default, stealing the cores from whichever
# implementation is timed next; passive waiting keeps the side-by-side timings fair.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from minitorch_cnn import blas  # noqa: E402

SUITES = {"conv": "convolution kernels vs reference vs PyTorch",
          "layers": "pooling and batch-norm kernels (NCHW and channels_last) vs reference vs PyTorch",
          "separable": "standard vs depthwise separable convolution, ours and PyTorch's",
          "layout": "whole networks' training steps in NCHW and in channels_last"}


def _suite(name):
    from importlib import import_module

    return import_module(f"benchmarks.{name}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    sub = parser.add_subparsers(dest="suite", required=True)
    results = os.path.join(os.path.dirname(__file__), "results")
    for name, text in SUITES.items():
        suite_parser = sub.add_parser(name, help=text)
        suite_parser.add_argument("--repeats", type=int, default=5 if name == "layout" else 9)
        suite_parser.add_argument("--only", default=None, help="only cases whose name contains this")
        suite_parser.add_argument("--no-reference", action="store_true", help="skip the (slow) reference kernels")
        suite_parser.add_argument("--no-torch", action="store_true")
        suite_parser.add_argument("--out", default=results)
    against = sub.add_parser("against", help="this tree against an earlier commit, suite by suite, in one session")
    against.add_argument("rev", help="a git revision (commit, tag, branch)")
    against.add_argument("compared", choices=sorted(SUITES), metavar="SUITE", help=", ".join(sorted(SUITES)))
    against.add_argument("--rounds", type=int, default=3, help="alternating runs of each version")
    against.add_argument("--repeats", type=int, default=5)
    against.add_argument("--only", default=None)
    against.add_argument("--out", default=results)
    args = parser.parse_args(argv)

    details = blas.info()
    print("configuration: " + ", ".join(f"{k}={v}" for k, v in details.items()))
    if blas.advice(details):
        print("advice: " + blas.advice(details))
    if args.suite == "against":
        from . import against as tool

        return tool.main(args.rev, args.compared, args.rounds, args.repeats, args.only, args.out)
    suite = _suite(args.suite)
    everything = suite.SHAPES if hasattr(suite, "SHAPES") else suite.CASES
    shapes = [s for s in everything if args.only is None or args.only in s.name]
    rows, config = suite.run(shapes, repeats=args.repeats, reference=not args.no_reference, torch=not args.no_torch)
    print(suite.table(rows))
    print(f"\nJSON: {suite.save(rows, config, args.out, partial=args.only is not None)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
