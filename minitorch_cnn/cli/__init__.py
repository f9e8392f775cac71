"""The ``minitorch-cnn`` command (also ``python -m minitorch_cnn``).

commands:
  train       train a model (default: LeNet-5 on the digits shipped in the package)
  eval        a checkpoint's loss, top-1/top-5 accuracy and confusion matrix
  summary     the per-layer table of a model: output shapes, parameters, MACs, memory
  models      the registered models with their parameter counts
  inspect     activation statistics and gradient norms per layer, under chosen initialisations
  gradcheck   run the registered gradient checks (ops and whole models) and print a table
  experiment  run a lecture's claim as a small experiment and give the verdict from the numbers
  visualize   pictures of filters, feature maps, deconvnet reconstructions, saliency, CAM, occlusion

'minitorch-cnn COMMAND --help' shows each command's options and examples.
Exit codes: 0 success, 1 the job ran and failed (a gradient check failed, training
diverged) or an internal error (a bug, said in one line), 2 bad arguments or unreadable
files, 130 interrupted. Set
MINITORCH_CNN_TRACEBACK=1 to see the traceback behind an error message.
"""

from __future__ import annotations

import argparse
import os
import sys

from .. import backend
from . import evaluate, experiment, gradcheck, inspect_layers, summary, train, visualize


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (and exit code 2) instead of the usage block."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message):
        print(f"{self.prog}: {message} (see '{self.prog} --help')", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="minitorch-cnn", description="Train, evaluate, summarise, inspect and gradient-check the "
                     "CNNs of minitorch_cnn.", epilog=__doc__.split("\n\n")[2])
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"minitorch-cnn {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    train.add_parser(sub)
    evaluate.add_parser(sub)
    summary.add_parsers(sub)
    inspect_layers.add_parser(sub)
    gradcheck.add_parser(sub)
    experiment.add_parser(sub)
    visualize.add_parser(sub)
    return parser


def _restart_with_better_blas(argv) -> None:
    """Where OpenBLAS mis-detected an AVX-512 CPU (see ``minitorch_cnn.blas``), run this
    command again with OPENBLAS_CORETYPE=SkylakeX: it only acts before NumPy is imported,
    and NumPy is loaded by now. The variable marks the restart, so it happens once at most.
    Set MINITORCH_CNN_KEEP_BLAS=1 to keep whatever OpenBLAS chose."""
    from .. import blas

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
    try:
        return args.run(args)
    except BrokenPipeError:  # before OSError, which it is
        # the reader left (``minitorch-cnn models | head``): say nothing, and keep Python from
        # complaining when it flushes stdout at exit (the recipe of Python's signal docs)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except FloatingPointError as error:  # the job ran and failed (a diverging loss)
        print(f"minitorch-cnn {args.command}: {error}", file=sys.stderr)
        return 1
    # bad arguments, files or installation (a "cuda" device with no CuPy, driver or GPU among them)
    except (ValueError, OSError, ImportError, backend.CudaUnavailableError) as error:
        if os.environ.get("MINITORCH_CNN_TRACEBACK"):
            raise
        print(f"minitorch-cnn {args.command}: {error}", file=sys.stderr)
        return 2
    except MemoryError as error:  # a size the checks could not foresee (the network's own activations)
        print(f"minitorch-cnn {args.command}: out of memory: {error}; choose smaller sizes", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"minitorch-cnn {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug of ours: one line still, and the way to its traceback
        if os.environ.get("MINITORCH_CNN_TRACEBACK"):
            raise
        print(f"minitorch-cnn {args.command}: internal error: {type(error).__name__}: {error} (a bug: run it again "
              f"with MINITORCH_CNN_TRACEBACK=1 and report the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
