"""One case's part of a graph that holds several: what `cokg export --case` and `cokg template
--case` give for a case that came in one submission with others.

A submission may hold several cases (a study's workbook), so "the graph of case A" would carry
case B's findings and quotations too: exporting one site's case must not hand out another
site's interviews. A case's part is the case itself, the records scoped to it (ids under
`<kind>/<case-id>/`), the records that point at those (an informant of the case), and what
all of these refer to, followed link by link (organisations, places, sources, blank nodes),
never into another case or a record scoped to one. Links to another case's records are left
out with them.
"""

from __future__ import annotations

from urllib.parse import unquote

from rdflib import Graph
from rdflib.term import Node, URIRef

from cokg.namespaces import COKG, COKGID, RDF

__all__ = ["case_part"]


def case_part(graph: Graph, case: URIRef) -> Graph:
    """The statements of `graph` that belong to `case` (see the module). A graph holding one
    case or none is returned as it is."""
    cases = set(graph.subjects(RDF.type, COKG.Case))
    if len(cases - {case}) == 0:
        return graph
    own_id = _case_id(case)
    ids = {_case_id(c) for c in cases} - {None}

    def scope(node: Node) -> str | None:
        owner = _scope(node)
        return owner if owner in ids else None  # qda/<project>/... is no case's

    def foreign(node: Node) -> bool:
        if node in cases:
            return node != case
        owner = scope(node)
        return owner is not None and owner != own_id

    subjects = set(graph.subjects())

    def reach(c: Node, seeds: set[Node]) -> set[Node]:
        cid = _case_id(c)
        keep = seeds | {c} | {s for s in subjects if scope(s) == cid}
        # one step back: records pointing at the case or its scoped records (an informant)
        keep |= {s for s, _p, o in graph if o in keep and s not in cases and scope(s) is None}
        todo = list(keep)
        while todo:  # then everything they refer to, link by link
            for o in graph.objects(todo.pop(), None):
                if o in subjects and o not in keep and o not in cases and scope(o) in (None, cid):
                    keep.add(o)
                    todo.append(o)
        return keep

    keep = reach(case, set())
    others = set().union(*(reach(c, set()) for c in cases - {case}))
    # what no case reaches (a source location nothing cites yet) goes with every case's part,
    # so the parts together are the whole submission
    orphans = {s for s in subjects - keep - others if not foreign(s) and s not in cases}
    if orphans:
        keep = reach(case, orphans)
    part = Graph()
    for prefix, ns in graph.namespaces():
        part.bind(prefix, ns, override=True)
    for s, p, o in graph:
        if s in keep and not foreign(o):
            part.add((s, p, o))
    return part


def _case_id(case: Node) -> str | None:
    rest = str(case)[len(str(COKGID)) :] if str(case).startswith(str(COKGID)) else ""
    parts = rest.split("/")
    return unquote(parts[1]) if len(parts) == 2 and parts[0] == "case" else None


def _scope(node: Node) -> str | None:
    """The case id a record's IRI is scoped to (`<kind>/<case-id>/<id>`), else None."""
    if not isinstance(node, URIRef) or not str(node).startswith(str(COKGID)):
        return None
    parts = str(node)[len(str(COKGID)) :].split("/")
    return unquote(parts[1]) if len(parts) == 3 and parts[0] != "case" else None
