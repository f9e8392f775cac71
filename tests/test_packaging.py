"""Packaging promises: importing works without CuPy; nothing named ``kernels`` is put on
the import path; the kernels always come from the same tree as the package, whether it is
an editable install, a plain checkout (no install at all, even next to another clone's
editable install, as this test process is) or a wheel, and the wheel contains them."""

import configparser
import os
import pathlib
import shutil
import subprocess
import sys
import zipfile

import minitorch_cnn as mt

ROOT = pathlib.Path(__file__).resolve().parents[1]

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

# prints where the package and its kernels came from, and runs a convolution through them
WHERE_FROM = """
import minitorch_cnn as mt, minitorch_cnn.nn.functional as F
x = mt.randn(2, 16, 6, 6, requires_grad=True)
F.conv2d(x, mt.randn(16, 16, 3, 3), padding=1).sum().backward()
print(mt.__file__)
print(mt.kernels.__file__)
print(mt.kernels.conv.plan.__file__)
"""


def _run(args, cwd, env=None, timeout=300):
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _copy_project(target: pathlib.Path, parts=("minitorch_cnn", "kernels", "setup.cfg", "pyproject.toml",
                                              "README.md")) -> pathlib.Path:
    """The project's sources as a fresh checkout would hold them (no caches, no build output)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc", "*.egg-info")
    for part in parts:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=ignore)
        else:
            shutil.copy2(source, target / part)
    return target


def _environment_without(*names):
    return {k: v for k, v in os.environ.items() if k not in names}


def test_import_works_without_cupy():
    result = _run([sys.executable, "-c", BLOCK_CUPY], cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "4.0"


def test_no_top_level_kernels_module():
    result = _run([sys.executable, "-c", "import kernels"], cwd="/", timeout=60)
    assert result.returncode != 0 and "No module named 'kernels'" in result.stderr


def test_the_kernels_come_from_the_package_s_own_tree():
    package = pathlib.Path(mt.__file__).resolve().parent
    kernels = pathlib.Path(mt.kernels.__file__).resolve().parent
    assert kernels in (package / "kernels", package.parent / "kernels")


def test_a_plain_checkout_imports_its_own_kernels(tmp_path):
    # this process runs from an editable install of ROOT, whose finder maps
    # minitorch_cnn.kernels to ROOT/kernels: the copy must not take those
    checkout = _copy_project(tmp_path / "checkout")
    result = _run([sys.executable, "-c", WHERE_FROM], cwd=checkout, env=_environment_without("PYTHONPATH"))
    assert result.returncode == 0, result.stderr
    for line in result.stdout.split():
        assert pathlib.Path(line).resolve().is_relative_to(checkout), (line, checkout)


def test_pytest_runs_from_a_plain_checkout(tmp_path):
    checkout = _copy_project(tmp_path / "checkout", parts=("minitorch_cnn", "kernels", "setup.cfg", "pyproject.toml",
                                                           "README.md", "tests"))
    (checkout / "tests" / "test_where_from.py").write_text(
        "import pathlib\nimport minitorch_cnn as mt\n\n\n"
        "def test_where_from():\n"
        f"    root = pathlib.Path({str(checkout)!r})\n"
        "    assert pathlib.Path(mt.__file__).resolve().is_relative_to(root)\n"
        "    assert pathlib.Path(mt.kernels.__file__).resolve().is_relative_to(root)\n")
    result = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_where_from.py",
                   "tests/test_kernels.py"], cwd=checkout, env=_environment_without("PYTHONPATH"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout and "failed" not in result.stdout


def test_the_wheel_contains_the_kernels_and_runs_them(tmp_path):
    source = _copy_project(tmp_path / "source")
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path / "dist"),
                  str(source)], cwd=tmp_path, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (tmp_path / "dist").glob("minitorch_cnn-*.whl")
    inside = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"minitorch_cnn/kernels/{p.relative_to(ROOT / 'kernels').as_posix()}"
                for p in (ROOT / "kernels").rglob("*.py")}
    assert expected <= inside, sorted(expected - inside)
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)  # a pure-Python wheel installs by unpacking
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = _run([sys.executable, "-c", WHERE_FROM], cwd=elsewhere, env=dict(os.environ, PYTHONPATH=str(site)))
    assert result.returncode == 0, result.stderr
    for line in result.stdout.split():
        assert pathlib.Path(line).resolve().is_relative_to(site / "minitorch_cnn"), line


def test_every_subpackage_is_listed_in_setup_cfg():
    """A package missing from setup.cfg works in an editable install and vanishes from a
    real one; this catches it (the kernels' folders are mapped to minitorch_cnn.kernels.*)."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "minitorch_cnn").rglob("__init__.py")}
    found |= {".".join(("minitorch_cnn",) + p.parent.relative_to(ROOT).parts)
              for p in (ROOT / "kernels").rglob("__init__.py")}
    found = {name for name in found if "__pycache__" not in name}
    assert found <= listed, sorted(found - listed)
