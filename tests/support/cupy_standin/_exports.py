"""The names real CuPy exports (``../cupy_exports.json``, listed from the installed wheel by
``list_cupy_exports.py``), and the module ``__getattr__`` that holds the stand-in to them.

A name CuPy does not export raises ``AttributeError`` as it would on a GPU machine; a name
CuPy exports that the stand-in does not emulate raises ``AttributeError`` too, saying so,
rather than quietly handing out NumPy's version.
"""

import json
from pathlib import Path

EXPORTS_FILE = Path(__file__).resolve().parent.parent / "cupy_exports.json"
EXPORTS = json.loads(EXPORTS_FILE.read_text())


def exported(module: str) -> frozenset:
    """The public names real CuPy's ``module`` (e.g. "cupy.cuda") has."""
    return frozenset(EXPORTS[module])


def gate(module: str, namespace: dict, resolve=None):
    """A module ``__getattr__`` for the stand-in of ``module``: names CuPy lacks raise
    AttributeError; an exported name not defined in ``namespace`` is looked up with
    ``resolve(name)`` (None when not emulated) and cached in ``namespace``."""
    names = exported(module)

    def __getattr__(name):
        if name.startswith("__"):
            raise AttributeError(name)  # import machinery probes (__path__, __file__, ...)
        if name not in names:
            raise AttributeError(f"module {module!r} has no attribute {name!r} (CuPy {EXPORTS['cupy_version']} "
                                 "does not export it)")
        value = None if resolve is None else resolve(name)
        if value is None:
            raise AttributeError(f"{module}.{name} exists in CuPy but the NumPy stand-in does not emulate it")
        namespace[name] = value
        return value

    return __getattr__
