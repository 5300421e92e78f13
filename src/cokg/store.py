"""Where the graph lives: one Store protocol, three implementations.

- EmbeddedStore: pyoxigraph on disk (`.cokg/store` by default), transactional, one writer.
- MemoryStore: pyoxigraph in memory (tests, one-off runs).
- RemoteStore: any SPARQL 1.1 endpoint (Oxigraph server, Fuseki, GraphDB, Virtuoso), queried
  with SPARQLWrapper, written with the Graph Store Protocol or SPARQL Update.

Every store is a dataset of named graphs (one graph per source file); queries see the union of
the named graphs as their default graph, so saved queries need no GRAPH clauses.

Design choices, measured on this stack (pyoxigraph 0.5):

- Atomic writes. `Store.extend`, `Store.load` and `Store.update` are each one transaction, and
  a kill -9 leaves no partial state; a loop of `add()` does. Replacing a graph must drop the old
  triples and insert the new ones in the *same* transaction, so when a target graph already
  exists the write is a single SPARQL Update (`DROP SILENT GRAPH ...; INSERT DATA {...}`);
  when none exists, one `extend()` (about twice as fast on disk: 63k vs 37k triples/s at 100k).
- Bulk builds (`build(fresh=True)`, or an empty store) fill a new store with pyoxigraph's
  bulk loader (`bulk_load` for big clean triples files, one `bulk_extend` for the rest) in a new
  directory that is swapped in when complete: bulk loading is not transactional, the directory
  swap is what makes it all-or-nothing. The in-memory store swaps a reference instead.
- Blank nodes are renamed per graph on the way in, so two graphs never share one; literal text
  is NFC-normalised (NFD "José" and NFC "José" are different literals to every store).
- Query safety: every query text passes `cokg.sparql.screen` (parsed; SERVICE, LOAD, FROM,
  updates and deep nesting refused) and local queries run in a forked child with no network,
  a memory cap and a time limit (`cokg.sandbox`): a crash or a runaway query ends the child,
  never the caller or the store. Remote queries pass `timeout` to the HTTP client, and a
  truncated answer (Oxigraph's `--timeout-s` sends HTTP 200 with a cut body) is reported as a
  QueryError, never as a short result.
- Bindings are RDF terms, never text pasted into a query: a VALUES block of `.n3()` terms (IRIs
  validated first) at the start of the outermost WHERE group (`cokg.sparql.bind`).
- One writer. An exclusive `flock` on `<store dir>.lock` is held from opening a writable
  embedded store until close(); a second writer fails at once with StoreError. Read-only
  openers take a shared lock: pyoxigraph documents a read-only open next to a live writer as
  undefined behaviour, so readers and the writer exclude each other.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import time
import tomllib
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from cokg import paths
from cokg.errors import ParameterError, QueryError, StoreError, StoreMissing
from cokg.models import QueryResult
from cokg.namespaces import XSD
from cokg.sandbox import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, run_isolated
from cokg.sparql import bind, screen

__all__ = [
    "EXPORT_FORMATS",
    "BuildReport",
    "EmbeddedStore",
    "MemoryStore",
    "RemoteStore",
    "Store",
    "build",
    "ensure_built",
    "from_ox",
    "open_for_reading",
    "open_store",
    "push",
    "remote_config",
    "to_ox",
]

XSD_STRING = str(XSD.string)

# export format name -> (pyoxigraph format, holds named graphs)
EXPORT_FORMATS: dict[str, tuple[ox.RdfFormat, bool]] = {
    "nq": (ox.RdfFormat.N_QUADS, True),
    "trig": (ox.RdfFormat.TRIG, True),
    "ttl": (ox.RdfFormat.TURTLE, False),
    "nt": (ox.RdfFormat.N_TRIPLES, False),
    "jsonld": (ox.RdfFormat.JSON_LD, True),  # expanded; cokg.export compacts it
}

Triple = tuple[Node, Node, Node]
Progress = Callable[[str], None]


# --- the protocol --------------------------------------------------------------------------


@runtime_checkable
class Store(Protocol):
    """A dataset of named graphs that answers SPARQL over their union."""

    allow_network: bool

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        timeout: float | None = None,
        memory_mb: int | None = None,
        internal: bool = False,
    ) -> QueryResult: ...

    def graphs(self) -> list[str]: ...

    def replace_graphs(self, graphs: Mapping[str, Iterable[Triple]]) -> None: ...

    def load_files(self, files: Mapping[str, Path]) -> None: ...

    def drop_graphs(self, graph_iris: Iterable[str]) -> None: ...

    def count(self, graph_iri: str | None = None) -> int: ...

    def export(self, *, format: str, graph_iris: list[str] | None = None) -> bytes: ...

    def close(self) -> None: ...

    def __enter__(self) -> Store: ...

    def __exit__(self, *exc: object) -> None: ...


# --- terms ---------------------------------------------------------------------------------


def _nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term (literal text NFC-normalised)."""
    if isinstance(term, URIRef):
        try:
            return ox.NamedNode(str(term))
        except ValueError as exc:
            raise ParameterError(f"not a valid IRI: {str(term)!r} ({exc})") from None
    if isinstance(term, BNode):
        return ox.BlankNode(str(term)) if re.fullmatch(r"[A-Za-z0-9_]+", term) else ox.BlankNode()
    if isinstance(term, Literal):
        value = _nfc(str(term))
        if term.language:
            return ox.Literal(value, language=term.language)
        if term.datatype is not None:
            return ox.Literal(value, datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(value)
    raise ParameterError(f"cannot use {term!r} as an RDF term")


def from_ox(term: Any) -> Node:
    """A pyoxigraph term as an rdflib term. xsd:string literals become plain rdflib literals,
    as rdflib's own parsers and SPARQL JSON results produce them."""
    kind = type(term)  # pyoxigraph term classes cannot be subclassed: exact type checks
    if kind is ox.NamedNode:
        return URIRef(term.value)
    if kind is ox.Literal:
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    if kind is ox.BlankNode:
        return BNode(term.value)
    raise StoreError(f"unsupported RDF term in a result: {term!r}")


class _TermMemo(dict):
    """from_ox with a memo, for one answer: `memo[term]`, None for None. A listing repeats its
    terms (case, finding, construct in every row: 68k distinct terms in 550k cells of
    `quotations` at 1M triples), and a typed rdflib Literal costs ~7 us to build (it parses its
    lexical form), so each distinct term is converted once; rdflib terms are immutable."""

    def __init__(self) -> None:
        super().__init__({None: None})

    def __missing__(self, term: Any) -> Node:
        node = self[term] = from_ox(term)
        return node


def _from_json(cell: Mapping[str, str]) -> Node:
    """A term of the SPARQL 1.1 JSON results format as an rdflib term."""
    kind = cell.get("type")
    value = cell.get("value", "")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):
        lang = cell.get("xml:lang")
        if lang:
            return Literal(value, lang=lang)
        dt = cell.get("datatype")
        if dt and dt != XSD_STRING:
            return Literal(value, datatype=URIRef(dt))
        return Literal(value)
    raise QueryError(f"unsupported term in the endpoint's answer: {cell!r}")


