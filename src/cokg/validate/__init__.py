"""Validation of submissions (and of a whole store) against cokg's SHACL shapes and QC checks.

A submission (RDF files in any supported syntax, or a filled-in spreadsheet template) is checked
together with the ontology, the frameworks and only the part of the store it refers to. Two
engines give the same results (tests compare them on every fixture):

- "pyshacl": the reference (`pyshacl_engine`, the only module that imports pyshacl);
- "sparql": the shapes compiled to SPARQL SELECT queries (`compiler`) run by pyoxigraph
  (`sparql_engine`), also used for whole-store validation (`validate_store`), which pyshacl
  cannot do at scale.

Alongside the shapes, every `queries/checks/*-violation.rq` query runs (`checks`); each row is a
finding at the check's `#+ severity:` (default violation). Checks marked
`#+ covered_by_shapes: true` are skipped here: a shape reports the same thing (they still run in
`cokg check` and `run_checks`).

The modules, in the order a submission meets them: `reading` (files, folders and templates into
one graph; submission ids), `neighbourhood` (the part of the store it refers to), `shapes` (the
shapes and the ontology, cached), `pyshacl_engine` or `compiler` + `sparql_engine`, `checks`,
`literals` (lexical forms of XSD datatypes), `locate` (results mapped back to records, files,
rows), `validating` (the entry points tying these together) and `report` (rendering).
"""

from __future__ import annotations

from cokg.models import ValidationReport, ValidationResult
from cokg.template import Origin
from cokg.validate.compiler import compile_shapes
from cokg.validate.literals import ill_typed_literals, lexical_problem
from cokg.validate.neighbourhood import store_neighbourhood
from cokg.validate.reading import (
    SUBMISSION_ID_MAX,
    SUBMISSION_ID_PATTERN,
    Submission,
    check_submission_id,
    legacy_submission_id,
    read_submission,
    replaced_graphs,
    slug,
    submission_graph,
    submission_id,
)
from cokg.validate.report import format_report
from cokg.validate.shapes import cokg_classes, shapes_graph, shapes_version
from cokg.validate.validating import ENGINES, validate, validate_store, validate_submission

__all__ = [
    "ENGINES",
    "SUBMISSION_ID_MAX",
    "SUBMISSION_ID_PATTERN",
    "Origin",
    "Submission",
    "ValidationReport",
    "ValidationResult",
    "check_submission_id",
    "cokg_classes",
    "compile_shapes",
    "format_report",
    "ill_typed_literals",
    "legacy_submission_id",
    "lexical_problem",
    "read_submission",
    "replaced_graphs",
    "shapes_graph",
    "shapes_version",
    "slug",
    "store_neighbourhood",
    "submission_graph",
    "submission_id",
    "validate",
    "validate_store",
    "validate_submission",
]
