"""`cokg query NAME --format xlsx --out FILE` and `cokg.query.write_workbook`: the workbook
is read back with openpyxl and compared with answers worked out by hand.

Most tests use the FICTIONAL fixture tests/fixtures/ratings/ratings-small.ttl, whose adoption
ratings are (sites A-E are cases 91-95, found by hand in tests/test_ratings_queries.py):
    III.D Culture            A +2 (2 f, 3 q), B +1 (1 f, 0 q) and +2 (rater 2), C -1 (1 f, 1 q),
                             D 0, E -2
    III.E Tension for Change A +1, B 0, C 0, E X
    III.F Compatibility      A +1, B +1, C -1, E missing
    III.G Relative Priority  A 0, B +1, C 0, E -1
    IV.A High-level Leaders  A -1, C +1, E +2
    V.D Planning             A +2
    I.B Evidence-Base        D +2
These are 23 ratings. With no finding or quotation noted, a rating cites none: "(0 f, 0 q)".
Implementation ratings: III.D A +1, C +1; V.A Teaming A +2, C -2.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from rated import SMALL, rated_store
from rdflib import Literal, URIRef

from cokg import paths
from cokg.cli import cli
from cokg.errors import ParameterError
from cokg.namespaces import graph_iri
from cokg.query import (
    PAGE_SIZE_ENV,
    RATING_FILLS,
    Pivot,
    QueryAnswer,
    Row,
    run_query,
    write_workbook,
)
from cokg.store import EmbeddedStore, MemoryStore, build
from cokg.vocabulary import RATING_VALUES

SITES = [f"Site {s} (FICTIONAL)" for s in "ABCDE"]
CONSTRUCTS = [  # the rated constructs, in notation order
    "I.B Innovation Evidence-Base", "III.D Culture", "III.E Tension for Change",
    "III.F Compatibility", "III.G Relative Priority", "IV.A High-level Leaders", "V.D Planning",
]  # fmt: skip
# construct-matrix's variables (its `#+ returns:` header), then the column left for notes
MATRIX_COLUMNS = [
    "notation", "construct", "case_number", "case_id", "case", "phase", "rating", "score",
    "rater", "findings", "quotations", "cell", "rating_iri", "notes",
]  # fmt: skip
EXAMPLE = paths.EXAMPLES_DIR / "rated-sites"


def _xsd(name: str) -> URIRef:
    # spelled out: pytest's collection trips over rdflib's XSD namespace object (a warning)
    return URIRef("http://www.w3.org/2001/XMLSchema#" + name)


@pytest.fixture(scope="module")
def rated() -> Iterator[MemoryStore]:
    st = rated_store()
    yield st
    st.close()


@pytest.fixture(scope="module")
def rated_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An embedded store with the vocabulary and the fixture, for the command line."""
    d = tmp_path_factory.mktemp("rated") / "store"
    with EmbeddedStore(d) as st:
        build(st, include_data=False)
        st.load_files({graph_iri("fixture-ratings-small"): SMALL})
    return d


@pytest.fixture(scope="module")
def adoption(rated: MemoryStore, tmp_path_factory: pytest.TempPathFactory) -> Workbook:
    answer = run_query("construct-matrix", store=rated, phase="adoption")
    path = tmp_path_factory.mktemp("wb") / "matrix.xlsx"
    assert write_workbook(answer, path, source="memory:") == path
    return load_workbook(path)


def _cells(ws: object) -> list[list[object]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]  # type: ignore[attr-defined]


def _by_heading(wb: Workbook) -> dict[str, dict[str, object]]:
    """The matrix sheet as {row heading: {column heading: cell value}}."""
    rows = _cells(wb["matrix"])
    header = rows[0]
    return {str(r[0]): dict(zip(header[1:], r[1:], strict=True)) for r in rows[1:]}


def _rgb(cell: object) -> str | None:
    """A cell's fill colour (a pattern's foreground) as RRGGBB, or None when it has none."""
    fill = cell.fill  # type: ignore[attr-defined]
    return None if fill.fill_type is None else str(fill.fgColor.rgb)[-6:]


def _about(wb: Workbook) -> dict[str, object]:
    return {str(r[0]): r[1] for r in _cells(wb["about"])[1:] if r[0] is not None}


