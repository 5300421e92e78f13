"""PoolStore: a read-only `Store` over the worker pool, so that the pages run saved queries
(`cokg.query.run_query`) under the server's timeout and result limit.

Terms cross the workers' socket as plain tuples, converted by `cokg.terms.from_wire` and
`to_wire`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from rdflib.term import Node

from cokg.errors import StoreError
from cokg.models import QueryResult
from cokg.serve.pool import QueryPool
from cokg.serve.protocol import screen_request
from cokg.serve.remotepool import RemotePool
from cokg.sparql import bind
from cokg.terms import Triple, WireTerm, from_wire

BOOKKEEPING_LIMIT = 1_000_000  # rows of cokg's own bookkeeping a request reads at most


class PoolStore:
    """A `Store` over the worker pool that answers queries only: writes, listings and exports
    are refused (the workers hold a snapshot; nothing the server does changes the store).

    One instance per request: `truncated` records whether any query it ran hit the limit.
    """

    allow_network = False  # the workers cannot open a socket at all

    def __init__(self, pool: QueryPool | RemotePool, *, timeout: float, limit: int) -> None:
        self.pool = pool
        # the local workers run the embedded engine; an endpoint runs its own
        self.embedded_engine = not isinstance(pool, RemotePool)
        self.timeout = timeout  # seconds at most, whatever a caller asks for
        self.limit = limit  # rows (or triples) read at most from one answer
        self.truncated = False

    @staticmethod
    def bound(sparql: str, bindings: Mapping[str, Node] | None) -> str:
        """The text a worker runs: screened like any query, then bound as a VALUES block of
        validated terms (pyoxigraph's substitutions reach projected variables only)."""
        return bind(screen_request(sparql), bindings)

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        timeout: float | None = None,
        memory_mb: int | None = None,  # the pool's workers have their own cap
        internal: bool = False,  # every query runs in a worker here
        keep: int | None = None,  # the rows come as wire terms: all are converted
        bookkeeping: bool = False,
    ) -> QueryResult:
        # cokg's own bookkeeping (a row per case at most) is not cut at the result limit,
        # which is there to bound what a request returns: a page cut from rows per case
        # counted short would leave cases out of every page
        limit = BOOKKEEPING_LIMIT if bookkeeping else self.limit
        task = {"op": "rows", "query": self.bound(sparql, bindings), "limit": limit}
        run_timeout = self.timeout if timeout is None else min(timeout, self.timeout)
        out = self.pool.run(task, timeout=run_timeout)
        self.truncated = self.truncated or (out["truncated"] and not bookkeeping)
        if out["kind"] == "ask":
            return QueryResult(kind="ask", boolean=out["boolean"])
        cut = bool(out["truncated"])
        if out["kind"] == "graph":
            triples = [_triple(s, p, o) for s, p, o in out["triples"]]
            return QueryResult(kind="graph", triples=triples, truncated=cut)
        variables = out["variables"]
        rows = [
            {v: from_wire(t) for v, t in zip(variables, row, strict=True)} for row in out["rows"]
        ]
        return QueryResult(kind="select", variables=variables, rows=rows, truncated=cut)

    def _refuse(self, what: str) -> StoreError:
        return StoreError(f"the served store answers queries only: {what} is not available")

    def replace_graphs(
        self, graphs: Mapping[str, Iterable[Triple]], *, drop: Iterable[str] = ()
    ) -> None:
        raise StoreError("the served store is read-only")

    def load_files(self, files: Mapping[str, Path]) -> None:
        raise StoreError("the served store is read-only")

    def drop_graphs(self, graph_iris: Iterable[str]) -> None:
        raise StoreError("the served store is read-only")

    def graphs(self) -> list[str]:
        raise self._refuse("listing its graphs")

    def count(self, graph_iri: str | None = None) -> int:
        raise self._refuse("counting triples")

    def export(self, *, format: str, graph_iris: list[str] | None = None) -> bytes:
        raise self._refuse("exporting")

    def close(self) -> None:
        pass

    def __enter__(self) -> PoolStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _triple(s: WireTerm, p: WireTerm, o: WireTerm) -> Triple:
    """A triple of wire terms, all bound, as rdflib terms."""
    subject, predicate, obj = from_wire(s), from_wire(p), from_wire(o)
    assert subject is not None and predicate is not None and obj is not None
    return (subject, predicate, obj)
