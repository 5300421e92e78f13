"""Import direction and the one-home rule for heavy libraries, read from the source (AST):
nothing imports the CLI, each heavy library is imported only in its home module, and the
basic modules depend on nothing but each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "cokg"

# library -> modules (dotted, under cokg) allowed to import it; a package covers its submodules
HOMES: dict[str, set[str]] = {
    "pyshacl": {"cokg.validate"},
    "owlready2": {"cokg.reason"},
    "networkx": {"cokg.analyse"},
    "SPARQLWrapper": {"cokg.store"},
    "starlette": {"cokg.serve"},
    "uvicorn": {"cokg.serve"},
    "matplotlib": {"cokg.report", "cokg.analyse"},
}
BASICS = {"cokg", "cokg.paths", "cokg.errors", "cokg.namespaces", "cokg.models"}


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
    ours = {m for m in _imports(path) if m == "cokg" or m.startswith("cokg.")}
    # `from cokg import __version__` records "cokg.__version__": attributes, not modules
    ours = {m for m in ours if not m.startswith("cokg.__")}
    assert ours <= BASICS, f"{module} imports {ours - BASICS}"


def test_the_rule_sees_lazy_imports(tmp_path: Path) -> None:
    # The checker itself: an import hidden in a function body still counts.
    f = tmp_path / "x.py"
    f.write_text("def f():\n    import owlready2\n    from cokg import cli\n")
    assert {"owlready2", "cokg.cli"} <= _imports(f)
