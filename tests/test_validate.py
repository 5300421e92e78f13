"""`cokg validate` and cokg.validate: formats, hostile input, reports, the store neighbourhood,
whole-store validation and the founding dataset."""

from __future__ import annotations

import json
import socket
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef

from cokg import paths
from cokg.cli import cli
from cokg.errors import InputError
from cokg.namespaces import COKG, SH
from cokg.validate import (
    format_report,
    read_submission,
    store_neighbourhood,
    validate,
    validate_store,
)

SUB = Path(__file__).parent / "fixtures" / "submissions"
FORMATS = sorted((SUB / "formats").glob("example.*"))
PLACE = URIRef("https://w3id.org/cokg/id/place/fictional-riverside")


@pytest.fixture(scope="module")
def founding_store():
    from cokg.store import MemoryStore, build

    store = MemoryStore()
    build(store)
    yield store
    store.close()


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test if anything in Python opens a connection."""
    calls: list[object] = []

    def refuse(self, address, *a, **k):
        calls.append(address)
        raise OSError("network access in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    yield calls
    assert calls == [], f"network access attempted: {calls}"


# --- the founding dataset --------------------------------------------------------------------


def test_founding_dataset_conforms() -> None:
    report = validate([paths.DATA_DIR])
    assert report.conforms, format_report(report)
    assert report.triples > 1000


def test_founding_dataset_conforms_in_the_store(founding_store) -> None:
    report = validate_store(founding_store)
    assert report.conforms, format_report(report)


# --- formats -----------------------------------------------------------------------------------


@pytest.mark.parametrize("f", [pytest.param(f, id=f.suffix) for f in FORMATS])
def test_every_rdf_syntax_reads_to_the_same_triples(f: Path) -> None:
    g = read_submission([f]).graph
    assert set(g) == set(read_submission([SUB / "formats" / "example.ttl"]).graph)
    assert (PLACE, COKG.placeType, Literal("town")) in g


@pytest.mark.parametrize("f", [pytest.param(f, id=f.suffix) for f in FORMATS])
def test_every_rdf_syntax_conforms(f: Path) -> None:
    assert validate([f]).conforms


# --- hostile and bad input: exit 1 or 2, one line naming file and problem, no traceback ---------


def _binary(tmp: Path) -> Path:
    p = tmp / "random.ttl"
    p.write_bytes(bytes(range(256)) * 4)
    return p


def _docx(tmp: Path) -> Path:
    p = tmp / "notes.docx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    return p


def _docx_as_ttl(tmp: Path) -> Path:
    p = _docx(tmp)
    return p.rename(tmp / "notes.ttl")


def _empty_folder(tmp: Path) -> Path:
    p = tmp / "nothing"
    p.mkdir()
    return p


def _unknown_suffix(tmp: Path) -> Path:
    p = tmp / "case.txt"
    p.write_text("hello", encoding="utf-8")
    return p


BAD = [
    pytest.param(SUB / "empty.ttl", 2, "empty", id="empty-file"),
    pytest.param(_empty_folder, 2, "no RDF files", id="folder-of-nothing"),
    pytest.param(_binary, 2, "", id="binary"),
    pytest.param(SUB / "truncated.ttl", 2, "truncated.ttl:4", id="truncated-turtle"),
    pytest.param(SUB / "year-twenty.ttl", 1, "'twenty'", id="year-twenty"),
    pytest.param(SUB / "unknown-construct.ttl", 1, "cfir22:IX.Z", id="unknown-construct"),
    pytest.param(SUB / "duplicate-ids.ttl", 1, "'dundee-mrr'", id="duplicate-ids"),
    pytest.param(SUB / "xxe.rdf", 2, "DOCTYPE", id="xml-external-entity"),
    pytest.param(SUB / "billion-laughs.rdf", 2, "ENTITY", id="xml-entity-expansion"),
    pytest.param(SUB / "remote-context.jsonld", 2, "would be fetched", id="jsonld-remote-context"),
    pytest.param(SUB / "owl-imports.ttl", 1, "owl:imports", id="owl-imports-remote"),
    pytest.param(SUB / "latin1.ttl", 2, "not UTF-8", id="non-utf8"),
    pytest.param(_docx, 2, "unknown RDF file type '.docx'", id="docx"),
    pytest.param(_docx_as_ttl, 2, "ZIP", id="docx-renamed-ttl"),
    pytest.param(_unknown_suffix, 2, "unknown RDF file type", id="unknown-format"),
]


@pytest.mark.parametrize(("source", "code", "problem"), BAD)
def test_bad_input_exit_code_and_message(
    tmp_path: Path, source, code: int, problem: str, no_network
) -> None:
    path = source(tmp_path) if callable(source) else source
    result = CliRunner().invoke(cli, ["validate", "--no-store", str(path)])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if code == 2:
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("cokg: error: ")
    assert path.name in result.output
    assert problem in result.output


def test_no_paths_is_unusable() -> None:
    result = CliRunner().invoke(cli, ["validate", "--no-store"])
    assert result.exit_code == 2


def test_syntax_error_carries_the_line() -> None:
    with pytest.raises(InputError) as exc:
        validate([SUB / "truncated.ttl"])
    assert exc.value.line == 4


# --- reports ------------------------------------------------------------------------------------


def test_text_report_groups_by_record() -> None:
    text = format_report(validate([SUB / "year-twenty.ttl"]))
    first = text.splitlines()[0]
    assert first.startswith("tests/fixtures/submissions/year-twenty.ttl (case fictional-twenty): ")
    assert "'twenty'" in first
    assert text.splitlines()[-1].endswith("does not conform (1 violation, 0 warnings)")


def test_json_report() -> None:
    result = CliRunner().invoke(cli, ["validate", "--no-store", "-f", "json",
                                      str(SUB / "year-twenty.ttl")])  # fmt: skip
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["conforms"] is False
    (r,) = data["results"]
    assert r["focus_node"] == "https://w3id.org/cokg/id/case/fictional-twenty"
    assert r["path"] == str(COKG.coproductionStartYear)
    assert r["constraint_component"] == str(SH.PatternConstraintComponent)


def test_ttl_report_is_a_shacl_report() -> None:
    result = CliRunner().invoke(cli, ["validate", "--no-store", "-f", "ttl",
                                      str(SUB / "year-twenty.ttl")])  # fmt: skip
    g = Graph().parse(data=result.output, format="turtle")
    (rep,) = g.subjects(None, SH.ValidationReport)
    assert g.value(rep, SH.conforms) == Literal(False)
    (res,) = g.objects(rep, SH.result)
    assert g.value(res, SH.resultPath) == COKG.coproductionStartYear


def test_valid_exit_zero() -> None:
    result = CliRunner().invoke(
        cli, ["validate", "--no-store", str(SUB / "formats" / "example.ttl")]
    )
    assert result.exit_code == 0, result.output
    assert "conforms" in result.output


def test_warnings_do_not_fail() -> None:
    f = (
        Path(__file__).parent
        / "fixtures"
        / "shapes"
        / "invalid"
        / "CaseShape-no-innovation-001.ttl"
    )
    report = validate([f])
    assert report.conforms and [r.severity for r in report.results] == ["warning"]


TWENTY = """@prefix cokg: <https://w3id.org/cokg/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
# FICTIONAL episodes and event with dates written as a word: as text, "twenty" sorts after
# "2016", so unguarded date checks would add "adoption starts after implementation", "ends
# before it starts" and "event after its phase ends" to the malformed-date message.
<https://w3id.org/cokg/id/episode/fictional-t/adoption> a cokg:PhaseEpisode ;
    cokg:inCase <https://w3id.org/cokg/id/case/fictional-t> ; cokg:ofPhase cokg:Adoption ;
    cokg:startDate "twenty"^^xsd:gYear .
