"""The embedded (on disk) and in-memory stores, both pyoxigraph underneath: one job (the
local stores), with the embedded store's snapshots for readers and queue for writers."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import itertools
import json
import os
import shutil
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib.term import Node

from cokg.errors import (
    ParameterError,
    QueryError,
    StoreError,
    StoreMissing,
    StoreNotWritable,
    engine_syntax_message,
)
from cokg.models import QueryResult
from cokg.sandbox import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, Worker, run_isolated
from cokg.sparql import bind, screen
from cokg.store.datatypes import declared_types, restore_declared_types
from cokg.store.protocol import Progress, Triple
from cokg.store.snapshots import current_snapshot, hold_current
from cokg.terms import TermMemo, TsvMemo, graph_node, triples_to_quads

# In `<store>.snapshots/`: a write began since the last snapshot was published (see
# EmbeddedStore._mark_pending).
PENDING = "pending"

# export format name -> (pyoxigraph format, holds named graphs)
EXPORT_FORMATS: dict[str, tuple[ox.RdfFormat, bool]] = {
    "nq": (ox.RdfFormat.N_QUADS, True),
    "trig": (ox.RdfFormat.TRIG, True),
    "ttl": (ox.RdfFormat.TURTLE, False),
    "nt": (ox.RdfFormat.N_TRIPLES, False),
    "jsonld": (ox.RdfFormat.JSON_LD, True),  # expanded; cokg.export compacts it
}


# --- embedded and in-memory ------------------------------------------------------------------


def _result(answer: tuple[str, Any], keep: int | None = None) -> QueryResult:
    """A QueryResult of rdflib terms from `OxigraphStore._run`'s answer (of a SELECT, the first
    `keep` rows, the others counted: `QueryResult.unread`)."""
    kind, payload = answer
    if kind == "ask":
        return QueryResult(kind="ask", boolean=payload)
    if kind == "select":
        read = _select_tsv(payload, keep)
        if read is not None:
            return read
        solutions = ox.parse_query_results(payload, format=ox.QueryResultsFormat.TSV)
        assert isinstance(solutions, ox.QuerySolutions)
        return _select(solutions, keep)
    conv = TermMemo().__getitem__
    # a graph: each triple once (the engine repeats one per solution that constructs it)
    parsed = dict.fromkeys(ox.parse(payload, format=ox.RdfFormat.N_TRIPLES))
    return QueryResult(
        kind="graph", triples=[(conv(t.subject), conv(t.predicate), conv(t.object)) for t in parsed]
    )


def _select_tsv(payload: bytes, keep: int | None) -> QueryResult | None:
    """A SELECT answer read from the TSV text `_run` sends (`TsvMemo`: a line is a row, a tab
    ends a cell, since the format escapes both in literals); None for an answer without
    variables, whose rows the text cannot tell apart, which pyoxigraph's parser then reads."""
    lines = payload.decode("utf-8").split("\n")
    if not lines[0]:
        return None
    variables = [v[1:] for v in lines[0].split("\t")]
    if lines[-1] == "":
        lines.pop()
    body = lines[1:] if keep is None else lines[1 : keep + 1]
    term = TsvMemo().__getitem__
    rows = []
    for line in body:
        cells = line.split("\t")
        if len(cells) != len(variables):
            return None
        rows.append(dict(zip(variables, map(term, cells), strict=True)))
    unread = max(0, len(lines) - 1 - len(body))
    return QueryResult(kind="select", variables=variables, rows=rows, unread=unread)


def _select(solutions: ox.QuerySolutions, keep: int | None) -> QueryResult:
    """The rows of a SELECT answer as rdflib terms: the first `keep` (None: all), the others
    only counted, since converting a term costs a few microseconds (a page reading ahead to
    learn its total: `cokg.query.paging.read_page`)."""
    conv = TermMemo().__getitem__
    variables = [v.value for v in solutions.variables]
    each = iter(solutions)
    rows = [
        dict(zip(variables, map(conv, sol), strict=True))
        for sol in (each if keep is None else itertools.islice(each, keep))
    ]
    unread = sum(1 for _ in each)
    return QueryResult(kind="select", variables=variables, rows=rows, unread=unread)


# pyoxigraph's parse errors: "error at LINE:COL: expected one of A, B, ..." where the list
# mixes the grammar's character classes (many lines of them) with the parser's own sentences.
def _syntax_error(exc: SyntaxError) -> QueryError:
    """One line for the engine's parse error (`cokg.errors.engine_syntax_message`)."""
    message, line = engine_syntax_message(str(exc))
    return QueryError(message, line=line)


