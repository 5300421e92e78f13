"""One case of a submission that holds several (a study's workbook): `cokg export --case` and
`cokg template --case` give that case's part only, and `cokg ingest --replace` never removes a
case the new submission leaves out. FICTIONAL data: the example template with a second case
(`submissions.two_cases`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, URIRef
from submissions import rewrite, split_example, two_cases

from cokg.cli import cli
from cokg.export import export
from cokg.store import open_store

ID = "https://w3id.org/cokg/id/"
RIVERSIDE, HILLSIDE = "fictional-riverside", "fictional-hillside"


def cokg(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.fixture
def both(store_dir: Path, tmp_path: Path) -> Path:
    """The store with the two cases ingested as one submission."""
    code, output = cokg("ingest", str(two_cases(tmp_path)), "--by", "A. Steward",
                        "--store", str(store_dir))  # fmt: skip
    assert code == 0, output
    return store_dir


@pytest.fixture
def split(store_dir: Path, tmp_path: Path) -> str:
    """The store with the example's shared records as one submission (shared-records) and its
    case, which points at them, as another."""
    shared, case = split_example(tmp_path)
    s = str(store_dir)
    assert cokg("ingest", str(shared), "--by", "A", "--id", "shared-records", "--store", s)[0] == 0
    assert cokg("ingest", str(case), "--by", "A", "--store", s)[0] == 0
    return s


def _triples(nquads: bytes) -> Graph:
    d = Dataset()
    d.parse(data=nquads, format="nquads")
    g = Graph()
    for s, p, o, _ in d.quads():
        g.add((s, p, o))
    return g


def _mentions(g: Graph, case_id: str) -> set[str]:
    return {str(t) for triple in g for t in triple if case_id in str(t)}


def test_export_of_one_case_leaves_the_other_out(both: Path) -> None:
    with open_store(both, read_only=True) as st:
        river = _triples(export(st, format="nq", case=RIVERSIDE))
        hill = _triples(export(st, format="nq", case=HILLSIDE))
        graphs = [g for g in st.graphs() if "/submission/" in g]
        (graph,) = graphs
        whole = Graph()
        for row in st.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}").rows:
            whole.add((row["s"], row["p"], row["o"]))
    assert not _mentions(river, HILLSIDE) and not _mentions(hill, RIVERSIDE)
    assert not any("HLS-" in str(o) for o in river.objects())  # nor the other's informants
    for g, case in ((river, RIVERSIDE), (hill, HILLSIDE)):
        assert (URIRef(f"{ID}quotation/{case}/Q1"), None, None) in g
        assert (URIRef(f"{ID}org/riverside-peer-network"), None, None) in g  # shared: in both
    # together the two parts are the submission: nothing lost between them
    assert len(whole - (river + hill)) == 0
    assert len(river) < len(whole) and len(hill) < len(whole)


def test_template_of_one_case_is_that_case_and_stands_alone(both: Path, tmp_path: Path) -> None:
    out = tmp_path / "river"
    code, output = cokg("template", "--case", RIVERSIDE, str(out), "--store", str(both))
    assert code == 0, output
    assert "as rows: 1 cases," in output and " 2 informants," in output, output
    assert HILLSIDE not in "".join(p.read_text(encoding="utf-8") for p in out.glob("*.csv"))
    # alone, without the other case's records, it is a whole submission
    code, output = cokg("validate", "--no-store", str(out))
    assert code == 0 and "conforms (0 violations" in output, output


def test_replace_never_removes_a_case_left_out(both: Path, tmp_path: Path) -> None:
    out = tmp_path / "river"
    assert cokg("template", "--case", RIVERSIDE, str(out), "--store", str(both))[0] == 0
    before = cokg("graphs", "--store", str(both))[1]
    code, output = cokg("ingest", str(out), "--by", "A. Steward", "--store", str(both))
    assert code == 1 and "--replace" in output  # one record, one graph, as before
    code, output = cokg("ingest", str(out), "--replace", "--by", "A. Steward",
                        "--store", str(both))  # fmt: skip
    assert code == 1, output
    said = [x for x in output.splitlines() if "would remove" in x]
    assert len(said) == 1, output
    assert said[0].startswith(f"{out} (case {HILLSIDE}): submission '")
    assert f"also holds case {HILLSIDE}, which this submission does not" in said[0]
    assert f"`cokg template --case {HILLSIDE}`" in said[0]
    assert f"on purpose with --remove-case {HILLSIDE}" in said[0]
    assert cokg("graphs", "--store", str(both))[1] == before
    # both cases resubmitted, one of them changed: replaced, nothing lost
    hill = tmp_path / "hill"
    assert cokg("template", "--case", HILLSIDE, str(hill), "--store", str(both))[0] == 0
    code, output = cokg("ingest", str(out), str(hill), "--replace", "--by", "A. Steward",
                        "--store", str(both))  # fmt: skip
    assert code == 0, output
    code, output = cokg("query", "sampling-frame", "--format", "csv", "--store", str(both))
    assert RIVERSIDE in output and HILLSIDE in output


def test_remove_case_removes_it_in_the_same_transaction(both: Path, tmp_path: Path) -> None:
    """A site that dropped out of a study submitted as one workbook: its case went only by
    retracting the whole submission and ingesting the others again (the study missing from
    the store meanwhile). --remove-case names it, and the replace removes it."""
    out = tmp_path / "river"
    assert cokg("template", "--case", RIVERSIDE, str(out), "--store", str(both))[0] == 0
    s = str(both)
    code, output = cokg("ingest", str(out), "--by", "A", "--remove-case", HILLSIDE, "--store", s)
    assert code == 2 and "give --replace" in output
    code, output = cokg("ingest", str(out), "--by", "A", "--replace", "--remove-case",
                        RIVERSIDE, "--store", s)  # fmt: skip
    assert code == 2 and f"--remove-case {RIVERSIDE}: no submission this one replaces" in output
    code, output = cokg("ingest", str(out), "--by", "A", "--replace", "--remove-case",
                        HILLSIDE, "--store", s)  # fmt: skip
    assert code == 0, output
    assert f"removed case {HILLSIDE}, as asked" in output
    code, output = cokg("query", "sampling-frame", "--format", "csv", "--store", s)
    assert RIVERSIDE in output and HILLSIDE not in output


def test_retract_of_a_case_id_names_the_submission_holding_it(both: Path) -> None:
    # "no submission 'fictional-hillside'", though a submission of two cases held it
    code, output = cokg("retract", HILLSIDE, "--store", str(both))
    assert code == 2 and output.count("\n") == 1
    assert f"'{HILLSIDE}' is a case, not a submission: submission '" in output
    assert f"holds it, with case {RIVERSIDE}; retracting it removes them all" in output
    assert f"--replace --remove-case {HILLSIDE}" in output
    # named as a record: "case/x" was "not a submission id: use 1-64 lower-case letters"
    for named in (f"case/{HILLSIDE}", f"https://w3id.org/cokg/id/case/{HILLSIDE}"):
        again = cokg("retract", named, "--store", str(both))
        assert again == (code, output), named


def test_a_replace_never_leaves_another_graph_pointing_at_nothing(
    split: str, tmp_path: Path
) -> None:
    """The shared records replaced by a version without an organisation the case refers to:
    the case's roles pointed at nothing. Refused, as retracting them is."""
    shared, _case = split_example(tmp_path / "again")
    f = shared / "organisations.csv"
    rows = f.read_text(encoding="utf-8").splitlines(keepends=True)
    f.write_text("".join(r for r in rows if not r.startswith("riverside-council,")), "utf-8")
    before = cokg("graphs", "--store", split)[1]
    code, output = cokg("ingest", str(shared), "--by", "A", "--id", "shared-records",
                        "--replace", "--store", split)  # fmt: skip
    assert code == 1, output
    (line,) = [x for x in output.splitlines() if "pointing at nothing" in x]
    assert f"submission {RIVERSIDE} refers to 1 record (e.g. org/riverside-council)" in line
    assert "that submission shared-records, which this submission replaces, holds" in line
    # under another id, the new submission (not stored) is not named as holding them
    code, output = cokg("ingest", str(shared), "--by", "A", "--id", "shared-records-v2",
                        "--replace", "--store", split)  # fmt: skip
    (line,) = [x for x in output.splitlines() if "pointing at nothing" in x]
    assert "that submission shared-records, which" in line and "v2" not in line.split("that ")[1]
    assert cokg("graphs", "--store", split)[1] == before


