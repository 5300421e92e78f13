"""Worker processes that run SPARQL for the server, so that a query can really be stopped.

pyoxigraph has no query timeout and a running query holds no Python checkpoint, so the only hard
stop is to kill the process running it. The pool hands one task to one idle worker; when the
answer does not come back in time the worker is killed and replaced, and the caller gets
`QueryTimeout`. A worker that dies (e.g. at its memory cap) is replaced as well. Workers are
fresh interpreters (`python -m cokg.serve.pool FD`) talking over a socket pair, independent of
how the server itself was started.

Where a worker's data comes from (`DataSource`):

- An embedded store: the worker follows the snapshots its writers publish
  (`<store>.snapshots/<n>/`, `cokg.store.snapshots`). Before each task, and every 0.1 s while
  idle, it reads the `current` pointer (a tiny file read, ~20 us); when a writer has published
  a newer snapshot, the worker takes a shared flock on `<n>.lock` (so no writer deletes it
  meanwhile), opens it read-only and releases the old one, which the next writer then deletes.
  So an ingest shows a fraction of a second after it closes, without a restart; and the server
  never touches the writer lock, so it keeps answering while an ingest writes (from the
  previous snapshot meanwhile).
- `memory:` (or a store no writer published yet): an N-Quads file loaded once at start.

In memory or on disk? Measured on the founding store (7.7k triples, a 1.7 MB snapshot; the 18
saved queries, best of 3, on a loaded 2-core machine): all 18 take 47 ms in memory against
282 ms on the read-only disk snapshot (6x), and copying the snapshot into memory costs 0.10-0.15
s (opening it read-only: 0.02 s). So a snapshot up to `DataSource.in_memory_max` (16 MB on disk,
~70k triples) is copied into memory, its lock released at once; the copy runs at ~60k
triples/s, so a larger snapshot (1M triples: ~15 s per worker per ingest, a stalled query) is
queried on disk instead, holding its lock for as long as it is served.

The worker side imports only the standard library, pyoxigraph, `cokg.sandbox` (which denies
it the network once its data is loaded: following later snapshots needs only files, which the
filter leaves alone), `cokg.serve.results` (the results formats, standard library only),
`cokg/store/snapshots.py` and `cokg/store/datatypes.py` (the declared integer types an entity
page gives back) loaded from their files (standard library and pyoxigraph only), so starting
one stays cheap.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from cokg.errors import QueryError, engine_syntax_message
from cokg.serve.results import Term, boolean_body, solutions_body

# Media types of graphs the worker can write (tables and booleans: cokg.serve.results).
GRAPH_FORMATS = {
    "text/turtle": "TURTLE",
    "application/n-triples": "N_TRIPLES",
    "application/rdf+xml": "RDF_XML",
    "application/ld+json": "JSON_LD",
}


class QueryTimeout(QueryError):
    """The query ran past the server's timeout; its worker was killed."""


class WorkerLost(QueryError):
    """The worker running the query died (most often: it reached its memory cap)."""


class ServiceBusy(QueryError):
    """Every worker stayed busy for longer than the timeout."""


class EndpointUnavailable(ServiceBusy):
    """The SPARQL server behind `cokg serve --endpoint` could not be reached or failed. The
    message is for the public: it never holds the server's address (that goes to the log)."""


class QueryRefused(QueryError):
    """The query text is an update, or could not be parsed."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason  # "update" | "syntax" | "unacceptable"


@dataclass(frozen=True)
class DataSource:
    """Where a worker gets its data: an N-Quads file loaded once (None: an empty dataset), or
    an embedded store's snapshots directory (`<store>.snapshots`), followed as writers publish."""

    snapshot: Path | None = None
    snapshots: Path | None = None
    in_memory_max: int = 16 * 1024 * 1024  # bytes on disk: larger snapshots are read on disk


@dataclass
class _Worker:
    process: Any
    conn: Connection
    ident: int


@dataclass
class PoolStats:
    started: int = 0
    killed_timeout: int = 0
    lost: int = 0
    tasks: int = 0


