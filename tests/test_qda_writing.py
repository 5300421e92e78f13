"""cokg.qda.writing and cokg.qda.codebook: REFI-QDA projects (.qdpx) and codebooks (.qdc) out.

The REFI-QDA schemas cannot be fetched here, so the structure is checked against the schemas'
rules written out below (element order, required attributes, the GUID pattern, non-empty
lists), read from Project.xsd and Codebook.xsd (QDA-XML 1.0). Expected codebook contents come
from ontology/frameworks/cfir-2022.ttl, read with rdflib alone."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from defusedxml.ElementTree import fromstring
from rdflib import Graph
from rdflib.namespace import RDF, SKOS

from cokg import __version__
from cokg.errors import InputError, ParameterError
from cokg.qda.codebook import export_qdc, framework_codebook
from cokg.qda.model import (
    Case,
    Code,
    Coding,
    Note,
    Project,
    Selection,
    Source,
    User,
    Variable,
    VariableValue,
)
from cokg.qda.writing import guid, qde_bytes, write_qdc, write_qdpx
from cokg.store import MemoryStore, build

ROOT = Path(__file__).resolve().parents[1]
CFIR22_TTL = ROOT / "ontology" / "frameworks" / "cfir-2022.ttl"
CFIR22 = "https://w3id.org/cokg/framework/cfir-2022"
P = "urn:QDA-XML:project:1.0"
C = "urn:QDA-XML:codebook:1.0"
# cokg's GUIDs: UUID version 5 of the IRI in the namespace uuid5(URL, "https://w3id.org/cokg/")
COKG_UUID = uuid.uuid5(uuid.NAMESPACE_URL, "https://w3id.org/cokg/")

# --- the schemas' rules (Project.xsd, Codebook.xsd) -----------------------------------------

GUID_TYPE = re.compile(
    r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
    r"|(\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\})"
)
VALUES = ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue", "DateTimeValue")
TEXT_SOURCE = ["Description", "PlainTextContent", "PlainTextSelection", "Coding", "NoteRef",
               "VariableValue"]  # fmt: skip
# element -> its children in schema order
PROJECT_ORDER: dict[str, list[str]] = {
    "Project": ["Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links", "Sets",
                "Graphs", "Description", "NoteRef"],
    "Users": ["User"],
    "User": [],
    "CodeBook": ["Codes"],
    "Codes": ["Code"],
    "Code": ["Description", "NoteRef", "Code"],
    "Variables": ["Variable"],
    "Variable": ["Description"],
    "Cases": ["Case"],
    "Case": ["Description", "CodeRef", "VariableValue", "SourceRef", "SelectionRef"],
    "VariableValue": ["VariableRef", *VALUES],
    "Sources": ["TextSource"],
    "TextSource": TEXT_SOURCE,
    "PlainTextSelection": ["Description", "Coding", "NoteRef"],
    "Coding": ["CodeRef", "NoteRef"],
    "Notes": ["Note"],
    "Note": TEXT_SOURCE,
    **{leaf: [] for leaf in ("CodeRef", "SourceRef", "SelectionRef", "NoteRef", "VariableRef",
                             "Description", "PlainTextContent", *VALUES)},
}  # fmt: skip
CODEBOOK_ORDER: dict[str, list[str]] = {
    "CodeBook": ["Codes", "Sets"],
    "Codes": ["Code"],
    "Code": ["Description", "Code"],
    "Description": [],
}
ATTRIBUTES: dict[str, tuple[set[str], set[str]]] = {  # element -> (required, allowed)
    "Project": ({"name"}, {"name", "origin", "creatingUserGUID", "creationDateTime",
                           "modifyingUserGUID", "modifiedDateTime", "basePath"}),
    "CodeBook": (set(), {"origin"}),
    "User": ({"guid"}, {"guid", "name", "id"}),
    "Code": ({"guid", "name", "isCodable"}, {"guid", "name", "isCodable", "color"}),
    "Variable": ({"guid", "name", "typeOfVariable"}, {"guid", "name", "typeOfVariable"}),
    "Case": ({"guid"}, {"guid", "name"}),
    "TextSource": ({"guid"}, {"guid", "name", "richTextPath", "plainTextPath", "creatingUser",
                              "creationDateTime", "modifyingUser", "modifiedDateTime"}),
    "Note": ({"guid"}, {"guid", "name", "richTextPath", "plainTextPath", "creatingUser",
                        "creationDateTime", "modifyingUser", "modifiedDateTime"}),
    "PlainTextSelection": ({"guid", "startPosition", "endPosition"},
                           {"guid", "name", "startPosition", "endPosition", "creatingUser",
                            "creationDateTime", "modifyingUser", "modifiedDateTime"}),
    "Coding": ({"guid"}, {"guid", "creatingUser", "creationDateTime"}),
    **{ref: ({"targetGUID"}, {"targetGUID"})
       for ref in ("CodeRef", "SourceRef", "SelectionRef", "NoteRef", "VariableRef")},
}  # fmt: skip
GUID_ATTRIBUTES = {"guid", "targetGUID", "creatingUser", "modifyingUser", "creatingUserGUID"}
LISTS = {"Users", "Codes", "Variables", "Cases", "Sources", "Notes"}  # at least one member


def local(el: ET.Element) -> str:
    return el.tag.rpartition("}")[2]


def check_structure(root: ET.Element, ns: str, order: dict[str, list[str]]) -> None:
    """Every element in the namespace, its children in schema order, its attributes allowed
    and present where required, GUIDs in the schema's pattern, lists not empty."""
    for el in root.iter():
        name = local(el)
        assert el.tag == f"{{{ns}}}{name}", el.tag
        assert name in order, f"unexpected element {name}"
        ranks = [order[name].index(local(k)) for k in el]  # ValueError: a child not allowed
        assert ranks == sorted(ranks), f"{name}: children out of schema order"
        required, allowed = ATTRIBUTES.get(name, (set(), set()))
        assert required <= set(el.attrib) <= allowed, (name, el.attrib)
        for attr, value in el.attrib.items():
            if attr in GUID_ATTRIBUTES:
                assert GUID_TYPE.fullmatch(value), (name, attr, value)
        if name in LISTS:
            assert len(el) >= 1, f"{name} is empty"
        if name == "VariableValue":
            assert next(local(k) for k in el) == "VariableRef" and len(el) == 2
        if name == "Code":
            assert el.get("isCodable") in ("true", "false")
            if el.get("color") is not None:
                assert re.fullmatch(r"#([A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})", el.get("color") or "")


