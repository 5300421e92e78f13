"""A VoID (and DCAT) description of the whole graph: how large it is, which classes it holds
and how its data links to the framework schemes and to the world outside cokg.

    >>> g = void_description(store)                                    # doctest: +SKIP
    >>> write_void(store, Path("void.ttl"))                             # doctest: +SKIP
    >>> void_bytes(store, "application/ld+json")                        # doctest: +SKIP

`cokg export void OUT.ttl` writes it (`.jsonld`, `.nt` or `.rdf` for another syntax) and
`cokg serve` answers it at /.well-known/void, Turtle unless the client asks for another.

Everything is counted by saved queries (queries/void-*.rq) over cokg's named graphs (graph IRIs
under https://w3id.org/cokg/graph/, the graphs the remote store calls cokg's own):

- void:triples counts distinct triples, so a triple stated in two graphs counts once;
  void:distinctSubjects, void:properties and void:classes likewise. (No void:distinctObjects:
  engines count literals differently - Oxigraph keeps "2"^^xsd:positiveInteger as
  "2"^^xsd:integer, Virtuoso keeps both - and the description should not depend on the store.)
- one void:classPartition per class named by an rdf:type statement, with void:entities the
  distinct resources typed with it (as stated: no inference).
- one void:Linkset per target and property: from the data graphs (not the ontology or framework
  graphs) to each framework scheme (objects that are concepts of the scheme) and to each site
  outside cokg (objects that are IRIs of another site, grouped by scheme and host). Terms of the
  vocabularies cokg builds on (SKOS, PROV, Web Annotation...) are vocabulary, not links.
  Only the properties that link data to other data count (`LINK_PREDICATES`: the SKOS matches,
  owl:sameAs, cokg:wikidataItem, a finding's cokg:codedTo...): a mapping set's licence or
  curators' ORCID iDs, a mapping record's cokg:subject, are not linksets.
- the creators are agents (foaf:Agent with a foaf:name), as dcterms:creator expects, not text.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote, urlsplit

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, FOAF, OWL, SKOS, VOID, XSD

from cokg.errors import ParameterError
from cokg.namespaces import (
    BASE,
    COKG,
    DCTERMS,
    FRAMEWORK,
    ONTOLOGY_IRI,
    PREFIXES,
    RDF,
    RDFS,
    curie,
)
from cokg.query import open_for_call, run_query
from cokg.store import Store

__all__ = [
    "DATASET",
    "LICENSE",
    "LINK_PREDICATES",
    "MEDIA_TYPES",
    "SOFTWARE",
    "TITLE",
    "creators",
    "serialize_void",
    "void_bytes",
    "void_description",
    "write_void",
]

DATASET = URIRef(BASE + "dataset")  # the whole graph, as a dataset
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")  # the data's licence
SOFTWARE = URIRef(BASE + "software/cokg")  # cokg itself, as the agent that writes exports
TITLE = "cokg: the coproduction knowledge graph"
DESCRIPTION = (
    "Implementation-science case studies of coproduced public-service innovations as a linked, "
    "validated knowledge graph: studies and cases, innovations and their changes, context, "
    "organisations and their roles, phases and timeline events, findings coded to the "
    "constructs of implementation-science frameworks (CFIR and others, as SKOS concept "
    "schemes), the evidence behind them and the provenance of every submission. One named "
    "graph per source file or submission."
)
# Vocabularies whose terms are used as values (a SKOS mapping property as a mapping's predicate,
# oa:classifying as a coding's motivation): not links to other data.
_VOCABULARIES = (
    *(PREFIXES[p] for p in ("prov", "skos", "dcterms", "rdf", "rdfs", "owl", "xsd", "time", "sh")),
    "http://www.w3.org/ns/oa#",
    "http://purl.org/dc/elements/1.1/",
)

# The properties that link the data to other datasets (VoID's linksets): identity and SKOS
# matches, the Wikidata link, and the data's links into the framework schemes. Anything else
# pointing outside - a licence, a curator's ORCID iD, a mapping record's subject - is a value.
LINK_PREDICATES = frozenset(
    {
        OWL.sameAs,
        COKG.wikidataItem,
        *(SKOS[n] for n in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch",
                            "relatedMatch")),
        COKG.codedTo,
        COKG.usesFramework,
        COKG.ratedConstruct,
        COKG.outcomeAspect,
    }
)  # fmt: skip


def void_description(store: Store | str | Path | None) -> Graph:
    """The VoID and DCAT description of the graph in `store` (a Store, a store spec, or None for
    the default store): one void:Dataset and dcat:Dataset with its counts, class partitions and
    linksets, licence, title and description."""
    st, opened = open_for_call(store)
    try:
        return _describe(st)
    finally:
        if opened:
            st.close()


# The syntaxes the description is written in: media type -> rdflib format, and file suffixes.
MEDIA_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}
SUFFIXES = {
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
    ".json": "application/ld+json",
    ".nt": "application/n-triples",
    ".rdf": "application/rdf+xml",
}


def serialize_void(graph: Graph, media_type: str = "text/turtle") -> bytes:
    """A description (`void_description`) as `media_type` (one of MEDIA_TYPES), UTF-8."""
    fmt = MEDIA_TYPES.get(media_type)
    if fmt is None:
        raise ParameterError(
            f"cannot write the description as {media_type!r}; use {', '.join(MEDIA_TYPES)}"
        )
    if fmt == "json-ld":  # compacted with the bound prefixes the terms use: nothing to fetch
        used = {str(t) for triple in graph for t in triple if isinstance(t, URIRef)}
        context = {
            p: str(ns)
            for p, ns in sorted(graph.namespaces())
            if p and any(iri.startswith(str(ns)) for iri in used)
        }
        return graph.serialize(format=fmt, context=context, indent=2, encoding="utf-8")
    return graph.serialize(format=fmt, encoding="utf-8")


def void_bytes(store: Store | str | Path | None, media_type: str = "text/turtle") -> bytes:
    """The description of the graph in `store`, written as `media_type` (Turtle by default)."""
    if media_type not in MEDIA_TYPES:  # refused before any query runs
        serialize_void(Graph(), media_type)
    return serialize_void(void_description(store), media_type)


def write_void(store: Store | str | Path | None, out: Path) -> int:
    """Write the description of the graph in `store` to `out`, in the syntax its suffix names
    (.ttl Turtle, .jsonld JSON-LD, .nt N-Triples, .rdf RDF/XML); returns the bytes written."""
    out = Path(out)
    media_type = SUFFIXES.get(out.suffix.lower())
    if media_type is None:
        raise ParameterError(
            f"{out.name}: name the file .ttl, .jsonld, .nt or .rdf to say which syntax to write"
        )
    data = void_bytes(store, media_type)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return len(data)


def _describe(store: Store) -> Graph:
    g = Graph()
    for prefix, ns in (("void", VOID), ("dcat", DCAT), ("dcterms", DCTERMS)):
        g.bind(prefix, ns)
    for prefix in ("cokg", "skos", "rdfs", "owl", "prov", "wd"):
        g.bind(prefix, PREFIXES[prefix])
    d = DATASET
    g.add((d, RDF.type, VOID.Dataset))
    g.add((d, RDF.type, DCAT.Dataset))
    g.add((d, DCTERMS.title, Literal(TITLE, lang="en")))
    g.add((d, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    g.add((d, DCTERMS.license, LICENSE))
    g.add((d, VOID.uriSpace, Literal(PREFIXES["cokgid"])))
    g.add((d, VOID.vocabulary, URIRef(ONTOLOGY_IRI)))
    g.bind("foaf", FOAF)
    for name in creators(store):  # an agent, as dcterms:creator's range asks, not a text
        agent = URIRef(f"{DATASET}/creator/{_key(name)}")
        g.add((d, DCTERMS.creator, agent))
        g.add((agent, RDF.type, FOAF.Agent))
        g.add((agent, FOAF.name, Literal(name)))

    counts = run_query("void-counts", store=store).rows[0]
    for prop, column in (
        (VOID.triples, "triples"),
        (VOID.distinctSubjects, "subjects"),
        (VOID.properties, "properties"),
        (VOID.classes, "classes"),
    ):
        g.add((d, prop, Literal(int(counts[column]), datatype=XSD.integer)))

    for row in run_query("void-classes", store=store):
        cls = row.terms["class"]
        if not isinstance(cls, URIRef):
            continue  # a class that is a blank node names nothing outside this graph
        part = URIRef(f"{DATASET}/class/{_key(_name(str(cls)))}")
        g.add((d, VOID.classPartition, part))
        g.add((part, VOID["class"], cls))
        g.add((part, VOID.entities, Literal(int(row["entities"]), datatype=XSD.integer)))

    for row in run_query("void-framework-links", store=store):
        if URIRef(str(row["predicate"])) not in LINK_PREDICATES:
            continue  # a mapping record's cokg:subject: part of the record, not a link
        scheme = str(row["scheme"])
        name = scheme[len(str(FRAMEWORK)) :]
        target = URIRef(f"{DATASET}/framework/{_key(name)}")
        g.add((target, RDF.type, VOID.Dataset))
        g.add((target, VOID.rootResource, URIRef(scheme)))
        g.add((target, VOID.uriSpace, Literal(scheme + "/")))
        if row["title"]:
            g.add((target, DCTERMS.title, Literal(row["title"])))
        _linkset(g, target, name, URIRef(str(row["predicate"])), int(row["links"]))

    external: dict[tuple[str, str], int] = defaultdict(int)
    for row in run_query("void-external-links", store=store):
        target_iri = str(row["target"])
        if target_iri.startswith(_VOCABULARIES) or URIRef(str(row["predicate"])) not in (
            LINK_PREDICATES
        ):
            continue
        external[(_site(target_iri), str(row["predicate"]))] += int(row["links"])
    for (site, predicate), links in sorted(external.items()):
        name = re.sub(r"[^A-Za-z0-9.]+", "-", site).strip("-")  # http-www.wikidata.org
        target = URIRef(f"{DATASET}/external/{name}")
        g.add((target, RDF.type, VOID.Dataset))
        g.add((target, VOID.uriSpace, Literal(site)))
        _linkset(g, target, name, URIRef(predicate), links)
    return g


def creators(store: Store) -> list[str]:
    """The names of the creators the store records for its studies and source documents
    (dcterms:creator: a name, or an agent's label), in order, each once; none for the founding
    data, whose article's authors are not part of the supplied text."""
    names: list[str] = []
    for row in run_query("void-sources", store=store):
        creator = row.terms.get("creator")
        if creator is None:
            continue
        name = row["creator_name"] or (str(creator) if isinstance(creator, Literal) else None)
        if name and name not in names:
            names.append(name)
    return names


def _linkset(g: Graph, target: URIRef, target_key: str, predicate: URIRef, links: int) -> None:
    linkset = URIRef(f"{DATASET}/linkset/{_key(target_key)}/{_key(_name(str(predicate)))}")
    g.add((DATASET, VOID.subset, linkset))
    g.add((linkset, RDF.type, VOID.Linkset))
    g.add((linkset, VOID.subjectsTarget, DATASET))
    g.add((linkset, VOID.objectsTarget, target))
    g.add((linkset, VOID.linkPredicate, predicate))
    g.add((linkset, VOID.triples, Literal(links, datatype=XSD.integer)))
    g.add((linkset, RDFS.label, Literal(f"{curie(str(predicate))} links to {target_key}")))


def _site(iri: str) -> str:
    """The site an IRI belongs to: scheme and host (http://www.wikidata.org/), else the scheme
    (urn:)."""
    parts = urlsplit(iri)
    if parts.netloc:
        return f"{parts.scheme}://{parts.netloc}/"
    return f"{parts.scheme}:"


_SAFE = re.compile(r"^[A-Za-z0-9._~:-]+$")


def _name(iri: str) -> str:
    """The prefixed name of an IRI with one of the project's prefixes, else the IRI itself
    (never `<...>`, which would be percent-encoded brackets in a partition's IRI)."""
    name = curie(iri)
    return iri if name.startswith("<") else name


def _key(text: str) -> str:
    """`text` as one IRI path segment: as it is when it is already safe, else percent-encoded."""
    return text if _SAFE.match(text) else quote(text, safe="")
