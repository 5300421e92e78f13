"""Reading a filled-in template: the rows of a workbook or of a folder of CSV files.

A workbook is read with openpyxl in read-only mode, data only (formulas are never evaluated,
only their cached values are read), after every XML member has been pre-scanned with expat: a
DTD or entity declaration (an entity bomb) or nesting deeper than COKG_MAX_XML_DEPTH is
refused, naming the member, and the bytes actually decompressed are capped (declared sizes can
lie). CSV files are read as a stream, strict UTF-8, or UTF-16 when they start with its
byte-order mark (Excel's "Unicode Text"), their cells separated by commas, or by tabs when the
header's are. The file cannot be used at all (text that does not decode, a ragged row, an
unknown sheet or column, a missing required column): InputError naming the file, row and
column.

Dates keep their precision. CSV cells are text and stay as typed. A written workbook formats
every column as text ("@"), so a typed 2018-10 is not turned into a date; a cell a spreadsheet
program turned into a date anyway is read at the precision its number format shows (yyyy:
2018; yyyy-mm, mmm yyyy, mm/yyyy: 2018-10; a full date: 2018-10-05) and refused, naming sheet,
column and row, when the format cannot tell (General, no year, a two-digit year, a time) —
never widened to a day. A date cell in a column that is not a date (date_text, a label) is
refused too: the program has replaced the wording the source used.

A cell starting with an apostrophe followed by = + - @ (or a second apostrophe) is read
without that apostrophe: it is how cokg writes text a spreadsheet program would otherwise run
as a formula (see escape()).
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import difflib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cokg.errors import InputError
from cokg.template.sheets import SHEETS

__all__ = [
    "EXCEL_CELL_MAX",
    "LIST_SHEETS",
    "Row",
    "cell_text",
    "csv_files",
    "date_precision",
    "escape",
    "is_template_folder",
    "read_rows",
    "sheet_name",
    "unescape",
]

XLSX_EXPANSION = 10  # a workbook may unpack to this many times the submission size limit
MAX_CELLS = 20_000_000  # cells a workbook's sheets may store, read one row at a time
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CODES_SHEET = "codes"  # hidden sheets of a written workbook: the drop-down lists
VALUES_SHEET = "values"
LIST_SHEETS = (CODES_SHEET, VALUES_SHEET)  # skipped when a workbook is read


def escape(text: str) -> str:
    """Text as written into a cell: a leading apostrophe keeps a spreadsheet program from
    running = + - @ as a formula (and a text starting with an apostrophe keeps it)."""
    if text.startswith(FORMULA_START) or (text[:1] == "'" and text[1:2] in ("'", *FORMULA_START)):
        return "'" + text
    return text


def cell_text(text: str) -> str:
    """A cell's text as read from a CSV file or a workbook alike: Unicode NFC (José typed with
    a combining accent is the José typed precomposed) and line breaks as LF (a CSV saved on
    Windows breaks a multi-line quotation with CR LF, Excel stores CR LF in a cell as
    _x000D_ and LF): the same words are one text whatever the platform or program, and a
    quotation is itself on resubmission. Spaces at a cell's edges are left to the
    converter, which trims every cell but a statement's value."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _ooxml_unescape(text: str) -> str:
    """A workbook string with its _xHHHH_ escapes decoded (ECMA-376 ST_Xstring: how Excel
    stores a CR, a tab or another control character; _x005F_ is a literal underscore), which
    openpyxl leaves in: a quotation pasted into Excel with CR LF read as '..._x000D_\n...'."""
    if "_x" not in text:
        return text
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def ooxml_escape(text: str) -> str:
    """Text as a workbook stores it: a literal "_xHHHH_" in it written "_x005F_xHHHH_", as
    Excel does, so a reader decoding the escapes (`cell_text` of a workbook) gets it back
    instead of the character it would stand for ("_x0041_" read as "A")."""
    if "_x" not in text:
        return text
    return _OOXML_ESCAPE.sub(lambda m: "_x005F" + m.group(0), text)


def unescape(text: str) -> str:
    """The inverse of escape()."""
    if text[:1] == "'" and text[1:2] in ("'", *FORMULA_START):
        return text[1:]
    return text


def is_template_folder(folder: Path) -> bool:
    """A folder holding at least one CSV file named after a template sheet (in any case)."""
    return any(
        f.suffix.lower() == ".csv" and sheet_name(f.stem) in SHEETS and f.is_file()
        for f in folder.iterdir()
    )


@dataclass
class Row:
    """One row of a sheet, its cells by column name, as the steward wrote them."""

    sheet: str
    file: str  # what to call it in messages: "quotations.csv" or "book.xlsx, sheet quotations"
    row: int
    cells: dict[str, str]
    refused: dict[str, str] = field(default_factory=dict)  # column -> why its cell was not read
    doubtful: dict[str, str] = field(default_factory=dict)  # column -> why it may be wrong