def _graph_node(iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(str(iri))
    except ValueError:
        raise ParameterError(f"not a valid graph IRI: {iri!r}") from None


def _rdflib_triples_to_ox(graph: ox.NamedNode, triples: Iterable[Triple]) -> list[ox.Quad]:
    """Quads for one graph; blank nodes get fresh identifiers scoped to this graph."""
    bnodes: dict[str, ox.BlankNode] = {}

    def conv(t: Node) -> Any:
        if isinstance(t, BNode):
            if str(t) not in bnodes:
                bnodes[str(t)] = ox.BlankNode()
            return bnodes[str(t)]
        return to_ox(t)

    out = []
    for s, p, o in triples:
        out.append(ox.Quad(conv(s), conv(p), conv(o), graph))
    return out


# --- embedded and in-memory ------------------------------------------------------------------


def _result(answer: tuple[str, Any]) -> QueryResult:
    """A QueryResult of rdflib terms from `_OxigraphStore._run`'s answer."""
    kind, payload = answer
    conv = _TermMemo().__getitem__
    if kind == "ask":
        return QueryResult(kind="ask", boolean=payload)
    if kind == "select":
        solutions = ox.parse_query_results(payload, format=ox.QueryResultsFormat.TSV)
        variables = [v.value for v in solutions.variables]
        rows = [dict(zip(variables, map(conv, sol), strict=True)) for sol in solutions]
        return QueryResult(kind="select", variables=variables, rows=rows)
    parsed = ox.parse(payload, format=ox.RdfFormat.N_TRIPLES)
    return QueryResult(
        kind="graph", triples=[(conv(t.subject), conv(t.predicate), conv(t.object)) for t in parsed]
    )


class _OxigraphStore:
    """What the embedded and in-memory stores share: a pyoxigraph Store underneath."""

    allow_network: bool = False
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

    def __enter__(self) -> _OxigraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
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
    ) -> QueryResult:
        """Run a query screened by `cokg.sparql.screen` in an isolated child process
        (`cokg.sandbox`): `timeout` seconds and `memory_mb` more megabytes at most (None: the
        defaults; 0: no limit), and no network unless the store allows it.

        `internal=True` is for text cokg writes itself from its own files (compiled shapes,
        QC checks, provenance lookups): it runs in this process, so validation can overlap
        many such queries on threads without a fork per query."""
        if internal:
            return self._direct(sparql if not bindings else bind(screen(sparql), bindings))
        screened = screen(sparql, allow_network=self.allow_network)
        # Bound parameters are a VALUES block of validated terms at the start of the outer
        # WHERE, as on a remote endpoint: the same rows everywhere, and pyoxigraph's
        # `substitutions` (projected variables only) applied the value late: 350 ms vs 15 ms.
        text = bind(screened, bindings)
        kind_payload = run_isolated(
            lambda: self._run(text),
            timeout=DEFAULT_TIMEOUT if timeout is None else (timeout or None),
            memory_mb=DEFAULT_MEMORY_MB if memory_mb is None else (memory_mb or None),
            network=self.allow_network,
        )
        return _result(kind_payload)

    def _direct(self, text: str) -> QueryResult:
        try:
            result = self._store().query(text, use_default_graph_as_union=True)
        except SyntaxError as exc:
            raise QueryError(f"invalid SPARQL: {exc}") from None
        except (OSError, ValueError, RuntimeError) as exc:
            raise QueryError(f"query failed: {exc}") from None
        if isinstance(result, ox.QueryBoolean):
            return QueryResult(kind="ask", boolean=bool(result))
        conv = _TermMemo().__getitem__
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            rows = [dict(zip(variables, map(conv, sol), strict=True)) for sol in result]
            return QueryResult(kind="select", variables=variables, rows=rows)
        triples = [(conv(t.subject), conv(t.predicate), conv(t.object)) for t in result]
        return QueryResult(kind="graph", triples=triples)

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
            raise QueryError(f"invalid SPARQL: {exc}") from None
        except (OSError, ValueError, RuntimeError) as exc:
            raise QueryError(f"query failed: {exc}") from None

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self._store().named_graphs() if isinstance(g, ox.NamedNode))

    def count(self, graph_iri: str | None = None) -> int:
        store = self._store()
        if graph_iri is not None:
            g = _graph_node(graph_iri)  # counted in Rust, not by walking quads in Python
            res = store.query(
                f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g.value}> {{ ?s ?p ?o }} }}"
            )
            return int(next(iter(res))["n"].value)
        return len(store)

    # writes

    def replace_graphs(self, graphs: Mapping[str, Iterable[Triple]]) -> None:
        self._check_writable()
        quads: list[ox.Quad] = []
        for iri, triples in graphs.items():
            quads.extend(_rdflib_triples_to_ox(_graph_node(iri), triples))
        self._write(list(graphs), quads)

    def load_files(self, files: Mapping[str, Path]) -> None:
        self._check_writable()
        self._write(list(files), _read_files(files))

    def drop_graphs(self, graph_iris: Iterable[str]) -> None:
        self._check_writable()
        nodes = [_graph_node(g) for g in graph_iris]
        if nodes:
            self._update(";\n".join(f"DROP SILENT GRAPH <{g.value}>" for g in nodes))

    def _write(self, targets: list[str], quads: list[ox.Quad]) -> None:
        """Replace the target graphs by `quads` in one transaction."""
        store = self._store()
        nodes = [_graph_node(g) for g in targets]
        if not any(store.contains_named_graph(g) for g in nodes):
            try:
                store.extend(quads)  # one transaction
            except (OSError, ValueError) as exc:
                raise StoreError(f"write failed: {exc}") from None
            return
        drops = ";\n".join(f"DROP SILENT GRAPH <{g.value}>" for g in nodes)
        self._update(drops + (";\n" + _insert_data(quads) if quads else ""))

    def _update(self, update: str) -> None:
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
            nodes = [_graph_node(g) for g in graph_iris]
            missing = [g.value for g in nodes if not store.contains_named_graph(g)]
            if missing:
                raise ParameterError(f"no such graph: {', '.join(missing)}")
            quads = (q for g in nodes for q in store.quads_for_pattern(None, None, None, g))
        return serialize_quads(quads, format)

    def rebuild(self, files: Mapping[str, Path], progress: Progress | None = None) -> None:
        raise NotImplementedError


