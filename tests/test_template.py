"""The spreadsheet template: writing a blank one, reading a filled-in one (CSV folder and
.xlsx workbook), stable IRIs, and errors that name the sheet/file, row and column."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from rdflib import Literal, URIRef
from submissions import copy_example, rewrite

from cokg.cli import cli
from cokg.errors import InputError
from cokg.namespaces import COKG, COKGID, RDF
from cokg.template import SHEETS, read_template, write_template
from cokg.validate import format_report, validate

EXAMPLE = Path(__file__).parent / "fixtures" / "submissions" / "example-template"
CASE = URIRef("https://w3id.org/cokg/id/case/fictional-riverside")
XSD_NS = "http://www.w3.org/2001/XMLSchema#"  # a plain string: pytest probes module attributes
GYEAR, DATE = URIRef(XSD_NS + "gYear"), URIRef(XSD_NS + "date")


def _to_xlsx(folder: Path, out: Path) -> Path:
    wb = Workbook()
    wb.active.title = "README"
    for sheet in SHEETS:
        f = folder / f"{sheet}.csv"
        if not f.exists():
            continue
        ws = wb.create_sheet(sheet)
        with f.open(encoding="utf-8", newline="") as fh:
            for r in csv.reader(fh):
                ws.append(r)
    wb.save(out)
    return out


# --- the blank template -------------------------------------------------------------------------


def test_blank_xlsx_has_every_sheet_and_instructions(tmp_path: Path) -> None:
    out = tmp_path / "template.xlsx"
    write_template(out)
    wb = load_workbook(out, read_only=True)
    assert wb.sheetnames == ["README", *SHEETS, "codes", "values"]  # the last two hidden
    readme = [r for r in wb["README"].iter_rows(values_only=True)]
    text = " ".join(str(c) for r in readme for c in r if c)
    assert "adoption | implementation | assimilation" in text
    assert "facilitator" in text and "external-change-agent" in text
    header = next(wb["quotations"].iter_rows(values_only=True))
    assert "informant_code" in header


def test_blank_csv_folder(tmp_path: Path) -> None:
    files = write_template(tmp_path / "tpl")
    assert {f.name for f in files} == {"README.csv", *(f"{s}.csv" for s in SHEETS)}


def test_blank_template_cells_are_not_formulas(tmp_path: Path) -> None:
    out = tmp_path / "template.xlsx"
    write_template(out)
    wb = load_workbook(out)  # not data_only: a formula would show as "=..."
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                # the dropdowns' own values ("+2", "-1") are text marked quote-prefixed, so a
                # spreadsheet program keeps them text when edited; anything else is escaped
                if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@")):
                    assert ws.title == "values" and c.data_type == "s" and c.quotePrefix, (
                        ws.title, c.coordinate, c.value,
                    )  # fmt: skip


def test_blank_template_is_not_a_submission(tmp_path: Path) -> None:
    write_template(tmp_path / "tpl")
    with pytest.raises(InputError, match="no records"):
        read_template(tmp_path / "tpl")


def test_template_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "t.xlsx").write_bytes(b"x")
    with pytest.raises(InputError, match="already exists"):
        write_template(tmp_path / "t.xlsx")


def test_cli_template(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["template", str(tmp_path / "new.xlsx")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "new.xlsx").is_file()


# --- the filled-in example -----------------------------------------------------------------------


def test_example_converts_with_stable_iris() -> None:
    conv = read_template(EXAMPLE)
    g = conv.graph
    assert (CASE, RDF.type, COKG.Case) in g
    q1 = COKGID["quotation/fictional-riverside/Q1"]
    assert (q1, COKG.quotedInformant, COKGID["informant/fictional-riverside/RVS-01"]) in g
    assert (q1, COKG.supports, COKGID["finding/fictional-riverside/peer-hosts"]) in g
    ep = COKGID["episode/fictional-riverside/adoption"]
    assert (ep, COKG.startDate, Literal("2016", datatype=GYEAR)) in g
    ev = COKGID["event/fictional-riverside/council-grant"]
    assert (ev, COKG.date, Literal("2018-03-15", datatype=DATE)) in g
    assert not conv.problems


def test_conversion_is_deterministic() -> None:
    a, b = read_template(EXAMPLE).graph, read_template(EXAMPLE).graph
    assert set(a) == set(b)


def test_example_conforms() -> None:
    report = validate([EXAMPLE])
    assert report.conforms, format_report(report)


def test_xlsx_and_csv_give_the_same_graph(tmp_path: Path) -> None:
    book = _to_xlsx(EXAMPLE, tmp_path / "example.xlsx")
    assert set(read_template(book).graph) == set(read_template(EXAMPLE).graph)


def test_origins_map_records_to_rows() -> None:
    conv = read_template(EXAMPLE)
    origin = conv.origins[COKGID["quotation/fictional-riverside/Q2"]]
    assert (origin.file, origin.row) == ("quotations.csv", 3)
    assert origin.label == "quotation Q2 of case fictional-riverside"


# --- errors --------------------------------------------------------------------------------------


def test_bad_informant_code_named_by_file_row_column(tmp_path: Path) -> None:
    """Informants have their own sheet now (quotations and interviews refer to them by code):
    a code not of the printed form is named at its informants row and column (the shape's
    message), and a quotation's code that is no id at all at its quotations row and column."""
    sub = copy_example(tmp_path)
    # a name typed where the code belongs: no digit
    rewrite(sub / "informants.csv", 3, "informant_code", "SMITH")
    rewrite(sub / "interviews.csv", 3, "informant_code", "SMITH")
    rewrite(sub / "quotations.csv", 3, "informant_code", "SMITH")
    report = validate([sub])
    assert not report.conforms
    text = format_report(report)
    assert (
        "informants.csv row 3 (informant SMITH of case fictional-riverside): column "
        "informant_code: informant code 'SMITH' is not a code: capital letters and digits with "
        "at least one digit"
    ) in text
    sub = copy_example(tmp_path / "not-an-id")
    rewrite(sub / "quotations.csv", 3, "informant_code", "RVS 3")
    report = validate([sub])
    assert not report.conforms
    assert (
        "quotations.csv row 3 (quotation Q2 of case fictional-riverside): column informant_code: "
        "'RVS 3' is not an id of the form P01 or ABC-01"
    ) in format_report(report)


