"""RemotePool: the query pool's interface over a SPARQL endpoint, for `cokg serve --endpoint`.

A consortium's shared server (Oxigraph server, Virtuoso) already answers SPARQL; `cokg serve` in
front of it adds the saved-query pages, case pages, entity pages and the screened /sparql
endpoint. The tasks the handlers give the local worker pool ("rows", "protocol", "ping") are
answered here by `cokg.store.RemoteStore`: every text is screened as for any store (no SERVICE,
no LOAD, no update reaches the endpoint), the server's timeout is the HTTP timeout and its row
limit cuts the answer. The endpoint's own default graph is used (the union of its graphs on
the servers cokg pushes to), so the protocol's default-graph-uri and named-graph-uri
parameters are refused rather than silently ignored.

When the endpoint cannot be reached the public is told that the store is unavailable, never
where it lives: the endpoint's address and what went wrong go to the server's log ("cokg.serve").
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import urllib.error
from typing import Any

from rdflib import Graph, Literal, URIRef

from cokg.errors import QueryError, StoreError
from cokg.models import QueryResult
from cokg.query import get_query
from cokg.serve.pool import DataSource, EndpointUnavailable, PoolStats, QueryRefused, QueryTimeout
from cokg.serve.results import boolean_body, solutions_body
from cokg.store import PlainHTTP, RemoteStore
from cokg.store.datatypes import declared_type
from cokg.terms import to_wire

# pyoxigraph's format names (the local workers' serializers) -> rdflib's
_RDFLIB_FORMATS = {
    "TURTLE": "turtle",
    "N_TRIPLES": "nt",
    "RDF_XML": "xml",
    "JSON_LD": "json-ld",
}

log = logging.getLogger("cokg.serve")
HEALTH_TTL = 1.0  # seconds a check of the endpoint (/status) is reused: one query a second at most
DECLARED_TTL = 5.0  # seconds the ontology's declared integer types are reused before read again


class RemotePool:
    """Answers the serve handlers' tasks from a SPARQL endpoint (same interface as QueryPool)."""

    def __init__(self, endpoint: str, *, workers: int = 2, timeout: float = 10.0) -> None:
        self.store = RemoteStore(endpoint)
        self.endpoint = endpoint
        self.source = DataSource()  # no snapshot: the endpoint holds the data
        self.size = workers
        self.timeout = timeout
        self.stats = PoolStats()
        # at most `workers` requests to the endpoint at once, like the local pool's workers
        self._slots = threading.BoundedSemaphore(workers)
        self._health_lock = threading.Lock()
        self._health: tuple[float, dict[str, Any]] | None = None
        self._declared: tuple[float, dict[str, str]] | None = None

    def __enter__(self) -> RemotePool:
        self.ping()  # an unreachable endpoint fails at start-up, not on the first page
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        pass

    def generation(self) -> str | None:
        return None

    def ping(self) -> dict[str, Any]:
        self.store.query(get_query("endpoint-ping").body, timeout=self.timeout)
        return {"pid": os.getpid(), "triples": None, "generation": None}

    def health(self) -> dict[str, Any]:
        """Whether the endpoint answers now, for /status: {"reachable": True, "answered_in_ms":
        N} or {"reachable": False, "error": why, without its address (logged with it)}. One
        check serves every request for HEALTH_TTL seconds, so that a stream of /status
        requests does not become a stream of queries to the endpoint."""
        with self._health_lock:
            if self._health is not None and time.monotonic() - self._health[0] < HEALTH_TTL:
                return self._health[1]
            started = time.perf_counter()
            try:
                self.ping()
                ms = round((time.perf_counter() - started) * 1000, 1)
                doc: dict[str, Any] = {"reachable": True, "answered_in_ms": ms}
            except (StoreError, QueryError) as exc:
                log.warning("the endpoint behind this server failed a check: %s", exc)
                doc = {"reachable": False, "error": public_reason(exc, self.timeout)}
            self._health = (time.monotonic(), doc)
            return doc

    def _declared_types(self, timeout: float) -> dict[str, str]:
        """Property IRI -> the narrower integer type its range declares, as the endpoint's
        ontology says (Oxigraph server keeps such values as xsd:integer, as the embedded
        engine does); read again after DECLARED_TTL seconds, not for every entity page."""
        now = time.monotonic()
        if self._declared is None or now - self._declared[0] >= DECLARED_TTL:
            try:
                declared = self.store.declared_types(timeout=timeout)
            except (StoreError, QueryError) as exc:  # the types as read; the record still served
                log.warning("the endpoint behind this server did not give its ranges: %s", exc)
                return self._declared[1] if self._declared else {}
            self._declared = (now, {p.value: t.value for p, t in declared.items()})
        return self._declared[1]

    def run(self, task: dict[str, Any], *, timeout: float | None = None) -> dict[str, Any]:
        limit_s = self.timeout if timeout is None else timeout
        if task["op"] == "ping":
            return self.ping()
        if task.get("default_graph") or task.get("named_graphs"):
            raise QueryRefused(
                "default-graph-uri and named-graph-uri are not passed on to the endpoint "
                "behind this server; name the graphs with GRAPH in the query",
                reason="dataset",
            )
        with self._slots:
            try:
                result = self.store.query(task["query"], timeout=limit_s, cut_at_cap=True)
            except StoreError as exc:  # the endpoint did not answer in time, or at all
                if _timed_out(exc):
                    raise QueryTimeout(
                        f"the query ran longer than the {limit_s:g} s timeout and was stopped"
                    ) from None
                # the message names the endpoint: for the server's log, not for the public
                log.warning("the endpoint behind this server did not answer: %s", exc)
                raise EndpointUnavailable(
                    f"the store behind this server is unavailable: "
                    f"{public_reason(exc, limit_s)}; try again later"
                ) from None
            except QueryError as exc:  # the endpoint refused the query
                raise QueryRefused(str(exc), reason="endpoint") from None
            if task.get("declared_types"):
                task = {**task, "declared": self._declared_types(limit_s)}
        self.stats.tasks += 1
        if task.get("rows_as_triples") and result.kind == "select":
            # a SELECT of ?subject ?predicate ?object (a saved query) answered as a graph
            s, p, o = result.variables[:3]
            triples = [(r[s], r[p], r[o]) for r in result.rows]
            result = QueryResult(kind="graph", triples=triples, truncated=result.truncated)  # type: ignore[arg-type]
        limit = int(task.get("limit") or 0)
        if result.truncated:
            _at_cap(result, limit)
        if task["op"] == "rows":
            return _rows(result, limit)
        return _protocol(result, limit, task)


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and those it was raised from or while handling (a URLError's reason
    too): what RemoteStore's one-line StoreError stands for."""
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in out:
        out.append(current)
        reason = getattr(current, "reason", None)
        if isinstance(current, urllib.error.URLError) and isinstance(reason, BaseException):
            out.append(reason)
        current = current.__cause__ or current.__context__
    return out


