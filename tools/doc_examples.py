"""Run the examples of a documentation page and compare what they print with what the page
shows; ``--update`` writes what they print now into the page instead.

    python tools/doc_examples.py docs/tutorial.md            # check one page
    python tools/doc_examples.py --update docs/tutorial.md   # refresh its shown outputs

What a page may hold (docs/contributing.md, "How the examples are checked"):

- A ```python block runs; a page's python blocks run in order in one namespace. When the
  block is followed by a line ``Output:`` and a fenced block, that block is what the
  python block prints.
- A ```pycon block is an interactive session: each ``>>> `` statement (``... `` continuing
  it) runs in the page's namespace, an expression's value is shown as the interpreter
  shows it, and the lines without a prompt are what the session shows.
- A ```console block holds commands (lines beginning ``$ ``, a trailing ``\\`` continuing
  one) each followed by what it prints (stdout and stderr together). A page's commands run
  in order, in one shell folder per page (a fresh temporary folder), so that a later
  command sees the files an earlier one wrote.
- ``<!-- not run: why -->`` on the line before a block leaves it out, and says why (a GPU,
  downloaded files, PyTorch, an install command that .ci/run runs itself).
- A line ``...`` in a shown output stands for any number of lines.

Before comparing, both sides are normalised for what legitimately varies from run to run
and machine to machine (``normalise``): durations and rates (a number followed by s, ms, µs,
min, img/s or it/s; a table column headed ``seconds``; a progress bar's last state),
round-off-sized numbers (in
e-notation with an exponent of -5 or below), the page's temporary folder, trailing spaces
and runs of spaces.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import os
import pathlib
import re
import subprocess
import sys
import tempfile

REPOSITORY = pathlib.Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```(\w*)\s*$")
NOT_RUN = re.compile(r"^<!--\s*not run:\s*(.+?)\s*-->\s*$")
# the README's markers of the commands .ci/run takes from it and runs itself
CI_MARKERS = re.compile(r"^<!--\s*(main job|tests|gpu tests without a gpu|docs site)\s*-->\s*$")
ELLIPSIS = "..."
OUTPUT = re.compile(r"^Output\b.*:$")  # "Output:", or "Output (on our 2-core machine):"


@dataclasses.dataclass
class Block:
    """A fenced block of a page: its language, its text, where it starts (the line after the
    opening fence, 0-based) and ends (the closing fence), and why it is not run (or None)."""

    language: str
    text: str
    start: int
    end: int
    not_run: str | None = None
    output: Block | None = None  # the block shown after "Output:" (python blocks)


def parse(text: str) -> list[Block]:
    """The page's fenced blocks, each python block linked to the output block after it."""
    lines = text.split("\n")
    blocks, i = [], 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        start, j = i + 1, i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        previous = next((lines[k] for k in range(i - 1, -1, -1) if lines[k].strip()), "")
        reason = NOT_RUN.match(previous)
        why = reason.group(1) if reason else "run by .ci/run, which takes it from here" if CI_MARKERS.match(
            previous) else None
        blocks.append(Block(match.group(1), "\n".join(lines[start:j]) + "\n" if j > start else "", start, j, why))
        i = j + 1
    for block, after in zip(blocks, blocks[1:]):
        between = lines[block.end + 1:after.start - 1]
        said = [line.strip() for line in between if line.strip()]
        if block.language == "python" and len(said) == 1 and OUTPUT.match(said[0]):
            block.output = after
    return blocks


# --------------------------------------------------------------------------- normalise
DURATION = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:e[+-]?\d+)?\s?(?:s|ms|µs|us|min|img/s|it/s)(?![\w/])")
TINY = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?e-(?:0*[5-9]|0*[1-9]\d+)(?![\w.])")
TIMED_COLUMNS = ("seconds",)
PROGRESS_BAR = re.compile(r"^.*\d+%\|.*\|.*\[.*\]\s*$")  # tqdm's "desc: 100%|████| 4/4 [00:00<00:00, 19.2it/s]"


def _blank_timed_columns(lines: list[str]) -> list[str]:
    """In a table whose header names a timed column, that column's cells become <duration>:
    the cell is the text under the header word, up to the next column's header."""
    out, span = [], None
    for line in lines:
        if not line.strip():
            span = None
        elif span is None:
            for word in TIMED_COLUMNS:
                found = re.search(rf"(?<!\S){word}(?!\S)", line)
                if found:
                    following = re.search(r"\S", line[found.end():])
                    span = (found.start(), found.end() + following.start() if following else None)
        elif not set(line.strip()) <= set("-= "):
            start, stop = span
            cell = line[start:stop] if stop is not None else line[start:]
            if cell.strip():
                line = line[:start] + "<duration>" + (" " + line[stop:] if stop is not None else "")
        out.append(line)
    return out


def normalise(text: str, folder: str | None = None) -> list[str]:
    """``text`` as the comparison sees it, line by line (see the module's docstring)."""
    if folder:
        text = text.replace(os.path.realpath(folder), "<folder>").replace(folder, "<folder>")
    lines = _blank_timed_columns(text.rstrip("\n").split("\n"))
    lines = ["<progress bar>" if PROGRESS_BAR.match(line) else TINY.sub("<tiny>", DURATION.sub("<duration>", line))
             for line in lines]
    return [re.sub(r"\s+", " ", line).strip() for line in lines]


def matches(shown: str, printed: str, folder: str | None = None) -> bool:
    """Whether ``printed`` is what ``shown`` shows, a shown ``...`` line standing for any
    number of printed lines."""
    expected, actual = normalise(shown, folder), normalise(printed, folder)
    pattern = "".join(r"(?:.*\n)*?" if line == ELLIPSIS else re.escape(line) + r"\n" for line in expected)
    return re.fullmatch(pattern, "\n".join(actual) + "\n") is not None


