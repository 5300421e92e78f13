"""Saved SPARQL queries: the `queries/*.rq` files, their headers, parameters and answers.

saved    the `#+` header format, what a saved query declares, finding them, the catalogue
answers  rows of plain Python values, the page they lie on, check findings, pivoted tables
binding  parameters checked against their types and bound as RDF terms, never pasted as text
paging   LIMIT/OFFSET on the outermost SELECT, the answer's total, the default page size
running  run_query, run_sparql and run_checks on a given store or one opened for the call
workbook write_workbook: an answer as an .xlsx (matrix, rows, about) to read and annotate

    >>> from cokg.query import run_query                                    # doctest: +SKIP
    >>> answer = run_query("sampling-frame", store="memory:")               # doctest: +SKIP
    >>> answer.rows[-1]["informant_interviews"]                             # doctest: +SKIP
    14
"""

from __future__ import annotations

from cokg.namespaces import curie
from cokg.query.answers import (
    CheckViolation,
    Page,
    PivotTable,
    QueryAnswer,
    Row,
    pivot,
    to_python,
)
from cokg.query.binding import bind_parameters, case_ids, resolve_construct
from cokg.query.paging import DEFAULT_PAGE_SIZE, PAGE_SIZE_ENV, page_size
from cokg.query.running import (
    check_violation,
    open_for_call,
    run_checks,
    run_query,
    run_sparql,
)
from cokg.query.saved import (
    Pivot,
    QueryParameter,
    SavedQuery,
    catalog_path,
    catalog_turtle,
    get_query,
    list_checks,
    list_queries,
    load_query,
    parse_header,
    verdicts_json,
    write_catalog,
    write_verdicts,
)
from cokg.query.workbook import RATING_FILLS, write_workbook

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "PAGE_SIZE_ENV",
    "RATING_FILLS",
    "CheckViolation",
    "Page",
    "Pivot",
    "PivotTable",
    "QueryAnswer",
    "QueryParameter",
    "Row",
    "SavedQuery",
    "bind_parameters",
    "case_ids",
    "catalog_path",
    "catalog_turtle",
    "check_violation",
    "curie",
    "get_query",
    "list_checks",
    "list_queries",
    "load_query",
    "open_for_call",
    "page_size",
    "parse_header",
    "pivot",
    "resolve_construct",
    "run_checks",
    "run_query",
    "run_sparql",
    "to_python",
    "verdicts_json",
    "write_catalog",
    "write_verdicts",
    "write_workbook",
]
