"""The web server: SPARQL 1.1 Protocol endpoint, saved-query pages, case and entity pages.

Runs the real application (Starlette TestClient) over real query worker processes holding the
founding data, built from data/ into an on-disk store. Expected texts come from the paper.
"""

from __future__ import annotations

import ast
import csv
import html
import io
import re
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest

with warnings.catch_warnings():  # Starlette nudges towards httpx2; httpx is what we have
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from cokg.serve import QueryPool, ServeSettings, create_app, snapshot
from cokg.serve.protocol import choose, negotiate, screen_request

pytestmark = pytest.mark.timeout(180)

TIMEOUT = 2.0  # seconds: the server's query timeout in these tests
COKG = "https://w3id.org/cokg/ontology#"
ID = "https://w3id.org/cokg/id/"
CASE1 = ID + "case/jonkoping-esther"
XSD = "http://www.w3.org/2001/XMLSchema#"
PREFIX = f"PREFIX cokg: <{COKG}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
CROSS_PRODUCT = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a"
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

# From the paper: Table 7 (implementation, Case 1, Process), Table 1, and a Case 1 quotation.
TABLE7_ESTHER = "ESTHER cafes attract a broad range of listeners"
TABLE1_ADMIN = "Jönköping County Council"
TABLE1_QUESTION = "What is best for, or important to, Esther?"
QUOTE_Q1 = "I think one of the most important decisions was to take patient in the room"


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cokg.store import build, open_store

    path = tmp_path_factory.mktemp("serve") / "store"
    store = open_store(path)
    try:
        build(store)
    finally:
        store.close()
    return path


@pytest.fixture(scope="module")
def pool(store_dir: Path) -> Iterator[QueryPool]:
    with snapshot(store_dir) as source, QueryPool(source, workers=2, timeout=TIMEOUT) as p:
        yield p


@pytest.fixture(scope="module")
def client(pool: QueryPool) -> Iterator[TestClient]:
    app = create_app(pool, ServeSettings(timeout=TIMEOUT, limit=5000))
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def capped(pool: QueryPool) -> Iterator[TestClient]:
    """The same workers behind an app whose result limit is 3."""
    app = create_app(pool, ServeSettings(timeout=TIMEOUT, limit=3))
    with TestClient(app) as c:
        yield c


def sparql_json(client: TestClient, query: str) -> dict:
    r = client.get("/sparql", params={"query": query})
    assert r.status_code == 200, r.text
    return r.json()


def count_triples(client: TestClient) -> int:
    doc = sparql_json(client, COUNT_ALL)
    return int(doc["results"]["bindings"][0]["n"]["value"])


# --- / and saved queries ----------------------------------------------------------------------


def test_index_lists_saved_queries_with_parameter_forms(client: TestClient) -> None:
    r = client.get("/", headers={"accept": BROWSER})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert 'action="/query/cross-case"' in html
    assert 'action="/query/timeline"' in html
    # phase: a select with the allowed values; case: a select listing the cases in the store
    assert '<select id="cross-case--phase" name="phase">' in html
    assert '<option value="implementation">implementation</option>' in html
    assert 'name="case"' in html and '<option value="jonkoping-esther"' in html
    # study: a select of the stored studies (a free-text box made people guess the ids)
    assert '<select id="sampling-frame--study" name="study">' in html
    assert '<option value="coproduction-2019-2023">' in html
    # the descriptions' `code` spans are code, not backticks
    assert "`" not in html.split("<body", 1)[1]
    assert "<code>phase-cases</code>" in html
    # every table downloads as CSV, TSV and JSON, saved under the query's name
    assert '<a href="/query/timeline?format=tsv" download="timeline.tsv">TSV</a>' in html


def test_saved_query_html_table(client: TestClient) -> None:
    r = client.get("/query/cross-case", params={"phase": "implementation"})
    assert r.status_code == 200
    assert r.headers["x-cokg-truncated"] == "false"
    assert "<table" in r.text and TABLE7_ESTHER in r.text
    # the selected phase stays selected in the form above the table
    assert '<option value="implementation" selected>' in r.text


def test_saved_query_adoption_does_not_show_implementation_bullets(client: TestClient) -> None:
    r = client.get("/query/cross-case", params={"phase": "adoption"})
    assert r.status_code == 200
    assert TABLE7_ESTHER not in r.text


def test_saved_query_csv(client: TestClient) -> None:
    r = client.get("/query/cross-case", params={"phase": "implementation", "format": "csv"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert any(row["statement"].startswith(TABLE7_ESTHER) for row in rows)


def test_saved_query_json(client: TestClient) -> None:
    r = client.get("/query/cross-case", params={"phase": "implementation", "format": "json"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    doc = r.json()
    assert "statement" in doc["head"]["vars"]
    statements = [b["statement"]["value"] for b in doc["results"]["bindings"]]
    assert any(s.startswith(TABLE7_ESTHER) for s in statements)


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        pytest.param("text/csv", "csv", id="csv"),
        pytest.param("application/sparql-results+json", "json", id="sparql-json"),
        pytest.param("application/json", "json", id="json"),
        pytest.param("text/csv;q=0.9, text/html;q=0.5", "csv", id="csv-preferred"),
        pytest.param(BROWSER, "html", id="browser"),
        pytest.param("*/*", "html", id="anything"),
    ],
)
def test_saved_query_download_by_accept(client: TestClient, accept: str, fmt: str) -> None:
    # without format=, the Accept header chooses: the same bytes as format=csv / format=json
    url, params = "/query/cross-case", {"phase": "implementation"}
    r = client.get(url, params=params, headers={"accept": accept})
    assert r.status_code == 200, r.text
    if fmt == "html":
        assert r.headers["content-type"].startswith("text/html") and "<table" in r.text
    else:
        assert r.content == client.get(url, params={**params, "format": fmt}).content


@pytest.mark.parametrize(
    ("url", "status"),
    [
        pytest.param("/query/no-such-query", 404, id="unknown-query"),
        pytest.param("/query/cross-case?phase=retirement", 400, id="phase-not-allowed"),
        pytest.param("/query/cross-case?colour=blue", 400, id="unknown-parameter"),
        pytest.param("/query/timeline?case=no-such-case", 400, id="unknown-case"),
        pytest.param("/query/cross-case?format=xlsx", 400, id="unknown-format"),
    ],
)
def test_saved_query_errors(client: TestClient, url: str, status: int) -> None:
    r = client.get(url)
    assert r.status_code == status, r.text


def test_a_query_that_needs_a_value_shows_its_form(client: TestClient) -> None:
    # the index links every query's page; for one that needs a value the page was a 400
    index = client.get("/").text
    section = index[index.index('id="quotations-by-construct"') :]
    section = section[: section.index("</section>")]
    assert "format=csv" not in section and "give construct to download" in section
    r = client.get("/query/quotations-by-construct")
    assert r.status_code == 200 and "Give construct and press Run." in r.text
    assert '<form class="params"' in r.text
    r = client.get("/query/quotations-by-construct", params={"format": "csv"})
    assert r.status_code == 400
    assert "needs a value for construct" in r.text and "--param" not in r.text


# --- paged saved-query pages ------------------------------------------------------------------


@pytest.fixture(scope="module")
def paged(pool: QueryPool) -> Iterator[TestClient]:
    """The same workers behind an app whose saved-query pages show 5 rows."""
    app = create_app(pool, ServeSettings(timeout=TIMEOUT, limit=5000, page_size=5))
    with TestClient(app) as c:
        yield c


RESULTS_BODY = re.compile(r'<table class="results">.*?<tbody>(.*?)</tbody>', re.S)
NEXT_LINK = re.compile(r'<a rel="next" href="([^"]+)"')


def result_rows(page: str) -> list[str]:
    """The rows of the first results table of a page (the one the page's columns show)."""
    m = RESULTS_BODY.search(page)
    assert m, "no results table"
    return re.findall(r"<tr>.*?</tr>", m.group(1), re.S)


def test_saved_query_page_shows_the_total_and_links_to_the_next(
    client: TestClient, paged: TestClient
) -> None:
    whole = client.get("/query/quotations").text  # the default page holds all 54
    want = result_rows(whole)
    total = len(want)
    assert total > 10 and f"{total} rows" in whole and 'class="pager"' not in whole
    first = paged.get("/query/quotations")
    assert first.status_code == 200
    assert f"Rows 1–5 of {total}" in first.text and 'rel="prev"' not in first.text
    got, url, pages = [], "/query/quotations", 0
    while url:
        r = paged.get(url)
        assert r.status_code == 200 and r.headers["x-cokg-truncated"] == "false"
        got += result_rows(r.text)
        pages += 1
        m = NEXT_LINK.search(r.text)
        url = html.unescape(m.group(1)) if m else ""
        assert pages <= total
    assert got == want  # the pages, laid end to end, are the whole answer
    assert pages == -(-total // 5)
    assert f"Rows {5 * (pages - 1) + 1}–{total} of {total}" in r.text and 'rel="prev"' in r.text


def test_saved_query_page_links_keep_the_parameters(paged: TestClient) -> None:
    r = paged.get("/query/quotations", params={"case": "manitoba-learning-centres"})
    m = NEXT_LINK.search(r.text)
    assert m
    nxt = html.unescape(m.group(1))
    assert "case=manitoba-learning-centres" in nxt and "offset=5" in nxt and "limit=5" in nxt
    assert "Rows 6–10 of" in paged.get(nxt).text
    # a page size asked for in the address is kept by the links
    r = paged.get("/query/quotations", params={"limit": "20", "offset": "20"})
    assert "Rows 21–40 of" in r.text
    m = NEXT_LINK.search(r.text)
    assert m and "offset=40" in m.group(1) and "limit=20" in m.group(1)


def test_saved_query_page_past_the_end_and_every_row(paged: TestClient) -> None:
    r = paged.get("/query/quotations", params={"offset": "1000"})
    assert r.status_code == 200 and "No rows from row 1,001: the answer has 54" in r.text
    m = re.search(r'<a rel="prev" href="([^"]+)"', r.text)
    assert m and "offset=50" in html.unescape(m.group(1))  # the last page with rows
    assert "Rows 51–54 of 54" in paged.get(html.unescape(m.group(1))).text
    r = paged.get("/query/quotations", params={"limit": "0"})  # every row
    assert len(result_rows(r.text)) == 54 and 'class="pager"' not in r.text


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "-1"},
        {"offset": "x"},
        {"limit": "5", "phase": "nonsense"},
        {"offset": "9" * 23},  # a huge limit is the server's result limit (a page it can give)
    ],
    ids=[
        "negative-limit",
        "offset-not-a-number",
        "paged-pivot-bad-phase",
        "huge-offset",
    ],
)
def test_saved_query_page_errors(paged: TestClient, params: dict[str, str]) -> None:
    # cross-case: a pivot paged by whole cases, whose parameters are checked as ever
    name = "cross-case" if "phase" in params else "quotations"
    r = paged.get(f"/query/{name}", params=params)
    assert r.status_code == 400 and r.headers["x-cokg-error"] == "parameter"


