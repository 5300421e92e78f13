"""Saved SPARQL queries: the `queries/*.rq` files, their headers, parameters and answers.
One job, over 600 lines: the header format, parameter binding and answers belong together.

A saved query is a plain SPARQL file whose leading `#+` comment lines hold a small YAML-like
header (summary, description, competency question, tags, params, returns, pivot). Parameters are
validated here and reach the store as bound RDF terms (`Store.query(bindings=...)`), never as text
pasted into the query. Values of type `case` are checked against the cases in the store, `phase`
against the header's allowed values, `construct` resolved to one concept IRI (notation, label,
prefixed name or IRI; ambiguity is an error listing the candidates), `iri` mapped from the
header's `values`, or - with no `values` - any absolute IRI.

A query tagged `internal` (`#+ tags: [internal, ...]`) is one cokg's own pages and analyses run
by name (`get_query`, `run_query`): `list_queries` leaves it out, so it is not offered by
`cokg queries`, on the served index page or in the catalogue.

    >>> from cokg.query import run_query                                    # doctest: +SKIP
    >>> answer = run_query("sampling-frame", store="memory:")               # doctest: +SKIP
    >>> answer.rows[-1]["informant_interviews"]                             # doctest: +SKIP
    14
"""

from __future__ import annotations

import dataclasses
import os
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from cokg import paths
from cokg.errors import CokgError, ParameterError, QueryError
from cokg.namespaces import COKGID, DCTERMS, PREFIXES, RDFS, SCHEMA, SH, SKOS, curie
from cokg.sparql import FORMS, Screened, _tokens, bind, screen
from cokg.vocabulary import PHASE_NAMES, PHASES

if TYPE_CHECKING:
    from rdflib.term import Node

    from cokg.models import QueryResult
    from cokg.store import Store

PARAM_TYPES = ("case", "phase", "construct", "string", "integer", "iri")
_NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_MAX_LISTED = 12  # allowed values listed in one error line
SEVERITIES = ("violation", "warning", "info")  # of a check's rows (`#+ severity:`)
INTERNAL_TAG = "internal"  # a query cokg runs itself, left out of `list_queries`
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*")


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class QueryParameter:
    """One declared parameter of a saved query."""

    name: str
    type: str  # one of PARAM_TYPES
    var: str  # the SPARQL variable it binds (without "?")
    description: str = ""
    default: str | None = None
    required: bool = False
    allowed: tuple[str, ...] = ()  # fixed allowed values (phase, string); case: from the store
    values: tuple[tuple[str, str], ...] = ()  # iri type: value -> prefixed name or IRI (none: any)


@dataclass(frozen=True)
class Pivot:
    """How to display a long-format answer as the paper's tables: row keys x column keys."""

    row: str
    col: str
    value: str
    bullets: str = "always"  # "always": "• " before every item; "multi": only when several
    col_order: str | None = None  # a variable whose value orders the columns
    title: str | None = None  # heading of the first column


@dataclass(frozen=True)
class SavedQuery:
    """A saved query: the `.rq` file, its parsed header and its SPARQL text."""

    name: str
    path: Path
    sparql: str  # the whole file (header comments are valid SPARQL comments)
    summary: str
    description: str = ""
    competency_question: str = ""
    tags: tuple[str, ...] = ()
    params: tuple[QueryParameter, ...] = ()
    returns: tuple[str, ...] = ()
    pivot: Pivot | None = None
    display: tuple[str, ...] = ()  # columns shown by the table/md formats (default: all)
    # checks only: how a row is reported ("violation", "warning", "info"), and whether a shape
    # already reports the same thing (whole-store validation then skips the check)
    severity: str = "violation"
    covered_by_shapes: bool = False
    # whether the answer may be shown a page at a time (`#+ page: false` says no; a query that
    # declares a pivot is never paged: its cells need every row)
    paged: bool = True

    @property
    def internal(self) -> bool:
        """Run by cokg itself, not offered to users (`#+ tags: [internal, ...]`)."""
        return INTERNAL_TAG in self.tags

    @property
    def body(self) -> str:
        """The SPARQL text without the `#+` header lines."""
        lines = self.sparql.splitlines()
        i = 0
        while i < len(lines) and (lines[i].startswith("#+") or not lines[i].strip()):
            i += 1
        return "\n".join(lines[i:]).strip() + "\n"

    def param(self, name: str) -> QueryParameter:
        for p in self.params:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.params) or "none"
        raise ParameterError(
            f"query {self.name} has no parameter {name!r}; its parameters: {known}"
        )


