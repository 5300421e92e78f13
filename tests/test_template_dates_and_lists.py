"""The template keeps a date's precision, and offers drop-down lists (issue 11, items 3 and 7).

Dates: every column of a written workbook is a text cell ("@"), so a typed 2018-10 stays text;
a cell a spreadsheet program turned into a date anyway (openpyxl gives a datetime) is read at
the precision its number format shows, or refused naming sheet, column and row — never widened
to a day (a format with a two-digit year shows no precision; a date cell in a column that is
no date, such as date_text, has lost its wording). A row with a refused cell adds nothing. CSV
cells are text and stay as typed.

Drop-downs: the construct-code column offers every framework code (hidden sheet `codes`, code
and label) as a hint (several codes per cell are allowed, so it refuses nothing); the
controlled-value columns offer their values (hidden sheet `values`).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
from collections.abc import Mapping
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import SKOS

from cokg.namespaces import COKG, COKGID
from cokg.template import SHEETS, date_precision, read_template, write_template
from cokg.template.writing import allowed_values
from cokg.validate import format_report, validate
from cokg.vocabulary import (
    CHANGE_TYPES,
    CONTEXT_LEVELS,
    EVENT_TYPES,
    INNOVATION_NATURES,
    PHASES,
    ROLES,
    STANCES,
)

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORKS = ROOT / "ontology" / "frameworks"
EXAMPLE = Path(__file__).parent / "fixtures" / "submissions" / "example-template"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"  # a plain string: pytest probes module attributes
GYEAR, GYEARMONTH, DATE = (URIRef(XSD_NS + t) for t in ("gYear", "gYearMonth", "date"))
EVENT = URIRef(str(COKGID) + "event/c1/e1")
EVENT_COLUMNS = [c.name for c in SHEETS["events"].columns]


def _events_book(tmp_path: Path, value: object, number_format: str | None = None,
                 *, iso_dates: bool = False, column: str = "date") -> Path:  # fmt: skip
    """A workbook with one event whose `column` cell holds `value` in `number_format`."""
    wb = Workbook()
    wb.iso_dates = iso_dates  # True: dates stored as ISO text cells (t="d"), as some programs do
    ws = wb.active
    ws.title = "events"
    ws.append(EVENT_COLUMNS)
    ws.append(["c1", "e1", "An event", None])
    cell = ws.cell(row=2, column=EVENT_COLUMNS.index(column) + 1, value=value)
    if number_format is not None:
        cell.number_format = number_format
    out = tmp_path / "book.xlsx"
    wb.save(out)
    return out


def _event_dates(book: Path) -> list[Literal]:
    conv = read_template(book)
    return [o for o in conv.graph.objects(EVENT, COKG.date) if isinstance(o, Literal)]


# --- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number_format", "expected"),
    [
        ("yyyy", Literal("2018", datatype=GYEAR)),
        ("YYYY", Literal("2018", datatype=GYEAR)),
        ("yyyy-mm", Literal("2018-10", datatype=GYEARMONTH)),
        ("yyyy\\-mm", Literal("2018-10", datatype=GYEARMONTH)),  # as LibreOffice writes it
        ("mmm yyyy", Literal("2018-10", datatype=GYEARMONTH)),
        ("mmmm\\ yyyy", Literal("2018-10", datatype=GYEARMONTH)),
        ("mm/yyyy", Literal("2018-10", datatype=GYEARMONTH)),
        ("[$-409]mmm\\ yyyy;@", Literal("2018-10", datatype=GYEARMONTH)),
        ("yyyy-mm-dd", Literal("2018-10-15", datatype=DATE)),
        ("dd/mm/yyyy", Literal("2018-10-15", datatype=DATE)),
        ("yyyy-mm-dd h:mm:ss", Literal("2018-10-15", datatype=DATE)),
    ],
)
def test_a_date_cell_is_read_at_the_precision_its_format_shows(
    tmp_path: Path, number_format: str, expected: Literal
) -> None:
    """A four-digit year shows a precision; formats with a two-digit year (mmm-yy, mm-dd-yy)
    no longer do (they are refused: see below)."""
    book = _events_book(tmp_path, dt.datetime(2018, 10, 15), number_format)
    assert _event_dates(book) == [expected]
    assert _event_dates(book)[0].datatype == expected.datatype


def test_a_date_cell_stored_as_iso_text_uses_its_format_too(tmp_path: Path) -> None:
    book = _events_book(tmp_path, dt.datetime(2018, 10, 1), "yyyy-mm", iso_dates=True)
    assert _event_dates(book) == [Literal("2018-10", datatype=GYEARMONTH)]


@pytest.mark.parametrize(
    ("value", "number_format", "iso_dates"),
    [
        (dt.datetime(2018, 10, 1), "General", True),  # a date with no date format
        (dt.datetime(2018, 10, 1), "d-mmm", False),  # Excel's built-in 16: no year shown
        (dt.datetime(2018, 10, 1), "mmmm", False),
        (dt.time(10, 30), "h:mm", False),  # a time is no date
        # A two-digit year: LibreOffice gives a date typed in words its default short-date
        # format (mm/dd/yy) whatever was typed, so such a format tells no precision. These
        # four were once read at the precision shown; the redesign refuses them.
        (dt.datetime(2018, 10, 15), "mmm-yy", False),  # Excel's built-in 17
        (dt.datetime(2018, 10, 15), "[$-409]mmm\\-yy;@", False),
        (dt.datetime(2018, 10, 15), "mm-dd-yy", False),  # Excel's built-in 14
        (dt.datetime(2018, 10, 15), "d-mmm-yy", False),
    ],
    ids=[
        "general",
        "day-month",
        "month-only",
        "time",
        "mmm-yy",
        "locale-mmm-yy",
        "mm-dd-yy",
        "d-mmm-yy",
    ],
)
def test_a_date_cell_whose_format_cannot_tell_is_refused_by_sheet_column_row(
    tmp_path: Path, value: object, number_format: str, iso_dates: bool
) -> None:
    book = _events_book(tmp_path, value, number_format, iso_dates=iso_dates)
    conv = read_template(book)
    assert not list(conv.graph.objects(EVENT, COKG.date))  # never widened to a day
    assert not list(conv.graph.triples((EVENT, None, None)))  # the row is refused whole
    assert len(conv.problems) == 1
    p = conv.problems[0]
    assert (p.file, p.row, p.column, p.severity) == ("book.xlsx, sheet events", 2, "date",
                                                     "violation")  # fmt: skip
    assert "YYYY-MM" in p.message and "text" in p.message


def test_a_date_cell_in_a_column_that_is_no_date_is_refused(tmp_path: Path) -> None:
    """date_text holds the date as the source words it: a cell the spreadsheet program turned
    into a date has lost that wording (June 2017 became 2017-06-01), whatever its format, so
    it is refused, naming sheet, row and column, and the row adds nothing."""
    book = _events_book(tmp_path, dt.datetime(2017, 6, 1), "mmmm yyyy", column="date_text")
    conv = read_template(book)
    assert not list(conv.graph.triples((EVENT, None, None)))
    (p,) = conv.problems
    assert (p.file, p.row, p.column, p.severity) == ("book.xlsx, sheet events", 2, "date_text",
                                                     "violation")  # fmt: skip
    assert "this column is not a date" in p.message and "format the cell as text" in p.message
    # an id the program made a day (GAL-01 typed as 1-3), in a format that shows no year: the
    # same message, not the date columns' advice to type a date at its precision
    book = _events_book(tmp_path, dt.datetime(2001, 3, 1), "d-mmm", column="event_id")
    (p,) = read_template(book).problems
    assert p.column == "event_id" and p.message.startswith("this column is not a date")


def test_a_refused_date_cell_is_reported_by_validate(tmp_path: Path) -> None:
    book = _example_book(tmp_path, {("events", 2, "date"): (dt.datetime(2017, 6, 1), "d-mmm")})
    report = validate([book])
    assert not report.conforms
    text = format_report(report)
    assert (
        "example.xlsx, sheet events row 2 (event first-cafe of case fictional-riverside): "
        "column date: this cell was turned into a date or time (2017-06-01) by the spreadsheet "
        "program, and its format 'd-mmm' does not show whether the source gives a year, a "
        "month or a day"
    ) in text
    assert [(r.file, r.row, r.column) for r in report.results if r.column == "date"] == [
        ("example.xlsx, sheet events", 2, "date")
    ]


def test_a_text_date_cell_stays_as_typed(tmp_path: Path) -> None:
    book = _events_book(tmp_path, "2018-10", "@")
    assert _event_dates(book) == [Literal("2018-10", datatype=GYEARMONTH)]


def test_a_year_typed_as_a_number_stays_a_year(tmp_path: Path) -> None:
    book = _events_book(tmp_path, 2018)
    assert _event_dates(book) == [Literal("2018", datatype=GYEAR)]


def test_case_date_columns_keep_their_precision(tmp_path: Path) -> None:
    """The case's own date columns, and its phases' start and end (once cases.adoption_start
    and adoption_end, now sheet phases), each at the precision its cell's format shows."""
    sheets: dict[str, dict[str, object]] = {
        "cases": {
            "case_id": "c1",
            "label": "Case",
            "innovations": "thing",
            "coproduction_start_year": (dt.datetime(2015, 1, 1), "yyyy"),
            "interviews_from": (dt.datetime(2019, 11, 1), "mmm yyyy"),
            "interviews_to": (dt.datetime(2021, 8, 1), "mm/yyyy"),
        },
        "phases": {
            "case_id": "c1",
            "phase": "adoption",
            "start": (dt.datetime(2016, 3, 9), "dd/mm/yyyy"),
            "end": "2018",
        },
    }
    wb = Workbook()
    wb.remove(wb.active)
    for sheet, values in sheets.items():
        cols = [c.name for c in SHEETS[sheet].columns]
        ws = wb.create_sheet(sheet)
        ws.append(cols)
        for name, v in values.items():
            cell = ws.cell(row=2, column=cols.index(name) + 1)
            if isinstance(v, tuple):
                cell.value, cell.number_format = v
            else:
                cell.value = v
    book = tmp_path / "book.xlsx"
    wb.save(book)
    conv = read_template(book)
    assert not conv.problems
    g = conv.graph
    case = URIRef(str(COKGID) + "case/c1")
    episode = URIRef(str(COKGID) + "episode/c1/adoption")
    assert list(g.objects(case, COKG.coproductionStartYear)) == [Literal("2015", datatype=GYEAR)]
    assert list(g.objects(case, COKG.interviewsFrom)) == [Literal("2019-11", datatype=GYEARMONTH)]
    assert list(g.objects(case, COKG.interviewsTo)) == [Literal("2021-08", datatype=GYEARMONTH)]
    assert list(g.objects(episode, COKG.startDate)) == [Literal("2016-03-09", datatype=DATE)]
    assert list(g.objects(episode, COKG.endDate)) == [Literal("2018", datatype=GYEAR)]