def test_year_twenty_in_a_cell(tmp_path: Path) -> None:
    """A phase's start (once cases.adoption_start, now sheet phases) that is no year: one shape
    result, named by file, row and column, with the value as typed."""
    sub = copy_example(tmp_path)
    rewrite(sub / "phases.csv", 2, "start", "twenty")
    report = validate([sub])
    shape_results = [r for r in report.results if r.constraint_component is not None]
    assert [(r.file, r.row, r.column, r.value) for r in shape_results] == [
        ("phases.csv", 2, "start", Literal("twenty", datatype=GYEAR))
    ]


@pytest.mark.parametrize(
    ("column", "value", "sheet"),
    [
        pytest.param("stance", "helpful", "findings.csv", id="unknown-stance"),
        pytest.param("phase", "scaling", "findings.csv", id="unknown-phase"),
        pytest.param("codes", "cfir99:I.A", "findings.csv", id="unknown-prefix"),
        pytest.param("finding_id", "Peer Hosts", "findings.csv", id="id-not-a-slug"),
    ],
)
def test_bad_cells_are_violations_with_row_and_column(
    tmp_path: Path, column: str, value: str, sheet: str
) -> None:
    sub = copy_example(tmp_path)
    rewrite(sub / sheet, 2, column, value)
    report = validate([sub])
    assert not report.conforms
    assert (sheet, 2, column) in {(r.file, r.row, r.column) for r in report.results}


def test_role_notation_checked(tmp_path: Path) -> None:
    sub = copy_example(tmp_path)
    rewrite(sub / "roles.csv", 2, "role", "sponsor")
    report = validate([sub])
    assert ("roles.csv", 2, "role") in {(r.file, r.row, r.column) for r in report.results}


