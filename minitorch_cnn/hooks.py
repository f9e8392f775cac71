"""``RemovableHandle``: what ``register_hook``-style methods return, with ``remove()``."""

from __future__ import annotations

import itertools

_next_id = itertools.count()


class RemovableHandle:
    """Removes the hook it was returned for from ``hooks_dict`` when ``remove()`` is called."""

    def __init__(self, hooks_dict: dict):
        self._hooks_dict = hooks_dict
        self.id = next(_next_id)

    def remove(self) -> None:
        self._hooks_dict.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False
