"""The ontology and framework documentation pages (`cokg.docs`), written as files and served.

Expected terms, concepts, links and counts are read independently with rdflib from the
ontology's module files and the framework scheme files, never from the pages' own queries; the
pages are read back with a strict HTML parser (balanced elements, unique ids, every same-page
and file-to-file link resolving, nothing fetched from elsewhere). The served pages are the
library's pages, and headless Chromium follows a domain link on the served ontology page.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from browsers import running_browser, running_server
from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

with warnings.catch_warnings():  # Starlette nudges towards httpx2; httpx is what we have
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from cokg.docs import UnknownScheme, ontology_page, scheme_page, write_docs
from cokg.serve import QueryPool, ServeSettings, create_app, snapshot
from cokg.store import MemoryStore, build

pytestmark = pytest.mark.timeout(240)

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted((ROOT / "ontology" / "modules").glob("*.ttl"))
UMBRELLA = ROOT / "ontology" / "cokg.ttl"
FRAMEWORK_FILES = sorted((ROOT / "ontology" / "frameworks").glob("*.ttl"))
COKG = "https://w3id.org/cokg/ontology#"
KINDS = {
    OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
    OWL.NamedIndividual,
}  # fmt: skip
MATCHES = {SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip
FETCHING = {"script", "img", "iframe", "object", "embed", "audio", "video", "source", "link"}


# --- what the files say, read with rdflib -------------------------------------------------


def fragment(iri: object) -> str:
    return str(iri).rsplit("#", 1)[1]


def segment(iri: object) -> str:
    return str(iri).rstrip("/").rsplit("/", 1)[-1]


def cokg_terms(path: Path) -> dict[str, URIRef]:
    """fragment -> IRI of every cokg class, property and individual the file declares."""
    g = Graph().parse(path)
    return {
        fragment(s): s
        for s, kind in g.subject_objects(RDF.type)
        if isinstance(s, URIRef) and str(s).startswith(COKG) and kind in KINDS
    }


def module_graph() -> Graph:
    g = Graph()
    for path in [*MODULES, UMBRELLA]:
        g.parse(path)
    return g


def scheme_files() -> list[tuple[Path, URIRef]]:
    found = []
    for path in FRAMEWORK_FILES:
        g = Graph().parse(path)
        for scheme in g.subjects(RDF.type, SKOS.ConceptScheme):
            found.append((path, URIRef(scheme)))
    return found


SCHEMES = scheme_files()


def framework_graph() -> Graph:
    g = Graph()
    for path in FRAMEWORK_FILES:
        g.parse(path)
    return g


# --- reading a page back ------------------------------------------------------------------


@dataclass
class Section:
    cls: str
    hrefs: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    @property
    def words(self) -> str:
        return " ".join("".join(self.text).split())


class Page(HTMLParser):
    """A page read strictly: every element closed in order (void elements aside), ids counted,
    links and the text of each section with an id kept."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = text
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: Counter[str] = Counter()
        self.tags: Counter[str] = Counter()
        self.attrs: list[tuple[str, dict[str, str | None]]] = []
        self.hrefs: list[str] = []
        self.headings: list[int] = []
        self.sections: dict[str, Section] = {}
        self._open: list[str | None] = []  # section ids (None: a section without one)
        self.title = ""
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags[tag] += 1
        self.attrs.append((tag, a))
        if a.get("id"):
            self.ids[str(a["id"])] += 1
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.headings.append(int(tag[1]))
        if tag == "a" and a.get("href") is not None:
            self.hrefs.append(str(a["href"]))
            for sid in self._open:
                if sid is not None:
                    self.sections[sid].hrefs.append(str(a["href"]))
        if tag == "section":
            sid = a.get("id")
            self._open.append(sid)
            if sid is not None:
                self.sections[sid] = Section(str(a.get("class") or ""))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.errors.append(f"<{tag}/> is not a void element")
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.errors.append(f"</{tag}> closes a void element")
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()
        if tag == "section":
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] == "title":
            self.title += data
        for sid in self._open:
            if sid is not None:
                self.sections[sid].text.append(data)

    def of_class(self, cls: str) -> dict[str, Section]:
        return {k: s for k, s in self.sections.items() if cls in s.cls.split()}