class QueryPool:
    """A few worker processes, each able to answer one task at a time."""

    def __init__(
        self,
        source: DataSource,
        *,
        workers: int = 2,
        timeout: float = 10.0,
        memory_mb: int | None = 4096,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.source = source
        self.size = workers
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.stats = PoolStats()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: dict[int, _Worker] = {}
        self._lock = threading.Lock()
        self._next_id = 0
        self._closed = False
        # Workers are started from one long-lived thread: Linux's parent-death signal (which
        # stops a worker when the server dies) fires when the *thread* that started it exits.
        self._spawn_requests: queue.Queue[queue.Queue[Any]] = queue.Queue()
        threading.Thread(target=self._spawner, name="cokg-spawner", daemon=True).start()

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> QueryPool:
        try:
            workers = [self._spawn() for _ in range(self.size)]
            for w in workers:
                self._await_ready(w)
                self._idle.put(w)
        except BaseException:  # a stop (SIGTERM as SystemExit) while they load: none left over
            self.close()
            raise
        return self

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all.values())
            self._all.clear()
        for w in workers:
            with contextlib.suppress(OSError, ValueError):
                w.conn.send(None)
        for w in workers:
            try:
                w.process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                w.process.kill()
                w.process.wait(timeout=5)
            w.conn.close()

    def __enter__(self) -> QueryPool:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _spawner(self) -> None:
        while True:
            reply = self._spawn_requests.get()
            try:
                reply.put(self._start_process())
            except BaseException as exc:
                reply.put(exc)

    def _start_process(self) -> tuple[Any, Connection]:
        # A fresh interpreter running this module: independent of the caller's __main__.
        parent_sock, child_sock = socket.socketpair()
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "cokg.serve.pool", str(child_sock.fileno())],
                pass_fds=(child_sock.fileno(),),
                stdin=subprocess.DEVNULL,
                close_fds=True,
            )
        finally:
            child_sock.close()
        conn = Connection(parent_sock.detach())
        conn.send((self.source, self.memory_mb))
        return process, conn

    def _spawn(self) -> _Worker:
        reply: queue.Queue[Any] = queue.Queue()
        self._spawn_requests.put(reply)
        got = reply.get()
        if isinstance(got, BaseException):
            raise WorkerLost(f"could not start a query worker: {got}")
        process, conn = got
        with self._lock:
            ident = self._next_id
            self._next_id += 1
            w = _Worker(process, conn, ident)
            self._all[ident] = w
        self.stats.started += 1
        return w

    def _await_ready(self, w: _Worker) -> None:
        # Loading a large snapshot may take a while; give it generous but bounded time.
        if not w.conn.poll(max(60.0, self.timeout * 6)):
            self._discard(w)
            raise WorkerLost("a query worker did not start in time")
        try:
            msg = w.conn.recv()
        except (EOFError, OSError) as exc:
            self._discard(w)
            raise WorkerLost("a query worker failed while loading the data") from exc
        if msg[0] != "ready":
            self._discard(w)
            raise WorkerLost(f"a query worker could not load the data: {msg[1]}")

    def _discard(self, w: _Worker) -> None:
        with self._lock:
            self._all.pop(w.ident, None)
        with contextlib.suppress(Exception):
            w.process.kill()
        with contextlib.suppress(Exception):
            w.process.wait(timeout=5)
        w.conn.close()

    def _replace_later(self, w: _Worker) -> None:
        """Kill a worker and start its replacement in the background (the caller answers now)."""
        with contextlib.suppress(Exception):
            w.process.kill()  # the signal is immediate; reaping a large process is not

        def replace() -> None:
            self._discard(w)
            if self._closed:
                return
            try:
                new = self._spawn()
                self._await_ready(new)
            except Exception:  # the next request will find one worker fewer; retried below
                time.sleep(1)
                if not self._closed:
                    threading.Thread(target=replace, daemon=True).start()
                return
            if self._closed:
                self._discard(new)
            else:
                self._idle.put(new)

        threading.Thread(target=replace, daemon=True).start()

    def generation(self) -> str | None:
        """The newest snapshot published (the workers serve it from their next task on);
        None when the data is a fixed N-Quads snapshot."""
        if self.source.snapshots is None:
            return None
        pointer: str | None = _snapshots_module().pointer(self.source.snapshots)
        return pointer

    # -- running tasks -------------------------------------------------------------------
    def run(self, task: dict[str, Any], *, timeout: float | None = None) -> dict[str, Any]:
        """Run one task on an idle worker (QueryTimeout, WorkerLost, ServiceBusy, QueryRefused)."""
        limit = self.timeout if timeout is None else timeout
        try:
            w = self._idle.get(timeout=limit)
        except queue.Empty:
            raise ServiceBusy(
                f"the server is busy: no query worker became free within {limit:g} s"
            ) from None
        try:
            w.conn.send(task)
            if not w.conn.poll(limit):
                self.stats.killed_timeout += 1
                self._replace_later(w)
                raise QueryTimeout(
                    f"the query ran longer than the {limit:g} s timeout and was stopped"
                )
            reply = w.conn.recv()
        except (EOFError, OSError):
            self.stats.lost += 1
            self._replace_later(w)
            raise WorkerLost(
                "the query was stopped: its worker ran out of memory or crashed"
            ) from None
        except QueryTimeout:
            raise
        except BaseException:
            # e.g. a task that cannot be pickled: the worker's state is unknown, replace it
            self._replace_later(w)
            raise
        self._idle.put(w)
        self.stats.tasks += 1
        status, payload = reply
        if status == "ok":
            return payload
        raise QueryRefused(payload["message"], reason=payload["reason"])


