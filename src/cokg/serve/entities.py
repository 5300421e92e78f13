"""`/id/<path>` and `/resource?iri=`: what the store says about one resource, as an HTML page
(its properties, and what refers to it) or as RDF (Turtle, JSON-LD, N-Triples, RDF/XML) by
content negotiation. The HTML page names its RDF forms (`<link rel="alternate">`, a `Link`
header and links under its title), each served here.

The internal saved queries `resource-statements`, `resource-references`, `resource-exists` and
`resource-triples` answer them; a property the store uses but states nothing about (defined
outside cokg) has `property-use` and `property-triples`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rdflib.term import URIRef
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from cokg.namespaces import COKGID, PREFIXES
from cokg.query import SavedQuery, bind_parameters, run_query
from cokg.serve import render
from cokg.serve.pool import GRAPH_FORMATS
from cokg.serve.poolstore import PoolStore
from cokg.serve.protocol import GRAPH_TYPES, HTML, choose
from cokg.serve.render import esc, table, term_html
from cokg.serve.responses import TRUNCATED, error, error_for, wants_html
from cokg.serve.state import Served, in_thread, served

LABELS = (PREFIXES["rdfs"] + "label", PREFIXES["skos"] + "prefLabel")  # give a page its title


async def entity(request: Request) -> Response:
    return await _describe(request, str(COKGID) + request.path_params["path"])


async def resource(request: Request) -> Response:
    iri = request.query_params.get("iri", "")
    if not iri or any(c in iri for c in '<>" {}|\\^`') or ":" not in iri:
        return error(wants_html(request), 400, "give an absolute IRI: ?iri=...", code="iri")
    if iri.startswith(str(COKGID)) and len(iri) > len(str(COKGID)):
        return RedirectResponse(render.href_for(iri), status_code=303)
    return await _describe(request, iri)


async def _describe(request: Request, iri: str) -> Response:
    state = served(request)
    _, graph_type = choose(
        request.headers.get("accept"), request.query_params.get("format"), html=True
    )
    if graph_type is None:
        return error(
            False, 406, "offered: text/html, " + ", ".join(GRAPH_TYPES), code="unacceptable"
        )
    store = state.store()
    try:
        if graph_type == HTML:
            body, title = await in_thread(resource_body, store, state.query, iri)
            alternates = render.rdf_alternates(iri)
            return HTMLResponse(
                render.page(title, body, alternates=alternates),
                headers={
                    "Vary": "Accept",
                    TRUNCATED: str(store.truncated).lower(),
                    **render.alternates_header(alternates),
                },
            )
        name = await in_thread(_triples_query, store, state.query, iri)
        if name is None:
            return error(False, 404, f"nothing is known about <{iri}>", code="not-found")
        out = await state.run(_graph_task(state, store, iri, graph_type, name))
    except LookupError:
        return error(True, 404, f"nothing is known about <{iri}>", code="not-found")
    except Exception as exc:
        return error_for(exc, graph_type == HTML)
    return Response(
        out["body"],
        media_type=graph_type + "; charset=utf-8",
        headers={"Vary": "Accept", TRUNCATED: str(out["truncated"]).lower()},
    )


def _triples_query(store: PoolStore, queries: Callable[[str], SavedQuery], iri: str) -> str | None:
    """The saved query giving the resource's RDF: `resource-triples` when the store describes
    it; for what it only uses or refers to (its HTML page answered, its RDF was a 404, or
    empty for owl:Class and xsd:boolean), what that use entails or the statements referring to
    it: `class-triples` for a class (an object of rdf:type, rdfs:range ...),
    `resource-referrers` for another resource, `property-triples` for a property; None when
    it knows nothing of it (as the HTML page: a 404)."""
    if run_query(queries("resource-described"), store=store, iri=iri).rows:
        return "resource-triples"
    if run_query(queries("class-triples"), store=store, iri=iri).rows:
        return "class-triples"
    if run_query(queries("resource-exists"), store=store, iri=iri).rows:
        return "resource-referrers"
    if run_query(queries("property-use"), store=store, iri=iri).rows:
        return "property-triples"
    return None


def _graph_task(
    state: Served, store: PoolStore, iri: str, graph_type: str, name: str
) -> dict[str, Any]:
    """A worker task writing the resource's statements (the saved query `name`) as
    `graph_type`."""
    q = state.query(name)
    bindings, _ = bind_parameters(q, {"iri": iri}, store)
    return {
        "op": "protocol",
        "query": PoolStore.bound(q.body, bindings),
        "rows_as_triples": True,
        "limit": state.settings.limit,
        "result_format": None,
        "graph_format": (graph_type, GRAPH_FORMATS[graph_type]),
        "prefixes": PREFIXES,
        # a record as a document says what the data said, as an export does: the integer
        # types the ontology declares, which the engine keeps as xsd:integer, are given back
        "declared_types": True,
    }


def _property_body(
    store: PoolStore, queries: Callable[[str], SavedQuery], iri: str
) -> tuple[str, str]:
    """The page of a property the store uses but states nothing about (defined outside cokg:
    prov:wasAttributedTo, dcterms:format); LookupError when it is not used either (the
    provenance pages linked such properties, and each link was a 404)."""
    used = run_query(queries("property-use"), store=store, iri=iri).rows
    if not used:
        raise LookupError(iri)
    example = used[0].terms["subject"]
    shown = f"<code>{esc(iri)}</code>"
    if iri.startswith(("http://", "https://")):  # never a javascript: or data: link
        shown = f'<a href="{esc(iri)}" rel="noreferrer">{shown}</a> (its definition, on the web)'
    body = (
        render.also_as(iri) + f"<p>A property this store uses, defined outside cokg: {shown}. "
        f"For example by {term_html(example)}.</p>"
    )
    return body, render.curie(iri)


def resource_body(
    store: PoolStore, queries: Callable[[str], SavedQuery], iri: str
) -> tuple[str, str]:
    """The resource page's body and title; LookupError when nothing is known about `iri`."""
    statements = run_query(queries("resource-statements"), store=store, iri=iri).rows
    references = run_query(queries("resource-references"), store=store, iri=iri).rows
    if not statements and not references:
        return _property_body(store, queries, iri)
    title = render.curie(iri)
    for r in statements:
        if str(r.terms["predicate"]) in LABELS:
            title = str(r.terms["object"])
            break
    by_property: dict[str, list[str]] = {}
    for r in statements:
        t = r.terms
        label = str(t["object_label"]) if t["object_label"] is not None else None
        by_property.setdefault(str(t["predicate"]), []).append(term_html(t["object"], label))
    rows = [
        [term_html(URIRef(p)), render.bullets(list(dict.fromkeys(values)))]
        for p, values in by_property.items()
    ]
    parts = [
        # served here: the core vocabularies' terms link to their own address elsewhere, where
        # "?format=ttl" was appended to a W3C page that serves no such thing
        render.also_as(iri),
        table(["Property", "Value"], rows, caption="Properties", row_headers=True),
    ]
    if references:
        in_rows = []
        for r in references:
            t = r.terms
            label = str(t["subject_label"]) if t["subject_label"] is not None else None
            in_rows.append([term_html(t["subject"], label), term_html(t["predicate"])])
        parts.append(table(["Subject", "Property"], in_rows, caption="Referenced by"))
    return "".join(parts), title
