"""Cross-case analyses checked against facts read off the paper's tables and narrative."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from cokg import analyse
from cokg.errors import ParameterError
from cokg.formats import render_analysis
from cokg.namespaces import COKGID, FRAME, LOZEAU
from cokg.report import summarise
from cokg.store import MemoryStore, build

FRAME_ELEMENTS = {
    str(FRAME[x])
    for x in (
        "external-context",
        "internal-context",
        "individual-characteristics",
        "innovation-features",
        "process",
    )
}
CASE_IDS = ("jonkoping-esther", "dundee-mrr", "manitoba-learning-centres")


@pytest.fixture(scope="module")
def store():
    s = MemoryStore()
    build(s)
    yield s
    s.close()


def test_cases_in_case_number_order(store) -> None:
    assert [c.case_id for c in analyse.cases(store)] == list(CASE_IDS)


@pytest.mark.parametrize(
    "phase",
    [pytest.param("adoption", id="table-6"), pytest.param("implementation", id="table-7")],
)
def test_every_frame_element_appears_in_every_case(store, phase) -> None:
    # Tables 6 and 7 have at least one bullet in every element x case cell.
    assert analyse.constructs_in_all_cases(store, phase=phase) >= FRAME_ELEMENTS


@pytest.mark.parametrize(
    ("scenario", "in_all"),
    [
        pytest.param("co-optation", True, id="co-optation-all-cases"),
        pytest.param("transformation", True, id="transformation-all-cases"),
        pytest.param("customization", False, id="customization-case-3-only"),
        pytest.param("loose-coupling", False, id="loose-coupling-NA-in-case-2"),
    ],
)
def test_assimilation_scenarios_across_cases(store, scenario, in_all) -> None:
    # Table 8: NA cells are "not observed" and must not count as the scenario being present.
    shared = analyse.constructs_in_all_cases(store, phase="assimilation")
    assert (str(LOZEAU[scenario]) in shared) is in_all


def test_customization_observed_only_in_case_3(store) -> None:
    g = analyse.case_construct_graph(store, phase="assimilation")
    cases = set(g.neighbors(str(LOZEAU["customization"])))
    assert cases == {str(COKGID["case/manitoba-learning-centres"])}


@pytest.mark.parametrize(
    "pair",
    [
        pytest.param(("dundee-mrr", "jonkoping-esther"), id="1-2"),
        pytest.param(("dundee-mrr", "manitoba-learning-centres"), id="2-3"),
        pytest.param(("jonkoping-esther", "manitoba-learning-centres"), id="1-3"),
    ],
)
def test_frame_similarity_is_total_for_adoption(store, pair) -> None:
    frame = ["https://w3id.org/cokg/framework/study-frame"]
    sims = analyse.case_similarity(store, phase="adoption", schemes=frame)
    assert sims[pair] == 1.0


def test_similarity_with_a_case_never_studied_in_the_phase_is_not_zero(store) -> None:
    """The example case was studied in adoption and implementation, never in assimilation:
    against it, the founding cases' assimilation similarity is n/a (None), not 0.00; its
    adoption similarity is a number, and the founding pairs keep theirs."""
    from cokg.ingest import ingest

    s = MemoryStore()
    build(s)
    ingest([Path(__file__).parent / "fixtures/submissions/example-template"], by="A. S.", store=s)
    for phase, comparable in (("assimilation", False), ("adoption", True)):
        sims = analyse.case_similarity(s, phase=phase)
        for other in CASE_IDS:
            pair = tuple(sorted((other, "fictional-riverside")))
            assert (sims[pair] is not None) is comparable, (phase, pair)
        founding = analyse.case_similarity(store, phase=phase)
        assert {k: v for k, v in sims.items() if k in founding} == founding
    assert analyse.case_similarity(s, phase="assimilation")[("dundee-mrr", "jonkoping-esther")] > 0


def test_srn_lies_on_a_path_to_dundee_adoption(store) -> None:
    before = analyse.paths_to_adoption(store, "dundee-mrr")
    assert any("Scottish Recovery Network" in a for a in before["agents"])


def test_ontario_hospital_not_before_manitoba_adoption(store) -> None:
    before = analyse.paths_to_adoption(store, "manitoba-learning-centres")
    assert not any("Ontario" in a for a in before["agents"])
    # ...while the conference that introduced the model did lead up to adoption.
    assert any("Recovery Days" in e for e in before["events"])


def test_event_precedence_is_a_dag_in_date_order(store) -> None:
    g = analyse.event_precedence(store, "manitoba-learning-centres")
    assert nx.is_directed_acyclic_graph(g)
    by_label = {d["label"]: n for n, d in g.nodes(data=True) if d["kind"] == "event"}

    def find(word: str) -> str:
        hits = [n for label, n in by_label.items() if word in label]
        assert hits, f"no event mentions {word!r}: {sorted(by_label)}"
        return hits[0]

    # June 2015 conference -> September 2017 Thrive -> January 2018 Well-being
    assert nx.has_path(g, find("Recovery Days"), find("Thrive"))
    assert nx.has_path(g, find("Thrive"), find("Well-being"))
    assert not nx.has_path(g, find("Well-being"), find("Thrive"))


def test_role_network_has_srn_as_change_agent_for_dundee(store) -> None:
    g = analyse.organisation_role_network(store)
    srn = [n for n, d in g.nodes(data=True) if "Scottish Recovery Network" in d["label"]]
    assert srn
    roles = {d["role"].lower() for _, _, d in g.edges(srn[0], data=True)}
    assert any("change agent" in r for r in roles)


def test_unknown_case_lists_allowed_ids(store) -> None:
    with pytest.raises(ParameterError, match="dundee-mrr"):
        analyse.event_precedence(store, "nowhere")


def test_unknown_phase_lists_allowed_phases(store) -> None:
    with pytest.raises(ParameterError, match="allowed: adoption, implementation, assimilation"):
        analyse.constructs_in_all_cases(store, phase="retirement")


def test_unknown_network_format_is_refused(store, tmp_path) -> None:
    g = analyse.case_construct_graph(store, phase="adoption")
    with pytest.raises(ParameterError, match="unknown network format 'docx'"):
        analyse.export_graph(g, tmp_path / "net.docx")
    assert not (tmp_path / "net.docx").exists()


def _read_back(path: Path, fmt: str) -> nx.Graph:
    """A network file read back as networkx reads each format."""
    if fmt == "graphml":
        return nx.read_graphml(path)
    if fmt == "gexf":
        return nx.read_gexf(path)
    return nx.node_link_graph(json.loads(path.read_text("utf-8")), edges="links")


@pytest.mark.parametrize("fmt", [pytest.param(f, id=f) for f in analyse.EXPORT_FORMATS])
def test_exports_reread_with_expected_nodes(store, tmp_path, fmt) -> None:
    g = analyse.case_construct_graph(store, phase="adoption")
    path = analyse.export_graph(g, tmp_path / f"net.{fmt}")
    back = _read_back(path, fmt)
    cases = {str(COKGID[f"case/{c}"]) for c in CASE_IDS}
    assert cases | FRAME_ELEMENTS <= set(back.nodes)
    assert back.nodes[str(FRAME["process"])]["kind"] == "construct"


def test_role_network_exports_as_graphml(store, tmp_path) -> None:
    path = analyse.export_graph(analyse.organisation_role_network(store), tmp_path / "r.graphml")
    back = nx.read_graphml(path)
    assert str(COKGID["case/dundee-mrr"]) in back


UNDATED = Path(__file__).parent / "fixtures" / "analyse" / "undated-adoption.ttl"


@pytest.fixture(scope="module")
def with_undated():
    s = MemoryStore()
    build(s)
    s.load_files({"https://w3id.org/cokg/graph/fixture-undated-adoption": UNDATED})
    yield s
    s.close()


@pytest.mark.parametrize("case_id", ["fx-no-episode", "fx-undated-episode"])
def test_a_case_without_a_dated_adoption_has_no_paths_to_it(with_undated, case_id) -> None:
    with pytest.raises(analyse.NoDatedAdoption, match=f"case {case_id} has no dated adoption"):
        analyse.paths_to_adoption(with_undated, case_id)


def test_the_summary_goes_on_past_a_case_without_a_dated_adoption(with_undated) -> None:
    # a submission need not date its adoption: the other cases are still summarised
    before = dict(summarise(with_undated).before_adoption)
    assert before["fx-no-episode"] is None and before["fx-undated-episode"] is None
    assert any("Scottish Recovery Network" in a for a in before["dundee-mrr"] or ())
    lines = render_analysis(summarise(with_undated)).splitlines()
    assert "before adoption in fx-no-episode: - (no dated adoption episode)" in lines


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
def test_role_network_exports_keep_one_edge_per_assignment(store, tmp_path, fmt) -> None:
    """Merged into one edge per agent and case, a funder in one phase and a partner in another
    became 'funder; partner' in 'adoption; implementation; ...': who held which role when was
    lost. Each assignment is its own edge, with its role and phase."""
    g = analyse.organisation_role_network(store)
    path = analyse.export_graph(g, tmp_path / f"roles.{fmt}")
    back = _read_back(path, fmt)
    assert back.is_multigraph() and back.number_of_edges() == g.number_of_edges()
    pairs = sorted((d["role"], d["phase"]) for _, _, d in g.edges(data=True))
    assert sorted((d["role"], d["phase"]) for _, _, d in back.edges(data=True)) == pairs
    assert all("; " not in d["role"] for _, _, d in back.edges(data=True))


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
@pytest.mark.parametrize("kind", ["graph", "multigraph"])
def test_network_files_do_not_depend_on_the_order_the_store_answered(
    tmp_path: Path, fmt: str, kind: str
) -> None:
    # the same store gave GEXF/GraphML/JSON files that differed from run to run
    import networkx as nx

    from cokg.analyse import export_graph

    kinds = {"case-a": "case", "case-b": "case", "c1": "construct", "c2": "construct"}

    def made(order: list[tuple[str, str, str]]) -> bytes:
        g: nx.Graph = nx.MultiGraph() if kind == "multigraph" else nx.Graph()
        for a, b, role in order:
            for n in (a, b):
                g.add_node(n, kind=kinds[n], label=n.upper())
            if kind == "multigraph":
                g.add_edge(a, b, key=(role, "adoption"), role=role)
            else:
                g.add_edge(a, b, weight=1, role=role)
        path = tmp_path / f"{len(list(tmp_path.iterdir()))}.{fmt}"
        return export_graph(g, path).read_bytes()

    edges = [("case-a", "c1", "lead"), ("case-b", "c1", "partner"), ("case-b", "c2", "lead")]
    assert made(edges) == made([(b, a, r) for a, b, r in reversed(edges)])


NO_EPISODES = Path(__file__).parent / "fixtures" / "analyse" / "no-episodes.ttl"
QDA_STUDY = "fx-no-episodes"


@pytest.fixture(scope="module")
def with_no_episodes():
    s = MemoryStore()
    build(s)
    s.load_files({"https://w3id.org/cokg/graph/fixture-no-episodes": NO_EPISODES})
    yield s
    s.close()


def _case_ids(iris: set[str]) -> set[str]:
    return {i.rsplit("/", 1)[-1] for i in iris}


def test_a_case_with_no_episode_is_studied_where_its_evidence_lies(with_no_episodes) -> None:
    """A study imported from a QDA project records no phase episodes: its cases counted as
    studied in no phase, so "in every case" left them out and the report counted 0 studied.
    A case with episodes is still studied only in the phases of its episodes."""
    studied = {
        phase: _case_ids(analyse.studied_cases(with_no_episodes, phase, study=QDA_STUDY))
        for phase in ("adoption", "implementation", "assimilation")
    }
    assert studied == {
        "adoption": {"fx-qda-south", "fx-episode-west"},
        "implementation": {"fx-qda-north", "fx-qda-south"},
        "assimilation": set(),
    }
    # the founding cases, all with episodes, are as they were
    assert _case_ids(analyse.studied_cases(with_no_episodes, "implementation")) == {
        *CASE_IDS,
        "fx-qda-north",
        "fx-qda-south",
    }


def test_in_every_case_counts_the_cases_without_episodes(with_no_episodes) -> None:
    from cokg.query import run_query

    rows = run_query(
        "constructs-in-all-cases", store=with_no_episodes, phase="implementation",
        study=QDA_STUDY,
    )  # fmt: skip
    assert [(str(r["construct_notation"]), int(r["cases"])) for r in rows] == [("process", 2)]
    assert analyse.constructs_in_all_cases(
        with_no_episodes, phase="implementation", study=QDA_STUDY
    ) == {str(FRAME["process"])}
    # adoption: south's finding and west's episode; west has no adoption finding
    assert not run_query(
        "constructs-in-all-cases", store=with_no_episodes, phase="adoption", study=QDA_STUDY
    )
    # the whole store: the founding cases share no construct with north and south
    whole = run_query("constructs-in-all-cases", store=with_no_episodes, phase="implementation")
    assert {str(r["construct_notation"]) for r in whole} == {"process"}