# --- the CFIR 2022 codebook -------------------------------------------------------------------


@pytest.fixture(scope="module")
def store() -> Iterator[MemoryStore]:
    st = MemoryStore()
    build(st, include_data=False)  # the frameworks are part of the ontology files
    yield st
    st.close()


@pytest.fixture(scope="module")
def cfir22() -> Graph:
    return Graph().parse(CFIR22_TTL)


def expected_guid(iri: object) -> str:
    return str(uuid.uuid5(COKG_UUID, str(iri)))


def test_guid_is_uuid5_of_the_iri_in_cokgs_namespace() -> None:
    iri = CFIR22 + "/I.A"
    assert guid(iri) == expected_guid(iri) == guid(iri)
    assert GUID_TYPE.fullmatch(guid(iri))
    assert uuid.UUID(guid(iri)).version == 5
    assert guid("a", "b") != guid("a b c")


def test_cfir_2022_codebook_has_every_concept(store: MemoryStore, cfir22: Graph) -> None:
    concepts = set(cfir22.subjects(RDF.type, SKOS.Concept))
    codebook = framework_codebook(store, "cfir-2022")
    assert len(concepts) == 72
    assert len(codebook.codes) == 72
    assert set(codebook.codes) == {expected_guid(c) for c in concepts}
    assert codebook.kind == "codebook"


def test_each_codes_parent_is_its_broader_concept(store: MemoryStore, cfir22: Graph) -> None:
    codes = framework_codebook(store, "cfir-2022").codes
    for concept in cfir22.subjects(RDF.type, SKOS.Concept):
        broader = cfir22.value(concept, SKOS.broader)
        code = codes[expected_guid(concept)]
        assert code.parent == (None if broader is None else expected_guid(broader)), concept
        if broader is not None:
            assert code.guid in codes[expected_guid(broader)].children
    # parents come before their children, as the model asks
    seen: set[str] = set()
    for code in codes.values():
        assert code.parent is None or code.parent in seen
        seen.add(code.guid)


