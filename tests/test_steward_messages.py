"""Issue 11, problems 2 and 5: supplements validate against the store, and one message per
mistake in the steward's words (merged shape/check results, a dropped row named as its record
without follow-on errors, "did you mean", ids equal up to case, no cokg: terms unless
--technical, warnings before "added")."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import URIRef
from submissions import copy_example, rewrite

from cokg.cli import cli
from cokg.validate import format_report, read_submission, validate

SUB = Path(__file__).parent / "fixtures" / "submissions"
EXAMPLE = SUB / "example-template"
SUPPLEMENT = SUB / "dundee-mrr-guiding-question.ttl"
CASE2 = "https://w3id.org/cokg/id/case/dundee-mrr"


@pytest.fixture(scope="module")
def founding_store():
    from cokg.store import MemoryStore, build

    store = MemoryStore()
    build(store)
    yield store
    store.close()


# --- supplements to stored records (problem 2, build 5) ------------------------------------------


def test_supplement_to_a_stored_case_conforms(founding_store) -> None:
    # A guiding question added to the stored case dundee-mrr: the case's links (organisations,
    # place, study, its other guiding questions, ...) are stored records, not missing ones.
    report = validate([SUPPLEMENT], store=founding_store)
    assert report.conforms and report.results == (), format_report(report)


def test_one_triple_supplement_to_a_missing_record_is_one_message(
    tmp_path: Path, founding_store
) -> None:
    f = tmp_path / "link.ttl"
    f.write_text(
        "@prefix cokg: <https://w3id.org/cokg/ontology#> .\n"
        "# FICTIONAL: a link from a stored case to a guiding question that is nowhere.\n"
        f"<{CASE2}> cokg:hasGuidingQuestion "
        "<https://w3id.org/cokg/id/item/dundee-mrr/guiding-question-2> .\n",
        encoding="utf-8",
    )
    report = validate([f], store=founding_store)
    (r,) = report.results
    assert r.value == URIRef("https://w3id.org/cokg/id/item/dundee-mrr/guiding-question-2")
    assert "does not exist" in r.message
    assert "did you mean 'cokgid:item/dundee-mrr/guiding-question-1'" in r.message


# --- one message per mistake (problem 5, build 6) ------------------------------------------------


UNCODED = """@prefix cokg: <https://w3id.org/cokg/ontology#> .
# FICTIONAL: one more finding of the example case, coded to no construct.
<https://w3id.org/cokg/id/finding/fictional-riverside/uncoded> a cokg:NarrativeFinding ;
    cokg:statement "The cafés were warm and quiet (FICTIONAL)." ;
    cokg:aboutCase <https://w3id.org/cokg/id/case/fictional-riverside> ;
    cokg:inPhase cokg:Adoption ;
    cokg:locatedIn <https://w3id.org/cokg/id/source/riverside-adoption> .
"""


def _uncoded(tmp_path: Path) -> Path:
    """A Turtle supplement to the example: a finding with no construct, which both the shape
    (missing cokg:codedTo) and the QC check finding-without-construct see."""
    f = tmp_path / "uncoded.ttl"
    f.write_text(UNCODED, encoding="utf-8")
    return f


def test_shape_and_check_report_a_missing_construct_once(tmp_path: Path) -> None:
    """A template row with its codes cell blank is now refused by the converter (codes is
    required; the row adds nothing) before the shape and the QC check see it: one message,
    and nothing about the quotation supporting that finding. A finding with no construct that
    does reach them (from a Turtle file) is also one message: the shape's, not also the
    check's."""
    sub = copy_example(tmp_path)
    rewrite(sub / "findings.csv", 2, "codes", "")
    report = validate([sub])
    (r,) = report.results
    assert (r.file, r.row, r.column, r.severity) == ("findings.csv", 2, "codes", "violation")
    assert r.message == "codes is required"
    report = validate([EXAMPLE, _uncoded(tmp_path)])
    (r,) = report.results  # not also "finding lacks a construct" from the QC check
    assert (r.file, r.severity) == (str(tmp_path / "uncoded.ttl"), "violation")
    assert r.message.startswith("missing cokg:codedTo — use a code that exists")


def test_shape_and_check_report_a_bad_informant_code_once(tmp_path: Path) -> None:
    """Informants have their own sheet: a code not of the printed form there is seen by the
    shape and by the QC check informant-code-malformed, and reported once, at its informants
    row and column. A quotation naming an informant that is not there is one message too."""
    sub = copy_example(tmp_path)
    for sheet in ("informants", "interviews", "quotations"):
        rewrite(sub / f"{sheet}.csv", 3, "informant_code", "RVS-B")  # no digit
    report = validate([sub])
    (r,) = report.results
    assert (r.file, r.row, r.column) == ("informants.csv", 3, "informant_code")
    sub = copy_example(tmp_path / "quoted")
    rewrite(sub / "quotations.csv", 3, "informant_code", "RVS-B")
    report = validate([sub])
    (r,) = report.results
    assert (r.file, r.row, r.column) == ("quotations.csv", 3, "informant_code")


