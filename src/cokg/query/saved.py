"""Saved queries as files: the `#+` header format, what it declares, and the catalogue.

A saved query is a plain SPARQL file whose leading `#+` comment lines hold a small YAML-like
header (summary, description, competency question, tags, params, returns, pivot). A query
tagged `internal` (`#+ tags: [internal, ...]`) is one cokg's own pages and analyses run by name
(`get_query`, `run_query`): `list_queries` leaves it out, so it is not offered by
`cokg queries`, on the served index page or in the catalogue.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Literal, URIRef

from cokg import paths
from cokg.errors import ParameterError, QueryError
from cokg.namespaces import COKGID, DCTERMS, RDFS, SCHEMA, SH, SKOS

# informant: an informant code, written in capitals as the shapes require (dnd-02 is DND-02)
PARAM_TYPES = ("case", "phase", "construct", "informant", "study", "string", "integer", "iri")
_NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SEVERITIES = ("violation", "warning", "info")  # of a check's rows (`#+ severity:`)
INTERNAL_TAG = "internal"  # a query cokg runs itself, left out of `list_queries`
PAGE_WORDS = ("limit", "offset")  # reserved for paging: not parameter names


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
    # `#+ empty:` what an answer without rows means, said beside "no rows" (a researcher read
    # an empty answer as a fault, or as absence, where it was neither)
    empty: str = ""
    # checks only: how a row is reported ("violation", "warning", "info"), and whether a shape
    # already reports the same thing (whole-store validation then skips the check)
    severity: str = "violation"
    covered_by_shapes: bool = False
    # whether the answer may be shown a page at a time (`#+ page: false` says no; a query that
    # declares a pivot is paged only when it pages by case: its cells need every row of a case)
    paged: bool = True
    # `#+ page_by: case`: the rows come case by case in case-number order (ORDER BY starts with
    # ?case_number) and the `case` parameter restricts them to one case, so a page reads only
    # the cases it shows (`cokg.query.paging.read_case_page`). A pivoted query (one column per
    # case) pages by whole cases instead, whatever order its rows come in
    # (`cokg.query.paging.read_whole_cases`)
    page_by: str | None = None
    # `#+ total: NAME`: an internal saved query counting the rows of this query, paged by case,
    # per case (?case_id, ?total), run with the listing's parameters bound: a page asks only for
    # the cases holding its rows (tests hold the counts equal to the listing's). `#+ total:
    # [NAME, ...]` names several, each run only when its parameters fit those bound
    # (`total_for`)
    totals: tuple[str, ...] = ()
    # `#+ count: NAME`: an internal saved query counting all the rows (?total), run with the
    # query's parameters bound. For a listing paged by rows: the page reads one row past itself
    # and takes its total from this query instead of counting the listing in the engine
    # (`cokg.query.paging.read_page`). For a pivoted query paged by case: the first page then
    # needs no count per case (`cokg.query.paging.read_whole_cases`). Several, as for totals
    # (`count_for`): a count written for one parameter (the ratings of one phase read from
    # that phase's index) beside the general one (which tests the phase per rating)
    counts: tuple[str, ...] = ()
    # `#+ by_case: NAME`: an internal saved query giving this query's rows for the cases bound to
    # its case parameter's variable, written to read only those cases' records, where this
    # query reads each predicate whole and joins by hashing (cheaper for every case, dearer
    # for a few). Run when the case parameter is given and, for a query paged by case, for a
    # page's cases; tests hold its rows equal to this query's for those cases.
    by_case: str | None = None
    # `#+ empty_without: <IRI>`: a predicate every row needs (in a required pattern): a store
    # holding no triple with it answers no row, and `run_query` says so after one ASK instead
    # of running the query and its total (rating-evidence on an unrated store: its total
    # hashes every quotation's finding before it finds no rating to join them to)
    empty_without: str | None = None
    # `#+ case_cost: N`: what one case of the case-by-case form costs, in rows of the listing
    # read whole (`cokg.query.paging.CASE_COST_IN_ROWS` when not said): a page spanning more
    # cases than its answer's rows allow reads the listing whole
    case_cost: int | None = None
    # `#+ lists: {agents: "; "}`: columns that are a GROUP_CONCAT, with their separator. Their
    # parts come in whatever order the engine met them (it differs between a store and a copy
    # of it served elsewhere), so cokg sorts them: the same answer on every store.
    lists: tuple[tuple[str, str], ...] = ()

    @property
    def total(self) -> str | None:
        """The general counting query of `totals` (the last named), if any."""
        return self.totals[-1] if self.totals else None

    @property
    def count(self) -> str | None:
        """The general counting query of `counts` (the last named), if any."""
        return self.counts[-1] if self.counts else None

    @property
    def case_var(self) -> str | None:
        """The variable of the parameter naming cases: `page_by`'s, else the first of type case."""
        if self.page_by is not None:
            return self.param(self.page_by).var
        return next((p.var for p in self.params if p.type == "case"), None)

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

    def total_for(self, bindings: Mapping[str, Any]) -> str | None:
        """The first of `totals` that fits the parameters bound (`fits`), else None."""
        return next((n for n in self.totals if fits(get_query(n), bindings)), None)

    def count_for(self, bindings: Mapping[str, Any]) -> str | None:
        """The first of `counts` that fits the parameters bound (`fits`), else None."""
        return next((n for n in self.counts if fits(get_query(n), bindings)), None)

    def param(self, name: str) -> QueryParameter:
        for p in self.params:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.params) or "none"
        raise ParameterError(
            f"query {self.name} has no parameter {name!r}; its parameters: {known}"
        )


