"""Import direction and the one-home rule for heavy libraries, read from the source (AST):
the pipeline's layers import only downwards, nothing imports the CLI, each heavy library is
imported only in its home module, and the basic modules depend on nothing but each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "cokg"

# library -> modules (dotted, under cokg) allowed to import it; a package covers its submodules
HOMES: dict[str, set[str]] = {
    "pyshacl": {"cokg.validate.pyshacl_engine"},
    "owlready2": {"cokg.reason"},
    "networkx": {"cokg.analyse"},
    "SPARQLWrapper": {"cokg.store"},
    "starlette": {"cokg.serve"},
    "uvicorn": {"cokg.serve"},
    "matplotlib": {"cokg.report", "cokg.analyse"},
    "rocrate": {"cokg.linking.rocrate"},
}
BASICS = {
    "cokg",
    "cokg.paths",
    "cokg.errors",
    "cokg.namespaces",
    "cokg.models",
    "cokg.terms",
    "cokg.slugs",  # ids from human names: unicodedata alone
    "cokg.sparql",
    "cokg.sandbox",
    "cokg.vocabulary",
    "cokg.slicing",  # one case of a graph: rdflib alone
}

# The pipeline, bottom up. A module may import its own layer and the layers below, never above.
LAYERS: list[tuple[str, set[str]]] = [
    ("basics", BASICS),
    ("load", {"cokg.load", "cokg.lint"}),
    ("store", {"cokg.store"}),
    # the template offers the framework codes, read with the saved `constructs` query
    ("query", {"cokg.query", "cokg.constructs", "cokg.template"}),
    ("validate", {"cokg.validate", "cokg.reason"}),
    ("ingest", {"cokg.ingest"}),
    # exchange formats (REFI-QDA projects, SSSOM mapping sets): read, convert, then ingest
    ("exchange", {"cokg.qda", "cokg.linking"}),
    (
        "analyse/report/export",
        {"cokg.analyse", "cokg.report", "cokg.export", "cokg.formats", "cokg.agreement"},
    ),
    # the documentation pages are built with the server's HTML helpers, and served by it
    ("serve", {"cokg.serve", "cokg.docs"}),
    ("cli", {"cokg.cli", "cokg.demo", "cokg.__main__"}),
]

# pyoxigraph is the engine; outside the store it is imported only where its strict parsers or
# fast terms are the point, each for the reason given.
PYOXIGRAPH: dict[str, str] = {
    "cokg.terms": "every rdflib <-> pyoxigraph conversion lives here",
    "cokg.store": "the engine behind every local store",
    "cokg.load": "the syntax gate: pyoxigraph rejects what rdflib's lax parsers accept",
    "cokg.lint": "lints the vocabulary files as parsed quads, without rdflib's cost",
    "cokg.reason": "reads the vocabulary quads it hands to owlready2",
    "cokg.validate.sparql_engine": "a scratch store for the compiled shapes",
    "cokg.export": "walks the ontology quads to generate the JSON-LD context",
    "cokg.serve.pool": "the query workers hold their own in-memory store",
    "cokg.serve.protocol": "checks graph IRIs from the request with the engine's IRI parser",
    "cokg.demo": "prints the engine version in the demo banner",
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module imported anywhere in the file, top level or inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    name = _module_name(path) if path.is_relative_to(SRC) else "cokg.x"
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import inside the package
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                mod = f"{base}.{node.module}" if node.module else base
            else:
                mod = node.module or ""
            found.add(mod)
            found |= {f"{mod}.{a.name}" for a in node.names}  # `from cokg import cli`
    return found


MODULES = sorted(SRC.rglob("*.py"))


def _in_home(module: str, homes: set[str]) -> bool:
    return any(module == h or module.startswith(h + ".") for h in homes)


# The CLI itself (and `python -m cokg`) may import the CLI; every other module may not.
NOT_CLI = [p for p in MODULES if _module_name(p) not in ("cokg.cli", "cokg.__main__")]
# Only the basic modules are held to the basics-only rule; listing just them keeps every
# parametrised case one that can fail.
BASIC_MODULES = [p for p in MODULES if _module_name(p) in BASICS]


def test_every_basic_module_exists() -> None:
    assert {_module_name(p) for p in BASIC_MODULES} == BASICS


@pytest.mark.parametrize("path", [pytest.param(p, id=_module_name(p)) for p in NOT_CLI])
def test_nothing_imports_the_cli(path: Path) -> None:
    assert "cokg.cli" not in _imports(path)


@pytest.mark.parametrize("path", [pytest.param(p, id=_module_name(p)) for p in MODULES])
def test_heavy_libraries_live_in_their_home(path: Path) -> None:
    module = _module_name(path)
    used = {m.split(".")[0] for m in _imports(path)}
    misplaced = {lib for lib, homes in HOMES.items() if lib in used and not _in_home(module, homes)}
    assert not misplaced, f"{module} imports {misplaced}; see HOMES for where they belong"


@pytest.mark.parametrize("path", [pytest.param(p, id=_module_name(p)) for p in BASIC_MODULES])
def test_basics_depend_only_on_basics(path: Path) -> None:
    module = _module_name(path)
    if module == "cokg":
        return  # the lazy public API names every layer, for type checkers only
    # `from cokg.errors import X` records "cokg.errors.X": a name inside a basic module
    ours = {m for m in _imports(path) if m.startswith("cokg.") and not m.startswith("cokg.__")}
    outside = {m for m in ours if not _in_home(m, BASICS - {"cokg"})}
    assert not outside, f"{module} imports {outside}"


def layer_of(module: str) -> int | None:
    for i, (_, members) in enumerate(LAYERS):
        if any(module == m or module.startswith(m + ".") for m in members if m != "cokg"):
            return i
    return 0 if module == "cokg" else None


def upward_imports(path: Path, module: str) -> set[str]:
    """The cokg modules `path` imports from a layer above `module`'s."""
    own = layer_of(module)
    assert own is not None, f"{module} has no layer: add it to LAYERS"
    ours = {m for m in _imports(path) if m.startswith("cokg.") and not m.startswith("cokg.__")}
    return {m for m in ours if (layer_of(m) or 0) > own}


