"""Packaging promises: importing works without CuPy, and nothing named ``kernels`` is put
on the import path."""

import subprocess
import sys

BLOCK_CUPY = """
import builtins
real_import = builtins.__import__
def guarded(name, *args, **kwargs):
    if name == "cupy" or name.startswith("cupy."):
        raise ImportError("cupy is blocked in this test")
    return real_import(name, *args, **kwargs)
builtins.__import__ = guarded
import minitorch_cnn as mt
assert not mt.cuda.is_available()
print((mt.ones(2, requires_grad=True) * 2).sum().item())
"""


def test_import_works_without_cupy():
    result = subprocess.run([sys.executable, "-c", BLOCK_CUPY], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "4.0"


def test_no_top_level_kernels_module():
    result = subprocess.run([sys.executable, "-c", "import kernels"], capture_output=True, text=True, timeout=60,
                            cwd="/")
    assert result.returncode != 0 and "No module named 'kernels'" in result.stderr


def test_every_subpackage_is_listed_in_setup_cfg():
    """A package missing from setup.cfg works in an editable install and vanishes from a
    real one; this catches it."""
    import configparser
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[1]
    config = configparser.ConfigParser()
    config.read(root / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    found = {".".join(p.parent.relative_to(root).parts) for p in (root / "minitorch_cnn").rglob("__init__.py")}
    assert found - {"minitorch_cnn.__pycache__"} <= listed, sorted(found - listed)
