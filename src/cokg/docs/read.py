"""What the documentation shows, read from a store with the internal saved `doc-*` queries:
the ontology (its modules and every declared term) and the concept schemes (their concepts,
hierarchy and mappings). Plain values only; `cokg.docs.html` turns them into pages."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib.term import Literal, Node, URIRef

from cokg.namespaces import DCTERMS, ONTOLOGY_IRI, OWL, RDF, RDFS, SKOS, XSD
from cokg.query import SavedQuery, get_query, open_for_call, run_query

if TYPE_CHECKING:
    from cokg.store import Store

Queries = Callable[[str], SavedQuery]  # a saved query by name

VANN_PREFIX = "http://purl.org/vocab/vann/preferredNamespacePrefix"
VANN_URI = "http://purl.org/vocab/vann/preferredNamespaceUri"
MATCHES = tuple(
    str(SKOS[n]) for n in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
)
# Facets in reading order: the lower bound first.
FACET_ORDER = {
    str(XSD[n]): i
    for i, n in enumerate(("minInclusive", "minExclusive", "maxExclusive", "maxInclusive"))
}
# A mapping read from the other end: what it says of this concept.
INVERSE_MATCH = {
    str(SKOS.broadMatch): str(SKOS.narrowMatch),
    str(SKOS.narrowMatch): str(SKOS.broadMatch),
}


@dataclass(frozen=True)
class UnionOf:
    """A class expression `owl:unionOf (members)` used as a domain, range or super-class."""

    members: tuple[str, ...]


@dataclass(frozen=True)
class Restricted:
    """A datatype restricted by facets (`xsd:decimal` with `xsd:minInclusive 0.0`...)."""

    datatype: str
    facets: tuple[tuple[str, Literal], ...]


Value = Node | UnionOf | Restricted


@dataclass
class Described:
    """A resource and what the store says of it: property IRI -> values, in a stable order."""

    iri: str
    values: dict[str, list[Value]] = field(default_factory=dict)

    def add(self, prop: str, value: Value) -> None:
        found = self.values.setdefault(prop, [])
        if value not in found:
            found.append(value)

    def all(self, prop: str | URIRef) -> list[Value]:
        return self.values.get(str(prop), [])

    def iris(self, prop: str | URIRef) -> list[str]:
        return [str(v) for v in self.all(prop) if isinstance(v, URIRef)]

    def text(self, prop: str | URIRef) -> str | None:
        """The first literal value: English before untagged, as the queries keep only those."""
        found = [v for v in self.all(prop) if isinstance(v, Literal)]
        found.sort(key=lambda v: (v.language is None, str(v)))
        return str(found[0]) if found else None

    def texts(self, prop: str | URIRef) -> list[str]:
        return [str(v) for v in self.all(prop) if isinstance(v, Literal)]


@dataclass
class Term(Described):
    """A class, property or individual with what the ontology states of it."""

    @property
    def types(self) -> list[str]:
        return self.iris(RDF.type)

    @property
    def defined_by(self) -> str:
        found = self.iris(RDFS.isDefinedBy)
        return found[0] if found else ""

    @property
    def kind(self) -> str:
        """One of the KINDS below (the first that fits: a term typed both as an object property
        and as an individual is documented as the property); "individual" otherwise."""
        types = set(self.types)
        for owl_type, kind in KINDS:
            if owl_type in types:
                return kind
        return "individual"

    @property
    def label(self) -> str | None:
        return self.text(RDFS.label)


KINDS = (
    (str(OWL.Class), "class"),
    (str(OWL.ObjectProperty), "object property"),
    (str(OWL.DatatypeProperty), "datatype property"),
    (str(OWL.AnnotationProperty), "annotation property"),
    (str(OWL.NamedIndividual), "individual"),
)


@dataclass
class OntologyDoc:
    """The umbrella ontology (None when the store holds none), its modules and every term
    declared with an rdfs:isDefinedBy, by IRI."""

    ontology: Described | None
    modules: list[Described]
    terms: dict[str, Term]

    @property
    def namespace(self) -> str:
        """The ontology's own namespace (vann:preferredNamespaceUri)."""
        found = self.ontology.texts(VANN_URI) if self.ontology else []
        return found[0] if found else ""

    @property
    def prefix(self) -> str:
        found = self.ontology.texts(VANN_PREFIX) if self.ontology else []
        return found[0] if found else ""


@dataclass
class Concept(Described):
    """A concept of a scheme with what the store says of it."""

    @property
    def notation(self) -> str | None:
        return self.text(SKOS.notation)

    @property
    def label(self) -> str | None:
        return self.text(SKOS.prefLabel)


@dataclass(frozen=True)
class Match:
    """A SKOS match from `subject` to `object`, with the curators' confidence and reason when a
    cokg:ConceptMapping records them."""

    subject: str
    predicate: str
    object: str
    confidence: Literal | None = None
    justification: str | None = None


@dataclass
class Scheme(Described):
    concepts: dict[str, Concept] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        """The scheme's name in the site: its IRI's last path segment (cfir-2022)."""
        return last_segment(self.iri)

    @property
    def title(self) -> str:
        return self.text(DCTERMS.title) or self.slug


@dataclass
class FrameworksDoc:
    """Every concept scheme by slug, in slug order, and every mapping stated between concepts."""

    schemes: dict[str, Scheme]
    mappings: list[Match]