def test_retract_refuses_to_leave_other_submissions_pointing_at_nothing(split: str) -> None:
    s = split
    before = cokg("graphs", "--store", s)[1]
    code, output = cokg("retract", "shared-records", "--store", s)
    assert code == 2, output
    assert (
        output.startswith(
            "cokg: error: submission 'shared-records' holds records that other graphs refer to: "
            f"submission {RIVERSIDE} ("
        )
        and output.count("\n") == 1
    )
    assert "--force" in output
    assert cokg("graphs", "--store", s)[1] == before
    # the case first, then the shared records: nothing refers to them any more
    assert cokg("retract", RIVERSIDE, "--store", s)[0] == 0
    code, output = cokg("retract", "shared-records", "--store", s)
    assert code == 0, output


def test_retract_force_retracts_anyway(split: str) -> None:
    s = split
    code, output = cokg("retract", "shared-records", "--force", "--store", s)
    assert code == 0, output
    assert "submission/shared-records" not in cokg("graphs", "--store", s)[1]


def test_validate_against_the_store_says_what_ingest_would(both: Path, tmp_path: Path) -> None:
    # validate conformed where ingest then refused: it now meets one record, one graph too
    out = tmp_path / "river"
    assert cokg("template", "--case", RIVERSIDE, str(out), "--store", str(both))[0] == 0
    code, output = cokg("validate", str(out), "--store", str(both))
    assert code == 1, output
    (line,) = [x for x in output.splitlines() if "one record, one graph" in x]
    assert f"also holds case {HILLSIDE}, which this one leaves out" in line
    assert "--no-store" not in output


