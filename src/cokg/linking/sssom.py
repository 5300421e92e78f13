"""SSSOM mapping sets: cokg's framework mappings out as SSSOM/TSV, and SSSOM/TSV in as the
triples cokg stores.

    >>> mset = framework_mappings(store, ("cfir-2009", "cfir-2022"))   # doctest: +SKIP
    >>> write_sssom(mset, Path("cfir.sssom.tsv"))                       # doctest: +SKIP
    >>> graph = import_sssom("cfir.sssom.tsv")                          # doctest: +SKIP

An SSSOM/TSV file is a metadata block (YAML, every line behind a `#`) followed by a table with
a header row. The metadata is read without a YAML library: SSSOM allows only plain YAML there
(no tags, anchors, aliases or directives), so a small reader covers what the standard uses -
scalars, one level of mapping (`curie_map`) and lists - and refuses anything else by line.

How cokg's mappings and SSSOM columns meet:

- record_id: the cokg:ConceptMapping node (`mapping:` prefix).
- mapping_justification / comment: cokg keeps one written justification per mapping
  (cokg:mappingJustification), SSSOM a SEMAPV term plus free text. A written justification
  is exported as semapv:ManualMappingCuration with the text as the comment; a mapping with no
  written justification as semapv:UnspecifiedMatching. Any other term (or manual curation with
  no comment) is kept on import as a closing "Justification: semapv:<Term>." sentence of the
  text, which the export turns back into the term - so both directions round-trip.
- subject_label / object_label / subject_source / object_source: the English labels and the
  concept schemes, from the scheme files. An import does not store them: they belong to the
  schemes, not to the mappings.
- every other standard SSSOM slot of a row or of the set (author_id, mapping_date, see_also,
  sssom_version, ...; `SLOTS`): kept on the mapping's node or the set's, with the property the
  SSSOM schema gives the slot (its slot_uri, else sssom:<slot>), and written back on export.
  A column or key the standard does not define is named in a warning and not kept (SSSOM allows
  extension slots only when extension_definitions declares them; those are not kept either).
- curie_map: the set's prefix names are kept (sh:declare, as SHACL declares prefixes), so an
  export writes the curators' orcid: where it would otherwise make up ns1:.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, TextIO

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SH, XSD

from cokg.errors import InputError, ParameterError
from cokg.load import NOT_IN_IRI
from cokg.namespaces import BASE, COKG, DCTERMS, FRAMEWORK, MAPPINGS, OWL, PREFIXES, SKOS
from cokg.query import run_query
from cokg.store import Store

__all__ = [
    "COLUMNS",
    "JUSTIFICATIONS",
    "SLOTS",
    "Mapping",
    "MappingSet",
    "export_sssom",
    "framework_mappings",
    "import_sssom",
    "mapping_nodes",
    "mappings_graph",
    "read_sssom",
    "set_slug",
    "tail_slug",
    "write_sssom",
]

# The columns cokg reads and writes, in the order it writes them.
COLUMNS = (
    "record_id",
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "object_label",
    "mapping_justification",
    "confidence",
    "subject_source",
    "object_source",
    "comment",
)
REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")
# Mapping slots typed EntityReference in the SSSOM schema (so CURIEs in SSSOM/TSV), and whether
# they hold several values separated by "|". Columns cokg does not keep are still checked.
CURIE_COLUMNS: dict[str, bool] = {
    "record_id": False,
    "subject_id": False,
    "predicate_id": False,
    "object_id": False,
    "mapping_justification": False,
    "subject_source": False,
    "object_source": False,
    "mapping_source": False,
    "mapping_tool_id": False,
    "issue_tracker_item": False,
    "creator_id": True,
    "author_id": True,
    "reviewer_id": True,
    "subject_match_field": True,
    "object_match_field": True,
    "subject_preprocessing": True,
    "object_preprocessing": True,
    "curation_rule": True,
}

SSSOM = Namespace("https://w3id.org/sssom/")
PAV = Namespace("http://purl.org/pav/")


@dataclass(frozen=True)
class Slot:
    """A standard SSSOM slot cokg keeps beyond the columns above: the property it is stored
    with (the schema's slot_uri, else sssom:<name>), what its values are - "entity" (a CURIE
    in the file, an IRI in the graph), "uri" (an absolute IRI as written), "date"
    (YYYY-MM-DD, xsd:date), "score" (a number from 0 to 1, xsd:decimal like cokg:confidence)
    or "text" - and whether it holds several ("|" in a cell, a list in the metadata)."""

    predicate: URIRef
    kind: str
    multi: bool = False


def _slot(name: str, kind: str = "text", multi: bool = False, uri: URIRef | None = None) -> Slot:
    return Slot(uri if uri is not None else SSSOM[name], kind, multi)


# The SSSOM 1.1 schema's slots (sssom_schema.yaml), in its order, that a mapping or a mapping
# set may carry and cokg keeps generically; a row's are on its cokg:ConceptMapping node, the
# set's on its cokg:MappingSet.
SLOTS: dict[str, Slot] = {
    # a set's only
    "sssom_version": _slot("sssom_version"),
    "mapping_set_source": _slot("mapping_set_source", "uri", True, PROV.wasDerivedFrom),
    "mapping_set_confidence": _slot("mapping_set_confidence", "score"),
    "issue_tracker": _slot("issue_tracker", "uri"),
    # a mapping's, in the order of the schema's mapping class (many a set's too)
    "subject_category": _slot("subject_category"),
    "predicate_label": _slot("predicate_label"),
    "object_category": _slot("object_category"),
    "author_id": _slot("author_id", "entity", True, PAV.authoredBy),
    "author_label": _slot("author_label", multi=True),
    "reviewer_id": _slot("reviewer_id", "entity", True),
    "reviewer_label": _slot("reviewer_label", multi=True),
    "creator_id": _slot("creator_id", "entity", True, DCTERMS.creator),
    "creator_label": _slot("creator_label", multi=True),
    "license": _slot("license", "uri", uri=DCTERMS.license),
    "subject_type": _slot("subject_type"),
    "subject_source": _slot("subject_source", "entity"),  # a set's (a row's: from the scheme)
    "subject_source_version": _slot("subject_source_version"),
    "object_type": _slot("object_type"),
    "object_source": _slot("object_source", "entity"),  # a set's (a row's: from the scheme)
    "object_source_version": _slot("object_source_version"),
    "predicate_type": _slot("predicate_type"),
    "mapping_provider": _slot("mapping_provider", "uri"),
    "mapping_source": _slot("mapping_source", "entity"),
    "mapping_cardinality": _slot("mapping_cardinality"),
    "cardinality_scope": _slot("cardinality_scope", multi=True),
    "mapping_tool": _slot("mapping_tool"),
    "mapping_tool_id": _slot("mapping_tool_id", "entity"),
    "mapping_tool_version": _slot("mapping_tool_version"),
    "mapping_date": _slot("mapping_date", "date", uri=DCTERMS.created),
    "publication_date": _slot("publication_date", "date", uri=DCTERMS.issued),
    "review_date": _slot("review_date", "date"),
    "curation_rule": _slot("curation_rule", "entity", True),
    "curation_rule_text": _slot("curation_rule_text", multi=True),
    "subject_match_field": _slot("subject_match_field", "entity", True),
    "object_match_field": _slot("object_match_field", "entity", True),
    "match_string": _slot("match_string", multi=True),
    "subject_preprocessing": _slot("subject_preprocessing", "entity", True),
    "object_preprocessing": _slot("object_preprocessing", "entity", True),
    "similarity_score": _slot("similarity_score", "score"),
    "similarity_measure": _slot("similarity_measure"),
    "see_also": _slot("see_also", "uri", True, RDFS.seeAlso),
    "issue_tracker_item": _slot("issue_tracker_item", "entity"),
    "other": _slot("other"),
    "comment": _slot("comment", uri=RDFS.comment),  # a set's (a row's: in the justification)
}
# Which of them a row keeps (its comment is part of the justification, its sources and labels
# come from the schemes) and which the set keeps (title, description, version, licence and
# creators have their own place: SET_METADATA).
ROW_SLOTS = tuple(
    n
    for n in SLOTS
    if n not in ("sssom_version", "mapping_set_source", "mapping_set_confidence", "issue_tracker",
                 "comment", "subject_source", "object_source")
)  # fmt: skip
SET_SLOTS = tuple(
    n
    for n in SLOTS
    if n not in ("creator_id", "license", "author_id", "author_label", "reviewer_id",
                 "reviewer_label", "subject_category", "object_category", "predicate_label",
                 "mapping_source", "mapping_cardinality", "review_date", "match_string",
                 "similarity_score", "issue_tracker_item")
)  # fmt: skip
# Standard slots cokg reads but does not keep (a warning names each one a file uses).
NOT_KEPT = ("extension_definitions",)
# Every column SSSOM defines for a mapping row; any other column is not standard.
ROW_COLUMNS = frozenset((*COLUMNS, *ROW_SLOTS, "predicate_modifier"))
# Every metadata key SSSOM defines for a mapping set.
SET_KEYS = frozenset(
    ("curie_map", "mapping_set_id", "license", "mapping_set_title", "mapping_set_description",
     "mapping_set_version", "creator_id", *SET_SLOTS, *NOT_KEPT)
)  # fmt: skip
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

SEMAPV = "https://w3id.org/semapv/vocab/"
# The values the SSSOM schema allows in mapping_justification (its pattern on that slot).
JUSTIFICATIONS = (
    "LexicalMatching",
    "LogicalReasoning",
    "CompositeMatching",
    "UnspecifiedMatching",
    "SemanticSimilarityThresholdMatching",
    "LexicalSimilarityThresholdMatching",
    "MappingChaining",
    "MappingReview",
    "ManualMappingCuration",
    "MappingInversion",
    "StructuralMatching",
    "InstanceBasedMatching",
    "BackgroundKnowledgeBasedMatching",
)
MANUAL = SEMAPV + "ManualMappingCuration"
UNSPECIFIED = SEMAPV + "UnspecifiedMatching"
# cokg states a mapping with one of the SKOS mapping properties, nothing else.
SKOS_PREDICATES = tuple(
    str(SKOS[n]) for n in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
)
# Prefixes the SSSOM specification defines itself: a file may leave them out of its curie_map,
# and may not point them elsewhere.
BUILT_IN_PREFIXES: dict[str, str] = {
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "semapv": SEMAPV,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "sssom": "https://w3id.org/sssom/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "linkml": "https://w3id.org/linkml/",
}

MAPPINGS_NS = str(MAPPINGS)  # the cokg:ConceptMapping nodes
MAPPING_SET_ID = BASE + "mappings/frameworks"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"  # the ontology's dcterms:license
# What the export may compact IRIs with: cokg's prefixes, the mapping nodes and the schemes.
EXPORT_PREFIXES: dict[str, str] = {
    **PREFIXES,
    "mapping": MAPPINGS_NS,
    "framework": str(FRAMEWORK),
    "semapv": SEMAPV,
}

_IRI_RE = re.compile(r"^<|^[A-Za-z][A-Za-z0-9+.\-]*://")
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")  # an absolute IRI
_NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_JUSTIFICATION_NOTE = re.compile(r"(?:^|\s)Justification: semapv:([A-Za-z]+)\.$")


# --------------------------------------------------------------------------- model


@dataclass(frozen=True, kw_only=True)
class Mapping:
    """One SSSOM mapping row: identifiers as CURIEs, with the IRIs they stand for."""

    subject_id: str
    predicate_id: str
    object_id: str
    mapping_justification: str
    subject_iri: str
    predicate_iri: str
    object_iri: str
    record_id: str | None = None
    subject_label: str | None = None
    object_label: str | None = None
    confidence: float | None = None
    subject_source: str | None = None
    object_source: str | None = None
    comment: str | None = None
    # the other standard slots it fills (`ROW_SLOTS`), as SSSOM/TSV cells: CURIEs, "|" between
    # several values
    slots: tuple[tuple[str, str], ...] = ()
    row: int | None = field(default=None, compare=False)  # its place in the table (1: first)
    line: int | None = field(default=None, compare=False)  # and in the file, as read

    def curies(self) -> list[str]:
        """Every CURIE of the row (for the prefixes a file must declare)."""
        values = (
            self.record_id,
            self.subject_id,
            self.predicate_id,
            self.object_id,
            self.mapping_justification,
            self.subject_source,
            self.object_source,
        )
        more = [
            v.strip()
            for name, cell in self.slots
            if SLOTS[name].kind == "entity"
            for v in (cell.split("|") if SLOTS[name].multi else [cell])
        ]
        return [v for v in values if v] + [v for v in more if v]

    def cells(self) -> dict[str, str]:
        """The row as TSV cells by column ("" for no value)."""
        return {
            "record_id": self.record_id or "",
            "subject_id": self.subject_id,
            "subject_label": self.subject_label or "",
            "predicate_id": self.predicate_id,
            "object_id": self.object_id,
            "object_label": self.object_label or "",
            "mapping_justification": self.mapping_justification,
            "confidence": "" if self.confidence is None else _format_confidence(self.confidence),
            "subject_source": self.subject_source or "",
            "object_source": self.object_source or "",
            "comment": self.comment or "",
            **dict(self.slots),
        }


@dataclass
class MappingSet:
    """An SSSOM mapping set: its identifier, licence, prefixes, other metadata and rows."""

    mapping_set_id: str
    license: str
    curie_map: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)  # other metadata slots, as read
    mappings: list[Mapping] = field(default_factory=list)
    # what was read but will not be kept, one line each ("FILE:LINE: ..."): a column or key
    # SSSOM does not define, an extension slot
    warnings: list[str] = field(default_factory=list)

    def expand(self, curie: str) -> str:
        """The IRI a CURIE of this set stands for (built-in SSSOM prefixes included)."""
        prefix, _, local = curie.partition(":")
        ns = self.curie_map.get(prefix) or BUILT_IN_PREFIXES.get(prefix)
        if ns is None:
            raise InputError(f"{curie}: prefix {prefix!r} is not declared in the curie_map")
        return ns + local


def _format_confidence(value: float) -> str:
    # SSSOM's canonical form: at most three decimals, halves rounded up, "1.0" not "1."
    text = format(Decimal(repr(float(value))).quantize(Decimal("0.001"), ROUND_HALF_UP), "f")
    text = text.rstrip("0")
    return text + "0" if text.endswith(".") else text


# --------------------------------------------------------------------------- reading


def read_sssom(path: str | Path) -> MappingSet:
    """Read an SSSOM/TSV file (embedded metadata). A byte-order mark and CRLF line ends are
    accepted. Refused, each with one line naming the file, the line and the row: a CURIE whose
    prefix is not declared, a full IRI where a CURIE belongs, a mapping_justification that is
    not a SEMAPV term, a confidence outside [0, 1], a predicate other than the five SKOS
    mapping properties, no mapping_set_id or license, and missing required columns."""
    from cokg.load import ENV_MAX_MB, max_submission_bytes

    path = Path(path)
    limit = max_submission_bytes()
    try:
        with path.open("rb") as fh:  # at most the limit, whatever the file claims (/dev/zero)
            data = fh.read(limit + 1)
    except OSError as exc:
        raise InputError(f"cannot read the mapping set: {exc.strerror or exc}", file=path) from None
    if len(data) > limit:
        raise InputError(
            f"over the {limit / 2**20:.0f} MB limit for a submission; split the mapping set or "
            f"raise {ENV_MAX_MB}",
            file=path,
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 (byte {exc.start + 1}): save the file as UTF-8", file=path, line=line
        ) from None
    text = text.removeprefix("\ufeff")
    if "\r" in text and "\n" not in text:
        raise InputError(
            "its lines end in a carriage return alone (an old Mac format): save it with LF or "
            "CRLF line ends",
            file=path,
        )
    lines = text.split("\n")
    meta_lines: list[tuple[int, str]] = []
    for n, raw in enumerate(lines, start=1):
        if not raw.startswith("#"):
            break
        meta_lines.append((n, raw.rstrip("\r")[1:]))
    header_line = len(meta_lines) + 1
    metadata, key_lines = _read_metadata(meta_lines, path)

    curie_map = _curie_map(metadata.pop("curie_map", None), key_lines, path)
    set_id = _required_iri(metadata, key_lines, "mapping_set_id", path)
    licence = _required_iri(metadata, key_lines, "license", path)
    for key in ("creator_id", "author_id", "reviewer_id", *SET_SLOTS):  # checked as a row's
        value = metadata.get(key)
        where = _Where(path, key_lines.get(key, 1), 0)
        items = value if isinstance(value, list) else [] if value is None else [value]
        if key in SLOTS and not SLOTS[key].multi and len(items) > 1:
            raise InputError(f"metadata: {key} takes one value, not a list", file=path,
                             line=where.line)  # fmt: skip
        for item in items:
            try:
                _check_value(str(item).strip(), key, curie_map, where)
            except InputError as exc:
                raise InputError(
                    "metadata: " + exc.message.split(": ", 1)[-1], file=path, line=where.line
                ) from None
    extensions = _extension_slots(metadata.get("extension_definitions"))
    warnings = [
        f"{path}:{key_lines.get(key, 1)}: metadata: {_not_kept(key, extensions)}"
        for key in metadata
        if key not in SET_KEYS or key in NOT_KEPT or key in ("author_id", "reviewer_id")
    ]

    table = "\n".join(lines[len(meta_lines) :])
    # strict: a quote left open is an error at the end of the file, not rows swallowed into
    # one cell
    reader = csv.reader(io.StringIO(table, newline=""), delimiter="\t", quotechar='"', strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InputError(f"header row: {exc}", file=path, line=header_line) from None
    if not header or not any(h.strip() for h in header):
        raise InputError("no header row after the metadata block", file=path, line=header_line)
    header = [h.strip() for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputError(
            f"header row: missing required column(s) {', '.join(missing)}",
            file=path,
            line=header_line,
        )
    doubled = sorted({h for h in header if header.count(h) > 1})
    if doubled:
        raise InputError(
            f"header row: column(s) {', '.join(doubled)} more than once",
            file=path,
            line=header_line,
        )

    warnings += [
        f"{path}:{header_line}: header row: {_not_kept(h, extensions, column=True)}"
        for h in header
        if h not in ROW_COLUMNS
    ]

    mappings: list[Mapping] = []
    records: dict[str, int] = {}
    triples: dict[tuple[str, str, str, str], int] = {}
    row_number = 0
    while True:
        line = len(meta_lines) + reader.line_num + 1
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            hint = (
                ": a cell starts with a quote that is never closed (quote the whole cell, or "
                "none of it)"
                if "end of data" in str(exc)
                else ""
            )
            raise InputError(f"row {row_number + 1}: {exc}{hint}", file=path, line=line) from None
        if cells is None:
            break
        if not cells or (cells == [""] and len(header) > 1):
            continue  # a blank line (a trailing newline, an editor's empty last line)
        row_number += 1
        where = _Where(path, line, row_number)
        if len(cells) != len(header):
            raise where.error(f"{len(cells)} fields, the header has {len(header)}")
        row = {h: (c if c.strip() else None) for h, c in zip(header, cells, strict=True)}
        mapping = _mapping(row, curie_map, where)
        # the same mapping on other grounds is another record (SSSOM); on the same, a repeat
        repeat = (
            mapping.subject_iri,
            mapping.predicate_iri,
            mapping.object_iri,
            mapping.mapping_justification.partition(":")[2],  # a SEMAPV term (checked)
        )
        if repeat in triples:
            raise where.error(
                f"repeats the mapping of row {triples[repeat]} ({mapping.subject_id} "
                f"{mapping.predicate_id} {mapping.object_id}) with the same justification "
                f"({mapping.mapping_justification}): give each mapping once per justification"
            )
        triples[repeat] = row_number
        if mapping.record_id is not None:
            if mapping.record_id in records:
                raise where.error(
                    f"record_id {mapping.record_id} is already used on row "
                    f"{records[mapping.record_id]}",
                    "record_id",
                )
            records[mapping.record_id] = row_number
        mappings.append(mapping)
    return MappingSet(
        mapping_set_id=set_id,
        license=licence,
        curie_map=curie_map,
        metadata=metadata,
        mappings=mappings,
        warnings=warnings,
    )


def _extension_slots(value: Any) -> set[str]:
    """The slot names extension_definitions declares (a list of {slot_name: ..., ...})."""
    names: set[str] = set()
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict) and item.get("slot_name"):
            names.add(str(item["slot_name"]))
        elif isinstance(item, str) and item.startswith("slot_name:"):  # "- slot_name: x"
            names.add(item.partition(":")[2].strip())
    return names


def _not_kept(name: str, extensions: set[str], *, column: bool = False) -> str:
    what = "column" if column else "key"
    if name in extensions:
        return f"{what} {name} is an extension slot (extension_definitions): not kept"
    if name in NOT_KEPT:
        return f"{name} is not kept"
    if name in SLOTS or name in ("author_id", "reviewer_id"):
        return f"{name} is a mapping's slot, not a mapping set's: not kept"
    return (
        f"{what} {name} is not an SSSOM slot, and extension_definitions does not declare it: "
        "not kept"
    )


@dataclass(frozen=True)
class _Where:
    path: Path
    line: int
    row: int

    def error(self, problem: str, column: str | None = None) -> InputError:
        at = f"row {self.row}, column {column}" if column else f"row {self.row}"
        return InputError(f"{at}: {problem}", file=self.path, line=self.line)


def _mapping(row: dict[str, str | None], curie_map: dict[str, str], where: _Where) -> Mapping:
    for column in REQUIRED_COLUMNS:
        if row.get(column) is None:
            raise where.error("empty, but SSSOM requires a value", column)
    iris: dict[str, str] = {}
    for column, multi in CURIE_COLUMNS.items():
        value = row.get(column)
        if value is None:
            continue
        for part in value.split("|") if multi else [value]:
            iris.setdefault(column, _expand(part.strip(), curie_map, where, column))
    modifier = (row.get("predicate_modifier") or "").strip()
    if modifier == "Not":
        raise where.error(
            "predicate_modifier Not: a negated mapping (the concepts do NOT match), which cokg "
            "cannot store (it holds SKOS matches, which assert); leave the row out of the set to "
            "import",
            "predicate_modifier",
        )
    if modifier:
        raise where.error(
            f"{modifier!r} is not a predicate modifier (SSSOM has one: Not)", "predicate_modifier"
        )
    justification = iris["mapping_justification"]
    if justification not in {SEMAPV + j for j in JUSTIFICATIONS}:
        raise where.error(
            f"{row['mapping_justification']} is not a SEMAPV mapping justification "
            f"(semapv: {', '.join(JUSTIFICATIONS)})",
            "mapping_justification",
        )
    if iris["predicate_id"] not in SKOS_PREDICATES:
        raise where.error(
            f"{row['predicate_id']} is not a SKOS mapping property (skos:exactMatch, "
            "skos:closeMatch, skos:broadMatch, skos:narrowMatch or skos:relatedMatch)",
            "predicate_id",
        )
    confidence = None
    raw = row.get("confidence")
    if raw is not None:
        raw = raw.strip()
        if not _NUMBER_RE.fullmatch(raw) or not 0.0 <= float(raw) <= 1.0:
            raise where.error(f"{raw!r} is not a number between 0 and 1", "confidence")
        confidence = float(raw)

    def curie(column: str) -> str | None:
        value = row.get(column)
        return value.strip() if value is not None else None

    slots: list[tuple[str, str]] = []
    for name in ROW_SLOTS:
        value = row.get(name)
        if value is None:
            continue
        parts = [v.strip() for v in value.split("|")] if SLOTS[name].multi else [value.strip()]
        for part in parts:
            _check_value(part, name, curie_map, where)
        slots.append((name, "|".join(parts)))

    return Mapping(
        record_id=curie("record_id"),
        subject_id=curie("subject_id") or "",
        subject_label=row.get("subject_label"),
        predicate_id=curie("predicate_id") or "",
        object_id=curie("object_id") or "",
        object_label=row.get("object_label"),
        mapping_justification=curie("mapping_justification") or "",
        confidence=confidence,
        subject_source=curie("subject_source"),
        object_source=curie("object_source"),
        comment=row.get("comment"),
        slots=tuple(slots),
        subject_iri=iris["subject_id"],
        predicate_iri=iris["predicate_id"],
        object_iri=iris["object_id"],
        row=where.row,
        line=where.line,
    )


def _check_value(value: str, name: str, curie_map: dict[str, str], where: _Where) -> None:
    """Refuse a value a slot cannot hold: an undeclared CURIE, a relative IRI, a date not
    YYYY-MM-DD, a score outside [0, 1] (the SSSOM schema's ranges)."""
    kind = SLOTS[name].kind if name in SLOTS else "entity"
    if not value:
        raise where.error("an empty value between '|'", name)
    if kind == "entity":
        _expand(value, curie_map, where, name)
    elif kind == "uri":
        bad = sorted(set(NOT_IN_IRI.findall(value)))
        if not _SCHEME_RE.match(value) or bad:
            raise where.error(f"{value!r} is not an absolute IRI (https://...)", name)
    elif kind == "date":
        try:
            if not _DATE_RE.match(value):
                raise ValueError
            date.fromisoformat(value)
        except ValueError:
            raise where.error(f"{value!r} is not a date (YYYY-MM-DD)", name) from None
    elif kind == "score" and (not _NUMBER_RE.fullmatch(value) or not 0 <= float(value) <= 1):
        raise where.error(f"{value!r} is not a number between 0 and 1", name)


def _expand(value: str, curie_map: dict[str, str], where: _Where, column: str) -> str:
    if _IRI_RE.match(value):
        raise where.error(
            f"{value} is a full IRI; SSSOM/TSV wants a CURIE (prefix:local) whose prefix the "
            "curie_map declares",
            column,
        )
    prefix, sep, local = value.partition(":")
    if not sep or not prefix or any(c.isspace() for c in value):
        raise where.error(f"{value!r} is not a CURIE (prefix:local)", column)
    ns = curie_map.get(prefix) or BUILT_IN_PREFIXES.get(prefix)
    if ns is None:
        raise where.error(f"prefix {prefix!r} of {value} is not declared in the curie_map", column)
    bad = sorted(set(NOT_IN_IRI.findall(local)))
    if bad:
        raise where.error(
            f"{value!r} cannot be an IRI: {' '.join(bad)} may not appear in one", column
        )
    return ns + local


def _curie_map(value: Any, lines: dict[str, int], path: Path) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(
            "metadata: curie_map is not a mapping of prefix: IRI",
            file=path,
            line=lines.get("curie_map"),
        )
    out: dict[str, str] = {}
    for prefix, ns in value.items():
        line = lines.get(f"curie_map.{prefix}", lines.get("curie_map"))
        if not isinstance(ns, str) or not _SCHEME_RE.match(ns):
            raise InputError(
                f"metadata: curie_map entry {prefix} is not an absolute IRI: {ns!r}",
                file=path,
                line=line,
            )
        if prefix in BUILT_IN_PREFIXES and ns != BUILT_IN_PREFIXES[prefix]:
            raise InputError(
                f"metadata: curie_map redefines the built-in SSSOM prefix {prefix} "
                f"(it is {BUILT_IN_PREFIXES[prefix]})",
                file=path,
                line=line,
            )
        own = EXPORT_PREFIXES.get(prefix)  # cokg's prefixes, framework: and mapping: too
        if own is not None and own.startswith(BASE) and ns != own:
            # cfir09: declared as CFIR 2022's namespace turned a CFIR 2009 -> 2022 mapping
            # into one inside CFIR 2022, labelled with the 2009 names, without a word
            raise InputError(
                f"metadata: curie_map gives cokg's prefix {prefix} another namespace ({ns}; "
                f"cokg's {prefix} is {own}): name that namespace with another "
                "prefix",
                file=path,
                line=line,
            )
        out[prefix] = ns
    return out


def _required_iri(metadata: dict[str, Any], lines: dict[str, int], key: str, path: Path) -> str:
    value = metadata.pop(key, None)
    if value is None or value == "":
        raise InputError(
            f"metadata: no {key} (SSSOM requires one, an absolute IRI)", file=path, line=1
        )
    if not isinstance(value, str) or not _SCHEME_RE.match(value):
        raise InputError(
            f"metadata: {key} is not an absolute IRI: {value!r}", file=path, line=lines.get(key)
        )
    return value


# --------------------------------------------------------------------------- the YAML subset


def _read_metadata(
    lines: list[tuple[int, str]], path: Path
) -> tuple[dict[str, Any], dict[str, int]]:
    """The metadata block as a dict, and the line each top-level key is on. Understood: `key:
    scalar`, `key:` followed by `- item` lines (indented or not) or indented `name: scalar`
    lines, flow lists `[a, b]` and flow mappings `{a: b}`, quoted scalars, continuation lines
    of a long scalar, comments. Anything else is refused by line rather than guessed at."""
    # Every line may have the same number of spaces after its "#": that is not indentation.
    margin = min(
        (
            len(t) - len(t.lstrip(" "))
            for _, t in lines
            if t.strip() and not t.lstrip().startswith("#")
        ),
        default=0,
    )
    out: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    key: str | None = None
    pending: list[str] = []  # the text of the current top-level value, continuation lines too

    def fail(n: int, problem: str) -> InputError:
        return InputError(f"metadata: {problem}", file=path, line=n)

    def finish() -> None:
        if key is not None and pending:
            out[key] = _scalar(" ".join(pending), key_lines[key], fail)

    for n, content in lines:
        body = content[margin:].rstrip()
        if not body.strip() or body.lstrip().startswith("#"):
            continue  # a blank or comment line
        if "\t" in body[: len(body) - len(body.lstrip())]:
            raise fail(n, "a tab in the indentation (YAML indents with spaces)")
        indent = len(body) - len(body.lstrip(" "))
        text = body.strip()
        if text.startswith(("%", "---", "...")):
            raise fail(n, f"YAML directives and document markers are not allowed: {text!r}")
        if (
            indent == 0
            and (text == "-" or text.startswith("- "))
            and key is not None
            and not pending
            and (out[key] is None or isinstance(out[key], list))
        ):
            # a block list flush with its key ("creator_id:" then "- orcid:..."), valid YAML,
            # as sssom-py writes lists
            if out[key] is None:
                out[key] = []
            out[key].append(_scalar(text[1:].strip(), n, fail))
            continue
        if indent == 0:
            finish()
            name, sep, value = text.partition(":")
            if (
                not sep
                or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name)
                or (value and not value.startswith(" "))
            ):
                raise fail(n, f"not 'key: value': {text!r}")
            if name in out or name in key_lines:
                raise fail(n, f"{name} appears twice")
            key, pending = name, []
            key_lines[name] = n
            if value.strip():
                pending.append(value.strip())
            else:
                out[name] = None
            continue
        if key is None:
            raise fail(n, f"an indented line before any key: {text!r}")
        if pending:  # a long scalar written over several lines
            pending.append(text)
            continue
        current = out[key]
        if text == "-" or text.startswith("- "):
            if current is None:
                current = out[key] = []
            if not isinstance(current, list):
                raise fail(n, f"{key} mixes list items and 'name: value' entries")
            current.append(_scalar(text[1:].strip(), n, fail))
            continue
        name, sep, value = text.partition(":")
        name = name.strip()
        if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"'":
            name = name[1:-1]
        if not sep or not name or (value and not value.startswith(" ")):
            raise fail(n, f"not 'name: value' or '- item' under {key}: {text!r}")
        if current is None:
            current = out[key] = {}
        if not isinstance(current, dict):
            raise fail(n, f"{key} mixes list items and 'name: value' entries")
        if name in current:
            raise fail(n, f"{name} appears twice under {key}")
        if not value.strip():
            raise fail(n, f"{key}: {name} has no value (nested structures are not used by SSSOM)")
        current[name] = _scalar(value.strip(), n, fail)
        key_lines[f"{key}.{name}"] = n
    finish()
    return out, key_lines


