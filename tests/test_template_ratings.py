"""The template's ratings and outcomes sheets: a row becomes a construct rating or a case
outcome of exactly the shape the FICTIONAL rated example (examples/rated-sites) holds in
Turtle, a construct is named by code or label, a rating is read leniently and stored
canonically, every bad cell is one violation naming sheet, row and column, the blank template
offers both sheets, and a stored rated case exports and reads back unchanged.

Expected triples are written out by hand from the rating module (ontology/modules/rating.ttl):
a rating of +2 is cokg:RatingPlus2, a phase is cokg:Adoption ..., and from the CFIR codebooks:
III.D is Implementation Climate in CFIR 2009 and Culture in CFIR 2022, IV.A is High-level
Leaders in CFIR 2022, V.B.4 (External Change Agents) exists only in CFIR 2009.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from rdflib import Graph, Literal, URIRef
from submissions import write_book

from cokg import paths
from cokg.cli import cli
from cokg.errors import ValidationFailed
from cokg.ingest import ingest
from cokg.query import run_query
from cokg.store import MemoryStore, build
from cokg.template import export_case, read_template, readme_rows, write_template

ID = "https://w3id.org/cokg/id/"
O = "https://w3id.org/cokg/ontology#"  # noqa: E741
CFIR22 = "https://w3id.org/cokg/framework/cfir-2022/"
CFIR09 = "https://w3id.org/cokg/framework/cfir-2009/"
CFIROUT = "https://w3id.org/cokg/framework/cfir-outcomes/"
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
CREATED = URIRef("http://purl.org/dc/terms/created")
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")
XSD_DATETIME = URIRef("http://www.w3.org/2001/XMLSchema#dateTime")
AGENT = URIRef("http://www.w3.org/ns/prov#Agent")

EXAMPLE = paths.EXAMPLES_DIR / "rated-sites"
SITES = ["alder", "birch", "cedar", "damson", "elder"]
ALDER = URIRef(ID + "case/fictional-pkt-alder")
RATER_C = URIRef(ID + "coder/fictional-pkt-alder/rater-c")
BOOK_RATINGS = "book.xlsx, sheet ratings"
BOOK_OUTCOMES = "book.xlsx, sheet outcomes"


def o(name: str) -> URIRef:
    return URIRef(O + name)


def _rating(**cells: object) -> dict[str, object]:
    row: dict[str, object] = {
        "case_id": "fictional-pkt-alder",
        "construct": "cfir22:IV.A",
        "phase": "adoption",
        "rating": "+2",
        "rationale": "The council lead came to the first table (invented).",
        "rater": "rater-c",
    }
    row.update(cells)
    return {k: v for k, v in row.items() if v is not None}


def _outcome(**cells: object) -> dict[str, object]:
    row: dict[str, object] = {"case_id": "fictional-pkt-alder", "level": "high"}
    row.update(cells)
    return {k: v for k, v in row.items() if v is not None}


def _convert(tmp_path: Path, ratings=(), outcomes=()) -> tuple[Graph, list]:
    sheets = {}
    if ratings:
        sheets["ratings"] = list(ratings)
    if outcomes:
        sheets["outcomes"] = list(outcomes)
    conv = read_template(write_book(tmp_path / "book.xlsx", sheets))
    return conv.graph, conv.problems


# --- rows become ratings and outcomes --------------------------------------------------------


def test_a_rating_row_gives_exactly_its_triples(tmp_path: Path) -> None:
    g, problems = _convert(tmp_path, [_rating(date="2026-04-01", findings="leaders; culture")])
    assert not problems
    r = URIRef(ID + "rating/fictional-pkt-alder/cfir22-IV.A-adoption-rater-c")
    assert set(g) == {
        (r, RDF_TYPE, o("ConstructRating")),
        (r, o("ratedCase"), ALDER),
        (r, o("ratedConstruct"), URIRef(CFIR22 + "IV.A")),
        (r, o("ratedPhase"), o("Adoption")),
        (r, o("ratingValue"), o("RatingPlus2")),
        (r, o("rationale"), Literal("The council lead came to the first table (invented).")),
        (r, o("rater"), RATER_C),
        (r, CREATED, Literal("2026-04-01", datatype=XSD_DATE)),
        (r, o("justifiedBy"), URIRef(ID + "finding/fictional-pkt-alder/leaders")),
        (r, o("justifiedBy"), URIRef(ID + "finding/fictional-pkt-alder/culture")),
        # a rater given by a short id is the case's agent, as a finding's coder is
        (RATER_C, RDF_TYPE, AGENT),
        (RATER_C, RDFS_LABEL, Literal("rater-c")),
    }


def test_an_outcome_row_defaults_to_actual_implementation(tmp_path: Path) -> None:
    g, problems = _convert(
        tmp_path,
        outcomes=[_outcome(judged_by="rater-c", rationale="Tables every week.", date="2026-04-02")],
    )
    assert not problems
    out = URIRef(ID + "outcome/fictional-pkt-alder/cfirout-implementation-rater-c")
    assert set(g) == {
        (out, RDF_TYPE, o("CaseOutcome")),
        (out, o("outcomeOfCase"), ALDER),
        (out, o("outcomeAspect"), URIRef(CFIROUT + "implementation")),
        (out, o("outcomeLevel"), o("HighOutcome")),
        (out, o("rater"), RATER_C),
        (out, o("rationale"), Literal("Tables every week.")),
        (out, CREATED, Literal("2026-04-02", datatype=XSD_DATE)),
        (RATER_C, RDF_TYPE, AGENT),
        (RATER_C, RDFS_LABEL, Literal("rater-c")),
    }


def _example_record(site: str, iri: str) -> set[tuple]:
    g = Graph().parse(EXAMPLE / f"site-{site}.ttl")
    return set(g.triples((URIRef(iri), None, None)))


def test_rows_with_ids_give_the_example_turtle_exactly(tmp_path: Path) -> None:
    """The same rating and outcome as site-alder.ttl states them in Turtle, typed into the
    sheets: the same IRIs and the same statements, not one more."""
    rating = _rating(
        rating_id="IV.A-adoption-a",
        rater="coder/fictional-analyst-a",
        rationale="Analyst A rated IV.A +2 at Alder in adoption (invented).",
        date="2026-03-02",
        findings="leaders",
    )
    outcome = _outcome(
        outcome_id="implementation",
        outcome="cfirout:implementation",
        judged_by="coder/fictional-analyst-a",
        rationale="Implementation at Alder judged high (invented).",
        date="2026-03-09",
    )
    g, problems = _convert(tmp_path, [rating], [outcome])
    assert not problems
    r = ID + "rating/fictional-pkt-alder/IV.A-adoption-a"
    out = ID + "outcome/fictional-pkt-alder/implementation"
    expected = _example_record("alder", r) | _example_record("alder", out)
    assert len(expected) == 9 + 7  # the example's rating and outcome, as read there
    assert set(g) == expected


@pytest.mark.parametrize(
    ("cells", "iri"),
    [
        pytest.param({}, "cfir22-IV.A-adoption-rater-c", id="construct-phase-rater"),
        pytest.param({"phase": None}, "cfir22-IV.A-rater-c", id="no-phase"),
        pytest.param({"phase": None, "rater": None}, "cfir22-IV.A", id="construct-alone"),
        pytest.param({"rating_id": "leaders-1"}, "leaders-1", id="given-id"),
    ],
)
def test_a_blank_rating_id_is_made_from_construct_phase_and_rater(
    tmp_path: Path, cells: dict[str, object], iri: str
) -> None:
    g, problems = _convert(tmp_path, [_rating(**cells)])
    assert not problems
    assert set(g.subjects(RDF_TYPE, o("ConstructRating"))) == {
        URIRef(ID + "rating/fictional-pkt-alder/" + iri)
    }


def test_a_rating_without_phase_has_none(tmp_path: Path) -> None:
    g, _ = _convert(tmp_path, [_rating(phase=None)])
    assert not list(g.objects(None, o("ratedPhase")))


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        pytest.param("+2", "RatingPlus2", id="plus-2"),
        pytest.param("2", "RatingPlus2", id="unsigned-2"),
        pytest.param(2, "RatingPlus2", id="number-cell-2"),
        pytest.param("+1 (weak positive)", "RatingPlus1", id="with-label"),
        pytest.param("0", "RatingZero", id="zero"),
        pytest.param(0, "RatingZero", id="number-cell-0"),
        pytest.param("-1", "RatingMinus1", id="minus-1"),
        pytest.param("\u22122", "RatingMinus2", id="unicode-minus-2"),
        pytest.param(-2, "RatingMinus2", id="number-cell-minus-2"),
        pytest.param("X", "RatingMixed", id="X"),
        pytest.param("x", "RatingMixed", id="x"),
        pytest.param("Mixed", "RatingMixed", id="mixed"),
        pytest.param("missing", "RatingMissing", id="missing"),
        pytest.param(" MISSING ", "RatingMissing", id="missing-upper"),
    ],
)
def test_ratings_are_read_leniently_and_stored_canonically(
    tmp_path: Path, cell: object, value: str
) -> None:
    g, problems = _convert(tmp_path, [_rating(rating=cell)])
    assert not problems
    assert list(g.objects(None, o("ratingValue"))) == [o(value)]


@pytest.mark.parametrize(
    ("cell", "concept"),
    [
        pytest.param("cfir22:IV.A", CFIR22 + "IV.A", id="prefixed-code"),
        pytest.param(CFIR22 + "IV.A", CFIR22 + "IV.A", id="iri"),
        pytest.param("High-level Leaders", CFIR22 + "IV.A", id="label"),
        pytest.param("  high-level leaders ", CFIR22 + "IV.A", id="label-any-case"),
        pytest.param("V.B.4", CFIR09 + "V.B.4", id="bare-code-of-one-framework"),
        pytest.param("cfir22:III.D", CFIR22 + "III.D", id="prefixed-code-both-cfirs-use"),
    ],
)
def test_a_construct_is_named_by_code_or_label(tmp_path: Path, cell: str, concept: str) -> None:
    g, problems = _convert(tmp_path, [_rating(construct=cell, rating_id="r1")])
    assert not problems
    assert list(g.objects(None, o("ratedConstruct"))) == [URIRef(concept)]


def test_an_outcome_by_label_and_a_date_cell(tmp_path: Path) -> None:
    """A spreadsheet program may turn 2026-04-02 into a date cell: read at the day it shows."""
    g, problems = _convert(
        tmp_path, outcomes=[_outcome(outcome="Fidelity", date=dt.datetime(2026, 4, 2))]
    )
    assert not problems
    assert list(g.objects(None, o("outcomeAspect"))) == [
        URIRef("https://w3id.org/cokg/framework/proctor-2011/fidelity")
    ]
    assert list(g.objects(None, CREATED)) == [Literal("2026-04-02", datatype=XSD_DATE)]


def test_a_date_and_time(tmp_path: Path) -> None:
    g, _ = _convert(tmp_path, [_rating(date="2026-04-01T09:30:00Z")])
    assert list(g.objects(None, CREATED)) == [
        Literal("2026-04-01T09:30:00Z", datatype=XSD_DATETIME)
    ]


# --- bad cells: one violation each, at sheet, row and column, and the row adds nothing -------


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        pytest.param(
            {"construct": "cfir22:IV.Z"},
            "construct",
            "no concept cfir22:IV.Z in CFIR 2022",
            id="unknown-code",
        ),
        pytest.param(
            {"construct": "Leadership vibes"},
            "construct",
            "no concept of CFIR 2022, CFIR 2009, Greenhalgh 2004 or the study frame has the "
            "code or label 'Leadership vibes'",
            id="unknown-label",
        ),
        pytest.param(
            {"construct": "III.D"},
            "construct",
            "'III.D' is ambiguous: write one of cfir09:III.D (Implementation Climate); "
            "cfir22:III.D (Culture)",
            id="ambiguous-bare-code",
        ),
        pytest.param(
            {"construct": "cfirout:implementation"},
            "construct",
            "'cfirout:implementation' is a concept of the CFIR outcomes addendum, not a concept "
            "of CFIR 2022, CFIR 2009, Greenhalgh 2004 or the study frame",
            id="an-outcome-is-not-rated",
        ),
        pytest.param(
            {"rating": "+3"},
            "rating",
            "'+3' is not a rating: +2, +1, 0, -1, -2, X (mixed) or missing",
            id="bad-rating",
        ),
        pytest.param({"rating": None}, "rating", "rating is required", id="no-rating"),
        pytest.param(
            {"phase": "scaling"},
            "phase",
            "'scaling' is not one of: adoption, implementation, assimilation",
            id="bad-phase",
        ),
        pytest.param(
            {"date": "March 2026"},
            "date",
            "'March 2026' is not a day (YYYY-MM-DD) or a date and time (YYYY-MM-DDThh:mm)",
            id="bad-date",
        ),
        pytest.param(
            {"rater": "Ana Ortiz"}, "rater", "'Ana Ortiz' is not a coder id", id="name-as-rater"
        ),
        pytest.param(
            {"rating_id": "IV A"},
            "rating_id",
            "rating_id 'IV A' is not an id of the form letters and digits",
            id="bad-id",
        ),
    ],
)
def test_a_bad_rating_cell(
    tmp_path: Path, cells: dict[str, object], column: str, message: str
) -> None:
    g, problems = _convert(tmp_path, [_rating(**cells)])
    assert [(p.file, p.row, p.column) for p in problems] == [(BOOK_RATINGS, 2, column)]
    assert message in problems[0].message
    assert not len(g)  # no half-record


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        pytest.param(
            {"level": "medium"}, "level", "'medium' is not one of: high, mixed, low", id="bad-level"
        ),
        pytest.param({"level": None}, "level", "level is required", id="no-level"),
        pytest.param(
            {"outcome": "implementation"},
            "outcome",
            "'implementation' is ambiguous: write one of cfirout:implementation "
            "(Implementation); reaim:implementation (Implementation)",
            id="ambiguous-outcome",
        ),
        pytest.param(
            {"outcome": "cfir22:IV.A"},
            "outcome",
            "'cfir22:IV.A' is a concept of CFIR 2022, not a concept of the CFIR outcomes "
            "addendum, Proctor 2011 or RE-AIM",
            id="a-construct-is-no-outcome",
        ),
    ],
)
def test_a_bad_outcome_cell(
    tmp_path: Path, cells: dict[str, object], column: str, message: str
) -> None:
    g, problems = _convert(tmp_path, outcomes=[_outcome(**cells)])
    assert [(p.file, p.row, p.column) for p in problems] == [(BOOK_OUTCOMES, 2, column)]
    assert message in problems[0].message
    assert not len(g)


def test_a_second_rating_of_the_same_cell_names_both_rows(tmp_path: Path) -> None:
    """Row 4 rates what row 2 rates (the construct named by its label this time); row 3 differs
    in phase, row 5 in rater: only row 4 is refused, and row 2 stands."""
    rows = [
        _rating(rating="+2"),
        _rating(phase="implementation"),
        _rating(construct="High-level Leaders", rating="+1"),
        _rating(rater="rater-d"),
    ]
    g, problems = _convert(tmp_path, rows)
    assert [(p.file, p.row, p.column, p.message) for p in problems] == [
        (
            BOOK_RATINGS,
            4,
            "construct",
            "rows 2 and 4 both give the rating of this case for construct cfir22:IV.A, phase "
            "adoption, rater rater-c: keep one rating per case, construct, phase and rater "
            "(merge the two rows, or correct one)",
        )
    ]
    assert len(set(g.subjects(RDF_TYPE, o("ConstructRating")))) == 3
    assert set(g.objects(None, o("ratingValue"))) == {o("RatingPlus2")}


def test_two_unphased_unrated_ratings_clash_too(tmp_path: Path) -> None:
    rows = [_rating(phase=None, rater=None), _rating(phase=None, rater=None, rating="0")]
    _, problems = _convert(tmp_path, rows)
    assert [(p.row, p.column) for p in problems] == [(3, "construct")]
    assert "phase (none), rater (none)" in problems[0].message


def test_a_second_outcome_of_the_same_judge_names_both_rows(tmp_path: Path) -> None:
    rows = [_outcome(judged_by="rater-c"), _outcome(judged_by="rater-c", level="low")]
    _, problems = _convert(tmp_path, outcomes=rows)
    assert [(p.row, p.column) for p in problems] == [(3, "outcome")]
    assert problems[0].message.startswith(
        "rows 2 and 3 both give the outcome of this case for outcome cfirout:implementation, "
        "judged_by rater-c"
    )


def test_one_id_for_two_ratings_is_refused(tmp_path: Path) -> None:
    rows = [_rating(rating_id="r1"), _rating(rating_id="r1", construct="cfir22:IV.B")]
    _, problems = _convert(tmp_path, rows)
    assert [(p.row, p.column) for p in problems] == [(3, "rating_id")]
    assert "is already used in row 2 of case" in problems[0].message


def test_the_command_names_the_cell_without_a_traceback(tmp_path: Path) -> None:
    book = write_book(tmp_path / "book.xlsx", {"ratings": [_rating(construct="III.D")]})
    res = CliRunner().invoke(cli, ["validate", "--no-store", str(book)])
    assert res.exit_code == 1
    assert (
        "book.xlsx, sheet ratings row 2 (rating of case fictional-pkt-alder): column construct: "
        "'III.D' is ambiguous"
    ) in res.output
    assert "Traceback" not in res.output


# --- against a store: the rated example's shared records and site Alder ----------------------


@pytest.fixture
def alder_store():
    st = MemoryStore()
    build(st, include_data=False)
    for f in ("fictional-pkt-shared.ttl", "site-alder.ttl"):
        ingest([EXAMPLE / f], by="A. Steward", store=st)
    yield st
    st.close()


def test_unknown_case_and_finding_are_named_and_nothing_is_stored(
    alder_store: MemoryStore, tmp_path: Path
) -> None:
    book = write_book(
        tmp_path / "book.xlsx",
        {
            "ratings": [
                _rating(case_id="fictional-pkt-nowhere"),
                _rating(findings="leaders; no-such-finding"),
            ]
        },
    )
    before = alder_store.count()
    with pytest.raises(ValidationFailed) as err:
        ingest([book], by="A. Steward", store=alder_store)
    results = err.value.report.results  # type: ignore[attr-defined]
    assert sorted((r.file, r.row, r.column, r.severity) for r in results) == [
        (BOOK_RATINGS, 2, "case_id", "violation"),
        (BOOK_RATINGS, 3, "findings", "violation"),
    ]
    by_row = {r.row: r.message for r in results}
    assert "cokgid:case/fictional-pkt-nowhere' does not exist" in by_row[2]
    assert "cokgid:finding/fictional-pkt-alder/no-such-finding' does not exist" in by_row[3]
    assert alder_store.count() == before


def test_ratings_of_a_stored_case_are_ingested_and_shown_in_the_matrix(
    alder_store: MemoryStore, tmp_path: Path
) -> None:
    """A rating of Mid-level Leaders (IV.B, which the example leaves unrated) resting on a
    finding stored with Alder (leaders, which Q2 supports) and on a finding of the same
    workbook (peer-cooks, no quotation): the matrix cell reads +1 (2 f, 1 q)."""
    finding = {
        "case_id": "fictional-pkt-alder",
        "finding_id": "peer-cooks",
        "kind": "narrative",
        "statement": "Peer cooks asked the middle managers to join the tables (invented).",
        "phase": "adoption",
        "codes": "cfir22:IV.B",
        "located_in": "source/fictional-pkt-evaluation/alder",
    }
    rating = _rating(
        construct="Mid-level Leaders", rating="1", findings="leaders; peer-cooks", date="2026-04-01"
    )
    book = write_book(
        tmp_path / "book.xlsx",
        {"findings": [finding], "ratings": [rating], "outcomes": [_outcome(judged_by="rater-c")]},
    )
    report = ingest([book], by="A. Steward", store=alder_store)
    assert not report.validation.results  # not even a warning
    rows = [
        r.data
        for r in run_query("construct-matrix", store=alder_store, phase="adoption")
        if r.data["notation"] == "IV.B"
    ]
    assert [(r["case_id"], r["rating"], r["score"], r["rater"], r["cell"]) for r in rows] == [
        ("fictional-pkt-alder", "+1", 1, "rater-c", "+1 (2 f, 1 q)")
    ]


# --- the blank template ----------------------------------------------------------------------


def test_the_blank_template_offers_both_sheets(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    write_template(out)
    wb = load_workbook(out)
    header = {name: [c.value for c in wb[name][1]] for name in ("ratings", "outcomes")}
    assert header == {
        "ratings": ["case_id", "rating_id", "construct", "phase", "rating", "rationale",
                    "rater", "date", "findings", "comment"],
        "outcomes": ["case_id", "outcome_id", "outcome", "level", "judged_by", "rationale",
                     "date", "findings", "comment"],
    }  # fmt: skip

    def listed(sheet: str, column: str) -> tuple[list[str], bool]:
        ws = wb[sheet]
        letter = ws.cell(row=1, column=header[sheet].index(column) + 1).column_letter
        (dv,) = [d for d in ws.data_validations.dataValidation if str(d.sqref).startswith(letter)]
        src_sheet, rng = dv.formula1.split("!")
        cells = wb[src_sheet.strip("'")][rng.replace("$", "")]
        return [str(row[0].value) for row in cells], bool(dv.showErrorMessage)

    # the dropdown shows the values themselves ("+2", not an escaped "'+2"), as text cells
    assert listed("ratings", "rating") == (
        ["+2", "+1", "0", "-1", "-2", "X", "missing"],
        True,
    )
    values = wb["values"]
    signed = [c for row in values.iter_rows() for c in row if str(c.value)[:1] in "+-"]
    assert signed and all(c.data_type == "s" and c.quotePrefix for c in signed)
    assert listed("ratings", "phase") == (["adoption", "implementation", "assimilation"], True)
    assert listed("outcomes", "level") == (["high", "mixed", "low"], True)
    codes, strict = listed("ratings", "construct")
    assert {"cfir22:IV.A", "cfir09:V.B.4"} <= set(codes) and not strict  # labels allowed too
    assert "cfirout:implementation" in listed("outcomes", "outcome")[0]


def test_the_readme_describes_both_sheets() -> None:
    rows = {
        (r[0], r[1]): r for r in readme_rows() if len(r) >= 6 and r[0] in ("ratings", "outcomes")
    }
    assert rows[("ratings", "rating")][2:4] == ["yes", "+2 | +1 | 0 | -1 | -2 | X | missing"]
    assert rows[("ratings", "construct")][2] == "yes"
    assert rows[("ratings", "rating_id")][2] == ""  # made from construct, phase and rater
    assert rows[("outcomes", "level")][2:4] == ["yes", "high | mixed | low"]
    assert rows[("outcomes", "outcome")][5] == "cfirout:implementation"
    assert "cfirout:implementation" in rows[("outcomes", "outcome")][4]  # the default


# --- a stored rated case comes back out ------------------------------------------------------


@pytest.fixture(scope="module")
def example_store():
    st = MemoryStore()
    build(st, include_data=False)
    for f in ["fictional-pkt-shared.ttl", *(f"site-{s}.ttl" for s in SITES)]:
        ingest([EXAMPLE / f], by="A. Steward", store=st)
    yield st
    st.close()


def _judgements(g: Graph) -> set[tuple]:
    records = set(g.subjects(RDF_TYPE, o("ConstructRating"))) | set(
        g.subjects(RDF_TYPE, o("CaseOutcome"))
    )
    return {t for t in g if t[0] in records}


@pytest.mark.parametrize("site", SITES)
def test_a_rated_site_exports_and_reads_back(
    example_store: MemoryStore, tmp_path: Path, site: str
) -> None:
    turtle = Graph().parse(EXAMPLE / f"site-{site}.ttl")
    expected = _judgements(turtle)
    n_ratings = len(set(turtle.subjects(RDF_TYPE, o("ConstructRating"))))
    assert n_ratings == 16  # the README: 7 constructs x 2 phases by analyst A, 2 by B
    out = tmp_path / f"{site}.xlsx"
    exported = export_case(f"fictional-pkt-{site}", out, store=example_store)
    assert len(exported.rows["ratings"]) == n_ratings
    assert len(exported.rows["outcomes"]) == 1
    on_statements = {r["record"] for r in exported.rows.get("statements", [])}
    assert not {x for x in on_statements if x.startswith(("rating/", "outcome/"))}
    back = read_template(out)
    assert not back.problems
    assert _judgements(back.graph) == expected  # the same IRIs and statements
