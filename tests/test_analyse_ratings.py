"""The rating network (`cokg.analyse.rating_network`): case–construct edges weighted by the
construct ratings, on the FICTIONAL fixture tests/fixtures/ratings/ratings-small.ttl. Every
expected edge is read off the fixture by hand (its ratings are listed in the docstring of
tests/test_ratings_queries.py): the valence is the mean of a pair's numeric ratings, the weight
its magnitude; X counts as mixed, a pair rated only "missing" has no edge."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest
from rated import rated_store

from cokg import analyse
from cokg.errors import ParameterError
from cokg.store import MemoryStore, build

CASE = "https://w3id.org/cokg/id/case/fx-site-{}"
K = "https://w3id.org/cokg/framework/cfir-2022/{}"

# (site, construct) -> valence, from the fixture's adoption ratings
ADOPTION = {
    ("a", "III.D"): 2, ("a", "III.E"): 1, ("a", "III.F"): 1, ("a", "III.G"): 0,
    ("a", "IV.A"): -1, ("a", "V.D"): 2,
    ("b", "III.D"): 1.5,  # rater 1 gave +1, rater 2 +2
    ("b", "III.E"): 0, ("b", "III.F"): 1, ("b", "III.G"): 1,
    ("c", "III.D"): -1, ("c", "III.E"): 0, ("c", "III.F"): -1, ("c", "III.G"): 0,
    ("c", "IV.A"): 1,
    ("d", "III.D"): 0, ("d", "I.B"): 2,
    ("e", "III.D"): -2, ("e", "III.E"): 0,  # X only: an edge of weight 0
    ("e", "III.G"): -1, ("e", "IV.A"): 2,
    # e III.F is rated "missing" only: no edge
}  # fmt: skip


@pytest.fixture(scope="module")
def rated() -> Iterator[MemoryStore]:
    st = rated_store()
    yield st
    st.close()


def _edges(g: nx.Graph) -> dict[tuple[str, str], float]:
    out = {}
    for a, b, d in g.edges(data=True):
        case, concept = (a, b) if g.nodes[a]["kind"] == "case" else (b, a)
        site = case.rsplit("-", 1)[-1]
        out[site, concept.rsplit("/", 1)[-1]] = d["valence"]
    return out


def test_adoption_edges_are_the_mean_ratings(rated: MemoryStore) -> None:
    g = analyse.rating_network(rated, phase="adoption")
    assert _edges(g) == ADOPTION
    for _, _, d in g.edges(data=True):
        assert d["weight"] == abs(d["valence"])
        assert d["sign"] == (d["valence"] > 0) - (d["valence"] < 0)
    assert nx.is_bipartite(g)


def test_mixed_and_missing(rated: MemoryStore) -> None:
    g = analyse.rating_network(rated, phase="adoption")
    e = g.edges[CASE.format("e"), K.format("III.E")]
    assert (e["mixed"], e["weight"], e["ratings"]) == (1, 0, "adoption: X (rater 1 (FICTIONAL))")
    assert not g.has_edge(CASE.format("e"), K.format("III.F"))
    # III.F keeps its node: sites A, B and C rated it
    assert g.degree(K.format("III.F")) == 3


def test_two_raters_are_both_listed_and_findings_counted(rated: MemoryStore) -> None:
    g = analyse.rating_network(rated, phase="adoption")
    b = g.edges[CASE.format("b"), K.format("III.D")]
    assert b["ratings"] == "adoption: +1 (rater 1 (FICTIONAL)); adoption: +2 (rater 2 (FICTIONAL))"
    assert b["findings"] == 1  # fb1, cited by rater 1 only
    assert g.edges[CASE.format("a"), K.format("III.D")]["findings"] == 2  # fa1 and fa2


def test_all_phases_pool_every_rating(rated: MemoryStore) -> None:
    g = analyse.rating_network(rated)
    edges = _edges(g)
    expected = dict(ADOPTION)
    expected["a", "III.D"] = 1.5  # adoption +2, implementation +1
    expected["c", "III.D"] = 0  # adoption -1, implementation +1
    expected |= {("a", "V.A"): 2, ("c", "V.A"): -2, ("a", "II.B"): 1, ("c", "II.B"): -1}
    assert edges == expected
    assert g.edges[CASE.format("a"), K.format("II.B")]["ratings"].startswith("case: +1")


def test_case_nodes_carry_their_outcomes(rated: MemoryStore) -> None:
    g = analyse.rating_network(rated)
    # A: implementation high, fidelity (Proctor) low; E: two judges, both low - said once
    assert g.nodes[CASE.format("a")]["outcome"] == "fidelity: low; implementation: high"
    assert g.nodes[CASE.format("e")]["outcome"] == "implementation: low"
    assert g.nodes[CASE.format("d")]["outcome"] == "implementation: mixed"


def test_networks_include_the_rating_networks_and_export_them(
    rated: MemoryStore, tmp_path: Path
) -> None:
    nets = analyse.networks(rated)
    assert {"case-construct-ratings", "case-construct-ratings-adoption",
            "case-construct-ratings-implementation"} <= set(nets)  # fmt: skip
    assert "case-construct-ratings-assimilation" not in nets  # nothing rated there
    path = analyse.export_graph(nets["case-construct-ratings-adoption"], tmp_path / "r.graphml")
    back = nx.read_graphml(path)
    assert float(back.edges[CASE.format("b"), K.format("III.D")]["valence"]) == 1.5


def test_an_unrated_store_has_no_rating_network() -> None:
    with MemoryStore() as st:
        build(st)  # the founding dataset: no ratings
        assert analyse.rating_network(st).number_of_edges() == 0
        assert not any(name.startswith("case-construct-ratings") for name in analyse.networks(st))


def test_unknown_phase_is_refused(rated: MemoryStore) -> None:
    with pytest.raises(ParameterError, match="unknown phase"):
        analyse.rating_network(rated, phase="sustainment")
