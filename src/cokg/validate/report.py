"""Reports for people and programs: validation reports as text, JSON or Turtle; check reports."""

from __future__ import annotations

import json
from typing import Any

from rdflib import BNode, Graph, Literal
from rdflib.term import Node

from cokg.errors import ParameterError
from cokg.models import CheckReport, ValidationReport, ValidationResult
from cokg.namespaces import PREFIXES, RDF, SH
from cokg.validate.shapes import SEVERITY_IRI
from cokg.validate.steward import plain


def format_report(
    report: ValidationReport | CheckReport, fmt: str = "text", *, technical: bool = False
) -> str:
    """A report for people ("text"), as JSON ("json") or as a SHACL report graph ("ttl").

    A ValidationReport (`cokg validate`) has all three; a CheckReport (`cokg check`: reasoning
    and the vocabulary lint) is text only. The text is in the steward's words (no cokg: terms,
    no check names) unless `technical`; JSON and Turtle keep the messages as the shapes and
    checks wrote them."""
    if isinstance(report, CheckReport):
        if fmt != "text":
            raise ParameterError(f"a check report is written as text only, not {fmt!r}")
        return _check_text(report)
    if fmt == "json":
        return json.dumps(_report_json(report), indent=2, ensure_ascii=False) + "\n"
    if fmt == "ttl":
        return report_graph(report).serialize(format="turtle")
    return _report_text(report, technical=technical)


def _where(r: ValidationResult) -> str:
    where = r.file or "store"
    if r.row is not None:
        where += f" row {r.row}"
    if r.record_label:
        where += f" ({r.record_label})"
    return where


def result_line(r: ValidationResult, *, technical: bool = False) -> str:
    """One result as the text report prints it: where, severity, column, message. Without
    `technical`, cokg: terms are given by their labels and check names are left out."""
    sev = "" if r.severity == "violation" else f"{r.severity}: "
    col = f"column {r.column}: " if r.column else ""
    if not technical:
        return f"{_where(r)}: {sev}{col}{plain(r.message)}"
    check = f" [check {r.source_constraint}]" if isinstance(r.source_constraint, Literal) else ""
    return f"{_where(r)}: {sev}{col}{r.message}{check}"


def _report_text(report: ValidationReport, *, technical: bool = False) -> str:
    lines: list[str] = []
    for w in report.warnings:
        lines.append(f"note: {w}")
    for r in report.results:
        lines.append(result_line(r, technical=technical))
    n_v = sum(r.severity == "violation" for r in report.results)
    n_w = sum(r.severity == "warning" for r in report.results)
    n_i = len(report.results) - n_v - n_w
    counts = f"{n_v} violation{'s' * (n_v != 1)}, {n_w} warning{'s' * (n_w != 1)}"
    if n_i:
        counts += f", {n_i} info"
    what = (
        f"{len(report.files)} file{'s' * (len(report.files) != 1)}" if report.files else "the store"
    )
    verdict = "conforms" if report.conforms else "does not conform"
    lines.append(f"{what}, {report.triples} triples: {verdict} ({counts})")
    return "\n".join(lines) + "\n"


def _report_json(report: ValidationReport) -> dict[str, Any]:
    def term(n: Node | None) -> str | None:
        return None if n is None else str(n)

    return {
        "conforms": report.conforms,
        "engine": report.engine,
        "shapes_version": report.shapes_version,
        "files": list(report.files),
        "triples": report.triples,
        "results": [
            {
                "severity": r.severity,
                "focus_node": term(r.focus_node),
                "path": term(r.path),
                "value": term(r.value),
                "constraint_component": term(r.constraint_component),
                "source_shape": term(r.source_shape),
                "source_constraint": term(r.source_constraint),
                "message": r.message,
                "record": r.record_label,
                "file": r.file,
                "row": r.row,
                "column": r.column,
            }
            for r in report.results
        ],
    }


def report_graph(report: ValidationReport) -> Graph:
    """The report as a standard SHACL validation report graph."""
    g = Graph()
    g.bind("sh", SH)
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    rep = BNode()
    g.add((rep, RDF.type, SH.ValidationReport))
    g.add((rep, SH.conforms, Literal(report.conforms)))
    for r in report.results:
        n = BNode()
        g.add((rep, SH.result, n))
        g.add((n, RDF.type, SH.ValidationResult))
        g.add((n, SH.resultSeverity, SEVERITY_IRI.get(r.severity, SH.Violation)))
        g.add((n, SH.focusNode, r.focus_node))
        g.add((n, SH.resultMessage, Literal(r.message)))
        for p, v in (
            (SH.resultPath, r.path),
            (SH.value, r.value),
            (SH.sourceConstraintComponent, r.constraint_component),
            (SH.sourceShape, r.source_shape),
            (SH.sourceConstraint, r.source_constraint),
        ):
            if v is not None:
                g.add((n, p, v))
    return g


def _check_text(report: CheckReport) -> str:
    """The report printed by `cokg check`."""
    lines = [f"checked {len(report.files)} files with {report.reasoner} in {report.seconds:.1f} s"]
    if report.data_individuals:
        lines.append(f"  including {report.data_individuals} data individuals")
    for w in report.warnings:
        lines.append(f"warning: {w}")
    if report.consistent:
        lines.append("consistent: yes")
    else:
        lines.append("consistent: NO - the ontology is inconsistent (no individual can exist)")
        if report.inconsistency:
            lines.append(f"  {report.inconsistency}")
    if report.unsatisfiable:
        lines.append(
            f"unsatisfiable classes: {len(report.unsatisfiable)} "
            "(they can have no members; look for disjoint superclasses or contradictory "
            "restrictions)"
        )
        lines.extend(f"  {c}" for c in report.unsatisfiable)
    else:
        lines.append("unsatisfiable classes: none")
    if report.lint:
        lines.append(f"vocabulary problems: {len(report.lint)}")
        lines.extend(f"  {p}" for p in report.lint)
    else:
        lines.append("vocabulary problems: none")
    lines.append("OK" if report.ok else "FAILED")
    return "\n".join(lines)
