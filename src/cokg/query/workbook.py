"""Query answers as Excel workbooks that a researcher can read, scan by colour and annotate.

`write_workbook(answer, path)` writes these sheets:

matrix  (only for a query that declares a pivot, and not with `long`) the table that the `table`
        format prints: row headings down column A, one column for each pivot column (cases in
        case-number order for the cross-case queries), and each item of a cell on its own line.
        Text wraps, and the header row and first column are frozen.
rows    (always) the long answer: one column for each variable and one row for each result.
        Cells are typed: integers and decimals are numbers, booleans are booleans, and xsd:date
        and xsd:dateTime values without a time zone are dates. IRIs, years, zoned times and
        everything else are text. The header is frozen and has a filter.
about   what was asked: the query and its summary, the parameters, the store, the cokg
        version, when the file was written, the row count, and where the rows lie when the
        answer is one page of a larger one. It also holds the key to the fills.

Both data sheets end in an empty "notes" column for the reader's own notes. The sheets are
protected without a password so that the answer is not overwritten by accident (Review >
Unprotect Sheet lifts this). The notes column stays unlocked, and formatting stays allowed.

Ratings are filled by valence (RATING_FILLS), as in the report's heatmap: green for +2 and +1,
red for -1 and -2, grey for 0, violet for X (mixed) and grey hatching for missing. Fills apply
to a matrix only when every line of every cell starts with a rating value ("+2", "X (0 f, 0 q)",
"adoption: -1 (1 f, 0 q)"), and to a rows column only when every value in it does. A matrix of
counts or dates therefore stays unfilled. The lines of a cell may disagree (two raters): the
cell then takes the milder fill when they agree in sign (+1 and +2 give +1), and no fill
otherwise.

Cell text is safe. Every string is written as a string cell, never as a formula. A string
starting with = + - @ is also marked quote-prefixed, so that a spreadsheet program keeps it as
text when it is edited. Characters XML cannot carry (most control characters) are written
escaped (`\\x1b`), as the table format shows them. A text longer than a cell holds (32,767
characters) is cut, and the cut is marked.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from rdflib import Literal
from rdflib.namespace import XSD

from cokg.errors import CokgError, ParameterError
from cokg.query.answers import PivotTable, QueryAnswer, pivot, to_python
from cokg.vocabulary import RATING_VALUES

if TYPE_CHECKING:
    from rdflib.term import Node

__all__ = ["NOTES", "RATING_FILLS", "SHEETS", "rating_of", "write_workbook"]

MATRIX, ROWS, ABOUT = "matrix", "rows", "about"
SHEETS = (MATRIX, ROWS, ABOUT)
NOTES = "notes"  # the header of the empty column left for the reader

# One fill (RGB) for each rating value. The mapping is indexed by RATING_VALUES, so a value
# added to the vocabulary without a fill here fails at import rather than going uncoloured.
# Lighter than the report's heatmap, because black text sits on these fills.
_COLOURS = {
    "+2": "5AAE61",  # green
    "+1": "B8E0B3",  # light green
    "0": "E6E6E6",  # neutral grey: neither way
    "-1": "F4B9B9",  # light red
    "-2": "E07070",  # red
    "X": "C2A5CF",  # violet: mixed, off the red-grey-green scale
    "missing": "8C8C8C",  # grey hatching on white: the data said nothing, which 0 does not mean
}
RATING_FILLS: dict[str, str] = {value: _COLOURS[value] for value in RATING_VALUES}
_PATTERNS = {"missing": "lightUp"}  # the other values are solid fills

# A rating value at the start of a line, optionally after a phase ("adoption: "). The value
# must end the line or be followed by a space or "(", so "-10" or "0.5" do not count.
_RATING_START = re.compile(
    r"(?:[A-Za-z][\w -]{0,39}: )?("
    + "|".join(re.escape(v) for v in sorted(RATING_FILLS, key=len, reverse=True))
    + r")(?=$|[ (])"
)

MAX_CELL = 32_767  # characters an Excel cell holds
MAX_ROWS = 1_048_576  # rows in a worksheet, the header included
MAX_COLUMNS = 16_384
_CUT = " … [cut: longer than a spreadsheet cell holds]"
# What XML 1.0 cannot carry (openpyxl refuses the C0 controls; the rest would make an unreadable
# file): C0 controls other than tab, newline and CR, lone surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What a spreadsheet program runs as a formula when the text is typed or edited.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_EXACT_DIGITS = 15  # a spreadsheet keeps 15 significant digits; longer numbers stay text

_HEADER_FILL = "DDEBF7"  # pale blue: a heading is not a rating
_LINE_HEIGHT = 15.0  # points per line of Calibri 11
_MAX_ROW_HEIGHT = 409.0  # the largest row height Excel accepts
_MATRIX_WIDTHS = (12, 45)  # first column: min and max width in characters
_CELL_WIDTHS = (10, 40)
_ROWS_WIDTHS = (8, 60)
_NOTES_WIDTH = 40


def rating_of(lines: Sequence[str]) -> str | None:
    """The rating value whose fill a cell takes: the value all of its lines start with. Lines
    that agree in sign give the milder value (+1 and +2 give +1), and anything else gives None.
    Lines that do not start with a rating value give None."""
    values = []
    for line in lines:
        m = _RATING_START.match(line)
        if m is None:
            return None
        values.append(m[1])
    found = set(values)
    if len(found) == 1:
        return found.pop()
    signs = {None if (s := _score(v)) is None else (s > 0) - (s < 0) for v in found}
    if signs in ({1}, {-1}):
        return min(found, key=lambda v: abs(_score(v) or 0))
    return None


def _score(value: str) -> int | None:
    return int(value) if re.fullmatch(r"[+-]?\d+", value) else None


def _rated(cells: Iterable[Sequence[str]]) -> bool:
    """Whether every line of every non-empty cell starts with a rating value (and one does)."""
    seen = False
    for lines in cells:
        for line in lines:
            if _RATING_START.match(line) is None:
                return False
            seen = True
    return seen


def _safe_text(text: str) -> str:
    """Text that XML and a cell can hold. Characters XML cannot carry are escaped as the table
    format shows them (`\\x1b`). Over-long text is cut, and the cut is marked."""
    text = _NOT_XML.sub(
        lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04X}", text
    )
    if len(text) > MAX_CELL:
        text = text[: MAX_CELL - len(_CUT)] + _CUT
    # a literal "_xHHHH_" as Excel writes it: spreadsheet programs decode the escapes
    from cokg.template.cells import ooxml_escape

    return ooxml_escape(text)


def _put(ws: Any, row: int, column: int, value: Any, number_format: str | None = None) -> Any:
    """Write one cell. A str is always a string cell, never a formula."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        text = _safe_text(value)
        cell.value = text
        cell.data_type = "s"  # openpyxl would make a formula of a text starting with "="
        if text.startswith(_FORMULA_START):
            cell.quotePrefix = True  # and the program keeps it as text when it is edited
    else:
        cell.value = value
    if number_format:
        cell.number_format = number_format
    return cell