class MemoryStore(_OxigraphStore):
    """A pyoxigraph store in memory: nothing survives the process."""

    def __init__(self, *, allow_network: bool = False) -> None:
        self._ox = ox.Store()
        self.allow_network = allow_network
        self.read_only = False

    def __repr__(self) -> str:
        return "MemoryStore()"

    def rebuild(self, files: Mapping[str, Path], progress: Progress | None = None) -> None:
        """Replace everything by `files` (one graph per file)."""
        fresh = ox.Store()
        _bulk_fill(fresh, files, progress)
        self._ox = fresh  # a reference swap: readers see the old or the new store, never half


class EmbeddedStore(_OxigraphStore):
    """A pyoxigraph store on disk with one writer at a time."""

    def __init__(
        self, path: str | Path, *, read_only: bool = False, allow_network: bool = False
    ) -> None:
        self.path = Path(path).absolute()
        self.read_only = read_only
        self.allow_network = allow_network
        self._ox = None
        self._lock_fh: Any = None
        self._lock()
        try:
            _recover_swap(self.path)
            self._open()
        except BaseException:
            self._unlock()
            raise

    def __repr__(self) -> str:
        return f"EmbeddedStore({str(self.path)!r})"

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def _lock(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.lock_path, "a+")  # noqa: SIM115  (held until close)
        try:
            fcntl.flock(fh, (fcntl.LOCK_SH if self.read_only else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            raise StoreError("store is locked by another process", file=self.path) from None
        self._lock_fh = fh

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
        if self._ox is not None and not self.read_only:
            with contextlib.suppress(OSError):
                self._ox.flush()
        self._ox = None
        self._unlock()

    def rebuild(self, files: Mapping[str, Path], progress: Progress | None = None) -> None:
        """Replace everything by `files` (one graph per file): bulk-load a new store beside
        this one, then swap the directories. A failure or a kill leaves the old store."""
        self._check_writable()
        building = self.path.with_name(f"{self.path.name}.building-{os.getpid()}")
        shutil.rmtree(building, ignore_errors=True)
        try:
            fresh = ox.Store(str(building))
            _bulk_fill(fresh, files, progress)
            fresh.flush()
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


def _fast_format(path: Path) -> ox.RdfFormat | None:
    """The format when a big triples file may skip the Python pass of cokg.load: strict UTF-8,
    no BOM, already NFC, no \\u escapes (which could spell non-NFC text). Turtle and
    N-Triples cannot make pyoxigraph fetch anything; blank nodes are renamed by bulk_load."""
    fmt = _FAST_FORMATS.get(path.suffix.lower())
    if fmt is None or path.stat().st_size < _FAST_MIN_BYTES:
        return None
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if text.startswith("\ufeff") or "\\u" in text or "\\U" in text:
        return None
    return fmt if unicodedata.is_normalized("NFC", text) else None


def _bulk_fill(store: ox.Store, files: Mapping[str, Path], progress: Progress | None) -> None:
    """Fill a new store (not transactional: the caller swaps it in when complete). Big clean
    triples files go straight to pyoxigraph's bulk loader (Rust only, ~3x faster); the rest
    go through cokg.load in one bulk_extend (each bulk call writes its own files to disk)."""
    small: dict[str, Path] = {}
    for g, f in files.items():
        fmt = _fast_format(Path(f))
        if fmt is None:
            small[g] = Path(f)
            continue
        if progress:
            progress(f"loading {f}")
        try:
            store.bulk_load(path=str(f), format=fmt, to_graph=_graph_node(g))
        except SyntaxError:
            _read_file(_graph_node(g), Path(f))  # raises the InputError with file and line
            raise
    if small:
        store.bulk_extend(_iter_files(small, progress))


def _iter_files(files: Mapping[str, Path], progress: Progress | None) -> Iterator[ox.Quad]:
    for g, f in files.items():
        if progress:
            progress(f"loading {f}")
        yield from _read_file(_graph_node(g), Path(f))


def _read_files(files: Mapping[str, Path]) -> list[ox.Quad]:
    quads: list[ox.Quad] = []
    for g, f in files.items():
        quads.extend(_read_file(_graph_node(g), Path(f)))
    return quads


def _insert_data(quads: Iterable[ox.Quad]) -> str:
    """One INSERT DATA operation; N-Triples terms are valid SPARQL terms."""
    by_graph: dict[str, list[ox.Triple]] = {}
    for q in quads:
        by_graph.setdefault(q.graph_name.value, []).append(q.triple)
    parts = []
    for g, triples in by_graph.items():
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
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
    return ox.serialize(items, format=fmt, prefixes=prefixes)


# --- remote ----------------------------------------------------------------------------------


def _derive(endpoint: str, last: str) -> str:
    """Oxigraph serves /query, /update and /store; Fuseki /ds/query, /ds/update, /ds/data;
    when the query URL does not end in /query, use it for everything (SPARQL 1.1 allows it)."""
    if endpoint.rstrip("/").endswith("/query"):
        return endpoint.rstrip("/")[: -len("query")] + last
    return endpoint


class RemoteStore:
    """Any SPARQL 1.1 endpoint. Credentials come from COKG_USER / COKG_PASSWORD only."""

    def __init__(
        self,
        endpoint: str,
        *,
        update_endpoint: str | None = None,
        gsp_endpoint: str | None = None,
        method: str = "gsp",
        allow_network: bool = False,
        batch_size: int = 50_000,
    ) -> None:
        if not re.match(r"https?://", endpoint):
            raise ParameterError(f"endpoint must be an http(s) URL: {endpoint!r}")
        if method not in ("gsp", "update"):
            raise ParameterError(f"method must be gsp or update, not {method!r}")
        self.endpoint = endpoint
        self.update_endpoint = update_endpoint or _derive(endpoint, "update")
        self.gsp_endpoint = gsp_endpoint or _derive(endpoint, "store")
        self.method = method
        self.allow_network = allow_network
        self.batch_size = batch_size
        self._user = os.environ.get("COKG_USER")
        self._password = os.environ.get("COKG_PASSWORD")

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoint!r})"

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        pass

    # queries

    def _wrapper(self, url: str, timeout: float | None) -> Any:
        from SPARQLWrapper import POST, SPARQLWrapper

        w = SPARQLWrapper(url, updateEndpoint=self.update_endpoint)
        w.setMethod(POST)
        if self._user:
            w.setCredentials(self._user, self._password or "")
        if timeout:
            w.setTimeout(max(1, round(timeout)))
        return w

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        timeout: float | None = None,
        memory_mb: int | None = None,  # the server's own limits apply
        internal: bool = False,
    ) -> QueryResult:
        from SPARQLWrapper import JSON, TURTLE

        screened = screen(sparql, allow_network=self.allow_network)
        form = screened.form
        sparql = bind(screened, bindings)
        w = self._wrapper(self.endpoint, DEFAULT_TIMEOUT if timeout is None else timeout)
        w.setQuery(sparql)
        # SPARQLWrapper guesses the form with a regex that comments can fool (and a guessed
        # update form would go to the update endpoint): use the form our scanner found
        w.queryType = form.upper()
        w.setReturnFormat(TURTLE if form in ("construct", "describe") else JSON)
        body = self._run(w)
        if form in ("construct", "describe"):
            try:
                parsed = ox.parse(input=body, format=ox.RdfFormat.TURTLE)
                triples = [
                    (from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)) for t in parsed
                ]
            except SyntaxError as exc:
                raise QueryError(f"truncated or invalid answer from the endpoint: {exc}") from None
            return QueryResult(kind="graph", triples=triples)
        try:
            doc = json.loads(body)
        except ValueError:
            raise QueryError("truncated or invalid answer from the endpoint (timeout?)") from None
        if "boolean" in doc:
            return QueryResult(kind="ask", boolean=bool(doc["boolean"]))
        variables = list(doc.get("head", {}).get("vars", []))
        rows = [
            {v: (_from_json(b[v]) if v in b else None) for v in variables}
            for b in doc.get("results", {}).get("bindings", [])
        ]
        return QueryResult(kind="select", variables=variables, rows=rows)

    def _run(self, w: Any) -> bytes:
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        try:
            response = w.query().response
            return response.read()
        except SPARQLWrapperException as exc:
            raise QueryError(f"endpoint refused the query: {exc}") from None
        except (OSError, urllib.error.URLError) as exc:
            raise StoreError(f"cannot reach {self.endpoint}: {exc}") from None

    def _update(self, update: str) -> None:
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        w = self._wrapper(self.endpoint, None)
        w.setQuery(update)
        w.queryType = "INSERT"  # any update form: sent to the update endpoint
        try:
            w.query()
        except SPARQLWrapperException as exc:
            raise StoreError(f"endpoint refused the update: {exc}") from None
        except (OSError, urllib.error.URLError) as exc:
            raise StoreError(f"cannot reach {self.update_endpoint}: {exc}") from None

    def graphs(self) -> list[str]:
        res = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        return sorted(str(r["g"]) for r in res.rows if isinstance(r["g"], URIRef))

    def count(self, graph_iri: str | None = None) -> int:
        if graph_iri is None:
            res = self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        else:
            g = URIRef(_graph_node(graph_iri).value)
            res = self.query(
                "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", bindings={"g": g}
            )
        return int(res.rows[0]["n"]) if res.rows else 0

    def export(self, *, format: str, graph_iris: list[str] | None = None) -> bytes:
        if format not in EXPORT_FORMATS:
            raise ParameterError(
                f"unknown export format {format!r}; use {', '.join(EXPORT_FORMATS)}"
            )
        targets = self.graphs() if graph_iris is None else list(graph_iris)
        existing = set(self.graphs()) if graph_iris is not None else set(targets)
        missing = [g for g in targets if g not in existing]
        if missing:
            raise ParameterError(f"no such graph: {', '.join(missing)}")
        quads: list[ox.Quad] = []
        for g in targets:
            res = self.query(
                "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }", bindings={"g": URIRef(g)}
            )
            node = _graph_node(g)
            quads.extend(
                ox.Quad(to_ox(r["s"]), to_ox(r["p"]), to_ox(r["o"]), node) for r in res.rows
            )
        return serialize_quads(quads, format)

    # writes

    def replace_graphs(
        self, graphs: Mapping[str, Iterable[Triple]], progress: Progress | None = None
    ) -> None:
        by_graph = {
            g: _rdflib_triples_to_ox(_graph_node(g), triples) for g, triples in graphs.items()
        }
        self._put(by_graph, progress)

    def load_files(self, files: Mapping[str, Path], progress: Progress | None = None) -> None:
        by_graph = {g: _read_file(_graph_node(g), Path(f)) for g, f in files.items()}
        self._put(by_graph, progress)

    def drop_graphs(self, graph_iris: Iterable[str]) -> None:
        nodes = [_graph_node(g) for g in graph_iris]
        if not nodes:
            return
        if self.method == "gsp":
            for g in nodes:
                self._gsp("DELETE", g.value, None, missing_ok=True)
        else:
            self._update(";\n".join(f"DROP SILENT GRAPH <{g.value}>" for g in nodes))

    def _put(self, by_graph: Mapping[str, list[ox.Quad]], progress: Progress | None) -> None:
        """Graph by graph. GSP: one PUT per graph (atomic per graph). Update: the drop and the
        first batch in one request; a graph over batch_size triples takes several requests."""
        for i, (g, quads) in enumerate(by_graph.items(), 1):
            if progress:
                progress(f"[{i}/{len(by_graph)}] {g} ({len(quads)} triples)")
            if self.method == "gsp" and not quads:
                self._gsp("DELETE", g, None, missing_ok=True)  # an empty PUT keeps the graph
                continue
            if self.method == "gsp":
                body = ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES)
                self._gsp("PUT", g, body)
                continue
            drop = f"DROP SILENT GRAPH <{_graph_node(g).value}>"
            if not quads:
                self._update(drop)
            for start in range(0, len(quads), self.batch_size):
                batch = _insert_data(quads[start : start + self.batch_size])
                self._update(f"{drop};\n{batch}" if start == 0 else batch)

    def _gsp(self, verb: str, graph: str, body: bytes | None, *, missing_ok: bool = False) -> None:
        sep = "&" if "?" in self.gsp_endpoint else "?"
        url = f"{self.gsp_endpoint}{sep}{urllib.parse.urlencode({'graph': graph})}"
        req = urllib.request.Request(url, data=body, method=verb)
        if body is not None:
            req.add_header("Content-Type", "application/n-triples")
        if self._user:
            token = base64.b64encode(f"{self._user}:{self._password or ''}".encode()).decode()
            req.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(req, timeout=600) as resp:
                resp.read()
        except urllib.error.HTTPError as exc:
            if missing_ok and exc.code == 404:
                return
            detail = exc.read()[:300].decode("utf-8", "replace")
            raise StoreError(f"{verb} {graph} failed: HTTP {exc.code} {detail}") from None
        except (OSError, urllib.error.URLError) as exc:
            raise StoreError(f"cannot reach {self.gsp_endpoint}: {exc}") from None


