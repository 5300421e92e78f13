"""A stored case, written back into the template so a steward can correct and resubmit it.

The export holds the graph the case is stored in (its data/ file or its submission) and, with
`shared=True`, the shared records it refers to, followed from record to record (organisations,
places, the study, its source, location codes) but never into another case's graph. Each
record goes to the row of its sheet; each value is written only when reading the cell back
gives exactly the stored term, and a row only when converting it gives only stored statements.
Whatever no row can hold (a second comment, a property without a column, a literal with a
language tag) goes to the sheets comments and statements, so nothing is lost; the export then
reads its own rows back and fails loudly unless they give exactly the exported graph.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_isomorphic
from rdflib.term import Node

from cokg.errors import CokgError, InputError, ParameterError
from cokg.namespaces import COKGID, PREFIXES, RDF, RDFS, XSD, graph_iri
from cokg.slicing import case_part
from cokg.template.cells import Row
from cokg.template.converting import (
    ABSOLUTE,
    TYPED,
    convert_rows,
    normalise_id,
    parse_value,
    record_iri,
)
from cokg.template.sheets import (
    CODE_PREFIXES,
    COMMENTS,
    SHEETS,
    STATEMENTS,
    TABLES,
    Column,
    Kind,
    Sheet,
    sheet_for_class,
)
from cokg.template.writing import write_rows

if TYPE_CHECKING:
    from cokg.store import Store

__all__ = ["CaseExport", "case_graph", "case_rows", "export_case"]

PROVENANCE = graph_iri("provenance/")
Triple = tuple[Node, Node, Node]
Cells = dict[str, str]


@dataclass
class CaseExport:
    """What an export wrote: the files, the rows by sheet and the graph they hold."""

    case_id: str
    files: list[Path]
    rows: dict[str, list[Cells]]
    graph: Graph
    shared_records: list[URIRef] = field(default_factory=list)

    @property
    def statements(self) -> int:
        """Rows on the catch-all sheet statements: what no sheet has a column for."""
        return len(self.rows.get(STATEMENTS.name, []))


def case_graph(case_id: str, store: Store, *, shared: bool = True) -> tuple[Graph, list[URIRef]]:
    """The statements of case `case_id` in the graph holding it (`cokg.slicing.case_part`:
    its own part of a submission of several cases) and, with `shared`, of the shared
    records it refers to (transitively, outside other cases' graphs). Returns the graph and the
    shared records. Raises ParameterError naming the stored cases when there is no such case."""
    from cokg.query import run_query

    case = record_iri(SHEETS["cases"], SHEETS["cases"].kinds[0], None, case_id)
    graph = Graph()
    for row in run_query("case-graph", store=store, case_iri=str(case)):
        t = row.terms
        graph.add((t["subject"], t["predicate"], t["object"]))  # type: ignore[arg-type]
    graph = case_part(graph, case)  # a submission of several cases: this one's part
    if not len(graph):
        from cokg.query import case_ids

        known = sorted(case_ids(store))
        import difflib

        close = difflib.get_close_matches(case_id, known, n=1)
        hint = f" — did you mean {close[0]!r}?" if close else ""
        raise ParameterError(
            f"no case {case_id!r} in the store{hint} (cases: {', '.join(known) or 'none'})"
        )
    records: list[URIRef] = []
    if shared:
        described = set(graph.subjects())
        todo = sorted({o for o in graph.objects() if _is_record(o) and o not in described}, key=str)
        seen: set[Node] = set(todo)
        while todo:
            iri = todo.pop()
            rows = run_query("record-graphs", store=store, iri=str(iri))
            found = [
                r.terms
                for r in rows
                if not r.data["cases_in_graph"] and not str(r.data["graph"]).startswith(PROVENANCE)
            ]
            if not found:
                continue
            records.append(iri)  # type: ignore[arg-type]
            for t in found:
                o = t["object"]
                graph.add((iri, t["predicate"], o))  # type: ignore[arg-type]
                if _is_record(o) and o not in seen and o not in described:
                    seen.add(o)  # type: ignore[arg-type]
                    todo.append(o)  # type: ignore[arg-type]
    return restore_datatypes(graph), sorted(records, key=str)


def restore_datatypes(graph: Graph) -> Graph:
    """The datatypes the store dropped, put back. The embedded engine stores every integer
    type as xsd:integer (docs/stewards.md, Limitations); the shapes admitted only the type
    the column declares (xsd:positiveInteger for cokg:position ...), so that is what the
    stored case held."""
    declared = {
        col.predicate: TYPED[col.value]
        for sheet in SHEETS.values()
        for col in sheet.columns
        if col.predicate is not None and col.value in ("positive", "nonnegative")
    }
    for s, p, o in list(graph):
        if (
            isinstance(p, URIRef)
            and p in declared
            and isinstance(o, Literal)
            and o.datatype == XSD.integer
            and declared[p] != XSD.integer
        ):
            graph.remove((s, p, o))
            graph.add((s, p, Literal(str(o), datatype=declared[p])))
    return graph


def _is_record(node: Node | None) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(str(COKGID))


# --- from statements to cells ---------------------------------------------------------------


def iri_text(iri: URIRef) -> str:
    """A record outside the id rules, as a cell names it: its path under cokgid: or its IRI."""
    text = str(iri)
    base = str(COKGID)
    return text[len(base) :] if text.startswith(base) else text


def _id_text(sheet: Sheet, kind: Kind, iri: URIRef) -> tuple[str, str | None]:
    """(id cell, case id) for a record: the plain id when the IRI follows the sheet's rule."""
    rest = iri_text(iri)
    parts = rest.split("/")
    if sheet.scoped and len(parts) == 3 and parts[0] == kind.path:
        from urllib.parse import unquote

        case_id, ident = unquote(parts[1]), unquote(parts[2])
        if record_iri(sheet, kind, case_id, ident) == iri and normalise_id(sheet, ident) == ident:
            return ident, case_id
    if not sheet.scoped and len(parts) == 2 and parts[0] == kind.path:
        from urllib.parse import unquote

        ident = unquote(parts[1])
        if record_iri(sheet, kind, None, ident) == iri and normalise_id(sheet, ident) == ident:
            return ident, None
    return rest, None


def _ref_text(col: Column, node: Node, case_id: str | None) -> str | None:
    """The cell text naming `node` in column `col`, or None when no text reads back as it."""
    candidates: list[str] = []
    if col.value == "ref" and isinstance(node, URIRef):
        target = SHEETS[col.target]
        ident, node_case = _id_text(target, target.kinds[0], node)
        if "/" not in ident and (not target.scoped or node_case == case_id):
            candidates.append(ident)
        candidates.append(iri_text(node))
    elif col.value in ("choice", "rating") and isinstance(node, URIRef):
        candidates += [k for k, v in TABLES[col.target].items() if v == node]
    elif col.codes and isinstance(node, URIRef):
        candidates += [
            f"{p}:{str(node)[len(PREFIXES[p]) :]}"
            for p in CODE_PREFIXES
            if str(node).startswith(PREFIXES[p])
        ]
    elif col.value == "coder" and isinstance(node, URIRef):
        candidates += [str(node).rsplit("/", 1)[-1], iri_text(node), str(node)]
    elif col.value == "link" and isinstance(node, URIRef):
        text = str(node)
        candidates += [f"{p}:{text[len(ns) :]}" for p, ns in PREFIXES.items()
                       if text.startswith(ns) and p == "wd"]  # fmt: skip
        candidates.append(text)
    elif isinstance(node, Literal):
        candidates.append(str(node))
    for text in candidates:
        if ";" in text and col.several:
            continue
        if text != text.strip() or not text:
            continue
        if parse_value(col, text, case_id) == node:
            return text
    return None


def _record_row(
    sheet: Sheet, kind: Kind, iri: URIRef, graph: Graph, case_of: dict[URIRef, str]
) -> Cells:
    ident, case_id = _id_text(sheet, kind, iri)
    cells: Cells = {sheet.id_column: ident}
    if sheet.kind_column:
        cells["kind"] = kind.name
    case_col = next((c for c in sheet.columns if c.name == "case_id"), None)
    if case_col is not None:
        stored = list(graph.objects(iri, case_col.predicate)) if case_col.predicate else []
        if kind.case_link is not None:
            stored += list(graph.subjects(kind.case_link, iri))
        owner = next((o for o in sorted(stored, key=str) if isinstance(o, URIRef)), None)
        if case_id is None and owner is not None:
            owner_id, _ = _id_text(SHEETS["cases"], SHEETS["cases"].kinds[0], owner)
            case_id = owner_id if "/" not in owner_id else None
        if case_id is not None:
            cells["case_id"] = case_id
        elif owner is not None:
            cells["case_id"] = iri_text(owner)
    for col in sheet.columns:
        if col.predicate is None or col.value in ("id", "kind") or col.name == "case_id":
            continue
        values = sorted(graph.objects(iri, col.predicate), key=_order)
        texts = sorted(t for t in (_ref_text(col, v, case_id) for v in values) if t is not None)
        if not texts:
            continue
        cells[col.name] = "; ".join(texts) if col.several else texts[0]
    return cells


def _order(node: Node) -> tuple[str, str]:
    return (type(node).__name__, str(node))


def case_rows(graph: Graph) -> dict[str, list[Cells]]:
    """The template rows that hold `graph` exactly (see the module docstring)."""
    if any(isinstance(x, BNode) for t in graph for x in t):
        raise InputError("the case holds blank nodes, which a template cannot name")
    rows: dict[str, list[Cells]] = defaultdict(list)
    consumed: set[Triple] = set()
    triples = set(graph)
    for iri in sorted({s for s in graph.subjects() if isinstance(s, URIRef)}, key=str):
        classes = [c for c in graph.objects(iri, RDF.type) if isinstance(c, URIRef)]
        placed = [p for p in map(sheet_for_class, classes) if p]
        if len(placed) != 1:
            continue  # untyped, or typed twice: the statements sheet holds it
        sheet, kind = placed[0]
        cells = _record_row(sheet, kind, iri, graph, {})
        conv = convert_rows([Row(sheet.name, "export", 0, cells)])
        produced = set(conv.graph)
        if conv.problems or not produced <= triples:
            continue
        rows[sheet.name].append(cells)
        consumed |= produced
    for s, p, o in sorted(triples - consumed, key=lambda t: tuple(map(_order, t))):
        record = iri_text(s)  # type: ignore[arg-type]
        plain = isinstance(o, Literal) and o.datatype is None and not o.language
        if p == RDFS.comment and plain and str(o) == str(o).strip() and str(o):
            rows[COMMENTS.name].append({"record": record, "comment": str(o)})
            continue
        rows[STATEMENTS.name].append(_statement_cells(record, p, o))  # type: ignore[arg-type]
    for name in rows:
        rows[name].sort(key=lambda c: tuple(c.get(col.name, "") for col in SHEETS[name].columns))
    return dict(rows)


def _name(iri: URIRef) -> str:
    text = str(iri)
    for prefix, ns in PREFIXES.items():
        if text.startswith(ns) and text[len(ns) :] and "/" not in text[len(ns) :]:
            return f"{prefix}:{text[len(ns) :]}"
    return text


def _statement_cells(record: str, p: URIRef, o: Node) -> Cells:
    if isinstance(o, URIRef):
        value = iri_text(o) if _is_record(o) else str(o)
        return {"record": record, "property": _name(p), "value": value, "datatype": "link"}
    assert isinstance(o, Literal)
    cells = {"record": record, "property": _name(p), "value": str(o)}
    if o.datatype is not None:
        cells["datatype"] = _name(o.datatype)
    if o.language:
        cells["language"] = o.language
    return cells


def rows_graph(rows: dict[str, list[Cells]]) -> Graph:
    """The graph a set of rows converts to (problems raise: exported rows have none)."""
    conv = convert_rows(
        Row(name, "export", i, cells)
        for name, sheet_rows in rows.items()
        for i, cells in enumerate(sheet_rows, start=2)
    )
    if conv.problems:
        raise CokgError(f"internal error: an exported row does not read back: {conv.problems[0]}")
    return conv.graph


def export_case(
    case_id: str,
    out: str | Path,
    *,
    store: Store | str | Path | None = None,
    shared: bool = True,
) -> CaseExport:
    """Write stored case `case_id` into a template at `out` (an .xlsx workbook or a CSV
    folder), with the shared records it refers to unless `shared` is False. The rows are read
    back before anything is written: an export that would not give exactly the stored
    statements raises CokgError instead of writing a lossy template."""
    from cokg.query import open_for_call

    out = Path(out)
    st, opened = open_for_call(store)
    try:
        ident = normalise_id(SHEETS["cases"], case_id)
        if ABSOLUTE.fullmatch(ident) or "/" in ident:
            raise ParameterError(f"give the case id (such as dundee-mrr), not {case_id!r}")
        graph, records = case_graph(ident, st, shared=shared)
        rows = case_rows(graph)
        back = rows_graph(rows)
        if to_isomorphic(back) != to_isomorphic(graph):
            lost = len(set(graph) - set(back))
            added = len(set(back) - set(graph))
            raise CokgError(
                f"internal error: the export of case {ident} would lose {lost} and add {added} "
                "statements; nothing was written"
            )
        files = write_rows(out, rows, store=st)
    finally:
        if opened:
            st.close()
    return CaseExport(ident, files, rows, graph, records)
