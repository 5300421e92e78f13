"""The Starlette application: the SPARQL endpoint, saved-query pages, case pages, entity pages.

Nothing here touches the data directly: every query goes to the worker pool, which enforces the
timeout (by killing the worker) and the result limit (by stopping reading, and saying so).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

import anyio.to_thread
from rdflib.term import BNode, Literal, Node, URIRef
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from cokg.errors import CokgError, NetworkRefused, ParameterError
from cokg.models import QueryResult
from cokg.namespaces import COKGID, PREFIXES, sparql_prologue
from cokg.serve import render
from cokg.serve.pool import (
    GRAPH_FORMATS,
    RESULT_FORMATS,
    XSD_STRING,
    QueryPool,
    QueryRefused,
    QueryTimeout,
    ServiceBusy,
    WorkerLost,
)
from cokg.serve.protocol import (
    GRAPH_TYPES,
    HTML,
    RESULT_TYPES,
    choose,
    graph_iris,
    screen_request,
    service_base,
    unknown_format,
    unshift_positions,
    with_base,
)
from cokg.serve.render import esc, page, table, term_html
from cokg.sparql import UpdateRefused, bind

MAX_QUERY_BYTES = 256 * 1024
TRUNCATED = "X-Cokg-Truncated"


@dataclass(frozen=True)
class ServeSettings:
    timeout: float = 10.0  # seconds a query may run before its worker is killed
    limit: int = 10_000  # rows (or triples) returned at most; more is cut and flagged
    per_client: int = 2  # queries one client address may have running at once; more get 429


# -- a read-only Store over the pool (so saved queries run under the same timeout and limit) --


def _from_wire(t: tuple | None) -> Node | None:
    if t is None:
        return None
    if t[0] == "uri":
        return URIRef(t[1])
    if t[0] == "bnode":
        return BNode(t[1])
    _, value, datatype, lang = t
    if lang:
        return Literal(value, lang=lang)
    if datatype and datatype != XSD_STRING:
        return Literal(value, datatype=URIRef(datatype))
    return Literal(value)


class PoolStore:
    """The `Store` protocol's query side over the worker pool; writes are refused.

    One instance per request: `truncated` records whether any query it ran hit the limit.
    """

    def __init__(self, pool: QueryPool, settings: ServeSettings) -> None:
        self.pool = pool
        self.settings = settings
        self.truncated = False

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        timeout: float | None = None,
        memory_mb: int | None = None,  # the pool's workers have their own cap
        internal: bool = False,  # every query runs in a worker here
    ) -> QueryResult:
        # Screened like any query, then bound as a VALUES block of validated terms (pyoxigraph's
        # substitutions reach projected variables only).
        text = bind(screen_request(sparql), bindings)
        task = {"op": "rows", "query": text, "limit": self.settings.limit, "bindings": {}}
        run_timeout = (
            self.settings.timeout if timeout is None else min(timeout, self.settings.timeout)
        )
        out = self.pool.run(task, timeout=run_timeout)
        self.truncated = self.truncated or out["truncated"]
        if out["kind"] == "ask":
            return QueryResult(kind="ask", boolean=out["boolean"])
        if out["kind"] == "graph":
            triples = [tuple(_from_wire(x) for x in t) for t in out["triples"]]
            return QueryResult(kind="graph", triples=triples)
        variables = out["variables"]
        rows = [
            {v: _from_wire(t) for v, t in zip(variables, row, strict=True)} for row in out["rows"]
        ]
        return QueryResult(kind="select", variables=variables, rows=rows)

    def _read_only(self, *args: Any, **kwargs: Any) -> None:
        from cokg.errors import StoreError

        raise StoreError("the served store is read-only")

    replace_graphs = load_files = drop_graphs = _read_only

    def close(self) -> None:
        pass


# -- error responses -------------------------------------------------------------------


def _error(request_wants_html: bool, status: int, message: str, *, code: str) -> Response:
    headers = {"X-Cokg-Error": code}
    if status in (429, 503):
        headers["Retry-After"] = "1"
    if request_wants_html:
        title = {400: "Bad request", 403: "Refused", 404: "Not found", 406: "Not acceptable"}.get(
            status, "Query stopped" if status == 503 else "Error"
        )
        return HTMLResponse(page(title, render.error_box(message)), status, headers=headers)
    return PlainTextResponse(message + "\n", status, headers=headers)


def _error_for(exc: Exception, wants_html: bool) -> Response:
    if isinstance(exc, QueryTimeout):
        return _error(wants_html, 503, str(exc), code="timeout")
    if isinstance(exc, WorkerLost):
        return _error(wants_html, 503, str(exc), code="worker-lost")
    if isinstance(exc, ServiceBusy):
        return _error(wants_html, 503, str(exc), code="busy")
    if isinstance(exc, NetworkRefused):
        return _error(wants_html, 403, str(exc), code="network-refused")
    if isinstance(exc, UpdateRefused):
        return _error(wants_html, 403, "this endpoint is read-only: " + str(exc), code="update")
    if isinstance(exc, QueryRefused):
        status = {"update": 403, "unacceptable": 406}.get(exc.reason, 400)
        return _error(wants_html, status, str(exc), code=exc.reason)
    if isinstance(exc, ParameterError):
        return _error(wants_html, 400, str(exc), code="parameter")
    if isinstance(exc, CokgError):
        return _error(wants_html, 400, str(exc), code="query")
    raise exc


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept


# -- the application -------------------------------------------------------------------


def create_app(
    pool: QueryPool, settings: ServeSettings | None = None, *, own_pool: bool = False
) -> Starlette:
    """The web application over a started pool (closed at shutdown when `own_pool`)."""
    settings = settings or ServeSettings()

    cache: dict[str, list[Any]] = {}

    def saved_queries() -> list[Any]:
        # Read once: the server serves the queries it started with, like the data.
        if "queries" not in cache:
            from cokg.query import list_queries

            cache["queries"] = list_queries()
        return cache["queries"]

    async def run(task: dict[str, Any]) -> dict[str, Any]:
        return await anyio.to_thread.run_sync(pool.run, task)

    async def in_thread(func: Any, *args: Any, **kwargs: Any) -> Any:
        return await anyio.to_thread.run_sync(lambda: func(*args, **kwargs))

    # ---- /sparql ----------------------------------------------------------------------
    inflight: dict[str, int] = {}  # per client address; the event loop is one thread

    async def sparql(request: Request) -> Response:
        client = request.client.host if request.client else "-"
        if inflight.get(client, 0) >= settings.per_client:
            return _error(
                False,
                429,
                f"too many queries at once from one client (at most {settings.per_client})",
                code="busy",
            )
        inflight[client] = inflight.get(client, 0) + 1
        try:
            return await sparql_request(request)
        finally:
            inflight[client] -= 1
            if not inflight[client]:
                del inflight[client]

    async def sparql_request(request: Request) -> Response:
        params = {k: request.query_params.getlist(k) for k in request.query_params}
        query_text: str | None = None
        if request.method == "POST":
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            body = await request.body()
            if len(body) > MAX_QUERY_BYTES:
                return _error(False, 413, "query too long", code="too-long")
            if ctype == "application/sparql-update":
                return _error(
                    False,
                    403,
                    "this endpoint is read-only: SPARQL updates are refused",
                    code="update",
                )
            if ctype == "application/sparql-query":
                try:
                    query_text = body.decode("utf-8")
                except UnicodeDecodeError:
                    return _error(False, 400, "the query is not UTF-8", code="encoding")
            elif ctype == "application/x-www-form-urlencoded":
                try:
                    form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
                except UnicodeDecodeError:
                    return _error(False, 400, "the form is not UTF-8", code="encoding")
                for k, v in form.items():
                    params.setdefault(k, []).extend(v)
            else:
                return _error(
                    False,
                    415,
                    "POST a query as application/sparql-query or as a form (query=...)",
                    code="content-type",
                )
        if "update" in params:
            return _error(
                False, 403, "this endpoint is read-only: SPARQL updates are refused", code="update"
            )
        if query_text is None:
            queries = params.get("query", [])
            if len(queries) > 1:
                return _error(False, 400, "give exactly one query parameter", code="protocol")
            query_text = queries[0] if queries else None
        elif "query" in params:
            return _error(
                False, 400, "give the query either in the body or as a parameter", code="protocol"
            )
        fmt = (params.get("format") or [None])[0]
        if query_text is None:
            if _wants_html(request) or fmt == "html":
                return HTMLResponse(page("SPARQL endpoint", _sparql_form("")))
            return _error(False, 400, "missing query parameter", code="protocol")
        if len(query_text.encode("utf-8")) > MAX_QUERY_BYTES:
            return _error(False, 413, "query too long", code="too-long")

        bad_format = unknown_format(fmt)
        if bad_format:
            return _error(False, 400, bad_format, code="format")
        res_type, graph_type = choose(request.headers.get("accept"), fmt, html=True)
        if res_type is None and graph_type is None:  # nothing to answer in: refuse before running
            offered = ", ".join([*RESULT_TYPES, *GRAPH_TYPES, HTML])
            return _error(
                False, 406, f"no acceptable media type; offered: {offered}", code="unacceptable"
            )
        html_wanted = HTML in (res_type, graph_type)
        # Relative IRIs in the query resolve against the endpoint's URL (SPARQL 1.1 Protocol).
        based = with_base(query_text, service_base(str(request.url)))
        try:
            screened = screen_request(query_text)
            default_graph = graph_iris(params.get("default-graph-uri"), "default-graph-uri")
            named_graphs = graph_iris(params.get("named-graph-uri"), "named-graph-uri")
            if html_wanted:
                store = PoolStore(pool, settings)
                result = await in_thread(store.query, based)
                body = _sparql_form(query_text) + _result_html(result, store.truncated, settings)
                return HTMLResponse(
                    page("SPARQL endpoint", body),
                    headers={TRUNCATED: str(store.truncated).lower()},
                )
            task = {
                "op": "protocol",
                "query": based,
                "limit": settings.limit,
                "result_format": (res_type, RESULT_FORMATS[res_type]) if res_type else None,
                "graph_format": (graph_type, GRAPH_FORMATS[graph_type]) if graph_type else None,
                "default_graph": default_graph,
                "named_graphs": named_graphs,
                "union": not screened.dataset and not named_graphs,
                "prefixes": PREFIXES,
            }
            out = await run(task)
        except Exception as exc:
            if isinstance(exc, QueryRefused):  # positions in the client's text, not in `based`
                exc = QueryRefused(unshift_positions(str(exc)), reason=exc.reason)
            return _error_for(exc, html_wanted)
        media = out["media_type"]
        charset = "" if media.startswith("application/sparql-results") else "; charset=utf-8"
        headers = {
            TRUNCATED: str(out["truncated"]).lower(),
            "X-Cokg-Result-Count": str(out["count"]),
            "Vary": "Accept",
        }
        if out["truncated"]:
            headers["X-Cokg-Result-Limit"] = str(settings.limit)
        return Response(out["body"], media_type=media + charset, headers=headers)

    # ---- / and /query/<name> ----------------------------------------------------------
    async def index(request: Request) -> Response:
        saved = await in_thread(saved_queries)
        sections = []
        for q in saved:
            sections.append(_query_section(q))
        intro = (
            "<p>Saved queries answer the study's competency questions. Choose parameters and run "
            "one to see its result as a table; every table can also be fetched as CSV or JSON. "
            'Or write your own on the <a href="/sparql">SPARQL endpoint</a>.</p>'
        )
        return HTMLResponse(page("Saved queries", intro + "".join(sections)))

    async def saved_query(request: Request) -> Response:
        from cokg.query import run_query

        name = request.path_params["name"]
        saved = {q.name: q for q in await in_thread(saved_queries)}
        q = saved.get(name)
        fmt = request.query_params.get("format")
        wants_html = fmt in (None, "", "html")
        if q is None:
            return _error(wants_html, 404, f"no saved query named {name!r}", code="not-found")
        params = {k: v for k, v in request.query_params.items() if k != "format" and v != ""}
        known = {p.name for p in _params(q)}
        unknown = sorted(set(params) - known)
        if unknown:
            return _error(
                wants_html,
                400,
                f"unknown parameter(s) for {name}: {', '.join(unknown)}",
                code="parameter",
            )
        store = PoolStore(pool, settings)
        try:
            result = await in_thread(run_query, q, store=store, **params)
        except Exception as exc:
            return _error_for(exc, wants_html)
        headers = {TRUNCATED: str(store.truncated).lower()}
        if store.truncated:
            headers["X-Cokg-Result-Limit"] = str(settings.limit)
        if fmt == "csv":
            return Response(_csv(result), media_type="text/csv; charset=utf-8", headers=headers)
        if fmt == "json":
            return Response(
                _json(result), media_type="application/sparql-results+json", headers=headers
            )
        if not wants_html:
            return _error(False, 400, "format must be html, csv or json", code="format")
        body = _query_section(q, values=params, heading=False)
        pivoted = _pivot_html(result)
        display = [v for v in getattr(result, "display", ()) if v in result.variables]
        if pivoted:
            note = render.truncation_note(settings.limit) if store.truncated else ""
            body += note + pivoted
            body += (
                "<details><summary>All columns (one row per result)</summary>"
                + _result_html(result, False, settings)
                + "</details>"
            )
        elif 0 < len(display) < len(result.variables):
            body += _result_html(result, store.truncated, settings, columns=display)
            body += (
                "<details><summary>All columns, with links</summary>"
                + _result_html(result, False, settings)
                + "</details>"
            )
        else:
            body += _result_html(result, store.truncated, settings)
        return HTMLResponse(page(_summary(q), body), headers=headers)

    # ---- /case/<id> -------------------------------------------------------------------
    async def case_page(request: Request) -> Response:
        case_id = request.path_params["case_id"]
        store = PoolStore(pool, settings)
        try:
            body, title = await in_thread(_case_body, store, case_id)
        except LookupError:
            return _error(True, 404, f"no case with id {case_id!r}", code="not-found")
        except Exception as exc:
            return _error_for(exc, True)
        if store.truncated:
            body = render.truncation_note(settings.limit) + body
        return HTMLResponse(page(title, body), headers={TRUNCATED: str(store.truncated).lower()})

    # ---- /id/... and /resource?iri= ---------------------------------------------------
    async def entity(request: Request) -> Response:
        return await _describe(request, str(COKGID) + request.path_params["path"])

    async def resource(request: Request) -> Response:
        iri = request.query_params.get("iri", "")
        if not iri or any(c in iri for c in '<>" {}|\\^`') or ":" not in iri:
            return _error(_wants_html(request), 400, "give an absolute IRI: ?iri=...", code="iri")
        if iri.startswith(str(COKGID)) and len(iri) > len(str(COKGID)):
            return RedirectResponse(render.href_for(iri), status_code=303)
        return await _describe(request, iri)

    async def _describe(request: Request, iri: str) -> Response:
        fmt = request.query_params.get("format")
        _, graph_type = choose(request.headers.get("accept"), fmt, html=True)
        if graph_type is None:
            return _error(
                False, 406, "offered: text/html, " + ", ".join(GRAPH_TYPES), code="unacceptable"
            )
        store = PoolStore(pool, settings)
        try:
            if graph_type == HTML:
                body, title = await in_thread(_resource_body, store, iri)
                return HTMLResponse(
                    page(title, body),
                    headers={"Vary": "Accept", TRUNCATED: str(store.truncated).lower()},
                )
            exists = await in_thread(
                store.query,
                "ASK { { ?s ?p ?o } UNION { ?x ?y ?s } }",
                bindings={"s": URIRef(iri)},
            )
            if not exists.boolean:
                return _error(False, 404, f"nothing is known about <{iri}>", code="not-found")
            out = await run(
                {
                    "op": "protocol",
                    "query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                    "bindings": {"s": ("uri", iri)},
                    "limit": settings.limit,
                    "result_format": None,
                    "graph_format": (graph_type, GRAPH_FORMATS[graph_type]),
                    "prefixes": PREFIXES,
                }
            )
        except LookupError:
            return _error(True, 404, f"nothing is known about <{iri}>", code="not-found")
        except Exception as exc:
            return _error_for(exc, graph_type == HTML)
        return Response(
            out["body"],
            media_type=graph_type + "; charset=utf-8",
            headers={"Vary": "Accept", TRUNCATED: str(out["truncated"]).lower()},
        )

    async def style(request: Request) -> Response:
        return Response(
            render.template_text("style.css"),
            media_type="text/css; charset=utf-8",
            headers={"Cache-Control": "max-age=300"},
        )

    async def status(request: Request) -> Response:
        return Response(
            json.dumps(
                {
                    "workers": pool.size,
                    "timeout_s": settings.timeout,
                    "result_limit": settings.limit,
                    "queries_run": pool.stats.tasks,
                    "workers_killed_on_timeout": pool.stats.killed_timeout,
                    "workers_lost": pool.stats.lost,
                }
            ),
            media_type="application/json",
        )

    @asynccontextmanager
    async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
        try:
            store = PoolStore(pool, settings)
            render.CASE_LINKS[:] = await in_thread(_case_links, store)
        except Exception:  # the pages still work without the navigation links
            render.CASE_LINKS[:] = []
        yield
        if own_pool:
            pool.close()

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Route("/query/{name}", saved_query, methods=["GET"]),
        Route("/case/{case_id}", case_page, methods=["GET"]),
        Route("/id/{path:path}", entity, methods=["GET"]),
        Route("/resource", resource, methods=["GET"]),
        Route("/style.css", style, methods=["GET"]),
        Route("/status", status, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


# -- saved queries as HTML ----------------------------------------------------------------


def _params(q: Any) -> list[Any]:
    return list(getattr(q, "params", None) or [])


def _summary(q: Any) -> str:
    return getattr(q, "summary", None) or getattr(q, "title", None) or q.name


def _choices(p: Any) -> list[tuple[str, str]]:
    """(value, label) options for a parameter with a closed set of values, else []."""
    kind = getattr(p, "type", "")
    if kind == "case":
        return [(cid, f"{label} ({cid})") for cid, label in render.CASE_LINKS]
    if kind == "iri" and getattr(p, "values", None):
        return [(v, v) for v, _ in p.values]
    allowed = [str(a) for a in getattr(p, "allowed", None) or ()]
    if not allowed and kind == "phase":
        allowed = ["adoption", "implementation", "assimilation"]
    return [(a, a) for a in allowed]


def _pivot_html(result: Any) -> str:
    """The paper's layout (rows x cases, bullets in cells) for answers that declare a pivot."""
    spec = getattr(result, "pivot", None)
    if spec is None or getattr(result, "kind", "") != "select" or not result.rows:
        return ""
    from cokg.query import pivot

    try:
        pt = pivot(result)
    except CokgError:
        return ""
    rows = []
    for key, cells in pt.rows:
        rows.append([esc(key)] + [_cell(items) for items in cells])
    return table(list(pt.header), rows, cls="pivot", caption="As in the paper", row_headers=True)


