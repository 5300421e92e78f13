"""The W3C SPARQL 1.1 Protocol tests, against `cokg serve` (real app, real query workers).

Each case below is one test of the W3C manifest (w3c/rdf-tests, sparql/sparql11/protocol/
manifest.ttl), written here from its prose description of the HTTP exchange: the method, the
parameters, the body and its media type, and what the response must be (a status class, and
for queries the kind of result: a boolean, a table, or RDF). Nothing is read from the W3C
files at test time; the ids are the W3C test names.

The dataset is the founding data of the knowledge graph plus four small graphs named as in
the manifest (http://kasei.us/2009/09/sparql/data/data0.rdf ... data3.rdf), each holding one
foaf:Document: our own data, built to the manifest's description of what the queries expect.

The endpoint is read-only, so every update test (update_*) must be refused with a 4xx and
leave the data as it was; a follow-up query the W3C test runs to see the update's effect is
still sent, and must find nothing written. Paths: the manifest writes /sparql/ and asks a
runner to use the endpoint's own path, which is /sparql here.
"""

from __future__ import annotations

import io
import json
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox
import pytest

with warnings.catch_warnings():  # Starlette nudges towards httpx2; httpx is what we have
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from cokg.serve import QueryPool, ServeSettings, create_app
from cokg.serve.pool import DataSource

pytestmark = pytest.mark.timeout(180)

TIMEOUT = 10.0
ENDPOINT = "/sparql"
KASEI = "http://kasei.us/2009/09/sparql/data/"
D0, D1, D2, D3 = (f"{KASEI}data{i}.rdf" for i in range(4))
FOAF_DOCUMENT = "http://xmlns.com/foaf/0.1/Document"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

RESULTS_JSON = "application/sparql-results+json"
RESULTS_XML = "application/sparql-results+xml"
BOOLEAN_TYPES = {RESULTS_JSON, RESULTS_XML}
TABULAR_TYPES = {RESULTS_JSON, RESULTS_XML, "text/csv", "text/tab-separated-values"}
RDF_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"


def protocol_graphs() -> str:
    """data0..data3: each graph says that its own name is a foaf:Document (N-Quads)."""
    return "".join(f"<{g}> <{RDF_TYPE}> <{FOAF_DOCUMENT}> <{g}> .\n" for g in (D0, D1, D2, D3))


# --- the exchanges ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Req:
    """One HTTP request and what its response must be."""

    method: str
    params: list[tuple[str, str]] = field(default_factory=list)  # the URL's query string
    body: bytes | None = None
    content_type: str | None = None
    status: int = 2  # the status class: 2 means 2xx or 3xx (the manifest's words), 4 means 4xx
    result: str | None = None  # "boolean", "tabular" or "RDF"
    boolean: bool | None = None
    rows: int | None = None  # number of solutions a tabular answer must have
    check: Callable[[list[dict[str, ox.Term]]], None] | None = None


def form(*pairs: tuple[str, str]) -> bytes:
    return urlencode(pairs).encode()


def ask_true(*, via: str, params: list[tuple[str, str]], text: str) -> Req:
    """An ASK sent by GET or by direct POST, whose answer must be true."""
    if via == "get":
        return Req("GET", [("query", text), *params], result="boolean", boolean=True)
    return Req("POST", params, text.encode(), QUERY, result="boolean", boolean=True)


def g(name: str, iri: str) -> tuple[str, str]:
    return (name, iri)


ASK_D1_D2 = f"ASK {{ <{D1}> a ?type . <{D2}> a ?type . }}"
ASK_NAMED_D1_D2 = f"ASK {{ GRAPH ?g1 {{ <{D1}> a ?type }} GRAPH ?g2 {{ <{D2}> a ?type }} }}"
ASK_FULL = (
    f"ASK {{\n  <{D3}> a ?type\n  GRAPH ?g1 {{ <{D1}> a ?type }}\n"
    f"  GRAPH ?g2 {{ <{D2}> a ?type }}\n}}"
)
ASK_FROM_D3 = f"ASK FROM <{D3}> {{ GRAPH ?g1 {{ <{D1}> a ?type }} GRAPH ?g2 {{ <{D2}> a ?type }} }}"