def _non_finite(value: float | Decimal) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("INF" if value > 0 else "-INF")
    if isinstance(value, Decimal) and not value.is_finite():
        return "NaN" if value.is_nan() else ("INF" if value > 0 else "-INF")
    return None


_DATE, _DATETIME = str(XSD.date), str(XSD.dateTime)


def _typed(value: Any, term: Node | None = None) -> tuple[Any, str | None]:
    """A result value as a typed cell value and its number format. Dates keep their lexical
    form as text when a spreadsheet date would change them: a time zone, or a year before
    1900."""
    if value is None or isinstance(value, bool):
        return value, None
    if isinstance(value, int):
        return (value, None) if abs(value) < 10**_EXACT_DIGITS else (str(value), None)
    if isinstance(value, float | Decimal):
        special = _non_finite(value)
        if special is not None:
            return special, None
        if isinstance(value, Decimal) and len(value.as_tuple().digits) > _EXACT_DIGITS:
            return str(value), None
        return value, None
    if isinstance(term, Literal) and term.datatype is not None:
        kind = str(term.datatype)
        try:
            if kind == _DATE:
                day = _dt.date.fromisoformat(str(term))
                if day.year >= 1900:
                    return day, "yyyy-mm-dd"
            elif kind == _DATETIME:
                moment = _dt.datetime.fromisoformat(str(term))
                if moment.tzinfo is None and moment.year >= 1900:
                    return moment, "yyyy-mm-dd hh:mm:ss"
        except ValueError:
            pass  # a zoned or malformed date: its lexical form, as text
    return str(value), None


