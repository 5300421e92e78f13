"""One record, one graph (issue 11, problem 1): the submission id comes from the case ids in
the submission, a record already stored in another graph is refused naming that graph,
`--replace` replaces that graph in the same transaction; and the rules of problem 6."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from submissions import copy_example, rewrite

from cokg.cli import cli
from cokg.errors import ValidationFailed
from cokg.ingest import ingest, list_graphs
from cokg.namespaces import COKG, COKGID, RDF, RDFS, graph_iri
from cokg.store import EmbeddedStore, build
from cokg.validate import read_submission, submission_id

SUB = Path(__file__).parent / "fixtures" / "submissions"
EXAMPLE = SUB / "example-template"
CASE = COKGID["case/fictional-riverside"]
EXTRA = """@prefix cokg: <https://w3id.org/cokg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/cokg/id/place/fictional-riverside-town> a cokg:Place ;
    rdfs:label "Riverside (FICTIONAL)" .
"""


@pytest.fixture
def extra(tmp_path: Path) -> Path:
    f = tmp_path / "more" / "riverside-town.ttl"
    f.parent.mkdir()
    f.write_text(EXTRA, encoding="utf-8")
    return f


def _run(*args: str):
    return CliRunner().invoke(cli, list(args))


def _changed_case(tmp_path: Path) -> Path:
    """The example with one statement about its case changed (its comment). An unchanged copy
    of a stored record is accepted and not stored twice (cokg.ingest.unchanged_copies), so a
    conflict needs a record the two submissions state differently."""
    sub = copy_example(tmp_path)
    rewrite(sub / "cases.csv", 2, "comment", "FICTIONAL example case, resubmitted with a change.")
    return sub


def _graphs_holding_case(store_dir: Path) -> list[str]:
    with EmbeddedStore(store_dir, read_only=True) as st:
        rows = st.query(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?c a ?t } }", bindings={"c": CASE}
        ).rows
    return sorted(str(r["g"]) for r in rows)


def _sampling_frame_rows(store_dir: Path, case_id: str) -> int:
    r = _run("query", "sampling-frame", "--store", str(store_dir), "--format", "json")
    assert r.exit_code == 0, r.output
    return r.output.count(f'"{case_id}"')


# --- the submission id --------------------------------------------------------------------------


def test_submission_id_comes_from_the_case_id(extra: Path) -> None:
    one = read_submission([EXAMPLE])
    two = read_submission([EXAMPLE, extra])
    assert submission_id([EXAMPLE], one.graph) == "fictional-riverside"
    # adding a file to the submission does not change where its case is stored
    assert submission_id([EXAMPLE, extra], two.graph) == "fictional-riverside"


def test_submission_id_of_several_cases_is_stable() -> None:
    g = Graph()
    for cid in ("fictional-b", "fictional-a"):
        g.add((COKGID[f"case/{cid}"], RDF.type, COKG.Case))
        g.add((COKGID[f"case/{cid}"], COKG.caseId, Literal(cid)))
    sid = submission_id(["x.ttl"], g)
    assert sid.startswith("fictional-a-") and sid == submission_id(["y.ttl", "z.ttl"], g)


def test_submission_without_a_case_keeps_the_file_name_id(extra: Path) -> None:
    sub = read_submission([extra])
    assert submission_id([extra], sub.graph) == "riverside-town"


# --- the bug as reported: one more file, a second copy of the case --------------------------------


def test_adding_a_file_replaces_the_case_instead_of_storing_it_twice(
    store_dir: Path, extra: Path
) -> None:
    first = ingest([EXAMPLE], by="A", store=store_dir)
    second = ingest([EXAMPLE, extra], by="A", store=store_dir)
    assert second.graph == first.graph and second.replaced
    assert _graphs_holding_case(store_dir) == [first.graph]
    assert _sampling_frame_rows(store_dir, "fictional-riverside") == 1


def test_record_stored_in_another_graph_is_refused(store_dir: Path, tmp_path: Path) -> None:
    """The case, changed, under another submission id: refused, naming the graph holding it.
    (The same files again are no conflict any more: every record an unchanged copy.)"""
    first = ingest([EXAMPLE], by="A", store=store_dir, submission="riverside-one")
    with pytest.raises(ValidationFailed) as err:
        ingest([_changed_case(tmp_path)], by="A", store=store_dir, submission="riverside-two")
    report = err.value.report  # type: ignore[attr-defined]
    (conflict,) = [r for r in report.violations if "already stored" in r.message]
    assert conflict.focus_node == CASE
    assert first.graph in conflict.message and "--replace" in conflict.message
    # what differs is said: the steward saw only that the record was "already stored"
    assert "case/fictional-riverside differs in rdfs:comment (column comment))" in conflict.message
    assert "cokg retract riverside-one" in conflict.message
    assert "--replace --by NAME --id riverside-two" in conflict.message
    assert _graphs_holding_case(store_dir) == [first.graph]
    assert _sampling_frame_rows(store_dir, "fictional-riverside") == 1


def test_cli_refusal_names_the_graph_and_replace(store_dir: Path, tmp_path: Path) -> None:
    """As above, from the command line (the second submission changes the case)."""
    args = ["--by", "A", "--store", str(store_dir)]
    assert _run("ingest", str(EXAMPLE), *args, "--id", "riverside-one").exit_code == 0
    r = _run("ingest", str(_changed_case(tmp_path)), *args, "--id", "riverside-two")
    assert r.exit_code == 1
    assert "submission/riverside-one" in r.output and "--replace" in r.output


def test_replace_swaps_the_graphs_in_one_write(store_dir: Path) -> None:
    args = ["--by", "A", "--store", str(store_dir)]
    assert _run("ingest", str(EXAMPLE), *args, "--id", "riverside-one").exit_code == 0
    r = _run("ingest", str(EXAMPLE), *args, "--id", "riverside-two", "--replace")
    assert r.exit_code == 0, r.output
    graphs = {i.graph for i in list_graphs(store_dir)}
    assert graph_iri("submission/riverside-two") in graphs
    assert graph_iri("submission/riverside-one") not in graphs
    with EmbeddedStore(store_dir, read_only=True) as st:
        assert graph_iri("provenance/riverside-one") not in st.graphs()
    assert _graphs_holding_case(store_dir) == [graph_iri("submission/riverside-two")]
    assert _sampling_frame_rows(store_dir, "fictional-riverside") == 1


def test_replace_never_drops_a_graph_built_from_data(store_dir: Path, tmp_path: Path) -> None:
    """A stored case stated again with something new (an unchanged copy would be accepted and
    left out): --replace does not drop the graph built from data/ that holds it."""
    f = tmp_path / "dundee-again.ttl"
    f.write_text(
        "<https://w3id.org/cokg/id/case/dundee-mrr> a <https://w3id.org/cokg/ontology#Case> ;\n"
        '    <http://www.w3.org/2000/01/rdf-schema#comment> "FICTIONAL: a new note" .\n',
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as err:
        ingest([f], by="A", store=store_dir, replace=True)
    messages = [r.message for r in err.value.report.violations]  # type: ignore[attr-defined]
    assert any(graph_iri("dundee-mrr") in m and "data/" in m for m in messages)
    assert graph_iri("dundee-mrr") in {i.graph for i in list_graphs(store_dir)}


def test_statements_about_a_stored_record_do_not_make_it_a_record() -> None:
    from cokg.ingest import record_iris

    g = Graph()
    dundee = COKGID["case/dundee-mrr"]
    g.add((dundee, RDFS.comment, Literal("a supplement")))  # no type, no id: not a record
    q = COKGID["quotation/dundee-mrr/fictional"]
    g.add((q, RDF.type, COKG.Quotation))
    g.add((URIRef("https://example.org/x"), RDF.type, COKG.Place))  # not under cokgid:
    assert record_iris(g) == {q}


# --- rules (issue 11, problem 6) ----------------------------------------------------------------

SHAPE_FIXTURES = Path(__file__).parent / "fixtures" / "shapes"


@pytest.mark.parametrize("engine", ["sparql", "pyshacl"])
@pytest.mark.parametrize("name", ["EventShape-before-phase-001", "EventShape-outside-phase-001"])
def test_event_outside_its_phase_is_a_violation(name: str, engine: str) -> None:
    from cokg.validate import validate

    report = validate([SHAPE_FIXTURES / "invalid" / f"{name}.ttl"], engine=engine)
    assert not report.conforms
    outside = [r for r in report.results if str(r.path) == str(COKG.duringPhase)]
    assert outside and {r.severity for r in outside} == {"violation"}


@pytest.mark.parametrize("engine", ["sparql", "pyshacl"])
def test_event_dated_at_another_precision_inside_the_span_is_fine(engine: str) -> None:
    from cokg.validate import validate

    f = SHAPE_FIXTURES / "valid" / "EventShape-precision-within-phase-001.ttl"
    assert not validate([f], engine=engine).results


def test_event_outside_its_phase_is_not_stored(store_dir: Path) -> None:
    f = SHAPE_FIXTURES / "invalid" / "EventShape-before-phase-001.ttl"
    with pytest.raises(ValidationFailed):
        ingest([f], by="A", store=store_dir)
    assert not any("submission/" in i.graph for i in list_graphs(store_dir))


def test_event_phase_check_is_a_violation_in_the_store() -> None:
    from cokg.store import MemoryStore
    from cokg.validate import read_submission, validate_store

    with MemoryStore() as st:
        build(st, include_data=False)
        g = read_submission([SHAPE_FIXTURES / "invalid" / "EventShape-before-phase-001.ttl"]).graph
        st.replace_graphs({graph_iri("fixture"): list(g)})
        report = validate_store(st)
    early = COKGID["event/fx-case/early"]
    rows = [r for r in report.results if r.focus_node == early]
    assert rows and {r.severity for r in rows} == {"violation"} and not report.conforms


@pytest.mark.parametrize("engine", ["sparql", "pyshacl"])
def test_change_agent_without_a_dated_act_is_a_warning(engine: str) -> None:
    from cokg.validate import validate

    f = SHAPE_FIXTURES / "invalid" / "ChangeAgentDatedShape-undated-001.ttl"
    report = validate([f], engine=engine)
    assert report.conforms
    (w,) = report.results
    assert w.severity == "warning" and w.focus_node == COKGID["role/fx-case/fx-org-agent"]
    assert "temporal questions" in w.message
    assert "external-change-agents-before-adoption" in w.message
    dated = SHAPE_FIXTURES / "valid" / "ChangeAgentDatedShape-001.ttl"
    assert not validate([dated], engine=engine).results


def test_template_readme_marks_every_field_the_shapes_require() -> None:
    """ "Optional" in the template's README means optional: each column the converter turns into
    a property that a shape requires (sh:minCount >= 1, a violation when missing; a warning
    does not stop a submission) for the record's class is marked
    required, or says in its description when it is required (for one kind of record).
    Every record sheet is checked (RECORD_SHEETS: the comments and statements sheets hold no
    typed records of their own); the README has a header row per sheet, so its column rows
    are told apart by a column name."""
    from cokg.namespaces import SH
    from cokg.template import readme_rows
    from cokg.template.sheets import RECORD_SHEETS
    from cokg.validate import shapes_graph

    shapes = shapes_graph()
    required: dict[URIRef, set[str]] = {}
    for shape in shapes.subjects(SH.targetClass, None):
        cls = shapes.value(shape, SH.targetClass)
        for ps in shapes.objects(shape, SH.property):
            n = shapes.value(ps, SH.minCount)
            severity = shapes.value(ps, SH.severity) or shapes.value(shape, SH.severity)
            if severity not in (None, SH.Violation):
                continue  # a warning: the submission passes without it, so it is optional
            if n is not None and int(n) >= 1:
                required.setdefault(cls, set()).add(str(shapes.value(ps, SH.path)))
    columns = {(sheet.name, c.name): c for sheet in RECORD_SHEETS for c in sheet.columns}
    sub = read_submission([EXAMPLE])  # a record of every kind the template holds
    needed: dict[tuple[str, str], set[str]] = {}
    for node, origin in sub.origins.items():
        sheet = Path(origin.file).stem
        for cls in sub.graph.objects(node, RDF.type):
            for path in required.get(cls, ()):
                column = origin.columns.get(path)
                if column is not None:
                    needed.setdefault((sheet, column), set()).add(f"{cls} {path}")
    # the example holds a record of every sheet, so every column of every sheet is checked
    # (some sheets, such as studies, have no column a shape requires)
    assert {Path(o.file).stem for o in sub.origins.values()} >= {s.name for s in RECORD_SHEETS}
    assert needed
    unmarked = {
        key: sorted(why)
        for key, why in needed.items()
        if not (columns[key].required or "required" in columns[key].help.lower())
    }
    assert not unmarked, f"required by the shapes, optional in the README: {unmarked}"
    # and the README the template writes says so
    rows = {(r[0], r[1]): r for r in readme_rows() if len(r) >= 6 and r[1]}
    for key in needed:
        row = rows[key]
        assert row[2] == "yes" or "required" in row[4].lower(), key


def test_change_agent_dated_in_the_store_gives_no_warning(
    tmp_path: Path, built_store: Path
) -> None:
    """A role added for an agent whose dated event is already stored: no false warning."""
    from cokg.validate import validate

    f = tmp_path / "role.ttl"
    f.write_text(
        """@prefix cokg: <https://w3id.org/cokg/ontology#> .
