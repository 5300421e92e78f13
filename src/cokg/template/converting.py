"""Turning template rows into RDF, one row at a time, as cokg.template.sheets describes.

Conversion is deterministic and builds IRIs only from cell values that match an id pattern
(percent-encoded), a path under cokgid: or a full http(s) IRI. A row is converted whole or not
at all: a cell that cannot be converted (an id that is not an id, an unknown phase, stance,
role or construct prefix, a required cell left blank) is a violation naming sheet, row and
column, and the row adds nothing, so no half-record causes follow-on errors. Values the shapes
can judge (dates, numbers) are converted as typed and left to the shapes. A sheet that holds
one record per combination of values (ratings: case, construct, phase and rater) refuses a
second row with the same values, naming both rows; its blank ids are made from those values.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote, unquote

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from cokg.errors import InputError
from cokg.models import ValidationResult
from cokg.namespaces import COKG, COKGID, PREFIXES, PROV, RDF, RDFS, XSD, curie
from cokg.template.cells import Row, read_rows
from cokg.template.sheets import (
    CODE,
    CODE_PREFIXES,
    COMMENTS,
    CONCEPT_SCHEMES,
    MIXED,
    QUOTATION,
    SHEETS,
    SLUG,
    STATEMENTS,
    TABLES,
    Column,
    Kind,
    Sheet,
)
from cokg.vocabulary import RATING_VALUES, rating_notation

__all__ = [
    "Conversion",
    "Origin",
    "convert_rows",
    "date_advice",
    "read_template",
    "reference",
    "split",
]

ABSOLUTE = re.compile(r"https?://[^\s<>\"{}|\\^`]+")
PATH = re.compile(r"[A-Za-z0-9._~%-]+(?:/[A-Za-z0-9._~%-]+)+")
CURIE = re.compile(r"([A-Za-z][A-Za-z0-9_-]*):([^\s/<>\"]*)")
LOCAL_CODE = re.compile(r"[A-Za-z0-9.\-]+")
_HINTS = {
    SLUG.pattern: "lower-case words joined by hyphens",
    CODE.pattern: "P01 or ABC-01 (the code as printed in the study)",
    QUOTATION.pattern: "Q1, Q2, ...",
    MIXED.pattern: "letters and digits joined by hyphens or dots (IV.A-adoption-a)",
}
Triple = tuple[Node, Node, Node]
T = TypeVar("T")


class Problem(str):
    """Why a cell's text gives no value (a str subclass no RDF term is: URIRef and Literal are
    str subclasses too, so results are told apart with isinstance(x, Problem))."""


class NeedsCase(Problem):
    """A value that names a record of the row's case, in a row without a case id: a
    follow-on of the case_id cell's own problem when that cell was filled in."""


@dataclass(frozen=True)
class Origin:
    """Where a record came from: a file, and for spreadsheets the sheet row and columns."""

    file: str
    row: int | None = None
    label: str | None = None  # e.g. "quotation Q7 of case dundee-mrr"
    columns: Mapping[str, str] = field(default_factory=dict)  # predicate IRI -> column name
    sheet: str | None = None  # the template sheet, for advice in its columns' words


@dataclass
class Conversion:
    """RDF made from a template, where each record came from, and cell-level problems."""

    files: tuple[Path, ...]
    graph: Graph
    origins: dict[Node, Origin] = field(default_factory=dict)
    problems: list[ValidationResult] = field(default_factory=list)  # cell-level violations
    # records a dropped row would have made that its problem cannot name: a row of a case's
    # sheet without a case_id, as it would be in each case of the template (links to it are
    # follow-ons of that row, not mistakes of their own)
    gone: set[Node] = field(default_factory=set)
    # (record, property) -> the statements- or comments-sheet row that states it: a problem
    # with that statement is that row's, not the row of the record it is about
    statement_origins: dict[tuple[Node, Node], Origin] = field(default_factory=dict)


