"""The store is found as git finds its repository: from the working directory upward, or
--store, or COKG_STORE; outside any project a clear error, and nothing is created."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Literal, URIRef

from cokg.cli import cli
from cokg.errors import StoreMissing
from cokg.paths import default_store_dir, find_project
from cokg.query import run_query
from cokg.store import open_store

EX = "http://example.org/"
TTL = "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\n"


@pytest.fixture
def outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    here = tmp_path / "nowhere"
    here.mkdir()
    (here / "x.ttl").write_text(TTL, encoding="utf-8")
    monkeypatch.chdir(here)
    monkeypatch.delenv("COKG_STORE", raising=False)
    monkeypatch.delenv("COKG_ENDPOINT", raising=False)
    return here


def _listing(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["validate", "x.ttl"], id="validate"),
        pytest.param(["sparql", "ASK { ?s ?p ?o }"], id="sparql"),
        pytest.param(["query", "dataset-summary"], id="query"),
        pytest.param(["graphs"], id="graphs"),
    ],
)
def test_outside_any_project_is_a_clear_error_and_creates_nothing(
    outside: Path, args: list[str]
) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "is not inside a cokg project" in result.output
    assert "Traceback" not in result.output
    assert _listing(outside) == ["x.ttl"]  # no .cokg/, no lock file


def test_validate_alone_still_works_outside(outside: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "--no-store", "x.ttl"])
    assert "not inside a cokg project" not in result.output
    assert _listing(outside) == ["x.ttl"]


def test_store_is_found_from_a_subfolder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "study"
    deep = project / "interviews" / "site-a"
    deep.mkdir(parents=True)
    with open_store(project / ".cokg" / "store") as st:
        st.replace_graphs({f"{EX}g": [(URIRef(f"{EX}s"), URIRef(f"{EX}p"), Literal("found"))]})
    monkeypatch.chdir(deep)
    monkeypatch.delenv("COKG_STORE", raising=False)
    assert find_project() == project.resolve()
    assert default_store_dir() == project.resolve() / ".cokg" / "store"
    result = CliRunner().invoke(
        cli, ["sparql", "-f", "csv", "SELECT ?o WHERE { ?s <http://example.org/p> ?o }"]
    )
    assert result.exit_code == 0, result.output
    assert "found" in result.output


def test_cokg_store_overrides(outside: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COKG_STORE", str(outside / "elsewhere"))
    assert default_store_dir() == outside / "elsewhere"


def test_default_store_dir_raises_outside(outside: Path) -> None:
    with pytest.raises(StoreMissing, match=r"mkdir \.cokg"):
        default_store_dir()


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["query", "dataset-summary"], id="query"),
        pytest.param(["sparql", "ASK { ?s ?p ?o }"], id="sparql"),
        pytest.param(["report", "--out", "report"], id="report"),
        pytest.param(["export", "--out", "x.trig"], id="export"),
    ],
)
def test_a_store_path_that_holds_no_store_is_an_error_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    # a mistyped --store must not be built from the project's files and answer as if it were
    # the team's store (it answered 3 cases where the real store held 8)
    monkeypatch.chdir(tmp_path)
    typo = tmp_path / "consortium-stor"
    result = CliRunner().invoke(cli, [*args, "--store", str(typo)])
    assert result.exit_code == 2, result.output
    assert result.output == (
        f"cokg: error: no store at {typo}: build one there with `cokg build --store {typo}` "
        "(a reading command creates a store only where the default one belongs)\n"
    )
    assert _listing(tmp_path) == []
    with pytest.raises(StoreMissing, match="no store at"):
        run_query("sampling-frame", store=typo)
    assert _listing(tmp_path) == []
