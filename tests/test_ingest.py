"""`cokg ingest / retract / graphs`: all or nothing, provenance, byte-for-byte safety of the
store on bad input, and a SIGKILL in the middle of a write."""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Literal

from cokg.cli import cli
from cokg.errors import ParameterError, ValidationFailed
from cokg.ingest import ingest, list_graphs, retract, submission_id
from cokg.store import EmbeddedStore

SUB = Path(__file__).parent / "fixtures" / "submissions"
EXAMPLE = SUB / "example-template"
# the submission id comes from the case id in the template, not from the folder's name
GRAPH = "https://w3id.org/cokg/graph/submission/fictional-riverside"
PROV_GRAPH = "https://w3id.org/cokg/graph/provenance/fictional-riverside"


def _hashes(d: Path) -> dict[str, str]:
    out = {}
    for f in sorted(d.parent.rglob("*")):
        if f.is_file():
            out[str(f.relative_to(d.parent))] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def _quads(d: Path) -> list[str]:
    with EmbeddedStore(d, read_only=True) as st:
        return sorted(st.export(format="nq").decode().splitlines())


def _run(*args: str):
    return CliRunner().invoke(cli, list(args))


# --- ids ---------------------------------------------------------------------------------------


def test_submission_id_from_file_names() -> None:
    assert submission_id(["some/where/Dundee MRR.ttl"]) == "dundee-mrr"
    assert submission_id([EXAMPLE]) == "example-template"
    a = submission_id(["b.ttl", "a.ttl"])
    assert a == submission_id(["x/a.ttl", "y/b.ttl"]) and a.startswith("a-")


# --- ingest, list, retract -----------------------------------------------------------------------


def test_ingest_writes_graph_and_provenance(store_dir: Path) -> None:
    rep = ingest([EXAMPLE], by="Test Steward", store=store_dir)
    assert rep.graph == GRAPH and not rep.replaced
    with EmbeddedStore(store_dir, read_only=True) as st:
        assert {GRAPH, PROV_GRAPH} <= set(st.graphs())
        assert st.count(GRAPH) == rep.triples
        rows = st.query(
            "PREFIX cokg: <https://w3id.org/cokg/ontology#> "
            "SELECT ?name ?sha WHERE { GRAPH ?g { ?f cokg:fileName ?name ; cokg:sha256 ?sha } }"
        ).rows
    sums = {str(r["name"]): str(r["sha"]) for r in rows}
    assert (
        sums["quotations.csv"]
        == hashlib.sha256((EXAMPLE / "quotations.csv").read_bytes()).hexdigest()
    )
    # every sheet file of the example (one per sheet since the redesign), not its README
    sheets = {f.name for f in EXAMPLE.glob("*.csv")} - {"README.csv"}
    assert set(sums) == sheets


def test_provenance_conforms_to_the_shapes(store_dir: Path, tmp_path: Path) -> None:
    ingest([EXAMPLE], by="Test Steward", store=store_dir)
    with EmbeddedStore(store_dir, read_only=True) as st:
        data = st.export(format="ttl", graph_iris=[PROV_GRAPH])
        agent = st.query(
            "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX rdfs: "
            "<http://www.w3.org/2000/01/rdf-schema#> "
            "SELECT ?n WHERE { ?a prov:wasAssociatedWith ?p . ?p rdfs:label ?n }"
        ).rows
    assert [str(r["n"]) for r in agent] == ["Test Steward"]
    f = tmp_path / "prov.ttl"
    f.write_bytes(data)
    from cokg.validate import validate

    assert validate([f]).conforms


def test_reingest_replaces(store_dir: Path) -> None:
    first = ingest([EXAMPLE], by="A", store=store_dir)
    again = ingest([EXAMPLE], by="B", store=store_dir)
    assert again.replaced
    with EmbeddedStore(store_dir, read_only=True) as st:
        assert st.count(GRAPH) == first.triples
    infos = {i.graph: i for i in list_graphs(store_dir)}
    assert infos[GRAPH].by == "B"


ORG_HEADER = (
    "org_id,kind,label,other_names,organisation_type,based_in,part_of,established,"
    "description,wikidata,comment\n"
)


