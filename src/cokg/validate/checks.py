"""The QC checks (queries/checks/*-violation.rq) validation runs beside the shapes, as results.

The checks are read, and each row turned into the finding it reports, by cokg.query (one
reader for `run_checks`, `cokg check` and validation); this module chooses which checks run
here and gives their findings the shape of a SHACL validation result.
"""

from __future__ import annotations

from collections.abc import Mapping

from rdflib import Literal, URIRef
from rdflib.term import Node

from cokg.models import ValidationResult
from cokg.query import SavedQuery, check_violation, list_checks, parse_header

SHAPES_NS = "https://w3id.org/cokg/shapes#"


def checks_to_run() -> list[SavedQuery]:
    """Every queries/checks/*-violation.rq that validation runs beside the shapes. A check whose
    header says `covered_by_shapes: true` is left out: a shape reports the same problem (the
    query stays for `cokg check` and researchers). Its `severity:` header (default violation)
    sets the severity of its rows, so warning-level checks do not fail a submission."""
    return [c for c in list_checks() if not c.covered_by_shapes]


def same_as_shapes(check: SavedQuery) -> frozenset[URIRef]:
    """The shapes (property shapes or SPARQL constraints, `#+ same_as_shapes:` in the check's
    header, local names in cokgsh:) that report the problem this check reports: a result of
    theirs about the same record makes the check's result a repeat (cokg.validate.steward)."""
    names = parse_header(check.sparql, file=check.path).get("same_as_shapes") or []
    if isinstance(names, str):
        names = [names]
    return frozenset(URIRef(SHAPES_NS + str(n).strip()) for n in names)


def check_result(check: SavedQuery, row: Mapping[str, Node | None]) -> ValidationResult:
    """A row of a QC check as a result: its ?focus is the record, named by the check; its
    ?value, when it returns one, the offending value."""
    found = check_violation(check, row)
    name = Literal(check.name)
    return ValidationResult(
        severity=found.severity,
        focus_node=found.focus_term if found.focus_term is not None else name,
        path=None,
        constraint_component=None,
        source_shape=None,
        message=found.message,
        value=row.get("value"),
        source_constraint=name,
    )