def read_rows(path: Path, *, name_folder: bool = False) -> tuple[list[Path], Iterator[Row]]:
    """The files of a template (a workbook or a CSV folder) and its rows, read lazily. Rows
    name their file bare (findings.csv, book.xlsx), or with `name_folder` as the path was
    given (site-a/findings.csv): the one way to tell two templates' files apart."""
    if path.is_dir():
        files = csv_files(path)
        return files, _read_csv_files(files, name_folder)
    return [path], _read_xlsx(path, name_folder)


def _check_header(header: list[str], sheet: str, where: str, *, text_file: bool) -> list[str]:
    cols = {c.name for c in SHEETS[sheet].columns}
    folded = {c.casefold(): c for c in cols}
    # a column means its name whatever its case or surrounding spaces ("Stance ")
    names = [folded.get(h.strip().casefold(), h.strip()) for h in header]
    # (a text file separated by semicolons or tabs is read so: `_delimiter`)
    if len(names) == 1 and names[0] not in cols and not text_file:
        for sep, what in ((";", "semicolons"), ("\t", "tabs")):
            if sep in names[0] and names[0].split(sep)[0].strip() in cols:
                # a workbook's rows pasted in as one cell each
                why = (
                    f"the header is one cell with {what} in it: each row was pasted into "
                    f"one cell; split the cells at the {what} into columns (a "
                    "spreadsheet's text-to-columns does)"
                )
                raise InputError(why, file=where, line=1)
    for i, h in enumerate(names):
        if h and h not in cols:  # a blank header cell (a gap) is a column nobody named
            close = difflib.get_close_matches(h.casefold(), sorted(cols), n=1, cutoff=0.75)
            hint = f" — did you mean {close[0]!r}?" if close else ""
            note = " (a note on a row goes in its comment column)" if "comment" in cols else ""
            raise InputError(
                f"unknown column {h!r} (column {i + 1}){hint}; delete it or rename it{note}; "
                f"the {sheet} columns are: " + ", ".join(c.name for c in SHEETS[sheet].columns),
                file=where,
                line=1,
            )
    twice = sorted({n for n in names if n and names.count(n) > 1})
    if twice:
        raise InputError(
            f"column {twice[0]!r} appears twice in the header: keep one", file=where, line=1
        )
    missing = [c.name for c in SHEETS[sheet].columns if c.required and c.name not in names]
    if missing:
        raise InputError(f"required column(s) missing: {', '.join(missing)}", file=where, line=1)
    return names


def csv_files(folder: Path) -> list[Path]:
    """The template sheets of a CSV folder. Anything else in it is refused, not skipped: a
    workbook or a second folder of rows put beside the CSV files would otherwise be left out
    without a word. Hidden files (a program's lock or index files) are passed over. A file
    name means its sheet whatever its case (`Findings.csv`)."""
    known = {f"{s}.csv" for s in SHEETS} | {"README.csv"}
    sheets: dict[str, Path] = {}
    for f in sorted(folder.iterdir()):
        if f.name.startswith((".", "~$")):
            continue  # ~$book.xlsx: the lock file of a workbook open in Excel
        if f.suffix.lower() == ".csv" and f"{sheet_name(f.stem)}.csv" in known:
            sheet = sheet_name(f.stem)
            if sheet in sheets:
                raise InputError(f"two files for sheet {sheet}: {sheets[sheet].name}", file=f)
            sheets[sheet] = f
            continue
        if f.suffix.lower() == ".csv":
            why = "not a template sheet; the CSV files are " + ", ".join(sorted(known))
        elif f.suffix.lower() in (".txt", ".tsv") and f"{sheet_name(f.stem)}.csv" in known:
            # how Excel names a sheet saved as "Unicode Text": the content is readable
            why = (
                f"a sheet saved as text: rename it {sheet_name(f.stem)}.csv (cokg reads "
                "tab-separated text, in UTF-8 or UTF-16, as it reads CSV)"
            )
        else:
            what = "a folder" if f.is_dir() else "a file"
            why = (
                f"{what} in a template folder, which holds only the template's CSV files "
                f"({', '.join(sorted(known))}); move it out, or give a workbook on its own"
            )
        raise InputError(why, file=f)
    from cokg.load import check_inside

    found = [sheets[s] for s in SHEETS if s in sheets and sheets[s].is_file()]
    check_inside(folder, found)
    return found


def sheet_name(name: str) -> str:
    """The template sheet a sheet or CSV file name means, spaces and case aside (`Findings `
    is `findings`); the name stripped when it means none."""
    bare = name.strip()
    for known in (*SHEETS, "README", *LIST_SHEETS):
        if bare.casefold() == known.casefold():
            return known
    return bare


def _read_csv_files(files: list[Path], name_folder: bool) -> Iterator[Row]:
    for f in files:
        yield from _read_csv(f, sheet_name(f.stem), str(f) if name_folder else f.name)


_SAVE_AS = "save the file as CSV UTF-8"


def text_encoding(f: Path) -> str:
    """The encoding a CSV file is read with: UTF-8 (a byte-order mark is fine), or UTF-16
    when the file starts with its byte-order mark (FF FE or FE FF), as Excel writes "Unicode
    Text". Refuses NUL bytes, UTF-32 and text that does not decode, naming the line."""
    with f.open("rb") as fh:
        head = fh.read(4)
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # FF FE 00 00 first
        raise InputError(f"UTF-32 text, which cokg does not read; {_SAVE_AS}", file=f)
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            _check_text_file(f, codec, skip=len(bom))
            return "utf-16"  # the codec reads the mark and takes its byte order from it
    _check_text_file(f, "utf-8")
    return "utf-8-sig"


