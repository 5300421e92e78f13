"""Helpers for tests that change one cell of the fictional template submission."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

EXAMPLE = Path(__file__).parent / "fixtures" / "submissions" / "example-template"


def copy_example(tmp_path: Path) -> Path:
    """A writable copy of the example template submission (CSV folder)."""
    dst = tmp_path / "submission"
    shutil.copytree(EXAMPLE, dst)
    return dst


def rewrite(csv_file: Path, row: int, column: str, value: str) -> None:
    """Set one cell (row counted like a spreadsheet: the header is row 1)."""
    with csv_file.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[row - 1][rows[0].index(column)] = value
    with csv_file.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