# ======================================================================================
# Worker side: the standard library, pyoxigraph, cokg.sandbox and cokg.serve.results only.
# ======================================================================================


def _limit_resources(memory_mb: int | None) -> None:
    # Ctrl+C goes to the whole process group: the parent shuts workers down itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        # Die with the parent, so a killed server leaves no query running.
        with contextlib.suppress(Exception):
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if memory_mb:
        with contextlib.suppress(Exception):
            import resource

            cap = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


class _Live:
    """The data of a worker following an embedded store's published snapshots.

    `follow()` (before each task) reads the `current` pointer; when it names a newer snapshot,
    that one is held (a shared flock on its `<n>.lock`, so no writer deletes it meanwhile) and
    opened, and the old one is released (the next writer deletes it). A small snapshot is copied
    into memory and released at once; a large one is queried on disk (see the module notes)."""

    def __init__(self, ox: Any, snaps: Path, in_memory_max: int) -> None:
        self.ox = ox
        self.snaps = snaps
        self.in_memory_max = in_memory_max
        self.generation: str | None = None
        self.store: Any = ox.Store()  # nothing published yet: an empty dataset
        self._held: Any = None  # the lock file of the snapshot read on disk

    def follow(self) -> None:
        snapshots = _snapshots_module()
        n = snapshots.pointer(self.snaps)
        if n is None or n == self.generation:
            return
        held = snapshots.hold_current(self.snaps)
        if held is None:
            return
        snap, fh = held
        try:
            disk = self.ox.Store.read_only(str(snap))
            if _size(snap) <= self.in_memory_max:
                store = self.ox.Store()
                store.bulk_extend(disk.quads_for_pattern(None, None, None, None))
                del disk
                fh.close()
                fh = None
            else:
                store = disk
        except BaseException:
            if fh is not None:
                fh.close()
            raise
        old, self._held = self._held, fh
        self.store, self.generation = store, snap.name
        if old is not None:
            old.close()  # releases the old snapshot's lock: the next writer deletes it


FOLLOW_EVERY = 0.1  # seconds between reads of the `current` pointer while a worker is idle


def _snapshots_module() -> Any:
    """`cokg.store.snapshots` (the one reading of the pointer format, standard library only)."""
    return _store_module("snapshots")


def _datatypes_module() -> Any:
    """`cokg.store.datatypes` (the one home of the declared integer types: standard library
    and pyoxigraph only)."""
    return _store_module("datatypes")


