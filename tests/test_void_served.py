"""`/.well-known/void` from `cokg serve`, and `cokg export void`: the VoID/DCAT description of
the served data, over the embedded founding store and over a real Oxigraph server behind
`cokg serve --endpoint`.

The expected counts are computed here with rdflib alone from the project's files (what `cokg
build` loads: the umbrella ontology and its modules, the framework schemes, the founding
data), never from cokg's queries."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

with warnings.catch_warnings():  # Starlette nudges towards httpx2; httpx is what we have
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from cokg.cli import cli
from cokg.serve import QueryPool, ServeSettings, create_app, snapshot
from cokg.serve.remotepool import RemotePool

pytestmark = pytest.mark.timeout(300)

ROOT = Path(__file__).resolve().parents[1]
PATH = "/.well-known/void"
# plain namespaces: pytest's collection trips over rdflib's closed ones (a warning per name)
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
COKG = Namespace("https://w3id.org/cokg/ontology#")
DATASET = URIRef("https://w3id.org/cokg/dataset")


# --- what the description should say, from the files ------------------------------------------


def _files() -> list[Path]:
    ontology = ROOT / "ontology"
    return [
        ontology / "cokg.ttl",
        *sorted((ontology / "modules").glob("*.ttl")),
        *sorted((ontology / "frameworks").glob("*.ttl")),
        *sorted((ROOT / "data").rglob("*.ttl")),
    ]


@pytest.fixture(scope="module")
def expected() -> dict[str, int]:
    triples: set = set()
    data: set = set()
    for f in _files():
        g = Graph().parse(f)
        triples |= set(g)
        if f.is_relative_to(ROOT / "data"):
            data |= set(g)
    typed = [(s, o) for s, p, o in triples if p == RDF.type]
    return {
        "triples": len(triples),
        "subjects": len({s for s, _, _ in triples}),
        "properties": len({p for _, p, _ in triples}),
        "classes": len({o for _, o in typed}),
        "findings": len({s for s, o in typed if o == COKG.CrossCaseFinding}),
        "wikidata": len({t for t in data if t[1] == COKG.wikidataItem}),
    }


def _int(g: Graph, s: URIRef, p: URIRef) -> int:
    values = list(g.objects(s, p))
    assert len(values) == 1, (s, p, values)
    assert isinstance(values[0], Literal)
    return int(values[0])


def _check_counts(g: Graph, expected: dict[str, int]) -> None:
    assert (DATASET, RDF.type, VOID.Dataset) in g
    assert (DATASET, RDF.type, DCAT.Dataset) in g
    assert _int(g, DATASET, VOID.triples) == expected["triples"]
    assert _int(g, DATASET, VOID.distinctSubjects) == expected["subjects"]
    assert _int(g, DATASET, VOID.properties) == expected["properties"]
    assert _int(g, DATASET, VOID.classes) == expected["classes"]
    partitions = {
        g.value(part, VOID["class"]): _int(g, part, VOID.entities)
        for part in g.objects(DATASET, VOID.classPartition)
    }
    assert len(partitions) == expected["classes"]
    assert partitions[COKG.CrossCaseFinding] == expected["findings"]
    wikidata = [
        ls
        for ls in g.objects(DATASET, VOID.subset)
        if g.value(ls, VOID.linkPredicate) == COKG.wikidataItem
    ]
    assert len(wikidata) == 1
    assert _int(g, wikidata[0], VOID.triples) == expected["wikidata"]


def test_the_expected_counts_are_not_trivial(expected: dict[str, int]) -> None:
    assert expected["triples"] > 5_000
    assert expected["findings"] == 65  # one per bullet of the paper's Tables 6-8
    assert expected["wikidata"] == 10  # the places of the founding data


# --- the embedded store ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pool(built_store: Path) -> Iterator[QueryPool]:
    with snapshot(built_store) as source, QueryPool(source, workers=1, timeout=30) as p:
        yield p


@pytest.fixture(scope="module")
def client(pool: QueryPool) -> Iterator[TestClient]:
    with TestClient(create_app(pool, ServeSettings(timeout=30))) as c:
        yield c


@pytest.fixture(scope="module")
def turtle(client: TestClient) -> Graph:
    r = client.get(PATH)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/turtle; charset=utf-8"
    assert r.headers["x-cokg-truncated"] == "false"
    return Graph().parse(data=r.text, format="turtle")


def test_turtle_by_default_with_the_counts_of_the_files(
    turtle: Graph, expected: dict[str, int]
) -> None:
    _check_counts(turtle, expected)


@pytest.mark.parametrize(
    ("accept", "media_type", "rdflib_format"),
    [
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("text/plain", "application/n-triples", "nt"),  # an alias the endpoint also honours
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("text/turtle;q=0.5, application/ld+json", "application/ld+json", "json-ld"),
        ("*/*", "text/turtle", "turtle"),
    ],
)
def test_other_syntaxes_on_accept(
    client: TestClient, turtle: Graph, accept: str, media_type: str, rdflib_format: str
) -> None:
    r = client.get(PATH, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == f"{media_type}; charset=utf-8"
    assert r.headers["vary"] == "Accept"
    assert isomorphic(Graph().parse(data=r.text, format=rdflib_format), turtle)


def test_jsonld_carries_its_context_inline(client: TestClient) -> None:
    doc = json.loads(client.get(PATH, headers={"Accept": "application/ld+json"}).text)
    assert isinstance(doc["@context"], dict)  # nothing for a client to fetch
    assert doc["@context"]["void"] == str(VOID)


def test_format_parameter(client: TestClient, turtle: Graph) -> None:
    r = client.get(PATH, params={"format": "nt"}, headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/n-triples")
    assert isomorphic(Graph().parse(data=r.text, format="nt"), turtle)


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"headers": {"Accept": "text/csv"}}, 406),
        ({"headers": {"Accept": "application/sparql-results+json"}}, 406),
        ({"params": {"format": "html"}}, 406),
        ({"params": {"format": "docx"}}, 400),
    ],
)
def test_what_it_cannot_give_is_refused(client: TestClient, kwargs: dict, status: int) -> None:
    r = client.get(PATH, **kwargs)
    assert r.status_code == status
    assert r.text.count("\n") == 1  # one plain line, no page, no traceback


def test_a_cut_answer_is_flagged(pool: QueryPool) -> None:
    # more classes than the limit: the class partitions are cut, and the response says so
    with TestClient(create_app(pool, ServeSettings(timeout=30, limit=5))) as capped:
        r = capped.get(PATH)
    assert r.status_code == 200
    assert r.headers["x-cokg-truncated"] == "true"
    assert r.headers["x-cokg-result-limit"] == "5"
    g = Graph().parse(data=r.text, format="turtle")
    assert len(list(g.objects(DATASET, VOID.classPartition))) == 5


# --- cokg export void ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "rdflib_format"),
    [("void.ttl", "turtle"), ("void.jsonld", "json-ld"), ("void.nt", "nt"), ("v.rdf", "xml")],
)
def test_export_void_writes_what_is_served(
    built_store: Path, turtle: Graph, tmp_path: Path, name: str, rdflib_format: str
) -> None:
    out = tmp_path / name
    r = CliRunner().invoke(cli, ["export", "void", str(out), "--store", str(built_store)])
    assert r.exit_code == 0, r.output
    assert isomorphic(Graph().parse(out, format=rdflib_format), turtle)


def test_export_void_to_stdout_is_turtle(built_store: Path, turtle: Graph) -> None:
    r = CliRunner().invoke(cli, ["export", "void", "--store", str(built_store)])
    assert r.exit_code == 0, r.output
    assert isomorphic(Graph().parse(data=r.stdout, format="turtle"), turtle)


def test_export_void_refuses_an_unknown_suffix(built_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "void.txt"
    r = CliRunner().invoke(cli, ["export", "void", str(out), "--store", str(built_store)])
    assert r.exit_code == 2
    assert r.output == (
        "cokg: error: void.txt: name the file .ttl, .jsonld, .nt or .rdf to say which syntax "
        "to write\n"
    )
    assert not out.exists()


# --- behind `cokg serve --endpoint`: a real Oxigraph server ------------------------------------


@pytest.mark.server
def test_served_from_an_endpoint(oxigraph_server, turtle: Graph, expected: dict[str, int]) -> None:
    oxigraph_server.clear()
    out = CliRunner().invoke(
        cli, ["push", "--endpoint", oxigraph_server.query_url, "--store", "memory:"]
    )
    assert out.exit_code == 0, out.output
    with (
        RemotePool(oxigraph_server.query_url, workers=1, timeout=30) as pool,
        TestClient(create_app(pool, ServeSettings(timeout=30))) as remote,
    ):
        r = remote.get(PATH, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200, r.text
    assert r.headers["x-cokg-truncated"] == "false"
    g = Graph().parse(data=r.text, format="nt")
    _check_counts(g, expected)
    assert isomorphic(g, turtle)  # the same description as over the embedded store
