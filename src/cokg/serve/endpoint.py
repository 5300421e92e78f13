"""`/sparql`: the read-only SPARQL 1.1 Protocol endpoint (GET, POST of a query or a form), with
an HTML form and result table for browsers.

The request is checked here (size, media types, updates refused, the query screened) and then
answered by a worker, which writes the body in the negotiated format; a client address may
have `ServeSettings.per_client` queries running at once.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from cokg.namespaces import PREFIXES
from cokg.serve.pool import GRAPH_FORMATS, QueryRefused
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
from cokg.serve.render import esc, page, result_html
from cokg.serve.responses import error, error_for, truncation_headers, wants_html
from cokg.serve.results import RESULT_FORMATS
from cokg.serve.state import Served, in_thread, served

MAX_QUERY_BYTES = 256 * 1024
READ_ONLY = "this endpoint is read-only: SPARQL updates are refused"
EXAMPLE = "cases"  # the saved query the empty form shows as an example


async def sparql(request: Request) -> Response:
    """The endpoint, at most `per_client` queries at once from one client address (429)."""
    state = served(request)
    client = request.client.host if request.client else "-"
    inflight = state.inflight
    if inflight.get(client, 0) >= state.settings.per_client:
        return error(
            False,
            429,
            f"too many queries at once from one client (at most {state.settings.per_client})",
            code="busy",
        )
    inflight[client] = inflight.get(client, 0) + 1
    try:
        return await _sparql_request(request, state)
    finally:
        inflight[client] -= 1
        if not inflight[client]:
            del inflight[client]


async def _bounded_body(request: Request) -> bytes | None:
    """The request's body, or None when it is longer than MAX_QUERY_BYTES: read as it comes
    and stopped there, so a client sending gigabytes (chunked, no length) costs the server
    256 KB, not the gigabytes."""
    declared = request.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > MAX_QUERY_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_QUERY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _read_params(request: Request) -> tuple[dict[str, list[str]], str | None] | Response:
    """The request's parameters and the query given as a POST body, or the error response."""
    params = {k: request.query_params.getlist(k) for k in request.query_params}
    if request.method != "POST":
        return params, None
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await _bounded_body(request)
    if body is None:
        return error(False, 413, "query too long", code="too-long")
    if ctype == "application/sparql-update":
        return error(False, 403, READ_ONLY, code="update")
    if ctype == "application/sparql-query":
        try:
            return params, body.decode("utf-8")
        except UnicodeDecodeError:
            return error(False, 400, "the query is not UTF-8", code="encoding")
    if ctype == "application/x-www-form-urlencoded":
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            return error(False, 400, "the form is not UTF-8", code="encoding")
        for k, v in form.items():
            params.setdefault(k, []).extend(v)
        return params, None
    return error(
        False,
        415,
        "POST a query as application/sparql-query or as a form (query=...)",
        code="content-type",
    )


async def _sparql_request(request: Request, state: Served) -> Response:
    got = await _read_params(request)
    if isinstance(got, Response):
        return got
    params, query_text = got
    if "update" in params:
        return error(False, 403, READ_ONLY, code="update")
    if query_text is None:
        queries = params.get("query", [])
        if len(queries) > 1:
            return error(False, 400, "give exactly one query parameter", code="protocol")
        query_text = queries[0] if queries else None
    elif "query" in params:
        return error(
            False, 400, "give the query either in the body or as a parameter", code="protocol"
        )
    formats = params.get("format")
    fmt = formats[0] if formats else None
    if query_text is None:
        if wants_html(request) or fmt == "html":
            return HTMLResponse(page("SPARQL endpoint", sparql_form(state.query(EXAMPLE).body)))
        return error(False, 400, "missing query parameter", code="protocol")
    if len(query_text.encode("utf-8")) > MAX_QUERY_BYTES:
        return error(False, 413, "query too long", code="too-long")

    bad_format = unknown_format(fmt)
    if bad_format:
        return error(False, 400, bad_format, code="format")
    res_type, graph_type = choose(request.headers.get("accept"), fmt, html=True)
    if res_type is None and graph_type is None:  # nothing to answer in: refuse before running
        offered = ", ".join([*RESULT_TYPES, *GRAPH_TYPES, HTML])
        return error(
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
            store = state.store()
            result = await in_thread(store.query, based)
            cut = state.settings.limit if store.truncated else None
            body = sparql_form(query_text or state.query(EXAMPLE).body)
            body += result_html(result, truncated_at=cut)
            return HTMLResponse(
                page("SPARQL endpoint", body), headers=truncation_headers(store.truncated)
            )
        task = {
            "op": "protocol",
            "query": based,
            "limit": state.settings.limit,
            "result_format": (res_type, RESULT_FORMATS[res_type]) if res_type else None,
            "graph_format": (graph_type, GRAPH_FORMATS[graph_type]) if graph_type else None,
            "default_graph": default_graph,
            "named_graphs": named_graphs,
            "union": not screened.dataset and not named_graphs,
            "prefixes": PREFIXES,
            # No "declared_types" (unlike an entity page): a CONSTRUCT or DESCRIBE answer is
            # the query's answer over what the store holds, "4"^^xsd:integer, the term its
            # SELECTs and FILTER(datatype(?v) = ...) see; retyped, the endpoint would
            # contradict itself (and the SPARQL servers cokg pushes to, which answer so too).
            # Records (/id/...) and exports give the declared types back.
        }
        out = await state.run(task)
    except Exception as exc:
        if isinstance(exc, QueryRefused):  # positions in the client's text, not in `based`
            exc = QueryRefused(unshift_positions(str(exc)), reason=exc.reason)
        return error_for(exc, html_wanted)
    media = out["media_type"]
    charset = "" if media.startswith("application/sparql-results") else "; charset=utf-8"
    headers = {
        **truncation_headers(out["truncated"], state.settings.limit),
        "X-Cokg-Result-Count": str(out["count"]),
        "Vary": "Accept",
    }
    return Response(out["body"], media_type=media + charset, headers=headers)


def sparql_form(text: str) -> str:
    """The query form, holding `text`."""
    return (
        '<form method="get" action="/sparql" aria-label="SPARQL query">'
        '<label for="sparql-query">Query (read-only; SERVICE and LOAD are refused)</label>'
        f'<textarea id="sparql-query" name="query" rows="10">{esc(text)}</textarea>'
        '<p><button type="submit">Run</button></p></form>'
    )