def test_pivoted_pages_go_by_whole_cases_with_their_way_on(paged: TestClient) -> None:
    # a pivot pages by whole cases; its page said where it lay nowhere and led nowhere
    r = paged.get("/query/cross-case", params={"phase": "implementation"})
    assert r.status_code == 200 and TABLE7_ESTHER in r.text
    assert re.search(r"Rows 1–\d+ of \d+", r.text) and 'rel="prev"' not in r.text
    cases, url = [], "/query/cross-case?phase=implementation"
    while url:
        page = paged.get(url).text
        cases += re.findall(r"<th[^>]*>(Case \d) - ", page)
        m = NEXT_LINK.search(page)
        url = html.unescape(m.group(1)) if m else ""
    assert sorted(set(cases)) == ["Case 1", "Case 2", "Case 3"]
    assert 'rel="prev"' in page


def test_downloaded_answers_are_whole(paged: TestClient) -> None:
    r = paged.get("/query/quotations", params={"format": "csv"})
    whole = list(csv.DictReader(io.StringIO(r.text)))
    assert len(whole) == 54
    r = paged.get("/query/quotations", params={"format": "csv", "limit": "5", "offset": "5"})
    assert list(csv.DictReader(io.StringIO(r.text))) == whole[5:10]


def test_sparql_endpoint_is_not_paged(paged: TestClient) -> None:
    doc = sparql_json(paged, "SELECT * WHERE { ?s ?p ?o } LIMIT 40")
    assert len(doc["results"]["bindings"]) == 40  # the page size is for the HTML pages only


@pytest.mark.parametrize("params", [{"case": "jonkoping-esther"}, {}], ids=["one-case", "by-case"])
def test_pages_fit_the_result_limit_and_lead_through_the_answer(
    client: TestClient, capped: TestClient, params: dict[str, str]
) -> None:
    """A page asks for no more rows than the server's result limit (3 here), so no page is cut,
    and the pages laid end to end are the whole answer. A listing paged by case used to read
    its page's cases whole: cut inside the first case, its next page led back to itself."""
    want = result_rows(client.get("/query/timeline", params={**params, "limit": "0"}).text)
    got, url, pages = [], "/query/timeline?" + urlencode(params), 0
    while url:
        r = capped.get(url)
        assert r.status_code == 200 and r.headers["x-cokg-truncated"] == "false"
        assert 'id="truncated"' not in r.text and len(result_rows(r.text)) <= 3
        got += result_rows(r.text)
        pages += 1
        assert pages <= len(want), url
        m = NEXT_LINK.search(r.text)
        url = html.unescape(m.group(1)) if m else ""
    assert len(want) > 10 and got == want and pages == -(-len(want) // 3)


@pytest.mark.parametrize("name", ["cross-case", "case-features"])
def test_pivot_pages_under_the_result_limit_lead_through_every_row(
    client: TestClient, capped: TestClient, name: str
) -> None:
    """A pivot shows whole cases; a case with more rows than the server's result limit (3
    here) was cut, and its next page started at the next case: rows 4-8 of a case were never
    shown, on the page or in the CSV pages a client follows by Link rel=next. Such a page is
    read by rows instead (part of a case), and the pages cover every row once."""
    params = {"phase": "implementation"} if name == "cross-case" else {}
    whole = list(csv.reader(io.StringIO(
        client.get(f"/query/{name}", params={**params, "format": "csv"}).text
    )))  # fmt: skip
    got: list[list[str]] = []
    url = f"/query/{name}?" + urlencode({**params, "format": "csv", "limit": "3"})
    pages = 0
    while url:
        r = capped.get(url)
        assert r.status_code == 200 and r.headers["x-cokg-truncated"] == "false"
        got += list(csv.reader(io.StringIO(r.text)))[1:]
        pages += 1
        assert pages <= len(whole), url
        m = re.search(r'<([^>]+)>; rel="next"', r.headers.get("link", ""))
        url = m.group(1) if m else ""
    assert len(whole) > 10 and got == whole[1:]
    page = capped.get(f"/query/{name}", params=params).text  # the HTML page: no false claim
    assert 'id="truncated"' not in page and re.search(r"Rows 1–3 of \d+", page)


# --- /case/<id> ---------------------------------------------------------------------------------


def test_case_page_features_timeline_findings_quotations(client: TestClient) -> None:
    r = client.get("/case/jonkoping-esther")
    assert r.status_code == 200
    html = r.text
    assert "<h1>Case 1" in html
    assert TABLE1_ADMIN in html and TABLE1_QUESTION.replace("'", "&#x27;") in html
    assert 'id="timeline"' in html and 'id="findings"' in html
    assert TABLE7_ESTHER in html
    assert QUOTE_Q1 in html  # a quotation shown with the finding it supports


def test_case_page_unknown_case(client: TestClient) -> None:
    assert client.get("/case/atlantis").status_code == 404


# --- entity pages ---------------------------------------------------------------------------------


def test_entity_html_has_property_table_with_links(client: TestClient) -> None:
    r = client.get("/id/case/jonkoping-esther", headers={"accept": BROWSER})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "<caption>Properties</caption>" in r.text
    assert 'href="/resource?iri=https%3A%2F%2Fw3id.org%2Fcokg%2Fontology%23caseId"' in r.text
    assert 'href="/id/study/coproduction-2019-2023"' in r.text  # cokg:inStudy, dereferenceable


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        pytest.param("text/turtle", "text/turtle", ox.RdfFormat.TURTLE, id="turtle"),
        pytest.param(
            "application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD, id="json-ld"
        ),
        pytest.param(
            "application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES, id="n-triples"
        ),
        pytest.param(
            "application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML, id="rdf-xml"
        ),
    ],
)
def test_entity_rdf_by_accept(client: TestClient, accept: str, media: str, fmt) -> None:
    r = client.get("/id/case/jonkoping-esther", headers={"accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media)
    triples = [q.triple for q in ox.parse(r.content, format=fmt)]
    assert (
        ox.Triple(
            ox.NamedNode(CASE1), ox.NamedNode(COKG + "caseId"), ox.Literal("jonkoping-esther")
        )
        in triples
    )


RECORDS_WITH_DECLARED_INTEGERS = [
    # (record, property, the type its rdfs:range declares) - ontology/modules/case.ttl, finding.ttl
    (ID + "case/dundee-mrr", COKG + "informantInterviewCount", XSD + "nonNegativeInteger"),
    (ID + "case/dundee-mrr", COKG + "documentsReviewedCount", XSD + "nonNegativeInteger"),
    (ID + "item/dundee-mrr/guiding-question-1", COKG + "position", XSD + "positiveInteger"),
]


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        pytest.param("text/turtle", ox.RdfFormat.TURTLE, id="turtle"),
        pytest.param("application/ld+json", ox.RdfFormat.JSON_LD, id="json-ld"),
        pytest.param("application/n-triples", ox.RdfFormat.N_TRIPLES, id="n-triples"),
        pytest.param("application/rdf+xml", ox.RdfFormat.RDF_XML, id="rdf-xml"),
    ],
)
def test_an_entity_in_rdf_says_the_declared_integer_types(
    client: TestClient, accept: str, fmt: ox.RdfFormat
) -> None:
    """The engine keeps "4"^^xsd:nonNegativeInteger as xsd:integer: a record fetched in RDF said
    xsd:integer where the data, the ontology and cokg's exports say xsd:nonNegativeInteger, so
    a linker checking it with cokg's own shapes found violations. caseNumber is declared
    xsd:integer and stays so."""
    for record, prop, declared in RECORDS_WITH_DECLARED_INTEGERS:
        r = client.get(record.removeprefix(ID).join(["/id/", ""]), headers={"accept": accept})
        assert r.status_code == 200, r.text
        values = [
            t.object
            for t in (q.triple for q in ox.parse(r.content, format=fmt))
            if t.subject == ox.NamedNode(record) and t.predicate == ox.NamedNode(prop)
        ]
        assert values and all(
            isinstance(v, ox.Literal) and v.datatype.value == declared for v in values
        ), (record, prop, values)
    r = client.get("/id/case/dundee-mrr", headers={"accept": accept})
    (number,) = [
        q.object
        for q in ox.parse(r.content, format=fmt)
        if q.predicate.value == COKG + "caseNumber"
    ]
    assert isinstance(number, ox.Literal) and number.datatype.value == XSD + "integer"