def _cell(items: tuple[str, ...]) -> str:
    if not items:
        return ""
    if len(items) == 1:
        return esc(items[0])
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def _query_section(q: Any, *, values: Mapping[str, str] | None = None, heading: bool = True) -> str:
    values = values or {}
    desc = getattr(q, "description", None) or ""
    controls = []
    for p in _params(q):
        pid = f"{q.name}--{p.name}"
        choices = _choices(p)
        req = " required" if getattr(p, "required", False) else ""
        default = getattr(p, "default", None)
        current = values.get(p.name, "" if default is None else str(default))
        help_text = getattr(p, "description", None) or ""
        if choices:
            opts = []
            if default is None and not getattr(p, "required", False):
                opts.append('<option value="">(all)</option>')
            for value, label in choices:
                sel = " selected" if value == current else ""
                opts.append(f'<option value="{esc(value)}"{sel}>{esc(label)}</option>')
            control = f'<select id="{esc(pid)}" name="{esc(p.name)}">{"".join(opts)}</select>'
        else:
            control = (
                f'<input id="{esc(pid)}" name="{esc(p.name)}" value="{esc(current)}"{req} '
                f'placeholder="{esc(getattr(p, "type", "") or "")}">'
            )
        title = f' title="{esc(help_text)}"' if help_text else ""
        controls.append(f'<label for="{esc(pid)}"{title}>{esc(p.name)} {control}</label>')
    action = f"/query/{quote(q.name)}"
    query_string = urlencode({k: v for k, v in values.items() if v})
    sep = "&amp;" if query_string else ""
    links = (
        f'<a href="{esc(action)}?{esc(query_string)}{sep}format=csv">CSV</a> · '
        f'<a href="{esc(action)}?{esc(query_string)}{sep}format=json">JSON</a>'
    )
    form = (
        f'<form class="params" method="get" action="{esc(action)}" '
        f'aria-label="Run {esc(q.name)}">{"".join(controls)}'
        f'<button type="submit">Run</button> <span class="muted">{links}</span></form>'
    )
    head = (
        f'<h2 id="{esc(q.name)}"><a href="{esc(action)}">{esc(_summary(q))}</a></h2>'
        f'<p class="muted"><code>{esc(q.name)}</code></p>'
        if heading
        else f'<p class="muted"><code>{esc(q.name)}</code></p>'
    )
    return f'<section class="query">{head}<p>{esc(desc)}</p>{form}</section>'