class OxigraphStore:
    """What the embedded and in-memory stores share: a pyoxigraph Store underneath."""

    allow_network: bool = False
    # queries run on the embedded engine, whose plans the case-by-case forms of saved queries
    # are written for (`cokg.query.running.run_query`)
    embedded_engine = True
    read_only: bool = False
    _ox: ox.Store | None

    def _store(self) -> ox.Store:
        if self._ox is None:
            raise StoreError("store is closed")
        return self._ox

    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreError("store was opened read-only")
        self._store()

    def __enter__(self) -> OxigraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._stop_worker()
        self._ox = None

    # queries

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        timeout: float | None = None,
        memory_mb: int | None = None,
        internal: bool = False,
        keep: int | None = None,
        bookkeeping: bool = False,  # nothing here cuts an answer
    ) -> QueryResult:
        """Run a query screened by `cokg.sparql.screen` in an isolated child process
        (`cokg.sandbox`): `timeout` seconds and `memory_mb` more megabytes at most (None: the
        defaults; 0: no limit), and no network unless the store allows it. Of a SELECT answer
        only the first `keep` rows are converted (None: all), the others counted (`unread`).

        `internal=True` is for text cokg writes itself from its own files (compiled shapes,
        QC checks, provenance lookups): it runs in this process, so validation can overlap
        many such queries on threads without a fork per query."""
        if internal:
            return self._direct(sparql if not bindings else bind(screen(sparql), bindings), keep)
        screened = screen(sparql, allow_network=self.allow_network)
        if not self._forks_safely():
            return self._direct(bind(screened, bindings), keep)
        # Bound parameters are a VALUES block of validated terms at the start of the outer
        # WHERE, as on a remote endpoint: the same rows everywhere, and pyoxigraph's
        # `substitutions` (projected variables only) applied the value late: 350 ms vs 15 ms.
        text = bind(screened, bindings)
        seconds = DEFAULT_TIMEOUT if timeout is None else (timeout or None)
        megabytes = DEFAULT_MEMORY_MB if memory_mb is None else (memory_mb or None)
        worker = self._worker(megabytes)
        if worker is not None and worker.try_acquire():
            try:
                return _result(worker.call(text, timeout=seconds), keep)
            finally:
                worker.release()
        kind_payload = run_isolated(
            lambda: self._run(text), timeout=seconds, memory_mb=megabytes,
            network=self.allow_network,
        )  # fmt: skip
        return _result(kind_payload, keep)

    def _worker(self, memory_mb: int | None) -> Worker | None:
        """The child that answers this store's queries one after another while the data
        stays as it was when the child was forked (`_reuses_child`; a write in this process
        retires it); None: a child per query."""
        if not self._reuses_child():
            return None
        current: Worker | None = getattr(self, "_query_worker", None)
        if (
            current is not None
            and current.memory_mb == memory_mb
            and (getattr(self, "_worker_generation", None) == self._generation)
        ):
            return current
        self._stop_worker()
        worker = Worker(self._run, memory_mb=memory_mb, network=self.allow_network)
        self._query_worker, self._worker_generation = worker, self._generation
        return worker

    _generation = 0  # bumped by every write made through this object
    _query_worker: Worker | None = None
    _worker_generation: int | None = None

    def _reuses_child(self) -> bool:
        """Whether one forked child may answer many queries (its copy of the data goes stale
        only through writes this object makes, which retire it)."""
        return True

    def _stop_worker(self) -> None:
        worker = getattr(self, "_query_worker", None)
        if worker is not None:
            worker.stop()
            self._query_worker = None

    def _direct(self, text: str, keep: int | None = None) -> QueryResult:
        try:
            result = self._store().query(text, use_default_graph_as_union=True)
            if isinstance(result, ox.QueryBoolean):
                return QueryResult(kind="ask", boolean=bool(result))
            if isinstance(result, ox.QuerySolutions):
                return _select(result, keep)  # evaluated as it is iterated: errors here too
        except SyntaxError as exc:
            raise _syntax_error(exc) from None
        except (OSError, ValueError, RuntimeError) as exc:
            raise QueryError(f"query failed: {exc}") from None
        conv = TermMemo().__getitem__
        triples = [
            (conv(t.subject), conv(t.predicate), conv(t.object)) for t in dict.fromkeys(result)
        ]
        return QueryResult(kind="graph", triples=triples)

    def _forks_safely(self) -> bool:
        """Whether a forked child may evaluate queries on this process's engine."""
        return True

    def content_version(self) -> tuple[object, ...] | None:
        """What names the stored content as it is now: two opens with the same version hold
        the same triples. None when it cannot be told (then nothing may be assumed)."""
        return None

    def _run(self, text: str) -> tuple[str, Any]:
        """Evaluate a query completely; the answer in a form that crosses a process boundary."""
        try:
            result = self._store().query(text, use_default_graph_as_union=True)
            if isinstance(result, ox.QueryBoolean):
                return "ask", bool(result)
            if isinstance(result, ox.QuerySolutions):
                # TSV written and read in Rust keeps every term exact and is the cheapest way
                # across the process boundary (300k rows: 0.5 s + 1.2 s vs 1.1 s direct).
                return "select", result.serialize(format=ox.QueryResultsFormat.TSV)
            return "graph", ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)
        except SyntaxError as exc:
            raise _syntax_error(exc) from None
        except (OSError, ValueError, RuntimeError) as exc:
            raise QueryError(f"query failed: {exc}") from None

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self._store().named_graphs() if isinstance(g, ox.NamedNode))

    def count(self, graph_iri: str | None = None) -> int:
        store = self._store()
        if graph_iri is not None:
            g = graph_node(graph_iri)  # counted in Rust, not by walking quads in Python
            res = store.query(
                f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g.value}> {{ ?s ?p ?o }} }}"
            )
            assert isinstance(res, ox.QuerySolutions)
            return int(next(iter(res))["n"].value)
        return len(store)

    # writes

    def replace_graphs(
        self, graphs: Mapping[str, Iterable[Triple]], *, drop: Iterable[str] = ()
    ) -> None:
        """Replace each graph by its triples and drop the `drop` graphs, in one transaction."""
        self._check_writable()
        quads: list[ox.Quad] = []
        for iri, triples in graphs.items():
            quads.extend(triples_to_quads(graph_node(iri), triples))
        self._write([*graphs, *(g for g in drop if g not in graphs)], quads)

    def load_files(self, files: Mapping[str, Path]) -> None:
        self._check_writable()
        self._write(list(files), _read_files(files))

    def drop_graphs(self, graph_iris: Iterable[str]) -> None:
        self._check_writable()
        nodes = [graph_node(g) for g in graph_iris]
        if nodes:
            self._update(";\n".join(f"DROP SILENT GRAPH <{g.value}>" for g in nodes))

    _dirty = False  # a write since the last publish (embedded stores publish on close)

    def _mark_pending(self) -> None:
        """Before a write: a store on disk notes that its readers' snapshot will be behind."""

    def _write(self, targets: list[str], quads: list[ox.Quad]) -> None:
        """Replace the target graphs by `quads` in one transaction (a target with no quads is
        dropped)."""
        store = self._store()
        self._mark_pending()
        self._dirty = True
        self._generation += 1
        nodes = [graph_node(g) for g in targets]
        if not any(store.contains_named_graph(g) for g in nodes):
            try:
                store.extend(quads)  # one transaction
            except (OSError, ValueError) as exc:
                raise StoreError(f"write failed: {exc}") from None
            return
        drops = ";\n".join(f"DROP SILENT GRAPH <{g.value}>" for g in nodes)
        self._update(drops + (";\n" + _insert_data(quads) if quads else ""))

    def _update(self, update: str) -> None:
        self._mark_pending()
        self._dirty = True
        self._generation += 1
        try:
            self._store().update(update)  # one transaction, even with several operations
        except (OSError, SyntaxError, ValueError) as exc:
            raise StoreError(f"write failed: {exc}") from None

    def export(self, *, format: str, graph_iris: list[str] | None = None) -> bytes:
        store = self._store()
        if graph_iris is None:
            quads: Iterable[ox.Quad] = (
                q for q in store if not isinstance(q.graph_name, ox.DefaultGraph)
            )
        else:
            nodes = [graph_node(g) for g in graph_iris]
            missing = [g.value for g in nodes if not store.contains_named_graph(g)]
            if missing:
                raise ParameterError(f"no such graph: {', '.join(missing)}")
            quads = (q for g in nodes for q in store.quads_for_pattern(None, None, None, g))
        return serialize_quads(restore_declared_types(quads, declared_types(store)), format)

    def rebuild(self, files: Mapping[str, Path], progress: Progress | None = None) -> None:
        raise NotImplementedError

    def replace_all(self, quads: Iterable[ox.Quad], progress: Progress | None = None) -> None:
        raise NotImplementedError


