"""The query editor's routes (/editor, its files, its prefixes) in-process, over real query
workers holding the founding data; the browser test is tests/test_editor_browser.py.

The YASGUI files come from `make editor-deps` (scripts/editor-deps.sh), which `make test`
runs first: expected bytes and versions are read from what npm installed and from the
committed package.json and lock file, not from the server.
"""

from __future__ import annotations

import json
import re
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import RDF, Graph, URIRef

with warnings.catch_warnings():  # Starlette nudges towards httpx2; httpx is what we have
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

import cokg.serve.editor as editor
from cokg.serve import QueryPool, ServeSettings, create_app, snapshot

pytestmark = pytest.mark.timeout(180)

ROOT = Path(__file__).resolve().parents[1]
EDITOR_DIR = ROOT / "editor"
INSTALLED = EDITOR_DIR / "node_modules" / "@zazuko" / "yasgui"
YASGUI_ACCEPT_SELECT = "application/sparql-results+json,*/*;q=0.9"  # what YASGUI sends
YASGUI_ACCEPT_GRAPH = "application/n-triples,*/*;q=0.9"
COKG = "https://w3id.org/cokg/ontology#"
# From the paper: Table 7 (implementation, Case 1, Process); the adoption table lacks it.
TABLE7_ESTHER = "ESTHER cafes attract a broad range of listeners"


def _offered_queries() -> list[str]:
    """The saved queries users are offered, read from the files: not tagged internal."""
    names = []
    for path in sorted((ROOT / "queries").glob("*.rq")):
        tags = re.search(r"^#\+ tags: \[(.*)\]", path.read_text(encoding="utf-8"), re.M)
        if tags is None or "internal" not in [t.strip() for t in tags.group(1).split(",")]:
            names.append(path.stem)
    return names


OFFERED = _offered_queries()
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _cases_in_data() -> set[str]:
    """The cases in the project's data files, read with rdflib (not with cokg's store)."""
    g = Graph()
    for path in sorted((ROOT / "data").rglob("*.ttl")):
        g.parse(path, format="turtle")
    return {str(c) for c in g.subjects(RDF.type, URIRef(COKG + "Case"))}