def _check_text_file(f: Path, codec: str, *, skip: int = 0) -> None:
    """Refuse NUL characters and text that does not decode, naming the line, reading in
    blocks (the file is never held whole)."""
    decoder = codecs.getincrementaldecoder(codec)()
    utf8 = codec == "utf-8"
    name = "UTF-8" if utf8 else "UTF-16"
    line = 1
    with f.open("rb") as fh:
        fh.seek(skip)
        for block in iter(lambda: fh.read(1 << 20), b""):
            if utf8 and b"\x00" in block:
                # every other byte NUL: UTF-16 without the mark that tells its byte order
                halves = block[:4096:2].count(0), block[1:4096:2].count(0)
                utf16 = max(halves) > 0.4 * len(block[:4096:2])
                why = " (UTF-16 text without a byte-order mark?)" if utf16 else ""
                raise InputError(f"not a text file (NUL bytes){why}; {_SAVE_AS}", file=f)
            try:
                text = decoder.decode(block)
            except UnicodeDecodeError as exc:
                # exc.object: the bytes given this call, after any kept from the last block
                at = max(exc.start - len(exc.object) + len(block), 0)
                bad = block[at : at + (1 if utf8 else 2)]
                shown = f"byte 0x{bad.hex()}" if utf8 else f"bytes {bad.hex(' ')}"
                done = codecs.decode(block[:at], codec, "replace") if not utf8 else ""
                raise InputError(
                    f"not {name}: {shown} ({_SAVE_AS})",
                    file=f,
                    line=line + (block[:at].count(b"\n") if utf8 else done.count("\n")),
                ) from None
            if "\x00" in text:
                raise InputError(f"not a text file (NUL characters); {_SAVE_AS}", file=f)
            line += block.count(b"\n") if utf8 else text.count("\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise InputError(
                f"not {name}: the file ends inside a character ({_SAVE_AS})", file=f, line=line
            ) from None


def _delimiter(f: Path, encoding: str, sheet: str) -> str:
    """The character a CSV file separates its cells with: a comma, or a tab or a semicolon
    when its header is one comma-separated cell of column names separated so (Excel's
    "Unicode Text" and other tab-separated exports; the "CSV" of a spreadsheet program set to
    a language that writes decimal commas). The names settle it, so no data row is guessed
    from; a decimal comma in a number cell is then refused by its column, naming it."""
    with f.open(encoding=encoding, newline="") as fh:
        try:
            header = next(csv.reader(fh), [])
        except csv.Error:  # said by the reader, with the row
            return ","
    for sep in ("\t", ";"):
        if len(header) == 1 and sep in header[0]:
            first = header[0].split(sep, 1)[0].strip().casefold()
            if first in {c.name.casefold() for c in SHEETS[sheet].columns}:
                return sep
    return ","


def _read_csv(f: Path, sheet: str, shown: str) -> Iterator[Row]:
    from cokg import load

    encoding = text_encoding(f)
    # A cell may be as long as a workbook's (a long document's text): the file's size is
    # bounded by the submission limit, not each cell by Python's default of 128 KiB.
    csv.field_size_limit(max(csv.field_size_limit(), load.max_submission_bytes()))
    delimiter = _delimiter(f, encoding, sheet)
    # Read as a stream: a big CSV file is never held whole in memory.
    with f.open(encoding=encoding, newline="") as fh:  # strict: checked above
        reader = csv.reader(fh, delimiter=delimiter, strict=True)
        row = end = 0  # the last row read, and the line of the file it ends on
        try:
            header = next(reader, None)
            if header is None:
                return
            # the folder too: whose events.csv
            names = _check_header(header, sheet, str(f), text_file=True)
            # A record is a spreadsheet row, whatever the lines it takes in the file: a cell
            # holding a line break makes the two counts differ, and a steward looks for the
            # row (header = row 1), as a spreadsheet program numbers it.
            row, end = 1, reader.line_num
            for record in reader:
                row, line, end = row + 1, end + 1, reader.line_num
                if not any(c.strip() for c in record):
                    continue
                at = f"row {row}" + (f" (line {line} of the file)" if line != row else "")
                if len(record) != len(names):
                    raise InputError(
                        f"{at} has {len(record)} cells but the header has {len(names)} "
                        "(a ragged row: check for a stray comma or a missing quote)",
                        file=shown,
                        line=line,
                    )
                blank = [k for k, n in enumerate(names) if not n and record[k].strip()]
                if blank:
                    raise InputError(
                        f"{at} has a value in column {blank[0] + 1}, which has no name in "
                        "the header",
                        file=shown,
                        line=line,
                    )
                cells = (cell_text(unescape(c)) for c in record)
                named = {n: c for n, c in zip(names, cells, strict=True) if n}
                yield Row(sheet, shown, row, named)
        except csv.Error as exc:
            raise InputError(
                f"malformed CSV in row {row + 1} (from line {end + 1} of the file): {exc}",
                file=shown,
                line=reader.line_num,
            ) from None


