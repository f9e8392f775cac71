"""Where ``minitorch_cnn.kernels`` comes from: always the same tree as this package.

The kernels live in the project's top-level ``kernels/`` folder, beside ``minitorch_cnn/``
(see setup.cfg's ``package_dir``), so nothing named ``kernels`` is ever put on anyone's
import path. A wheel copies them into the installed package (``minitorch_cnn/kernels/``)
and the normal import finds them there. A checkout has them only beside the package: run
from a plain checkout (``PYTHONPATH``, or the current directory, as on a machine that
cannot ``pip install``), the normal import would not find them at all, and next to another
clone's editable install it would silently take that clone's kernels (its finder maps the
name, ours does not). So a checkout loads them from beside this very package, by path.

The mechanism is a meta-path finder that answers for this one module name only, put first
on ``sys.meta_path`` by this package's ``__init__``: the import system then does
everything else as usual (the module's ``__path__`` for its subpackages, the attribute on
the parent package, errors), and nothing else is affected.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import pathlib
import sys

NAME = "minitorch_cnn.kernels"


class _KernelsBesideThePackage(importlib.abc.MetaPathFinder):
    def __init__(self, folder: pathlib.Path):
        self.folder = folder

    def find_spec(self, fullname, path=None, target=None):
        if fullname != NAME:
            return None
        return importlib.util.spec_from_file_location(NAME, self.folder / "__init__.py",
                                                      submodule_search_locations=[str(self.folder)])


def install(package_file: str) -> None:
    """Make ``minitorch_cnn.kernels`` resolve to the kernels of the tree ``package_file``
    (the package's ``__init__.py``) belongs to, when that tree is a checkout."""
    package_dir = pathlib.Path(package_file).resolve().parent
    if (package_dir / "kernels" / "__init__.py").is_file():
        return  # an installed wheel: the kernels are inside the package
    beside = package_dir.parent / "kernels"
    if (beside / "__init__.py").is_file() and not any(isinstance(f, _KernelsBesideThePackage) for f in sys.meta_path):
        sys.meta_path.insert(0, _KernelsBesideThePackage(beside))
