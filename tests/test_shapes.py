"""The shapes themselves: every shape has valid and invalid fixtures, every invalid fixture
gives exactly the hand-written results (focus node, path, constraint component, source shape;
never message text), with pySHACL and with the shapes compiled to SPARQL alike."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from cokg import paths
from cokg.namespaces import COKG, RDF, SH
from cokg.validate import shapes_graph, validate

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
VALID = sorted((FIXTURES / "valid").glob("*.ttl"))
INVALID = sorted(f for f in (FIXTURES / "invalid").glob("*.ttl") if ".expected" not in f.name)
SHAPES = sorted(paths.SHAPES_DIR.glob("*.ttl"))
MODULES = [
    "case",
    "context",
    "organisation",
    "phase",
    "finding",
    "evidence",
    "provenance",
    "mapping",
    "coding",
    "rating",
]

Key = tuple[str, str | None, str, str]


def _shape_name(f: Path) -> str:
    return f.stem.split("-", 1)[0]


def _targeted_shapes() -> set[str]:
    g = shapes_graph()
    out = set()
    for s in g.subjects(RDF.type, SH.NodeShape):
        if any(g.value(s, p) is not None for p in (SH.targetClass, SH.targetSubjectsOf)):
            out.add(str(s).rsplit("#", 1)[-1])
    return out


def _expected(f: Path) -> set[Key]:
    g = Graph().parse(f.with_name(f.stem + ".expected.ttl"), format="turtle")
    out = set()
    for r in g.objects(None, SH.result):
        path = g.value(r, SH.resultPath)
        out.add(
            (
                str(g.value(r, SH.focusNode)),
                str(path) if path is not None else None,
                str(g.value(r, SH.sourceConstraintComponent)),
                str(g.value(r, SH.sourceShape)),
            )
        )
    return out


@cache
def _results(f: Path, engine: str) -> frozenset[Key]:
    report = validate([f], engine=engine, checks=False, merge=False)  # the shapes' own results
    return frozenset(
        (
            str(r.focus_node),
            str(r.path) if r.path is not None else None,
            str(r.constraint_component),
            str(r.source_shape),
        )
        for r in report.results
    )


# --- the shape files -----------------------------------------------------------------------


def test_one_shapes_file_per_module() -> None:
    names = {f.stem for f in SHAPES}
    assert set(MODULES) <= names


@pytest.mark.parametrize("shape", sorted(_targeted_shapes()))
def test_every_shape_has_valid_and_invalid_fixtures(shape: str) -> None:
    assert any(_shape_name(f) == shape for f in VALID), f"no valid fixture for {shape}"
    assert any(_shape_name(f) == shape for f in INVALID), f"no invalid fixture for {shape}"


def test_every_property_shape_is_documented() -> None:
    g = shapes_graph()
    for ps in g.subjects(RDF.type, SH.PropertyShape):
        for p in (SH.name, SH.description, SH.message):
            assert g.value(ps, p) is not None, f"{ps} has no {p}"


def test_every_sparql_constraint_is_documented() -> None:
    g = shapes_graph()
    for c in g.subjects(RDF.type, SH.SPARQLConstraint):
        for p in (SH.name, SH.description, SH.message, SH.select):
            assert g.value(c, p) is not None, f"{c} has no {p}"


def test_node_shapes_are_named_after_classes() -> None:
    g = shapes_graph()
    for s in g.subjects(SH.targetClass, None):
        cls = g.value(s, SH.targetClass)
        assert str(s).endswith("#" + str(cls).rsplit("#", 1)[-1] + "Shape")


def test_severities_used() -> None:
    g = shapes_graph()
    assert set(g.objects(None, SH.severity)) == {SH.Warning}  # the default is sh:Violation


CODES = ["DND-05", "JKG-FL-01", "MB-03", "P01", "KE-03", "SITE2_P14", "BR.SP.07", "7"]
NOT_CODES = ["JANE", "Jane Doe", "JANE-DOE", "p01", "P 01", "-P01", "P01-", "P01\n", "P--01", ""]


def test_informant_code_pattern_takes_any_studys_codes_and_no_names() -> None:
    """The paper's codes (DND-05, JKG-FL-01) and a second study's (P01, KE-03) are codes; a
    word without a digit (a name), lower case or a space is not. The QDA importer and the QC
    check apply the same pattern as the shape."""
    from cokg.qda.converting import INFORMANT_CODE

    g = shapes_graph()
    ps = URIRef("https://w3id.org/cokg/shapes#Informant-informantCode")
    pattern = str(g.value(ps, SH.pattern))
    check = (paths.CHECKS_DIR / "informant-code-malformed-violation.rq").read_text()
    assert f'"{pattern}"' in check
    assert pattern == f"^{INFORMANT_CODE.pattern}$"
    founding = set()
    for f in (paths.DATA_DIR / "cases").glob("*.ttl"):
        founding |= {str(o) for o in Graph().parse(f).objects(None, COKG.informantCode)}
    assert {"DND-05", "JKG-FL-01"} <= founding
    for code in [*CODES, *founding]:
        assert re.fullmatch(pattern.strip("^$"), code), code
    for text in NOT_CODES:
        assert not re.fullmatch(pattern.strip("^$"), text), text


# --- fixtures ------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["pyshacl", "sparql"])
@pytest.mark.parametrize("fixture", [pytest.param(f, id=f.stem) for f in VALID])
def test_valid_fixture_conforms(fixture: Path, engine: str) -> None:
    assert _results(fixture, engine) == frozenset()


@pytest.mark.parametrize("engine", ["pyshacl", "sparql"])
@pytest.mark.parametrize("fixture", [pytest.param(f, id=f.stem) for f in INVALID])
def test_invalid_fixture_gives_expected_results(fixture: Path, engine: str) -> None:
    assert _results(fixture, engine) == _expected(fixture)


@pytest.mark.parametrize("fixture", [pytest.param(f, id=f.stem) for f in INVALID])
def test_invalid_fixture_has_expectations(fixture: Path) -> None:
    assert _expected(fixture), "an invalid fixture must expect at least one result"


# --- whole-store validation: the shapes as SPARQL on the store, same results as pySHACL ---------


@pytest.fixture(scope="module")
def vocabulary_store():
    from cokg.store import MemoryStore, build

    store = MemoryStore()
    build(store, include_data=False)
    yield store
    store.close()


@pytest.mark.parametrize("fixture", [pytest.param(f, id=f.stem) for f in VALID + INVALID])
def test_whole_store_validation_matches_pyshacl(fixture: Path, vocabulary_store) -> None:
    from cokg.namespaces import graph_iri
    from cokg.validate import read_submission, validate_store

    g = graph_iri("fixture")
    vocabulary_store.replace_graphs({g: list(read_submission([fixture]).graph)})
    try:
        report = validate_store(vocabulary_store, checks=False)
    finally:
        vocabulary_store.drop_graphs([g])
    got = {
        (str(r.focus_node), str(r.path) if r.path is not None else None,
         str(r.constraint_component), str(r.source_shape))
        for r in report.results
    }  # fmt: skip
    assert got == set(_results(fixture, "pyshacl"))


def test_the_compiler_refuses_what_it_cannot_check() -> None:
    """A constraint the compiled validation does not implement is an error, never skipped
    (pySHACL would check it, the whole-store validation would not)."""
    from cokg.errors import InputError
    from cokg.validate.compiler import _compile_properties

    g = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <urn:x:> .
        ex:S a sh:NodeShape ; sh:property ex:P .
        ex:P sh:path ex:p ; sh:minLength 3 .
        """,
        format="turtle",
    )
    with pytest.raises(InputError, match="minLength"):
        _compile_properties(g, URIRef("urn:x:S"), "", "", "")
    g.remove((URIRef("urn:x:P"), None, None))
    g.parse(data="<urn:x:P> <http://www.w3.org/ns/shacl#path> <urn:x:p> ; "
            "<http://www.w3.org/ns/shacl#maxInclusive> 1 .", format="turtle")  # fmt: skip
    (compiled,) = _compile_properties(g, URIRef("urn:x:S"), "", "", "")
    assert "COALESCE(!(?value <= " in compiled.query


@pytest.mark.parametrize("engine", ["pyshacl", "sparql"])
@pytest.mark.parametrize(
    ("fixture", "says"),
    [
        pytest.param("WikidataLinkShape-two-items-001.ttl",
                     "a record links to at most one Wikidata item", id="two-items"),
        pytest.param("WikidataLinkShape-https-001.ttl",
                     "write http://www.wikidata.org/entity/Q123 (http, not https", id="https"),
    ],
)  # fmt: skip
def test_a_wikidata_link_message_says_what_is_wrong(fixture: str, says: str, engine: str) -> None:
    # a second link was reported as "2 values ... is not a Wikidata item IRI" (the shape's one
    # message served its maxCount too), and the https form was refused without naming http
    report = validate([FIXTURES / "invalid" / fixture], engine=engine, checks=False, merge=False)
    assert [says in r.message for r in report.results] == [True], report.results
