"""`cokg serve --endpoint URL`: the pages and the screened /sparql endpoint in front of a team's
SPARQL server (Oxigraph server and Virtuoso 7, both real, started by the suite's own files).

The founding data is pushed to the server; the served saved-query pages, a case page, the
endpoint's JSON answers and an entity page then match what the same requests give over the
local founding store; SERVICE never reaches the server; the dataset parameters are refused
rather than ignored; an unreachable endpoint fails at start-up with one line; a server that
stops while served turns /status into a 503 and the pages into "unavailable" pages that never
show its address (the log does).
"""

from __future__ import annotations

import json
import logging
import socket
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from servers import OxigraphServer, VirtuosoServer, running_virtuoso
from spying import Spy

with warnings.catch_warnings():  # Starlette nudges towards httpx2; httpx is what we have
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from cokg.cli import cli
from cokg.errors import StoreError
from cokg.serve import DataSource, QueryPool, ServeSettings, create_app, remotepool, snapshot
from cokg.serve.remotepool import RemotePool

JSON = "application/sparql-results+json"
EXAMPLE_TEMPLATE = Path(__file__).parent / "fixtures" / "submissions" / "example-template"
QUOTATION_ROWS = (
    "PREFIX cokg: <https://w3id.org/cokg/ontology#>\n"
    "SELECT ?q ?text WHERE { ?q a cokg:Quotation ; cokg:text ?text } ORDER BY ?q"
)


@pytest.fixture(scope="module")
def virtuoso_server() -> Iterator[VirtuosoServer]:
    yield from running_virtuoso()


@pytest.fixture(scope="module")
def local() -> Iterator[TestClient]:
    with (
        snapshot("memory:") as source,
        QueryPool(source, workers=1) as pool,
        TestClient(create_app(pool)) as client,
    ):
        yield client


@pytest.fixture(params=["oxigraph", "virtuoso"])
def remote(request: pytest.FixtureRequest) -> Iterator[TestClient]:
    server = request.getfixturevalue(f"{request.param}_server")
    server.clear()
    out = CliRunner().invoke(cli, ["push", "--endpoint", server.query_url, "--store", "memory:"])
    assert out.exit_code == 0, out.output
    with RemotePool(server.query_url, workers=2) as pool, TestClient(create_app(pool)) as client:
        yield client


def table_rows(html: str) -> list[str]:
    return sorted(part.split("</tr>")[0] for part in html.split("<tr>")[1:] if "<td" in part)


def rows(client: TestClient, query: str) -> list[dict[str, Any]]:
    r = client.get("/sparql", params={"query": query}, headers={"Accept": JSON})
    assert r.status_code == 200, r.text
    return [
        {k: v["value"] for k, v in b.items()} for b in json.loads(r.text)["results"]["bindings"]
    ]


def test_the_endpoint_answers_as_the_local_store(local: TestClient, remote: TestClient) -> None:
    here = rows(local, QUOTATION_ROWS)
    assert len(here) == len({r["q"] for r in here}) >= 18  # the founding quotations
    assert rows(remote, QUOTATION_ROWS) == here


@pytest.mark.parametrize(
    ("path", "marker"),
    [
        ("/query/sampling-frame", "Making Recovery Real"),
        ("/query/quotations?case=dundee-mrr", "DND-"),
        ("/query/timeline?case=jonkoping-esther", "ESTHER"),
        ("/case/manitoba-learning-centres", "Learning Centre"),
        ("/id/org/scottish-recovery-network", "Scottish Recovery Network"),
    ],
)
def test_pages_match_the_local_pages(
    local: TestClient, remote: TestClient, path: str, marker: str
) -> None:
    html = {"Accept": "text/html"}
    here, there = local.get(path, headers=html), remote.get(path, headers=html)
    assert here.status_code == there.status_code == 200
    assert marker in there.text
    # The same table rows (the pages differ only where they say which store answered). As a
    # multiset: Virtuoso 7 orders some long strings differently (test_saved_queries does the same).
    assert table_rows(here.text) and table_rows(here.text) == table_rows(there.text)


def test_an_entity_as_turtle(local: TestClient, remote: TestClient) -> None:
    from rdflib import Graph
    from rdflib.compare import isomorphic

    turtle = {"Accept": "text/turtle"}
    here = local.get("/id/org/scottish-recovery-network", headers=turtle)
    there = remote.get("/id/org/scottish-recovery-network", headers=turtle)
    assert here.status_code == there.status_code == 200
    a, b = Graph().parse(data=here.text, format="turtle"), Graph().parse(data=there.text)
    assert len(a) > 3 and isomorphic(a, b)


