"""Every saved query answers what the paper says, and answers the same on every store.

Expected values come only from tests/fixtures/queries/*.json, typed by hand from the founding
article (tables counted bullet by bullet, dates and names from the narrative), never from the
program's output. The second half runs each query on the embedded store (on disk), the in-memory
store and a real Oxigraph server (`oxigraph serve --union-default-graph`), loaded once per
session, and requires the same rows.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from cokg.errors import ParameterError
from cokg.namespaces import PREFIXES
from cokg.query import QueryAnswer, list_queries, pivot, run_query
from cokg.store import EmbeddedStore, MemoryStore, RemoteStore, build

FIX = Path(__file__).parent / "fixtures" / "queries"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIX / f"{name}.json").read_text(encoding="utf-8"))


def _iri(curie: str) -> str:
    prefix, _, local = curie.partition(":")
    return PREFIXES[prefix] + local


@pytest.fixture(scope="module")
def founding() -> MemoryStore:
    st = MemoryStore()
    build(st)
    return st


def q(store: MemoryStore, name: str, **params: Any) -> QueryAnswer:
    return run_query(name, store=store, **params)


def by_case(answer: QueryAnswer) -> dict[str, list]:
    out: dict[str, list] = {}
    for r in answer:
        out.setdefault(r["case_id"], []).append(r)
    return out


# --- CQ2 sampling frame (Table 5) -------------------------------------------------------------


def test_sampling_frame(founding: MemoryStore) -> None:
    fx = fixture("sampling-frame")
    answer = q(founding, "sampling-frame")
    rows = [r for r in answer if r["case_number"] is not None]
    cols = [
        "case_number",
        "case_id",
        "start_year",
        "interviews_from",
        "interviews_to",
        "informant_interviews",
        "documents_reviewed",
    ]
    assert [{c: r[c] for c in cols} for r in rows] == fx["cases"]
    total = answer.rows[-1]
    assert total["case"] == "Total" and total["case_number"] is None
    assert total["informant_interviews"] == fx["total"]["informant_interviews"] == 14
    assert total["documents_reviewed"] == fx["total"]["documents_reviewed"] == 32


# --- CQ11 case and health-system features (Tables 1-4) ----------------------------------------


def test_case_features(founding: MemoryStore) -> None:
    fx = fixture("case-features")
    answer = q(founding, "case-features")
    for number, expected in fx["cases"].items():
        rows = [r for r in answer if r["case_number"] == int(number)]
        feats: dict[str, list[str]] = {}
        for r in rows:
            feats.setdefault(r["feature"], []).append(r["value"])
        for key in ("Location", "Administration"):
            if key in expected:
                assert feats[key] == expected[key]
        questions = feats["Guiding question(s)/aim"]
        assert len(questions) == expected["guiding_questions"]
        assert questions[0] == expected["first_guiding_question"]
        assert len(feats["Inclusivity principles"]) == expected["inclusivity_principles"]
        assert expected["some_principle"] in feats["Inclusivity principles"]
        assert list(feats) == fx["features_in_order"]


def test_case_features_one_case(founding: MemoryStore) -> None:
    answer = q(founding, "case-features", case="dundee-mrr")
    assert {r["case_id"] for r in answer} == {"dundee-mrr"}


def test_health_system_features(founding: MemoryStore) -> None:
    fx = fixture("health-system-features")
    table = pivot(q(founding, "health-system-features"))
    assert table.header[0] == "System features"
    got = {rk: cells for rk, cells in table.rows}
    for col, number in enumerate(sorted(fx["cases"]), start=0):
        for feature, text in fx["cases"][number].items():
            assert got[feature][col] == (text,)


# --- CQ3 cross-case (Tables 6 and 7) ------------------------------------------------------------


@pytest.mark.parametrize("phase", [pytest.param(p, id=p) for p in ("adoption", "implementation")])
def test_cross_case_bullet_counts(founding: MemoryStore, phase: str) -> None:
    fx = fixture("cross-case")
    answer = q(founding, "cross-case", phase=phase)
    table = pivot(answer)
    assert [rk for rk, _ in table.rows] == fx["elements"]
    assert len(table.header) == 1 + 3
    counts = Counter((r["element"], str(r["case_number"])) for r in answer)
    expected = fx["bullets"][phase]
    assert {k: counts[k] for k in counts} == {
        (el, case): n for el, cells in expected.items() for case, n in cells.items()
    }
    for (rk, cells), el in zip(table.rows, fx["elements"], strict=True):
        assert [len(c) for c in cells] == [expected[el][str(i)] for i in (1, 2, 3)], rk


@pytest.mark.parametrize("index", range(4))
def test_cross_case_statements(founding: MemoryStore, index: int) -> None:
    item = fixture("cross-case")["statements"][index]
    answer = q(founding, "cross-case", phase=item["phase"])
    cell = [
        r["statement"]
        for r in answer
        if r["element"] == item["element"] and r["case_number"] == item["case"]
    ]
    assert item["text"] in cell


def test_cross_case_rejects_assimilation(founding: MemoryStore) -> None:
    with pytest.raises(ParameterError, match="allowed values: adoption, implementation"):
        q(founding, "cross-case", phase="assimilation")


# --- CQ4 assimilation scenarios (Table 8) -------------------------------------------------------


def test_assimilation_scenarios(founding: MemoryStore) -> None:
    fx = fixture("assimilation-scenarios")
    answer = q(founding, "assimilation-scenarios")
    assert list(dict.fromkeys(r["scenario"].capitalize() for r in answer)) == fx["scenarios"]
    for scenario, cells in fx["cells"].items():
        for case, exp in cells.items():
            rows = [
                r
                for r in answer
                if r["scenario"].capitalize() == scenario and r["case_number"] == int(case)
            ]
            outcomes = {r["outcome"] for r in rows}
            if exp.get("outcome") == "not-observed":
                assert outcomes == {"not-observed"}, (scenario, case)
                assert [r["cell"] for r in rows] == ["NA (not observed)"]
                continue
            assert "not-observed" not in outcomes, (scenario, case)
            assert len(rows) == exp["bullets"], (scenario, case)
            if "outcome" in exp:
                assert outcomes == {exp["outcome"]}, (scenario, case)


def test_cooptation_occurred_in_case_3_only(founding: MemoryStore) -> None:
    answer = q(founding, "assimilation-scenarios")
    coopt = {
        r["case_number"]: r["outcome"] for r in answer if r["scenario"].lower() == "co-optation"
    }
    assert coopt == {1: "resisted", 2: "resisted", 3: "occurred"}


def test_assimilation_table_shows_na(founding: MemoryStore) -> None:
    from cokg.formats import render

    out = render(q(founding, "assimilation-scenarios"), "md")
    assert "NA (not observed)" in out
    assert "[occurred]" in out and "[resisted]" in out


# --- CQ1 external change agents before adoption -------------------------------------------------


def test_external_change_agents_before_adoption(founding: MemoryStore) -> None:
    fx = fixture("external-change-agents-before-adoption")
    answer = q(founding, "external-change-agents-before-adoption")
    agents = {(r["case_id"], r["agent_label"]) for r in answer}
    for item in fx["include"]:
        assert any(
            c == item["case_id"] and item["agent"].lower() in a.lower() for c, a in agents
        ), item
    for item in fx["exclude"]:
        assert not any(
            c == item["case_id"] and item["agent"].lower() in a.lower() for c, a in agents
        ), item
    for item in fx["dated"]:
        assert any(
            r["case_id"] == item["case_id"]
            and item["agent"] in r["agent_label"]
            and r["date"].startswith(item["year"])
            and item["activity"] in r["activity"]
            for r in answer
        ), item


def test_external_change_agents_act_no_later_than_adoption(founding: MemoryStore) -> None:
    for r in q(founding, "external-change-agents-before-adoption"):
        n = min(len(r["date"]), len(r["adoption_start"]))
        assert r["date"][:n] <= r["adoption_start"][:n]


# --- CQ7 timeline ------------------------------------------------------------------------------


@pytest.mark.parametrize("case_id", ["jonkoping-esther", "dundee-mrr", "manitoba-learning-centres"])
def test_timeline(founding: MemoryStore, case_id: str) -> None:
    fx = fixture("timeline")
    answer = q(founding, "timeline", case=case_id)
    assert {r["case_id"] for r in answer} == {case_id}
    dates = [r["date"] for r in answer]
    for d in fx["dates"][case_id]:
        assert any(x is not None and x.startswith(d) for x in dates), d
    dated = [d for d in dates if d is not None]
    assert dated == sorted(dated)
    assert dates == dated + [None] * (len(dates) - len(dated))  # undated last


# --- CQ6 quotations ----------------------------------------------------------------------------


def test_quotations(founding: MemoryStore) -> None:
    fx = fixture("quotations")
    answer = q(founding, "quotations")
    for case_id, informants in fx["informants"].items():
        rows = [r for r in answer if r["case_id"] == case_id]
        assert {r["informant"] for r in rows} == set(informants)
        assert len({r["quotation"] for r in rows}) >= fx["block_quotations"][case_id]
    for item in fx["text_starts"]:
        assert any(
            r["informant"] == item["informant"] and r["text"].startswith(item["start"])
            for r in answer
        ), item


def test_quotations_filtered(founding: MemoryStore) -> None:
    answer = q(founding, "quotations", case="3", informant="PLP-22")
    assert answer.rows and {(r["case_id"], r["informant"]) for r in answer} == {
        ("manitoba-learning-centres", "PLP-22")
    }
    coded = q(founding, "quotations", construct="frame:external-context")
    assert coded.rows and {r["construct"] for r in coded} == {_iri("frame:external-context")}


def test_quotations_by_construct(founding: MemoryStore) -> None:
    fx = fixture("quotations-by-construct")["by_frame_element"]
    answer = q(founding, "quotations-by-construct", construct=fx["construct"])
    assert any(
        r["case_id"] == fx["case_id"]
        and r["informant"] == fx["informant"]
        and r["phase"] == fx["phase"]
        for r in answer
    )


def test_quotations_by_construct_across_frameworks(founding: MemoryStore) -> None:
    """The CFIR 2009 label finds the quotation whose finding is coded in CFIR 2022."""
    fx = fixture("quotations-by-construct")["cross_framework"]
    answer = q(founding, "quotations-by-construct", construct=fx["construct"])
    assert any(r["case_id"] == fx["case_id"] and r["informant"] == fx["informant"] for r in answer)
    assert all(r["construct"] == _iri("cfir09:V.B.4") for r in answer)


def test_quotations_by_construct_follows_mappings(founding: MemoryStore) -> None:
    """A CFIR 2009 construct finds findings coded in CFIR 2022 and the other way round."""
    mappings = q(founding, "framework-mappings")
    pairs = [
        (r["subject"], r["object"])
        for r in mappings
        if r["subject"].startswith(PREFIXES["cfir09"])
        and r["object"].startswith(PREFIXES["cfir22"])
    ]
    checked = 0
    for a, b in pairs:
        direct = {r["quotation"] for r in q(founding, "quotations", construct=b)}
        if not direct:
            continue
        via_2009 = {r["quotation"] for r in q(founding, "quotations-by-construct", construct=a)}
        assert direct <= via_2009, (a, b)
        via_2022 = {r["quotation"] for r in q(founding, "quotations-by-construct", construct=b)}
        assert direct <= via_2022, b
        checked += 1
    assert checked >= 3, "too few CFIR 2009 -> 2022 mappings reach a quoted finding"


def test_quotations_by_construct_ambiguous(founding: MemoryStore) -> None:
    fx = fixture("quotations-by-construct")
    with pytest.raises(ParameterError) as exc:
        q(founding, "quotations-by-construct", construct=fx["ambiguous_notation"])
    for cand in fx["ambiguous_candidates"]:
        assert cand in str(exc.value)


# --- CQ8 constructs in all cases ---------------------------------------------------------------


@pytest.mark.parametrize("phase", ["adoption", "implementation", "assimilation"])
def test_constructs_in_all_cases(founding: MemoryStore, phase: str) -> None:
    fx = fixture("constructs-in-all-cases")[phase]
    got = {r["construct"] for r in q(founding, "constructs-in-all-cases", phase=phase)}
    assert {_iri(c) for c in fx["include"]} <= got
    assert not {_iri(c) for c in fx.get("exclude", [])} & got


# --- CQ9 organisations and roles ---------------------------------------------------------------


def test_organisation_roles(founding: MemoryStore) -> None:
    answer = q(founding, "organisation-roles")
    for item in fixture("organisation-roles")["include"]:
        assert any(
            r["case_id"] == item["case_id"]
            and item["agent"].lower() in r["agent_label"].lower()
            and r["role"] == item["role"]
            for r in answer
        ), item


# --- CQ10 innovation evolution, CQ5 nature ------------------------------------------------------


def test_innovation_evolution(founding: MemoryStore) -> None:
    fx = fixture("innovation-evolution")
    answer = q(founding, "innovation-evolution")
    for item in fx["changes"]:
        rows = [r for r in answer if r["case_id"] == item["case_id"]]
        if "from" in item:
            assert any(
                item["from"].lower() in (r["from_state"] or "").lower()
                and item["to"].lower() in (r["to_state"] or "").lower()
                for r in rows
            ), item
        else:
            assert any(
                r["from_form"] == item["from_form"] and r["to_form"] == item["to_form"]
                for r in rows
            ), item
    tg = [r for r in answer if r["case_id"] == fx["target_group_change_case"]]
    assert any(
        r["from_target_group"]
        and r["to_target_group"]
        and r["from_target_group"] != r["to_target_group"]
        for r in tg
    )


def test_innovation_nature(founding: MemoryStore) -> None:
    fx = fixture("innovation-nature")
    answer = q(founding, "innovation-nature")
    kind = {
        "https://w3id.org/cokg/ontology#Philosophy": "philosophy",
        "https://w3id.org/cokg/ontology#DefinedProgramme": "programme",
    }
    assert {r["case_id"]: kind[r["nature_iri"]] for r in answer} == fx["nature"]
    for case_id, model in fx["based_on"].items():
        assert any(r["case_id"] == case_id and model in (r["based_on"] or "") for r in answer)
    only = q(founding, "innovation-nature", nature="philosophy")
    assert {r["case_id"] for r in only} == {c for c, n in fx["nature"].items() if n == "philosophy"}


# --- CQ12 evidence gaps, summary, aggregates, mappings -----------------------------------------


def test_evidence_gaps(founding: MemoryStore) -> None:
    fx = fixture("evidence-gaps")
    answer = q(founding, "evidence-gaps")
    assert {r["gap"] for r in answer} <= set(fx["gap_kinds"])
    undated = [r for r in answer if r["gap"] == "event-without-date"]
    for case_id, words in fx["undated_event_words"].items():
        for w in words:
            assert any(
                r["case_id"] == case_id and w.lower() in r["label"].lower() for r in undated
            ), w
    timeline = {r["iri"]: r["date"] for r in q(founding, "timeline")}
    assert all(timeline[r["item"]] is None for r in undated)


def test_dataset_summary(founding: MemoryStore) -> None:
    fx = fixture("dataset-summary")
    rows = {(r["measure"], r["phase"]): r["count"] for r in q(founding, "dataset-summary")}
    assert rows[("cases", None)] == fx["cases"]
    for phase, n in fx["cross_case_findings"].items():
        assert rows[("cross-case findings", phase)] == n, phase
    assert rows[("not-observed cells", "assimilation")] == fx["na_cells"]
    assert rows[("quotations", None)] >= fx["min_quotations"]


def test_findings_by_construct(founding: MemoryStore) -> None:
    answer = q(founding, "findings-by-construct")
    for item in fixture("findings-by-construct")["at_least"]:
        row = next(
            r
            for r in answer
            if r["phase"] == item["phase"] and r["construct"] == _iri(item["construct"])
        )
        assert row["findings"] >= item["findings"] and row["cases"] == item["cases"]
    only = q(founding, "findings-by-construct", phase="assimilation")
    assert {r["phase"] for r in only} == {"assimilation"}


def test_framework_mappings(founding: MemoryStore) -> None:
    answer = q(founding, "framework-mappings")
    pairs = {(r["subject"], r["object"]) for r in answer} | {
        (r["object"], r["subject"]) for r in answer
    }
    for item in fixture("framework-mappings")["include"]:
        assert (_iri(item["from"]), _iri(item["to"])) in pairs, item
    one = q(founding, "framework-mappings", construct="cfir09:II.B")
    assert one.rows and {r["subject"] for r in one} == {_iri("cfir09:II.B")}


# --- the same answers on every store ------------------------------------------------------------

# Parameters to run each query with in the cross-store comparison (default: none).
PARAMS: dict[str, list[dict[str, str]]] = {
    "cross-case": [{"phase": "adoption"}, {"phase": "implementation"}],
    "constructs-in-all-cases": [{"phase": "assimilation"}],
    "quotations-by-construct": [{"construct": "frame:external-context"}],
    "timeline": [{}, {"case": "dundee-mrr"}],
    "quotations": [{}, {"informant": "PLP-22"}],
    "innovation-nature": [{"nature": "programme"}],
    "findings-by-construct": [{}, {"phase": "implementation"}],
}
CASES = [
    pytest.param(sq.name, p, id=f"{sq.name}{'-' + '-'.join(p.values()) if p else ''}")
    for sq in list_queries()
    for p in PARAMS.get(sq.name, [{}])
]
LISTS = {"agents": "; ", "phases": ", "}  # GROUP_CONCAT order is not defined by SPARQL


def _normal(answer: QueryAnswer) -> Counter:
    rows = []
    for r in answer:
        d = dict(r)
        for col, sep in LISTS.items():
            if isinstance(d.get(col), str):
                d[col] = sep.join(sorted(d[col].split(sep)))
        rows.append(json.dumps(d, sort_keys=True, default=str))
    return Counter(rows)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory):
    st = EmbeddedStore(tmp_path_factory.mktemp("embedded") / "store")
    build(st)
    yield st
    st.close()


@pytest.fixture(scope="module")
def remote(oxigraph_server):
    oxigraph_server.clear()
    st = RemoteStore(oxigraph_server.query_url)
    build(st)  # the founding dataset, pushed once
    return st


@pytest.mark.server
@pytest.mark.parametrize(("name", "params"), CASES)
def test_same_rows_on_every_store(founding, embedded, remote, name: str, params: dict) -> None:
    expected = run_query(name, store=embedded, **params)
    assert expected.rows or name == "evidence-gaps", "a saved query with no answer tests nothing"
    for other in (founding, remote):
        got = run_query(name, store=other, **params)
        assert got.variables == expected.variables
        assert _normal(got) == _normal(expected), repr(other)
