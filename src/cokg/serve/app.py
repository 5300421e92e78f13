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
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from cokg import docs
from cokg.serve import render
from cokg.serve.cases import case_links, case_numbers, case_page
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
    state = served(request)
    pool = state.pool
    doc = {
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
    return Response(json.dumps(doc), media_type="application/json")


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


def create_app(
    pool: QueryPool | RemotePool, settings: ServeSettings | None = None, *, own_pool: bool = False
) -> Starlette:
    """The web application over a started pool (closed at shutdown when `own_pool`)."""
    state = Served(pool, settings or ServeSettings(), own_pool=own_pool)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            render.CASE_LINKS[:] = await in_thread(case_links, state.store(), state.query)
            numbers = await in_thread(case_numbers, state.store(), state.query)
            render.CASE_NUMBERS.clear()
            render.CASE_NUMBERS.update(numbers)
        except Exception:  # the pages still work without the navigation links
            render.CASE_LINKS[:] = []
        yield
        if state.own_pool:
            pool.close()

    app = Starlette(routes=ROUTES, lifespan=lifespan)
    app.state.served = state
    return app