def test_ragged_row_is_unusable(tmp_path: Path) -> None:
    sub = copy_example(tmp_path)
    with (sub / "documents.csv").open("a", encoding="utf-8") as fh:
        # one cell more than the seven columns of documents.csv
        fh.write("fictional-riverside,extra,Title,grey literature,grant-stability,,,SURPLUS\n")
    with pytest.raises(InputError) as exc:
        read_template(sub)
    assert exc.value.file == "documents.csv" and exc.value.line == 3
    assert "ragged" in str(exc.value)


def test_non_utf8_csv_is_unusable(tmp_path: Path) -> None:
    sub = copy_example(tmp_path)
    data = (sub / "organisations.csv").read_text(encoding="utf-8").replace("Riverside", "Rivèrside")
    (sub / "organisations.csv").write_bytes(data.encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        read_template(sub)


def test_bom_is_allowed(tmp_path: Path) -> None:
    sub = copy_example(tmp_path)
    f = sub / "organisations.csv"
    f.write_bytes(b"\xef\xbb\xbf" + f.read_bytes())
    assert (COKGID["org/riverside-peer-network"], RDF.type, COKG.Organisation) in read_template(
        sub
    ).graph


def test_unknown_column_is_unusable(tmp_path: Path) -> None:
    sub = copy_example(tmp_path)
    f = sub / "quotations.csv"
    f.write_text(f.read_text(encoding="utf-8").replace("informant_code", "informant"), "utf-8")
    with pytest.raises(InputError, match="unknown column 'informant'"):
        read_template(sub)


def test_unknown_csv_in_folder_is_unusable(tmp_path: Path) -> None:
    sub = copy_example(tmp_path)
    (sub / "people.csv").write_text("name\nnobody\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a template sheet"):
        read_template(sub)


@pytest.mark.parametrize("name", ["more-findings.xlsx", "notes.txt", "extra"])
def test_anything_else_in_a_csv_folder_is_refused_not_skipped(tmp_path: Path, name: str) -> None:
    # a workbook of findings put beside the CSV files was left out without a word
    sub = copy_example(tmp_path)
    if name.endswith(".xlsx"):
        _to_xlsx(EXAMPLE, sub / name)
    elif "." in name:
        (sub / name).write_text("x", "utf-8")
    else:
        (sub / name).mkdir()
    with pytest.raises(InputError, match="in a template folder, which holds only") as exc:
        read_template(sub)
    assert exc.value.file is not None and exc.value.file.endswith(name)
    result = CliRunner().invoke(cli, ["validate", "--no-store", str(sub)])
    assert result.exit_code == 2 and name in result.output and "Traceback" not in result.output


def test_hidden_files_in_a_csv_folder_are_passed_over(tmp_path: Path) -> None:
    # a spreadsheet program's lock file, a desktop's index file
    sub = copy_example(tmp_path)
    for name in (".~lock.events.csv#", ".DS_Store", "~$book.xlsx"):
        (sub / name).write_text("x", "utf-8")
    assert set(read_template(sub).graph) == set(read_template(EXAMPLE).graph)


def test_two_sheets_for_one_template_sheet_are_refused_naming_both(tmp_path: Path) -> None:
    # `findings` and `Findings ` were read as one sheet, their rows merged without a word (a
    # CSV folder with findings.csv and Findings.csv is refused)
    book = _to_xlsx(EXAMPLE, tmp_path / "example.xlsx")
    wb = load_workbook(book)
    second = wb.create_sheet("Findings ")
    for row in wb["findings"].iter_rows(values_only=True):
        second.append(row)
    wb.save(book)
    result = CliRunner().invoke(cli, ["validate", "--no-store", str(book)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("cokg: error: ") and "example.xlsx" in line
    assert "two sheets for sheet findings: 'findings' and 'Findings '" in line


def test_xlsx_error_names_sheet_and_row(tmp_path: Path) -> None:
    book = _to_xlsx(EXAMPLE, tmp_path / "example.xlsx")
    wb = load_workbook(book)
    width = len(SHEETS["quotations"].columns)  # a value right of the last named column
    wb["quotations"].cell(row=2, column=width + 1, value="stray")
    wb.save(book)
    with pytest.raises(InputError) as exc:
        read_template(book)
    assert exc.value.file == "example.xlsx, sheet quotations" and exc.value.line == 2


def test_xlsx_formula_cells_are_not_evaluated(tmp_path: Path) -> None:
    book = _to_xlsx(EXAMPLE, tmp_path / "example.xlsx")
    wb = load_workbook(book)
    column = [c.name for c in SHEETS["organisations"].columns].index("organisation_type") + 1
    wb["organisations"].cell(row=2, column=column).value = '=HYPERLINK("http://example.org","x")'
    wb.save(book)  # no cached value: never evaluated (nor fetched), and refused, not dropped
    conv = read_template(book)
    org = COKGID["org/riverside-peer-network"]  # row 2; row 3 keeps its typed value
    assert (org, RDF.type, COKG.Organisation) not in conv.graph  # the row adds nothing
    (p,) = conv.problems
    assert (p.row, p.column) == (2, "organisation_type")
    assert p.message.startswith('this cell holds the formula =HYPERLINK("http://example.org"')
    assert list(conv.graph.objects(None, COKG.organisationType)) == [Literal("local authority")]


def test_single_csv_file_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "--no-store", str(EXAMPLE / "cases.csv")])
    assert result.exit_code == 2
    assert "cases.csv" in result.output and "folder" in result.output


def _shape_datatypes() -> dict[tuple[URIRef, URIRef], set[URIRef]]:
    """(target class, path) -> the datatypes the shapes allow there (sh:datatype, sh:or)."""
    from rdflib import Graph
    from rdflib.collection import Collection
    from rdflib.namespace import SH

    g = Graph()
    for f in sorted((Path(__file__).resolve().parents[1] / "shapes").glob("*.ttl")):
        g.parse(f, format="turtle")
    out: dict[tuple[URIRef, URIRef], set[URIRef]] = {}
    for node, cls in g.subject_objects(SH.targetClass):
        for ps in g.objects(node, SH.property):
            path = g.value(ps, SH.path)
            types = set(g.objects(ps, SH.datatype))
            for alternatives in g.objects(ps, SH["or"]):
                for alt in Collection(g, alternatives):
                    types |= set(g.objects(alt, SH.datatype))
            if isinstance(path, URIRef) and types:
                out.setdefault((cls, path), set()).update(types)  # type: ignore[arg-type]
    return out


def test_the_readme_promises_the_dates_the_shapes_take() -> None:
    # the README sheet offered "YYYY, YYYY-MM or YYYY-MM-DD" for a study's start and an
    # organisation's year established, which the shapes take as a year only
    gyear = URIRef("http://www.w3.org/2001/XMLSchema#gYear")
    allowed = _shape_datatypes()
    checked = 0
    for sheet in SHEETS.values():
        for col in sheet.columns:
            if not col.date or col.predicate is None:
                continue
            for kind in sheet.kinds:
                types = allowed.get((kind.rdf_class, col.predicate))
                if types is None:
                    continue
                checked += 1
                if types == {gyear}:
                    assert col.value == "year", (sheet.name, col.name)
                    assert "YYYY-MM" not in col.help, (sheet.name, col.name, col.help)
                else:
                    assert col.value != "year" or types >= {gyear}, (sheet.name, col.name)
    assert checked >= 10


def _rewrite_whole(path: Path, rows: list[list[str]], **kw: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, **kw).writerows(rows)  # type: ignore[arg-type]


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_a_semicolon_csv_is_read(tmp_path: Path) -> None:
    # the "CSV" a spreadsheet program set to French or German saves: it was refused, with
    # advice to save with commas, which those programs make hard
    sub = copy_example(tmp_path)
    before = set(read_template(sub).graph)
    for f in sorted(sub.glob("*.csv")):
        _rewrite_whole(f, _rows(f), delimiter=";")  # cells with ";" quoted, as Excel does
    assert any('"' in f.read_text(encoding="utf-8") for f in sub.glob("*.csv"))
    assert set(read_template(sub).graph) == before


def test_a_decimal_comma_in_a_semicolon_csv_is_refused_by_its_column(tmp_path: Path) -> None:
    sub = copy_example(tmp_path)
    rows = _rows(sub / "cases.csv")
    rows[1][rows[0].index("case_number")] = "4,0"
    _rewrite_whole(sub / "cases.csv", rows, delimiter=";")
    report = validate([sub])
    assert any(r.column == "case_number" and "4,0" in r.message for r in report.results), [
        r.message for r in report.results
    ]


def test_an_unknown_column_names_the_folder_and_the_nearest_column(tmp_path: Path) -> None:
    sub = copy_example(tmp_path)
    rows = _rows(sub / "events.csv")
    rows[0][rows[0].index("event_type")] = "even_type"
    _rewrite_whole(sub / "events.csv", rows)
    with pytest.raises(InputError) as exc:
        read_template(sub)
    assert str(exc.value).startswith(f"{sub / 'events.csv'}:1: unknown column 'even_type' (column ")
    assert "did you mean 'event_type'?" in str(exc.value)


def test_line_breaks_in_a_cell_are_the_same_from_windows_and_from_a_workbook(
    tmp_path: Path,
) -> None:
    # a CSV saved on Windows breaks a multi-line quotation with CRLF: stored as LF, the same
    # quotation as from a workbook or a LF file (it was stored with CR LF)
    sub = copy_example(tmp_path)
    rows = _rows(sub / "quotations.csv")
    col = rows[0].index("text")
    rows[1][col] = "First line.\r\nSecond line.\rThird line."
    _rewrite_whole(sub / "quotations.csv", rows, lineterminator="\r\n")
    conv = read_template(sub)
    texts = {str(o) for o in conv.graph.objects(None, COKG.text)}
    assert "First line.\nSecond line.\nThird line." in texts
    assert not any("\r" in t for t in texts)


def test_a_long_cell_reads_from_csv_as_from_a_workbook(tmp_path: Path) -> None:
    # Python's CSV reader stops at 131,072 characters a cell; a workbook has no such limit
    sub = copy_example(tmp_path)
    rows = _rows(sub / "quotations.csv")
    long = "FICTIONAL transcript. " * 7000  # 154,000 characters
    rows[1][rows[0].index("text")] = long
    _rewrite_whole(sub / "quotations.csv", rows)
    conv = read_template(sub)
    assert long.strip() in {str(o) for o in conv.graph.objects(None, COKG.text)}


def test_a_folder_holding_a_workbook_says_to_give_the_workbook(tmp_path: Path) -> None:
    folder = tmp_path / "site-a"
    folder.mkdir()
    _to_xlsx(EXAMPLE, folder / "example.xlsx")
    result = CliRunner().invoke(cli, ["validate", "--no-store", str(folder)])
    assert result.exit_code == 2
    assert result.output == (
        f"cokg: error: {folder}: no RDF files or template CSV sheets in folder; it holds the "
        f"workbook example.xlsx: give the workbook itself ({folder / 'example.xlsx'})\n"
    )


def test_a_focus_group_is_one_interview_with_several_interviewees(tmp_path: Path) -> None:
    """A group interview lists its members in one cell; a quotation from it must quote one of
    them (the shape names the interview), and the same code in another case is another
    person (informants and interviews are the case's own)."""
    sub = copy_example(tmp_path)
    rewrite(sub / "interviews.csv", 2, "informant_code", "RVS-01; RVS-02")
    rewrite(sub / "interviews.csv", 2, "interview_id", "FG-1")
    rewrite(sub / "quotations.csv", 2, "interview", "FG-1")
    rewrite(sub / "quotations.csv", 3, "interview", "FG-1")
    report = validate([sub])
    assert report.conforms, format_report(report)
    g = read_template(sub).graph
    fg = COKGID["interview/fictional-riverside/FG-1"]
    assert set(g.objects(fg, COKG.interviewee)) == {
        COKGID["informant/fictional-riverside/RVS-01"],
        COKGID["informant/fictional-riverside/RVS-02"],
    }
    rewrite(sub / "interviews.csv", 2, "informant_code", "RVS-01")  # RVS-02 not in it
    report = validate([sub])
    (r,) = report.results
    assert (r.file, r.row, r.column) == ("quotations.csv", 3, "interview"), format_report(report)
    fg = "cokgid:interview/fictional-riverside/FG-1"
    assert f"the quoted informant was not interviewed in {fg}" in r.message


def test_a_reference_may_be_written_as_cokgs_messages_write_it(tmp_path: Path) -> None:
    """'did you mean cokgid:finding/...' is pasted into the cell as it is: a path under
    cokgid:, with its prefix, names the same record."""
    sub = copy_example(tmp_path)
    finding = "cokgid:finding/fictional-riverside/grant-stability"
    rewrite(sub / "quotations.csv", 3, "supports", finding)
    report = validate([sub])
    assert report.conforms, format_report(report)


def test_sheet_and_column_names_are_read_whatever_their_case(tmp_path: Path) -> None:
    """`Findings` was an unknown sheet and `Stance ` an unknown column (ids are read in any
    case); an empty Sheet1 a program added made the whole workbook unusable."""
    book = _to_xlsx(EXAMPLE, tmp_path / "example.xlsx")
    wb = load_workbook(book)
    ws = wb["findings"]
    ws.title = "renamed"  # openpyxl would make "Findings" "Findings1" (a sheet "findings" exists)
    ws.title = "Findings"
    header = wb["quotations"][1]
    for cell in header:
        if cell.value == "text":
            cell.value = "Text "
    wb.create_sheet("Sheet1")
    wb.save(book)
    assert set(read_template(book).graph) == set(read_template(EXAMPLE).graph)
    sub = copy_example(tmp_path / "csv")
    (sub / "findings.csv").rename(sub / "Findings.csv")
    assert set(read_template(sub).graph) == set(read_template(EXAMPLE).graph)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("sheet", "unknown sheet 'Sheet1'; rename it, or delete it if its rows are not for cokg"),
        ("notes", "unknown column 'notes' (column 12); delete it or rename it (a note on a row"),
        ("twice", "column 'label' appears twice in the header: keep one"),
    ],
)
def test_a_sheet_or_column_cokg_does_not_know_says_what_to_do(
    tmp_path: Path, change: str, message: str
) -> None:
    book = _to_xlsx(EXAMPLE, tmp_path / "example.xlsx")
    wb = load_workbook(book)
    if change == "sheet":
        wb.create_sheet("Sheet1")["A1"] = "our own list"
    else:
        ws = wb["organisations"]
        ws.cell(row=1, column=ws.max_column + 1, value="notes" if change == "notes" else "label")
    wb.save(book)
    with pytest.raises(InputError) as exc:
        read_template(book)
    assert message in str(exc.value)


