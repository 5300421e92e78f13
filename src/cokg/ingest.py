"""Ingesting submissions into the store: validate, then write all or nothing, with provenance.

`ingest(paths, by=NAME)` reads the submission (RDF files or a spreadsheet template), validates
it against the shapes, the ontology, the frameworks and the part of the store it refers to,
and only if it conforms writes it as one named graph, `graph/submission/<id>`, together with
its PROV-O record in `graph/provenance/<id>`: both graphs in one store transaction. A kill at
any moment leaves the store as it was before or as it is after, never in between.

The store is first opened read-only for the validation, so a submission that fails leaves
every byte of an embedded store as it was (a read-write open already rewrites RocksDB's
manifest and log files). Only a conforming submission takes the exclusive writer lock; it
is validated once more under the lock, so nothing another writer did in between is missed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import re
import shlex
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef

from cokg.errors import ParameterError, StoreError, ValidationFailed
from cokg.models import ValidationResult
from cokg.namespaces import (
    COKG,
    COKGG,
    COKGID,
    DCTERMS,
    MAPPINGS,
    PROV,
    RDF,
    RDFS,
    XSD,
    graph_iri,
)
from cokg.slugs import slug as _slug
from cokg.store import Store
from cokg.template.sheets import RECORD_SHEETS
from cokg.validate import (
    Submission,
    ValidationReport,
    check_submission_id,
    legacy_submission_id,
    read_submission,
    shapes_version,
    submission_graph,
    submission_id,
    validate_submission,
)

__all__ = [
    "GraphInfo",
    "IngestReport",
    "ingest",
    "list_graphs",
    "preview",
    "provenance_graph_for",
    "retract",
    "submission_graph",
    "submission_id",
]

SUBMISSION_PREFIX = graph_iri("submission/")
PROVENANCE_PREFIX = graph_iri("provenance/")


@dataclass(frozen=True)
class IngestReport:
    """What an ingest wrote."""

    submission_id: str
    graph: str
    provenance_graph: str
    triples: int
    files: tuple[str, ...]
    replaced: bool  # the submission (or, with replace=True, another holding its records) was
    # in the store before and has been replaced
    validation: ValidationReport
    seconds: float
    dropped: tuple[str, ...] = ()  # other submission graphs replaced by this one (replace=True)
    # records of the submission another graph already holds with the same statements: not
    # stored twice (an exported case resubmitted with the shared records it refers to)
    unchanged: tuple[str, ...] = ()
    graph_existed: bool = False  # the submission's own graph was stored before (a resubmission)
    removed_cases: tuple[str, ...] = ()  # cases removed on purpose (`remove_cases`)
    store: str = ""  # where it was written: a store folder, an endpoint URL, "memory"


@dataclass(frozen=True)
class GraphInfo:
    """One named graph of the store and, for submissions, who ingested it when from what."""

    graph: str
    kind: str  # ontology | framework | data | submission
    triples: int
    by: str | None = None
    when: str | None = None
    files: tuple[str, ...] = ()


# --- ids and graph names ---------------------------------------------------------------------


def provenance_graph_for(sid: str) -> str:
    return graph_iri(f"provenance/{sid}")


def _graph_from_arg(arg: str) -> tuple[str, str]:
    """(submission id, graph IRI) from an id, "submission/<id>" or the full graph IRI."""
    text = arg.strip()
    if text.startswith(SUBMISSION_PREFIX):
        sid = text[len(SUBMISSION_PREFIX) :]
    elif text.startswith(str(COKGG)):
        raise ParameterError(f"{text} is not a submission graph: only submissions can be retracted")
    elif text.startswith("submission/"):
        sid = text[len("submission/") :]
    elif text.startswith((f"{COKGID}case/", "case/", "cokgid:case/")):
        # a case named as a record ("case/tx-beta" was "not a submission id"): said by
        # `_no_submission`, which names the submission holding it
        sid = text.rsplit("case/", 1)[1]
    else:
        sid = text
    try:
        check_submission_id(sid)
    except ParameterError as exc:
        raise ParameterError(f"{exc} (see `cokg graphs`)") from None
    return sid, submission_graph(sid)


# --- provenance ----------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def provenance(
    sid: str, sub: Submission, *, by: str, started: datetime, ended: datetime, version: str
) -> Graph:
    """The PROV-O record of one ingest."""
    g = Graph()
    s = COKGID[f"submission/{sid}"]
    act = COKGID[f"ingest/{sid}"]
    agent = COKGID[f"agent/steward/{_slug(by)}"]
    g.add((s, RDF.type, COKG.Submission))
    g.add((s, RDF.type, PROV.Entity))
    g.add((s, COKG.graph, URIRef(submission_graph(sid))))
    g.add((s, PROV.wasGeneratedBy, act))
    g.add((s, PROV.wasAttributedTo, agent))
    g.add((s, COKG.shapesVersion, Literal(version)))
    g.add((act, RDF.type, COKG.Ingest))
    g.add((act, RDF.type, PROV.Activity))
    g.add((act, PROV.wasAssociatedWith, agent))
    g.add((act, PROV.startedAtTime, Literal(started.isoformat(), datatype=XSD.dateTime)))
    g.add((act, PROV.endedAtTime, Literal(ended.isoformat(), datatype=XSD.dateTime)))
    g.add((agent, RDF.type, PROV.Agent))
    g.add((agent, RDFS.label, Literal(by)))
    for n, f in enumerate(sorted(sub.files, key=lambda p: p.name), start=1):
        node = COKGID[f"submission/{sid}/file/{n}"]
        g.add((s, COKG.sourceFile, node))
        g.add((node, RDF.type, COKG.SubmittedFile))
        g.add((node, COKG.fileName, Literal(f.name)))
        g.add((node, COKG.sha256, Literal(_sha256(f))))
        g.add((node, DCTERMS.format, Literal(f.suffix.lstrip(".").lower() or "file")))
    return g


# --- ingest ---------------------------------------------------------------------------------------


def ingest(
    paths: list[str | Path],
    *,
    by: str,
    store: Store | str | Path | None = None,
    submission: str | None = None,
    replace: bool = False,
    engine: str = "sparql",
    progress: Callable[..., None] | None = None,
    wait: float | None = None,
    made_from: Sequence[str | Path] = (),
    remove_cases: Sequence[str] = (),
    earlier_id: str | None = None,
) -> IngestReport:
    """Validate a submission and, if it conforms, write it (and its provenance) in one
    transaction. `made_from`: the files the submission was converted from (an SSSOM set, a
    QDA project), which its provenance records (name, SHA-256) instead of `paths`. `store`: an
    open Store, or a store spec (None = the default embedded store).
    The submission id (`submission`, else from the case ids in the submission, else from the
    file names: `submission_id`) is checked before it is used. `progress(message, done=None,
    total=None)` hears how far it got. `earlier_id`: the id earlier versions of cokg gave
    this submission (a QDA project's, named by `submission`), for the advice when its records
    are stored under it (default: `legacy_submission_id` when the id is not given).

    One record, one graph: a record of the submission (a subject under cokgid: that it types
    or identifies) already stored in another graph refuses the submission, naming that graph.
    With `replace=True` the other submission graphs holding its records (and their provenance)
    are dropped in the same transaction that writes this one; graphs built from the project's
    files (data/, the ontology) are never dropped: edit those files instead.
    A replace never removes a case the submission leaves out, unless `remove_cases` names it
    (a site that dropped out: gone in the same transaction), nor a record another graph refers
    to. Without `replace`, an ingest into its own graph stored already may change and add
    records, but one that would remove a record stored there is refused, naming it and who
    stored it when (`records_a_reingest_removes`): two teams' folders of one name get one id.
    Raises InputError (unusable input), ValidationFailed (with `.report`), StoreError."""
    if not by or not by.strip():
        raise ParameterError("say who is ingesting: --by NAME")
    say = progress or (lambda *_a, **_k: None)
    t0 = time.perf_counter()
    started = datetime.now(UTC).replace(microsecond=0)
    sub, sid = _read(paths, submission, progress)
    if made_from:
        sub = dataclasses.replace(sub, files=tuple(Path(f) for f in made_from))
    graph, prov_graph = submission_graph(sid), provenance_graph_for(sid)
    own = (graph, prov_graph)
    records = record_iris(sub.graph)

    copies: set[URIRef] = set()

    def check(st: Any) -> tuple[ValidationReport, list[str]]:
        report, drops, found = _check(
            st, sub, paths, own, records, replace=replace, submission=submission,
            engine=engine, progress=progress, remove_cases=frozenset(remove_cases),
            earlier_id=earlier_id,
        )  # fmt: skip
        copies.clear()
        copies.update(found)
        if not report.conforms:
            n = sum(r.severity == "violation" for r in report.results)
            exc = ValidationFailed(
                f"{n} violation{'s' * (n != 1)}: nothing was written",
                # what the steward named (a template folder, not its 25 files)
                file=", ".join(str(p) for p in paths) or None,
            )
            exc.report = report  # type: ignore[attr-defined]
            raise exc
        return report, drops

    def leave_out_copies() -> None:
        # An unchanged copy of a record another graph holds is not stored twice; nor is the
        # SKOS match an unchanged framework mapping node stands for (the framework files state
        # each match beside its node: cokg's own export imported again adds nothing).
        for r in copies:
            if str(r).startswith(str(MAPPINGS)):
                ends = [sub.graph.value(r, k) for k in (COKG.subject, COKG.predicate, COKG.object)]
                if all(e is not None for e in ends):
                    sub.graph.remove((ends[0], ends[1], ends[2]))
            sub.graph.remove((r, None, None))
        if copies and not len(sub.graph):
            raise ParameterError(
                "every record of this submission is already stored, unchanged: nothing to add"
            )

    written_to: list[Any] = []
    if store is not None and not isinstance(store, (str, Path)):
        report, drops = check(store)
        leave_out_copies()
        say(f"writing {len(sub.graph):,} triples")
        existed, replaced = _write(store, sid, sub, by, started, graph, prov_graph, drops)
        written_to.append(store)
    else:
        from cokg.store import open_store

        spec = store
        # First pass read-only: a failing submission must not touch the store's files.
        checked: tuple[ValidationReport, list[str]] | None = None
        seen = None
        if _is_local(spec):
            with open_store(spec, read_only=True) as ro:
                checked = check(ro)
                seen = _content_version(ro)
        with open_store(spec, wait=wait) as rw:
            # Checked against this very content a moment ago (no writer came between): not
            # again. Validation is most of a large submission's ingest (a 200-text QDA
            # project: 4-5 s of it).
            if checked is not None and seen is not None and _content_version(rw) == seen:
                report, drops = checked
            else:
                report, drops = check(rw)
            leave_out_copies()
            say(f"writing {len(sub.graph):,} triples")
            existed, replaced = _write(rw, sid, sub, by, started, graph, prov_graph, drops)
            written_to.append(rw)
    return IngestReport(
        submission_id=sid,
        graph=graph,
        provenance_graph=prov_graph,
        triples=len(sub.graph),
        files=report.files,
        replaced=replaced,
        graph_existed=existed,
        validation=report,
        seconds=time.perf_counter() - t0,
        dropped=tuple(d for d in drops if d.startswith(SUBMISSION_PREFIX)),
        unchanged=tuple(sorted(str(r) for r in copies)),
        removed_cases=tuple(sorted(remove_cases)),
        store=store_name(written_to[0]) if written_to else "",
    )


def store_name(st: Any) -> str:
    """A store as a steward knows it: its folder (relative to here when inside), the endpoint's
    URL, or "memory"."""
    path = getattr(st, "path", None)
    if isinstance(path, Path):
        with contextlib.suppress(ValueError):
            return str(path.resolve().relative_to(Path.cwd().resolve())) or "."
        return str(path)
    endpoint = getattr(st, "endpoint", None)
    return str(endpoint) if endpoint else "memory"


def _read(
    paths: list[str | Path], submission: str | None, progress: Callable[..., None] | None
) -> tuple[Submission, str]:
    """The submission read, and its id: `submission` (checked before anything is read), else
    the one its case ids or file names give."""
    sid = check_submission_id(submission) if submission is not None else None
    sub = read_submission(paths, progress=progress)
    return sub, sid or submission_id(list(paths), sub.graph)


def _check(
    st: Any,
    sub: Submission,
    paths: list[str | Path],
    own: tuple[str, ...],
    records: set[URIRef],
    *,
    replace: bool,
    submission: str | None,
    engine: str,
    merge: bool = True,
    progress: Callable[..., None] | None = None,
    remove_cases: frozenset[str] = frozenset(),
    earlier_id: str | None = None,
) -> tuple[ValidationReport, list[str], set[URIRef]]:
    """What ingesting `sub` into `st` would meet: the validation report with the conflicts of
    one record, one graph (and the cases a replace would remove) put first, the graphs a
    replace drops, and the records left out as unchanged copies."""
    if earlier_id is None and submission is None:
        earlier_id = legacy_submission_id(paths, sub.graph)
    holders = record_holders(st, records, exclude=own)
    copies = unchanged_copies(st, sub.graph, holders, replace=replace)
    earlier = submission_graph(earlier_id) if earlier_id else None
    if earlier is not None and earlier not in own and earlier in holders:
        # this submission under the id an earlier version gave it: its records there are
        # no other submission's shared records repeated, to leave out (a record added to it
        # went to the new id, the others stayed under the old one: one submission, two graphs)
        copies -= set(holders[earlier])
    holders = {g: [r for r in rs if r not in copies] for g, rs in holders.items()}
    holders = {g: rs for g, rs in holders.items() if rs}
    others = [g for g in holders if g not in own]
    drops = [d for g in others for d in (g, _provenance_of(g)) if d]
    report = validate_submission(
        sub, store=st, engine=engine, exclude_graphs=(*own, *drops), merge=merge,
        progress=progress,
    )  # fmt: skip
    # a case whose row could not be read is named by its problem, not as left out
    unread = {*sub.gone, *(r.focus_node for r in sub.problems if r.severity == "violation")}
    left_out = _cases_left_out(st, [own[0], *drops], sub.graph, unread)
    if remove_cases:  # the cases to remove on purpose: named, so not "left out"
        _check_removals(remove_cases, left_out, replace=replace)
        left_out = {g: kept for g, cs in left_out.items()
                    if (kept := [c for c in cs if c[1] not in remove_cases])}  # fmt: skip
    differs = {} if replace else _differences(st, holders, sub.graph)
    conflicts = _conflicts(
        paths, holders, replace=replace, given_id=submission, origins=sub.origins,
        left_out=left_out, differs=differs, sid=own[0][len(SUBMISSION_PREFIX):],
        earlier_id=earlier_id,
    )  # fmt: skip
    if not conflicts:  # what the write would replace: never a case left out of it
        conflicts = _lost_cases(left_out, paths)
    if not conflicts and not replace:  # nor, unasked, a record its own graph holds
        conflicts = records_a_reingest_removes(st, own[0], sub.graph, paths, kept=unread)
    if not conflicts:  # nor a record that another graph refers to
        conflicts = _referred_and_removed(st, [own[0], *drops], sub.graph, paths)
    if submission is None and any(p.severity == "violation" for p in sub.problems):
        # a row that could not be read (a case's, say) changes the id the submission gets
        # from its case ids: what it would conflict with, or replace, is not known until the
        # row is read; the rows are the one thing to say
        conflicts = []
    if conflicts:
        # what the shapes say of a record held twice is about the two copies read as one
        # (two confidences, say): the conflict is the one thing to say about it
        held = {
            r
            for g, rs in holders.items()
            if not (replace and g.startswith(SUBMISSION_PREFIX))
            for r in rs
        }
        # and, the ingest refused, "does not exist" about a record stored in a graph left out
        # of the check is an echo of that (with a replace, the graph goes: it is not)
        echo = set() if replace else stored_records(st, (r.value for r in report.results))
        rest = tuple(r for r in report.results if r.focus_node not in held and r.value not in echo)
        report = dataclasses.replace(report, conforms=False, results=(*conflicts, *rest))
    return report, drops, copies


def preview(
    paths: list[str | Path],
    *,
    store: Store,
    submission: str | None = None,
    replace: bool = False,
    engine: str = "sparql",
    merge: bool = True,
    progress: Callable[..., None] | None = None,
) -> ValidationReport:
    """The report `ingest` would give for these inputs against the open `store`, written
    nowhere (`cokg validate` with a store): the shapes and checks, and what only ingesting
    meets, a record another graph holds (one record, one graph) and a case a replace would
    remove. Files under data/ are compared with the store as a rebuild would: their own graphs
    left out."""
    from cokg.validate.reading import replaced_graphs

    sub, sid = _read(paths, submission, progress)
    pair = (submission_graph(sid), provenance_graph_for(sid))
    own = (*pair, *(g for g in replaced_graphs(paths, sub) if g not in pair))
    report, _drops, _copies = _check(
        store, sub, paths, own, record_iris(sub.graph), replace=replace, submission=submission,
        engine=engine, merge=merge, progress=progress,
    )  # fmt: skip
    return report


def _content_version(st: Any) -> tuple[object, ...] | None:
    version = getattr(st, "content_version", None)
    return version() if callable(version) else None


def _is_local(spec: Any) -> bool:
    text = "" if spec is None else str(spec)
    return not (text == "memory:" or re.match(r"https?://", text))


def _write(
    store: Store,
    sid: str,
    sub: Submission,
    by: str,
    started: datetime,
    graph: str,
    prov_graph: str,
    drops: list[str],
) -> tuple[bool, bool]:
    """Write the submission and its provenance; (whether its graph was stored before, whether
    anything was replaced)."""
    existed = graph in store.graphs()
    replaced = existed or bool(drops)
    prov = provenance(
        sid, sub, by=by, started=started, ended=datetime.now(UTC).replace(microsecond=0),
        version=shapes_version(),
    )  # fmt: skip
    # the submissions this one replaces under another id: named in its provenance, which
    # otherwise would keep no trace of them; graph to graph, since the old submission's record
    # goes with it (a link to that record pointed at nothing, and the store no longer conformed)
    for old in drops:
        if old.startswith(SUBMISSION_PREFIX) and old != graph:
            prov.add((URIRef(graph), PROV.wasRevisionOf, URIRef(old)))
    # Both graphs in one transaction, with the graphs they replace dropped in it: a reader
    # never sees data without its provenance, nor a record twice or not at all.
    # the graph itself, not a list copy of it: the store converts it triple by triple
    graphs = {graph: sub.graph, prov_graph: prov}
    if drops:
        store.replace_graphs(graphs, drop=drops)
    else:
        store.replace_graphs(graphs)  # stores written before `drop` keep working
    return existed, replaced


# --- one record, one graph -------------------------------------------------------------------

# What makes a subject a record of the graph that holds it: a type, or a record identifier.
RECORD_PREDICATES = (RDF.type, COKG.caseId, COKG.quotationId)
_SAFE_IRI = re.compile(r'[^<>"{}|^`\\\s]+')
_BATCH = 2000


# A mapping (cokg:ConceptMapping, under MAPPINGS) is a record too: a set restating one with
# other values is a conflict, not a merge.


def record_iris(graph: Graph) -> set[URIRef]:
    """The records a submission holds: subject IRIs under cokgid: (or mapping nodes under
    MAPPINGS) that it types (rdf:type) or identifies (cokg:caseId, cokg:quotationId), and
    every mapping node and mapping set (cokg:ConceptMapping, cokg:MappingSet), whatever its
    IRI: an SSSOM set's record_id may be its curators' own IRI, or (by mistake) a framework
    concept's, and either is a record another graph may hold. Statements about a record
    without either (a supplement adding to a stored case) do not make it the submission's
    record."""
    found = {
        s
        for p in RECORD_PREDICATES
        for s in graph.subjects(p, None)
        if isinstance(s, URIRef) and str(s).startswith((str(COKGID), str(MAPPINGS)))
    }
    for kind in (COKG.ConceptMapping, COKG.MappingSet):
        found |= {s for s in graph.subjects(RDF.type, kind) if isinstance(s, URIRef)}
    return {s for s in found if _SAFE_IRI.fullmatch(str(s))}


def _shared(record: URIRef) -> bool:
    """Whether an unchanged copy of `record` in a submission is no conflict (SHARED_KINDS)."""
    if not str(record).startswith(str(COKGID)):
        return True  # a mapping node: a set repeating a stored mapping as it is
    return str(record)[len(str(COKGID)) :].split("/", 1)[0] in SHARED_KINDS


def record_holders(
    store: Store, records: Iterable[URIRef], *, exclude: Iterable[str] = ()
) -> dict[str, list[URIRef]]:
    """Graph IRI -> the given records it holds (types or identifies), other graphs than
    `exclude` only, provenance graphs left out."""
    from cokg.namespaces import sparql_prologue

    skip = set(exclude)
    todo = sorted(records, key=str)
    out: dict[str, set[URIRef]] = {}
    preds = " ".join(p.n3() for p in RECORD_PREDICATES)
    for start in range(0, len(todo), _BATCH):
        values = " ".join(r.n3() for r in todo[start : start + _BATCH])
        text = (
            sparql_prologue()
            + f"SELECT DISTINCT ?g ?s WHERE {{ VALUES ?s {{ {values} }} VALUES ?p {{ {preds} }} "
            "GRAPH ?g { ?s ?p ?o } }"
        )
        for row in store.query(text, internal=True).rows:
            g = str(row["g"])
            record = row["s"]
            if g in skip or g.startswith(PROVENANCE_PREFIX) or not isinstance(record, URIRef):
                continue
            out.setdefault(g, set()).add(record)
    return {g: sorted(rs, key=str) for g, rs in sorted(out.items())}


# Records shared between cases (their IRI path): an unchanged copy of one is no conflict.
# Cases and the records scoped to a case (informants and interviews too) always are.
SHARED_KINDS = frozenset(
    k.path
    for sheet in RECORD_SHEETS
    if not sheet.scoped and sheet.name != "cases"
    for k in sheet.kinds
)


def unchanged_copies(
    store: Store, graph: Graph, holders: dict[str, list[URIRef]], *, replace: bool
) -> set[URIRef]:
    """The shared records of `graph` (organisations, places, studies, sources ...: SHARED_KINDS)
    that another graph (one this ingest does not replace) holds with every statement the
    submission makes about them: a steward resubmitting an exported case with the shared
    records it refers to repeats them unchanged, and that is no conflict. A shared record with
    one statement more or different is still one, and so is a case or a record of a case
    however unchanged (one record, one graph)."""
    from cokg.query import get_query

    # In this process (internal): the writer holds the store open read-write, and forking a
    # process that holds RocksDB's background threads can deadlock the child.
    body = get_query("record-graphs").body
    out: set[URIRef] = set()
    for g, recs in holders.items():
        if replace and g.startswith(SUBMISSION_PREFIX):
            continue  # replaced anyway
        for r in recs:
            if not _shared(r):
                continue  # a case and what belongs to it: one record, one graph, always
            rows = store.query(body, bindings={"record": r}, internal=True).rows
            stored = {
                (row["predicate"], _as_stored(row["object"]))
                for row in rows
                if str(row["graph"]) == g
            }
            if {(p, _as_stored(o)) for p, o in graph.predicate_objects(r)} <= stored:
                out.add(r)
    return out


_INTEGERS = {XSD[n] for n in ("nonNegativeInteger", "positiveInteger", "negativeInteger",
             "nonPositiveInteger", "int", "long", "short", "byte", "unsignedInt",
             "unsignedLong", "unsignedShort", "unsignedByte")}  # fmt: skip


def _as_stored(node: Any) -> Any:
    """A term as the embedded engine stores it: every integer type as xsd:integer."""
    if isinstance(node, Literal) and node.datatype in _INTEGERS:
        return Literal(str(node), datatype=XSD.integer)
    return node


def _provenance_of(graph: str) -> str | None:
    if graph.startswith(SUBMISSION_PREFIX):
        return provenance_graph_for(graph[len(SUBMISSION_PREFIX) :])
    return None


def _short(iri: URIRef) -> str:
    if str(iri).startswith(str(MAPPINGS)):
        return "mapping:" + str(iri)[len(str(MAPPINGS)) :]
    if str(iri).startswith(str(COKGID)):
        return "cokgid:" + str(iri)[len(str(COKGID)) :]
    return f"<{iri}>"  # a mapping set's own record id


def _differences(
    st: Any, holders: dict[str, list[URIRef]], graph: Graph
) -> dict[str, dict[URIRef, list[str]]]:
    """Graph -> record -> the properties (as curies) whose values differ between the record
    stored in that graph and the one in `graph`, for the first record of each graph."""
    from cokg.namespaces import curie

    out: dict[str, dict[URIRef, list[str]]] = {}
    for g, recs in holders.items():
        if not recs:
            continue
        r = recs[0]
        text = f"SELECT ?p ?o WHERE {{ GRAPH <{g}> {{ {r.n3()} ?p ?o }} }}"
        stored: dict[Any, set[Any]] = {}
        for row in st.query(text, internal=True).rows:
            stored.setdefault(row["p"], set()).add(_as_stored(row["o"]))
        given: dict[Any, set[Any]] = {}
        for p, o in graph.predicate_objects(r):
            given.setdefault(p, set()).add(_as_stored(o))
        changed = sorted(curie(str(p)) for p in set(stored) | set(given)
                         if stored.get(p, set()) != given.get(p, set()))  # fmt: skip
        if changed:
            out[g] = {r: changed}
    return out


def _conflicts(
    paths: list[str | Path],
    holders: dict[str, list[URIRef]],
    *,
    replace: bool,
    given_id: str | None = None,
    origins: dict[Any, Any] | None = None,
    left_out: dict[str, list[tuple[Any, str, bool]]] | None = None,
    differs: dict[str, dict[URIRef, list[str]]] | None = None,
    sid: str = "",
    earlier_id: str | None = None,
) -> list[ValidationResult]:
    """One violation per other graph holding records of this submission: refused unless
    `replace`, and never for a graph cokg builds from the project's own files. `differs`:
    graph -> record -> the properties in which the stored record differs from the one
    submitted (said for the record named first). `earlier_id`: the id earlier versions of
    cokg gave this submission (`legacy_submission_id`): a graph under it is this submission,
    stored before ids spelt accented letters."""
    out = []
    args = (f"--id {given_id} " if given_id else "") + shell_args(paths)
    for g, recs in holders.items():
        if replace and g.startswith(SUBMISSION_PREFIX):
            continue
        cases = [r for r in recs if str(r).startswith(str(COKGID["case/"]))]
        focus = (cases or recs)[0]
        shown = ", ".join(_short(r) for r in recs[:5]) + (
            f" and {len(recs) - 5} more" if len(recs) > 5 else ""
        )
        n = len(recs)
        held = (
            f"{n} record{'s' * (n != 1)} of this submission ({shown}) {'are' if n != 1 else 'is'}"
        )
        changed = (differs or {}).get(g, {}).get(recs[0])
        if changed:  # what the steward changed, or typed differently, in the shared record
            held = held.replace(f"({shown})", f"({shown}; {_short(recs[0])} differs in "
                                              f"{_as_columns(changed)})", 1)  # fmt: skip
        if earlier_id and g == submission_graph(earlier_id):
            how = earlier_id_advice(earlier_id, sid, args)
        elif g.startswith(SUBMISSION_PREFIX) and not cases and (left_out or {}).get(g):
            # Only shared records (an organisation, an informant...) overlap: that submission
            # is about other cases, so replacing it, let alone removing its cases, is not
            # what the steward means (the advice to do so removed an unrelated case).
            other = g[len(SUBMISSION_PREFIX) :]
            ids = [case_id for _case, case_id, _held in (left_out or {})[g]]
            one = n == 1
            how = (
                f"a record is stored once, and {'this one is' if one else 'these are'} held "
                f"by submission {other!r} (case{'s' * (len(ids) != 1)} {', '.join(ids)}): "
                f"leave {'its row' if one else 'their rows'} out and refer to "
                f"{'it' if one else 'them'} by id, or make {'the row' if one else 'the rows'} "
                f"match the stored {'record' if one else 'records'} "
                f"(`cokg template --case {ids[0]}` gives {'it' if one else 'them'} as stored); "
                f"a change to {'it' if one else 'them'} goes in a resubmission of {other!r}"
            )
        elif g.startswith(SUBMISSION_PREFIX) and (left_out or {}).get(g):
            other = g[len(SUBMISSION_PREFIX) :]
            ids = [case_id for _case, case_id, _held in (left_out or {})[g]]
            many = len(ids) != 1
            how = (
                f"that submission also holds case{'s' * many} {', '.join(ids)}, which this one "
                f"leaves out: resubmit {'them' if many else 'it'} with this one (`cokg template "
                f"--case {ids[0]}` gives {'each' if many else 'it'} as stored) and ingest with "
                f"--replace; or, if removing {'them' if many else 'it'} is meant, ingest with "
                f"--replace {' '.join(f'--remove-case {i}' for i in ids)}"
            )
        elif g.startswith(SUBMISSION_PREFIX):
            other = g[len(SUBMISSION_PREFIX) :]
            how = (
                f"to replace submission {other!r} by this one, run `cokg ingest --replace "
                f"--by NAME {args}`; or remove it first with `cokg retract {other}`"
            )
        elif g.startswith(graph_iri("framework/")):
            how = (
                "that graph is built from the framework files (ontology/frameworks/), so a "
                "submission cannot change it: give this submission's records ids of their own "
                "(a mapping row its own record_id) to store them beside it"
            )
        else:
            how = (
                "that graph is built from the project's own files (data/), so it cannot be "
                "replaced by a submission: correct the record in its file there, or give this "
                "submission's records other ids"
            )
        origin = (origins or {}).get(focus)
        out.append(
            ValidationResult(
                severity="violation",
                focus_node=focus,
                path=None,
                constraint_component=None,
                source_shape=None,
                message=f"{held} already stored in graph {g} (one record, one graph): {how}",
                record_label=getattr(origin, "label", None),
                file=getattr(origin, "file", None),
                row=getattr(origin, "row", None),
            )
        )
    return out


def earlier_id_advice(earlier_id: str, sid: str, args: str, *, project: bool = False) -> str:
    """What to do when the records are held under the id an earlier version of cokg made from
    the same name (accented letters dropped: organismes-qu-bec-t, now organismes-quebec-ete)."""
    what, command = ("project", "import-qdpx") if project else ("submission", "ingest")
    by = "" if project else " --by NAME"
    return (
        f"submission {earlier_id!r} is this {what} as an earlier version of cokg named it "
        f"(accented letters were dropped from names; its id is now {sid!r}): to update it "
        f"under the id it is stored with, run `cokg {command} --id {earlier_id}{by} {args}`"
        f"{' with the same options' if project else ''}; to store it as {sid!r} instead, "
        f"give --replace (submission {earlier_id!r} goes in the same transaction)"
    )


def _as_columns(changed: list[str]) -> str:
    """Properties as curies, each with the template column that states it where one does
    ("rdfs:label (column label)"): a steward filled in columns, not properties."""
    from cokg.namespaces import curie
    from cokg.template.sheets import SHEETS

    columns: dict[str, set[str]] = {}
    for sheet in SHEETS.values():
        for c in sheet.columns:
            if c.predicate is not None:
                columns.setdefault(curie(str(c.predicate)), set()).add(c.name)
    out = []
    for p in changed:
        names = sorted(columns.get(p, ()))
        out.append(f"{p} (column {' or '.join(names)})" if 0 < len(names) <= 2 else p)
    return ", ".join(out)


# The records of a case that a submission may hold without holding the case itself (a QDA
# project's texts and findings of cases stored by a template submission): a case is in a
# submission when the submission holds the case or any of these.
_OF_CASE = ("aboutCase", "ofCase", "inCase", "informantOf", "ratedCase", "outcomeOfCase")


def _cases_left_out(
    st: Any, replaced: list[str], graph: Graph, unread: Iterable[Any] = ()
) -> dict[str, list[tuple[Any, str, bool]]]:
    """Submission graph -> the (case, case id, whether it holds the case record) it holds,
    as a case or as records of the case (`_OF_CASE`), that `graph` does not. A case whose row
    could not be read (`unread`, Submission.gone) is not left out: it was submitted, and its
    unreadable cell is the one thing to say about it."""
    from cokg.namespaces import sparql_prologue

    graphs = [g for g in replaced if g.startswith(SUBMISSION_PREFIX)]
    if not graphs:
        return {}
    values = " ".join(f"<{g}>" for g in graphs)
    of_case = "|".join(f"cokg:{p}" for p in _OF_CASE)
    text = (
        sparql_prologue() + f"SELECT ?g ?case ?id (MAX(?own) AS ?held) WHERE {{ "
        f"VALUES ?g {{ {values} }} "
        "GRAPH ?g { { ?case a cokg:Case . BIND(true AS ?own) } UNION "
        f"{{ ?record {of_case} ?case . BIND(false AS ?own) }} }} "
        "?case cokg:caseId ?id } GROUP BY ?g ?case ?id ORDER BY ?g ?id"
    )
    kept = set(graph.subjects(RDF.type, COKG.Case)) | set(unread)
    kept |= {o for p in _OF_CASE for o in graph.objects(None, COKG[p])}
    out: dict[str, list[tuple[Any, str, bool]]] = {}
    for row in st.query(text, internal=True).rows:
        if row["case"] not in kept:
            held = bool(row["held"] is not None and row["held"].toPython())
            out.setdefault(str(row["g"]), []).append((row["case"], str(row["id"]), held))
    return out


def stored_records(st: Any, values: Iterable[Any]) -> set[URIRef]:
    """Those of `values` that are records stored in any graph of `st` (typed there)."""
    iris = sorted({v for v in values if isinstance(v, URIRef)})
    if not iris:
        return set()
    text = "SELECT DISTINCT ?v WHERE { VALUES ?v { " + " ".join(v.n3() for v in iris)
    text += " } ?v a ?type }"
    return {row["v"] for row in st.query(text, internal=True).rows}


def _check_removals(
    remove_cases: frozenset[str], left_out: dict[str, list[tuple[Any, str, bool]]], *, replace: bool
) -> None:
    """ParameterError unless each case of `remove_cases` is one that the submissions this one
    replaces hold and it leaves out (`--remove-case` removes a case on purpose, nothing else)."""
    if not replace:
        raise ParameterError(
            "--remove-case removes a case from a submission it replaces: give --replace"
        )
    held = {case_id for cases in left_out.values() for _case, case_id, _held in cases}
    for case_id in sorted(remove_cases - held):
        raise ParameterError(
            f"--remove-case {case_id}: no submission this one replaces holds case {case_id} "
            "without this one holding it too (a case to remove is left out of the submission "
            "that replaces the one holding it)"
        )


def _referred_and_removed(
    st: Any, replaced: list[str], graph: Graph, paths: list[str | Path]
) -> list[ValidationResult]:
    """One violation per graph that refers to records the submission graphs `replaced` hold
    and the submission (`graph`) does not: the replace would leave it pointing at nothing, as
    `cokg retract` refuses to."""
    from cokg.namespaces import sparql_prologue

    graphs = [g for g in replaced if g.startswith(SUBMISSION_PREFIX)]
    if not graphs:
        return []
    values = " ".join(f"<{g}>" for g in graphs)
    preds = " ".join(p.n3() for p in RECORD_PREDICATES)
    text = sparql_prologue() + (
        f"SELECT DISTINCT ?g ?r ?old WHERE {{ VALUES ?old {{ {values} }} "
        f"VALUES ?kind {{ {preds} }} "
        "GRAPH ?old { ?r ?kind ?any } GRAPH ?g { ?x ?p ?r } "
        f"FILTER(?g NOT IN ({', '.join(f'<{g}>' for g in graphs)})) "
        f"FILTER NOT EXISTS {{ VALUES ?kind2 {{ {preds} }} GRAPH ?g {{ ?r ?kind2 ?other }} }} "
        "} ORDER BY ?g ?r"
    )
    kept = set(graph.subjects())
    users: dict[str, list[Any]] = {}
    holding: dict[str, set[str]] = {}  # the replaced graphs the records come from
    for row in st.query(text, internal=True).rows:
        g = str(row["g"])
        if row["r"] not in kept and not g.startswith(PROVENANCE_PREFIX):
            if row["r"] not in users.get(g, []):
                users.setdefault(g, []).append(row["r"])
            holding.setdefault(g, set()).add(str(row["old"]))
    return [
        ValidationResult(
            severity="violation",
            focus_node=records[0],
            path=None,
            constraint_component=None,
            source_shape=None,
            message=(
                f"{_graph_name(g)} refers to {len(records)} record{'s' * (len(records) != 1)} "
                f"(e.g. {_short(records[0])}) that "
                f"{', '.join(_graph_name(o) for o in sorted(holding[g]))}, which this "
                "submission replaces, holds and this submission does not: replacing it would "
                "leave those pointing at nothing; keep the records in this submission, or "
                f"correct or retract {_graph_name(g)} first"
            ),
            file=", ".join(str(p) for p in paths) or None,
        )
        for g, records in users.items()
    ]


def records_a_reingest_removes(
    st: Any,
    graph: str,
    submitted: Graph,
    paths: list[str | Path],
    *,
    kept: Iterable[Any] = (),
    project: bool = False,
    version: bool | None = None,
) -> list[ValidationResult]:
    """The violation an ingest without `replace` gives when the submission graph `graph` is
    stored already and holds records (subjects) that `submitted` does not: writing it would
    remove them. An ingest into its own graph may change and add records (a corrected value
    is a normal update), but it never removes what an earlier ingest stored unless asked to:
    two teams' folders of one name (`qc/shared/`, `de/shared/`) get one id, and the second
    replaced the first one's records, saying only "replaced". Names the records, who stored
    them and when, and what to do. Empty when nothing would be removed (for a dry run too).
    `kept`: subjects not to count as removed (rows that could not be read, which are reported
    as such). `project`: said of a QDA project (`cokg import-qdpx`). `version`: whether the
    submission is a new version of the stored one (default: it holds records of it,
    `shares_records`), which decides the advice."""
    if not graph.startswith(SUBMISSION_PREFIX) or graph not in set(st.graphs()):
        return []
    stored = stored_subjects(st, graph)
    kept = set(submitted.subjects()) | set(kept)
    gone = sorted((r for r in stored if r not in kept), key=str)
    if not gone:
        return []
    sid = graph[len(SUBMISSION_PREFIX) :]
    n = len(gone)
    shown = ", ".join(_short(r) for r in gone[:5]) + (f" and {n - 5} more" if n > 5 else "")
    what, verb = ("project", "import") if project else ("submission", "ingest")
    them = "those records" if n != 1 else "that record"
    message = (
        f"{what} {sid!r} is stored already ({stored_by(st, graph)}) and holds {n} "
        f"record{'s' * (n != 1)} this {what} does not ({shown}): {verb}ing it as {sid!r} "
        f"would remove {'them' if n != 1 else 'it'}. "
    )
    if version is None:
        version = shares_records(stored, submitted, sid)
    if version:
        # a new version of the stored one: under another id it would hold its records twice
        message += (
            f"This {what} holds records of {sid!r} too, so it looks like a new version of it: "
            f"to remove {them}, {verb} it with --replace; else keep {them} in this {what}"
        )
        if not project:  # a project's records (its texts) are its own: never under two ids
            message += (
                f". If it is another {what} (another team's of the same name, say), give it "
                f"an id of its own ({other_id_command(paths)}) and leave out the records "
                f"{sid!r} holds: refer to them by id"
            )
    else:
        message += (
            f"This {what} shares no record with {sid!r}: if it is another {what} (another "
            f"team's of the same name, say), give it an id of its own: "
            f"{other_id_command(paths, project=project)}; if it is to replace {sid!r} whole, "
            f"{verb} it with --replace"
        )
    return [
        ValidationResult(
            severity="violation",
            focus_node=gone[0],
            path=None,
            constraint_component=None,
            source_shape=None,
            message=message,
            record_label=f"{what} {sid}",
            file=", ".join(str(p) for p in paths) or None,
        )
    ]


def stored_subjects(st: Any, graph: str) -> set[Any]:
    """The IRIs a stored graph says something about."""
    text = f"SELECT DISTINCT ?s WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} FILTER(isIRI(?s)) }}"
    return {r["s"] for r in st.query(text, internal=True).rows}


def shares_records(stored: set[Any], submitted: Graph, sid: str) -> bool:
    """Whether a submission holds records of the stored submission `sid` (`stored`: the IRIs
    that one describes), other than those named after the id itself (a QDA project's codes,
    codebook and memos: code/<id>/..., which any project of that name has): then it is a new
    version of that submission, not another one that happens to get its id."""
    return any(
        r in stored and f"/{sid}/" not in str(r) and not str(r).endswith(f"/{sid}")
        for r in record_iris(submitted)
    )


def shell_args(paths: Iterable[str | Path]) -> str:
    """Paths as a command line in advice takes them: quoted where a shell would split them
    ("Partenaires à Lyon/" pasted unquoted was three arguments)."""
    return " ".join(shlex.quote(str(p)) for p in paths)


def other_id_command(paths: list[str | Path], *, project: bool = False) -> str:
    """How to ingest (or import) the same files under an id of the steward's choosing."""
    args = shell_args(paths)
    if project:
        return f"`cokg import-qdpx {args} --id OTHER` with the same options"
    return f"`cokg ingest --id OTHER --by NAME {args}`"


def stored_by(st: Any, graph: str) -> str:
    """Who stored a submission graph, when, from which files, as a message says it ("ingested
    by QC on 2025-03-04 10:15 UTC from organisations.csv"), from its provenance record."""
    by, when, files = _ingested(st, graph)
    parts = (
        f"ingested by {by}" if by else "",
        f"on {_when(when)}" if when else "",
        f"from {', '.join(files[:3])}{' ...' if len(files) > 3 else ''}" if files else "",
    )
    return " ".join(p for p in parts if p) or "no provenance record"


def _ingested(st: Any, graph: str) -> tuple[str | None, str | None, list[str]]:
    """Who ingested a submission graph, when, from which files (its provenance record)."""
    from cokg.namespaces import sparql_prologue

    by = when = None
    files: set[str] = set()
    text = sparql_prologue() + _PROV_QUERY.replace(
        "WHERE {", f"WHERE {{ VALUES ?graph {{ <{graph}> }}", 1
    )
    for row in st.query(text, internal=True).rows:
        by = str(row["by"]) if row.get("by") is not None else by
        when = str(row["when"]) if row.get("when") is not None else when
        if row.get("file") is not None:
            files.add(str(row["file"]))
    return by, when, sorted(files)


def _when(stamp: str) -> str:
    """A provenance time as a steward reads it: 2025-03-04 10:15 UTC."""
    m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?(\.\d+)?(Z|\+00:00)", stamp)
    return f"{m.group(1)} {m.group(2)} UTC" if m else stamp


def cases_a_replace_removes(
    st: Any, replaced: list[str], graph: Graph, paths: list[str | Path]
) -> list[ValidationResult]:
    """The violations `ingest` reports for a replace that would remove a case: one per case
    that the submission graphs `replaced` hold (the case, or records of it) and `graph` does
    not (for a dry run that ingests nothing)."""
    return _lost_cases(_cases_left_out(st, replaced, graph), paths)


def _lost_cases(
    left_out: dict[str, list[tuple[Any, str, bool]]], paths: list[str | Path]
) -> list[ValidationResult]:
    """One violation per stored case that the graphs this ingest replaces hold (the case, or
    records of it such as a QDA project's texts and findings) and the submission does not:
    `--replace` puts a new version of records in place, it never removes a case nobody
    resubmitted (that is `cokg retract`, asked for by name)."""
    out = []
    for g, cases in left_out.items():
        other = g[len(SUBMISSION_PREFIX) :]
        for case, case_id, held in cases:
            message = (
                f"submission {other!r}, which this one replaces, also holds case "
                f"{case_id}, which this submission does not: replacing it would remove "
                "that case; include the case in this submission (`cokg template "
                f"--case {case_id}` gives it as it is stored), or remove it on purpose "
                f"with --remove-case {case_id}"
            )
            if not held:
                message = (
                    f"submission {other!r}, which this one replaces, holds records of case "
                    f"{case_id} (its texts, findings or quotations), and this submission holds "
                    f"none: replacing it would remove them; include that case's evidence in "
                    "this submission (a QDA project exported whole, not one case of it), or "
                    f"remove it on purpose first with `cokg retract {other}`"
                )
            out.append(
                ValidationResult(
                    severity="violation",
                    focus_node=case,
                    path=None,
                    constraint_component=None,
                    source_shape=None,
                    message=message,
                    record_label=f"case {case_id}",
                    file=", ".join(str(p) for p in paths) or None,
                )
            )
    return out


# --- retract and list ---------------------------------------------------------------------


def retract(
    graph: str,
    *,
    store: Store | str | Path | None = None,
    wait: float | None = None,
    force: bool = False,
) -> str:
    """Remove one submission graph and its provenance record, in one transaction.
    Returns the graph IRI removed. Raises ParameterError when there is no such submission,
    and, unless `force`, when other graphs refer to records only it holds (a submission of
    shared organisations that later cases point to): removing it would leave them pointing at
    nothing, so it is refused, naming them."""
    sid, iri = _graph_from_arg(graph)

    def run(st: Any) -> str:
        if iri not in st.graphs():
            raise ParameterError(_no_submission(st, sid))
        if not force:
            _refuse_if_needed(st, sid, iri)
        st.drop_graphs([iri, provenance_graph_for(sid)])
        return iri

    if store is not None and not isinstance(store, (str, Path)):
        return run(store)
    from cokg.store import open_store

    if _is_local(store):  # look first without the writer lock, so a typo changes nothing
        with open_store(store, read_only=True) as ro:
            if iri not in ro.graphs():
                raise ParameterError(_no_submission(ro, sid))
            if not force:  # refused without touching the store's files
                _refuse_if_needed(ro, sid, iri)
    with open_store(store, wait=wait) as rw:
        return run(rw)


def _no_submission(st: Any, sid: str) -> str:
    """Why there is nothing to retract under `sid`, and, when it is a case's id, which
    submission holds that case (several cases may share one)."""
    from cokg.namespaces import sparql_prologue

    text = sparql_prologue() + (
        "SELECT ?g ?other WHERE { GRAPH ?g { ?case a cokg:Case ; cokg:caseId ?id } "
        f"FILTER(STR(?id) = {json.dumps(sid)}) "
        "OPTIONAL { GRAPH ?g { ?c2 a cokg:Case ; cokg:caseId ?other } } } ORDER BY ?g ?other"
    )
    rows = st.query(text, internal=True).rows
    graphs = sorted({str(r["g"]) for r in rows if str(r["g"]).startswith(SUBMISSION_PREFIX)})
    if not graphs:
        return f"no submission {sid!r} in the store (see `cokg graphs`)"
    held = graphs[0][len(SUBMISSION_PREFIX) :]
    others = sorted({str(r["other"]) for r in rows if r["other"] is not None} - {sid})
    also = f", with case{'s' * (len(others) != 1)} {', '.join(others)}" if others else ""
    how = (
        "retracting it removes them all; to remove this case alone, ingest that submission "
        f"again without it, with --replace --remove-case {sid}"
        if others
        else f"retract that submission: `cokg retract {held}`"
    )
    return f"{sid!r} is a case, not a submission: submission {held!r} holds it{also}; {how}"


def _refuse_if_needed(st: Any, sid: str, iri: str) -> None:
    """ParameterError naming the graphs that refer to records only `iri` holds."""
    from cokg.namespaces import sparql_prologue

    preds = " ".join(p.n3() for p in RECORD_PREDICATES)
    text = sparql_prologue() + (
        f"SELECT ?g (COUNT(DISTINCT ?r) AS ?n) (SAMPLE(?r) AS ?one) WHERE {{ "
        f"VALUES ?kind {{ {preds} }} GRAPH <{iri}> {{ ?r ?kind ?any }} "
        f"GRAPH ?g {{ ?x ?p ?r }} FILTER(?g != <{iri}>) "
        "FILTER NOT EXISTS { VALUES ?kind2 { " + preds + " } GRAPH ?g { ?r ?kind2 ?other } } "
        "} GROUP BY ?g ORDER BY ?g"
    )
    users = [
        (str(r["g"]), int(r["n"]), r["one"])
        for r in st.query(text, internal=True).rows
        if not str(r["g"]).startswith(PROVENANCE_PREFIX)
    ]
    if not users:
        return
    shown = "; ".join(
        f"{_graph_name(g)} ({n} record{'s' * (n != 1)}, e.g. {_short(one)})" for g, n, one in users
    )
    raise ParameterError(
        f"submission {sid!r} holds records that other graphs refer to: {shown}; retracting it "
        "would leave those pointing at nothing. Retract or correct them first, or give --force "
        "to retract it anyway (the store will then not conform)"
    )


def _graph_name(g: str) -> str:
    if g.startswith(SUBMISSION_PREFIX):
        return "submission " + g[len(SUBMISSION_PREFIX) :]
    return g[len(str(COKGG)) :] if g.startswith(str(COKGG)) else g


_PROV_QUERY = """
SELECT ?graph ?by ?when ?file WHERE {
  ?s a cokg:Submission ; cokg:graph ?graph ; prov:wasGeneratedBy ?act .
  ?act prov:wasAssociatedWith ?agent ; prov:endedAtTime ?when .
  OPTIONAL { ?agent rdfs:label ?by }
  OPTIONAL { ?s cokg:sourceFile ?f . ?f cokg:fileName ?file }
}
"""


def list_graphs(store: Store | str | Path | None = None) -> list[GraphInfo]:
    """Every named graph with its size; submissions with who ingested them, when, from what."""
    if store is not None and not isinstance(store, (str, Path)):
        return _list(store)
    from cokg.store import open_store

    try:
        st = open_store(store, read_only=True)  # a remote writer would take the write lease
    except StoreError:
        raise
    with st:
        return _list(st)


def _list(store: Store) -> list[GraphInfo]:
    from cokg.namespaces import sparql_prologue

    prov: dict[str, dict[str, Any]] = {}
    for row in store.query(sparql_prologue() + _PROV_QUERY, internal=True).rows:
        g = str(row["graph"])
        info = prov.setdefault(g, {"by": None, "when": None, "files": set()})
        info["by"] = str(row["by"]) if row.get("by") is not None else info["by"]
        info["when"] = str(row["when"])
        if row.get("file") is not None:
            info["files"].add(str(row["file"]))
    out = []
    for g in store.graphs():
        if g.startswith(PROVENANCE_PREFIX):
            continue
        rest = g[len(str(COKGG)) :] if g.startswith(str(COKGG)) else g
        kind = rest.split("/", 1)[0] if "/" in rest else "data"
        kind = {"ontology": "ontology", "framework": "framework", "submission": "submission"}.get(
            kind, "data"
        )
        p = prov.get(g, {})
        out.append(
            GraphInfo(
                graph=g,
                kind=kind,
                triples=store.count(g),
                by=p.get("by"),
                when=p.get("when"),
                files=tuple(sorted(p.get("files", ()))),
            )
        )
    return out