def _answer(values: list[object], terms: list[object] | None = None, **kw: object) -> QueryAnswer:
    """A one-column answer made by hand: the values as the rows' data, the terms as theirs."""
    terms = terms if terms is not None else [Literal(v) for v in values]
    rows = tuple(Row(data={"x": v}, terms={"x": t}) for v, t in zip(values, terms, strict=True))
    return QueryAnswer(name=None, kind="select", variables=("x",), rows=rows, **kw)  # type: ignore[arg-type]


def _written(answer: QueryAnswer, tmp_path: Path, **kw: object) -> Workbook:
    path = write_workbook(answer, tmp_path / "out.xlsx", **kw)  # type: ignore[arg-type]
    return load_workbook(path)


# --- the matrix sheet ----------------------------------------------------------------------------


def test_matrix_header_is_the_cases_in_case_number_order(adoption: Workbook) -> None:
    assert adoption.sheetnames == ["matrix", "rows", "about"]
    assert _cells(adoption["matrix"])[0] == ["Construct", *SITES, "notes"]


def test_matrix_row_headings_are_the_rated_constructs(adoption: Workbook) -> None:
    assert list(_by_heading(adoption)) == CONSTRUCTS


def test_matrix_cells_are_the_hand_worked_cells(adoption: Workbook) -> None:
    m = _by_heading(adoption)
    # A cites fa1 and fa2, quoted by Q1, Q2 and Q1, Q3: 2 findings, 3 distinct quotations
    assert [m["III.D Culture"][s] for s in SITES] == [
        "+2 (2 f, 3 q)",
        "+1 (1 f, 0 q)\n+2 (0 f, 0 q)",  # B's two raters, one line each, in rater order
        "-1 (1 f, 1 q)",
        "0 (0 f, 0 q)",
        "-2 (0 f, 0 q)",
    ]
    assert m["III.E Tension for Change"][SITES[4]] == "X (0 f, 0 q)"
    assert m["III.F Compatibility"][SITES[4]] == "missing (0 f, 0 q)"
    assert m["IV.A High-level Leaders"][SITES[1]] is None  # B not rated: an empty cell
    assert [m["I.B Innovation Evidence-Base"][s] for s in SITES] == [
        None, None, None, "+2 (0 f, 0 q)", None
    ]  # fmt: skip
    assert all(row["notes"] is None for row in m.values())


def test_multi_line_cells_wrap(adoption: Workbook) -> None:
    ws = adoption["matrix"]
    b_culture = ws.cell(row=1 + 1 + CONSTRUCTS.index("III.D Culture"), column=3)
    assert b_culture.value == "+1 (1 f, 0 q)\n+2 (0 f, 0 q)"
    assert b_culture.alignment.wrap_text
    # two lines need at least two lines' height (15 points is one line of the default font)
    assert ws.row_dimensions[b_culture.row].height >= 30


def test_header_row_and_first_column_are_frozen(adoption: Workbook) -> None:
    assert adoption["matrix"].freeze_panes == "B2"
    assert adoption["rows"].freeze_panes == "A2"


def test_columns_are_wide_enough_for_their_headings(adoption: Workbook) -> None:
    ws = adoption["matrix"]
    # "III.D Culture" and "IV.A High-level Leaders" are 23 characters: the first column shows
    # them on one line
    assert ws.column_dimensions["A"].width >= len("IV.A High-level Leaders")
    # each case column fits its longest line: "+2 (2 f, 3 q)" (13 characters) in A's and
    # "missing (0 f, 0 q)" (18) in E's
    assert ws.column_dimensions["B"].width >= 13
    assert ws.column_dimensions["F"].width >= 18


# --- fills by valence ----------------------------------------------------------------------------


def _culture(wb: Workbook, site: int) -> object:
    return wb["matrix"].cell(row=2 + CONSTRUCTS.index("III.D Culture"), column=2 + site)


def test_a_plus_two_is_green_and_a_minus_two_red(adoption: Workbook) -> None:
    plus, minus = _rgb(_culture(adoption, 0)), _rgb(_culture(adoption, 4))  # A +2, E -2
    assert plus is not None and minus is not None and plus != minus
    r, g = int(plus[0:2], 16), int(plus[2:4], 16)
    assert g > r  # +2: green
    r, g = int(minus[0:2], 16), int(minus[2:4], 16)
    assert r > g  # -2: red
    assert plus == RATING_FILLS["+2"] and minus == RATING_FILLS["-2"]