@pytest.mark.parametrize("path", [pytest.param(p, id=_module_name(p)) for p in MODULES])
def test_layers_import_only_downwards(path: Path) -> None:
    module = _module_name(path)
    if module == "cokg":
        return  # the package's lazy public API names everything, by string
    assert not upward_imports(path, module), (
        f"{module} ({LAYERS[layer_of(module) or 0][0]}) imports from a higher layer: "
        f"{upward_imports(path, module)}"
    )


def test_layer_rule_catches_a_wrong_import(tmp_path: Path) -> None:
    # The checker itself: a store module importing the validator is caught, lazily or not.
    f = tmp_path / "x.py"
    f.write_text("def f():\n    from cokg.validate import validate\n")
    assert upward_imports(f, "cokg.store.oxigraph") == {"cokg.validate", "cokg.validate.validate"}
    f.write_text("from cokg import serve\n")
    assert "cokg.serve" in upward_imports(f, "cokg.query")
    f.write_text("from cokg.store import open_store\n")
    assert upward_imports(f, "cokg.query") == set()


@pytest.mark.parametrize("path", [pytest.param(p, id=_module_name(p)) for p in MODULES])
def test_pyoxigraph_only_where_allowed(path: Path) -> None:
    module = _module_name(path)
    if "pyoxigraph" in {m.split(".")[0] for m in _imports(path)}:
        assert _in_home(module, set(PYOXIGRAPH)), f"{module} imports pyoxigraph; see PYOXIGRAPH"


def test_the_rule_sees_lazy_imports(tmp_path: Path) -> None:
    # The checker itself: an import hidden in a function body still counts.
    f = tmp_path / "x.py"
    f.write_text("def f():\n    import owlready2\n    from cokg import cli\n")
    assert {"owlready2", "cokg.cli"} <= _imports(f)