class MemoryStore(OxigraphStore):
    """A pyoxigraph store in memory: nothing survives the process."""

    def __init__(self, *, allow_network: bool = False) -> None:
        self._ox = ox.Store()
        self.allow_network = allow_network
        self.read_only = False

    def __repr__(self) -> str:
        return "MemoryStore()"

    def rebuild(self, files: Mapping[str, Path], progress: Progress | None = None) -> None:
        """Replace everything by `files` (one graph per file)."""
        self._swap_in(lambda fresh: _bulk_fill(fresh, files, progress))

    def replace_all(self, quads: Iterable[ox.Quad], progress: Progress | None = None) -> None:
        """Replace everything by `quads` (a restore): the store holds nothing else after."""
        self._check_writable()
        self._swap_in(lambda fresh: fresh.bulk_extend(quads))

    def _swap_in(self, fill: Callable[[ox.Store], None]) -> None:
        fresh = ox.Store()
        fill(fresh)
        self._ox = fresh  # a reference swap: readers see the old or the new store, never half
        self._generation += 1


class EmbeddedStore(OxigraphStore):
    """A pyoxigraph store on disk: one writer at a time, in arrival order; readers never wait.

    Readers do not open the live directory. Each writer, when it closes after a change,
    publishes a snapshot of the store (a RocksDB checkpoint: hard links, so it costs no copy)
    under `<store>.snapshots/<n>` and moves the `current` pointer to it; readers open the
    current snapshot read-only. So a reader never waits for a writer nor a writer for a
    reader, a reader sees the store before or after a write and never half of one, and a
    read writes nothing anywhere. Snapshots no reader holds are deleted by the next writer.

    A second writer waits its turn (a ticket in `<store>.queue/`, served oldest first) for up
    to `wait` seconds ($COKG_WAIT, default 120), then fails saying who holds the store and
    since when.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        read_only: bool = False,
        allow_network: bool = False,
        wait: float | None = None,
    ) -> None:
        # resolved: the store named through a symlink is the same store, with one lock, one
        # queue and one set of snapshots
        self.path = Path(path).expanduser().resolve()
        self.read_only = read_only
        self.allow_network = allow_network
        self.wait = float(os.environ.get("COKG_WAIT", "120")) if wait is None else wait
        self.snapshot: Path | None = None  # what a reader reads, when it reads one
        self._ox = None
        self._lock_fh: Any = None
        self._dirty = False
        if read_only:
            if not self.path.is_dir():  # moved or deleted: its old snapshots are not it
                raise StoreMissing("no store here (run `cokg build`)", file=self.path)
            self._publish_after_crash()
            if self._open_snapshot():
                return
        self._lock()
        try:
            _recover_swap(self.path)
            self._open()
        except BaseException:
            self._unlock()
            raise
        if not read_only and (self.snapshots_dir / PENDING).exists():
            self._dirty = True  # a writer before this one was killed before it published

    def __repr__(self) -> str:
        return f"EmbeddedStore({str(self.path)!r})"

    def _forks_safely(self) -> bool:
        # A store open for writing has RocksDB background threads (flushes, compactions): a
        # child forked while one holds a lock inherits the lock but not the thread and hangs
        # (seen as a 60 s timeout under load), and a second read-only instance of the live
        # directory races the compactions that delete its files. So a writer runs its own
        # queries in its process, screened like every query but without the child's time and
        # memory caps; readers (every reading command) query read-only snapshots in a child.
        return self.read_only

    def content_version(self) -> tuple[object, ...] | None:
        # A reader reads a published snapshot; a writer with nothing pending holds what the
        # current snapshot holds (every change marks PENDING first and publishes on close). A
        # snapshot's number, inode and time tell it apart from one published later.
        if self.read_only:
            snap = self.snapshot
        elif self._dirty or self._ox is None:
            return None
        else:
            snap = current_snapshot(self.snapshots_dir)
        if snap is None:
            return None
        try:
            st = snap.stat()
        except OSError:
            return None
        return (snap.name, st.st_ino, st.st_mtime_ns)

    def _reuses_child(self) -> bool:
        # A reader's handle is read-only: it shows the store as it was when opened, whatever
        # writers do later, so one child can answer all of its queries. (A writer answers its
        # queries in its own process: `_forks_safely`.)
        return self.read_only

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    @property
    def snapshots_dir(self) -> Path:
        return self.path.with_name(self.path.name + ".snapshots")

    # -- readers -------------------------------------------------------------------------

    def _publish_after_crash(self) -> None:
        """A writer killed after its commit and before it published (`PENDING` left behind,
        and no writer holds the store now) left a store its readers do not see: publish it,
        under the writer lock, before reading. A writer at work publishes when it closes."""
        if not (self.snapshots_dir / PENDING).exists() or _lock_held(self.lock_path):
            return
        with contextlib.suppress(StoreError):  # another writer got there first: it publishes
            writer = EmbeddedStore(self.path, wait=0)
            writer._dirty = True
            writer.close()

    def _open_snapshot(self) -> bool:
        """Open the current snapshot read-only under a shared lock; False when there is none
        (a store published by no writer yet: then the live directory is read, as before)."""
        try:
            held = hold_current(self.snapshots_dir)
        except RuntimeError as exc:
            raise StoreError(str(exc), file=self.path) from None
        if held is None:
            return False
        snap, fh = held
        try:
            self._ox = ox.Store.read_only(str(snap))
        except OSError as exc:
            fh.close()
            raise StoreError(f"cannot open store: {exc}", file=self.path) from None
        self._lock_fh = fh
        self.snapshot = snap
        return True

    # -- the writer's lock, in arrival order ---------------------------------------------

    def _lock(self) -> None:
        if self.read_only and not self.path.is_dir():  # a reader creates nothing here
            raise StoreMissing("no store here (run `cokg build`)", file=self.path)
        try:
            if not self.read_only:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            fh = open(self.lock_path, "a+")  # noqa: SIM115  (held until close)
        except OSError as exc:
            if self.read_only and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
                # a folder nobody may write to (a read-only mount): no writer changes it, so
                # a reader reads it without the lock
                with contextlib.suppress(OSError):
                    fh = open(self.lock_path)  # noqa: SIM115
                    fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
                    self._took(fh)
                return
            raise StoreNotWritable(
                f"cannot write to the store's folder ({exc.strerror}): a writer needs write "
                f"access to {self.path.parent}; reading commands still work",
                file=self.path,
            ) from None
        mode = fcntl.LOCK_SH if self.read_only else fcntl.LOCK_EX
        queue_dir = self.path.with_name(self.path.name + ".queue")
        # A writer goes straight for the lock only when nobody is waiting: arrival order.
        if (self.read_only or not _waiting(queue_dir)) and _try_flock(fh, mode):
            self._took(fh)
            return
        if self.read_only or self.wait <= 0:
            fh.close()
            raise StoreError(_busy_message(self.lock_path, None), file=self.path)
        queue_dir.mkdir(exist_ok=True)
        ticket = queue_dir / f"{time.time_ns():020d}-{os.getpid()}"
        ticket.touch()
        deadline = time.monotonic() + self.wait
        try:
            while time.monotonic() < deadline:
                if _first_in_line(queue_dir, ticket) and _try_flock(fh, mode):
                    self._took(fh)
                    return
                time.sleep(0.05)
        finally:
            ticket.unlink(missing_ok=True)
        fh.close()
        raise StoreError(_busy_message(self.lock_path, self.wait), file=self.path)

    def _took(self, fh: Any) -> None:
        self._lock_fh = fh
        if not self.read_only:  # say who holds the store, for those who wait
            fh.seek(0)
            fh.truncate()
            holder = {"pid": os.getpid(), "since": time.time(), "command": _command()}
            fh.write(json.dumps(holder))
            fh.flush()

    def _unlock(self) -> None:
        if self._lock_fh is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_fh, fcntl.LOCK_UN)
            self._lock_fh.close()
            self._lock_fh = None

    def _open(self) -> None:
        try:
            if self.read_only:
                if not self.path.is_dir():
                    raise StoreMissing("no store here (run `cokg build`)", file=self.path)
                self._ox = ox.Store.read_only(str(self.path))
            else:
                self._ox = ox.Store(str(self.path))
        except OSError as exc:
            msg = str(exc)
            if "lock" in msg.lower():
                raise StoreError("store is locked by another process", file=self.path) from None
            raise StoreError(f"cannot open store: {msg}", file=self.path) from None

    def close(self) -> None:
        self._stop_worker()
        if self._ox is not None and not self.read_only:
            with contextlib.suppress(OSError):
                self._ox.flush()
            if self._dirty or current_snapshot(self.snapshots_dir) is None:
                self._publish()
            _prune_logs(self.path)
        self._ox = None
        self._unlock()

    # -- publishing snapshots (the writer, under its lock) -------------------------------

    def _mark_pending(self) -> None:
        # Before the first change since the last publish: a writer killed after its commit and
        # before publishing leaves the mark, and the next reader publishes for it.
        if self._dirty:
            return
        snaps = self.snapshots_dir
        snaps.mkdir(exist_ok=True)
        mark = snaps / PENDING
        if not mark.exists():
            mark.write_text(str(os.getpid()), encoding="utf-8")
            _fsync_dir(snaps)

    def _publish(self) -> None:
        assert self._ox is not None
        snaps = self.snapshots_dir
        snaps.mkdir(exist_ok=True)
        for stale in snaps.glob("tmp-*"):  # a writer killed while publishing
            shutil.rmtree(stale, ignore_errors=True)
        current = current_snapshot(snaps)
        n = int(current.name) + 1 if current is not None else 1
        # A writer killed between renaming its snapshot into place and moving the pointer
        # leaves a snapshot `n` that nothing points to, so no reader holds it: clear it, or
        # the rename below fails and no later writer could publish again.
        shutil.rmtree(snaps / str(n), ignore_errors=True)
        tmp = snaps / f"tmp-{os.getpid()}"
        try:
            self._ox.backup(str(tmp))
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise StoreError(f"could not publish the store for readers: {exc}") from None
        os.replace(tmp, snaps / str(n))
        (snaps / f"{n}.lock").touch()
        pointer = snaps / "current.tmp"
        pointer.write_text(str(n), encoding="utf-8")
        os.replace(pointer, snaps / "current")
        (snaps / PENDING).unlink(missing_ok=True)
        _fsync_dir(snaps)
        self._dirty = False
        for old in snaps.iterdir():
            if old.is_dir() and old.name.isdigit() and old.name != str(n):
                _prune_snapshot(old)

    def rebuild(self, files: Mapping[str, Path], progress: Progress | None = None) -> None:
        """Replace everything by `files` (one graph per file): bulk-load a new store beside
        this one, then swap the directories. A failure or a kill leaves the old store."""
        self._swap_in(lambda fresh: _bulk_fill(fresh, files, progress, side_by_side=True), progress)

    def replace_all(self, quads: Iterable[ox.Quad], progress: Progress | None = None) -> None:
        """Replace everything by `quads` (a restore), by the same swap as `rebuild`: a failure
        or a kill leaves the old store as it was."""
        self._swap_in(lambda fresh: fresh.bulk_extend(quads), progress)

    def _swap_in(self, fill: Callable[[ox.Store], None], progress: Progress | None) -> None:
        self._check_writable()
        self._mark_pending()
        self._dirty = True
        building = self.path.with_name(f"{self.path.name}.building-{os.getpid()}")
        shutil.rmtree(building, ignore_errors=True)
        try:
            fresh = ox.Store(str(building))
            fill(fresh)
            fresh.flush()
            # Compacted before it is swapped in: the bulk loader's files overlap (pieces
            # loaded side by side, then the small files), and every read looks into each.
            # 1M triples on disk: 1.6 s, after which the saved queries read 1.3-2.4x faster
            # (timeline 265 -> 109 ms; against one piece, uncompacted, 138 ms).
            if progress:
                progress("compacting the store")
            fresh.optimize()
            del fresh
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        old = self.path.with_name(f"{self.path.name}.old-{os.getpid()}")
        self._ox = None  # release RocksDB before its directory moves
        if self.path.exists():
            os.replace(self.path, old)
        os.replace(building, self.path)
        _fsync_dir(self.path.parent)
        shutil.rmtree(old, ignore_errors=True)
        self._open()


def _try_flock(fh: Any, mode: int) -> bool:
    try:
        fcntl.flock(fh, mode | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _command() -> str:
    import sys

    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    return " ".join([name, *sys.argv[1:3]])


def _busy_message(lock_path: Path, waited: float | None) -> str:
    try:
        holder = json.loads(lock_path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        holder = {}
    who = ""
    if holder.get("pid"):
        since = time.strftime("%H:%M:%S", time.localtime(holder.get("since", 0)))
        who = f" (process {holder['pid']}, {holder.get('command', '?')}, since {since})"
    waited_text = f"; waited {waited:g} s (raise it with COKG_WAIT)" if waited else ""
    return f"store is locked by another process{who}{waited_text}"


def _waiting(queue_dir: Path) -> bool:
    """Whether a live writer holds a ticket in the queue."""
    if not queue_dir.is_dir():
        return False
    return not _first_in_line(queue_dir, queue_dir / "~")  # "~" sorts after every ticket


def _first_in_line(queue_dir: Path, ticket: Path) -> bool:
    """Whether `ticket` is the oldest ticket of a live process (dead ones are cleared)."""
    for t in sorted(queue_dir.iterdir()):
        if t == ticket:
            return True
        try:
            os.kill(int(t.name.rsplit("-", 1)[1]), 0)
        except (ValueError, IndexError, ProcessLookupError):
            t.unlink(missing_ok=True)  # its process died waiting
            continue
        except PermissionError:
            pass  # alive, another user's
        return False
    return True


def _lock_held(lock: Path) -> bool:
    """Whether a writer holds the store's lock now (tried without waiting, then let go)."""
    try:
        fh = open(lock)  # noqa: SIM115
    except OSError:
        return False
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