def test_descriptions_are_the_definitions(store: MemoryStore, cfir22: Graph) -> None:
    codes = framework_codebook(store, "cfir-2022").codes
    for concept in cfir22.subjects(RDF.type, SKOS.Concept):
        definition = cfir22.value(concept, SKOS.definition)
        assert definition is not None
        assert codes[expected_guid(concept)].description == str(definition)


def test_code_names_lead_with_the_notation(store: MemoryStore) -> None:
    codes = framework_codebook(store, "cfir-2022").codes
    assert codes[expected_guid(CFIR22 + "/I.A")].name == "I.A Innovation Source"
    assert codes[expected_guid(CFIR22 + "/I")].name == "I Innovation"
    lozeau = framework_codebook(store, "lozeau-2002").codes
    name = lozeau[expected_guid("https://w3id.org/cokg/framework/lozeau-2002/co-optation")].name
    assert name == "Co-optation"  # its notation only spells the label


@pytest.mark.parametrize(
    "scheme",
    [
        pytest.param("cfir-2022", id="short-name"),
        pytest.param("cfir22", id="prefix"),
        pytest.param("cfir22:", id="prefix-with-colon"),
        pytest.param(CFIR22, id="iri"),
        pytest.param(f"<{CFIR22}>", id="iri-in-brackets"),
    ],
)
def test_the_scheme_can_be_named_several_ways(store: MemoryStore, scheme: str) -> None:
    assert len(framework_codebook(store, scheme).codes) == 72


def test_an_unknown_scheme_lists_the_choices(store: MemoryStore) -> None:
    with pytest.raises(ParameterError, match=r"cfir-2009 \(cfir09\), cfir-2022 \(cfir22\)"):
        framework_codebook(store, "cfir-2033")


