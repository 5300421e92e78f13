"""The outcome vocabularies (CFIR Outcomes Addendum, Proctor et al. 2011, RE-AIM), their
mappings, their links to cokg's phases, findings coded to them and `outcomes-by-phase`.

Expected values are typed by hand: the concept names from the articles (Proctor et al.'s eight
outcomes and RE-AIM's five dimensions from their abstracts, the addendum's six implementation
outcomes from its Table 1), the mappings and phase links as curated in
ontology/frameworks/sources/, and the query's rows worked out from the FICTIONAL fixture
tests/fixtures/outcomes/outcome-findings.ttl.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS
from servers import VirtuosoServer, remote_store, running_virtuoso

from cokg import paths
from cokg.namespaces import CFIROUT, COKG, FRAMEWORK, PROCTOR, REAIM, graph_iri
from cokg.query import run_query
from cokg.store import MemoryStore, build

FIXTURES = Path(__file__).parent / "fixtures"
OUTCOME_FINDINGS = FIXTURES / "outcomes" / "outcome-findings.ttl"

DOI = {
    "cfir-outcomes": "https://doi.org/10.1186/s13012-021-01181-5",
    "proctor-2011": "https://doi.org/10.1007/s10488-010-0319-7",
    "re-aim": "https://doi.org/10.2105/AJPH.89.9.1322",
}
# Notations of every concept, by scheme.
CONCEPTS = {
    "proctor-2011": {
        "acceptability", "adoption", "appropriateness", "feasibility", "fidelity",
        "implementation-cost", "penetration", "sustainability",
    },
    "re-aim": {"reach", "effectiveness", "adoption", "implementation", "maintenance"},
    "cfir-outcomes": {
        "antecedent-assessments", "implementation-outcomes", "reach", "innovation-outcomes",
        "anticipated", "adoptability", "implementability", "sustainability",
        "actual", "adoption", "implementation", "sustainment",
        "recipient-outcomes", "deliverer-outcomes", "decision-maker-outcomes",
    },
}  # fmt: skip


def _graph(slug: str) -> rdflib.Graph:
    return rdflib.Graph().parse(paths.FRAMEWORKS_DIR / f"{slug}.ttl", format="turtle")


GRAPHS = {slug: _graph(slug) for slug in DOI}
MAPPINGS = _graph("mappings")


def scheme(slug: str) -> URIRef:
    return URIRef(str(FRAMEWORK) + slug)


def concepts(slug: str) -> set[URIRef]:
    return set(GRAPHS[slug].subjects(RDF.type, SKOS.Concept))


# ------------------------------------------------------------------ the schemes


@pytest.mark.parametrize(
    ("slug", "count"),
    [pytest.param("proctor-2011", 8, id="proctor"), pytest.param("re-aim", 5, id="re-aim"),
     pytest.param("cfir-outcomes", 15, id="cfir-outcomes")],
)  # fmt: skip
def test_concept_count(slug: str, count: int) -> None:
    assert len(concepts(slug)) == count
    notations = {str(GRAPHS[slug].value(c, SKOS.notation)) for c in concepts(slug)}
    assert notations == CONCEPTS[slug]


@pytest.mark.parametrize("slug", [pytest.param(s, id=s) for s in DOI])
def test_every_concept_has_label_definition_and_source(slug: str) -> None:
    g = GRAPHS[slug]
    for c in concepts(slug):
        assert [o.language for o in g.objects(c, SKOS.prefLabel)] == ["en"], c
        (definition,) = g.objects(c, SKOS.definition)
        assert definition.language == "en" and str(definition).endswith("."), c
        assert list(g.objects(c, DCTERMS.source)) == [URIRef(DOI[slug])], c
        assert list(g.objects(c, SKOS.inScheme)) == [scheme(slug)], c
        assert g.value(c, SKOS.notation) is not None, c
    assert g.value(scheme(slug), DCTERMS.source) == URIRef(DOI[slug])


@pytest.mark.parametrize("slug", [pytest.param(s, id=s) for s in ("proctor-2011", "re-aim")])
def test_flat_schemes_are_all_top_concepts(slug: str) -> None:
    g = GRAPHS[slug]
    assert set(g.objects(scheme(slug), SKOS.hasTopConcept)) == concepts(slug)
    assert not set(g.subject_objects(SKOS.broader))


def test_addendum_structure() -> None:
    # Table 1: three anticipated and three actual implementation outcomes.
    g = GRAPHS["cfir-outcomes"]

    def under(parent: str) -> set[str]:
        return {str(g.value(c, SKOS.notation)) for c in g.subjects(SKOS.broader, CFIROUT[parent])}

    assert under("anticipated") == {"adoptability", "implementability", "sustainability"}
    assert under("actual") == {"adoption", "implementation", "sustainment"}
    assert under("implementation-outcomes") == {"anticipated", "actual"}
    assert under("innovation-outcomes") == {
        "recipient-outcomes",
        "deliverer-outcomes",
        "decision-maker-outcomes",
    }
    top = {
        str(g.value(c, SKOS.notation))
        for c in g.objects(scheme("cfir-outcomes"), SKOS.hasTopConcept)
    }
    assert top == {
        "antecedent-assessments",
        "implementation-outcomes",
        "reach",
        "innovation-outcomes",
    }
    # The placements taken from the CFIR website rather than the article say so.
    for code in ("reach", "recipient-outcomes", "deliverer-outcomes", "decision-maker-outcomes"):
        assert g.value(CFIROUT[code], SKOS.editorialNote) is not None, code


def test_re_aim_keeps_the_1999_name_efficacy() -> None:
    g = GRAPHS["re-aim"]
    assert g.value(REAIM.effectiveness, SKOS.altLabel) == Literal("Efficacy", lang="en")


# ------------------------------------------------------------------ mappings

EXPECTED_MAPPINGS = [
    (PROCTOR.adoption, SKOS.closeMatch, REAIM.adoption),
    (PROCTOR.fidelity, SKOS.broadMatch, REAIM.implementation),
    (PROCTOR["implementation-cost"], SKOS.relatedMatch, REAIM.implementation),
    (PROCTOR.penetration, SKOS.relatedMatch, REAIM.reach),
    (PROCTOR.penetration, SKOS.relatedMatch, REAIM.adoption),
    (PROCTOR.sustainability, SKOS.broadMatch, REAIM.maintenance),
    (PROCTOR.acceptability, SKOS.broadMatch, CFIROUT["antecedent-assessments"]),
    (PROCTOR.appropriateness, SKOS.broadMatch, CFIROUT["antecedent-assessments"]),
    (PROCTOR.feasibility, SKOS.broadMatch, CFIROUT["antecedent-assessments"]),
    (PROCTOR.adoption, SKOS.closeMatch, CFIROUT.adoption),
    (PROCTOR.fidelity, SKOS.broadMatch, CFIROUT.implementation),
    (PROCTOR.penetration, SKOS.broadMatch, CFIROUT.implementation),
    (PROCTOR.sustainability, SKOS.closeMatch, CFIROUT.sustainment),
    (REAIM.adoption, SKOS.closeMatch, CFIROUT.adoption),
    (REAIM.implementation, SKOS.closeMatch, CFIROUT.implementation),
    (REAIM.maintenance, SKOS.narrowMatch, CFIROUT.sustainment),
    (REAIM.reach, SKOS.exactMatch, CFIROUT.reach),
    (REAIM.effectiveness, SKOS.closeMatch, CFIROUT["recipient-outcomes"]),
]
OUTCOME_CONCEPTS = set().union(*(concepts(s) for s in DOI))


@pytest.mark.parametrize(
    ("subject", "predicate", "obj"),
    [pytest.param(s, p, o, id=f"{s.split('/')[-2]}-{s.split('/')[-1]}-{o.split('/')[-1]}")
     for s, p, o in EXPECTED_MAPPINGS],
)  # fmt: skip
def test_expected_mapping(subject: URIRef, predicate: URIRef, obj: URIRef) -> None:
    assert (subject, predicate, obj) in MAPPINGS
    (node,) = [
        n for n in MAPPINGS.subjects(COKG.subject, subject) if MAPPINGS.value(n, COKG.object) == obj
    ]
    assert (node, RDF.type, COKG.ConceptMapping) in MAPPINGS
    assert MAPPINGS.value(node, COKG.predicate) == predicate
    assert MAPPINGS.value(node, COKG.confidence).toPython() in {
        Decimal("0.95"), Decimal("0.8"), Decimal("0.7"), Decimal("0.5")
    }  # fmt: skip
    assert len(str(MAPPINGS.value(node, COKG.mappingJustification))) > 40


def test_no_other_mapping_touches_the_outcomes() -> None:
    touching = {
        (s, p, o)
        for s, p, o in MAPPINGS
        if str(p).startswith(str(SKOS)) and (s in OUTCOME_CONCEPTS or o in OUTCOME_CONCEPTS)
    }
    assert touching == set(EXPECTED_MAPPINGS)


def test_like_names_are_not_matched_blindly() -> None:
    # Proctor's sustainability is an observed extent: the addendum's sustainment, not its
    # sustainability (a likelihood).
    assert not set(MAPPINGS.predicate_objects(CFIROUT.sustainability))
    assert not set(MAPPINGS.subject_predicates(CFIROUT.sustainability))


# ------------------------------------------------------------------ outcomes and phases

PHASE_LINKS = {
    (CFIROUT.adoptability, COKG.Adoption),
    (CFIROUT.implementability, COKG.Implementation),
    (CFIROUT.sustainability, COKG.Assimilation),
    (CFIROUT.adoption, COKG.Adoption),
    (CFIROUT.implementation, COKG.Implementation),
    (CFIROUT.sustainment, COKG.Assimilation),
    (PROCTOR.adoption, COKG.Adoption),
    (PROCTOR.fidelity, COKG.Implementation),
    (PROCTOR.penetration, COKG.Implementation),
    (PROCTOR.sustainability, COKG.Assimilation),
    (REAIM.adoption, COKG.Adoption),
    (REAIM.implementation, COKG.Implementation),
    (REAIM.maintenance, COKG.Assimilation),
}


def test_outcome_phase_links() -> None:
    links = set()
    for g in GRAPHS.values():
        links |= set(g.subject_objects(COKG.outcomeOfPhase))
    assert links == PHASE_LINKS


def test_outcome_of_phase_is_declared_in_the_phase_module() -> None:
    g = rdflib.Graph().parse(paths.ONTOLOGY_DIR / "modules" / "phase.ttl", format="turtle")
    prop = COKG.outcomeOfPhase
    assert (prop, RDF.type, rdflib.OWL.ObjectProperty) in g
    assert g.value(prop, RDFS.label) == Literal("outcome of phase", lang="en")
    assert g.value(prop, SKOS.definition) is not None
    assert g.value(prop, RDFS.domain) == SKOS.Concept
    assert g.value(prop, RDFS.range) == COKG.Phase
    assert g.value(prop, RDFS.isDefinedBy) == URIRef("https://w3id.org/cokg/ontology/phase")


# ------------------------------------------------------------------ findings coded to outcomes


def _results(path: Path) -> set[tuple[str, str | None, str]]:
    from cokg.validate import validate

    report = validate([path], checks=False, merge=False)
    return {
        (str(r.focus_node), str(r.path) if r.path is not None else None,
         str(r.constraint_component).rsplit("#", 1)[-1])
        for r in report.results
    }  # fmt: skip


@pytest.mark.parametrize(
    "path",
    [pytest.param(OUTCOME_FINDINGS, id="outcome-findings"),
     pytest.param(FIXTURES / "shapes" / "valid" / "FindingShape-002.ttl", id="shape-fixture")],
)  # fmt: skip
def test_a_finding_coded_to_an_outcome_validates(path: Path) -> None:
    assert _results(path) == set()


def test_a_finding_coded_to_a_phase_does_not() -> None:
    bad = FIXTURES / "shapes" / "invalid" / "FindingShape-phase-not-outcome-001.ttl"
    finding = "https://w3id.org/cokg/id/finding/fx-case/f1"
    codes = str(COKG.codedTo)
    assert _results(bad) == {
        (finding, codes, "ClassConstraintComponent"),
        (finding, codes, "SPARQLConstraintComponent"),
    }


@pytest.mark.parametrize(
    ("code", "iri"),
    [pytest.param("proctor:fidelity", PROCTOR.fidelity, id="proctor"),
     pytest.param("reaim:maintenance", REAIM.maintenance, id="re-aim"),
     pytest.param("cfirout:sustainment", CFIROUT.sustainment, id="cfir-outcomes")],
)  # fmt: skip
def test_the_template_takes_outcome_codes(code: str, iri: URIRef) -> None:
    from cokg.template.converting import parse_value
    from cokg.template.sheets import SHEETS

    column = next(c for c in SHEETS["findings"].columns if c.name == "codes")
    assert parse_value(column, code, None) == iri


# ------------------------------------------------------------------ stores and lookups


@pytest.fixture(scope="module")
def vocabulary() -> Iterator[MemoryStore]:
    """The ontology and frameworks with the FICTIONAL outcome findings, no founding data."""
    st = MemoryStore()
    build(st, include_data=False)
    st.load_files({graph_iri("fixture-outcome-findings"): OUTCOME_FINDINGS})
    yield st
    st.close()


@pytest.fixture(scope="module")
def founding() -> Iterator[MemoryStore]:
    st = MemoryStore()
    build(st)
    yield st
    st.close()


@pytest.mark.parametrize(
    ("slug", "count"),
    [pytest.param("proctor-2011", 8, id="proctor"), pytest.param("re-aim", 5, id="re-aim"),
     pytest.param("cfir-outcomes", 15, id="cfir-outcomes")],
)  # fmt: skip
def test_constructs_and_codebook_know_the_scheme(
    vocabulary: MemoryStore, slug: str, count: int
) -> None:
    from cokg.constructs import find_constructs
    from cokg.qda.codebook import framework_codebook

    assert len(find_constructs(scheme=slug, store=vocabulary)) == count
    assert len(framework_codebook(vocabulary, slug).codes) == count


# ------------------------------------------------------------------ outcomes-by-phase

COLUMNS = ("case_number", "phase", "outcome_scheme", "outcome_notation", "outcome_phase", "match",
           "coded_to", "finding")  # fmt: skip
F = "https://w3id.org/cokg/id/finding/fx-outcomes/"
# Worked out by hand from the fixture and the curated mappings: a finding reaches the concept it
# is coded to and, through one exact, close or broad match, the outcomes that cover it.
EXPECTED_ROWS = [
    (91, "adoption", "cfir-outcomes", "adoptability", "adoption", "direct",
     "cfir-outcomes:adoptability", F + "forecast"),
    (91, "adoption", "cfir-outcomes", "adoption", "adoption", "closeMatch",
     "proctor-2011:adoption", F + "adopt"),
    (91, "adoption", "proctor-2011", "adoption", "adoption", "direct",
     "proctor-2011:adoption", F + "adopt"),
    (91, "adoption", "re-aim", "adoption", "adoption", "closeMatch",
     "proctor-2011:adoption", F + "adopt"),
    (91, "implementation", "cfir-outcomes", "implementation", "implementation", "broadMatch",
     "proctor-2011:fidelity", F + "fidelity"),
    (91, "implementation", "cfir-outcomes", "reach", None, "exactMatch",
     "re-aim:reach", F + "reach"),
    (91, "implementation", "proctor-2011", "fidelity", "implementation", "direct",
     "proctor-2011:fidelity", F + "fidelity"),
    (91, "implementation", "re-aim", "implementation", "implementation", "broadMatch",
     "proctor-2011:fidelity", F + "fidelity"),
    (91, "implementation", "re-aim", "reach", None, "direct", "re-aim:reach", F + "reach"),
    (91, "assimilation", "re-aim", "maintenance", "assimilation", "direct",
     "re-aim:maintenance", F + "maintenance"),
    (92, "adoption", None, None, None, None, None, None),
    (92, "implementation", None, None, None, None, None, None),
    (92, "assimilation", None, None, None, None, None, None),
]  # fmt: skip


def _rows(store: MemoryStore, **params: str) -> list[tuple]:
    answer = run_query("outcomes-by-phase", store=store, **params)
    return [
        tuple(str(r[c]) if c == "finding" and r[c] is not None else r[c] for c in COLUMNS)
        for r in answer
    ]


def test_outcomes_by_phase(vocabulary: MemoryStore) -> None:
    assert _rows(vocabulary) == EXPECTED_ROWS


def test_outcomes_by_phase_statements(vocabulary: MemoryStore) -> None:
    answer = run_query("outcomes-by-phase", store=vocabulary, phase="assimilation", case="91")
    (row,) = answer.rows
    assert row["statement"] == "The cafes still ran three years later, now funded by the council."
    assert row["outcome_label"] == "Maintenance"


def test_outcomes_by_phase_filters(vocabulary: MemoryStore) -> None:
    got = _rows(vocabulary, phase="implementation")
    expected = [r for r in EXPECTED_ROWS if r[1] == "implementation"]
    assert [(r[0], r[3], r[5]) for r in got] == [(r[0], r[3], r[5]) for r in expected]
    assert len(_rows(vocabulary, case="fx-quiet")) == 3


def test_a_pair_linked_twice_is_one_row(tmp_path: Path) -> None:
    # A mapping also declared the other way round (reach exactMatch reach, both directions) and
    # a second kind (a close match beside the exact one) still give one row per finding and
    # outcome, with the closest match.
    extra = tmp_path / "extra-mappings.ttl"
    extra.write_text(
        f"<{CFIROUT.reach}> <{SKOS.exactMatch}> <{REAIM.reach}> .\n"
        f"<{REAIM.reach}> <{SKOS.closeMatch}> <{CFIROUT.reach}> .\n",
        encoding="utf-8",
    )
    st = MemoryStore()
    build(st, include_data=False)
    st.load_files({graph_iri("fixture-outcome-findings"): OUTCOME_FINDINGS,
                   graph_iri("fixture-extra-mappings"): extra})  # fmt: skip
    try:
        assert _rows(st) == EXPECTED_ROWS
    finally:
        st.close()


def test_outcomes_by_phase_on_the_founding_data_shows_only_gaps(founding: MemoryStore) -> None:
    # The founding study codes no finding to an outcome: 3 cases x 3 phases, all empty.
    rows = _rows(founding)
    assert len(rows) == 9
    assert {r[0] for r in rows} == {1, 2, 3}
    assert all(r[2:] == (None,) * 6 for r in rows)


@pytest.fixture(scope="module")
def virtuoso_server() -> Iterator[VirtuosoServer]:
    yield from running_virtuoso()


@pytest.mark.server
@pytest.mark.parametrize("server", ["oxigraph_server", "virtuoso_server"])
@pytest.mark.parametrize(
    "params",
    [{}, {"phase": "implementation"}, {"case": "fx-outcomes"}, {"case": "fx-quiet"}],
    ids=["all", "implementation", "one-case", "gaps-only"],
)
def test_outcomes_by_phase_on_every_store(
    request: pytest.FixtureRequest, server: str, params: dict[str, str]
) -> None:
    # The same hand-worked rows on Oxigraph server and Virtuoso 7 as on the embedded store:
    # the founding data codes no finding to an outcome, so only this fixture tests the
    # mapping branches across engines (a rewrite of the query must pass here too).
    st = remote_store(
        request.getfixturevalue(server),
        {graph_iri("fixture-outcome-findings"): OUTCOME_FINDINGS},
        data=False,
    )
    expected = EXPECTED_ROWS
    if "phase" in params:
        expected = [r for r in expected if r[1] == params["phase"]]
    if "case" in params:
        expected = [r for r in expected if r[0] == (91 if params["case"] == "fx-outcomes" else 92)]
    assert sorted(_rows(st, **params), key=repr) == sorted(expected, key=repr)
    # its page total, counted apart (`#+ count:`), is the same on every engine
    assert run_query("outcomes-by-phase-count", store=st, **params)[0]["total"] == len(expected)


# ------------------------------------------------------------------ the generator


def test_generated_files_are_up_to_date() -> None:
    script = paths.FRAMEWORKS_DIR / "build_frameworks.py"
    done = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
