"""Construct ratings derived from imported QDA projects (cokg.qda.ratings, cokg.qda.converting).

CFIR teams record a construct's rating per case in their QDA program in three ways: (a) a code
named with the rating ("Leadership engagement (+2)"), (b) rating codes under the construct's
code ("Relative Advantage" / "+2"), (c) a case variable named after the construct. Each test
builds a small FICTIONAL project with tests/qda_projects.py, imports it into a store holding
the ontology, the frameworks and two fictional cases, and compares the stored ratings with
those worked out here by hand from the project's codings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from qda_projects import SmallCoding, build_small_project
from rdflib import Graph, Namespace, URIRef

from cokg.cli import cli
from cokg.errors import InputError
from cokg.ingest import ingest
from cokg.namespaces import CFIR22, COKG, COKGID
from cokg.qda.importing import import_qdpx, render_import
from cokg.qda.ratings import rating_token, split_valence, valence_only, variable_rating
from cokg.query import run_query
from cokg.store import MemoryStore, build

# plain namespaces: pytest's collection trips over rdflib's closed ones
DCTERMS = Namespace("http://purl.org/dc/terms/")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")

CASES_TTL = """
@prefix cokg: <https://w3id.org/cokg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix case: <https://w3id.org/cokg/id/case/> .
@prefix inno: <https://w3id.org/cokg/id/innovation/> .
case:fx-alder a cokg:Case ; cokg:caseId "fx-alder" ; cokg:caseNumber 201 ;
    rdfs:label "Alder ward (FICTIONAL)" ; cokg:studiesInnovation inno:fx-huddle .
case:fx-birch a cokg:Case ; cokg:caseId "fx-birch" ; cokg:caseNumber 202 ;
    rdfs:label "Birch ward (FICTIONAL)" ; cokg:studiesInnovation inno:fx-huddle .