@pytest.fixture(scope="module")
def qdc(store: MemoryStore, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("qdc") / "cfir-2022.qdc"
    assert export_qdc(store, "cfir-2022", out) == 72
    return out


def test_qdc_is_a_codebook_in_the_codebook_namespace(qdc: Path, cfir22: Graph) -> None:
    root = fromstring(qdc.read_bytes())
    assert root.tag == f"{{{C}}}CodeBook"
    assert root.get("origin") == f"cokg {__version__}"
    check_structure(root, C, CODEBOOK_ORDER)
    codes = root.findall(f".//{{{C}}}Code")
    assert len(codes) == 72
    # the nesting is the hierarchy of the scheme
    parent_of = {k.get("guid"): p.get("guid") for p in codes for k in p.findall(f"{{{C}}}Code")}
    for concept in cfir22.subjects(RDF.type, SKOS.Concept):
        broader = cfir22.value(concept, SKOS.broader)
        assert parent_of.get(expected_guid(concept)) == (
            None if broader is None else expected_guid(broader)
        )


def test_qdc_written_twice_is_the_same(store: MemoryStore, qdc: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.qdc"
    export_qdc(store, "cfir-2022", again)
    assert again.read_bytes() == qdc.read_bytes()


def test_qdc_reads_back_as_the_same_codes(store: MemoryStore, qdc: Path) -> None:
    reading = pytest.importorskip("cokg.qda.reading", reason="the REFI-QDA reader is not there")
    read = reading.read_project(qdc)
    assert read.kind == "codebook"
    assert read.codes == framework_codebook(store, "cfir-2022").codes
    assert read.warnings == []


# --- a hand-built project -------------------------------------------------------------------


def g(n: int) -> str:
    return f"0000000{n % 10}-aaaa-4bbb-8ccc-{n:012d}"


TEXT_1 = "Café meeting 🙂 notes\nThe board agreed to pilot the scheme.\nNo one objected."
TEXT_2 = "Interview two.\nWe had no budget for it."
UTC = dt.UTC
ALICE, BOB = g(1), g(2)
PARENT, CHILD, CATEGORY = g(10), g(11), g(12)
V_TEXT, V_BOOL, V_INT, V_FLOAT, V_DATE, V_DATETIME = g(20), g(21), g(22), g(23), g(24), g(25)
S1, S2, SEL1, SEL2, SEL3, CD1, CD2, CD3, N1, N2, CASE1, CASE2 = (g(n) for n in range(30, 42))


def span(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


def hand_built() -> Project:
    a, b = span(TEXT_1, "board agreed to pilot")
    c, d = span(TEXT_1, "🙂 notes\nThe")
    e, f = span(TEXT_2, "no budget")
    t0 = dt.datetime(2024, 5, 1, 10, 30, tzinfo=UTC)
    variables = [
        VariableValue(V_TEXT, 'North <Region> & "co"'),
        VariableValue(V_BOOL, False),
        VariableValue(V_INT, -42),
        VariableValue(V_FLOAT, Decimal("3.25")),
        VariableValue(V_DATE, dt.date(2021, 3, 4)),
        VariableValue(V_DATETIME, dt.datetime(2021, 3, 4, 9, 15, 30, tzinfo=UTC)),
    ]
    project = Project(
        kind="project",
        name="Hand-built ✓ project",
        origin=f"cokg {__version__}",
        offset_rule="codepoints",
        users={ALICE: User(ALICE, "Alice"), BOB: User(BOB, "Bob Ø")},
        codes={
            PARENT: Code(PARENT, "Context", True, "Outer setting.", "#336699", None, [CHILD]),
            CHILD: Code(CHILD, "Budget", True, "Money, or none.", None, PARENT, []),
            CATEGORY: Code(CATEGORY, "Themes", False, None, "#abc", None, []),
        },
        variables={
            V_TEXT: Variable(V_TEXT, "Region", "Text", "Where the site is."),
            V_BOOL: Variable(V_BOOL, "Urban", "Boolean"),
            V_INT: Variable(V_INT, "Offset", "Integer"),
            V_FLOAT: Variable(V_FLOAT, "Score", "Float"),
            V_DATE: Variable(V_DATE, "Started", "Date"),
            V_DATETIME: Variable(V_DATETIME, "Interviewed", "DateTime"),
        },
        cases=[
            Case(CASE1, "Site A", "The first site.", [PARENT], [S1], variables, [SEL1]),
            Case(CASE2, None, None, [], [S2], variables[:2], []),
        ],
        sources={
            S1: Source(
                guid=S1,
                name="Meeting notes",
                text=TEXT_1,
                sha256=hashlib.sha256(TEXT_1.encode("utf-8")).hexdigest(),
                member=f"Sources/{S1}.txt",
                description="Minutes, typed up.",
                creator=ALICE,
                created=t0,
                variables=[VariableValue(V_INT, 7)],
                selections=[
                    Selection(
                        guid=SEL1, source=S1, start=a, end=b, tool_start=a, tool_end=b,
                        name=TEXT_1[a:b], description="A decision.", creator=ALICE, created=t0,
                        codings=[Coding(CD1, CHILD, ALICE, t0), Coding(CD2, PARENT, ALICE)],
                        notes=[N1],
                    ),
                    Selection(
                        guid=SEL2, source=S1, start=c, end=d, tool_start=c, tool_end=d,
                        name=TEXT_1[c:d], description="An annotation, not coded.",
                    ),
                ],
                notes=[N2],
            ),
            S2: Source(
                guid=S2,
                name="Interview 2",
                text=TEXT_2,
                sha256=hashlib.sha256(TEXT_2.encode("utf-8")).hexdigest(),
                member=f"Sources/{S2}.txt",
                selections=[
                    Selection(
                        guid=SEL3, source=S2, start=e, end=f, tool_start=e, tool_end=f,
                        name=TEXT_2[e:f], creator=BOB, codings=[Coding(CD3, CHILD, BOB)],
                    )
                ],
            ),
        },
        notes={
            N1: Note(N1, "Memo", "Check this with\nthe chair.", ALICE, t0),
            N2: Note(N2, None, "About the source.", None, None),
        },
        description="Written by a test.",
    )  # fmt: skip
    return project


@pytest.fixture
def qdpx(tmp_path: Path) -> Path:
    out = tmp_path / "hand.qdpx"
    write_qdpx(hand_built(), out)
    return out


def test_qdpx_members_are_sorted_and_timeless(qdpx: Path) -> None:
    with zipfile.ZipFile(qdpx) as zf:
        names = zf.namelist()
        assert names == sorted([f"Sources/{S1}.txt", f"Sources/{S2}.txt", "project.qde"])
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert zf.read(f"Sources/{S1}.txt") == TEXT_1.encode("utf-8")
        assert zf.read(f"Sources/{S2}.txt") == TEXT_2.encode("utf-8")


def test_qdpx_written_twice_is_the_same(qdpx: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.qdpx"
    write_qdpx(hand_built(), again)
    assert again.read_bytes() == qdpx.read_bytes()


@pytest.fixture
def qde(qdpx: Path) -> ET.Element:
    with zipfile.ZipFile(qdpx) as zf:
        data = zf.read("project.qde")
    assert data.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return fromstring(data)


def test_project_document_follows_the_schema(qde: ET.Element) -> None:
    assert qde.tag == f"{{{P}}}Project"
    check_structure(qde, P, PROJECT_ORDER)
    assert qde.get("name") == "Hand-built ✓ project"
    assert qde.get("origin") == f"cokg {__version__}"
    assert [local(k) for k in qde] == [
        "Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Description",
    ]  # fmt: skip


def q(path: str) -> str:
    return "/".join(f"{{{P}}}{part}" for part in path.split("/"))


def target(el: ET.Element, ref: str) -> str | None:
    """The targetGUID of the element's first `ref` child."""
    found = el.find(q(ref))
    assert found is not None, f"no {ref}"
    return found.get("targetGUID")


def test_users_codes_and_variables(qde: ET.Element) -> None:
    assert [(u.get("guid"), u.get("name")) for u in qde.findall(q("Users/User"))] == [
        (ALICE, "Alice"),
        (BOB, "Bob Ø"),
    ]
    top = qde.findall(q("CodeBook/Codes/Code"))
    assert [(c.get("guid"), c.get("isCodable"), c.get("color")) for c in top] == [
        (PARENT, "true", "#336699"),
        (CATEGORY, "false", "#abc"),
    ]
    (child,) = top[0].findall(q("Code"))
    assert (child.get("guid"), child.get("name")) == (CHILD, "Budget")
    assert child.findtext(q("Description")) == "Money, or none."
    types = {v.get("name"): v.get("typeOfVariable") for v in qde.findall(q("Variables/Variable"))}
    assert types == {
        "Region": "Text", "Urban": "Boolean", "Offset": "Integer", "Score": "Float",
        "Started": "Date", "Interviewed": "DateTime",
    }  # fmt: skip


def test_cases_with_every_kind_of_value(qde: ET.Element) -> None:
    first, second = qde.findall(q("Cases/Case"))
    assert first.get("name") == "Site A"
    assert second.get("name") is None
    assert [r.get("targetGUID") for r in first.findall(q("CodeRef"))] == [PARENT]
    assert [r.get("targetGUID") for r in first.findall(q("SourceRef"))] == [S1]
    assert [r.get("targetGUID") for r in first.findall(q("SelectionRef"))] == [SEL1]
    values = {
        target(vv, "VariableRef"): (local(vv[1]), vv[1].text)
        for vv in first.findall(q("VariableValue"))
    }
    assert values == {
        V_TEXT: ("TextValue", 'North <Region> & "co"'),
        V_BOOL: ("BooleanValue", "false"),
        V_INT: ("IntegerValue", "-42"),
        V_FLOAT: ("FloatValue", "3.25"),
        V_DATE: ("DateValue", "2021-03-04"),
        V_DATETIME: ("DateTimeValue", "2021-03-04T09:15:30+00:00"),
    }


def test_sources_selections_and_codings(qde: ET.Element) -> None:
    s1, s2 = qde.findall(q("Sources/TextSource"))
    assert s1.get("plainTextPath") == f"internal://{S1}.txt"
    assert (s1.get("creatingUser"), s1.get("creationDateTime")) == (
        ALICE,
        "2024-05-01T10:30:00+00:00",
    )
    sel1, sel2 = s1.findall(q("PlainTextSelection"))
    start, end = int(sel1.get("startPosition") or -1), int(sel1.get("endPosition") or -1)
    assert TEXT_1[start:end] == "board agreed to pilot" == sel1.get("name")
    # offsets count code points: "Café meeting " is 13, and the emoji in the span is one
    start2, end2 = int(sel2.get("startPosition") or -1), int(sel2.get("endPosition") or -1)
    assert (start2, end2) == (13, 24)
    assert sel2.get("name") == "🙂 notes\nThe"
    codings = [(c.get("guid"), target(c, "CodeRef")) for c in sel1.findall(q("Coding"))]
    assert codings == [(CD1, CHILD), (CD2, PARENT)]
    assert [n.get("targetGUID") for n in sel1.findall(q("NoteRef"))] == [N1]
    assert sel2.findall(q("Coding")) == []
    assert [n.get("targetGUID") for n in s1.findall(q("NoteRef"))] == [N2]
    coding = s2.find(q("PlainTextSelection/Coding"))
    assert coding is not None and coding.get("creatingUser") == BOB


def test_notes_carry_their_text(qde: ET.Element) -> None:
    memo, other = qde.findall(q("Notes/Note"))
    assert (memo.get("name"), memo.findtext(q("PlainTextContent"))) == (
        "Memo",
        "Check this with\nthe chair.",
    )
    assert other.get("name") is None and other.get("creatingUser") is None


def test_project_reads_back_as_built(qdpx: Path) -> None:
    reading = pytest.importorskip("cokg.qda.reading", reason="the REFI-QDA reader is not there")
    assert reading.read_project(qdpx) == hand_built()


def test_qde_bytes_are_the_archives_project(qdpx: Path) -> None:
    with zipfile.ZipFile(qdpx) as zf:
        assert zf.read("project.qde") == qde_bytes(hand_built())


def test_a_codebook_of_the_hand_built_project(tmp_path: Path) -> None:
    out = tmp_path / "hand.qdc"
    write_qdc(hand_built(), out)
    root = fromstring(out.read_bytes())
    check_structure(root, C, CODEBOOK_ORDER)
    assert [c.get("guid") for c in root.iter(f"{{{C}}}Code")] == [PARENT, CHILD, CATEGORY]


# --- what the writer refuses ------------------------------------------------------------------


def _bad_guid(p: Project) -> None:
    p.users[ALICE] = User("alice", "Alice")


def _dangling_code(p: Project) -> None:
    p.sources[S2].selections[0].codings[0].code = g(99)


def _unknown_user(p: Project) -> None:
    p.notes[N2].creator = g(98)


def _crlf_text(p: Project) -> None:
    p.sources[S2].text = TEXT_2.replace("\n", "\r\n")


def _span_past_the_end(p: Project) -> None:
    p.sources[S2].selections[0].end = len(TEXT_2) + 1


def _wrong_value_type(p: Project) -> None:
    p.cases[0].variables[2] = VariableValue(V_INT, "many")


def _control_character(p: Project) -> None:
    p.codes[CHILD].description = "bell \x07"


def _parent_cycle(p: Project) -> None:
    p.codes[PARENT].parent = CHILD


@pytest.mark.parametrize(
    ("change", "says"),
    [
        pytest.param(_bad_guid, "'alice' is not a GUID", id="bad-guid"),
        pytest.param(_dangling_code, "CodeRef", id="coding-of-no-code"),
        pytest.param(_unknown_user, "is not one of the project's users", id="unknown-user"),
        pytest.param(_crlf_text, "not normalised", id="text-not-normalised"),
        pytest.param(_span_past_the_end, "is not a span of the text", id="span-past-the-end"),
        pytest.param(_wrong_value_type, "'many' is not a Integer value", id="value-of-wrong-type"),
        pytest.param(_control_character, "U+0007", id="control-character"),
        pytest.param(_parent_cycle, "cycle", id="parent-cycle"),
    ],
)
def test_refusals(change: Callable[[Project], None], says: str, tmp_path: Path) -> None:
    project = copy.deepcopy(hand_built())
    change(project)
    out = tmp_path / "refused.qdpx"
    with pytest.raises(InputError, match=re.escape(says)):
        write_qdpx(project, out)
    assert not out.exists()