def assert_valid_page(text: str, *, served: bool) -> Page:
    """A whole HTML5 page: doctype, language, charset, title, navigation and one main heading;
    balanced elements, unique ids, same-page links that land, headings that do not skip a
    level, and nothing fetched from elsewhere (a file page fetches nothing at all)."""
    assert text.lstrip()[:15].lower() == "<!doctype html>"
    page = Page(text)
    assert not page.errors, page.errors[:5]
    assert not page.stack, f"unclosed: {page.stack}"
    for tag in ("html", "head", "body", "title", "main", "h1"):
        assert page.tags[tag] == 1, tag
    assert page.tags["nav"] >= 1
    assert page.title.strip()
    assert ("html", {"lang": "en"}) in page.attrs
    assert ("meta", {"charset": "utf-8"}) in page.attrs
    doubled = [i for i, n in page.ids.items() if n > 1]
    assert not doubled, doubled
    dangling = [h for h in page.hrefs if h.startswith("#") and unquote(h[1:]) not in page.ids]
    assert not dangling, dangling[:5]
    for before, after in zip(page.headings, page.headings[1:], strict=False):
        assert after <= before + 1, f"h{before} is followed by h{after}"
    for tag, a in page.attrs:
        if tag in FETCHING:
            # the server's pages take its stylesheet from itself; a file page takes nothing
            assert served and tag == "link" and str(a.get("href", "")).startswith("/"), (tag, a)
        assert not any(k in ("src", "srcset") for k in a), (tag, a)
    assert "@import" not in text and "url(" not in text
    return page


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def founding() -> MemoryStore:
    st = MemoryStore()
    build(st)
    return st


@pytest.fixture(scope="module")
def written(founding: MemoryStore, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_docs(founding, tmp_path_factory.mktemp("docs") / "site")


@pytest.fixture(scope="module")
def site(written: list[Path]) -> Path:
    return written[0].parent


@pytest.fixture(scope="module")
def ontology(site: Path) -> Page:
    return Page((site / "ontology.html").read_text(encoding="utf-8"))


# --- the ontology page ------------------------------------------------------------------------


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in MODULES])
def test_every_term_of_the_module_has_its_anchor_label_and_module(
    ontology: Page, path: Path
) -> None:
    g = Graph().parse(path)
    module = g.value(None, RDF.type, OWL.Ontology)
    terms = cokg_terms(path)
    missing = sorted(set(terms) - set(ontology.ids))
    assert not missing, f"{path.name}: no anchor for {missing}"
    sections = ontology.of_class("term")
    for name, iri in terms.items():
        section = sections[name]
        assert str(iri) in section.words
        for label in g.objects(iri, RDFS.label):
            assert " ".join(str(label).split()) in section.words, (name, str(label))
        assert f"#module-{segment(module)}" in section.hrefs, name  # grouped by its module
        assert ontology.ids[f"module-{segment(module)}"] == 1


def test_the_page_documents_every_term_once(ontology: Page) -> None:
    expected: set[str] = set()
    for path in MODULES:
        expected |= set(cokg_terms(path))
    assert len(expected) >= 200  # the founding ontology's 202, and those added since
    assert set(ontology.of_class("term")) == expected


def _anchor(g: Graph, term: object) -> str | None:
    """Where a term declared in the files sits: its fragment for cokg's own, its prefixed name
    (as the files write it) for another vocabulary's; None for what the files do not declare."""
    if not isinstance(term, URIRef) or (term, RDFS.isDefinedBy, None) not in g:
        return None
    return fragment(term) if str(term).startswith(COKG) else g.namespace_manager.qname(term)


def _targets(g: Graph, value: object) -> list[str]:
    """The anchors of the terms a domain, range or parent names: itself, or a union's members."""
    if isinstance(value, BNode) and (value, OWL.unionOf, None) in g:
        members = list(Collection(g, g.value(value, OWL.unionOf)))
    else:
        members = [value]
    return [a for a in (_anchor(g, m) for m in members) if a is not None]


# what the cokg terms state of other terms (no cokg property has a super-property yet)
RELATIONS = [RDFS.domain, RDFS.range, RDFS.subClassOf, OWL.inverseOf]