# ------------------------------------------------------------------------------- run
@dataclasses.dataclass
class Result:
    """One example run: the block it belongs to, what it showed, what it printed."""

    block: Block
    command: str | None
    shown: str
    printed: str
    folder: str

    @property
    def ok(self) -> bool:
        return matches(self.shown, self.printed, self.folder)


def console_commands(block: Block) -> list[tuple[str, str]]:
    """(command, shown output) pairs of a console block."""
    pairs, command, shown = [], None, []
    lines = block.text.rstrip("\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("$ "):
            if command is not None:
                pairs.append((command, "\n".join(shown)))
            command, shown = line[2:], []
            while command.endswith("\\") and i + 1 < len(lines):
                i += 1
                command = command[:-1] + " " + lines[i].strip()
        elif command is not None:
            shown.append(line)
        i += 1
    if command is not None:
        pairs.append((command, "\n".join(shown)))
    return pairs


def as_a_terminal_shows(text: str) -> str:
    """What a terminal leaves on screen of ``text``: a line's carriage returns (a progress
    bar redrawing itself) keep only what was written after the last one, and a line a bar
    cleared (spaces after its last carriage return) goes."""
    lines = []
    for line in text.split("\n"):
        if "\r" in line:
            line = line.rsplit("\r", 1)[1]
            if not line.strip():
                continue
        lines.append(line)
    return "\n".join(lines)


def _environment() -> dict:
    environment = dict(os.environ, MINITORCH_CNN_KEEP_BLAS="1", COLUMNS="200")
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPOSITORY), environment.get("PYTHONPATH")]))
    return environment


def run_page(page: pathlib.Path, *, console: bool = True, python: bool = True) -> list[Result]:
    """Every runnable example of ``page``, run in a fresh temporary folder."""
    blocks = parse(page.read_text())
    results = []
    with tempfile.TemporaryDirectory(prefix="doc-examples-") as folder:
        namespace: dict = {"__name__": "__doc_example__"}
        for block in blocks:
            if block.not_run is not None:
                continue
            if block.language == "python" and python:
                printed = io.StringIO()
                with contextlib.redirect_stdout(printed), _working_directory(folder):
                    exec(compile(block.text, f"{page}:{block.start}", "exec"), namespace)  # noqa: S102 (our docs)
                results.append(Result(block, None, block.output.text if block.output else "", printed.getvalue()
                                      if block.output else "", folder))
            elif block.language == "pycon" and python:
                results.append(Result(block, None, session_output(block.text), _run_session(block.text, namespace,
                                                                                            folder, page), folder))
            elif block.language == "console" and console:
                for command, shown in console_commands(block):
                    # bytes, decoded here: text mode would turn a progress bar's carriage returns into newlines
                    done = subprocess.run(["bash", "-c", command], cwd=folder, stdout=subprocess.PIPE,
                                          stderr=subprocess.STDOUT, env=_environment(), timeout=900)
                    printed = as_a_terminal_shows(done.stdout.decode("utf-8", "replace"))
                    results.append(Result(block, command, shown, printed, folder))
    return results


def session_statements(text: str) -> list[str]:
    """The statements of an interactive session (``>>> `` lines and their ``... `` continuations)."""
    statements = []
    for line in text.split("\n"):
        if line.startswith(">>> "):
            statements.append(line[4:])
        elif line.startswith("... ") or line == "...":
            statements[-1] += "\n" + line[4:]
    return statements


def session_output(text: str) -> str:
    """What an interactive session shows as printed: every line that is not a prompt."""
    return "\n".join(line for line in text.rstrip("\n").split("\n")
                     if not line.startswith((">>> ", "... ")) and line != "...")


def _run_session(text, namespace, folder, page) -> str:
    """Run a session's statements as the interpreter does: an expression's value is shown
    (its repr, None shown as nothing)."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), _working_directory(folder):
        for statement in session_statements(text):
            exec(compile(statement + "\n", f"{page}", "single"), namespace)  # noqa: S102 (our docs)
    return printed.getvalue()


@contextlib.contextmanager
def _working_directory(folder):
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def update_page(page: pathlib.Path, results: list[Result]) -> int:
    """Write what each example printed into the page where it differs; returns how many."""
    lines = page.read_text().split("\n")
    changed = 0
    by_block: dict[int, list[Result]] = {}
    for result in results:
        by_block.setdefault(result.block.start, []).append(result)
    for start in sorted(by_block, reverse=True):  # from the bottom: earlier line numbers stay right
        group = by_block[start]
        block = group[0].block
        if all(result.ok for result in group):
            continue
        changed += 1
        if block.language == "python" and block.output is not None:
            shown = group[0].printed.rstrip("\n").split("\n")
            lines[block.output.start:block.output.end] = shown
        elif block.language == "console":
            new = []
            for result in group:
                new.append(f"$ {result.command}")
                new.extend(result.printed.rstrip("\n").split("\n") if result.printed.strip() else [])
            lines[block.start:block.end] = new
    page.write_text("\n".join(lines))
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="+", type=pathlib.Path)
    parser.add_argument("--update", action="store_true", help="write what the examples print into the pages")
    args = parser.parse_args(argv)
    failed = 0
    for page in args.pages:
        results = run_page(page)
        bad = [r for r in results if not r.ok]
        for result in bad:
            where = f"{page}:{result.block.start}" + (f" $ {result.command}" if result.command else "")
            print(f"--- {where}\n    shown:\n{result.shown}\n    printed:\n{result.printed}")
        if args.update and bad:
            print(f"{page}: {update_page(page, results)} block(s) updated")
        else:
            print(f"{page}: {len(results) - len(bad)} of {len(results)} examples print what the page shows")
        failed += bool(bad) and not args.update
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
