"""Every example on every page runs and prints what the page shows (tools/doc_examples.py
says what a page may hold and how outputs are compared); a block that is not run says why.
The API reference pages (docs/api) hold no examples of their own: they render docstrings."""

import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import doc_examples  # noqa: E402

PAGES = [ROOT / "README.md"] + sorted(p for p in (ROOT / "docs").rglob("*.md") if "api" not in p.parts)
RUNNABLE = {"python", "pycon", "console"}
# fenced blocks that only show text: outputs, tables, file layouts, formulas
SHOWN_ONLY = {"", "text", "json", "yaml", "cuda", "c", "cpp", "ini", "toml", "math"}


def _name(page):
    return str(page.relative_to(ROOT))


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_every_block_runs_or_says_why_not(page):
    for block in doc_examples.parse(page.read_text()):
        where = f"{_name(page)}:{block.start}"
        if block.not_run is not None:
            assert block.not_run.strip(), f"{where}: 'not run' without a reason"
        else:
            assert block.language in RUNNABLE | SHOWN_ONLY, (
                f"{where}: a ```{block.language} block is neither run (python, console) nor marked "
                "<!-- not run: why -->")


@pytest.mark.cpu_only("the pages show CPU runs")
@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_examples_print_what_the_page_shows(page):
    results = doc_examples.run_page(page)
    bad = [r for r in results if not r.ok]
    report = "\n".join(f"{_name(page)}:{r.block.start}" + (f" $ {r.command}" if r.command else "")
                       + f"\n--- shown\n{r.shown}\n--- printed\n{r.printed}" for r in bad)
    assert not bad, f"{len(bad)} example(s) print something else (python tools/doc_examples.py --update " \
                    f"{_name(page)} writes what they print now):\n{report}"


def test_the_porting_example_learns_as_the_page_says():
    """docs/porting.md: "an accuracy well above chance (0.5)"."""
    namespace = {}
    page = ROOT / "docs" / "porting.md"
    for block in doc_examples.parse(page.read_text()):
        if block.language == "python" and block.not_run is None:
            exec(compile(block.text, str(page), "exec"), namespace)  # noqa: S102  (our own docs)
    assert namespace["correct"] / len(namespace["images"]) >= 0.75


def test_the_comparison_normalises_only_what_varies():
    """The normalisation itself: durations, timed columns, round-off, progress bars and
    '...' are forgiven; a changed digit of anything else is not."""
    table = "op   max abs err  seconds  result\n---  -----------  -------  ------\nsum  {}     {}     pass\n\n"
    shown = table.format("6.69e-11", "0.01") + "epoch 1  loss 0.2910  2242 img/s; 18.1 s\n...\ndone"
    printed = table.format("7.02e-11", "9.50") + "epoch 1  loss 0.2910  1999 img/s; 9.0 s\nextra line\nanother\ndone"
    assert doc_examples.matches(shown, printed)
    assert not doc_examples.matches(shown, printed.replace("0.2910", "0.2911"))
    assert not doc_examples.matches(shown, printed.replace("pass", "FAIL"))
    assert not doc_examples.matches("a\nb", "a\nb\nc")
    bar = "gradcheck: 100%|███| 4/4 [00:00<00:00, 19.2check/s]"
    assert doc_examples.matches(bar.replace("19.2", "3.1") + "\nx", bar + "\nx")
    assert not doc_examples.matches("x", bar + "\nx")  # a bar is forgiven only where the page shows one
    assert doc_examples.as_a_terminal_shows("start\n\repoch 1: 5%\repoch 1: 100%\r      \rdone") == "start\ndone"


def test_the_readmes_links_work_on_the_repository_host():
    """The README is read on the repository host, not on the site: its links into the
    checkout are relative and name files that exist."""
    import re

    text = (ROOT / "README.md").read_text()
    links = [link.split("#")[0] for link in re.findall(r"\]\(([^)]+)\)", text) if not re.match(r"\w+:", link)]
    assert links, "the README links nothing"
    for link in links:
        assert not link.startswith("/"), f"README.md: {link} is absolute; on the repository host it breaks"
        assert (ROOT / link).exists(), f"README.md links {link}, which does not exist"