def test_a_link_to_a_missing_record_is_one_message_with_did_you_mean(tmp_path: Path) -> None:
    sub = copy_example(tmp_path)
    rewrite(sub / "quotations.csv", 3, "supports", "grant-stabilty")
    report = validate([sub])
    (r,) = report.results  # not also "is not a known finding" (its sh:class)
    assert (r.file, r.row, r.column) == ("quotations.csv", 3, "supports")
    assert "does not exist" in r.message
    assert "did you mean 'cokgid:finding/fictional-riverside/grant-stability'" in r.message


def test_a_mistyped_case_id_in_a_row_is_one_message_not_one_per_id_made_from_it(
    tmp_path: Path,
) -> None:
    """A quotation row's case_id mistyped: its informant and the finding it supports are
    looked for under that case too (ids are made from the case's), and each was said not to
    exist besides the case itself."""
    sub = copy_example(tmp_path)
    rewrite(sub / "quotations.csv", 3, "case_id", "fictional-riversde")
    report = validate([sub])
    (r,) = [x for x in report.results if x.severity == "violation"]
    assert (r.file, r.row, r.column) == ("quotations.csv", 3, "case_id")
    assert "did you mean 'cokgid:case/fictional-riverside'" in r.message


def test_did_you_mean_for_an_unknown_construct_code(tmp_path: Path) -> None:
    sub = copy_example(tmp_path)
    rewrite(sub / "findings.csv", 3, "codes", "frame:external-contxt")
    report = validate([sub])
    (r,) = report.results  # not also sh:class and "not in one of the five frameworks"
    assert (r.file, r.row, r.column) == ("findings.csv", 3, "codes")
    assert "did you mean 'frame:external-context'" in r.message


def test_a_dropped_row_is_named_as_its_record_without_follow_on_errors(tmp_path: Path) -> None:
    # The finding's stance is misspelt: the converter drops the row; the quotation and the
    # document supporting that finding must not be reported as pointing to nothing.
    sub = copy_example(tmp_path)
    rewrite(sub / "findings.csv", 3, "stance", "facilitater")
    report = validate([sub])
    (r,) = report.results
    assert (r.file, r.row, r.column) == ("findings.csv", 3, "stance")
    assert r.record_label == "finding grant-stability of case fictional-riverside"
    assert "did you mean 'facilitator'" in r.message
    text = format_report(report)
    assert "(findings row)" not in text and "does not exist" not in text


def test_ids_differing_only_by_case_are_one_id(tmp_path: Path) -> None:
    sub = copy_example(tmp_path)
    rewrite(sub / "findings.csv", 2, "finding_id", "Peer-Hosts")
    rewrite(sub / "quotations.csv", 2, "supports", "PEER-HOSTS")
    rewrite(sub / "quotations.csv", 2, "quotation_id", "q1")
    rewrite(sub / "quotations.csv", 2, "informant_code", "rvs-01")
    report = validate([sub])
    assert report.conforms and report.results == (), format_report(report)
    # stored exactly as the canonical ids would be: nothing in the data changes
    assert set(read_submission([sub]).graph) == set(read_submission([EXAMPLE]).graph)


# --- the steward's words, and --technical ------------------------------------------------------


def _a_warning(tmp_path: Path) -> Path:
    """The example with a cross-case finding that gives no position in its table cell: a
    warning. (It was a quotation supporting no finding; the template now refuses that row,
    supports being a required column, so it is a violation there.)"""
    sub = copy_example(tmp_path)
    rewrite(sub / "findings.csv", 3, "position", "")
    return sub


def test_messages_without_cokg_terms_or_check_names(tmp_path: Path) -> None:
    """A warning, and a finding with no construct that the shape and a QC check both see (from
    a Turtle file: a template row with no codes is refused before they see it)."""
    sub = _a_warning(tmp_path)
    uncoded = _uncoded(tmp_path)
    result = CliRunner().invoke(cli, ["validate", "--no-store", str(sub), str(uncoded)])
    assert result.exit_code == 1, result.output
    assert "cokg:" not in result.output and "cokgid:" not in result.output
    assert "[check" not in result.output and "-violation" not in result.output
    assert "missing coded to" in result.output and "warning: missing position" in result.output
    # --technical: every shape and check result as found, in the ontology's terms
    tech = CliRunner().invoke(
        cli, ["validate", "--no-store", "--technical", str(sub), str(uncoded)]
    )
    assert tech.exit_code == 1, tech.output
    assert "missing cokg:codedTo" in tech.output
    assert "[check finding-without-construct-violation]" in tech.output