MAX_KEPT = 10_000  # per sheet part: hidden rows, merged ranges and column ranges kept for messages
MAX_UNCALCULATED = 10_000  # formula cells without a stored value a workbook may hold
_FORMULA_SHOWN = 300  # characters of a formula quoted in a message
_SHARED_KEPT = 1_000  # shared formulas remembered (to quote the cells that reuse them)
_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


@dataclass
class _SheetPart:
    """What the pre-scan saw in one worksheet part (elements of the spreadsheet namespace
    only, as openpyxl reads them, whatever their prefix or attribute quoting)."""

    merges: list[str] = field(default_factory=list)  # merged ranges (A2:A3), the first kept
    hidden_rows: set[int] = field(default_factory=set)  # the first MAX_KEPT
    hidden_columns: list[tuple[int, int]] = field(default_factory=list)  # (first, last)
    uncalculated: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> =...
    content: bool = False  # some cell holds a value, an inline text or a formula


class _SheetWatcher:
    """Reads one XML part as openpyxl's worksheet reader does (row and column counters for
    rows and cells without a reference), keeping only what _SheetPart holds: bounded memory,
    whatever the part's size."""

    def __init__(self, part: _SheetPart, budget: list[int]) -> None:
        from openpyxl.xml.constants import SHEET_MAIN_NS

        self.ns = SHEET_MAIN_NS + " "
        self.part = part
        self.budget = budget  # [uncalculated formula cells the workbook may still hold]
        self.row = self.col = 0
        self.cell_type = ""
        self.has_formula = self.has_value = False
        self.formula: dict[str, str] = {}
        self.shared: dict[str, tuple[str, str]] = {}  # si -> (formula, its cell)
        self.collect: str | None = None  # "f" or "v" while inside one
        self.text_parts: list[str] = []
        self.text_len = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if not name.startswith(self.ns):
            return
        local = name[len(self.ns) :]
        if local == "c":
            ref = _CELL_REF.fullmatch(attrs.get("r", ""))
            if ref:
                from openpyxl.utils import column_index_from_string

                self.col = column_index_from_string(ref.group(1).upper())
            else:
                self.col += 1
            self.cell_type = attrs.get("t", "n")
            self.has_formula = self.has_value = False
        elif local == "row":
            self.row = _row_number(attrs.get("r"), self.row)
            self.col = 0
            if _true(attrs.get("hidden")) and len(self.part.hidden_rows) < MAX_KEPT:
                self.part.hidden_rows.add(self.row)
        elif local in ("f", "v"):
            self.collect, self.text_parts, self.text_len = local, [], 0
            if local == "f":
                self.has_formula, self.formula = True, dict(attrs)
        elif local == "is" and self.cell_type == "inlineStr":
            self.has_value = True
        elif local == "mergeCell" and len(self.part.merges) < MAX_KEPT:
            self.part.merges.append(attrs.get("ref", "?"))
        elif local == "col" and _true(attrs.get("hidden")):
            try:
                span = (int(attrs.get("min", "")), int(attrs.get("max", attrs.get("min", ""))))
            except ValueError:
                return
            if len(self.part.hidden_columns) < MAX_KEPT:
                self.part.hidden_columns.append(span)

    def text(self, data: str) -> None:
        if self.collect is not None and self.text_len <= 8_192:  # Excel's longest formula
            self.text_parts.append(data)
            self.text_len += len(data)

    def end(self, name: str) -> None:
        if not name.startswith(self.ns):
            return
        local = name[len(self.ns) :]
        if local == "v":
            self.has_value = self.has_value or bool("".join(self.text_parts))
            self.collect = None
        elif local == "f":
            self.formula["text"] = "".join(self.text_parts)
            self.collect = None
        elif local == "c":
            if self.has_formula or self.has_value:
                self.part.content = True
            if self.has_formula:
                self._formula_cell()

    def _formula_cell(self) -> None:
        """Keep a formula cell that stores no value (openpyxl reads it as empty), quoting its
        formula as a spreadsheet shows it; remember a shared formula for the cells reusing it."""
        from openpyxl.utils import get_column_letter

        text, kind, si = self.formula.get("text", ""), self.formula.get("t"), self.formula.get("si")
        where = f"{get_column_letter(min(self.col, 16_384))}{self.row}"
        if kind == "shared" and si is not None:
            if text and len(self.shared) < _SHARED_KEPT:
                self.shared[si] = ("=" + text, where)
            elif not text and si in self.shared and not self.has_value:
                from openpyxl.formula.translate import Translator

                first, at = self.shared[si]
                try:
                    text = Translator(first, at).translate_formula(where)[1:]
                except Exception:  # a formula the translator cannot parse: quote its source
                    text = first[1:]
        if self.has_value:
            return
        self.budget[0] -= 1
        if self.budget[0] < 0:
            raise _TooManyUncalculated
        shown = "=" + text if text else "(a formula reusing another cell's)"
        if len(shown) > _FORMULA_SHOWN:
            shown = shown[:_FORMULA_SHOWN] + "…"
        self.part.uncalculated[(self.row, self.col)] = shown