@dataclass(frozen=True)
class Row(Mapping[str, Any]):
    """One answer row: plain Python values by column (str, int, float, bool, lexical date
    strings, IRIs as str, unbound as None), with the raw RDF terms in `terms`."""

    data: dict[str, Any]
    terms: dict[str, Node | None] = field(repr=False)

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name in ("data", "terms"):
            raise AttributeError(name)
        try:
            return self.data[name]
        except KeyError:
            raise AttributeError(name) from None

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Page:
    """Where a page of an answer lies in the whole answer: its rows are rows `offset + 1` to
    `offset + rows` of `total`."""

    offset: int  # rows skipped before this page
    limit: int | None  # rows asked for (None: to the end)
    rows: int  # rows on this page
    total: int  # rows in the whole answer

    @property
    def more(self) -> bool:
        """Whether rows follow this page."""
        return self.offset + self.rows < self.total

    @property
    def next_offset(self) -> int | None:
        """The offset of the next page, or None on the last one."""
        return self.offset + self.rows if self.more else None

    @property
    def previous_offset(self) -> int | None:
        """The offset of the page before, or None on the first one."""
        if self.offset == 0:
            return None
        return max(0, self.offset - self.limit) if self.limit else 0

    @property
    def whole(self) -> bool:
        """Whether this page holds the whole answer (nothing skipped, nothing follows)."""
        return self.offset == 0 and not self.more


@dataclass(frozen=True)
class QueryAnswer:
    """The answer to a saved or ad-hoc query. Iterating yields the rows."""

    name: str | None
    kind: str  # "select", "ask" or "graph"
    variables: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ()
    boolean: bool | None = None
    triples: tuple[tuple[Node, Node, Node], ...] = ()
    parameters: dict[str, str] = field(default_factory=dict)  # as given, after defaults
    pivot: Pivot | None = None
    seconds: float = 0.0
    display: tuple[str, ...] = ()  # columns the table/md formats show (empty: all)
    page: Page | None = None  # where these rows lie in the whole answer (None: not paged)

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> Row:
        return self.rows[index]

    def column(self, name: str) -> list[Any]:
        return [r.data.get(name) for r in self.rows]


@dataclass(frozen=True)
class CheckViolation:
    """One row returned by a `queries/checks/*-violation.rq` query."""

    check: str  # the check's name, e.g. "finding-without-source"
    focus: str  # IRI (or blank node id) of the offending record
    message: str
    value: str | None = None
    summary: str = ""
    severity: str = "violation"  # from the check's `#+ severity:` header
    focus_term: Node | None = field(default=None, compare=False, repr=False)  # ?focus as RDF

    def __str__(self) -> str:
        v = f" [{self.value}]" if self.value is not None else ""
        return f"{self.check}: {self.focus}: {self.message}{v}"


# --------------------------------------------------------------------------- header


def _scalar(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1].strip()
        return [_scalar(x) for x in _split_flow(inner)] if inner else []
    if text.startswith("{") and text.endswith("}"):
        inner = text[1:-1].strip()
        out: dict[str, Any] = {}
        for item in _split_flow(inner):
            k, _, v = item.partition(":")
            out[k.strip()] = _scalar(v)
        return out
    if text in ("true", "false"):
        return text == "true"
    return text


def _split_flow(text: str) -> list[str]:
    # Split "a, b, c" at top-level commas (values here never nest or contain quoted commas).
    return [x.strip() for x in text.split(",") if x.strip()]


def parse_header(text: str, *, file: str | Path | None = None) -> dict[str, Any]:
    """Parse the leading `#+` lines: `key: value`, `key: [a, b]`, `key: {a: x}`, continuation
    lines (indented deeper) fold into the previous value, and `key:` followed by `- item` lines
    (scalars, or mappings whose further keys are indented under the dash)."""
    lines: list[tuple[int, str]] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        if raw.startswith("#+"):
            lines.append((n, raw[2:]))
        elif raw.strip() and not raw.startswith("#"):
            break
    header: dict[str, Any] = {}
    key: str | None = None
    item: dict[str, Any] | None = None
    item_key: str | None = None
    for n, content in lines:
        if not content.strip():
            continue
        indent = len(content) - len(content.lstrip())
        stripped = content.strip()
        if indent <= 1 and not stripped.startswith("- "):
            k, sep, v = stripped.partition(":")
            if not sep or not re.fullmatch(r"[a-z_]+", k.strip()):
                raise QueryError(
                    f"header line is not 'key: value': {stripped!r}", file=file, line=n
                )
            key, item, item_key = k.strip(), None, None
            header[key] = _scalar(v) if v.strip() else None
            continue
        if key is None:
            raise QueryError("header continuation before any key", file=file, line=n)
        if stripped.startswith("- "):
            entry = stripped[2:].strip()
            if header[key] is None:
                header[key] = []
            if not isinstance(header[key], list):
                raise QueryError(f"'{key}' mixes a value and list items", file=file, line=n)
            k, sep, v = entry.partition(":")
            if sep and re.fullmatch(r"[a-z_]+", k.strip()):
                item, item_key = {k.strip(): _scalar(v)}, k.strip()
                header[key].append(item)
            else:
                item, item_key = None, None
                header[key].append(_scalar(entry))
            continue
        k, sep, v = stripped.partition(":")
        if item is not None and sep and re.fullmatch(r"[a-z_]+", k.strip()):
            item_key = k.strip()
            item[item_key] = _scalar(v)
        elif item is not None and item_key is not None:
            item[item_key] = f"{item[item_key]} {stripped}".strip()
        elif isinstance(header[key], str) or header[key] is None:
            header[key] = f"{header[key] or ''} {stripped}".strip()
        else:
            raise QueryError(f"cannot read header line {stripped!r}", file=file, line=n)
    return header


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return tuple(x.strip() for x in str(value).split(",") if x.strip())


