"""A real spreadsheet program keeps the template's dates: LibreOffice Calc (headless) re-saves
filled templates and turns a CSV sheet into a workbook, and cokg reads the same graph.

LibreOffice comes from the distribution (scripts/office-deps.sh; `make test` runs `make
office-deps` first). Without it every test here fails, never skips: a skip must not pass for a
pass. Each conversion starts LibreOffice afresh (about a second) with a profile of its own.

What LibreOffice 7.4 does to a date typed into a CSV file (asserted below, so a change shows):
2018-10 stays text (it knows no year-month input form, in any language tried), 2018 becomes the
number 2018 (format General), 2018-10-05 becomes a date cell formatted yyyy-mm-dd. A date in
words (June 2017, 15 March 2018) stays text when the CSV file is opened with LibreOffice's
default options; "typed" (detect special numbers, as when typing into a General cell) it
becomes a date with LibreOffice's default short-date format (mm/dd/yy or m/d/yy in the .xlsx)
whatever was typed, so the format does not show whether a month or a day was meant: cokg must
refuse such a cell, never widen it to a day.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from office import INSTALL_HINT, convert_to_xlsx, soffice_binary
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from submissions import EXAMPLE

from cokg import namespaces as ns
from cokg.namespaces import COKG, COKGID
from cokg.template import date_precision, read_template, write_template

if TYPE_CHECKING:
    from cokg.template import Conversion

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

CASE = "fictional-riverside"
# A date typed into the CSV file -> its datatype (at the precision typed) and the cell
# LibreOffice makes of it.
TYPED = {
    "2018-10": (ns.XSD.gYearMonth, "2018-10"),  # text: LibreOffice knows no year-month input
    "2018": (ns.XSD.gYear, 2018),  # a number, format General
    "2018-10-05": (ns.XSD.date, dt.datetime(2018, 10, 5)),  # a date, format yyyy-mm-dd
}
WORDED = "June 2017"  # a date in words (not a template form): text, or refused, never a day
TEMPLATE_DATE = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?")
DATE_PROPERTY = {"date": COKG.date, "date_text": COKG.dateText}


@pytest.fixture(scope="module", autouse=True)
def _libreoffice() -> None:
    if soffice_binary() is None:
        pytest.fail(INSTALL_HINT, pytrace=False)


@pytest.fixture(scope="module")
def blank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A blank workbook from write_template (copy it before filling it)."""
    book = tmp_path_factory.mktemp("blank") / "template.xlsx"
    write_template(book)
    return book


def _event(event_id: str) -> URIRef:
    return COKGID[f"event/{CASE}/{event_id}"]


def _problems(conv: Conversion) -> list[tuple[str | None, int | None, str | None, str]]:
    return sorted((p.file, p.row, p.column, p.message) for p in conv.problems)


def _fill(book: Path, folder: Path) -> None:
    """Type the data rows of every CSV sheet of `folder` (README.csv aside) into the sheet of
    the same name, under the workbook's own header (columns matched by name), as text cells."""
    wb = load_workbook(book)
    for f in sorted(folder.glob("*.csv")):
        if f.name == "README.csv":
            continue
        ws = wb[f.stem]
        header = [c.value for c in ws[1]]
        with f.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            unknown = set(reader.fieldnames or ()) - set(header)
            assert not unknown, f"{f.name}: columns the workbook's sheet lacks: {unknown}"
            for r, record in enumerate(reader, start=2):
                for c, name in enumerate(header, start=1):
                    if record.get(name):
                        cell = ws.cell(row=r, column=c)
                        cell.value = record[name]
                        cell.data_type = "s"  # text, even if it starts with '='
                        cell.number_format = "@"
    wb.save(book)


# --- a filled template, re-saved by LibreOffice ------------------------------------------------