def _timed_out(exc: BaseException) -> bool:
    return any(isinstance(e, TimeoutError | socket.timeout) for e in _chain(exc))


def public_reason(exc: BaseException, timeout: float) -> str:
    """Why the endpoint gave no answer, in words that do not say where it is."""
    for e in _chain(exc):
        if isinstance(e, PlainHTTP):
            return "it answers in plain HTTP, not HTTPS (serve it by its http:// URL)"
        if isinstance(e, urllib.error.HTTPError):
            return f"it answered HTTP {e.code}"
        if isinstance(e, ConnectionRefusedError):
            return "it refused the connection (not running?)"
        if isinstance(e, TimeoutError | socket.timeout):
            return f"it did not answer within {timeout:g} s"
        if isinstance(e, socket.gaierror):
            return "its host name did not resolve"
    if isinstance(exc, QueryError):
        return "it refused the check query"
    return "it could not be reached"


def _at_cap(result: QueryResult, limit: int) -> None:
    """An answer the endpoint cut at its own row cap (Virtuoso's ResultSetMaxRows). At or
    above this server's limit it is cut at the limit and flagged like any long answer (as
    behind Oxigraph); below it (this server's --limit above the endpoint's cap, or cokg's own
    bookkeeping, which is never cut) rows would be missing short of the limit: refused."""
    got = len(result.rows) if result.kind == "select" else len(result.triples or [])
    if not limit or got < limit:
        log.warning("the endpoint cut an answer at its row cap, %d rows: below --limit %s",
                    got, limit or "(none)")  # fmt: skip
        raise QueryRefused(
            f"the store behind this server cut this answer at its own limit of {got:,} rows, "
            f"below this server's ({limit:,}): narrow the query (LIMIT/OFFSET), or serve "
            f"with --limit {got} or less",
            reason="endpoint-cap",
        )