inno:fx-huddle a cokg:Innovation ; rdfs:label "Safety huddle checklist (FICTIONAL)" .
"""
ALDER = "ALD-01 interview"  # the informant code starts the name
BIRCH = "BRC-01 interview"
TEXTS = {
    ALDER: "The director came to every huddle. She also phoned each ward on Fridays. "
    "We needed a change after the audit. The old forms were slow.",
    BIRCH: "The new checklist saves ten minutes a shift. Some staff found it fiddly at first.",
}
PROJECT = "Rated sites study"


def sssom(*rows: tuple[str, str, str, str]) -> str:
    """An SSSOM TSV of (subject_id, subject_label, predicate, object) rows."""
    head = (
        "# curie_map:\n"
        "#   cfir22: https://w3id.org/cokg/framework/cfir-2022/\n"
        "#   cfirout: https://w3id.org/cokg/framework/cfir-outcomes/\n"
        "#   site: https://example.org/rated-sites/code/\n"
        "# mapping_set_id: https://example.org/rated-sites/mappings\n"
        "# license: https://creativecommons.org/licenses/by/4.0/\n"
        "subject_id\tsubject_label\tpredicate_id\tobject_id\tmapping_justification\n"
    )
    return head + "".join("\t".join((*r, "semapv:ManualMappingCuration")) + "\n" for r in rows)


def cases_store() -> MemoryStore:
    st = MemoryStore()
    build(st, include_data=False)
    st.replace_graphs(
        {"https://w3id.org/cokg/graph/submission/fx-wards": Graph().parse(data=CASES_TTL)}
    )
    return st


@pytest.fixture
def store() -> Iterator[MemoryStore]:
    st = cases_store()
    yield st
    st.close()


def do_import(project: Path, st: Any, mapping: str, **kw: Any) -> Any:
    codes = project.parent / "codes.sssom.tsv"
    codes.write_text(mapping, encoding="utf-8")
    options: dict[str, Any] = dict(by="A. Steward", codes=codes, phase="implementation",
                                   store=st, coder_names=True)  # fmt: skip
    options.update(kw)
    return import_qdpx(project, **options)


def code_label(g: Graph, finding: Any) -> str:
    return str(g.value(g.value(finding, COKG.fromCode), SKOS.prefLabel))


def ratings(g: Graph) -> set[tuple[Any, ...]]:
    """Each rating as (case, construct, phase, value, rater's label, created (a datetime), the
    codes of the findings it cites, rationale); None for what it does not give."""
    out = set()
    for r in g.subjects(RDF.type, COKG.ConstructRating):
        rater = g.value(r, COKG.rater)
        created = g.value(r, DCTERMS.created)
        out.add(
            (
                g.value(r, COKG.ratedCase),
                g.value(r, COKG.ratedConstruct),
                g.value(r, COKG.ratedPhase),
                g.value(r, COKG.ratingValue),
                str(g.value(rater, RDFS.label)) if rater is not None else None,
                created.toPython() if created is not None else None,
                frozenset(code_label(g, f) for f in g.objects(r, COKG.justifiedBy)),
                str(g.value(r, COKG.rationale)),
            )
        )
    return out


def stored(st: MemoryStore) -> Graph:
    return Graph().parse(data=st.export(format="nt"), format="nt")


def matrix(st: MemoryStore) -> set[tuple[Any, ...]]:
    return {
        (r.notation, r.case_id, r.rating, r.rater, r.cell)
        for r in run_query("construct-matrix", store=st)
    }


ALD, BRC = COKGID["case/fx-alder"], COKGID["case/fx-birch"]
IMPL = COKG.Implementation


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def why(text: str) -> str:
    return f"From the QDA project “{PROJECT}”: {text}."


# --- recognising a rating ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("Leadership engagement (+2)", ("Leadership engagement", "+2"), id="round"),
        pytest.param(
            "IV.A Leadership Engagement [-1]", ("IV.A Leadership Engagement", "-1"), id="square"
        ),
        pytest.param("Tension for change +1", ("Tension for change", "+1"), id="bare-suffix"),
        pytest.param("Tension for change \u22122", ("Tension for change", "-2"), id="minus-sign"),
        pytest.param("Culture (0)", ("Culture", "0"), id="zero"),
        pytest.param("Compatibility (X)", ("Compatibility", "X"), id="x"),
        pytest.param("Compatibility [mixed]", ("Compatibility", "X"), id="mixed"),
        pytest.param("Culture (2)", None, id="unsigned-is-a-duplicate-marker"),
        pytest.param("Tension for change 0", None, id="bare-suffix-needs-a-sign"),
        pytest.param("Age 65+1", None, id="no-space"),
        pytest.param("Phase (+3)", None, id="off-the-scale"),
        pytest.param("Relative Advantage", None, id="plain"),
    ],
)
def test_split_valence(name: str, expected: tuple[str, str] | None) -> None:
    assert split_valence(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("+2", "+2", id="plus2"),
        pytest.param("\u22121", "-1", id="minus-sign"),
        pytest.param("\u20131", "-1", id="en-dash"),
        pytest.param("(0)", "0", id="bracketed"),
        pytest.param("x", "X", id="x"),
        pytest.param("Mixed", "X", id="mixed"),
        pytest.param("2", None, id="unsigned"),
        pytest.param("missing", None, id="missing-is-not-coded"),
    ],
)
def test_valence_only(name: str, expected: str | None) -> None:
    assert valence_only(name) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("+2", "+2", id="text"),
        pytest.param("2", "+2", id="unsigned-text"),
        pytest.param("\u22122", "-2", id="minus-sign"),
        pytest.param("missing", "missing", id="missing"),
        pytest.param(-1, "-1", id="integer"),
        pytest.param(0, "0", id="zero"),
        pytest.param(Decimal("1.0"), "+1", id="whole-float"),
        pytest.param(Decimal("1.5"), None, id="fraction"),
        pytest.param(3, None, id="off-the-scale"),
        pytest.param(True, None, id="boolean"),
        pytest.param("strong", None, id="words"),
    ],
)
def test_variable_rating(value: Any, expected: str | None) -> None:
    assert variable_rating(value) == expected


def test_rating_tokens_are_the_vocabulary_notations() -> None:
    from cokg.vocabulary import RATING_VALUES

    scored = {rating_token(t) for t in ("+2", "+1", "0", "-1", "-2", "X")}
    assert scored == set(RATING_VALUES) - {"missing"}


# --- form (a): the rating in the code's name -------------------------------------------------

FORM_A = (
    SmallCoding(ALDER, "The director came to every huddle.", "Leadership engagement (+2)", "Ana",
                "2023-03-01T10:00:00Z"),
    SmallCoding(ALDER, "She also phoned each ward on Fridays.", "Leadership engagement (+2)",
                "Ana", "2023-03-05T16:30:00Z"),
    # Ben reads the same passage as hindering, with a Unicode minus in square brackets
    SmallCoding(ALDER, "She also phoned each ward on Fridays.", "Leadership engagement [\u22121]",
                "Ben", "2023-03-04T09:00:00Z"),
    SmallCoding(ALDER, "We needed a change after the audit.", "Tension for change +1", "Ana",
                "2023-03-02T11:00:00Z"),
)  # fmt: skip
# the rows name the constructs' codes without their ratings
FORM_A_MAP = sssom(
    ("site:leaders", "Leadership engagement", "skos:exactMatch", "cfir22:IV.A"),
    ("site:tension", "Tension for change", "skos:closeMatch", "cfir22:III.E"),
)


def test_form_a_codes_named_with_a_rating(tmp_path: Path, store: MemoryStore) -> None:
    project = build_small_project(tmp_path, sources={ALDER: TEXTS[ALDER]},
                                  cases={"fx-alder": (ALDER,)}, codings=FORM_A)  # fmt: skip
    report = do_import(project, store, FORM_A_MAP)
    assert report.conversion.ratings == 3
    # the rating shapes (one per cell, findings of its case and phase, grounds) find nothing
    assert report.validation.conforms and not report.validation.results
    # one rating per coder and construct; Ana's is dated by her later coding of +2
    assert ratings(stored(store)) == {
        (ALD, CFIR22["IV.A"], IMPL, COKG.RatingPlus2, "Ana", utc("2023-03-05T16:30"),
         frozenset({"Leadership engagement (+2)"}),
         why("2 passages coded “Leadership engagement (+2)” by Ana")),
        (ALD, CFIR22["IV.A"], IMPL, COKG.RatingMinus1, "Ben", utc("2023-03-04T09:00"),
         frozenset({"Leadership engagement [\u22121]"}),
         why("1 passage coded “Leadership engagement [\u22121]” by Ben")),
        (ALD, CFIR22["III.E"], IMPL, COKG.RatingPlus1, "Ana", utc("2023-03-02T11:00"),
         frozenset({"Tension for change +1"}),
         why("1 passage coded “Tension for change +1” by Ana")),
    }  # fmt: skip
    # the cited finding holds the passages its code was applied to
    g = stored(store)
    (plus2,) = (f for f in g.subjects(RDF.type, COKG.CodedFinding)
                if code_label(g, f) == "Leadership engagement (+2)")  # fmt: skip
    assert {str(g.value(q, COKG.text)) for q in g.subjects(COKG.supports, plus2)} == {
        "The director came to every huddle.",
        "She also phoned each ward on Fridays.",
    }
    assert set(g.objects(plus2, COKG.codedTo)) == {CFIR22["IV.A"]}


def test_form_a_in_the_construct_matrix(tmp_path: Path, store: MemoryStore) -> None:
    project = build_small_project(tmp_path, sources={ALDER: TEXTS[ALDER]},
                                  cases={"fx-alder": (ALDER,)}, codings=FORM_A)  # fmt: skip
    do_import(project, store, FORM_A_MAP)
    # Ana's +2 cites one finding holding two passages; Ben's -1 one finding of one passage
    assert matrix(store) == {
        ("III.E", "fx-alder", "+1", "Ana", "implementation: +1 (1 f, 1 q)"),
        ("IV.A", "fx-alder", "+2", "Ana", "implementation: +2 (1 f, 2 q)"),
        ("IV.A", "fx-alder", "-1", "Ben", "implementation: -1 (1 f, 1 q)"),
    }


def test_summary_counts_the_ratings(tmp_path: Path, store: MemoryStore) -> None:
    project = build_small_project(tmp_path, sources={ALDER: TEXTS[ALDER]},
                                  cases={"fx-alder": (ALDER,)}, codings=FORM_A)  # fmt: skip
    text = render_import(do_import(project, store, FORM_A_MAP, dry_run=True))
    # 3 spans coded; 4 codings; a finding per code; a rating per coder and construct
    assert "; construct ratings: 3\n" in text
    assert "  case fx-alder: 1 text, 3 quotations, 4 codings, 3 findings, 3 ratings\n" in text


def test_ratings_keep_coders_pseudonymous(tmp_path: Path, store: MemoryStore) -> None:
    project = build_small_project(tmp_path, sources={ALDER: TEXTS[ALDER]},
                                  cases={"fx-alder": (ALDER,)}, codings=FORM_A)  # fmt: skip
    g = do_import(project, store, FORM_A_MAP, coder_names=False, dry_run=True).conversion.graph
    texts = {str(o) for r in g.subjects(RDF.type, COKG.ConstructRating) for o in g.objects(r)}
    assert len(texts) > 10 and not any("Ana" in t or "Ben" in t for t in texts)


# --- form (b): rating codes under the construct's code ---------------------------------------

FORM_B = (
    SmallCoding(BIRCH, "The new checklist saves ten minutes a shift.", "Relative Advantage/+2",
                "Ana", "2023-04-01T09:00:00Z"),
    SmallCoding(BIRCH, "The new checklist saves ten minutes a shift.", "Relative Advantage/X",
                "Ben", "2023-04-02T09:00:00Z"),
    SmallCoding(BIRCH, "Some staff found it fiddly at first.", "Relative Advantage/\u22121",
                "Carl", "2023-04-03T09:00:00Z"),
)  # fmt: skip
FORM_B_CODES = ("Relative Advantage/+1", "Relative Advantage/0", "Relative Advantage/-2")


def test_form_b_rating_codes_under_the_construct(tmp_path: Path, store: MemoryStore) -> None:
    project = build_small_project(tmp_path, sources={BIRCH: TEXTS[BIRCH]},
                                  cases={"fx-birch": (BIRCH,)}, codings=FORM_B,
                                  codes=FORM_B_CODES)  # fmt: skip
    do_import(project, store, sssom(("site:advantage", "Relative Advantage", "skos:exactMatch",
                                     "cfir22:I.C")))  # fmt: skip
    assert ratings(stored(store)) == {
        (BRC, CFIR22["I.C"], IMPL, COKG.RatingPlus2, "Ana", utc("2023-04-01T09:00"),
         frozenset({"+2"}), why("1 passage coded “Relative Advantage/+2” by Ana")),
        (BRC, CFIR22["I.C"], IMPL, COKG.RatingMixed, "Ben", utc("2023-04-02T09:00"),
         frozenset({"X"}), why("1 passage coded “Relative Advantage/X” by Ben")),
        (BRC, CFIR22["I.C"], IMPL, COKG.RatingMinus1, "Carl", utc("2023-04-03T09:00"),
         frozenset({"\u22121"}), why("1 passage coded “Relative Advantage/\u22121” by Carl")),
    }  # fmt: skip
    assert matrix(store) == {
        ("I.C", "fx-birch", "+2", "Ana", "implementation: +2 (1 f, 1 q)"),
        ("I.C", "fx-birch", "X", "Ben", "implementation: X (1 f, 1 q)"),
        ("I.C", "fx-birch", "-1", "Carl", "implementation: -1 (1 f, 1 q)"),
    }


# --- form (c): case variables named after a construct ----------------------------------------

FORM_C_VALUES = {
    "fx-alder": (("Available Resources", "Text", "\u22122"), ("Culture", "Integer", "1"),
                 ("Region", "Text", "North")),
    "fx-birch": (("Available Resources", "Text", "mixed"), ("Culture", "Integer", "5"),
                 ("Region", "Text", "South")),
}  # fmt: skip
# "Culture" is a code too; "Available Resources" only a variable, named by the row
FORM_C_MAP = sssom(
    ("site:culture", "Culture", "skos:exactMatch", "cfir22:III.D"),
    ("site:resources", "Available Resources", "skos:exactMatch", "cfir22:III.J"),
)


def test_form_c_case_variables(tmp_path: Path, store: MemoryStore) -> None:
    project = build_small_project(
        tmp_path, sources=TEXTS, cases={"fx-alder": (ALDER,), "fx-birch": (BIRCH,)},
        codings=(SmallCoding(ALDER, "The old forms were slow.", "Culture", "Ana"),),
        case_values=FORM_C_VALUES,
    )  # fmt: skip
    report = do_import(project, store, FORM_C_MAP)
    assert report.validation.conforms and not report.validation.results
    # a variable rates the case as a whole (no phase), by no named rater, undated; the
    # Culture rating cites the case's finding about Culture
    assert ratings(stored(store)) == {
        (ALD, CFIR22["III.J"], None, COKG.RatingMinus2, None, None, frozenset(),
         why("the case variable “Available Resources” is “\u22122”")),
        (ALD, CFIR22["III.D"], None, COKG.RatingPlus1, None, None, frozenset({"Culture"}),
         why("the case variable “Culture” is “1”")),
        (BRC, CFIR22["III.J"], None, COKG.RatingMixed, None, None, frozenset(),
         why("the case variable “Available Resources” is “mixed”")),
    }  # fmt: skip
    assert (
        "case 'fx-birch': variable 'Culture' rates cfir22:III.D but '5' is not a rating "
        "(+2, +1, 0, -1, -2, X or missing): no rating derived"
    ) in report.warnings
    # no phase: no prefix; no rater: none
    assert matrix(store) == {
        ("III.D", "fx-alder", "+1", None, "+1 (1 f, 1 q)"),
        ("III.J", "fx-alder", "-2", None, "-2 (0 f, 0 q)"),
        ("III.J", "fx-birch", "X", None, "X (0 f, 0 q)"),
    }


# --- conflicts -------------------------------------------------------------------------------

_ANA_TWICE = (
    SmallCoding(ALDER, "The director came to every huddle.", "Leadership engagement (+2)", "Ana"),
    SmallCoding(ALDER, "We needed a change after the audit.", "Leadership engagement (-1)", "Ana"),
)
CONFLICTS = {
    "codes": (
        dict(codings=_ANA_TWICE),
        FORM_A_MAP,
        "case fx-alder: coder 'Ana' gave cfir22:IV.A in implementation 2 ratings, +2 (code "
        "“Leadership engagement (+2)”), -1 (code “Leadership engagement (-1)”): one rater gives "
        "a construct one rating per case and phase — recode in the QDA program (X is the "
        "rating for a mixed influence)",
    ),
    "variables": (
        dict(
            case_values={
                "fx-alder": (("Available Resources", "Text", "+2"), ("III.J rating", "Text", "-1"))
            }
        ),
        sssom(
            ("site:resources", "Available Resources", "skos:exactMatch", "cfir22:III.J"),
            ("site:rating", "III.J rating", "skos:exactMatch", "cfir22:III.J"),
        ),
        "case fx-alder: the case's variables gave cfir22:III.J 2 ratings, +2 (variable "
        "“Available Resources”), -1 (variable “III.J rating”): one rater gives a construct one "
        "rating per case and phase — recode in the QDA program (X is the rating for a mixed "
        "influence)",
    ),
}


@pytest.mark.parametrize("kind", list(CONFLICTS))
def test_one_rater_two_values_is_an_error(tmp_path: Path, store: MemoryStore, kind: str) -> None:
    options, mapping, message = CONFLICTS[kind]
    project = build_small_project(tmp_path, sources={ALDER: TEXTS[ALDER]},
                                  cases={"fx-alder": (ALDER,)}, **options)  # fmt: skip
    graphs, size = store.graphs(), store.count()
    with pytest.raises(InputError) as caught:
        do_import(project, store, mapping)
    assert caught.value.message == message
    assert caught.value.file is not None and caught.value.file.endswith("rated.qdpx")
    assert (store.graphs(), store.count()) == (graphs, size)


def test_two_coders_may_disagree_but_a_coder_may_not(tmp_path: Path, store: MemoryStore) -> None:
    """Ben's -1 beside Ana's +2 is two ratings (test_form_a...); Ana's own -1 is refused."""
    codings = (*FORM_A, SmallCoding(ALDER, "The old forms were slow.",
                                    "Leadership engagement [\u22121]", "Ana"))  # fmt: skip
    project = build_small_project(tmp_path, sources={ALDER: TEXTS[ALDER]},
                                  cases={"fx-alder": (ALDER,)}, codings=codings)  # fmt: skip
    with pytest.raises(InputError, match=r"coder 'Ana' gave cfir22:IV\.A .* 2 ratings, \+2"):
        do_import(project, store, FORM_A_MAP, dry_run=True)


