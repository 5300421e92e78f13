"""The integer types the ontology declares, given back to values the engine stored as
xsd:integer: standard library and pyoxigraph only, so that a query worker
(`cokg.serve.pool`) can use it without importing rdflib.

The engine keeps every XSD integer subtype as xsd:integer ("8"^^xsd:nonNegativeInteger is
stored as "8"^^xsd:integer). What cokg hands out as a record (exports, backups, the served
Linked Data pages) says what the data said: each value of a property whose rdfs:range is a
narrower integer type gets that type back when it fits it, so that cokg's shapes, run by
anyone else's SHACL processor over the record, find the datatypes they ask for.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TypeVar

import pyoxigraph as ox

__all__ = ["INTEGER_TYPES", "declared_type", "declared_types", "restore_declared_types"]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER = _XSD + "integer"
# The XSD types the engine keeps as xsd:integer ("8"^^xsd:nonNegativeInteger is stored as
# "8"^^xsd:integer), with the values each admits.
INTEGER_TYPES: dict[str, tuple[int | None, int | None]] = {
    "nonNegativeInteger": (0, None), "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0), "negativeInteger": (None, -1),
    "long": (-(2**63), 2**63 - 1), "int": (-(2**31), 2**31 - 1), "short": (-32768, 32767),
    "byte": (-128, 127), "unsignedLong": (0, 2**64 - 1), "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 65535), "unsignedByte": (0, 255),
}  # fmt: skip
RANGE = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#range")

Statement = TypeVar("Statement", ox.Quad, ox.Triple)


def declared_types(store: ox.Store | Iterable[ox.Quad]) -> dict[ox.NamedNode, ox.NamedNode]:
    """Property -> the integer type its rdfs:range declares (cokg:position ->
    xsd:positiveInteger), as the ontology in the store (or among the quads) states it."""
    out: dict[ox.NamedNode, ox.NamedNode] = {}
    if isinstance(store, ox.Store):
        ranges: Iterable[ox.Quad] = store.quads_for_pattern(None, RANGE, None, None)
    else:
        ranges = (q for q in store if q.predicate == RANGE)
    for q in ranges:
        if (
            isinstance(q.subject, ox.NamedNode)
            and isinstance(q.object, ox.NamedNode)
            and q.object.value.startswith(_XSD)
            and q.object.value[len(_XSD) :] in INTEGER_TYPES
        ):
            out[q.subject] = q.object
    return out


def declared_type(lexical: str, datatype: str, wanted: str | None) -> str | None:
    """The declared integer type `wanted` (an IRI) for a value the engine gives as
    `"lexical"^^datatype`, when that is xsd:integer and the value fits `wanted`; else None
    (the value is left as it is: another type, or out of the declared type's range)."""
    if wanted is None or datatype != _INTEGER or not wanted.startswith(_XSD):
        return None
    bounds = INTEGER_TYPES.get(wanted[len(_XSD) :])
    if bounds is None:
        return None
    try:
        n = int(lexical)
    except ValueError:
        return None
    low, high = bounds
    return wanted if (low is None or n >= low) and (high is None or n <= high) else None


def restore_declared_types(
    statements: Iterable[Statement], declared: Mapping[ox.NamedNode, ox.NamedNode]
) -> Iterator[Statement]:
    """`statements` (quads or triples), each xsd:integer value of a property declared with a
    narrower integer type given that type back when the value fits it. The engine stores every
    integer type as xsd:integer, so an export said "8"^^xsd:integer where the data (and the
    shapes, checked by anyone else's SHACL processor) said xsd:nonNegativeInteger."""
    for q in statements:
        o = q.object
        if isinstance(o, ox.Literal) and isinstance(q.predicate, ox.NamedNode):
            wanted = declared.get(q.predicate)
            restored = declared_type(o.value, o.datatype.value, wanted and wanted.value)
            if restored is not None:
                literal = ox.Literal(o.value, datatype=ox.NamedNode(restored))
                if isinstance(q, ox.Quad):
                    q = ox.Quad(q.subject, q.predicate, literal, q.graph_name)
                else:
                    q = ox.Triple(q.subject, q.predicate, literal)
        yield q
