"""`/editor`: a SPARQL query editor (YASGUI) over the served endpoint, with its files served by
cokg itself, so the browser fetches nothing from anywhere else.

YASGUI's browser bundle is not in git: `make editor-deps` (scripts/editor-deps.sh) installs the
version pinned in editor/package-lock.json with npm and copies the bundle into `ASSETS`. Without
it the server runs as before and /editor says how to build the files.

The page opens a tab with the project's prefixes and one tab per saved query, its parameters
bound to their defaults (a VALUES block, as `run_query` binds them). The prefix completion
reads the project's prefixes from /editor/prefixes.json (where YASGUI would otherwise use its
own list or ask prefix.cc), class and property completion (which asks the Linked Open
Vocabularies service) is off, and the only endpoint offered is this server's. The page's
Content-Security-Policy of 'self' makes the browser refuse anything else.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from cokg.errors import CokgError
from cokg.namespaces import PREFIXES, sparql_prologue
from cokg.paths import PACKAGE_DIR
from cokg.query import SavedQuery, bind_parameters
from cokg.serve import render
from cokg.serve.endpoint import EXAMPLE
from cokg.serve.render import esc
from cokg.serve.state import in_thread, served
from cokg.sparql import bind, screen

if TYPE_CHECKING:
    from cokg.store import Store

ASSETS = PACKAGE_DIR / "static" / "yasgui"  # written by scripts/editor-deps.sh, git-ignored
MANIFEST = "yasgui.json"  # which package and version the copied files came from
BUNDLE = {"yasgui.min.js": "text/javascript", "yasgui.min.css": "text/css"}
OWN = {"editor.js": "text/javascript", "editor.css": "text/css"}  # ours, in cokg/templates
CACHE_SECONDS = 86_400  # the page names every file with its version or hash (?v=): safe to keep
CSP = (
    "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'self'"
)
MISSING = (
    "The query editor's files are not built. In the cokg project, run `make editor-deps` "
    "(it runs scripts/editor-deps.sh: npm installs YASGUI as pinned in editor/package-lock.json "
    "and copies it into the package), then restart `cokg serve`. Until then, write queries on "
    "the SPARQL endpoint page (/sparql)."
)
INTRO = (
    '<p class="muted">Write SPARQL with highlighting, completion of the prefixes below (type '
    "<kbd>cokg:</kbd> and the PREFIX line is added) and of variables; run it with the ▶ button "
    "or <kbd>Ctrl</kbd>+<kbd>Enter</kbd>. Each saved query has a tab, its parameters bound to "
    'their defaults. Queries go to this server\'s read-only <a href="/sparql">endpoint</a> '
    "(the same timeout and result limit); nothing is fetched from elsewhere.</p>"
)


@dataclass(frozen=True)
class Tab:
    """An editor tab: its name and the query it opens with."""

    name: str
    query: str


def assets_ready() -> bool:
    """Whether `make editor-deps` has put YASGUI's files where they are served from."""
    return all((ASSETS / name).is_file() for name in (*BUNDLE, MANIFEST))