@pytest.fixture(scope="module")
def filled(blank: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The example submission typed into a blank workbook, and that workbook re-saved by
    LibreOffice (xlsx to xlsx)."""
    d = tmp_path_factory.mktemp("filled")
    book = d / "template.xlsx"
    shutil.copy(blank, book)
    _fill(book, EXAMPLE)
    [resaved] = convert_to_xlsx([book], d / "resaved")
    return book, resaved


def _values(book: Path) -> dict[tuple[str, int, int], object]:
    """(sheet, row, column) -> value of every cell holding one."""
    wb = load_workbook(book)
    return {(ws.title, c.row, c.column): c.value
            for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.value is not None}  # fmt: skip


def test_libreoffice_keeps_the_typed_cells_text(filled: tuple[Path, Path]) -> None:
    """The template's text cells ("@") stay text: no id, number or date is converted."""
    book, resaved = filled
    typed, saved = _values(book), _values(resaved)
    assert load_workbook(resaved, read_only=True).sheetnames == (
        load_workbook(book, read_only=True).sheetnames
    )
    assert any(sheet == "events" and v == "2017-06" for (sheet, _, _), v in typed.items())
    changed = {k: (typed.get(k), saved.get(k)) for k in typed.keys() | saved.keys()
               if repr(typed.get(k)) != repr(saved.get(k))}  # fmt: skip
    assert not changed, f"LibreOffice changed (sheet, row, column): (typed, saved) {changed}"


def test_resaved_template_gives_the_same_graph(filled: tuple[Path, Path]) -> None:
    book, resaved = filled
    typed, saved = read_template(book), read_template(resaved)
    assert len(typed.graph) > 100
    assert len(set(typed.graph.subjects(None, COKG.Event))) == 2
    assert isomorphic(typed.graph, saved.graph)
    assert _problems(typed) == _problems(saved)


def test_csv_folder_gives_the_same_graph_as_the_workbook(filled: tuple[Path, Path]) -> None:
    book, _ = filled
    from_csv, from_book = read_template(EXAMPLE), read_template(book)
    assert len(from_csv.graph) > 100
    assert isomorphic(from_csv.graph, from_book.graph)
    assert [p.message for p in from_csv.problems] == [p.message for p in from_book.problems]


# --- a CSV sheet with typed dates, turned into a workbook by LibreOffice ------------------------


@pytest.fixture(scope="module")
def events_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding only events.csv: the example's rows, then one row per typed date
    (event typed-<date>) and one with a date in words (event worded)."""
    d = tmp_path_factory.mktemp("events") / "csv"
    d.mkdir()
    with (EXAMPLE / "events.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = list(reader.fieldnames or ()), list(reader)
    assert "date" in header and rows
    for event_id, date in [*((f"typed-{v}", v) for v in TYPED), ("worded", WORDED)]:
        rows.append({**rows[0], "event_id": event_id, "label": f"Typed {date} (FICTIONAL)",
                     "date": date, "date_text": ""})  # fmt: skip
    with (d / "events.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, header)
        w.writeheader()
        w.writerows(rows)
    return d


# (language, typed): opened with LibreOffice's default CSV options, or as if typed into cells
CSV_MODES = [("en-US", False), ("en-US", True), ("en-GB", True), ("sv-SE", True)]


@pytest.fixture(
    scope="module",
    params=CSV_MODES,
    ids=[f"{lang}-{'typed' if typed else 'opened'}" for lang, typed in CSV_MODES],
)
def events_book(
    request: pytest.FixtureRequest, events_folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """events.csv turned into a workbook by LibreOffice."""
    language, typed = request.param
    out = tmp_path_factory.mktemp("events-xlsx")
    [book] = convert_to_xlsx(
        [events_folder / "events.csv"], out, csv_language=language, csv_typed=typed
    )
    return book


def _cells(book: Path) -> dict[str, dict[str, Cell]]:
    """event_id -> column -> cell (with its row number) of the workbook's events sheet."""
    ws = load_workbook(book)["events"]
    rows = list(ws.iter_rows())
    header = [c.value for c in rows[0]]
    out = {}
    for row in rows[1:]:
        cells: dict[str, Cell] = dict(zip(header, row, strict=False))
        out[str(cells["event_id"].value)] = cells
    return out


def test_csv_becomes_one_sheet_named_after_the_file(events_book: Path) -> None:
    assert load_workbook(events_book, read_only=True).sheetnames == ["events"]


@pytest.mark.parametrize("typed", list(TYPED))
def test_libreoffice_makes_a_cell_of_the_typed_date(events_book: Path, typed: str) -> None:
    """The hostile condition: what LibreOffice made of the typed text (see the docstring)."""
    cell = _cells(events_book)[f"typed-{typed}"]["date"]
    _, made = TYPED[typed]
    assert (cell.value, type(cell.value)) == (made, type(made)), cell.number_format
    if isinstance(made, dt.datetime):
        assert cell.is_date
        assert cell.number_format == "yyyy\\-mm\\-dd"
        assert date_precision(cell.number_format) == "day"
    elif isinstance(made, int):
        assert cell.number_format == "General"


@pytest.mark.parametrize("typed", list(TYPED))
def test_the_typed_date_keeps_its_precision(
    events_book: Path, events_folder: Path, typed: str
) -> None:
    datatype, _ = TYPED[typed]
    expected = {Literal(typed, datatype=datatype)}
    for source in (events_folder, events_book):
        conv = read_template(source)
        assert set(conv.graph.objects(_event(f"typed-{typed}"), COKG.date)) == expected, source
        assert not [p for p in conv.problems if p.focus_node == _event(f"typed-{typed}")]


def test_same_graph_as_the_csv_folder(events_book: Path, events_folder: Path) -> None:
    """The workbook gives the CSV folder's graph, except that a date in words LibreOffice
    turned into a date cell (format mm/dd/yy whatever was typed) is refused, naming its sheet,
    row and column, and its row left out (a row is converted whole or not at all), rather than
    read as a day: "June 2017" is not 2017-06-01."""
    from_csv, from_book = read_template(events_folder), read_template(events_book)
    assert len(from_csv.graph) > 20
    assert not from_csv.problems
    expected, worded = Graph(), []  # worded: (row, column, format) LibreOffice made dates
    for t in from_csv.graph:
        expected.add(t)
    for event_id, cells in _cells(events_book).items():
        for column, prop in DATE_PROPERTY.items():
            cell = cells[column]
            if isinstance(cell.value, dt.datetime) and not TEMPLATE_DATE.fullmatch(
                str(next(from_csv.graph.objects(_event(event_id), prop), ""))
            ):
                expected.remove((_event(event_id), None, None))  # the row is refused whole
                worded.append((cell.row, column, cell.number_format))
    read_as = sorted(
        (str(s).rsplit("/", 1)[-1], str(p).rsplit("#", 1)[-1], str(o))
        for s, p, o in from_book.graph - expected
    )
    why = (
        f"LibreOffice made date cells of dates in words (row, column, format): {worded}; "
        f"cokg read (event, property, value): {read_as}"
    )
    problems = sorted((p.row, p.column) for p in from_book.problems)
    assert problems == sorted((row, column) for row, column, _ in worded), why
    assert all("events" in (p.file or "") for p in from_book.problems)
    assert isomorphic(expected, from_book.graph), why


# --- date cells with a year, month or day format, re-saved by LibreOffice -----------------------

# number format given by openpyxl -> the text cokg must read from 2018-10-05 (None: refused)
FORMATTED = {
    "yyyy-mm-dd": "2018-10-05",
    "dd/mm/yyyy": "2018-10-05",
    "yyyy-mm": "2018-10",
    "mmm yyyy": "2018-10",
    "mmmm yyyy": "2018-10",
    "mm/yyyy": "2018-10",
    "[$-409]mmm\\ yyyy;@": "2018-10",
    "yyyy": "2018",
    "mm-dd": None,  # no year: the format cannot tell
}
DATATYPES = {4: ns.XSD.gYear, 7: ns.XSD.gYearMonth, 10: ns.XSD.date}


def test_date_formats_keep_their_precision_when_resaved(blank: Path, tmp_path: Path) -> None:
    """A steward's date cells (a day written 2018-10-05, shown by year, month or day) survive
    LibreOffice: it rewrites the formats (yyyy-mm as yyyy\\-mm, mmm yyyy as mmm\\ yyyy), and
    cokg reads each at the precision shown, refusing the one without a year."""
    book = tmp_path / "dates.xlsx"
    shutil.copy(blank, book)
    wb = load_workbook(book)
    ws = wb["events"]
    header = [c.value for c in ws[1]]
    for r, fmt in enumerate(FORMATTED, start=2):
        values = {"case_id": CASE, "event_id": f"formatted-{r}", "label": f"Shown as {fmt}"}
        for name, value in values.items():
            ws.cell(row=r, column=header.index(name) + 1, value=value).number_format = "@"
        cell = ws.cell(row=r, column=header.index("date") + 1, value=dt.datetime(2018, 10, 5))
        cell.number_format = fmt
    wb.save(book)
    [resaved] = convert_to_xlsx([book], tmp_path / "resaved")

    cells = _cells(resaved)
    seen = {fmt: cells[f"formatted-{r}"]["date"] for r, fmt in enumerate(FORMATTED, start=2)}
    formats = {fmt: cell.number_format for fmt, cell in seen.items()}
    for fmt, cell in seen.items():
        assert cell.value == dt.datetime(2018, 10, 5), (fmt, cell.value)
        assert date_precision(cell.number_format) == date_precision(fmt), formats
    conv = read_template(resaved)
    for r, (fmt, text) in enumerate(FORMATTED.items(), start=2):
        got = set(conv.graph.objects(_event(f"formatted-{r}"), COKG.date))
        want = set() if text is None else {Literal(text, datatype=DATATYPES[len(text)])}
        assert got == want, (fmt, formats[fmt])
    refused = [(p.row, p.column) for p in conv.problems]
    assert refused == [(r, "date") for r, t in enumerate(FORMATTED.values(), start=2) if t is None]