# --- opening ---------------------------------------------------------------------------------


def remote_config() -> dict[str, str]:
    """Endpoint settings from `.cokg/config.toml` in the working directory (keys endpoint,
    update_endpoint, gsp_endpoint, method), overridden by COKG_ENDPOINT."""
    cfg: dict[str, str] = {}
    path = Path.cwd() / ".cokg" / "config.toml"
    if path.is_file():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise StoreError(f"unreadable config: {exc}", file=path) from None
        for key in ("endpoint", "update_endpoint", "gsp_endpoint", "method"):
            if isinstance(raw.get(key), str):
                cfg[key] = raw[key]
        for key in ("user", "password"):
            if key in raw:
                raise StoreError(
                    "credentials do not belong in the config file; set COKG_USER and "
                    "COKG_PASSWORD in the environment",
                    file=path,
                )
    if os.environ.get("COKG_ENDPOINT"):
        cfg["endpoint"] = os.environ["COKG_ENDPOINT"]
    return cfg


def open_store(
    spec: str | Path | None = None,
    *,
    read_only: bool = False,
    allow_network: bool = False,
    method: str | None = None,
) -> Store:
    """Open a store. `spec`: None (COKG_ENDPOINT, then `.cokg/config.toml`, then the default
    embedded store `.cokg/store`), "memory:", an http(s) endpoint URL, or a store directory."""
    cfg = remote_config() if spec is None else {}
    if spec is None and cfg.get("endpoint"):
        spec = cfg["endpoint"]
    if spec is None:
        return EmbeddedStore(
            paths.default_store_dir(), read_only=read_only, allow_network=allow_network
        )
    text = str(spec)
    if text == "memory:":
        return MemoryStore(allow_network=allow_network)
    if re.match(r"https?://", text):
        if not cfg:
            cfg = remote_config()
        same = cfg.get("endpoint") == text
        return RemoteStore(
            text,
            update_endpoint=cfg.get("update_endpoint") if same else None,
            gsp_endpoint=cfg.get("gsp_endpoint") if same else None,
            method=method or cfg.get("method", "gsp"),
            allow_network=allow_network,
        )
    if "://" in text:
        raise ParameterError(f"unsupported store {text!r}: use a directory, memory: or http(s)")
    return EmbeddedStore(Path(text), read_only=read_only, allow_network=allow_network)


