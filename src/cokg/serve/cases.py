"""`/case/<id>`: one case on one page - its features (Tables 1-3), health system (Table 4),
timeline (Figures 1-3) and findings with the quotations that support them. The case's record
in RDF is its IRI's page (`/id/case/<id>`): the page names it as its alternate, and a client
asking /case/<id> for RDF is sent there.

Every part comes from a saved query: `sampling-frame`, `case-features`,
`health-system-features` and `timeline` as users run them, and the internal `cases`,
`case-innovation`, `case-findings` and `case-finding-codes`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from rdflib.term import Node
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from cokg.query import SavedQuery, run_query
from cokg.serve import render
from cokg.serve.poolstore import PoolStore
from cokg.serve.protocol import GRAPH_TYPES, HTML, choose, negotiate
from cokg.serve.render import bullets, esc, table, term_html
from cokg.serve.responses import error, error_for, truncation_headers
from cokg.serve.state import in_thread, served

Rows = list[Mapping[str, Node | None]]
Queries = Callable[[str], SavedQuery]  # a saved query by name

# The rows of the features table after the innovation, in order: (label, where the values come
# from - a column of `sampling-frame` or a feature of `case-features`).
FEATURES = [
    ("Case number", "case_number"),
    ("Location", "Location"),
    ("Administration", "Administration"),
    ("Structurally vulnerable group served", "Structurally vulnerable group served"),
    ("Coproduction approach", "Coproduction approach"),
    ("Addressing structural vulnerability", "Addressing structural vulnerability"),
    ("Coproduction started", "start_year"),
    ("Interviews from", "interviews_from"),
    ("Interviews to", "interviews_to"),
    ("Key-informant interviews", "informant_interviews"),
    ("Documents reviewed", "documents_reviewed"),
    ("Guiding question(s)/aim", "Guiding question(s)/aim"),
    ("Inclusivity principles", "Inclusivity principles"),
]


async def case_page(request: Request) -> Response:
    state = served(request)
    case_id = request.path_params["case_id"]
    store = state.store()
    if case_id.isdigit():  # /case/2, as queries take a case by its number: to its page
        rows = await in_thread(_all_cases, state.query, store)
        ids = [str(r["case_id"]) for r in rows if str(r["case_number"]) == case_id]
        if len(ids) == 1:
            return RedirectResponse(f"/case/{quote(ids[0], safe='')}", status_code=303)
    try:
        case = await in_thread(find_case, store, state.query, case_id)
        format_name = request.query_params.get("format")
        if _wants_rdf(request.headers.get("accept"), format_name):
            # the page is HTML only (a 200 of HTML to `Accept: text/turtle` said nothing of
            # it): the case's RDF is its record's, served at its IRI's page
            where = render.served_href(str(case["case"]))
            if format_name:
                where += ("&" if "?" in where else "?") + "format=" + quote(format_name)
            return RedirectResponse(where, status_code=303, headers={"Vary": "Accept"})
        body, title = await in_thread(case_body, store, state.query, case_id)
    except LookupError:
        return error(True, 404, f"no case with id {case_id!r}", code="not-found")
    except Exception as exc:
        return error_for(exc, True)
    if store.truncated:
        body = render.truncation_note(state.settings.limit) + body
    alternates = render.rdf_alternates(str(case["case"]))
    headers = {
        **truncation_headers(store.truncated),
        **render.alternates_header(alternates),
        "Vary": "Accept",
    }
    return HTMLResponse(render.page(title, body, alternates=alternates), headers=headers)


def _wants_rdf(accept: str | None, format_name: str | None) -> bool:
    """Whether the client asks for RDF rather than the page: `?format=ttl` (or jsonld, nt,
    rdfxml), or an Accept header preferring an RDF type to HTML. `*/*` (curl, scripts) keeps
    getting the page, as before."""
    if format_name:
        return choose(None, format_name, html=True)[1] in GRAPH_TYPES
    return negotiate(accept, [HTML, *GRAPH_TYPES]) in GRAPH_TYPES


def _all_cases(queries: Queries, store: PoolStore) -> Rows:
    """Every case (the saved query `cases`), however many: the pages' own bookkeeping, which
    the server's result limit does not cut (a store of more cases than --limit hid some from
    the navigation and answered 404 for their pages)."""
    return list(store.query(queries("cases").body, bookkeeping=True).rows)


def _rows(queries: Queries, store: PoolStore, name: str, **params: Any) -> Rows:
    """The rows of a saved query as RDF terms by variable."""
    return [row.terms for row in run_query(queries(name), store=store, **params)]


def navigation(store: PoolStore, queries: Queries) -> render.Navigation:
    """Every case's id and name in case-number order (the pages' navigation), and the case
    numbers that name one case (`?case=2`, as the queries take a case)."""
    rows = _all_cases(queries, store)
    by_number: dict[str, list[str]] = {}
    for r in rows:
        if r["case_number"] is not None:
            by_number.setdefault(str(r["case_number"]), []).append(str(r["case_id"]))
    studies = store.query(queries("studies").body, bookkeeping=True).rows
    return render.Navigation(
        links=tuple((str(r["case_id"]), str(r["label"])) for r in rows),
        numbers={n: ids[0] for n, ids in by_number.items() if len(ids) == 1},
        studies=tuple(
            (str(r["study_id"]), str(r.get("label") or r["study_id"]))
            for r in studies
            if r["study_id"] is not None
        ),
    )


def find_case(store: PoolStore, queries: Queries, case_id: str) -> Mapping[str, Node | None]:
    """The `cases` row of the case `case_id` (case, case_id, label, ...); LookupError when
    there is no such case."""
    found = [r for r in _all_cases(queries, store) if str(r["case_id"]) == case_id]
    if not found:  # /case/Dundee-MRR: the page of dundee-mrr, as the queries take the id
        found = [
            r
            for r in _all_cases(queries, store)
            if str(r["case_id"]).casefold() == case_id.casefold()
        ]
    if not found or found[0]["case"] is None:
        raise LookupError(case_id)
    return found[0]


def case_body(store: PoolStore, queries: Queries, case_id: str) -> tuple[str, str]:
    """The case page's body and title; LookupError when there is no such case."""
    row = find_case(store, queries, case_id)
    case = row["case"]
    assert case is not None
    case_iri = str(case)
    return "".join(
        [
            f'<p class="muted">{term_html(case, render.curie(case_iri))}</p>',
            _features(queries, store, case_id, case_iri),
            _health_system(queries, store, case_id),
            _timeline(queries, store, case_id),
            _findings(queries, store, case_iri),
        ]
    ), str(row["label"])


