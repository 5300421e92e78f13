"""What the request handlers share: the server's settings, its worker pool and its saved queries,
kept on `app.state.served`; and running blocking work off the event loop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread
from starlette.requests import Request

from cokg.query import SavedQuery, get_query, list_queries, page_size
from cokg.serve.pool import QueryPool
from cokg.serve.poolstore import PoolStore
from cokg.serve.remotepool import RemotePool


@dataclass(frozen=True)
class ServeSettings:
    timeout: float = 10.0  # seconds a query may run before its worker is killed
    limit: int = 10_000  # rows (or triples) returned at most; more is cut and flagged
    per_client: int = 2  # queries one client address may have running at once; more get 429
    # rows a saved query's page shows unless ?limit= says otherwise ($COKG_PAGE_SIZE; 0: all)
    page_size: int = field(default_factory=page_size)


class Served:
    """The application's shared state. Saved queries are read once: the server serves the
    queries it started with, like the data."""

    def __init__(
        self, pool: QueryPool | RemotePool, settings: ServeSettings, *, own_pool: bool
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.own_pool = own_pool  # closed at shutdown
        self.inflight: dict[str, int] = {}  # /sparql queries per client; the loop is one thread
        self._listed: list[SavedQuery] | None = None
        self._by_name: dict[str, SavedQuery] = {}

    def store(self) -> PoolStore:
        """A store for one request (it records whether an answer was cut at the limit)."""
        return PoolStore(self.pool, timeout=self.settings.timeout, limit=self.settings.limit)

    def saved_queries(self) -> list[SavedQuery]:
        """The saved queries offered to users (not the internal ones)."""
        if self._listed is None:
            self._listed = list_queries()
        return self._listed

    def query(self, name: str) -> SavedQuery:
        """Any saved query by name, the internal ones that build the pages included."""
        if name not in self._by_name:
            self._by_name[name] = get_query(name)
        return self._by_name[name]

    async def run(self, task: dict[str, Any]) -> dict[str, Any]:
        """One task on the pool, off the event loop."""
        return await anyio.to_thread.run_sync(self.pool.run, task)


def served(request: Request) -> Served:
    state: Served = request.app.state.served
    return state


async def in_thread(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return await anyio.to_thread.run_sync(lambda: func(*args, **kwargs))