# --- building --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildReport:
    """What `build` loaded: (graph IRI, triples) per graph, totals and time."""

    store: str
    graphs: tuple[tuple[str, int], ...]
    triples: int
    seconds: float

    @property
    def triples_per_second(self) -> float:
        return self.triples / self.seconds if self.seconds > 0 else 0.0

    def __str__(self) -> str:
        return (
            f"loaded {len(self.graphs)} graphs, {self.triples} triples into {self.store} in "
            f"{self.seconds:.2f} s ({self.triples_per_second:,.0f} triples/s)"
        )


def source_files(*, include_data: bool = True) -> dict[str, Path]:
    """Graph IRI -> file for the ontology modules, the frameworks and (optionally) data/."""
    from cokg.load import data_files, ontology_files

    files = dict(ontology_files(include_frameworks=True))
    if include_data:
        for g, f in data_files():
            if g in files:
                raise StoreError(f"two files map to the graph {g}", file=f)
            files[g] = f
    return files


def build(
    store: Store,
    *,
    include_data: bool = True,
    fresh: bool = False,
    progress: Progress | None = None,
) -> BuildReport:
    """Load the ontology, frameworks and data files into `store`, one named graph per file.

    fresh=True (or an empty embedded/memory store) rebuilds everything: bulk load into a new
    store swapped in at the end. Otherwise each file's graph is replaced in one transaction.
    """
    files = source_files(include_data=include_data)
    t0 = time.perf_counter()
    if isinstance(store, EmbeddedStore | MemoryStore) and (fresh or store.count() == 0):
        store.rebuild(files, progress)
    else:
        if fresh:
            stale = [g for g in store.graphs() if g not in files]
            store.drop_graphs(stale)
        if isinstance(store, RemoteStore):
            store.load_files(files, progress)
        else:
            if progress:
                progress(f"loading {len(files)} files")
            store.load_files(files)
    seconds = time.perf_counter() - t0
    if isinstance(store, EmbeddedStore):
        _write_manifest(store, _fingerprint(files))
    counts = tuple((g, store.count(g)) for g in files)
    return BuildReport(
        store=repr(store),
        graphs=counts,
        triples=sum(n for _, n in counts),
        seconds=seconds,
    )