def read_template(
    path: str | Path,
    *,
    max_triples: int | None = None,
    progress: Callable[..., None] | None = None,
    name_folder: bool = False,
) -> Conversion:
    """Convert a filled-in template (workbook or CSV folder) to RDF. Refuses files over the
    submission size limit before reading them, and a conversion of more than `max_triples`
    triples (default: cokg.load.max_submission_triples()). Messages name each file bare, or
    with `name_folder` as `path` was given (for a submission of several templates)."""
    from cokg import load

    path = Path(path)
    if not path.is_dir() and path.suffix.lower() != ".xlsx":
        raise InputError("a template is an .xlsx workbook or a folder of CSV files", file=path)
    files, rows = read_rows(path, name_folder=name_folder)
    load.check_sizes(files)
    limit = max_triples if max_triples is not None else load.max_submission_triples()
    conv = convert_rows(rows, max_triples=limit, source=path, progress=progress)
    if not len(conv.graph) and not conv.problems:
        raise InputError("the template holds no records (every sheet is empty)", file=path)
    conv.files = tuple(files)
    return conv


def convert_rows(
    rows: Iterable[Row],
    *,
    max_triples: int | None = None,
    source: Path | None = None,
    progress: Callable[..., None] | None = None,
) -> Conversion:
    """Convert rows (from read_rows, or made by an export) to RDF."""
    conv = _Converter(max_triples, source)
    for n, r in enumerate(rows, start=1):
        conv.convert(r)
        if progress is not None and n % 5000 == 0:
            progress(f"converting {source.name if source else 'rows'}: row {n:,}")
    cases = {str(c) for c in conv.graph.objects(None, COKG.caseId)}
    gone: set[Node] = {
        record_iri(sheet, kind, case_id, ident)
        for sheet, kind, ident in conv.caseless
        for case_id in cases
    }
    gone |= conv.unknown_records()
    return Conversion((), conv.graph, conv.origins, conv.problems, gone, conv.statement_origins)


def split(text: str) -> list[str]:
    """The values of a cell holding several, separated by ';'."""
    return [p.strip() for p in text.split(";") if p.strip()]


def _q(text: str) -> str:
    return quote(text, safe="-._~")


def record_iri(sheet: Sheet, kind: Kind, case_id: str | None, ident: str) -> URIRef:
    """The IRI of a record with a plain id."""
    if sheet.scoped:
        return COKGID[f"{kind.path}/{_q(case_id or '')}/{_q(ident)}"]
    return COKGID[f"{kind.path}/{_q(ident)}"]


def normalise_id(sheet: Sheet, text: str) -> str:
    """A plain id as stored: ids differing only by case are one id."""
    v = text.strip()
    if sheet.keeps_case:
        return v
    return v.upper() if sheet.upper else v.lower()


def reference(
    cell: str, target: Sheet, case_id: str | None, kind: Kind | None = None
) -> URIRef | Problem:
    """The IRI a reference (or id) cell names, or why it names none: a plain id of sheet
    `target` (scoped by `case_id` where the target's ids are unique within a case), a path
    under cokgid: (agent/x, finding/other-case/y) or a full http(s) IRI."""
    v = cell.strip()
    if ABSOLUTE.fullmatch(v):
        return URIRef(v)
    if v.startswith("cokgid:"):  # as cokg's messages write a record ("did you mean ...")
        v = v[len("cokgid:") :]
    if "/" in v:
        if PATH.fullmatch(v):
            return COKGID[v]
        return Problem(f"{v!r} is neither an id nor a path such as org/riverside-network")
    ident = normalise_id(target, v)
    if not target.ids.fullmatch(ident):
        return Problem(f"{v!r} is not an id of the form {_HINTS[target.ids.pattern]}")
    if target.scoped and not case_id:
        return NeedsCase(f"{v!r} needs the row's case_id")
    return record_iri(target, kind or target.kinds[0], case_id, ident)