def _scalar(text: str, n: int, fail: Any) -> Any:
    """One YAML scalar, flow list or flow mapping (YAML 1.2 core schema types)."""
    if text.startswith('"'):
        if len(text) < 2 or not text.endswith('"'):
            raise fail(n, f"unclosed double-quoted value: {text}")
        try:
            # JSON strings are YAML double-quoted scalars; YAML's other escapes are refused
            return json.loads(text)
        except ValueError:
            raise fail(
                n, f"a double-quoted value with an escape this reader does not know: {text}"
            ) from None
    if text.startswith("'"):
        if len(text) < 2 or not text.endswith("'"):
            raise fail(n, f"unclosed single-quoted value: {text}")
        return text[1:-1].replace("''", "'")
    if text.startswith("["):
        if not text.endswith("]"):
            raise fail(n, f"unclosed list: {text}")
        return [_scalar(item, n, fail) for item in _flow_items(text[1:-1], n, fail)]
    if text.startswith("{"):
        if not text.endswith("}"):
            raise fail(n, f"unclosed mapping: {text}")
        out: dict[str, Any] = {}
        for item in _flow_items(text[1:-1], n, fail):
            name, sep, value = item.partition(": ")
            if not sep:
                raise fail(n, f"not 'name: value' in a mapping: {item}")
            out[name.strip().strip("\"'")] = _scalar(value.strip(), n, fail)
        return out
    if text[0] in "&*!|>@`":
        raise fail(n, f"YAML anchors, aliases, tags and block scalars are not allowed: {text}")
    text = re.sub(r"\s+#.*$", "", text)  # a trailing comment
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE", "false", "False", "FALSE"):
        return text.lower() == "true"
    if re.fullmatch(r"[-+]?[0-9]+", text):
        return int(text)
    if re.fullmatch(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?", text):
        return float(text)
    return text


def _flow_items(inner: str, n: int, fail: Any) -> list[str]:
    """Split the inside of `[...]` or `{...}` at commas outside quotes."""
    items: list[str] = []
    current: list[str] = []
    quote: str | None = None
    for ch in inner:
        if quote:
            current.append(ch)
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
            current.append(ch)
        elif ch in "[]{}":
            raise fail(n, "nested flow collections are not used by SSSOM")
        elif ch == ",":
            items.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    if quote:
        raise fail(n, "an unclosed quote")
    last = "".join(current).strip()
    if last:
        items.append(last)
    return [i for i in items if i]


# --------------------------------------------------------------------------- writing


def write_sssom(mset: MappingSet, out: Path | TextIO) -> None:
    """Write the set as SSSOM/TSV: UTF-8 without a byte-order mark, LF line ends, the metadata
    block (curie_map with exactly the prefixes used, mapping_set_id, the other metadata, license)
    then the table with the columns of COLUMNS that hold a value in some row (SSSOM asks for no
    empty columns; the required ones are always written), rows sorted on all their cells."""
    if not mset.mapping_set_id or not mset.license:
        raise InputError("a mapping set needs a mapping_set_id and a license to be written")
    used: set[str] = set()
    entities = ("creator_id", "author_id", "reviewer_id",
                *(n for n in SET_SLOTS if SLOTS[n].kind == "entity"))  # fmt: skip
    for key in entities:
        group = mset.metadata.get(key)
        for value in group if isinstance(group, list) else [] if group is None else [group]:
            used.add(str(value).partition(":")[0])
    for m in mset.mappings:
        for value in m.curies():
            prefix = value.partition(":")[0]
            if prefix not in mset.curie_map and prefix not in BUILT_IN_PREFIXES:
                raise InputError(
                    f"{value}: prefix {prefix!r} is not in the mapping set's curie_map",
                    record=m.record_id or m.subject_id,
                )
            used.add(prefix)
    curie_map = {p: mset.curie_map.get(p) or BUILT_IN_PREFIXES[p] for p in sorted(used)}

    buf = io.StringIO()
    block: list[tuple[str, Any]] = [("curie_map", curie_map)] if curie_map else []
    block.append(("mapping_set_id", mset.mapping_set_id))
    block += sorted(
        (k, v)
        for k, v in mset.metadata.items()
        if v is not None and k not in ("curie_map", "mapping_set_id", "license")
    )
    block.append(("license", mset.license))
    for key, value in block:
        for line in _yaml(key, value):
            buf.write(f"#{line}\n")

    rows = [m.cells() for m in mset.mappings]
    columns = [c for c in COLUMNS if c in REQUIRED_COLUMNS or any(r[c] for r in rows)]
    columns += [c for c in ROW_SLOTS if any(r.get(c) for r in rows)]
    writer = csv.writer(buf, delimiter="\t", quotechar='"', lineterminator="\n")
    writer.writerow(columns)
    # line breaks inside a value become LF too, so the file holds no CR at all
    table = sorted(
        tuple(r.get(c, "").replace("\r\n", "\n").replace("\r", "\n") for c in columns) for r in rows
    )
    writer.writerows(table)
    text = buf.getvalue()
    if isinstance(out, Path):
        out.write_bytes(text.encode("utf-8"))
    else:
        out.write(text)


def _yaml(key: str, value: Any) -> list[str]:
    if isinstance(value, dict):
        return [f"{key}:"] + [f"  {_yaml_text(k)}: {_yaml_text(v)}" for k, v in value.items()]
    if isinstance(value, list | tuple):
        return [f"{key}:"] + [f"  - {_yaml_text(v)}" for v in value]
    return [f"{key}: {_yaml_text(value)}"]


def _yaml_text(value: Any) -> str:
    """A scalar in YAML plain style when that reads back as the same value, else double-quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    plain = (
        text
        and text == text.strip()
        and text[0] not in "-?:,[]{}#&*!|>'\"%@`"
        and ": " not in text
        and " #" not in text
        and "\n" not in text
        and not text.endswith(":")
        and isinstance(_scalar(text, 0, _never), str)
        # what YAML 1.1 readers (PyYAML, the SSSOM toolkit) take for a date or a boolean
        and not _YAML11_IMPLICIT.fullmatch(text)
    )
    return text if plain else json.dumps(text, ensure_ascii=False)


_YAML11_IMPLICIT = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?|(?i:y|n|yes|no|on|off|true|false|null|~)"
)


def _never(n: int, problem: str) -> InputError:  # pragma: no cover - plain text never fails
    return InputError(problem)


# --------------------------------------------------------------------------- cokg's mappings


def framework_mappings(
    store: Store | str | Path | None,
    pair: tuple[str, str] | None = None,
    set_id: str | None = None,
) -> MappingSet:
    """The framework mappings cokg holds, as an SSSOM mapping set. `pair` (subject scheme,
    object scheme), by cokg's short names such as ("cfir-2009", "cfir-2022"), keeps the
    mappings from concepts of the first scheme to concepts of the second; an unknown name is a
    ParameterError listing the schemes. Without `set_id`, cokg's own mappings (under its
    licence); with it, the mappings of that imported set, with its own licence, title,
    version and creators (an unknown set is a ParameterError listing the stored sets)."""
    meta = None
    if set_id is not None:
        stored = {str(r["set"]): r for r in run_query("mapping-sets", store=store)}
        if set_id not in stored:
            names = ", ".join(sorted(stored)) or "none (only cokg's own mappings)"
            raise ParameterError(f"no mapping set {set_id!r} is stored; the sets: {names}")
        meta = stored[set_id]
    base, slots = _stored_slots(store, set_id)
    if pair is not None:
        known = sorted(
            {_scheme_name(str(r["scheme"])) for r in run_query("scheme-concepts", store=store)}
        )
        for name in pair:
            if name not in known:
                raise ParameterError(f"no scheme {name!r}; the schemes are {', '.join(known)}")
    minted: dict[str, str] = {}
    mappings: list[Mapping] = []
    for r in run_query("sssom-mappings", store=store):
        if (str(r["set"]) if r["set"] is not None else None) != set_id:
            continue  # another set's mappings (or, for a set, cokg's own)
        framework = str(FRAMEWORK)
        if set_id is None and not (
            str(r["subject"]).startswith(framework) and str(r["object"]).startswith(framework)
        ):
            continue  # a QDA project's code mapped to a construct: the project's, not cokg's
        subject_scheme = _scheme_name(r["subject_scheme"]) if r["subject_scheme"] else None
        object_scheme = _scheme_name(r["object_scheme"]) if r["object_scheme"] else None
        if pair is not None and (subject_scheme, object_scheme) != pair:
            continue
        justification, comment = _justification_of(r["justification"])
        confidence = r["confidence"]
        mappings.append(
            Mapping(
                record_id=_compact_optional(r["record"], minted, base),
                subject_id=_compact(r["subject"], minted, base),
                subject_label=r["subject_label"],
                predicate_id=_compact(r["predicate"], minted, base),
                object_id=_compact(r["object"], minted, base),
                object_label=r["object_label"],
                mapping_justification=_compact(justification, minted, base),
                confidence=None if confidence is None else float(confidence),
                subject_source=_compact_optional(r["subject_scheme"], minted, base),
                object_source=_compact_optional(r["object_scheme"], minted, base),
                comment=comment,
                slots=_cells(slots.get(str(r["record"]), {}), ROW_SLOTS, minted, base),
                subject_iri=r["subject"],
                predicate_iri=r["predicate"],
                object_iri=r["object"],
            )
        )
    if meta is not None and set_id is not None:
        own = dict(_cells(slots.get(set_id, {}), SET_SLOTS, minted, base))
        return _stored_set(set_id, meta, mappings, minted, base, own)
    prefixes = {**EXPORT_PREFIXES, **minted}
    used = sorted({c.partition(":")[0] for m in mappings for c in m.curies()})
    title = "cokg framework mappings"
    own_id = MAPPING_SET_ID
    if pair is not None:
        title += f": {pair[0]} to {pair[1]}"
        own_id += f"/{pair[0]}--{pair[1]}"
    return MappingSet(
        mapping_set_id=own_id,
        license=LICENSE,
        curie_map={p: prefixes[p] for p in used},
        metadata={
            "mapping_set_title": title,
            "mapping_set_description": (
                "Mappings between the implementation-science framework schemes held by cokg. "
                "The comment of a mapping is the curators' written justification "
                "(cokg:mappingJustification); confidence: high 0.95, medium-high 0.8, "
                "medium 0.7, medium-low 0.5."
            ),
        },
        mappings=mappings,
    )


def _stored_slots(
    store: Store | str | Path | None, set_id: str | None
) -> tuple[dict[str, str], dict[str, dict[URIRef, list[Any]]]]:
    """For an imported set: the prefixes to compact with (the set's own curie_map, then
    cokg's for namespaces and names it left free), and the stored values of each node (the
    set's, its mappings') by property. For cokg's own mappings: cokg's prefixes, nothing."""
    if set_id is None:
        return EXPORT_PREFIXES, {}
    own = {str(r["prefix"]): str(r["namespace"])
           for r in run_query("mapping-set-prefixes", store=store, set=set_id)}  # fmt: skip
    taken = set(own.values())
    base = {**own, **{p: ns for p, ns in EXPORT_PREFIXES.items()
                      if p not in own and ns not in taken}}  # fmt: skip
    values: dict[str, dict[URIRef, list[Any]]] = {}
    for r in run_query("mapping-set-slots", store=store, set=set_id):
        prop = URIRef(str(r["property"]))
        values.setdefault(str(r["node"]), {}).setdefault(prop, []).append(r.terms["value"])
    return base, values


def _cells(
    values: dict[URIRef, list[Any]],
    names: tuple[str, ...],
    minted: dict[str, str],
    base: dict[str, str],
) -> tuple[tuple[str, str], ...]:
    """The slots among `names` a node holds, as SSSOM/TSV cells ("|" between several)."""
    out = []
    for name in names:
        terms = values.get(SLOTS[name].predicate, [])
        if terms:
            cells = sorted(_slot_cell(name, t, minted, base) for t in terms)
            out.append((name, "|".join(cells) if SLOTS[name].multi else cells[0]))
    return tuple(out)


def _stored_set(
    set_id: str,
    meta: Any,
    mappings: list[Mapping],
    minted: dict[str, str],
    base: dict[str, str],
    slots: dict[str, str],
) -> MappingSet:
    """An imported set as it was stored: its rows, licence, title, description, version,
    creators and other slots (CURIEs with the set's own prefixes, declared)."""
    creators = [_compact(c, minted, base) for c in str(meta["creators"] or "").split() if c]
    columns = {"mapping_set_title": "title", "mapping_set_description": "description",
               "mapping_set_version": "version"}  # fmt: skip
    metadata: dict[str, Any] = {
        key: str(meta[column]) for key, column in columns.items() if meta[column] is not None
    }
    if creators:
        metadata[SET_CREATORS] = sorted(creators)
    curies = list(creators)
    for name, cell in slots.items():
        slot = SLOTS[name]
        metadata[name] = (
            cell.split("|") if slot.multi else float(cell) if slot.kind == "score" else cell
        )
        if slot.kind == "entity":
            curies += cell.split("|")  # their prefixes are declared too
    prefixes = {**base, **minted}
    used = {c.partition(":")[0] for m in mappings for c in m.curies()}
    used |= {c.partition(":")[0] for c in curies}
    return MappingSet(
        mapping_set_id=set_id,
        license=str(meta["license"]),
        curie_map={p: prefixes[p] for p in sorted(used)},
        metadata=metadata,
        mappings=mappings,
    )


def _scheme_name(iri: str) -> str:
    """cokg's short name of a framework scheme (cfir-2022), or the IRI of any other scheme."""
    return iri[len(str(FRAMEWORK)) :] if iri.startswith(str(FRAMEWORK)) else iri


def _compact(iri: str, minted: dict[str, str], base: dict[str, str] = EXPORT_PREFIXES) -> str:
    """`iri` as a CURIE with the longest prefix of `base` (cokg's export prefixes, or an
    imported set's own before them) that fits, the first named on a tie; an IRI outside them
    all gets a prefix made up for it (ns1, ns2, ...) so that the file still holds CURIEs only."""
    best = ""
    for ns in (*base.values(), *minted.values()):
        if iri.startswith(ns) and len(ns) > len(best) and len(iri) > len(ns):
            best = ns
    if not best:
        cut = max(iri.rfind("/"), iri.rfind("#")) + 1
        best = iri[:cut] if 0 < cut < len(iri) else iri[: iri.index(":") + 1]
        n = len(minted) + 1
        while f"ns{n}" in base or f"ns{n}" in minted:
            n += 1
        minted[f"ns{n}"] = best
    prefix = next(p for p, ns in {**base, **minted}.items() if ns == best)
    return f"{prefix}:{iri[len(best) :]}"


def _compact_optional(
    iri: str | None, minted: dict[str, str], base: dict[str, str] = EXPORT_PREFIXES
) -> str | None:
    return None if iri is None else _compact(iri, minted, base)


def _justification_of(text: str | None) -> tuple[str, str | None]:
    """The SEMAPV term and comment for cokg's written justification (see the module notes)."""
    if not text or not text.strip():
        return UNSPECIFIED, None
    note = _JUSTIFICATION_NOTE.search(text)
    if note and note.group(1) in JUSTIFICATIONS:
        return SEMAPV + note.group(1), text[: note.start()].strip() or None
    return MANUAL, text


def _justification_text(mset: MappingSet, m: Mapping) -> str | None:
    """cokg's written justification for an SSSOM row: the reverse of `_justification_of`."""
    term = mset.expand(m.mapping_justification)
    comment = (m.comment or "").strip()
    if term == MANUAL and comment:
        return comment
    if term == UNSPECIFIED and not comment:
        return None
    note = f"Justification: semapv:{term[len(SEMAPV) :]}."
    return f"{comment} {note}" if comment else note


# The set's metadata cokg keeps, on a cokg:MappingSet node named by its mapping_set_id: what
# an export of the set gives back, so its curators' licence and names travel with it.
SET_METADATA = {
    "mapping_set_title": DCTERMS.title,
    "mapping_set_description": DCTERMS.description,
    "mapping_set_version": OWL.versionInfo,
}
SET_CREATORS = "creator_id"


def is_cokgs_own(mapping_set_id: str) -> bool:
    """Whether a set id is one of cokg's own exports (all its mappings, or one pair's)."""
    return mapping_set_id == MAPPING_SET_ID or mapping_set_id.startswith(MAPPING_SET_ID + "/")


def mappings_graph(mset: MappingSet) -> Graph:
    """The set as the triples cokg stores for a mapping (as in ontology/frameworks/mappings.ttl):
    the SKOS match itself, and a cokg:ConceptMapping node (the record_id; a row without one gets
    mapping:<set>/<subject>--<object>: `mapping_nodes`) with subject, predicate, object,
    confidence (xsd:decimal) and the written justification; and, for a set not cokg's own, the
    set (cokg:MappingSet, its mapping_set_id) with its licence, title, description, version
    and creators, each mapping cokg:inMappingSet it."""
    g = Graph()
    g.bind("cokg", COKG)
    g.bind("skos", SKOS)
    for prefix, ns in mset.curie_map.items():
        g.bind(prefix, ns, replace=True)
    the_set = None
    if not is_cokgs_own(mset.mapping_set_id):
        the_set = URIRef(mset.mapping_set_id)
        g.add((the_set, RDF.type, COKG.MappingSet))
        g.add((the_set, DCTERMS.license, URIRef(mset.license)))
        for key, predicate in SET_METADATA.items():
            value = mset.metadata.get(key)
            if value is not None and str(value).strip():
                g.add((the_set, predicate, Literal(str(value).strip())))
        creators = mset.metadata.get(SET_CREATORS) or []
        for creator in creators if isinstance(creators, list) else [creators]:
            g.add((the_set, DCTERMS.creator, URIRef(mset.expand(str(creator).strip()))))
        for name in SET_SLOTS:
            value = mset.metadata.get(name)
            items = value if isinstance(value, list) else [] if value is None else [value]
            for item in items:
                g.add((the_set, SLOTS[name].predicate, _slot_term(mset, name, str(item))))
        for prefix, ns in sorted(mset.curie_map.items()):  # the curators' names for export
            declaration = URIRef(f"{MAPPINGS_NS}{set_slug(mset.mapping_set_id)}/prefix/{prefix}")
            g.add((the_set, SH.declare, declaration))
            g.add((declaration, SH.prefix, Literal(prefix)))
            g.add((declaration, SH.namespace, Literal(ns, datatype=XSD.anyURI)))
    for m, node in zip(mset.mappings, mapping_nodes(mset), strict=True):
        if the_set is not None:
            g.add((node, COKG.inMappingSet, the_set))
        s, p, o = URIRef(m.subject_iri), URIRef(m.predicate_iri), URIRef(m.object_iri)
        g.add((s, p, o))
        g.add((node, RDF.type, COKG.ConceptMapping))
        g.add((node, COKG.subject, s))
        g.add((node, COKG.predicate, p))
        g.add((node, COKG.object, o))
        if m.confidence is not None:
            lexical = format(Decimal(repr(float(m.confidence))), "f")
            g.add((node, COKG.confidence, Literal(lexical, datatype=XSD.decimal)))
        text = _justification_text(mset, m)
        if text:
            g.add((node, COKG.mappingJustification, Literal(text)))
        for name, cell in m.slots:
            for item in cell.split("|") if SLOTS[name].multi else [cell]:
                g.add((node, SLOTS[name].predicate, _slot_term(mset, name, item.strip())))
    return g


def _slot_term(mset: MappingSet, name: str, value: str) -> URIRef | Literal:
    """A slot's value as the term cokg stores (`Slot`)."""
    kind = SLOTS[name].kind
    if kind == "entity":
        return URIRef(mset.expand(value))
    if kind == "uri":
        return URIRef(value)
    if kind == "date":
        return Literal(value, datatype=XSD.date)
    if kind == "score":
        return Literal(format(Decimal(repr(float(value))), "f"), datatype=XSD.decimal)
    return Literal(value)


def _slot_cell(name: str, term: Any, minted: dict[str, str], base: dict[str, str]) -> str:
    """The reverse of `_slot_term`: a stored value as an SSSOM/TSV cell."""
    kind = SLOTS[name].kind
    if kind == "entity":
        return _compact(str(term), minted, base)
    if kind == "score":
        return _format_confidence(float(str(term)))
    return str(term)


def mapping_nodes(mset: MappingSet) -> list[URIRef]:
    """The cokg:ConceptMapping node of each row, in order: its record_id, else
    mapping:<set>/<subject>--<object> (with the predicate after it for a second row between
    them, and the justification's SEMAPV term after that for the same mapping on other
    grounds). The set's part (`set_slug`) keeps a set's own mappings apart from the frameworks'
    (mapping:<subject>--<object>) and from other sets' between the same concepts: each is its
    curators' record."""
    nodes: list[URIRef] = []
    seen: set[URIRef] = set()
    own = MAPPINGS_NS + set_slug(mset.mapping_set_id) + "/"
    for m in mset.mappings:
        if m.record_id:
            node = URIRef(mset.expand(m.record_id))
        else:
            node = URIRef(own + f"{_slug(m.subject_iri)}--{_slug(m.object_iri)}")
            if node in seen:  # two predicates between the same pair of concepts
                node = URIRef(f"{node}--{m.predicate_iri.rsplit('#', 1)[-1]}")
            if node in seen:  # the same mapping on other grounds (SSSOM: another record)
                term = mset.expand(m.mapping_justification).rsplit("/", 1)[-1]
                node = URIRef(f"{node}--{term}")
        nodes.append(node)
        seen.add(node)
    return nodes


def set_slug(mapping_set_id: str) -> str:
    """A mapping set's part of its rows' node IRIs: the last segment of its id, slugged, and 8
    hex digits of the id's SHA-256 (two sets may both end in `v1`)."""
    slug = tail_slug(mapping_set_id)[:48].strip("-") or "set"
    return f"{slug}-{hashlib.sha256(mapping_set_id.encode()).hexdigest()[:8]}"


def tail_slug(mapping_set_id: str) -> str:
    """The last path segment of a set's id, lower-case letters and digits joined by hyphens
    ("" when none is left)."""
    tail = mapping_set_id.rstrip("/#").rsplit("/", 1)[-1]
    return re.sub(r"[^a-z0-9]+", "-", tail.lower()).strip("-")


def _slug(iri: str) -> str:
    # the generator's naming: <scheme>-<notation>, e.g. cfir-2009-I.A
    if iri.startswith(str(FRAMEWORK)):
        return iri[len(str(FRAMEWORK)) :].replace("/", "-")
    return str(uuid.uuid5(uuid.NAMESPACE_URL, iri))


# --------------------------------------------------------------------------- entry points


def export_sssom(
    store: Store | str | Path | None,
    out: str | Path,
    pair: tuple[str, str] | None = None,
    set_id: str | None = None,
) -> int:
    """Write the stored framework mappings (cokg's own, or the imported set `set_id`; all, or
    one pair of schemes) to `out` as SSSOM/TSV; returns the number of rows written."""
    if Path(out).is_dir():
        raise ParameterError(f"{out} is a folder: give the file to write")
    mset = framework_mappings(store, pair, set_id)
    write_sssom(mset, Path(out))
    return len(mset.mappings)


def import_sssom(path: str | Path) -> Graph:
    """Read an SSSOM/TSV file and return the triples cokg would store for it (validation and
    ingest happen elsewhere)."""
    return mappings_graph(read_sssom(path))