def fits(counter: SavedQuery, bindings: Mapping[str, Any]) -> bool:
    """Whether the counting query `counter` may count a listing run with `bindings` (values by
    variable): it takes every parameter bound (one that knows nothing of a filter would count
    rows the listing leaves out) and each parameter it requires is bound."""
    takes = {p.var for p in counter.params}
    needs = {p.var for p in counter.params if p.required}
    return set(bindings) <= takes and needs <= set(bindings)


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
    """The items of a flow list or mapping, split at commas outside quotes (a separator ", "
    is one item)."""
    items, quote, start = [], "", 0
    for k, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == ",":
            items.append(text[start:k])
            start = k + 1
    items.append(text[start:])
    return [x.strip() for x in items if x.strip()]


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
    page_by = header.get("page_by")
    # a pivoted query is paged only by whole cases (its columns): a page cut through a case
    # would show part of a column
    paged = header.get("page", pivot_spec is None or page_by is not None)
    if not isinstance(paged, bool):
        raise QueryError(f"page must be true or false, not {paged!r}", file=path)
    if paged and pivot_spec is not None and page_by is None:
        raise QueryError(
            "a pivoted query is not paged: its table needs every row (unless it pages by"
            " whole cases, `page_by: case`)",
            file=path,
        )
    if page_by is not None:
        by = next((p for p in params if p.name == page_by), None)
        if by is None or by.type != "case" or not paged:
            raise QueryError(
                f"page_by: {page_by!r} must name a parameter of type case of a paged query",
                file=path,
            )
    totals = _as_tuple(header.get("total"))
    # the rows per case say which cases hold a page: only a query paged by case has them
    if totals and (any(not _NAME_RE.match(n) for n in totals) or page_by is None):
        raise QueryError(
            f"total must name saved queries, and only a query paged by case has one, not"
            f" {header.get('total')!r}",
            file=path,
        )
    counts = _as_tuple(header.get("count"))
    # a listing paged by case counts its rows by case (`total`), and an unpaged one not at all
    by_rows = paged and pivot_spec is None and page_by is None
    if counts and (
        any(not _NAME_RE.match(n) for n in counts)
        or not (by_rows or (pivot_spec is not None and page_by))
    ):
        raise QueryError(
            f"count must name saved queries, and only a listing paged by rows or a pivoted query"
            f" paged by case has one, not {header.get('count')!r}",
            file=path,
        )
    by_case = header.get("by_case")
    if by_case is not None and (
        not _NAME_RE.match(str(by_case)) or not any(p.type == "case" for p in params)
    ):
        raise QueryError(
            f"by_case must name a saved query, and only a query with a parameter of type case"
            f" has one, not {by_case!r}",
            file=path,
        )
    empty_without = header.get("empty_without")
    if empty_without is not None:
        iri = str(empty_without)
        if not re.fullmatch(r"<[a-z][a-z0-9+.-]*:[^<>\"{}|^`\\\s]+>", iri):
            raise QueryError(
                f"empty_without must be a predicate's IRI in angle brackets, not {empty_without!r}",
                file=path,
            )
        if not _as_tuple(header.get("returns")):
            raise QueryError("a query with empty_without declares what it returns", file=path)
        empty_without = iri[1:-1]
    case_cost = header.get("case_cost")
    if case_cost is not None:
        if not str(case_cost).isdigit() or int(case_cost) < 1 or by_case is None:
            raise QueryError(
                f"case_cost must be a number of rows (1 or more), for a query with a by_case"
                f" form, not {case_cost!r}",
                file=path,
            )
        case_cost = int(case_cost)
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
        empty=str(header.get("empty") or ""),
        severity=severity,
        covered_by_shapes=covered,
        paged=paged,
        page_by=None if page_by is None else str(page_by),
        totals=totals,
        counts=counts,
        by_case=None if by_case is None else str(by_case),
        empty_without=empty_without,
        case_cost=case_cost,
        lists=_parse_lists(header.get("lists"), path),
    )


def _parse_lists(value: Any, file: Path) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in value.items()
    ):
        raise QueryError(f'{file.name}: lists: is {{column: "separator", ...}}')
    return tuple((str(k), str(v)) for k, v in value.items())


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


def screened_texts() -> list[str]:
    """The texts cokg sends for the saved queries and checks (their bodies), in file order."""
    return [q.body for q in [*list_queries(internal=True), *list_checks()]]


def verdicts_json() -> str:
    """queries/screened.json: the full screen's verdict on every saved query and check."""
    from cokg.sparql import record_verdicts

    return json.dumps(record_verdicts(screened_texts()), indent=1) + "\n"


def write_verdicts() -> Path:
    """Regenerate queries/screened.json (written atomically)."""
    from cokg.sparql import verdicts_path

    target = verdicts_path()
    tmp = target.with_suffix(target.suffix + ".tmp")
    tmp.write_text(verdicts_json(), encoding="utf-8")
    tmp.replace(target)
    return target