def _parse_pivot(value: Any, title: Any, file: Path) -> Pivot | None:
    if not value:
        return None
    opts = dict(tok.split("=", 1) for tok in str(value).split() if "=" in tok)
    try:
        return Pivot(
            row=opts["row"],
            col=opts["col"],
            value=opts["value"],
            bullets=opts.get("bullets", "always"),
            col_order=opts.get("col_order"),
            title=str(title) if title else None,
        )
    except KeyError as exc:
        raise QueryError(f"pivot needs row=, col= and value= (missing {exc})", file=file) from None


def _parse_param(raw: Any, file: Path) -> QueryParameter:
    if not isinstance(raw, dict) or "name" not in raw:
        raise QueryError(f"a parameter needs at least a name: {raw!r}", file=file)
    ptype = str(raw.get("type", "string"))
    if ptype not in PARAM_TYPES:
        raise QueryError(f"parameter {raw['name']}: unknown type {ptype!r}", file=file)
    values = raw.get("values") or {}
    default = raw.get("default")
    return QueryParameter(
        name=str(raw["name"]),
        type=ptype,
        var=str(raw.get("var") or str(raw["name"]).replace("-", "_")),
        description=str(raw.get("description") or ""),
        default=None if default is None else str(default),
        required=bool(raw.get("required", False)),
        allowed=_as_tuple(raw.get("allowed")) or tuple(values),
        values=tuple((str(k), str(v)) for k, v in values.items()),
    )


def load_query(path: str | Path) -> SavedQuery:
    """Read one `.rq` file and its header."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise QueryError(f"cannot read query: {exc.strerror}", file=path) from None
    header = parse_header(text, file=path)
    name = path.stem
    if not header.get("summary"):
        raise QueryError("saved query has no '#+ summary:' line", file=path)
    params = tuple(_parse_param(p, path) for p in header.get("params") or [])
    severity = str(header.get("severity") or "violation")
    if severity not in SEVERITIES:
        raise QueryError(f"severity {severity!r} is not one of {', '.join(SEVERITIES)}", file=path)
    covered = header.get("covered_by_shapes", False)
    if not isinstance(covered, bool):
        raise QueryError(f"covered_by_shapes must be true or false, not {covered!r}", file=path)
    for p in params:
        if p.name in PAGE_WORDS:
            raise QueryError(f"parameter name {p.name!r} is reserved for paging", file=path)
    pivot_spec = _parse_pivot(header.get("pivot"), header.get("pivot_title"), path)
    paged = header.get("page", pivot_spec is None)
    if not isinstance(paged, bool):
        raise QueryError(f"page must be true or false, not {paged!r}", file=path)
    if paged and pivot_spec is not None:
        raise QueryError("a pivoted query is not paged: its table needs every row", file=path)
    return SavedQuery(
        name=name,
        path=path,
        sparql=text,
        summary=str(header["summary"]),
        description=str(header.get("description") or ""),
        competency_question=str(header.get("competency_question") or ""),
        tags=_as_tuple(header.get("tags")),
        params=params,
        returns=_as_tuple(header.get("returns")),
        pivot=pivot_spec,
        display=_as_tuple(header.get("display")),
        severity=severity,
        covered_by_shapes=covered,
        paged=paged,
    )


def list_queries(
    directory: str | Path | None = None, *, internal: bool = False
) -> list[SavedQuery]:
    """Every saved query in `queries/` (not the checks), sorted by name; the ones tagged
    `internal` only when `internal` is true."""
    folder = Path(directory) if directory else paths.QUERIES_DIR
    queries = [load_query(p) for p in sorted(folder.glob("*.rq"))]
    return [q for q in queries if internal or not q.internal]


def list_checks(directory: str | Path | None = None) -> list[SavedQuery]:
    """Every QC query in `queries/checks/*-violation.rq`, sorted by name."""
    folder = Path(directory) if directory else paths.CHECKS_DIR
    return [load_query(p) for p in sorted(folder.glob("*-violation.rq"))]


def get_query(name: str) -> SavedQuery:
    """The saved query called `name`; an unknown name is a ParameterError listing the names."""
    if _NAME_RE.match(name):
        path = paths.QUERIES_DIR / f"{name}.rq"
        if path.is_file():
            return load_query(path)
    names = ", ".join(q.name for q in list_queries())
    raise ParameterError(f"unknown query {name!r}; saved queries: {names}")


# --------------------------------------------------------------------------- terms


def expand(name: str) -> str | None:
    """The IRI of a prefixed name with one of the project's prefixes, else None."""
    prefix, sep, local = name.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return None


_XSD = str(XSD)
_INT_TYPES = frozenset(
    _XSD + n
    for n in (
        "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
        "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong", "unsignedShort",
        "unsignedByte",
    )
)  # fmt: skip
_FLOAT_TYPES = frozenset((_XSD + "double", _XSD + "float"))


_UNSEEN = object()