UPDATE_DEFAULT_GRAPH = f"""PREFIX dc: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
CLEAR ALL ;
INSERT DATA {{ GRAPH <{D1}> {{ <{D1}> a foaf:Document }} }} ;
INSERT {{ GRAPH <http://example.org/protocol-update-dataset-test/> {{
    ?s a dc:BibliographicResource }} }}
WHERE {{ ?s a foaf:Document }}"""


def _update_many(target: str, where: str) -> str:
    inserts = " ".join(f"GRAPH <{d}> {{ <{d}> a foaf:Document }}" for d in (D1, D2, D3))
    return (
        "PREFIX dc: <http://purl.org/dc/terms/>\nPREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
        f"DROP ALL ;\nINSERT DATA {{ {inserts} }} ;\n"
        f"INSERT {{ GRAPH <{target}> {{ ?s a dc:BibliographicResource }} }}\nWHERE {{ {where} }}"
    )


def _ask_written(target: str) -> str:
    dc = "http://purl.org/dc/terms/BibliographicResource"
    return (
        f"ASK {{ GRAPH <{target}> {{ <{D1}> a <{dc}> . <{D2}> a <{dc}> . }}\n"
        f"  FILTER NOT EXISTS {{ GRAPH <{target}> {{ <{D3}> a <{dc}> . }} }} }}"
    )


UPDATE_FULL = (
    "PREFIX foaf: <http://xmlns.com/foaf/0.1/>\nDROP ALL ;\n"
    + " ".join(f"INSERT DATA {{ GRAPH <{d}> {{ <{d}> a foaf:Document }} }} ;" for d in (D1, D2, D3))
    + "\nINSERT { GRAPH <http://example.org/protocol-update-dataset-full-test/> "
    "{ ?s <http://example.org/in> ?in } }\n"
    "WHERE { { GRAPH ?g { ?s a foaf:Document } BIND(?g AS ?in) } "
    'UNION { ?s a foaf:Document . BIND("default" AS ?in) } }'
)
ASK_FULL_WRITTEN = (
    "ASK { GRAPH <http://example.org/protocol-update-dataset-full-test/> {\n"
    f'  <{D1}> <http://example.org/in> "default" .\n'
    f"  <{D2}> <http://example.org/in> <{D2}> . }}\n"
    "  FILTER NOT EXISTS { GRAPH <http://example.org/protocol-update-dataset-full-test/> "
    f"{{ <{D3}> ?p ?o }} }} }}"
)
BASE_TEST_GRAPH = "http://example.org/protocol-base-test/"


def refused_then_not_written(update: Req, ask: str) -> list[Req]:
    """An update the endpoint refuses (4xx), then the W3C follow-up ASK: answered, and false."""
    return [update, Req("POST", [], ask.encode(), QUERY, result="boolean", boolean=False)]


def base_iri_is_not_relative(rows: list[dict[str, ox.Term]]) -> None:
    # The W3C expectation after a successful update: ?o is an IRI that is not `<test>`.
    # The update was refused here, so there is no row at all; should one appear, it must obey.
    for row in rows:
        assert isinstance(row["o"], ox.NamedNode) and row["o"].value != "test"