def test_x_and_missing_have_fills_of_their_own(adoption: Workbook) -> None:
    ws = adoption["matrix"]
    x = ws.cell(row=2 + CONSTRUCTS.index("III.E Tension for Change"), column=6)
    missing = ws.cell(row=2 + CONSTRUCTS.index("III.F Compatibility"), column=6)
    numeric = {RATING_FILLS[v] for v in ("+2", "+1", "0", "-1", "-2")}
    assert _rgb(x) is not None and _rgb(x) not in numeric
    assert x.fill.fill_type == "solid"
    # missing is hatched, not a colour on the scale: the data said nothing, which 0 does not
    assert missing.fill.fill_type not in (None, "solid")
    zero = ws.cell(row=2 + CONSTRUCTS.index("III.D Culture"), column=5)  # D: 0
    assert zero.fill.fill_type == "solid" and _rgb(zero) == RATING_FILLS["0"]


def test_every_rating_value_has_a_distinct_fill() -> None:
    assert set(RATING_FILLS) == set(RATING_VALUES)
    assert len(set(RATING_FILLS.values())) == len(RATING_VALUES)


def test_two_raters_agreeing_in_sign_give_the_milder_fill(adoption: Workbook) -> None:
    assert _rgb(_culture(adoption, 1)) == RATING_FILLS["+1"]  # B: +1 and +2


def test_empty_cells_and_headings_have_no_rating_fill(adoption: Workbook) -> None:
    ws = adoption["matrix"]
    assert _rgb(ws.cell(row=2 + CONSTRUCTS.index("IV.A High-level Leaders"), column=3)) is None
    assert _rgb(ws.cell(row=2, column=1)) is None


def test_raters_of_opposite_sign_give_no_fill(tmp_path: Path) -> None:
    spec = Pivot(row="x", col="c", value="v")
    rows = tuple(
        Row(data={"x": "III.D", "c": "A", "v": v}, terms={}) for v in ("+1 (0 f, 0 q)", "-1")
    )
    answer = QueryAnswer(None, "select", ("x", "c", "v"), rows, pivot=spec)
    ws = _written(answer, tmp_path)["matrix"]
    assert ws["B2"].value == "+1 (0 f, 0 q)\n-1"
    assert _rgb(ws["B2"]) is None


def test_a_pivot_of_other_values_is_not_filled(tmp_path: Path) -> None:
    # "0" alone reads as a rating, but "3" does not: the table is not one of ratings
    spec = Pivot(row="x", col="c", value="v")
    rows = tuple(
        Row(data={"x": "row", "c": c, "v": v}, terms={}) for c, v in (("a", "0"), ("b", "3"))
    )
    answer = QueryAnswer(None, "select", ("x", "c", "v"), rows, pivot=spec)
    ws = _written(answer, tmp_path)["matrix"]
    assert [ws["B2"].value, ws["C2"].value] == ["0", "3"]
    assert _rgb(ws["B2"]) is None


def test_rows_sheet_fills_its_rating_columns_only(adoption: Workbook) -> None:
    ws = adoption["rows"]
    header = [c.value for c in ws[1]]
    first = ws[2]  # I.B at site D, +2: ORDER BY puts notation I.B first
    assert first[header.index("rating")].value == "+2"
    assert _rgb(first[header.index("rating")]) == RATING_FILLS["+2"]
    assert _rgb(first[header.index("cell")]) == RATING_FILLS["+2"]
    assert _rgb(first[header.index("notation")]) is None


def test_the_about_sheet_explains_the_fills(adoption: Workbook) -> None:
    rows = _cells(adoption["about"])
    start = [r[0] for r in rows].index("fills")
    key = {r[0]: r[1] for r in rows[start + 1 :]}
    assert list(key) == list(RATING_VALUES)
    assert key["X"].startswith("mixed")  # type: ignore[union-attr]


# --- the rows sheet ------------------------------------------------------------------------------


def test_rows_sheet_holds_the_long_answer_typed(adoption: Workbook) -> None:
    rows = _cells(adoption["rows"])
    assert rows[0] == MATRIX_COLUMNS
    assert len(rows) - 1 == 23  # the 23 adoption ratings
    got = {(r[0], r[3], r[6]): r for r in rows[1:]}
    e_culture = got[("III.D", "fx-site-e", "-2")]
    assert e_culture[2] == 95 and e_culture[7] == -2  # case_number, score: numbers
    assert got[("III.E", "fx-site-e", "X")][7] is None  # X has no score
    a_culture = got[("III.D", "fx-site-a", "+2")]
    assert (a_culture[9], a_culture[10]) == (2, 3)  # findings, quotations
    assert str(a_culture[12]).startswith("https://w3id.org/cokg/id/rating/")


