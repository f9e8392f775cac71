"""``python -m benchmarks conv|layers|models|optimizers|engine|separable|layout [--repeats N] [--only SUBSTRING] [--no-reference]
[--no-torch] [--out DIR]``; conv, layers and models also take ``--device cpu|cuda``, ``--cuda-standin`` and
``--quick``; models also ``--profile`` (where one of our training steps spends its time),
``--autotune`` (ours again with measured convolution routes) and ``--openblas-default`` (a second run with the OpenBLAS variables unset). ``python -m benchmarks against REV SUITE [--rounds N] [--repeats N] [--only SUBSTRING]``, and
``python -m benchmarks plot [--results DIR] [--output PNG]``.

A cuda run writes ``<suite>-cuda.json`` beside the CPU run's ``<suite>.json``. A subset of
the cases (``--only``, ``--quick``) written to ``benchmarks/results`` goes to
``<name>-partial.json`` instead, so that it never replaces the full run the docs quote; in
any other ``--out`` folder (tools/gpu_check.py's) it keeps the plain name.
"""

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
          "layout": "whole networks' training steps in NCHW and in channels_last",
          "models": "whole-model training steps and evaluation in images/s, ours vs PyTorch, CPU and GPU",
          "optimizers": "one optimizer step over a model's parameters: fused kernels vs reference vs PyTorch",
          "engine": "the autograd engine's cost per op on graphs of tiny ops, ours vs PyTorch"}
DEVICE_SUITES = ("conv", "layers", "models")


def _suite(name):
    from importlib import import_module

    return import_module(f"benchmarks.{name}")


def _device_options(suite_parser):
    suite_parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                              help="cuda: ours and PyTorch's on the GPU beside both on the CPU (the reference "
                                   "kernels and the channels_last CPU variants are left to the CPU run)")
    suite_parser.add_argument("--cuda-standin", action="store_true",
                              help="run the cuda path over the NumPy CuPy stand-in (a dry run: timings mean "
                                   "nothing; needs --device cuda and an --out folder)")
    suite_parser.add_argument("--quick", action="store_true",
                              help="one small case, one repeat, one warm-up call (a dry run)")


def _refusal(args, results) -> str | None:
    """Why these options cannot run, in one line (None when they can)."""
    if not getattr(args, "cuda_standin", False):
        return None
    if args.device != "cuda":
        return "python -m benchmarks: --cuda-standin runs the cuda path: give --device cuda too"
    if os.path.realpath(args.out) == os.path.realpath(results):
        return ("python -m benchmarks: --cuda-standin: give --out DIR (stand-in timings must never replace "
                "the results in benchmarks/results)")
    return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    sub = parser.add_subparsers(dest="suite", required=True)
    results = os.path.join(os.path.dirname(__file__), "results")
    for name, text in SUITES.items():
        suite_parser = sub.add_parser(name, help=text)
        suite_parser.add_argument("--repeats", type=int, default=None,
                                  help="rounds (default 9; 5 for layout, models and every cuda run)")
        suite_parser.add_argument("--only", default=None, help="only cases whose name contains this")
        suite_parser.add_argument("--no-reference", action="store_true", help="skip the (slow) reference kernels")
        suite_parser.add_argument("--no-torch", action="store_true")
        suite_parser.add_argument("--out", default=results)
        if name in DEVICE_SUITES:
            _device_options(suite_parser)
        if name in ("optimizers", "engine"):
            suite_parser.add_argument("--quick", action="store_true", help="one small case (a dry run)")
        if name == "models":
            suite_parser.add_argument("--profile", action="store_true",
                                      help="print where one of our training steps spends its time, per op and "
                                           "per kernel, instead of timing against PyTorch")
            suite_parser.add_argument("--autotune", action="store_true",
                                      help="also time ours with each convolution's route measured per shape "
                                           "(kernels.set_conv_autotune), in the same rounds")
            suite_parser.add_argument("--openblas-default", action="store_true",
                                      help="where OPENBLAS_CORETYPE or OPENBLAS_L2_SIZE is set, run the suite a "
                                           "second time with both unset (that run only), into "
                                           "OUT/openblas-default/")
    plot = sub.add_parser("plot", help="draw the GPU-vs-CPU comparison from the results JSON (matplotlib)")
    plot.add_argument("--results", default=results, help="the folder holding <suite>.json and <suite>-cuda.json")
    plot.add_argument("--output", default=None, help="default: docs/images/performance-gpu-vs-cpu.png")
    against = sub.add_parser("against", help="this tree against an earlier commit, suite by suite, in one session")
    against.add_argument("rev", help="a git revision (commit, tag, branch)")
    against.add_argument("compared", choices=sorted(SUITES), metavar="SUITE", help=", ".join(sorted(SUITES)))
    against.add_argument("--rounds", type=int, default=3, help="alternating runs of each version")
    against.add_argument("--repeats", type=int, default=5)
    against.add_argument("--only", default=None)
    against.add_argument("--out", default=results)
    args = parser.parse_args(argv)
    if args.suite == "plot":
        from . import plot as plotting

        print(f"plot: {plotting.main(args.results, args.output)}")
        return 0
    refusal = _refusal(args, results)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    device = getattr(args, "device", "cpu")
    if getattr(args, "cuda_standin", False):
        from . import devices

        devices.install_standin()  # before anything below asks the backend about CUDA
    if device == "cuda":
        from . import devices

        refusal = devices.cuda_refusal()
        if refusal:
            print(refusal, file=sys.stderr)
            return 2

    details = blas.info()
    print("configuration: " + ", ".join(f"{k}={v}" for k, v in details.items()))
    if blas.advice(details):
        print("advice: " + blas.advice(details))
    if args.suite == "against":
        from . import against as tool

        return tool.main(args.rev, args.compared, args.rounds, args.repeats, args.only, args.out)
    suite = _suite(args.suite)
    quick = getattr(args, "quick", False)
    everything = suite.QUICK if quick else suite.SHAPES if hasattr(suite, "SHAPES") else suite.CASES
    shapes = [s for s in everything if args.only is None or args.only in s.name]
    if getattr(args, "profile", False):
        print(suite.profile(shapes))
        return 0
    # the conv suite's CPU run without the reference kernels took 90 s at 9 rounds here; a
    # cuda run keeps two of its three CPU implementations and adds the GPU's, and
    # tools/gpu_check.py gives each suite a minute: cuda runs default to 5 rounds
    repeats = args.repeats or (5 if args.suite in ("layout", "models") or device == "cuda" else 9)
    options = dict(repeats=1 if quick else repeats, torch=not args.no_torch,
                   reference=not args.no_reference and device == "cpu")
    if args.suite in DEVICE_SUITES:
        # on a GPU the first calls compile the CUDA kernels (NVRTC), fill CuPy's memory
        # pool and let cuDNN try its algorithms: a second warm-up call keeps them untimed
        options.update(device=device, warmup=1 if quick or device == "cpu" else 2)
    if args.suite == "models":
        options["autotune"] = args.autotune
    rows, config = suite.run(shapes, **options)
    _report(suite, rows, config, device if args.suite in DEVICE_SUITES else None)
    subset = args.only is not None or quick
    partial = subset and os.path.realpath(args.out) == os.path.realpath(results)
    print(f"\nJSON: {suite.save(rows, config, args.out, partial=partial)}")
    if getattr(args, "openblas_default", False):
        return _openblas_default_run(argv if argv is not None else sys.argv[1:], args.out)
    return 0


OPENBLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def _without(argv, flag, option):
    """``argv`` less ``flag`` and ``option`` with its value (``--out DIR`` or ``--out=DIR``)."""
    kept, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a == option:
            skip = True
        elif a != flag and not a.startswith(option + "="):
            kept.append(a)
    return kept


def _openblas_default_run(argv, out) -> int:
    """The same suite again in a child process whose environment lacks both OpenBLAS
    variables (OpenBLAS reads them when it loads, so only a new process can drop them);
    this process's environment, and so every test and CI run, keeps them."""
    import subprocess

    set_here = [name for name in OPENBLAS_VARIABLES if name in os.environ]
    if not set_here:
        print("\n--openblas-default: neither OPENBLAS_CORETYPE nor OPENBLAS_L2_SIZE is set: the run above already "
              "used OpenBLAS's own choice of kernel")
        return 0
    environment = {k: v for k, v in os.environ.items() if k not in OPENBLAS_VARIABLES}
    child = _without(argv, "--openblas-default", "--out") + ["--out", os.path.join(out, "openblas-default")]
    print(f"\n--openblas-default: again with {' and '.join(set_here)} unset for this run only")
    done = subprocess.run([sys.executable, "-m", "benchmarks", *child], env=environment,
                          cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return done.returncode


def _report(suite, rows, config, device) -> None:
    """The table, with the lines that say what it holds: the GPU it ran on or why it has no
    cuda columns, the stand-in's warning, and the models suite's targets."""
    from . import devices

    if device == "cuda":
        print(devices.describe(config))
        if config["cuda"].get("standin"):
            print(devices.STANDIN_NOTE)
    print(suite.table(rows))
    if device == "cpu":
        print(devices.absent_line())
    elif device == "cuda" and config["cuda"].get("standin"):
        print(devices.STANDIN_NOTE)
    if hasattr(suite, "targets"):
        print("\ntargets:\n" + "\n".join(f"- {line}" for line in suite.targets(rows, config)))
    measured = suite.autotune_report(rows) if hasattr(suite, "autotune_report") else []
    if measured:
        print("\nautotuned convolution routes:\n" + "\n".join(f"- {line}" for line in measured))


if __name__ == "__main__":
    sys.exit(main())