def _key(text: str) -> str:
    return text.strip().lower().replace(" ", "-").replace("_", "-")


def choose(table: Mapping[str, T], value: str) -> T | Problem:
    """A controlled value from the word a steward typed, or why it is none (did you mean)."""
    keys = {_key(k): k for k in table}
    key = _key(value)
    if key in keys:
        return table[keys[key]]
    close = difflib.get_close_matches(key, list(keys), n=1, cutoff=0.6)
    hint = f" — did you mean {keys[close[0]]!r}?" if close else ""
    return Problem(f"{value.strip()!r} is not one of: {', '.join(table)}{hint}")


def expand_name(text: str) -> URIRef | None:
    """A full IRI or a prefixed name with a cokg prefix (wd:Q22, rdfs:comment) as an IRI."""
    v = text.strip()
    if ABSOLUTE.fullmatch(v):
        return URIRef(v)
    m = CURIE.fullmatch(v)
    if m and m.group(1) in PREFIXES:
        return URIRef(PREFIXES[m.group(1)] + m.group(2))
    return None


def date_literal(text: str) -> Literal:
    """A date literal typed by its form; anything else is typed xsd:gYear so the shapes'
    lexical check reports it ("twenty" is not a year)."""
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return Literal(text, datatype=XSD.date)
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}", text):
        return Literal(text, datatype=XSD.gYearMonth)
    return Literal(text, datatype=XSD.gYear)


_DATE_FORM = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?")


def date_advice(sheet: str, column: str, value: Node | None) -> str | None:
    """What to do with a date cell that is no date (printemps 2020, Q3 2021), in the words of
    a sheet that keeps the source's wording (date_text) and says it is approximate: the
    shapes' message can only say to write a date. None for any other cell."""
    s = SHEETS.get(sheet)
    if s is None or not isinstance(value, Literal):
        return None
    by_name = {c.name: c for c in s.columns}
    col = by_name.get(column)
    if col is None or col.value != "date" or not {"date_text", "approximate"} <= set(by_name):
        return None
    text = str(value)
    if _DATE_FORM.fullmatch(text) or _DATE_TIME.fullmatch(text):
        return None  # a date of the right form (the shapes judge its values), or with a time
    years = sorted(set(re.findall(r"(?<![0-9])[0-9]{4}(?![0-9])", text)))
    here = f" (here {years[0]})" if len(years) == 1 else ""
    return (
        f"{text!r} is not a year (2015), year-month (2015-06) or day (2015-06-24): write the "
        "date at the precision the source gives; when the source gives none this exact (a "
        f"season, a quarter), write the year or month it falls in{here}, keep its wording in "
        f"date_text ({text!r}) and write yes in approximate"
    )


TYPED = {
    "integer": XSD.integer,
    "positive": XSD.positiveInteger,
    "nonnegative": XSD.nonNegativeInteger,
    "year": XSD.gYear,
    "year-month": XSD.gYearMonth,
}
_BOOLEANS = {"true": "true", "yes": "true", "1": "true", "false": "false", "no": "false",
             "0": "false"}  # fmt: skip
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})?"
)


def rating_value(text: str) -> URIRef | Problem:
    """The rating value a cell names: +2 +1 0 -1 -2 X missing, also written 2, −2 (a Unicode
    minus), x, mixed, or with the value's label ("+2 (strong positive)")."""
    v = text.split("(", 1)[0].replace(" ", "")
    notation = rating_notation(v, unsigned=True, missing=True)
    if notation is not None:
        return RATING_VALUES[notation]
    return Problem(f"{text.strip()!r} is not a rating: +2, +1, 0, -1, -2, X (mixed) or missing")


# The schemes a finding's codes may name by a bare code or label: the frameworks' and the
# outcome vocabularies' concepts, Lozeau's scenarios.
ALL_SCHEMES = (*CONCEPT_SCHEMES["determinant"], "lozeau-2002", *CONCEPT_SCHEMES["outcome"])


