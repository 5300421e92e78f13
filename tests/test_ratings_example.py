"""The FICTIONAL rated example (examples/rated-sites): it validates, it is never part of the
founding build, each site lands in its own graph, and the rating queries answer it as designed.

The example's adoption ratings by analyst A (B in brackets, averaged with A's), sites Alder and
Birch judged high on implementation, Cedar mixed, Damson and Elder low:
    III.D  Alder +2 [+2]  Birch +1 [+2]  Cedar +1 [0]  Damson -1 [-1]  Elder -2 [-1]
    IV.A   Alder +2 [+1]  Birch +2 [+2]  Cedar +1 [+1] Damson -1 [-2]  Elder 0 [0]
    III.E  +1  +1  +1  +1  0          V.D  +1  +2  0  -1  missing
    III.F  +1   0  +1  +1  0          II.E -1   0  -1  -1  -1
    V.A    +1   0   0  -1  0
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cokg import paths
from cokg.ingest import ingest, list_graphs
from cokg.namespaces import COKGID, graph_iri
from cokg.query import run_query
from cokg.validate import validate

EXAMPLE = paths.EXAMPLES_DIR / "rated-sites"
SITES = ["alder", "birch", "cedar", "damson", "elder"]
FILES = [EXAMPLE / "fictional-pkt-shared.ttl", *(EXAMPLE / f"site-{s}.ttl" for s in SITES)]


def test_the_example_is_outside_the_founding_data() -> None:
    assert not EXAMPLE.resolve().is_relative_to(paths.DATA_DIR.resolve())
    assert sorted(p.name for p in EXAMPLE.glob("*.ttl")) == sorted(f.name for f in FILES)


@pytest.mark.parametrize("path", [pytest.param(f, id=f.stem) for f in FILES])
def test_every_file_says_it_is_fictional(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# FICTIONAL")


@pytest.mark.parametrize("engine", ["sparql", "pyshacl"])
def test_the_example_validates(engine: str) -> None:
    report = validate([EXAMPLE], engine=engine)
    assert report.conforms and not report.results, report.results


def test_the_founding_cases_stay_unrated(built_store: Path) -> None:
    for name in ("construct-matrix", "distinguishing-constructs", "rating-evidence"):
        assert len(run_query(name, store=built_store)) == 0, name


@pytest.fixture(scope="module")
def example_store(tmp_path_factory: pytest.TempPathFactory, built_store: Path) -> Path:
    """A copy of the founding store with the example ingested as `make demo` does it."""
    import shutil

    d = tmp_path_factory.mktemp("rated-example") / "store"
    shutil.copytree(built_store, d)
    for f in FILES:
        ingest([f], by="A. Steward", store=d)
    return d


def test_each_site_lands_in_its_own_graph(example_store: Path) -> None:
    graphs = {i.graph for i in list_graphs(example_store)}
    for s in SITES:
        assert graph_iri(f"submission/fictional-pkt-{s}") in graphs
    rows = run_query(
        "rating-evidence", store=example_store, construct="cfir22:III.D", case="fictional-pkt-alder"
    )
    # and the ratings of a site are in that site's graph (one record, one graph)
    from cokg.store import EmbeddedStore

    with EmbeddedStore(example_store, read_only=True) as st:
        res = st.query(
            "PREFIX cokg: <https://w3id.org/cokg/ontology#> SELECT DISTINCT ?g WHERE { GRAPH ?g "
            "{ ?r a cokg:ConstructRating ; cokg:ratedCase ?case } }",
            bindings={"case": COKGID["case/fictional-pkt-alder"]},
        )
    assert [str(r["g"]) for r in res.rows] == [graph_iri("submission/fictional-pkt-alder")]
    assert {r["rater"] for r in rows} == {"analyst A (FICTIONAL)", "analyst B (FICTIONAL)"}


@pytest.mark.parametrize("phase", ["adoption", "implementation"])
def test_tables_6_and_7_are_unchanged(example_store: Path, built_store: Path, phase: str) -> None:
    """The example has narrative findings only, no cross-case bullets. (Queries over every case,
    such as the sampling frame or Table 8's NA cells, do show its sites: which is why the demo
    ingests it after the founding report.)"""
    before = run_query("cross-case", store=built_store, phase=phase)
    after = run_query("cross-case", store=example_store, phase=phase)
    assert [dict(r) for r in after] == [dict(r) for r in before]


def test_matrix_of_the_example(example_store: Path) -> None:
    answer = run_query("construct-matrix", store=example_store, phase="adoption")
    # 7 constructs x 5 sites by A, plus B's 2 constructs x 5 sites
    assert len(answer) == 7 * 5 + 2 * 5
    cells = {(r["notation"], r["case_id"], r["rater"]): r["cell"] for r in answer}
    # A's culture and leadership ratings cite one finding each, which one quotation supports
    assert cells[("III.D", "fictional-pkt-alder", "analyst A (FICTIONAL)")] == "+2 (1 f, 1 q)"
    assert cells[("III.D", "fictional-pkt-alder", "analyst B (FICTIONAL)")] == "+2 (0 f, 0 q)"
    assert cells[("V.D", "fictional-pkt-elder", "analyst A (FICTIONAL)")] == "missing (0 f, 0 q)"


def _got(answer) -> dict[str, tuple]:
    return {
        r["notation"]: (r["high_mean"], r["low_mean"], r["difference"], r["distinction"])
        for r in answer
    }


def test_distinguishing_constructs_of_the_example(example_store: Path) -> None:
    adoption = _got(run_query("distinguishing-constructs", store=example_store, phase="adoption"))
    d = Decimal
    assert adoption == {
        # high: Alder (2+2)/2 = 2, Birch (1+2)/2 = 1.5 -> 1.75; low: Damson -1, Elder -1.5 -> -1.25
        "III.D": (d("1.75"), d("-1.25"), d("3"), "strong"),
        # high: Alder 1.5, Birch 2 -> 1.75; low: Damson -1.5, Elder 0 -> -0.75
        "IV.A": (d("1.75"), d("-0.75"), d("2.5"), "strong"),
        # high: 1, 0 -> 0.5; low: -1, 0 -> -0.5: one point apart, opposite valence
        "V.A": (d("0.5"), d("-0.5"), d("1"), "weak"),
        # high: 1, 2 -> 1.5; low: Damson -1 (Elder missing, left out)
        "V.D": (d("1.5"), d("-1"), d("2.5"), "strong"),
    }  # III.E (1 against 0.5), III.F (0.5 against 0.5), II.E (-0.5 against -1): no
    implementation = _got(
        run_query("distinguishing-constructs", store=example_store, phase="implementation")
    )
    assert implementation == {
        "III.D": (d("2"), d("-1"), d("3"), "strong"),  # 2, 2 against -1, -1
        "IV.A": (d("1.5"), d("-2"), d("3.5"), "strong"),  # 1, 2 against -2, -2
        "V.D": (d("1.5"), d("-1.5"), d("3"), "strong"),  # 2, 1 against -1, -2
    }  # III.E: 0.5 against 0 (Elder's X left out); III.F, II.E, V.A: no


def test_the_demo_step_ingests_and_shows_the_example(
    tmp_path: Path, built_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from cokg import demo

    store = tmp_path / ".cokg" / "store"
    shutil.copytree(built_store, store)
    monkeypatch.chdir(tmp_path)
    result = demo._step_rated_example()
    text = "\n".join(result.lines)
    assert result.ok
    assert text.count("ingested examples/rated-sites/") == 6
    assert "--- construct-matrix phase=adoption: 45 rows" in text
    assert "--- distinguishing-constructs phase=adoption: 4 rows" in text
    # Agreement of the two analysts over the ten quotations (one unit each), by hand:
    # culture A 5, B 6 (B adds Cedar Q2): p_o 9/10, p_e .5*.6 + .5*.4 = .5, kappa .8;
    #   alpha 1 - (n-1) o01 / (n0 n1) = 1 - 19*1/(9*11) = 80/99 = .808
    # leaders A 5, B 3 (B leaves Cedar Q2, Elder Q2): p_o 8/10, p_e .5*.3 + .5*.7 = .5, kappa .6;
    #   alpha 1 - 19*2/(12*8) = .604
    # planning A 0, B 1 (Elder Q2): p_o 9/10, p_e 0*.1 + 1*.9 = .9, kappa 0
    # overall 26/30 = 86.7%; pooled kappa (26/30 - 1.9/3) / (1 - 1.9/3) = 7/11 = .636
    assert "--- cokg agreement --coders 'analyst A (FICTIONAL),analyst B (FICTIONAL)'" in text
    assert "2 disagreements:" in text
    # the default store stays the founding data, whose answers the README's tour shows
    sites = [r["case_id"] for r in run_query("sampling-frame", store=store)]
    assert not any(str(c).startswith("fictional-pkt") for c in sites), sites
    assert (tmp_path / ".cokg" / "example-store").is_dir()
    # the numbers, from the store the step filled (the printed table wraps with the terminal)
    from cokg.agreement import agreement
    from cokg.store import open_for_reading

    with open_for_reading(tmp_path / ".cokg" / "example-store") as st:
        report = agreement(st, coders=["analyst A (FICTIONAL)", "analyst B (FICTIONAL)"])
    got = {c.label: (c.agreement, c.kappa.value, c.alpha.value) for c in report.codes if c.kappa}
    want = {
        "Welcoming culture": (90.0, 0.8, 80 / 99),  # per cent
        "Leadership backing": (80.0, 0.6, 1 - 38 / 96),
        "Planning the tables": (90.0, 0.0, 1 - 19 * 1 / (19 * 1)),  # n0 19, n1 1: alpha 0
    }
    assert set(got) == set(want)
    for label, values in want.items():
        for g, w in zip(got[label], values, strict=True):
            assert (g is None) if w is None else abs(g - w) < 1e-9, (label, got[label])
    assert report.agreement is not None and abs(report.agreement - 2600 / 30) < 1e-9
    assert report.kappa is not None and abs(report.kappa.value - 7 / 11) < 1e-9


def test_sites_coded_in_a_phase_without_its_episode_are_compared(example_store: Path) -> None:
    """The FICTIONAL sites record no episodes, but their findings are coded in adoption: they
    were studied in it, and their similarity is a number, not 'n/a'."""
    from cokg import analyse
    from cokg.store import open_for_reading

    with open_for_reading(example_store) as st:
        sims = analyse.case_similarity(st, phase="adoption")
        graph = analyse.case_construct_graph(st, phase="adoption")
    pair = ("fictional-pkt-alder", "fictional-pkt-cedar")
    alder, cedar = (f"https://w3id.org/cokg/id/case/{c}" for c in pair)
    a, c = set(graph.neighbors(alder)), set(graph.neighbors(cedar))
    assert a and c
    assert sims[pair] == len(a & c) / len(a | c)