def bundle_version() -> str:
    """The YASGUI version the served files came from ("" when unknown)."""
    try:
        return str(json.loads((ASSETS / MANIFEST).read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return ""


def saved_query_tab(q: SavedQuery, store: Store) -> Tab:
    """A saved query as the editor opens it: its summary and parameters as comments, the
    parameters that have defaults bound to them in a VALUES block."""
    defaulted = tuple(p for p in q.params if p.default is not None)
    notes = [f"# {q.summary}"] if q.summary else []
    text = q.body
    try:
        bindings, used = bind_parameters(dataclasses.replace(q, params=defaulted), {}, store)
        text = bind(screen(q.body), bindings)
    except CokgError as exc:  # a default the data no longer has: shown unbound, and why
        used = {}
        notes.append("# (defaults not bound: " + " ".join(str(exc).split()) + ")")
    for p in q.params:
        if p.name in used:
            notes.append(
                f"# {p.name} = {used[p.name]} (bound to ?{p.var} by the VALUES clause after WHERE)"
            )
        else:
            need = "needed on its saved-query page; " if p.required else ""
            notes.append(f"# {p.name}: not bound ({need}bind ?{p.var} to choose one)")
    return Tab(q.name, "\n".join(notes) + "\n" + text.strip() + "\n")


def new_query_tab(example: SavedQuery) -> Tab:
    """The first tab: every project prefix declared, then the example the /sparql form shows
    (its own PREFIX lines are among them)."""
    prologue = sparql_prologue()
    declared = set(prologue.splitlines())
    lines = [line for line in example.body.splitlines() if line.strip() not in declared]
    return Tab("Query", prologue + "\n" + "\n".join(lines).strip() + "\n")


def editor_tabs(queries: list[SavedQuery], example: SavedQuery, store: Store) -> list[Tab]:
    """The tabs the editor opens: a new query with the project's prefixes, then the saved
    queries in the order the index page lists them."""
    return [new_query_tab(example), *(saved_query_tab(q, store) for q in queries)]


def _json_for_script(value: object) -> str:
    # Inside <script>, "</script>" or "<!--" in a query's text must not end the element.
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _own_text(name: str) -> str:
    return render.template_text(name)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def asset_url(name: str) -> str:
    """Where the page loads a file from, with its version (YASGUI) or a hash of it (ours)."""
    tag = _digest(_own_text(name).encode("utf-8")) if name in OWN else bundle_version()
    return f"/editor/assets/{name}?v={tag}"


def editor_html(tabs: list[Tab]) -> str:
    config = {
        "endpoint": "/sparql",
        "prefixes_url": "/editor/prefixes.json",
        "tabs": [dataclasses.asdict(t) for t in tabs],
    }
    listed = ", ".join(f"<code>{esc(p)}:</code>" for p in PREFIXES)
    return (
        f'<link rel="stylesheet" href="{esc(asset_url("yasgui.min.css"))}">'
        f'<link rel="stylesheet" href="{esc(asset_url("editor.css"))}">'
        + INTRO
        + f'<details class="muted"><summary>Prefixes</summary><p>{listed}</p></details>'
        + '<div id="yasgui" class="editor"></div>'
        + '<script type="application/json" id="cokg-editor-config">'
        + _json_for_script(config)
        + "</script>"
        + f'<script src="{esc(asset_url("yasgui.min.js"))}"></script>'
        + f'<script src="{esc(asset_url("editor.js"))}"></script>'
    )


async def editor_page(request: Request) -> Response:
    """The editor, or (503) a page saying how to build its files when they are missing."""
    headers = {"Content-Security-Policy": CSP}
    if not assets_ready():
        body = render.error_box(MISSING)
        return HTMLResponse(render.page("Query editor", body), 503, headers=headers)
    state = served(request)
    queries = await in_thread(state.saved_queries)
    example = await in_thread(state.query, EXAMPLE)
    tabs = await in_thread(editor_tabs, queries, example, state.store())
    return HTMLResponse(render.page("Query editor", editor_html(tabs)), headers=headers)


async def editor_prefixes(request: Request) -> Response:
    """The project's prefixes, as YASGUI's prefix completion reads them (prefix -> IRI)."""
    return Response(
        json.dumps(PREFIXES),
        media_type="application/json",
        headers={"Cache-Control": "max-age=300"},
    )


_CACHE: dict[tuple[str, float], tuple[bytes, str]] = {}


def _read(name: str) -> tuple[bytes, str] | None:
    """A served file's bytes and ETag (read once per version on disk), None when missing."""
    if name in OWN:
        data = _own_text(name).encode("utf-8")
        return data, f'"{_digest(data)}"'
    path = ASSETS / name
    try:
        key = (str(path), path.stat().st_mtime)
    except OSError:
        return None
    if key not in _CACHE:
        data = path.read_bytes()
        _CACHE.clear()  # one version of a file at a time
        _CACHE[key] = (data, f'"{_digest(data)}"')
    return _CACHE[key]


async def editor_asset(request: Request) -> Response:
    """One of the editor's files; only the names above, never a path."""
    name = request.path_params["name"]
    media = BUNDLE.get(name) or OWN.get(name)
    if media is None:
        return PlainTextResponse(f"no editor file named {name!r}\n", 404)
    found = await in_thread(_read, name) if name in BUNDLE else _read(name)
    if found is None:
        return PlainTextResponse(MISSING + "\n", 404, headers={"X-Cokg-Error": "not-built"})
    data, etag = found
    headers = {
        "Cache-Control": f"public, max-age={CACHE_SECONDS}",
        "ETag": etag,
        "X-Content-Type-Options": "nosniff",
    }
    if etag in (t.strip() for t in request.headers.get("if-none-match", "").split(",")):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=f"{media}; charset=utf-8", headers=headers)
