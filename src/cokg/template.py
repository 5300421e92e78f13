"""The spreadsheet template: a blank workbook (or CSV folder) for stewards, and its conversion
to RDF. One job (the sheet definitions and their reader), long because every sheet is described.

A filled-in template is an .xlsx workbook (read with openpyxl in read-only mode, data only:
formulas are never evaluated, only their cached values are read) or a folder of CSV files
named after the sheets. Conversion is deterministic and builds IRIs only from cell values that
match an id pattern, percent-encoded: cokgid:case/<case-id>, cokgid:quotation/<case-id>/<Qn> ...

Files are size-checked before they are read (cokg.load.check_sizes, COKG_MAX_SUBMISSION_MB),
CSV files are read as a stream, and a conversion stops at COKG_MAX_SUBMISSION_TRIPLES triples.
Every XML member of a workbook is pre-scanned with expat before openpyxl opens it: a DTD or
entity declaration (an entity bomb) or nesting deeper than COKG_MAX_XML_DEPTH is refused,
naming the member, and the bytes actually decompressed are capped (declared sizes can lie).

Problems are reported where the steward can fix them:
- the file cannot be used at all (not UTF-8, a ragged row, an unknown sheet or column, a
  missing required column): InputError naming the file, row and column (exit 2);
- a cell holds a value that cannot be converted (an id that is not an id, an unknown phase,
  stance, role or construct prefix): a violation naming sheet, row and column, reported with
  the shape results (exit 1). Values the shapes can judge (dates, numbers, informant codes)
  are converted as typed and left to the shapes.

Dates keep their precision. CSV cells are text and stay as typed. A written workbook formats
every column as text ("@"), so a typed 2018-10 is not turned into a date; a cell a spreadsheet
program turned into a date anyway is read at the precision its number format shows (yyyy:
2018, xsd:gYear; yyyy-mm, mmm yyyy, mm/yyyy: 2018-10, xsd:gYearMonth; a full date: xsd:date)
and refused, naming sheet, column and row, when the format cannot tell (General, no year, a
time) — never widened to a day. A written workbook also offers drop-downs: the controlled
values (hidden sheet `values`) and every framework code (hidden sheet `codes`, code and label);
a column taking several values separated by ';' offers its list as a hint, refusing nothing.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import difflib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from cokg.errors import InputError
from cokg.models import ValidationResult
from cokg.namespaces import COKG, COKGID, DCTERMS, PREFIXES, RDF, RDFS, SKOS, XSD
from cokg.vocabulary import EVENT_TYPES, INNOVATION_NATURES, PHASES, ROLES, STANCES

if TYPE_CHECKING:
    from cokg.store import Store

__all__ = [
    "SHEETS",
    "Conversion",
    "Origin",
    "date_precision",
    "framework_codes",
    "is_template_folder",
    "read_template",
    "write_template",
]

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
QUOTATION_RE = re.compile(r"^Q[1-9][0-9]*$")
CODE_RE = re.compile(r"^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$")  # IRI-safe; the shape checks the form
XLSX_EXPANSION = 10  # a workbook may unpack to this many times the submission size limit
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

KINDS = {"narrative": COKG.NarrativeFinding, "cross-case": COKG.CrossCaseFinding}
CODES_SHEET = "codes"  # hidden sheets of a written workbook: the drop-down lists
VALUES_SHEET = "values"
LIST_SHEETS = (CODES_SHEET, VALUES_SHEET)  # skipped when a workbook is read
MAX_ROW = 1048576  # the last row of a worksheet: drop-downs cover every row below the header
CODE_PREFIXES = ("cfir09", "cfir22", "gdoi", "lozeau", "frame")


@dataclass(frozen=True)
class Column:
    name: str
    help: str
    required: bool = False
    allowed: tuple[str, ...] = ()
    example: str = ""
    date: bool = False  # a date column (every column is a text cell; these matter most)
    several: bool = False  # several values separated by ';' (the drop-down is only a hint)
    codes: bool = False  # framework construct codes (drop-down from the hidden sheet codes)


def _c(name: str, help: str, *, required: bool = False, allowed: tuple[str, ...] = (),
       example: str = "", date: bool = False, several: bool = False,
       codes: bool = False) -> Column:  # fmt: skip
    return Column(name, help, required, allowed, example, date, several, codes)


_DATE_HELP = "YYYY, YYYY-MM or YYYY-MM-DD, at the precision the source gives"
_EPISODE_EXAMPLES = (("2016", "2018"), ("2018", ""), ("", ""))  # (start, end) per phase
SHEETS: dict[str, tuple[str, tuple[Column, ...]]] = {
    "cases": (
        "One row per case.",
        (
            _c(
                "case_id",
                "Short id: lower-case words joined by hyphens. Part of every IRI of the case.",
                required=True,
                example="fictional-riverside",
            ),
            _c("label", "Name of the case.", required=True, example="Case 9 – Riverside Peer Café"),
            _c("case_number", "The number the study gives the case.", example="9"),
            _c(
                "innovation",
                "Name of the innovation studied.",
                required=True,
                example="Riverside Peer Café",
            ),
            _c(
                "innovation_nature",
                "Philosophy or defined programme.",
                allowed=tuple(INNOVATION_NATURES),
                example="philosophy",
            ),
            _c(
                "source_title",
                "Title of the publication or report the case comes from.",
                required=True,
                example="FICTIONAL example report",
            ),
            _c("location_text", "Location, as the source writes it.", example="Riverside"),
            _c("administration_text", "Who administers it, as the source writes it."),
            _c("served_group_text", "Who is served, as the source writes it."),
            _c("coproduction_approach", "The coproduction approach, verbatim."),
            _c(
                "coproduction_start_year",
                "Year coproduction started (YYYY).",
                example="2018",
                date=True,
            ),
            _c(
                "interviews_from",
                "Year-month of the first interview (YYYY-MM).",
                example="2020-02",
                date=True,
            ),
            _c(
                "interviews_to",
                "Year-month of the last interview (YYYY-MM).",
                example="2021-05",
                date=True,
            ),
            _c("informant_interviews", "Number of informant interviews.", example="2"),
            _c("documents_reviewed", "Number of documents reviewed.", example="3"),
            # <phase>_start and <phase>_end for every phase, in phase order
            *(
                _c(
                    f"{phase}_{edge}",
                    f"{edge.capitalize()} of {phase}: {_DATE_HELP}.",
                    example=example,
                    date=True,
                )
                for phase, examples in zip(PHASES, _EPISODE_EXAMPLES, strict=True)
                for edge, example in zip(("start", "end"), examples, strict=True)
            ),
        ),
    ),
    "events": (
        "One row per timeline event.",
        (
            _c("case_id", "The case (its case_id).", required=True),
            _c(
                "event_id",
                "Short id of the event, unique in the case (lower-case-with-hyphens).",
                required=True,
                example="cafe-opening",
            ),
            _c("label", "Name of the event.", required=True),
            _c("date", f"Date: {_DATE_HELP}.", example="2018-06", date=True),
            _c("date_text", "The date as the source words it.", example="June 2018", date=True),
            _c(
                "phase",
                "Phase the event belongs to (blank for historical context).",
                allowed=tuple(PHASES),
            ),
            _c("event_type", "Kind of event.", allowed=tuple(EVENT_TYPES)),
            _c("description", "What happened."),
            _c("involves", "Organisations involved: org_id values separated by ';'."),
            _c("section", "Where in the source it is reported."),
        ),
    ),
    "organisations": (
        "One row per organisation (never people).",
        (
            _c("org_id", "Short id (lower-case-with-hyphens).", required=True),
            _c("label", "Name of the organisation.", required=True),
            _c("acronym", "Acronym or other name."),
            _c("organisation_type", "What kind of organisation."),
            _c("based_in", "Place id of an existing place (e.g. dundee), if known."),
        ),
    ),
    "roles": (
        "One row per role an organisation plays in a case.",
        (
            _c("case_id", "The case (its case_id).", required=True),
            _c("org_id", "The organisation (its org_id).", required=True),
            _c("role", "The role.", required=True, allowed=tuple(ROLES)),
            _c(
                "phases",
                "Phases during which it held the role, separated by ';'. The drop-down offers "
                "one phase; type several separated by ';' (it does not refuse them).",
                allowed=tuple(PHASES),
                several=True,
            ),
            _c("description", "What the organisation did in this role."),
        ),
    ),
    "findings": (
        "One row per finding (a coded statement).",
        (
            _c("case_id", "The case (its case_id).", required=True),
            _c(
                "finding_id",
                "Short id, unique in the case (lower-case-with-hyphens).",
                required=True,
            ),
            _c("statement", "The finding, verbatim or closely paraphrased.", required=True),
            _c("phase", "Phase of the finding.", required=True, allowed=tuple(PHASES)),
            _c(
                "codes",
                "Constructs, prefixed and separated by ';' (cfir09:, cfir22:, gdoi:, "
                "lozeau:, frame:). The drop-down offers every code (hidden sheet codes: code "
                "and label; or run cokg constructs TEXT); it is a hint only, so several codes "
                "separated by ';' are accepted.",
                required=True,
                example="frame:process; cfir22:II.D",
                several=True,
                codes=True,
            ),
            _c("stance", "Stance, where the source gives one.", allowed=tuple(STANCES)),
            _c(
                "kind",
                "narrative (stated in the text) or cross-case (a table bullet).",
                allowed=tuple(KINDS),
                example="narrative",
            ),
            _c("table", "Table of the source, e.g. Table 6."),
            _c("table_row", "Row of that table."),
            _c("table_column", "Column of that table."),
            _c(
                "section",
                "Section of the source. Required for a narrative finding unless table is given "
                "(a narrative finding must say where in the source it is).",
            ),
            _c(
                "position",
                "Position of the bullet in its table cell (1, 2, ...). Required for a "
                "cross-case finding.",
            ),
        ),
    ),
    "quotations": (
        "One row per quotation.",
        (
            _c("case_id", "The case (its case_id).", required=True),
            _c("quotation_id", "Q1, Q2, ... numbered per case.", required=True, example="Q1"),
            _c(
                "informant_code",
                "The informant's code as printed in the study (ABC-01 or ABC-XY-01).",
                required=True,
                example="RVS-01",
            ),
            _c("text", "The quotation, verbatim.", required=True),
            _c(
                "supports",
                "Findings it supports: finding_id values separated by ';'.",
                required=True,
            ),
            _c("phase", "Phase of the section it appears in.", allowed=tuple(PHASES)),
            _c("section", "Where in the source it appears.", required=True),
        ),
    ),
    "documents": (
        "One row per document used as evidence.",
        (
            _c("case_id", "The case (its case_id).", required=True),
            _c(
                "document_id",
                "Short id, unique in the case (lower-case-with-hyphens).",
                required=True,
            ),
            _c("title", "Title of the document.", required=True),
            _c("kind", "grey literature or academic literature."),
            _c("supports", "Findings it supports: finding_id values separated by ';'."),
        ),
    ),
}


@dataclass(frozen=True)
class Origin:
    """Where a record came from: a file, and for spreadsheets the sheet row and columns."""

    file: str
    row: int | None = None
    label: str | None = None  # e.g. "quotation Q7 of case dundee-mrr"
    columns: Mapping[str, str] = field(default_factory=dict)  # predicate IRI -> column name


@dataclass
class Conversion:
    """RDF made from a template, where each record came from, and cell-level problems."""

    files: tuple[Path, ...]
    graph: Graph
    origins: dict[Node, Origin] = field(default_factory=dict)
    problems: list[ValidationResult] = field(default_factory=list)  # cell-level violations


# --- writing the blank template ------------------------------------------------------------


def _guard(text: str) -> str:
    """Spreadsheet programs run cells starting with = + - @ as formulas: quote them."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _readme_rows() -> list[list[str]]:
    rows = [
        ["cokg submission template"],
        ["Fill in one sheet per kind of record; leave a sheet empty when you have nothing for it."],
        ["Row 1 of every sheet holds the column names: do not change them."],
        [
            "Ids (case_id, event_id, finding_id, org_id, document_id) are lower-case words joined "
            "by hyphens, e.g. riverside-cafe."
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
        ["Never write names of people: informants are known only by their codes."],
        ["Check your work with: cokg validate <this file>"],
        [],
        ["sheet", "column", "required", "allowed values", "meaning", "example"],
    ]
    for sheet, (_, cols) in SHEETS.items():
        for col in cols:
            rows.append([sheet, col.name, "yes" if col.required else "",
                         " | ".join(col.allowed), col.help, col.example])  # fmt: skip
    rows.append([])
    rows.append(["construct prefixes", ", ".join(f"{p}: {PREFIXES[p]}" for p in CODE_PREFIXES)])
    return [[_guard(c) for c in r] for r in rows]


def framework_codes(store: Store | str | Path | None = None) -> list[tuple[str, str]]:
    """(code, label) of every framework concept, in the order of `cokg constructs`: from
    `store` when given (framework additions included), else from the framework files under
    ontology/frameworks/, loaded with the project's loader into a memory store, so the codes
    come from the same saved query (`constructs`) either way and no project store is needed."""
    from cokg.constructs import find_constructs

    if store is not None:
        return [(c.code, c.label) for c in find_constructs(store=store)]
    from cokg import paths
    from cokg.namespaces import graph_iri
    from cokg.store import MemoryStore

    files = {
        graph_iri(f"framework/{f.stem}"): f for f in sorted(paths.FRAMEWORKS_DIR.glob("*.ttl"))
    }
    if not files:
        raise InputError("no framework files (*.ttl)", file=paths.FRAMEWORKS_DIR)
    mem = MemoryStore()
    try:
        mem.load_files(files)
        return [(c.code, c.label) for c in find_constructs(store=mem)]
    finally:
        mem.close()


def _lists(
    codes: list[tuple[str, str]],
) -> tuple[dict[tuple[str, ...], str], str, list[list[str]]]:
    """The drop-down sources: {allowed values: range formula}, the codes' range formula, and
    the columns of the hidden sheet `values` (one per value set: its name, then its values)."""
    from openpyxl.utils import get_column_letter, quote_sheetname

    formulas: dict[tuple[str, ...], str] = {}
    columns: list[list[str]] = []
    for _, cols in SHEETS.values():
        for col in cols:
            if col.allowed and col.allowed not in formulas:
                letter = get_column_letter(len(columns) + 1)
                formulas[col.allowed] = (
                    f"{quote_sheetname(VALUES_SHEET)}!${letter}$2:${letter}${len(col.allowed) + 1}"
                )
                columns.append([col.name, *col.allowed])
    codes_formula = f"{quote_sheetname(CODES_SHEET)}!$A$2:$A${len(codes) + 1}"
    return formulas, codes_formula, columns


def _write_workbook(out: Path, store: Store | str | Path | None) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    codes = framework_codes(store)
    formulas, codes_formula, value_columns = _lists(codes)
    wb = Workbook()
    ws = wb.active
    ws.title = "README"
    for r in _readme_rows():
        ws.append(r)
    for sheet, (_, cols) in SHEETS.items():
        ws = wb.create_sheet(sheet)
        ws.append([c.name for c in cols])
        for i, col in enumerate(cols, start=1):
            letter = get_column_letter(i)
            # Text cells: a typed 2018-10 (or an id such as mar-05) is not turned into a date.
            ws.column_dimensions[letter].number_format = "@"
            source = codes_formula if col.codes else formulas.get(col.allowed)
            if source is None:
                continue
            dv = DataValidation(type="list", formula1=source, allow_blank=True)
            if col.several:
                # A list validation cannot accept "a; b": the list is offered, nothing refused.
                dv.showErrorMessage = False
                dv.showInputMessage = True
                dv.promptTitle = col.name
                dv.prompt = "Pick one, or type several separated by ';'."[:255]
            else:
                dv.showErrorMessage = True
                dv.errorTitle = col.name
                dv.error = ("One of: " + ", ".join(col.allowed))[:255]
            dv.add(f"{letter}2:{letter}{MAX_ROW}")
            ws.add_data_validation(dv)
    ws = wb.create_sheet(CODES_SHEET)
    ws.append(["code", "label"])
    for code, label in codes:
        ws.append([_guard(code), _guard(label)])
    ws.sheet_state = "hidden"
    ws = wb.create_sheet(VALUES_SHEET)
    for j, values in enumerate(value_columns, start=1):
        for i, v in enumerate(values, start=1):
            ws.cell(row=i, column=j, value=_guard(v))
    ws.sheet_state = "hidden"
    tmp = out.with_name(out.name + ".part")
    wb.save(tmp)
    tmp.replace(out)


def write_template(out: str | Path, *, store: Store | str | Path | None = None) -> list[Path]:
    """Write a blank template: OUT.xlsx -> a workbook; any other OUT -> a folder of CSV files
    (created; must be empty if it exists). Returns the files written. A workbook's columns are
    text cells, with drop-downs for controlled values and construct codes (the codes from
    `store` when given, else from the framework files: see framework_codes)."""
    out = Path(out)
    if out.suffix.lower() == ".xlsx":
        if out.exists():
            raise InputError("already exists; choose a new file name", file=out)
        _write_workbook(out, store)
        return [out]
    if out.suffix:
        raise InputError("give a name ending in .xlsx for a workbook, or a folder name", file=out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError("already exists and is not an empty folder", file=out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    readme = out / "README.csv"
    _write_csv(readme, _readme_rows())
    written.append(readme)
    for sheet, (_, cols) in SHEETS.items():
        f = out / f"{sheet}.csv"
        _write_csv(f, [[c.name for c in cols]])
        written.append(f)
    return written


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    width = max((len(r) for r in rows), default=0)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        for r in rows:
            w.writerow(r + [""] * (width - len(r)))


# --- reading ------------------------------------------------------------------------------------


def is_template_folder(folder: Path) -> bool:
    """A folder holding at least one CSV file named after a template sheet."""
    return any((folder / f"{s}.csv").is_file() for s in SHEETS)


@dataclass
class _Row:
    sheet: str
    file: str  # what to call it in messages: "quotations.csv" or "book.xlsx, sheet quotations"
    row: int
    cells: dict[str, str]
    refused: dict[str, str] = field(default_factory=dict)  # column -> why its cell was not read


def read_template(
    path: str | Path,
    *,
    max_triples: int | None = None,
    progress: Callable[..., None] | None = None,
) -> Conversion:
    """Convert a filled-in template (workbook or CSV folder) to RDF. Refuses files over the
    submission size limit before reading them, and a conversion of more than `max_triples`
    triples (default: cokg.load.max_submission_triples())."""
    from cokg import load

    path = Path(path)
    if path.is_dir():
        files = _csv_files(path)
        load.check_sizes(files)
        rows: Iterable[_Row] = _read_csv_files(path, files)
    else:
        files = [path]
        load.check_sizes(files)
        rows = _read_xlsx(path)
    limit = max_triples if max_triples is not None else load.max_submission_triples()
    conv = _Converter(limit, path)
    for n, r in enumerate(rows, start=1):
        conv.convert(r)
        if progress is not None and n % 5000 == 0:
            progress(f"converting {path.name}: row {n:,}")
    if not len(conv.graph) and not conv.problems:
        raise InputError("the template holds no records (every sheet is empty)", file=path)
    return Conversion(tuple(files), conv.graph, conv.origins, conv.problems)


def _check_header(header: list[str], sheet: str, where: str) -> list[str]:
    cols = {c.name for c in SHEETS[sheet][1]}
    names = [h.strip() for h in header]
    for i, h in enumerate(names):
        if h not in cols:
            raise InputError(
                f"unknown column {h!r} (column {i + 1}); the {sheet} columns are: "
                + ", ".join(c.name for c in SHEETS[sheet][1]),
                file=where,
                line=1,
            )
    if len(set(names)) != len(names):
        raise InputError("a column name appears twice in the header", file=where, line=1)
    missing = [c.name for c in SHEETS[sheet][1] if c.required and c.name not in names]
    if missing:
        raise InputError(f"required column(s) missing: {', '.join(missing)}", file=where, line=1)
    return names


def _csv_files(folder: Path) -> list[Path]:
    known = {f"{s}.csv" for s in SHEETS} | {"README.csv"}
    for f in sorted(folder.glob("*.csv")):
        if f.name not in known:
            raise InputError(
                "not a template sheet; the CSV files are " + ", ".join(sorted(known)), file=f
            )
    return [folder / f"{sheet}.csv" for sheet in SHEETS if (folder / f"{sheet}.csv").is_file()]


def _read_csv_files(folder: Path, files: list[Path]) -> Iterator[_Row]:
    for f in files:
        yield from _read_csv(f, f.stem)


def _check_text_file(f: Path) -> None:
    """Refuse NUL bytes and text that is not UTF-8, naming the line, reading in blocks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with f.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            if b"\x00" in block:
                raise InputError("not a text file (NUL bytes)", file=f)
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                at = max(exc.start - len(exc.object) + len(block), 0)
                raise InputError(
                    f"not UTF-8: byte 0x{block[at]:02x} (save the file as CSV UTF-8)",
                    file=f,
                    line=line + block[:at].count(b"\n"),
                ) from None
            line += block.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise InputError(
                "not UTF-8: the file ends inside a character (save the file as CSV UTF-8)",
                file=f,
                line=line,
            ) from None


def _read_csv(f: Path, sheet: str) -> Iterator[_Row]:
    _check_text_file(f)
    # Read as a stream: a big CSV file is never held whole in memory.
    with f.open(encoding="utf-8-sig", newline="") as fh:  # strict UTF-8, BOM allowed
        reader = csv.reader(fh, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                return
            names = _check_header(header, sheet, f.name)
            for record in reader:
                row = reader.line_num
                if not any(c.strip() for c in record):
                    continue
                if len(record) != len(names):
                    raise InputError(
                        f"row {row} has {len(record)} cells but the header has {len(names)} "
                        "(a ragged row: check for a stray comma or a missing quote)",
                        file=f.name,
                        line=row,
                    )
                yield _Row(sheet, f.name, row, dict(zip(names, record, strict=True)))
        except csv.Error as exc:
            raise InputError(f"malformed CSV: {exc}", file=f.name, line=reader.line_num) from None


def _scan_xlsx(f: Path) -> None:
    """Pre-scan every XML member of a workbook (see the module docstring)."""
    import zipfile

    from cokg import load

    budget = XLSX_EXPANSION * load.max_submission_bytes()
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

                    if info.filename.lower().endswith((".xml", ".rels", ".vml")):
                        load.scan_xml(chunks(), f, member=info.filename)
                    else:
                        for _ in chunks():  # count what it unpacks to
                            pass
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise InputError(
            f"not a readable .xlsx workbook ({exc.__class__.__name__})", file=f
        ) from None


def _read_xlsx(f: Path) -> Iterator[_Row]:
    if f.suffix.lower() != ".xlsx":
        raise InputError("a template is an .xlsx workbook or a folder of CSV files", file=f)
    from openpyxl import load_workbook

    _scan_xlsx(f)
    try:
        wb = load_workbook(f, read_only=True, data_only=True)
    except InputError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise InputError(
            f"not a readable .xlsx workbook ({exc.__class__.__name__})", file=f
        ) from None
    try:
        for ws in wb.worksheets:
            title = ws.title.strip()
            if title == "README" or title in LIST_SHEETS:  # instructions, drop-down lists
                continue
            if title not in SHEETS:
                raise InputError(
                    f"unknown sheet {title!r}; the sheets are README, " + ", ".join(SHEETS),
                    file=f,
                )
            where = f"{f.name}, sheet {title}"
            it = ws.iter_rows()  # cells, not values: a date cell's format tells its precision
            header = next(it, None)
            if header is None:
                continue
            header_cells = [_cell_text(c)[0] for c in header]
            while header_cells and not header_cells[-1]:
                header_cells.pop()
            names = _check_header(header_cells, title, where)
            for i, row in enumerate(it, start=2):
                read = [_cell_text(c) for c in row]
                cells = [text for text, _ in read]
                refused = {names[j]: why for j, (_, why) in enumerate(read)
                           if why and j < len(names)}  # fmt: skip
                if not any(cells) and not refused:
                    continue
                extra = [j for j in range(len(names), len(cells)) if cells[j] or read[j][1]]
                if extra:
                    raise InputError(
                        f"row {i} has a value in column {extra[0] + 1}, right of the last "
                        "named column (a ragged row)",
                        file=where,
                        line=i,
                    )
                cells += [""] * (len(names) - len(cells))
                yield _Row(
                    title, where, i, dict(zip(names, cells[: len(names)], strict=True)), refused
                )
    finally:
        wb.close()


def _cell_text(cell: object) -> tuple[str, str | None]:
    """A workbook cell as the text the steward meant, or ("", why) when it cannot be read.
    A date cell (a spreadsheet program turned a typed 2018-10 into a date) is read at the
    precision its number format shows: 2018, 2018-10 or 2018-10-01; when the format does not
    show it (or shows only a time), the cell is refused rather than widened to a day."""
    v = getattr(cell, "value", None)
    if v is None:
        return "", None
    if isinstance(v, float) and v.is_integer():
        return str(int(v)), None
    if isinstance(v, (_dt.date, _dt.time, _dt.timedelta)):
        fmt = str(getattr(cell, "number_format", None) or "General")
        precision = date_precision(fmt) if isinstance(v, _dt.date) else None
        if isinstance(v, _dt.date) and precision is not None:
            if precision == "year":
                return f"{v.year:04d}", None
            if precision == "month":
                return f"{v.year:04d}-{v.month:02d}", None
            return f"{v.year:04d}-{v.month:02d}-{v.day:02d}", None
        shown = v.isoformat() if isinstance(v, (_dt.date, _dt.time)) else str(v)
        shown = shown.removesuffix("T00:00:00")
        return "", (
            f"this cell was turned into a date or time ({shown}) by the spreadsheet program, "
            f"and its format {fmt!r} does not show whether the source gives a year, a month "
            "or a day; format the cell as text and type the date as YYYY, YYYY-MM or "
            "YYYY-MM-DD, at the precision the source gives"
        )
    return str(v), None


_FORMAT_NOISE = re.compile(
    r'"[^"]*"'  # quoted literal text
    r"|\\."  # an escaped character
    r"|\[[^\]]*\]"  # colour, locale, condition or elapsed time: [Red] [$-409] [h]
    r"|[_*]."  # padding and fill
    r"|am/pm|a/p"  # the 12-hour marker (its m is no month)
    r"|general|e[+-]",  # the General format and exponents (their e is no year)
    re.IGNORECASE,
)


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


def _iri(*parts: str) -> URIRef:
    return COKGID["/".join(quote(p, safe="-") for p in parts)]


def _date(text: str) -> Literal:
    """A date literal typed by its form; anything else is typed xsd:gYear so the shapes'
    lexical check reports it ("twenty" is not a year)."""
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return Literal(text, datatype=XSD.date)
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}", text):
        return Literal(text, datatype=XSD.gYearMonth)
    return Literal(text, datatype=XSD.gYear)


def _norm_id(text: str, pattern: re.Pattern = SLUG_RE) -> str:
    """An id as stored: slugs in lower case, quotation ids in upper case ("q1" -> "Q1")."""
    v = text.strip()
    return v.upper() if pattern is QUOTATION_RE else v.lower()


# sheet -> (id columns, IRI kind, label) of the record a row describes
_ROW_RECORDS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "cases": (("case_id",), "case", "case {0}"),
    "events": (("case_id", "event_id"), "event", "event {1} of case {0}"),
    "organisations": (("org_id",), "org", "organisation {0}"),
    "roles": (("case_id", "org_id"), "", "role of organisation {1} in case {0}"),
    "findings": (("case_id", "finding_id"), "finding", "finding {1} of case {0}"),
    "quotations": (("case_id", "quotation_id"), "quotation", "quotation {1} of case {0}"),
    "documents": (("case_id", "document_id"), "document", "document {1} of case {0}"),
}


def _row_record(r: _Row) -> tuple[URIRef | None, str]:
    """The record a row describes, as its IRI (None when that needs more than ids) and its
    name ("finding peer-hosts of case fictional-riverside"), from the row's id cells."""
    cols, kind, label = _ROW_RECORDS.get(r.sheet, ((), "", ""))
    ids = [
        _norm_id(r.cells.get(c, ""), QUOTATION_RE if c == "quotation_id" else SLUG_RE) for c in cols
    ]
    if not cols or not any(ids):
        return None, f"{r.sheet} row"
    if not all(ids):
        shown = [i or f"(no {c})" for c, i in zip(cols, ids, strict=True)]
        return None, label.format(*shown)
    ok = all(
        (QUOTATION_RE if c == "quotation_id" else SLUG_RE).fullmatch(i)
        for c, i in zip(cols, ids, strict=True)
    )
    return (_iri(kind, *ids) if kind and ok else None), label.format(*ids)


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(";") if p.strip()]


class _Converter:
    def __init__(self, max_triples: int | None = None, source: Path | None = None) -> None:
        self.max_triples = max_triples
        self.source = source
        self.graph = Graph()
        self.origins: dict[Node, Origin] = {}
        self.problems: list[ValidationResult] = []

    # helpers

    def problem(self, r: _Row, column: str, message: str) -> None:
        record, label = _row_record(r)
        self.problems.append(
            ValidationResult(
                severity="violation",
                focus_node=record if record is not None else Literal(f"{r.file} row {r.row}"),
                path=None,
                constraint_component=None,
                source_shape=None,
                message=message,
                record_label=label,
                file=r.file,
                row=r.row,
                column=column,
            )
        )

    def origin(self, node: Node, r: _Row, label: str, columns: dict) -> None:
        if node not in self.origins:
            self.origins[node] = Origin(
                file=r.file, row=r.row, label=label, columns={str(k): v for k, v in columns.items()}
            )

    def ident(self, r: _Row, column: str, pattern: re.Pattern = SLUG_RE) -> str | None:
        v = _norm_id(r.cells.get(column, ""), pattern)  # ids differing only by case are one
        if not v:
            self.problem(r, column, f"{column} is required")
            return None
        if not pattern.fullmatch(v):
            hint = (
                "Q1, Q2, ..." if pattern is QUOTATION_RE else "lower-case words joined by hyphens"
            )
            raw = r.cells.get(column, "").strip()
            self.problem(r, column, f"{column} {raw!r} is not an id of the form {hint}")
            return None
        return v

    def choice(self, r: _Row, column: str, table: dict[str, URIRef]) -> list[URIRef] | None:
        out = []
        for v in _split(r.cells.get(column, "")):
            key = v.strip().lower().replace(" ", "-").replace("_", "-")
            if key not in table:
                close = difflib.get_close_matches(key, list(table), n=1, cutoff=0.6)
                hint = f" — did you mean {close[0]!r}?" if close else ""
                self.problem(r, column, f"{v!r} is not one of: {', '.join(table)}{hint}")
                return None
            out.append(table[key])
        return out

    def add(self, s: Node, p: Node, o: Node) -> None:
        self.graph.add((s, p, o))
        if self.max_triples is not None and len(self.graph) > self.max_triples:
            from cokg.load import ENV_MAX_TRIPLES

            raise InputError(
                f"more than {self.max_triples:,} triples; split the submission (one case per "
                f"template) or raise {ENV_MAX_TRIPLES}",
                file=self.source,
            )

    def text(self, s: Node, p: Node, r: _Row, column: str) -> None:
        v = r.cells.get(column, "").strip()
        if v:
            self.add(s, p, Literal(v))

    def typed(self, s: Node, p: Node, r: _Row, column: str, dt: URIRef) -> None:
        v = r.cells.get(column, "").strip()
        if v:
            self.add(s, p, Literal(v, datatype=dt))

    def required_text(self, r: _Row, column: str) -> bool:
        if not r.cells.get(column, "").strip():
            self.problem(r, column, f"{column} is required")
            return False
        return True

    def location(self, node: URIRef, r: _Row, case_id: str, key: str, cols: dict) -> None:
        """A SourceLocation for the record, when the row says where in the source it is."""
        given = {c: r.cells.get(c, "").strip() for c in cols}
        if not any(given.values()):
            return
        loc = _iri("source", case_id, key)
        self.add(loc, RDF.type, COKG.SourceLocation)
        self.add(loc, COKG.inSource, _iri("source", case_id))
        for c, p in cols.items():
            if given[c]:
                self.add(loc, p, Literal(given[c]))
        self.add(node, COKG.locatedIn, loc)
        self.origin(loc, r, f"{r.sheet} row", {p: c for c, p in cols.items()})

    # sheets

    def convert(self, r: _Row) -> None:
        for column, why in r.refused.items():  # a cell that could not be read is left blank
            self.problem(r, column, why)
        getattr(self, f"_{r.sheet}")(r)

    def _cases(self, r: _Row) -> None:
        cid = self.ident(r, "case_id")
        ok = all([self.required_text(r, c) for c in ("label", "innovation", "source_title")])
        if cid is None or not ok:
            return
        case = _iri("case", cid)
        self.add(case, RDF.type, COKG.Case)
        self.add(case, COKG.caseId, Literal(cid))
        self.text(case, RDFS.label, r, "label")
        self.typed(case, COKG.caseNumber, r, "case_number", XSD.integer)
        for col, p in (("location_text", COKG.locationText),
                       ("administration_text", COKG.administrationText),
                       ("served_group_text", COKG.servedGroupText),
                       ("coproduction_approach", COKG.coproductionApproach)):  # fmt: skip
            self.text(case, p, r, col)
        self.typed(case, COKG.coproductionStartYear, r, "coproduction_start_year", XSD.gYear)
        self.typed(case, COKG.interviewsFrom, r, "interviews_from", XSD.gYearMonth)
        self.typed(case, COKG.interviewsTo, r, "interviews_to", XSD.gYearMonth)
        self.typed(case, COKG.informantInterviewCount, r, "informant_interviews",
                   XSD.nonNegativeInteger)  # fmt: skip
        self.typed(case, COKG.documentsReviewedCount, r, "documents_reviewed",
                   XSD.nonNegativeInteger)  # fmt: skip
        label = f"case {cid}"
        self.origin(case, r, label, {
            RDFS.label: "label", COKG.caseId: "case_id", COKG.caseNumber: "case_number",
            COKG.coproductionStartYear: "coproduction_start_year",
            COKG.interviewsFrom: "interviews_from", COKG.interviewsTo: "interviews_to",
            COKG.informantInterviewCount: "informant_interviews",
            COKG.documentsReviewedCount: "documents_reviewed",
            COKG.studiesInnovation: "innovation",
        })  # fmt: skip
        inno = _iri("innovation", cid)
        self.add(case, COKG.studiesInnovation, inno)
        self.add(inno, RDF.type, COKG.Innovation)
        self.text(inno, RDFS.label, r, "innovation")
        nature = self.choice(r, "innovation_nature", INNOVATION_NATURES)
        for n in nature or []:
            self.add(inno, COKG.innovationNature, n)
        self.origin(inno, r, f"innovation of case {cid}",
                    {RDFS.label: "innovation",
                     COKG.innovationNature: "innovation_nature"})  # fmt: skip
        src = _iri("source", cid)
        self.add(src, RDF.type, COKG.SourceDocument)
        self.text(src, DCTERMS.title, r, "source_title")
        self.origin(src, r, f"source of case {cid}", {DCTERMS.title: "source_title"})
        for name, phase in PHASES.items():
            start = r.cells.get(f"{name}_start", "").strip()
            end = r.cells.get(f"{name}_end", "").strip()
            if not (start or end):
                continue
            ep = _iri("episode", cid, name)
            self.add(ep, RDF.type, COKG.PhaseEpisode)
            self.add(ep, COKG.ofPhase, phase)
            self.add(ep, COKG.inCase, case)
            if start:
                self.add(ep, COKG.startDate, _date(start))
            if end:
                self.add(ep, COKG.endDate, _date(end))
            self.origin(ep, r, f"{name} of case {cid}",
                        {COKG.startDate: f"{name}_start", COKG.endDate: f"{name}_end"})  # fmt: skip

    def _events(self, r: _Row) -> None:
        cid, eid = self.ident(r, "case_id"), self.ident(r, "event_id")
        phase = self.choice(r, "phase", PHASES)
        etype = self.choice(r, "event_type", EVENT_TYPES)
        if cid is None or eid is None or phase is None or etype is None:
            return
        self.required_text(r, "label")
        ev = _iri("event", cid, eid)
        self.add(ev, RDF.type, COKG.Event)
        self.add(ev, COKG.inCase, _iri("case", cid))
        self.text(ev, RDFS.label, r, "label")
        if r.cells.get("date", "").strip():
            self.add(ev, COKG.date, _date(r.cells["date"].strip()))
        self.text(ev, COKG.dateText, r, "date_text")
        self.text(ev, COKG.description, r, "description")
        for p in phase:
            self.add(ev, COKG.duringPhase, p)
        for t in etype:
            self.add(ev, COKG.eventType, t)
        for org in map(str.lower, _split(r.cells.get("involves", ""))):
            if not SLUG_RE.fullmatch(org):
                self.problem(r, "involves", f"{org!r} is not an org_id (lower-case-with-hyphens)")
                continue
            self.add(ev, COKG.involves, _iri("org", org))
        self.origin(ev, r, f"event {eid} of case {cid}", {
            RDFS.label: "label", COKG.date: "date", COKG.duringPhase: "phase",
            COKG.eventType: "event_type", COKG.involves: "involves", COKG.inCase: "case_id",
        })  # fmt: skip
        self.location(ev, r, cid, f"event-{eid}", {"section": COKG.section})

    def _organisations(self, r: _Row) -> None:
        oid = self.ident(r, "org_id")
        if oid is None or not self.required_text(r, "label"):
            return
        org = _iri("org", oid)
        self.add(org, RDF.type, COKG.Organisation)
        self.text(org, RDFS.label, r, "label")
        self.text(org, SKOS.altLabel, r, "acronym")
        self.text(org, COKG.organisationType, r, "organisation_type")
        place = r.cells.get("based_in", "").strip()
        if place:
            if SLUG_RE.fullmatch(place):
                self.add(org, COKG.basedIn, _iri("place", place))
            else:
                self.problem(
                    r, "based_in", f"{place!r} is not a place id (lower-case-with-hyphens)"
                )
        self.origin(org, r, f"organisation {oid}", {RDFS.label: "label", COKG.basedIn: "based_in"})

    def _roles(self, r: _Row) -> None:
        cid, oid = self.ident(r, "case_id"), self.ident(r, "org_id")
        role = self.choice(r, "role", ROLES)
        phases = self.choice(r, "phases", PHASES)
        if cid is None or oid is None or not role or phases is None:
            if role == []:
                self.problem(r, "role", "role is required")
            return
        notation = next(k for k, v in ROLES.items() if v == role[0])
        ra = _iri("role", cid, f"{oid}-{notation}")
        self.add(ra, RDF.type, COKG.RoleAssignment)
        self.add(ra, COKG.roleHolder, _iri("org", oid))
        self.add(ra, COKG.role, role[0])
        self.add(ra, COKG.inCase, _iri("case", cid))
        for p in phases:
            self.add(ra, COKG.duringPhase, p)
        self.text(ra, COKG.description, r, "description")
        self.origin(ra, r, f"role {notation} of {oid} in case {cid}",
                    {COKG.roleHolder: "org_id", COKG.role: "role", COKG.inCase: "case_id",
                     COKG.duringPhase: "phases"})  # fmt: skip

    def _findings(self, r: _Row) -> None:
        cid, fid = self.ident(r, "case_id"), self.ident(r, "finding_id")
        phase = self.choice(r, "phase", PHASES)
        stance = self.choice(r, "stance", STANCES)
        kind = self.choice(r, "kind", KINDS)
        codes = self.codes(r)
        if None in (cid, fid, phase, stance, kind, codes):
            return
        self.required_text(r, "statement")
        f = _iri("finding", cid, fid)  # type: ignore[arg-type]
        self.add(f, RDF.type, (kind or [COKG.NarrativeFinding])[0])
        self.text(f, COKG.statement, r, "statement")
        self.add(f, COKG.aboutCase, _iri("case", cid))  # type: ignore[arg-type]
        for p in phase or []:
            self.add(f, COKG.inPhase, p)
        for s in stance or []:
            self.add(f, COKG.stance, s)
        for c in codes or []:
            self.add(f, COKG.codedTo, c)
        self.typed(f, COKG.position, r, "position", XSD.positiveInteger)
        self.origin(f, r, f"finding {fid} of case {cid}", {
            COKG.statement: "statement", COKG.inPhase: "phase", COKG.codedTo: "codes",
            COKG.stance: "stance", COKG.position: "position", COKG.aboutCase: "case_id",
            COKG.locatedIn: "section",
        })  # fmt: skip
        self.location(f, r, cid, f"finding-{fid}", {  # type: ignore[arg-type]
            "table": COKG.table, "table_row": COKG.tableRow, "table_column": COKG.tableColumn,
            "section": COKG.section,
        })  # fmt: skip

    def codes(self, r: _Row) -> list[URIRef] | None:
        out = []
        for code in _split(r.cells.get("codes", "")):
            prefix, sep, local = code.partition(":")
            prefix = prefix.strip().lower()
            local = local.strip()
            if (
                not sep
                or prefix not in CODE_PREFIXES
                or not re.fullmatch(r"[A-Za-z0-9.\-]+", local)
            ):
                self.problem(
                    r, "codes",
                    f"{code!r} is not a construct code such as cfir22:II.D or frame:process "
                    f"(prefixes: {', '.join(CODE_PREFIXES)})",
                )  # fmt: skip
                return None
            out.append(URIRef(PREFIXES[prefix] + local))
        return out

    def _quotations(self, r: _Row) -> None:
        cid, qid = self.ident(r, "case_id"), self.ident(r, "quotation_id", QUOTATION_RE)
        code = r.cells.get("informant_code", "").strip().upper()  # rvs-01 is RVS-01
        phase = self.choice(r, "phase", PHASES)
        if cid is None or qid is None or phase is None:
            return
        self.required_text(r, "text")
        q = _iri("quotation", cid, qid)
        label = f"quotation {qid} of case {cid}"
        self.add(q, RDF.type, COKG.Quotation)
        self.add(q, COKG.quotationId, Literal(qid))
        self.text(q, COKG.text, r, "text")
        self.add(q, COKG.aboutCase, _iri("case", cid))
        for p in phase:
            self.add(q, COKG.inPhase, p)
        for fid in map(str.lower, _split(r.cells.get("supports", ""))):
            if SLUG_RE.fullmatch(fid):
                self.add(q, COKG.supports, _iri("finding", cid, fid))
            else:
                self.problem(
                    r, "supports", f"{fid!r} is not a finding_id (lower-case-with-hyphens)"
                )
        if not code:
            self.problem(r, "informant_code", "informant_code is required")
        elif not CODE_RE.fullmatch(code):
            self.problem(r, "informant_code",
                         f"informant code {code!r} is not of the form ABC-01 — use the "
                         "informant's code as printed in the study")  # fmt: skip
        else:
            inf = _iri("informant", code)
            self.add(q, COKG.quotedInformant, inf)
            self.add(inf, RDF.type, COKG.Informant)
            self.add(inf, COKG.informantCode, Literal(code))
            self.add(inf, COKG.informantOf, _iri("case", cid))
            self.origin(inf, r, label, {COKG.informantCode: "informant_code",
                                        COKG.informantOf: "case_id"})  # fmt: skip
        self.origin(q, r, label, {
            COKG.text: "text", COKG.quotationId: "quotation_id", COKG.supports: "supports",
            COKG.quotedInformant: "informant_code", COKG.inPhase: "phase",
            COKG.aboutCase: "case_id", COKG.locatedIn: "section",
        })  # fmt: skip
        self.location(q, r, cid, f"quotation-{qid}", {"section": COKG.section})

    def _documents(self, r: _Row) -> None:
        cid, did = self.ident(r, "case_id"), self.ident(r, "document_id")
        if cid is None or did is None or not self.required_text(r, "title"):
            return
        d = _iri("document", cid, did)
        self.add(d, RDF.type, COKG.Document)
        self.text(d, DCTERMS.title, r, "title")
        self.text(d, COKG.documentKind, r, "kind")
        self.add(d, COKG.aboutCase, _iri("case", cid))
        for fid in map(str.lower, _split(r.cells.get("supports", ""))):
            if SLUG_RE.fullmatch(fid):
                self.add(d, COKG.supports, _iri("finding", cid, fid))
            else:
                self.problem(
                    r, "supports", f"{fid!r} is not a finding_id (lower-case-with-hyphens)"
                )
        self.origin(d, r, f"document {did} of case {cid}",
                    {DCTERMS.title: "title", COKG.supports: "supports"})  # fmt: skip