def to_python(term: Node | None) -> Any:
    """A plain Python value for an RDF term: IRIs as str, integers as int, booleans as bool,
    dates as their lexical form ("2015", "2015-06", "2015-06-12"), other literals as str."""
    if term is None:
        return None
    kind = type(term)
    if kind is URIRef:
        return str(term)
    if isinstance(term, Literal):
        dt = term.datatype
        if dt is None:  # plain and language-tagged strings: the common case, kept fast
            return str(term)
        key = str(dt)
        try:
            if key in _INT_TYPES:
                return int(str(term))
            if key in _FLOAT_TYPES:
                return float(str(term))
            if key == _XSD + "decimal":
                return Decimal(str(term))
        except (ValueError, ArithmeticError):
            return str(term)
        if key == _XSD + "boolean":
            return str(term).strip() in ("true", "1")
        return str(term)  # dates, gYear, gYearMonth, xsd:string ... as their lexical form
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


# --------------------------------------------------------------------------- parameters


def _listing(values: list[str]) -> str:
    shown = ", ".join(values[:_MAX_LISTED])
    return shown + (f", … ({len(values)} in all)" if len(values) > _MAX_LISTED else "")


def case_ids(store: Store) -> dict[str, str]:
    """Case ids in the store, and case numbers as extra keys: value given -> case id."""
    res = store.query(
        "PREFIX cokg: <https://w3id.org/cokg/ontology#>\n"
        "SELECT DISTINCT ?id ?n WHERE { ?c a cokg:Case ; cokg:caseId ?id . "
        "OPTIONAL { ?c cokg:caseNumber ?n } }"
    )
    out: dict[str, str] = {}
    for row in res.rows:
        cid = str(row["id"])
        out[cid] = cid
        if row.get("n") is not None:
            out.setdefault(str(row["n"]), cid)
    return out


@dataclass(frozen=True)
class _Concept:
    iri: str
    notations: tuple[str, ...]
    labels: tuple[str, ...]


