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


def test_the_porting_example_learns_as_the_page_says():
    """docs/porting.md: "an accuracy well above chance (0.5)"."""
    namespace = run_page("porting.md")
    assert namespace["correct"] / len(namespace["images"]) >= 0.75
