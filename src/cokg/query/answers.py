"""What a query gives back: rows of plain Python values, the page they lie on, a check's
finding, and a long answer pivoted into the paper's tables."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from cokg.errors import QueryError
from cokg.query.saved import Pivot
from cokg.vocabulary import PHASE_NAMES

if TYPE_CHECKING:
    from rdflib.term import Node

    from cokg.models import QueryResult


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
    # where the page before starts, when pages are not cut every `limit` rows (pages of whole
    # cases: `cokg.query.paging.read_whole_cases`); None: `offset - limit`
    previous: int | None = field(default=None, repr=False)

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
        if self.previous is not None:
            return self.previous
        if self.offset >= self.total and self.limit and self.total:
            # past the end: the last page that has rows, not another empty one
            return (self.total - 1) // self.limit * self.limit
        return max(0, self.offset - self.limit) if self.limit else 0

    @property
    def whole(self) -> bool:
        """Whether this page holds the whole answer (nothing skipped, nothing follows)."""
        return self.offset == 0 and not self.more

    @property
    def span(self) -> str:
        """Where the page lies, in words: "rows 1–100 of 4,231" (or "no rows at offset …")."""
        if not self.rows:
            return f"no rows at offset {self.offset:,} ({self.total:,} in all)"
        return f"rows {self.offset + 1:,}–{self.offset + self.rows:,} of {self.total:,}"


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
    truncated: bool = False  # the store cut the answer at its result limit (`cokg serve`)

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> Row:
        return self.rows[index]

    def column(self, name: str) -> list[Any]:
        return [r.data.get(name) for r in self.rows]

    def __str__(self) -> str:
        """The answer as `cokg query` prints it (`print(answer)` in a notebook printed one
        long line of the dataclass)."""
        from cokg.query.text import answer_text

        return answer_text(self, "table")

    def _repr_markdown_(self) -> str:
        """Jupyter shows the answer as a table (Markdown, as `--format md`)."""
        from cokg.query.text import answer_text

        return answer_text(self, "md")


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


# --------------------------------------------------------------------------- terms


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


# --------------------------------------------------------------------------- answers

# phases in their order, not the alphabet's (adoption, implementation, assimilation)
_PHASE_RANK = {name: i for i, name in enumerate(PHASE_NAMES)}


def _list_order(part: str) -> tuple[int, str, str]:
    """A list column's parts in order: phases as they follow each other, the rest by name."""
    return (_PHASE_RANK.get(part.strip().casefold(), len(_PHASE_RANK)), part.casefold(), part)


_UNSEEN = object()


def answer_from(
    result: QueryResult,
    *,
    name: str | None,
    parameters: dict[str, str] | None = None,
    pivot: Pivot | None = None,
    seconds: float = 0.0,
    display: tuple[str, ...] = (),
    page: Page | None = None,
    lists: tuple[tuple[str, str], ...] = (),
) -> QueryAnswer:
    """The answer to a query from the store's result, its terms as plain Python values; the
    parts of each `lists` column (column, separator) sorted."""
    if result.kind == "ask":
        return QueryAnswer(name=name, kind="ask", boolean=bool(result.boolean), seconds=seconds)
    if result.kind == "graph":
        return QueryAnswer(
            name=name, kind="graph", triples=tuple(result.triples or ()), seconds=seconds,
            truncated=result.truncated,
        )  # fmt: skip
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
        for v, sep in lists:
            x = data.get(v)
            if isinstance(x, str) and sep in x:
                x = sep.join(sorted(x.split(sep), key=_list_order))
                data[v] = x
                terms = {**terms, v: Literal(x)}
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
        truncated=result.truncated,
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