def test_integer_columns_are_number_cells(adoption: Workbook) -> None:
    ws = adoption["rows"]
    for column in ("case_number", "findings", "quotations"):
        j = MATRIX_COLUMNS.index(column) + 1
        cells = [ws.cell(row=i, column=j) for i in range(2, ws.max_row + 1)]
        assert all(c.data_type == "n" and isinstance(c.value, int) for c in cells), column


def test_ratings_and_iris_are_text_cells(adoption: Workbook) -> None:
    ws = adoption["rows"]
    for column in ("rating", "rating_iri", "cell"):
        j = MATRIX_COLUMNS.index(column) + 1
        assert ws.cell(row=2, column=j).data_type == "s", column


def test_rows_sheet_has_a_filter_over_its_columns(adoption: Workbook) -> None:
    # 13 variables (A-M) and 23 rows under the header
    assert adoption["rows"].auto_filter.ref == "A1:M24"


# --- notes and protection ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sheet", "column", "rows"),
    [pytest.param("matrix", "G", 7, id="matrix"), pytest.param("rows", "N", 23, id="rows")],
)
def test_notes_column_is_empty_and_unlocked(
    adoption: Workbook, sheet: str, column: str, rows: int
) -> None:
    ws = adoption[sheet]
    assert ws[f"{column}1"].value == "notes"
    notes = [ws[f"{column}{i}"] for i in range(1, rows + 2)]
    assert all(not c.protection.locked for c in notes)
    assert all(c.value is None for c in notes[1:])
    assert ws.protection.sheet  # the rest is guarded against overwriting ...
    assert ws["B2"].protection.locked
    assert not ws.protection.password  # ... without a password
    assert ws.protection.formatCells is False  # highlighting stays allowed


def test_protection_can_be_left_off(rated: MemoryStore, tmp_path: Path) -> None:
    answer = run_query("construct-matrix", store=rated, phase="implementation")
    wb = _written(answer, tmp_path, protect=False)
    assert not wb["matrix"].protection.sheet and not wb["rows"].protection.sheet


# --- the about sheet -----------------------------------------------------------------------------


def test_about_sheet_says_what_was_asked(adoption: Workbook) -> None:
    from cokg import __version__

    about = _about(adoption)
    assert about["query"] == "construct-matrix"
    assert about["summary"] == (
        "Construct-by-case matrix of CFIR ratings, with the evidence behind each rating"
    )
    assert about["parameters"] == "phase=adoption; scheme=cfir-2022"  # scheme: its default
    assert about["store"] == "memory:"
    assert about["cokg version"] == __version__
    assert about["rows"] == 23
    assert about["page"] == "every row of the answer"
    written = dt.datetime.fromisoformat(str(about["written (UTC)"]))
    assert abs(dt.datetime.now(dt.UTC) - written) < dt.timedelta(minutes=10)


def test_about_sheet_leaves_credentials_out_of_an_endpoint(tmp_path: Path) -> None:
    wb = _written(_answer(["a"]), tmp_path, source="https://ann:s3cret@sparql.example.org/q")
    assert _about(wb)["store"] == "https://sparql.example.org/q"


def test_long_writes_no_matrix(rated: MemoryStore, tmp_path: Path) -> None:
    answer = run_query("construct-matrix", store=rated, phase="implementation")
    wb = _written(answer, tmp_path, long=True)
    assert wb.sheetnames == ["rows", "about"]
    assert len(_cells(wb["rows"])) == 1 + 4  # III.D A, C and V.A A, C


# --- the FICTIONAL rated example -----------------------------------------------------------------


