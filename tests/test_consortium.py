"""cokg for a consortium (docs/consortium.md): one shared SPARQL server is the team's store.
A steward pushes the founding graph there, ingests a submission straight into it (validated
against what the server holds, refused whole when it does not conform), researchers query it
with --endpoint, and a submission is retracted again — on a real Oxigraph server and a real
Virtuoso, with the same commands and answers.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from servers import VirtuosoServer, running_virtuoso
from submissions import copy_example, rewrite

from cokg.cli import cli
from cokg.store import RemoteStore

XSD = "http://www.w3.org/2001/XMLSchema#"
LEASE = "https://w3id.org/cokg/lease#"


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


def test_push_prune_never_removes_unseen_submissions_without_yes(
    endpoint: str, store_dir: Path, tmp_path: Path
) -> None:
    """Pushed from a project store, `push --prune` deleted every submission stewards had
    ingested on the server directly. Now it refuses, before writing anything, to remove graphs
    this store never pushed there unless --yes; --dry-run lists what a push would do."""
    s = str(store_dir)
    result = CliRunner().invoke(cli, ["push", "--dry-run", "--endpoint", endpoint, "--store", s])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"push to RemoteStore({endpoint!r}) (dry run: nothing written)"
    assert lines[1] == "would replace 0 graphs" and lines[2].startswith("would add 27 graphs: ")
    with RemoteStore(endpoint) as server:
        assert server.graphs() == []  # nothing written

    _cokg("push", "--endpoint", endpoint, "--store", s)
    _cokg("ingest", str(copy_example(tmp_path)), "--by", "A. Steward", "--store", endpoint)
    out = _cokg("push", "--prune", "--dry-run", "--endpoint", endpoint, "--store", s)
    assert out.splitlines()[1].startswith("would replace 27 graphs: ")
    assert out.splitlines()[3] == (
        "would remove 2 graphs (--prune; 2 of them never pushed from this store: "
        "provenance/fictional-riverside, submission/fictional-riverside): "
        "provenance/fictional-riverside, submission/fictional-riverside"
    )
    assert len(_cases(endpoint)) == 4

    result = CliRunner().invoke(cli, ["push", "--prune", "--endpoint", endpoint, "--store", s])
    assert result.exit_code == 2
    said = result.output.strip()
    assert "\n" not in said and "Traceback" not in said, said
    assert said == (
        f"cokg: error: push --prune would remove 2 graphs this store never pushed to "
        f"RemoteStore({endpoint!r}), 1 of them submissions (submission/fictional-riverside): "
        "ingested there directly or pushed from another store; nothing was written. See them "
        "all with --dry-run; give --yes to remove them anyway"
    )
    assert len(_cases(endpoint)) == 4

    out = _cokg("push", "--prune", "--yes", "--endpoint", endpoint, "--store", s)
    assert "removed 2 graphs it no longer holds" in out
    assert len(_cases(endpoint)) == 3
    result = CliRunner().invoke(cli, ["push", "--yes", "--endpoint", endpoint, "--store", s])
    assert result.exit_code == 2 and "--yes goes with --prune" in result.output


# --- the write lease: writers take turns on a server -------------------------------------------


def _cokg_process(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "cokg"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_two_stewards_ingesting_at_once_store_the_records_once(
    endpoint: str, tmp_path: Path
) -> None:
    """Two ingests of the same records under two ids, at the same time, both succeeded (the
    records then in two graphs): done one after the other, the second is refused. The write
    lease makes them take turns, so the second is refused as a duplicate."""
    _cokg("push", "--endpoint", endpoint, "--store", "memory:")
    sub = copy_example(tmp_path)
    runs = [
        _cokg_process(
            "ingest",
            str(sub),
            "--id",
            team,
            "--by",
            "A. Steward",
            "--store",
            endpoint,
            "--wait",
            "120",
        )
        for team in ("team-a", "team-b")
    ]
    outcomes = [(p.wait(timeout=300), p.stdout.read() if p.stdout else "") for p in runs]
    codes = sorted(code for code, _ in outcomes)
    assert codes[0] == 0 and codes[1] != 0, outcomes
    refused = next(out for code, out in outcomes if code != 0)
    assert "Traceback" not in refused and "already" in refused, refused
    graphs = _cokg("graphs", "--store", endpoint)
    assert sum(f"submission/team-{t}" in graphs for t in "ab") == 1, graphs
    assert len(_cases(endpoint)) == 4
    assert "lease" not in graphs


def test_a_lease_held_by_another_writer_is_waited_for_and_a_stale_one_broken(
    endpoint: str, request: pytest.FixtureRequest
) -> None:
    server = request.getfixturevalue(f"{request.node.callspec.params['endpoint']}_server")
    lease = "https://w3id.org/cokg/lease#"

    def hold(expires: str) -> None:
        server.update(
            f"INSERT DATA {{ GRAPH <https://w3id.org/cokg/lease> {{ <{lease}other> "
            f'<{lease}holder> "elsewhere process 7" ; <{lease}command> "cokg ingest" ; '
            f'<{lease}since> "2020-01-01T10:00:00+00:00"^^<{XSD}dateTime> ; '
            f'<{lease}expires> "{expires}"^^<{XSD}dateTime> }} }}'
        )

    hold("2999-01-01T00:00:00+00:00")  # a writer at work
    result = CliRunner().invoke(cli, ["build", "--store", endpoint, "--wait", "1"])
    assert result.exit_code != 0
    said = result.output.strip().splitlines()[-1]
    assert "being written by another writer (elsewhere process 7, cokg ingest, since" in said
    assert "waited 1 s" in said and "Traceback" not in result.output
    # times of another day carry their date ("expires at 00:00:00" said nothing of 2999)
    assert "since 2020-01-01 " in said and "expires at 2999-01-01 " in said
    assert "dundee-mrr" not in _cokg("graphs", "--store", endpoint)

    server.update("DROP SILENT GRAPH <https://w3id.org/cokg/lease>")
    hold("2020-01-01T10:15:00+00:00")  # a writer that crashed long ago
    _cokg("build", "--store", endpoint, "--wait", "0")
    assert "dundee-mrr" in _cokg("graphs", "--store", endpoint)
    rows = _cokg("sparql", "SELECT ?l WHERE { GRAPH <https://w3id.org/cokg/lease> { ?l ?p ?o } }",
                 "--endpoint", endpoint, "--format", "csv")  # fmt: skip
    assert rows.strip() == "l", rows  # broken, and the build's own lease released


def test_a_long_write_renews_its_lease_and_stops_when_it_was_taken_over(
    endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write running past the lease's time had it broken by the next writer, as if crashed:
    each write request renews it once a third of its time has gone; a lease found gone (taken
    over after all) stops the write instead of writing beside another writer."""
    from rdflib import URIRef

    from cokg.errors import StoreError
    from cokg.store import open_store

    monkeypatch.setenv("COKG_LEASE_SECONDS", "3")
    g = "https://w3id.org/cokg/graph/submission/lease-test"
    triple = [(URIRef("urn:x:a"), URIRef("urn:x:b"), URIRef("urn:x:c"))]
    query = (
        f"SELECT ?e WHERE {{ GRAPH <https://w3id.org/cokg/lease> {{ ?l <{LEASE}expires> ?e }} }}"
    )
    with open_store(endpoint, wait=5) as st:
        assert isinstance(st, RemoteStore)
        first = [str(r["e"]) for r in st.query(query).rows]
        time.sleep(1.2)  # past a third of the lease's 3 s
        st.replace_graphs({g: triple})
        later = [str(r["e"]) for r in st.query(query).rows]
        assert len(first) == len(later) == 1 and later[0] > first[0], (first, later)
        st._update("DROP SILENT GRAPH <https://w3id.org/cokg/lease>")  # broken by another
        time.sleep(1.2)
        with pytest.raises(StoreError, match="lease was taken over"):
            st.replace_graphs({g: triple})
    with open_store(endpoint, wait=5) as st:
        st.drop_graphs([g])


