"""A Griffe extension for the documentation build: ``minitorch_cnn.kernels`` lives in the
checkout's top-level ``kernels/`` folder (setup.cfg's ``package_dir``; see
``minitorch_cnn/_kernels_location.py``), where Griffe, which looks for a subpackage inside
its parent's folder, does not find it. This extension reads it by importing it, the way
the rest of the API reference is read, and puts it under ``minitorch_cnn``."""

from __future__ import annotations

import griffe


class KernelsSubpackage(griffe.Extension):
    def on_package(self, *, pkg, loader, **kwargs) -> None:
        if pkg.path != "minitorch_cnn":
            return
        kernels = griffe.inspect("kernels", parent=pkg, extensions=loader.extensions,
                                 docstring_parser=loader.docstring_parser,
                                 docstring_options=loader.docstring_options,
                                 lines_collection=loader.lines_collection,
                                 modules_collection=loader.modules_collection)
        pkg.set_member("kernels", kernels)