def test_an_entity_says_its_declared_integer_types_from_any_store(
    local: TestClient, remote: TestClient
) -> None:
    """Oxigraph server keeps "4"^^xsd:nonNegativeInteger as xsd:integer, as the embedded
    engine does: an entity page behind --endpoint gives the declared type back too, and says
    what the local page says."""
    from rdflib import Graph, Literal, URIRef
    from rdflib.compare import isomorphic
    from rdflib.namespace import XSD

    case = URIRef("https://w3id.org/cokg/id/case/dundee-mrr")
    count = URIRef("https://w3id.org/cokg/ontology#informantInterviewCount")
    for accept, fmt in (("text/turtle", "turtle"), ("application/ld+json", "json-ld")):
        here = local.get("/id/case/dundee-mrr", headers={"Accept": accept})
        there = remote.get("/id/case/dundee-mrr", headers={"Accept": accept})
        assert here.status_code == there.status_code == 200
        a = Graph().parse(data=here.text, format=fmt)
        b = Graph().parse(data=there.text, format=fmt)
        assert isomorphic(a, b)
        (value,) = b.objects(case, count)
        assert isinstance(value, Literal) and value.datatype == XSD.nonNegativeInteger


def test_a_property_the_store_only_uses_in_rdf(local: TestClient, remote: TestClient) -> None:
    # its page was HTML only (RDF: 404); the same triple from the server behind as locally
    label = {"iri": "http://www.w3.org/2000/01/rdf-schema#label"}
    for client in (local, remote):
        r = client.get("/resource", params=label, headers={"Accept": "application/n-triples"})
        assert r.status_code == 200, r.text
        assert r.text.split() == [
            "<http://www.w3.org/2000/01/rdf-schema#label>",
            "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>",
            "<http://www.w3.org/1999/02/22-rdf-syntax-ns#Property>",
            ".",
        ]


def test_service_and_dataset_parameters_are_refused(remote: TestClient) -> None:
    service = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    r = remote.get("/sparql", params={"query": service}, headers={"Accept": JSON})
    assert r.status_code == 403
    r = remote.get(
        "/sparql",
        params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "default-graph-uri": "urn:x:g"},
        headers={"Accept": JSON},
    )
    assert r.status_code == 400 and "default-graph-uri" in r.text
    status = json.loads(remote.get("/status").text)
    assert status["data"] == "endpoint"


def test_an_unreachable_endpoint_fails_at_start() -> None:
    with pytest.raises(StoreError, match="cannot reach"):
        RemotePool("http://127.0.0.1:9/sparql", timeout=2).__enter__()
    out = CliRunner().invoke(cli, ["serve", "--endpoint", "http://127.0.0.1:9/sparql"])
    assert out.exit_code != 0 and "cannot reach" in out.output
    assert "Traceback" not in out.output
    assert DataSource().snapshot is None  # nothing was copied for it


