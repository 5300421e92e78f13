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

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef

from cokg.errors import ParameterError, StoreError, ValidationFailed
from cokg.namespaces import COKG, COKGG, COKGID, DCTERMS, PROV, RDF, RDFS, XSD, graph_iri
from cokg.validate import (
    Submission,
    ValidationReport,
    check_submission_id,
    read_submission,
    shapes_version,
    submission_graph,
    submission_id,
    validate_submission,
)
from cokg.validate import slug as _slug

__all__ = [
    "GraphInfo",
    "IngestReport",
    "ingest",
    "list_graphs",
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
    replaced: bool  # the submission was in the store before and has been replaced
    validation: ValidationReport
    seconds: float


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
    store: Any = None,
    submission: str | None = None,
    engine: str = "sparql",
    progress: Callable[..., None] | None = None,
) -> IngestReport:
    """Validate a submission and, if it conforms, write it (and its provenance) in one
    transaction. `store`: an open Store, or a store spec (None = the default embedded store).
    The submission id (`submission`, else made from the file names) is checked before
    anything is read. `progress(message, done=None, total=None)` hears how far it got.
    Raises InputError (unusable input), ValidationFailed (with `.report`), StoreError."""
    if not by or not by.strip():
        raise ParameterError("say who is ingesting: --by NAME")
    say = progress or (lambda *_a, **_k: None)
    t0 = time.perf_counter()
    started = datetime.now(UTC).replace(microsecond=0)
    sid = check_submission_id(submission) if submission is not None else None
    sid = sid or submission_id(list(paths))
    graph, prov_graph = submission_graph(sid), provenance_graph_for(sid)
    exclude = (graph, prov_graph)
    sub = read_submission(paths, progress=progress)

    def check(st: Any) -> ValidationReport:
        report = validate_submission(
            sub, store=st, engine=engine, exclude_graphs=exclude, progress=progress
        )
        if not report.conforms:
            n = sum(r.severity == "violation" for r in report.results)
            exc = ValidationFailed(
                f"{n} violation{'s' * (n != 1)}: nothing was written",
                file=", ".join(report.files) or None,
            )
            exc.report = report  # type: ignore[attr-defined]
            raise exc
        return report

    if store is not None and not isinstance(store, (str, Path)):
        report = check(store)
        say(f"writing {len(sub.graph):,} triples")
        replaced = _write(store, sid, sub, by, started, graph, prov_graph)
    else:
        from cokg.store import open_store

        spec = store
        # First pass read-only: a failing submission must not touch the store's files.
        if _is_local(spec):
            with open_store(spec, read_only=True) as ro:
                check(ro)
        with open_store(spec) as rw:
            report = check(rw)
            say(f"writing {len(sub.graph):,} triples")
            replaced = _write(rw, sid, sub, by, started, graph, prov_graph)
    return IngestReport(
        submission_id=sid,
        graph=graph,
        provenance_graph=prov_graph,
        triples=len(sub.graph),
        files=report.files,
        replaced=replaced,
        validation=report,
        seconds=time.perf_counter() - t0,
    )


def _is_local(spec: Any) -> bool:
    text = "" if spec is None else str(spec)
    return not (text == "memory:" or re.match(r"https?://", text))


def _write(
    store: Any, sid: str, sub: Submission, by: str, started: datetime, graph: str, prov_graph: str
) -> bool:
    replaced = graph in store.graphs()
    prov = provenance(
        sid, sub, by=by, started=started, ended=datetime.now(UTC).replace(microsecond=0),
        version=shapes_version(),
    )  # fmt: skip
    # Both graphs in one transaction: a reader never sees data without its provenance.
    # the graph itself, not a list copy of it: the store converts it triple by triple
    store.replace_graphs({graph: sub.graph, prov_graph: prov})
    return replaced


# --- retract and list ---------------------------------------------------------------------


def retract(graph: str, *, store: Any = None) -> str:
    """Remove one submission graph and its provenance record, in one transaction.
    Returns the graph IRI removed. Raises ParameterError when there is no such submission."""
    sid, iri = _graph_from_arg(graph)

    def run(st: Any) -> str:
        if iri not in st.graphs():
            raise ParameterError(f"no submission {sid!r} in the store (see `cokg graphs`)")
        st.drop_graphs([iri, provenance_graph_for(sid)])
        return iri

    if store is not None and not isinstance(store, (str, Path)):
        return run(store)
    from cokg.store import open_store

    if _is_local(store):  # look first without the writer lock, so a typo changes nothing
        with open_store(store, read_only=True) as ro:
            if iri not in ro.graphs():
                raise ParameterError(f"no submission {sid!r} in the store (see `cokg graphs`)")
    with open_store(store) as rw:
        return run(rw)


_PROV_QUERY = """
SELECT ?graph ?by ?when ?file WHERE {
  ?s a cokg:Submission ; cokg:graph ?graph ; prov:wasGeneratedBy ?act .
  ?act prov:wasAssociatedWith ?agent ; prov:endedAtTime ?when .
  OPTIONAL { ?agent rdfs:label ?by }
  OPTIONAL { ?s cokg:sourceFile ?f . ?f cokg:fileName ?file }
}
"""


def list_graphs(store: Any = None) -> list[GraphInfo]:
    """Every named graph with its size; submissions with who ingested them, when, from what."""
    if store is not None and not isinstance(store, (str, Path)):
        return _list(store)
    from cokg.store import open_store

    try:
        st = open_store(store, read_only=_is_local(store))
    except StoreError:
        raise
    with st:
        return _list(st)


def _list(store: Any) -> list[GraphInfo]:
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
