"""``minitorch-cnn gradcheck [OP_OR_MODEL ...]``: the registered gradient checks, as a table."""

from __future__ import annotations

import fnmatch
import sys

from .table import print_table

EXAMPLES = """examples:
  minitorch-cnn gradcheck               every registered check
  minitorch-cnn gradcheck resnet18      the whole-model check of ResNet-18
  minitorch-cnn gradcheck 'conv*' --order 2"""


def add_parser(sub) -> None:
    grad = sub.add_parser("gradcheck", help="check registered ops' and models' gradients against finite differences",
                          epilog=EXAMPLES)
    grad.add_argument("names", nargs="*", metavar="OP_OR_MODEL",
                      help="only checks whose op or model name matches one of these globs")
    grad.add_argument("--op", default=None, help="only ops whose name matches this glob, e.g. 'pad*'")
    grad.add_argument("--order", type=int, choices=(1, 2), help="only first (1) or second (2) derivatives")
    grad.add_argument("--fast", action="store_true", help="fast mode: random projections u^T J v")
    grad.add_argument("--quiet", action="store_true", help="no progress bar")
    grad.set_defaults(run=run)


def run(args) -> int:
    from tqdm import tqdm

    from ..checks import checks, run_check

    patterns = list(args.names) + ([args.op] if args.op else [])
    selected = [c for c in checks() if not patterns or any(fnmatch.fnmatch(c.op, p) for p in patterns)]
    if args.order:
        selected = [c for c in selected if c.order == args.order]
    if not selected:
        raise ValueError(f"no registered check matches {' '.join(patterns)!r} "
                         "(see 'minitorch-cnn models' for model names)")
    rows, failures = [], []
    for check in tqdm(selected, desc="gradcheck", unit="check", file=sys.stderr, disable=args.quiet):
        result, seconds = run_check(check, fast_mode=True if args.fast else None)
        mode = "fast" if (args.fast or check.fast_mode) else "full"
        rows.append((check.op, check.config, str(check.order), mode, f"{result.max_abs_error:.2e}",
                     f"{result.max_rel_error:.2e}", f"{seconds:.2f}", "pass" if result.passed else "FAIL"))
        if not result.passed:
            failures.append(result.message)
    print_table(("op", "configuration", "order", "mode", "max abs err", "max rel err", "seconds", "result"), rows)
    print(f"\n{len(rows) - len(failures)} passed, {len(failures)} failed")
    for message in failures:
        print("\n" + message)
    return 1 if failures else 0
