"""The reference engine: pySHACL over the submission and its context. pyshacl lives here only.

Always with our shapes graph, an rdflib Graph (never a string that pyshacl would take for a
path or URL), no inference (RDFS inference hides sh:class violations), no owl:imports, no
SHACL-AF or JS.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import cast

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

    data = Graph()
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
