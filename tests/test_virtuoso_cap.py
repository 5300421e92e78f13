"""Virtuoso's ResultSetMaxRows cuts a CONSTRUCT (or DESCRIBE) answer, as it cuts a SELECT, but
flags only the SELECT (X-SPARQL-MaxRows): a graph of more triples than the cap came back short
as if whole. Against the suite's real Virtuoso, holding one graph just over its cap: a CONSTRUCT
that reached the cap is an error (library and CLI) or, behind `cokg serve --endpoint`, cut and
flagged or refused like a SELECT; a backup or export of the graph is whole (read in pages
below the cap) and checked against the server's count of it, never short."""

from __future__ import annotations

import re
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from servers import VIRTUOSO_INI, OxigraphServer, VirtuosoServer, running_virtuoso

with warnings.catch_warnings():  # Starlette nudges towards httpx2; httpx is what we have
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from cokg.cli import cli
from cokg.errors import QueryError, StoreError
from cokg.namespaces import graph_iri
from cokg.serve import ServeSettings, create_app
from cokg.serve.remotepool import RemotePool
from cokg.store import RemoteStore

pytestmark = pytest.mark.server

# the suite's Virtuoso's cap, whatever servers.py sets it to
_cap = re.search(r"^ResultSetMaxRows = (\d+)", VIRTUOSO_INI, re.M)
assert _cap is not None
CAP = int(_cap.group(1))
BIG = graph_iri("submission/big")
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SEE = "http://www.w3.org/2000/01/rdf-schema#seeAlso"
EVERYTHING = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


def _big_graph() -> bytes:
    """CAP + 50 triples, ten of them with a blank node (whose labels must hold across pages)."""
    lines = [f'<https://w3id.org/cokg/id/t/{i}> <{LABEL}> "{i}" .' for i in range(CAP + 40)]
    for i in range(5):
        lines += [
            f'_:b{i} <{LABEL}> "blank {i}" .',
            f"<https://w3id.org/cokg/id/t/{i}> <{SEE}> _:b{i} .",
        ]
    return "\n".join(lines).encode()


def _put(server: OxigraphServer | VirtuosoServer) -> None:
    server.clear()
    req = urllib.request.Request(
        f"{server.store_url}?graph={BIG}",
        data=_big_graph(),
        method="PUT",
        headers={"Content-Type": "application/n-triples"},
    )
    with urllib.request.urlopen(req, timeout=60) as resp:
        resp.read()


def _canonical(quads: list[ox.Quad]) -> set[ox.Quad]:
    ds = ox.Dataset(quads)
    ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return set(ds)


EXPECTED = _canonical(
    [
        ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(BIG))
        for t in ox.parse(input=_big_graph(), format=ox.RdfFormat.N_TRIPLES)
    ]
)


@pytest.fixture(scope="module")
def virtuoso_server() -> Iterator[VirtuosoServer]:
    yield from running_virtuoso()


@pytest.fixture(scope="module")
def big(virtuoso_server: VirtuosoServer) -> VirtuosoServer:
    """The suite's Virtuoso holding one of cokg's graphs, CAP + 50 triples (read-only here)."""
    _put(virtuoso_server)
    return virtuoso_server


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    out = result.output.strip()
    assert "\n" not in out and "Traceback" not in out, out
    return result.exit_code, out


# --- CONSTRUCT -------------------------------------------------------------------------------