def _cut(items: list[Any], limit: int, at_cap: bool = False) -> tuple[list[Any], bool]:
    """The first `limit` items, and whether any were left out (or the endpoint left some)."""
    if limit and len(items) > limit:
        return items[:limit], True
    return items, at_cap


def _rows(result: Any, limit: int) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": result.kind, "truncated": False}
    if result.kind == "ask":
        out["boolean"] = bool(result.boolean)
    elif result.kind == "select":
        rows, out["truncated"] = _cut(result.rows, limit, result.truncated)
        out["variables"] = list(result.variables)
        out["rows"] = [tuple(to_wire(row.get(v)) for v in result.variables) for row in rows]
    else:
        triples, out["truncated"] = _cut(list(result.triples or []), limit, result.truncated)
        out["triples"] = [(to_wire(s), to_wire(p), to_wire(o)) for s, p, o in triples]
    return out


def _protocol(result: Any, limit: int, task: dict[str, Any]) -> dict[str, Any]:
    kind = result.kind
    fmt = task["result_format"] if kind in ("select", "ask") else task["graph_format"]
    if fmt is None:
        what = "a result table or boolean" if kind != "graph" else "an RDF graph"
        raise QueryRefused(
            f"this query returns {what}; no acceptable media type", reason="unacceptable"
        )
    media_type, name = fmt
    if kind == "ask":
        body, truncated, count = boolean_body(name, bool(result.boolean)), False, 1
    elif kind == "select":
        rows, truncated = _cut(result.rows, limit, result.truncated)
        wire = [tuple(to_wire(row.get(v)) for v in result.variables) for row in rows]
        body, count = solutions_body(name, list(result.variables), wire), len(rows)
    else:
        triples, truncated = _cut(list(result.triples or []), limit, result.truncated)
        if task.get("declared"):  # an entity page: the declared integer types given back
            triples = [_declared(t, task["declared"]) for t in triples]
        graph = Graph()
        for prefix, iri in (task.get("prefixes") or {}).items():
            graph.bind(prefix, iri)
        for t in triples:
            graph.add(t)
        body = graph.serialize(format=_RDFLIB_FORMATS[name], encoding="utf-8")
        count = len(triples)
    return {
        "kind": kind,
        "media_type": media_type,
        "body": body,
        "truncated": truncated,
        "count": count,
    }


def _declared(triple: Any, declared: dict[str, str]) -> Any:
    """The triple, its xsd:integer value given the narrower type its property declares when it
    fits it (`cokg.store.datatypes.declared_type`), as the local workers do."""
    s, p, o = triple
    if isinstance(o, Literal) and o.datatype is not None and o.language is None:
        wanted = declared_type(str(o), str(o.datatype), declared.get(str(p)))
        if wanted is not None:
            return s, p, Literal(str(o), datatype=URIRef(wanted))
    return triple
