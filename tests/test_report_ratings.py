"""The report's construct-ratings section: heatmaps, the matrix as a table and the
distinguishing constructs, on the FICTIONAL fixture tests/fixtures/ratings/ratings-small.ttl.

Expected values are read off the fixture (summarised in tests/test_ratings_queries.py, whose
hand-worked answers the distinguishing tables are held to):
  cases 91-95 are sites A-E; implementation outcome A high, B high, C low, D mixed, E low
  (E by two judges, both low).
  adoption: I.B (D), III.D (A-E; B by two raters, +1 and +2), III.E (A, B, C, E; E is X),
  III.F (A, B, C, E; E missing), III.G (A, B, C, E), IV.A (A, C, E), V.D (A).
  implementation: III.D and V.A, both in A and C.  no phase: II.B in A and C.
The report is built once, with at most 4 cases per heatmap, so that adoption's five cases are
split over two figures (A-D, then E) and the other two heatmaps are not split.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from rated import SMALL, rated_store

from cokg.formats import render_report
from cokg.namespaces import graph_iri
from cokg.report import (
    RatingMatrix,
    ReportResult,
    build_report,
    rating_matrices,
    rating_style,
    valence_colour,
)
from cokg.store import MemoryStore, build

SITE = {s: f"Site {s.upper()} (FICTIONAL)" for s in "abcde"}
ADOPTION = (
    "I.B Innovation Evidence-Base", "III.D Culture", "III.E Tension for Change",
    "III.F Compatibility", "III.G Relative Priority", "IV.A High-level Leaders", "V.D Planning",
)  # fmt: skip


@dataclass
class Built:
    result: ReportResult
    matrices: list[RatingMatrix]
    steps: list[str]

    def matrix(self, phase: str | None) -> RatingMatrix:
        (m,) = [m for m in self.matrices if m.phase == phase]
        return m


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    st = rated_store()
    steps: list[str] = []
    out = tmp_path_factory.mktemp("report-ratings")
    result = build_report(st, out, progress=steps.append, max_heatmap_cases=4)
    yield Built(result, rating_matrices(st), steps)
    st.close()


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _md_table_after(md: str, heading: str) -> list[list[str]]:
    """The rows (header first) of the first Markdown table after the line `heading`."""
    lines = md.splitlines()
    start = lines.index(heading)
    rows = []
    for line in lines[start + 1 :]:
        if line.startswith("|"):
            if not line.startswith("|---"):
                rows.append([c.strip() for c in line.strip("|").split(" | ")])
        elif rows:
            break
    return rows


# --- the heatmap figures ---------------------------------------------------------------------


def test_one_heatmap_per_phase_with_ratings_and_one_without_a_phase(built: Built) -> None:
    # adoption's 5 cases over figures of at most 4; no assimilation ratings in the fixture
    assert [f.stem for f in built.result.heatmaps] == [
        "ratings-cfir-2022-adoption-part1",
        "ratings-cfir-2022-adoption-part2",
        "ratings-cfir-2022-implementation",
        "ratings-cfir-2022-whole-case",
    ]
    assert all(f in built.result.figures for f in built.result.heatmaps)


@pytest.mark.parametrize(
    ("stem", "labels"),
    [
        pytest.param("ratings-cfir-2022-adoption-part1",
                     (*ADOPTION, SITE["a"], SITE["b"], SITE["c"], SITE["d"]), id="adoption-1"),
        # the second part keeps every row, so the two figures read side by side
        pytest.param("ratings-cfir-2022-adoption-part2", (*ADOPTION, SITE["e"]), id="adoption-2"),
        pytest.param("ratings-cfir-2022-implementation",
                     ("III.D Culture", "V.A Teaming", SITE["a"], SITE["c"]), id="implementation"),
        pytest.param("ratings-cfir-2022-whole-case",
                     ("II.B Local Attitudes", SITE["a"], SITE["c"]), id="no-phase"),
    ],
)  # fmt: skip
def test_heatmap_draws_exactly_the_rated_constructs_and_cases(
    built: Built, stem: str, labels: tuple[str, ...]
) -> None:
    fig = next(f for f in built.result.heatmaps if f.stem == stem)
    assert fig.labels == labels  # constructs by notation, then cases by case number
    assert fig.png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = fig.svg.read_text("utf-8")
    # case names are wrapped over two lines on the figure
    assert all(word in svg for label in labels for word in label.split())


def test_split_figures_say_which_cases_they_hold(built: Built) -> None:
    titles = {f.stem: f.title for f in built.result.heatmaps}
    assert "cases 1–4 of 5" in titles["ratings-cfir-2022-adoption-part1"]
    assert "cases 5–5 of 5" in titles["ratings-cfir-2022-adoption-part2"]
    md = built.result.markdown.read_text("utf-8")
    assert "At most 4 cases are drawn per figure" in md
    assert "the 5 cases of CFIR 2022, adoption are drawn in 2 figures" in md


def test_a_large_matrix_draws_at_most_four_figures(built: Built, tmp_path: Path) -> None:
    from cokg.report import MAX_HEATMAP_PARTS, rating_heatmap_figures

    # one case per figure: adoption's five cases would need five figures; four are drawn
    figs = rating_heatmap_figures(built.matrix("adoption"), tmp_path, max_cases=1)
    assert MAX_HEATMAP_PARTS == 4 and len(figs) == 4
    assert [f.title.rsplit("(", 1)[1] for f in figs] == [
        f"cases {n}–{n} of 5)" for n in range(1, 5)
    ]


def test_cell_annotations_give_ratings_and_evidence(built: Built) -> None:
    m = built.matrix("adoption")
    # A cites fa1 and fa2; their quotations Q1, Q2 and Q1, Q3 are 3 distinct ones
    assert m.cell("III.D Culture", "fx-site-a").annotation() == "+2\n2 f, 3 q"
    # B: rater 1 +1 citing fb1 (unquoted), rater 2 +2 citing nothing
    assert m.cell("III.D Culture", "fx-site-b").annotation() == "+1/+2\n1/0 f, 0/0 q"
    assert m.cell("IV.A High-level Leaders", "fx-site-b").annotation() == ""  # not rated
    svg = next(f for f in built.result.heatmaps if f.stem.endswith("part1")).svg.read_text()
    assert "1/0 f, 0/0 q" in svg


def test_columns_carry_the_implementation_outcome(built: Built) -> None:
    got = {c.case_id: c.outcome for c in built.matrix("adoption").cases}
    # E's two judges both say low: said once
    assert got == {
        "fx-site-a": "high", "fx-site-b": "high", "fx-site-c": "low", "fx-site-d": "mixed",
        "fx-site-e": "low",
    }  # fmt: skip
    svg = next(f for f in built.result.heatmaps if f.stem.endswith("part1")).svg.read_text()
    assert "implementation outcome" in svg and "mixed" in svg


# --- the colours -----------------------------------------------------------------------------


def test_plus_two_is_green_and_minus_two_red() -> None:
    r, g, b = _rgb(rating_style(["+2"]).face)
    assert g > r + 64 and g > b + 64
    r, g, b = _rgb(rating_style(["-2"]).face)
    assert r > g + 64 and r > b + 64


def test_the_scale_grows_stronger_away_from_zero() -> None:
    def distance_from_grey(colour: str) -> int:
        r, g, b = _rgb(colour)
        return max(r, g, b) - min(r, g, b)

    r, g, b = _rgb(rating_style(["0"]).face)
    assert max(r, g, b) - min(r, g, b) < 16 and min(r, g, b) > 192  # a light neutral grey
    for weak, strong in (("+1", "+2"), ("-1", "-2")):
        w, s = rating_style([weak]).face, rating_style([strong]).face
        assert distance_from_grey(rating_style(["0"]).face) < distance_from_grey(w)
        # the strong value is darker (a lower sum of channels) than the weak one
        assert sum(_rgb(s)) < sum(_rgb(w))


def test_mixed_missing_and_unrated_are_told_apart_from_zero() -> None:
    zero, mixed = rating_style(["0"]), rating_style(["X"])
    missing, unrated = rating_style(["missing"]), rating_style([])
    scale = {rating_style([v]).face for v in ("+2", "+1", "0", "-1", "-2")}
    assert mixed.kind == "mixed" and mixed.face not in scale and not mixed.hatch
    assert missing.kind == "missing" and missing.hatch and not zero.hatch
    assert missing.face != zero.face
    assert unrated.kind == "none" and not unrated.hatch  # blank, not hatched like missing


def test_several_raters_are_coloured_by_their_mean() -> None:
    # +1 and +2: mean 1.5, between the two colours channel by channel
    assert rating_style(["+1", "+2"]).face == valence_colour(1.5)
    one, two, mid = (_rgb(valence_colour(x)) for x in (1, 2, 1.5))
    assert all(min(a, b) <= m <= max(a, b) for a, b, m in zip(one, two, mid, strict=True))
    assert mid not in (one, two)
    # +2 and -2 average to 0; an X beside a score leaves the colour to the score
    assert rating_style(["+2", "-2"]).face == rating_style(["0"]).face
    assert rating_style(["X", "-1"]).face == rating_style(["-1"]).face


@pytest.mark.parametrize(
    ("construct", "case", "kind", "same_as"),
    [
        pytest.param("III.D Culture", "fx-site-a", "scored", ["+2"], id="a-plus-2"),
        pytest.param("III.D Culture", "fx-site-e", "scored", ["-2"], id="e-minus-2"),
        pytest.param("III.D Culture", "fx-site-b", "scored", ["+1", "+2"], id="b-two-raters"),
        pytest.param("III.E Tension for Change", "fx-site-e", "mixed", ["X"], id="e-x"),
        pytest.param("III.F Compatibility", "fx-site-e", "missing", ["missing"], id="e-missing"),
        pytest.param("IV.A High-level Leaders", "fx-site-b", "none", [], id="b-not-rated"),
    ],
)
def test_fixture_cells_get_their_colours(
    built: Built, construct: str, case: str, kind: str, same_as: list[str]
) -> None:
    style = built.matrix("adoption").cell(construct, case).style
    assert style.kind == kind
    assert style == rating_style(same_as)


def test_the_heatmap_is_drawn_in_the_mapped_colours(built: Built) -> None:
    # the cells only: the legend, which shows every colour, follows them in the SVG
    part1, part2 = (
        f.svg.read_text("utf-8").split('id="rating-legend"')[0].lower()
        for f in built.result.heatmaps[:2]
    )
    for values in (["+2"], ["-1"], ["+1", "+2"]):  # A's III.D, C's III.D, B's III.D
        assert f"fill: {rating_style(values).face}" in part1, values
    assert f"fill: {rating_style(['X']).face}" in part2  # E's III.E
    assert f"fill: {rating_style(['X']).face}" not in part1  # no X among A-D
    assert "fill: url(#h" in part2 and "fill: url(#h" not in part1  # E's missing III.F: hatched


# --- the tables ------------------------------------------------------------------------------


def test_markdown_holds_the_matrix_as_a_table(built: Built) -> None:
    md = built.result.markdown.read_text("utf-8")
    rows = _md_table_after(md, "### CFIR 2022, adoption")
    assert rows[0] == [
        "Construct", f"{SITE['a']} (high)", f"{SITE['b']} (high)", f"{SITE['c']} (low)",
        f"{SITE['d']} (mixed)", f"{SITE['e']} (low)",
    ]  # fmt: skip
    table = {r[0]: r[1:] for r in rows[1:]}
    assert list(table) == list(ADOPTION)
    assert table["III.D Culture"] == [
        "+2 (2 f, 3 q)", "+1/+2 (1/0 f, 0/0 q)", "-1 (1 f, 1 q)", "0 (0 f, 0 q)", "-2 (0 f, 0 q)",
    ]  # fmt: skip
    assert table["III.F Compatibility"][4] == "missing (0 f, 0 q)"
    assert table["IV.A High-level Leaders"][1] == ""


def _distinguishing(md: str, heading: str) -> dict[str, tuple[Decimal, ...]]:
    rows = _md_table_after(md, heading)
    assert rows[0][:4] == ["construct", "high mean", "low mean", "difference"]
    return {r[0].split()[0]: (*map(Decimal, r[1:4]), r[6]) for r in rows[1:]}  # type: ignore[misc]


D = Decimal


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        pytest.param(
            "#### Distinguishing constructs: CFIR 2022, in adoption",
            {
                "III.D": (D("1.75"), D("-1.5"), D("3.25"), "strong"),
                "III.F": (D("1"), D("-1"), D("2"), "strong"),
                "III.G": (D("0.5"), D("-0.5"), D("1"), "weak"),
                "IV.A": (D("-1"), D("1.5"), D("-2.5"), "strong"),
            },
            id="adoption",
        ),
        pytest.param(
            "#### Distinguishing constructs: CFIR 2022, in implementation",
            {"V.A": (D("2"), D("-2"), D("4"), "strong")},
            id="implementation",
        ),
        pytest.param(
            "#### Distinguishing constructs: CFIR 2022, over all phases, each case and phase "
            "counted once",
            {
                "II.B": (D("1"), D("-1"), D("2"), "strong"),
                "III.D": (D("1.5"), D("-0.67"), D("2.17"), "strong"),
                "III.F": (D("1"), D("-1"), D("2"), "strong"),
                "III.G": (D("0.5"), D("-0.5"), D("1"), "weak"),
                "IV.A": (D("-1"), D("1.5"), D("-2.5"), "strong"),
                "V.A": (D("2"), D("-2"), D("4"), "strong"),
            },
            id="all-phases",
        ),
    ],
)
def test_distinguishing_tables_are_the_hand_worked_answers(
    built: Built, heading: str, expected: dict
) -> None:
    md = built.result.markdown.read_text("utf-8")
    assert _distinguishing(md, heading) == expected
    # the rule, in a sentence between the heading and the table
    after = md.split(heading, 1)[1].split("|", 1)[0]
    assert "at least 2 points" in after and "opposite sides of 0" in after
    assert "mixed left out" in after


def test_html_has_the_section_its_tables_and_a_contents_entry(built: Built) -> None:
    html = built.result.html.read_text("utf-8")
    assert "<a href='#ratings'>Construct ratings</a>" in html
    assert "<h2 id='ratings'>Construct ratings</h2>" in html
    assert re.search(r"<tr><td>V\.A Teaming</td><td>2</td><td>-2</td><td>4</td>", html)
    assert "<td>+1/+2 (1/0 f, 0/0 q)</td>" in html  # the matrix, folded under the figure


def test_progress_and_summary_mention_the_heatmaps(built: Built) -> None:
    assert "construct ratings" in built.steps
    assert render_report(built.result).splitlines()[-1] == (
        "rating heatmaps: 4 (section Construct ratings)"
    )


# --- stores without ratings ------------------------------------------------------------------


def test_a_store_without_ratings_has_no_ratings_section(tmp_path: Path) -> None:
    st = MemoryStore()
    build(st, include_data=False)  # the ontology and frameworks only: no case, no rating
    try:
        assert rating_matrices(st) == []
        result = build_report(st, tmp_path)
    finally:
        st.close()
    assert result.heatmaps == [] and not list(tmp_path.glob("ratings-*"))
    assert "Construct ratings" not in result.markdown.read_text("utf-8")
    assert "#ratings" not in result.html.read_text("utf-8")
    assert len(render_report(result).splitlines()) == 2


def test_the_founding_dataset_has_no_rating_matrix() -> None:
    st = MemoryStore()
    build(st)
    try:
        assert rating_matrices(st) == []
    finally:
        st.close()


def test_judges_who_disagree_are_both_shown(tmp_path: Path) -> None:
    """D is judged mixed; a second judge saying high makes its column "high/mixed"."""
    extra = tmp_path / "extra.ttl"
    extra.write_text(
        "@prefix cokg: <https://w3id.org/cokg/ontology#> .\n"
        "<https://w3id.org/cokg/id/outcome/fx-site-d/implementation-2> a cokg:CaseOutcome ;\n"
        "  cokg:outcomeOfCase <https://w3id.org/cokg/id/case/fx-site-d> ;\n"
        "  cokg:outcomeAspect <https://w3id.org/cokg/framework/cfir-outcomes/implementation> ;\n"
        "  cokg:outcomeLevel cokg:HighOutcome .\n",
        encoding="utf-8",
    )
    st = MemoryStore()
    build(st, include_data=False)
    st.load_files({graph_iri("fixture-ratings-small"): SMALL, graph_iri("extra"): extra})
    try:
        (m,) = [m for m in rating_matrices(st) if m.phase == "adoption"]
    finally:
        st.close()
    assert {c.case_id: c.outcome for c in m.cases}["fx-site-d"] == "high/mixed"  # best first


def test_max_heatmap_cases_must_be_positive(tmp_path: Path) -> None:
    st = MemoryStore()
    try:
        with pytest.raises(ValueError, match="max_heatmap_cases must be at least 1, not 0"):
            build_report(st, tmp_path, max_heatmap_cases=0)
    finally:
        st.close()