W3C: dict[str, list[Req]] = {
    "query_post_form": [
        Req(
            "POST",
            [g("default-graph-uri", D0)],
            form(("query", "ASK {}")),
            FORM,
            result="boolean",
            boolean=True,
        )
    ],
    "query_dataset_default_graphs_get": [
        ask_true(
            via="get",
            params=[g("default-graph-uri", D1), g("default-graph-uri", D2)],
            text=ASK_D1_D2,
        )
    ],
    "query_dataset_default_graphs_post": [
        ask_true(
            via="post",
            params=[g("default-graph-uri", D1), g("default-graph-uri", D2)],
            text=ASK_D1_D2,
        )
    ],
    "query_dataset_named_graphs_post": [
        ask_true(
            via="post",
            params=[g("named-graph-uri", D1), g("named-graph-uri", D2)],
            text=ASK_NAMED_D1_D2,
        )
    ],
    "query_dataset_named_graphs_get": [
        ask_true(
            via="get",
            params=[g("named-graph-uri", D1), g("named-graph-uri", D2)],
            text=ASK_NAMED_D1_D2,
        )
    ],
    "query_dataset_full": [
        ask_true(
            via="post",
            params=[
                g("default-graph-uri", D3),
                g("named-graph-uri", D1),
                g("named-graph-uri", D2),
            ],
            text=ASK_FULL,
        )
    ],
    # The manifest percent-encodes the `&` between the two named-graph-uri parameters (%26),
    # which makes one parameter holding an IRI that names no graph, and `true` unreachable.
    # Its author's validator (kasei/sparql11-protocolvalidator, see w3c/rdf-tests#78) sends two
    # named graphs and queries over both: that is what is sent here. The query's own FROM
    # must give way to the protocol's dataset.
    "query_multiple_dataset": [
        ask_true(
            via="post",
            params=[g("named-graph-uri", D1), g("named-graph-uri", D2)],
            text=ASK_FROM_D3,
        )
    ],
    "query_get": [
        Req(
            "GET",
            [("query", "ASK {}"), g("default-graph-uri", D0)],
            result="boolean",
            boolean=True,
        )
    ],
    "query_content_type_select": [
        Req(
            "POST",
            [g("default-graph-uri", D0)],
            b"SELECT (1 AS ?value) {}",
            QUERY,
            result="tabular",
            rows=1,
        )
    ],
    "query_content_type_ask": [
        Req("POST", [g("default-graph-uri", D0)], b"ASK {}", QUERY, result="boolean")
    ],
    "query_content_type_describe": [
        Req(
            "POST",
            [g("default-graph-uri", D0)],
            b"DESCRIBE <http://example.org/>",
            QUERY,
            result="RDF",
        )
    ],
    # Relative IRIs: the service defines the base IRI (here, the endpoint's URL).
    "query_content_type_construct": [
        Req(
            "POST",
            [g("default-graph-uri", D0)],
            b"CONSTRUCT { <s> <p> 1 } WHERE {}",
            QUERY,
            result="RDF",
        )
    ],
    "update_dataset_default_graph": refused_then_not_written(
        Req(
            "POST",
            [g("using-graph-uri", D1)],
            UPDATE_DEFAULT_GRAPH.encode(),
            UPDATE,
            status=4,
        ),
        "ASK { GRAPH <http://example.org/protocol-update-dataset-test/> "
        f"{{ <{D1}> a <http://purl.org/dc/terms/BibliographicResource> }} }}",
    ),
    "update_dataset_default_graphs": refused_then_not_written(
        Req(
            "POST",
            [g("using-graph-uri", D1), g("using-graph-uri", D2)],
            _update_many(
                "http://example.org/protocol-update-dataset-graphs-test/", "?s a foaf:Document"
            ).encode(),
            UPDATE,
            status=4,
        ),
        _ask_written("http://example.org/protocol-update-dataset-graphs-test/"),
    ),
    "update_dataset_named_graphs": refused_then_not_written(
        Req(
            "POST",
            [g("using-named-graph-uri", D1), g("using-named-graph-uri", D2)],
            _update_many(
                "http://example.org/protocol-update-dataset-named-graphs-test/",
                "GRAPH ?g { ?s a foaf:Document }",
            ).encode(),
            UPDATE,
            status=4,
        ),
        _ask_written("http://example.org/protocol-update-dataset-named-graphs-test/"),
    ),
    "update_dataset_full": refused_then_not_written(
        Req(
            "POST",
            [g("using-graph-uri", D1), g("using-named-graph-uri", D2)],
            UPDATE_FULL.encode(),
            UPDATE,
            status=4,
        ),
        ASK_FULL_WRITTEN,
    ),
    "update_post_form": [Req("POST", [], form(("update", "CLEAR ALL")), FORM, status=4)],
    "update_post_direct": [Req("POST", [], b"CLEAR ALL", UPDATE, status=4)],
    "update_base_uri": [
        Req(
            "POST",
            [],
            (
                f"CLEAR GRAPH <{BASE_TEST_GRAPH}> ;\nINSERT DATA {{ GRAPH <{BASE_TEST_GRAPH}> "
                "{ <http://example.org/s> <http://example.org/p> <test> } }"
            ).encode(),
            UPDATE,
            status=4,
        ),
        Req(
            "POST",
            [],
            (
                f"SELECT ?o WHERE {{ GRAPH <{BASE_TEST_GRAPH}> "
                "{ <http://example.org/s> <http://example.org/p> ?o } }"
            ).encode(),
            QUERY,
            result="tabular",
            rows=0,  # nothing was written
            check=base_iri_is_not_relative,
        ),
    ],
    "query_post_direct": [
        Req("POST", [], b"ASK {}", QUERY, result="boolean", boolean=True),
    ],
    "bad_query_method": [
        Req("PUT", [("query", "ASK {}"), g("default-graph-uri", D0)], b"", FORM, status=4)
    ],
    "bad_multiple_queries": [Req("GET", [("query", "ASK {}"), ("query", "SELECT * {}")], status=4)],
    "bad_query_wrong_media_type": [Req("POST", [], b"ASK {}", "text/plain", status=4)],
    "bad_query_missing_form_type": [Req("POST", [], form(("query", "ASK {}")), status=4)],
    "bad_query_missing_direct_type": [Req("POST", [], b"ASK {}", status=4)],
    "bad_query_non_utf8": [
        Req(
            "POST",
            [],
            "ASK {}".encode("utf-16"),  # with its byte-order mark, as the manifest says
            "application/sparql-query; charset=UTF-16",
            status=4,
        )
    ],
    "bad_query_syntax": [Req("GET", [("query", "ASK {")], status=4)],
    "bad_update_get": [Req("GET", [("update", "CLEAR ALL")], status=4)],
    "bad_multiple_updates": [
        Req(
            "POST",
            [],
            form(("update", "CLEAR NAMED"), ("update", "CLEAR DEFAULT")),
            FORM,
            status=4,
        )
    ],
    "bad_update_wrong_media_type": [Req("POST", [], b"CLEAR NAMED", "text/plain", status=4)],
    "bad_update_missing_form_type": [Req("POST", [], form(("update", "CLEAR NAMED")), status=4)],
    "bad_update_non_utf8": [
        Req(
            "POST",
            [],
            "CLEAR NAMED".encode("utf-16"),
            "application/sparql-update; charset=UTF-16",
            status=4,
        )
    ],
    "bad_update_syntax": [Req("POST", [], form(("update", "CLEAR XYZ")), FORM, status=4)],
    "bad_update_dataset_conflict": [
        Req(
            "POST",
            [("using-named-graph-uri", "http://example/people")],
            b"PREFIX foaf: <http://xmlns.com/foaf/0.1/>\nWITH <http://example/addresses>\n"
            b"DELETE { ?person foaf:givenName 'Bill' }\n"
            b"INSERT { ?person foaf:givenName 'William' }\n"
            b"WHERE { ?person foaf:givenName 'Bill' }",
            UPDATE,
            status=4,
        )
    ],
}

