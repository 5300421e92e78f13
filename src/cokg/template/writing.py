"""Writing the template: blank, or filled with the rows of an exported case.

A workbook's columns are text cells ("@"), with drop-downs for the controlled values (hidden
sheet `values`) and every framework code (hidden sheet `codes`, code and label); a column
taking several values separated by ';' offers its list as a hint, refusing nothing. Cells are
written as strings, never as formulas; text that a spreadsheet program would run as a formula
is written with a leading apostrophe (cokg.template.cells.escape), which the reader removes.
A CSV folder holds README.csv and one file per sheet.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cokg.errors import InputError
from cokg.namespaces import PREFIXES
from cokg.template.cells import (
    CODES_SHEET,
    EXCEL_CELL_MAX,
    FORMULA_START,
    VALUES_SHEET,
    escape,
    ooxml_escape,
)
from cokg.template.sheets import CODE_PREFIXES, SHEETS, TABLES, Column, Sheet

if TYPE_CHECKING:
    from cokg.store import Store

__all__ = ["allowed_values", "framework_codes", "readme_rows", "write_rows", "write_template"]

MAX_ROW = 1048576  # the last row of a worksheet: drop-downs cover every row below the header
Rows = Mapping[str, Sequence[Mapping[str, str]]]  # sheet -> rows -> column -> cell text


def allowed_values(sheet: Sheet, col: Column) -> tuple[str, ...]:
    """The words a column accepts, when they are a fixed list (for drop-downs and README)."""
    if col.value == "kind":
        return tuple(k.name for k in sheet.kinds)
    if col.value == "id" and sheet.id_choice is not None:
        return tuple(TABLES[sheet.id_choice[1]])
    return col.allowed


def readme_rows() -> list[list[str]]:
    """The README sheet: how to fill in the template, then one row per column of every sheet
    (sheet, column, required, allowed values, meaning, example)."""
    rows = [
        ["cokg submission template"],
        ["Fill in one sheet per kind of record; leave a sheet empty when you have nothing for it."],
        ["Row 1 of every sheet holds the column names: do not change them."],
        [
            "Ids (case_id, event_id, finding_id, org_id, ...) are lower-case words joined by "
            "hyphens, e.g. riverside-cafe; informant codes are upper case (RVS-01); quotation "
            "ids are Q1, Q2, ..."
        ],
        [
            "A column that names another record takes its id; a record of another kind or case "
            "is written as a path (agent/some-person, finding/other-case/some-finding) or a "
            "full IRI."
        ],
        ["Dates are YYYY, YYYY-MM or YYYY-MM-DD, at the precision the source gives."],
        [
            "In the .xlsx workbook every column is formatted as text, so 2018-10 stays 2018-10. "
            "If your spreadsheet program turns a date into a date cell anyway, cokg reads it at "
            "the precision the cell's format shows (year, year-month or day) or asks you to "
            "retype it as text."
        ],
        [
            "In the .xlsx workbook, columns with a fixed list of values offer it as a "
            "drop-down; the codes column offers every construct code (their labels are on the "
            "hidden sheet codes; or run cokg constructs TEXT)."
        ],
        ["Lists inside a cell are separated by ';'."],
        [
            "Ratings (sheet ratings) are +2, +1, 0, -1, -2, X (mixed) or missing; the construct "
            "rated, and the outcome of a case outcome (sheet outcomes), is a code such as "
            "cfir22:IV.A, or a bare code or label only one construct has."
        ],
        ["Never write names of people: informants are known only by their codes."],
        ["Check your work with: cokg validate <this file>"],
        [],
        ["sheet", "column", "required", "allowed values", "meaning", "example"],
    ]
    for sheet in SHEETS.values():
        rows.append([sheet.name, "", "", "", sheet.about, ""])
        for col in sheet.columns:
            rows.append(
                [
                    sheet.name,
                    col.name,
                    "yes" if col.required else "",
                    " | ".join(allowed_values(sheet, col)),
                    col.help,
                    col.example,
                ]
            )
    rows.append([])
    rows.append(["construct prefixes", ", ".join(f"{p}: {PREFIXES[p]}" for p in CODE_PREFIXES)])
    return rows


def framework_codes(store: Store | str | Path | None = None) -> list[tuple[str, str]]:
    """(code, label) of every framework concept, in the order of `cokg constructs`: from
    `store` when given (framework additions included), else from the framework files under
    ontology/frameworks/, loaded with the project's loader into a memory store, so the codes
    come from the same saved query (`constructs`) either way and no project store is needed."""
    from cokg.template.concepts import framework_constructs

    return [(c.code, c.label) for c in framework_constructs(store)]


def _lists(
    codes: list[tuple[str, str]],
) -> tuple[dict[tuple[str, ...], str], str, list[list[str]]]:
    """The drop-down sources: {allowed values: range formula}, the codes' range formula, and
    the columns of the hidden sheet `values` (one per value set: its name, then its values)."""
    from openpyxl.utils import get_column_letter, quote_sheetname

    formulas: dict[tuple[str, ...], str] = {}
    columns: list[list[str]] = []
    for sheet in SHEETS.values():
        for col in sheet.columns:
            allowed = allowed_values(sheet, col)
            if allowed and allowed not in formulas:
                letter = get_column_letter(len(columns) + 1)
                formulas[allowed] = (
                    f"{quote_sheetname(VALUES_SHEET)}!${letter}$2:${letter}${len(allowed) + 1}"
                )
                columns.append([col.name, *allowed])
    codes_formula = f"{quote_sheetname(CODES_SHEET)}!$A$2:$A${len(codes) + 1}"
    return formulas, codes_formula, columns


def _put(ws: object, row: int, column: int, text: str) -> None:
    cell = ws.cell(row=row, column=column)  # type: ignore[attr-defined]
    cell.value = ooxml_escape(escape(text))
    cell.data_type = "s"  # a string, even when it starts with '=': never a formula


def _put_listed(ws: object, row: int, column: int, text: str) -> None:
    """A value a dropdown offers: the text itself, so the list shows "+2" and picking it
    writes "+2" (an escaped "'+2" showed its apostrophe in the list). A text cell marked
    quote-prefixed, never a formula; these values are cokg's own, not a submitter's."""
    cell = ws.cell(row=row, column=column)  # type: ignore[attr-defined]
    cell.value = ooxml_escape(text)
    cell.data_type = "s"
    if text.startswith(FORMULA_START):
        cell.quotePrefix = True


def _write_workbook(out: Path, rows: Rows, store: Store | str | Path | None) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    codes = framework_codes(store)
    formulas, codes_formula, value_columns = _lists(codes)
    wb = Workbook()
    ws = wb.active
    ws.title = "README"
    for i, r in enumerate(readme_rows(), start=1):
        for j, text in enumerate(r, start=1):
            _put(ws, i, j, text)
    for sheet in SHEETS.values():
        ws = wb.create_sheet(sheet.name)
        for j, col in enumerate(sheet.columns, start=1):
            _put(ws, 1, j, col.name)
        for i, record in enumerate(rows.get(sheet.name, ()), start=2):
            for j, col in enumerate(sheet.columns, start=1):
                text = record.get(col.name, "")
                if text:
                    _put(ws, i, j, text)
        for i, col in enumerate(sheet.columns, start=1):
            letter = get_column_letter(i)
            # Text cells: a typed 2018-10 (or an id such as mar-05) is not turned into a date.
            ws.column_dimensions[letter].number_format = "@"
            allowed = allowed_values(sheet, col)
            source = codes_formula if col.codes else formulas.get(allowed)
            if source is None:
                continue
            dv = DataValidation(type="list", formula1=source, allow_blank=True)
            if col.several:
                # A list validation cannot accept "a; b": the list is offered, nothing refused.
                dv.showErrorMessage = False
                dv.showInputMessage = True
                dv.promptTitle = col.name
                dv.prompt = "Pick one, or type several separated by ';'."[:255]
            elif col.codes:
                # A construct is also named by its label: the codes are a hint, not a rule.
                dv.showErrorMessage = False
                dv.showInputMessage = True
                dv.promptTitle = col.name
                dv.prompt = "Pick a code, or type a code or a label."
            else:
                dv.showErrorMessage = True
                dv.errorTitle = col.name
                dv.error = ("One of: " + ", ".join(allowed))[:255]
            dv.add(f"{letter}2:{letter}{MAX_ROW}")
            ws.add_data_validation(dv)
    ws = wb.create_sheet(CODES_SHEET)
    _put(ws, 1, 1, "code")
    _put(ws, 1, 2, "label")
    for i, (code, label) in enumerate(codes, start=2):
        _put(ws, i, 1, code)
        _put(ws, i, 2, label)
    ws.sheet_state = "hidden"
    ws = wb.create_sheet(VALUES_SHEET)
    for j, values in enumerate(value_columns, start=1):
        for i, v in enumerate(values, start=1):
            _put_listed(ws, i, j, v)
    ws.sheet_state = "hidden"
    tmp = out.with_name(out.name + ".part")
    wb.save(tmp)
    tmp.replace(out)


def _check_cell_sizes(out: Path, rows: Rows) -> None:
    """Refuse a workbook one of whose cells would be cut: read back, the cut text would be
    stored as the record's (a quotation or document text longer than an Excel cell)."""
    for sheet in SHEETS.values():
        for i, record in enumerate(rows.get(sheet.name, ()), start=2):
            for col in sheet.columns:
                size = len(escape(record.get(col.name, "")))
                if size > EXCEL_CELL_MAX:  # openpyxl cuts longer text without a word
                    raise InputError(
                        f"sheet {sheet.name} row {i}, column {col.name}: {size:,} characters, "
                        f"more than an Excel cell holds ({EXCEL_CELL_MAX:,}); write a folder of "
                        "CSV files instead (a name without .xlsx), which keeps the whole text",
                        file=out,
                    )


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    width = max((len(r) for r in rows), default=0)
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        for r in rows:
            w.writerow([escape(c) for c in r] + [""] * (width - len(r)))
    tmp.replace(path)


