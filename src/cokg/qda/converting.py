"""A REFI-QDA project (cokg.qda.model) as a cokg submission graph.

`convert_project(project, ...)` turns a project, the steward's case map and SSSOM mappings into
one rdflib Graph of records under cokgid:, following ontology/modules/coding.ttl. It reads
nothing and writes nothing: what it needs from the store comes in a `StoreContext`
(`store_context(store)`), so the same project and context always give the same graph.

Identity never rests on the GUIDs a QDA program writes (they change on every export):

- a coded text is the SHA-256 of its normalised text (coded-text/<16 hex>);
- a code is its path of names from the codebook's root within the project
  (code/<project id>/<16 hex of the path>);
- a quotation is (text digest, start, end), named Q<12 digits> within its case (the digits come
  from that key, so adding a quotation never renumbers the others);
- a coding is (quotation, code, coder); a coder is a stable pseudonym of the project id and
  the user name ("coder-" + 8 hex), or with `coder_names` the name itself.

Selectors get IRIs derived from their quotation's (no blank nodes), so converting the same
project twice gives the same triples. The passages of one case coded with one code in one phase
support one cokg:CodedFinding coded to the framework constructs that code (or the nearest code
above it) is mapped to with an exact, close or broad match: the existing saved queries, the
report and the evidence gaps then see imported quotations like any others. Codes with no such
mapping are reported; their passages are stored, coded, and support no finding.

Codes and case variables that carry a rating (cokg.qda.ratings: "Leadership engagement (+2)",
a "+2" nested under a construct's code, a case variable named after a construct) become one
cokg:ConstructRating per case, construct, phase and coder, justified by the findings of the
rating codes; one coder giving one construct two values in one case and phase is an error.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
import unicodedata
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from rdflib import Graph, Literal, Namespace, URIRef

from cokg.errors import InputError
from cokg.namespaces import (
    COKG,
    COKGID,
    DCTERMS,
    FRAMEWORK,
    PROV,
    RDF,
    RDFS,
    SKOS,
    XSD,
    curie,
)
from cokg.qda.model import Project, Selection, Source, VariableValueType
from cokg.qda.ratings import RATED_SCHEMES, split_valence, valence_only, variable_rating
from cokg.qda.writing import guid as concept_guid
from cokg.vocabulary import PHASES, RATING_VALUES

__all__ = [
    "OA",
    "CaseCounts",
    "Conversion",
    "MappingRow",
    "StoreContext",
    "code_paths",
    "coder_pseudonym",
    "convert_project",
    "digest",
    "legacy_project_id",
    "project_id",
    "quotation_id",
    "recognise_codes",
    "store_context",
]

# The W3C Web Annotation vocabulary (declared in ontology/modules/reused.ttl).
OA = Namespace("http://www.w3.org/ns/oa#")

SKOS_MATCHES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch,
                SKOS.relatedMatch)  # fmt: skip
# The matches that make a code's passages evidence about the construct: the code means the
# construct (exact, close) or a part of it (broad: the construct is broader than the code).
# A narrow or related match is stored, but coding a finding to it would claim too much.
CODING_MATCHES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch)
# The matches that let a code's rating rate the construct: a rating of a part (broad match) is
# not a rating of the whole, and two parts rated apart would clash.
RATING_MATCHES = (SKOS.exactMatch, SKOS.closeMatch)
CONTEXT = 32  # characters of text kept on each side of a passage (TextQuoteSelector)
# The shapes' informant code (shapes/evidence.ttl): capital letters and digits, at least one
# digit, in parts joined by - _ or . (P01, KE-03, DND-05, JKG-FL-01).
INFORMANT_CODE = re.compile(r"([A-Z0-9]+[-_.])*[A-Z0-9]*[0-9][A-Z0-9]*([-_.][A-Z0-9]+)*")
# A source name that starts with a code: its first word (a file's extension aside) written in
# capitals and of the code's form ("P01 interview", "KE-03.docx", "SITE2_P14 notes"), or the
# founding study's form in any case ("dnd-05"). A word ("Interview 3", "Doc1") is no code.
_FIRST_WORD = re.compile(r"^\s*(\S+?)(?:\.[a-z][a-z0-9]{0,4})?(?:\s|$)")
_FOUNDING_CODE = re.compile(r"[A-Za-z]{3}(?:-[A-Za-z]{2})?-[0-9]{2}")
_CODE_PARTS = re.compile(r"[-_.]")
# A date at the start of a name ("2023-05-03 interview P07", "20230503 P07", "03.05.2023 P07")
# has a code's form (digits in parts) but names no one.
_DATE_WORD = re.compile(
    r"(?:19|20)[0-9]{2}(?:[-_.]?[0-9]{2}){0,2}|[0-9]{1,2}[-_.][0-9]{1,2}[-_.](?:19|20)?[0-9]{2}"
)
_PSEUDONYM = re.compile(r"coder-[0-9a-f]{8}")
INFORMANT_VARIABLES = ("informant", "informant code")
PHASE_VARIABLES = ("phase",)
_TYPES = {"Text": None, "Boolean": XSD.boolean, "Integer": XSD.integer, "Float": XSD.decimal,
          "Date": XSD.date, "DateTime": XSD.dateTime}  # fmt: skip


def leading_code(name: str) -> str | None:
    """The informant code a source's name starts with (see _FIRST_WORD), whole, else None. A
    date (2023-05-03, 20230503, a year) is no code."""
    m = _FIRST_WORD.match(name)
    if m is None:
        return None
    word = m.group(1)
    if _DATE_WORD.fullmatch(word):
        return None
    if word == word.upper() and INFORMANT_CODE.fullmatch(word):
        return word
    return word if _FOUNDING_CODE.fullmatch(word) else None


def _second_code(name: str) -> str | None:
    """A word after the first of a source's name that is written like an informant code too
    ("T1 P08 interview": a wave, then the informant), else None."""
    for word in name.split()[1:]:
        word = word.strip(",;:()[]")
        code_like = word and word == word.upper() and INFORMANT_CODE.fullmatch(word)
        if code_like and not _DATE_WORD.fullmatch(word):
            return word
    return None


class MappingRow(Protocol):
    """One row of an SSSOM mapping set (cokg.linking.sssom.Mapping has these)."""

    subject_id: str
    subject_label: str | None
    predicate_iri: str
    object_iri: str
    mapping_justification: str | None
    confidence: Any
    comment: str | None


# --- ids ---------------------------------------------------------------------------------------


def digest(*parts: str, size: int = 16) -> str:
    """`size` hex characters of the SHA-256 of the parts (joined by a unit separator)."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:size]


def project_id(project: Project, fallback: str) -> str:
    """The submission id of a project: qda-<slug of its name> (of `fallback`, the file's stem,
    for a nameless one), at most 64 characters: "Étude Québec – entrevues" ->
    qda-etude-quebec-entrevues (`cokg.slugs.slug`)."""
    from cokg.slugs import slug
    from cokg.validate import check_submission_id

    return check_submission_id("qda-" + slug(project.name or fallback, max_length=60))


def legacy_project_id(project: Project, fallback: str) -> str | None:
    """The id earlier versions of cokg gave the project (accented letters dropped from its
    name: qda-tude-qu-bec-entrevues), when it is not the one it gets now."""
    from cokg.slugs import legacy_slug
    from cokg.validate import check_submission_id

    old = ("qda-" + legacy_slug(project.name or fallback))[:64].strip("-")
    return check_submission_id(old) if old != project_id(project, fallback) else None


def quotation_id(text_sha256: str, start: int, end: int) -> str:
    """Q followed by 12 digits, from the span's key alone: stable whatever else is coded."""
    n = int(digest(text_sha256, str(start), str(end)), 16)
    return f"Q{10**11 + n % (9 * 10**11)}"


def coder_pseudonym(pid: str, name: str) -> str:
    """A coder's stable pseudonym in a project. A name that already is one (a project exported
    from cokg and read back) stays as it is."""
    if _PSEUDONYM.fullmatch(name):
        return name
    return "coder-" + digest(pid, name, size=8)


# --- what the conversion needs from the store --------------------------------------------------


@dataclass(frozen=True)
class StoredInformant:
    iri: URIRef
    case: URIRef | None
    graphs: frozenset[str]


