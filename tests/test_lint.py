"""cokg.lint: undeclared and undocumented cokg: terms, in RDF and in SPARQL text."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from cokg import reason
from cokg.lint import Source, lint, sparql_terms
from cokg.load import read_rdf
from cokg.models import LintProblem

FIX = Path(__file__).parent / "fixtures" / "reason"
COKG = "https://w3id.org/cokg/ontology#"


def test_undeclared_term_in_data(project_root) -> None:
    project_root()
    report = reason.check(extra_files=[FIX / "undeclared.ttl"])
    assert [(p.term, p.problem) for p in report.lint] == [
        (COKG + "inCsae", "not declared in the ontology")
    ]
    assert report.lint[0].file.endswith("undeclared.ttl")
    assert not report.ok


def test_unlabelled_term(project_root) -> None:
    project_root()
    report = reason.check(extra_files=[FIX / "unlabelled.ttl"])
    assert sorted((p.term, p.problem) for p in report.lint) == [
        (COKG + "Mystery", "declared without rdfs:label"),
        (COKG + "Mystery", "declared without skos:definition"),
    ]


def test_sparql_terms_skip_comments_and_strings() -> None:
    text = (FIX / "undeclared.rq").read_text(encoding="utf-8")
    assert sparql_terms(text) == [
        (COKG + "Csae", 5),
        (COKG + "inCase", 6),
        (COKG + "inPahse", 6),
    ]


def test_undeclared_term_in_a_query(project_root) -> None:
    project_root()
    core = read_rdf(project_root() / "ontology" / "modules" / "core.ttl")
    text = (FIX / "undeclared.rq").read_text(encoding="utf-8")
    problems = lint(
        [
            Source(Path("core.ttl"), "ontology", tuple(core.quads)),
            Source(FIX / "undeclared.rq", "query", terms=tuple(sparql_terms(text))),
        ]
    )
    assert [(p.term, p.problem) for p in problems] == [
        (COKG + "Csae", "not declared in the ontology (line 5)"),
        (COKG + "inPahse", "not declared in the ontology (line 6)"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("SELECT * { ?x cokg:a ?y }", [COKG + "a"], id="default-prefix"),
        pytest.param(
            "PREFIX k: <https://w3id.org/cokg/ontology#>\nASK { ?x k:b ?y }",
            [COKG + "b"],
            id="other-prefix",
        ),
        pytest.param(
            "PREFIX cokg: <http://example.org/>\nASK { ?x cokg:c ?y }", [], id="rebound-prefix"
        ),
        pytest.param("ASK { ?x cokg:d. }", [COKG + "d"], id="trailing-dot"),
        pytest.param("ASK { ?x cokg:e/cokg:f ?y }", [COKG + "e", COKG + "f"], id="path"),
        pytest.param("ASK { ?x <https://w3id.org/cokg/ontology#g> ?y }", [COKG + "g"], id="iri"),
        pytest.param("ASK { ?x ?p '''cokg:h''' }", [], id="long-string"),
        pytest.param("ASK { ?cokg ?p ?o }", [], id="variable"),
    ],
)
def test_sparql_terms(text: str, expected: list[str]) -> None:
    assert [t for t, _ in sparql_terms(text)] == expected


def test_terms_declared_only_in_data_do_not_count() -> None:
    # Data may use terms but not declare them: a typo declared in data is still a typo.
    cls = ox.NamedNode(COKG + "Invented")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    owl_class = ox.NamedNode("http://www.w3.org/2002/07/owl#Class")
    problems = lint([Source(Path("data.ttl"), "data", (ox.Quad(cls, rdf_type, owl_class),))])
    assert problems == [LintProblem("data.ttl", COKG + "Invented", "not declared in the ontology")]


def test_datatypes_count_as_use() -> None:
    lit = ox.Literal("x", datatype=ox.NamedNode(COKG + "customType"))
    q = ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), lit)
    problems = lint([Source(Path("d.ttl"), "data", (q,))])
    assert [p.term for p in problems] == [COKG + "customType"]


def test_module_outside_the_import_closure(project_root, tmp_path: Path) -> None:
    import shutil

    from conftest import MINI_PROJECT

    root = tmp_path / "p"
    shutil.copytree(MINI_PROJECT, root)
    (root / "ontology" / "modules" / "orphan.ttl").write_text(
        "<https://w3id.org/cokg/ontology/orphan> a <http://www.w3.org/2002/07/owl#Ontology> .\n"
    )
    project_root(root)
    report = reason.check()
    assert [(p.file, p.term, p.problem) for p in report.lint] == [
        (
            "ontology/modules/orphan.ttl",
            "orphan",
            "module file not reached by the owl:imports of the umbrella",
        )
    ]
