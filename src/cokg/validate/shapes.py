"""The shapes and the ontology validation reads, as rdflib terms, cached per version on disk."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.term import Node

from cokg import load, paths
from cokg.errors import InputError
from cokg.namespaces import COKG, OWL, RDF, RDFS, SH
from cokg.terms import TermMemo, Triple

SEVERITY: dict[Node | None, str] = {
    SH.Violation: "violation",
    SH.Warning: "warning",
    SH.Info: "info",
}
SEVERITY_IRI: dict[str, Node] = {v: k for k, v in SEVERITY.items() if k is not None}


# --- the shapes -----------------------------------------------------------------------------


def shape_files() -> list[Path]:
    return sorted(paths.SHAPES_DIR.glob("*.ttl"))


def shapes_version() -> str:
    """The version of the shapes: sha256 over the names and bytes of shapes/*.ttl."""
    h = hashlib.sha256()
    for f in shape_files():
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return "sha256:" + h.hexdigest()


@lru_cache(maxsize=4)
def _shapes_graph(version: str) -> Graph:
    g = Graph()
    term = TermMemo(as_written=True)
    for f in shape_files():
        for q in load.read_rdf(f).quads:
            g.add((term[q.subject], term[q.predicate], term[q.object]))
    if not len(g):
        raise InputError("no shapes found", file=paths.SHAPES_DIR)
    return g


def shapes_graph() -> Graph:
    """All shapes as one rdflib Graph (cached per shapes version)."""
    return _shapes_graph(shapes_version())


# --- the ontology and frameworks -------------------------------------------------------------


def ontology_key() -> tuple:
    """Which ontology is in use: its folder and each file's size and time (cheap to compute),
    so the caches below follow a switch of project root or an edited ontology."""
    root = paths.ONTOLOGY_DIR
    files = sorted(f for f in root.rglob("*") if f.is_file()) if root.is_dir() else []
    return (str(root), *((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files))


@lru_cache(maxsize=4)
def _ontology_triples_for(key: tuple) -> tuple[Triple, ...]:
    store = load.load_ontology(include_frameworks=True)
    term = TermMemo(as_written=True)
    return tuple((term[q.subject], term[q.predicate], term[q.object]) for q in store)


def ontology_triples() -> tuple[Triple, ...]:
    """Ontology modules + frameworks as triples (cached per ontology version)."""
    return _ontology_triples_for(ontology_key())


@lru_cache(maxsize=4)
def _ontology_index_for(key: tuple) -> dict[Node, list[Triple]]:
    by_subject: dict[Node, list[Triple]] = {}
    for t in _ontology_triples_for(key):
        by_subject.setdefault(t[0], []).append(t)
    return by_subject


def ontology_index() -> dict[Node, list[Triple]]:
    """The ontology's triples by subject (cached per ontology version)."""
    return _ontology_index_for(ontology_key())


def ontology_context(triples: Iterable[Triple]) -> list[Triple]:
    """The part of the ontology and frameworks a set of triples refers to: the triples about
    every term it mentions (types, scheme membership, labels), and the same for each of their
    superclasses, transitively (for sh:class and sh:targetClass through rdfs:subClassOf).
    Validating against this rather than the whole vocabulary gives the same results and keeps
    thousands of framework concepts out of the shapes' targets."""
    by_subject = ontology_index()
    out: list[Triple] = []
    seen: set[Node] = set()
    todo = [t for trip in triples for t in trip if isinstance(t, URIRef)]
    typed: set[Node] = set()
    while todo:
        term = todo.pop()
        if term in seen:
            continue
        seen.add(term)
        for t in by_subject.get(term, ()):
            out.append(t)
            if t[1] == RDFS.subClassOf and isinstance(t[2], URIRef):
                todo.append(t[2])
            # a framework concept's own statements name ontology terms (cokg:outcomeOfPhase
            # cokg:Adoption): their types come along, so that a concept a submission maps is
            # checked against a vocabulary that knows what it says
            if not str(term).startswith(str(COKG)):
                typed.update(x for x in t[1:] if isinstance(x, URIRef) and x.startswith(COKG))
    for named in sorted(typed - seen, key=str):
        out.extend(t for t in by_subject.get(named, ()) if t[1] == RDF.type)
    return out


@lru_cache(maxsize=4)
def _children_for(key: tuple) -> dict[Node, tuple[Node, ...]]:
    sub = RDFS.subClassOf
    children: dict[Node, set[Node]] = {}
    for s, p, o in _ontology_triples_for(key):
        if p == sub:
            children.setdefault(o, set()).add(s)
    return {c: tuple(sorted(kids, key=str)) for c, kids in children.items()}


def subclasses(cls: Node, *, key: tuple | None = None) -> list[Node]:
    """`cls` and every class below it in the ontology (rdfs:subClassOf*). The class tree is
    built once per ontology version; pass `key` (ontology_key()) when asking many times."""
    children = _children_for(key if key is not None else ontology_key())
    out, todo = [], [cls]
    while todo:
        c = todo.pop()
        if c not in out:
            out.append(c)
            todo.extend(children.get(c, ()))
    return out


@lru_cache(maxsize=4)
def _cokg_classes_for(key: tuple) -> frozenset[Node]:
    kinds = {OWL.Class, RDFS.Class}
    return frozenset(
        s
        for s, p, o in _ontology_triples_for(key)
        if p == RDF.type and o in kinds and isinstance(s, URIRef) and s.startswith(COKG)
    )


def cokg_classes() -> frozenset[Node]:
    """The classes the cokg ontology declares (in its own namespace)."""
    return _cokg_classes_for(ontology_key())