def test_ingest_prints_warnings_before_added(tmp_path: Path, built_store: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(built_store, store)
    sub = _a_warning(tmp_path)
    result = CliRunner().invoke(
        cli, ["ingest", str(sub), "--by", "Test Steward", "--store", str(store)]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    added = next(i for i, line in enumerate(lines) if line.startswith(("added", "replaced")))
    warned = [i for i, line in enumerate(lines) if "warning:" in line]
    assert warned and max(warned) < added, result.output
    assert not any("cokg:" in lines[i] for i in warned), result.output


def test_a_second_value_where_one_is_allowed_names_both_values(
    tmp_path: Path, founding_store
) -> None:
    # FICTIONAL: a team's mapping typed with two confidences. The shape's message speaks of
    # a bad value ("..., not '{$value}'"), which a count has not: it names the two instead.
    f = tmp_path / "two.ttl"
    f.write_text(
        "@prefix cokg: <https://w3id.org/cokg/ontology#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "@prefix m: <https://w3id.org/cokg/framework/mappings/team-x/> .\n"
        "@prefix cfir09: <https://w3id.org/cokg/framework/cfir-2009/> .\n"
        "@prefix cfir22: <https://w3id.org/cokg/framework/cfir-2022/> .\n"
        "cfir09:I.B skos:closeMatch cfir22:I.B .\n"
        "m:one a cokg:ConceptMapping ; cokg:subject cfir09:I.B ; cokg:predicate"
        " skos:closeMatch ; cokg:object cfir22:I.B ; cokg:confidence 0.5, 0.8 ;"
        ' cokg:mappingJustification "Team view." .\n',
        encoding="utf-8",
    )
    report = validate([f], store=founding_store)
    (r,) = report.results
    assert r.message == (
        "2 values of cokg:confidence ('0.5', '0.8'): a mapping's confidence is one number "
        "from 0 to 1"
    ), r.message


@pytest.mark.parametrize(
    ("sheet", "column", "noun", "first"),
    [
        ("events.csv", "event_id", "event", "first-cafe"),
        ("quotations.csv", "quotation_id", "quotation", "Q1"),
        ("organisations.csv", "org_id", "organisation", None),
    ],
)
def test_an_id_used_twice_in_a_sheet_is_one_message_on_the_second_row(
    tmp_path: Path, sheet: str, column: str, noun: str, first: str | None
) -> None:
    # A copied row whose id was not changed: one message on the copy, naming the first row,
    # not a flood about the first row's record holding two names, two dates, two phases ...
    sub = copy_example(tmp_path)
    import csv

    with (sub / sheet).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    ident = first or rows[1][rows[0].index(column)]
    rewrite(sub / sheet, 3, column, ident)
    report = validate([sub])
    # the record the copied row was meant to be is gone: references to it follow from the
    # one mistake, whose message names it
    (r,) = report.violations
    assert (r.file, r.row, r.column) == (sheet, 3, column)
    scope = " of case fictional-riverside" if noun != "organisation" else ""
    meant = (
        "; other rows name organisation 'riverside-council', which no row of this sheet "
        "gives: is this row that organisation?"
        if noun == "organisation"
        else ""
    )
    assert r.message == (
        f"{column} '{ident}' is already used in row 2{scope}: give each {noun} its own "
        f"{column} (or delete the repeated row){meant}"
    ), r.message


def test_a_row_without_its_case_id_is_one_message_not_its_citers_too(tmp_path: Path) -> None:
    # the finding's row is dropped (no case to scope its id by); the quotation and document
    # that cite it were reported as pointing to nothing, though only the finding's row is wrong
    sub = copy_example(tmp_path)
    rewrite(sub / "findings.csv", 3, "case_id", "")
    report = validate([sub])
    (r,) = report.results
    assert (r.file, r.row, r.column) == ("findings.csv", 3, "case_id")
    assert r.message == "case_id is required"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Innovation Source", "https://w3id.org/cokg/framework/cfir-2022/I.A"),
        ("III.J.2", "https://w3id.org/cokg/framework/cfir-2022/III.J.2"),
        ("I.A", "'I.A' is ambiguous: write one of cfir09:I.A (Intervention Source); cfir22:I.A"),
        ("cfir22:I.A, cfir22:III.J.2", "separate several codes with ';'"),
        ("cfir2022:I.A", "no framework is prefixed cfir2022: — did you mean cfir22:I.A?"),
        ("Innovation Sorce", "did you mean cfir22:I.A (Innovation Source)"),
    ],
)
def test_a_findings_code_cell_takes_a_label_and_says_what_to_write(
    cell: str, expected: str
) -> None:
    """The workbook's drop-down said "type a code or a label", and the reader refused labels
    and bare codes with "is not a construct code such as cfir22:II.D", whatever was typed."""
    from cokg.template import SHEETS
    from cokg.template.converting import parse_value

    column = next(c for c in SHEETS["findings"].columns if c.name == "codes")
    got = parse_value(column, cell, "c1")
    assert str(got) == expected if expected.startswith("https:") else expected in str(got)


