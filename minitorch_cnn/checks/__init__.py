"""Registered gradient checks (see ``registry``); importing this package registers the
core ops' checks. Later op modules add theirs the same way."""

from . import conv, core_ops, models, nn_ops  # noqa: F401  (they register on import)
from .registry import Check, checks, register, run_check

__all__ = ["Check", "checks", "register", "run_check"]