def push(source: Store, target: Store, *, progress: Progress | None = None) -> BuildReport:
    """Copy every named graph of `source` into `target`, graph by graph, replacing graphs of
    the same name there (other graphs in the target are left alone)."""
    t0 = time.perf_counter()
    counts = []
    graphs = source.graphs()
    for i, g in enumerate(graphs, 1):
        data = source.export(format="nq", graph_iris=[g])
        quads = list(ox.parse(input=data, format=ox.RdfFormat.N_QUADS))
        if isinstance(target, RemoteStore):
            target._put({g: quads}, None)
        elif isinstance(target, _OxigraphStore):
            target._check_writable()
            target._write([g], quads)
        else:
            raise StoreError(f"cannot push into {target!r}")
        counts.append((g, len(quads)))
        if progress:
            progress(f"[{i}/{len(graphs)}] {g}: {len(quads)} triples")
    seconds = time.perf_counter() - t0
    return BuildReport(
        store=repr(target),
        graphs=tuple(counts),
        triples=sum(n for _, n in counts),
        seconds=seconds,
    )


def _fingerprint(files: Mapping[str, Path]) -> dict[str, str]:
    """SHA-256 of each project file that a graph was built from, by graph IRI."""
    return {g: hashlib.sha256(f.read_bytes()).hexdigest() for g, f in sorted(files.items())}