def _lines_of(value: Any) -> list[str]:
    if isinstance(value, _dt.datetime):
        return [value.isoformat(sep=" ")]
    return str(value).split("\n") if value is not None else []


def _width(lines: Iterable[str], bounds: tuple[int, int]) -> int:
    longest = max((len(line) for line in lines), default=0)
    return max(bounds[0], min(bounds[1], longest + 2))


def _height(cells: Iterable[tuple[list[str], int]]) -> float:
    """A row height for wrapped text: the most lines any of its cells takes at its width.
    It is set explicitly because not every spreadsheet program fits wrapped rows on opening."""
    most = 1
    for lines, width in cells:
        used = sum(max(1, math.ceil(len(line) / max(1, width - 2))) for line in lines)
        most = max(most, used)
    return min(_MAX_ROW_HEIGHT, most * _LINE_HEIGHT)


class _Styles:
    """The few styles the sheets share (openpyxl imported only when a workbook is written)."""

    def __init__(self) -> None:
        from openpyxl.styles import Alignment, Font, PatternFill, Protection

        self.bold = Font(bold=True)
        self.header_fill = PatternFill("solid", fgColor=_HEADER_FILL)
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.unlocked = Protection(locked=False)
        self.fills = {
            v: PatternFill(_PATTERNS.get(v, "solid"), fgColor=rgb, bgColor="FFFFFF")
            for v, rgb in RATING_FILLS.items()
        }


def _header(ws: Any, names: Sequence[str], styles: _Styles) -> None:
    for j, name in enumerate(names, start=1):
        cell = _put(ws, 1, j, name)
        cell.font = styles.bold
        cell.fill = styles.header_fill
        cell.alignment = styles.wrap


def _notes_column(ws: Any, column: int, rows: int, styles: _Styles) -> None:
    """The empty, unlocked notes column: header, one unlocked cell per data row, and the
    column's own style unlocked too, so that rows the reader adds below stay writable."""
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(column)
    head = _put(ws, 1, column, NOTES)
    head.font, head.fill, head.alignment = styles.bold, styles.header_fill, styles.wrap
    head.protection = styles.unlocked
    for i in range(2, rows + 2):
        cell = ws.cell(row=i, column=column)
        cell.protection = styles.unlocked
        cell.alignment = styles.wrap
    ws.column_dimensions[letter].width = _NOTES_WIDTH
    ws.column_dimensions[letter].protection = styles.unlocked


def _protect(ws: Any) -> None:
    """No password: a guard against overwriting the answer by accident, not a lock. In OOXML
    a true flag forbids the action, so False allows it."""
    p = ws.protection
    p.sheet = True
    p.formatCells = p.formatColumns = p.formatRows = False
    p.sort = p.autoFilter = False


def _check_size(rows: int, columns: int, sheet: str) -> None:
    if rows + 1 > MAX_ROWS or columns + 1 > MAX_COLUMNS:
        raise ParameterError(
            f"the {sheet} sheet would need {rows + 1:,} rows and {columns + 1:,} columns; a "
            f"worksheet holds {MAX_ROWS:,} x {MAX_COLUMNS:,}: ask for a page with --limit "
            "and --offset, or use --format csv"
        )