<https://w3id.org/cokg/id/episode/fictional-t/implementation> a cokg:PhaseEpisode ;
    cokg:inCase <https://w3id.org/cokg/id/case/fictional-t> ; cokg:ofPhase cokg:Implementation ;
    cokg:startDate "2016"^^xsd:gYear ; cokg:endDate "2019"^^xsd:gYear .
<https://w3id.org/cokg/id/episode/fictional-t/assimilation> a cokg:PhaseEpisode ;
    cokg:inCase <https://w3id.org/cokg/id/case/fictional-t> ; cokg:ofPhase cokg:Assimilation ;
    cokg:startDate "twenty"^^xsd:gYear ; cokg:endDate "2020"^^xsd:gYear .
<https://w3id.org/cokg/id/event/fictional-t/visit> a cokg:Event ;
    cokg:inCase <https://w3id.org/cokg/id/case/fictional-t> ; cokg:duringPhase cokg:Implementation ;
    cokg:date "twenty"^^xsd:gYear .
"""


def test_malformed_date_gives_one_message(tmp_path: Path) -> None:
    # The date checks compare only well-formed dates: "twenty" is reported once, by the shapes,
    # not again as "adoption starts after implementation" or "ends before it starts".
    f = tmp_path / "twenty.ttl"
    f.write_text(TWENTY, encoding="utf-8")
    report = validate([f])
    twenty = [r for r in report.results if "twenty" in r.message]
    assert len(twenty) == 3, format_report(report)
    assert {str(r.focus_node).rsplit("/", 1)[-1] for r in twenty} == {
        "adoption",
        "assimilation",
        "visit",
    }
    assert not [r for r in report.results if isinstance(r.source_constraint, Literal)]


CHECK_FIXTURES = Path(__file__).parent / "fixtures" / "queries" / "checks"
CHECK_SEVERITY = {  # None: a shape reports it, so validation does not run the check
    "adoption-after-implementation": "violation",
    "episode-end-before-start": "violation",
    "event-phase-outside-episode": "violation",  # issue 11.8: a violation, not a warning
    "finding-without-construct": "violation",
    "finding-without-source": "violation",
    "informant-code-malformed": "violation",
    "quotation-without-finding": "warning",
    "undeclared-cokg-term": None,
}


@pytest.mark.parametrize(
    "check", [pytest.param(p.stem, id=p.stem) for p in sorted(CHECK_FIXTURES.glob("*.ttl"))]
)
def test_check_rows_have_the_checks_severity(check: str, founding_store) -> None:
    # merge=False: the check's own rows, not merged into a shape's result for the same mistake
    report = validate([CHECK_FIXTURES / f"{check}.ttl"], store=founding_store, merge=False)
    rows = [r for r in report.results if r.source_constraint == Literal(f"{check}-violation")]
    expected = CHECK_SEVERITY[check]
    if expected is None:
        assert rows == []
    else:
        assert rows and {r.severity for r in rows} == {expected}
    assert report.conforms == (not any(r.severity == "violation" for r in report.results))


def test_whole_store_skips_checks_covered_by_shapes() -> None:
    from cokg.validate.checks import checks_to_run as _check_queries

    names = {c.name for c in _check_queries()}
    assert "undeclared-cokg-term-violation" not in names
    assert "quotation-without-finding-violation" in names


# --- the store neighbourhood ----------------------------------------------------------------------

REF_ORG = """@prefix cokg: <https://w3id.org/cokg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
# FICTIONAL role of an organisation that exists only in the store.
<https://w3id.org/cokg/id/role/dundee-mrr/fictional-extra> a cokg:RoleAssignment ;
    cokg:roleHolder <https://w3id.org/cokg/id/org/bbc> ;
    cokg:role cokg:PartnerRole ;
    cokg:inCase <https://w3id.org/cokg/id/case/dundee-mrr> .