def _manifest_path(store: EmbeddedStore) -> Path:
    return store.path.with_name(store.path.name + ".sources.json")


def _read_manifest(store: EmbeddedStore) -> dict[str, str]:
    try:
        data = json.loads(_manifest_path(store).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_manifest(store: EmbeddedStore, fingerprint: dict[str, str]) -> None:
    # temp file + os.replace: a crash leaves the old manifest or the new one, never half
    path = _manifest_path(store)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(fingerprint, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def is_stale(store: Store) -> bool:
    """True when an embedded store was built from project files that have changed since
    (ontology, frameworks or data/ edited, added or removed). Other stores are never stale."""
    if not isinstance(store, EmbeddedStore):
        return False
    return _read_manifest(store) != _fingerprint(source_files())


def open_for_reading(spec: str | Path | None = None, *, allow_network: bool = False) -> Store:
    """A store to read from. An embedded store is opened read-only, which writes nothing to its
    directory and lets readers share it; when it is missing, empty or built from project files
    that have changed, it is (re)built first under the writer lock and then reopened read-only.
    An in-memory store is built; a remote endpoint is never written to from here."""
    try:
        store = open_store(spec, read_only=True, allow_network=allow_network)
    except StoreMissing:
        pass
    else:
        if isinstance(store, RemoteStore):
            return store
        if isinstance(store, MemoryStore):
            return ensure_built(store)
        if store.graphs() and not is_stale(store):
            return store
        store.close()
    with open_store(spec, allow_network=allow_network) as writer:
        ensure_built(writer)
    return open_store(spec, read_only=True, allow_network=allow_network)


def ensure_built(store: Store) -> Store:
    """Build the store when it holds nothing yet, or rebuild the project's graphs when the
    files they came from changed (graphs from ingested submissions are kept); return it."""
    if not store.graphs():
        if getattr(store, "read_only", False):
            raise StoreError("the store is empty: run `cokg build`")
        build(store)
    elif not getattr(store, "read_only", False) and is_stale(store):
        assert isinstance(store, EmbeddedStore)
        gone = set(_read_manifest(store)) - set(source_files())
        store.drop_graphs(sorted(gone))  # graphs of project files that no longer exist
        build(store)
    return store