def _term_rows(result: Any) -> list[Mapping[str, Node | None]]:
    """Rows as RDF terms by variable, from a store's QueryResult or a saved query's answer."""
    return [getattr(r, "terms", r) for r in result.rows]


def _result_html(
    result: Any, truncated: bool, settings: ServeSettings, columns: list[str] | None = None
) -> str:
    note = render.truncation_note(settings.limit) if truncated else ""
    if result.kind == "ask":
        return note + f"<p>Answer: <strong>{'yes' if result.boolean else 'no'}</strong></p>"
    if result.kind == "graph":
        rows = [[term_html(s), term_html(p), term_html(o)] for s, p, o in result.triples or []]
        count = f'<p class="muted">{len(rows)} triples</p>'
        return note + count + table(["subject", "predicate", "object"], rows)
    cols = columns or list(result.variables)
    rows = [[term_html(r.get(v)) for v in cols] for r in _term_rows(result)]
    count = f'<p class="muted">{len(rows)} rows</p>'
    return note + count + table(cols, rows, cls="results")


def _csv(result: Any) -> bytes:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    if result.kind == "ask":
        w.writerow(["_askResult"])
        w.writerow(["true" if result.boolean else "false"])
    elif result.kind == "graph":
        w.writerow(["subject", "predicate", "object"])
        w.writerows([[str(x) for x in t] for t in result.triples or []])
    else:
        w.writerow(result.variables)
        for r in _term_rows(result):
            w.writerow(["" if r.get(v) is None else str(r.get(v)) for v in result.variables])
    return buf.getvalue().encode("utf-8")


