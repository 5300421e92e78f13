"""The documentation as pages: each page's title and body read from a store, framed either as a
page of the web server (`served=True`: its navigation and stylesheet) or as a self-contained
file (the stylesheet inline, links between the files), and `write_docs` writing them all."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING

from rdflib.term import URIRef

from cokg.docs.html import OntologyPage, SchemePage, Site, file_name, index_body
from cokg.docs.read import (
    FrameworksDoc,
    OntologyDoc,
    Queries,
    Scheme,
    read_frameworks,
    read_ontology,
    read_schemes,
    reading,
)
from cokg.errors import ParameterError
from cokg.namespaces import DCTERMS
from cokg.query import get_query
from cokg.serve import render
from cokg.serve.render import esc

if TYPE_CHECKING:
    from cokg.store import Store

INDEX_TITLE = "Ontology and framework documentation"

# A file page: the site's stylesheet inline, so that opening it fetches nothing.
FILE_PAGE = Template("""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title · cokg</title>
<style>
$style</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<nav aria-label="Site">
<a href="$index" class="brand">cokg</a>
<a href="$index">Documentation</a>
<a href="$ontology">Ontology</a>
</nav>
</header>
<main id="main">
<h1>$title</h1>
$body
</main>
<footer><p>The coproduction knowledge graph: implementation-science case studies as linked data.
These pages were generated from the knowledge graph's ontology and framework schemes.</p></footer>
</body>
</html>
""")


class UnknownScheme(ParameterError):
    """No concept scheme of that name (or IRI) in the store."""


@dataclass(frozen=True)
class Doc:
    """A documentation page before it is framed: its title (plain text) and body (HTML)."""

    title: str
    body: str


def frame(doc: Doc, site: Site) -> str:
    """The whole page: the server's (navigation, /style.css) or a self-contained file."""
    if site.served:
        return render.page(doc.title, doc.body)
    return FILE_PAGE.substitute(
        title=esc(doc.title),
        style=render.template_text("style.css"),
        index=esc(site.index()),
        ontology=esc(site.ontology()),
        body=doc.body,
    )


def _ontology_title(ontology: OntologyDoc) -> str:
    found = ontology.ontology.text(DCTERMS.title) if ontology.ontology else None
    return found or "Ontology"


def build_index(site: Site, ontology: OntologyDoc, frameworks: FrameworksDoc) -> Doc:
    return Doc(INDEX_TITLE, index_body(site, ontology, frameworks))


def build_ontology(site: Site, ontology: OntologyDoc, schemes: list[Scheme]) -> Doc:
    return Doc(_ontology_title(ontology), OntologyPage(site, ontology, schemes).body())


def build_scheme(site: Site, frameworks: FrameworksDoc, scheme: Scheme) -> Doc:
    return Doc(scheme.title, SchemePage(site.below(1), frameworks, scheme).body())


def find_scheme(schemes: dict[str, Scheme], scheme: str | URIRef) -> Scheme:
    """A scheme by its name (the IRI's last segment, "cfir-2022") or its IRI."""
    name = str(scheme)
    found = schemes.get(name) or next((s for s in schemes.values() if s.iri == name), None)
    if found is None:
        known = ", ".join(schemes) or "none"
        raise UnknownScheme(f"no concept scheme named {name!r}; the schemes: {known}")
    return found


# --------------------------------------------------------------------------- the public API


def index_doc(
    store: Store | str | Path | None, *, served: bool = False, queries: Queries = get_query
) -> Doc:
    """The front page: the ontology and every concept scheme in the store."""
    with reading(store) as st:
        return build_index(Site(served), read_ontology(st, queries), read_frameworks(st, queries))


def ontology_doc(
    store: Store | str | Path | None, *, served: bool = False, queries: Queries = get_query
) -> Doc:
    """The ontology page: every class, property and individual of every module."""
    with reading(store) as st:
        ontology = read_ontology(st, queries)
        schemes = list(read_schemes(st, queries).values())
    return build_ontology(Site(served), ontology, schemes)


def scheme_doc(
    store: Store | str | Path | None,
    scheme: str | URIRef,
    *,
    served: bool = False,
    queries: Queries = get_query,
) -> Doc:
    """One scheme's page (by name, "cfir-2022", or IRI); UnknownScheme when there is none."""
    with reading(store) as st:
        find_scheme(read_schemes(st, queries), scheme)  # fail before reading every concept
        frameworks = read_frameworks(st, queries)
    return build_scheme(Site(served), frameworks, find_scheme(frameworks.schemes, scheme))


def index_page(
    store: Store | str | Path | None, *, served: bool = False, queries: Queries = get_query
) -> str:
    """The documentation's front page as HTML (as the file index.html unless `served`)."""
    return frame(index_doc(store, served=served, queries=queries), Site(served))


def ontology_page(
    store: Store | str | Path | None, *, served: bool = False, queries: Queries = get_query
) -> str:
    """The ontology page as HTML: each term at the anchor of its IRI's fragment (#Quotation).
    Links lead to the other files `write_docs` writes, or with `served` to the server's pages."""
    return frame(ontology_doc(store, served=served, queries=queries), Site(served))


def scheme_page(
    store: Store | str | Path | None,
    scheme: str | URIRef,
    *,
    served: bool = False,
    queries: Queries = get_query,
) -> str:
    """One scheme's page as HTML: each concept at the anchor of its IRI's last path segment
    (#II.A). UnknownScheme (a ParameterError) when the store has no such scheme."""
    doc = scheme_doc(store, scheme, served=served, queries=queries)
    return frame(doc, Site(served, depth=0 if served else 1))


def write_docs(
    store: Store | str | Path | None, out_dir: Path, *, queries: Queries = get_query
) -> list[Path]:
    """Write index.html, ontology.html and framework/<scheme>.html for every scheme in the
    store into `out_dir` (created when missing); returns the files written, in that order."""
    with reading(store) as st:
        ontology = read_ontology(st, queries)
        frameworks = read_frameworks(st, queries)
    out_dir = Path(out_dir)
    (out_dir / "framework").mkdir(parents=True, exist_ok=True)
    site = Site(served=False)
    schemes = list(frameworks.schemes.values())
    pages = [
        (out_dir / "index.html", frame(build_index(site, ontology, frameworks), site)),
        (out_dir / "ontology.html", frame(build_ontology(site, ontology, schemes), site)),
    ]
    for s in schemes:
        html = frame(build_scheme(site, frameworks, s), site.below(1))
        pages.append((out_dir / "framework" / file_name(s.slug), html))
    for path, html in pages:
        path.write_text(html, encoding="utf-8", newline="\n")
    return [path for path, _ in pages]