def parse_value(column: Column, text: str, case_id: str | None) -> Node | Problem:
    """One value of a cell as an RDF term, or why it cannot be one."""
    v = text.strip()
    kind = column.value
    if kind == "text":
        return Literal(v)
    if kind in TYPED:
        return Literal(v, datatype=TYPED[kind])
    if kind == "date":
        return date_literal(v)
    if kind == "day":
        if _DAY.fullmatch(v):
            return Literal(v, datatype=XSD.date)
        if _DATE_TIME.fullmatch(v):
            return Literal(v, datatype=XSD.dateTime)
        return Problem(f"{v!r} is not a day (YYYY-MM-DD) or a date and time (YYYY-MM-DDThh:mm)")
    if kind == "rating":
        return rating_value(v)
    if kind == "concept":
        from cokg.template.concepts import Unresolved, resolve_concept

        try:
            return resolve_concept(v, CONCEPT_SCHEMES[column.target])
        except Unresolved as exc:
            return Problem(str(exc))
    if kind == "boolean":
        b = _BOOLEANS.get(v.lower())
        return Literal(b, datatype=XSD.boolean) if b else Problem(f"{v!r} is not yes or no")
    if kind == "ref":
        return reference(v, SHEETS[column.target], case_id)
    if kind == "choice":
        return choose(TABLES[column.target], v)
    if kind == "codes":
        prefix, sep, local = v.partition(":")
        prefix, local = prefix.strip().lower(), local.strip()
        if sep and prefix in CODE_PREFIXES and LOCAL_CODE.fullmatch(local):
            return URIRef(PREFIXES[prefix] + local)
        if "," in v:
            return Problem(f"{v!r}: separate several codes with ';' (cfir22:I.A; cfir22:II.B)")
        if sep and prefix not in CODE_PREFIXES and LOCAL_CODE.fullmatch(local):
            close = difflib.get_close_matches(prefix, CODE_PREFIXES, n=1, cutoff=0.5)
            hint = f" — did you mean {close[0]}:{local}?" if close else ""
            return Problem(
                f"{v!r}: no framework is prefixed {prefix}:{hint} (prefixes: "
                f"{', '.join(CODE_PREFIXES)})"
            )
        # a bare code or a label that one framework concept has, as the workbook's drop-down
        # promises ("type a code or a label") and the ratings' construct column takes
        from cokg.template.concepts import Unresolved, resolve_concept

        try:
            return resolve_concept(v, ALL_SCHEMES)
        except Unresolved as exc:
            return Problem(f"{exc}; a construct is written as its code (cfir22:II.D)")
    if kind == "link":
        iri = expand_name(v)
        return iri if iri is not None else Problem(f"{v!r} is not an IRI or a name such as wd:Q42")
    if kind == "coder":
        return coder_iri(v, case_id)
    raise ValueError(f"unknown column value kind {kind!r}")  # a bug in SHEETS


def coder_iri(text: str, case_id: str | None) -> URIRef | Problem:
    """The coder a coder cell names: a short id is the case's coder cokgid:coder/<case_id>/<id>
    (the row also states that it is a prov:Agent labelled with the id: `coder_statements`);
    a path under cokgid: (coder/1a2b3c4d, an imported QDA project's coder) or a full http(s)
    IRI names a coder stored elsewhere."""
    v = text.strip()
    if ABSOLUTE.fullmatch(v):
        return URIRef(v)
    if "/" in v:
        if PATH.fullmatch(v):
            return COKGID[v]
        return Problem(f"{v!r} is neither a coder id nor a path such as coder/1a2b3c4d")
    ident = v.lower()
    if not SLUG.fullmatch(ident):
        return Problem(
            f"{v!r} is not a coder id: lower-case words joined by hyphens, such as coder-a "
            "(never a person's name)"
        )
    if not case_id:
        return NeedsCase(f"{v!r} needs the row's case_id")
    return COKGID[f"coder/{_q(case_id)}/{_q(ident)}"]


