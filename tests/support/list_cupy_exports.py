"""Write ``cupy_exports.json``: the public names of every CuPy module the stand-in emulates,
read from the installed CuPy wheel (it imports without a GPU).

The stand-in (``tests/support/cupy_standin``) answers only names on this list, so code that
runs on the stand-in cannot use a name real CuPy lacks. Run it again after upgrading CuPy:

    python -m tests.support.list_cupy_exports
"""

import functools
import importlib
import json
import sys
from pathlib import Path

# the modules the stand-in emulates, as attribute paths: ``cupy.cuda.driver`` is an
# attribute of ``cupy.cuda`` (a module of cupy_backends), not an importable module
MODULES = (
    "cupy",
    "cupy.cuda",
    "cupy.cuda.driver",
    "cupy.cuda.memory",
    "cupy.cuda.runtime",
    "cupy.lib",
    "cupy.lib.stride_tricks",
    "cupy.random",
    "cupyx",
    "cupyx.scipy",
    "cupyx.scipy.special",
)
# all are imported before any is listed, because importing a submodule adds its name to
# the parent's dir()
IMPORTS = ("cupy.cuda.memory", "cupy.cuda.runtime", "cupy.lib.stride_tricks", "cupy.random",
           "cupyx.scipy.special")

OUTPUT = Path(__file__).with_name("cupy_exports.json")


def public_names(module) -> list[str]:
    return sorted(name for name in dir(module) if not name.startswith("_"))


def module_at(path: str):
    root, *attributes = path.split(".")
    return functools.reduce(getattr, attributes, importlib.import_module(root))


def exports() -> dict:
    for name in IMPORTS:
        importlib.import_module(name)
    modules = {name: module_at(name) for name in MODULES}
    listing = {"cupy_version": modules["cupy"].__version__}
    listing.update({name: public_names(module) for name, module in modules.items()})
    return listing


def main() -> int:
    OUTPUT.write_text(json.dumps(exports(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