def test_the_rated_example_as_a_workbook(tmp_path: Path) -> None:
    with MemoryStore() as st:
        build(st, include_data=False)
        st.load_files({graph_iri(f"example-{f.stem}"): f for f in EXAMPLE.glob("*.ttl")})
        answer = run_query("construct-matrix", store=st, phase="adoption")
    wb = _written(answer, tmp_path)
    names = ["Alder", "Birch", "Cedar", "Damson", "Elder"]  # case numbers 101-105
    assert _cells(wb["matrix"])[0] == [
        "Construct",
        *(f"FICTIONAL {n} site" for n in names),
        "notes",
    ]
    m = _by_heading(wb)
    # Elder, III.D in adoption: analyst A -2, citing the culture finding, which quotation Q1
    # supports; analyst B -1, citing nothing. Both are negative, so the cell takes the -1 fill.
    assert m["III.D Culture"]["FICTIONAL Elder site"] == "-2 (1 f, 1 q)\n-1 (0 f, 0 q)"
    row = 2 + list(m).index("III.D Culture")
    assert _rgb(wb["matrix"].cell(row=row, column=6)) == RATING_FILLS["-1"]
    assert _rgb(wb["matrix"].cell(row=row, column=2)) == RATING_FILLS["+2"]  # Alder: +2, +2


# --- safe cells ----------------------------------------------------------------------------------

FORMULAS = [
    pytest.param('=HYPERLINK("http://example.org/x","click")', id="equals"),
    pytest.param("+2 (1 f, 0 q)", id="plus"),
    pytest.param("-1", id="minus"),
    pytest.param("@SUM(A1:A2)", id="at"),
]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_like_text_is_stored_as_text(tmp_path: Path, text: str) -> None:
    path = write_workbook(_answer([text]), tmp_path / "f.xlsx")
    cell = load_workbook(path)["rows"]["A2"]
    assert cell.value == text and cell.data_type == "s"
    assert cell.quotePrefix  # kept as text when edited in a spreadsheet program
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet  # no formula anywhere in the sheet


def test_formula_like_text_in_a_matrix_cell_is_text(tmp_path: Path) -> None:
    spec = Pivot(row="x", col="c", value="v")
    rows = (Row(data={"x": "=1+1", "c": "A", "v": '=HYPERLINK("http://e.org")'}, terms={}),)
    ws = _written(QueryAnswer(None, "select", ("x", "c", "v"), rows, pivot=spec), tmp_path)
    assert (ws["matrix"]["A2"].value, ws["matrix"]["A2"].data_type) == ("=1+1", "s")
    assert ws["matrix"]["B2"].value == '=HYPERLINK("http://e.org")'
    assert ws["matrix"]["B2"].data_type == "s"


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        pytest.param("bell\x07 and escape\x1b[31m", "bell\\x07 and escape\\x1b[31m", id="c0"),
        pytest.param("nul\x00", "nul\\x00", id="nul"),
        pytest.param("a\x0bb\x0cc", "a\\x0bb\\x0cc", id="vertical-tab-form-feed"),
        pytest.param("not a char\ufffe", "not a char\\uFFFE", id="fffe"),
        pytest.param("tab\tand\nnewline", "tab\tand\nnewline", id="tab-newline-kept"),
        # a spreadsheet program reads _xHHHH_ as the character: the literal text is escaped
        pytest.param("file _x0041_.txt", "file _x005F_x0041_.txt", id="ooxml-escape-literal"),
    ],
)
def test_characters_xml_cannot_carry_are_escaped(tmp_path: Path, text: str, stored: str) -> None:
    wb = _written(_answer([text]), tmp_path)
    assert wb["rows"]["A2"].value == stored


def test_text_longer_than_a_cell_holds_is_cut(tmp_path: Path) -> None:
    value = str(_written(_answer(["q" * 40_000]), tmp_path)["rows"]["A2"].value)
    assert len(value) == 32_767  # Excel's limit for one cell
    assert value.startswith("q" * 30_000) and value.endswith(
        "longer than a spreadsheet cell holds]"
    )


# --- typed cells ---------------------------------------------------------------------------------


def _lit(text: str, kind: str) -> Literal:
    return Literal(text, datatype=_xsd(kind))


