"""The saved-query pages: `/` lists the saved queries with a form for each, `/query/<name>` runs
one and shows its answer (as the paper's table when the query declares a pivot), or sends it as
CSV or SPARQL JSON.

A paged query's page shows one page of its answer (`?offset=&limit=`, by default the server's
page size from the first row), the total and links to the pages before and after; a download
is the whole answer unless `offset` or `limit` asks for a page."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from cokg.errors import CokgError, ParameterError
from cokg.query import Page, QueryAnswer, QueryParameter, SavedQuery, pivot, run_query
from cokg.serve import render, results
from cokg.serve.protocol import negotiate
from cokg.serve.render import esc, page, table
from cokg.serve.responses import error, error_for, truncation_headers
from cokg.serve.state import in_thread, served
from cokg.terms import to_wire
from cokg.vocabulary import PHASE_NAMES

DOWNLOADS = {"csv": "text/csv; charset=utf-8", "tsv": "text/tab-separated-values; charset=utf-8",
             "json": "application/sparql-results+json"}  # fmt: skip
RESERVED = ("format", "offset", "limit")  # request parameters that are not the query's
TRIPLE_COLUMNS = ("subject", "predicate", "object")

INTRO = (
    "<p>Saved queries answer the study's competency questions. Choose parameters and run "
    "one to see its result as a table; every table can also be fetched as CSV, TSV or JSON. "
    'Or write your own in the <a href="/editor">query editor</a> or on the '
    '<a href="/sparql">SPARQL endpoint</a>.</p>'
)


async def index(request: Request) -> Response:
    saved = await in_thread(served(request).saved_queries)
    return HTMLResponse(page("Saved queries", INTRO + "".join(map(query_section, saved))))


# Without format=, the Accept header picks a download (curl -H "Accept: text/csv"); HTML is
# offered first, so a browser's list and "*/*" get the page.
_NEGOTIATED = {"text/html": "html", "text/csv": "csv", "text/tab-separated-values": "tsv",
               "application/sparql-results+json": "json", "application/json": "json"}  # fmt: skip


def _negotiated(accept: str | None) -> str | None:
    return _NEGOTIATED.get(negotiate(accept, list(_NEGOTIATED)) or "") if accept else None


async def saved_query(request: Request) -> Response:
    state = served(request)
    name = request.path_params["name"]
    q = {q.name: q for q in await in_thread(state.saved_queries)}.get(name)
    accept = request.headers.get("accept")
    fmt = request.query_params.get("format") or _negotiated(accept)
    wants_html = fmt in (None, "", "html")
    if fmt is None and accept and accept.strip():  # asked for a type this page does not give
        offered = ", ".join(_NEGOTIATED)
        return error(False, 406, f"this page answers {offered} (or ?format=)", code="accept")
    if q is None:
        return error(wants_html, 404, f"no saved query named {name!r}", code="not-found")
    params = {k: v for k, v in request.query_params.items() if k not in RESERVED and v != ""}
    twice = sorted({k for k, v in request.query_params.multi_items()
                    if k not in RESERVED and v not in ("", params.get(k))})  # fmt: skip
    if twice:
        return error(
            wants_html,
            400,
            f"{', '.join(twice)} given twice: a query takes one value per parameter",
            code="parameter",
        )
    unknown = sorted(set(params) - {p.name for p in q.params})
    if unknown:
        return error(
            wants_html,
            400,
            f"unknown parameter(s) for {name}: {', '.join(unknown)}",
            code="parameter",
        )
    missing = missing_values(q, params)
    if missing and wants_html:  # the form to fill in, not an error: the index links here
        body = query_section(q, values=params, heading=False)
        body += f'<p class="muted">Give {esc(" and ".join(missing))} and press Run.</p>'
        return HTMLResponse(page(q.summary or q.name, body))
    store = state.store()
    cap = state.settings.limit
    try:
        limit, offset = page_request(request, q, state.settings.page_size, whole=not wants_html)
        # more rows than the result limit (every row: a download, limit=0): a paged query
        # gives the page of them at the limit, which says where it lies and links to the rest
        # (Link rel="next", X-Cokg-Total), flagged as cut all the same. The server's own page
        # size is no request for rows: a page made smaller by the limit is not flagged.
        wanted = limit
        if cap and q.paged and (limit is None or limit > cap):
            limit = cap
        asked_more = limit != wanted and (wanted is None or not wants_html or _asked(request))
        answer = await in_thread(run_query, q, store=store, limit=limit, offset=offset, **params)
    except Exception as exc:
        return error_for(exc, wants_html)
    limit = cap
    more = answer.page is not None and answer.page.more
    truncated = answer.truncated or (asked_more and more)
    headers = truncation_headers(truncated, limit)
    if fmt in DOWNLOADS:
        headers.update(page_headers(q, params, fmt, answer.page))
        return Response(download(answer, fmt), media_type=DOWNLOADS[fmt], headers=headers)
    if not wants_html:
        return error(False, 400, "format must be html, csv, tsv or json", code="format")
    cut = limit if truncated else None
    body = query_section(q, values=params, heading=False)
    if answer.kind == "select" and not answer.rows and q.empty:
        body += f'<p class="empty">No rows: {render.prose(q.empty)}</p>'

    pivoted = _pivot_html(answer)
    display = [v for v in answer.display if v in answer.variables]
    pager = pager_html(q, params, answer.page)
    count = pager or None  # a page says where it lies instead of "N rows"
    if pivoted:  # whole cases a page: where the page lies and the way on, as for listings
        body += (render.truncation_note(limit) if cut else "") + pivoted + pager
        body += _details("All columns (one row per result)", render.result_html(answer))
    elif 0 < len(display) < len(answer.variables):
        body += render.result_html(answer, truncated_at=cut, columns=display, count=count)
        every = render.result_html(answer, count="" if pager else None)
        body += _details("All columns, with links", every)
        body += pager
    else:
        body += render.result_html(answer, truncated_at=cut, count=count) + pager
    return HTMLResponse(page(q.summary or q.name, body), headers=headers)


def _asked(request: Request) -> bool:
    """Whether the request says how many rows it wants (?limit=, 0 for every row)."""
    return bool(request.query_params.get("limit", "").strip())


def page_request(
    request: Request, q: SavedQuery, page_size: int, *, whole: bool
) -> tuple[int | None, int]:
    """(limit, offset) asked for by `?limit=&offset=`. A paged query's HTML page shows
    `page_size` rows unless told otherwise; a download (`whole`) pages only when asked.
    `limit=0` is every row. ParameterError for what is not a number of rows."""

    def rows(key: str) -> int | None:
        text = request.query_params.get(key, "").strip()
        if not text:
            return None
        if not text.isdigit():
            raise ParameterError(f"{key} must be a number of rows, 0 or more, not {text!r}")
        return int(text)

    limit, offset = rows("limit"), rows("offset") or 0
    if limit is None and not whole and q.paged:
        limit = page_size
    return limit or None, offset


def page_headers(
    q: SavedQuery, values: Mapping[str, str], fmt: str, p: Page | None
) -> dict[str, str]:
    """A downloaded page says it is one, as the CLI's JSON does with `page`: X-Cokg-Total
    (rows in the whole answer), X-Cokg-Offset, and Link rel="next"/"prev" to the pages beside
    it; {} for an answer downloaded whole."""
    if p is None or p.whole:
        return {}

    def href(offset: int) -> str:
        paging = {"offset": str(offset), **({"limit": str(p.limit)} if p.limit else {})}
        return f"/query/{quote(q.name)}?" + urlencode({**values, **paging, "format": fmt})

    links = [f'<{href(o)}>; rel="{rel}"'
             for o, rel in ((p.previous_offset, "prev"), (p.next_offset, "next"))
             if o is not None]  # fmt: skip
    out = {"X-Cokg-Total": str(p.total), "X-Cokg-Offset": str(p.offset)}
    if links:
        out["Link"] = ", ".join(links)
    return out


def pager_html(q: SavedQuery, values: Mapping[str, str], p: Page | None) -> str:
    """Where a page lies in the answer ("Rows 101–200 of 4,231") and links to the pages before
    and after it; "" for an answer shown whole."""
    if p is None or p.whole:
        return ""
    if p.rows:
        where = f"Rows {p.offset + 1:,}–{p.offset + p.rows:,} of {p.total:,}"
    else:
        where = f"No rows from row {p.offset + 1:,}: the answer has {p.total:,}"

    def href(offset: int) -> str:
        paging = {"offset": str(offset), **({"limit": str(p.limit)} if p.limit else {})}
        return f"/query/{quote(q.name)}?" + urlencode({**values, **paging})

    links = []
    if p.previous_offset is not None:
        links.append(f'<a rel="prev" href="{esc(href(p.previous_offset))}">← Previous</a>')
    if p.next_offset is not None:
        links.append(f'<a rel="next" href="{esc(href(p.next_offset))}">Next →</a>')
    return (
        f'<nav class="pager" aria-label="Pages of the answer"><p class="muted">{esc(where)}'
        f"{' · ' if links else ''}{' · '.join(links)}</p></nav>"
    )


def download(answer: QueryAnswer, fmt: str) -> bytes:
    """The answer in a SPARQL 1.1 results format ("csv", "json", "xml" or "tsv")."""
    if answer.kind == "ask":
        return results.boolean_body(fmt, bool(answer.boolean))
    if answer.kind == "graph":
        triples = (tuple(map(to_wire, t)) for t in answer.triples)
        return results.solutions_body(fmt, TRIPLE_COLUMNS, triples)
    rows = (tuple(to_wire(r.terms.get(v)) for v in answer.variables) for r in answer.rows)
    return results.solutions_body(fmt, answer.variables, rows)


def _details(summary: str, html: str) -> str:
    return f"<details><summary>{esc(summary)}</summary>{html}</details>"


def _choices(p: QueryParameter) -> list[tuple[str, str]]:
    """(value, label) options for a parameter with a closed set of values, else []."""
    if p.type == "case":
        return [(cid, f"{label} ({cid})") for cid, label in render.NAVIGATION.get().links]
    if p.type == "study":  # the studies stored (a free-text box made people guess the ids)
        return [(sid, f"{label} ({sid})") for sid, label in render.NAVIGATION.get().studies]
    if p.type == "iri" and p.values:
        return [(v, v) for v, _ in p.values]
    allowed = list(p.allowed)
    if not allowed and p.type == "phase":
        allowed = list(PHASE_NAMES)
    return [(a, a) for a in allowed]


def _pivot_html(answer: QueryAnswer) -> str:
    """The paper's layout (rows x cases, bullets in cells) for answers that declare a pivot."""
    if answer.pivot is None or answer.kind != "select" or not answer.rows:
        return ""
    try:
        pt = pivot(answer)
    except CokgError:
        return ""
    rows = [[esc(key)] + [_cell(items) for items in cells] for key, cells in pt.rows]
    return table(list(pt.header), rows, cls="pivot", caption="As in the paper", row_headers=True)