def _json_term(t: Node) -> dict[str, str]:
    if isinstance(t, URIRef):
        return {"type": "uri", "value": str(t)}
    if isinstance(t, BNode):
        return {"type": "bnode", "value": str(t)}
    out = {"type": "literal", "value": str(t)}
    if isinstance(t, Literal) and t.language:
        out["xml:lang"] = t.language
    elif isinstance(t, Literal) and t.datatype and str(t.datatype) != XSD_STRING:
        out["datatype"] = str(t.datatype)
    return out


def _json(result: Any) -> bytes:
    if result.kind == "ask":
        doc: dict[str, Any] = {"head": {}, "boolean": bool(result.boolean)}
    elif result.kind == "graph":
        doc = {
            "head": {"vars": ["subject", "predicate", "object"]},
            "results": {
                "bindings": [
                    dict(zip(["subject", "predicate", "object"], map(_json_term, t), strict=True))
                    for t in result.triples or []
                ]
            },
        }
    else:
        doc = {
            "head": {"vars": list(result.variables)},
            "results": {
                "bindings": [
                    {v: _json_term(r[v]) for v in result.variables if r.get(v) is not None}
                    for r in _term_rows(result)
                ]
            },
        }
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def _sparql_form(text: str) -> str:
    example = text or (
        "PREFIX cokg: <https://w3id.org/cokg/ontology#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?case ?label WHERE { ?case a cokg:Case ; rdfs:label ?label }"
    )
    return (
        '<form method="get" action="/sparql" aria-label="SPARQL query">'
        '<label for="sparql-query">Query (read-only; SERVICE and LOAD are refused)</label>'
        f'<textarea id="sparql-query" name="query" rows="10">{esc(example)}</textarea>'
        '<p><button type="submit">Run</button></p></form>'
    )