class _TooManyUncalculated(Exception):
    """Raised inside the scan, turned into an InputError naming the workbook."""


def _true(value: str | None) -> bool:
    return value is not None and value.strip() in ("1", "true")


def _row_number(r: str | None, previous: int) -> int:
    """A row's number: its r attribute, else the row after the previous (as openpyxl reads)."""
    if r is None:
        return previous + 1
    try:
        return int(r)
    except ValueError:
        try:
            number = float(r)
        except ValueError:
            return previous + 1
        return int(number) if number.is_integer() else previous + 1


@dataclass
class _Scan:
    """What the pre-scan of a workbook found: each worksheet part by the sheet name the
    workbook gives it (as typed: "Findings ")."""

    sheets: dict[str, _SheetPart]


def _scan_xlsx(f: Path) -> _Scan:
    """Pre-scan every XML member of a workbook (see the module docstring), and read from its
    worksheet parts, by parsing them (any namespace prefix, quoting or attribute order), the
    merged cells, hidden rows and columns, formula cells that store no value, and whether a
    sheet holds anything at all."""
    import zipfile

    from cokg import load

    budget = XLSX_EXPANSION * load.max_submission_bytes()
    uncalculated = [MAX_UNCALCULATED]
    parts: dict[str, _SheetPart] = {}  # XML member -> what it holds
    try:
        with zipfile.ZipFile(f) as z:
            for info in z.infolist():
                if info.is_dir():
                    continue
                with z.open(info) as member:

                    def chunks(member=member, name=info.filename) -> Iterator[bytes]:
                        nonlocal budget
                        for block in iter(lambda: member.read(1 << 20), b""):
                            budget -= len(block)
                            if budget < 0:
                                raise InputError(
                                    f"member {name}: the workbook unpacks to more than "
                                    f"{XLSX_EXPANSION} times the submission size limit; "
                                    "split it (one case per workbook)",
                                    file=f,
                                )
                            yield block

                    stream = chunks()
                    first = next(stream, b"")

                    def again(first: bytes = first, stream: Iterator[bytes] = stream):
                        yield first
                        yield from stream

                    # an XML part under another name (a sheet moved to sheet2.bin) is XML to
                    # the reader all the same: scanned as such; any part may be a sheet's (a
                    # relationship names it), so each is watched for sheet elements
                    xml = info.filename.lower().endswith((".xml", ".rels", ".vml"))
                    if xml or first.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
                        part = parts.setdefault(info.filename, _SheetPart())
                        watcher = _SheetWatcher(part, uncalculated)
                        try:
                            load.scan_xml(again(), f, member=info.filename, watch=watcher)
                        except _TooManyUncalculated:
                            raise InputError(
                                f"member {info.filename}: more than {MAX_UNCALCULATED:,} "
                                "formula cells store no value (the workbook was written by a "
                                "program that does not calculate formulas); open and save the "
                                "workbook in a spreadsheet program, or type the values",
                                file=f,
                            ) from None
                    else:
                        for _ in again():  # count what it unpacks to
                            pass
            titles = _check_sheet_parts(z, f, parts)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise InputError(
            f"not a readable .xlsx workbook ({exc.__class__.__name__})", file=f
        ) from None
    return _Scan({title: parts.get(part, _SheetPart()) for title, part in titles.items()})


def _check_sheet_parts(z: Any, f: Path, parts: dict[str, _SheetPart]) -> dict[str, str]:
    """Refuse a sheet whose relationship leads out of the workbook (another file, a URL) or
    to no part of it: the reader skipped such a sheet without a word, and its rows were
    missing; a data sheet with merged cells, whose value only the first row holds (the rows
    below read as empty). Each sheet name -> its part. The parts were scanned already (no
    DTD, bounded)."""
    import posixpath
    from xml.etree import ElementTree as ET

    rels = "xl/_rels/workbook.xml.rels"
    if rels not in z.namelist():
        return {}
    names = set(z.namelist())
    sheet_parts: dict[str, str] = {}  # sheet name, as the workbook gives it -> its part
    titles: dict[str, str] = {}  # relationship id -> sheet name
    if "xl/workbook.xml" in names:
        rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
        for el in ET.fromstring(z.read("xl/workbook.xml")).iter():
            if el.tag.endswith("}sheet") and el.get(rid):
                titles[str(el.get(rid))] = str(el.get("name", ""))
    for rel in ET.fromstring(z.read(rels)):
        if not str(rel.get("Type", "")).endswith("/worksheet"):
            continue
        target = str(rel.get("Target", ""))
        part = posixpath.normpath(
            target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        )
        outside = rel.get("TargetMode") == "External" or "://" in target or part.startswith("../")
        if outside or part not in names:
            where = "outside the workbook" if outside else "to no part of the workbook"
            raise InputError(
                f"a sheet of the workbook points {where} ({target}): a sheet is read from the "
                "workbook itself; save the workbook again from a spreadsheet program",
                file=f,
            )
        raw = titles.get(str(rel.get("Id", "")), "")
        sheet_parts[raw] = part
        title = sheet_name(raw)
        if title not in SHEETS:
            continue
        merged = parts[part].merges if part in parts else []
        if merged:
            shown = ", ".join(sorted(merged)[:3]) + (" ..." if len(merged) > 3 else "")
            raise InputError(
                f"sheet {title.strip()} has merged cells ({shown}): a merged cell's value is in "
                "its first row only, and the rows below it read as empty; unmerge the cells "
                "and fill in each row",
                file=f,
            )
    return sheet_parts