def coder_statements(text: str, coder: URIRef) -> list[Triple]:
    """What a coder cell holding a short id states about the coder besides naming it."""
    v = text.strip()
    if "/" in v or ABSOLUTE.fullmatch(v):
        return []
    return [(coder, RDF.type, PROV.Agent), (coder, RDFS.label, Literal(v.lower()))]


def _shown(node: Node) -> str:
    """A value as a message shows it: a phase or rating by its word, a concept by its code."""
    for table in TABLES.values():
        for word, iri in table.items():
            if iri == node:
                return word
    if isinstance(node, URIRef):
        text = str(node)
        if text.startswith(str(COKGID)):
            return text[len(str(COKGID)) :]
        return curie(text)
    return str(node)


def _minted_id(sheet: Sheet, values: list[tuple[Column, str, Node]]) -> str:
    """The id a row with a blank id cell gets, from the values of the sheet's `mint` columns:
    a concept by prefix and code (cfir22-IV.A), a controlled value by its word (adoption), a
    coder by its id (rater-a): cfir22-IV.A-adoption-rater-a."""
    parts: list[str] = []
    for name in sheet.mint:
        for col, _v, node in values:
            if col.name != name:
                continue
            text = _shown(node)
            if col.value == "coder":
                text = text.rsplit("/", 1)[-1]
            # only what an id may hold: an IRI outside the project's prefixes gives its words
            parts.append(re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-."))
            break
    return "-".join(p for p in parts if p)


def _chosen_id(sheet: Sheet, raw_id: str) -> str | Problem:
    """The id of a sheet whose id is a controlled value (a phase) as the table writes it
    (Implementation: implementation), or why it is none, with the allowed words: not "not an
    id of the form ...", which says nothing of the words a phase may be. Other ids as given."""
    if sheet.id_choice is None or "/" in raw_id:
        return raw_id
    table = TABLES[sheet.id_choice[1]]
    chosen = choose(table, raw_id)
    if isinstance(chosen, Problem):
        return chosen
    return next(word for word, iri in table.items() if iri == chosen)


class _Converter:
    def __init__(self, max_triples: int | None = None, source: Path | None = None) -> None:
        self.max_triples = max_triples
        self.source = source
        self.graph = Graph()
        self.origins: dict[Node, Origin] = {}
        self.statement_origins: dict[tuple[Node, Node], Origin] = {}
        self.problems: list[ValidationResult] = []
        # the row that first gave each one-per-case combination, and each record (sheets
        # with `unique` columns)
        self.keys: dict[tuple[object, ...], int] = {}
        self.records: dict[tuple[str, URIRef], int] = {}
        self.caseless: set[tuple[Sheet, Kind, str]] = set()  # (sheet, kind, id) of such rows
        # rows refused without the record they describe being known (an id that is no id, a
        # blank id, an id already used): (sheet, case id, file, row)
        self.unknown: list[tuple[Sheet, str | None, str, int]] = []

    def unknown_records(self) -> set[URIRef]:
        """The records that rows link to and no row gives, where a refused row of their sheet
        (and case) may be the one meant to give them: the links are follow-ons of that row's
        problem, which names them (a case_id typed 'qc estrie' in cases.csv, 'qc-estrie' in
        every other sheet; a finding_id typed twice, where rows link to the one left out)."""
        if not self.unknown:
            return set()
        typed = set(self.graph.subjects(RDF.type, None))
        dangling = {o for o in self.graph.objects() if isinstance(o, URIRef) and o not in typed}
        gone: set[URIRef] = set()
        for sheet, case_id, file, row in self.unknown:
            scope = f"{_q(case_id)}/" if sheet.scoped and case_id else ""
            if sheet.scoped and not case_id:
                continue  # no case to scope the id by: the case_id cell's problem
            starts = tuple(f"{COKGID}{k.path}/{scope}" for k in sheet.kinds)
            meant = sorted(
                {
                    o
                    for o in dangling
                    for start in starts
                    if str(o).startswith(start) and "/" not in str(o)[len(start) :]
                }
            )
            if not meant:
                continue
            gone |= set(meant)
            ids = [f"'{unquote(o.rsplit('/', 1)[1])}'" for o in meant]
            shown = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
            which = f"that {sheet.noun}" if len(ids) == 1 else "one of them"
            hint = (
                f"; other rows name {sheet.noun} {shown}, which no row of this sheet gives: "
                f"is this row {which}?"
            )
            for i, p in enumerate(self.problems):
                if (p.file, p.row, p.column) == (file, row, sheet.id_column):
                    self.problems[i] = replace(p, message=p.message + hint)
                    break
        return gone

    def add(self, triple: Triple) -> None:
        self.graph.add(triple)
        if self.max_triples is not None and len(self.graph) > self.max_triples:
            from cokg.load import ENV_MAX_TRIPLES

            raise InputError(
                f"more than {self.max_triples:,} triples; split the submission (one case per "
                f"template) or raise {ENV_MAX_TRIPLES}",
                file=self.source,
            )

    def convert(self, r: Row) -> None:
        sheet = SHEETS[r.sheet]
        problems: list[tuple[str, str]] = list(r.refused.items())
        if sheet is STATEMENTS or sheet is COMMENTS:
            record, label, triples, columns = self._statement(r, sheet, problems)
        else:
            record, label, triples, columns = self._record(r, sheet, problems)
        # one line per mistake: the cases sheet's case_id is both the row's case and its id
        problems = list(dict.fromkeys(problems))
        doubts = [(c, m, "warning") for c, m in r.doubtful.items()]
        for column, message, severity in [*((c, m, "violation") for c, m in problems), *doubts]:
            self.problems.append(
                ValidationResult(
                    severity=severity,
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
        if problems or record is None:
            return
        for t in triples:
            self.add(t)
        if sheet is STATEMENTS or sheet is COMMENTS:
            for s, p, _o in triples:
                self.statement_origins.setdefault((s, p), Origin(r.file, r.row, label,
                                                                 columns))  # fmt: skip
        if record not in self.origins:
            self.origins[record] = Origin(r.file, r.row, label, columns, r.sheet)

    def _record(
        self, r: Row, sheet: Sheet, problems: list[tuple[str, str]]
    ) -> tuple[URIRef | None, str, list[Triple], dict[str, str]]:
        cells = r.cells
        case_id: str | None = None
        case_iri: URIRef | None = None
        raw_case = cells.get("case_id", "").strip()
        bad_case = "case_id" in r.refused  # a case id the row has, but that cannot be read
        if "case_id" in {c.name for c in sheet.columns} and raw_case:
            found = reference(raw_case, SHEETS["cases"], None)
            if isinstance(found, Problem):
                bad_case = True
                problems.append(("case_id", f"case_id {found}"))
            else:
                case_iri = found
                if "/" not in raw_case and not ABSOLUTE.fullmatch(raw_case):
                    case_id = normalise_id(SHEETS["cases"], raw_case)
        kind = sheet.kinds[0]
        if sheet.kind_column and cells.get("kind", "").strip():
            chosen = choose(sheet.kind_table, cells["kind"])
            if isinstance(chosen, Problem):
                problems.append(("kind", chosen))
            else:
                kind = chosen
        raw_id = cells.get(sheet.id_column, "").strip()
        # Every value first: a sheet that makes blank ids makes them from values.
        values: list[tuple[Column, str, Node]] = []
        columns: dict[str, str] = {}
        for col in sheet.columns:
            if col.value in ("id", "kind"):
                continue
            text = cells.get(col.name, "")
            if not text.strip() and col.default:
                text = col.default
            texts = split(text) if col.several else ([text.strip()] if text.strip() else [])
            if not texts:
                if col.required and col.name not in r.refused:  # refused: said already
                    problems.append((col.name, f"{col.name} is required"))
                continue
            if col.predicate is None:
                continue
            columns.setdefault(str(col.predicate), col.name)
            if col.name == "case_id" and case_iri is None:
                continue  # reported above
            for v in texts:
                node = case_iri if col.name == "case_id" else parse_value(col, v, case_id)
                if isinstance(node, NeedsCase) and bad_case:
                    continue  # it follows from the case_id cell, reported already
                if isinstance(node, Problem) or node is None:
                    problems.append((col.name, node or f"{col.name} {v!r} is not a case id"))
                    continue
                values.append((col, v, node))
        if not raw_id and sheet.mint and not problems:
            raw_id = _minted_id(sheet, values)
        shown = normalise_id(sheet, raw_id) if raw_id and "/" not in raw_id else raw_id
        if shown:
            label = f"{sheet.noun} {shown}"
        else:  # an id a sheet makes is not missing
            label = sheet.noun if sheet.mint else f"{sheet.noun} (no {sheet.id_column})"
        if sheet.scoped:
            label += f" of case {case_id or raw_case or '(no case_id)'}"
        record: URIRef | None = None
        if not raw_id:
            if not sheet.mint and sheet.id_column not in r.refused:  # refused: said already
                problems.append((sheet.id_column, f"{sheet.id_column} is required"))
                self.unknown.append((sheet, case_id, r.file, r.row))
        elif sheet.scoped and not case_id and "/" not in raw_id and not ABSOLUTE.match(raw_id):
            # no case to scope the id by: reported for the case_id cell
            self.caseless.add((sheet, kind, normalise_id(sheet, raw_id)))
        else:
            given_id = _chosen_id(sheet, raw_id)
            if not isinstance(given_id, Problem):
                raw_id = given_id
            found = (
                Problem(f"{sheet.id_column} {given_id}")
                if isinstance(given_id, Problem)
                else reference(raw_id, sheet, case_id, kind)
            )
            if isinstance(found, Problem):
                self.unknown.append((sheet, case_id, r.file, r.row))
                problems.append(
                    (
                        sheet.id_column,
                        f"{sheet.id_column} {raw_id!r} is not an id of the form "
                        f"{_HINTS[sheet.ids.pattern]}",
                    )
                    if "is not an id" in found
                    else (sheet.id_column, found)
                )
            else:
                record = found
        triples: list[Triple] = []
        if record is None:
            return record, label, triples, columns
        if sheet.unique and not problems:
            self._check_unique(r, sheet, values, case_iri, problems)
        if not problems:  # one row per record: a second is refused, naming the first
            other = self.records.get((sheet.name, record))
            if other is not None:
                given = f"{sheet.id_column} {shown!r}" if raw_id else f"{sheet.noun} {label!r}"
                where = f" of case {case_id}" if sheet.scoped and case_id else ""
                problems.append(
                    (
                        sheet.id_column,
                        f"{given} is already used in row {other}{where}: give each "
                        f"{sheet.noun} its own {sheet.id_column} (or delete the repeated row)",
                    )
                )
                self.unknown.append((sheet, case_id, r.file, r.row))
            else:
                self.records[(sheet.name, record)] = r.row
        triples.append((record, RDF.type, kind.rdf_class))
        if sheet.id_literal is not None:
            triples.append((record, sheet.id_literal, Literal(shown)))
            columns[str(sheet.id_literal)] = sheet.id_column
        if sheet.id_choice is not None:
            predicate, table = sheet.id_choice
            value = choose(TABLES[table], raw_id)
            if isinstance(value, Problem):
                problems.append((sheet.id_column, value))
            else:
                triples.append((record, predicate, value))
                columns[str(predicate)] = sheet.id_column
        if kind.case_link is not None and case_iri is not None:
            triples.append((case_iri, kind.case_link, record))
        for col, v, node in values:
            assert col.predicate is not None  # values are only read for columns with one
            triples.append((record, col.predicate, node))
            if col.value == "coder" and isinstance(node, URIRef):
                triples += coder_statements(v, node)
            if col.inverse is not None:
                triples.append((node, col.inverse, record))
        return record, label, triples, columns

    def _check_unique(
        self,
        r: Row,
        sheet: Sheet,
        values: list[tuple[Column, str, Node]],
        case_iri: URIRef | None,
        problems: list[tuple[str, str]],
    ) -> None:
        """One row per case and combination of the sheet's `unique` columns: a second row is
        an error naming both rows (the first one stands)."""
        given = {col.name: node for col, _v, node in values}
        # a coder as typed; a concept or controlled value by its code or word
        shown = {col.name: v if col.value == "coder" else _shown(node) for col, v, node in values}
        key = (sheet.name, case_iri, *(given.get(name) for name in sheet.unique))
        first = self.keys.get(key)
        if first is not None:
            what = ", ".join(f"{name} {shown.get(name, '(none)')}" for name in sheet.unique)
            names = ["case", *sheet.unique]
            per = ", ".join(names[:-1]) + " and " + names[-1]
            problems.append(
                (
                    sheet.unique[0],
                    f"rows {first} and {r.row} both give the {sheet.noun} of this case for "
                    f"{what}: keep one {sheet.noun} per {per} (merge the two rows, or correct "
                    "one)",
                )
            )
            return
        self.keys[key] = r.row

    def _statement(
        self, r: Row, sheet: Sheet, problems: list[tuple[str, str]]
    ) -> tuple[URIRef | None, str, list[Triple], dict[str, str]]:
        cells = r.cells
        raw = cells.get("record", "").strip()
        record = expand_name(raw) if ":" in raw and "/" not in raw else None
        if record is None and raw:
            found = reference(raw, SHEETS["cases"], None) if "/" in raw else None
            record = found if isinstance(found, URIRef) else None
        label = f"{sheet.noun} about {raw or '(no record)'}"
        if record is None:
            problems.append(
                (
                    "record",
                    "record is required"
                    if not raw
                    else f"record {raw!r} is not a path such as finding/case-id/finding-id, "
                    "or a full IRI",
                )
            )
        if sheet is COMMENTS:
            text = cells.get("comment", "").strip()
            if not text:
                problems.append(("comment", "comment is required"))
            # typed as Triple: mypy would infer (URIRef, URIRef, Literal), not the return type
            triples: list[Triple] = (
                [(record, RDFS.comment, Literal(text))] if record is not None else []
            )
            return record, label, triples, {str(RDFS.comment): "comment"}
        prop = expand_name(cells.get("property", ""))
        if prop is None:
            problems.append(
                (
                    "property",
                    f"property {cells.get('property', '')!r} is not a name such as "
                    "cokg:description or a full IRI",
                )
            )
        value = cells.get("value", "")  # exactly as written: no trimming
        datatype = cells.get("datatype", "").strip()
        language = cells.get("language", "").strip()
        obj: Node | None = None
        if datatype == "link":
            found = expand_name(value) or (
                reference(value, SHEETS["cases"], None) if "/" in value else None
            )
            if isinstance(found, URIRef):
                obj = found
            else:
                problems.append(("value", f"{value!r} is not a record path or an IRI"))
        elif datatype:
            dt = expand_name(datatype)
            if dt is None:
                problems.append(
                    ("datatype", f"datatype {datatype!r} is not a name such as xsd:gYear")
                )
            else:
                obj = Literal(value, datatype=dt)
        else:
            obj = Literal(value, lang=language or None)
        statement: list[Triple] = (
            [(record, prop, obj)] if record and prop and obj is not None else []
        )
        return record, label, statement, {str(prop): "value"} if prop else {}