# The manifest's entries, in its order (34 tests; 7 of them update_* tests).
MANIFEST = [
    "query_post_form",
    "query_dataset_default_graphs_get",
    "query_dataset_default_graphs_post",
    "query_dataset_named_graphs_post",
    "query_dataset_named_graphs_get",
    "query_dataset_full",
    "query_multiple_dataset",
    "query_get",
    "query_content_type_select",
    "query_content_type_ask",
    "query_content_type_describe",
    "query_content_type_construct",
    "update_dataset_default_graph",
    "update_dataset_default_graphs",
    "update_dataset_named_graphs",
    "update_dataset_full",
    "update_post_form",
    "update_post_direct",
    "update_base_uri",
    "query_post_direct",
    "bad_query_method",
    "bad_multiple_queries",
    "bad_query_wrong_media_type",
    "bad_query_missing_form_type",
    "bad_query_missing_direct_type",
    "bad_query_non_utf8",
    "bad_query_syntax",
    "bad_update_get",
    "bad_multiple_updates",
    "bad_update_wrong_media_type",
    "bad_update_missing_form_type",
    "bad_update_non_utf8",
    "bad_update_syntax",
    "bad_update_dataset_conflict",
]


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The founding data (built into a store, then exported) plus the four protocol graphs."""
    from cokg.store import build, open_store

    tmp = tmp_path_factory.mktemp("w3c-protocol")
    store = open_store(tmp / "store")
    try:
        build(store)
        data = store.export(format="nq")
    finally:
        store.close()
    path = tmp / "dataset.nq"
    path.write_bytes(data + protocol_graphs().encode())
    return path


@pytest.fixture(scope="module")
def client(dataset: Path) -> Iterator[TestClient]:
    with QueryPool(DataSource(snapshot=dataset), workers=1, timeout=TIMEOUT) as pool:
        app = create_app(pool, ServeSettings(timeout=TIMEOUT, limit=5000))
        with TestClient(app) as c:
            yield c


# --- checking responses -------------------------------------------------------------------------

# An exception's name followed by its message: what an internal error looks like to a client.
INTERNAL = re.compile(r"Traceback|\b[A-Z][A-Za-z]*(Error|Exception)\b:")


def assert_clean_refusal(r: httpx.Response) -> None:
    """A 4xx whose body is a short message, not an internal error."""
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert len(r.text) < 600, r.text
    assert not INTERNAL.search(r.text), r.text


def media_type(r: httpx.Response) -> str:
    return r.headers.get("content-type", "").split(";")[0].strip().lower()


def parse_boolean(r: httpx.Response) -> bool:
    mt = media_type(r)
    assert mt in BOOLEAN_TYPES, mt
    if mt == RESULTS_JSON:
        doc = json.loads(r.content)
        assert set(doc) == {"head", "boolean"} and isinstance(doc["boolean"], bool), doc
        return doc["boolean"]
    root = ET.fromstring(r.content)
    ns = "{http://www.w3.org/2005/sparql-results#}"
    assert root.tag == ns + "sparql" and root.find(ns + "head") is not None
    text = root.findtext(ns + "boolean")
    assert text in ("true", "false"), r.text
    return text == "true"


def parse_table(r: httpx.Response) -> list[dict[str, ox.Term]]:
    mt = media_type(r)
    assert mt in TABULAR_TYPES, mt
    fmt = {
        RESULTS_JSON: ox.QueryResultsFormat.JSON,
        RESULTS_XML: ox.QueryResultsFormat.XML,
        "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    }.get(mt)
    if fmt is None:  # CSV cannot be read back into terms: count its records
        import csv

        records = list(csv.reader(io.StringIO(r.text)))
        return [{} for _ in records[1:]]
    solutions = ox.parse_query_results(r.content, format=fmt)
    names = [v.value for v in solutions.variables]
    return [{n: s[n] for n in names if s[n] is not None} for s in solutions]


def parse_rdf(r: httpx.Response) -> list[ox.Triple]:
    mt = media_type(r)
    assert mt in RDF_TYPES, mt
    return [q.triple for q in ox.parse(r.content, format=RDF_TYPES[mt])]


def send(client: TestClient, req: Req, accept: str | None = None) -> httpx.Response:
    url = ENDPOINT + ("?" + urlencode(req.params) if req.params else "")
    headers = {}
    if req.content_type is not None:
        headers["content-type"] = req.content_type
    if accept is not None:
        headers["accept"] = accept
    r = client.request(req.method, url, content=req.body, headers=headers)
    if req.content_type is None and req.body is not None:
        # the "missing media type" tests: the client library must not have added one
        assert "content-type" not in r.request.headers
    return r


def check_response(r: httpx.Response, req: Req) -> None:
    if req.status == 4:
        assert_clean_refusal(r)
        return
    assert 200 <= r.status_code < 400, (r.status_code, r.text)
    if req.result == "boolean":
        value = parse_boolean(r)
        if req.boolean is not None:
            assert value is req.boolean
    elif req.result == "tabular":
        rows = parse_table(r)
        if req.rows is not None:
            assert len(rows) == req.rows, rows
        if req.check is not None:
            req.check(rows)
    elif req.result == "RDF":
        parse_rdf(r)


def count_quads(client: TestClient) -> int:
    r = client.get(ENDPOINT, params={"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"})
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


# --- the tests ----------------------------------------------------------------------------------


def test_every_manifest_entry_is_encoded() -> None:
    assert list(W3C) == MANIFEST
    assert len(MANIFEST) == 34


@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in MANIFEST])
def test_w3c_protocol(client: TestClient, name: str) -> None:
    before = count_quads(client)
    for req in W3C[name]:
        check_response(send(client, req), req)
    assert count_quads(client) == before  # read-only, whatever was asked


def test_update_tests_are_refused_as_read_only(client: TestClient) -> None:
    for name in MANIFEST:
        if name.startswith("update_"):
            r = send(client, W3C[name][0])
            assert r.status_code == 403 and "read-only" in r.text, (name, r.text)


@pytest.mark.parametrize(
    "accept",
    [
        pytest.param(accept, id=accept.replace("/", "-"))
        for accept in [
            *RDF_TYPES,
            "application/rdf+xml, application/rdf+json, text/turtle",
            "text/turtle;q=0.5, application/n-triples",
            "application/json",
            "text/*",
            "*/*",
        ]
    ],
)
def test_construct_with_relative_iris_for_each_rdf_accept(client: TestClient, accept: str) -> None:
    # query_content_type_construct with each RDF media type a client may ask for.
    req = W3C["query_content_type_construct"][0]
    r = send(client, req, accept=accept)
    assert r.status_code == 200, r.text
    (triple,) = parse_rdf(r)
    base = "http://testserver" + ENDPOINT
    assert triple.subject == ox.NamedNode(base.rsplit("/", 1)[0] + "/s")
    assert triple.object == ox.Literal(
        "1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    )


def test_query_base_declaration_wins_over_the_service_base(client: TestClient) -> None:
    r = client.get(
        ENDPOINT, params={"query": "BASE <http://example.org/x/> SELECT ?o { BIND(<y> AS ?o) }"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"] == [
        {"o": {"type": "uri", "value": "http://example.org/x/y"}}
    ]


def test_syntax_error_positions_are_the_clients(client: TestClient) -> None:
    # The endpoint sets the base IRI by a BASE line of its own; errors still count lines and
    # columns in the text the client sent.
    r = client.get(ENDPOINT, params={"query": "SELECT * WHERE {\n ?s ?p }"})
    assert r.status_code == 400
    # (pyoxigraph says "error at 2:9", a screening parser "line 2, column 2")
    assert re.search(r"\b(at 2:|line 2\b)", r.text), r.text
    assert not re.search(r"\b(at 3:|line 3\b)", r.text), r.text


def test_protocol_dataset_is_used(client: TestClient) -> None:
    # A control for the dataset tests above: with the default graph set to data2, data1's
    # triple is not in it (so those tests pass because the protocol's dataset is used).
    r = client.get(
        ENDPOINT,
        params=[("query", f"ASK {{ <{D1}> a ?type }}"), ("default-graph-uri", D2)],
    )
    assert parse_boolean(r) is False
    r = client.get(
        ENDPOINT,
        params=[("query", f"ASK {{ GRAPH ?g {{ <{D3}> a ?t }} }}"), ("named-graph-uri", D1)],
    )
    assert parse_boolean(r) is False


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        pytest.param(
            [("query", "ASK {}"), ("default-graph-uri", "not an iri")], {}, id="graph-not-an-iri"
        ),
        pytest.param(
            [("query", "ASK {}"), ("named-graph-uri", "data1.rdf")], {}, id="graph-relative-iri"
        ),
        pytest.param([("query", "ASK {}"), ("format", "xlsx")], {}, id="unknown-format"),
        pytest.param([("query", "ASK {}")], {"accept": "image/png"}, id="unacceptable-accept"),
        pytest.param([("query", "")], {}, id="empty-query"),
        pytest.param([("query", "ASK {\x00}")], {}, id="nul-in-query"),
        pytest.param([("query", "SELECT * WHERE {")], {}, id="syntax-error"),
    ],
)
def test_bad_requests_get_a_short_4xx(
    client: TestClient, params: list[tuple[str, str]], headers: dict[str, str]
) -> None:
    assert_clean_refusal(client.get(ENDPOINT, params=params, headers=headers))


@pytest.mark.parametrize(
    ("url", "base"),
    [
        pytest.param(
            "http://127.0.0.1:8000/sparql?query=x#f", "http://127.0.0.1:8000/sparql", id="plain"
        ),
        pytest.param("https://kg.example.org/sparql", "https://kg.example.org/sparql", id="https"),
        # the Host header is the client's: nothing in it may end the BASE IRI early
        pytest.param(
            "http://evil> SERVICE <http://x/> {/sparql", "http://localhost/sparql", id="injection"
        ),
        pytest.param("http://[::1]:8000/sparql", "http://localhost/sparql", id="ipv6-falls-back"),
    ],
)
def test_service_base_is_a_plain_url(url: str, base: str) -> None:
    from cokg.serve.protocol import service_base

    assert service_base(url) == base


def test_engine_positions_are_moved_back_over_the_base_line() -> None:
    from cokg.serve.protocol import unshift_positions, with_base

    text = with_base("SELECT * WHERE {\n ?s ?p }", "http://localhost/sparql")
    with pytest.raises(SyntaxError) as caught:
        ox.Store().query(text)
    message = unshift_positions(f"SPARQL syntax error: {caught.value}")
    assert "error at 2:9" in message, message