@pytest.fixture
def disk_store(tmp_path: Path) -> Path:
    from cokg.store import EmbeddedStore

    d = tmp_path / "store"
    with EmbeddedStore(d) as st:
        build(st)  # with the founding data: a store without it is rebuilt when opened
    cases = tmp_path / "wards.ttl"
    cases.write_text(CASES_TTL, encoding="utf-8")
    ingest([cases], by="A. Steward", store=d, submission="fx-wards")
    return d


def test_command_refuses_a_conflict_in_one_line(tmp_path: Path, disk_store: Path) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    project = build_small_project(folder, sources={ALDER: TEXTS[ALDER]},
                                  cases={"fx-alder": (ALDER,)}, codings=_ANA_TWICE)  # fmt: skip
    codes = folder / "codes.sssom.tsv"
    codes.write_text(FORM_A_MAP, encoding="utf-8")
    runner = CliRunner()
    before = runner.invoke(cli, ["graphs", "--store", str(disk_store)]).output
    result = runner.invoke(cli, ["import-qdpx", str(project), "--codes", str(codes), "--phase",
                                 "implementation", "--by", "A. Steward", "--store",
                                 str(disk_store)])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert result.output.startswith("cokg: error: ")
    assert result.output.rstrip("\n").endswith(f"rated.qdpx: {CONFLICTS['codes'][2]}")
    assert runner.invoke(cli, ["graphs", "--store", str(disk_store)]).output == before


