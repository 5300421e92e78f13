"""The rating module: the rating scale and outcome levels as written in CFIR practice
(Damschroder and Lowery 2013: +2, +1, 0, -1, -2, X for mixed, missing), the module's place in
the ontology, and ratings as case records that a steward is told about by case."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, SKOS

from cokg import paths
from cokg.errors import ValidationFailed
from cokg.ingest import ingest
from cokg.namespaces import COKG, ONTOLOGY_IRI
from cokg.validate import validate

MODULE = paths.MODULES_DIR / "rating.ttl"
G = rdflib.Graph().parse(MODULE, format="turtle")
SHAPES = Path(__file__).parent / "fixtures" / "shapes"

# notation and score, written out from the CFIR rating scale
SCALE = {
    "RatingPlus2": ("+2", 2), "RatingPlus1": ("+1", 1), "RatingZero": ("0", 0),
    "RatingMinus1": ("-1", -1), "RatingMinus2": ("-2", -2),
    "RatingMixed": ("X", None), "RatingMissing": ("missing", None),
}  # fmt: skip
LEVELS = {"HighOutcome": ("high", 1), "MixedOutcome": ("mixed", 2), "LowOutcome": ("low", 3)}


def _all_different() -> list[set]:
    return [
        set(Collection(G, G.value(ad, OWL.distinctMembers)))
        for ad in G.subjects(RDF.type, OWL.AllDifferent)
    ]


def test_the_rating_scale() -> None:
    members = set(G.subjects(RDF.type, COKG.RatingValue))
    assert members == {COKG[n] for n in SCALE}
    for name, (notation, score) in SCALE.items():
        assert [str(n) for n in G.objects(COKG[name], SKOS.notation)] == [notation]
        got = G.value(COKG[name], COKG.ratingScore)
        assert (None if got is None else got.toPython()) == score, name
    assert members in _all_different()


def test_valence_is_the_sign_and_strength_the_magnitude() -> None:
    scored = {n: s for n, (_, s) in SCALE.items() if s is not None}
    assert {abs(s) for s in scored.values()} == {0, 1, 2}
    assert sorted(scored.values()) == [-2, -1, 0, 1, 2]


def test_the_outcome_levels() -> None:
    members = set(G.subjects(RDF.type, COKG.OutcomeLevel))
    assert members == {COKG[n] for n in LEVELS}
    for name, (notation, order) in LEVELS.items():
        assert [str(n) for n in G.objects(COKG[name], SKOS.notation)] == [notation]
        assert G.value(COKG[name], COKG.outcomeOrder) == Literal(order)
    assert members in _all_different()


def test_the_module_is_imported_and_catalogued() -> None:
    umbrella = rdflib.Graph().parse(paths.UMBRELLA, format="turtle")
    assert URIRef(f"{ONTOLOGY_IRI}/rating") in set(umbrella.objects(None, OWL.imports))
    assert 'uri="modules/rating.ttl"' in paths.CATALOG.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "name", ["ratedCase", "ratedConstruct", "ratedPhase", "ratingValue", "outcomeOfCase",
             "outcomeAspect", "outcomeLevel"],
)  # fmt: skip
def test_one_value_each(name: str) -> None:
    assert (COKG[name], RDF.type, OWL.FunctionalProperty) in G


@pytest.mark.parametrize("engine", ["sparql", "pyshacl"])
def test_messages_name_the_rating_and_its_case(engine: str) -> None:
    report = validate(
        [SHAPES / "invalid" / "ConstructRatingShape-other-case-finding-001.ttl"], engine=engine
    )
    (r,) = report.violations
    assert r.record_label == "construct rating culture-adoption of case fx-case"
    assert "is about case" in r.message and "own case" in r.message


def test_a_conflicting_rating_is_not_stored(store_dir: Path) -> None:
    """Two ratings of one cell (case, construct, phase, rater): nothing is stored."""
    bad = SHAPES / "invalid" / "ConstructRatingShape-two-in-a-cell-001.ttl"
    with pytest.raises(ValidationFailed):
        ingest([bad], by="A", store=store_dir)
    from cokg.ingest import list_graphs

    assert not any("submission/" in i.graph for i in list_graphs(store_dir))
