"""Coder agreement on stored codings (cokg.agreement, `cokg agreement`): a template submission
whose findings name their coders (tests/fixtures/agreement/harbour) and an imported REFI-QDA
project coded by three coders (tests/agreement_projects.py).

Every expected value is worked out by hand below from the fixtures' own tables (which coder
gave which code to which passage), never taken from the program's output.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from agreement_projects import span, write_project
from click.testing import CliRunner

from cokg.agreement import agreement, render_agreement
from cokg.cli import cli
from cokg.errors import ParameterError
from cokg.ingest import ingest
from cokg.qda.converting import coder_pseudonym
from cokg.qda.importing import import_qdpx
from cokg.store import MemoryStore, build

TOL = 1e-9
HARBOUR = Path(__file__).parent / "fixtures" / "agreement" / "harbour"
II_D = "https://w3id.org/cokg/framework/cfir-2022/II.D"
III_D = "https://w3id.org/cokg/framework/cfir-2022/III.D"
III_J = "https://w3id.org/cokg/framework/cfir-2022/III.J"
PARTNERSHIPS = "II.D Partnerships & Connections"
CULTURE = "III.D Culture"
RESOURCES = "III.J Available Resources"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> MemoryStore:
    """The ontology and frameworks, the Harbour submission and the Northfield QDA project."""
    st = MemoryStore()
    build(st, include_data=False)
    ingest([HARBOUR], by="A. Steward", store=st)
    folder = tmp_path_factory.mktemp("qda")
    qdpx = write_project(folder)
    ingest([folder / "fx-north.ttl"], by="A. Steward", store=st, submission="fx-north")
    import_qdpx(qdpx, by="A. Steward", store=st, phase="implementation", coder_names=True)
    return st


def _code(report, label: str):
    return next(c for c in report.codes if c.label == label)


# --- a template submission with a coder column -----------------------------------------------
#
# The Harbour quotations (units: each quotation, as template quotations have no span), and the
# constructs each coder's findings they support are coded to:
#
#   interview  quotation  coder-a         coder-b        coder-c
#   HBR-01     Q1         II.D            II.D           II.D
#   HBR-01     Q2         III.D           III.J          III.D
#   HBR-01     Q3         III.J           III.J          -
#   HBR-01     Q4         II.D, III.D     II.D           II.D, III.D
#   HBR-02     Q5         III.J           III.J          (never coded HBR-02: missing)
#   HBR-02     Q6         -               III.D          (missing)


def test_template_two_coders(store: MemoryStore) -> None:
    r = agreement(store, coders=["coder-a", "coder-b"], case="fictional-harbour")
    assert r.coders == ("coder-a", "coder-b")
    assert (r.units, r.compared) == (6, 6)
    assert [c.label for c in r.codes] == [PARTNERSHIPS, CULTURE, RESOURCES]
    # II.D: A = B = 1 0 0 1 0 0: p_o = 1, p_e = (2/6)^2 + (4/6)^2 = 20/36, kappa = 1
    p = _code(r, PARTNERSHIPS)
    assert p.code == II_D and p.units == 6 and p.coded == {"coder-a": 2, "coder-b": 2}
    assert p.agreement == pytest.approx(100.0, abs=TOL)
    assert p.kappa is not None and p.kappa.value == pytest.approx(1.0, abs=TOL)
    assert p.alpha.value == pytest.approx(1.0, abs=TOL)
    # III.D: A = 0 1 0 1 0 0, B = 0 0 0 0 0 1: p_o = 3/6
    #   p_e = (2/6)(1/6) + (4/6)(5/6) = 22/36; kappa = (18/36 - 22/36) / (14/36) = -2/7
    #   alpha: n = 12, ones 3, zeros 9; Q2, Q4, Q6 disagree: 3 * 2 ordered pairs = 6
    #          alpha = 1 - 11 * 6 / (2 * 3 * 9) = 1 - 66/54 = -2/9
    c = _code(r, CULTURE)
    assert c.coded == {"coder-a": 2, "coder-b": 1}
    assert c.agreement == pytest.approx(50.0, abs=TOL)
    assert c.kappa is not None and c.kappa.value == pytest.approx(-2 / 7, abs=TOL)
    assert c.alpha.value == pytest.approx(-2 / 9, abs=TOL)
    # III.J: A = 0 0 1 0 1 0, B = 0 1 1 0 1 0: p_o = 5/6
    #   p_e = (2/6)(3/6) + (4/6)(3/6) = 1/2; kappa = (5/6 - 1/2) / (1/2) = 2/3
    #   alpha: ones 5, zeros 7; Q2 disagrees (2 pairs): 1 - 11 * 2 / (2 * 5 * 7) = 24/35
    j = _code(r, RESOURCES)
    assert j.kappa is not None and j.kappa.value == pytest.approx(2 / 3, abs=TOL)
    assert j.alpha.value == pytest.approx(24 / 35, abs=TOL)
    # overall: mean p_o = (1 + 1/2 + 5/6) / 3 = 7/9; mean p_e = (20/36 + 22/36 + 18/36) / 3 = 5/9
    #   pooled kappa = (7/9 - 5/9) / (4/9) = 1/2; percent agreement = 14 of 18 decisions
    #   alpha over 18 (unit, code) items: n = 36, ones 4 + 3 + 5 = 12, zeros 24; 4 items
    #   disagree (III.D: Q2, Q4, Q6; III.J: Q2), 2 pairs each = 8
    #   alpha = 1 - 35 * 8 / (2 * 12 * 24) = 1 - 280/576 = 37/72
    assert r.agreement == pytest.approx(100 * 14 / 18, abs=TOL)
    assert r.kappa is not None and r.kappa.value == pytest.approx(1 / 2, abs=TOL)
    assert r.alpha.value == pytest.approx(37 / 72, abs=TOL)
    assert [(d.unit.label, d.unit.source_label, d.codes) for d in r.disagreements] == [
        ("Q2", "Interview with HBR-01", {"coder-a": (CULTURE,), "coder-b": (RESOURCES,)}),
        ("Q4", "Interview with HBR-01",
         {"coder-a": (PARTNERSHIPS, CULTURE), "coder-b": (PARTNERSHIPS,)}),
        ("Q6", "Interview with HBR-02", {"coder-a": (), "coder-b": (CULTURE,)}),
    ]  # fmt: skip
    assert r.disagreements[0].unit.text.startswith("Here people help first")


def test_template_three_coders_with_missing_ratings(store: MemoryStore) -> None:
    r = agreement(store, coders=["coder-a", "coder-b", "coder-c"], case="fictional-harbour")
    assert r.kappa is None and all(c.kappa is None for c in r.codes)
    # III.D, values per unit (coder-c missing on Q5, Q6):
    #   Q1 0 0 0 | Q2 1 0 1 | Q3 0 0 0 | Q4 1 0 1 | Q5 0 0 - | Q6 0 1 -
    #   n = 4*3 + 2*2 = 16; ones 2 + 2 + 1 = 5, zeros 11
    #   disagreeing coincidences: Q2 and Q4: 2 ones x 1 zero x 2 orders / (3-1) = 2 each;
    #   Q6: 2 / (2-1) = 2; total 6.  alpha = 1 - 15 * 6 / (2 * 5 * 11) = 1 - 90/110 = 2/11
    #   pairs of coders: Q1 3 agree; Q2 1 of 3; Q3 3; Q4 1 of 3; Q5 1 of 1; Q6 0 of 1: 9 of 14
    c = _code(r, CULTURE)
    assert c.alpha.value == pytest.approx(2 / 11, abs=TOL)
    assert c.agreement == pytest.approx(100 * 9 / 14, abs=TOL)
    assert c.coded == {"coder-a": 2, "coder-b": 1, "coder-c": 2}
    # III.J: Q1 0 0 0 | Q2 0 1 0 | Q3 1 1 0 | Q4 0 0 0 | Q5 1 1 - | Q6 0 0 -
    #   n = 16, ones 5, zeros 11; Q2 and Q3 give 4 ordered pairs / 2 = 2 each: 4
    #   alpha = 1 - 15 * 4 / 110 = 5/11
    assert _code(r, RESOURCES).alpha.value == pytest.approx(5 / 11, abs=TOL)
    shown = {d.unit.label: d.codes for d in r.disagreements}
    assert list(shown) == ["Q2", "Q3", "Q4", "Q6"]
    assert shown["Q3"] == {"coder-a": (RESOURCES,), "coder-b": (RESOURCES,), "coder-c": ()}
    assert shown["Q6"] == {"coder-a": (), "coder-b": (CULTURE,), "coder-c": None}


def test_source_filter_by_name(store: MemoryStore) -> None:
    # HBR-02 only: Q5 (III.J by both), Q6 (III.D by B). III.J: 1 1 / 1 1 ... on 2 units:
    # A = 1 0, B = 1 0: kappa = (1 - 1/2) / (1/2) = 1
    r = agreement(store, coders=["coder-a", "coder-b"], source="Interview with HBR-02")
    assert r.units == 2
    assert _code(r, RESOURCES).kappa.value == pytest.approx(1.0, abs=TOL)  # type: ignore[union-attr]
    assert [d.unit.label for d in r.disagreements] == ["Q6"]


# --- an imported QDA project -------------------------------------------------------------------
#
#   NTH-01: Ana 0-40 Leads, Ben 0-27 Leads (overlapping); "board" Ana Resources, Ben Funding;
#           "funding" Ana Funding; "adapted" Ben Adaptability.  Carl: nothing (missing).
#   NTH-02: "coach" Ana, Ben, Carl Partnerships; "culture" Carl Culture.


def test_qda_segments_merge_overlapping_spans(store: MemoryStore) -> None:
    r = agreement(store, coders=["Ana", "Ben"], case="fx-north")
    # Ana and Ben's units: NTH-01 0-40 (two spans merged), board, funding, adapted; NTH-02 coach
    assert (r.units, r.compared) == (5, 5)
    # Leads: 1 0 0 0 0 for both: kappa 1
    # Resources: A 0 1 0 0 0, B none: p_o 4/5, p_e = (1/5)(0) + (4/5)(1) = 4/5: kappa 0
    # Funding: A 0 0 1 0 0, B 0 1 0 0 0: p_o 3/5, p_e = 1/25 + 16/25 = 17/25,
    #          kappa = (15/25 - 17/25) / (8/25) = -1/4
    # Adaptability: like Resources, kappa 0; Partnerships: 0 0 0 0 1 for both: kappa 1
    kappas = {c.label: c.kappa.value for c in r.codes}  # type: ignore[union-attr]
    assert kappas == pytest.approx({"Leads": 1.0, "Resources": 0.0, "Funding": -0.25,
                                    "Adaptability": 0.0, "Partnerships": 1.0}, abs=TOL)  # fmt: skip
    # pooled: mean p_o = (1 + 4/5 + 3/5 + 4/5 + 1) / 5 = 21/25
    #         mean p_e = (17/25 + 20/25 + 17/25 + 20/25 + 17/25) / 5 = 91/125
    #         kappa = (105/125 - 91/125) / (34/125) = 7/17
    assert r.agreement == pytest.approx(100 * 21 / 25, abs=TOL)
    assert r.kappa.value == pytest.approx(7 / 17, abs=TOL)  # type: ignore[union-attr]
    board = span("NTH-01 interview", "The board approved extra hours in March.")
    funding = span("NTH-01 interview", "The funding ran out after the pilot.")
    adapted = span("NTH-01 interview", "We adapted the checklist to fit the huddle.")
    assert [((d.unit.start, d.unit.end), d.codes) for d in r.disagreements] == [
        (board, {"Ana": ("Resources",), "Ben": ("Funding",)}),
        (funding, {"Ana": ("Funding",), "Ben": ()}),
        (adapted, {"Ana": (), "Ben": ("Adaptability",)}),
    ]
    assert r.disagreements[0].unit.text == "The board approved extra hours in March."
    assert r.disagreements[0].unit.source_label == "NTH-01 interview"


def test_qda_exact_spans(store: MemoryStore) -> None:
    r = agreement(store, coders=["Ana", "Ben"], case="fx-north", unit="span")
    # The two Leads spans are two units now: 6 units, ordered 0-27 (Ben), 0-40 (Ana), ...
    # Leads: A 0 1 0 0 0 0, B 1 0 0 0 0 0: p_o 4/6, p_e = 1/36 + 25/36 = 26/36,
    #        kappa = (24/36 - 26/36) / (10/36) = -1/5
    assert r.units == 6
    assert _code(r, "Leads").kappa.value == pytest.approx(-1 / 5, abs=TOL)  # type: ignore[union-attr]
    first = span("NTH-01 interview", "We began with two champions")
    whole = span("NTH-01 interview", "We began with two champions on the ward.")
    assert [(d.unit.start, d.unit.end) for d in r.disagreements][:2] == [first, whole]


def test_qda_whole_sources(store: MemoryStore) -> None:
    r = agreement(store, coders=["Ana", "Ben"], case="fx-north", unit="source")
    # units NTH-01, NTH-02. Funding: A 1 0, B 1 0: p_o 1, p_e = 1/4 + 1/4: kappa 1
    # Adaptability: A 0 0, B 1 0: p_o 1/2, p_e = 0 * 1/2 + 1 * 1/2 = 1/2: kappa 0
    assert r.units == 2
    assert _code(r, "Funding").kappa.value == pytest.approx(1.0, abs=TOL)  # type: ignore[union-attr]
    assert _code(r, "Adaptability").kappa.value == pytest.approx(0.0, abs=TOL)  # type: ignore[union-attr]
    assert [d.unit.source_label for d in r.disagreements] == ["NTH-01 interview"]


def test_qda_three_coders_alpha_with_missing(store: MemoryStore) -> None:
    r = agreement(store, coders=["Ana", "Ben", "Carl"], case="fx-north")
    # units: the 4 NTH-01 segments (Carl missing), coach, culture (all three rated NTH-02)
    # Culture: only Carl, on "culture": n = 4*2 + 3 + 3 = 14, ones 1, zeros 13;
    #   culture unit (0, 0, 1): 1 x 2 x 2 orders / (3-1) = 2;  alpha = 1 - 13 * 2 / 26 = 0
    assert (r.units, r.compared) == (6, 6)
    assert _code(r, "Culture").alpha.value == pytest.approx(0.0, abs=TOL)
    assert _code(r, "Partnerships").alpha.value == pytest.approx(1.0, abs=TOL)
    by_text = {d.unit.text: d.codes for d in r.disagreements}
    assert by_text["Staff culture is cautious."] == {"Ana": (), "Ben": (), "Carl": ("Culture",)}
    assert by_text["The funding ran out after the pilot."]["Carl"] is None


def test_one_category_only_is_undefined_not_an_error(store: MemoryStore) -> None:
    # NTH-02 for Ana and Ben: one unit (coach), Partnerships present for both
    r = agreement(store, coders=["Ana", "Ben"], source="NTH-02 interview")
    (p,) = r.codes
    assert p.kappa is not None and p.kappa.value is None
    assert p.kappa.reason is not None and "one category (present)" in p.kappa.reason
    assert p.alpha.value is None and r.kappa is not None and r.kappa.value is None
    assert p.agreement == pytest.approx(100.0, abs=TOL)
    assert not r.disagreements
    text = render_agreement(r)
    assert "undefined" in text and "note: kappa for Partnerships: both coders put every" in text


# --- mistakes --------------------------------------------------------------------------------


def test_no_overlap_is_one_clear_error(store: MemoryStore) -> None:
    with pytest.raises(ParameterError) as exc:
        agreement(store, coders=["Ana", "Carl"], source="NTH-01 interview")
    assert str(exc.value) == (
        "no unit was coded by two of the coders (Ana: 1 source, Carl: 0 sources; none in "
        "common): nothing to compare"
    )


@pytest.mark.parametrize(
    ("coders", "case", "message"),
    [
        pytest.param(["coder-a", "zoe"], "fictional-harbour",
                     "unknown coder 'zoe'; coders in case fictional-harbour: coder-a, coder-b, "
                     "coder-c", id="unknown"),
        pytest.param(["Ana", "coder-b"], "fx-north",
                     "unknown coder 'coder-b'; coders in case fx-north: Ana, Ben, Carl",
                     id="other-case"),
        pytest.param(["Ana"], None, "give two coders or more: --coders A,B", id="one"),
        pytest.param(["ana", "ANA"], None, "give two coders or more: --coders A,B", id="twice"),
    ],
)  # fmt: skip
def test_coder_mistakes(store: MemoryStore, coders: list[str], case: str | None,
                        message: str) -> None:  # fmt: skip
    with pytest.raises(ParameterError) as exc:
        agreement(store, coders=coders, case=case)
    assert str(exc.value) == message


def test_unknown_source_names_the_sources(store: MemoryStore) -> None:
    with pytest.raises(ParameterError) as exc:
        agreement(store, coders=["Ana", "Ben"], source="NTH-09 interview")
    assert str(exc.value) == (
        "no coded source 'NTH-09 interview'; sources: NTH-01 interview; NTH-02 interview"
    )


def test_pseudonymous_coders_are_named_by_pseudonym(tmp_path: Path) -> None:
    st = MemoryStore()
    build(st, include_data=False)
    qdpx = write_project(tmp_path)
    ingest([tmp_path / "fx-north.ttl"], by="A. Steward", store=st, submission="fx-north")
    rep = import_qdpx(qdpx, by="A. Steward", store=st, phase="implementation")
    ana = coder_pseudonym(rep.submission_id, "Ana")
    ben = coder_pseudonym(rep.submission_id, "Ben")
    r = agreement(st, coders=[ana, ben])
    assert r.coders == (ana, ben) and r.compared == 5
    with pytest.raises(ParameterError, match="coders in the store: coder-"):
        agreement(st, coders=["Ana", "Ben"])


# --- the command -------------------------------------------------------------------------------


@pytest.fixture
def cli_store(monkeypatch: pytest.MonkeyPatch, store: MemoryStore) -> None:
    """`--store` resolved to the module's store (the CLI opens stores by spec)."""
    import cokg.store

    class _Open:
        def __enter__(self) -> MemoryStore:
            return store

        def __exit__(self, *exc: object) -> None:
            pass

    monkeypatch.setattr(cokg.store, "open_for_reading", lambda spec=None: _Open())


