"""Validation end to end: a submission against the shapes and checks in its context, or a store.

A submission (RDF files in any supported syntax, or a filled-in spreadsheet template) is checked
together with the ontology, the frameworks and only the part of the store it refers to: the
outgoing triples of every cokg IRI it mentions, the phase episodes of the cases it touches and
the records sharing one of its ids. Only the submission's own records are focus nodes, so the
store is never re-validated as a side effect.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from cokg.errors import ParameterError
from cokg.models import ValidationReport, ValidationResult
from cokg.namespaces import COKG, COKGID, RDF, SH
from cokg.query import SavedQuery
from cokg.terms import Triple
from cokg.validate.checks import check_result, checks_to_run, same_as_shapes
from cokg.validate.compiler import CompiledConstraint, compile_shapes
from cokg.validate.literals import ill_typed_literals
from cokg.validate.locate import label_graph, locate
from cokg.validate.neighbourhood import store_neighbourhood
from cokg.validate.pyshacl_engine import run_pyshacl
from cokg.validate.reading import (
    Submission,
    display_name,
    quiet,
    read_submission,
    replaced_graphs,
)
from cokg.validate.shapes import cokg_classes, ontology_context, ontology_index, shapes_version
from cokg.validate.sparql_engine import ScratchStore, run_checks, run_shapes
from cokg.validate.steward import MISSING_RECORD, REFERENCE_SHAPE, suggest, without_store
from cokg.validate.steward import merge as merge_results

if TYPE_CHECKING:
    from cokg.store import Store

ENGINES = ("pyshacl", "sparql")


def validate(
    paths_: Iterable[str | Path],
    *,
    store: Store | None = None,
    engine: str = "sparql",
    exclude_graphs: Sequence[str] | None = None,
    checks: bool = True,
    merge: bool = True,
    progress: Callable[..., None] | None = None,
) -> ValidationReport:
    """Validate files/folders (RDF or spreadsheet template) against the shapes, the ontology,
    the frameworks and the part of `store` they reference. Raises InputError for unusable input.

    `exclude_graphs=None` leaves out the graphs the submission would replace: its submission
    graph, and for files under data/ the graph built from each (graph/<file stem>), so a
    corrected file is not compared with its own stale copy in the store.
    `progress(message, done=None, total=None)` is called as the work goes on (never prints).
    `merge=False` keeps every result of the shapes and checks as found (see
    `validate_submission`), for whoever works on the shapes and checks themselves.
    """
    paths_ = list(paths_)
    sub = read_submission(paths_, progress=progress)
    if exclude_graphs is None:
        exclude_graphs = replaced_graphs(paths_, sub)
    return validate_submission(
        sub,
        store=store,
        engine=engine,
        exclude_graphs=exclude_graphs,
        checks=checks,
        merge=merge,
        progress=progress,
    )


def validate_submission(
    sub: Submission,
    *,
    store: Store | None = None,
    engine: str = "sparql",
    exclude_graphs: Sequence[str] = (),
    checks: bool = True,
    merge: bool = True,
    progress: Callable[..., None] | None = None,
) -> ValidationReport:
    """Validate an already-read submission (see `validate`). `checks=False` leaves out the QC
    queries (queries/checks/*-violation.rq), giving the shapes' results alone.

    One message per mistake (`merge`, see cokg.validate.steward.merge): a check repeating a
    shape's result, the sh:class and value constraints of a link to a record that does not
    exist and the links to a spreadsheet row the converter dropped are left out; unknown ids
    and codes get "did you mean" (always). `merge=False` keeps every result as found.

    Beside the shapes, every literal is checked against the lexical form of its XSD datatype
    (whatever the property), and a submission holding no record cokg knows is a violation."""
    if engine not in ENGINES:
        raise ParameterError(f"unknown validation engine {engine!r}; use one of {ENGINES}")
    say = progress or quiet
    t0 = time.perf_counter()
    union: list[Triple] = []
    if store is not None:
        say("looking up the records it refers to in the store")
        union.extend(
            store_neighbourhood(store, sub.graph, exclude_graphs=exclude_graphs, progress=say)
        )
    stored = _typed_records(union)
    context = ontology_context(itertools.chain(sub.graph, union))
    if store is not None:
        # the stored records the vocabulary's own statements point to (the study frame's
        # concepts cite the founding article), looked up as the submission's are
        known = {t[0] for t in itertools.chain(sub.graph, union)}
        cited = [t for t in context if isinstance(t[2], URIRef) and t[2].startswith(COKGID)
                 and t[2] not in known]  # fmt: skip
        if cited:
            refs = Graph()
            for t in cited:
                refs.add(t)
            union.extend(store_neighbourhood(store, refs, exclude_graphs=exclude_graphs))
    union.extend(context)
    focus = sorted(sub.subjects, key=str)
    local = None
    if engine == "sparql" or checks:  # one scratch store for the shapes and the checks
        say("loading the submission for validation")
        local = ScratchStore(sub.graph, union)
    if local is not None and engine == "sparql":
        results = run_shapes(local, focus, progress=say)
    else:
        say("validating with pySHACL")
        results = run_pyshacl(sub.graph, union, focus)
    if local is not None and checks:
        results += run_checks(local, set(focus), progress=say)
    say("checking literals")
    # compared by text: the SPARQL engine reports derived integer types as xsd:integer
    seen = {(r.focus_node, r.path, str(r.value)) for r in results}
    results += [
        r for r in ill_typed_literals(sub.graph) if (r.focus_node, r.path, str(r.value)) not in seen
    ]
    results = _dedupe(results)
    results += _unknown_stated_records(sub, itertools.chain(sub.graph, union))
    # one message per mistake: no check repeating a shape, no follow-on of a missing record or
    # of a spreadsheet row the converter dropped; "did you mean" for unknown ids and codes
    if merge:
        dropped: set[Node] = {
            p.focus_node
            for p in sub.problems
            if isinstance(p.focus_node, URIRef) and p.severity == "violation"
        }
        dropped |= sub.gone
        same_as = {c.name: same_as_shapes(c) for c in checks_to_run()}
        # a dropped record may still be a subject (a case's links to its findings come from
        # the findings' rows): gone unless another row made it (typed it)
        typed = set(sub.graph.subjects(RDF.type, None))
        results = merge_results(results, dropped - typed, same_as)
    results = suggest(
        results, (s for s, p, _ in itertools.chain(sub.graph, union) if p == RDF.type)
    )
    if store is None:
        results = without_store(results)
    if results:  # labels for the records named in the report
        data = label_graph(results, sub.graph, union)
        results = [locate(r, sub, data) for r in results]
    results += list(sub.problems)
    if not _knows_a_record(sub, stored, have_store=store is not None):
        results.append(_no_record_result(sub))
    results.sort(key=_sort_key)
    conforms = not any(r.severity == "violation" for r in results)
    return ValidationReport(
        conforms=conforms,
        results=tuple(results),
        files=tuple(display_name(f) for f in sub.files),
        triples=len(sub.graph),
        engine=engine,
        shapes_version=shapes_version(),
        seconds=time.perf_counter() - t0,
        warnings=sub.warnings,
    )


def _unknown_stated_records(sub: Submission, known: Iterable[Triple]) -> list[ValidationResult]:
    """A statements- or comments-sheet row about a record that exists neither in the
    submission nor in the store (a mistyped id): said as a link to a missing record is, so
    that it gets "did you mean" and the words of a validation without a store. It was stored
    without a word: a record nobody describes, holding one statement. Only cokg's own id
    spaces are asked about, as for links: the store is looked up for those alone."""
    stated = {s for s, _ in sub.statement_origins if isinstance(s, URIRef)}
    stated = {s for s in stated if str(s).startswith((str(COKGID), str(COKG)))}
    if not stated:
        return []
    typed = {s for s, p, _ in known if p == RDF.type and s in stated}
    typed |= {s for s in stated if s in ontology_index()}
    return [
        ValidationResult(
            severity="violation",
            focus_node=s,
            path=p,
            constraint_component=SH.SPARQLConstraintComponent,
            source_shape=REFERENCE_SHAPE,
            message="'{$value}' " + MISSING_RECORD,
            value=s,  # the record itself is what is unknown: its row's record column
        )
        for s, p in sub.statement_origins
        if s in stated and s not in typed
    ]


def _typed_records(triples: Iterable[Triple]) -> set[Node]:
    classes = cokg_classes()
    return {s for s, p, o in triples if p == RDF.type and o in classes}


def _knows_a_record(sub: Submission, stored: set[Node], *, have_store: bool) -> bool:
    """Whether a submission holds a record cokg knows: a subject typed with a cokg class, or a
    statement about a record of the store (a supplement). Without a store to ask, a subject
    in cokg's own id space (cokgid:) is taken to be one."""
    classes = cokg_classes()
    if any(o in classes for o in sub.graph.objects(None, RDF.type)):
        return True
    for subject in sub.graph.subjects(unique=True):
        if subject in stored:
            return True
        if not have_store and isinstance(subject, URIRef) and subject.startswith(COKGID):
            return True
    return bool(sub.problems)  # a template whose rows were refused is reported as such


def _no_record_result(sub: Submission) -> ValidationResult:
    names = ", ".join(display_name(f) for f in sub.files)
    return ValidationResult(
        severity="violation",
        focus_node=Literal("submission"),
        path=None,
        constraint_component=None,
        source_shape=None,
        message="holds no record cokg knows: no subject is typed with a class of the cokg "
        "ontology (e.g. a cokg:Case, cokg:Finding, cokg:Organisation) and none is a record "
        "already in the store; type each record with its cokg class, or describe an existing "
        "record by its cokgid: IRI",
        file=names or None,
    )


def validate_store(
    store: Store, *, checks: bool = True, workers: int | None = None, merge: bool = False
) -> ValidationReport:
    """Re-validate everything in a store with the shapes compiled to SPARQL (and the QC checks),
    run by the store itself on `workers` threads (default: one per CPU; more only contend).
    Ontology and frameworks must be in the store (`cokg build`). Each result names its record
    and the graph holding it; `merge` gives one result per mistake, as for a submission
    (`cokg validate --whole-store` does, unless --technical); without it every result is as
    the shapes and checks give it (what pySHACL gives, tested)."""
    workers = workers or os.cpu_count() or 2
    t0 = time.perf_counter()
    vocabulary = ontology_index()  # the ontology's own terms are not records to validate
    jobs: list[tuple[str, CompiledConstraint | SavedQuery]] = [
        (c.query, c) for c in compile_shapes()
    ]
    if checks:
        jobs += [(c.sparql, c) for c in checks_to_run()]
    # Queries are independent; pyoxigraph releases the GIL while evaluating, so a few threads
    # overlap them in memory (1.5x on two cores at 1M triples; on disk the RocksDB reads
    # gain nothing, measured). The costly ones (SPARQL constraints, the
    # batched cardinality passes) go first so that no long query is left alone at the end.
    jobs.sort(key=_job_cost, reverse=True)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        answers = list(pool.map(lambda job: store.query(job[0], internal=True), jobs))
    results: list[ValidationResult] = []
    for (_, what), res in zip(jobs, answers, strict=True):
        for row in res.rows:
            r = (
                what.result(row)
                if isinstance(what, CompiledConstraint)
                else check_result(what, row)
            )
            if r.focus_node not in vocabulary:
                results.append(r)
    results = _dedupe(results)
    # one message per mistake, as for a submission, and each named by its record and graph
    if merge:
        same_as = {c.name: same_as_shapes(c) for c in checks_to_run()} if checks else {}
        results = merge_results(results, (), same_as)
    results = _in_store_words(store, results)
    results.sort(key=_sort_key)
    return ValidationReport(
        conforms=not any(r.severity == "violation" for r in results),
        results=tuple(results),
        files=(),
        triples=store.count(),
        engine="sparql",
        shapes_version=shapes_version(),
        seconds=time.perf_counter() - t0,
    )


_NAMED_AT_MOST = 500  # records named by their graph; a store failing more has other troubles


def _in_store_words(store: Store, results: list[ValidationResult]) -> list[ValidationResult]:
    """Whole-store results said of the store, not of a submission, and each record named with
    the graph that holds it ("role/x/y in submission/z"), so a steward knows what to correct."""
    from dataclasses import replace

    from cokg.validate.locate import short

    focus = list(dict.fromkeys(r.focus_node for r in results if isinstance(r.focus_node, URIRef)))
    where: dict[Node, str] = {}
    if focus:  # one query for them all: the graph each is described in
        values = " ".join(n.n3() for n in focus[:_NAMED_AT_MOST])
        text = (
            f"SELECT ?s (MIN(STR(?g)) AS ?graph) WHERE {{ VALUES ?s {{ {values} }} "
            "GRAPH ?g { ?s ?p ?o } } GROUP BY ?s"
        )
        for row in store.query(text, internal=True).rows:
            where[row["s"]] = str(row["graph"]).split("/graph/", 1)[-1]  # type: ignore[index]
    out = []
    for r in results:
        message = r.message.replace(" in this submission or in the store", " in the store")
        label = r.record_label
        if label is None and isinstance(r.focus_node, URIRef):
            label = short(r.focus_node) + (
                f" in {where[r.focus_node]}" if r.focus_node in where else ""
            )
        out.append(replace(r, message=message, record_label=label))
    return out


def _job_cost(job: tuple[str, CompiledConstraint | SavedQuery]) -> tuple[int, int]:
    """A rough rank of a whole-store query's cost, for scheduling (not for results): the
    longest first, so that none is left running alone at the end."""
    what = job[1]
    if not isinstance(what, CompiledConstraint):
        return (1, 0)  # a QC check
    if what.every_record:
        # the reference check scans every triple (1.7 s at 1M triples on disk): started after
        # the other SPARQL constraints, it ran alone for its last second
        return (3, 0)
    if what.variants:
        # the batched cardinality passes (86 and 183 constraints: ~1.3 s each at 1M on disk)
        # before the value checks of one predicate each
        return (2, len(what.variants))
    if what.component == SH.SPARQLConstraintComponent:
        return (2, 0)
    return (0, 0)


def _dedupe(results: list[ValidationResult]) -> list[ValidationResult]:
    seen: set[tuple] = set()
    out = []
    for r in results:
        k = (
            r.focus_node,
            r.path,
            r.constraint_component,
            r.source_shape,
            r.value,
            r.source_constraint,
        )
        if k not in seen:
            seen.add(k)
            out.append(r)
    return out


def _sort_key(r: ValidationResult) -> tuple:
    sev = {"violation": 0, "warning": 1, "info": 2}.get(r.severity, 3)
    return (r.file or "", r.row or 0, str(r.focus_node), sev, str(r.path), str(r.source_shape))