def test_an_https_url_on_a_plain_http_server_is_said_at_once(
    oxigraph_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # it waited out the 60 s timeout of every request: /status (a monitor's), and the pages,
    # now say within a few seconds what is wrong, without the address
    from cokg.store import remote

    monkeypatch.setattr(remote, "_PLAIN_HTTP", {}, raising=False)
    monkeypatch.setattr(remote, "_TLS_CHECKED", set(), raising=False)
    monkeypatch.setattr(remotepool, "HEALTH_TTL", 0.0)
    url = oxigraph_server.query_url.replace("http://", "https://")
    started = time.monotonic()
    with TestClient(create_app(RemotePool(url, timeout=60))) as client:
        status = client.get("/status")
        page = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": JSON})
    assert time.monotonic() - started < 15
    said = "it answers in plain HTTP, not HTTPS (serve it by its http:// URL)"
    assert status.status_code == 503
    assert status.json()["endpoint"] == {"reachable": False, "error": said}
    assert page.status_code == 503 and said in page.text
    address = f"127.0.0.1:{oxigraph_server.port}"
    assert address not in status.text and address not in page.text


def test_a_construct_is_a_graph_each_triple_once(local: TestClient) -> None:
    # the engine repeats a triple whose subject is a blank node of the data once per solution
    # (the ontology's owl:AllDifferent nodes); the endpoint answers the graph, and its limit
    # and count are of triples
    q = "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t . ?s ?p ?o . FILTER(isBlank(?s)) }"
    r = local.get("/sparql", params={"query": q}, headers={"accept": "application/n-triples"})
    assert r.status_code == 200, r.text
    lines = r.text.splitlines()
    assert len(lines) > 10 and len(lines) == len(set(lines))
    assert r.headers["x-cokg-result-count"] == str(len(lines))


def test_an_engine_parse_error_is_one_clean_line(local: TestClient) -> None:
    # the endpoint answered with the engine's list of expected characters, as the CLI no
    # longer does; and at the client's line, not one lower (the endpoint's own BASE line)
    r = local.get("/sparql", params={"query": "SELECT ?o WHERE { ?s ?p ?o } GROUP BY ?s"})
    assert r.status_code == 400
    assert r.text.strip().endswith(
        "invalid SPARQL at line 1, column 41: The SELECT contains a variable that is unbound"
    ), r.text
    assert "\\u{" not in r.text and "expected one of" not in r.text


def test_a_case_pushed_while_serving_is_listed(
    oxigraph_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cases in the navigation and drop-downs are read from the endpoint again every
    REMOTE_REFRESH seconds: a steward's push shows without restarting the server."""
    from cokg.ingest import ingest
    from cokg.serve import app as served_app
    from cokg.store import build, open_store

    monkeypatch.setattr(served_app, "REMOTE_REFRESH", 0.2)
    oxigraph_server.clear()
    out = CliRunner().invoke(
        cli, ["push", "--endpoint", oxigraph_server.query_url, "--store", "memory:"]
    )
    assert out.exit_code == 0, out.output
    link, option = '<a href="/case/fictional-riverside"', '<option value="fictional-riverside"'
    with (
        RemotePool(oxigraph_server.query_url, workers=2) as pool,
        TestClient(create_app(pool)) as client,
    ):
        assert '<a href="/case/dundee-mrr"' in client.get("/").text
        assert link not in client.get("/").text
        store = open_store(tmp_path / "store")
        try:
            build(store)
        finally:
            store.close()
        ingest([EXAMPLE_TEMPLATE], by="test steward", store=tmp_path / "store")
        spec = ["push", "--endpoint", oxigraph_server.query_url, "--store", str(tmp_path / "store")]
        out = CliRunner().invoke(cli, spec)
        assert out.exit_code == 0, out.output
        time.sleep(0.3)
        assert link in client.get("/").text
        assert option in client.get("/query/timeline").text


# --- the server behind stops -----------------------------------------------------------------


@pytest.fixture
def stoppable() -> Iterator[OxigraphServer]:
    """An Oxigraph server of the test's own (empty: a page's error does not need data), which
    it may stop; the shared one must keep running."""
    with OxigraphServer() as server:
        yield server


def test_status_says_when_the_endpoint_is_down(
    stoppable: OxigraphServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remotepool, "HEALTH_TTL", 0.0)  # every request checks again
    address = f"127.0.0.1:{stoppable.port}"
    with RemotePool(stoppable.query_url, timeout=5) as pool, TestClient(create_app(pool)) as client:
        up = client.get("/status")
        assert up.status_code == 200, up.text
        assert up.json()["endpoint"]["reachable"] is True
        assert up.headers["cache-control"] == "no-store"
        stoppable.stop()
        down = client.get("/status")
    assert down.status_code == 503
    assert down.json()["endpoint"] == {
        "reachable": False,
        "error": "it refused the connection (not running?)",
    }
    assert down.json()["data"] == "endpoint"  # the counters are still there
    assert down.headers["x-cokg-error"] == "unavailable" and down.headers["retry-after"]
    assert down.headers["cache-control"] == "no-store"
    assert address not in down.text


def test_status_checks_the_endpoint_once_a_second_at_most(stoppable: OxigraphServer) -> None:
    # a monitor (or anyone) polling /status must not become a stream of queries to the server
    with RemotePool(stoppable.query_url, timeout=5) as pool, TestClient(create_app(pool)) as client:
        pool.store = Spy(pool.store)  # type: ignore[assignment]
        for _ in range(5):
            assert client.get("/status").status_code == 200
        assert len(pool.store.texts) == 1
        stoppable.stop()
        time.sleep(remotepool.HEALTH_TTL + 0.1)
        assert client.get("/status").status_code == 503
        assert len(pool.store.texts) == 2


def test_the_embedded_store_status_has_no_endpoint() -> None:
    with (
        snapshot("memory:") as source,
        QueryPool(source, workers=1) as pool,
        TestClient(create_app(pool)) as client,
    ):
        r = client.get("/status")
    assert r.status_code == 200 and "endpoint" not in r.json()


@pytest.fixture
def served_then_stopped(stoppable: OxigraphServer) -> Iterator[TestClient]:
    """A client of a server whose endpoint was up at start and stopped since."""
    with RemotePool(stoppable.query_url, timeout=5) as pool, TestClient(create_app(pool)) as client:
        stoppable.stop()
        yield client


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        pytest.param("/query/sampling-frame", "text/html", id="saved-query-page"),
        pytest.param("/query/sampling-frame?format=csv", None, id="download"),
        pytest.param("/case/dundee-mrr", "text/html", id="case-page"),
        pytest.param("/sparql?query=ASK%7B%7D", JSON, id="sparql"),
        pytest.param("/id/org/scottish-recovery-network", "text/turtle", id="entity"),
    ],
)
def test_a_stopped_endpoint_is_unavailable_without_its_address(
    served_then_stopped: TestClient,
    stoppable: OxigraphServer,
    caplog: pytest.LogCaptureFixture,
    path: str,
    accept: str | None,
) -> None:
    address = f"127.0.0.1:{stoppable.port}"
    with caplog.at_level(logging.WARNING, logger="cokg.serve"):
        r = served_then_stopped.get(path, headers={"Accept": accept} if accept else {})
    assert r.status_code == 503 and r.headers["x-cokg-error"] == "unavailable"
    assert "the store behind this server is unavailable: it refused the connection" in r.text
    assert address not in r.text and address not in str(r.headers)
    logged = [rec.getMessage() for rec in caplog.records if rec.name == "cokg.serve"]
    assert any(address in m and "connection was refused" in m for m in logged), logged