def _features(queries: Queries, store: PoolStore, case_id: str, case_iri: str) -> str:
    """Tables 1-3: the innovation, then the sampling frame's and the case features' values."""
    values: dict[str, list[str]] = {}
    for r in _rows(queries, store, "sampling-frame"):
        if r["case_id"] is not None and str(r["case_id"]) == case_id:
            for column, term in r.items():
                if term is not None:
                    values.setdefault(column, []).append(esc(term))
    for r in _rows(queries, store, "case-features", case=case_id):
        values.setdefault(str(r["feature"]), []).append(esc(r["value"]))
    rows = [
        [esc(label), bullets(list(dict.fromkeys(values[key])))]
        for label, key in FEATURES
        if values.get(key)
    ]
    for r in _rows(queries, store, "case-innovation", case_iri=case_iri):
        cell = term_html(r["innovation"], str(r["label"]) if r["label"] else None)
        if r["nature"]:
            cell += f" ({esc(r['nature'])})"
        rows.insert(0, [esc("Innovation"), cell])
    return '<h2 id="features">Case features</h2>' + table(
        ["Feature", "Value"], rows, caption="Tables 1–3: case features", row_headers=True
    )


def _health_system(queries: Queries, store: PoolStore, case_id: str) -> str:
    """Table 4: the country, funding and service delivery of the case's health system."""
    found = _rows(queries, store, "health-system-features", case=case_id)
    if not found:
        return ""
    values: dict[str, list[str]] = {}
    country = next((r["country"] for r in found if r["country"] is not None), None)
    if country is not None:
        values["Country"] = [esc(country)]
    for r in found:
        values.setdefault(str(r["feature"]), []).append(esc(r["value"]))
    rows = [[esc(k), bullets(list(dict.fromkeys(v)))] for k, v in values.items()]
    return '<h2 id="health-system">Health and social care system</h2>' + table(
        ["Feature", "Value"], rows, caption="Table 4: health system", row_headers=True
    )


def _timeline(queries: Queries, store: PoolStore, case_id: str) -> str:
    """Figures 1-3: the case's events in date order."""
    seen: set[str] = set()
    rows = []
    for r in _rows(queries, store, "timeline", case=case_id):
        if str(r["iri"]) in seen:  # several types or phases: the first one shown
            continue
        seen.add(str(r["iri"]))
        when = esc(r["date"]) + (f"–{esc(r['end_date'])}" if r["end_date"] is not None else "")
        if r["date_text"] is not None:
            when += f' <span class="muted">({esc(r["date_text"])})</span>'
        rows.append(
            [
                when,
                term_html(r["iri"], str(r["event"])),
                esc(r["phase"]),
                esc(r["event_type"]),
                esc(r["description"]),
            ]
        )
    if not rows:
        return '<h2 id="timeline">Timeline</h2><p class="muted">No events recorded.</p>'
    return '<h2 id="timeline">Timeline</h2>' + table(
        ["When", "Event", "Phase", "Type", "Description"], rows, caption="Events in date order"
    )


def _findings(queries: Queries, store: PoolStore, case_iri: str) -> str:
    """The case's findings, each with its phase, stance, codes and supporting quotations."""
    coded: dict[str, dict[str, str]] = {}
    for r in _rows(queries, store, "case-finding-codes", case_iri=case_iri):
        label = str(r["label"]) if r["label"] else None
        coded.setdefault(str(r["finding"]), {})[str(r["construct"])] = term_html(
            r["construct"], label
        )
    grouped: dict[str, dict[str, Any]] = {}
    for r in _rows(queries, store, "case-findings", case_iri=case_iri):
        g = grouped.setdefault(str(r["finding"]), {"row": r, "quotes": [], "seen": set()})
        if r["quotation"] is not None and str(r["quotation"]) not in g["seen"]:
            g["seen"].add(str(r["quotation"]))
            who = f' <span class="muted">— {esc(r["informant"])}</span>' if r["informant"] else ""
            g["quotes"].append(f"<blockquote>{esc(r['text'])}{who}</blockquote>")
    rows = []
    for key, g in grouped.items():
        r = g["row"]
        kind = "cross-case" if str(r["kind"]).endswith("CrossCaseFinding") else "narrative"
        rows.append(
            [
                esc(r["phase"]),
                term_html(r["finding"], str(r["statement"])),
                esc(r["stance"]),
                bullets(list(coded.get(key, {}).values())),
                "".join(g["quotes"]) + f'<span class="muted">{kind}</span>',
            ]
        )
    heading = '<h2 id="findings">Findings and their evidence</h2>'
    if not rows:
        return heading + '<p class="muted">No findings recorded.</p>'
    return heading + table(
        ["Phase", "Finding", "Stance", "Coded to", "Quotations"],
        rows,
        caption="Findings with the quotations that support them",
    )