@pytest.mark.parametrize("relation", [pytest.param(r, id=fragment(r)) for r in RELATIONS])
def test_domains_ranges_and_parents_link_to_their_terms(ontology: Page, relation: URIRef) -> None:
    g = module_graph()
    sections = ontology.of_class("term")
    checked = 0
    for term, value in g.subject_objects(relation):
        if not str(term).startswith(COKG):
            continue
        for target in _targets(g, value):
            assert f"#{target}" in sections[fragment(term)].hrefs, (fragment(term), target)
            checked += 1
    assert checked


def test_stated_disjointness_is_shown_both_ways(ontology: Page) -> None:
    g = module_graph()
    sections = ontology.of_class("term")
    pairs = 0
    for axiom in g.subjects(RDF.type, OWL.AllDisjointClasses):
        members = [m for m in Collection(g, g.value(axiom, OWL.members)) if str(m).startswith(COKG)]
        for a in members:
            for b in members:
                if a != b:
                    assert f"#{fragment(b)}" in sections[fragment(a)].hrefs, (a, b)
                    pairs += 1
    for a, b in g.subject_objects(OWL.disjointWith):
        assert f"#{fragment(b)}" in sections[fragment(a)].hrefs
    assert pairs > 800  # the top-level kinds alone are 30 classes, pairwise disjoint


def test_reused_terms_have_their_prefixed_anchor(ontology: Page) -> None:
    # terms of other vocabularies the reused module declares: at their prefixed name
    g = Graph().parse(ROOT / "ontology" / "modules" / "reused.ttl")
    prefixes = {str(ns): p for p, ns in g.namespaces()}
    found = 0
    for s in set(g.subjects(RDFS.isDefinedBy, None)):
        ns = next((n for n in prefixes if str(s).startswith(n)), None)
        if ns is not None and prefixes[ns] in ("prov", "skos", "dcterms", "schema"):
            assert f"{prefixes[ns]}:{str(s)[len(ns) :]}" in ontology.ids, s
            found += 1
    assert found > 40


def test_ontology_page_is_the_written_file(founding: MemoryStore, site: Path) -> None:
    assert ontology_page(founding) == (site / "ontology.html").read_text(encoding="utf-8")


# --- the scheme pages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "scheme"), [pytest.param(p, s, id=segment(s)) for p, s in SCHEMES]
)
def test_every_concept_of_the_scheme_has_its_anchor(site: Path, path: Path, scheme: URIRef) -> None:
    g = Graph().parse(path)
    concepts = {segment(c): c for c in g.subjects(SKOS.inScheme, scheme)}
    page = Page((site / "framework" / f"{segment(scheme)}.html").read_text(encoding="utf-8"))
    sections = page.of_class("concept")
    assert set(sections) == set(concepts)  # every concept, once, nothing else
    for name, c in concepts.items():
        words = sections[name].words
        for notation in g.objects(c, SKOS.notation):
            assert str(notation) in words
        for label in g.objects(c, SKOS.prefLabel):
            assert " ".join(str(label).split()) in words
        for definition in g.objects(c, SKOS.definition):
            assert " ".join(str(definition).split()) in words
        for source in g.objects(c, DCTERMS.source):
            assert str(source) in sections[name].hrefs
        # the hierarchy, both ways
        for broader in g.objects(c, SKOS.broader):
            assert f"#{segment(broader)}" in sections[name].hrefs
            assert f"#{name}" in sections[segment(broader)].hrefs
        for narrower in g.objects(c, SKOS.narrower):
            assert f"#{segment(narrower)}" in sections[name].hrefs


def test_cfir_2022_has_its_72_concepts(site: Path) -> None:
    # the count the paper's framework gives: 5 domains, 48 constructs and 19 subconstructs
    page = Page((site / "framework" / "cfir-2022.html").read_text(encoding="utf-8"))
    assert len(page.of_class("concept")) == 5 + 48 + 19
    assert "II.A" in page.ids and "IV.M" in page.ids