def _prune_snapshot(snap: Path) -> None:
    """Delete a snapshot unless a reader holds it (it goes at a later write)."""
    lock = snap.with_name(snap.name + ".lock")
    with open(lock, "a+") as fh:
        if not _try_flock(fh, fcntl.LOCK_EX):
            return
        shutil.rmtree(snap, ignore_errors=True)
        lock.unlink(missing_ok=True)


def _prune_logs(path: Path, keep: int = 2) -> None:
    """RocksDB starts an info log at every writable open and keeps the old ones: keep few."""
    old = sorted(path.glob("LOG.old.*"), key=lambda p: p.stat().st_mtime)
    for f in old[:-keep] if keep else old:
        f.unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _recover_swap(path: Path) -> None:
    """Finish or undo a directory swap a killed rebuild left behind (called under the lock)."""
    stem = path.name
    parent = path.parent
    if not parent.is_dir():
        return
    olds = sorted(parent.glob(f"{stem}.old-*"))
    if not path.exists() and olds:
        os.replace(olds[-1], path)  # killed between the two renames: the old store comes back
        olds = olds[:-1]
    for leftover in [*olds, *parent.glob(f"{stem}.building-*")]:
        shutil.rmtree(leftover, ignore_errors=True)


# --- reading files and writing quads -------------------------------------------------------


