"""Reading REFI-QDA files (cokg.qda.reading) on the fictional study of tests/qda_projects.py,
written as NVivo, ATLAS.ti, MAXQDA and QualCoder write it, and on hostile variants.

Expected texts are the phrases the fixture built each selection from; expected values are
written out here by hand."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from qda_projects import (
    CODES,
    HOSTILE,
    ORIGINS,
    RULE_OF,
    SELECTIONS,
    SOURCES,
    BuiltProject,
    build_bare_qde,
    build_codebook,
    build_project,
    gid,
    hostile_project,
    merci_project,
)

from cokg.errors import InputError
from cokg.qda.model import Project, Selection, User
from cokg.qda.reading import OFFSET_RULES, read_project, rule_for_origin

UTC = dt.UTC


@pytest.fixture(scope="module")
def studies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[BuiltProject, Project]]:
    """The study as each program exports it, read once per module."""
    out = {}
    for origin in ORIGINS:
        built = build_project(tmp_path_factory.mktemp("qdpx"), origin)
        out[origin] = (built, read_project(built.path))
    return out


def _selection(project: Project, guid: str) -> Selection:
    found = [s for src in project.sources.values() for s in src.selections if s.guid == guid]
    assert len(found) == 1, guid
    return found[0]


def _slice(project: Project, selection: Selection) -> str:
    return project.sources[selection.source].text[selection.start : selection.end]


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")
    }


SELECTION_CASES = [
    pytest.param(origin, s.label, id=f"{origin.split()[0]}-{s.label}")
    for origin in ORIGINS
    for s in SELECTIONS
    if not s.nvivo_only or origin.startswith("NVivo")
]


# --- offsets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("origin", "label"), SELECTION_CASES)
def test_selection_covers_its_phrase(studies: dict, origin: str, label: str) -> None:
    built, project = studies[origin]
    expected = built.selections[label]
    selection = _selection(project, expected.guid)
    assert _slice(project, selection) == expected.text
    assert (selection.tool_start, selection.tool_end) == (expected.tool_start, expected.tool_end)
    assert selection.source == expected.source


@pytest.mark.parametrize(("origin", "label"), SELECTION_CASES)
def test_selection_codes_and_coder(studies: dict, origin: str, label: str) -> None:
    built, project = studies[origin]
    expected = built.selections[label]
    selection = _selection(project, expected.guid)
    assert tuple(c.code for c in selection.codings) == expected.codes
    assert {c.coder for c in selection.codings} <= {expected.coder}


@pytest.mark.parametrize(
    ("origin", "tool"),
    [
        pytest.param("NVivo 14", (69, 109), id="nvivo-utf16"),  # the emoji counts two
        pytest.param("ATLAS.ti 23", (67, 107), id="atlas-crlf-one"),  # the CRLF counts one
        pytest.param("MAXQDA 2022", (68, 108), id="maxqda-codepoints"),
        pytest.param("QualCoder 3.5", (68, 108), id="qualcoder-codepoints"),
    ],
)
def test_first_selection_offsets_by_hand(studies: dict, origin: str, tool: tuple) -> None:
    # line 1 is 53 characters, the emoji, CRLF; line 2 starts "Nurse lead: " (12 characters)
    selection = _selection(studies[origin][1], gid("A1"))
    assert (selection.tool_start, selection.tool_end) == tool
    assert (selection.start, selection.end) == (67, 107)


@pytest.mark.parametrize("origin", ORIGINS)
def test_clean_project_uses_the_origin_rule_without_warnings(studies: dict, origin: str) -> None:
    project = studies[origin][1]
    assert project.offset_rule == RULE_OF[origin]
    assert project.warnings == []


@pytest.mark.parametrize(
    ("label", "written_by", "rule"),
    [
        pytest.param("QualCoder 3.5", "NVivo 14", "utf16", id="nvivo-as-qualcoder"),
        pytest.param("MAXQDA 2022", "ATLAS.ti 23", "codepoints-crlf-as-one", id="atlas-as-maxqda"),
        pytest.param("NVivo 14", "QualCoder 3.5", "codepoints", id="qualcoder-as-nvivo"),
    ],
)
def test_mislabelled_origin_is_detected(
    tmp_path: Path, label: str, written_by: str, rule: str
) -> None:
    built = build_project(tmp_path, label, written_by=written_by)
    project = read_project(built.path)
    assert project.offset_rule == rule
    assert {
        k: _slice(project, _selection(project, e.guid)) for k, e in built.selections.items()
    } == {k: e.text for k, e in built.selections.items()}
    assert len(project.warnings) == 1
    assert f'"{rule}"' in project.warnings[0] and label in project.warnings[0]


def test_a_name_that_is_not_the_text_is_one_warning(tmp_path: Path) -> None:
    project = read_project(build_project(tmp_path, "NVivo 14", wrong_name="A2").path)
    assert project.offset_rule == "utf16"
    assert len(project.warnings) == 1
    assert gid("A2") in project.warnings[0] and "Board approval" in project.warnings[0]
    assert _slice(project, _selection(project, gid("A2"))) == (
        "The board approved extra hours in March."
    )


def test_fixture_offsets_differ_between_programs(studies: dict) -> None:
    # otherwise the per-origin tests would not tell the rules apart
    ends = {origin: studies[origin][0].selections["B3"].tool_end for origin in ORIGINS}
    assert len(set(ends.values())) == 3


# --- texts and layout ---------------------------------------------------------------------


@pytest.mark.parametrize("origin", ORIGINS)
def test_source_texts_are_normalised(studies: dict, origin: str) -> None:
    project = studies[origin][1]
    assert {g: s.text for g, s in project.sources.items()} == {
        gid(s.label): s.text for s in SOURCES
    }
    for source in project.sources.values():
        assert source.sha256 == hashlib.sha256(source.text.encode("utf-8")).hexdigest()
        assert "\r" not in source.text and not source.text.startswith("\ufeff")


@pytest.mark.parametrize("origin", ORIGINS)
def test_each_path_form_is_read_from_its_member(studies: dict, origin: str) -> None:
    built, project = studies[origin]
    members = {label: project.sources[gid(label)].member for label in "ABCD"}
    assert members == built.members
    at = "Northfield export/" if origin.startswith("ATLAS") else ""
    assert members["B"] == f"{at}Material/interviews/riverside.txt"  # relative:// + basePath
    assert members["C"] == f"{at}sources/hillcrest.txt"  # no scheme, lower-case folder
    assert members["A"].startswith(f"{at}Sources/")  # internal://


@pytest.mark.parametrize("origin", ORIGINS)
def test_bare_qde_reads_its_folder(tmp_path: Path, origin: str) -> None:
    built = build_bare_qde(tmp_path, origin)
    project = read_project(built.path)
    assert project.offset_rule == RULE_OF[origin]
    assert project.warnings == []
    assert {
        k: _slice(project, _selection(project, e.guid)) for k, e in built.selections.items()
    } == {k: e.text for k, e in built.selections.items()}


def test_absolute_path_is_read_from_the_archive_copy(tmp_path: Path) -> None:
    built = build_project(tmp_path, "NVivo 14", absolute_path=True)
    project = read_project(built.path)
    source = project.sources[gid("A")]
    assert source.text == SOURCES[0].text
    assert source.member == built.members["A"]


def test_pdf_source_is_one_warning_and_left_out(tmp_path: Path) -> None:
    project = read_project(build_project(tmp_path, "MAXQDA 2022", with_pdf=True).path)
    assert len(project.warnings) == 1
    assert "Site photos.pdf" in project.warnings[0] and "not read" in project.warnings[0]
    assert gid("pdf") not in project.sources
    northfield = next(c for c in project.cases if c.guid == gid("northfield"))
    assert northfield.sources == [gid("A")]


# --- GUIDs, codes, cases, variables, notes ----------------------------------------------------


def test_guids_are_normalised_everywhere(studies: dict) -> None:
    built, project = studies["MAXQDA 2022"]
    with zipfile.ZipFile(built.path) as z:
        xml = z.read(built.qde).decode("utf-8")
    # the fixture writes GUIDs in braces, in upper case, and both
    assert re.search(r'"\{[0-9A-F]{8}-[0-9A-F-]{27}\}"', xml)
    assert re.search(r'"[0-9A-F]{8}-[0-9A-F-]{27}"', xml)
    assert re.search(r'"\{[0-9a-f]{8}-[0-9a-f-]{27}\}"', xml)
    assert set(project.codes) == {gid(c.label) for c in CODES}
    assert set(project.users) == {gid("ana"), gid("ben")}
    assert set(project.sources) == {gid(s.label) for s in SOURCES}
    assert set(project.notes) == {gid("coach"), gid("memo")}
    refs = [c.code for s in project.sources.values() for sel in s.selections for c in sel.codings]
    refs += [v.variable for case in project.cases for v in case.variables]
    refs += [g for case in project.cases for g in case.sources + case.codes]
    assert refs and all(r == r.lower() and "{" not in r for r in refs)


def test_users(studies: dict) -> None:
    assert studies["QualCoder 3.5"][1].users == {
        gid("ana"): User(gid("ana"), "Ana Ortiz"),
        gid("ben"): User(gid("ben"), "Ben Okafor"),
    }


def test_coder_is_the_coding_user_then_the_selection_user(studies: dict) -> None:
    project = studies["QualCoder 3.5"][1]
    # A3: Ana on the selection, Ben on the coding (Ben applied the code: his coding, as
    # agreement counts it; it was credited to Ana); A2: only Ben on the coding; D2: nobody
    assert [c.coder for c in _selection(project, gid("A3")).codings] == [gid("ben")]
    assert [c.coder for c in _selection(project, gid("A2")).codings] == [gid("ben")]
    assert _selection(project, gid("A2")).creator is None
    assert [c.coder for c in _selection(project, gid("D2")).codings] == [None]


def test_repeated_span_stays_two_selections(studies: dict) -> None:
    project = studies["NVivo 14"][1]
    a3, a3b = _selection(project, gid("A3")), _selection(project, gid("A3b"))
    assert (a3.start, a3.end) == (a3b.start, a3b.end)
    assert [c.code for c in a3.codings] == [gid("funding")]
    assert [c.code for c in a3b.codings] == [gid("resources")]


def test_hierarchy_and_categories(studies: dict) -> None:
    codes = studies["ATLAS.ti 23"][1].codes
    assert list(codes) == [gid(c.label) for c in CODES]  # file order, parents first
    assert codes[gid("funding")].parent == gid("resources")
    assert codes[gid("resources")].parent == gid("inner")
    assert codes[gid("inner")].parent is None
    assert codes[gid("inner")].children == [gid("culture"), gid("resources")]
    assert {c.name for c in codes.values() if not c.codable} == {
        "Innovation",
        "Outer Setting",
        "Inner Setting",
        "Individuals",
        "Implementation Process",
    }
    assert codes[gid("partnerships")].name == "Partnerships & Connections"
    assert codes[gid("partnerships")].color == "#FF7F0E"
    assert codes[gid("funding")].description == "Money for the work."


def test_nvivo_case_nodes_are_cases_not_codes(studies: dict) -> None:
    project = studies["NVivo 14"][1]
    assert "Northfield clinic" not in {c.name for c in project.codes.values()}
    assert set(project.codes) == {gid(c.label) for c in CODES}
    northfield = next(c for c in project.cases if c.guid == gid("northfield"))
    assert northfield.codes == [gid("culture")]  # its CodeRef to its own node is not a code
    assert northfield.selections == [gid("A1case")]
    assert _selection(project, gid("A1case")).codings == []


def _values(project: Project, values: list) -> dict:
    return {project.variables[v.variable].name: v.value for v in values}


def test_cases_and_typed_values(studies: dict) -> None:
    project = studies["MAXQDA 2022"][1]
    cases = {c.guid: c for c in project.cases}
    assert _values(project, cases[gid("northfield")].variables) == {
        "Region": "North",
        "Rural": True,
        "Staff count": 42,
        "Budget share": Decimal("0.35"),
        "Start date": dt.date(2021, 3, 1),
        "Last visit": dt.datetime(2022, 6, 14, 10, 30, tzinfo=UTC),
    }
    assert _values(project, cases[gid("riverside")].variables) == {
        "Region": "River valley",
        "Rural": False,
        "Staff count": 17,
        "Budget share": Decimal("0.125"),
        "Start date": dt.date(2021, 9, 6),
        "Last visit": dt.datetime(2022, 5, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))),
    }
    assert cases[gid("riverside")].description == "A primary school on the river."
    # an empty value is no value; "1" is true
    assert _values(project, cases[gid("hillcrest")].variables) == {
        "Rural": True,
        "Staff count": 9,
        "Budget share": Decimal("0.5"),
    }
    assert cases[gid("hillcrest")].sources == [gid("C"), gid("D")]


def test_nameless_case_and_source_variables(studies: dict) -> None:
    project = studies["MAXQDA 2022"][1]
    nameless = next(c for c in project.cases if c.guid == gid("c-file"))
    assert nameless.name is None
    assert nameless.sources == [gid("C")]
    assert _values(project, nameless.variables) == {
        "Interview length (min)": 35,
        "Interview date": dt.date(2022, 2, 11),
    }
    assert _values(project, project.sources[gid("B")].variables) == {
        "Interview length (min)": 48,
        "Interview date": dt.date(2022, 3, 22),
    }
    assert {v.name: v.type for v in project.variables.values()} == {
        "Region": "Text",
        "Rural": "Boolean",
        "Staff count": "Integer",
        "Budget share": "Float",
        "Start date": "Date",
        "Last visit": "DateTime",
        "Interview length (min)": "Integer",
        "Interview date": "Date",
    }


def test_annotation_is_kept_without_codings(studies: dict) -> None:
    annotation = _selection(studies["ATLAS.ti 23"][1], gid("A5"))
    assert annotation.codings == []
    assert annotation.description == "Said with a laugh; check the tone with the site lead."
    assert annotation.creator == gid("ben")


def test_notes(studies: dict) -> None:
    project = studies["QualCoder 3.5"][1]
    assert project.notes[gid("coach")].text == (
        "The coach's visits stopped in June; ask the county why."
    )
    assert project.notes[gid("coach")].creator == gid("ana")
    assert project.notes[gid("memo")].text == "Funding memo:\nthe pilot grant ended in May."
    assert _selection(project, gid("B3")).notes == [gid("coach")]
    assert _selection(project, gid("A3")).notes == [gid("memo")]  # NoteRef on its coding
    assert project.sources[gid("A")].notes == [gid("coach")]


def test_project_fields(studies: dict) -> None:
    project = studies["NVivo 14"][1]
    assert (project.kind, project.name, project.origin) == (
        "project",
        "Three-site programme study",
        "NVivo 14",
    )
    assert project.description is not None and project.description.startswith("Fictional")


def test_codebook(tmp_path: Path) -> None:
    project = read_project(build_codebook(tmp_path))
    assert (project.kind, project.origin, project.offset_rule) == (
        "codebook",
        "QualCoder 3.5",
        None,
    )
    assert [c.name for c in project.codes.values()] == [c.name for c in CODES]
    assert project.codes[gid("adaptability")].parent == gid("innovation")
    assert project.codes[gid("innovation")].codable is False
    assert (project.sources, project.cases, project.warnings) == ({}, [], [])


# --- the rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "rule"),
    [
        pytest.param("NVivo 14", "utf16", id="nvivo"),
        pytest.param("NVivo 12 (Windows)", "utf16", id="nvivo-12"),
        pytest.param("ATLAS.ti 23.2", "codepoints-crlf-as-one", id="atlas"),
        pytest.param("MAXQDA 2022", "codepoints", id="maxqda"),
        pytest.param("QualCoder 3.5", "codepoints", id="qualcoder"),
        pytest.param(None, "codepoints", id="none"),
    ],
)
def test_rule_for_origin(origin: str | None, rule: str) -> None:
    assert rule_for_origin(origin) == rule


def test_offset_rules_are_described_in_one_line() -> None:
    assert set(OFFSET_RULES) == {"utf16", "codepoints-crlf-as-one", "codepoints"}
    assert all(d and "\n" not in d for d in OFFSET_RULES.values())


# --- refusals ---------------------------------------------------------------------------------

PHRASE = {
    "past-end": "is past the end of the text (327 characters)",
    "start-after-end": "startPosition 100 is after endPosition 80",
    "negative": "startPosition -1 is negative",
    "inside-crlf": "between the CR and the LF",
    "inside-surrogate": "surrogate pair",
    "inside-combined": "normalisation (NFC)",
    "not-a-number": "not a whole number",
    "dangling-coderef": "CodeRef targetGUID",
    "dangling-sourceref": "SourceRef targetGUID",
    "dangling-variableref": "VariableRef targetGUID",
    "dangling-noteref": "NoteRef targetGUID",
    "dangling-user": "creatingUser",
    "bad-variable": '"forty-two" is not a valid Integer',
    "missing-source": "not inside the archive",
    "not-utf8-source": "not UTF-8",
    "no-text": "has no text",
    "relative-outside": "not inside the archive",
    "absolute-outside": "no file from outside the archive",
    "other-scheme": "never from elsewhere",
    "climbing-path": "climbs out",
    "too-deep": "COKG_MAX_XML_DEPTH",
    "zip-bomb": "100 times its compressed size",
    "lying-header": "corrupt",
    "traversal": "climbs out",
    "absolute-member": "absolute path",
    "drive-letter": "drive letter",
    "duplicate-member": "appears twice",
    "too-many-members": "10,006 members",
    "billion-laughs": "entities",
    "external-entity": "entities",
    "wrong-namespace": "namespace urn:QDA-XML:project:0.9",
    "not-xml": "not well-formed XML",
    "two-qde": "exactly one",
    "no-qde": "no .qde project file",
    "not-zip": "not a ZIP archive",
    "corrupt-zip": "corrupt or truncated ZIP",
}


def test_every_hostile_kind_has_an_expectation() -> None:
    assert set(PHRASE) == set(HOSTILE)


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_is_refused_in_one_line(tmp_path: Path, kind: str) -> None:
    hostile = hostile_project(tmp_path, kind)
    before = _tree(tmp_path)
    with pytest.raises(InputError) as caught:
        read_project(hostile.path)
    message = str(caught.value)
    assert message.startswith(f"{hostile.path}: ")  # names the file
    assert hostile.names in message  # and the element, member or path
    assert PHRASE[kind] in message
    assert "\n" not in message and "Traceback" not in message and 'File "' not in message
    # no chained exception either, so even a traceback would show only this error
    error = caught.value
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)
    assert _tree(tmp_path) == before  # nothing extracted or written
    assert not (tmp_path.parent / "outside.txt").exists()


def test_reading_writes_nothing(tmp_path: Path) -> None:
    built = build_project(tmp_path, "NVivo 14")
    before = _tree(tmp_path)
    read_project(built.path)
    assert _tree(tmp_path) == before


def test_depth_limit_follows_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = build_project(tmp_path, "MAXQDA 2022")
    monkeypatch.setenv("COKG_MAX_XML_DEPTH", "5")
    with pytest.raises(InputError, match="COKG_MAX_XML_DEPTH"):
        read_project(built.path)


def test_size_limit_follows_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    words = ["the", "site", "team", "met", "again", "and", "kept", "the", "new", "checklist"]

    def big_text(_root: object, members: dict[str, bytes]) -> None:
        # 1.8 MB of words: compresses about 4:1, so the archive stays under 1 MB
        more = " ".join(random.Random(7).choices(words, k=360_000))
        members["sources/hillcrest.txt"] += more.encode("ascii")

    built = build_project(tmp_path, "MAXQDA 2022", edit=big_text)
    assert built.path.stat().st_size < 2**20
    assert read_project(built.path).warnings == []  # the default limit is 64 MB
    monkeypatch.setenv("COKG_MAX_SUBMISSION_MB", "1")
    with pytest.raises(InputError, match="COKG_MAX_SUBMISSION_MB") as caught:
        read_project(built.path)
    assert "sources/hillcrest.txt" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "phrase"),
    [
        pytest.param("study.zip", "expected a .qdpx", id="unknown-suffix"),
        pytest.param("missing.qdpx", "no such file", id="missing"),
    ],
)
def test_not_a_project_file(tmp_path: Path, name: str, phrase: str) -> None:
    if name != "missing.qdpx":
        (tmp_path / name).write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError, match=phrase):
        read_project(tmp_path / name)


def test_codebook_in_the_wrong_namespace(tmp_path: Path) -> None:
    path = build_codebook(tmp_path)
    path.write_bytes(
        path.read_bytes().replace(b"urn:QDA-XML:codebook:1.0", b"urn:QDA-XML:project:1.0")
    )
    with pytest.raises(InputError, match=re.escape("namespace urn:QDA-XML:codebook:1.0")):
        read_project(path)


def test_relative_path_from_the_exporting_machine_reads_the_embedded_copy(tmp_path: Path) -> None:
    def move(root: ET.Element, members: dict[str, bytes]) -> None:
        root.set("basePath", "C:\\Users\\coder\\Study")
        members["Sources/interviews/riverside.txt"] = members.pop(
            "Material/interviews/riverside.txt"
        )

    project = read_project(build_project(tmp_path, "MAXQDA 2022", edit=move).path)
    assert project.sources[gid("B")].member == "Sources/interviews/riverside.txt"
    assert project.sources[gid("B")].text == SOURCES[1].text


def test_bare_qde_does_not_follow_a_link_out_of_its_folder(tmp_path: Path) -> None:
    built = build_bare_qde(tmp_path, "MAXQDA 2022")
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("private notes on the exporting machine\n", encoding="utf-8")
    member = built.path.parent / built.members["A"]
    member.unlink()
    member.symlink_to(outside)
    with pytest.raises(InputError, match=gid("A")) as caught:
        read_project(built.path)
    assert "names no file" in str(caught.value)


def _add_link(root: ET.Element, _members: dict[str, bytes]) -> None:
    links = ET.SubElement(root, "Links")
    ET.SubElement(links, "Link", guid=gid("link"), originGUID=gid("A"), targetGUID=gid("B"))


def _code_whole_source(root: ET.Element, _members: dict[str, bytes]) -> None:
    source = next(
        el for el in root.iter("TextSource") if el.get("name", "").startswith("Interview 3")
    )
    coding = ET.SubElement(source, "Coding", guid=gid("whole"))
    ET.SubElement(coding, "CodeRef", targetGUID=gid("culture"))


def _rich_text_note(root: ET.Element, _members: dict[str, bytes]) -> None:
    notes = root.find("Notes")
    assert notes is not None
    ET.SubElement(
        notes, "Note", guid=gid("rich"), name="Rich memo", richTextPath="internal://r.docx"
    )


@pytest.mark.parametrize(
    ("edit", "phrase"),
    [
        pytest.param(_add_link, "1 Links", id="link"),
        pytest.param(_code_whole_source, "of the whole source", id="whole-source-coding"),
        pytest.param(_rich_text_note, "Rich memo", id="note-without-plain-text"),
    ],
)
def test_what_is_not_imported_is_one_warning(tmp_path: Path, edit: Callable, phrase: str) -> None:
    project = read_project(build_project(tmp_path, "QualCoder 3.5", edit=edit).path)
    assert len(project.warnings) == 1
    assert phrase in project.warnings[0]


def test_two_users_coding_one_selection_are_two_coders(tmp_path: Path) -> None:
    # Ana made the selection and coded it Culture; Ben coded the same selection Culture too
    # (one PlainTextSelection, two Codings). Ben's coding was credited to Ana and merged with
    # hers, so agreement saw Ben as having coded nothing there.
    from qda_projects import PROJECT_NS, SmallCoding, build_small_project

    path = build_small_project(
        tmp_path,
        sources={"LKS-01 interview": "Vi började i januari. Sedan kom bidraget."},
        cases={"fx-lake": ("LKS-01 interview",)},
        codings=(
            SmallCoding("LKS-01 interview", "Vi började i januari.", "Culture", "Ana"),
            SmallCoding("LKS-01 interview", "Vi började i januari.", "Culture", "Ben"),
        ),
    )
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    root = ET.fromstring(members["project.qde"])
    ns = {"q": PROJECT_NS}
    first, second = root.findall(".//q:PlainTextSelection", ns)
    first.append(second.find("q:Coding", ns))  # Ben's coding onto Ana's selection
    for src in root.findall(".//q:TextSource", ns):
        if second in list(src):
            src.remove(second)
    members["project.qde"] = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    with zipfile.ZipFile(path, "w") as z:
        for n, data in members.items():
            z.writestr(n, data)
    project = read_project(path)
    (selection,) = [s for src in project.sources.values() for s in src.selections]
    names = {u.guid: u.name for u in project.users.values()}
    assert [names[c.coder] for c in selection.codings] == ["Ana", "Ben"]


def _one_selection_qde(
    name: str, source: str, text: str, selected: str, start: int, end: int, nl: str = "\n"
) -> str:
    """A hand-written MAXQDA-like project file: one user, one code, one inline text with one
    coded selection (`selected` its name), the elements on lines ended by `nl`."""
    u, s, k, sel, c = (gid(f"{name}:{x}") for x in ("u", "s", "k", "sel", "c"))
    return nl.join([
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<Project xmlns="urn:QDA-XML:project:1.0" name="{name}" origin="MAXQDA 2022">',
        f'<Users><User guid="{u}" name="Ana"/></Users>',
        f'<CodeBook><Codes><Code guid="{k}" name="Culture" isCodable="true"/></Codes></CodeBook>',
        f'<Sources><TextSource guid="{s}" name="{source}">',
        f"<PlainTextContent>{text}</PlainTextContent>",
        f'<PlainTextSelection guid="{sel}" name="{selected}" startPosition="{start}" '
        f'endPosition="{end}" creatingUser="{u}"><Coding guid="{c}" creatingUser="{u}">'
        f'<CodeRef targetGUID="{k}"/></Coding></PlainTextSelection>',
        "</TextSource></Sources>",
        "</Project>",
    ]) + nl  # fmt: skip


def _read_qde_text(tmp_path: Path, qde: str) -> Project:
    """The project a .qdpx holding `qde` alone reads as."""
    path = tmp_path / "hand-made.qdpx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", qde.encode("utf-8"))
    return read_project(path)


def test_an_inline_text_of_a_crlf_project_file_keeps_its_offsets(tmp_path: Path) -> None:
    # MAXQDA counts a CRLF as two; the XML parser turns the file's CRLFs into LF, inline texts'
    # too, so every offset after a line end was one off: "econd line " was stored verbatim
    text = "First line.\r\nSecond line is coded.\r\n"
    qde = _one_selection_qde("Inline study", "LKS-01 interview", text, "Second line", 13, 24,
                             nl="\r\n")  # fmt: skip
    project = _read_qde_text(tmp_path, qde)
    (source,) = project.sources.values()
    (selection,) = source.selections
    assert _slice(project, selection) == "Second line"
    assert source.text == "First line.\nSecond line is coded.\n"
    assert not project.warnings


def test_a_selection_of_no_text_is_left_out_with_a_warning(tmp_path: Path) -> None:
    # startPosition = endPosition: a passage of nothing failed validation with a message that
    # named neither the selection nor its source
    qde = _one_selection_qde("Zero study", "DUN-01 interview", "We began in May.", "", 5, 5)
    project = _read_qde_text(tmp_path, qde)
    sel = gid("Zero study:sel")
    (source,) = project.sources.values()
    assert source.selections == []
    (warning,) = [w for w in project.warnings if "covers no text" in w]
    assert warning == (
        f'PlainTextSelection {sel} in source "DUN-01 interview" covers no text (startPosition 5, '
        "endPosition 5): left out with its 1 coding(s)"
    )


def test_an_empty_text_is_left_out_with_a_warning(tmp_path: Path) -> None:
    # an untranscribed source was a record named by the digest of "", the same in every
    # project: a second project with one could not be imported beside the first
    u, s, t = (gid(x) for x in ("empty:u", "empty:s", "empty:t"))
    qde = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="Empty study" origin="MAXQDA 2022">'
        f'<Users><User guid="{u}" name="Ana"/></Users>'
        f'<Sources><TextSource guid="{s}" name="Not yet transcribed">'
        "<PlainTextContent></PlainTextContent></TextSource>"
        f'<TextSource guid="{t}" name="DUN-01 interview">'
        "<PlainTextContent>We began in May.</PlainTextContent></TextSource>"
        "</Sources></Project>"
    )
    project = _read_qde_text(tmp_path, qde)
    assert [src.name for src in project.sources.values()] == ["DUN-01 interview"]
    assert f'TextSource {s} "Not yet transcribed" has an empty text: left out' in project.warnings


def test_a_folder_is_named_as_a_folder(tmp_path: Path) -> None:
    (tmp_path / "study.qdpx").write_bytes(b"")
    with pytest.raises(InputError) as exc:
        read_project(tmp_path)
    assert str(exc.value) == (
        f"{tmp_path}: a folder, not a project: give the .qdpx file (or a .qde or .qdc) "
        "(it holds study.qdpx: give one)"
    )


def test_a_name_starting_with_the_space_its_selection_starts_on_agrees(tmp_path: Path) -> None:
    # a selection starting on a space, named with that space: 190 of 1,000 such passages of a
    # project were each warned "its name does not match the text", which they did
    text = "We began in May, late and slow."
    qde = _one_selection_qde("Space study", "DUN-01 interview", text, " late and slow.", 16, 31)
    project = _read_qde_text(tmp_path, qde)
    (selection,) = next(iter(project.sources.values())).selections
    assert _slice(project, selection) == " late and slow."
    assert project.warnings == []


# --- offsets no name can check ---------------------------------------------------------------


# « merci » is characters 32-41 of the text as stored, UTF-16 units 33-42 (🙂 counts two),
# 31-40 with each CRLF counting one
@pytest.mark.parametrize(
    ("origin", "start", "end", "read_as", "stated"),
    [
        pytest.param("MAXQDA 2022", 33, 42, " merci ».", "utf16", id="maxqda-label-utf16"),
        pytest.param("NVivo 14", 32, 41, " « merci ", "codepoints", id="nvivo-label-codepoints"),
    ],
)
def test_offsets_no_name_can_check_are_a_doubt_until_the_unit_is_stated(
    tmp_path: Path, origin: str, start: int, end: int, read_as: str, stated: str
) -> None:
    # a text with 🙂 before the passage, selections without names: the origin's unit was used
    # silently and " merci »." stored as the quotation
    path = merci_project(tmp_path, origin, [(start, end, None)])
    project = read_project(path)
    (selection,) = next(iter(project.sources.values())).selections
    assert _slice(project, selection) == read_as  # read, but in doubt:
    (doubt,) = project.offset_doubts
    assert doubt.startswith(
        f'PlainTextSelection {gid("merci:sel0")} in source "NTH-07 entrevue": its offsets '
        f"{start}-{end} select different text by the unit they count in, and nothing in the "
        "project tells which (it has no name to check them against): "
        f'"{read_as}" counted in '
    )
    assert f'Project@origin "{origin}" suggests' in doubt
    assert '"« merci »" counted in' in doubt and "--offsets " in doubt
    stated_project = read_project(path, offset_rule=stated)
    (selection,) = next(iter(stated_project.sources.values())).selections
    assert _slice(stated_project, selection) == "« merci »"
    assert stated_project.offset_rule == stated
    assert stated_project.offset_doubts == [] and stated_project.warnings == []


def test_one_name_that_tells_the_units_apart_confirms_the_others(tmp_path: Path) -> None:
    # the named selection reads as its name only in UTF-16 units: the project counts in them
    path = merci_project(tmp_path, "MAXQDA 2022", [(33, 42, None), (33, 38, "« mer")])
    project = read_project(path)
    assert project.offset_rule == "utf16" and project.offset_doubts == []
    first = next(iter(project.sources.values())).selections[0]
    assert _slice(project, first) == "« merci »"


def test_names_that_read_in_another_unit_take_the_project_there(tmp_path: Path) -> None:
    # labelled NVivo (UTF-16 units), counted in characters: "Bonjour." reads alike in every
    # unit, "« merci »" only in characters. 2 of 2 names against 1 of 2: characters, with a
    # warning (the import stopped, saying the name "tells no reading")
    spans = [(0, 8, "Bonjour."), (32, 41, "« merci »")]
    project = read_project(merci_project(tmp_path, "NVivo 14", spans))
    assert project.offset_rule == "codepoints" and project.offset_doubts == []
    assert _slice(project, next(iter(project.sources.values())).selections[1]) == "« merci »"
    (warning,) = project.warnings
    assert warning.startswith('selection offsets read as "codepoints" (2 of 2 selection names')


def test_a_doubt_shows_where_long_readings_differ() -> None:
    from cokg.qda.reading import _spaced

    # two readings one character apart: the same start, a different end
    text = "La direction nous a soutenus dès le début du projet, puis moins."
    shifted = text[:-1] + " E"
    shown, other = _spaced(text), _spaced(shifted)
    assert len(shown) <= 40 and shown != other
    assert shown.startswith("La direction") and shown.endswith("puis moins.")
    assert _spaced(" « merci ") == " « merci "  # short: whole, its edges kept


def test_offsets_every_unit_reads_alike_are_no_doubt(tmp_path: Path) -> None:
    # "Bonjour." comes before any CRLF or emoji: no unit moves it
    project = read_project(merci_project(tmp_path, "MAXQDA 2022", [(0, 8, None)]))
    assert project.offset_doubts == [] and project.warnings == []


def test_a_unit_that_cannot_read_every_selection_is_no_doubt(tmp_path: Path) -> None:
    # 15 is inside 🙂 in UTF-16 units (and 44 past the end of the characters with CRLF as
    # one): only code points are left
    project = read_project(merci_project(tmp_path, "MAXQDA 2022", [(32, 41, None), (15, 44, None)]))
    assert project.offset_doubts == []
    assert _slice(project, next(iter(project.sources.values())).selections[0]) == "« merci »"


def test_an_unknown_stated_unit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown offset unit 'bytes': use one of utf16, "):
        read_project(merci_project(tmp_path, "MAXQDA 2022", [(0, 8, None)]), offset_rule="bytes")
