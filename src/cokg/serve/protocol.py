"""SPARQL 1.1 Protocol helpers: screening query text and choosing a response media type.

The server runs these before any text reaches a worker.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from cokg.errors import ParameterError
from cokg.sparql import Screened, screen


def screen_request(text: str) -> Screened:
    """Parse a request's query and refuse updates, SERVICE, LOAD and deep nesting
    (`cokg.sparql.screen`) before any text reaches a worker. FROM / FROM NAMED are allowed:
    the workers' engine resolves them against its own dataset and has no network at all."""
    return screen(text, allow_dataset=True)


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
# Aliases clients commonly send, with what each stands for among the types we write. An alias
# may stand for a result type and a graph type at once: `Accept: application/json` asks for
# SPARQL JSON results from a SELECT and for JSON-LD from a CONSTRUCT.
ALIASES: dict[str, tuple[str, ...]] = {
    "application/json": ("application/sparql-results+json", "application/ld+json"),
    "application/xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "text/xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "application/x-turtle": ("text/turtle",),
    "text/plain": ("application/n-triples",),
    "application/json-ld": ("application/ld+json",),
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
    """(media range, q, specificity) for each entry of an Accept header; '*/*' when absent.

    Specificity: 2 for a full type, 1 for `type/*`, 0 for `*/*`. A q-value above 1 counts as 1;
    one that is not a number (or NaN) as 0, not acceptable."""
    if not header or not header.strip():
        return [("*/*", 1.0, 0)]
    out = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media or "/" not in media:
            continue
        q = 1.0
        for f in fields[1:]:
            name, _, value = f.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
                q = 0.0 if q != q else max(0.0, min(1.0, q))  # q != q: NaN
        spec = 0 if media == "*/*" else 1 if media.endswith("/*") else 2
        out.append((media, q, spec))
    return out


def _match(offered: str, media: str, spec: int) -> int:
    """How closely a media range names `offered`: 3 exactly, 2 by an alias, 1 as `type/*`,
    0 as `*/*`; -1 not at all."""
    if media == offered:
        return 3
    if spec == 2:
        return 2 if offered in ALIASES.get(media, ()) else -1
    if spec == 1:
        return 1 if offered.startswith(media[:-1]) else -1
    return 0


def _quality(offered: str, accept: list[tuple[str, float, int]]) -> float:
    """The q the client gives `offered`: that of the closest range naming it (so an exact
    `application/ld+json;q=0` wins over the alias `application/json`)."""
    best_level, best_q = -1, 0.0
    for media, q, spec in accept:
        level = _match(offered, media, spec)
        if level > best_level or (level == best_level >= 0 and q > best_q):
            best_level, best_q = level, q
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

    Tables and booleans (SELECT, ASK) and graphs (CONSTRUCT, DESCRIBE) are negotiated apart,
    since which one a query returns is known only once it is parsed: `Accept: text/turtle`
    gives (None, "text/turtle"), so a CONSTRUCT is answered and a SELECT gets 406.

    An explicit `format=` wins over Accept (an unknown name gives (None, None)). HTML is chosen
    only when the client names it (a browser), never through `*/*`.
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
    ranges = parse_accept(accept)
    res = negotiate(accept, RESULT_TYPES)
    gra = negotiate(accept, GRAPH_TYPES)
    if html and any(m == HTML and q > 0 for m, q, _ in ranges):
        html_q = _quality(HTML, ranges)
        # A browser sends text/html at q=1 and */* lower: HTML wins unless a data type ties it.
        res_q = _quality(res, ranges) if res else 0.0
        gra_q = _quality(gra, ranges) if gra else 0.0
        return (HTML if html_q >= res_q else res), (HTML if html_q >= gra_q else gra)
    return res, gra


def unknown_format(format_name: str | None) -> str | None:
    """A short message when `format=` names no format we write, else None."""
    if format_name and format_name.lower() not in FORMAT_NAMES:
        return f"unknown format {format_name!r}; formats: {', '.join(FORMAT_NAMES)}"
    return None


# -- the request's dataset and base IRI ----------------------------------------------------

FALLBACK_BASE = "http://localhost/sparql"
_SAFE_BASE = re.compile(r"https?://[A-Za-z0-9.\-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~\-]*)*")
_POSITION = re.compile(r"\b(error at |at line )(\d+)(:|, column )(\d+)")


def graph_iris(values: list[str] | None, parameter: str) -> list[str] | None:
    """The IRIs of a `default-graph-uri` or `named-graph-uri` parameter, each checked to be an
    absolute IRI (ParameterError with a short message otherwise); None when not given."""
    if not values:
        return None
    for v in values:
        try:
            ox.NamedNode(v)
        except ValueError:
            shown = v if len(v) <= 80 else v[:77] + "..."
            raise ParameterError(f"{parameter} must be an absolute IRI, not {shown!r}") from None
    return list(values)


def service_base(url: str) -> str:
    """The base IRI relative IRIs in a query resolve against: the endpoint's own URL (the
    SPARQL 1.1 Protocol lets the service define it, "which MAY be the service endpoint").

    The URL comes from the request (its Host header): only a plain http(s) URL is used, so
    nothing a client sends can break out of the `BASE <...>` it is written into."""
    url = url.split("?", 1)[0].split("#", 1)[0]
    return url if _SAFE_BASE.fullmatch(url) else FALLBACK_BASE


def with_base(text: str, base: str) -> str:
    """The query with a BASE declaration in front (a later BASE in the query itself wins)."""
    return f"BASE <{base}>\n{text}"


def unshift_positions(message: str) -> str:
    """An engine message about a text given to `with_base`, with its line numbers put back
    where the client's own text has them (one line less)."""
    return _POSITION.sub(lambda m: f"{m[1]}{max(1, int(m[2]) - 1)}{m[3]}{m[4]}", message)
