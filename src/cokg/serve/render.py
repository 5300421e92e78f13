"""Small HTML builders. Every piece of data passes through `esc` (html.escape) exactly once."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from string import Template
from typing import Any
from urllib.parse import quote, urlencode

from rdflib.term import BNode, Literal, Node, URIRef

from cokg import namespaces
from cokg.namespaces import COKGID, OWL, RDF, RDFS, XSD

ID_BASE = str(COKGID)


# Characters HTML has no business showing (a parse error in a page): shown as \x1b instead.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def esc(value: object) -> str:
    text = "" if value is None else str(value)
    text = _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text)
    return html.escape(text, quote=True)


@cache
def template_text(name: str) -> str:
    return (resources.files("cokg") / "templates" / name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Navigation:
    """The served store's cases, for every page's navigation and the case drop-downs: (case
    id, label) in case-number order, and case number -> case id for the numbers that name one
    case (two studies may each have a case 1)."""

    links: tuple[tuple[str, str], ...] = ()
    numbers: Mapping[str, str] = field(default_factory=dict)
    studies: tuple[tuple[str, str], ...] = ()  # (study id, label), for the study drop-downs


# The navigation of the request being answered: set for each request by the application
# (`cokg.serve.app`) from the data the request is answered from, so a case ingested while the
# server runs is listed, and two applications in one process keep theirs apart.
NO_NAVIGATION = Navigation()
NAVIGATION: ContextVar[Navigation] = ContextVar("cokg_navigation", default=NO_NAVIGATION)


def page(title: str, body: str, *, alternates: Sequence[tuple[str, str]] = ()) -> str:
    """A whole page: `title` is plain text (escaped here), `body` is HTML already built;
    `alternates` (media type, href) are announced as `<link rel="alternate">` in its head."""
    links = "\n".join(
        f'<a href="/case/{quote(cid)}" title="{esc(label)}">{esc(label.split(" (")[0])}</a>'
        for cid, label in NAVIGATION.get().links
    )
    heads = "".join(
        f'\n<link rel="alternate" type="{esc(media)}" href="{esc(href)}">'
        for media, href in alternates
    )
    return Template(template_text("page.html")).substitute(
        title=esc(title), body=body, case_links=links, alternates=heads
    )


# The RDF a resource's page is also served as: (media type, `?format=` name, what to call it).
RDF_FORMATS = (
    ("text/turtle", "ttl", "Turtle"),
    ("application/ld+json", "jsonld", "JSON-LD"),
    ("application/n-triples", "nt", "N-Triples"),
    ("application/rdf+xml", "rdfxml", "RDF/XML"),
)


def served_href(iri: str) -> str:
    """Where this server describes an IRI: /id/... for our data individuals, /resource?iri=
    for any other (the core vocabularies' terms too, which `href_for` links to at their own
    address, where no `?format=` is served)."""
    if iri.startswith(ID_BASE) and len(iri) > len(ID_BASE):
        return href_for(iri)
    return "/resource?" + urlencode({"iri": iri})


def rdf_alternates(iri: str) -> list[tuple[str, str]]:
    """(media type, href) of each RDF format this server gives the resource `iri` in."""
    base = served_href(iri)
    sep = "&" if "?" in base else "?"
    return [(media, f"{base}{sep}format={name}") for media, name, _ in RDF_FORMATS]


def alternates_header(alternates: Sequence[tuple[str, str]]) -> dict[str, str]:
    """The `Link` header announcing `alternates` (RFC 8288), for clients that read no HTML."""
    if not alternates:
        return {}
    links = (f'<{href}>; rel="alternate"; type="{media}"' for media, href in alternates)
    return {"Link": ", ".join(links)}


def also_as(iri: str) -> str:
    """The line under a resource's title: its IRI, and links to it in RDF (served here)."""
    links = " · ".join(
        f'<a href="{esc(href)}">{esc(label)}</a>'
        for (_, href), (_, _, label) in zip(rdf_alternates(iri), RDF_FORMATS, strict=True)
    )
    return f'<p class="muted"><code>{esc(iri)}</code> · also as {links}</p>'


