"""Namespaces used across cokg. IRIs are built here, nowhere else."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, TIME, XSD

BASE = "https://w3id.org/cokg/"
COKG = Namespace(BASE + "ontology#")
COKGID = Namespace(BASE + "id/")
COKGG = Namespace(BASE + "graph/")
FRAMEWORK = Namespace(BASE + "framework/")
CFIR09 = Namespace(BASE + "framework/cfir-2009/")
CFIR22 = Namespace(BASE + "framework/cfir-2022/")
GDOI = Namespace(BASE + "framework/greenhalgh-2004/")
LOZEAU = Namespace(BASE + "framework/lozeau-2002/")
FRAME = Namespace(BASE + "framework/study-frame/")
SCHEMA = Namespace("https://schema.org/")
WD = Namespace("http://www.wikidata.org/entity/")

ONTOLOGY_IRI = BASE + "ontology"

PREFIXES: dict[str, str] = {
    "cokg": str(COKG),
    "cokgid": str(COKGID),
    "cokgg": str(COKGG),
    "cfir09": str(CFIR09),
    "cfir22": str(CFIR22),
    "gdoi": str(GDOI),
    "lozeau": str(LOZEAU),
    "frame": str(FRAME),
    "schema": str(SCHEMA),
    "wd": str(WD),
    "prov": str(PROV),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "time": str(TIME),
    "sh": str(SH),
}


def sparql_prologue() -> str:
    """PREFIX lines for every namespace above, for queries written in code."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def graph_iri(name: str) -> str:
    """Named-graph IRI for a data file stem, ontology module or submission id."""
    return str(COKGG) + name


__all__ = [
    "BASE",
    "CFIR09",
    "CFIR22",
    "COKG",
    "COKGG",
    "COKGID",
    "DCTERMS",
    "FRAME",
    "FRAMEWORK",
    "GDOI",
    "LOZEAU",
    "ONTOLOGY_IRI",
    "OWL",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SH",
    "SKOS",
    "WD",
    "XSD",
    "graph_iri",
    "sparql_prologue",
]