def _read_xlsx(f: Path, name_folder: bool = False) -> Iterator[Row]:
    if f.suffix.lower() != ".xlsx":
        raise InputError("a template is an .xlsx workbook or a folder of CSV files", file=f)
    from openpyxl import load_workbook

    scan = _scan_xlsx(f)
    try:
        # a formula's value as the program that saved the file calculated it; a program that
        # never calculates (a script writing the workbook) stores none, which is refused below
        wb = load_workbook(f, read_only=True, data_only=True)
    except InputError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise InputError(
            f"not a readable .xlsx workbook ({exc.__class__.__name__})", file=f
        ) from None
    cells_read = 0
    try:
        seen: dict[str, str] = {}  # template sheet -> the workbook's sheet that is it
        for ws in wb.worksheets:
            title = sheet_name(ws.title)
            if title in SHEETS and title in seen:  # their rows would be read as one sheet's
                raise InputError(
                    f"two sheets for sheet {title}: {seen[title]!r} and {ws.title!r} (a sheet's "
                    "name means its sheet whatever its case and surrounding spaces); keep one",
                    file=f,
                )
            seen[title] = ws.title
        for ws in wb.worksheets:
            title = sheet_name(ws.title)  # "Findings" is the findings sheet
            if title == "README" or title in LIST_SHEETS:  # instructions, drop-down lists
                continue
            part = scan.sheets.get(ws.title, _SheetPart())
            if title not in SHEETS:
                # told by the pre-scan: reading the sheet to find out padded each row to its
                # last cell (one empty cell in column XFD a row was 16,384 cells a row)
                if not part.content:
                    continue  # an empty sheet a program added (Sheet1): nothing to leave out
                close = difflib.get_close_matches(title.casefold(), sorted(SHEETS), n=1)
                hint = f" — did you mean {close[0]!r}?" if close else ""
                raise InputError(
                    f"unknown sheet {title!r}{hint}; rename it, or delete it if its rows are "
                    "not for cokg (the sheets are README, " + ", ".join(SHEETS) + ")",
                    file=f,
                )
            where = f"{f if name_folder else f.name}, sheet {title}"
            # Hidden rows, columns and sheets are read like any (hiding is how some mean
            # "deleted"): said once a sheet, on its first such row (for columns: the first row
            # with a value in one)
            hidden = part.hidden_rows
            sheet_hidden = getattr(ws, "sheet_state", "visible") != "visible"
            told = False
            # The size a sheet declares (<dimension>) is not believed: openpyxl pads every row
            # to it, and A1:XFD1048576 in a 60 KB file was 17 billion empty cells to read.
            ws.reset_dimensions()
            it = ws.iter_rows()  # cells, not values: a date cell's format tells its precision
            header = next(it, None)
            if header is None:
                continue
            header_cells = [_cell_text(c)[0] for c in header]
            while header_cells and not header_cells[-1]:
                header_cells.pop()
            names = _check_header(header_cells, title, where, text_file=False)
            dates = {c.name for c in SHEETS[title].columns if c.date}
            hidden_columns = [
                j for j, n in enumerate(names)
                if n and any(lo <= j + 1 <= hi for lo, hi in part.hidden_columns)
            ]  # fmt: skip
            told_columns = sheet_hidden or not hidden_columns
            for i, row in enumerate(it, start=2):
                if not row:  # a row the sheet skips (openpyxl fills the gap): nothing to read
                    continue
                cells_read += len(row)
                if cells_read > MAX_CELLS:  # empty cells stored far to the right, say
                    raise InputError(
                        f"the workbook stores more than {MAX_CELLS:,} cells (empty ones "
                        "included), more than a template holds; copy the filled rows into a "
                        "new template",
                        file=where,
                        line=i,
                    )
                read = [_cell_text(c) for c in row]
                for j, c in enumerate(row):
                    formula = part.uncalculated.get((i, j + 1)) if part.uncalculated else None
                    if formula is not None and getattr(c, "value", None) is None:
                        read[j] = ("", _NOT_CALCULATED.format(formula=formula))
                for j, c in enumerate(row):
                    if j < len(names) and names[j] not in dates and _is_date(c):
                        # what was typed (an id such as GAL-01, June 2017) is gone: not a
                        # date's precision to fix, whatever the cell's format
                        read[j] = ("", _WORDING_LOST)
                    elif j < len(names) and names[j] in dates and (day := _day_number(c)):
                        read[j] = ("", day)
                cells = [text for text, _ in read]
                refused = {names[j]: why for j, (_, why) in enumerate(read)
                           if why and j < len(names)}  # fmt: skip
                if not any(c.strip() for c in cells) and not refused:  # spaces alone: empty
                    continue
                extra = [j for j in range(len(names), len(cells)) if cells[j] or read[j][1]]
                extra += [j for j in range(min(len(names), len(cells)))
                          if not names[j] and cells[j].strip()]  # fmt: skip
                if extra:
                    j = min(extra)
                    where_it_is = (
                        "which has no name in the header"
                        if j < len(names)
                        else "right of the last named column (a ragged row)"
                    )
                    raise InputError(
                        f"row {i} has a value in column {j + 1}, {where_it_is}",
                        file=where,
                        line=i,
                    )
                cells += [""] * (len(names) - len(cells))
                doubtful = {
                    names[j]: _FULL_CELL for j, text in enumerate(cells[: len(names)])
                    if names[j] and len(text) == EXCEL_CELL_MAX
                }  # fmt: skip
                named = {n: c for n, c in zip(names, cells[: len(names)], strict=True) if n}
                if not told and (sheet_hidden or i in hidden):
                    told = True
                    rows_hidden = sorted(r for r in hidden if r > 1)
                    shown = ", ".join(map(str, rows_hidden[:10])) + (
                        " ..." if len(rows_hidden) > 10 else ""
                    )
                    many = len(rows_hidden) != 1 and not sheet_hidden
                    what = (
                        "this sheet is hidden"
                        if sheet_hidden
                        else f"row{'s' * many} {shown} {'are' if many else 'is'} hidden"
                    )
                    doubtful.setdefault(names[0], _hidden_read(what, many))
                filled = [j for j in hidden_columns if cells[j].strip() or names[j] in refused]
                if not told_columns and filled:
                    told_columns = True
                    many = len(hidden_columns) > 1
                    what = (
                        "columns " + ", ".join(names[j] for j in hidden_columns) + " are hidden"
                        if many
                        else "this column is hidden"
                    )
                    doubtful.setdefault(names[filled[0]], _hidden_read(what, many))
                yield Row(title, where, i, named, refused, doubtful)
    finally:
        wb.close()