def _read_file(graph: ox.NamedNode, path: Path) -> list[ox.Quad]:
    """The quads of one file, moved into `graph` (cokg.load: strict, offline, NFC, bnodes
    renamed)."""
    from cokg.load import read_rdf

    doc = read_rdf(path)
    return [ox.Quad(q.subject, q.predicate, q.object, graph) for q in doc.quads]


_FAST_FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES}
_FAST_MIN_BYTES = 4_000_000
# A big N-Triples file goes to the on-disk loader in pieces, loaded side by side: pyoxigraph's
# RocksDB loader keeps at most one core busy per call, and waits on its writes (1M triples on
# 2 cores: 8.1 s in one piece, 4.3 s in two, 3.2-3.9 s in twelve to 24 on four threads); the
# in-memory loader gains nothing. Pieces: up to six a core, of 8 MB at least; threads: two a
# core.
_PIECE_MIN_BYTES = 8_000_000


def _fast_format(path: Path) -> tuple[ox.RdfFormat, bytes] | None:
    """The format and the bytes when a big triples file may skip the Python pass of cokg.load:
    strict UTF-8, no BOM, already NFC, no \\u escapes (which could spell non-NFC text). Turtle
    and N-Triples cannot make pyoxigraph fetch anything; blank nodes are renamed by bulk_load."""
    fmt = _FAST_FORMATS.get(path.suffix.lower())
    if fmt is None or path.stat().st_size < _FAST_MIN_BYTES:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    # each test skipped when a cheaper one settles it (1M triples: 0.4 -> 0.05 s): ASCII is
    # UTF-8 without a BOM and NFC; no backslash, no escape
    if not data.isascii():
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if text.startswith("\ufeff") or not unicodedata.is_normalized("NFC", text):
            return None
        del text
    if b"\\" in data and (b"\\u" in data or b"\\U" in data):
        return None
    return fmt, data