def _store_module(stem: str) -> Any:
    """A module of `cokg.store` loaded from its file: importing it as `cokg.store.<stem>`
    would run `cokg.store`'s `__init__`, which brings rdflib into the worker."""
    name = "_cokg_store_" + stem
    if name not in sys.modules:
        import importlib.util

        path = Path(__file__).resolve().parents[1] / "store" / f"{stem}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def _size(path: Path) -> int:
    total = 0
    for entry in path.iterdir():
        with contextlib.suppress(OSError):
            total += entry.stat().st_size
    return total


def worker_main(conn: Connection) -> None:
    """Load the data, then answer tasks until told to stop (None) or the pipe closes."""
    try:
        source, memory_mb = conn.recv()
    except (EOFError, OSError):
        return
    _limit_resources(memory_mb)
    live: _Live | None = None
    try:
        import pyoxigraph as ox

        if source.snapshots is not None:
            live = _Live(ox, Path(source.snapshots), source.in_memory_max)
            live.follow()
            store = live.store
        else:
            store = ox.Store()
            if source.snapshot is not None:
                store.bulk_load(path=str(source.snapshot), format=ox.RdfFormat.N_QUADS)
    except Exception as exc:
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    # From here on this process cannot open a network socket, whatever a query asks for.
    # Following later snapshots needs only files, which the filter leaves alone.
    from cokg.sandbox import deny_network

    deny_network()
    conn.send(("ready", os.getpid()))
    while True:
        try:
            if live is not None:
                # Idle, follow new snapshots as they come, so the next task finds them loaded.
                while not conn.poll(FOLLOW_EVERY):
                    with contextlib.suppress(Exception):
                        live.follow()
            task = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if task is None:
            return
        try:
            if live is not None:
                # On failure keep answering from the snapshot held; tried again next task.
                with contextlib.suppress(Exception):
                    live.follow()
                store = live.store
            reply = ("ok", _run_task(ox, store, task, live))
        except _Refusal as exc:
            reply = ("refused", {"message": str(exc), "reason": exc.reason})
        except Exception as exc:  # keep serving: report the error to the caller
            reply = ("refused", {"message": f"{type(exc).__name__}: {exc}", "reason": "error"})
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


class _Refusal(Exception):
    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _encode(ox: Any, term: Any) -> Term | None:
    """A pyoxigraph term as a plain tuple (see cokg.serve.results)."""
    if term is None:
        return None
    kind = type(term)  # pyoxigraph term classes cannot be subclassed: exact type checks
    if kind is ox.Literal:
        direction = getattr(term, "direction", None)  # RDF 1.2 (pyoxigraph 0.5): kept
        if direction is not None:
            return ("literal", term.value, term.datatype.value, term.language, direction.value)
        return ("literal", term.value, term.datatype.value, term.language)
    if kind is ox.NamedNode:
        return ("uri", term.value)
    if kind is ox.BlankNode:
        return ("bnode", term.value)
    return ("triple", str(term))  # RDF-star triple terms: shown as their text


def _run_query(ox: Any, store: Any, task: dict[str, Any]) -> Any:
    kwargs: dict[str, Any] = {}
    if task.get("default_graph"):
        kwargs["default_graph"] = [ox.NamedNode(g) for g in task["default_graph"]]
    elif task.get("union", True):
        # Not when the query names its dataset (FROM wins) or the protocol names only named
        # graphs (then the default graph is empty, SPARQL 1.1 Protocol 2.1.4).
        kwargs["use_default_graph_as_union"] = True
    if task.get("named_graphs"):
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in task["named_graphs"]]
    try:
        return store.query(task["query"], **kwargs)
    except SyntaxError as exc:
        # The server screened the text (cokg.sparql) before sending it: an update never gets
        # here, and a text the engine cannot parse is only ever refused, never tried otherwise.
        raise _Refusal(engine_syntax_message(str(exc))[0], "syntax") from None


