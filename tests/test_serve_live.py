"""`cokg serve` over an embedded store follows what writers publish: an ingest shows within a
second without a restart, queries keep answering while it writes, and a worker holding an old
snapshot is not broken by later publishes (the snapshot stays until released, then goes).

Runs the real application (Starlette TestClient) over real query worker processes.
"""

from __future__ import annotations

import threading
import time
import warnings
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

with warnings.catch_warnings():  # Starlette nudges towards httpx2; httpx is what we have
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from cokg.serve import DataSource, QueryPool, ServeSettings, create_app, snapshot

pytestmark = pytest.mark.timeout(300)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "tests" / "fixtures" / "submissions" / "example-template"
NEW_CASE = "fictional-riverside"
CASE_IRI = "https://w3id.org/cokg/id/case/" + NEW_CASE
ASK_NEW = f"ASK {{ <{CASE_IRI}> ?p ?o }}"
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
TIMEOUT = 5.0
NEW_LINK = f'<a href="/case/{NEW_CASE}"'
NEW_OPTION = f'<option value="{NEW_CASE}"'


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    from cokg.store import build, open_store

    path = tmp_path / "store"
    store = open_store(path)
    try:
        build(store)
    finally:
        store.close()
    return path


def _asks(client: TestClient, query: str) -> bool:
    r = client.get("/sparql", params={"query": query})
    assert r.status_code == 200, r.text
    return bool(r.json()["boolean"])


def test_ingest_shows_within_a_second_while_queries_keep_answering(store_dir: Path) -> None:
    from cokg.ingest import ingest

    with snapshot(store_dir) as source:
        assert source.snapshots is not None and source.snapshot is None  # followed live
        with QueryPool(source, workers=2, timeout=TIMEOUT) as pool:
            app = create_app(pool, ServeSettings(timeout=TIMEOUT, limit=5000))
            with TestClient(app) as client, TestClient(app) as hammer_client:
                assert client.get(f"/case/{NEW_CASE}").status_code == 404
                assert not _asks(client, ASK_NEW)
                assert NEW_LINK not in client.get("/").text
                assert NEW_OPTION not in client.get("/query/timeline").text
                before = client.get("/status").json()
                assert before["data"] == "live"

                statuses: list[int] = []
                stop = threading.Event()

                def hammer() -> None:
                    while not stop.is_set():
                        r = hammer_client.get("/sparql", params={"query": COUNT_ALL})
                        statuses.append(r.status_code)

                thread = threading.Thread(target=hammer)
                thread.start()
                try:
                    time.sleep(0.2)
                    during_before = len(statuses)
                    ingest([EXAMPLE], by="test steward", store=store_dir)
                    done = time.monotonic()
                    answered_during = len(statuses) - during_before
                    shown_at = None
                    while time.monotonic() - done < 3:
                        # one query per look: the time measured is the server's, not a page's
                        if _asks(client, ASK_NEW):
                            shown_at = time.monotonic() - done
                            break
                        time.sleep(0.02)
                finally:
                    stop.set()
                    thread.join(timeout=30)

                assert shown_at is not None and shown_at < 1.0, shown_at
                case_page = client.get(f"/case/{NEW_CASE}")
                assert case_page.status_code == 200  # and its page, listed in every page's
                assert NEW_LINK in case_page.text  # navigation and in the case drop-downs
                assert NEW_OPTION in client.get("/query/timeline").text
                assert _asks(client, ASK_NEW)  # every worker, not just one, follows
                assert _asks(client, ASK_NEW)
                assert statuses and set(statuses) == {200}, statuses
                assert answered_during > 0  # the server answered while the ingest wrote
                after = client.get("/status").json()
                assert int(after["generation"]) > int(before["generation"])
                print(
                    f"shown {shown_at * 1000:.0f} ms after the ingest closed; "
                    f"{answered_during} queries answered during the ingest"
                )


