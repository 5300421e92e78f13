"""A query never makes cokg fetch a URL, crash or exhaust the machine (cokg.sparql, cokg.sandbox).

Each escaping trick is fed to the library, the CLI and the served endpoint while a listener on a
loopback port records every connection it receives: it must receive none. The network guard
behind the screen is tested on its own by switching the screen off.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rdflib import Literal, URIRef

from cokg.cli import cli
from cokg.errors import CokgError, NetworkRefused, QueryError
from cokg.sandbox import (
    QueryCrashed,
    QueryOutOfMemory,
    QueryTimeout,
    deny_network,
    network_guard,
    run_isolated,
)
from cokg.sparql import MAX_NESTING, UpdateRefused, internal_form, screen
from cokg.store import EmbeddedStore, MemoryStore, open_store

EX = "http://example.org/"


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self.hits: list[bytes] = []
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(1)
            try:
                self.hits.append(conn.recv(4096))
            except OSError:
                self.hits.append(b"")
            conn.close()

    def received(self) -> list[bytes]:
        time.sleep(0.05)  # a connection under way has time to land
        return list(self.hits)

    def close(self) -> None:
        self._stop = True
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    lst = Listener()
    try:
        yield lst
    finally:
        lst.close()


def tricks(url: str) -> dict[str, str]:
    """Spellings of a network fetch; `url` is the listener's address."""
    host_u = url.replace("127", "\\u0031\\u0032\\u0037", 1)
    return {
        "service": f"SELECT * WHERE {{ SERVICE <{url}> {{ ?a ?b ?c }} }}",
        "service-silent": f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?a ?b ?c }} }}",
        "service-lower": f"select * where {{ service <{url}> {{ ?a ?b ?c }} }}",
        "service-mixed-case": f"SELECT * WHERE {{ SeRvIcE <{url}> {{ ?a ?b ?c }} }}",
        "pname-escaped-hash": (
            f"PREFIX ex: <{EX}> SELECT * WHERE {{ BIND(ex:o\\# AS ?x) "
            f"SERVICE <{url}> {{ ?a ?b ?c }} }}"
        ),
        "comment-ended-by-cr": f"SELECT * WHERE {{ # note\rSERVICE <{url}> {{ ?a ?b ?c }} }}",
        "comment-cr-then-lf-group": (
            f"SELECT * WHERE {{ # note\rSERVICE <{url}> {{ ?a ?b ?c }} \n ?s ?p ?o }}"
        ),
        "u-escaped-keyword": f"SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?a ?b ?c }} }}",
        "U-escaped-keyword": f"SELECT * WHERE {{ \\U00000053ERVICE <{url}> {{ ?a ?b ?c }} }}",
        "u-escaped-iri": f"SELECT * WHERE {{ SERVICE <{host_u}> {{ ?a ?b ?c }} }}",
        "endpoint-from-values": (
            f"SELECT * WHERE {{ VALUES ?e {{ <{url}> }} SERVICE ?e {{ ?a ?b ?c }} }}"
        ),
        "endpoint-from-bind": f"SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?a ?b ?c }} }}",
        "nested-subselect": (
            f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?a ?b ?c }} }} }} }}"
        ),
        "in-optional": (
            f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE <{url}> {{ ?s ?b ?c }} }} }}"
        ),
        "in-filter-exists": (f"ASK {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?a ?b ?c }} }} }}"),
        "in-construct": f"CONSTRUCT {{ ?a ?b ?c }} WHERE {{ SERVICE <{url}> {{ ?a ?b ?c }} }}",
        "from": f"SELECT * FROM <{url}> WHERE {{ ?a ?b ?c }}",
        "from-named": f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?a ?b ?c }} }}",
        "load": f"LOAD <{url}>",
        "load-after-insert": f"INSERT DATA {{ <{EX}a> <{EX}b> <{EX}c> }} ; LOAD <{url}>",
        "load-in-garbage": f"SELECT * WHERE {{ ?s ?p ?o }} }} LOAD <{url}>",
    }


