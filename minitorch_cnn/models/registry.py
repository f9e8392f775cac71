"""The model registry behind ``models.list_models()`` and ``models.get_model(name)``.

Each family file marks its public constructors with ``@register_model(input_size)``; the
registry keeps the constructor and the native input size (C, H, W) that ``summary`` and the
command line use when the user gives none.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class ModelEntry:
    name: str
    constructor: object
    input_size: tuple
    family: str


_models: dict[str, ModelEntry] = {}


def register_model(input_size: tuple):
    """Decorator: register a model constructor under its function name, with its native input size."""

    def decorate(constructor):
        family = constructor.__module__.rsplit(".", 1)[-1]
        _models[constructor.__name__] = ModelEntry(constructor.__name__, constructor, tuple(input_size), family)
        return constructor

    return decorate


def list_models() -> list[str]:
    """The names of every registered model, sorted."""
    return sorted(_models)


def model_entry(name: str) -> ModelEntry:
    """The registry entry for ``name``; a ValueError naming close matches if there is none."""
    if name not in _models:
        close = difflib.get_close_matches(name, _models, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; known models: {', '.join(list_models())}"
        raise ValueError(f"unknown model {name!r}{hint}")
    return _models[name]


def get_model(name: str, **kwargs):
    """Build the model registered as ``name`` with the constructor's keyword arguments."""
    return model_entry(name).constructor(**kwargs)
