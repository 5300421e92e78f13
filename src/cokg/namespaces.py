"""Namespaces used across cokg. IRIs are built here, nowhere else."""

from __future__ import annotations

import functools
import logging
import re
import warnings

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, TIME, XSD


class _DropCastNoise(logging.Filter):
    """rdflib logs a traceback for every literal it cannot convert to a Python value (a
    steward's "3.5" typed xsd:integer); cokg reports such literals itself, as violations, so
    the traceback is only noise, on the stderr of anyone who reads a submission with cokg."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to convert Literal lexical form")


# Here, in the module every part of cokg imports: whichever reads user data first (the
# template reader, the validator) finds it in place.
logging.getLogger("rdflib.term").addFilter(_DropCastNoise())
warnings.filterwarnings("ignore", message="Parsing weird boolean", category=UserWarning)

BASE = "https://w3id.org/cokg/"
COKG = Namespace(BASE + "ontology#")
COKGID = Namespace(BASE + "id/")
COKGG = Namespace(BASE + "graph/")
FRAMEWORK = Namespace(BASE + "framework/")
# the cokg:ConceptMapping records: the frameworks' own and those of imported mapping sets
MAPPINGS = Namespace(BASE + "framework/mappings/")
CFIR09 = Namespace(BASE + "framework/cfir-2009/")
CFIR22 = Namespace(BASE + "framework/cfir-2022/")
GDOI = Namespace(BASE + "framework/greenhalgh-2004/")
LOZEAU = Namespace(BASE + "framework/lozeau-2002/")
FRAME = Namespace(BASE + "framework/study-frame/")
CFIROUT = Namespace(BASE + "framework/cfir-outcomes/")
PROCTOR = Namespace(BASE + "framework/proctor-2011/")
REAIM = Namespace(BASE + "framework/re-aim/")
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
    "cfirout": str(CFIROUT),
    "proctor": str(PROCTOR),
    "reaim": str(REAIM),
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


_PREFIX_OF = {ns: prefix for prefix, ns in PREFIXES.items()}


def sparql_prologue() -> str:
    """PREFIX lines for every namespace above, for queries written in code."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


# The local part of a SPARQL / Turtle prefixed name (PN_LOCAL, without backslash escapes).
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
    "\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
    "\U00010000-\U000effff"
)
_PN_CHARS = _PN_CHARS_BASE + "_\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = "%[0-9A-Fa-f]{2}"


# Built on first use, and for an ASCII local part from the classes' ASCII part alone (the same
# answer there): compiled whole, each costs 6 ms at start-up (a table of every code point).
@functools.cache
def _local_name(slashes: bool, ascii_only: bool) -> re.Pattern[str]:
    extra = "/" if slashes else ""
    base, chars = ("A-Za-z", "A-Za-z_\\-0-9") if ascii_only else (_PN_CHARS_BASE, _PN_CHARS)
    first = f"(?:[{base}_:0-9{extra}]|{_PLX})"
    inner = f"(?:[{chars}.:{extra}]|{_PLX})"
    last = f"(?:[{chars}:{extra}]|{_PLX})"
    return re.compile(f"(?:{first}(?:{inner}*{last})?)?")


def curie(iri: str, *, slashes: bool = False) -> str:
    """`iri` as a prefixed name with the longest of PREFIXES that fits (cokg:Case), else
    `<iri>`. What follows the prefix must be a valid local part of a SPARQL / Turtle prefixed
    name, so the result can be pasted into a query. `slashes=True` also lets it hold "/"
    (cokgid:case/dundee-mrr): for messages and pages people read, not for SPARQL."""
    best = ""
    for ns in PREFIXES.values():
        if iri.startswith(ns) and len(ns) > len(best):
            best = ns
    if best:
        local = iri[len(best) :]
        if _local_name(slashes, local.isascii()).fullmatch(local):
            return f"{_PREFIX_OF[best]}:{local}"
    return f"<{iri}>"


def graph_iri(name: str) -> str:
    """Named-graph IRI for a data file stem, ontology module or submission id."""
    return str(COKGG) + name


__all__ = [
    "BASE",
    "CFIR09",
    "CFIR22",
    "CFIROUT",
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
    "PROCTOR",
    "PROV",
    "RDF",
    "RDFS",
    "REAIM",
    "SCHEMA",
    "SH",
    "SKOS",
    "WD",
    "XSD",
    "curie",
    "graph_iri",
    "sparql_prologue",
]