TRICKS = list(tricks("http://127.0.0.1:1/sparql"))


@pytest.fixture
def small_store() -> Iterator[MemoryStore]:
    st = MemoryStore()
    triples = [(URIRef(f"{EX}s{i}"), URIRef(f"{EX}p{i % 5}"), Literal(i)) for i in range(50)]
    st.replace_graphs({f"{EX}g": triples})
    yield st
    st.close()


# --- the screen, the library and the CLI -----------------------------------------------------


@pytest.mark.parametrize("trick", TRICKS)
def test_library_query_fetches_nothing(
    trick: str, listener: Listener, small_store: MemoryStore
) -> None:
    with pytest.raises(CokgError):
        small_store.query(tricks(listener.url)[trick])
    assert listener.received() == []


@pytest.fixture(scope="module")
def tiny_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An on-disk store with one triple, made once: the CLI tests only read it."""
    store_dir = tmp_path_factory.mktemp("tiny") / "store"
    with open_store(store_dir) as st:
        st.replace_graphs({f"{EX}g": [(URIRef(f"{EX}s"), URIRef(f"{EX}p"), Literal(1))]})
    return store_dir


@pytest.mark.parametrize("trick", TRICKS)
def test_cli_sparql_fetches_nothing(trick: str, listener: Listener, tiny_store_dir: Path) -> None:
    store_dir = tiny_store_dir
    result = CliRunner().invoke(
        cli, ["sparql", "--store", str(store_dir), tricks(listener.url)[trick]]
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert listener.received() == []


def test_cli_in_a_real_process_fetches_nothing(listener: Listener, tmp_path: Path) -> None:
    """The whole `cokg` program, as a user runs it (no test hooks in the way)."""
    store_dir = tmp_path / "store"
    with open_store(store_dir) as st:
        st.replace_graphs({f"{EX}g": [(URIRef(f"{EX}s"), URIRef(f"{EX}p"), Literal(1))]})
    query = tricks(listener.url)["comment-ended-by-cr"]
    proc = subprocess.run(
        [sys.executable, "-m", "cokg.cli", "sparql", "--store", str(store_dir), query],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "SERVICE" in proc.stderr and "Traceback" not in proc.stderr
    assert listener.received() == []


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("SELECT ?service WHERE { ?service ?p ?o }", id="variable"),
        pytest.param('SELECT * WHERE { ?s ?p "SERVICE <http://x/>" }', id="string"),
        pytest.param("SELECT * WHERE { ?s ?p ?o } # SERVICE <http://x/>", id="comment"),
        pytest.param("SELECT * WHERE { ?s <http://x/SERVICE> ?o }", id="iri"),
        pytest.param(f"PREFIX service: <{EX}> SELECT * WHERE {{ ?s service:from ?o }}", id="pname"),
        pytest.param("SELECT * WHERE { }", id="empty-group"),
    ],
)
def test_lookalikes_pass_the_screen(query: str, small_store: MemoryStore) -> None:
    assert screen(query).form == "select"
    small_store.query(query)  # and run


def test_non_ascii_names_are_lexed_whole() -> None:
    # a text that is not ASCII is lexed with the name classes whole: its names hide no keyword
    # and hide none that is there
    for query in (
        f"PREFIX é: <{EX}> SELECT * WHERE {{ ?s é:from ?o }}",
        f"PREFIX p: <{EX}> SELECT * WHERE {{ ?s p:é·SERVICE ?o }}",
    ):
        assert screen(query).form == "select"
    with pytest.raises(NetworkRefused, match="SERVICE"):
        screen(f"PREFIX é: <{EX}> SELECT * WHERE {{ SERVICE <{EX}> {{ ?s é:p ?o }} }}")


def test_the_lexers_ascii_classes_match_as_the_whole_classes_do() -> None:
    # an ASCII query is lexed with the classes' ASCII part: on ASCII text it must match exactly
    # what the whole classes match (any difference would let a keyword hide in a name)
    import random

    from cokg.namespaces import _local_name
    from cokg.sparql import _pname_re

    rng = random.Random(7)
    alphabet = "aZ09_-.:%A1f\\~!/#@ ?<>\"'{}"
    whole, ascii_part = _pname_re(False), _pname_re(True)
    compared = 0
    for _ in range(4000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 14)))
        for i in range(len(text)):
            a, b = whole.match(text, i), ascii_part.match(text, i)
            assert (a and a.group(0)) == (b and b.group(0)), (text, i)
            compared += 1
        for slashes in (False, True):
            a_full = _local_name(slashes, False).fullmatch(text)
            assert bool(a_full) == bool(_local_name(slashes, True).fullmatch(text)), text
    assert compared > 20000


def test_updates_are_refused_never_run(small_store: MemoryStore) -> None:
    with pytest.raises(UpdateRefused):
        small_store.query(f"INSERT DATA {{ <{EX}x> <{EX}y> <{EX}z> }}")
    assert small_store.count() == 50


def test_from_is_refused_by_the_parse_tree() -> None:
    with pytest.raises(NetworkRefused, match="FROM"):
        screen(f"SELECT * FROM <{EX}g> WHERE {{ ?s ?p ?o }}")
    assert screen(f"SELECT * FROM <{EX}g> WHERE {{ ?s ?p ?o }}", allow_dataset=True).dataset


def test_queries_screened_on_many_threads_at_once_parse_as_one_at_a_time() -> None:
    """rdflib's parser (pyparsing) is not thread-safe: parses on two threads at once broke
    each other ("Param.postParse2() missing 'tokenList'", "Expected SelectQuery"), as
    `validate --whole-store` against a server and `serve --endpoint` did. Texts differ so that
    none is answered from the screen's cache."""
    from concurrent.futures import ThreadPoolExecutor

    texts = [
        f"SELECT ?s WHERE {{ ?s <{EX}p{i}> ?o OPTIONAL {{ ?o <{EX}q> ?x }} "
        f"FILTER (STRLEN(STR(?o)) > {i}) }} ORDER BY ?s LIMIT {i + 1}"
        for i in range(24)
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        forms = list(pool.map(lambda t: screen(t).form, texts))
    assert forms == ["select"] * len(texts)


@pytest.mark.parametrize(
    ("text", "form"),
    [
        pytest.param("# SELECT in a comment\nASK { ?s ?p ?o }", "ask", id="comment"),
        pytest.param("PREFIX x: <http://x/SELECT> CONSTRUCT WHERE { ?s ?p ?o }", "construct",
                     id="iri"),
        pytest.param('SELECT ?s WHERE { ?s ?p "ASK" }', "select", id="string"),
    ],
)  # fmt: skip
def test_internal_queries_are_lexed_for_their_form(text: str, form: str) -> None:
    assert internal_form(text) == form


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        pytest.param(f"SELECT * WHERE {{ SERVICE <{EX}> {{ ?s ?p ?o }} }}", NetworkRefused,
                     id="service"),
        pytest.param(f"SELECT * FROM <{EX}g> WHERE {{ ?s ?p ?o }}", NetworkRefused, id="from"),
        pytest.param(f"INSERT {{ <{EX}a> <{EX}b> ?o }} WHERE {{ SELECT ?o {{ ?s ?p ?o }} }}",
                     QueryError, id="update"),
    ],
)  # fmt: skip
def test_internal_queries_still_may_not_fetch_or_update(text: str, refused: type) -> None:
    with pytest.raises(refused):
        internal_form(text)