# --- push: never an older copy over a newer one, never a server onto itself -------------------


def test_push_does_not_bring_back_an_older_submission(
    endpoint: str, store_dir: Path, tmp_path: Path
) -> None:
    """A steward's store held riverside as first ingested; the server had a corrected version
    (ingested there with --replace); a push put the old one back, silently."""
    s = str(store_dir)
    sub = copy_example(tmp_path)
    _cokg("ingest", str(sub), "--by", "A. Steward", "--store", s)
    _cokg("push", "--endpoint", endpoint, "--store", s)
    time.sleep(1.1)  # provenance times are to the second
    rewrite(sub / "cases.csv", 2, "label", "FICTIONAL Case 9 – Riverside, corrected")
    _cokg("ingest", str(sub), "--by", "B. Steward", "--replace", "--store", endpoint)

    result = CliRunner().invoke(cli, ["push", "--endpoint", endpoint, "--store", s])
    assert result.exit_code != 0
    said = result.output.strip()
    assert "\n" not in said and "Traceback" not in said, said
    assert "newer versions of submission/fictional-riverside" in said and "--force" in said
    assert any("corrected" in c for c in _cases(endpoint))  # the server kept the newer one
    # the dry run says so too (it listed "would replace" as if the push would go through)
    planned = _cokg("push", "--dry-run", "--endpoint", endpoint, "--store", s)
    assert "the push would be refused: " in planned and "newer versions of" in planned

    _cokg("push", "--endpoint", endpoint, "--store", s, "--force")
    assert not any("corrected" in c for c in _cases(endpoint))