@pytest.mark.parametrize(
    ("value", "term", "expected"),
    [
        pytest.param("2015-06-12", _lit("2015-06-12", "date"), dt.datetime(2015, 6, 12), id="date"),
        pytest.param("2015-06-12T10:30:00", _lit("2015-06-12T10:30:00", "dateTime"),
                     dt.datetime(2015, 6, 12, 10, 30), id="datetime"),
        # a time zone a spreadsheet cannot keep, a year before 1900 it cannot show: text
        pytest.param("2015-06-12T10:30:00Z", _lit("2015-06-12T10:30:00Z", "dateTime"),
                     "2015-06-12T10:30:00Z", id="zoned-datetime"),
        pytest.param("1850-01-01", _lit("1850-01-01", "date"), "1850-01-01", id="before-1900"),
        pytest.param("2015", _lit("2015", "gYear"), "2015", id="year-as-text"),
        pytest.param(Decimal("1.75"), _lit("1.75", "decimal"), 1.75, id="decimal"),
        pytest.param(True, Literal(True), True, id="boolean"),
        # past 15 digits a spreadsheet rounds: the digits are kept as text
        pytest.param(10**20, Literal(10**20), "100000000000000000000", id="huge-integer"),
        pytest.param(float("nan"), _lit("NaN", "double"), "NaN", id="nan"),
        pytest.param("https://w3id.org/cokg/id/case/x", URIRef("https://w3id.org/cokg/id/case/x"),
                     "https://w3id.org/cokg/id/case/x", id="iri"),
    ],
)  # fmt: skip
def test_cells_are_typed(tmp_path: Path, value: object, term: object, expected: object) -> None:
    cell = _written(_answer([value], [term]), tmp_path)["rows"]["A2"]
    assert cell.value == expected
    assert type(cell.value) is type(expected)


def test_a_date_cell_shows_the_day(tmp_path: Path) -> None:
    answer = _answer(["2015-06-12"], [Literal("2015-06-12", datatype=_xsd("date"))])
    cell = _written(answer, tmp_path)["rows"]["A2"]
    assert cell.is_date and cell.number_format == "yyyy-mm-dd"


# --- other kinds of answer -----------------------------------------------------------------------


def test_a_graph_answer_is_written_as_triples(tmp_path: Path) -> None:
    s, p = URIRef("https://example.org/s"), URIRef("https://example.org/p")
    answer = QueryAnswer(None, "graph", triples=((s, p, Literal(3)),))
    rows = _cells(_written(answer, tmp_path)["rows"])
    assert rows == [["subject", "predicate", "object", "notes"], [str(s), str(p), 3, None]]


def test_an_ask_answer_is_one_boolean(tmp_path: Path) -> None:
    rows = _cells(_written(QueryAnswer(None, "ask", boolean=False), tmp_path)["rows"])
    assert rows == [["boolean", "notes"], [False, None]]


def test_an_unwritable_path_is_a_parameter_error(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match=r"no-such-dir.*cannot write the workbook"):
        write_workbook(_answer(["a"]), tmp_path / "no-such-dir" / "x.xlsx")
    assert not list(tmp_path.iterdir())  # no partial file left behind


# --- the command line ----------------------------------------------------------------------------


def _cokg(*args: str) -> object:
    return CliRunner().invoke(cli, list(args))


