"""The summary tables in the model pages (``docs/models/*.md``) are what
``minitorch-cnn summary`` prints today: each block after a ``<!-- summary: ARGS -->``
marker is compared with the command's output. To refresh them after a change, run
``MINITORCH_CNN_UPDATE_DOCS=1 python -m pytest tests/test_model_docs.py``."""

import contextlib
import io
import os
import pathlib
import re
import shlex

import pytest

from minitorch_cnn import cli

PAGES = sorted((pathlib.Path(__file__).resolve().parents[1] / "docs" / "models").glob("*.md"))
BLOCK = re.compile(r"(<!-- summary: (.*?) -->\n```text\n)(.*?)(```)", re.S)


def _render(arguments: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["summary", *shlex.split(arguments)]) == 0
    return out.getvalue()


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_summary_tables_are_current(page):
    text = page.read_text()
    if os.environ.get("MINITORCH_CNN_UPDATE_DOCS"):
        page.write_text(BLOCK.sub(lambda m: m.group(1) + _render(m.group(2)) + m.group(4), text))
        text = page.read_text()
    for _, arguments, block, _ in BLOCK.findall(text):
        assert _render(arguments) == block, f"{page.name}: the table for 'summary {arguments}' is out of date"
