"""The Starlette application: its routes, and the state its handlers share.

The handlers live in one module per kind of page: `endpoint` (/sparql), `pages` (/ and the
saved queries), `editor` (/editor, the YASGUI query editor), `cases` (/case/<id>) and
`entities` (/id/..., /resource); the documentation pages (/ontology, /framework,
/framework/<scheme>) are built by `cokg.docs` and framed here.
/.well-known/void (`void`) describes the served data (VoID and DCAT).
Nothing touches the data directly: every query goes to the worker pool, which enforces the
timeout (by killing the worker) and the result limit (by stopping reading, and saying so).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from cokg import docs
from cokg.serve import render
from cokg.serve.cases import case_page, navigation
from cokg.serve.editor import editor_asset, editor_page, editor_prefixes
from cokg.serve.endpoint import sparql
from cokg.serve.entities import entity, resource
from cokg.serve.pages import index, saved_query
from cokg.serve.pool import QueryPool
from cokg.serve.remotepool import RemotePool
from cokg.serve.responses import error, error_for, truncation_headers
from cokg.serve.state import Served, ServeSettings, in_thread, served
from cokg.serve.void import well_known_void

__all__ = ["ServeSettings", "create_app"]


async def style(request: Request) -> Response:
    return Response(
        render.template_text("style.css"),
        media_type="text/css; charset=utf-8",
        headers={"Cache-Control": "max-age=300"},
    )


async def favicon(request: Request) -> Response:
    # also at /favicon.ico, which browsers ask for whatever the page links: no 404 in the logs
    return Response(
        render.template_text("favicon.svg"),
        media_type="image/svg+xml",
        headers={"Cache-Control": "max-age=86400"},
    )


async def status(request: Request) -> Response:
    """The server's settings and counters. In front of an endpoint it is also a health check:
    the endpoint is asked (at most once a second) and a 503 says it does not answer, with why
    ("endpoint": {"reachable": false, "error": ...}); its address is never shown."""
    state = served(request)
    pool = state.pool
    doc: dict[str, Any] = {
        "workers": pool.size,
        "timeout_s": state.settings.timeout,
        "result_limit": state.settings.limit,
        "queries_run": pool.stats.tasks,
        "workers_killed_on_timeout": pool.stats.killed_timeout,
        "workers_lost": pool.stats.lost,
        # "live": following the embedded store's published snapshots (generation: the newest)
        "data": (
            "endpoint"
            if getattr(pool, "endpoint", None)
            else "live"
            if pool.source.snapshots is not None
            else "snapshot"
        ),
        "generation": pool.generation(),
    }
    headers = {"Cache-Control": "no-store"}  # a monitor must never read a cached health
    code = 200
    if isinstance(pool, RemotePool):
        doc["endpoint"] = await in_thread(pool.health)
        if not doc["endpoint"]["reachable"]:
            code = 503
            headers.update({"Retry-After": "5", "X-Cokg-Error": "unavailable"})
    return Response(json.dumps(doc), code, media_type="application/json", headers=headers)


async def ontology(request: Request) -> Response:
    return await _documentation(request, docs.ontology_doc)


async def frameworks(request: Request) -> Response:
    return await _documentation(request, docs.index_doc)


async def framework(request: Request) -> Response:
    return await _documentation(request, docs.scheme_doc, request.path_params["scheme"])


async def _documentation(request: Request, build: Callable[..., docs.Doc], *args: str) -> Response:
    """A documentation page read from the served store, like every page, in a thread."""
    state = served(request)
    store = state.store()
    try:
        doc = await in_thread(build, store, *args, served=True, queries=state.query)
    except docs.UnknownScheme as exc:
        return error(True, 404, str(exc), code="not-found")
    except Exception as exc:
        return error_for(exc, True)
    body = doc.body
    if store.truncated:
        body = render.truncation_note(state.settings.limit) + body
    return HTMLResponse(render.page(doc.title, body), headers=truncation_headers(store.truncated))


ROUTES = [
    Route("/", index, methods=["GET"]),
    Route("/sparql", sparql, methods=["GET", "POST"]),
    Route("/editor", editor_page, methods=["GET"]),
    Route("/editor/prefixes.json", editor_prefixes, methods=["GET"]),
    Route("/editor/assets/{name}", editor_asset, methods=["GET"]),
    Route("/query/{name}", saved_query, methods=["GET"]),
    Route("/case/{case_id}", case_page, methods=["GET"]),
    Route("/id/{path:path}", entity, methods=["GET"]),
    Route("/ontology", ontology, methods=["GET"]),
    Route("/framework", frameworks, methods=["GET"]),
    Route("/framework/{scheme}", framework, methods=["GET"]),
    Route("/resource", resource, methods=["GET"]),
    Route("/style.css", style, methods=["GET"]),
    Route("/favicon.svg", favicon, methods=["GET"]),
    Route("/favicon.ico", favicon, methods=["GET"]),
    Route("/status", status, methods=["GET"]),
    Route("/.well-known/void", well_known_void, methods=["GET"]),
]


# Requests whose answers never show the case navigation: they do not wait for it to be read.
_NO_NAVIGATION = ("/style.css", "/favicon.", "/status", "/editor/assets/", "/editor/prefixes")
REMOTE_REFRESH = 5.0  # seconds: an endpoint's writes are not seen, so its cases are read again
RETRY_AFTER = 5.0  # seconds before a failed reading of the cases is tried again


class _Navigator:
    """The case navigation of the data requests are answered from: read again when a writer
    publishes a new snapshot of an embedded store (the workers answer from it from their next
    task on), every REMOTE_REFRESH seconds from an endpoint, once from a fixed snapshot."""

    def __init__(self, state: Served) -> None:
        self.state = state
        self.nav = render.Navigation()
        self.key: object = object()  # matches no key: the first request reads the cases
        self.retry_at = 0.0
        self.lock = anyio.Lock()

    def _key(self) -> object:
        if isinstance(self.state.pool, RemotePool):
            return int(time.monotonic() // REMOTE_REFRESH)
        return self.state.pool.generation()

    async def current(self) -> render.Navigation:
        key = self._key()
        if key == self.key or time.monotonic() < self.retry_at or self.lock.locked():
            return self.nav  # unchanged, or being read by another request meanwhile
        async with self.lock:
            try:
                self.nav = await in_thread(navigation, self.state.store(), self.state.query)
                self.key = key
            except Exception:  # the pages still work without the navigation links
                self.retry_at = time.monotonic() + RETRY_AFTER
        return self.nav


class _WithNavigation:
    """ASGI middleware: each request is answered with the navigation of the current data
    (`cokg.serve.render.NAVIGATION`)."""

    def __init__(self, app: Any, navigator: _Navigator) -> None:
        self.app = app
        self.navigator = navigator

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(_NO_NAVIGATION):
            await self.app(scope, receive, send)
            return
        token = render.NAVIGATION.set(await self.navigator.current())
        try:
            await self.app(scope, receive, send)
        finally:
            render.NAVIGATION.reset(token)


class _ReadOnly:
    """ASGI middleware: a write (PUT, DELETE, PATCH: a Graph Store Protocol client pointed at
    the server) is answered 405 saying the server is read-only, with `X-Cokg-Error:
    read-only` so that cokg's own client can say so, rather than 404 Not Found."""

    BODY = b"cokg serve is read-only: it takes no writes"

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in ("PUT", "DELETE", "PATCH"):
            await self.app(scope, receive, send)
            return
        response = Response(
            self.BODY,
            status_code=405,
            media_type="text/plain",
            headers={"X-Cokg-Error": "read-only", "Allow": "GET, POST"},
        )
        await response(scope, receive, send)


def create_app(
    pool: QueryPool | RemotePool, settings: ServeSettings | None = None, *, own_pool: bool = False
) -> Starlette:
    """The web application over a started pool (closed at shutdown when `own_pool`)."""
    state = Served(pool, settings or ServeSettings(), own_pool=own_pool)
    navigator = _Navigator(state)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await navigator.current()  # read once before the first request
        yield
        if state.own_pool:
            pool.close()

    app = Starlette(routes=ROUTES, lifespan=lifespan)
    app.add_middleware(_WithNavigation, navigator=navigator)
    app.add_middleware(_ReadOnly)
    app.state.served = state
    return app
