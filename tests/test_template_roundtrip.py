"""Round trip, as the proof that the template holds everything a case holds: each founding case,
exported from the store into the template (XLSX and CSV) and read back, gives exactly its
data/cases/ file plus the shared records it refers to — zero statements lost or added — and no
statement needs the catch-all sheet. A stored submission comes out, is corrected and goes back.

The expected graph is computed here from the project's files, independently of the exporter:
the case file, plus every statement about a record under cokgid: that the case refers to and
that the shared data files (data/*.ttl) describe, followed from record to record.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from submissions import copy_example, rewrite

from cokg import paths
from cokg.namespaces import COKG, COKGID
from cokg.template import export_case, read_template

CASES = ("jonkoping-esther", "dundee-mrr", "manitoba-learning-centres")


def expected_graph(case: str) -> Graph:
    own = Graph().parse(paths.DATA_DIR / "cases" / f"{case}.ttl")
    shared = Graph()
    for f in sorted(paths.DATA_DIR.glob("*.ttl")):
        shared.parse(f)
    out = Graph()
    for t in own:
        out.add(t)
    described = set(own.subjects())
    base = str(COKGID)
    todo = sorted(
        {o for o in own.objects() if isinstance(o, URIRef) and str(o).startswith(base)} - described
    )
    seen = set(todo)
    while todo:
        record = todo.pop()
        for p, o in shared.predicate_objects(record):
            out.add((record, p, o))
            if isinstance(o, URIRef) and str(o).startswith(base) and o not in seen | described:
                seen.add(o)
                todo.append(o)
    return out


def _difference(got: Graph, expected: Graph) -> str:
    _, extra, missing = graph_diff(to_isomorphic(got), to_isomorphic(expected))
    shown = [f"added {t}" for t in list(extra)[:5]] + [f"lost {t}" for t in list(missing)[:5]]
    return f"{len(extra)} added, {len(missing)} lost: " + "; ".join(map(str, shown))


@pytest.fixture(scope="module")
def store(built_store: Path):
    from cokg.store import EmbeddedStore

    with EmbeddedStore(built_store, read_only=True) as st:
        yield st


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("case", CASES)
def test_founding_case_round_trip(store, tmp_path: Path, case: str, fmt: str) -> None:
    out = tmp_path / (f"{case}.xlsx" if fmt == "xlsx" else case)
    exported = export_case(case, out, store=store)
    expected = expected_graph(case)
    assert len(expected) > 900  # the case file and its shared records
    conv = read_template(out)
    assert not conv.problems, conv.problems[:3]
    assert isomorphic(conv.graph, expected), _difference(conv.graph, expected)
    # Every statement sits in a sheet and column made for it: none on the catch-all sheet.
    assert exported.statements == 0, exported.rows["statements"][:3]
    # The records come out on their sheets, as many as the case holds.
    rows = exported.rows
    own = Graph().parse(paths.DATA_DIR / "cases" / f"{case}.ttl")
    findings = set(own.subjects(COKG.aboutCase, URIRef(COKGID[f"case/{case}"])))
    findings -= set(own.subjects(COKG.quotationId, None))
    assert len(rows["findings"]) == len(findings)
    assert len(rows["quotations"]) == len(set(own.subjects(COKG.quotationId, None)))
    assert len(rows["cases"]) == 1 and rows["cases"][0]["case_id"] == case


def test_export_writes_the_files_a_steward_opens(store, tmp_path: Path) -> None:
    """The CSV folder holds one file per sheet, with the headers of the blank template."""
    from cokg.template import SHEETS, write_template

    export_case("dundee-mrr", tmp_path / "case", store=store)
    write_template(tmp_path / "blank")
    for sheet in SHEETS:
        with (tmp_path / "case" / f"{sheet}.csv").open(encoding="utf-8", newline="") as fh:
            exported = next(csv.reader(fh))
        with (tmp_path / "blank" / f"{sheet}.csv").open(encoding="utf-8", newline="") as fh:
            blank = next(csv.reader(fh))
        assert exported == blank, sheet
    with (tmp_path / "case" / "findings.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    bullet = next(r for r in rows if r["finding_id"] == "table-6-external-context-2")
    assert bullet["codes"] == "cfir22:IV.D; frame:external-context; gdoi:10.2"
    assert bullet["kind"] == "cross-case" and bullet["position"] == "2"
    assert bullet["located_in"] == "table-6-case-2-external-context"


def test_cli_exports_a_case_and_names_an_unknown_one(built_store: Path, tmp_path: Path) -> None:
    from cokg.cli import cli

    runner = CliRunner()
    out = tmp_path / "esther.xlsx"
    res = runner.invoke(
        cli, ["template", "--case", "jonkoping-esther", "--store", str(built_store), str(out)]
    )
    assert res.exit_code == 0, res.output
    assert f"wrote {out}" in res.output and "case jonkoping-esther:" in res.output
    assert out.is_file()
    res = runner.invoke(
        cli, ["template", "--case", "dundee-mr", "--store", str(built_store), str(tmp_path / "x")]
    )
    assert res.exit_code != 0
    assert "no case 'dundee-mr'" in res.output and "did you mean 'dundee-mrr'" in res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "x").exists()


def test_without_shared_leaves_the_shared_records_out(store, tmp_path: Path) -> None:
    exported = export_case("dundee-mrr", tmp_path / "d", store=store, shared=False)
    own = Graph().parse(paths.DATA_DIR / "cases" / "dundee-mrr.ttl")
    assert isomorphic(read_template(tmp_path / "d").graph, own)
    assert not exported.shared_records
    assert not exported.rows.get("organisations")


def test_a_stored_submission_comes_out_is_corrected_and_goes_back(
    store_dir: Path, tmp_path: Path
) -> None:
    """The steward's loop: ingest, export with --case, correct a cell, ingest --replace. The
    case here refers to a founding place (Dundee), so the export carries the shared places,
    which the resubmission repeats unchanged: accepted, and not stored twice."""
    from cokg.ingest import ingest
    from cokg.query import run_query
    from cokg.store import EmbeddedStore

    sub = copy_example(tmp_path)
    rewrite(sub / "cases.csv", 2, "location", "riverside; dundee")
    first = ingest([sub], by="steward", store=store_dir)
    assert first.triples > 200 and not first.unchanged

    out = tmp_path / "out"
    with EmbeddedStore(store_dir, read_only=True) as st:
        exported = export_case("fictional-riverside", out, store=st)
    places = {r["place_id"] for r in exported.rows["places"]}
    assert {"dundee", "scotland", "riverside", "fictionland"} <= places
    findings = out / "findings.csv"
    with findings.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    row = 2 + next(i for i, r in enumerate(rows) if r["finding_id"] == "peer-hosts")
    rewrite(findings, row, "statement", "Peer hosts led the first cafés (corrected).")

    second = ingest([out], by="steward", store=store_dir, replace=True)
    assert second.replaced
    assert COKGID["place/dundee"] in {URIRef(u) for u in second.unchanged}
    from cokg.formats import render_ingest

    said = next(x for x in render_ingest(second).splitlines() if "not stored twice" in x)
    assert "not stored twice: " in said and "place/dundee" in said  # named, not only counted
    with EmbeddedStore(store_dir, read_only=True) as st:
        answer = run_query("record-graphs", store=st, iri=str(COKGID["place/dundee"]))
        graphs = {str(r.terms["graph"]) for r in answer}
        assert graphs == {"https://w3id.org/cokg/graph/places"}  # not stored twice
        finding = COKGID["finding/fictional-riverside/peer-hosts"]
        answer = run_query("record-graphs", store=st, iri=str(finding))
        statements = {r.terms["object"] for r in answer if r.terms["predicate"] == COKG.statement}
        assert statements == {Literal("Peer hosts led the first cafés (corrected).")}


def test_a_changed_shared_record_is_still_refused(store_dir: Path, tmp_path: Path) -> None:
    """Repeating a stored record is accepted only unchanged: a different label for a founding
    place is a second description of one record (one record, one graph)."""
    from cokg.errors import ValidationFailed
    from cokg.ingest import ingest

    sub = copy_example(tmp_path)
    with (sub / "places.csv").open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(["dundee", "Dundee (renamed)", "", "city", "", "", ""])
    with pytest.raises(ValidationFailed) as err:
        ingest([sub], by="steward", store=store_dir)
    messages = [r.message for r in err.value.report.results]  # type: ignore[attr-defined]
    assert any("cokgid:place/dundee" in m and "one record, one graph" in m for m in messages)


def test_a_text_longer_than_an_excel_cell_is_not_cut(tmp_path: Path) -> None:
    """A quotation of 40,000 characters, exported to a workbook, was cut at Excel's 32,767
    without a word, and the steward's corrected workbook stored the cut text. The workbook is
    refused, naming the cell; a CSV folder keeps the whole text."""
    from cokg.errors import InputError
    from cokg.ingest import ingest
    from cokg.store import MemoryStore, build

    sub = copy_example(tmp_path)
    long = "y" * 40_000 + " END"
    rewrite(sub / "quotations.csv", 2, "text", long)
    st = MemoryStore()
    build(st)
    ingest([sub], by="test steward", store=st)
    with pytest.raises(InputError, match=r"sheet quotations row 2, column text: 40,004 char"):
        export_case("fictional-riverside", tmp_path / "case.xlsx", store=st)
    assert not (tmp_path / "case.xlsx").exists()
    export_case("fictional-riverside", tmp_path / "case", store=st)
    texts = {str(o) for o in read_template(tmp_path / "case").graph.objects(None, COKG.text)}
    assert long in texts


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_text_that_looks_like_a_workbook_escape_comes_back_as_itself(
    tmp_path: Path, fmt: str
) -> None:
    """A workbook reader decodes Excel's _xHHHH_ escapes (a CR is stored as _x000D_): a
    quotation that says "_x0041_" itself came back from cokg's own workbook as "A"."""
    from cokg.ingest import ingest
    from cokg.store import MemoryStore, build

    said = "Form _x0041_ and _x000D_ and _x005F_ were the file names (FICTIONAL)."
    sub = copy_example(tmp_path)
    rewrite(sub / "quotations.csv", 2, "text", said)
    st = MemoryStore()
    build(st)
    ingest([sub], by="test steward", store=st)
    out = tmp_path / ("case.xlsx" if fmt == "xlsx" else "case")
    export_case("fictional-riverside", out, store=st)
    texts = {str(o) for o in read_template(out).graph.objects(None, COKG.text)}
    assert said in texts