def test_a_fetched_record_passes_the_shapes_under_pyshacl(client: TestClient) -> None:
    """What a linker does: fetch a record and check it with cokg's shapes under another SHACL
    processor. The record alone cannot show what it only links to (the ontology's terms, the
    records it names and their classes), so those checks fail here, and only those: nothing
    is wrong with the record's own values (its datatypes were)."""
    from pyshacl import validate
    from rdflib import Graph, Namespace, URIRef

    from cokg.validate.shapes import shapes_graph

    sh = Namespace("http://www.w3.org/ns/shacl#")
    beyond = {  # (constraint component, shape) of the checks that look past the record
        (sh.SPARQLConstraintComponent, URIRef("https://w3id.org/cokg/shapes#ReferenceShape")),
        (sh.ClassConstraintComponent, None),
    }
    for path, accept, fmt in [
        ("/id/case/dundee-mrr", "text/turtle", "turtle"),
        ("/id/case/dundee-mrr", "application/ld+json", "json-ld"),
        ("/id/item/dundee-mrr/guiding-question-1", "application/ld+json", "json-ld"),
    ]:
        record = Graph().parse(data=client.get(path, headers={"accept": accept}).text, format=fmt)
        assert len(record) > 2
        _, report, _ = validate(
            record, shacl_graph=shapes_graph(), inference="none", advanced=False
        )
        found = set()
        for r in report.subjects(sh.resultSeverity, None):
            component = report.value(r, sh.sourceConstraintComponent)
            shape = report.value(r, sh.sourceShape)
            found.add((component, shape if component == sh.SPARQLConstraintComponent else None))
            if component == sh.DatatypeConstraintComponent:
                found.add((report.value(r, sh.resultPath), report.value(r, sh.value)))
        assert found <= beyond, (path, fmt, found - beyond)


def test_the_sparql_endpoint_answers_what_the_store_holds(client: TestClient) -> None:
    """A CONSTRUCT or DESCRIBE answer is a query's answer, not a record: it says what SELECT
    and FILTER see in the store (xsd:integer), or the endpoint would contradict itself."""
    describe = "DESCRIBE <" + ID + "case/dundee-mrr>"
    r = client.get("/sparql", params={"query": describe}, headers={"accept": "text/turtle"})
    (count,) = [
        q.object
        for q in ox.parse(r.content, format=ox.RdfFormat.TURTLE)
        if q.predicate.value == COKG + "informantInterviewCount"
    ]
    assert isinstance(count, ox.Literal) and count.datatype.value == XSD + "integer"


RDF_PARSERS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
RDF_NAMES = ("ttl", "jsonld", "nt", "rdfxml")


def advertised_alternates(r) -> list[tuple[str | None, str]]:  # type: ignore[no-untyped-def]
    """(media type or None, href) of every RDF form a page names: its Link header, its
    <link rel="alternate"> and the ?format= links in its body."""
    found: list[tuple[str | None, str]] = []
    for part in r.headers.get("link", "").split(", <"):
        if 'rel="alternate"' in part:
            media = re.search(r'type="([^"]+)"', part)
            found.append((media and media[1], part.lstrip("<").split(">", 1)[0]))
    for tag in re.findall(r"<link [^>]*>", r.text):
        if 'rel="alternate"' in tag:
            media = re.search(r'type="([^"]+)"', tag)
            href = re.search(r'href="([^"]+)"', tag)
            assert href, tag
            found.append((media and media[1], html.unescape(href[1])))
    for href in re.findall(r'<a href="([^"]+)"', r.text):
        href = html.unescape(href)
        if re.search(r"[?&]format=(" + "|".join(RDF_NAMES) + r")\b", href):
            found.append((None, href))
    return found


@pytest.mark.parametrize(
    ("path", "subject"),
    [
        pytest.param("/id/case/jonkoping-esther", CASE1, id="entity"),
        pytest.param("/case/jonkoping-esther", CASE1, id="case-page"),
        pytest.param("/resource?" + urlencode({"iri": COKG + "Case"}), COKG + "Case", id="term"),
        pytest.param(
            "/resource?" + urlencode({"iri": "http://www.w3.org/2002/07/owl#Class"}),
            "http://www.w3.org/2002/07/owl#Class",  # an object only: it is an rdfs:Class
            id="core-term",
        ),
        pytest.param(
            "/resource?" + urlencode({"iri": "http://www.w3.org/2001/XMLSchema#positiveInteger"}),
            "http://www.w3.org/2001/XMLSchema#positiveInteger",  # a range: an rdfs:Class too
            id="datatype",
        ),
        pytest.param(
            "/resource?" + urlencode({"iri": "http://www.w3.org/2000/01/rdf-schema#label"}),
            "http://www.w3.org/2000/01/rdf-schema#label",
            id="property-used-only",
        ),
    ],
)
def test_every_advertised_rdf_alternate_is_served(
    client: TestClient, path: str, subject: str | None
) -> None:
    """A page naming an RDF form of itself must serve it: owl:Class's page linked
    "http://www.w3.org/2002/07/owl#Class?format=ttl" (a W3C page, no Turtle of ours), a
    property's page had no RDF at all, and no page said in its head or headers where its RDF
    was. Each named form answers here, in the type it was named with, about the resource."""
    page = client.get(path, headers={"accept": BROWSER})
    assert page.status_code == 200
    alternates = advertised_alternates(page)
    types = {media for media, _ in alternates if media}
    assert types == set(RDF_PARSERS), alternates  # in the head and the Link header
    for media, href in alternates:
        assert href.startswith("/"), f"{href} is not served here"
        r = client.get(href, headers={"accept": BROWSER})  # the link alone says what it is
        assert r.status_code == 200, (href, r.text)
        got = r.headers["content-type"].split(";")[0]
        assert got in RDF_PARSERS and (media is None or got == media), (href, got)
        triples = [q.triple for q in ox.parse(r.content, format=RDF_PARSERS[got])]
        if subject is not None:
            assert any(t.subject == ox.NamedNode(subject) for t in triples), href