def _hidden_read(what: str, many: bool) -> str:
    return f"{what} in the workbook, and read like any other: if hiding meant deleting, delete " + (
        "them" if many else "it"
    )


EXCEL_CELL_MAX = 32_767  # characters; a spreadsheet program cuts a longer text there
_FULL_CELL = (
    "this cell holds 32,767 characters, as many as an Excel cell holds: the text was probably "
    "cut when it was pasted in; check its end against the source (a longer text goes in a "
    "folder of CSV files)"
)

_NOT_CALCULATED = (
    "this cell holds the formula {formula} but the file stores no value for it (it was "
    "written by a program that does not calculate formulas); type the value, or open and save "
    "the workbook in a spreadsheet program"
)

_WORDING_LOST = (
    "this column is not a date, and the spreadsheet program turned this cell into one, which "
    "loses what was typed (June 2017 becomes 2017-06-01, a code such as 1-3 or MAR-05 a day); "
    "format the cell as text and type it again"
)


def _day_number(cell: object) -> str | None:
    """Why a number in a date column is refused when it is a spreadsheet's count of days (a
    date cell whose format was set to General shows 43752 for 2019-10-14), else None. A
    four-digit number is a year, as typed."""
    v = getattr(cell, "value", None)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 10_000 <= v < 2_958_466:
        return None
    day = _dt.date(1899, 12, 30) + _dt.timedelta(days=int(v))
    return (
        f"this cell holds the number {v:g}, which is how a spreadsheet counts days ({day}) when "
        "a date cell's format is General; format the cell as text and type the date as YYYY, "
        "YYYY-MM or YYYY-MM-DD, at the precision the source gives"
    )


def _is_date(cell: object) -> bool:
    return isinstance(getattr(cell, "value", None), (_dt.date, _dt.time, _dt.timedelta))