# FICTIONAL extra role for an agent whose dated event (June 2015) is in the store.
<https://w3id.org/cokg/id/role/manitoba-learning-centres/fictional-extra> a cokg:RoleAssignment ;
    cokg:roleHolder <https://w3id.org/cokg/id/agent/english-recovery-college-champion> ;
    cokg:role cokg:ExternalChangeAgentRole ;
    cokg:inCase <https://w3id.org/cokg/id/case/manitoba-learning-centres> .
""",
        encoding="utf-8",
    )
    with EmbeddedStore(built_store, read_only=True) as st:
        report = validate([f], store=st)
    assert report.conforms and not report.results, report.results


def test_an_unreadable_case_row_is_the_one_thing_said(store_dir: Path, tmp_path: Path) -> None:
    """The stored case resubmitted with an unreadable cell in its row: the row was dropped, the
    submission took another id, and "26 records ... already stored ... run --replace" came
    with the one real problem."""
    from openpyxl import load_workbook

    from cokg.template import export_case

    ingest([EXAMPLE], by="A", store=store_dir)
    book = tmp_path / "case.xlsx"
    export_case("fictional-riverside", book, store=store_dir)
    wb = load_workbook(book)
    ws = wb["cases"]
    column = [c.value for c in ws[1]].index("documents_reviewed") + 1
    ws.cell(row=2, column=column).value = "#DIV/0!"
    wb.save(book)
    r = _run("validate", "--store", str(store_dir), str(book))
    assert r.exit_code == 1
    lines = r.output.splitlines()
    assert any("spreadsheet error #DIV/0!" in x for x in lines), r.output
    assert not any("already stored" in x for x in lines), r.output