"""


def test_references_resolve_against_the_store(tmp_path: Path, founding_store) -> None:
    f = tmp_path / "role.ttl"
    f.write_text(REF_ORG, encoding="utf-8")
    alone = validate([f])
    assert not alone.conforms  # the organisation and the case are not in the file
    assert validate([f], store=founding_store).conforms


def test_duplicate_case_id_against_the_store(tmp_path: Path, founding_store) -> None:
    f = tmp_path / "dup.ttl"
    f.write_text(
        (SUB / "duplicate-ids.ttl")
        .read_text(encoding="utf-8")
        .split("<https://w3id.org/cokg/id/case/fictional-copy-2>")[0],
        encoding="utf-8",
    )
    assert validate([f]).conforms  # one case alone is fine
    report = validate([f], store=founding_store)
    assert not report.conforms
    (r,) = report.violations
    assert r.focus_node == URIRef("https://w3id.org/cokg/id/case/fictional-copy")
    assert r.constraint_component == SH.SPARQLConstraintComponent


def test_duplicate_quotation_id_against_the_store(tmp_path: Path, founding_store) -> None:
    f = tmp_path / "q.ttl"
    f.write_text(
        """@prefix cokg: <https://w3id.org/cokg/ontology#> .
# FICTIONAL quotation that reuses Q1 of Case 2.
<https://w3id.org/cokg/id/quotation/dundee-mrr/fictional-q> a cokg:Quotation ;
    cokg:quotationId "Q1" ;
    cokg:text "FICTIONAL" ;
    cokg:aboutCase <https://w3id.org/cokg/id/case/dundee-mrr> ;
    cokg:quotedInformant <https://w3id.org/cokg/id/informant/dundee-mrr/DND-02> ;
    cokg:locatedIn <https://w3id.org/cokg/id/source/fictional-q> .
<https://w3id.org/cokg/id/source/fictional-q> a cokg:SourceLocation ;
    cokg:inSource <https://w3id.org/cokg/id/source/founding-article> ; cokg:section "x" .