def test_a_statements_row_problem_is_told_at_that_row(tmp_path: Path) -> None:
    """A statement added on the statements sheet was reported at the row of the record it is
    about (findings row 3), where the steward found nothing wrong."""
    from submissions import copy_example

    from cokg.validate import validate

    sub = copy_example(tmp_path)
    with (sub / "statements.csv").open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(["finding/fictional-riverside/peer-hosts", "cokg:madeUpProperty",
                                 "a value", "", ""])  # fmt: skip
    report = validate([sub], store=None)
    (r,) = [r for r in report.results if "madeUpProperty" in str(r.value) or "made up" in r.message]
    assert (r.file, r.column) == ("statements.csv", "property"), r
    assert r.row is not None and r.row >= 2


def test_a_statements_row_about_an_unknown_record_is_refused_at_that_row(tmp_path: Path) -> None:
    """A statement about a mistyped record id (peer-hostz) was stored without a word, and the
    submission conformed: a record nobody describes, holding one label."""
    sub = copy_example(tmp_path)
    with (sub / "statements.csv").open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(["finding/fictional-riverside/peer-hostz", "rdfs:label",
                                 "A label", "", "en"])  # fmt: skip
    report = validate([sub], store=None)
    assert not report.conforms
    (r,) = [r for r in report.results if r.severity == "violation"]
    assert (r.file, r.row, r.column) == ("statements.csv", 2, "record")
    assert r.message == (
        "'cokgid:finding/fictional-riverside/peer-hostz' does not exist in this submission "
        "(checked without a store) — did you mean 'cokgid:finding/fictional-riverside/peer-hosts'?"
    )
    result = CliRunner().invoke(cli, ["validate", "--no-store", str(sub)])
    assert result.exit_code == 1
    assert (
        "statements.csv row 2 (statement about finding/fictional-riverside/peer-hostz): column "
        "record: 'finding/fictional-riverside/peer-hostz' does not exist in this submission"
    ) in result.output


def test_a_comments_row_about_an_unknown_record_is_refused_at_that_row(tmp_path: Path) -> None:
    # the comments sheet has a record column too: a note on a mistyped id was stored silently
    sub = copy_example(tmp_path)
    with (sub / "comments.csv").open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(["finding/fictional-riverside/peer-hostz", "A note"])
    report = validate([sub], store=None)
    (r,) = [r for r in report.results if r.severity == "violation"]
    assert (r.file, r.row, r.column) == ("comments.csv", 2, "record")
    assert r.message.startswith("'cokgid:finding/fictional-riverside/peer-hostz' does not exist")
    assert r.message.endswith("did you mean 'cokgid:finding/fictional-riverside/peer-hosts'?")


@pytest.mark.parametrize(
    ("record", "unknown"),
    [pytest.param("case/dundee-mrr", False, id="stored"),
     pytest.param("case/dundee-mrx", True, id="mistyped")],
)  # fmt: skip
def test_a_statements_row_is_checked_against_the_store(
    tmp_path: Path, founding_store, record: str, unknown: bool
) -> None:
    sub = tmp_path / "supplement"
    sub.mkdir()
    with (sub / "statements.csv").open("w", encoding="utf-8", newline="") as fh:
        header = ["record", "property", "value", "datatype", "language"]
        csv.writer(fh).writerows([header, [record, "rdfs:comment", "A note (FICTIONAL)", "", ""]])
    report = validate([sub], store=founding_store)
    missing = [r for r in report.results if "does not exist" in r.message]
    if not unknown:
        assert not missing and report.conforms, format_report(report)
        return
    (r,) = missing
    assert (r.file, r.row, r.column) == ("statements.csv", 2, "record")
    assert r.message == (
        "'cokgid:case/dundee-mrx' does not exist in this submission or in the store — check "
        "the spelling, or submit that record too"
    )