# -- case pages -------------------------------------------------------------------------

PRO = sparql_prologue()


def _case_links(store: PoolStore) -> list[tuple[str, str]]:
    r = store.query(
        PRO + "SELECT ?id ?n ?label WHERE { ?c a cokg:Case ; cokg:caseId ?id ; rdfs:label ?label "
        "OPTIONAL { ?c cokg:caseNumber ?n } } ORDER BY ?n ?id"
    )
    return [(str(row["id"]), str(row["label"])) for row in r.rows]


def _values(store: PoolStore, sparql: str, case: URIRef) -> list[dict[str, Node | None]]:
    return store.query(PRO + sparql, bindings={"c": case}).rows


CASE_FACTS = [
    ("caseNumber", "Case number"),
    ("locationText", "Location"),
    ("administrationText", "Administration"),
    ("servedGroupText", "Structurally vulnerable group served"),
    ("coproductionApproach", "Coproduction approach"),
    ("addressingStructuralVulnerability", "Addressing structural vulnerability"),
    ("coproductionStartYear", "Coproduction started"),
    ("interviewsFrom", "Interviews from"),
    ("interviewsTo", "Interviews to"),
    ("informantInterviewCount", "Key-informant interviews"),
    ("documentsReviewedCount", "Documents reviewed"),
]