def _matrix_sheet(ws: Any, table: PivotTable, styles: _Styles) -> bool:
    """The pivot as a grid. Returns whether rating fills were used."""
    from openpyxl.utils import get_column_letter

    _check_size(len(table.rows), len(table.header), MATRIX)
    cells = [[list(items) for items in row_cells] for _, row_cells in table.rows]
    filled = _rated(c for row in cells for c in row)
    _header(ws, table.header, styles)
    widths = [_width([table.header[0], *(rk for rk, _ in table.rows)], _MATRIX_WIDTHS)]
    for j, title in enumerate(table.header[1:]):
        column = [line for row in cells for line in row[j]]
        widths.append(_width([*column, *title.split()], _CELL_WIDTHS))
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    for i, ((row_key, _), row_cells) in enumerate(zip(table.rows, cells, strict=True), start=2):
        head = _put(ws, i, 1, row_key)
        head.font, head.alignment = styles.bold, styles.wrap
        for j, lines in enumerate(row_cells, start=2):
            # One item a line; a cell's items are not bulleted, so its text is the items'.
            cell = _put(ws, i, j, "\n".join(lines) if lines else None)
            cell.alignment = styles.wrap
            rating = rating_of(lines) if filled and lines else None
            if rating is not None:
                cell.fill = styles.fills[rating]
        ws.row_dimensions[i].height = _height(
            [([row_key], widths[0])]
            + [(lines, widths[j]) for j, lines in enumerate(row_cells, start=1)]
        )
    _notes_column(ws, len(table.header) + 1, len(table.rows), styles)
    ws.freeze_panes = "B2"  # the header row and the row headings stay in view
    return filled


def _result_rows(answer: QueryAnswer) -> tuple[tuple[str, ...], list[list[tuple[Any, Any]]]]:
    """Columns and rows of (value, term) for any kind of answer: a graph answer as subject,
    predicate, object; a boolean one as one `boolean` column."""
    if answer.kind == "ask":
        return ("boolean",), [[(answer.boolean, None)]]
    if answer.kind == "graph":
        return ("subject", "predicate", "object"), [
            [(to_python(t), t) for t in triple] for triple in answer.triples
        ]
    return answer.variables, [
        [(r.data.get(v), r.terms.get(v)) for v in answer.variables] for r in answer.rows
    ]


def _rows_sheet(ws: Any, answer: QueryAnswer, styles: _Styles) -> bool:
    """The long answer, typed. Returns whether rating fills were used."""
    from openpyxl.utils import get_column_letter

    columns, rows = _result_rows(answer)
    _check_size(len(rows), len(columns), ROWS)
    values = [[_typed(value, term) for value, term in row] for row in rows]
    # A text column whose every value is a rating value is filled like the matrix.
    rated = {
        j
        for j in range(len(columns))
        if all(isinstance(row[j][0], str) or row[j][0] is None for row in values)
        and _rated([row[j][0]] for row in values if row[j][0] is not None)
    }
    _header(ws, columns, styles)
    widths = []
    for j, name in enumerate(columns):
        lines = [line for row in values for line in _lines_of(row[j][0])]
        widths.append(_width([*lines, name], _ROWS_WIDTHS))
        ws.column_dimensions[get_column_letter(j + 1)].width = widths[-1]
    for i, row in enumerate(values, start=2):
        for j, (value, number_format) in enumerate(row):
            cell = _put(ws, i, j + 1, value, number_format)
            cell.alignment = styles.wrap
            if j in rated and isinstance(value, str):
                rating = rating_of([value])
                if rating is not None:
                    cell.fill = styles.fills[rating]
        if any(isinstance(v, str) and (len(v) > widths[j] - 2 or "\n" in v) for j, (v, _) in
               enumerate(row)):  # fmt: skip
            ws.row_dimensions[i].height = _height(
                (_lines_of(v), widths[j]) for j, (v, _) in enumerate(row)
            )
    _notes_column(ws, len(columns) + 1, len(rows), styles)
    ws.freeze_panes = "A2"
    if columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    return bool(rated)


def _without_credentials(source: str) -> str:
    """An endpoint URL without a user name or password, which a shared file must not carry."""
    parts = urlsplit(source)
    if parts.scheme in ("http", "https") and "@" in parts.netloc:
        return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
    return source


def _page_note(answer: QueryAnswer) -> str:
    """Where the rows of a paged answer lie in the whole answer ("" when they are all of it)."""
    page = answer.page
    if page is None or page.whole:
        return ""
    note = page.span
    if page.rows and page.next_offset is not None:
        note += f"; the next page starts at --offset {page.next_offset}"
    return note


def _summary(name: str | None) -> str:
    if name is None:
        return ""
    from cokg.query.saved import get_query

    try:
        return get_query(name).summary
    except CokgError:  # an answer named after no saved query: no summary to give
        return ""


