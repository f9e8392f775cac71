"""Plain-text tables for the command's output."""

from __future__ import annotations


def print_table(header, rows, right_aligned=()) -> None:
    """Columns as wide as their widest cell; ``right_aligned`` column indices (numbers)."""
    rows = list(rows)
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    cells = ["{:>%d}" % w if i in right_aligned else "{:<%d}" % w for i, w in enumerate(widths)]
    line = "  ".join(cells)
    print(line.format(*header).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line.format(*row).rstrip())