# --- the guard behind the screen ---------------------------------------------------------------


def test_network_guard_is_available_here() -> None:
    # CI and the developers' machines are Linux on x86-64 or arm64: the guard must be there.
    assert network_guard() == "seccomp"


def _try_connect(port: int) -> str:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError as exc:
        return f"refused: {exc.errno}"
    return "connected"


def test_a_sandboxed_child_cannot_open_a_socket(listener: Listener) -> None:
    assert run_isolated(lambda: _try_connect(listener.port), timeout=30) == "refused: 13"
    assert listener.received() == []
    assert _try_connect(listener.port) == "connected"  # the caller keeps its network
    assert len(listener.received()) == 1


@pytest.mark.parametrize("trick", ["service", "service-silent", "in-construct", "from"])
def test_engine_cannot_fetch_even_if_the_screen_lets_it_through(
    trick: str, listener: Listener, small_store: MemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Switch the screen off: the query reaches pyoxigraph, which fails to connect (SERVICE,
    LOAD) or reads FROM from its own dataset; either way the listener hears nothing."""
    from cokg import sparql
    from cokg.store import oxigraph

    monkeypatch.setattr(oxigraph, "screen", lambda text, **kw: sparql.Screened(text, "select"))
    try:
        small_store.query(tricks(listener.url)[trick])
    except QueryError as exc:
        assert "Permission denied" in str(exc), exc
    assert listener.received() == []


def test_deny_network_in_a_fresh_process(listener: Listener) -> None:
    code = (
        "import socket, sys\n"
        "from cokg.sandbox import deny_network\n"
        "assert deny_network()\n"
        "socket.socket(socket.AF_UNIX).close()\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {listener.port}), timeout=2)\n"
        "except PermissionError:\n"
        "    sys.exit(0)\n"
        "sys.exit(1)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
    assert listener.received() == []
    assert callable(deny_network)


# --- crashes and exhaustion --------------------------------------------------------------------


def deep(n: int, kind: str = "(") -> str:
    if kind == "(":
        return "SELECT * WHERE { FILTER(" + "(" * n + "1" + ")" * n + ") }"
    return "SELECT * WHERE " + "{" * n + " ?s ?p ?o " + "}" * n


@pytest.mark.parametrize("kind", ["(", "{"])
def test_deep_nesting_is_refused_before_parsing(kind: str, small_store: MemoryStore) -> None:
    with pytest.raises(QueryError, match=f"limit is {MAX_NESTING}"):
        small_store.query(deep(5000, kind))
    small_store.query(deep(MAX_NESTING - 2, kind))  # within the limit: answered


def test_cli_deep_nesting_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["sparql", "--store", "memory:", deep(5000)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "nests brackets 5002 deep" in result.output


def test_an_engine_crash_ends_only_the_child(small_store: MemoryStore) -> None:
    """Past the screen (switched off here), 100,000 parentheses overflow pyoxigraph's parser
    stack: the child dies, the caller gets QueryCrashed and the store answers on."""
    with pytest.raises(QueryCrashed, match="crashed"):
        run_isolated(lambda: small_store._run(deep(100_000)), timeout=60)
    assert small_store.query("ASK { ?s ?p ?o }").boolean is True


CROSS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a LIMIT 5"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def product_store() -> Iterator[MemoryStore]:
    # 2,000 triples: the three-way product has 8e9 rows
    st = MemoryStore()
    triples = [(URIRef(f"{EX}s{i}"), URIRef(f"{EX}p{i % 7}"), Literal(i)) for i in range(2000)]
    st.replace_graphs({f"{EX}g": triples})
    yield st
    st.close()


@pytest.mark.slow
def test_sorting_a_cross_product_stops_at_the_memory_limit(product_store: MemoryStore) -> None:
    start = time.monotonic()
    with pytest.raises((QueryOutOfMemory, QueryTimeout)):
        product_store.query(CROSS, memory_mb=300, timeout=60)
    assert time.monotonic() - start < 60
    assert product_store.query("ASK { ?s ?p ?o }").boolean is True


@pytest.mark.slow
def test_counting_a_cross_product_stops_at_the_time_limit(product_store: MemoryStore) -> None:
    start = time.monotonic()
    with pytest.raises(QueryTimeout, match="2 s time limit"):
        product_store.query(COUNT, timeout=2)
    assert time.monotonic() - start < 10


def test_cli_timeout_is_one_line(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    triples = [(URIRef(f"{EX}s{i}"), URIRef(f"{EX}p"), Literal(i)) for i in range(2000)]
    with open_store(store_dir) as st:
        st.replace_graphs({f"{EX}g": triples})
    result = CliRunner().invoke(cli, ["sparql", "--store", str(store_dir), "--timeout", "1", COUNT])
    assert result.exit_code == 2, result.output
    assert result.output == (
        "cokg: error: the query ran longer than the 1 s time limit and was stopped\n"
    )


# --- read-only commands write nothing ------------------------------------------------------------


def _tree(path: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()
    }


def test_reading_commands_leave_the_store_directory_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_dir = tmp_path / "project" / "store"
    runner = CliRunner()
    assert runner.invoke(cli, ["build", "--store", str(store_dir)]).exit_code == 0
    before = _tree(store_dir.parent)  # the store, its lock and the snapshots readers read
    for args in (
        ["sparql", "--store", str(store_dir), "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"],
        ["query", "timeline", "--store", str(store_dir), "-p", "case=dundee-mrr"],
        ["export", "--store", str(store_dir), "-f", "nq", "--out", str(tmp_path / "x.nq")],
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, (args, result.output)
        assert _tree(store_dir.parent) == before, args
    assert isinstance(open_store(store_dir, read_only=True), EmbeddedStore)


def test_the_store_survives_a_killed_query(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    triples = [(URIRef(f"{EX}s{i}"), URIRef(f"{EX}p"), Literal(i)) for i in range(2000)]
    with open_store(store_dir) as st:
        st.replace_graphs({f"{EX}g": triples})
    with open_store(store_dir, read_only=True) as st:
        with pytest.raises(QueryTimeout):
            st.query(COUNT, timeout=1)
        assert st.count() == 2000
    assert os.path.isdir(store_dir)


# --- the served endpoint -------------------------------------------------------------------


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The real app over real worker processes, with 2,000 triples (a slow product to count)."""
    from starlette.testclient import TestClient

    from cokg.serve.app import ServeSettings, create_app
    from cokg.serve.pool import DataSource, QueryPool

    snap = tmp_path_factory.mktemp("endpoint") / "data.nq"
    snap.write_text(
        "".join(f'<{EX}s{i}> <{EX}p{i % 7}> "{i}" <{EX}g> .\n' for i in range(2000)),
        encoding="utf-8",
    )
    with QueryPool(DataSource(snapshot=snap), workers=2, timeout=4.0) as pool:
        app = create_app(pool, ServeSettings(timeout=4.0, limit=1000, per_client=1))
        with TestClient(app) as client:
            client.pool = pool  # type: ignore[attr-defined]
            yield client


@pytest.mark.parametrize("trick", TRICKS)
def test_endpoint_fetches_nothing(trick: str, listener: Listener, endpoint: Any) -> None:
    query = tricks(listener.url)[trick]
    got = endpoint.get("/sparql", params={"query": query})
    posted = endpoint.post(
        "/sparql", content=query.encode(), headers={"content-type": "application/sparql-query"}
    )
    for r in (got, posted):
        if trick in ("from", "from-named"):  # graphs of the served dataset, never fetched
            assert r.status_code == 200, r.text
        else:
            assert r.status_code in (400, 403), r.text
            assert len(r.text) < 400 and "Traceback" not in r.text
    assert listener.received() == []


@pytest.mark.parametrize("trick", ["service", "service-silent", "in-construct"])
def test_endpoint_workers_cannot_fetch_even_past_the_screen(
    trick: str, listener: Listener, endpoint: Any
) -> None:
    """A task sent to the workers directly, with no screen in front: still nothing fetched."""
    from cokg.serve.pool import QueryRefused

    task = {"op": "rows", "query": tricks(listener.url)[trick], "limit": 10}
    try:
        endpoint.pool.run(task)
    except QueryRefused as exc:
        assert "Permission denied" in str(exc), exc
    assert listener.received() == []


def test_endpoint_refuses_deep_nesting_without_losing_a_worker(endpoint: Any) -> None:
    lost = endpoint.pool.stats.lost
    r = endpoint.get("/sparql", params={"query": deep(5000)})
    assert r.status_code == 400 and "limit is 64" in r.text
    assert endpoint.pool.stats.lost == lost


def test_endpoint_limits_queries_per_client(endpoint: Any) -> None:
    slow: list[Any] = []
    t = threading.Thread(
        target=lambda: slow.append(endpoint.get("/sparql", params={"query": COUNT}))
    )
    t.start()
    time.sleep(1.0)  # the first query is running (it takes far longer than this)
    second = endpoint.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    t.join(60)
    assert second.status_code == 429, second.text
    assert second.headers["retry-after"] == "1"
    assert slow[0].status_code == 503  # the product was stopped at the 4 s timeout
    assert endpoint.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200


# --- a reader's query child, kept between queries --------------------------------------------


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    """A store opened read-only, as every reading command opens it: one child answers its
    queries one after another (the snapshot cannot change under it). 2,000 triples: the
    three-way product has 8e9 rows."""
    path = tmp_path_factory.mktemp("reader") / "store"
    with EmbeddedStore(path) as writer:
        triples = [(URIRef(f"{EX}s{i}"), URIRef(f"{EX}p{i % 7}"), Literal(i)) for i in range(2000)]
        writer.replace_graphs({f"{EX}g": triples})
    st = EmbeddedStore(path, read_only=True)
    yield st
    st.close()


def _worker_pid(st: EmbeddedStore | MemoryStore) -> int | None:
    worker = getattr(st, "_query_worker", None)
    return None if worker is None else worker.pid


def test_one_child_answers_a_readers_queries(reader: EmbeddedStore) -> None:
    assert reader.query("ASK { ?s ?p ?o }").boolean is True
    pid = _worker_pid(reader)
    assert pid is not None and pid != os.getpid()
    for i in range(5):
        rows = reader.query(f"SELECT ?o WHERE {{ <{EX}s{i}> ?p ?o }}").rows
        assert [r["o"] for r in rows] == [Literal(i)]
    assert _worker_pid(reader) == pid  # the same child, no fork per query


def test_a_readers_child_is_stopped_at_the_deadline_and_replaced(reader: EmbeddedStore) -> None:
    reader.query("ASK { ?s ?p ?o }")
    before = _worker_pid(reader)
    start = time.monotonic()
    with pytest.raises(QueryTimeout, match="2 s time limit"):
        reader.query(COUNT, timeout=2)
    assert time.monotonic() - start < 10
    assert before is not None and _ended_pid(before)
    assert reader.query("ASK { ?s ?p ?o }").boolean is True  # a new child
    assert _worker_pid(reader) not in (None, before)


@pytest.mark.slow
def test_a_readers_child_stops_at_the_memory_limit(reader: EmbeddedStore) -> None:
    with pytest.raises((QueryOutOfMemory, QueryTimeout)):
        reader.query(CROSS, memory_mb=300, timeout=60)
    assert reader.query("ASK { ?s ?p ?o }", memory_mb=300).boolean is True


def test_a_crash_in_a_readers_child_ends_only_that_child(reader: EmbeddedStore) -> None:
    from cokg.sandbox import Worker

    worker = Worker(reader._run, memory_mb=None)
    try:
        assert worker.call("ASK { ?s ?p ?o }", timeout=30) == ("ask", True)
        with pytest.raises(QueryCrashed, match="crashed"):
            worker.call(deep(100_000), timeout=60)  # past the screen: the parser overflows
        assert worker.call("ASK { ?s ?p ?o }", timeout=30) == ("ask", True)
    finally:
        worker.stop()


def test_a_readers_child_killed_while_idle_is_replaced(reader: EmbeddedStore) -> None:
    reader.query("ASK { ?s ?p ?o }")
    pid = _worker_pid(reader)
    assert pid is not None
    os.kill(pid, 9)
    time.sleep(0.2)
    assert reader.query("ASK { ?s ?p ?o }").boolean is True
    assert _worker_pid(reader) != pid


def test_a_readers_child_cannot_reach_the_network(
    reader: EmbeddedStore, listener: Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cokg import sparql
    from cokg.sandbox import Worker
    from cokg.store import oxigraph

    worker = Worker(_try_connect, memory_mb=None)
    try:
        assert worker.call(listener.port, timeout=30) == "refused: 13"
    finally:
        worker.stop()
    monkeypatch.setattr(oxigraph, "screen", lambda text, **kw: sparql.Screened(text, "select"))
    for trick in ("service", "service-silent", "in-construct"):
        try:
            reader.query(tricks(listener.url)[trick])
        except QueryError as exc:
            assert "Permission denied" in str(exc), exc
    assert listener.received() == []


def test_concurrent_queries_on_one_reader(reader: EmbeddedStore) -> None:
    # one thread has the child; the others fork a child per query, as before
    answers: list[int] = []

    def ask(i: int) -> None:
        rows = reader.query(f"SELECT ?o WHERE {{ <{EX}s{i}> ?p ?o }}").rows
        answers.append(int(rows[0]["o"]))

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(answers) == list(range(8))


def _ended_pid(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_write_retires_the_memory_stores_child() -> None:
    """An in-memory store keeps one child while nothing changes; each write made through it
    (replace, drop, update, rebuild) retires the child, so no query reads a stale copy."""
    st = MemoryStore()
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    try:
        st.replace_graphs({f"{EX}g": [(URIRef(f"{EX}a"), URIRef(f"{EX}p"), Literal(1))]})
        assert int(st.query(count).rows[0]["n"]) == 1
        first = _worker_pid(st)
        assert int(st.query(count).rows[0]["n"]) == 1 and _worker_pid(st) == first
        st.replace_graphs({f"{EX}h": [(URIRef(f"{EX}b"), URIRef(f"{EX}p"), Literal(2))]})
        assert int(st.query(count).rows[0]["n"]) == 2
        assert _worker_pid(st) != first
        st.drop_graphs([f"{EX}g"])
        assert int(st.query(count).rows[0]["n"]) == 1
        st.rebuild({})
        assert int(st.query(count).rows[0]["n"]) == 0
    finally:
        st.close()


@pytest.mark.parametrize(
    "escape", ["\\U0011FFFF", "\\UFFFFFFFF", "\\uD800", "\\U0000DC00"], ids=str.strip
)
def test_an_escape_naming_no_character_is_a_syntax_error(escape: str) -> None:
    """rdflib raised ValueError (OverflowError) parsing \\U0011FFFF: an internal error, exit 3,
    and 500 on the endpoint. Above U+10FFFF the screen says where; a surrogate the engine
    refuses. Either way one line, exit 2, and 400 on the endpoint."""
    from cokg.serve.protocol import screen_request

    query = f'SELECT ("{escape}" AS ?x) {{}}'
    if escape.upper() in ("\\U0011FFFF", "\\UFFFFFFFF"):
        with pytest.raises(QueryError, match="syntax error at line 1, column 10"):
            screen(query)
        with pytest.raises(CokgError):
            screen_request(query)
    result = CliRunner().invoke(cli, ["sparql", "--store", "memory:", query])
    assert result.exit_code == 2 and "internal error" not in result.output, result.output
    assert screen('SELECT ("\\U0001F600" AS ?x) {}')  # a character, above the BMP