def test_a_resource_the_store_only_refers_to_is_served_as_what_refers_to_it(
    client: TestClient,
) -> None:
    """Known as an object only, a resource's RDF was an empty document (200, 0 bytes) while
    its HTML page listed what refers to it: the RDF now gives those statements too."""
    canada = "http://www.wikidata.org/entity/Q16"
    r = client.get("/resource?" + urlencode({"iri": canada}), headers={"accept": "text/turtle"})
    assert r.status_code == 200
    triples = [q.triple for q in ox.parse(r.content, format=ox.RdfFormat.TURTLE)]
    assert triples and all(t.object == ox.NamedNode(canada) for t in triples)


def test_a_property_the_store_only_uses_is_served_in_rdf(client: TestClient) -> None:
    """A property defined outside cokg had an HTML page but answered 404 in RDF: it says what
    its use entails, that it is an rdf:Property; an IRI nobody uses is still a 404."""
    label = "http://www.w3.org/2000/01/rdf-schema#label"
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    for accept, fmt in (
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ):
        r = client.get("/resource", params={"iri": label}, headers={"accept": accept})
        assert r.status_code == 200 and r.headers["content-type"].startswith(accept), r.text
        assert r.headers["vary"] == "Accept"
        assert [q.triple for q in ox.parse(r.content, format=fmt)] == [
            ox.Triple(
                ox.NamedNode(label), ox.NamedNode(rdf + "type"), ox.NamedNode(rdf + "Property")
            )
        ]
    never = {"iri": "http://example.org/never-used"}
    assert (
        client.get("/resource", params=never, headers={"accept": "text/turtle"}).status_code == 404
    )
    assert client.get("/resource", params=never, headers={"accept": BROWSER}).status_code == 404
    r = client.get("/resource", params={"iri": label}, headers={"accept": "image/png"})
    assert r.status_code == 406