@dataclass(frozen=True)
class StoreContext:
    """The stored records an import may refer to (see `store_context`)."""

    cases: Mapping[str, URIRef] = field(default_factory=dict)  # case id -> case IRI
    # (case IRI, code) -> informant: a code is unique within its case, not across cases
    informants: Mapping[tuple[URIRef | None, str], StoredInformant] = field(default_factory=dict)
    location_codes: frozenset[str] = frozenset()
    concepts: frozenset[URIRef] = frozenset()  # concepts of the framework schemes
    parents: frozenset[URIRef] = frozenset()  # those other concepts are under (domains)
    schemes: Mapping[URIRef, frozenset[str]] = field(default_factory=dict)  # concept -> schemes
    # framework concepts by the name cokg's codebooks give their codes (`cokg export-qdc`)
    concept_names: Mapping[str, tuple[ConceptName, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class ConceptName:
    """A framework concept as a code of cokg's codebooks is named after it."""

    concept: URIRef
    frameworks: frozenset[str]  # its framework's title and short name (cfir-2022)
    numbered: bool  # the name starts with the concept's notation ("II.A Innovation Source")


def store_context(store: Any) -> StoreContext:
    """Cases, informants, location codes and framework concepts of `store` (one saved query,
    run in this process: the caller may hold the store open for writing)."""
    from cokg.query import get_query

    rows = store.query(get_query("qda-import-context").body, internal=True).rows
    cases: dict[str, URIRef] = {}
    informants: dict[tuple[URIRef | None, str], tuple[URIRef, set[str]]] = {}
    codes: set[str] = set()
    concepts: set[URIRef] = set()
    parents: set[URIRef] = set()
    schemes: dict[URIRef, set[str]] = {}
    for row in rows:
        kind, record, key = str(row["kind"]), row["record"], str(row["key"])
        if not isinstance(record, URIRef):
            continue
        if kind == "case":
            cases[key] = record
        elif kind == "informant":
            case = row.get("case")
            at = (case if isinstance(case, URIRef) else None, key)
            informants.setdefault(at, (record, set()))[1].add(str(row["graph"]))
        elif kind == "location-code":
            codes.add(key)
        elif kind == "concept":
            concepts.add(record)
            schemes.setdefault(record, set()).add(key)
        elif kind == "parent":
            parents.add(record)
    return StoreContext(
        cases=cases,
        informants={k: StoredInformant(i, k[0], frozenset(g)) for k, (i, g) in informants.items()},
        location_codes=frozenset(codes),
        concepts=frozenset(concepts),
        parents=frozenset(parents),
        schemes={c: frozenset(s) for c, s in schemes.items()},
        concept_names=_concept_names(store, frozenset(concepts)),
    )


def _concept_names(store: Any, concepts: frozenset[URIRef]) -> dict[str, tuple[ConceptName, ...]]:
    """The framework concepts by their code names in cokg's codebooks (`scheme-concepts`)."""
    from cokg.qda.codebook import code_name
    from cokg.query import get_query

    seen: dict[URIRef, tuple[str | None, str | None, set[str]]] = {}
    for row in store.query(get_query("scheme-concepts").body, internal=True).rows:
        concept, scheme = row["concept"], str(row["scheme"])
        if concept not in concepts or not scheme.startswith(str(FRAMEWORK)):
            continue
        assert isinstance(concept, URIRef)
        notation, label, names = seen.get(concept, (None, None, set()))
        names.add(scheme[len(str(FRAMEWORK)) :])
        if row.get("scheme_title") is not None:
            names.add(str(row["scheme_title"]))
        seen[concept] = (
            notation or _text(row.get("notation")), label or _text(row.get("label")), names
        )  # fmt: skip
    out: dict[str, list[ConceptName]] = {}
    for concept, (notation, label, names) in seen.items():
        name = code_name(str(concept), notation, label)
        numbered = bool(notation) and name.startswith(f"{notation} ")
        out.setdefault(_name_key(name), []).append(ConceptName(concept, frozenset(names), numbered))
    return {k: tuple(v) for k, v in out.items()}


def _text(term: object) -> str | None:
    return None if term is None else str(term)


def _name_key(name: str) -> str:
    """A code name as matched: spacing folded (programs may trim or double a space)."""
    return " ".join(name.split())


def fold(name: str) -> str:
    """A code's name or path as a reader takes it: case, spacing at the ends and inside, and
    Unicode form aside ("Leadership", "leadership ", "LEADERSHIP"; "Straße", "STRASSE")."""
    return unicodedata.normalize(
        "NFC", " ".join(unicodedata.normalize("NFC", name).split()).casefold()
    )


def code_paths(project: Project) -> tuple[dict[str, str], list[str]]:
    """Each code's path of names from the codebook's root ("Inner Setting/Culture"), by GUID
    (the codes come parents first), and a warning for each second sibling of one name, told
    apart by order ("Culture (2)"), and for codes whose paths differ only as `fold` ignores
    (two codes to the program, one to a reader). A mapping row's subject_label names a code
    so."""
    paths: dict[str, str] = {}
    taken: set[str] = set()
    warnings: list[str] = []
    for guid, code in project.codes.items():
        parent = paths.get(code.parent) if code.parent else None
        path = f"{parent}/{code.name}" if parent else code.name
        if path in taken:
            n = 2
            while f"{path} ({n})" in taken:
                n += 1
            warnings.append(
                f"code {path!r} appears twice in the codebook: the second is “{path} ({n})”"
            )
            path = f"{path} ({n})"
        paths[guid] = path
        taken.add(path)
    alike: dict[str, list[str]] = {}
    for path in paths.values():
        alike.setdefault(fold(path), []).append(path)
    for group in alike.values():
        if len(group) > 1:
            shown = ", ".join(repr(p) for p in group)
            warnings.append(
                f"codes {shown} differ only in case, spaces or Unicode form: they are "
                f"imported as {len(group)} codes; merge them in the QDA program if they are "
                "one (a mapping row names each exactly, by its name, path or GUID)"
            )
    return paths, warnings


def recognise_codes(
    project: Project, ctx: StoreContext, *, skip: Container[str] = ()
) -> dict[str, tuple[URIRef, str]]:
    """The codes of `project` that are framework concepts, by GUID: (the concept, why). A code
    with the GUID cokg's codebooks give a concept (`cokg export-qdc`, `cokg export-qdpx`) is
    that concept; so is a code named as they name it, when the name holds the concept's
    notation ("II.A Innovation Source", a rating after it too: "IV.M Motivation (+2)") or a
    code above it is named after the framework (its title or short name, as `cokg
    export-qdpx` files them). A name several concepts share is left to a mapping row; codes in
    `skip` (those a mapping row maps) are passed over."""
    by_guid = {concept_guid(str(c)): c for c in ctx.concepts}
    out: dict[str, tuple[URIRef, str]] = {}
    for code_guid in project.codes:
        if code_guid in skip:
            continue
        concept = by_guid.get(code_guid.lower())
        if concept is not None:
            out[code_guid] = (concept, "its GUID is the one cokg's codebooks give that concept")
            continue
        concept = _concept_named(project, ctx, code_guid)
        if concept is not None:
            out[code_guid] = (concept, "its name is the one cokg's codebooks give that concept")
    return out


def _concept_named(project: Project, ctx: StoreContext, code_guid: str) -> URIRef | None:
    name = project.codes[code_guid].name
    rated = split_valence(name)  # "IV.M Motivation (+2)": the construct, rated
    candidates = ctx.concept_names.get(_name_key(name), ()) or (
        ctx.concept_names.get(_name_key(rated[0]), ()) if rated else ()
    )
    if not candidates:
        return None
    above: set[str] = set()
    seen = {code_guid}
    up = project.codes[code_guid].parent
    while up is not None and up in project.codes and up not in seen:
        seen.add(up)
        above.add(_name_key(project.codes[up].name))
        up = project.codes[up].parent
    above.add(_name_key(project.name or ""))
    filed = [c for c in candidates if c.frameworks & above]
    numbered = [c for c in candidates if c.numbered]
    chosen = filed or numbered
    return chosen[0].concept if len(chosen) == 1 else None


# --- the result ----------------------------------------------------------------------------------


@dataclass
class CaseCounts:
    texts: int = 0
    quotations: int = 0
    codings: int = 0
    findings: int = 0
    ratings: int = 0


@dataclass
class Conversion:
    """The submission graph of a project, what it holds, and what the steward should know."""

    project_id: str
    graph: Graph
    codes: int = 0
    mapped_codes: int = 0
    recognised_codes: int = 0  # mapped as framework concepts by GUID or name, with no row
    unmapped_codes: tuple[str, ...] = ()  # code paths
    texts: int = 0
    quotations: int = 0
    codings: int = 0
    findings: int = 0
    ratings: int = 0
    memos: int = 0
    annotations: int = 0
    informants_added: int = 0
    repeated_codings: int = 0  # a code applied twice by one coder to one passage
    # coder's name -> the pseudonym stored for them (shown to the steward, never stored)
    pseudonyms: dict[str, str] = field(default_factory=dict)
    category_codings: dict[str, int] = field(default_factory=dict)  # category path -> codings
    # (source name, code) for the texts whose informant is read from the start of their name
    named_informants: list[tuple[str, str]] = field(default_factory=list)
    per_case: dict[str, CaseCounts] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


# --- literals ----------------------------------------------------------------------------------


def _datetime(value: dt.datetime) -> Literal:
    """As the store writes it back (UTC as Z), so a re-import compares equal."""
    text = value.isoformat()
    if value.utcoffset() == dt.timedelta(0):
        text = value.replace(tzinfo=None).isoformat() + "Z"
    return Literal(text, datatype=XSD.dateTime)


def _decimal(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def typed_value(value: VariableValueType, kind: str) -> Literal:
    """A variable's value as the literal of its REFI-QDA type, in canonical form."""
    datatype = _TYPES[kind]
    if kind == "DateTime" and isinstance(value, dt.datetime):
        return _datetime(value)
    if isinstance(value, bool):
        return Literal("true" if value else "false", datatype=datatype)
    if isinstance(value, Decimal):
        return Literal(_decimal(value), datatype=datatype)
    if isinstance(value, dt.date):
        return Literal(value.isoformat(), datatype=datatype)
    return Literal(str(value), datatype=datatype)


# --- the conversion ----------------------------------------------------------------------------


@dataclass
class _Span:
    start: int
    end: int
    selections: list[Selection]


@dataclass(frozen=True)
class _Vote:
    """One thing that rates a construct in a case: a rating code applied to a passage (`name`
    its code's path), or a case variable (`name` the variable, `value` as written)."""

    notation: str
    name: str
    value: str | None = None
    when: dt.datetime | None = None
    finding: URIRef | None = None
    quotation: URIRef | None = None

    @property
    def shown(self) -> str:
        return f"variable “{self.name}”" if self.value is not None else f"code “{self.name}”"


# (case id, construct, phase, coder's user guid): one rating each
_Cell = tuple[str, URIRef, str | None, str | None]


def convert_project(
    project: Project,
    *,
    pid: str,
    context: StoreContext,
    cases: Mapping[str, str] | None = None,
    mappings: Sequence[MappingRow] = (),
    informants: Mapping[str, str] | None = None,
    phase: str | None = None,
    include_text: bool = False,
    coder_names: bool = False,
    file: str | None = None,
    mapping_file: str | None = None,
) -> Conversion:
    """The submission graph of `project` under the submission id `pid`.

    `cases`: QDA case name -> case id (None: every QDA case name must be a stored case id);
    `mappings`: SSSOM rows mapping codes to framework concepts; `informants`: source name ->
    informant code (else a variable "Informant", else a code the source's name starts with);
    `phase`: the phase of sources that give none (a variable "Phase" of the source or its case).
    Raises InputError listing every problem, one per line, the first naming `file`."""
    return _Converter(project, pid, context, file, mapping_file).run(
        cases=cases,
        mappings=mappings,
        informants=informants or {},
        phase=phase,
        include_text=include_text,
        coder_names=coder_names,
    )


class _Converter:
    def __init__(
        self,
        project: Project,
        pid: str,
        context: StoreContext,
        file: str | None,
        mapping_file: str | None,
    ) -> None:
        self.p = project
        self.pid = pid
        self.ctx = context
        self.file = file or (project.name or pid)
        self.mapping_file = mapping_file or "the mappings"
        self.g = Graph()
        # a passage whose offsets' unit is in doubt would be quoted as other words
        self.problems: list[str] = list(project.offset_doubts)
        self.out = Conversion(pid, self.g, warnings=list(project.warnings))
        self.project_iri = COKGID[f"source/{pid}"]
        self.codebook = COKGID[f"codebook/{pid}"]
        self.paths: dict[str, str] = {}  # code guid -> path
        self.code_iris: dict[str, URIRef] = {}
        self.constructs: dict[str, list[URIRef]] = {}  # code guid -> constructs coded to
        self.base_paths: dict[str, str] = {}  # code guid -> path, a rating suffix taken off
        self.rating_constructs: dict[str, list[URIRef]] = {}  # code guid -> its own to rate
        self.variable_matches: dict[str, set[URIRef]] = {}  # variable name -> constructs
        self.rated: dict[str, tuple[str, list[URIRef]]] = {}  # code guid -> rating, constructs
        self.votes: dict[_Cell, list[_Vote]] = {}
        self.agents: dict[str, URIRef] = {}
        # quotation -> (informant, source, phase) of the first source holding its text
        self.quoted: dict[URIRef, tuple[URIRef | None, str, str | None]] = {}

    def add(self, s: URIRef, p: URIRef, o: Any) -> None:
        self.g.add((s, p, o))

    def problem(self, message: str) -> None:
        self.problems.append(message)

    # ---------------------------------------------------------------- the run
    def run(
        self,
        *,
        cases: Mapping[str, str] | None,
        mappings: Sequence[MappingRow],
        informants: Mapping[str, str],
        phase: str | None,
        include_text: bool,
        coder_names: bool,
    ) -> Conversion:
        if phase is not None and phase not in PHASES:
            raise InputError(f"--phase {phase!r}: use one of {', '.join(PHASES)}")
        self.coder_names = coder_names
        self._project()
        self._codes()
        self._mappings(mappings)
        source_cases, case_of_qda = self._cases(cases)
        self._variables()
        texts: dict[str, URIRef] = {}
        anchors: dict[str, dict[tuple[int, int], URIRef]] = {}
        seen_digests: dict[str, tuple[str, str]] = {}  # text -> (first source, its case)
        for source in self.p.sources.values():
            case_id = source_cases.get(source.guid)
            if case_id is None:
                continue  # reported by _cases
            copy_of = seen_digests.get(source.sha256)
            if copy_of is not None and copy_of[1] != case_id:
                # one text is one record, of one case: its passages would be evidence about
                # the other case's
                self.problem(
                    f"source {source.name!r} (case {case_id}) has the same text as "
                    f"{copy_of[0]!r} (case {copy_of[1]}): a text belongs to one case; remove the "
                    "copy in the QDA program, or put both in the case they belong to"
                )
                continue
            if copy_of is not None:
                self.out.warnings.append(
                    f"source {source.name!r} has the same text as {copy_of[0]!r}: imported "
                    "once, with the passages of both"
                )
            seen_digests.setdefault(source.sha256, (source.name, case_id))
            texts[source.guid], anchors[source.guid] = self._text(
                source, case_id, informants, phase, include_text
            )
        names = {source.name for source in self.p.sources.values()}
        for name in sorted(
            set(informants) - names - set(self.p.left_out)
        ):  # a typo there left its source unmapped
            close = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.6)
            hint = f" — did you mean {close[0]!r}?" if close else ""
            self.out.warnings.append(f"--informants: {name!r} names no text of the project{hint}")
        self._attributes(source_cases, case_of_qda, texts)
        self._memos(texts, anchors)
        self._ratings(case_of_qda)
        for path, n in sorted(self.out.category_codings.items()):
            self.out.warnings.append(
                f"code {path!r} is a category (not codable in the QDA program), yet "
                f"{n} coding{'s' * (n != 1)} use{'s' * (n == 1)} it: imported as codings; "
                "move them to the codes under it if the category was not meant"
            )
        if self.out.repeated_codings:
            n = self.out.repeated_codings
            self.out.warnings.append(
                f"{n} coding{'s' * (n != 1)} repeat{'s' * (n == 1)} another (the same passage, "
                "code and coder, applied twice in the QDA program): each is counted once"
            )
        if self.problems:
            first, rest = self.problems[0], len(self.problems) - 1
            more = f" (and {rest} more problem{'s' * (rest != 1)}: --dry-run lists them)"
            exc = InputError(first + (more if rest else ""), file=self.file)
            exc.problems = list(self.problems)  # type: ignore[attr-defined]
            raise exc
        return self.out

    # ---------------------------------------------------------------- project and codebook
    def _project(self) -> None:
        p, name = self.project_iri, self.p.name or self.pid
        self.add(p, RDF.type, COKG.QdaProject)
        self.add(p, RDFS.label, Literal(f"QDA project “{name}”"))
        self.add(p, DCTERMS.title, Literal(name))
        if self.p.description:
            self.add(p, DCTERMS.description, Literal(self.p.description))
        self.add(p, COKG.hasCodebook, self.codebook)
        cb = self.codebook
        self.add(cb, RDF.type, COKG.Codebook)
        self.add(cb, RDF.type, SKOS.ConceptScheme)
        self.add(cb, DCTERMS.title, Literal(name))
        self.add(cb, RDFS.label, Literal(f"Codebook of “{name}”"))

    def _codes(self) -> None:
        codes = self.p.codes
        self.paths, warnings = code_paths(self.p)
        self.out.warnings.extend(warnings)
        for guid, code in codes.items():
            path = self.paths[guid]
            parent = self.paths.get(code.parent) if code.parent else None
            # "Culture (+2)" sits where "Culture" would; under a code "Culture", in its place
            split = split_valence(code.name)
            if split is None:
                self.base_paths[guid] = path
            elif code.parent in codes and codes[code.parent].name.strip() == split[0]:
                self.base_paths[guid] = parent or split[0]
            else:
                self.base_paths[guid] = f"{parent}/{split[0]}" if parent else split[0]
            iri = COKGID[f"code/{self.pid}/{digest(path)}"]
            self.code_iris[guid] = iri
            self.add(iri, RDF.type, COKG.Code)
            self.add(iri, RDF.type, SKOS.Concept)
            if not code.codable:
                self.add(iri, RDF.type, COKG.CodeCategory)
            self.add(iri, SKOS.prefLabel, Literal(code.name))
            self.add(iri, SKOS.inScheme, self.codebook)
            if code.description:
                self.add(iri, SKOS.definition, Literal(code.description))
            if code.color and re.fullmatch(r"#[0-9A-Fa-f]{6}", code.color):
                self.add(iri, COKG.codeColour, Literal(code.color.upper()))
            if code.parent and code.parent in self.code_iris:
                self.add(iri, SKOS.broader, self.code_iris[code.parent])
            else:
                self.add(iri, SKOS.topConceptOf, self.codebook)
        self.out.codes = len(codes)

    def _codes_named(self, label: str) -> tuple[list[str], list[str]]:
        """The codes `label` names, by path or by name: the code itself and the codes named
        like it with a rating ("Culture (+2)", "Culture [-1]": the rating is not part of the
        construct's name). Else no codes and the places, when it names codes at several."""
        rated = [g for g in self.p.codes if self.base_paths[g] != self.paths[g]]
        by_path = [g for g, path in self.paths.items() if path == label]
        family = [g for g in rated if self.base_paths[g] == label]
        if by_path or family:
            return by_path[:1] + [g for g in family if g not in by_path[:1]], []
        named = [g for g, c in self.p.codes.items() if c.name == label]
        family = [g for g in rated if (split_valence(self.p.codes[g].name) or ("",))[0] == label]
        places = sorted({self.paths[g] for g in named} | {self.base_paths[g] for g in family})
        if len(places) > 1:
            return [], places
        return named + family, []

    def _codes_folded(self, label: str) -> tuple[list[str], list[str]]:
        """The codes `label` names by path or name as `fold` reads them (each with the codes
        named like it plus a rating), and the places they are at (their paths)."""
        want = fold(label)
        rated = [g for g in self.p.codes if self.base_paths[g] != self.paths[g]]
        named = [g for g, c in self.p.codes.items()
                 if want in (fold(self.paths[g]), fold(c.name))]  # fmt: skip
        family = [
            g
            for g in rated
            if want
            in (fold(self.base_paths[g]), fold((split_valence(self.p.codes[g].name) or ("",))[0]))
        ]
        places = sorted({self.paths[g] for g in named} | {self.base_paths[g] for g in family})
        return named + [g for g in family if g not in named], places

    def _named(self, guid: str, label: str) -> bool:
        """Whether `label` is exactly the code's path or name (a rating after it aside)."""
        name = self.p.codes[guid].name
        base = (split_valence(name) or ("",))[0]
        return label in (self.paths[guid], self.base_paths[guid], name, base)

    def _variable_named(self, label: str) -> str | None:
        return next((v.name for v in self.p.variables.values() if v.name.strip() == label), None)

    def _find_codes(self, row: MappingRow) -> list[str]:
        """The codes a mapping row is about: by GUID (the local part of subject_id), by path,
        or by a name no code elsewhere has (with the codes named like it plus a rating). No
        codes, with a problem, when it names codes at several places; with a warning when it
        names no code, unless it names a variable (a case variable holding ratings)."""
        local = re.split(r"[/#:]", (row.subject_id or "").strip())[-1].strip("{}").lower()
        if local in self.p.codes:
            return [local]
        label = (row.subject_label or "").strip()
        found, places = self._codes_named(label)
        if places:
            shown = ", ".join(repr(p) for p in places)
            self.problem(
                f"{self.mapping_file}: {_row(row)}: {label!r} names {len(places)} codes "
                f"({shown}): give the code's path as subject_label"
            )
            return []
        # the codes named so but for case, spaces or Unicode form: a label typed or trimmed
        # differently from the program's name, or codes a reader takes for one
        folded, folded_places = self._codes_folded(label) if label else ([], [])
        if found:
            others = sorted(
                {self.paths[g] for g in folded if g not in found and not self._named(g, label)}
            )
            if others:
                self.out.warnings.append(
                    f"{self.mapping_file}: {_row(row)}: maps the code {label!r}, named so "
                    f"exactly, not {', '.join(repr(o) for o in others)}, which differ from it "
                    "only in case, spaces or Unicode form: add a row naming each (by its path "
                    "or GUID) if it is the same construct"
                )
            return found
        if len(folded_places) > 1:
            shown = ", ".join(repr(p) for p in folded_places)
            self.problem(
                f"{self.mapping_file}: {_row(row)}: no code is named {label!r} exactly, and "
                f"{len(folded_places)} codes are named so but for case, spaces or Unicode form "
                f"({shown}): give the code's name exactly, its path, or its GUID as the local "
                "part of subject_id"
            )
            return []
        if folded and not self._variable_named(label):
            self.out.warnings.append(
                f"{self.mapping_file}: {_row(row)}: no code is named {label!r} exactly; "
                f"mapped to {folded_places[0]!r}, the one code named so but for case, spaces "
                "or Unicode form"
            )
            return folded
        if not found and not (label and self._variable_named(label)):
            self.out.warnings.append(
                f"{self.mapping_file}: {_row(row)}: no code {label or row.subject_id!r} in this "
                "project: row not used"
            )
        return found

    def _mappings(self, rows: Sequence[MappingRow]) -> None:
        mapped: dict[str, set[tuple[URIRef, URIRef]]] = {}
        for row in rows:
            guids = self._find_codes(row)
            predicate, obj = URIRef(str(row.predicate_iri)), URIRef(str(row.object_iri))
            if predicate not in SKOS_MATCHES:
                self.problem(
                    f"{self.mapping_file}: {_row(row)}: predicate {row.predicate_iri} is not a "
                    "SKOS mapping property (skos:exactMatch, closeMatch, broadMatch, narrowMatch "
                    "or relatedMatch)"
                )
                continue
            if obj not in self.ctx.concepts:
                self.problem(
                    f"{self.mapping_file}: {_row(row)}: {row.object_iri} is not a concept of a "
                    "stored framework (see `cokg constructs`)"
                )
                continue
            variable = self._variable_named((row.subject_label or "").strip())
            if not guids and variable is not None:
                if predicate in RATING_MATCHES:
                    # not stored: it only says which construct the variable's values rate
                    self.variable_matches.setdefault(variable, set()).add(obj)
                else:
                    self.out.warnings.append(
                        f"{self.mapping_file}: {_row(row)}: names the variable {variable!r}, "
                        "which only an exact or close match can map to the construct its "
                        "values rate: row not used"
                    )
            for guid in guids:
                self._mapping(guid, row, predicate, obj, mapped)
        self._recognised(mapped)
        # what each code's passages are evidence about: its own exact/close/broad matches, else
        # those of the nearest code above it (a code nested under one mapped to a construct is
        # part of that construct)
        inherited: dict[str, list[str]] = {}  # code above -> codes taking its domain
        for guid in self.p.codes:
            up: str | None = guid
            found: list[URIRef] = []
            holder = guid
            while up is not None and not found:
                found = sorted(o for p, o in mapped.get(up, ()) if p in CODING_MATCHES)
                holder = up
                up = self.p.codes[up].parent if up in self.p.codes else None
            self.constructs[guid] = found
            if holder != guid and any(c in self.ctx.parents for c in found):
                inherited.setdefault(holder, []).append(self.paths[guid])
        for holder, below in inherited.items():  # coded to a whole domain, not a construct
            targets = ", ".join(curie(str(c)) for c in self.constructs[holder])
            shown = ", ".join(repr(b) for b in below[:5]) + (
                f" and {len(below) - 5} more" if len(below) > 5 else ""
            )
            self.out.warnings.append(
                f"{len(below)} code{'s' * (len(below) != 1)} under {self.paths[holder]!r} "
                f"take{'s' * (len(below) == 1)} its mapping to {targets}, a domain of its "
                f"framework, not one of the constructs under it: {shown}; map "
                f"{'each' if len(below) != 1 else 'it'} to its construct (--codes) if "
                f"{'they are' if len(below) != 1 else 'it is'} one"
            )
        unmapped = []
        for guid in self.p.codes:
            up2: str | None = guid
            while up2 is not None and up2 not in mapped:
                up2 = self.p.codes[up2].parent if up2 in self.p.codes else None
            if up2 is None:
                unmapped.append(self.paths[guid])
        self.out.unmapped_codes = tuple(unmapped)
        self.out.mapped_codes = len(self.p.codes) - len(unmapped)
        # a category (isCodable false) holds no passages: nothing of it goes unused
        categories = {self.paths[g] for g, c in self.p.codes.items() if not c.codable}
        for path in (p for p in unmapped if p not in categories):
            self.out.warnings.append(
                f"code {path!r} is not mapped to a framework construct (nor is any code above "
                "it): its passages are imported but support no finding"
            )
        self._rating_codes(mapped)

    def _recognised(self, mapped: dict[str, set[tuple[URIRef, URIRef]]]) -> None:
        """Codes that are framework concepts (`recognise_codes`), each an exact match unless
        a mapping row maps it."""
        for code_guid, (concept, how) in recognise_codes(self.p, self.ctx, skip=mapped).items():
            row = _Recognised(code_guid, self.p.codes[code_guid].name, str(concept), how)
            self._mapping(code_guid, row, SKOS.exactMatch, concept, mapped)
            self.out.recognised_codes += 1

    def _mapping(
        self,
        guid: str,
        row: MappingRow,
        predicate: URIRef,
        obj: URIRef,
        mapped: dict[str, set[tuple[URIRef, URIRef]]],
    ) -> None:
        code = self.code_iris[guid]
        if (predicate, obj) in mapped.setdefault(guid, set()):
            return
        mapped[guid].add((predicate, obj))
        self.add(code, predicate, obj)
        node = COKGID[f"mapping/{self.pid}/{digest(self.paths[guid], predicate, obj)}"]
        self.add(node, RDF.type, COKG.ConceptMapping)
        self.add(node, COKG.subject, code)
        self.add(node, COKG.predicate, predicate)
        self.add(node, COKG.object, obj)
        if row.confidence is not None and str(row.confidence).strip():
            self.add(node, COKG.confidence, Literal(_decimal(Decimal(str(row.confidence))),
                                                     datatype=XSD.decimal))  # fmt: skip
        why = _justification(row)
        if why:
            self.add(node, COKG.mappingJustification, Literal(why))

    # ---------------------------------------------------------------- ratings
    def _rateable(self, concept: URIRef) -> bool:
        """A construct of a framework that is rated (not an outcome): by its stored scheme,
        else (a context built by hand) by the scheme its IRI sits under."""
        schemes = self.ctx.schemes.get(concept) or {str(concept).rsplit("/", 1)[0]}
        return bool(schemes & RATED_SCHEMES)

    def _rating_codes(self, mapped: Mapping[str, set[tuple[URIRef, URIRef]]]) -> None:
        """Which codes rate which constructs: form (a), a code mapped itself and named with a
        rating; form (b), a code named only by a rating, under a code mapped itself."""
        for guid in self.p.codes:
            self.rating_constructs[guid] = sorted(
                o for p, o in mapped.get(guid, ()) if p in RATING_MATCHES and self._rateable(o)
            )
        for guid, code in self.p.codes.items():
            own = self.rating_constructs[guid]
            split = split_valence(code.name)
            bare = valence_only(code.name) if code.parent in self.p.codes else None
            if split and own:
                self.rated[guid] = (split[1], own)
            elif bare and (own or self.rating_constructs[code.parent or ""]):
                self.rated[guid] = (bare, own or self.rating_constructs[code.parent or ""])
            elif (split or bare) and self.constructs.get(guid):
                what = f"{split[0]!r}" if split else "the code above it"
                self.out.warnings.append(
                    f"code {self.paths[guid]!r} reads as a rating ({split[1] if split else bare})"
                    f" but {what} has no exact or close match to a construct of CFIR 2022, CFIR "
                    "2009, Greenhalgh 2004 or the study frame: no rating is derived from it"
                )

    def _variable_constructs(self, name: str) -> list[URIRef]:
        """The constructs a case variable rates: those its name's codes (or a mapping row
        naming the variable) have an exact or close match to."""
        found, _places = self._codes_named(name.strip())
        out = set(self.variable_matches.get(name, set()))
        for guid in found:
            out.update(self.rating_constructs[guid])
        return sorted(c for c in out if self._rateable(c))

    def _ratings(self, case_of_qda: Mapping[str, str]) -> None:
        cells: dict[_Cell, list[_Vote]] = {k: list(v) for k, v in self.votes.items()}
        for case in self.p.cases:
            cid = case_of_qda.get(case.guid)
            if cid is None:
                continue
            for vv in case.variables:
                var = self.p.variables.get(vv.variable)
                constructs = self._variable_constructs(var.name) if var is not None else []
                if var is None or not constructs:
                    continue
                notation = variable_rating(vv.value)
                if notation is None:
                    self.out.warnings.append(
                        f"case {case.name!r}: variable {var.name!r} rates "
                        f"{', '.join(curie(str(c)) for c in constructs)} but {str(vv.value)!r} "
                        "is not a rating (+2, +1, 0, -1, -2, X or missing): no rating derived"
                    )
                    continue
                for c in constructs:
                    vote = _Vote(notation, var.name, str(vv.value))
                    cells.setdefault((cid, c, None, None), []).append(vote)
        order = list(RATING_VALUES)
        for cell in sorted(cells, key=lambda k: tuple(str(x) for x in k)):
            votes = cells[cell]
            values = sorted({v.notation for v in votes}, key=order.index)
            if len(values) > 1:
                self._conflict(cell, values, votes)
            else:
                self._rating(cell, values[0], votes)

    def _conflict(self, cell: _Cell, values: list[str], votes: list[_Vote]) -> None:
        case_id, construct, phase, coder = cell
        if coder is not None:
            user = self.p.users.get(coder)
            who = f"coder {(user.name if user else coder)!r}"
        elif all(v.value is not None for v in votes):
            who = "the case's variables"
        else:
            who = "codings with no coder"
        given = ", ".join(
            f"{value} ({', '.join(sorted({v.shown for v in votes if v.notation == value}))})"
            for value in values
        )
        where = f" in {phase}" if phase else ""
        self.problem(
            f"case {case_id}: {who} gave {curie(str(construct))}{where} {len(values)} ratings, "
            f"{given}: one rater gives a construct one rating per case and phase — recode in the "
            "QDA program (X is the rating for a mixed influence)"
        )

    def _rating(self, cell: _Cell, notation: str, votes: list[_Vote]) -> None:
        case_id, construct, phase, coder = cell
        case = self.ctx.cases[case_id]
        agent = self._agent(coder)
        key = digest(self.pid, str(construct), phase or "", str(agent or ""))
        r = COKGID[f"rating/{case_id}/qda-{key}"]
        self.out.ratings += 1
        self.out.per_case.setdefault(case_id, CaseCounts()).ratings += 1
        self.add(r, RDF.type, COKG.ConstructRating)
        self.add(r, COKG.ratedCase, case)
        self.add(r, COKG.ratedConstruct, construct)
        if phase is not None:
            self.add(r, COKG.ratedPhase, PHASES[phase])
        self.add(r, COKG.ratingValue, RATING_VALUES[notation])
        if agent is not None:
            self.add(r, COKG.rater, agent)
        times = [v.when for v in votes if v.when is not None]
        if times:  # the latest coding: when the rating was last given
            latest = max(times, key=lambda t: t if t.tzinfo else t.replace(tzinfo=dt.UTC))
            self.add(r, DCTERMS.created, _datetime(latest))
        findings = {v.finding for v in votes if v.finding is not None}
        if all(v.quotation is None for v in votes):
            # a case variable names no passages: the case's findings about the construct
            findings = {
                f
                for f in self.g.subjects(COKG.codedTo, construct)
                if isinstance(f, URIRef) and (f, COKG.aboutCase, case) in self.g
            }
        for f in sorted(findings):
            self.add(r, COKG.justifiedBy, f)
        project = self.p.name or self.pid
        passages = len({v.quotation for v in votes if v.quotation is not None})
        if passages:
            codes = ", ".join(sorted({f"“{v.name}”" for v in votes}))
            by = f" by {self.g.value(agent, RDFS.label)}" if agent is not None else ""
            why = f"{passages} passage{'s' * (passages != 1)} coded {codes}{by}"
        else:
            why = "; ".join(sorted({f"the case variable “{v.name}” is “{v.value}”" for v in votes}))
        self.add(r, COKG.rationale, Literal(f"From the QDA project “{project}”: {why}."))

    # ---------------------------------------------------------------- cases
    def _cases(self, case_map: Mapping[str, str] | None) -> tuple[dict[str, str], dict[str, str]]:
        """source guid -> case id, and QDA case guid -> case id, for the mapped cases."""
        case_of_qda: dict[str, str] = {}
        unmapped: dict[str, list[str]] = {}  # source guid -> the unmapped cases it is in
        refused: set[str] = set()  # sources of cases refused above: said there, not again
        # case ids as the store has them, found whatever their case (ids are compared so
        # everywhere: LY-VEN is ly-ven), and the map's names likewise when one fits alone
        stored = {c.casefold(): c for c in self.ctx.cases}
        folded_map: dict[str, list[str]] = {}
        for name in case_map or {}:
            folded_map.setdefault(name.casefold(), []).append(name)
        for case in self.p.cases:
            if case.name is None:
                continue  # MAXQDA's nameless case: its variables belong to its source
            if case_map is None:
                cid = stored.get(case.name.strip().casefold(), case.name.strip())
                if cid not in self.ctx.cases:
                    self.problem(
                        f"case {case.name!r} is not a stored case id: give --cases MAP (a CSV "
                        "with columns case_name,case_id) to say which stored case it is"
                        + _did_you_mean(case.name.strip(), self.ctx.cases)
                    )
                    refused.update(case.sources)
                    continue
            else:
                name = case.name.strip()
                mapped = case_map.get(name)
                if mapped is None and len(folded_map.get(name.casefold(), [])) == 1:
                    mapped = case_map[folded_map[name.casefold()][0]]
                if mapped is None:
                    self.out.warnings.append(
                        f"case {case.name!r} is not in the case map: not imported"
                        + _did_you_mean(name, case_map)
                    )
                    for guid in case.sources:
                        unmapped.setdefault(guid, []).append(case.name)
                    continue
                cid = stored.get(mapped.casefold(), mapped)
                if cid not in self.ctx.cases:
                    self.problem(
                        f"case {case.name!r} maps to {cid!r}, which is not a stored case: "
                        "describe the case first (`cokg template`, then `cokg ingest`), or "
                        "correct the case map" + _did_you_mean(cid, self.ctx.cases)
                    )
                    refused.update(case.sources)
                    continue
            case_of_qda[case.guid] = cid
            if case.codes:
                self.out.warnings.append(
                    f"case {case.name!r}: codes applied to the whole case are not imported"
                )
        found: dict[str, set[str]] = {}
        for case in self.p.cases:
            if case.guid not in case_of_qda:
                continue
            members = set(case.sources)
            for sel_guid in case.selections:
                for source in self.p.sources.values():
                    if any(s.guid == sel_guid for s in source.selections):
                        members.add(source.guid)
            for guid in members:
                found.setdefault(guid, set()).add(case_of_qda[case.guid])
        out: dict[str, str] = {}
        for source in self.p.sources.values():
            ids = found.get(source.guid, set())
            if len(ids) == 1:
                out[source.guid] = next(iter(ids))
            elif not source.selections:
                self.out.warnings.append(
                    f"source {source.name!r} is coded nowhere and belongs to "
                    f"{'no' if not ids else 'more than one'} mapped case: not imported"
                )
            elif not ids and source.guid in unmapped:
                names = ", ".join(repr(n) for n in unmapped[source.guid])
                self.problem(
                    f"source {source.name!r} belongs to case {names}, which is not in the case "
                    "map (--cases): add a row case_name,case_id for it"
                )
            elif not ids and source.guid in refused:
                continue  # its case's mapping was refused, and said so
            elif not ids:
                self.problem(
                    f"source {source.name!r} belongs to no mapped case: add it to a case in the "
                    "QDA program, or map its case with --cases"
                )
            else:
                self.problem(
                    f"source {source.name!r} belongs to {len(ids)} cases "
                    f"({', '.join(sorted(ids))}): a coded text belongs to exactly one case"
                )
        return out, case_of_qda

    # ---------------------------------------------------------------- variables
    def _variables(self) -> None:
        for var in self.p.variables.values():
            iri = self._variable(var.name)
            self.add(iri, RDF.type, COKG.Variable)
            self.add(iri, RDFS.label, Literal(var.name))
            self.add(iri, COKG.variableType, Literal(var.type))
            self.add(iri, COKG.inProject, self.project_iri)
            if var.description:
                self.add(iri, DCTERMS.description, Literal(var.description))

    def _variable(self, name: str) -> URIRef:
        return COKGID[f"variable/{self.pid}/{digest(name)}"]

    def _value_of(self, names: Iterable[str], values: Iterable[Any]) -> str | None:
        """The value of the first variable named one of `names` (case-insensitive)."""
        wanted = {n.casefold() for n in names}
        for vv in values:
            var = self.p.variables.get(vv.variable)
            if var is not None and var.name.strip().casefold() in wanted:
                text = str(vv.value).strip()
                if text:
                    return text
        return None

    def _attributes(
        self, source_cases: Mapping[str, str], case_of_qda: Mapping[str, str],
        texts: Mapping[str, URIRef],
    ) -> None:  # fmt: skip
        owners: list[tuple[URIRef, str, list[Any]]] = []
        for case in self.p.cases:
            if case.name is None:
                if len(case.sources) == 1 and case.sources[0] in texts:
                    owners.append((texts[case.sources[0]], "its text", case.variables))
                elif case.variables:
                    self.out.warnings.append(
                        "a nameless case with variables holds other than one imported source: "
                        "its variables are not imported"
                    )
            elif case.guid in case_of_qda:
                cid = case_of_qda[case.guid]
                owners.append((self.ctx.cases[cid], f"case {cid}", case.variables))
        for guid, text in texts.items():
            owners.append((text, "its text", self.p.sources[guid].variables))
        done: dict[tuple[URIRef, str], Literal] = {}
        for owner, _label, values in owners:
            for vv in values:
                var = self.p.variables.get(vv.variable)
                if var is None:
                    continue
                value = typed_value(vv.value, var.type)
                key = (owner, var.name)
                if key in done:
                    if done[key] != value:
                        self.out.warnings.append(
                            f"variable {var.name!r} has two values for one record "
                            f"({done[key]} and {value}): the first is kept"
                        )
                    continue
                done[key] = value
                iri = COKGID[f"attribute/{self.pid}/{digest(str(owner), var.name)}"]
                self.add(iri, RDF.type, COKG.AttributeValue)
                self.add(iri, COKG.attributeOf, owner)
                self.add(iri, COKG.variable, self._variable(var.name))
                self.add(iri, COKG.value, value)

    # ---------------------------------------------------------------- agents
    def _agent(self, user_guid: str | None) -> URIRef | None:
        if user_guid is None:
            return None
        if user_guid in self.agents:
            return self.agents[user_guid]
        user = self.p.users.get(user_guid)
        name = user.name if user is not None else user_guid
        pseudonym = coder_pseudonym(self.pid, name)
        iri = COKGID[f"coder/{pseudonym.removeprefix('coder-')}"]
        self.add(iri, RDF.type, PROV.Agent)
        self.add(iri, RDFS.label, Literal(name if self.coder_names else pseudonym))
        self.agents[user_guid] = iri
        if not self.coder_names and name != pseudonym:
            self.out.pseudonyms[name] = pseudonym
        return iri

    # ---------------------------------------------------------------- texts and passages
    def _informant(self, source: Source, case_id: str, informants: Mapping[str, str]) -> str | None:
        code = informants.get(source.name)
        if code is None:
            code = self._value_of(INFORMANT_VARIABLES, source.variables)
        if code is None:
            code = leading_code(source.name)
            if code is not None:
                self.out.named_informants.append((source.name, code.strip().upper()))
                also = _second_code(source.name)
                if also is not None:
                    self.out.warnings.append(
                        f"source {source.name!r}: its name starts with {code}, taken as the "
                        f"informant's code, and {also} after it looks like one too; if {also} "
                        "is the informant, map the source with --informants (or give it a "
                        "variable “Informant”)"
                    )
        if code is None:
            first = _FIRST_WORD.match(source.name)
            date = first.group(1) if first and _DATE_WORD.fullmatch(first.group(1)) else None
            why = f" (its name starts with a date, {date}, not a code)" if date else ""
            self.problem(
                f"source {source.name!r} names no informant{why}: give it a variable "
                "“Informant” holding the informant's code (e.g. DND-05), start its name with "
                "the code, or map it with --informants"
            )
            return None
        code = code.strip().upper()
        if not INFORMANT_CODE.fullmatch(code):
            self.problem(
                f"source {source.name!r}: {code!r} is not an informant code (capital letters "
                "and digits with at least one digit, in parts joined by - _ or ., e.g. P01, "
                "KE-03 or DND-05)"
            )
            return None
        return code

    def _phase(self, source: Source, default: str | None) -> str | None:
        values = list(source.variables)
        for case in self.p.cases:
            if source.guid in case.sources:
                values += case.variables
        text = self._value_of(PHASE_VARIABLES, values)
        if text is None:
            if default is None:
                self.problem(
                    f"source {source.name!r} has no phase: give it (or its case) a variable "
                    "“Phase” (adoption, implementation or assimilation), or pass --phase"
                )
            return default
        if text.casefold() not in PHASES:
            self.problem(
                f"source {source.name!r}: phase {text!r} is not one of {', '.join(PHASES)}"
            )
            return None
        return text.casefold()

    def _text(
        self,
        source: Source,
        case_id: str,
        informants: Mapping[str, str],
        default_phase: str | None,
        include_text: bool,
    ) -> tuple[URIRef, dict[tuple[int, int], URIRef]]:
        counts = self.out.per_case.setdefault(case_id, CaseCounts())
        case = self.ctx.cases[case_id]
        sha = source.sha256
        text = COKGID[f"coded-text/{sha[:16]}"]
        if (text, RDF.type, COKG.CodedText) not in self.g:
            self.out.texts += 1
            counts.texts += 1
            self.add(text, RDF.type, COKG.CodedText)
            self.add(text, RDFS.label, Literal(source.name))
            self.add(text, DCTERMS.title, Literal(source.name))
            self.add(text, COKG.textSha256, Literal(sha))
            self.add(text, COKG.textLength, Literal(str(len(source.text)),
                                                    datatype=XSD.nonNegativeInteger))  # fmt: skip
            if include_text:
                self.add(text, COKG.fullText, Literal(source.text))
            if source.description:
                self.add(text, DCTERMS.description, Literal(source.description))
            self.add(text, COKG.ofCase, case)
            self.add(text, COKG.inProject, self.project_iri)
        location = COKGID[f"source/{self.pid}/text-{sha[:16]}"]
        spans: dict[tuple[int, int], _Span] = {}
        for sel in sorted(source.selections, key=lambda s: (s.start, s.end)):
            spans.setdefault((sel.start, sel.end), _Span(sel.start, sel.end, [])).selections.append(
                sel
            )
        anchors: dict[tuple[int, int], URIRef] = {}
        coded = {key for key, sp in spans.items() if any(s.codings for s in sp.selections)}
        informant = phase = None
        if coded:
            informant = self._informant(source, case_id, informants)
            phase = self._phase(source, default_phase)
        if coded and (location, RDF.type, COKG.SourceLocation) not in self.g:
            # described once, by the first of the sources holding this text (a duplicate's
            # passages are imported with it: one location, one section)
            self.add(location, RDF.type, COKG.SourceLocation)
            self.add(location, RDFS.label, Literal(f"Coded text “{source.name}”"))
            self.add(location, COKG.inSource, self.project_iri)
            self.add(location, COKG.section, Literal(f"Coded texts / {source.name}"))
        informant_iri = self._informant_record(informant, case_id, source) if informant else None
        for span in spans.values():
            key = (span.start, span.end)
            described = sorted({s.description.strip() for s in span.selections
                                if s.description and s.description.strip()})  # fmt: skip
            if key in coded:
                anchors[key] = self._quotation(
                    source, span, case_id, text, location, informant_iri, phase, described
                )
            elif described:
                anchors[key] = self._annotation(source, span, text, described)
            else:
                self.out.warnings.append(
                    f"source {source.name!r}: passage {span.start}-{span.end} has neither a code "
                    "nor a comment: not imported"
                )
        return text, anchors

    def _informant_record(self, code: str, case_id: str, source: Source) -> URIRef | None:
        case = self.ctx.cases[case_id]
        # another case's informant of the same code is another person (codes are per case)
        stored = self.ctx.informants.get((case, code))
        own = f"/graph/submission/{self.pid}"
        if stored is not None and not all(g.endswith(own) for g in stored.graphs):
            return stored.iri
        iri = COKGID[f"informant/{case_id}/{code}"]
        if (iri, RDF.type, COKG.Informant) not in self.g:
            self.add(iri, RDF.type, COKG.Informant)
            self.add(iri, RDFS.label, Literal(code))
            self.add(iri, COKG.informantCode, Literal(code))
            self.add(iri, COKG.informantOf, case)
            site = _CODE_PARTS.split(code)[0]  # DND of DND-05
            if site != code and site in self.ctx.location_codes:
                self.add(iri, COKG.locationCode, COKGID[f"location-code/{site}"])
            self.out.informants_added += 1
        return iri

    def _selectors(self, anchor: URIRef, source: Source, span: _Span) -> None:
        text = source.text
        position, quote = URIRef(f"{anchor}/position"), URIRef(f"{anchor}/quote")
        self.add(anchor, OA.hasSource, self._text_iri(source))
        self.add(anchor, OA.hasSelector, position)
        self.add(anchor, OA.hasSelector, quote)
        self.add(position, RDF.type, OA.TextPositionSelector)
        self.add(position, OA.start, Literal(str(span.start), datatype=XSD.nonNegativeInteger))
        self.add(position, OA.end, Literal(str(span.end), datatype=XSD.nonNegativeInteger))
        self.add(quote, RDF.type, OA.TextQuoteSelector)
        self.add(quote, OA.exact, Literal(text[span.start : span.end]))
        before = text[max(0, span.start - CONTEXT) : span.start]
        after = text[span.end : span.end + CONTEXT]
        if before:
            self.add(quote, OA.prefix, Literal(before))
        if after:
            self.add(quote, OA.suffix, Literal(after))

    @staticmethod
    def _text_iri(source: Source) -> URIRef:
        return COKGID[f"coded-text/{source.sha256[:16]}"]

    def _quotation(
        self,
        source: Source,
        span: _Span,
        case_id: str,
        text_iri: URIRef,
        location: URIRef,
        informant: URIRef | None,
        phase: str | None,
        described: list[str],
    ) -> URIRef:
        counts = self.out.per_case[case_id]
        qid = quotation_id(source.sha256, span.start, span.end)
        q = COKGID[f"quotation/{case_id}/{qid}"]
        case = self.ctx.cases[case_id]
        # a passage of a text present twice (under two names) is one quotation, described
        # once, by the first source; its codings are merged
        first_seen = self.quoted.get(q)
        if first_seen is not None and first_seen[2] != phase:
            # the one quotation got both phases, and the shapes said "is not a phase"
            self.problem(
                f"sources {first_seen[1]!r} and {source.name!r} hold the same text but give "
                f"different phases ({first_seen[2] or 'none'}, {phase or 'none'}): one passage "
                "is said in one phase; correct the Phase variable (or --phase) of one of them"
            )
        if first_seen is not None and first_seen[0] != informant:
            who = [
                i.rsplit("/", 1)[-1] if i is not None else "no informant"
                for i in (first_seen[0], informant)
            ]
            self.problem(
                f"sources {first_seen[1]!r} and {source.name!r} hold the same text but name "
                f"different informants ({who[0]}, {who[1]}): one text is one person's words; "
                "correct the name (or the informant map) of one of them"
            )
        if first_seen is None:
            self.quoted[q] = (informant, source.name, phase)
            self.out.quotations += 1
            counts.quotations += 1
            self.add(q, RDF.type, COKG.Quotation)
            self.add(q, RDFS.label, Literal(f"Quotation {qid} of “{source.name}”"))
            self.add(q, COKG.quotationId, Literal(qid))
            self.add(q, COKG.text, Literal(source.text[span.start : span.end]))
            self.add(q, COKG.aboutCase, case)
            self.add(q, COKG.locatedIn, location)
        if informant is not None and first_seen is None:
            self.add(q, COKG.quotedInformant, informant)
        if phase is not None:
            self.add(q, COKG.inPhase, PHASES[phase])
        if described:
            self.add(q, RDFS.comment, Literal("\n\n".join(described)))
        self._selectors(q, source, span)
        # one coding per (code, coder); the earliest time any selection gives it
        codings: dict[tuple[str, str | None], dt.datetime | None] = {}
        for sel in span.selections:
            for c in sel.codings:
                if c.code not in self.code_iris:
                    continue
                when = c.created or sel.created
                key = (c.code, c.coder)
                self.out.repeated_codings += key in codings
                earlier = codings.get(key)
                codings[key] = when if earlier is None or (when and when < earlier) else earlier
        for (code_guid, coder), when in sorted(codings.items(), key=lambda kv: str(kv[0])):
            code = self.code_iris[code_guid]
            if not self.p.codes[code_guid].codable:
                path = self.paths[code_guid]
                self.out.category_codings[path] = self.out.category_codings.get(path, 0) + 1
            agent = self._agent(coder)
            coding = COKGID[f"coding/{case_id}/{digest(str(q), str(code), str(agent or ''))}"]
            if (coding, RDF.type, COKG.Coding) not in self.g:  # a copy's coding counted once
                self.out.codings += 1
                counts.codings += 1
            self.add(coding, RDF.type, COKG.Coding)
            self.add(coding, RDF.type, OA.Annotation)
            self.add(coding, OA.hasTarget, q)
            self.add(coding, OA.hasBody, code)
            self.add(coding, OA.motivatedBy, OA.classifying)
            if agent is not None:
                self.add(coding, COKG.coder, agent)
            if when is not None:
                self.add(coding, DCTERMS.created, _datetime(when))
        findings: dict[str, URIRef] = {}
        for code_guid in sorted({c for c, _ in codings}):
            constructs = self.constructs.get(code_guid, [])
            if constructs and phase is not None:
                findings[code_guid] = self._finding(code_guid, case_id, phase, constructs)
                self.add(q, COKG.supports, findings[code_guid])
        for (code_guid, coder), when in codings.items():
            rated = self.rated.get(code_guid)
            if rated is None or phase is None or code_guid not in findings:
                continue
            notation, constructs = rated
            vote = _Vote(notation, self.paths[code_guid], None, when, findings[code_guid], q)
            for construct in constructs:
                self.votes.setdefault((case_id, construct, phase, coder), []).append(vote)
        return q

    def _finding(
        self, code_guid: str, case_id: str, phase: str, constructs: list[URIRef]
    ) -> URIRef:
        path = self.paths[code_guid]
        f = COKGID[f"finding/{case_id}/qda-{digest(self.pid, path, phase)}"]
        if (f, RDF.type, COKG.CodedFinding) in self.g:
            return f
        self.out.findings += 1
        self.out.per_case[case_id].findings += 1
        name = self.p.codes[code_guid].name
        if sum(c.name == name for c in self.p.codes.values()) > 1:
            # "Funding" under Barriers and under Facilitators: the path tells them apart
            name = path.replace("/", " / ")
        project = self.p.name or self.pid
        self.add(f, RDF.type, COKG.CodedFinding)
        self.add(f, RDFS.label, Literal(f"{name} ({phase}), from the QDA project “{project}”"))
        self.add(f, COKG.statement, Literal(f"Passages coded “{name}” in the QDA project "
                                            f"“{project}”"))  # fmt: skip
        self.add(f, COKG.aboutCase, self.ctx.cases[case_id])
        self.add(f, COKG.inPhase, PHASES[phase])
        for c in constructs:
            self.add(f, COKG.codedTo, c)
        self.add(f, COKG.fromCode, self.code_iris[code_guid])
        location = COKGID[f"source/{self.pid}/code-{digest(path)}"]
        self.add(f, COKG.locatedIn, location)
        self.add(location, RDF.type, COKG.SourceLocation)
        self.add(location, RDFS.label, Literal(f"Code “{path}”"))
        self.add(location, COKG.inSource, self.project_iri)
        self.add(location, COKG.section, Literal("Codebook / " + path.replace("/", " / ")))
        return f

    def _annotation(
        self, source: Source, span: _Span, text_iri: URIRef, described: list[str]
    ) -> URIRef:
        a = COKGID[f"annotation/{self.pid}/{digest(source.sha256, str(span.start), str(span.end))}"]
        self.out.annotations += 1
        self.add(a, RDF.type, COKG.TextAnnotation)
        self.add(a, RDF.type, OA.Annotation)
        self.add(a, RDFS.label, Literal(f"Comment on “{source.name}” {span.start}-{span.end}"))
        self.add(a, COKG.noteText, Literal("\n\n".join(described)))
        self.add(a, OA.motivatedBy, OA.commenting)
        self.add(a, COKG.inProject, self.project_iri)
        creators = sorted({s.creator for s in span.selections if s.creator})
        agent = self._agent(creators[0]) if creators else None
        if agent is not None:
            self.add(a, COKG.coder, agent)
        self._selectors(a, source, span)
        return a

    # ---------------------------------------------------------------- memos
    def _memos(
        self, texts: Mapping[str, URIRef], anchors: Mapping[str, Mapping[tuple[int, int], URIRef]]
    ) -> None:
        about: dict[str, set[URIRef]] = {}
        for guid, source in self.p.sources.items():
            if guid not in texts:
                continue
            for ref in source.notes:
                about.setdefault(ref, set()).add(texts[guid])
            for sel in source.selections:
                target = anchors[guid].get((sel.start, sel.end), texts[guid])
                for ref in sel.notes:
                    about.setdefault(ref, set()).add(target)
        attached = {n for s in self.p.sources.values() for n in s.notes} | {
            n for s in self.p.sources.values() for sel in s.selections for n in sel.notes
        }
        for guid, note in self.p.notes.items():
            targets = about.get(guid)
            if targets is None:
                if guid in attached:
                    continue  # attached to a source that is not imported
                targets = {self.project_iri}
            m = COKGID[f"memo/{self.pid}/{digest(note.name or '', note.text)}"]
            if (m, RDF.type, COKG.Memo) not in self.g:
                self.out.memos += 1
            self.add(m, RDF.type, COKG.Memo)
            self.add(m, RDFS.label, Literal(note.name or "Memo"))
            if note.name:
                self.add(m, DCTERMS.title, Literal(note.name))
            self.add(m, COKG.noteText, Literal(note.text))
            self.add(m, COKG.inProject, self.project_iri)
            for t in sorted(targets):
                self.add(m, COKG.memoAbout, t)
            agent = self._agent(note.creator)
            if agent is not None and (m, COKG.coder, None) not in self.g:
                self.add(m, COKG.coder, agent)
            if note.created is not None and (m, DCTERMS.created, None) not in self.g:
                self.add(m, DCTERMS.created, _datetime(note.created))


def _justification(row: MappingRow) -> str:
    """The written justification cokg keeps for a mapping, as the SSSOM reader and writer
    agree: the row's comment, with a closing "Justification: semapv:<Term>." unless the term
    is manual curation of a commented row (so an SSSOM export gives the same row back)."""
    text = (row.comment or "").strip()
    term = re.split(r"[:/#]", (row.mapping_justification or "").strip())[-1]
    if term and (term != "ManualMappingCuration" or not text):
        text = f"{text} Justification: semapv:{term}.".strip()
    return text


@dataclass
class _Recognised:
    """A code recognised as a framework concept, as a mapping row (see `_recognised`)."""

    subject_id: str
    subject_label: str | None
    object_iri: str
    comment: str | None
    predicate_iri: str = str(SKOS.exactMatch)
    mapping_justification: str | None = "semapv:UnspecifiedMatching"
    confidence: Any = None


def _row(row: MappingRow) -> str:
    """A mapping row as a message names it: its number (and line in the file) when known,
    else subject -> object."""
    number, line = getattr(row, "row", None), getattr(row, "line", None)
    if number:
        return f"row {number} (line {line})" if line else f"row {number}"
    return f"row {row.subject_label or row.subject_id} -> {row.object_iri}"


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    """ "; did you mean 'x'?" for the closest of `known` (case aside), or nothing."""
    names = {k.casefold(): k for k in known}
    close = difflib.get_close_matches(name.casefold(), list(names), n=1, cutoff=0.75)
    return f"; did you mean {names[close[0]]!r}?" if close else ""