def write_rows(
    out: str | Path, rows: Rows, *, store: Store | str | Path | None = None
) -> list[Path]:
    """Write a template holding `rows`: OUT.xlsx -> a workbook; any other OUT -> a folder of
    CSV files (created; must be empty if it exists). Returns the files written."""
    out = Path(out)
    unknown = sorted(set(rows) - set(SHEETS))
    if unknown:
        raise ValueError(f"no such sheet: {', '.join(unknown)}")
    if out.suffix.lower() == ".xlsx":
        if out.exists():
            raise InputError("already exists; choose a new file name", file=out)
        _check_cell_sizes(out, rows)
        _write_workbook(out, rows, store)
        return [out]
    if out.suffix:
        raise InputError("give a name ending in .xlsx for a workbook, or a folder name", file=out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError("already exists and is not an empty folder", file=out)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "README.csv"]
    _write_csv(written[0], readme_rows())
    for sheet in SHEETS.values():
        f = out / f"{sheet.name}.csv"
        names = [c.name for c in sheet.columns]
        body = [[record.get(n, "") for n in names] for record in rows.get(sheet.name, ())]
        _write_csv(f, [names, *body])
        written.append(f)
    return written


def write_template(out: str | Path, *, store: Store | str | Path | None = None) -> list[Path]:
    """Write a blank template: OUT.xlsx -> a workbook; any other OUT -> a folder of CSV files
    (created; must be empty if it exists). Returns the files written. A workbook's columns are
    text cells, with drop-downs for controlled values and construct codes (the codes from
    `store` when given, else from the framework files: see framework_codes)."""
    return write_rows(out, {}, store=store)
