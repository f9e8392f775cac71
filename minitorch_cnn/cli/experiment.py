"""``minitorch-cnn experiment``: list the experiments, or run one and say whether its claim
reproduced."""

from __future__ import annotations

from .table import print_table

EPILOG = """examples:
  minitorch-cnn experiment --list
  minitorch-cnn experiment receptive-field
  minitorch-cnn experiment two-3x3 --quick --out experiments

Each experiment prints its claim, its source and the rule that decides its verdict, then
its measured numbers and one line: verdict: reproduced, not reproduced, or partly: why.
With --out it writes NAME.json (the record) and its plots (PNG, with the plot extra)."""


def add_parser(sub) -> None:
    parser = sub.add_parser("experiment", help="run a lecture's claim as an experiment and give the verdict",
                            epilog=EPILOG)
    parser.add_argument("name", nargs="?", help="the experiment (see --list)")
    parser.add_argument("--list", action="store_true", help="list the experiments: name, claim, source, minutes")
    parser.add_argument("--quick", action="store_true", help="the short version (under 2 minutes on 2 cores)")
    parser.add_argument("--out", default=None, help="folder for the JSON record and the plots")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or auto")
    parser.set_defaults(run=run)


def run(args) -> int:
    from ..experiments import EXPERIMENTS, Settings, experiment, run_experiment
    from ..train.run import resolve_device

    if args.list:
        if args.name:
            raise ValueError("--list takes no experiment name")
        print_table(["name", "claim", "source", "quick min", "full min"],
                    [[e.name, e.claim, e.source, f"{e.minutes_quick:g}", f"{e.minutes_full:g}"]
                     for e in EXPERIMENTS.values()], right_aligned=(3, 4))
        return 0
    if not args.name:
        raise ValueError(f"give an experiment's name, or --list (the experiments: {', '.join(EXPERIMENTS)})")
    chosen = experiment(args.name)
    device = resolve_device(args.device)
    run_experiment(chosen, Settings(quick=args.quick, seed=args.seed, device=device), out=args.out)
    return 0