def test_a_case_page_asked_for_rdf_sends_to_the_case_record(client: TestClient) -> None:
    """/case/<id> answered `Accept: text/turtle` with its HTML and 200; the case's RDF is its
    record, at its IRI's page. A browser, curl's */* and format=html still get the page."""
    r = client.get("/case/dundee-mrr", headers={"accept": "text/turtle"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/id/case/dundee-mrr"
    r = client.get("/case/Dundee-MRR?format=jsonld", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/id/case/dundee-mrr?format=jsonld"
    r = client.get("/case/dundee-mrr", headers={"accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    for accept in (BROWSER, "*/*", None):
        headers = {"accept": accept} if accept else {}
        r = client.get("/case/dundee-mrr", headers=headers)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert client.get("/case/atlantis", headers={"accept": "text/turtle"}).status_code == 404


def test_entity_unknown_is_404(client: TestClient) -> None:
    assert client.get("/id/case/atlantis", headers={"accept": BROWSER}).status_code == 404
    assert client.get("/id/case/atlantis", headers={"accept": "text/turtle"}).status_code == 404


def test_resource_fallback_for_ontology_terms(client: TestClient) -> None:
    r = client.get("/resource", params={"iri": COKG + "Case"}, headers={"accept": BROWSER})
    assert r.status_code == 200
    assert "Property" in r.text and "Referenced by" in r.text


def test_resource_fallback_redirects_data_iris(client: TestClient) -> None:
    r = client.get("/resource", params={"iri": CASE1}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/id/case/jonkoping-esther"


def test_resource_needs_an_iri(client: TestClient) -> None:
    assert client.get("/resource", params={"iri": "not an iri"}).status_code == 400


# --- /sparql: protocol and content negotiation ----------------------------------------------------

CASES_QUERY = PREFIX + "SELECT ?id WHERE { ?c a cokg:Case ; cokg:caseId ?id } ORDER BY ?id"


def test_sparql_get_json_by_default(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": CASES_QUERY})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/sparql-results+json"
    ids = [b["id"]["value"] for b in r.json()["results"]["bindings"]]
    assert ids == ["dundee-mrr", "jonkoping-esther", "manitoba-learning-centres"]  # Tables 1-3


def test_sparql_post_query_body(client: TestClient) -> None:
    r = client.post(
        "/sparql", content=CASES_QUERY, headers={"content-type": "application/sparql-query"}
    )
    assert r.status_code == 200
    assert "jonkoping-esther" in r.text


def test_sparql_post_form(client: TestClient) -> None:
    r = client.post("/sparql", data={"query": CASES_QUERY})
    assert r.status_code == 200
    assert "jonkoping-esther" in r.text


@pytest.mark.parametrize(
    ("accept", "media", "expected"),
    [
        pytest.param(
            "application/sparql-results+xml",
            "application/sparql-results+xml",
            "<literal>jonkoping-esther</literal>",
            id="xml",
        ),
        pytest.param("text/csv", "text/csv", "id\r\n", id="csv"),
        pytest.param("text/tab-separated-values", "text/tab-separated-values", "?id\n", id="tsv"),
        pytest.param(
            "application/json", "application/sparql-results+json", '"vars": ["id"]', id="json-alias"
        ),
        pytest.param(BROWSER, "text/html", "<table", id="html-for-browsers"),
    ],
)
def test_sparql_select_formats(client: TestClient, accept: str, media: str, expected: str) -> None:
    r = client.get("/sparql", params={"query": CASES_QUERY}, headers={"accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(media)
    assert expected in r.text
    assert "jonkoping-esther" in r.text


def test_sparql_tsv_terms_are_ntriples(client: TestClient) -> None:
    r = client.get(
        "/sparql",
        params={"query": PREFIX + "SELECT ?c WHERE { ?c cokg:caseId 'jonkoping-esther' }"},
        headers={"accept": "text/tab-separated-values"},
    )
    assert r.text.splitlines() == ["?c", f"<{CASE1}>"]


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        pytest.param("text/turtle", ox.RdfFormat.TURTLE, id="turtle"),
        pytest.param("application/n-triples", ox.RdfFormat.N_TRIPLES, id="n-triples"),
        pytest.param("application/rdf+xml", ox.RdfFormat.RDF_XML, id="rdf-xml"),
        pytest.param("application/ld+json", ox.RdfFormat.JSON_LD, id="json-ld"),
    ],
)
def test_sparql_construct_formats(client: TestClient, accept: str, fmt) -> None:
    q = f"CONSTRUCT {{ <{CASE1}> ?p ?o }} WHERE {{ <{CASE1}> ?p ?o }}"
    r = client.get("/sparql", params={"query": q}, headers={"accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(accept)
    triples = [q.triple for q in ox.parse(r.content, format=fmt)]
    assert (
        ox.Triple(
            ox.NamedNode(CASE1),
            ox.NamedNode(COKG + "caseNumber"),
            ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        )
        in triples
    )


def test_sparql_describe_is_turtle_by_default(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": f"DESCRIBE <{CASE1}>"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")
    assert "jonkoping-esther" in r.text


def test_sparql_ask(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": PREFIX + "ASK { ?c a cokg:Case }"})
    assert r.status_code == 200
    assert r.json() == {"head": {}, "boolean": True}


def test_sparql_not_acceptable(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": CASES_QUERY}, headers={"accept": "text/turtle"})
    assert r.status_code == 406


def test_sparql_syntax_error_is_400(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "SELECT WHERE {"})
    assert r.status_code == 400
    assert "syntax" in r.text.lower()


def test_sparql_missing_query_is_400(client: TestClient) -> None:
    assert client.get("/sparql").status_code == 400
    # a browser gets the query form instead
    r = client.get("/sparql", headers={"accept": BROWSER})
    assert r.status_code == 200 and "<textarea" in r.text


def test_sparql_default_graph_uri(client: TestClient) -> None:
    q = PREFIX + "SELECT ?id WHERE { ?c cokg:caseId ?id }"
    only_places = "https://w3id.org/cokg/graph/places"
    r = client.get("/sparql", params={"query": q, "default-graph-uri": only_places})
    assert r.status_code == 200
    assert r.json()["results"]["bindings"] == []
    # control: the graph of case 2 as the default graph holds exactly that case
    case2 = "https://w3id.org/cokg/graph/dundee-mrr"
    r = client.get("/sparql", params={"query": q, "default-graph-uri": case2})
    assert [b["id"]["value"] for b in r.json()["results"]["bindings"]] == ["dundee-mrr"]


# --- read-only ---------------------------------------------------------------------------------

INSERT = f"INSERT DATA {{ GRAPH <urn:x> {{ <{CASE1}> <{COKG}caseId> 'hacked' }} }}"
DELETE = "DELETE WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.mark.parametrize(
    "send",
    [
        pytest.param(
            lambda c: c.post(
                "/sparql", content=INSERT, headers={"content-type": "application/sparql-update"}
            ),
            id="sparql-update-body",
        ),
        pytest.param(lambda c: c.post("/sparql", data={"update": DELETE}), id="form-update"),
        pytest.param(lambda c: c.get("/sparql", params={"update": DELETE}), id="update-param"),
        pytest.param(lambda c: c.get("/sparql", params={"query": INSERT}), id="insert-as-query"),
        pytest.param(lambda c: c.get("/sparql", params={"query": DELETE}), id="delete-as-query"),
        pytest.param(
            lambda c: c.post(
                "/sparql", content="CLEAR ALL", headers={"content-type": "application/sparql-query"}
            ),
            id="clear-as-query-body",
        ),
        pytest.param(lambda c: c.put("/sparql", content=INSERT), id="put"),
    ],
)
def test_updates_are_refused_and_store_unchanged(client: TestClient, store_dir: Path, send) -> None:
    from cokg.store import open_store

    before = count_triples(client)
    r = send(client)
    assert r.status_code in (400, 403, 405), r.text
    if r.status_code == 403:
        assert "read-only" in r.text
    assert count_triples(client) == before
    hacked = sparql_json(client, "ASK { ?s ?p 'hacked' }")
    assert hacked["boolean"] is False
    # the store the server was started from is untouched as well
    store = open_store(store_dir, read_only=True)
    try:
        assert store.count() == before
    finally:
        store.close()


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(
            "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", id="service"
        ),
        pytest.param(
            "select * where { service silent <http://example.org/> { ?s ?p ?o } }",
            id="service-lowercase",
        ),
        pytest.param(
            "SELECT * WHERE { \\u0053ERVICE <http://example.org/> { ?s ?p ?o } }",
            id="service-escaped",
        ),
        pytest.param("LOAD <http://example.org/data.ttl>", id="load"),
    ],
)
def test_service_and_load_refused(client: TestClient, query: str) -> None:
    r = client.get("/sparql", params={"query": query})
    assert r.status_code == 403
    assert "refused" in r.text


# --- timeout and result limit ---------------------------------------------------------------------


def test_timeout_stops_query_and_server_keeps_serving(client: TestClient, pool: QueryPool) -> None:
    killed = pool.stats.killed_timeout
    start = time.monotonic()
    r = client.get("/sparql", params={"query": CROSS_PRODUCT})
    elapsed = time.monotonic() - start
    assert r.status_code == 503
    assert r.headers["x-cokg-error"] == "timeout"
    assert f"{TIMEOUT:g} s timeout" in r.text and "stopped" in r.text
    assert elapsed < TIMEOUT + 5
    assert pool.stats.killed_timeout == killed + 1
    # the next requests are served (by the other worker, then by the replacement)
    for _ in range(4):
        assert count_triples(client) > 1000


def test_timeout_on_html_pages(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": CROSS_PRODUCT}, headers={"accept": BROWSER})
    assert r.status_code == 503
    assert "timeout" in r.text and '<p class="error"' in r.text


def test_result_limit_truncates_and_says_so(capped: TestClient) -> None:
    r = capped.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.status_code == 200
    assert r.headers["x-cokg-truncated"] == "true"
    assert r.headers["x-cokg-result-limit"] == "3"
    assert len(r.json()["results"]["bindings"]) == 3


def test_result_below_limit_is_not_flagged(capped: TestClient) -> None:
    r = capped.get(
        "/sparql", params={"query": PREFIX + "SELECT ?c WHERE { ?c cokg:caseId ?x } LIMIT 1"}
    )
    assert r.headers["x-cokg-truncated"] == "false"
    assert len(r.json()["results"]["bindings"]) == 1


def test_result_limit_on_construct(capped: TestClient) -> None:
    r = capped.get(
        "/sparql",
        params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"},
        headers={"accept": "application/n-triples"},
    )
    assert r.headers["x-cokg-truncated"] == "true"
    assert len(list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))) == 3


def test_result_limit_on_html_page_shows_a_note(capped: TestClient) -> None:
    # every row asked for (limit=0): more than the result limit
    r = capped.get("/query/timeline", params={"case": "jonkoping-esther", "limit": "0"})
    assert r.status_code == 200
    assert r.headers["x-cokg-truncated"] == "true"
    assert 'id="truncated"' in r.text and "only the first 3 results" in r.text


def test_result_limit_on_csv_download(capped: TestClient) -> None:
    r = capped.get("/query/timeline", params={"case": "jonkoping-esther", "format": "csv"})
    assert r.headers["x-cokg-truncated"] == "true"
    assert len(list(csv.DictReader(io.StringIO(r.text)))) == 3


@pytest.mark.parametrize(
    "asked",
    [
        pytest.param({}, id="whole"),
        pytest.param({"limit": "0"}, id="limit-0"),
        pytest.param({"limit": "5"}, id="more-than-the-limit"),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_a_download_cut_at_the_result_limit_links_to_the_rest(
    client: TestClient, capped: TestClient, asked: dict[str, str], fmt: str
) -> None:
    """Cut at the result limit (3), a download said only X-Cokg-Truncated: no total and no
    way on, where the HTML page had a Next link. It is now the page of the answer at the
    limit, flagged as cut, and its Links lead through the whole answer, as a paged download's."""
    params = {"case": "jonkoping-esther", "format": fmt}
    whole = client.get("/query/timeline", params=params)
    want = whole.text.splitlines()
    assert whole.headers["x-cokg-truncated"] == "false" and len(want) > 10
    r = capped.get("/query/timeline", params={**params, **asked})
    assert r.status_code == 200
    assert r.headers["x-cokg-truncated"] == "true" and r.headers["x-cokg-result-limit"] == "3"
    assert r.headers["x-cokg-total"] == str(len(want) - 1)
    assert r.headers["x-cokg-offset"] == "0"
    got, pages = r.text.splitlines(), 1
    while m := re.search(r'<([^>]+)>; rel="next"', r.headers.get("link", "")):
        r = capped.get(m.group(1))
        assert r.status_code == 200 and r.headers["x-cokg-truncated"] == "false"
        got += r.text.splitlines()[1:]  # each page has the header line
        pages += 1
        assert pages <= len(want)
    assert got == want


def test_a_download_within_the_result_limit_is_whole(capped: TestClient) -> None:
    params = {"case": "jonkoping-esther", "format": "csv"}
    r = capped.get("/query/health-system-features", params=params)
    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.text)))[1:]
    assert 0 < len(rows) <= 3 and r.headers["x-cokg-truncated"] == "false"
    assert "x-cokg-total" not in r.headers and "link" not in r.headers


def test_result_limit_on_case_page(capped: TestClient) -> None:
    r = capped.get("/case/jonkoping-esther")
    assert r.status_code == 200
    assert r.headers["x-cokg-truncated"] == "true" and 'id="truncated"' in r.text


# --- small routes -------------------------------------------------------------------------------


def test_stylesheet(client: TestClient) -> None:
    r = client.get("/style.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")


def test_favicon_is_served_and_linked(client: TestClient) -> None:
    # browsers ask for /favicon.ico whatever the page says; both answer with the same icon
    for path in ("/favicon.svg", "/favicon.ico"):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"
        assert r.text.startswith("<svg") and "<script" not in r.text
    assert '<link rel="icon" href="/favicon.svg"' in client.get("/").text


def test_status(client: TestClient) -> None:
    doc = client.get("/status").json()
    assert doc["workers"] == 2 and doc["timeout_s"] == TIMEOUT and doc["result_limit"] == 5000


def test_html_escapes_data(client: TestClient) -> None:
    q = "SELECT ?x WHERE { BIND('<script>alert(1)</script>' AS ?x) }"
    r = client.get("/sparql", params={"query": q}, headers={"accept": BROWSER})
    assert "<script>alert(1)" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text


# --- protocol helpers (no server) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "refused"),
    [
        pytest.param("SELECT * { ?s ?p 'SERVICE' }", False, id="keyword-in-string"),
        pytest.param("SELECT ?service { ?service ?p ?o }", False, id="variable-named-service"),
        pytest.param("SELECT * { <http://x/load> ?p ?o }", False, id="keyword-in-iri"),
        pytest.param("# LOAD\nSELECT * { ?s ?p ?o }", False, id="keyword-in-comment"),
        pytest.param("PREFIX load: <urn:x:>\nSELECT * { load:a ?p ?o }", False, id="prefix-load"),
        pytest.param("SELECT * { SERVICE <urn:x> { ?s ?p ?o } }", True, id="service"),
        pytest.param("LOAD SILENT <http://x/> INTO GRAPH <urn:g>", True, id="load"),
    ],
)
def test_screen_request(query: str, refused: bool) -> None:
    from cokg.errors import NetworkRefused
    from cokg.sparql import UpdateRefused

    if refused:
        with pytest.raises((NetworkRefused, UpdateRefused)):
            screen_request(query)
    else:
        screen_request(query)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        pytest.param(None, "application/sparql-results+json", id="none"),
        pytest.param("*/*", "application/sparql-results+json", id="any"),
        pytest.param(
            "text/csv;q=0.5, application/sparql-results+xml",
            "application/sparql-results+xml",
            id="q-values",
        ),
        pytest.param("text/*", "text/csv", id="text-wildcard"),
        pytest.param("text/turtle", None, id="graph-only"),
    ],
)
def test_negotiate_results(accept: str | None, expected: str | None) -> None:
    from cokg.serve.protocol import RESULT_TYPES

    assert negotiate(accept, RESULT_TYPES) == expected


def test_choose_prefers_html_for_browsers_only() -> None:
    assert choose(BROWSER, None, html=True) == ("text/html", "text/html")
    assert choose("*/*", None, html=True) == ("application/sparql-results+json", "text/turtle")
    assert choose(BROWSER, "csv", html=True) == ("text/csv", None)


# --- the command --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--timeout", "0"], "--timeout must be positive", id="timeout-zero"),
        pytest.param(["--limit", "0"], "--limit must be at least 1", id="limit-zero"),
        pytest.param(["--workers", "0"], "--workers must be at least 1", id="workers-zero"),
        pytest.param(
            ["--store", "memory:", "--endpoint", "http://127.0.0.1:9/sparql"],
            "give a store or an endpoint to serve, not both",
            id="store-and-endpoint",
        ),
    ],
)
def test_cli_refuses_bad_options(args: list[str], message: str) -> None:
    from click.testing import CliRunner

    from cokg.cli import cli

    result = CliRunner().invoke(cli, ["serve", *args])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("cokg: error: " + message), result.output


# --- the worker pool on its own -----------------------------------------------------------------


@pytest.fixture
def tiny_source(tmp_path: Path):  # type: ignore[no-untyped-def]
    from cokg.serve import DataSource

    path = tmp_path / "tiny.nq"
    quads = [
        ox.Quad(
            ox.NamedNode(f"urn:s{i % 300}"),
            ox.NamedNode(f"urn:p{i % 17}"),
            ox.Literal(f"v{i}"),
            ox.NamedNode("urn:g"),
        )
        for i in range(3000)
    ]
    ox.serialize(quads, str(path), format=ox.RdfFormat.N_QUADS)
    return DataSource(snapshot=path)


def test_memory_cap_stops_query_and_worker_is_replaced(tiny_source) -> None:  # type: ignore[no-untyped-def]
    with QueryPool(tiny_source, workers=1, timeout=30, memory_mb=400) as p:
        app = create_app(p, ServeSettings(timeout=30, limit=10))
        with TestClient(app) as c:
            r = c.get("/sparql", params={"query": CROSS_PRODUCT})
            assert r.status_code == 503
            assert r.headers["x-cokg-error"] == "worker-lost"
            assert "memory" in r.text
            r = c.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
            assert r.status_code == 200
            assert r.json()["results"]["bindings"][0]["n"]["value"] == "3000"


# RDF 1.2 base directions beside a plain language tag, a typed and a plain literal: the
# endpoint's answers, read back by pyoxigraph's own results parser, are the terms stored.
DIRECTED = [
    ox.Literal("مرحبا", language="ar", direction=ox.BaseDirection.RTL),
    ox.Literal("hello", language="en-gb", direction=ox.BaseDirection.LTR),
    ox.Literal("hello", language="en"),
    ox.Literal("7", datatype=ox.NamedNode(XSD + "integer")),
    ox.Literal("plain"),
]


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        pytest.param("application/sparql-results+json", ox.QueryResultsFormat.JSON, id="json"),
        pytest.param("application/sparql-results+xml", ox.QueryResultsFormat.XML, id="xml"),
        pytest.param("text/tab-separated-values", ox.QueryResultsFormat.TSV, id="tsv"),
    ],
)
def test_sparql_answers_keep_base_directions(tmp_path: Path, accept: str, fmt) -> None:  # type: ignore[no-untyped-def]
    from cokg.serve import DataSource

    path = tmp_path / "directed.nq"
    graph, subject = ox.NamedNode("urn:g"), ox.NamedNode("urn:s")
    quads = [ox.Quad(subject, ox.NamedNode(f"urn:p{i}"), v, graph) for i, v in enumerate(DIRECTED)]
    ox.serialize(quads, str(path), format=ox.RdfFormat.N_QUADS)
    query = "SELECT ?v WHERE { ?s ?p ?v } ORDER BY ?p"
    pool = QueryPool(DataSource(snapshot=path), workers=1, timeout=30)
    with pool, TestClient(create_app(pool, ServeSettings(timeout=30, limit=10))) as c:
        r = c.get("/sparql", params={"query": query}, headers={"accept": accept})
    assert r.status_code == 200, r.text
    served = [s["v"] for s in ox.parse_query_results(r.content, format=fmt)]
    assert served == DIRECTED
    assert [v.direction for v in served] == [
        ox.BaseDirection.RTL, ox.BaseDirection.LTR, None, None, None,
    ]  # fmt: skip


