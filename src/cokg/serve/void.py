"""`/.well-known/void`: the VoID and DCAT description of the served data (`cokg.linking.void`),
where RFC 8615 and the VoID guide say a client looks for it.

Turtle unless the client asks for JSON-LD, N-Triples or RDF/XML (Accept, or `?format=`). The
description's saved queries run through the worker pool like every page's, so the server's
timeout and result limit hold, and the same handler serves the embedded store and an endpoint
behind `cokg serve --endpoint`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from cokg.linking.void import void_bytes
from cokg.serve.protocol import GRAPH_TYPES, choose, unknown_format
from cokg.serve.responses import error, error_for, truncation_headers
from cokg.serve.state import in_thread, served


async def well_known_void(request: Request) -> Response:
    format_name = request.query_params.get("format")
    bad = unknown_format(format_name)
    if bad:
        return error(False, 400, bad, code="format")
    _, media_type = choose(request.headers.get("accept"), format_name, html=False)
    if media_type not in GRAPH_TYPES:  # nothing acceptable, or ?format=html
        return error(False, 406, "offered: " + ", ".join(GRAPH_TYPES), code="unacceptable")
    state = served(request)
    store = state.store()
    try:
        body = await in_thread(void_bytes, store, media_type)
    except Exception as exc:
        return error_for(exc, False)
    # counts from an answer cut at the result limit are too low: the header says so
    headers = {"Vary": "Accept", **truncation_headers(store.truncated, state.settings.limit)}
    return Response(body, media_type=f"{media_type}; charset=utf-8", headers=headers)
