"""cokg for a consortium (docs/consortium.md): one shared SPARQL server is the team's store.
A steward pushes the founding graph there, ingests a submission straight into it (validated
against what the server holds, refused whole when it does not conform), researchers query it
with --endpoint, and a submission is retracted again — on a real Oxigraph server and a real
Virtuoso, with the same commands and answers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from servers import VirtuosoServer, running_virtuoso
from submissions import copy_example, rewrite

from cokg.cli import cli


@pytest.fixture(scope="module")
def virtuoso_server() -> Iterator[VirtuosoServer]:
    yield from running_virtuoso()


@pytest.fixture(params=["oxigraph", "virtuoso"])
def endpoint(request: pytest.FixtureRequest) -> str:
    server = request.getfixturevalue(f"{request.param}_server")
    server.clear()
    return server.query_url


def _cokg(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, f"cokg {' '.join(args)}:\n{result.output}"
    return result.output


def _cases(endpoint: str) -> list[str]:
    out = _cokg("query", "sampling-frame", "--endpoint", endpoint, "--format", "json")
    return [r["case"] for r in json.loads(out)["rows"] if r["case"] != "Total"]


def test_a_team_works_on_one_server(endpoint: str, tmp_path: Path) -> None:
    # one graph per ontology module, framework file and data file
    root = Path(__file__).resolve().parents[1]
    files = [
        *(root / "ontology/modules").glob("*.ttl"),
        *(root / "ontology/frameworks").glob("*.ttl"),
        *(root / "data").rglob("*.ttl"),
    ]
    pushed = _cokg("push", "--endpoint", endpoint, "--store", "memory:")
    assert f"loaded {len(files) + 1} graphs" in pushed  # + ontology/cokg.ttl
    assert len(_cases(endpoint)) == 3

    sub = copy_example(tmp_path)
    assert "conforms (0 violations" in _cokg("validate", str(sub), "--store", endpoint)
    out = _cokg("ingest", str(sub), "--by", "A. Steward", "--store", endpoint)
    assert out.startswith("added https://w3id.org/cokg/graph/submission/fictional-riverside")
    cases = _cases(endpoint)
    assert len(cases) == 4 and any("Riverside" in c for c in cases)
    table = _cokg("query", "case-features", "--endpoint", endpoint, "--format", "json")
    assert "Riverside Peer Café (FICTIONAL)" in table

    # A submission that does not conform leaves the server as it was.
    bad = copy_example(tmp_path / "bad")
    rewrite(bad / "cases.csv", 2, "case_id", "second-riverside")
    rewrite(bad / "events.csv", 2, "date", "twenty")
    result = CliRunner().invoke(
        cli, ["ingest", str(bad), "--by", "A. Steward", "--store", endpoint]
    )
    assert result.exit_code == 1, result.output
    assert "nothing was written" in result.output
    assert len(_cases(endpoint)) == 4

    out = _cokg("retract", "submission/fictional-riverside", "--store", endpoint)
    assert "removed" in out
    assert len(_cases(endpoint)) == 3


def test_push_prune_passes_on_a_local_retraction(
    endpoint: str, store_dir: Path, tmp_path: Path
) -> None:
    """A submission retracted in the store a steward pushes from stayed on the server at the
    next push (push copies graphs); `--prune` removes the graphs the store no longer holds,
    and only those of cokg's."""
    s = str(store_dir)
    _cokg("ingest", str(copy_example(tmp_path)), "--by", "A. Steward", "--store", s)
    _cokg("push", "--endpoint", endpoint, "--store", s)
    assert len(_cases(endpoint)) == 4
    _cokg("retract", "fictional-riverside", "--store", s)
    _cokg("push", "--endpoint", endpoint, "--store", s)
    assert len(_cases(endpoint)) == 4  # copied, not synchronised
    out = _cokg("push", "--prune", "--endpoint", endpoint, "--store", s)
    said = "removed 2 graphs it no longer holds: provenance/fictional-riverside, submission/"
    assert said in out, out
    assert len(_cases(endpoint)) == 3
    graphs = _cokg("graphs", "--store", endpoint)
    assert "fictional-riverside" not in graphs and "\ndundee-mrr " in graphs