_SEGMENT = re.compile(r"[^/#]+$")


def last_segment(iri: str) -> str:
    """What follows an IRI's last "/" or "#": a concept's anchor, a scheme's name."""
    m = _SEGMENT.search(iri.rstrip("/#"))
    return m.group(0) if m else iri


@contextmanager
def reading(store: Store | str | Path | None) -> Iterator[Store]:
    """The store to read, opened for the call when given as a spec (path, "memory:", URL)."""
    st, opened = open_for_call(store)
    try:
        yield st
    finally:
        if opened:
            st.close()


def _rows(store: Store, queries: Queries, name: str) -> list[Mapping[str, Node | None]]:
    return [row.terms for row in run_query(queries(name), store=store)]


def read_ontology(store: Store, queries: Queries = get_query) -> OntologyDoc:
    """The umbrella ontology, the modules it imports (directly or not) and every term."""
    described: dict[str, Described] = {}
    for r in _rows(store, queries, "doc-ontologies"):
        d = described.setdefault(str(r["ontology"]), Described(str(r["ontology"])))
        if r["property"] is not None and r["value"] is not None:
            d.add(str(r["property"]), r["value"])
    umbrella = described.get(ONTOLOGY_IRI)
    modules: list[Described] = []
    if umbrella is not None:
        seen, todo = {ONTOLOGY_IRI}, list(umbrella.iris(OWL.imports))
        while todo:
            iri = todo.pop()
            if iri in seen or iri not in described:
                continue
            seen.add(iri)
            modules.append(described[iri])
            todo.extend(described[iri].iris(OWL.imports))
    modules.sort(key=lambda m: last_segment(m.iri))
    terms: dict[str, Term] = {}
    for r in _rows(store, queries, "doc-ontology-terms"):
        t = terms.setdefault(str(r["term"]), Term(str(r["term"])))
        if r["property"] is not None and r["value"] is not None:
            t.add(str(r["property"]), r["value"])
    unions: dict[tuple[str, str], list[str]] = {}
    facets: dict[tuple[str, str, str], list[tuple[str, Literal]]] = {}
    for r in _rows(store, queries, "doc-ontology-expressions"):
        term, prop = str(r["term"]), str(r["property"])
        if term not in terms:
            continue
        if prop == str(OWL.disjointWith) and r["member"] is not None:
            terms[term].add(prop, r["member"])
        elif r["member"] is not None:
            members = unions.setdefault((term, prop), [])
            if str(r["member"]) not in members:
                members.append(str(r["member"]))
        elif r["datatype"] is not None:
            found = facets.setdefault((term, prop, str(r["datatype"])), [])
            facet, value = r["facet"], r["facet_value"]
            if facet is not None and isinstance(value, Literal):
                found.append((str(facet), value))
    for (term, prop), members in unions.items():
        terms[term].add(prop, UnionOf(tuple(sorted(members))))
    for (term, prop, datatype), found in facets.items():
        ordered = sorted(set(found), key=lambda f: (FACET_ORDER.get(f[0], 9), f[0], str(f[1])))
        terms[term].add(prop, Restricted(datatype, tuple(ordered)))
    return OntologyDoc(umbrella, modules, terms)


def read_schemes(store: Store, queries: Queries = get_query) -> dict[str, Scheme]:
    """Every concept scheme by slug (in slug order), with what it says of itself."""
    schemes: dict[str, Scheme] = {}
    for r in _rows(store, queries, "doc-schemes"):
        s = schemes.setdefault(str(r["scheme"]), Scheme(str(r["scheme"])))
        if r["property"] is not None and r["value"] is not None:
            s.add(str(r["property"]), r["value"])
    return {s.slug: s for s in sorted(schemes.values(), key=lambda s: (s.slug, s.iri))}


def read_frameworks(store: Store, queries: Queries = get_query) -> FrameworksDoc:
    """Every concept scheme with its concepts, and every SKOS mapping between concepts."""
    by_iri = {s.iri: s for s in read_schemes(store, queries).values()}
    stated: list[tuple[str, str, str]] = []
    for r in _rows(store, queries, "doc-scheme-concepts"):
        scheme = by_iri.setdefault(str(r["scheme"]), Scheme(str(r["scheme"])))
        iri = str(r["concept"])
        c = scheme.concepts.setdefault(iri, Concept(iri))
        if r["property"] is None or r["value"] is None:
            continue
        c.add(str(r["property"]), r["value"])
        if str(r["property"]) in MATCHES and isinstance(r["value"], URIRef):
            stated.append((iri, str(r["property"]), str(r["value"])))
    recorded: dict[tuple[str, str, str], tuple[Literal | None, str | None]] = {}
    for r in _rows(store, queries, "doc-concept-mappings"):
        confidence, why = r["confidence"], r["justification"]
        recorded[(str(r["subject"]), str(r["predicate"]), str(r["object"]))] = (
            confidence if isinstance(confidence, Literal) else None,
            str(why) if why is not None else None,
        )
    mappings = [Match(*key, *recorded.get(key, (None, None))) for key in dict.fromkeys(stated)]
    schemes = {s.slug: s for s in sorted(by_iri.values(), key=lambda s: (s.slug, s.iri))}
    return FrameworksDoc(schemes, mappings)
