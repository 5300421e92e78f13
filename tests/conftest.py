"""Shared test set-up. Add fixtures in your own clearly marked section.

Network guard: every test runs under a Python audit hook that refuses socket connections to
anything but the loopback interface (a local SPARQL server on 127.0.0.1 is fine; the
internet is not). Python libraries see an OSError; the test also fails afterwards even if the
library swallowed that error (owlready2 and urllib catch everything). The guard cannot see
sockets opened by Rust code inside pyoxigraph: those are screened by cokg itself.
"""

from __future__ import annotations

import atexit
import ipaddress
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# --- core: network guard -------------------------------------------------------------------

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class _Guard:
    strict = False  # True inside `no_sockets`: even loopback connections are refused
    recorders: list[list[str]]  # lists receiving every attempt seen, allowed or not
    refused: list[str]


_GUARD = _Guard()
_GUARD.recorders = []
_GUARD.refused = []


class NetworkBlocked(OSError):
    """Raised inside the code under test when it tries to reach the network."""


def _is_loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    if host == "" or host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
        return ip.is_loopback or ip.is_unspecified
    except ValueError:
        return False


def _audit(event: str, args: tuple) -> None:
    if event in ("socket.connect", "socket.sendto"):
        address = args[1]
        if isinstance(address, str | bytes):  # AF_UNIX: local by definition
            return
        host = address[0] if isinstance(address, tuple) and address else address
    elif event == "socket.getaddrinfo":
        host = args[0]
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        if host is None:
            return
    else:
        return
    what = f"{event} {host!r}"
    for rec in _GUARD.recorders:
        rec.append(what)
    if _GUARD.strict or not _is_loopback(host):
        _GUARD.refused.append(what)
        raise NetworkBlocked(f"network access blocked in tests: {what}")


sys.addaudithook(_audit)  # cannot be removed again; the flags above switch it


@pytest.fixture(autouse=True)
def _network_guard() -> Iterator[None]:
    _GUARD.refused.clear()
    yield
    refused = list(_GUARD.refused)
    _GUARD.refused.clear()
    if refused:
        pytest.fail(f"test attempted network access: {refused}", pytrace=False)


@pytest.fixture
def no_sockets() -> Iterator[list[str]]:
    """Inside this fixture any socket connection, even to loopback, is refused and recorded;
    the test fails if one was attempted. Yields the list of attempts for assertions."""
    seen: list[str] = []
    _GUARD.strict = True
    _GUARD.recorders.append(seen)
    try:
        yield seen
    finally:
        _GUARD.strict = False
        _GUARD.recorders.remove(seen)


# --- core: cokg's cache folder --------------------------------------------------------------
# The compiled shapes are cached between commands (cokg.validate.compiled_cache); the suite
# and the commands it starts keep theirs in a folder of this test process, not the user's.
os.environ["COKG_CACHE"] = tempfile.mkdtemp(prefix="cokg-test-cache-")
atexit.register(shutil.rmtree, os.environ["COKG_CACHE"], ignore_errors=True)


# --- core: the order `make test` hands test files to its workers ----------------------------

# `make test` runs the suite on every core (pytest-xdist `--dist loadfile
# --no-loadscope-reorder`): each worker takes the next test file in collection order. The
# files that take longest (measured with --durations) go first, so that no worker is left
# running a long file alone at the end while the other has nothing to do. Order only: every
# test still runs, and within a file in its written order. A file not listed runs after these.
SLOWEST_FILES = (
    "test_docs.py",  # every example of the README and docs/
    "test_store.py",  # kill -9 loops, bulk loads, two real servers
    "test_sharing.py",  # readers, a report and a server during an ingest; 1,000 commands
    "test_security.py",
    "test_saved_queries.py",  # every query on four stores
    "test_ingest.py",  # a SIGKILL during a write
    "test_paging.py",
    "test_one_record_one_graph.py",
    "test_template_office.py",  # LibreOffice re-saves workbooks
    "test_template_roundtrip.py",
    "test_serve.py",
    "test_demo.py",  # the whole demo on the founding dataset
    "test_reason.py",
    "test_shapes.py",  # every shape fixture through pySHACL
    "test_validate.py",
    "test_types.py",  # the type checker over src/
    "test_browser.py",
    "test_report.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not hasattr(config, "workerinput"):  # only in an xdist worker: a plain run keeps its order
        return
    rank = {name: i for i, name in enumerate(SLOWEST_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable within a file


# --- core: project-tree fixtures ------------------------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures"
MINI_PROJECT = FIXTURES / "reason" / "mini"


@pytest.fixture
def project_root(monkeypatch: pytest.MonkeyPatch):
    """Point cokg.paths at another project tree (default: the miniature fixture project).
    Returns a function: `project_root(path)`; call it with no argument for the mini project."""
    from cokg import paths

    def use(root: Path = MINI_PROJECT) -> Path:
        root = Path(root).resolve()
        monkeypatch.setattr(paths, "ROOT", root)
        monkeypatch.setattr(paths, "ONTOLOGY_DIR", root / "ontology")
        monkeypatch.setattr(paths, "UMBRELLA", root / "ontology" / "cokg.ttl")
        monkeypatch.setattr(paths, "MODULES_DIR", root / "ontology" / "modules")
        monkeypatch.setattr(paths, "FRAMEWORKS_DIR", root / "ontology" / "frameworks")
        monkeypatch.setattr(paths, "CATALOG", root / "ontology" / "catalog-v001.xml")
        monkeypatch.setattr(paths, "SHAPES_DIR", root / "shapes")
        monkeypatch.setattr(paths, "QUERIES_DIR", root / "queries")
        monkeypatch.setattr(paths, "CHECKS_DIR", root / "queries" / "checks")
        monkeypatch.setattr(paths, "DATA_DIR", root / "data")
        return root

    return use


# --- store: a real Oxigraph SPARQL server ----------------------------------------------------


@pytest.fixture(scope="session")
def oxigraph_server():
    """An Oxigraph server (`oxigraph serve --union-default-graph`) on a free loopback port for
    the whole session; `.query_url`, `.update_url`, `.store_url`, `.clear()`. Tests sharing it
    call `clear()` first. Fails (never skips) when the server binary is missing: remote mode
    is only tested against a real server, and a skip must not pass for a pass."""
    from servers import OxigraphServer, oxigraph_binary

    if oxigraph_binary() is None:
        pytest.fail("the oxigraph server binary is not installed (pip install oxigraph)")
    with OxigraphServer() as server:
        yield server


# --- stores: the founding store, built once per test process -------------------------------


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An embedded store with the ontology, frameworks and founding data; never written to:
    tests that write take a copy (`store_dir`)."""
    from cokg.store import EmbeddedStore, build

    d = tmp_path_factory.mktemp("built") / "store"
    with EmbeddedStore(d) as st:
        build(st)
    return d


@pytest.fixture
def store_dir(tmp_path: Path, built_store: Path) -> Path:
    """A fresh copy of the built store per test (its snapshots come with it)."""
    import shutil

    d = tmp_path / "store"
    shutil.copytree(built_store, d)
    snapshots = built_store.with_name(built_store.name + ".snapshots")
    if snapshots.is_dir():
        shutil.copytree(snapshots, d.with_name(d.name + ".snapshots"))
    # the build manifest too: without it every reader takes the copy for stale and rebuilds
    manifest = built_store.with_name(built_store.name + ".sources.json")
    if manifest.is_file():
        shutil.copy2(manifest, d.with_name(d.name + ".sources.json"))
    return d