def _cell_text(cell: object) -> tuple[str, str | None]:
    """A workbook cell as the text the steward meant, or ("", why) when it cannot be read.
    A date cell (a spreadsheet program turned a typed 2018-10 into a date) is read at the
    precision its number format shows: 2018, 2018-10 or 2018-10-01; when the format does not
    show it (or shows only a time), the cell is refused rather than widened to a day."""
    v = getattr(cell, "value", None)
    if v is None:
        return "", None
    if getattr(cell, "data_type", None) == "e":  # #DIV/0!, #N/A, #REF!: a formula that failed
        return "", (
            f"this cell holds the spreadsheet error {v} (a formula that could not be "
            "calculated), not a value; type the value"
        )
    fmt = str(getattr(cell, "number_format", None) or "General")
    if (
        isinstance(v, (int, float))
        and not isinstance(v, bool)
        and "%" in _FORMAT_NOISE.sub("", fmt)
    ):
        return "", (
            f"this cell holds the number {v:g}, shown as {v:.0%} by its percentage format "
            f"({fmt}); format the cell as text and type what it should say"
        )
    if isinstance(v, float) and v.is_integer():
        return str(int(v)), None
    if isinstance(v, (_dt.date, _dt.time, _dt.timedelta)):
        precision = date_precision(fmt) if isinstance(v, _dt.date) else None
        if isinstance(v, _dt.date) and precision is not None:
            if precision == "year":
                return f"{v.year:04d}", None
            if precision == "month":
                return f"{v.year:04d}-{v.month:02d}", None
            if isinstance(v, _dt.datetime) and v.time() != _dt.time() and _shows_time(fmt):
                # a date and time, as typed text gives it (2022-03-01T14:30): the column
                # keeps it where it takes a time, and refuses it where it takes a date only
                return v.isoformat(timespec="minutes" if not v.second else "seconds"), None
            return f"{v.year:04d}-{v.month:02d}-{v.day:02d}", None
        shown = v.isoformat() if isinstance(v, (_dt.date, _dt.time)) else str(v)
        shown = shown.removesuffix("T00:00:00")
        short = _short_year_precision(fmt) if isinstance(v, _dt.date) else None
        if short is not None and isinstance(v, _dt.date):
            # the format shows a precision; its year is the trouble (21: 1921 or 2021?),
            # and a program gives such a short format to whatever it took for a date
            forms = {"year": [("YYYY", 4)], "month": [("YYYY-MM", 7), ("YYYY", 4)]}
            (form, n), *rest = forms.get(short, [("YYYY-MM-DD", 10), ("YYYY-MM", 7), ("YYYY", 4)])
            unit = {4: "year", 7: "month", 10: "day"}[n]
            other = " or ".join(f for f, _ in rest)
            return "", (
                f"this cell was turned into a date ({shown}) by the spreadsheet program, and "
                f"its format {fmt!r} shows the year in two digits, so the century is the "
                "program's guess; format the cell as text and type the date at the precision "
                f"the source gives: {form} ({v.isoformat()[:n]}) if it gives the {unit}"
                + (f", else {other}" if other else "")
            )
        return "", (
            f"this cell was turned into a date or time ({shown}) by the spreadsheet program, "
            f"and its format {fmt!r} does not show whether the source gives a year, a month "
            "or a day; format the cell as text and type the date as YYYY, YYYY-MM or "
            "YYYY-MM-DD, at the precision the source gives"
        )
    return cell_text(unescape(_ooxml_unescape(str(v)))), None


_FORMAT_NOISE = re.compile(
    r'"[^"]*"'  # quoted literal text
    r"|\\."  # an escaped character
    r"|\[[^\]]*\]"  # colour, locale, condition or elapsed time: [Red] [$-409] [h]
    r"|[_*]."  # padding and fill
    r"|am/pm|a/p"  # the 12-hour marker (its m is no month)
    r"|general|e[+-]",  # the General format and exponents (their e is no year)
    re.IGNORECASE,
)


def _shows_time(number_format: str) -> bool:
    """Whether a date cell's number format shows the time of day (an h or s run)."""
    section = re.split(r';(?=(?:[^"]*"[^"]*")*[^"]*$)', number_format)[0]
    return re.search(r"[hs]", _FORMAT_NOISE.sub(" ", section).lower()) is not None


def _short_year_precision(number_format: str) -> str | None:
    """What a date format with a two-digit year (dd.mm.yy) would show with a four-digit one,
    or None when its year is not two digits (or it shows no date even so)."""
    section = re.split(r';(?=(?:[^"]*"[^"]*")*[^"]*$)', number_format)[0]
    runs = re.findall(r"y+", _FORMAT_NOISE.sub(" ", section).lower())
    if not runs or all(len(r) >= 4 for r in runs):
        return None
    return date_precision(re.sub(r"y+", "yyyy", section, flags=re.IGNORECASE))


def date_precision(number_format: str) -> str | None:
    """What a date cell's number format shows: "year" (yyyy), "month" (yyyy-mm, mmm yyyy,
    mm/yyyy ...), "day" (a full date, with or without a time) or None (it cannot tell: no
    year, no date at all, or General). m next to h or s is minutes, not a month."""
    section = number_format
    for part in re.split(r';(?=(?:[^"]*"[^"]*")*[^"]*$)', number_format):
        section = part  # the first section is the one a positive date is shown with
        break
    text = _FORMAT_NOISE.sub(" ", section).lower()
    runs = [(m.group()[0], len(m.group())) for m in re.finditer(r"y+|m+|d+|h+|s+|e+|b+", text)]
    year = month = day = False
    for i, (letter, n) in enumerate(runs):
        if letter in "yeb":  # e: the year in some locales; b: the Buddhist year
            if letter == "y" and n < 4:
                return None  # a two-digit year (mm/dd/yy) shows no precision we can trust
            year = True
        elif letter == "d":
            day = True
        elif letter == "m":
            before = runs[i - 1][0] if i else ""
            after = runs[i + 1][0] if i + 1 < len(runs) else ""
            if n >= 3 or (before != "h" and after != "s"):
                month = True
    if year and month and day:
        return "day"
    if year and month and not day:
        return "month"
    if year and not month and not day:
        return "year"
    return None


# --- conversion ---------------------------------------------------------------------------------