def test_csv_dates_stay_as_typed(tmp_path: Path) -> None:
    folder = tmp_path / "sub"
    folder.mkdir()
    with (folder / "events.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(EVENT_COLUMNS)
        for i, d in enumerate(("2018", "2018-10", "2018-10-15"), start=1):
            w.writerow(["c1", f"e{i}", "An event", d] + [""] * (len(EVENT_COLUMNS) - 4))
    g = read_template(folder).graph
    got = {str(s).rsplit("/", 1)[1]: o for s, o in g.subject_objects(COKG.date)}
    assert got == {
        "e1": Literal("2018", datatype=GYEAR),
        "e2": Literal("2018-10", datatype=GYEARMONTH),
        "e3": Literal("2018-10-15", datatype=DATE),
    }


def _example_book(
    tmp_path: Path, cells: dict[tuple[str, int, str], tuple[object, str]] | None = None
) -> Path:
    """The example submission as a workbook in which every date a steward typed became a date
    cell, formatted as a spreadsheet program formats what was typed (2017-06: yyyy-mm), except
    `cells`: (sheet, row, column) -> (value, number format)."""
    fmt = {4: "yyyy", 7: "yyyy-mm", 10: "yyyy-mm-dd"}
    wb = Workbook()
    wb.active.title = "README"
    for sheet, spec in SHEETS.items():
        f = EXAMPLE / f"{sheet}.csv"
        if not f.exists():
            continue
        ws = wb.create_sheet(sheet)
        date_cols = {c.name for c in spec.columns if c.date and c.name != "date_text"}
        with f.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        ws.append(rows[0])
        for r, values in enumerate(rows[1:], start=2):
            for j, (name, v) in enumerate(zip(rows[0], values, strict=True), start=1):
                cell = ws.cell(row=r, column=j)
                if (sheet, r, name) in (cells or {}):
                    cell.value, cell.number_format = (cells or {})[(sheet, r, name)]
                elif name in date_cols and re.fullmatch(r"[0-9]{4}(-[0-9]{2}){0,2}", v):
                    parts = [int(x) for x in v.split("-")] + [1, 1]
                    cell.value = dt.datetime(parts[0], parts[1], parts[2])
                    cell.number_format = fmt[len(v)]
                else:
                    cell.value = v or None
    book = tmp_path / "example.xlsx"
    wb.save(book)
    return book


def test_example_with_date_cells_gives_the_csv_graph(tmp_path: Path) -> None:
    book = _example_book(tmp_path)
    dates = [c for ws in load_workbook(book).worksheets for row in ws.iter_rows() for c in row
             if c.is_date]  # fmt: skip
    assert len(dates) >= 5
    from_csv, from_xlsx = read_template(EXAMPLE), read_template(book)
    assert not from_xlsx.problems
    assert isomorphic(from_csv.graph, from_xlsx.graph)


@pytest.mark.parametrize(
    ("number_format", "expected"),
    [
        ("yyyy", "year"),
        ("e", "year"),
        ('yyyy"年"m"月"', "month"),
        ("m/d/yyyy h:mm AM/PM", "day"),
        ("dddd, mmmm d, yyyy", "day"),
        ("[Red]yyyy-mm", "month"),
        ("hh:mm yyyy", "year"),  # mm after hh is minutes
        ("mm:ss", None),
        ("mm/dd/yy", None),  # a two-digit year: no precision we can trust
        ("mmm-yy", None),
        ("[h]:mm:ss", None),
        ("General", None),
        ("@", None),
        ("0.00E+00", None),
    ],
)
def test_date_precision_of_number_formats(number_format: str, expected: str | None) -> None:
    assert date_precision(number_format) == expected


def test_written_template_has_text_format_on_every_date_column(tmp_path: Path) -> None:
    out = tmp_path / "template.xlsx"
    write_template(out)
    wb = load_workbook(out)
    date_columns = [(s, c.name) for s, spec in SHEETS.items() for c in spec.columns if c.date]
    assert {("events", "date"), ("cases", "interviews_from"), ("phases", "start"),
            ("cases", "coproduction_start_year")} <= set(date_columns)  # fmt: skip
    for sheet, spec in SHEETS.items():
        ws = wb[sheet]
        for i, col in enumerate(spec.columns, start=1):
            assert ws.cell(row=1, column=i).value == col.name
            # every column is text (ids such as mar-05 would become dates too); dates above all
            assert ws.column_dimensions[get_column_letter(i)].number_format == "@", (sheet, col)


# --- drop-down lists -----------------------------------------------------------------------------


def _framework_concepts() -> dict[str, str]:
    """code -> label of every concept in the framework files, computed with rdflib alone."""
    out: dict[str, str] = {}
    for f in sorted(FRAMEWORKS.glob("*.ttl")):
        g = Graph().parse(f, format="turtle")
        for concept, scheme in g.subject_objects(SKOS.inScheme):
            if "/framework/" not in str(scheme):
                continue
            prefix, _ns, local = g.namespace_manager.compute_qname(str(concept))
            out[f"{prefix}:{local}"] = str(g.value(concept, SKOS.prefLabel))
    return out


def _validations(ws: Worksheet) -> dict[str, DataValidation]:
    """column name -> its data validation (each validation covers one column)."""
    header = [c.value for c in ws[1]]
    out = {}
    for dv in ws.data_validations.dataValidation:
        (rng,) = list(dv.sqref.ranges)
        assert rng.min_col == rng.max_col
        out[header[rng.min_col - 1]] = dv
    return out


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tpl") / "template.xlsx"
    write_template(out)
    return out


def test_codes_column_offers_every_framework_code(written: Path) -> None:
    wb = load_workbook(written)
    codes_ws = wb["codes"]
    assert codes_ws.sheet_state == "hidden"
    rows = list(codes_ws.iter_rows(values_only=True))
    assert rows[0] == ("code", "label")
    listed = {code: label for code, label in rows[1:]}
    expected = _framework_concepts()
    assert len(rows) - 1 == len(expected) == len(listed)  # each concept once
    assert listed == expected
    assert {"cfir22:IV.K", "frame:external-context", "cfir09:V.B.4"} <= set(listed)

    ws = wb["findings"]
    dv = _validations(ws)["codes"]
    col = get_column_letter([c.name for c in SHEETS["findings"].columns].index("codes") + 1)
    assert dv.type == "list"
    assert dv.formula1 == f"'codes'!$A$2:$A${len(expected) + 1}"
    assert str(dv.sqref) == f"{col}2:{col}1048576"
    assert dv.showErrorMessage is False  # several codes per cell: the list is a hint
    help_text = SHEETS["findings"].column("codes").help
    assert "hint" in help_text and "several" in help_text


def test_every_listed_code_is_accepted_by_the_reader(written: Path, tmp_path: Path) -> None:
    codes = [r[0] for r in load_workbook(written)["codes"].iter_rows(min_row=2, values_only=True)]
    folder = tmp_path / "sub"
    folder.mkdir()
    cols = [c.name for c in SHEETS["findings"].columns]
    row = dict.fromkeys(cols, "")
    row.update(case_id="c1", finding_id="f1", statement="S", phase="adoption",
               codes="; ".join(codes), located_in="l1")  # fmt: skip
    with (folder / "findings.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        w.writerow([row[c] for c in cols])
    conv = read_template(folder)
    assert not conv.problems
    finding = URIRef(str(COKGID) + "finding/c1/f1")
    assert len(set(conv.graph.objects(finding, COKG.codedTo))) == len(codes)


VALUE_COLUMNS: dict[tuple[str, str], tuple[Mapping[str, object], bool]] = {
    ("innovations", "nature"): (INNOVATION_NATURES, False),
    ("events", "phase"): (PHASES, False),
    ("events", "event_type"): (EVENT_TYPES, False),
    ("roles", "role"): (ROLES, False),
    ("roles", "phases"): (PHASES, True),  # several phases per cell
    ("findings", "phase"): (PHASES, False),
    ("findings", "stance"): (STANCES, False),
    ("findings", "kind"): ({"narrative": 0, "cross-case": 0}, False),
    ("quotations", "phase"): (PHASES, False),
    ("phases", "phase"): (PHASES, False),  # the id of a phases row is a phase
    ("findings", "context_level"): (CONTEXT_LEVELS, False),
    ("innovation_changes", "change_types"): (CHANGE_TYPES, True),
    ("organisations", "kind"): ({"organisation": 0, "unnamed individual": 0}, False),
}


def test_controlled_value_columns_offer_their_values(written: Path) -> None:
    wb = load_workbook(written)
    values_ws = wb["values"]
    assert values_ws.sheet_state == "hidden"
    for (sheet, column), (allowed, several) in VALUE_COLUMNS.items():
        dv = _validations(wb[sheet])[column]
        col = get_column_letter([c.name for c in SHEETS[sheet].columns].index(column) + 1)
        assert dv.type == "list" and str(dv.sqref) == f"{col}2:{col}1048576"
        m = re.fullmatch(r"'values'!\$([A-Z]+)\$2:\$\1\$([0-9]+)", dv.formula1)
        assert m, dv.formula1
        col_cells = values_ws[f"{m.group(1)}2:{m.group(1)}{m.group(2)}"]
        listed = [row[0].value for row in col_cells]
        assert listed == list(allowed), (sheet, column)
        assert dv.showErrorMessage is (not several), (sheet, column)
    # every column with allowed values has a drop-down; no other column has one
    # (allowed_values: a column's fixed list, including the kind column and a phase id)
    for sheet, spec in SHEETS.items():
        have = set(_validations(wb[sheet]))
        assert have == {c.name for c in spec.columns if allowed_values(spec, c) or c.codes}, sheet


def test_a_filled_written_template_reads_past_its_hidden_lists(
    written: Path, tmp_path: Path
) -> None:
    book = tmp_path / "filled.xlsx"
    shutil.copy(written, book)
    wb = load_workbook(book)
    ws = wb["events"]
    typed = {"case_id": "c1", "event_id": "e1", "label": "An event", "date": "2018-10",
             "date_text": "October 2018", "phase": "adoption", "event_type": "launch"}  # fmt: skip
    ws.append([typed.get(c) for c in EVENT_COLUMNS])
    wb.save(book)
    conv = read_template(book)
    assert not conv.problems
    assert _event_dates(book) == [Literal("2018-10", datatype=GYEARMONTH)]


def test_template_can_take_its_codes_from_a_store(tmp_path: Path) -> None:
    from cokg.store import MemoryStore

    mem = MemoryStore()
    f = FRAMEWORKS / "study-frame.ttl"
    mem.load_files({"https://w3id.org/cokg/graph/framework/study-frame": f})
    out = tmp_path / "t.xlsx"
    write_template(out, store=mem)
    codes = [r[0] for r in load_workbook(out)["codes"].iter_rows(min_row=2, values_only=True)]
    assert sorted(codes) == sorted(c for c in _framework_concepts() if c.startswith("frame:"))


# --- formulas ------------------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["date", "label"])
def test_a_formula_without_a_stored_value_is_refused_not_dropped(
    tmp_path: Path, column: str
) -> None:
    """A workbook written by a script (openpyxl, pandas) stores a formula without its value:
    read as an empty cell, the year vanished and the submission conformed (a required cell
    was "required" though it visibly held something). It is refused, naming the formula."""
    formula = "=2018+1" if column == "date" else '=CONCATENATE("An ","event")'
    book = _events_book(tmp_path, formula, column=column)
    conv = read_template(book)
    assert not list(conv.graph.triples((EVENT, None, None)))  # the row adds nothing
    (p,) = conv.problems
    assert (p.file, p.row, p.column) == ("book.xlsx, sheet events", 2, column)
    assert p.message.startswith(f"this cell holds the formula {formula} but the file stores no")
    assert "type the value" in p.message


def test_a_spreadsheets_day_number_in_a_date_column_is_refused_naming_the_day(
    tmp_path: Path,
) -> None:
    # a date cell set to General shows the day count: 43752 was stored as the year 43752
    # (then reported twice: not a year, and outside its phase)
    book = _events_book(tmp_path, 43752, "General")
    conv = read_template(book)
    assert not list(conv.graph.triples((EVENT, None, None)))
    (p,) = conv.problems
    assert (p.row, p.column) == (2, "date")
    assert p.message.startswith("this cell holds the number 43752, which is how a spreadsheet")
    assert "(2019-10-14)" in p.message
    # a year typed as a number stays a year
    assert _event_dates(_events_book(tmp_path, 2018)) == [Literal("2018", datatype=GYEAR)]


def test_a_date_and_time_cell_keeps_its_time(tmp_path: Path) -> None:
    """A date-time cell whose format shows the time was read as its day, the time dropped
    without a word: it is read as the date and time typed text gives, which an event's date
    (a year, month or day) refuses, naming it."""
    book = _events_book(tmp_path, dt.datetime(2018, 10, 15, 14, 30), "yyyy-mm-dd hh:mm")
    assert [str(d) for d in _event_dates(book)] == ["2018-10-15T14:30"]
    report = format_report(validate([book], store=None))
    assert "column date: the date '2018-10-15T14:30' of this event is not a year" in report
    # a time the format does not show is not read: the cell says a day
    book = _events_book(tmp_path, dt.datetime(2018, 10, 15, 14, 30), "yyyy-mm-dd")
    assert _event_dates(book) == [Literal("2018-10-15", datatype=DATE)]


@pytest.mark.parametrize("error", ["#DIV/0!", "#N/A", "#REF!", "#VALUE!"])
def test_a_spreadsheet_error_cell_is_refused(tmp_path: Path, error: str) -> None:
    # a formula that failed, recalculated by the program that saved the file: its error code
    # was stored as the text of the cell (a quotation read "#DIV/0!")
    book = _events_book(tmp_path, error, column="description")
    assert load_workbook(book)["events"]["K2"].data_type == "e"
    conv = read_template(book)
    assert not list(conv.graph.triples((EVENT, None, None)))
    (p,) = conv.problems
    assert (p.row, p.column) == (2, "description")
    assert p.message.startswith(f"this cell holds the spreadsheet error {error} (a formula")


def test_a_number_shown_as_a_percentage_is_refused(tmp_path: Path) -> None:
    # 0.5 formatted 0% reads 50% on screen and was stored as "0.5"
    book = _events_book(tmp_path, 0.5, "0%", column="description")
    conv = read_template(book)
    (p,) = conv.problems
    assert (p.row, p.column) == (2, "description")
    assert p.message.startswith("this cell holds the number 0.5, shown as 50% by its percentage")
    # the same number in General is the number typed
    book = _events_book(tmp_path, 0.5, "General", column="description")
    assert list(read_template(book).graph.objects(EVENT, COKG.description)) == [Literal("0.5")]


def _two_events(second: list[object]) -> tuple[Workbook, Worksheet]:
    """A workbook with an events sheet: event e1 of case c1 in 2018, then `second`."""
    wb = Workbook()
    ws = wb.active
    ws.title = "events"
    ws.append(EVENT_COLUMNS)
    ws.append(["c1", "e1", "An event", "2018"])
    ws.append(second)
    return wb, ws


def test_merged_cells_in_a_data_sheet_are_refused_naming_them(tmp_path: Path) -> None:
    # the first row held the value; the row below read "case_id is required" though the cell
    # looked filled in the spreadsheet
    wb, ws = _two_events([None, "e2", "Another", "2019"])
    ws.merge_cells("A2:A3")
    readme = wb.create_sheet("README")
    readme.append(["a title"])
    readme.merge_cells("A1:C1")  # the instructions may merge what they like
    out = tmp_path / "book.xlsx"
    wb.save(out)
    from cokg.errors import InputError

    with pytest.raises(InputError, match=r"sheet events has merged cells \(A2:A3\): a merged"):
        read_template(out)
    ws.unmerge_cells("A2:A3")
    wb.save(out)
    read_template(out)  # the README's merge is fine


def _spelt(book: Path, spelling: str) -> Path:
    """`book` with its first sheet's XML written another way a spreadsheet program may write
    it, which openpyxl reads the same: its elements with a namespace prefix (`<x:row>`), its
    attributes in single quotes, or another attribute before the one that matters."""
    import zipfile

    member = "xl/worksheets/sheet1.xml"
    out = book.with_name(f"{spelling}.xlsx")
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == member:
                text = data.decode("utf-8")
                if spelling == "prefixed":
                    text = re.sub(r"<(/?)(?![A-Za-z0-9]*:)([A-Za-z]+)", r"<\1x:\2", text)
                    text = text.replace("<x:worksheet xmlns=", "<x:worksheet xmlns:x=", 1)
                elif spelling == "single-quoted":
                    text = re.sub(r'(\s[\w:]+)="([^"]*)"', r"\1='\2'", text)
                else:  # another attribute first
                    text = re.sub(r"<(mergeCell|row|f|col)\b", r'<\1 xmlns:e="urn:e" e:n="1"', text)
                assert text != data.decode("utf-8")
                data = text.encode("utf-8")
            zout.writestr(info, data)
    return out


SPELLINGS = [pytest.param(s, id=s) for s in ("prefixed", "single-quoted", "attribute-first")]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_merged_cells_are_found_however_the_sheet_is_spelt(tmp_path: Path, spelling: str) -> None:
    # <x:mergeCell ref="A2:A3"/> (or ref='A2:A3', or another attribute first) escaped the
    # byte search: the second row read as empty, a merged stance silently dropped
    wb, ws = _two_events([None, "e2", "Another", "2019"])
    ws.merge_cells("A2:A3")
    wb.save(tmp_path / "book.xlsx")
    from cokg.errors import InputError

    with pytest.raises(InputError, match=r"sheet events has merged cells \(A2:A3\): a merged"):
        read_template(_spelt(tmp_path / "book.xlsx", spelling))


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_formula_is_found_however_the_sheet_is_spelt(tmp_path: Path, spelling: str) -> None:
    # <x:f>: the uncalculated formula read as an empty cell, and the row conformed
    book = _spelt(_events_book(tmp_path, '=CONCATENATE("An ","event")', column="label"), spelling)
    conv = read_template(book)
    assert not list(conv.graph.triples((EVENT, None, None)))
    (p,) = conv.problems
    assert (p.row, p.column) == (2, "label")
    assert p.message.startswith('this cell holds the formula =CONCATENATE("An ","event") but')


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_hidden_row_is_found_however_the_sheet_is_spelt(tmp_path: Path, spelling: str) -> None:
    wb, ws = _two_events(["c1", "e2", "A hidden event", "2019"])
    ws.row_dimensions[3].hidden = True
    wb.save(tmp_path / "book.xlsx")
    (p,) = read_template(_spelt(tmp_path / "book.xlsx", spelling)).problems
    assert (p.severity, p.row) == ("warning", 3)
    assert p.message.startswith("row 3 is hidden in the workbook, and read like any other")


def test_a_formula_reusing_another_cells_is_quoted_as_it_reads_there(tmp_path: Path) -> None:
    """A shared formula (a formula filled down) is stored once; the cells reusing it hold no
    text of their own, and are quoted as a spreadsheet shows them."""
    import zipfile

    wb, ws = _two_events(["c1", "e2", None, "2019"])
    ws["C2"], ws["C3"] = "=UPPER(B2)", "=UPPER(B3)"
    wb.save(tmp_path / "book.xlsx")
    out = tmp_path / "shared.xlsx"
    with zipfile.ZipFile(tmp_path / "book.xlsx") as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                text = text.replace(
                    "<f>UPPER(B2)</f>", '<f t="shared" ref="C2:C3" si="0">UPPER(B2)</f>'
                )
                text = text.replace("<f>UPPER(B3)</f>", '<f t="shared" si="0"/>')
                data = text.encode("utf-8")
            zout.writestr(info, data)
    problems = read_template(out).problems
    assert [(p.row, p.column, p.message.split(" but ")[0]) for p in problems] == [
        (2, "label", "this cell holds the formula =UPPER(B2)"),
        (3, "label", "this cell holds the formula =UPPER(B3)"),
    ]


def test_a_cell_as_full_as_excel_allows_is_warned_about(tmp_path: Path) -> None:
    # a text cut at 32,767 characters when pasted in was accepted without a word
    book = _events_book(tmp_path, "x" * 32_767, column="description")
    conv = read_template(book)
    (p,) = conv.problems
    assert (p.severity, p.column) == ("warning", "description")
    assert p.message.startswith("this cell holds 32,767 characters, as many as an Excel cell")
    assert list(conv.graph.objects(EVENT, COKG.description))  # stored all the same
    report = validate([book], store=None)
    assert any(r.severity == "warning" and "32,767" in r.message for r in report.results)


def test_a_row_of_spaces_alone_is_an_empty_row(tmp_path: Path) -> None:
    # a row holding a space and a non-breaking space gave six "is required" errors
    wb = Workbook()
    ws = wb.active
    ws.title = "events"
    ws.append(EVENT_COLUMNS)
    ws.append([" ", "\u00a0", None, " \u00a0"])
    ws.append(["c1", "e1", "An event", "2018"])
    out = tmp_path / "book.xlsx"
    wb.save(out)
    conv = read_template(out)
    assert not conv.problems and _event_dates(out) == [Literal("2018", datatype=GYEAR)]


def test_hidden_rows_and_sheets_are_read_and_said(tmp_path: Path) -> None:
    # people hide rows to mean "deleted": they were ingested without a word
    wb, ws = _two_events(["c1", "e2", "A hidden event", "2019"])
    ws.row_dimensions[3].hidden = True
    out = tmp_path / "book.xlsx"
    wb.save(out)
    conv = read_template(out)
    (p,) = conv.problems
    assert (p.severity, p.row) == ("warning", 3)
    assert p.message.startswith("row 3 is hidden in the workbook, and read like any other")
    assert len(list(conv.graph.subjects(COKG.inCase, None))) == 2  # read all the same
    ws.row_dimensions[3].hidden = False
    ws.sheet_state = "hidden"
    wb.create_sheet("README")  # a workbook keeps one sheet visible
    wb.save(out)
    (p,) = read_template(out).problems
    assert (p.row, p.message[:28]) == (2, "this sheet is hidden in the ")
    assert p.message.endswith("if hiding meant deleting, delete it")  # one sheet: not "them"


@pytest.mark.parametrize(
    ("rows", "said"),
    [
        pytest.param([3], "row 3 is hidden in the workbook, and read like any other: if hiding "
                     "meant deleting, delete it", id="one"),
        pytest.param([3, 4], "rows 3, 4 are hidden in the workbook, and read like any other: "
                     "if hiding meant deleting, delete them", id="two"),
    ],
)  # fmt: skip
def test_the_hidden_rows_warning_counts_them(tmp_path: Path, rows: list[int], said: str) -> None:
    wb, ws = _two_events(["c1", "e2", "A hidden event", "2019"])
    ws.append(["c1", "e3", "Another hidden event", "2020"])
    for r in rows:
        ws.row_dimensions[r].hidden = True
    wb.save(tmp_path / "book.xlsx")
    (p,) = read_template(tmp_path / "book.xlsx").problems
    assert (p.severity, p.row, p.column, p.message) == ("warning", 3, "case_id", said)


def test_hidden_columns_are_read_and_said(tmp_path: Path) -> None:
    # a hidden column was read with no warning at all (hidden rows and sheets were said)
    wb, ws = _two_events(["c1", "e2", "A second event", "2019"])
    ws.cell(row=3, column=EVENT_COLUMNS.index("description") + 1, value="Hidden text")
    ws.column_dimensions["K"].hidden = True  # description: empty in row 2, filled in row 3
    assert EVENT_COLUMNS[10] == "description"
    wb.save(tmp_path / "book.xlsx")
    conv = read_template(tmp_path / "book.xlsx")
    (p,) = conv.problems
    assert (p.severity, p.row, p.column) == ("warning", 3, "description")
    assert p.message == (
        "this column is hidden in the workbook, and read like any other: if hiding meant "
        "deleting, delete it"
    )
    assert list(conv.graph.objects(None, COKG.description)) == [Literal("Hidden text")]
    ws.column_dimensions["C"].hidden = True  # label, filled in every row
    wb.save(tmp_path / "book.xlsx")
    (p,) = read_template(tmp_path / "book.xlsx").problems
    assert (p.row, p.column) == (2, "label")
    assert p.message.startswith("columns label, description are hidden in the workbook")
    assert p.message.endswith("delete them")


@pytest.mark.parametrize(
    ("number_format", "said"),
    [
        pytest.param(
            "DD.MM.YY",
            "type the date at the precision the source gives: YYYY-MM-DD (2021-03-05) if it "
            "gives the day, else YYYY-MM or YYYY",
            id="day",
        ),
        pytest.param(
            "mmm-yy",
            "type the date at the precision the source gives: YYYY-MM (2021-03) if it gives "
            "the month, else YYYY",
            id="month",
        ),
    ],
)
def test_a_date_cell_with_a_two_digit_year_is_told_so(
    tmp_path: Path, number_format: str, said: str
) -> None:
    book = _events_book(tmp_path, dt.datetime(2021, 3, 5), number_format)
    (p,) = read_template(book).problems
    assert p.message.startswith(
        f"this cell was turned into a date (2021-03-05) by the spreadsheet program, and its "
        f"format {number_format!r} shows the year in two digits, so the century is the "
        "program's guess; format the cell as text and "
    ), p.message
    assert p.message.endswith(said)
    assert "does not show whether" not in p.message


@pytest.mark.parametrize(
    ("typed", "here"),
    [("printemps 2020", " (here 2020)"), ("Q3 2021", " (here 2021)"), ("Frühjahr", "")],
)
def test_a_date_in_words_is_told_to_keep_them_in_date_text(
    tmp_path: Path, typed: str, here: str
) -> None:
    from submissions import copy_example, rewrite

    sub = copy_example(tmp_path)
    rewrite(sub / "events.csv", 2, "date", typed)
    (r,) = validate([sub]).violations
    assert (r.file, r.row, r.column) == ("events.csv", 2, "date")
    assert r.message == (
        f"{typed!r} is not a year (2015), year-month (2015-06) or day (2015-06-24): write the "
        "date at the precision the source gives; when the source gives none this exact (a "
        f"season, a quarter), write the year or month it falls in{here}, keep its wording in "
        f"date_text ({typed!r}) and write yes in approximate"
    )
