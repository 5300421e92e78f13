"""Error responses (an HTML page for browsers, one plain line otherwise) and the result headers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from cokg.errors import CokgError, NetworkRefused, ParameterError
from cokg.serve import render
from cokg.serve.pool import (
    EndpointUnavailable,
    QueryRefused,
    QueryTimeout,
    ServiceBusy,
    WorkerLost,
)
from cokg.sparql import UpdateRefused

TRUNCATED = "X-Cokg-Truncated"  # "true" when an answer was cut at the result limit
RESULT_LIMIT = "X-Cokg-Result-Limit"  # the limit, sent with answers that were cut

_TITLES = {400: "Bad request", 403: "Refused", 404: "Not found", 406: "Not acceptable"}


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def truncation_headers(truncated: bool, limit: int | None = None) -> dict[str, str]:
    """X-Cokg-Truncated, and X-Cokg-Result-Limit with it when `limit` is given and the answer
    was cut."""
    headers = {TRUNCATED: str(truncated).lower()}
    if truncated and limit is not None:
        headers[RESULT_LIMIT] = str(limit)
    return headers


def error(
    html: bool, status: int, message: str, *, code: str, title: str | None = None
) -> Response:
    """An error response; `code` goes in X-Cokg-Error, and 429/503 say when to retry."""
    headers = {"X-Cokg-Error": code}
    if status in (429, 503):
        headers["Retry-After"] = "1"
    if html:
        title = title or _TITLES.get(status, "Query stopped" if status == 503 else "Error")
        return HTMLResponse(render.page(title, render.error_box(message)), status, headers=headers)
    return PlainTextResponse(message + "\n", status, headers=headers)


def error_for(exc: Exception, html: bool) -> Response:
    """The response for an exception from running a query; anything unexpected is re-raised."""
    if isinstance(exc, QueryTimeout):
        return error(html, 503, str(exc), code="timeout")
    if isinstance(exc, WorkerLost):
        return error(html, 503, str(exc), code="worker-lost")
    if isinstance(exc, EndpointUnavailable):
        return error(html, 503, str(exc), code="unavailable", title="Store unavailable")
    if isinstance(exc, ServiceBusy):
        return error(html, 503, str(exc), code="busy")
    if isinstance(exc, NetworkRefused):
        return error(html, 403, str(exc), code="network-refused")
    if isinstance(exc, UpdateRefused):
        return error(html, 403, "this endpoint is read-only: " + str(exc), code="update")
    if isinstance(exc, QueryRefused):
        status = {"update": 403, "unacceptable": 406}.get(exc.reason, 400)
        return error(html, status, str(exc), code=exc.reason)
    if isinstance(exc, ParameterError):
        return error(html, 400, str(exc), code="parameter")
    if isinstance(exc, CokgError):
        return error(html, 400, str(exc), code="query")
    raise exc