def test_busy_pool_refuses_instead_of_queueing_forever(tiny_source) -> None:  # type: ignore[no-untyped-def]
    import threading

    from cokg.serve.pool import QueryTimeout, ServiceBusy

    # A streaming count over a three-way cross product (3000^3 rows) keeps the only worker
    # busy without holding memory; the second task finds no free worker within its timeout.
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    task = {"op": "rows", "limit": 10, "bindings": {}}
    with QueryPool(tiny_source, workers=1, timeout=30) as p:
        errors: list[Exception] = []

        def occupy() -> None:
            try:
                p.run({**task, "query": slow}, timeout=3)
            except Exception as exc:  # recorded and checked below
                errors.append(exc)

        t = threading.Thread(target=occupy)
        t.start()
        time.sleep(0.5)
        with pytest.raises(ServiceBusy, match=r"no query worker became free within 0\.5 s"):
            p.run({**task, "query": "ASK {}"}, timeout=0.5)
        t.join(30)
        assert [type(e) for e in errors] == [QueryTimeout]
        # once the stuck worker is replaced the pool answers again
        assert p.run({**task, "query": "ASK {}"}, timeout=10)["boolean"] is True


def test_pool_close_stops_every_worker(tiny_source) -> None:  # type: ignore[no-untyped-def]
    p = QueryPool(tiny_source, workers=2, timeout=5).start()
    procs = [w.process for w in p._all.values()]
    assert len(procs) == 2 and all(proc.poll() is None for proc in procs)
    p.close()
    assert all(proc.poll() is not None for proc in procs)


@pytest.mark.parametrize(
    ("send", "status"),
    [
        pytest.param(
            lambda c: c.post("/sparql", content="x", headers={"content-type": "text/plain"}),
            415,
            id="post-unknown-content-type",
        ),
        pytest.param(
            lambda c: c.post(
                "/sparql",
                content="SELECT * {}" + " " * 300_000,
                headers={"content-type": "application/sparql-query"},
            ),
            413,
            id="query-too-long",
        ),
        pytest.param(
            lambda c: c.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")]),
            400,
            id="two-queries",
        ),
        pytest.param(
            lambda c: c.post(
                "/sparql?query=ASK%20%7B%7D",
                content="ASK {}",
                headers={"content-type": "application/sparql-query"},
            ),
            400,
            id="query-in-body-and-url",
        ),
    ],
)
def test_sparql_protocol_errors(client: TestClient, send, status: int) -> None:  # type: ignore[no-untyped-def]
    assert send(client).status_code == status