def _run(*args: str):
    return CliRunner().invoke(cli, ["agreement", *args])


def test_cli_table(cli_store: None) -> None:
    res = _run("--coders", "coder-a,coder-b", "--case", "fictional-harbour")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == "coders: coder-a, coder-b; case: fictional-harbour"
    assert "6 in all, 6 rated by both coders" in lines[1]
    row = next(x for x in lines if x.startswith("| III.D Culture"))
    # 50.0% agreement, kappa -2/7 = -0.286, alpha -2/9 = -0.222
    assert [c.strip() for c in row.strip("|").split("|")] == [
        "III.D Culture", "6", "2", "1", "50.0%", "-0.286", "-0.222"]  # fmt: skip
    assert "3 disagreements:" in lines


def test_cli_json_and_csv(cli_store: None) -> None:
    res = _run("--coders", "coder-a,coder-b", "--case", "fictional-harbour", "--format", "json")
    doc = json.loads(res.output)
    assert doc["overall"]["kappa"]["value"] == pytest.approx(1 / 2, abs=TOL)
    assert doc["overall"]["alpha"]["value"] == pytest.approx(37 / 72, abs=TOL)
    assert [d["unit"] for d in doc["disagreements"]] == ["Q2", "Q4", "Q6"]
    assert doc["disagreements"][2]["codes"] == {"coder-a": [], "coder-b": [CULTURE]}
    res = _run("--coders", "coder-a,coder-b", "--case", "fictional-harbour", "-f", "csv")
    lines = res.output.splitlines()
    assert lines[0] == "code,units,coder-a,coder-b,agreement,kappa,alpha"
    # overall: 14 of 18 decisions agree, pooled kappa 1/2, alpha 37/72
    overall = lines[-1].split(",")
    assert overall[:4] == ["(all codes)", "6", "", ""]
    assert [float(x) for x in overall[4:]] == pytest.approx([100 * 14 / 18, 1 / 2, 37 / 72],
                                                            abs=TOL)  # fmt: skip
    res = _run("--coders", "coder-a,coder-b", "--case", "fictional-harbour", "-f", "csv",
               "--disagreements")  # fmt: skip
    lines = res.output.splitlines()
    assert lines[0] == "case,source,unit,text,coder-a,coder-b"
    assert lines[3] == (
        "fictional-harbour,Interview with HBR-02,Q6,Nobody here likes to be told what to cook.,"
        "(none),III.D Culture"
    )


def test_cli_unknown_coder_is_one_line(cli_store: None) -> None:
    res = _run("--coders", "coder-a,nobody", "--case", "fictional-harbour")
    assert res.exit_code == 2
    assert res.output == (
        "cokg: error: unknown coder 'nobody'; coders in case fictional-harbour: coder-a, "
        "coder-b, coder-c\n"
    )
