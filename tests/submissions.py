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


def write_book(path: Path, sheets: dict[str, list[dict[str, object]]]) -> Path:
    """An .xlsx workbook filled as a steward fills the template: each sheet's header is its
    columns in template order, each row a dict of cells (a missing column is a blank cell; a
    value is written as given, so a number stays a number cell, as a spreadsheet makes it)."""
    from openpyxl import Workbook

    from cokg.template import SHEETS

    wb = Workbook()
    wb.active.title = "README"
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        columns = [c.name for c in SHEETS[name].columns]
        ws.append(columns)
        for row in rows:
            unknown = set(row) - set(columns)
            assert not unknown, f"no such column on sheet {name}: {unknown}"
            ws.append([row.get(c) for c in columns])
    wb.save(path)
    return path


def two_cases(tmp_path: Path) -> Path:
    """The example submission with a second FICTIONAL case beside its own, as one submission
    (a study's workbook holds all its cases): `fictional-hillside`, case 10, a copy of
    fictional-riverside's case-scoped rows with its own informants (HLS-01, HLS-02) and
    location code, sharing the study, organisations, places and sources."""
    dst = tmp_path / "two-cases"
    shutil.copytree(EXAMPLE, dst)
    for f in sorted(dst.glob("*.csv")):
        with f.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        if not rows or rows[0][:1] != ["case_id"]:
            continue
        header = rows[0]
        extra = []
        for row in rows[1:]:
            new = [cell.replace("RVS-", "HLS-") for cell in row]
            new[0] = "fictional-hillside"
            if "location_code" in header:
                new[header.index("location_code")] = "HLS"
            if f.name == "cases.csv":
                new[header.index("label")] = "FICTIONAL Case 10 – Hillside Peer Café"
                new[header.index("case_number")] = "10"
            extra.append(new)
        with f.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([*rows, *extra])
    with (dst / "location_codes.csv").open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(["HLS", "Hillside (FICTIONAL)", "fictional-hillside", ""])
    return dst


def split_example(tmp_path: Path) -> tuple[Path, Path]:
    """The example submission as two: its shared records (study, sources, organisations,
    places, innovation) first, then its case pointing to them, as a consortium's steward
    submits the shared records once and each site's case after."""
    shared, case = tmp_path / "shared", tmp_path / "case"
    for dst in (shared, case):
        shutil.copytree(EXAMPLE, dst)
    shared_sheets = {"studies.csv", "sources.csv", "source_locations.csv", "organisations.csv",
                     "places.csv", "innovations.csv"}  # fmt: skip
    for dst, keep in ((shared, shared_sheets), (case, None)):
        for f in dst.glob("*.csv"):
            if f.name in ("README.csv",) or (
                f.name in keep if keep else f.name not in shared_sheets
            ):
                continue
            with f.open(encoding="utf-8", newline="") as fh:
                header = next(csv.reader(fh), None)
            if header is not None:
                with f.open("w", encoding="utf-8", newline="") as fh:
                    csv.writer(fh).writerow(header)
    return shared, case