def test_cli_writes_the_matrix(rated_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.xlsx"
    res = _cokg("query", "construct-matrix", "--store", str(rated_dir), "--param",
                "phase=adoption", "--format", "xlsx", "--out", str(out))  # fmt: skip
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    assert res.stdout == ""  # type: ignore[attr-defined]
    assert res.stderr == f"wrote {out} (23 rows)\n"  # type: ignore[attr-defined]
    wb = load_workbook(out)
    assert _cells(wb["matrix"])[0] == ["Construct", *SITES, "notes"]
    assert _by_heading(wb)["III.D Culture"][SITES[0]] == "+2 (2 f, 3 q)"
    assert _about(wb)["store"] == str(rated_dir)


def test_cli_takes_the_format_from_the_suffix_and_respects_long(
    rated_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "m.xlsx"
    res = _cokg("query", "construct-matrix", "--store", str(rated_dir), "-p",
                "phase=implementation", "--long", "-o", str(out))  # fmt: skip
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    wb = load_workbook(out)
    assert wb.sheetnames == ["rows", "about"]
    got = sorted((r[0], r[3], r[11]) for r in _cells(wb["rows"])[1:])
    assert got == [
        ("III.D", "fx-site-a", "+1 (0 f, 0 q)"),
        ("III.D", "fx-site-c", "+1 (0 f, 0 q)"),
        ("V.A", "fx-site-a", "+2 (0 f, 0 q)"),
        ("V.A", "fx-site-c", "-2 (0 f, 0 q)"),
    ]


def test_cli_writes_a_plain_query_from_the_founding_data(built_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "cases.xlsx"
    res = _cokg("query", "cases", "--store", str(built_store), "-f", "xlsx", "-o", str(out))
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    wb = load_workbook(out)
    assert wb.sheetnames == ["rows", "about"]
    rows = _cells(wb["rows"])
    assert rows[0] == ["case", "case_id", "label", "case_number", "notes"]
    # the paper's three cases: Jönköping (ESTHER) 1, Dundee 2, Manitoba 3
    assert [(r[1], r[3]) for r in rows[1:]] == [
        ("jonkoping-esther", 1), ("dundee-mrr", 2), ("manitoba-learning-centres", 3)
    ]  # fmt: skip
    assert _about(wb)["parameters"] == "none"


def test_cli_writes_one_page_and_says_so(built_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "page.xlsx"
    res = _cokg("query", "cases", "--store", str(built_store), "-f", "xlsx", "-o", str(out),
                "--limit", "1", "--offset", "1")  # fmt: skip
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    # case 2 of 3; the next page starts after it, at offset 2
    assert res.stderr == (  # type: ignore[attr-defined]
        f"wrote {out} (1 row)\nrows 2–2 of 3; next: --offset 2 --limit 1\n"
    )
    wb = load_workbook(out)
    assert [r[1] for r in _cells(wb["rows"])[1:]] == ["dundee-mrr"]
    assert _about(wb)["page"] == "rows 2–2 of 3; the next page starts at --offset 2"


def test_cli_writes_text_formats_to_a_file_too(built_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "cases.csv"
    res = _cokg("query", "cases", "--store", str(built_store), "-o", str(out))
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "case,case_id,label,case_number" and len(lines) == 1 + 3


def test_a_table_written_to_a_file_is_not_paged(
    built_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PAGE_SIZE_ENV, "1")  # a terminal would get one row a page
    out = tmp_path / "cases.md"
    res = _cokg("query", "cases", "--store", str(built_store), "-o", str(out))
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    assert res.stderr == f"wrote {out} (3 rows)\n"  # type: ignore[attr-defined]
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 + 3  # heading, rule, the three cases


def test_xlsx_without_out_is_one_error_line() -> None:
    # checked before any store is opened, so no store is needed
    res = _cokg("query", "cases", "--format", "xlsx")
    assert res.exit_code == 2  # type: ignore[attr-defined]
    assert res.stdout == ""  # type: ignore[attr-defined]
    assert res.stderr == (  # type: ignore[attr-defined]
        "cokg: error: --format xlsx writes a workbook file: give --out FILE.xlsx\n"
    )


def test_an_unwritable_out_is_one_error_line(rated_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "missing" / "m.xlsx"
    res = _cokg("query", "construct-matrix", "--store", str(rated_dir), "-o", str(out))
    assert res.exit_code == 2  # type: ignore[attr-defined]
    lines = res.stderr.splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and "Traceback" not in res.output  # type: ignore[attr-defined]
    # refused before the query runs: the folder is checked first
    assert lines[0] == (
        f"cokg: error: {out}: cannot write: the folder {out.parent} does not exist (create it "
        "first)"
    )


def test_cli_sparql_writes_a_workbook_with_its_query(built_store: Path, tmp_path: Path) -> None:
    # an ad-hoc query as a file: its rows, and the query text on the about sheet to redo it
    query = tmp_path / "numbers.rq"
    query.write_text(
        "PREFIX cokg: <https://w3id.org/cokg/ontology#>\n"
        "SELECT ?id ?n WHERE { ?c cokg:caseId ?id ; cokg:caseNumber ?n } ORDER BY ?n\n",
        encoding="utf-8",
    )
    out = tmp_path / "numbers.xlsx"
    res = _cokg("sparql", str(query), "--store", str(built_store), "--out", str(out))
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    assert res.stdout == ""  # type: ignore[attr-defined]
    assert res.stderr == f"wrote {out} (3 rows)\n"  # type: ignore[attr-defined]
    wb = load_workbook(out)
    assert wb.sheetnames == ["rows", "about"]
    assert _cells(wb["rows"]) == [
        ["id", "n", "notes"],
        ["jonkoping-esther", 1, None], ["dundee-mrr", 2, None],
        ["manitoba-learning-centres", 3, None],
    ]  # fmt: skip
    assert _about(wb)["SPARQL"] == query.read_text(encoding="utf-8")
    assert _about(wb)["query"] == "numbers"


def test_cli_sparql_xlsx_needs_a_file(built_store: Path) -> None:
    res = _cokg("sparql", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--store", str(built_store),
                "-f", "xlsx")  # fmt: skip
    assert res.exit_code == 2  # type: ignore[attr-defined]
    assert "give --out FILE.xlsx" in res.output  # type: ignore[attr-defined]
