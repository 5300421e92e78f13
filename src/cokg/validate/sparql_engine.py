"""The SPARQL engine: compiled shapes and QC checks run on a scratch store holding a submission.

pyoxigraph is imported here for the scratch store alone: an in-memory store with the
submission and its context (store neighbourhood, ontology) in its default graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from cokg.errors import InputError
from cokg.models import ValidationResult
from cokg.terms import TermMemo, Triple, to_ox
from cokg.validate.checks import check_result, checks_to_run
from cokg.validate.compiler import compile_shapes
from cokg.validate.reading import quiet


class ScratchStore:
    """A submission and its context in an in-memory store, queried as a union default graph."""

    def __init__(self, submission: Graph, context: Iterable[Triple]) -> None:
        self.st = ox.Store()
        for triples in (context, submission):
            self.st.extend(_quad(s, p, o) for s, p, o in triples)
        self.term = TermMemo(as_written=True)

    def rows(self, sparql: str) -> list[dict[str, Node | None]]:
        res = self.st.query(sparql)
        assert isinstance(res, ox.QuerySolutions)  # compiled shapes and checks are SELECTs
        names = [v.value for v in res.variables]
        term = self.term
        return [{n: term[s[n]] for n in names} for s in res]


def _quad(s: Node, p: Node, o: Node) -> ox.Quad:
    subject, predicate = to_ox(s), to_ox(p)
    assert not isinstance(subject, ox.Literal) and isinstance(predicate, ox.NamedNode)
    return ox.Quad(subject, predicate, to_ox(o))


def run_shapes(
    local: ScratchStore, focus: Sequence[Node], *, progress: Callable[..., None] = quiet
) -> list[ValidationResult]:
    """The results of the compiled shapes for the `focus` nodes."""
    wanted = set(focus)
    out = []
    constraints = compile_shapes()
    for i, c in enumerate(constraints):
        if i % 10 == 0:
            progress("checking the shapes", i, len(constraints))
        for row in local.rows(c.query):
            if row.get("this") in wanted:
                out.append(c.result(row))
    return out


def run_checks(
    local: ScratchStore, focus: set[Node], *, progress: Callable[..., None] = quiet
) -> list[ValidationResult]:
    """The findings of the QC checks (those not covered by shapes) about the `focus` nodes."""
    checks = checks_to_run()
    out = []
    for i, check in enumerate(checks):
        progress("running the quality checks", i, len(checks))
        try:
            rows = local.rows(check.sparql)
        except (SyntaxError, OSError, ValueError) as exc:
            raise InputError(f"QC query {check.name} cannot run: {exc}") from None
        for row in rows:
            r = check_result(check, row)
            if r.focus_node in focus:
                out.append(r)
    return out