@pytest.mark.parametrize(
    ("path", "scheme"), [pytest.param(p, s, id=segment(s)) for p, s in SCHEMES]
)
def test_mappings_link_to_the_other_scheme_with_their_predicate(
    site: Path, path: Path, scheme: URIRef
) -> None:
    g = framework_graph()
    in_scheme = {c: segment(s) for c, s in g.subject_objects(SKOS.inScheme)}
    page = Page((site / "framework" / f"{segment(scheme)}.html").read_text(encoding="utf-8"))
    sections = page.of_class("concept")
    for s, p, o in g:
        if p not in MATCHES or in_scheme.get(s) != segment(scheme):
            continue
        section = sections[segment(s)]
        if in_scheme.get(o) == segment(scheme):
            assert f"#{segment(o)}" in section.hrefs, (s, o)
        elif o in in_scheme:
            href = f"{in_scheme[o]}.html#{segment(o)}"
            assert any(h.endswith("/" + href) for h in section.hrefs), (s, o)
        else:
            assert str(o) in section.hrefs, (s, o)
        assert "skos:" + fragment(p) in section.words


def test_unknown_scheme_is_a_clear_error(founding: MemoryStore) -> None:
    with pytest.raises(UnknownScheme, match=r"no concept scheme named 'nonsense'.*cfir-2022"):
        scheme_page(founding, "nonsense")


def test_a_scheme_by_iri_is_the_same_page(founding: MemoryStore) -> None:
    by_iri = scheme_page(founding, URIRef("https://w3id.org/cokg/framework/study-frame"))
    assert by_iri == scheme_page(founding, "study-frame")


# --- the written files ---------------------------------------------------------------------------


def test_written_files(written: list[Path], site: Path) -> None:
    names = [p.relative_to(site).as_posix() for p in written]
    assert names[:2] == ["index.html", "ontology.html"]
    expected = {f"framework/{segment(s)}.html" for _, s in SCHEMES}
    assert expected <= set(names[2:])
    assert len(names) == len(set(names))
    assert all(p.is_file() for p in written)


def test_written_files_are_valid_utf8_html_that_fetch_nothing(written: list[Path]) -> None:
    for path in written:
        text = path.read_bytes().decode("utf-8")  # strict: fails on anything else
        assert_valid_page(text, served=False)


def test_links_between_the_files_land(written: list[Path]) -> None:
    pages = {p.resolve(): Page(p.read_text(encoding="utf-8")) for p in written}
    checked = 0
    for path, page in pages.items():
        for href in page.hrefs:
            parts = urlsplit(href)
            if parts.scheme or href.startswith("#"):
                continue  # another site, or this page (checked with the page)
            target = (path.parent / unquote(parts.path)).resolve()
            assert target in pages, f"{path.name}: {href}"
            if parts.fragment:
                assert unquote(parts.fragment) in pages[target].ids, f"{path.name}: {href}"
            checked += 1
    assert checked > 100


# --- served ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cokg.store import open_store

    path = tmp_path_factory.mktemp("docs-serve") / "store"
    store = open_store(path)
    try:
        build(store)
    finally:
        store.close()
    return path


@pytest.fixture(scope="module")
def pool(store_dir: Path) -> Iterator[QueryPool]:
    with snapshot(store_dir) as source, QueryPool(source, workers=2, timeout=10) as p:
        yield p


@pytest.fixture(scope="module")
def client(pool: QueryPool) -> Iterator[TestClient]:
    with TestClient(create_app(pool, ServeSettings(timeout=10, limit=5000))) as c:
        yield c


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("/ontology", id="ontology"),
        pytest.param("/framework", id="index"),
        *[pytest.param(f"/framework/{segment(s)}", id=segment(s)) for _, s in SCHEMES],
    ],
)
def test_served_page_is_the_librarys(client: TestClient, founding: MemoryStore, url: str) -> None:
    from cokg.docs import index_page
    from cokg.query import get_query
    from cokg.serve import render
    from cokg.serve.cases import navigation

    r = client.get(url)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["x-cokg-truncated"] == "false"
    name = url.removeprefix("/framework").strip("/")
    # framed as the server frames each page: with the navigation of the cases it serves
    token = render.NAVIGATION.set(navigation(founding, get_query))  # type: ignore[arg-type]
    try:
        if url == "/ontology":
            expected = ontology_page(founding, served=True)
        elif not name:
            expected = index_page(founding, served=True)
        else:
            expected = scheme_page(founding, name, served=True)
    finally:
        render.NAVIGATION.reset(token)
    assert 'href="/case/dundee-mrr"' in expected
    assert r.text == expected
    assert_valid_page(r.text, served=True)