def _case_body(store: PoolStore, case_id: str) -> tuple[str, str]:
    found = store.query(
        PRO + "SELECT ?id ?c ?label WHERE { ?c a cokg:Case ; cokg:caseId ?id ; rdfs:label ?label }",
        bindings={"id": Literal(case_id)},
    ).rows
    if not found:
        raise LookupError(case_id)
    case = found[0]["c"]
    title = str(found[0]["label"])
    parts = [f'<p class="muted">{term_html(case, render.curie(str(case)))}</p>']

    # Tables 1-3: case features.
    facts = _values(
        store,
        "SELECT ?c ?p ?o WHERE { ?c ?p ?o . FILTER(isLiteral(?o)) }",
        case,
    )
    by_prop: dict[str, list[str]] = {}
    for row in facts:
        by_prop.setdefault(str(row["p"]), []).append(esc(row["o"]))
    feature_rows = []
    for local, label in CASE_FACTS:
        vals = by_prop.get(str(PREFIXES["cokg"]) + local)
        if vals:
            feature_rows.append([esc(label), render.bullets(vals)])
    items = _values(
        store,
        "SELECT ?c ?kind ?text ?pos WHERE { { ?c cokg:hasGuidingQuestion ?i BIND(1 AS ?kind) } "
        "UNION { ?c cokg:hasInclusivityPrinciple ?i BIND(2 AS ?kind) } "
        "?i cokg:text ?text OPTIONAL { ?i cokg:position ?pos } } ORDER BY ?kind ?pos ?text",
        case,
    )
    for kind, label in ((1, "Guiding question(s)/aim"), (2, "Inclusivity principles")):
        texts = [esc(r["text"]) for r in items if int(r["kind"].toPython()) == kind]
        if texts:
            feature_rows.append([esc(label), render.bullets(texts)])
    innovation = _values(
        store,
        "SELECT ?c ?i ?label ?nature ?desc WHERE { ?c cokg:studiesInnovation ?i . "
        "OPTIONAL { ?i rdfs:label ?label } "
        "OPTIONAL { ?i cokg:innovationNature/rdfs:label ?nature } "
        "OPTIONAL { ?i cokg:natureDescription ?desc } }",
        case,
    )
    for r in innovation:
        cell = term_html(r["i"], str(r["label"]) if r["label"] else None)
        if r["nature"]:
            cell += f" ({esc(r['nature'])})"
        feature_rows.insert(0, [esc("Innovation"), cell])
    parts.append('<h2 id="features">Case features</h2>')
    parts.append(
        table(
            ["Feature", "Value"],
            feature_rows,
            caption="Tables 1–3: case features",
            row_headers=True,
        )
    )

    # Table 4: health system.
    hs = _values(
        store,
        "SELECT ?c ?h ?model ?funders ?delivery ?country WHERE { ?c cokg:hasHealthSystem ?h . "
        "OPTIONAL { ?h cokg:primaryFundingModel ?model } "
        "OPTIONAL { ?h cokg:primaryFunders ?funders }"
        " OPTIONAL { ?h cokg:serviceDelivery ?delivery } "
        "OPTIONAL { ?h cokg:inCountry/rdfs:label ?country } }",
        case,
    )
    if hs:
        r = hs[0]
        rows = [
            [esc(k), esc(r[v])]
            for k, v in (
                ("Country", "country"),
                ("Primary funding model", "model"),
                ("Primary funders", "funders"),
                ("Service delivery", "delivery"),
            )
            if r[v] is not None
        ]
        parts.append('<h2 id="health-system">Health and social care system</h2>')
        parts.append(
            table(["Feature", "Value"], rows, caption="Table 4: health system", row_headers=True)
        )

    # Timeline (Figures 1-3).
    events = _values(
        store,
        "SELECT ?c ?e ?label ?date ?end ?text ?phase ?type ?desc WHERE { ?e a cokg:Event ; "
        "cokg:inCase ?c ; rdfs:label ?label . OPTIONAL { ?e cokg:date ?d } "
        "OPTIONAL { ?e cokg:startDate ?s } OPTIONAL { ?e cokg:endDate ?end } "
        "OPTIONAL { ?e cokg:dateText ?text } OPTIONAL { ?e cokg:duringPhase/skos:notation ?phase } "
        "OPTIONAL { ?e cokg:eventType/rdfs:label ?type } OPTIONAL { ?e cokg:description ?desc } "
        "BIND(COALESCE(?d, ?s) AS ?date) } ORDER BY (!BOUND(?date)) (STR(?date)) ?label",
        case,
    )
    seen: set[str] = set()
    ev_rows = []
    for r in events:
        if str(r["e"]) in seen:  # several types or phases: first one shown
            continue
        seen.add(str(r["e"]))
        when = esc(r["date"]) + (f"–{esc(r['end'])}" if r["end"] is not None else "")
        if r["text"] is not None:
            when += f' <span class="muted">({esc(r["text"])})</span>'
        ev_rows.append(
            [
                when,
                term_html(r["e"], str(r["label"])),
                esc(r["phase"]),
                esc(r["type"]),
                esc(r["desc"]),
            ]
        )
    parts.append('<h2 id="timeline">Timeline</h2>')
    parts.append(
        table(
            ["When", "Event", "Phase", "Type", "Description"],
            ev_rows,
            caption="Events in date order",
        )
        if ev_rows
        else '<p class="muted">No events recorded.</p>'
    )

    # Findings with their quotations.
    findings = _values(
        store,
        "SELECT ?c ?f ?statement ?phase ?order ?stance ?kind ?q ?qtext ?informant WHERE { "
        "?f cokg:aboutCase ?c ; cokg:statement ?statement . ?f a ?kind . "
        "FILTER(?kind IN (cokg:CrossCaseFinding, cokg:NarrativeFinding)) "
        "OPTIONAL { ?f cokg:inPhase ?ph . ?ph skos:notation ?phase "
        "OPTIONAL { ?ph cokg:phaseOrder ?order } } "
        "OPTIONAL { ?f cokg:stance/skos:notation ?stance } "
        "OPTIONAL { ?q cokg:supports ?f ; a cokg:Quotation ; cokg:text ?qtext "
        "OPTIONAL { ?q cokg:quotedInformant/cokg:informantCode ?informant } } "
        "} ORDER BY ?order ?statement ?q",
        case,
    )
    codes = _values(
        store,
        "SELECT ?c ?f ?concept ?label WHERE { ?f cokg:aboutCase ?c ; cokg:codedTo ?concept . "
        "OPTIONAL { ?concept skos:prefLabel ?label FILTER(langMatches(lang(?label), 'en') "
        "|| lang(?label) = '') } }",
        case,
    )
    coded: dict[str, dict[str, str]] = {}
    for r in codes:
        coded.setdefault(str(r["f"]), {})[str(r["concept"])] = term_html(
            r["concept"], str(r["label"]) if r["label"] else None
        )
    grouped: dict[str, dict[str, Any]] = {}
    for r in findings:
        g = grouped.setdefault(
            str(r["f"]),
            {"row": r, "quotes": [], "seen": set()},
        )
        if r["q"] is not None and str(r["q"]) not in g["seen"]:
            g["seen"].add(str(r["q"]))
            who = f' <span class="muted">— {esc(r["informant"])}</span>' if r["informant"] else ""
            g["quotes"].append(f"<blockquote>{esc(r['qtext'])}{who}</blockquote>")
    f_rows = []
    for key, g in grouped.items():
        r = g["row"]
        kind = "cross-case" if str(r["kind"]).endswith("CrossCaseFinding") else "narrative"
        f_rows.append(
            [
                esc(r["phase"]),
                term_html(r["f"], str(r["statement"])),
                esc(r["stance"]),
                render.bullets(list(coded.get(key, {}).values())),
                "".join(g["quotes"]) + f'<span class="muted">{kind}</span>',
            ]
        )
    parts.append('<h2 id="findings">Findings and their evidence</h2>')
    parts.append(
        table(
            ["Phase", "Finding", "Stance", "Coded to", "Quotations"],
            f_rows,
            caption="Findings with the quotations that support them",
        )
        if f_rows
        else '<p class="muted">No findings recorded.</p>'
    )
    return "".join(parts), title


