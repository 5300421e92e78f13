"""Export the graph, or one case, as JSON-LD, Turtle, N-Quads or TriG.

JSON-LD is compacted with the project's own context (`context.jsonld`, bundled in the package
and published at https://w3id.org/cokg/context.jsonld). The context is generated from the
ontology modules by `make_context()`; a test keeps the bundled file equal to it.
Nothing here fetches: the context is passed to rdflib as a dictionary.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from rdflib.namespace import OWL, RDF, RDFS, XSD

from cokg import paths
from cokg.errors import InputError, ParameterError
from cokg.linking.jsonld import nquads_to_jsonld
from cokg.load import CONTEXT_FILE, CONTEXT_IRI, bundled_context
from cokg.namespaces import COKG, PREFIXES, graph_iri
from cokg.store import Store

FORMATS = ("jsonld", "ttl", "nq", "trig")

# Which declarations make a cokg: term, strongest first (a term keeps the first kind found).
_KINDS = (
    (OWL.ObjectProperty, "object"),
    (OWL.DatatypeProperty, "datatype"),
    (OWL.AnnotationProperty, "annotation"),
    (RDF.Property, "annotation"),
    (OWL.Class, "name"),
    (RDFS.Class, "name"),
    (OWL.NamedIndividual, "name"),
)


# --- the JSON-LD context ---------------------------------------------------------------------


def make_context(modules_dir: Path | None = None) -> dict[str, Any]:
    """The JSON-LD context for every cokg: term declared in ontology/modules/*.ttl, plus the
    project's prefixes. Object properties are typed `@id`; a datatype property whose range is
    one XSD datatype (other than xsd:string) carries that `@type`."""
    import pyoxigraph as ox

    from cokg.load import read_rdf

    modules_dir = modules_dir or paths.MODULES_DIR
    files = sorted(modules_dir.glob("*.ttl"))
    if not files:
        raise InputError("no ontology modules found", file=modules_dir)
    cokg = str(COKG)
    kinds: dict[str, str] = {}
    ranges: dict[str, set[str]] = {}
    individuals: set[str] = set()
    types = {str(k): v for k, v in _KINDS}
    order = [v for _, v in _KINDS]
    for f in files:
        for q in read_rdf(f).quads:
            s = q.subject
            if not isinstance(s, ox.NamedNode) or not s.value.startswith(cokg):
                continue
            name = s.value[len(cokg) :]
            if q.predicate.value == str(RDF.type):
                kind = types.get(q.object.value)
                if kind is None and isinstance(q.object, ox.NamedNode):
                    individuals.add(name)  # typed by a cokg class: a controlled individual
                elif kind and (name not in kinds or order.index(kind) < order.index(kinds[name])):
                    kinds[name] = kind
            elif q.predicate.value == str(RDFS.range) and isinstance(q.object, ox.NamedNode):
                ranges.setdefault(name, set()).add(q.object.value)
    for name in individuals:
        kinds.setdefault(name, "name")
    terms: dict[str, Any] = {}
    for name in sorted(kinds, key=lambda n: (n.lower(), n)):
        if not name or not name.replace("-", "").replace("_", "").isalnum():
            continue  # not usable as a JSON-LD term
        kind = kinds[name]
        if kind == "object":
            terms[name] = {"@id": f"cokg:{name}", "@type": "@id"}
        elif kind == "datatype":
            rng = ranges.get(name, set())
            xsd_range = next(iter(rng)) if len(rng) == 1 else None
            if xsd_range and xsd_range.startswith(str(XSD)) and xsd_range != str(XSD.string):
                terms[name] = {"@id": f"cokg:{name}", "@type": f"xsd:{xsd_range[len(str(XSD)) :]}"}
            else:
                terms[name] = {"@id": f"cokg:{name}"}
        else:
            terms[name] = f"cokg:{name}"
    prefixes = {p: iri for p, iri in PREFIXES.items() if p not in terms}
    return {"@context": {**prefixes, **terms}}


def context_text(context: dict[str, Any] | None = None) -> str:
    """The context as the bundled file holds it (stable key order, two-space indent)."""
    return json.dumps(context or make_context(), indent=2, ensure_ascii=False) + "\n"


def write_context(path: Path | None = None) -> Path:
    """Regenerate the bundled context file from the ontology modules."""
    path = path or CONTEXT_FILE
    _atomic_write(path, context_text().encode("utf-8"))
    return path


# --- export ----------------------------------------------------------------------------------


def case_graphs(store: Store, case_id: str) -> list[str]:
    """The named graphs of one case: graph/<case-id> plus any graph (a submission) that holds
    a case with that cokg:caseId."""
    from rdflib import Literal

    res = store.query(
        f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?c {COKG.caseId.n3()} ?id }} }}",
        bindings={"id": Literal(case_id)},
    )
    found = {str(r["g"]) for r in res.rows if r["g"] is not None}
    own = graph_iri(case_id)
    if own in store.graphs():
        found.add(own)
    if not found:
        raise ParameterError(f"no such case: {case_id!r}")
    return sorted(found)


def export(store: Store | str | Path | None, *, format: str, case: str | None = None) -> bytes:
    """The whole graph (every named graph) or one case, serialised. `store`: an open Store, or
    a store spec (a path, "memory:", an endpoint URL; None = the default store)."""
    from cokg.query import open_for_call

    if format not in FORMATS:
        raise ParameterError(f"unknown export format {format!r}; use {', '.join(FORMATS)}")
    st, opened = open_for_call(store)
    try:
        return _export(st, format=format, case=case)
    finally:
        if opened:
            st.close()


def _export(store: Store, *, format: str, case: str | None) -> bytes:
    if case:  # a case by its number, or its id in any case, as the queries take it
        from cokg.query.binding import find_case

        case = find_case(store, case.strip()) or case
    graphs = case_graphs(store, case) if case else None
    source = store
    if case and graphs:
        source = _case_parts(store, case, graphs)
    if format != "jsonld":
        return source.export(format=format, graph_iris=graphs)
    return to_jsonld(source.export(format="nq", graph_iris=graphs))


def _case_parts(store: Store, case_id: str, graphs: list[str]) -> Store:
    """`store`, or, when a graph of the case holds other cases too (one submission of several
    cases), a store in memory holding only the case's part of each graph
    (`cokg.slicing.case_part`): one case's export never carries another's records."""
    from rdflib import Graph, URIRef

    from cokg.namespaces import COKGID
    from cokg.slicing import case_part
    from cokg.store import MemoryStore

    text = (
        "SELECT ?g (COUNT(DISTINCT ?c) AS ?n) "
        f"WHERE {{ GRAPH ?g {{ ?c a <{COKG.Case}> }} }} GROUP BY ?g"
    )
    counts = {str(r["g"]): int(str(r["n"])) for r in store.query(text).rows}
    if all(counts.get(g, 0) <= 1 for g in graphs):
        return store
    case = URIRef(f"{COKGID}case/{case_id}")
    parts = {}
    for g in graphs:
        whole = Graph()
        rows = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}").rows
        for row in rows:
            whole.add((row["s"], row["p"], row["o"]))  # type: ignore[arg-type]
        parts[g] = case_part(whole, case) if counts.get(g, 0) > 1 else whole
    mem = MemoryStore()
    mem.replace_graphs(parts)
    return mem


def to_jsonld(nquads: bytes, context: dict[str, Any] | None = None) -> bytes:
    """N-Quads as JSON-LD compacted with the cokg context (given inline: nothing is fetched);
    the conversion lives in `cokg.linking.jsonld`, which the RO-Crate package shares."""
    return nquads_to_jsonld(nquads, context)


def export_to(
    store: Store | str | Path | None, out: str | Path, *, format: str, case: str | None = None
) -> int:
    """Export to a file, written atomically (temp file, fsync, rename); return its size."""
    if Path(out).is_dir():
        raise ParameterError(
            f"{out} is a folder: give the file to write, e.g. {Path(out) / 'cokg'}.{format}"
        )
    data = export(store, format=format, case=case)
    _atomic_write(Path(out), data)
    return len(data)


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # as any file written: mkstemp's 0600 is for the temporary file
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


__all__ = [
    "CONTEXT_IRI",
    "FORMATS",
    "bundled_context",
    "case_graphs",
    "context_text",
    "export",
    "export_to",
    "make_context",
    "to_jsonld",
    "write_context",
]