def _cell(items: tuple[str, ...]) -> str:
    return render.bullets([esc(i) for i in items])


def _control(q: SavedQuery, p: QueryParameter, current: str) -> str:
    """The form control of one parameter: a list of its values where they are known."""
    pid = f"{q.name}--{p.name}"
    choices = _choices(p)
    if p.type == "case":  # a case given by its number is shown selected as its id
        current = render.NAVIGATION.get().numbers.get(current.strip(), current)
    if not choices:
        req = " required" if p.required else ""
        return (
            f'<input id="{esc(pid)}" name="{esc(p.name)}" value="{esc(current)}"{req} '
            f'placeholder="{esc(p.type)}">'
        )
    opts = []
    if p.default is None and not p.required:
        opts.append('<option value="">(all)</option>')
    for value, label in choices:
        sel = " selected" if value == current else ""
        opts.append(f'<option value="{esc(value)}"{sel}>{esc(label)}</option>')
    return f'<select id="{esc(pid)}" name="{esc(p.name)}">{"".join(opts)}</select>'


def missing_values(q: SavedQuery, values: Mapping[str, str]) -> list[str]:
    """The names of the parameters the query cannot run without and `values` lacks."""
    return [p.name for p in q.params if p.required and p.default is None and not values.get(p.name)]


