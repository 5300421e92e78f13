"""Results for people: each mapped back to the record, file, row and column it is about."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from cokg.models import ValidationResult
from cokg.namespaces import COKG, COKGID, RDF, RDFS, SH, curie
from cokg.terms import Triple

if TYPE_CHECKING:
    from cokg.validate.reading import Submission


def short(node: Node) -> str:
    """A term as messages show it: an IRI as a prefixed name where one fits
    (cokgid:case/dundee-mrr), else <iri>; a literal or blank node as its text."""
    return curie(node, slashes=True) if isinstance(node, URIRef) else str(node)


class Readable(Protocol):
    """What `record_label` reads from a graph."""

    def objects(self, s: Node, p: Node, /) -> Iterator[Node]: ...

    def value(self, s: Node, p: Node, /) -> Node | None: ...


_CLASS_WORDS = {
    COKG.Quotation: "quotation",
    COKG.Case: "case",
    COKG.Informant: "informant",
    COKG.CrossCaseFinding: "finding",
    COKG.NarrativeFinding: "finding",
    COKG.Finding: "finding",
    COKG.PhaseEpisode: "phase episode",
    COKG.Event: "event",
    COKG.Organisation: "organisation",
    COKG.RoleAssignment: "role",
    COKG.Document: "document",
}


def record_label(node: Node, g: Readable) -> str:
    """A short human name for a record: 'quotation Q7 of case dundee-mrr', 'case dundee-mrr'.
    `g` needs only `objects(s, p)` and `value(s, p)`."""
    types = set(g.objects(node, RDF.type))
    word = next((w for c, w in _CLASS_WORDS.items() if c in types), None)
    if word is None and types:
        t = sorted(types, key=str)[0]
        local = re.split(r"[#/]", str(t))[-1]
        word = re.sub(r"(?<!^)(?=[A-Z])", " ", local).lower()
    ident: Node | str | None = (
        g.value(node, COKG.quotationId)
        or g.value(node, COKG.caseId)
        or g.value(node, COKG.informantCode)
        or g.value(node, RDFS.label)
    )
    if ident is None and isinstance(node, URIRef) and node.startswith(COKGID):
        ident = str(node)[len(COKGID) :].rsplit("/", 1)[-1]
    label = f"{word or 'record'} {ident if ident is not None else short(node)}"
    case = (
        g.value(node, COKG.aboutCase)
        or g.value(node, COKG.inCase)
        or g.value(node, COKG.ratedCase)
        or g.value(node, COKG.outcomeOfCase)
    )
    if case is not None and COKG.Case not in types:
        cid: Node | str | None = g.value(case, COKG.caseId)
        if cid is None and isinstance(case, URIRef):
            cid = str(case).rsplit("/", 1)[-1]
        label += f" of case {cid}"
    return label


def locate(r: ValidationResult, sub: Submission, g: Readable) -> ValidationResult:
    """`r` with its placeholders filled, and the record label, file, row and column of its
    focus node."""
    # a statement made on the statements sheet is that row's (the property, or a property
    # named as the value: "not a property of the ontology"), not the record's own row
    stated = sub.statement_origins
    as_property = stated.get((r.focus_node, r.value)) if r.value is not None else None
    origin = (
        as_property
        or (stated.get((r.focus_node, r.path)) if r.path is not None else None)
        or sub.origins.get(r.focus_node)
    )
    msg = r.message
    if r.path is not None and r.value is None:  # a missing value, told in a value's words
        from cokg.validate.steward import missing_message

        msg = missing_message(r, short(r.path)) or msg
    elif r.path is not None:  # a value of the wrong kind, told as such (not "needs one")
        from cokg.validate.steward import datatype_message

        msg = datatype_message(r, short(r.path)) or msg
    for node in (r.value, r.focus_node):  # pyshacl writes whole IRIs into SPARQL messages
        if isinstance(node, URIRef):
            # bracketed or bare, once: short() of an IRI with no known prefix is "<iri>"
            named = short(node).replace("\\", "\\\\")  # literal in re.sub's replacement
            msg = re.sub(f"<?{re.escape(str(node))}>?", named, msg)
    value = short(r.value) if r.value is not None else None
    if value is not None:
        msg = msg.replace("{$value}", value)
    else:  # "..., not '{$value}'" says nothing without a value
        msg = re.sub(r",? not '\{\$value\}'", "", msg)
        msg = msg.replace(" '{$value}'", "").replace("'{$value}' ", "").replace("{$value}", "")
    msg = msg.replace("{$this}", short(r.focus_node))
    if r.path is not None:
        msg = msg.replace("{$path}", short(r.path))
    if not msg.startswith("missing "):
        msg = _cardinality_prefix(r, g) + msg
    column = None
    if origin is not None and r.value is not None and r.value == r.focus_node:
        column = "record"  # the record itself unknown (a statements row about a mistyped id)
    elif origin is not None and origin is as_property:
        column = "property"
    elif origin is not None and r.path is not None:
        column = origin.columns.get(str(r.path))
    if origin is not None and origin.sheet and column:
        from cokg.template.converting import date_advice

        msg = date_advice(origin.sheet, column, r.value) or msg
    label = origin.label if origin is not None and origin.label else record_label(r.focus_node, g)
    return replace(
        r,
        message=msg,
        record_label=label,
        file=origin.file if origin else r.file,
        row=origin.row if origin else r.row,
        column=column,
    )


def _cardinality_prefix(r: ValidationResult, g: Readable) -> str:
    if r.constraint_component == SH.MinCountConstraintComponent:
        return f"missing {short(r.path)}: " if r.path is not None else "missing value: "
    if r.constraint_component == SH.MaxCountConstraintComponent and isinstance(r.path, URIRef):
        values = sorted({short(v) for v in g.objects(r.focus_node, r.path)})
        if len(values) > 1:  # which values, so the steward knows which to keep
            shown = ", ".join(f"'{v}'" for v in values[:5])
            more = f" and {len(values) - 5} more" if len(values) > 5 else ""
            return f"{len(values)} values of {short(r.path)} ({shown}{more}): "
    return ""


class _Graphs:
    """The submission and a few store triples read as one graph by `record_label` (which
    only asks for objects and values): labels without copying the submission."""

    def __init__(self, *graphs: Graph) -> None:
        self.graphs = graphs

    def objects(self, s: Node, p: Node) -> Iterator[Node]:
        for g in self.graphs:
            yield from g.objects(s, p)

    def value(self, s: Node, p: Node) -> Node | None:
        for g in self.graphs:
            v = g.value(s, p)
            if v is not None:
                return v
        return None


def label_graph(
    results: Sequence[ValidationResult], graph: Graph, union: Sequence[Triple]
) -> Readable:
    """What `record_label` reads for the records named in results: the submission itself and
    the store triples about those records and the cases they are about."""
    wanted = {r.focus_node for r in results if not isinstance(r.focus_node, Literal)}
    near = Graph()
    for _round in range(2):  # the records, then the cases they are about
        found = [t for t in union if t[0] in wanted]
        for t in found:
            near.add(t)
        wanted = {
            o
            for n in wanted
            for p in (COKG.aboutCase, COKG.inCase)
            for o in (*graph.objects(n, p), *near.objects(n, p))
        }
        if not wanted:
            break
    return _Graphs(graph, near)