def _about_sheet(
    ws: Any, answer: QueryAnswer, *, matrix: bool, source: str | None, fills: bool,
    styles: _Styles, sparql: str | None = None,
) -> None:  # fmt: skip
    from cokg import __version__

    rows = len(answer.triples) if answer.kind == "graph" else len(answer.rows)
    if answer.kind == "ask":
        rows = 1
    params = "; ".join(f"{k}={v}" for k, v in answer.parameters.items())
    written = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
    sheets = (f"{MATRIX}: the table as the query displays it; " if matrix else "") + (
        f"{ROWS}: one row per result (long format); the {NOTES} columns are for your notes"
    )
    facts: list[tuple[str, Any]] = [
        ("query", answer.name or "ad-hoc SPARQL"),
        ("summary", _summary(answer.name)),
        ("parameters", params or "none"),
        ("store", _without_credentials(source) if source else ""),
        ("cokg version", __version__),
        ("written (UTC)", written),
        ("rows", rows),
        ("page", _page_note(answer) or "every row of the answer"),
        ("sheets", sheets),
    ]
    if sparql is not None:  # an ad-hoc query: its text, so the answer can be redone (a text
        facts.insert(1, ("SPARQL", sparql))  # too long for a cell is cut, and marked, by _put)
    _header(ws, ["about", "value"], styles)
    for i, (key, value) in enumerate(facts, start=2):
        _put(ws, i, 1, key).font = styles.bold
        _put(ws, i, 2, value).alignment = styles.wrap
    if fills:
        top = len(facts) + 3  # after a blank row
        _put(ws, top, 1, "fills").font = styles.bold
        _put(ws, top, 2, "cells starting with a rating value are filled by it")
        for i, (value, fill) in enumerate(styles.fills.items(), start=top + 1):
            _put(ws, i, 1, value).fill = fill
            _put(ws, i, 2, _FILL_MEANING.get(value, ""))
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 90


# The rating values' labels in the ontology (ontology/modules/rating.ttl).
_FILL_MEANING = {
    "+2": "strong positive",
    "+1": "weak positive",
    "0": "neutral",
    "-1": "weak negative",
    "-2": "strong negative",
    "X": "mixed: both helped and hindered (no score)",
    "missing": "too little data to rate (no score)",
}


def write_workbook(
    answer: QueryAnswer,
    path: str | Path,
    *,
    long: bool = False,
    source: str | None = None,
    protect: bool = True,
    sparql: str | None = None,
) -> Path:
    """Write `answer` as an .xlsx workbook at `path` and return the path. Pivoted queries get a
    `matrix` sheet unless `long` is set. Every answer gets a `rows` sheet and an `about` sheet
    (see the module docstring). `source` describes the store or endpoint for the about sheet;
    credentials in an endpoint URL are left out. `protect=False` leaves the sheets unprotected.
    `sparql`, the text of an ad-hoc query, goes on the about sheet so the answer can be redone.

    The file is written whole or not at all: a temporary file beside it is renamed into place.
    Raises ParameterError when the file cannot be written or the answer does not fit a sheet."""
    from openpyxl import Workbook

    out = Path(path)
    styles = _Styles()
    wb = Workbook()
    ws = wb.active
    matrix = answer.kind == "select" and answer.pivot is not None and not long
    fills = False
    if matrix:
        ws.title = MATRIX
        fills = _matrix_sheet(ws, pivot(answer), styles)
        ws = wb.create_sheet(ROWS)
    else:
        ws.title = ROWS
    fills = _rows_sheet(ws, answer, styles) or fills
    _about_sheet(
        wb.create_sheet(ABOUT), answer, matrix=matrix, source=source, fills=fills,
        styles=styles, sparql=sparql,
    )  # fmt: skip
    if protect:
        for sheet in (MATRIX, ROWS):
            if sheet in wb.sheetnames:
                _protect(wb[sheet])
    wb.properties.creator = "cokg"
    wb.properties.title = _safe_text(answer.name or "ad-hoc SPARQL")
    tmp = out.with_name(out.name + ".part")
    try:
        wb.save(tmp)
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ParameterError(
            f"cannot write the workbook: {exc.strerror or exc}", file=out
        ) from None
    return out