def test_reading_an_ill_typed_number_prints_no_traceback(tmp_path: Path) -> None:
    """`read_template` alone (a researcher's script) printed rdflib's traceback for a case
    number of 3.5: the filter that drops it was set up by the validator only."""
    sub = copy_example(tmp_path)
    rewrite(sub / "cases.csv", 2, "case_number", "3.5")
    script = (
        "import sys; from cokg.template import read_template; "
        f"read_template({str(sub)!r}); print('read')"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "read"
    assert "Traceback" not in done.stderr and "Failed to convert" not in done.stderr


def test_a_gap_in_the_header_is_not_mistaken_for_the_column_after_it(tmp_path: Path) -> None:
    """`notes` typed two columns right of the last one was reported as "unknown column ''
    (column 14)"; blank header cells are gaps, and a value under one is named by its column."""
    book = _to_xlsx(EXAMPLE, tmp_path / "example.xlsx")
    wb = load_workbook(book)
    ws = wb["organisations"]
    width = ws.max_column
    ws.cell(row=1, column=width + 3, value="notes")
    wb.save(book)
    with pytest.raises(InputError, match=rf"unknown column 'notes' \(column {width + 3}\)"):
        read_template(book)
    ws.cell(row=1, column=width + 3).value = None
    ws.cell(row=1, column=width + 2, value="   ")  # a header of spaces alone: a gap too
    wb.save(book)
    assert set(read_template(book).graph) == set(read_template(EXAMPLE).graph)
    ws.cell(row=2, column=width + 2, value="a stray note")
    wb.save(book)
    with pytest.raises(InputError, match=rf"has a value in column {width + 2}, which has no name"):
        read_template(book)


# --- one line per mistake -----------------------------------------------------------------------


@pytest.mark.parametrize("case_id", ["fictional riverside", "fictional-riversidé"])
def test_a_case_id_that_is_no_id_is_one_line_without_follow_ons(
    tmp_path: Path, case_id: str
) -> None:
    # the other sheets keep fictional-riverside: their links to the case follow from the one
    # mistake, which names the case they link to
    sub = copy_example(tmp_path)
    rewrite(sub / "cases.csv", 2, "case_id", case_id)
    report = validate([sub])
    assert [(r.file, r.row, r.column) for r in report.violations] == [("cases.csv", 2, "case_id")]
    assert report.violations[0].message == (
        f"case_id {case_id!r} is not an id of the form lower-case words joined by hyphens; "
        "other rows name case 'fictional-riverside', which no row of this sheet gives: is this "
        "row that case?"
    )


def test_a_repeated_finding_id_is_one_line_naming_the_finding_left_out(tmp_path: Path) -> None:
    sub = copy_example(tmp_path)
    rewrite(sub / "findings.csv", 3, "finding_id", "peer-hosts")  # was grant-stability
    report = validate([sub])
    assert [(r.file, r.row, r.column) for r in report.violations] == [
        ("findings.csv", 3, "finding_id")
    ]
    assert report.violations[0].message.endswith(
        "(or delete the repeated row); other rows name finding 'grant-stability', which no "
        "row of this sheet gives: is this row that finding?"
    )


def test_a_link_to_a_finding_no_row_gives_is_still_said_when_no_row_was_refused(
    tmp_path: Path,
) -> None:
    sub = copy_example(tmp_path)
    rewrite(sub / "quotations.csv", 3, "supports", "grant-stabilty")
    report = validate([sub])
    assert [(r.file, r.row, r.column) for r in report.violations] == [
        ("quotations.csv", 3, "supports")
    ]


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        pytest.param(
            "mise en œuvre",
            "phase 'mise en œuvre' is not one of: adoption, implementation, assimilation",
            id="in-french",
        ),
        pytest.param(
            "implementaton",
            "phase 'implementaton' is not one of: adoption, implementation, assimilation — "
            "did you mean 'implementation'?",
            id="misspelt",
        ),
    ],
)
def test_a_phase_not_in_the_vocabulary_is_told_the_phases(
    tmp_path: Path, typed: str, said: str
) -> None:
    sub = copy_example(tmp_path)
    rewrite(sub / "phases.csv", 3, "phase", typed)
    report = validate([sub])
    assert [(r.file, r.row, r.column, r.message) for r in report.violations] == [
        ("phases.csv", 3, "phase", said)
    ]


def test_a_phase_is_read_whatever_its_case(tmp_path: Path) -> None:
    sub = copy_example(tmp_path)
    rewrite(sub / "phases.csv", 3, "phase", "Implementation ")
    assert set(read_template(sub).graph) == set(read_template(EXAMPLE).graph)