def test_a_dropped_case_row_is_not_merged_with_its_stored_copy(both: Path, tmp_path: Path) -> None:
    # the two cases again, one case's label blanked: the row is dropped, the submission's id
    # changes, and the stored version was validated with it (a finding "with two statements")
    sub = two_cases(tmp_path / "again")
    rewrite(sub / "findings.csv", 2, "statement", "A corrected statement (FICTIONAL).")
    rewrite(sub / "cases.csv", 3, "label", "")
    code, output = cokg("validate", str(sub), "--store", str(both))
    assert code == 1, output
    lines = output.splitlines()[:-1]
    assert len(lines) == 1, output
    assert lines[0].endswith("column label: label is required")
    # nor "one record, one graph": the id the submission would have (from its case ids) is
    # not known until the row is read, so what it would conflict with is not either
    # the case whose row could not be read was submitted: not "left out" of this submission
    assert "leaves out" not in output and "would remove" not in output
    before = cokg("graphs", "--store", str(both))[1]
    code, output = cokg("ingest", str(sub), "--replace", "--by", "A", "--store", str(both))
    assert code == 1, output
    said, summary = output.splitlines()[:2]
    assert said.endswith("column label: label is required"), output
    assert "(1 violation, 0 warnings)" in summary and "would remove" not in output
    assert cokg("graphs", "--store", str(both))[1] == before


def test_whole_store_validation_names_each_record_and_its_graph(split: str) -> None:
    # shared records retracted by force under the case that uses them: each message says
    # which record refers to what is missing, and where that record is
    s = split
    assert cokg("retract", "shared-records", "--force", "--store", s)[0] == 0
    code, output = cokg("validate", "--whole-store", "--store", s)
    assert code == 1, output
    lines = output.splitlines()[:-1]
    study = [x for x in lines if "'study/riverside-study'" in x]
    assert study == [
        f"store (cokgid:case/{RIVERSIDE} in submission/{RIVERSIDE}): 'study/riverside-study' "
        "does not exist in the store — check the spelling, or submit that record too"
    ], study  # one line (the class constraint's repeat merged), not "this submission"
    assert all(x.startswith("store (cokgid:") for x in lines), lines


def test_a_replace_under_a_new_id_says_what_it_replaced(store_dir: Path, tmp_path: Path) -> None:
    """`--replace --id v2` of a stored case: the graph is new ("added", not "replaced"), the
    submission it replaces is named, and the new provenance keeps a link to it."""
    from submissions import copy_example

    s = str(store_dir)
    assert cokg("ingest", str(copy_example(tmp_path)), "--by", "A", "--store", s)[0] == 0
    out = tmp_path / "again"
    assert cokg("template", "--case", RIVERSIDE, str(out), "--store", s)[0] == 0
    code, output = cokg("ingest", str(out), "--by", "A", "--id", "riverside-v2", "--replace",
                        "--store", s)  # fmt: skip
    assert code == 0, output
    first, second = output.splitlines()[:2]
    assert first.startswith("added https://w3id.org/cokg/graph/submission/riverside-v2 "), output
    assert second.startswith(f"it replaces submission {RIVERSIDE} (which held its records)")
    graphs = cokg("graphs", "--store", s)[1]
    assert f"submission/{RIVERSIDE}\n" not in graphs and "submission/riverside-v2" in graphs
    answer = cokg("sparql", "SELECT ?old WHERE { ?s <http://www.w3.org/ns/prov#wasRevisionOf> "
                  "?old }", "--format", "csv", "--store", s)[1]  # fmt: skip
    assert f"https://w3id.org/cokg/graph/submission/{RIVERSIDE}" in answer
    # and the store still conforms: the link is to the old graph's name, not to the submission
    # record that went with it (which "did not exist")
    code, output = cokg("validate", "--whole-store", "--store", s)
    assert code == 0 and "does not exist" not in output, output