def test_a_construct_that_reached_the_cap_is_an_error_not_a_short_graph(big: Any) -> None:
    store = RemoteStore(big.query_url)  # a new store: it has not seen the cap yet
    with pytest.raises(QueryError) as exc:
        store.query(EVERYTHING)
    assert str(exc.value) == (
        f"the endpoint returns at most {CAP} triples (its ResultSetMaxRows) and this answer has "
        f"{CAP + 1}, so it may be cut; narrow the query (page it with LIMIT and OFFSET), or "
        "raise ResultSetMaxRows in the server's virtuoso.ini"
    )
    # below the cap the answer is whole, and says so; paged, every triple comes back
    first = store.query(f"{EVERYTHING} LIMIT {CAP - 1}")
    assert len(first.triples or []) == CAP - 1 and not first.truncated
    rest = store.query(f"{EVERYTHING} LIMIT {CAP - 1} OFFSET {CAP - 1}")
    assert len(set(first.triples or []) | set(rest.triples or [])) == CAP + 50
    # the same with the cap already known (from a SELECT's header, no probe needed)
    with pytest.raises(QueryError, match=f"at most {CAP} triples"):
        store.query(EVERYTHING)


def test_the_cli_says_so_in_one_line(big: Any) -> None:
    code, out = _run("sparql", "--endpoint", big.query_url, "--format", "nt", EVERYTHING)
    assert code == QueryError.exit_code
    assert out.startswith(f"cokg: error: the endpoint returns at most {CAP} triples"), out
    assert "raise ResultSetMaxRows" in out


def test_oxigraph_has_no_cap_and_answers_whole(oxigraph_server: OxigraphServer) -> None:
    _put(oxigraph_server)
    res = RemoteStore(oxigraph_server.query_url).query(EVERYTHING)
    assert len(res.triples or []) == CAP + 50 and not res.truncated


@pytest.mark.parametrize(
    ("limit", "status"),
    [pytest.param(CAP, 200, id="limit-at-the-cap"), pytest.param(CAP * 2, 400, id="above")],
)
def test_served_constructs_are_cut_and_flagged_or_refused_like_selects(
    big: Any, limit: int, status: int
) -> None:
    """Behind `cokg serve --endpoint`, a CONSTRUCT the server cut is cut at --limit and
    flagged when --limit is at most the cap; above it, refused (it was served short,
    unflagged)."""
    turtle = {"Accept": "text/turtle"}
    with (
        RemotePool(big.query_url) as pool,
        TestClient(create_app(pool, ServeSettings(limit=limit))) as client,
    ):
        r = client.get("/sparql", params={"query": EVERYTHING}, headers=turtle)
    assert r.status_code == status, r.text
    if status == 200:
        assert r.headers["x-cokg-truncated"] == "true"
        assert len(list(ox.parse(input=r.content, format=ox.RdfFormat.TURTLE))) == limit
    else:
        assert r.headers["x-cokg-error"] == "endpoint-cap"
        assert "narrow the query" in r.text and big.base not in r.text


# --- export and backup -----------------------------------------------------------------------


def test_a_graph_past_the_cap_is_exported_whole(big: Any) -> None:
    dump = RemoteStore(big.query_url).export(format="nq")
    assert _canonical(list(ox.parse(input=dump, format=ox.RdfFormat.N_QUADS))) == EXPECTED


def test_cokg_backup_of_it_is_whole(big: Any, tmp_path: Path) -> None:
    code, out = _run("backup", str(tmp_path / "b.nq"), "--store", big.query_url)
    assert code == 0, out
    assert f"backed up 1 graphs, {CAP + 50} triples" in out, out
    quads = list(ox.parse(input=(tmp_path / "b.nq").read_bytes(), format=ox.RdfFormat.N_QUADS))
    assert _canonical(quads) == EXPECTED


def test_an_export_short_of_the_servers_count_fails_loudly(
    big: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # as if the server had cut the answer without a word: the count of the graph catches it
    read = RemoteStore._graph_rows
    monkeypatch.setattr(RemoteStore, "_graph_rows", lambda self, g: read(self, g)[:-1])
    with pytest.raises(StoreError, match=f"came back with {CAP + 49:,} of its {CAP + 50:,}"):
        RemoteStore(big.query_url).export(format="nq")
    code, out = _run("backup", str(tmp_path / "b.nq"), "--store", big.query_url)
    assert code == StoreError.exit_code and "came back with" in out, out
    assert not (tmp_path / "b.nq").exists()
