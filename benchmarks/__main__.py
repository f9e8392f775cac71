"""``python -m benchmarks conv|layers|separable [--repeats N] [--only SUBSTRING] [--no-reference] [--no-torch]``"""

from __future__ import annotations

import argparse
import os
import sys

# Three thread pools share two cores here: Numba's, OpenBLAS's and PyTorch's OpenMP. OpenMP
# threads spin-wait after each call by default, stealing the cores from whichever
# implementation is timed next; passive waiting keeps the side-by-side timings fair.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from minitorch_cnn import blas  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    sub = parser.add_subparsers(dest="suite", required=True)
    for name, text in (("conv", "convolution kernels vs reference vs PyTorch"),
                       ("layers", "pooling and batch-norm kernels vs reference vs PyTorch"),
                       ("separable", "standard vs depthwise separable convolution, ours and PyTorch's")):
        suite_parser = sub.add_parser(name, help=text)
        suite_parser.add_argument("--repeats", type=int, default=9)
        suite_parser.add_argument("--only", default=None, help="only cases whose name contains this")
        suite_parser.add_argument("--no-reference", action="store_true", help="skip the (slow) reference kernels")
        suite_parser.add_argument("--no-torch", action="store_true")
        suite_parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    args = parser.parse_args(argv)

    if args.suite == "conv":
        from . import conv as suite
    elif args.suite == "separable":
        from . import separable as suite
    else:
        from . import layers as suite

    details = blas.info()
    print("configuration: " + ", ".join(f"{k}={v}" for k, v in details.items()))
    if blas.advice(details):
        print("advice: " + blas.advice(details))
    everything = suite.SHAPES if args.suite == "conv" else suite.CASES
    shapes = [s for s in everything if args.only is None or args.only in s.name]
    rows, config = suite.run(shapes, repeats=args.repeats, reference=not args.no_reference, torch=not args.no_torch)
    print(suite.table(rows))
    print(f"\nJSON: {suite.save(rows, config, args.out, partial=args.only is not None)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
