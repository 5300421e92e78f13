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