def test_sparql_construct_as_html_table(client: TestClient) -> None:
    q = f"CONSTRUCT {{ <{CASE1}> ?p ?o }} WHERE {{ <{CASE1}> ?p ?o }}"
    r = client.get("/sparql", params={"query": q}, headers={"accept": BROWSER})
    assert r.status_code == 200
    assert '<th scope="col">predicate</th>' in r.text and TABLE1_ADMIN in r.text


def test_sparql_named_graph_uri(client: TestClient) -> None:
    q = PREFIX + "SELECT ?g WHERE { GRAPH ?g { ?c cokg:caseId 'dundee-mrr' } }"
    case2 = "https://w3id.org/cokg/graph/dundee-mrr"
    r = client.get("/sparql", params={"query": q, "named-graph-uri": case2})
    assert [b["g"]["value"] for b in r.json()["results"]["bindings"]] == [case2]
    r = client.get(
        "/sparql", params={"query": q, "named-graph-uri": "https://w3id.org/cokg/graph/places"}
    )
    assert r.json()["results"]["bindings"] == []


# --- one home per job: pages from saved queries, one results writer, one way to bind ------------

SRC = Path(__file__).resolve().parents[1] / "src" / "cokg"
SPARQL_TEXT = re.compile(r"\b(?:SELECT|ASK|CONSTRUCT|DESCRIBE)\b[^{}]*\{|\bPREFIX\s+\w*:\s*<")


def _strings(path: Path) -> Iterator[str]:
    """Every string constant in a Python file (f-string pieces included), docstrings aside."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            yield node.value


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, id=p.name)
        for p in [*sorted((SRC / "serve").glob("*.py")), SRC / "analyse.py"]
    ],
)
def test_no_sparql_text_in_serve_or_analyse(path: Path) -> None:
    """Pages and analyses run saved queries (queries/*.rq), never SPARQL written in Python."""
    found = [s for s in _strings(path) if SPARQL_TEXT.search(s)]
    assert not found, f"{path.name} holds SPARQL text: {found[0][:80]!r}"


def test_the_rule_sees_sparql_text(tmp_path: Path) -> None:
    f = tmp_path / "x.py"
    f.write_text('Q = "PREFIX cokg: <urn:x#>\\nSELECT ?c WHERE { ?c a cokg:Case }"\n')
    assert [s for s in _strings(f) if SPARQL_TEXT.search(s)]
    f.write_text('DOC = "the SELECT answer, as a table"\n')
    assert not [s for s in _strings(f) if SPARQL_TEXT.search(s)]
    f.write_text('def f():\n    """Draws `SELECT * WHERE { }` as a note."""\n')
    assert not [s for s in _strings(f) if SPARQL_TEXT.search(s)]


def test_internal_queries_are_not_served_as_saved_query_pages(client: TestClient) -> None:
    index = client.get("/", headers={"accept": BROWSER}).text
    assert 'action="/query/timeline"' in index
    for name in ("cases", "case-findings", "resource-statements", "coded-findings"):
        assert f'action="/query/{name}"' not in index
        assert client.get(f"/query/{name}").status_code == 404


def test_sparql_form_example_is_a_saved_query(client: TestClient) -> None:
    from cokg.query import get_query

    r = client.get("/sparql", headers={"accept": BROWSER})
    assert r.status_code == 200
    example = get_query("cases").body
    assert html.escape(example) in r.text
    # and it runs: the cases, as the browser test clicks it
    got = client.get("/sparql", params={"query": example})
    assert [b["case_id"]["value"] for b in got.json()["results"]["bindings"]] == [
        "jonkoping-esther",
        "dundee-mrr",
        "manitoba-learning-centres",
    ]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_saved_query_download_is_the_endpoints_answer(client: TestClient, fmt: str) -> None:
    """One results writer: /query/<name>?format= and /sparql give the same bytes."""
    from cokg.query import get_query

    for name in ("sampling-frame", "dataset-summary"):
        saved = client.get(f"/query/{name}", params={"format": fmt})
        direct = client.get("/sparql", params={"query": get_query(name).body, "format": fmt})
        assert saved.status_code == direct.status_code == 200
        assert saved.content == direct.content
        assert saved.headers["content-type"] == direct.headers["content-type"]


def test_pool_store_binds_by_values_not_substitutions() -> None:
    from rdflib import BNode, Literal, URIRef

    from cokg.serve.poolstore import PoolStore

    class Recorder:
        def __init__(self) -> None:
            self.tasks: list[dict] = []

        def run(self, task: dict, *, timeout: float | None = None) -> dict:
            self.tasks.append({**task, "timeout": timeout})
            row = (("uri", "urn:s"), ("literal", "7", XSD + "integer", None), ("bnode", "b0"))
            return {
                "kind": "select",
                "variables": ["s", "n", "b"],
                "rows": [row],
                "truncated": True,
            }

    pool = Recorder()
    store = PoolStore(pool, timeout=2.0, limit=5)  # type: ignore[arg-type]
    result = store.query(
        "SELECT ?s ?n ?b WHERE { ?s ?p ?n }", bindings={"s": URIRef("urn:s")}, timeout=9
    )
    (task,) = pool.tasks
    assert set(task) == {"op", "query", "limit", "timeout"}  # no substitutions sent
    assert "VALUES (?s) { (<urn:s>) }" in task["query"]
    assert task["limit"] == 5 and task["timeout"] == 2.0  # the server's caps win
    assert result.rows == [{"s": URIRef("urn:s"), "n": Literal(7), "b": BNode("b0")}]
    assert store.truncated
    with pytest.raises(Exception, match="read-only"):
        store.replace_graphs({})


def test_query_workers_load_no_web_or_rdf_library() -> None:
    """The worker side: the standard library, pyoxigraph, cokg.sandbox and cokg.serve.results."""
    code = (
        "import sys, cokg.serve.pool, cokg.sandbox\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'rdflib', 'starlette', 'anyio', 'uvicorn', 'networkx', 'httpx'}))\n"
        "print(sorted(m for m in sys.modules if m.startswith('cokg.serve')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == [
        "[]",
        "['cokg.serve', 'cokg.serve.pool', 'cokg.serve.results']",
    ]


def test_giving_declared_types_back_loads_no_rdf_library() -> None:
    """A worker gives an entity's declared integer types back with `cokg/store/datatypes.py`
    loaded from its file: rdflib (through the `cokg.store` package) stays out of it."""
    code = (
        "import sys, pyoxigraph as ox\n"
        "from cokg.serve.pool import _run_task\n"
        "st = ox.Store()\n"
        "p, xsd = ox.NamedNode('urn:x:p'), 'http://www.w3.org/2001/XMLSchema#'\n"
        "st.add(ox.Quad(p, ox.NamedNode('http://www.w3.org/2000/01/rdf-schema#range'),\n"
        "               ox.NamedNode(xsd + 'positiveInteger')))\n"
        "st.add(ox.Quad(ox.NamedNode('urn:x:s'), p, ox.Literal('3', datatype=ox.NamedNode(\n"
        "               xsd + 'positiveInteger'))))\n"
        "task = {'op': 'protocol', 'query': 'CONSTRUCT WHERE { <urn:x:s> ?p ?o }',\n"
        "        'result_format': None, 'graph_format': ('application/n-triples', 'N_TRIPLES'),\n"
        "        'declared_types': True}\n"
        "print(_run_task(ox, st, task)['body'].decode().strip())\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'rdflib', 'starlette'}))\n"
        "print(sorted(m for m in sys.modules if m.startswith('cokg.store')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == [
        f'<urn:x:s> <urn:x:p> "3"^^<{XSD}positiveInteger> .',
        "[]",
        "[]",
    ]


def test_a_parameter_given_twice_is_refused(client: TestClient) -> None:
    r = client.get("/query/timeline?case=dundee-mrr&case=jonkoping-esther&format=csv")
    assert r.status_code == 400 and "case given twice" in r.text
    assert client.get("/query/timeline?case=dundee-mrr&case=dundee-mrr").status_code == 200


def test_a_case_page_by_its_number(client: TestClient) -> None:
    r = client.get("/case/2", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/case/dundee-mrr"
    assert client.get("/case/99").status_code == 404


def test_a_case_given_by_number_stays_selected_in_the_form(pool: QueryPool) -> None:
    # ?case=2 answered for Dundee, but the form showed "(all)": Run again dropped the filter.
    # (its own app: the case navigation is read when an app starts, and the apps of the tests
    # above on other data started later)
    with TestClient(create_app(pool, ServeSettings(timeout=TIMEOUT, limit=5000))) as c:
        r = c.get("/query/timeline", params={"case": "2"})
    assert r.status_code == 200
    assert '<option value="dundee-mrr" selected>' in r.text


def test_no_link_from_an_entity_page_leads_nowhere(client: TestClient) -> None:
    """rdf:type, rdfs:label and the like linked to /resource, which knows nothing about them
    (404): they link to their own vocabularies' pages; every /resource link answers."""
    import re as _re
    from html import unescape

    page = client.get("/id/case/jonkoping-esther", headers={"Accept": "text/html"}).text
    assert 'href="http://www.w3.org/1999/02/22-rdf-syntax-ns#type"' in page
    for href in sorted(set(_re.findall(r'href="(/resource\?[^"]+)"', page))):
        assert client.get(unescape(href)).status_code == 200, href


def test_a_saved_query_page_answers_tsv_and_refuses_a_type_it_lacks(client: TestClient) -> None:
    # an unsupported Accept got the HTML page with 200; TSV, which cokg query and /sparql give,
    # was "format must be html, csv or json"
    tsv = "text/tab-separated-values"
    for how in ({"params": {"format": "tsv"}}, {"headers": {"Accept": tsv}}):
        r = client.get("/query/sampling-frame", **how)  # type: ignore[arg-type]
        assert r.status_code == 200 and r.headers["content-type"].startswith(
            "text/tab-separated-values"
        ), r.text
        assert r.text.splitlines()[0].startswith("?case_number\t?case_id\t?case")
    r = client.get("/query/sampling-frame", headers={"Accept": "text/turtle"})
    assert r.status_code == 406 and "text/html, text/csv" in r.text
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert client.get("/query/sampling-frame", headers={"Accept": browser}).status_code == 200
    assert client.get("/query/sampling-frame", headers={"Accept": "*/*"}).status_code == 200


def test_a_downloaded_page_says_it_is_one(client: TestClient) -> None:
    # 5 of 54 rows came with nothing saying there were more (the CLI's JSON has `page`)
    r = client.get("/query/quotations", params={"limit": "5", "format": "csv"})
    assert r.status_code == 200
    total = int(r.headers["x-cokg-total"])
    assert total > 5 and r.headers["x-cokg-offset"] == "0"
    assert len(r.text.strip().splitlines()) == 1 + 5
    assert 'rel="next"' in r.headers["link"] and "offset=5" in r.headers["link"]
    nxt = r.headers["link"].split(">", 1)[0].lstrip("<")
    assert client.get(nxt).headers["x-cokg-offset"] == "5"
    whole = client.get("/query/quotations", params={"format": "csv"})
    assert "x-cokg-total" not in whole.headers  # the whole answer: no page to speak of
    assert len(whole.text.strip().splitlines()) == 1 + total


@pytest.mark.parametrize("declared", [None, "3000000000"], ids=["chunked", "content-length"])
def test_a_long_body_is_not_read_past_the_limit(declared: str | None) -> None:
    """The endpoint read the whole body before checking its length: a client sending 3 GB
    (chunked) cost the server 5.6 GB of memory before the 413. It stops at the limit."""
    import anyio
    from starlette.requests import Request

    from cokg.serve.endpoint import MAX_QUERY_BYTES, _bounded_body

    chunk = 1 << 16
    sent = 0

    async def receive() -> dict:
        nonlocal sent
        sent += chunk
        return {"type": "http.request", "body": b"a" * chunk, "more_body": True}

    headers = [(b"content-type", b"application/sparql-query")]
    if declared is not None:
        headers.append((b"content-length", declared.encode()))
    scope = {"type": "http", "method": "POST", "path": "/sparql", "headers": headers}
    assert anyio.run(_bounded_body, Request(scope, receive)) is None
    assert sent <= (0 if declared else MAX_QUERY_BYTES + chunk)


def test_every_case_is_listed_and_served_whatever_the_result_limit(pool: QueryPool) -> None:
    # with --limit below the number of cases, the navigation listed the first cases only and
    # the others' pages answered 404
    app = create_app(pool, ServeSettings(timeout=TIMEOUT, limit=2))
    with TestClient(app) as c:
        index = c.get("/").text
        for case in ("jonkoping-esther", "dundee-mrr", "manitoba-learning-centres"):
            assert f'<a href="/case/{case}"' in index
            assert c.get(f"/case/{case}").status_code == 200


@pytest.mark.parametrize("serving", [1.0, 0.0], ids=["serving", "starting"])
def test_a_served_snapshot_is_removed_when_the_server_is_stopped(
    tmp_path: Path, serving: float
) -> None:
    """`cokg serve` stopped by SIGTERM (a service manager's stop) ended on the spot after
    uvicorn's shutdown: the store's snapshot stayed in the temporary folder, one per stop.
    So it did when stopped while starting (its workers loading the snapshot: seconds on a
    large store, or on a loaded machine), before uvicorn ran."""
    import os
    import signal
    import socket as sockets

    with sockets.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    cmd = [sys.executable, "-c", "from cokg.cli import main; main()", "serve", "--store",
           "memory:", "--port", str(port)]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob("cokg-serve-*/snapshot.nq")):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        time.sleep(serving)  # serving, or at once: the workers still starting
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        assert proc.returncode == 128 + signal.SIGTERM  # unwound, not killed by the signal
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not list(tmp_path.glob("cokg-serve-*")), "the snapshot was left behind"