def _need_built() -> None:
    if not editor.assets_ready() or not INSTALLED.is_dir():
        pytest.fail("the query editor's files are not built: run `make editor-deps`")


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with (
        snapshot("memory:") as source,
        QueryPool(source, workers=2, timeout=5) as pool,
        TestClient(create_app(pool, ServeSettings(timeout=5))) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def page_config(client: TestClient) -> dict:
    _need_built()
    r = client.get("/editor")
    assert r.status_code == 200, r.text
    found = re.search(
        r'<script type="application/json" id="cokg-editor-config">(.*?)</script>', r.text, re.S
    )
    assert found is not None
    config: dict = json.loads(found.group(1))
    return config


def _tab(config: dict, name: str) -> str:
    return next(t["query"] for t in config["tabs"] if t["name"] == name)


def _yasgui_post(client: TestClient, query: str, accept: str = YASGUI_ACCEPT_SELECT):
    """A query as YASGUI sends it: a POSTed form, SPARQL JSON asked for."""
    return client.post("/sparql", data={"query": query}, headers={"Accept": accept})


# --- the pinned package --------------------------------------------------------------------


def test_one_yasgui_version_pinned_in_package_and_lock() -> None:
    package = json.loads((EDITOR_DIR / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((EDITOR_DIR / "package-lock.json").read_text(encoding="utf-8"))
    pinned = package["dependencies"]["@zazuko/yasgui"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned)  # exact, no range
    assert lock["packages"][""]["dependencies"]["@zazuko/yasgui"] == pinned
    assert lock["packages"]["node_modules/@zazuko/yasgui"]["version"] == pinned
    assert lock["packages"]["node_modules/@zazuko/yasgui"]["integrity"].startswith("sha512-")


def test_built_files_come_from_the_locked_version() -> None:
    _need_built()
    pinned = json.loads((EDITOR_DIR / "package.json").read_text())["dependencies"]["@zazuko/yasgui"]
    installed = json.loads((INSTALLED / "package.json").read_text())["version"]
    assert installed == pinned
    assert editor.bundle_version() == pinned


def test_editor_deps_does_nothing_when_up_to_date() -> None:
    _need_built()
    before = {p.name: p.stat().st_mtime_ns for p in editor.ASSETS.iterdir()}
    done = subprocess.run(
        ["bash", "scripts/editor-deps.sh"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # neither npm nor a copy ran
    assert {p.name: p.stat().st_mtime_ns for p in editor.ASSETS.iterdir()} == before


# --- the files, served by cokg -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "media"),
    [
        pytest.param("yasgui.min.js", "text/javascript", id="bundle-js"),
        pytest.param("yasgui.min.css", "text/css", id="bundle-css"),
    ],
)
def test_bundle_served_as_installed(client: TestClient, name: str, media: str) -> None:
    _need_built()
    r = client.get(f"/editor/assets/{name}")
    assert r.status_code == 200
    assert r.headers["content-type"] == f"{media}; charset=utf-8"
    assert r.content == (INSTALLED / "build" / name).read_bytes()
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "public, max-age=86400"
    again = client.get(f"/editor/assets/{name}", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize(
    ("name", "media", "source"),
    [
        pytest.param("editor.js", "text/javascript", "editor.js", id="own-js"),
        pytest.param("editor.css", "text/css", "editor.css", id="own-css"),
    ],
)
def test_own_files_served(client: TestClient, name: str, media: str, source: str) -> None:
    r = client.get(f"/editor/assets/{name}")
    assert r.status_code == 200
    assert r.headers["content-type"] == f"{media}; charset=utf-8"
    assert r.text == (ROOT / "src" / "cokg" / "templates" / source).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/editor/assets/yasgui.min.js.map", id="not-copied"),
        pytest.param("/editor/assets/yasgui.json", id="manifest"),
        pytest.param("/editor/assets/..%2F..%2F..%2Fpyproject.toml", id="traversal"),
        pytest.param("/editor/assets/page.html", id="other-template"),
    ],
)
def test_only_the_editor_files_are_served(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert "[project]" not in r.text


def test_prefixes_for_completion(client: TestClient) -> None:
    r = client.get("/editor/prefixes.json")
    assert r.status_code == 200
    prefixes = r.json()
    assert prefixes["cokg"] == COKG
    assert prefixes["cokgid"] == "https://w3id.org/cokg/id/"
    assert prefixes["cfir09"] == "https://w3id.org/cokg/framework/cfir-2009/"
    assert prefixes["skos"] == "http://www.w3.org/2004/02/skos/core#"


# --- the page ------------------------------------------------------------------------------


def test_page_loads_only_local_files_under_a_self_only_policy(client: TestClient) -> None:
    _need_built()
    r = client.get("/editor")
    assert r.status_code == 200
    policy = dict(d.strip().split(" ", 1) for d in r.headers["content-security-policy"].split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    refs = re.findall(r'\b(?:src|href)="([^"]*)"', r.text)
    assert refs
    assert all(ref.startswith(("/", "#")) and not ref.startswith("//") for ref in refs), refs
    assert '<script src="/editor/assets/yasgui.min.js?v=' in r.text
    assert '<script src="/editor/assets/editor.js?v=' in r.text
    assert re.search(r"<script>", r.text) is None  # no inline script: 'self' runs all of it


def test_tabs_are_a_new_query_and_the_saved_queries(page_config: dict) -> None:
    names = [t["name"] for t in page_config["tabs"]]
    assert names[0] == "Query"
    assert sorted(names[1:]) == sorted(OFFERED)
    assert page_config["endpoint"] == "/sparql"


def test_new_query_tab_declares_the_project_prefixes(page_config: dict) -> None:
    text = _tab(page_config, "Query")
    assert f"PREFIX cokg: <{COKG}>" in text
    assert "PREFIX cfir22: <https://w3id.org/cokg/framework/cfir-2022/>" in text
    assert "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>" in text


def test_new_query_tab_runs_and_lists_the_cases(client: TestClient, page_config: dict) -> None:
    r = _yasgui_post(client, _tab(page_config, "Query"))
    assert r.status_code == 200, r.text
    assert {row["case"]["value"] for row in r.json()["results"]["bindings"]} == _cases_in_data()


def test_saved_query_tab_binds_its_default(client: TestClient, page_config: dict) -> None:
    text = _tab(page_config, "cross-case")
    assert "# phase = adoption" in text
    r = _yasgui_post(client, text)
    assert r.status_code == 200
    rows = r.json()["results"]["bindings"]
    assert rows
    assert {row["phase"]["value"] for row in rows} == {"adoption"}
    assert TABLE7_ESTHER not in {row["statement"]["value"] for row in rows}


def test_unbound_parameter_is_said_in_the_tab(page_config: dict) -> None:
    text = _tab(page_config, "timeline")
    assert "# case: not bound (bind ?case_id to choose one)" in text


@pytest.mark.parametrize("name", OFFERED)
def test_every_saved_query_tab_runs_as_yasgui_sends_it(
    client: TestClient, page_config: dict, name: str
) -> None:
    r = _yasgui_post(client, _tab(page_config, name))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/sparql-results+json"
    assert "vars" in r.json()["head"]


def test_construct_answered_in_the_graph_type_yasgui_asks_for(client: TestClient) -> None:
    query = f"CONSTRUCT {{ ?c a <{COKG}Case> }} WHERE {{ ?c a <{COKG}Case> }}"
    r = _yasgui_post(client, query, YASGUI_ACCEPT_GRAPH)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/n-triples")
    assert sorted(set(r.text.strip().splitlines())) == sorted(
        f"<{case}> <{RDF_TYPE}> <{COKG}Case> ." for case in _cases_in_data()
    )


def test_navigation_links_the_editor(client: TestClient) -> None:
    r = client.get("/")
    assert '<a href="/editor">Query editor</a>' in r.text


# --- without the built files ----------------------------------------------------------------


@pytest.fixture
def unbuilt(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(editor, "ASSETS", tmp_path / "yasgui")


@pytest.mark.usefixtures("unbuilt")
def test_missing_files_page_says_how_to_build_them(client: TestClient) -> None:
    r = client.get("/editor")
    assert r.status_code == 503
    assert "make editor-deps" in r.text
    assert "scripts/editor-deps.sh" in r.text
    assert "yasgui.min.js" not in r.text  # no script that cannot load


@pytest.mark.usefixtures("unbuilt")
def test_missing_bundle_file_is_a_404_with_the_same_advice(client: TestClient) -> None:
    r = client.get("/editor/assets/yasgui.min.js")
    assert r.status_code == 404
    assert r.headers["x-cokg-error"] == "not-built"
    assert "make editor-deps" in r.text


@pytest.mark.usefixtures("unbuilt")
def test_rest_of_the_server_unaffected_without_the_files(client: TestClient) -> None:
    assert client.get("/").status_code == 200
    assert _yasgui_post(client, "ASK { ?s ?p ?o }").json()["boolean"] is True
