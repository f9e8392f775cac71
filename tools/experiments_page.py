"""Keep docs/experiments.md's result blocks equal to the recorded runs in docs/experiments/.

    minitorch-cnn experiment NAME --quick --out docs/experiments   # record a run (JSON + plots)
    python tools/experiments_page.py                               # write its table into the page
    python tools/experiments_page.py --check                       # what tests/test_experiments.py runs

The page holds, for each experiment, a block between ``<!-- result NAME -->`` and
``<!-- end result -->``: the recorded table, its notes and its verdict line, as the
command printed them. Nothing in the block is typed by hand, so the page's numbers are
the record's.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "experiments.md"
RECORDS = ROOT / "docs" / "experiments"
BLOCK = re.compile(r"(<!-- result (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- end result -->)", re.S)


def rendered(name: str) -> str:
    """The result block of experiment ``name`` from its record."""
    sys.path.insert(0, str(ROOT))
    from minitorch_cnn.experiments import Outcome, format_table

    record = json.loads((RECORDS / f"{name}.json").read_text())
    outcome = Outcome(record["columns"], record["rows"], record["verdict"], record["why"])
    settings = record["settings"]
    lines = [f"`minitorch-cnn experiment {name}{' --quick' if settings['quick'] else ''} --out docs/experiments` "
             f"({record['seconds']:.0f} s):", "", "```text", format_table(outcome), *record["notes"], "",
             outcome.verdict_line, "```", ""]
    lines += [f"![{name}: {plot}](experiments/{plot})" for plot in record["plots"]]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only say whether the page is up to date")
    args = parser.parse_args(argv)
    text = PAGE.read_text()
    stale = []

    def replace(match):
        body = rendered(match["name"])
        if body != match["body"]:
            stale.append(match["name"])
        return match.group(1) + body + match.group(4)

    new = BLOCK.sub(replace, text)
    if args.check:
        for name in stale:
            print(f"docs/experiments.md: the {name} block differs from docs/experiments/{name}.json")
        return 1 if stale else 0
    PAGE.write_text(new)
    print(f"docs/experiments.md: {len(stale)} block(s) rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