def _cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _pieces(data: bytes, fmt: ox.RdfFormat) -> list[bytes]:
    """N-Triples cut at line ends into pieces for loaders side by side (a triple is one line);
    one piece for Turtle, for a small file, on one core, or when the file has a blank node (a
    label is local to one load: two pieces would make two nodes of it)."""
    cores = _cores()
    n = min(6 * cores, len(data) // _PIECE_MIN_BYTES)
    if fmt != ox.RdfFormat.N_TRIPLES or cores < 2 or n < 2 or data.rfind(b"_:") >= 0:
        return [data]
    out: list[bytes] = []
    start = 0
    for i in range(1, n):
        cut = data.find(b"\n", max(start, len(data) * i // n))
        if cut < 0:
            break
        out.append(data[start : cut + 1])
        start = cut + 1
    if start < len(data):
        out.append(data[start:])
    return out


def _bulk_fill(
    store: ox.Store,
    files: Mapping[str, Path],
    progress: Progress | None,
    *,
    side_by_side: bool = False,
) -> None:
    """Fill a new store (not transactional: the caller swaps it in when complete). Big clean
    triples files go straight to pyoxigraph's bulk loader (Rust only, ~3x faster), in pieces
    loaded side by side when `side_by_side` (see _PIECE_MIN_BYTES); the rest go through
    cokg.load in one bulk_extend (each bulk call writes its own files to disk)."""
    small: dict[str, Path] = {}
    for g, f in files.items():
        fast = _fast_format(Path(f))
        if fast is None:
            small[g] = Path(f)
            continue
        fmt, data = fast
        if progress:
            progress(f"loading {f}")
        pieces = _pieces(data, fmt) if side_by_side else [data]
        del data
        try:
            _load_pieces(store, pieces, fmt, graph_node(g))
        except SyntaxError:
            _read_file(graph_node(g), Path(f))  # raises the InputError with file and line
            raise
    if small:
        store.bulk_extend(_iter_files(small, progress))


def _load_pieces(
    store: ox.Store, pieces: list[bytes], fmt: ox.RdfFormat, graph: ox.NamedNode
) -> None:
    """Bulk-load each piece into `graph`, side by side (the loader releases the GIL); the
    first error is raised once all are done."""
    if len(pieces) == 1:
        store.bulk_load(input=pieces[0], format=fmt, to_graph=graph)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(len(pieces), 2 * _cores())) as pool:
        futures = [
            pool.submit(store.bulk_load, input=p, format=fmt, to_graph=graph) for p in pieces
        ]
    for future in futures:
        future.result()


def _iter_files(files: Mapping[str, Path], progress: Progress | None) -> Iterator[ox.Quad]:
    for g, f in files.items():
        if progress:
            progress(f"loading {f}")
        yield from _read_file(graph_node(g), Path(f))


def _read_files(files: Mapping[str, Path]) -> list[ox.Quad]:
    quads: list[ox.Quad] = []
    for g, f in files.items():
        quads.extend(_read_file(graph_node(g), Path(f)))
    return quads


def _insert_data(quads: Iterable[ox.Quad]) -> str:
    """One INSERT DATA operation; N-Triples terms are valid SPARQL terms."""
    by_graph: dict[str, list[ox.Triple]] = {}
    for q in quads:
        assert isinstance(q.graph_name, ox.NamedNode)  # cokg writes named graphs only
        by_graph.setdefault(q.graph_name.value, []).append(q.triple)
    parts = []
    for g, triples in by_graph.items():
        body = _serialize(triples, ox.RdfFormat.N_TRIPLES).decode("utf-8")
        parts.append(f"GRAPH <{g}> {{\n{body}}}")
    return "INSERT DATA {\n" + "\n".join(parts) + "\n}"


def serialize_quads(quads: Iterable[ox.Quad], format: str) -> bytes:
    """Quads as bytes in an export format; triple formats get the union of the graphs."""
    from cokg.namespaces import PREFIXES

    if format not in EXPORT_FORMATS:
        raise ParameterError(f"unknown export format {format!r}; use {', '.join(EXPORT_FORMATS)}")
    fmt, datasets = EXPORT_FORMATS[format]
    prefixes = PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    if datasets:
        items: Iterable[Any] = sorted(quads, key=str)
    else:
        items = sorted({q.triple for q in quads}, key=str)
    return _serialize(items, fmt, prefixes)


def _serialize(items: Iterable[Any], fmt: ox.RdfFormat, prefixes: Any = None) -> bytes:
    out = ox.serialize(items, format=fmt, prefixes=prefixes)
    assert out is not None  # no output file given: the bytes come back
    return out
