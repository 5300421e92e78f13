"""The template's coder column (findings sheet): a cell becomes cokg:coder on the finding and a
prov:Agent of the case, a bad cell is a violation naming sheet, row and column, the blank
template and its README offer the column, and a stored case with coders exports back into the
same cells."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from rdflib import Literal, Namespace, URIRef

from cokg.ingest import ingest
from cokg.store import MemoryStore, build
from cokg.template.cells import Row
from cokg.template.converting import convert_rows, read_template
from cokg.template.exporting import case_graph, case_rows
from cokg.template.writing import readme_rows, write_template
from cokg.validate import validate

HARBOUR = Path(__file__).parent / "fixtures" / "agreement" / "harbour"
COKG = Namespace("https://w3id.org/cokg/ontology#")
PROV = Namespace("http://www.w3.org/ns/prov#")
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
FINDING = URIRef("https://w3id.org/cokg/id/finding/fictional-harbour/a-culture")
CODER_A = URIRef("https://w3id.org/cokg/id/coder/fictional-harbour/coder-a")


def _finding_row(coder: str) -> Row:
    return Row("findings", "findings.csv", 2, {
        "case_id": "fictional-harbour", "finding_id": "a-culture", "kind": "narrative",
        "statement": "A statement.", "phase": "implementation", "codes": "cfir22:III.D",
        "located_in": "harbour-implementation", "coder": coder})  # fmt: skip


@pytest.mark.parametrize("cell", ["coder-a", " Coder-A "])
def test_coder_cell_names_the_cases_coder(cell: str) -> None:
    conv = convert_rows([_finding_row(cell)])
    assert not conv.problems
    g = conv.graph
    assert (FINDING, COKG.coder, CODER_A) in g
    assert (CODER_A, RDF_TYPE, PROV.Agent) in g
    assert (CODER_A, RDFS_LABEL, Literal("coder-a")) in g


def test_coder_cell_may_name_a_stored_coder_by_path() -> None:
    conv = convert_rows([_finding_row("coder/1a2b3c4d")])
    coder = URIRef("https://w3id.org/cokg/id/coder/1a2b3c4d")
    assert (FINDING, COKG.coder, coder) in conv.graph
    assert (coder, RDF_TYPE, PROV.Agent) not in conv.graph  # typed where it is stored


def test_a_name_is_not_a_coder_id() -> None:
    conv = convert_rows([_finding_row("Ana Ortiz")])
    (p,) = conv.problems
    assert (p.file, p.row, p.column) == ("findings.csv", 2, "coder")
    assert "'Ana Ortiz' is not a coder id" in p.message
    assert not len(conv.graph)  # the row adds nothing


def test_the_fixture_conforms_and_two_coders_on_one_finding_do_not(tmp_path: Path) -> None:
    report = validate([HARBOUR], store=None)
    assert report.conforms, [r.message for r in report.results]
    sub = tmp_path / "harbour"
    shutil.copytree(HARBOUR, sub)
    with (sub / "findings.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows.append(list(rows[1]))  # coder-a's a-partnerships again, by coder-b
    rows[-1][rows[0].index("coder")] = "coder-b"
    with (sub / "findings.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    report = validate([sub], store=None)
    bad = [r for r in report.results if r.severity == "violation"]
    # one message, on the copy: each coder's finding is a row with its own finding_id
    assert len(bad) == 1 and bad[0].column == "finding_id" and bad[0].row == len(rows)
    assert "is already used in row 2" in bad[0].message
    assert "give each finding its own finding_id" in bad[0].message


def test_blank_template_and_readme_offer_the_column(tmp_path: Path) -> None:
    write_template(tmp_path / "blank")
    header = (tmp_path / "blank" / "findings.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "coder" in header.split(",")
    row = next(r for r in readme_rows() if r[:2] == ["findings", "coder"])
    assert "cokg agreement" in row[4] and row[5] == "coder-a"


def test_stored_coders_export_into_the_coder_cells() -> None:
    st = MemoryStore()
    build(st, include_data=False)
    ingest([HARBOUR], by="A. Steward", store=st)
    graph, _ = case_graph("fictional-harbour", st)
    rows = case_rows(graph)
    coders = {r["finding_id"]: r.get("coder") for r in rows["findings"]}
    assert coders == {
        "a-partnerships": "coder-a", "a-culture": "coder-a", "a-resources": "coder-a",
        "b-partnerships": "coder-b", "b-culture": "coder-b", "b-resources": "coder-b",
        "c-partnerships": "coder-c", "c-culture": "coder-c",
    }  # fmt: skip
    assert "statements" not in rows  # the coders' own statements come from the coder cells
    assert set(read_template(HARBOUR).graph) <= set(graph)