def test_served_links_are_the_servers_routes(client: TestClient) -> None:
    page = Page(client.get("/framework/cfir-2009").text)
    assert "/ontology" in page.hrefs and "/framework" in page.hrefs
    # a mapping to the other CFIR goes to its page on the server
    assert "/framework/cfir-2022#I.A" in page.sections["I.A"].hrefs
    # the concept's source: a DOI, linked as itself
    assert "https://doi.org/10.1186/1748-5908-4-50" in page.sections["I.A"].hrefs


def test_unknown_scheme_is_404(client: TestClient) -> None:
    r = client.get("/framework/nonsense", headers={"accept": "text/html"})
    assert r.status_code == 404
    assert r.headers["x-cokg-error"] == "not-found"
    assert "no concept scheme named &#x27;nonsense&#x27;" in r.text
    assert "cfir-2022" in r.text  # the schemes there are


def test_index_page_navigation_links_the_documentation(client: TestClient) -> None:
    page = Page(client.get("/", headers={"accept": "text/html"}).text)
    assert "/ontology" in page.hrefs and "/framework" in page.hrefs


def test_ontology_page_cut_at_the_result_limit_says_so(pool: QueryPool) -> None:
    with TestClient(create_app(pool, ServeSettings(timeout=10, limit=3))) as capped:
        r = capped.get("/ontology")
    assert r.status_code == 200
    assert r.headers["x-cokg-truncated"] == "true"
    assert 'id="truncated"' in r.text


# --- in a browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`cokg serve --store memory:` on a free loopback port; yields its base URL."""
    yield from running_server(tmp_path_factory.mktemp("docs-browser"), timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    yield from running_browser()


def _first_property_with_a_class_domain() -> tuple[str, str]:
    """(property, its domain class) as fragments: the first, in IRI order, of the files."""
    g = module_graph()
    found = sorted(
        (str(p), str(d))
        for p, d in g.subject_objects(RDFS.domain)
        if str(p).startswith(COKG) and isinstance(d, URIRef) and str(d).startswith(COKG)
    )
    return fragment(found[0][0]), fragment(found[0][1])


@pytest.mark.browser
@pytest.mark.slow
def test_browser_ontology_anchors_and_a_domain_link(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    classes = sorted(
        fragment(s)
        for path in MODULES
        for s in Graph().parse(path).subjects(RDF.type, OWL.Class)
        if str(s).startswith(COKG)
    )
    assert len(classes) >= 50
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    elsewhere: list[str] = []
    page.on(
        "request", lambda req: None if req.url.startswith(server) else elsewhere.append(req.url)
    )
    page.goto(server + "/")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Ontology").click()
    page.wait_for_url("**/ontology")
    assert page.title().endswith(" · cokg")
    missing = page.evaluate("ids => ids.filter(i => !document.getElementById(i))", classes)
    assert missing == []
    prop, domain = _first_property_with_a_class_domain()
    link = page.locator(f'section[id="{prop}"] dt:text-is("Domain") + dd a[href="#{domain}"]')
    link.click()
    page.wait_for_url(f"**/ontology#{domain}")
    expect(page.locator(f'[id="{domain}"]')).to_be_in_viewport()
    assert elsewhere == []
    page.close()


@pytest.mark.browser
@pytest.mark.slow
def test_browser_cfir_2022_renders_its_concepts(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    g = Graph().parse(ROOT / "ontology" / "frameworks" / "cfir-2022.ttl")
    scheme = URIRef("https://w3id.org/cokg/framework/cfir-2022")
    expected = sorted(segment(c) for c in g.subjects(SKOS.inScheme, scheme))
    assert len(expected) == 72
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server + "/framework/cfir-2022")
    concepts = page.locator("main section.concept")
    expect(concepts).to_have_count(len(expected))
    assert sorted(concepts.evaluate_all("els => els.map(e => e.id)")) == expected
    # the tree's link to a construct lands on it
    page.locator('#doc-hierarchy + ul a[href="#II.A"]').click()
    page.wait_for_url("**/framework/cfir-2022#II.A")
    expect(page.locator('[id="II.A"]')).to_be_in_viewport()
    heading = page.locator('[id="II.A"] h3').inner_text()
    label = next(g.objects(URIRef(str(scheme) + "/II.A"), SKOS.prefLabel))
    assert heading == f"II.A {label}"
    page.close()