""",
        encoding="utf-8",
    )
    report = validate([f], store=founding_store)
    assert {(str(r.path), str(r.constraint_component)) for r in report.violations} >= {
        (str(COKG.quotationId), str(SH.SPARQLConstraintComponent))
    }


def test_neighbourhood_is_small(founding_store) -> None:
    sub = read_submission([SUB / "example-template"])
    near = store_neighbourhood(founding_store, sub.graph)
    assert len(near) < 200  # only what the submission refers to, not the store


def test_store_records_are_not_revalidated(tmp_path: Path, founding_store) -> None:
    f = tmp_path / "role.ttl"
    f.write_text(REF_ORG, encoding="utf-8")
    report = validate([f], store=founding_store)
    assert {r.focus_node for r in report.results} <= set(read_submission([f]).graph.subjects())


def test_pyshacl_engine_agrees_on_a_submission(tmp_path: Path, founding_store) -> None:
    f = tmp_path / "role.ttl"
    f.write_text(REF_ORG.replace("cokg:PartnerRole", "cokg:Adoption"), encoding="utf-8")

    def keys(engine: str) -> set:
        rep = validate([f], store=founding_store, engine=engine, checks=False)
        return {(r.focus_node, r.path, r.constraint_component, r.source_shape) for r in rep.results}

    assert keys("pyshacl") == keys("sparql") != set()


def test_whole_store_cli(tmp_path: Path) -> None:
    from cokg.store import EmbeddedStore, build

    d = tmp_path / "store"
    with EmbeddedStore(d) as st:
        build(st)
    result = CliRunner().invoke(cli, ["validate", "--whole-store", "--store", str(d)])
    assert result.exit_code == 0, result.output
    assert "conforms" in result.output


def test_a_missing_record_says_where_it_was_looked_for(tmp_path: Path) -> None:
    # quotation Q2 of the example names informant RVS-09, which nothing holds: with --no-store
    # the submission alone was searched, and the message does not claim a store was
    import shutil

    folder = tmp_path / "template"
    shutil.copytree(SUB / "example-template", folder)
    quotes = folder / "quotations.csv"
    quotes.write_text(quotes.read_text("utf-8").replace(",Q2,RVS-02,", ",Q2,RVS-09,"), "utf-8")
    alone = CliRunner().invoke(cli, ["validate", "--no-store", str(folder)])
    stored = CliRunner().invoke(cli, ["validate", "--store", "memory:", str(folder)])
    for res, where in ((alone, "in this submission (checked without a store)"),
                       (stored, "in this submission or in the store")):  # fmt: skip
        assert res.exit_code == 1, res.output
        (line,) = [x for x in res.output.splitlines() if "RVS-09" in x]
        assert f"'informant/fictional-riverside/RVS-09' does not exist {where} — did you" in line


def test_an_iri_of_no_known_namespace_is_named_once_in_brackets(
    tmp_path: Path, founding_store
) -> None:
    # a finding coded to a framework cokg does not ship: the code is named as written
    f = tmp_path / "nasss.ttl"
    f.write_text(
        """@prefix cokg: <https://w3id.org/cokg/ontology#> .
# FICTIONAL finding coded to a framework cokg does not hold.
<https://w3id.org/cokg/id/finding/dundee-mrr/fictional-nasss> a cokg:NarrativeFinding ;
    cokg:statement "FICTIONAL" ;
    cokg:aboutCase <https://w3id.org/cokg/id/case/dundee-mrr> ;
    cokg:inPhase cokg:Adoption ;
    cokg:codedTo <https://example.org/nasss/1.1> ;
    cokg:locatedIn <https://w3id.org/cokg/id/source/case-2-adoption> .
""",
        encoding="utf-8",
    )
    report = validate([f], store=founding_store, merge=False)
    messages = [r.message for r in report.violations]
    assert messages and all("'<https://example.org/nasss/1.1>' is not" in m for m in messages)
    assert not any("<<" in m for m in messages)


@pytest.mark.parametrize(
    ("statement", "said"),
    [
        pytest.param(
            '"A finding (FICTIONAL)"@en',
            "cokg:statement 'A finding (FICTIONAL)'@en has a language tag — write it without one",
            id="language-tag",
        ),
        pytest.param(
            '"12"^^xsd:integer',
            "cokg:statement '12' is xsd:integer — write it as xsd:string",
            id="integer",
        ),
    ],
)
def test_a_value_of_the_wrong_kind_is_said_as_such(
    tmp_path: Path, founding_store, statement: str, said: str
) -> None:
    # the shape's message is about how many statements there are: not what is wrong here
    f = tmp_path / "tagged.ttl"
    f.write_text(
        f"""@prefix cokg: <https://w3id.org/cokg/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
# FICTIONAL finding.
<https://w3id.org/cokg/id/finding/dundee-mrr/fictional-tagged> a cokg:NarrativeFinding ;
    cokg:statement {statement} ;
    cokg:aboutCase <https://w3id.org/cokg/id/case/dundee-mrr> ;
    cokg:inPhase cokg:Adoption ;
    cokg:codedTo <https://w3id.org/cokg/framework/study-frame/process> ;
    cokg:locatedIn <https://w3id.org/cokg/id/source/case-2-adoption> .
""",
        encoding="utf-8",
    )
    report = validate([f], store=founding_store)
    assert [r.message for r in report.results] == [said]