def test_an_endpoint_that_does_not_answer_is_a_timeout() -> None:
    # a server that takes the connection and never answers (hung): the query's timeout, as on
    # the embedded store, not "unavailable"
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)
        url = f"http://127.0.0.1:{hung.getsockname()[1]}/query"
        with TestClient(create_app(RemotePool(url, timeout=1))) as client:
            r = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": JSON})
    assert r.status_code == 503 and r.headers["x-cokg-error"] == "timeout", r.text
    assert r.text.strip() == "the query ran longer than the 1 s timeout and was stopped"


# --- an answer longer than the server's row cap ----------------------------------------------

# every triple twice: 17,436 rows, past Virtuoso's ResultSetMaxRows (10,000) and --limit
EVERY_TRIPLE_TWICE = "SELECT * WHERE { ?s ?p ?o VALUES ?x { 1 2 } }"


def test_an_answer_past_the_limit_is_cut_and_flagged_on_both_servers(remote: TestClient) -> None:
    """Behind Virtuoso, whose ResultSetMaxRows (10,000, as packaged) equals the default
    --limit, such a query was a 400 (X-Cokg-Error: endpoint) where Oxigraph's answer was cut
    and flagged: both are now cut at the limit and flagged."""
    r = remote.get("/sparql", params={"query": EVERY_TRIPLE_TWICE}, headers={"Accept": JSON})
    assert r.status_code == 200, r.text
    assert r.headers["x-cokg-truncated"] == "true"
    assert r.headers["x-cokg-result-limit"] == "10000"
    assert len(json.loads(r.text)["results"]["bindings"]) == 10_000


def test_a_limit_above_virtuosos_cap_is_refused_not_short(
    virtuoso_server: VirtuosoServer,
) -> None:
    """Served with --limit 20000, Virtuoso's 10,000 rows would be an answer cut short of the
    limit, which nothing could flag for what it is: refused, saying how to serve it."""
    virtuoso_server.clear()
    out = CliRunner().invoke(
        cli, ["push", "--endpoint", virtuoso_server.query_url, "--store", "memory:"]
    )
    assert out.exit_code == 0, out.output
    settings = ServeSettings(limit=20_000)
    with (
        RemotePool(virtuoso_server.query_url) as pool,
        TestClient(create_app(pool, settings)) as client,
    ):
        r = client.get("/sparql", params={"query": EVERY_TRIPLE_TWICE}, headers={"Accept": JSON})
        below = client.get(
            "/sparql",
            params={"query": EVERY_TRIPLE_TWICE + " LIMIT 9000"},
            headers={"Accept": JSON},
        )
    assert r.status_code == 400 and r.headers["x-cokg-error"] == "endpoint-cap"
    assert r.text.strip() == (
        "the store behind this server cut this answer at its own limit of 10,000 rows, below "
        "this server's (20,000): narrow the query (LIMIT/OFFSET), or serve with --limit 10000 "
        "or less"
    )
    assert virtuoso_server.base not in r.text
    assert below.status_code == 200 and below.headers["x-cokg-truncated"] == "false"