def _publish(store_dir: Path, n: int) -> None:
    """One writer that changes one graph and closes: publishes a new snapshot."""
    from cokg.store import open_store

    store = open_store(store_dir)
    try:
        store.replace_graphs({"urn:test:live": [(URIRef("urn:s"), URIRef("urn:p"), Literal(n))]})
    finally:
        store.close()


def _ping(pool: QueryPool) -> dict:
    return pool.run({"op": "ping"})


def _value(pool: QueryPool) -> int | None:
    reply = pool.run({"op": "rows", "query": "SELECT ?o WHERE { <urn:s> <urn:p> ?o }", "limit": 0})
    rows = reply["rows"]
    return int(rows[0][0][1]) if rows else None


@pytest.mark.parametrize("in_memory_max", [0, 1 << 30], ids=["on-disk", "in-memory"])
def test_old_snapshot_survives_publishes_until_released(
    store_dir: Path, in_memory_max: int
) -> None:
    snaps = store_dir.with_name(store_dir.name + ".snapshots")
    source = DataSource(snapshots=snaps, in_memory_max=in_memory_max)
    with QueryPool(source, workers=1, timeout=TIMEOUT) as pool:
        first = _ping(pool)["generation"]
        assert first is not None and (snaps / first).is_dir()
        assert _value(pool) is None
        _publish(store_dir, 1)
        _publish(store_dir, 2)
        if in_memory_max:
            # copied into memory, it was released at once and the next writer deleted it
            assert not (snaps / first).exists()
        # (on disk, an idle worker follows the pointer every 0.1 s, so whether it still holds
        # the first snapshot here is a matter of timing; that a held snapshot is never deleted
        # is tested with readers in test_store.py::test_old_snapshots_go_unless_read)
        assert _value(pool) == 2  # the next task follows to the newest snapshot
        now = _ping(pool)["generation"]
        assert int(now) == int(first) + 2
        _publish(store_dir, 3)  # released above: the next writer deletes the old one
        assert not (snaps / first).exists()
        assert _value(pool) == 3
        kept = sorted(p.name for p in snaps.iterdir() if p.is_dir())
        expected = [str(int(first) + 3)] if in_memory_max else [now, str(int(first) + 3)]
        assert sorted(kept) == sorted(expected)


def test_memory_store_is_still_a_fixed_snapshot() -> None:
    with snapshot("memory:") as source:
        assert source.snapshot is not None and source.snapshots is None
        with QueryPool(source, workers=1, timeout=TIMEOUT) as pool:
            assert _ping(pool)["generation"] is None
            assert pool.generation() is None


def test_serving_takes_no_writer_lock(store_dir: Path) -> None:
    """A writer opens (and publishes) at once while the server's workers hold a snapshot."""
    from cokg.store.oxigraph import EmbeddedStore

    with snapshot(store_dir) as source, QueryPool(source, workers=2, timeout=TIMEOUT) as pool:
        _ping(pool)
        t0 = time.monotonic()
        writer = EmbeddedStore(store_dir, wait=0)
        writer.close()
        assert time.monotonic() - t0 < 5


def test_following_snapshots_loads_no_rdf_library(store_dir: Path) -> None:
    """The worker reads the pointer with `cokg/store/snapshots.py` loaded from its file: the
    `cokg.store` package (and with it rdflib) stays out of the worker."""
    import subprocess
    import sys

    snaps = store_dir.with_name(store_dir.name + ".snapshots")
    code = (
        "import sys, pyoxigraph as ox\n"
        "from pathlib import Path\n"
        "from cokg.serve.pool import _Live\n"
        f"live = _Live(ox, Path({str(snaps)!r}), 1 << 30)\n"
        "live.follow()\n"
        "print(live.generation is not None, len(live.store) > 0)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'rdflib', 'starlette'}))\n"
        "print(sorted(m for m in sys.modules if m.startswith('cokg.store')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["True True", "[]", "[]"]
