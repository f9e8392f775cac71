"""``minitorch-cnn experiment``: the lectures' claims as small honest experiments, each
with its claim, its source, the rule that decides the verdict, and its measured numbers
(see ``base.py`` for what an experiment is; docs/experiments.md for each one)."""

from .base import Experiment, Outcome, Settings, format_table, run_experiment
from .costs import BOTTLENECK, SEPARABLE
from .fields import RECEPTIVE_FIELD, TWO_3X3
from .training import BATCH_NORM, DROPOUT, GAP, INIT

# in the lectures' order: initialisation, normalisation, regularisation, then architecture
EXPERIMENTS = {e.name: e for e in (INIT, BATCH_NORM, DROPOUT, TWO_3X3, BOTTLENECK, SEPARABLE, GAP, RECEPTIVE_FIELD)}


def experiment(name: str) -> Experiment:
    """The experiment called ``name``; a ValueError listing the names otherwise."""
    if name not in EXPERIMENTS:
        raise ValueError(f"no experiment {name!r}; the experiments: {', '.join(EXPERIMENTS)}")
    return EXPERIMENTS[name]


__all__ = ["EXPERIMENTS", "Experiment", "Outcome", "Settings", "experiment", "format_table", "run_experiment"]