# The W3C's core vocabularies: the store says nothing about their terms (rdf:type,
# rdfs:label, owl:imports ...), so a link to /resource found nothing (404); their own pages
# describe them.
_CORE = tuple(str(ns) for ns in (RDF, RDFS, OWL, XSD))


def href_for(iri: str) -> str:
    """Where an IRI is shown: our data individuals under /id/, the core vocabularies' terms at
    their own address, anything else via /resource."""
    if iri.startswith(ID_BASE) and len(iri) > len(ID_BASE):
        return "/id/" + quote(iri[len(ID_BASE) :], safe="/:@!$&'()*+,;=-._~")
    if iri.startswith(_CORE):
        return iri
    return "/resource?" + urlencode({"iri": iri})


_CODE = re.compile(r"`([^`\n]+)`")


def prose(text: str) -> str:
    """A query's description (plain text with `code` spans, as the headers write them) as
    HTML: escaped, the spans as <code> (the home page showed the backticks)."""
    return _CODE.sub(r"<code>\1</code>", esc(text))


def curie(iri: str) -> str:
    """A compact name for display (cokg:Case, cokgid:case/dundee-mrr), else the IRI itself."""
    name = namespaces.curie(iri, slashes=True)
    return iri if name.startswith("<") else name


def term_html(term: Node | None, label: str | None = None) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        text = label or curie(str(term))
        return f'<a href="{esc(href_for(str(term)))}">{esc(text)}</a>'
    if isinstance(term, BNode):
        return f'<span class="muted">_:{esc(term)}</span>'
    if isinstance(term, Literal) and term.language:
        return f'<span lang="{esc(term.language)}">{esc(term)}</span>'
    return esc(term)


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    caption: str | None = None,
    cls: str = "",
    row_headers: bool = False,
) -> str:
    """A semantic table; cells are HTML already built (use esc/term_html). With `row_headers`
    the first cell of each row is its header (`<th scope="row">`). With no headers at all
    (`SELECT * WHERE { }` selects no variable) there is no table to draw: a note says so."""
    if not headers:
        return '<p class="muted">No columns: the query selects no variables.</p>'
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)

    def cells(row: Sequence[str]) -> str:
        out = []
        for i, c in enumerate(row):
            out.append(f'<th scope="row">{c}</th>' if row_headers and i == 0 else f"<td>{c}</td>")
        return "".join(out)

    body = "".join(f"<tr>{cells(row)}</tr>" for row in rows)
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    klass = f' class="{esc(cls)}"' if cls else ""
    return (
        f'<div class="scroll"><table{klass}>{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def truncation_note(limit: int) -> str:
    return (
        f'<p class="note" role="status" id="truncated"><strong>Truncated:</strong> only the first '
        f"{limit} results are shown (the server's result limit).</p>"
    )


def error_box(message: str) -> str:
    return f'<p class="error" role="alert">{esc(message)}</p>'


def bullets(items: Sequence[str]) -> str:
    """Cells holding several values become a list; items are HTML already built."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def term_rows(result: Any) -> list[Mapping[str, Node | None]]:
    """Rows as RDF terms by variable, from a store's QueryResult or a saved query's answer."""
    return [getattr(r, "terms", r) for r in result.rows]


def result_html(
    result: Any,
    *,
    truncated_at: int | None = None,
    columns: Sequence[str] | None = None,
    count: str | None = None,
) -> str:
    """A query's answer as a table (a yes/no for ASK, triples for a graph), with the
    truncation note when it was cut at `truncated_at` results; `columns`: those shown;
    `count`: HTML said above the table instead of "N rows" (a page's place in the answer)."""
    note = truncation_note(truncated_at) if truncated_at is not None else ""
    if result.kind == "ask":
        return note + f"<p>Answer: <strong>{'yes' if result.boolean else 'no'}</strong></p>"
    if result.kind == "graph":
        rows = [[term_html(s), term_html(p), term_html(o)] for s, p, o in result.triples or []]
        count = f'<p class="muted">{len(rows)} triples</p>'
        return note + count + table(["subject", "predicate", "object"], rows)
    cols = list(columns or result.variables)
    rows = [[term_html(r.get(v)) for v in cols] for r in term_rows(result)]
    if count is None:
        count = f'<p class="muted">{len(rows)} rows</p>'
    return note + count + table(cols, rows, cls="results")