def test_push_never_stores_a_record_in_a_second_graph_there(
    endpoint: str, store_dir: Path, tmp_path: Path
) -> None:
    """The case ingested on the server under one id and in a steward's store under another: a
    push added the second, the same records in two graphs (which an ingest there refuses)."""
    s = str(store_dir)
    sub = copy_example(tmp_path)
    _cokg("ingest", str(sub), "--by", "A. Steward", "--id", "riverside-here", "--store", s)
    _cokg("ingest", str(sub), "--by", "B. Steward", "--id", "riverside-there", "--store", endpoint)
    before = _cokg("graphs", "--store", endpoint)
    planned = _cokg("push", "--dry-run", "--endpoint", endpoint, "--store", s)
    assert "would add" in planned and "submission/riverside-here" in planned
    assert "the push would be refused: " in planned and "submission/riverside-there" in planned
    result = CliRunner().invoke(cli, ["push", "--endpoint", endpoint, "--store", s])
    assert result.exit_code != 0
    said = result.output.strip()
    assert "\n" not in said and "stored twice" in said and "riverside-there" in said, said
    assert _cokg("graphs", "--store", endpoint) == before


def test_push_refuses_a_source_that_is_no_local_store(
    endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no local store and the endpoint configured, push pushed the server onto itself;
    a file as --store gave a raw "IO error" and left FILE.lock behind."""
    _cokg("push", "--endpoint", endpoint, "--store", "memory:")
    monkeypatch.setenv("COKG_ENDPOINT", endpoint)
    monkeypatch.setenv("COKG_STORE", str(tmp_path / "no-store"))
    result = CliRunner().invoke(cli, ["push"])
    assert result.exit_code != 0
    assert "no store at" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(cli, ["push", "--store", endpoint])
    assert result.exit_code != 0 and "the same server" in result.output

    backup = tmp_path / "backup.trig"
    backup.write_text("", encoding="utf-8")
    result = CliRunner().invoke(cli, ["push", "--store", str(backup)])
    assert result.exit_code != 0
    assert result.output.strip().count("\n") == 0 and "is a file" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.trig"]


def test_push_by_sparql_update_is_one_request(
    endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The docs said a push of up to 50,000 triples by SPARQL Update is one request (all or
    nothing); it was one request per graph."""
    from cokg.store import MemoryStore, RemoteStore, build, push

    sent: list[str] = []
    real = RemoteStore._update

    def counted(self: RemoteStore, update: str) -> None:
        sent.append(update)
        real(self, update)

    with MemoryStore() as source:
        build(source)
        target = RemoteStore(endpoint, method="update")
        monkeypatch.setattr(RemoteStore, "_update", counted)
        report = push(source, target)
        assert len(sent) == 1, [u[:80] for u in sent]
        assert sorted(target.graphs()) == sorted(source.graphs())
        assert report.triples == source.count() == target.count()
