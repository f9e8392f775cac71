"""The registry of gradient checks that ``minitorch-cnn gradcheck`` runs.

Each module that defines ops registers a few representative configurations of them here
(``register``); the command runs them all and prints a table. A check is a builder that
returns ``(fn, inputs)`` for ``gradcheck``, made from a fixed seed so every run is the same.
"""

from __future__ import annotations

import fnmatch
import time
from dataclasses import dataclass, field

from ..backend import get_rng_state, manual_seed, set_rng_state
from ..gradcheck import GradcheckResult, check_gradients, second_order_function


@dataclass
class Check:
    op: str
    config: str
    build: object  # () -> (fn, inputs)
    second_order: bool = False
    fast_mode: bool = False
    tolerances: dict = field(default_factory=dict)

    @property
    def order(self) -> int:
        return 2 if self.second_order else 1


_checks: list[Check] = []


def register(op: str, config: str, build, *, second_order: bool = False, fast_mode: bool = False,
             **tolerances) -> None:
    """Add a check of ``op`` in configuration ``config``; ``build()`` returns (fn, inputs)."""
    _checks.append(Check(op, config, build, second_order, fast_mode, tolerances))


def checks(pattern: str | None = None) -> list[Check]:
    """The registered checks whose op name matches the glob ``pattern`` (all if None)."""
    return [c for c in _checks if pattern is None or fnmatch.fnmatch(c.op, pattern)]


def run_check(check: Check, fast_mode: bool | None = None, seed: int = 0) -> tuple[GradcheckResult, float]:
    """Build and run one check; returns the result and the seconds it took."""
    saved = get_rng_state()
    manual_seed(seed)
    try:
        fn, inputs = check.build()
        if check.second_order:
            fn, inputs = second_order_function(fn, inputs)
        start = time.perf_counter()
        result = check_gradients(fn, inputs, fast_mode=check.fast_mode if fast_mode is None else fast_mode,
                                 name=f"{check.op} [{check.config}]", **check.tolerances)
        return result, time.perf_counter() - start
    finally:
        set_rng_state(saved)