def _shared(folder: Path, org: str, label: str) -> Path:
    """A folder holding shared records alone: one organisation."""
    folder.mkdir(parents=True)
    (folder / "organisations.csv").write_text(
        f"{ORG_HEADER}{org},organisation,{label} (FICTIONAL),,,,,,,,\n", encoding="utf-8"
    )
    return folder


def _labels(store_dir: Path) -> set[str]:
    with EmbeddedStore(store_dir, read_only=True) as st:
        rows = st.query(
            "SELECT ?l WHERE { GRAPH <https://w3id.org/cokg/graph/submission/shared> "
            "{ ?o <http://www.w3.org/2000/01/rdf-schema#label> ?l } }"
        ).rows
    return {str(r["l"]) for r in rows}


def test_a_folder_of_the_same_name_never_silently_replaces_another_teams(
    store_dir: Path, tmp_path: Path
) -> None:
    qc = _shared(tmp_path / "qc" / "shared", "verein-qc", "Verein QC")
    de = _shared(tmp_path / "de" / "shared", "verein-de", "Verein DE")
    first = _run("ingest", str(qc), "--by", "QC", "--store", str(store_dir))
    assert first.exit_code == 0, first.output
    before = _hashes(store_dir)
    second = _run("ingest", str(de), "--by", "DE", "--store", str(store_dir))
    assert second.exit_code != 0, second.output
    assert "replaced" not in second.output.split("error")[0].splitlines()[-1]
    out = " ".join(second.output.split())
    # the records it would remove, who stored them and when, and the two ways on
    assert "submission 'shared' is stored already (ingested by QC on 20" in out
    assert "UTC from organisations.csv" in out
    assert "verein-qc" in out and "verein-de" not in out
    assert "--id OTHER --by NAME" in out and "--replace" in out
    assert _hashes(store_dir) == before  # refused without touching the store
    assert _labels(store_dir) == {"Verein QC (FICTIONAL)"}
    # another id keeps both; --replace replaces on purpose
    both = _run("ingest", str(de), "--by", "DE", "--id", "de-shared", "--store", str(store_dir))
    assert both.exit_code == 0, both.output
    assert _labels(store_dir) == {"Verein QC (FICTIONAL)"}
    replaced = _run("ingest", str(de), "--by", "DE", "--replace", "--store", str(store_dir))
    assert replaced.exit_code == 0, replaced.output  # replacing, as asked
    assert _labels(store_dir) == {"Verein DE (FICTIONAL)"}