# -- entity pages ------------------------------------------------------------------------


def _label_query() -> str:
    return (
        "OPTIONAL { ?o rdfs:label ?ol0 "
        "FILTER(lang(?ol0) = '' || langMatches(lang(?ol0), 'en')) } "
        "OPTIONAL { ?o skos:prefLabel ?ol1 "
        "FILTER(lang(?ol1) = '' || langMatches(lang(?ol1), 'en')) } "
        "BIND(COALESCE(?ol0, ?ol1) AS ?olabel) "
    )


def _resource_body(store: PoolStore, iri: str) -> tuple[str, str]:
    node = URIRef(iri)
    out = store.query(
        PRO + "SELECT ?s ?p ?o ?olabel WHERE { ?s ?p ?o . " + _label_query() + "} ORDER BY ?p ?o",
        bindings={"s": node},
    ).rows
    incoming = store.query(
        PRO + "SELECT ?s ?o ?p ?olabel WHERE { ?o ?p ?s . " + _label_query() + "} ORDER BY ?p ?o",
        bindings={"s": node},
    ).rows
    if not out and not incoming:
        raise LookupError(iri)
    title = render.curie(iri)
    for r in out:
        if str(r["p"]) in (PREFIXES["rdfs"] + "label", PREFIXES["skos"] + "prefLabel"):
            title = str(r["o"])
            break
    by_p: dict[str, list[str]] = {}
    for r in out:
        by_p.setdefault(str(r["p"]), []).append(
            term_html(r["o"], str(r["olabel"]) if r["olabel"] is not None else None)
        )
    rows = [
        [term_html(URIRef(p)), render.bullets(list(dict.fromkeys(vals)))]
        for p, vals in by_p.items()
    ]
    alt = render.href_for(iri)
    sep = "&" if "?" in alt else "?"
    parts = [
        f'<p class="muted"><code>{esc(iri)}</code> · also as '
        f'<a href="{esc(alt + sep)}format=ttl">Turtle</a> · '
        f'<a href="{esc(alt + sep)}format=jsonld">JSON-LD</a></p>',
        table(["Property", "Value"], rows, caption="Properties", row_headers=True),
    ]
    if incoming:
        in_rows = [
            [
                term_html(r["o"], str(r["olabel"]) if r["olabel"] is not None else None),
                term_html(r["p"]),
            ]
            for r in incoming
        ]
        parts.append(table(["Subject", "Property"], in_rows, caption="Referenced by"))
    return "".join(parts), title
