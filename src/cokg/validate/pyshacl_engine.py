"""The reference engine: pySHACL over the submission and its context. pyshacl lives here only.

Always with our shapes graph, an rdflib Graph (never a string that pyshacl would take for a
path or URL), no inference (RDFS inference hides sh:class violations), no owl:imports, no
SHACL-AF or JS.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, cast

from rdflib import Graph, URIRef
from rdflib.term import Node

from cokg import paths
from cokg.errors import InputError
from cokg.models import ValidationResult
from cokg.namespaces import RDF, SH
from cokg.terms import Triple
from cokg.validate.shapes import SEVERITY, shapes_graph


def run_pyshacl(
    submission: Graph, union: Iterable[Triple], focus: Sequence[Node]
) -> list[ValidationResult]:
    """The results pySHACL finds for the `focus` nodes in the submission plus `union`."""
    from pyshacl import validate as shacl_validate

    data = _PreparingGraph()
    for t in union:
        data.add(t)
    for t in submission:
        data.add(t)
    if not focus:
        return []
    _conforms, report, text = shacl_validate(
        data,
        shacl_graph=shapes_graph(),
        inference="none",
        advanced=False,
        js=False,
        do_owl_imports=False,
        allow_warnings=True,
        allow_infos=True,
    )
    if not isinstance(report, Graph):  # pyshacl found the shapes themselves unusable
        raise InputError(f"the shapes cannot be used: {text}", file=paths.SHAPES_DIR)
    wanted = set(focus)
    return [r for r in results_from_report(report) if r.focus_node in wanted]


class _PreparingGraph(Graph):
    """The data graph pySHACL queries. pySHACL runs each SPARQL-based constraint once per focus
    node, as text, and rdflib parses the text every time (40 ms a parse: 80% of a fixture's
    validation); here each text is parsed once per process and the prepared query evaluated,
    which rdflib documents as the same query (prepareQuery)."""

    def query(
        self,
        query_object: Any,
        processor: Any = "sparql",
        result: Any = "sparql",
        initNs: Mapping[str, Any] | None = None,
        initBindings: Mapping[str, Any] | None = None,
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> Any:
        if isinstance(query_object, str) and processor == "sparql" and not kwargs.get("base"):
            query_object = _prepared(query_object, tuple(sorted((initNs or {}).items())))
            initNs = None  # in the prepared query already
        return super().query(
            query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs
        )


@lru_cache(maxsize=1024)
def _prepared(text: str, namespaces: tuple[tuple[str, Any], ...]) -> Any:
    from rdflib.plugins.sparql import prepareQuery

    return prepareQuery(text, initNs=dict(namespaces))


def results_from_report(report: Graph) -> list[ValidationResult]:
    """The results of a standard SHACL validation report graph."""
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        msg = report.value(r, SH.resultMessage)
        out.append(
            ValidationResult(
                severity=SEVERITY.get(report.value(r, SH.resultSeverity), "violation"),
                focus_node=cast(Node, report.value(r, SH.focusNode)),  # required in a report
                path=report.value(r, SH.resultPath),
                constraint_component=_named(report.value(r, SH.sourceConstraintComponent)),
                source_shape=report.value(r, SH.sourceShape),
                message=str(msg) if msg is not None else "",
                value=report.value(r, SH.value),
                source_constraint=_named(report.value(r, SH.sourceConstraint)),
            )
        )
    return out


def _named(node: Node | None) -> URIRef | None:
    return node if isinstance(node, URIRef) else None
