"""Reading the files stewards send: rows numbered as a spreadsheet shows them, the text
encodings and separators spreadsheet programs write, and what is done to a cell's text.
Every row here is FICTIONAL."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from submissions import copy_example

from cokg.errors import InputError
from cokg.template import read_template
from cokg.validate import format_report, validate

QUOTATIONS_HEADER = (
    "case_id,quotation_id,informant_code,text,supports,phase,interview,located_in,label,comment"
)


def _quotations(sub: Path, *rows: str) -> None:
    (sub / "quotations.csv").write_text(
        "\n".join([QUOTATIONS_HEADER, *rows]) + "\n", encoding="utf-8"
    )


# --- row numbers --------------------------------------------------------------------------------

# a quotation over two lines of the file, in French, then one with a mistyped informant code
_FRENCH_Q1 = (
    'fictional-riverside,Q1,RVS-01,"On s’est dit : « pourquoi pas nous ? »\n'
    'Et puis on l’a fait.",peer-hosts,adoption,RVS-01,riverside-adoption,,'
)
_FRENCH_Q2 = (
    'fictional-riverside,Q2,RVS-99,"Il a dit ""c\'est fini""…",grant-stability,'
    "implementation,RVS-02,riverside-implementation,,"
)


def test_a_row_after_a_cell_with_a_line_break_is_numbered_as_a_spreadsheet_shows_it(
    tmp_path: Path,
) -> None:
    sub = copy_example(tmp_path)
    _quotations(sub, _FRENCH_Q1, _FRENCH_Q2)
    conv = read_template(sub)
    assert sorted(o.row for o in conv.origins.values() if o.file == "quotations.csv") == [2, 3]
    text = format_report(validate([sub]))
    assert "quotations.csv row 3 (quotation Q2 of case fictional-riverside): column " in text
    assert "row 4" not in text


def test_a_repeated_id_names_the_spreadsheet_row_of_the_first(tmp_path: Path) -> None:
    sub = copy_example(tmp_path)
    _quotations(sub, _FRENCH_Q1, _FRENCH_Q2.replace(",Q2,", ",Q1,"))
    report = validate([sub])
    (dup,) = [r for r in report.results if "already used" in r.message]
    assert (dup.file, dup.row) == ("quotations.csv", 3)
    assert "already used in row 2" in dup.message


def test_a_blank_line_is_a_row_as_in_a_spreadsheet(tmp_path: Path) -> None:
    sub = copy_example(tmp_path)
    _quotations(sub, _FRENCH_Q1, "", _FRENCH_Q2)  # the blank line is row 3 in a spreadsheet
    conv = read_template(sub)
    assert sorted(o.row for o in conv.origins.values() if o.file == "quotations.csv") == [2, 4]


def test_a_ragged_row_gives_its_spreadsheet_row_and_its_line(tmp_path: Path) -> None:
    sub = copy_example(tmp_path)
    _quotations(sub, _FRENCH_Q1, _FRENCH_Q2 + ",SURPLUS")
    with pytest.raises(InputError) as exc:
        read_template(sub)
    assert exc.value.line == 4  # the file's line, for a text editor
    assert exc.value.message.startswith("row 3 (line 4 of the file) has 11 cells")


def _write(path: Path, rows: list[list[str]], **fmt: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, **fmt).writerows(rows)  # type: ignore[arg-type]


# --- encodings and separators -------------------------------------------------------------------


def _as_unicode_text(csv_file: Path, encoding: str) -> bytes:
    """A sheet as Excel's "Unicode Text" writes it: UTF-16 with its byte-order mark, cells
    separated by tabs, lines ended by CR LF (cells with a line break or a quote quoted)."""
    with csv_file.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    out = csv_file.with_suffix(".tsv")
    _write(out, rows, delimiter="\t", lineterminator="\r\n")
    text = out.read_text(encoding="utf-8")
    out.unlink()
    return text.encode(encoding)  # "utf-16" writes the mark, in the machine's byte order


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda t: b"\xff\xfe" + t.encode("utf-16-le"), id="utf-16-le"),
        pytest.param(lambda t: b"\xfe\xff" + t.encode("utf-16-be"), id="utf-16-be"),
    ],
)
def test_excels_unicode_text_is_read_as_the_same_rows(tmp_path: Path, encode: object) -> None:
    sub = copy_example(tmp_path)
    _quotations(sub, _FRENCH_Q1, _FRENCH_Q2.replace("RVS-99", "RVS-02"))
    before = read_template(sub).graph
    for name in ("quotations.csv", "cases.csv"):
        f = sub / name
        tsv = _as_unicode_text(f, "utf-8").decode("utf-8")
        f.write_bytes(encode(tsv))  # type: ignore[operator]
    conv = read_template(sub)
    assert set(conv.graph) == set(before)
    assert sorted(o.row for o in conv.origins.values() if o.file == "quotations.csv") == [2, 3]


def test_a_utf8_tab_separated_file_is_read(tmp_path: Path) -> None:
    sub = copy_example(tmp_path)
    before = read_template(sub).graph
    f = sub / "findings.csv"  # its cells hold commas and semicolons, kept as written
    f.write_bytes(_as_unicode_text(f, "utf-8"))
    assert set(read_template(sub).graph) == set(before)


def test_utf16_that_does_not_decode_is_refused_naming_the_line(tmp_path: Path) -> None:
    sub = copy_example(tmp_path)
    f = sub / "quotations.csv"
    text = f.read_text(encoding="utf-8")
    f.write_bytes(b"\xff\xfe" + text.encode("utf-16-le") + b"\x00\xdc" + "x\n".encode("utf-16-le"))
    with pytest.raises(InputError) as exc:
        read_template(sub)
    assert exc.value.line == 4 and "not UTF-16: bytes 00 dc" in exc.value.message


@pytest.mark.parametrize(
    ("data", "said"),
    [
        pytest.param(
            QUOTATIONS_HEADER.encode("utf-16-le"),
            "not a text file (NUL bytes) (UTF-16 text without a byte-order mark?); save the "
            "file as CSV UTF-8",
            id="utf-16-without-mark",
        ),
        pytest.param(
            b"\xff\xfe\x00\x00" + QUOTATIONS_HEADER.encode("utf-32-le"),
            "UTF-32 text, which cokg does not read; save the file as CSV UTF-8",
            id="utf-32",
        ),
    ],
)
def test_other_unicode_files_say_what_they_are(tmp_path: Path, data: bytes, said: str) -> None:
    sub = copy_example(tmp_path)
    (sub / "quotations.csv").write_bytes(data)
    with pytest.raises(InputError) as exc:
        read_template(sub)
    assert exc.value.message == said


def test_a_sheet_saved_as_text_is_named_to_be_renamed(tmp_path: Path) -> None:
    sub = copy_example(tmp_path)
    (sub / "quotations.csv").rename(sub / "quotations.txt")
    with pytest.raises(InputError) as exc:
        read_template(sub)
    assert exc.value.message.startswith("a sheet saved as text: rename it quotations.csv")


def test_a_workbook_header_pasted_into_one_cell_is_not_told_about_files(tmp_path: Path) -> None:
    from submissions import write_book

    book = write_book(tmp_path / "book.xlsx", {"cases": []})
    from openpyxl import load_workbook

    wb = load_workbook(book)
    ws = wb["cases"]
    header = [c.value for c in ws[1]]
    ws.delete_rows(1)
    ws.append(["\t".join(str(h) for h in header)])
    wb.save(book)
    with pytest.raises(InputError) as exc:
        read_template(book)
    assert "each row was pasted into one cell" in exc.value.message
    assert "decimal commas" not in exc.value.message


# --- several templates in one submission --------------------------------------------------------


def test_with_several_templates_each_file_is_named_with_its_folder(tmp_path: Path) -> None:
    from submissions import rewrite, write_book

    good = copy_example(tmp_path / "es2")
    bad = copy_example(tmp_path / "bad")
    rewrite(bad / "findings.csv", 2, "stance", "favorable")
    book = write_book(tmp_path / "extra.xlsx", {"organisations": [{"org_id": "Bad Id"}]})
    report = validate([good, bad, book])
    where = {(r.file, r.row, r.column) for r in report.violations}
    assert (str(bad / "findings.csv"), 2, "stance") in where
    assert (f"{book}, sheet organisations", 2, "org_id") in where
    alone = validate([bad])  # one template: its files by their names, as before
    assert ("findings.csv", 2, "stance") in {(r.file, r.row, r.column) for r in alone.violations}


def test_an_unusable_row_of_one_of_several_templates_names_its_folder(tmp_path: Path) -> None:
    good = copy_example(tmp_path / "es2")
    bad = copy_example(tmp_path / "bad")
    _quotations(bad, _FRENCH_Q1 + ",SURPLUS")
    with pytest.raises(InputError) as exc:
        validate([good, bad])
    assert exc.value.file == str(bad / "quotations.csv")


# --- what is done to a cell's text --------------------------------------------------------------

_SPOKEN = "Jose\u0301 said: “we kept going.”\nThen we stopped."  # NFD: e + combining accent
_STORED = "José said: “we kept going.”\nThen we stopped."  # NFC, LF


def _quotation_texts(path: Path) -> set[str]:
    from cokg.namespaces import COKG

    return {str(o) for o in read_template(path).graph.objects(None, COKG.text)}


def _book_with_text(tmp_path: Path, text: str) -> Path:
    from submissions import write_book

    row = {
        "case_id": "fictional-riverside",
        "quotation_id": "Q1",
        "informant_code": "RVS-01",
        "text": text,
        "located_in": "riverside-adoption",
    }
    return write_book(tmp_path / "book.xlsx", {"quotations": [row]})


def _csv_with_text(tmp_path: Path, text: str, lineterminator: str = "\n") -> Path:
    sub = copy_example(tmp_path)
    f = sub / "quotations.csv"
    with f.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[1][rows[0].index("text")] = text
    _write(f, rows, lineterminator=lineterminator)
    return sub


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        pytest.param(_SPOKEN, _STORED, id="nfc"),
        pytest.param(_STORED.replace("\n", "\r\n"), _STORED, id="crlf"),
        pytest.param(_STORED.replace("\n", "\r"), _STORED, id="cr"),
        pytest.param(f"  \t{_STORED}\n \u00a0", _STORED, id="edges"),
        pytest.param(f"{_STORED.replace(chr(10), '  ' + chr(10))}", None, id="inner-spaces-kept"),
    ],
)
def test_a_quotation_is_stored_alike_from_csv_and_from_a_workbook(
    tmp_path: Path, typed: str, stored: str | None
) -> None:
    stored = stored if stored is not None else typed
    assert stored in _quotation_texts(_csv_with_text(tmp_path / "csv", typed, "\r\n"))
    assert _quotation_texts(_book_with_text(tmp_path, typed)) == {stored}


def test_a_workbook_cell_as_excel_stores_a_line_break_with_cr(tmp_path: Path) -> None:
    # Excel writes a CR in a cell as _x000D_ (and a literal "_x" as _x005F_x): read as the
    # characters they stand for, not as those letters
    import zipfile

    book = _book_with_text(tmp_path, "PLACEHOLDER")
    out = tmp_path / "excel.xlsx"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(b"PLACEHOLDER", b"One._x000D_\nTwo _x005F_x000D_ stays.")
            dst.writestr(item, data)
    assert _quotation_texts(out) == {"One.\nTwo _x000D_ stays."}