def test_a_property_defined_outside_cokg_has_a_page_not_a_404(tmp_path: Path) -> None:
    """The provenance pages link prov:wasAttributedTo and dcterms:format, about which the
    store states nothing: each link was a 404. Such a property's page says what it is; a
    property that is not a web address is shown, never linked (a javascript: IRI)."""
    from rdflib import URIRef

    from cokg.query import get_query
    from cokg.serve.entities import resource_body
    from cokg.store import MemoryStore

    st = MemoryStore()
    subject = URIRef("https://w3id.org/cokg/id/case/x")
    g = "https://w3id.org/cokg/graph/submission/x"
    web = "http://www.w3.org/ns/prov#wasAttributedTo"
    script = "javascript:alert(1)"
    ttl = tmp_path / "x.nt"
    ttl.write_text(
        f'<{subject}> <{web}> "A. Steward" .\n<{subject}> <{script}> "x" .\n', encoding="utf-8"
    )
    st.load_files({g: ttl})
    body, title = resource_body(st, get_query, web)  # type: ignore[arg-type]
    assert title == "prov:wasAttributedTo"
    assert f'<a href="{web}" rel="noreferrer">' in body and "/id/case/x" in body
    body, _ = resource_body(st, get_query, script)  # type: ignore[arg-type]
    assert 'href="javascript' not in body and "<code>javascript:alert(1)</code>" in body
    with pytest.raises(LookupError):
        resource_body(st, get_query, "http://example.org/never-used")  # type: ignore[arg-type]


def test_an_empty_answer_page_says_what_no_rows_means(client: TestClient) -> None:
    r = client.get(
        "/query/external-change-agents-before-adoption",
        params={"case": "jonkoping-esther"},
        headers={"accept": BROWSER},
    )
    assert r.status_code == 200
    assert '<p class="empty">No rows: no external change agent' in r.text
    assert "<code>organisation-roles</code>" in r.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("PUT", "/sparql-graph-crud?graph=urn:x:g", id="gsp-put"),
        pytest.param("DELETE", "/sparql-graph-crud?graph=urn:x:g", id="gsp-delete"),
        pytest.param("PUT", "/sparql", id="put-sparql"),
    ],
)
def test_a_write_is_told_the_server_is_read_only(
    client: TestClient, method: str, path: str
) -> None:
    # an ingest pointed at the served endpoint read "PUT ... HTTP 404 Not Found"
    r = client.request(method, path, content=b"<urn:x:a> <urn:x:b> <urn:x:c> .")
    assert r.status_code == 405
    assert r.headers["X-Cokg-Error"] == "read-only"
    assert r.text == "cokg serve is read-only: it takes no writes"


def test_a_case_page_by_its_id_in_capitals(client: TestClient) -> None:
    # /case/Dundee-MRR was a 404 where query case=Dundee-MRR answered
    r = client.get("/case/Dundee-MRR", headers={"accept": BROWSER})
    assert r.status_code == 200 and "Making Recovery Real" in r.text
