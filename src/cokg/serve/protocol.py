"""SPARQL 1.1 Protocol helpers: screening query text and choosing a response media type.

The server runs these before any text reaches a worker.
"""

from __future__ import annotations

from cokg.errors import NetworkRefused
from cokg.store import fetching_keywords


def refuse_network(text: str) -> None:
    """Raise NetworkRefused when the text asks for SERVICE or LOAD (both fetch from the network).

    The scan is the store's (`cokg.store.fetching_keywords`): one implementation of this guard.
    FROM is allowed here: the endpoint's engine reads it from its own dataset, never the web.
    """
    found = fetching_keywords(text) & {"SERVICE", "LOAD"}
    if found:
        raise NetworkRefused(
            f"{min(found)} is refused: this endpoint never fetches from the network"
        )


# -- content negotiation -----------------------------------------------------------------

HTML = "text/html"
RESULT_TYPES = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
]
GRAPH_TYPES = [
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
]
# Aliases clients commonly send, mapped onto what we write.
ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
    "application/x-turtle": "text/turtle",
    "text/plain": "application/n-triples",
    "application/json-ld": "application/ld+json",
}
# `?format=` shortcuts (for links and browsers, which cannot set Accept).
FORMAT_NAMES = {
    "json": ["application/sparql-results+json", "application/ld+json"],
    "xml": ["application/sparql-results+xml", "application/rdf+xml"],
    "csv": ["text/csv"],
    "tsv": ["text/tab-separated-values"],
    "ttl": ["text/turtle"],
    "turtle": ["text/turtle"],
    "nt": ["application/n-triples"],
    "ntriples": ["application/n-triples"],
    "rdfxml": ["application/rdf+xml"],
    "jsonld": ["application/ld+json"],
    "html": [HTML],
}


def parse_accept(header: str | None) -> list[tuple[str, float, int]]:
    """(media range, q, specificity) for each entry of an Accept header; '*/*' when absent."""
    if not header or not header.strip():
        return [("*/*", 1.0, 0)]
    out = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = max(0.0, min(1.0, float(f[2:])))
                except ValueError:
                    q = 0.0
        media = ALIASES.get(media, media)
        spec = 0 if media == "*/*" else 1 if media.endswith("/*") else 2
        out.append((media, q, spec))
    return out


def _quality(offered: str, accept: list[tuple[str, float, int]]) -> float:
    best_spec, best_q = -1, 0.0
    for media, q, spec in accept:
        if (
            media == offered or media == "*/*" or (spec == 1 and offered.startswith(media[:-1]))
        ) and spec > best_spec:
            best_spec, best_q = spec, q
    return best_q


def negotiate(accept: str | None, offered: list[str]) -> str | None:
    """The offered media type the client prefers most (ties: the first offered), or None."""
    ranges = parse_accept(accept)
    best, best_q = None, 0.0
    for media in offered:
        q = _quality(media, ranges)
        if q > best_q:
            best, best_q = media, q
    return best


def choose(
    accept: str | None, format_name: str | None, *, html: bool
) -> tuple[str | None, str | None]:
    """(media type for tables/booleans, media type for graphs); `html` offers text/html first-class.

    An explicit `format=` wins over Accept. HTML is chosen only when the client names it (a
    browser), never through `*/*`.
    """
    if format_name:
        wanted = FORMAT_NAMES.get(format_name.lower())
        if not wanted:
            return None, None
        if wanted == [HTML]:
            return HTML, HTML
        res = next((m for m in wanted if m in RESULT_TYPES), None)
        gra = next((m for m in wanted if m in GRAPH_TYPES), None)
        return res, gra
    if html and accept and any(m == HTML and q > 0 for m, q, _ in parse_accept(accept)):
        ranges = parse_accept(accept)
        html_q = _quality(HTML, ranges)
        res = negotiate(accept, RESULT_TYPES)
        gra = negotiate(accept, GRAPH_TYPES)
        # A browser sends text/html at q=1 and */* lower: HTML wins unless a data type ties it.
        res_q = _quality(res, ranges) if res else 0.0
        gra_q = _quality(gra, ranges) if gra else 0.0
        return (HTML if html_q >= res_q else res), (HTML if html_q >= gra_q else gra)
    return negotiate(accept, RESULT_TYPES), negotiate(accept, GRAPH_TYPES)