def query_section(
    q: SavedQuery, *, values: Mapping[str, str] | None = None, heading: bool = True
) -> str:
    """A saved query's description, its parameter form and download links."""
    values = values or {}
    controls = []
    for p in q.params:
        current = values.get(p.name, "" if p.default is None else str(p.default))
        control = _control(q, p, current)
        title = f' title="{esc(p.description)}"' if p.description else ""
        pid = f"{q.name}--{p.name}"
        controls.append(f'<label for="{esc(pid)}"{title}>{esc(p.name)} {control}</label>')
    action = f"/query/{quote(q.name)}"
    query_string = urlencode({k: v for k, v in values.items() if v})
    sep = "&amp;" if query_string else ""
    missing = missing_values(q, values)
    if missing:  # a download without them is an error page, not a file
        links = f"give {' and '.join(missing)} to download CSV, TSV or JSON"
    else:
        # `download`: the browser saves the file under the query's name instead of showing
        # the text in the window
        links = " · ".join(
            f'<a href="{esc(action)}?{esc(query_string)}{sep}format={fmt}" '
            f'download="{esc(q.name)}.{fmt}">{fmt.upper()}</a>'
            for fmt in ("csv", "tsv", "json")
        )
    form = (
        f'<form class="params" method="get" action="{esc(action)}" '
        f'aria-label="Run {esc(q.name)}">{"".join(controls)}'
        f'<button type="submit">Run</button> <span class="muted">{links}</span></form>'
    )
    head = f'<p class="muted"><code>{esc(q.name)}</code></p>'
    if heading:
        head = f'<h2 id="{esc(q.name)}"><a href="{esc(action)}">{esc(q.summary)}</a></h2>' + head
    return f'<section class="query">{head}<p>{render.prose(q.description)}</p>{form}</section>'