# --- what is not a rating --------------------------------------------------------------------

NOT_RATINGS = {
    # a code no row maps: an ordinary unmapped code
    "unmapped": ("Budget (+2)", ()),
    # unsigned digits tell apart two codes of one name; the row names the code whole
    "unsigned": ("Culture (2)", (("site:c", "Culture (2)", "skos:exactMatch", "cfir22:III.D"),)),
    # nested under a mapped domain, but "Culture" itself has no match
    "inherited": ("Inner Setting/Culture (+2)",
                  (("site:inner", "Inner Setting", "skos:exactMatch", "cfir22:III"),)),
    # a rating of a part (broad match) is not a rating of the whole
    "broad": ("Leadership engagement (+2)",
              (("site:l", "Leadership engagement", "skos:broadMatch", "cfir22:IV"),)),
    # an outcome is judged as a case outcome, not rated
    "outcome": ("Adoption (+2)", (("site:a", "Adoption", "skos:exactMatch", "cfirout:adoption"),)),
}  # fmt: skip


@pytest.mark.parametrize("kind", list(NOT_RATINGS))
def test_a_rating_like_code_of_no_construct_stays_a_code(
    tmp_path: Path, store: MemoryStore, kind: str
) -> None:
    path, rows = NOT_RATINGS[kind]
    phrase = "The director came to every huddle."
    project = build_small_project(tmp_path, sources={ALDER: TEXTS[ALDER]},
                                  cases={"fx-alder": (ALDER,)},
                                  codings=(SmallCoding(ALDER, phrase, path, "Ana"),))  # fmt: skip
    report = do_import(project, store, sssom(*rows))
    g = stored(store)
    assert report.conversion.ratings == 0
    # the steward hears of a rating code whose passages are evidence but rate nothing
    said = [w for w in report.warnings if "reads as a rating (+2)" in w]
    assert len(said) == (kind in ("inherited", "broad", "outcome"))
    assert not set(g.subjects(RDF.type, COKG.ConstructRating))
    (code,) = (c for c in g.subjects(RDF.type, COKG.Code)
               if str(g.value(c, SKOS.prefLabel)) == path.rsplit("/", 1)[-1])  # fmt: skip
    (coding,) = g.subjects(URIRef("http://www.w3.org/ns/oa#hasBody"), code)
    quotation = g.value(coding, URIRef("http://www.w3.org/ns/oa#hasTarget"))
    assert str(g.value(quotation, COKG.text)) == phrase