def test_a_corrected_value_or_a_record_more_needs_no_replace(
    store_dir: Path, tmp_path: Path
) -> None:
    folder = _shared(tmp_path / "shared", "verein-qc", "Verein QC")
    ingest([folder], by="QC", store=store_dir)
    (folder / "organisations.csv").write_text(
        f"{ORG_HEADER}verein-qc,organisation,Verein Québec (FICTIONAL),,,,,,,,\n"
        "verein-two,organisation,Verein Two (FICTIONAL),,,,,,,,\n",
        encoding="utf-8",
    )
    again = ingest([folder], by="QC", store=store_dir)
    assert again.replaced and again.graph_existed
    assert _labels(store_dir) == {"Verein Québec (FICTIONAL)", "Verein Two (FICTIONAL)"}
    # leaving a record out removes it only when asked to
    (folder / "organisations.csv").write_text(
        f"{ORG_HEADER}verein-qc,organisation,Verein Québec (FICTIONAL),,,,,,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as failed:
        ingest([folder], by="QC", store=store_dir)
    [result] = failed.value.report.violations  # type: ignore[attr-defined]
    assert "cokgid:org/verein-two" in result.message
    assert "verein-qc" not in result.message
    assert "looks like a new version of it" in result.message  # it holds verein-qc too
    ingest([folder], by="QC", store=store_dir, replace=True)
    assert _labels(store_dir) == {"Verein Québec (FICTIONAL)"}


def test_a_submission_stored_under_its_accent_dropping_id_is_named_with_what_to_do(
    store_dir: Path, tmp_path: Path
) -> None:
    # earlier versions made organismes-qu-bec-t of this folder's name; it is now
    # organismes-quebec-ete, and its records are held under the old id
    folder = _shared(tmp_path / "Organismes Québec – été", "verein-qc", "Verein QC")
    ingest([folder], by="QC", store=store_dir, submission="organismes-qu-bec-t")
    (folder / "organisations.csv").write_text(  # a correction
        f"{ORG_HEADER}verein-qc,organisation,Verein Québec (FICTIONAL),,,,,,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as failed:
        ingest([folder], by="QC", store=store_dir)
    [result] = failed.value.report.violations  # type: ignore[attr-defined]
    message = " ".join(result.message.split())
    assert "submission 'organismes-qu-bec-t' is this submission as an earlier version" in message
    assert "its id is now 'organismes-quebec-ete'" in message
    # the folder quoted as a shell takes it (pasted unquoted, it was four arguments)
    quoted = shlex.quote(str(folder))
    assert (
        quoted.startswith("'")
        and f"`cokg ingest --id organismes-qu-bec-t --by NAME {quoted}`" in message
    )
    assert "--replace" in message
    # updated under the id it is stored with, or moved to the new one with --replace
    again = ingest([folder], by="QC", store=store_dir, submission="organismes-qu-bec-t")
    assert again.graph_existed
    moved = ingest([folder], by="QC", store=store_dir, replace=True)
    assert moved.submission_id == "organismes-quebec-ete"
    assert moved.dropped == ("https://w3id.org/cokg/graph/submission/organismes-qu-bec-t",)


def test_a_record_added_to_a_submission_under_its_accent_dropping_id_is_not_split_off(
    store_dir: Path, tmp_path: Path
) -> None:
    """Unchanged records under the old id were taken for another submission's shared records,
    left out as "not stored twice", and the added record stored under the new id: one
    folder's records in two graphs. Refused as for a change; --replace moves them all."""
    folder = _shared(tmp_path / "Organismes Québec – été", "verein-qc", "Verein QC")
    ingest([folder], by="QC", store=store_dir, submission="organismes-qu-bec-t")
    with (folder / "organisations.csv").open("a", encoding="utf-8") as fh:
        fh.write("verein-two,organisation,Verein Two (FICTIONAL),,,,,,,,\n")
    with pytest.raises(ValidationFailed) as failed:
        ingest([folder], by="QC", store=store_dir)
    [result] = failed.value.report.violations  # type: ignore[attr-defined]
    message = " ".join(result.message.split())
    assert "submission 'organismes-qu-bec-t' is this submission as an earlier version" in message
    new_graph = "https://w3id.org/cokg/graph/submission/organismes-quebec-ete"
    assert new_graph not in {g.graph for g in list_graphs(store_dir)}
    moved = ingest([folder], by="QC", store=store_dir, replace=True)
    assert moved.dropped == ("https://w3id.org/cokg/graph/submission/organismes-qu-bec-t",)
    assert not moved.unchanged
    with EmbeddedStore(store_dir, read_only=True) as st:
        rows = st.query(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s a ?t } "
            "FILTER(STRSTARTS(STR(?s), 'https://w3id.org/cokg/id/org/verein-')) }"
        ).rows
    assert {str(r["g"]) for r in rows} == {new_graph}


def test_reingest_with_blank_nodes_does_not_grow(store_dir: Path, tmp_path: Path) -> None:
    f = tmp_path / "bnodes.ttl"
    f.write_text(
        """@prefix cokg: <https://w3id.org/cokg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/cokg/id/place/fictional-b> a cokg:Place ; rdfs:label "FICTIONAL" ;
    rdfs:comment [ rdfs:label "a blank node" ] .
""",
        encoding="utf-8",
    )
    ingest([f], by="A", store=store_dir)
    ingest([f], by="A", store=store_dir)
    with EmbeddedStore(store_dir, read_only=True) as st:
        assert st.count("https://w3id.org/cokg/graph/submission/bnodes") == 4


def test_text_is_stored_nfc(store_dir: Path, tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", "Jönköping (FICTIONAL)")
    f = tmp_path / "nfd.ttl"
    f.write_text(
        "@prefix cokg: <https://w3id.org/cokg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f'<https://w3id.org/cokg/id/place/fictional-nfd> a cokg:Place ; rdfs:label "{nfd}" .\n',
        encoding="utf-8",
    )
    ingest([f], by="A", store=store_dir)
    with EmbeddedStore(store_dir, read_only=True) as st:
        rows = st.query(
            "SELECT ?l WHERE { <https://w3id.org/cokg/id/place/fictional-nfd> "
            "<http://www.w3.org/2000/01/rdf-schema#label> ?l }"
        ).rows
    assert rows[0]["l"] == Literal(unicodedata.normalize("NFC", nfd))


def test_retract_removes_graph_and_provenance(store_dir: Path) -> None:
    ingest([EXAMPLE], by="A", store=store_dir)
    assert retract("fictional-riverside", store=store_dir) == GRAPH
    with EmbeddedStore(store_dir, read_only=True) as st:
        assert GRAPH not in st.graphs() and PROV_GRAPH not in st.graphs()


def test_retract_unknown_or_not_a_submission(store_dir: Path) -> None:
    with pytest.raises(ParameterError, match="no submission"):
        retract("nothing-here", store=store_dir)
    with pytest.raises(ParameterError, match="only submissions"):
        retract("https://w3id.org/cokg/graph/dundee-mrr", store=store_dir)


def test_cli_walkthrough(store_dir: Path) -> None:
    r = _run("ingest", str(EXAMPLE), "--by", "Test Steward", "--store", str(store_dir))
    assert r.exit_code == 0, r.output
    assert "added" in r.output and "submission/fictional-riverside" in r.output
    # a template folder is named with its number of files, not file by file
    sheets = sum(1 for f in EXAMPLE.iterdir() if f.suffix == ".csv" and f.name != "README.csv")
    m = re.search(r" triples from (\d+) files in (.+)/\); provenance in ", r.output)
    assert m is not None, r.output
    assert int(m.group(1)) == sheets and Path(m.group(2)).resolve() == EXAMPLE.resolve()
    r = _run("graphs", "--store", str(store_dir))
    assert r.exit_code == 0
    line = next(x for x in r.output.splitlines() if x.startswith("submission/fictional-riverside"))
    assert "Test Steward" in line and "quotations.csv" in line
    r = _run("retract", "submission/fictional-riverside", "--store", str(store_dir))
    assert r.exit_code == 0 and "removed" in r.output
    r = _run("retract", "submission/fictional-riverside", "--store", str(store_dir))
    assert r.exit_code == 2


def test_ingest_needs_by() -> None:
    r = _run("ingest", str(EXAMPLE))
    assert r.exit_code == 2 and "--by" in r.output


def test_violation_writes_nothing(store_dir: Path) -> None:
    with pytest.raises(ValidationFailed) as exc:
        ingest([SUB / "year-twenty.ttl"], by="A", store=store_dir)
    assert not exc.value.report.conforms  # type: ignore[attr-defined]
    assert not any("submission/" in i.graph for i in list_graphs(store_dir))


def test_a_refused_folder_is_named_as_given(store_dir: Path, tmp_path: Path) -> None:
    # the error line names the folder the steward gave, not each of its files
    folder = tmp_path / "bad-template"
    shutil.copytree(EXAMPLE, folder)
    cases = folder / "cases.csv"
    cases.write_text(
        cases.read_text("utf-8").replace("fictional-riverside", "Not An Id", 1), "utf-8"
    )
    r = _run("ingest", str(folder), "--by", "A", "--store", str(store_dir))
    assert r.exit_code == 1
    last = r.output.strip().splitlines()[-1]
    assert last.startswith(f"cokg: error: {folder}: ") and last.endswith(": nothing was written")


BAD = [
    pytest.param(SUB / "empty.ttl", 2, id="empty-file"),
    pytest.param(SUB / "truncated.ttl", 2, id="truncated-turtle"),
    pytest.param(SUB / "year-twenty.ttl", 1, id="year-twenty"),
    pytest.param(SUB / "unknown-construct.ttl", 1, id="unknown-construct"),
    pytest.param(SUB / "duplicate-ids.ttl", 1, id="duplicate-ids"),
    pytest.param(SUB / "xxe.rdf", 2, id="xml-external-entity"),
    pytest.param(SUB / "billion-laughs.rdf", 2, id="xml-entity-expansion"),
    pytest.param(SUB / "remote-context.jsonld", 2, id="jsonld-remote-context"),
    pytest.param(SUB / "owl-imports.ttl", 1, id="owl-imports-remote"),
    pytest.param(SUB / "latin1.ttl", 2, id="non-utf8"),
    pytest.param("binary", 2, id="binary"),
    pytest.param("docx", 2, id="docx"),
    pytest.param("empty-folder", 2, id="folder-of-nothing"),
]


@pytest.mark.parametrize(("source", "code"), BAD)
def test_bad_input_leaves_store_byte_for_byte(
    store_dir: Path, tmp_path: Path, source, code: int
) -> None:
    ingest([EXAMPLE], by="A", store=store_dir)  # a previous state with a submission in it
    if source == "binary":
        source = tmp_path / "random.nt"
        source.write_bytes(os.urandom(4096))
    elif source == "docx":
        source = tmp_path / "notes.docx"
        source.write_bytes(b"PK\x03\x04" + os.urandom(200))
    elif source == "empty-folder":
        source = tmp_path / "empty"
        source.mkdir()
    before = _hashes(store_dir)
    r = _run("ingest", str(source), "--by", "A", "--store", str(store_dir))
    assert r.exit_code == code, r.output
    assert "Traceback" not in r.output
    assert Path(source).name in r.output
    assert _hashes(store_dir) == before


def test_second_writer_is_refused(store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COKG_WAIT", "0")  # no waiting for its turn
    with EmbeddedStore(store_dir):
        r = _run("ingest", str(EXAMPLE), "--by", "A", "--store", str(store_dir))
    assert r.exit_code == 3 and "locked" in r.output


# --- SIGKILL during the write ---------------------------------------------------------------------

# The child skips validation (its submission is valid; validating 120k triples took ~20 s of
# this test): what is tested is a kill during the real write, which is unchanged.
CHILD = """
import sys
import cokg.ingest as I
from cokg.models import ValidationReport
from cokg.store import oxigraph as S
from cokg.ingest import ingest

I.validate_submission = lambda sub, **kw: ValidationReport(conforms=True, triples=len(sub.graph))
real = S.OxigraphStore._write
def announced(self, targets, quads):
    print("WRITING", flush=True)
    real(self, targets, quads)
    print("WROTE", flush=True)
S.OxigraphStore._write = announced
ingest([sys.argv[1]], by="killed", store=sys.argv[2])
"""


def _big_submission(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            s = f"<https://w3id.org/cokg/id/place/fictional-{i}>"
            fh.write(f"{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                     "<https://w3id.org/cokg/ontology#Place> .\n")  # fmt: skip
            fh.write(f'{s} <http://www.w3.org/2000/01/rdf-schema#label> "FICTIONAL {i}" .\n')
    return path


@pytest.mark.slow
def test_sigkill_during_write_keeps_previous_state(store_dir: Path, tmp_path: Path) -> None:
    small = _big_submission(tmp_path / "places.nt", 10)
    ingest([small], by="before", store=store_dir)
    before = _quads(store_dir)
    (tmp_path / "big").mkdir()
    big = _big_submission(tmp_path / "big" / "places.nt", 60_000)  # same id: a replace
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(big), str(store_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        line = child.stdout.readline()  # type: ignore[union-attr]
        assert line.strip() == "WRITING", child.stderr.read()  # type: ignore[union-attr]
        time.sleep(0.2)  # well inside the write of 120,000 triples
        child.send_signal(signal.SIGKILL)
        rest = child.stdout.read()  # type: ignore[union-attr]
    finally:
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert "WROTE" not in rest, "the write finished before the kill: make the submission bigger"
    assert _quads(store_dir) == before
    with EmbeddedStore(store_dir, read_only=True) as st:
        n = st.count("https://w3id.org/cokg/graph/submission/places")
        prov = st.query(
            "SELECT ?who WHERE { ?a <http://www.w3.org/ns/prov#wasAssociatedWith> ?p . "
            "?p <http://www.w3.org/2000/01/rdf-schema#label> ?who }"
        ).rows
    assert n == 20
    assert [str(r["who"]) for r in prov] == ["before"]


def test_validating_a_changed_submission_ignores_its_stored_copy(
    store_dir: Path, tmp_path: Path
) -> None:
    from cokg.validate import validate

    ingest([EXAMPLE], by="A", store=store_dir)
    changed = tmp_path / "example-template"
    shutil.copytree(EXAMPLE, changed)
    f = changed / "organisations.csv"
    f.write_text(f.read_text(encoding="utf-8").replace("(FICTIONAL),RPN", "(FICTIONAL) v2,RPN"),
                 encoding="utf-8")  # fmt: skip
    with EmbeddedStore(store_dir, read_only=True) as st:
        assert validate([changed], store=st).conforms  # its own graph is left out
        stale = validate([changed], store=st, exclude_graphs=())
    assert not stale.conforms  # two labels: the new one and the stored one


@pytest.mark.parametrize(
    ("command", "wait", "at_least"),
    [
        pytest.param("ingest", "0", 0.0, id="ingest-no-wait"),
        pytest.param("ingest", "0.6", 0.6, id="ingest-waits"),
        pytest.param("retract", "0.6", 0.6, id="retract-waits"),
        pytest.param("build", "0.6", 0.6, id="build-waits"),
    ],
)
def test_writers_wait_their_turn_up_to_wait(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch, command: str, wait: str, at_least: float
) -> None:
    monkeypatch.setenv("COKG_WAIT", "600")  # --wait wins over the environment
    args = {
        "ingest": ["ingest", str(EXAMPLE), "--by", "A"],
        "retract": ["retract", "fictional-riverside"],
        "build": ["build"],
    }[command]
    if command == "retract":
        ingest([EXAMPLE], by="A", store=store_dir)  # something to retract
    before = _quads(store_dir)
    with EmbeddedStore(store_dir):  # another writer holds the store throughout
        t0 = time.monotonic()
        r = _run(*args, "--store", str(store_dir), "--wait", wait)
        took = time.monotonic() - t0
    assert r.exit_code == 3, r.output
    assert f"locked by another process (process {os.getpid()}," in r.output
    assert at_least <= took < at_least + 10
    assert ("waited" in r.output) == (at_least > 0)
    assert _quads(store_dir) == before


# --- validated once when no writer comes between -------------------------------------------------


def _counting_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    import cokg.ingest as ingesting

    calls: list[str] = []
    real = ingesting._check

    def counted(st, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append("read-only" if st.read_only else "writer")
        return real(st, *args, **kwargs)

    monkeypatch.setattr(ingesting, "_check", counted)
    return calls


def test_an_unchanged_store_is_validated_once(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _counting_checks(monkeypatch)
    rep = ingest([EXAMPLE], by="Test Steward", store=store_dir)
    assert rep.validation.conforms and calls == ["read-only"]
    with EmbeddedStore(store_dir, read_only=True) as st:
        assert st.count(GRAPH) == rep.triples


def test_a_writer_between_the_checks_is_seen(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another steward's ingest lands between this one's read-only check and its turn to
    write: the submission is checked again against what is stored now, and refused (its
    records are stored in the other submission) instead of storing them twice."""
    import cokg.store as stores

    calls = _counting_checks(monkeypatch)
    real_open = stores.open_store
    came_between: list[str] = []

    def open_store(spec, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not kwargs.get("read_only") and not came_between:
            came_between.append("interloper")
            monkeypatch.setattr(stores, "open_store", real_open)
            ingest([EXAMPLE], by="Other Steward", store=store_dir, submission="interloper")
        return real_open(spec, *args, **kwargs)

    monkeypatch.setattr(stores, "open_store", open_store)
    with pytest.raises((ValidationFailed, ParameterError)):
        ingest([EXAMPLE], by="Test Steward", store=store_dir)
    assert came_between and calls[:1] == ["read-only"] and calls[-1] == "writer"
    with EmbeddedStore(store_dir, read_only=True) as st:
        graphs = set(st.graphs())
    assert "https://w3id.org/cokg/graph/submission/interloper" in graphs
    assert GRAPH not in graphs
