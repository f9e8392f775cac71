"""Every ```python block in the pages written as runnable examples runs as written (each
page's blocks in order, in one namespace), so the examples cannot drift from the code.
(The earlier pages show fragments of sessions and are not listed.)"""

import pathlib
import re

import pytest

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"
PAGES = ["layers.md", "init.md", "losses.md", "optimizers.md", "serialization.md", "data.md", "training.md",
         "models/separable.md", "performance.md", "porting.md", "vision.md", "reliability.md",
         pytest.param("kernels.md", marks=pytest.mark.cpu_only("the page forces the CPU convolution routes"))]


@pytest.mark.parametrize("page", PAGES)
def test_python_examples_run(page, capsys):
    run_page(page)


def run_page(page):
    namespace = {}
    for block in re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), re.S):
        exec(compile(block, f"docs/{page}", "exec"), namespace)  # noqa: S102  (our own docs)
    return namespace


# a python block, then "Output:" and a text block: what the block prints
SHOWN_OUTPUT = re.compile(r"```python\n(.*?)```\s*\nOutput:\s*\n```text\n(.*?)```", re.S)


@pytest.mark.parametrize("page", ["reliability.md", "optimizers.md"])
def test_shown_outputs_are_what_the_blocks_print(page, capsys):
    """On these pages each block followed by "Output:" prints exactly the text shown (the
    other pages' outputs are compared as the documentation site's tests come)."""
    text = (DOCS / page).read_text()
    pairs = SHOWN_OUTPUT.findall(text)
    assert pairs, f"docs/{page} shows no output"
    namespace = {}
    for block in re.findall(r"```python\n(.*?)```", text, re.S):
        capsys.readouterr()
        exec(compile(block, f"docs/{page}", "exec"), namespace)  # noqa: S102  (our own docs)
        shown = dict(pairs).get(block)
        if shown is not None:
            assert capsys.readouterr().out == shown, f"docs/{page}: the block printing\n{shown}"


def test_the_porting_example_learns_as_the_page_says():
    """docs/porting.md: "an accuracy well above chance (0.5)"."""
    namespace = run_page("porting.md")
    assert namespace["correct"] / len(namespace["images"]) >= 0.75