def _run_task(
    ox: Any, store: Any, task: dict[str, Any], live: _Live | None = None
) -> dict[str, Any]:
    if task["op"] == "ping":
        generation = live.generation if live is not None else None
        return {"pid": os.getpid(), "triples": len(store), "generation": generation}
    limit = int(task.get("limit") or 0)
    result = _run_query(ox, store, task)
    if isinstance(result, ox.QueryBoolean):
        kind = "ask"
    elif isinstance(result, ox.QuerySolutions):
        kind = "select"
    else:
        kind = "graph"
    if task.get("rows_as_triples") and kind == "select":
        # A SELECT of ?subject ?predicate ?object (a saved query) answered as a graph.
        s, p, o = result.variables[:3]
        result = (ox.Triple(row[s], row[p], row[o]) for row in result)
        kind = "graph"

    if task["op"] == "rows":
        out: dict[str, Any] = {"kind": kind, "truncated": False}
        if kind == "ask":
            out["boolean"] = bool(result)
        elif kind == "select":
            variables = [v.value for v in result.variables]
            rows, truncated = _take(result, limit)
            out["variables"] = variables
            out["rows"] = [tuple(_encode(ox, t) for t in row) for row in rows]
            out["truncated"] = truncated
        else:
            triples, truncated = _take(result, limit, distinct=True)
            out["triples"] = [
                (_encode(ox, t.subject), _encode(ox, t.predicate), _encode(ox, t.object))
                for t in triples
            ]
            out["truncated"] = truncated
        return out

    # op == "protocol": write the response body in the negotiated format.
    fmt = task["result_format"] if kind in ("select", "ask") else task["graph_format"]
    if fmt is None:
        what = "a result table or boolean" if kind != "graph" else "an RDF graph"
        raise _Refusal(f"this query returns {what}; no acceptable media type", "unacceptable")
    media_type, name = fmt
    body = _protocol_body(ox, store, kind, name, result, limit, task)
    if name in ("xml", "RDF_XML") and _NOT_XML.search(body["body"].decode("utf-8", "replace")):
        raise _Refusal(
            "the answer holds control characters that XML 1.0 cannot carry; ask for JSON, "
            "CSV, TSV, Turtle or N-Triples",
            "unacceptable",
        )
    return {"kind": kind, "media_type": media_type, **body}


# Characters outside XML 1.0's Char production (the escapes &#1; etc. are forbidden too).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _protocol_body(
    ox: Any, store: Any, kind: str, name: str, result: Any, limit: int, task: dict[str, Any]
) -> dict[str, Any]:
    if kind == "ask":
        return {
            "body": boolean_body(name, bool(result)),
            "truncated": False,
            "count": 1,
        }
    if kind == "select":
        variables = [v.value for v in result.variables]
        rows, truncated = _take(result, limit)
        body = solutions_body(name, variables, [tuple(_encode(ox, t) for t in row) for row in rows])
        return {
            "body": body,
            "truncated": truncated,
            "count": len(rows),
        }
    triples, truncated = _take(result, limit, distinct=True)
    if task.get("declared_types"):
        # A record served as a document (an entity page) says what the data said: the engine
        # keeps "8"^^xsd:nonNegativeInteger as xsd:integer, exports give the declared type
        # back, and so does this (cokg.store.datatypes). /sparql answers never ask for it.
        datatypes = _datatypes_module()
        declared = datatypes.declared_types(store)
        triples = list(datatypes.restore_declared_types(triples, declared))
    body = ox.serialize(
        triples, format=getattr(ox.RdfFormat, name), prefixes=task.get("prefixes") or None
    )
    return {
        "body": body,
        "truncated": truncated,
        "count": len(triples),
    }


def _take(results: Any, limit: int, *, distinct: bool = False) -> tuple[list[Any], bool]:
    """The first `limit` items (all when limit is 0) and whether more were left behind.
    `distinct` for a graph: the engine gives a CONSTRUCT's triple once per solution that makes
    it, but a graph holds it once, and the limit counts triples, not repeats."""
    items: list[Any] = []
    seen: set[Any] = set()
    for item in results:
        if distinct:
            if item in seen:
                continue
            seen.add(item)
        if limit and len(items) >= limit:
            return items, True
        items.append(item)
    return items, False


if __name__ == "__main__":
    worker_main(Connection(int(sys.argv[1])))