def _concepts(store: Store) -> dict[str, _Concept]:
    res = store.query(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT DISTINCT ?c ?notation ?label WHERE {\n"
        "  { ?c a skos:Concept } UNION { ?c skos:inScheme ?scheme }\n"
        "  OPTIONAL { ?c skos:notation ?notation }\n"
        "  OPTIONAL { { ?c skos:prefLabel ?label } UNION { ?c skos:altLabel ?label } }\n"
        "}"
    )
    notations: dict[str, set[str]] = {}
    labels: dict[str, set[str]] = {}
    for row in res.rows:
        iri = row["c"]
        if not isinstance(iri, URIRef):
            continue
        notations.setdefault(str(iri), set())
        labels.setdefault(str(iri), set())
        if row.get("notation") is not None:
            notations[str(iri)].add(str(row["notation"]))
        if row.get("label") is not None:
            labels[str(iri)].add(str(row["label"]))
    return {
        iri: _Concept(iri, tuple(sorted(notations[iri])), tuple(sorted(labels[iri])))
        for iri in notations
    }


def _describe(c: _Concept) -> str:
    label = c.labels[0] if c.labels else ""
    return f"{curie(c.iri)} ({label})" if label else curie(c.iri)


def resolve_construct(store: Store, value: str) -> URIRef:
    """One concept IRI for a notation ("V.B.4"), a label ("External Change Agents"), a
    prefixed name (cfir09:V.B.4) or an IRI. Unknown or ambiguous values raise ParameterError;
    the ambiguous message lists the candidates as prefixed names."""
    text = value.strip()
    concepts = _concepts(store)
    iri = text[1:-1] if text.startswith("<") and text.endswith(">") else text
    if re.match(r"^https?://", iri) or expand(iri):
        full = iri if re.match(r"^https?://", iri) else expand(iri)
        if full in concepts:
            return URIRef(full)
        raise ParameterError(f"parameter construct: no concept {curie(str(full))} in the store")
    folded = text.casefold()
    found = [c for c in concepts.values() if text in c.notations]
    if not found:
        found = [c for c in concepts.values() if any(x.casefold() == folded for x in c.labels)]
    if len(found) == 1:
        return URIRef(found[0].iri)
    if found:
        cands = sorted(_describe(c) for c in found)
        raise ParameterError(
            f"parameter construct: {text!r} is ambiguous; say which: {'; '.join(cands)}"
        )
    near = sorted(
        _describe(c)
        for c in concepts.values()
        if any(folded in x.casefold() for x in c.labels + c.notations)
    )
    hint = f"; did you mean: {'; '.join(near[:_MAX_LISTED])}" if near else ""
    raise ParameterError(
        f"parameter construct: no concept with notation or label {text!r} "
        f"(give a notation, a label, a prefixed name or an IRI){hint}"
    )


def bind_parameters(
    query: SavedQuery, params: Mapping[str, Any], store: Store
) -> tuple[dict[str, Node], dict[str, str]]:
    """Validate `params` against the header and turn them into RDF terms by variable name.
    Returns (bindings, the values used after defaults). Raises ParameterError."""
    given = {k: v for k, v in params.items() if v is not None}
    for k in given:
        query.param(k)  # unknown names raise, listing the known ones
    bindings: dict[str, Node] = {}
    used: dict[str, str] = {}
    for p in query.params:
        raw = given.get(p.name, p.default)
        if raw is None:
            if p.required:
                raise ParameterError(
                    f"query {query.name} needs --param {p.name}=VALUE ({p.description or p.type})"
                )
            continue
        value = str(raw).strip()
        used[p.name] = value
        bindings[p.var] = _bind_one(query, p, value, store)
    return bindings, used


def _bind_one(query: SavedQuery, p: QueryParameter, value: str, store: Store) -> Node:
    def bad(allowed: list[str]) -> ParameterError:
        return ParameterError(
            f"query {query.name}: {p.name}={value!r} is not allowed; "
            f"allowed values: {_listing(allowed)}"
        )

    if p.type == "case":
        ids = case_ids(store)
        if value not in ids:
            raise bad(sorted(set(ids.values())))
        return Literal(ids[value])
    if p.type == "phase":
        key = value.casefold()
        allowed = list(p.allowed or PHASE_NAMES)
        if key not in allowed or key not in PHASES:
            raise bad(allowed)
        return PHASES[key]
    if p.type == "iri":
        mapping = dict(p.values)
        if not mapping:  # no `values`: any absolute IRI, as given
            if not _ABSOLUTE_IRI.fullmatch(value):
                raise ParameterError(f"query {query.name}: {p.name}={value!r} is not an IRI")
            return URIRef(value)
        if value not in mapping:
            raise bad(list(mapping))
        target = mapping[value]
        return URIRef(expand(target) or target)
    if p.type == "construct":
        return resolve_construct(store, value)
    if p.type == "integer":
        if not re.fullmatch(r"[+-]?[0-9]+", value):
            raise ParameterError(f"query {query.name}: {p.name}={value!r} is not an integer")
        if p.allowed and value not in p.allowed:
            raise bad(list(p.allowed))
        return Literal(int(value), datatype=XSD.integer)
    if p.allowed and value not in p.allowed:
        raise bad(list(p.allowed))
    return Literal(value)


# --------------------------------------------------------------------------- paging

PAGE_SIZE_ENV = "COKG_PAGE_SIZE"
# The default page of a listing shown to people (`cokg query` as a table, the served pages).
# The founding dataset's longest listing, `constructs` (194 rows: the frameworks), prints whole.
DEFAULT_PAGE_SIZE = 500
PAGE_WORDS = ("limit", "offset")  # reserved: not parameter names
# Rows a page reads past its offset to learn the total without a count query (see `_page`).
# Carrying 5,000 rows across costs ~0.15 s, less than counting a long answer at a million
# triples (0.2-3.5 s), and stays under the row caps of `cokg serve` and Virtuoso (10,000).
READ_AHEAD = 5000
_TOTAL = "cokg_page_total"  # the count query's variable


def page_size() -> int:
    """The default page size: $COKG_PAGE_SIZE, else DEFAULT_PAGE_SIZE (0: no default page)."""
    raw = os.environ.get(PAGE_SIZE_ENV, "").strip()
    if not raw:
        return DEFAULT_PAGE_SIZE
    if not raw.isdigit():
        raise ParameterError(f"${PAGE_SIZE_ENV} must be a number of rows (0: all), not {raw!r}")
    return int(raw)


def _check_page(limit: Any, offset: Any) -> None:
    for word, value in (("limit", limit), ("offset", offset)):
        if value is None and word == "limit":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ParameterError(f"{word} must be a whole number of rows, 0 or more, not {value!r}")


@dataclass(frozen=True)
class _Outer:
    """The outermost SELECT of a query text: where its prologue ends, its own LIMIT and
    OFFSET (and the spans of those clauses), its ORDER BY clause, and where a LIMIT/OFFSET
    clause goes (before a trailing VALUES clause, else at the end)."""

    text: str
    select: int
    limit: int | None
    offset: int
    cuts: tuple[tuple[int, int], ...]
    order: tuple[int, int] | None
    end: int

    def window(self, limit: int | None, offset: int) -> tuple[int | None, int]:
        """(LIMIT, OFFSET) of rows `offset` .. `offset + limit` of this query's answer."""
        if self.limit is None:
            return limit, self.offset + offset
        room = max(0, self.limit - offset)
        return (room if limit is None else min(limit, room)), self.offset + offset

    def _without(self, spans: list[tuple[int, int]]) -> str:
        out, at = [], 0
        for start, stop in sorted(spans):
            out.append(self.text[at:start])
            at = stop
        out.append(self.text[at:])
        return "".join(out)

    def paged(self, limit: int | None, offset: int) -> str:
        """The query with its LIMIT/OFFSET replaced by the page's window (ORDER BY kept)."""
        lim, off = self.window(limit, offset)
        clause = " ".join(
            ([f"LIMIT {lim}"] if lim is not None else []) + ([f"OFFSET {off}"] if off else [])
        )
        head = self._without([c for c in self.cuts if c[1] <= self.end])
        end = self.end - sum(stop - start for start, stop in self.cuts if stop <= self.end)
        # on a line of its own: the text may end in a comment
        return f"{head[:end]}\n{clause}\n{head[end:]}"

    def count(self) -> str:
        """A query counting the rows of this one: it as a subquery under COUNT(*). The ORDER BY
        goes when no LIMIT/OFFSET needs it (the count is the same, the sort is skipped)."""
        free = self.limit is None and self.offset == 0
        inner = self._without([self.order] if free and self.order else [])
        return (
            f"{inner[: self.select]}SELECT (COUNT(*) AS ?{_TOTAL}) WHERE {{\n"
            f"{inner[self.select :]}\n}}\n"
        )


def _outer_select(text: str) -> _Outer | None:
    """The outermost SELECT of `text`, or None when the query is not a SELECT. Its clauses are
    the words outside every bracket (strings, IRIs and comments are skipped by the lexer)."""
    tokens = list(_tokens(text))
    depth = 0
    select: int | None = None
    limit: int | None = None
    offset = 0
    cuts: list[tuple[int, int]] = []
    order_at: int | None = None
    order: tuple[int, int] | None = None
    end = len(text)
    j = 0
    while j < len(tokens):
        pos, tok = tokens[j]
        word = tok.upper()
        j += 1
        if tok in ("(", "{", "["):
            depth += 1
        elif tok in (")", "}", "]"):
            depth -= 1
        elif depth != 0:
            continue
        elif select is None:
            if word in FORMS:
                if word != "SELECT":
                    return None
                select = pos
        elif word in ("LIMIT", "OFFSET", "VALUES"):
            if order_at is not None and order is None:
                order = (order_at, pos)
            if word == "VALUES":  # the trailing VALUES clause ends the query
                end = pos
                break
            number = tokens[j][1] if j < len(tokens) else ""
            if not number.isdigit():
                raise QueryError(f"{word} wants a number of rows")
            if word == "LIMIT":
                limit = int(number)
            else:
                offset = int(number)
            cuts.append((pos, tokens[j][0] + len(number)))
            j += 1
        elif word == "ORDER":
            order_at = pos
    if select is None:
        return None
    if order_at is not None and order is None:
        order = (order_at, end)
    return _Outer(text, select, limit, offset, tuple(cuts), order, end)


def _page(
    st: Store,
    text: str,
    *,
    what: str,
    limit: int | None,
    offset: int,
    timeout: float | None,
    memory_mb: int | None,
) -> tuple[QueryResult, Page]:
    """One page of a SELECT query whose parameters are bound in `text`, and where it lies.

    The page is a LIMIT/OFFSET on the outermost SELECT, within the query's own LIMIT/OFFSET.
    From a local store up to READ_AHEAD rows are read from the offset, however small the page
    (from a remote endpoint, which may cap the rows of an answer, one more than the page): when
    the answer ends within them, the total is known from this one query. Otherwise (or on a
    page past the end, or when the store cut the answer at its result limit) a second query
    counts the rows in the engine, which carries one row across instead of all of them."""
    from cokg.store import RemoteStore

    outer = _outer_select(text)
    if outer is None:
        form = screen(text, allow_network=True, allow_dataset=True).form  # syntax errors first
        raise ParameterError(f"{what}: only SELECT answers are paged, not {form.upper()}")
    ahead = 0 if isinstance(st, RemoteStore) else READ_AHEAD
    probe = None if limit is None else max(limit + 1, ahead)
    result = st.query(outer.paged(probe, offset), timeout=timeout, memory_mb=memory_mb)
    read = len(result.rows)
    rows = list(result.rows) if limit is None else list(result.rows[:limit])
    if len(rows) < read:
        result = dataclasses.replace(result, rows=rows)
    ended = probe is None or read < probe  # the answer ended within what was read
    cut = bool(getattr(st, "truncated", False))  # the served store's result limit
    if ended and not cut and (read or offset == 0):
        total = offset + read
    else:
        counted = st.query(outer.count(), timeout=timeout, memory_mb=memory_mb)
        value = to_python(counted.rows[0].get(_TOTAL)) if counted.rows else 0
        total = int(value or 0)
    return result, Page(offset=offset, limit=limit, rows=len(rows), total=total)


# --------------------------------------------------------------------------- running


def _open(store: Store | str | Path | None) -> tuple[Store, bool]:
    """The store to use and whether we opened it (and so must close it)."""
    if store is not None and hasattr(store, "query"):
        return store, False  # type: ignore[return-value]
    from cokg.store import open_for_reading

    opened = open_for_reading(store)
    return opened, True


def _answer(
    result: QueryResult,
    *,
    name: str | None,
    parameters: dict[str, str] | None = None,
    pivot: Pivot | None = None,
    seconds: float = 0.0,
    display: tuple[str, ...] = (),
    page: Page | None = None,
) -> QueryAnswer:
    if result.kind == "ask":
        return QueryAnswer(name=name, kind="ask", boolean=bool(result.boolean), seconds=seconds)
    if result.kind == "graph":
        return QueryAnswer(
            name=name, kind="graph", triples=tuple(result.triples or ()), seconds=seconds
        )
    variables = tuple(result.variables)
    # Rows of a long answer share their term objects (the stores convert each distinct term
    # once), so each object becomes a Python value once, keyed by identity (rdflib terms hash
    # in Python, slowly); `seen` keeps the objects alive so that no id is reused meanwhile.
    values: dict[int, Any] = {id(None): None}
    seen: list[Node | None] = []
    get = values.get
    order = list(variables)
    rows = []
    for r in result.rows:
        terms = r if list(r) == order else {v: r.get(v) for v in variables}
        data = {}
        for v, t in terms.items():
            x = get(id(t), _UNSEEN)
            if x is _UNSEEN:
                x = values[id(t)] = to_python(t)
                seen.append(t)
            data[v] = x
        rows.append(Row(data=data, terms=terms))
    return QueryAnswer(
        name=name,
        kind="select",
        variables=variables,
        rows=tuple(rows),
        parameters=dict(parameters or {}),
        pivot=pivot,
        seconds=seconds,
        display=tuple(d for d in display if d in variables),
        page=page,
    )


def run_query(
    name: str | SavedQuery,
    *,
    store: Store | str | Path | None = None,
    timeout: float | None = None,
    memory_mb: int | None = None,
    limit: int | None = None,
    offset: int = 0,
    **params: Any,
) -> QueryAnswer:
    """Run a saved query by name with keyword parameters, e.g.
    `run_query("cross-case", phase="implementation")`. `store` is a Store, a store spec
    (path, "memory:", an endpoint URL) or None for the default store (built when empty).
    `timeout` (seconds) and `memory_mb` cap the run (None: the defaults; 0: no limit).

    `limit` and `offset` ask for one page: rows `offset + 1` to `offset + limit` (`limit`
    None: to the end; 0: none, only the total), and `answer.page` says where they lie in the
    whole answer (the total, whether more follow). A query that is not paged (its header says
    `page: false`, or it declares a pivot) refuses them with a ParameterError."""
    query = name if isinstance(name, SavedQuery) else get_query(name)
    _check_page(limit, offset)
    paging = limit is not None or offset > 0
    if paging and not query.paged:
        why = "its table is pivoted, which needs every row" if query.pivot else "page: false"
        raise ParameterError(f"query {query.name} is not paged ({why})")
    st, opened = _open(store)
    page = None
    try:
        bindings, used = bind_parameters(query, params, st)
        start = time.perf_counter()
        # The body without the `#+` header: some clients (SPARQLWrapper) guess the query form from
        # the first keyword-like word outside comments and misread header prose.
        if paging:
            # bound here, as every store binds (a VALUES block in the outer WHERE), so that the
            # count query counts the same rows
            text = bind(Screened(query.body, "select"), bindings) if bindings else query.body
            result, page = _page(
                st, text, what=f"query {query.name}", limit=limit, offset=offset,
                timeout=timeout, memory_mb=memory_mb,
            )  # fmt: skip
        else:
            result = st.query(
                query.body, bindings=bindings or None, timeout=timeout, memory_mb=memory_mb
            )
        seconds = time.perf_counter() - start
    except CokgError as exc:
        if isinstance(exc, QueryError) and not exc.record:
            exc.record = f"query {query.name}"
        raise
    finally:
        if opened:
            st.close()
    return _answer(
        result,
        name=query.name,
        parameters=used,
        pivot=query.pivot,
        seconds=seconds,
        display=query.display,
        page=page,
    )


def run_sparql(
    text_or_file: str | Path,
    *,
    store: Store | str | Path | None = None,
    timeout: float | None = None,
    memory_mb: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> QueryAnswer:
    """Run an ad-hoc query given as SPARQL text or as a path to a `.rq`/`.sparql` file,
    under the same screen and limits as `run_query`. `limit` and `offset` page a SELECT
    answer as in `run_query` (within the query's own LIMIT/OFFSET); other forms refuse them."""
    _check_page(limit, offset)
    text = str(text_or_file)
    name = None
    candidate = Path(text) if len(text) < 1024 and "\n" not in text and "{" not in text else None
    if candidate is not None and (candidate.is_file() or candidate.suffix in (".rq", ".sparql")):
        try:
            text = candidate.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise QueryError(f"cannot read query file: {exc}", file=candidate) from None
        name = candidate.stem
    st, opened = _open(store)
    page = None
    try:
        start = time.perf_counter()
        if limit is not None or offset > 0:
            result, page = _page(
                st, text, what="the query", limit=limit, offset=offset, timeout=timeout,
                memory_mb=memory_mb,
            )  # fmt: skip
        else:
            result = st.query(text, timeout=timeout, memory_mb=memory_mb)
        seconds = time.perf_counter() - start
    finally:
        if opened:
            st.close()
    return _answer(result, name=name, seconds=seconds, page=page)


def run_checks(
    store: Store | str | Path | None = None, *, directory: str | Path | None = None
) -> list[CheckViolation]:
    """Run every `queries/checks/*-violation.rq` query; each row returned is a finding at the
    check's `#+ severity:` (default violation). Valid data gives an empty list. The rows need
    ?focus and ?message (?value optional). `store` is taken as in `run_query`."""
    st, opened = _open(store)
    out: list[CheckViolation] = []
    try:
        for check in list_checks(directory):
            res = st.query(check.body, internal=True)
            out.extend(check_violation(check, row) for row in res.rows)
    finally:
        if opened:
            st.close()
    return out


def check_violation(check: SavedQuery, row: Mapping[str, Node | None]) -> CheckViolation:
    """One row of a check as the finding it reports (`run_checks` and `cokg validate` alike):
    ?focus is the offending record, ?message what is wrong (default: the check's summary),
    ?value the offending value."""
    focus = row.get("focus")
    value = row.get("value")
    return CheckViolation(
        check=check.name.removesuffix("-violation"),
        focus=to_python(focus) if focus is not None else "",
        message=str(row.get("message") or check.summary),
        value=None if value is None else str(value),
        summary=check.summary,
        severity=check.severity,
        focus_term=focus,
    )


# --------------------------------------------------------------------------- pivot


@dataclass(frozen=True)
class PivotTable:
    """A long answer pivoted for display: `header` then rows of cells; a cell is a list of
    items (bullets), possibly empty."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]
    bullets: str = "always"

    def cell_lines(self, items: tuple[str, ...]) -> list[str]:
        if not items:
            return []
        if self.bullets == "always" or len(items) > 1:
            return [f"• {x}" for x in items]
        return list(items)


def pivot(answer: QueryAnswer, spec: Pivot | None = None) -> PivotTable:
    """Rows x columns x bulleted cells, in the order the query returned them (columns ordered
    by `col_order` when the pivot names one)."""
    spec = spec or answer.pivot
    if spec is None:
        raise QueryError(f"query {answer.name} declares no pivot")
    for v in (spec.row, spec.col, spec.value):
        if v not in answer.variables:
            raise QueryError(f"pivot variable ?{v} is not among the query's results")
    row_keys: list[str] = []
    col_keys: dict[str, Any] = {}
    cells: dict[tuple[str, str], list[str]] = {}
    for r in answer.rows:
        rk, ck, val = r.data.get(spec.row), r.data.get(spec.col), r.data.get(spec.value)
        rk = "" if rk is None else str(rk)
        ck = "" if ck is None else str(ck)
        if rk not in row_keys:
            row_keys.append(rk)
        if ck not in col_keys:
            col_keys[ck] = r.data.get(spec.col_order) if spec.col_order else len(col_keys)
        items = cells.setdefault((rk, ck), [])
        if val is not None and str(val) not in items:
            items.append(str(val))
    cols = sorted(col_keys, key=lambda k: (col_keys[k] is None, col_keys[k]))
    title = spec.title or spec.row.replace("_", " ").capitalize()
    return PivotTable(
        header=(title, *cols),
        rows=tuple((rk, tuple(tuple(cells.get((rk, c), [])) for c in cols)) for rk in row_keys),
        bullets=spec.bullets,
    )


# --------------------------------------------------------------------------- catalogue


def _lit(text: str) -> str:
    return Literal(text).n3()


def catalog_turtle(queries: list[SavedQuery] | None = None) -> str:
    """The Turtle catalogue of the saved queries (queries/catalog.ttl): one
    sh:SPARQLSelectExecutable per query, findable with SPARQL."""
    queries = list_queries() if queries is None else queries
    used = {"cokgid": COKGID, "dcterms": DCTERMS, "rdfs": RDFS, "schema": SCHEMA, "sh": SH,
            "skos": SKOS}  # fmt: skip
    out = [f"@prefix {p}: <{ns}> ." for p, ns in sorted(used.items())]
    out += [
        "",
        "# Generated from queries/*.rq by `cokg queries --write-catalog`; do not edit by hand.",
        "",
    ]
    for q in queries:
        subject = URIRef(COKGID[f"query/{q.name}"]).n3()
        lines = [
            f"{subject} a sh:SPARQLExecutable, sh:SPARQLSelectExecutable",
            f"    dcterms:identifier {_lit(q.name)}",
            f"    rdfs:label {_lit(q.summary)}",
        ]
        if q.description:
            lines.append(f"    rdfs:comment {_lit(q.description)}")
        if q.competency_question:
            lines.append(f"    skos:scopeNote {_lit(q.competency_question)}")
        if q.tags:
            lines.append("    schema:keywords " + ", ".join(_lit(t) for t in q.tags))
        lines.append(f"    sh:select {_lit(q.body)}")
        out.append(" ;\n".join(lines) + " .\n")
    return "\n".join(out)


def catalog_path() -> Path:
    """Where the generated catalogue lives: queries/catalog.ttl."""
    return paths.QUERIES_DIR / "catalog.ttl"


def write_catalog(path: str | Path | None = None) -> Path:
    """Regenerate queries/catalog.ttl (written atomically)."""
    target = Path(path) if path else catalog_path()
    tmp = target.with_suffix(target.suffix + ".tmp")
    tmp.write_text(catalog_turtle(), encoding="utf-8")
    tmp.replace(target)
    return target


__all__ = [
    "DEFAULT_PAGE_SIZE",
    "PAGE_SIZE_ENV",
    "CheckViolation",
    "Page",
    "Pivot",
    "PivotTable",
    "QueryAnswer",
    "QueryParameter",
    "Row",
    "SavedQuery",
    "bind_parameters",
    "case_ids",
    "catalog_path",
    "catalog_turtle",
    "check_violation",
    "curie",
    "get_query",
    "list_checks",
    "list_queries",
    "load_query",
    "page_size",
    "parse_header",
    "pivot",
    "resolve_construct",
    "run_checks",
    "run_query",
    "run_sparql",
    "to_python",
    "write_catalog",
]
