"""Fictional REFI-QDA files for the tests: a CFIR-coded three-site study written the way each
exporting program writes it, a codebook, and hostile variants.

All content is invented: short interviews about rolling out a programme at a clinic
(Northfield), a school (Riverside) and a pharmacy (Hillcrest), plus site-visit notes.

`build_project(tmp_path, origin)` writes a `.qdpx` whose selection offsets are counted the way
`written_by` (default: the origin) counts them, and returns the facts a correct reader must
find: for every selection the normalised text it covers (the phrase it was made from, never
a slice computed by the program under test), its codes and coder. The project has every quirk
the reader must survive: a BOM, CRLF line ends, characters above U+FFFF (an emoji with a skin
tone and a ZWJ), a text stored decomposed (NFD), the same span coded twice, two coders (on the
selection and only on the coding), nested codes and categories, named and nameless cases,
variables of all six types (on cases and inside a TextSource), GUIDs written in braces and
upper case, plainTextPath as internal://, relative:// against basePath, a bare member name
(in a lower-case `sources/` folder) and inline PlainTextContent, an annotation and notes.

`hostile_project(tmp_path, kind)` writes one broken or hostile variant (see HOSTILE).

`build_small_project(tmp_path, sources=..., cases=..., codings=...)` writes a small project
from tables the test gives (the construct-rating tests: codes named with a rating, rating codes
under a construct's code, case variables).
"""

from __future__ import annotations

import io
import struct
import unicodedata
import uuid
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
ORIGINS = ("NVivo 14", "ATLAS.ti 23", "MAXQDA 2022", "QualCoder 3.5")

# how each program counts offsets (the reader's OFFSET_RULES names)
RULE_OF = {
    "NVivo 14": "utf16",
    "ATLAS.ti 23": "codepoints-crlf-as-one",
    "MAXQDA 2022": "codepoints",
    "QualCoder 3.5": "codepoints",
}
# where each program puts its .qde (ATLAS.ti's sits in a folder of the archive)
QDE_OF = {
    "NVivo 14": "project.qde",
    "ATLAS.ti 23": "Northfield export/Northfield study.qde",
    "MAXQDA 2022": "MAXQDA export.qde",
    "QualCoder 3.5": "project.qde",
}

_NAMESPACE = uuid.UUID("6f1c2f0e-3d52-4f0a-9a35-0c2a1d7e5b11")


def gid(label: str) -> str:
    """The (normalised) GUID of a fixture item."""
    return str(uuid.uuid5(_NAMESPACE, label))


# --- the study -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceSpec:
    label: str
    name: str
    text: str  # as the reader must give it: LF line ends, NFC, no BOM
    storage: str  # internal | relative | plain | inline
    bom: bool = False
    crlf: bool = False
    nfd: bool = False  # the program stored the text decomposed

    def stored(self, text: str) -> str:
        """`text` (a prefix of self.text) as the program stored it."""
        if self.nfd:
            text = unicodedata.normalize("NFD", text)
        if self.crlf:
            text = text.replace("\n", "\r\n")
        return text


SOURCES = (
    SourceSpec(
        "A",
        "Interview 1 – Northfield clinic",
        "Interviewer: How did the clinic start the programme? 🙂\n"
        "Nurse lead: We began with two champions on the ward. The board approved extra hours "
        "in March.\n"
        "Interviewer: What made it hard?\n"
        "Nurse lead: Honestly, the funding ran out after the pilot, and the rota had no slack.\n"
        "We adapted the checklist so it fit our morning huddle.\n",
        "internal",
        bom=True,
        crlf=True,
    ),
    SourceSpec(
        "B",
        "Interview 2 – Riverside school",
        "Interviewer: Who helped you roll it out?\n"
        "Coordinator: The county health team sent a coach every fortnight 👩🏽‍⚕️ which kept "
        "us going.\n"
        "Coordinator: Staff culture here is cautious; people wait to see if things last.\n"
        "Coordinator: After each term we looked at the attendance data and changed the "
        "timetable.",
        "relative",
        crlf=True,
    ),
    SourceSpec(
        "C",
        "Interview 3 – Hillcrest pharmacy",
        "Pharmacist: We wrote a plan with three milestones 🌱 before launch.\n"
        "Pharmacist: Our partner charity lent us volunteers.\n",
        "plain",
        bom=True,
    ),
    SourceSpec(
        "D",
        "Site visit notes – Zoë",
        unicodedata.normalize(
            "NFC",
            "Visit by Zoë Brandt. The café corner now hosts the weekly check-in.\n"
            "Managers said the new rota is fairer.",
        ),
        "inline",
        nfd=True,
    ),
)
SOURCE = {s.label: s for s in SOURCES}


@dataclass(frozen=True)
class CodeSpec:
    label: str
    name: str
    codable: bool = True
    parent: str | None = None
    color: str | None = None
    description: str | None = None


CODES = (
    CodeSpec("innovation", "Innovation", codable=False, color="#1F77B4"),
    CodeSpec(
        "adaptability",
        "Innovation Adaptability",
        parent="innovation",
        description="The innovation can be changed to fit the site.",
    ),
    CodeSpec("outer", "Outer Setting", codable=False),
    CodeSpec("partnerships", "Partnerships & Connections", parent="outer", color="#FF7F0E"),
    CodeSpec("inner", "Inner Setting", codable=False),
    CodeSpec("culture", "Culture", parent="inner"),
    CodeSpec("resources", "Available Resources", parent="inner"),
    CodeSpec("funding", "Funding", parent="resources", description="Money for the work."),
    CodeSpec("individuals", "Individuals", codable=False),
    CodeSpec("leads", "Implementation Leads", parent="individuals"),
    CodeSpec("process", "Implementation Process", codable=False),
    CodeSpec("planning", "Planning", parent="process"),
    CodeSpec("reflecting", "Reflecting & Evaluating", parent="process"),
)
CODE = {c.label: c for c in CODES}


@dataclass(frozen=True)
class SelectionSpec:
    label: str
    source: str
    phrase: str  # the normalised text the selection covers
    codes: tuple[str, ...] = ()  # code labels; "case:<label>" is an NVivo case node
    user: str | None = None  # PlainTextSelection@creatingUser
    coding_user: str | None = None  # Coding@creatingUser
    description: str | None = None
    note: str | None = None  # NoteRef on the selection
    coding_note: str | None = None  # NoteRef on its (first) coding
    nvivo_only: bool = False


SELECTIONS = (
    SelectionSpec("A1", "A", "We began with two champions on the ward.", ("leads",), "ana"),
    SelectionSpec(
        "A1case",
        "A",
        "We began with two champions on the ward.",
        ("case:northfield",),
        "ana",
        nvivo_only=True,
    ),
    SelectionSpec(
        "A2", "A", "The board approved extra hours in March.", ("resources",), None, "ben"
    ),
    SelectionSpec(
        "A3",
        "A",
        "the funding ran out after the pilot",
        ("funding",),
        "ana",
        "ben",
        coding_note="memo",
    ),
    SelectionSpec("A3b", "A", "the funding ran out after the pilot", ("resources",), "ben"),
    SelectionSpec(
        "A4", "A", "the rota had no slack.\nWe adapted the checklist", ("adaptability",), "ana"
    ),
    SelectionSpec(
        "A5",
        "A",
        "Honestly",
        (),
        "ben",
        description="Said with a laugh; check the tone with the site lead.",
    ),
    SelectionSpec(
        "B1", "B", "The county health team sent a coach every fortnight", ("partnerships",), "ana"
    ),
    SelectionSpec("B2", "B", "Staff culture here is cautious", ("culture",), None, "ben"),
    SelectionSpec(
        "B3",
        "B",
        "we looked at the attendance data and changed the timetable",
        ("reflecting",),
        "ana",
        note="coach",
    ),
    SelectionSpec("C1", "C", "We wrote a plan with three milestones", ("planning",), "ben"),
    SelectionSpec(
        "C2", "C", "Our partner charity lent us volunteers", ("partnerships",), None, "ana"
    ),
    SelectionSpec("D1", "D", "The café corner now hosts the weekly check-in.", ("culture",), "ana"),
    SelectionSpec("D2", "D", "the new rota is fairer", ("reflecting",)),
)

USERS = {"ana": "Ana Ortiz", "ben": "Ben Okafor"}
VARIABLES = (  # label, name, typeOfVariable
    ("region", "Region", "Text"),
    ("rural", "Rural", "Boolean"),
    ("staff", "Staff count", "Integer"),
    ("budget", "Budget share", "Float"),
    ("start", "Start date", "Date"),
    ("visit", "Last visit", "DateTime"),
    ("length", "Interview length (min)", "Integer"),
    ("interviewed", "Interview date", "Date"),
)
_VALUE_ELEMENT = {
    "Text": "TextValue",
    "Boolean": "BooleanValue",
    "Integer": "IntegerValue",
    "Float": "FloatValue",
    "Date": "DateValue",
    "DateTime": "DateTimeValue",
}


@dataclass(frozen=True)
class CaseSpec:
    label: str
    name: str | None
    sources: tuple[str, ...]
    values: tuple[tuple[str, str], ...]  # variable label, value as written
    codes: tuple[str, ...] = ()
    description: str | None = None


CASES = (
    CaseSpec(
        "northfield",
        "Northfield clinic",
        ("A",),
        (
            ("region", "North"),
            ("rural", "true"),
            ("staff", "42"),
            ("budget", "0.35"),
            ("start", "2021-03-01"),
            ("visit", "2022-06-14T10:30:00Z"),
        ),
        codes=("culture",),
    ),
    CaseSpec(
        "riverside",
        "Riverside school",
        ("B",),
        (
            ("region", "River valley"),
            ("rural", "false"),
            ("staff", "17"),
            ("budget", "0.125"),
            ("start", "2021-09-06"),
            ("visit", "2022-05-02T09:00:00+01:00"),
        ),
        description="A primary school on the river.",
    ),
    CaseSpec(
        "hillcrest",
        "Hillcrest pharmacy",
        ("C", "D"),
        (("region", ""), ("rural", "1"), ("staff", "9"), ("budget", "0.5")),
    ),
    # MAXQDA writes a nameless case holding one document's variables
    CaseSpec("c-file", None, ("C",), (("length", "35"), ("interviewed", "2022-02-11"))),
)
SOURCE_VALUES = {"B": (("length", "48"), ("interviewed", "2022-03-22"))}
NOTES = {
    "coach": ("Coach visits", "The coach's visits stopped in June; ask the county why."),
    "memo": ("Funding memo", "Funding memo:\r\nthe pilot grant ended in May."),  # a file
}
BASE_PATH = "Material"


# --- what a reader must find ---------------------------------------------------------------


@dataclass
class ExpectedSelection:
    guid: str
    source: str  # guid
    text: str  # the normalised text it covers
    codes: tuple[str, ...]  # code guids, in file order (case nodes not included)
    coder: str | None  # user guid
    tool_start: int
    tool_end: int


@dataclass
class BuiltProject:
    path: Path
    origin: str
    rule: str  # the offset rule the reader must end up using
    qde: str  # the .qde member
    selections: dict[str, ExpectedSelection] = field(default_factory=dict)  # by label
    members: dict[str, str] = field(default_factory=dict)  # source label -> member read
    raw: dict[str, str] = field(default_factory=dict)  # source label -> text as stored


def _units(stored_prefix: str, rule: str) -> int:
    """The length of `stored_prefix` (BOM excluded) as a program counting by `rule` does."""
    if rule == "utf16":
        return len(stored_prefix.encode("utf-16-le")) // 2
    if rule == "codepoints-crlf-as-one":
        return len(stored_prefix.replace("\r\n", "\n"))
    return len(stored_prefix)


class _Writer:
    """Writes GUIDs in turn as exporters do: plain, {UPPER}, UPPER, {lower}."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, label: str) -> str:
        g = gid(label)
        self.n += 1
        return [g, "{" + g.upper() + "}", g.upper(), "{" + g + "}"][self.n % 4]


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str | None) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = text
    return el


def _escape(s: str, attr: bool) -> str:
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if attr:
        s = s.replace('"', "&quot;").replace("\r", "&#13;").replace("\n", "&#10;")
        s = s.replace("\t", "&#9;")
    return s


def serialise(root: ET.Element, ns: str) -> bytes:
    """`root` (tags without namespace) as UTF-8 XML with `ns` as the default namespace."""
    parts = ['<?xml version="1.0" encoding="utf-8"?>\n']

    def write(el: ET.Element, top: bool) -> None:
        attrs = ([("xmlns", ns)] if top else []) + list(el.attrib.items())
        parts.append(f"<{el.tag}")
        for k, v in attrs:
            parts.append(f' {k}="{_escape(v, True)}"')
        if el.text is None and not len(el):
            parts.append("/>")
        else:
            parts.append(">" + _escape(el.text or "", False))
            for child in el:
                write(child, False)
            parts.append(f"</{el.tag}>")
        parts.append(_escape(el.tail or "", False))

    write(root, True)
    return "".join(parts).encode("utf-8")


def _selection_name(origin: str, stored: str) -> str:
    # ATLAS.ti names a quotation by its first words; the others write the text
    if origin.startswith("ATLAS") and len(stored) > 25:
        return stored[:25] + "…"
    return stored


def project_tree(
    origin: str, *, written_by: str | None = None, wrong_name: str | None = None
) -> tuple[ET.Element, dict[str, bytes], BuiltProject]:
    """The project XML (tags without namespace), the other archive members, and the facts."""
    written_by = written_by or origin
    rule = RULE_OF[written_by]
    nvivo = written_by.startswith("NVivo")
    qde = QDE_OF[written_by]
    folder = qde.rpartition("/")[0]
    at = (folder + "/") if folder else ""
    w = _Writer()
    built = BuiltProject(Path(), origin, rule, qde)
    members: dict[str, bytes] = {}

    root = ET.Element(
        "Project",
        {
            "name": "Three-site programme study",
            "origin": origin,
            "basePath": BASE_PATH,
            "creationDateTime": "2022-07-01T12:00:00Z",
        },
    )
    users = _sub(root, "Users")
    for label, name in USERS.items():
        _sub(users, "User", guid=w(label), name=name)

    codes = _sub(_sub(root, "CodeBook"), "Codes")
    made: dict[str, ET.Element] = {}
    for c in CODES:
        el = _sub(
            made[c.parent] if c.parent else codes,
            "Code",
            guid=w(c.label),
            name=c.name,
            isCodable="true" if c.codable else "false",
            color=c.color,
        )
        if c.description:
            _sub(el, "Description", c.description)
        made[c.label] = el
    if nvivo:  # case nodes: codes sharing the GUID of their case
        for case in CASES:
            if case.name:
                _sub(codes, "Code", guid=w(case.label), name=case.name, isCodable="true")

    variables = _sub(root, "Variables")
    types = {}
    for label, name, kind in VARIABLES:
        _sub(variables, "Variable", guid=w(label), name=name, typeOfVariable=kind)
        types[label] = kind

    def values(parent: ET.Element, pairs: tuple[tuple[str, str], ...]) -> None:
        for label, value in pairs:
            vv = _sub(parent, "VariableValue")
            _sub(vv, "VariableRef", targetGUID=w(label))
            _sub(vv, _VALUE_ELEMENT[types[label]], value)

    cases = _sub(root, "Cases")
    for case in CASES:
        el = _sub(cases, "Case", guid=w(case.label), name=case.name)
        if case.description:
            _sub(el, "Description", case.description)
        for code in case.codes:
            _sub(el, "CodeRef", targetGUID=w(code))
        if nvivo and case.name:
            _sub(el, "CodeRef", targetGUID=w(case.label))
        values(el, case.values)
        for s in case.sources:
            _sub(el, "SourceRef", targetGUID=w(s))

    sources = _sub(root, "Sources")
    for spec in SOURCES:
        stored = spec.stored(spec.text)
        built.raw[spec.label] = stored
        data = (b"\xef\xbb\xbf" if spec.bom else b"") + stored.encode("utf-8")
        written = w(spec.label)
        attrs = {"guid": written, "name": spec.name, "creatingUser": w("ana")}
        if spec.storage == "internal":
            file = f"{written}.txt"
            attrs["plainTextPath"] = f"internal://{file}"
            member = f"{at}Sources/{file}"
        elif spec.storage == "relative":
            attrs["plainTextPath"] = "relative://interviews/riverside.txt"
            member = f"{at}{BASE_PATH}/interviews/riverside.txt"
        elif spec.storage == "plain":
            attrs["plainTextPath"] = "sources/hillcrest.txt"
            member = f"{at}sources/hillcrest.txt"
        else:
            member = qde
        el = _sub(sources, "TextSource", **attrs)
        _sub(el, "Description", f"Transcript: {spec.name}.")
        if spec.storage == "inline":
            _sub(el, "PlainTextContent", stored)
        else:
            members[member] = data
        built.members[spec.label] = member
        for sel in SELECTIONS:
            if sel.source != spec.label or (sel.nvivo_only and not nvivo):
                continue
            start = spec.text.index(sel.phrase)
            end = start + len(sel.phrase)
            tool_start = _units(spec.stored(spec.text[:start]), rule)
            tool_end = _units(spec.stored(spec.text[:end]), rule)
            name = _selection_name(written_by, spec.stored(sel.phrase))
            if sel.label == wrong_name:
                name = "Board approval (see memo)"
            s_el = _sub(
                el,
                "PlainTextSelection",
                guid=w(sel.label),
                name=name,
                startPosition=str(tool_start),
                endPosition=str(tool_end),
                creatingUser=w(sel.user) if sel.user else None,
                creationDateTime="2022-07-02T09:15:00Z",
            )
            if sel.description:
                _sub(s_el, "Description", sel.description)
            codes_of: list[str] = []
            for i, code in enumerate(sel.codes):
                target = code.partition(":")[2] if code.startswith("case:") else code
                c_el = _sub(
                    s_el,
                    "Coding",
                    guid=w(f"coding:{sel.label}:{code}"),
                    creatingUser=w(sel.coding_user) if sel.coding_user else None,
                )
                _sub(c_el, "CodeRef", targetGUID=w(target))
                if i == 0 and sel.coding_note:
                    _sub(c_el, "NoteRef", targetGUID=w(sel.coding_note))
                if not code.startswith("case:"):
                    codes_of.append(gid(target))
            if sel.note:
                _sub(s_el, "NoteRef", targetGUID=w(sel.note))
            coder = sel.coding_user or sel.user
            built.selections[sel.label] = ExpectedSelection(
                guid=gid(sel.label),
                source=gid(spec.label),
                text=sel.phrase,
                codes=tuple(codes_of),
                coder=gid(coder) if coder and sel.codes else None,
                tool_start=tool_start,
                tool_end=tool_end,
            )
        if spec.label == "A":
            _sub(el, "NoteRef", targetGUID=w("coach"))
        values(el, SOURCE_VALUES.get(spec.label, ()))

    notes = _sub(root, "Notes")
    for label, (name, text) in NOTES.items():
        if label == "memo":
            n_el = _sub(
                notes, "Note", guid=w(label), name=name, plainTextPath="internal://memo.txt"
            )
            members[f"{at}Sources/memo.txt"] = text.encode("utf-8")
        else:
            n_el = _sub(notes, "Note", guid=w(label), name=name, creatingUser=w("ana"))
            _sub(n_el, "PlainTextContent", text)
    _sub(
        root,
        "Description",
        "Fictional interviews about rolling out a falls-prevention programme at three sites.",
    )
    return root, members, built


def write_qdpx(path: Path, qde: str, xml: bytes, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(qde, xml)
        for name, data in members.items():
            z.writestr(name, data)
    return path


def build_project(
    tmp_path: Path,
    origin: str = "NVivo 14",
    *,
    written_by: str | None = None,
    wrong_name: str | None = None,
    with_pdf: bool = False,
    absolute_path: bool = False,
    edit: Callable[[ET.Element, dict[str, bytes]], None] | None = None,
    filename: str = "study.qdpx",
) -> BuiltProject:
    """A .qdpx labelled `origin` with offsets counted as `written_by` (default: the origin)
    counts them. `wrong_name`: the label of a selection given a name that is not its text.
    `with_pdf`: adds a PDF source (not read: one warning). `absolute_path`: source A named
    by an absolute:// path on the exporting machine, its copy in the archive. `edit` changes
    the XML tree and the members before they are written."""
    root, members, built = project_tree(origin, written_by=written_by, wrong_name=wrong_name)
    if with_pdf:
        sources = root.find("Sources")
        assert sources is not None
        pdf = _sub(
            sources, "PDFSource", guid=gid("pdf"), name="Site photos.pdf", path="internal://p.pdf"
        )
        _sub(
            pdf,
            "PDFSelection",
            guid=gid("pdf-sel"),
            page="1",
            firstX="0",
            firstY="0",
            secondX="10",
            secondY="10",
        )
        case = root.find("Cases/Case")
        assert case is not None
        _sub(case, "SourceRef", targetGUID=gid("pdf"))
        members["Sources/p.pdf"] = b"%PDF-1.4 not really\n"
    if absolute_path:
        for el in root.iter("TextSource"):
            if el.get("name") == SOURCE["A"].name:
                file = el.get("plainTextPath", "").removeprefix("internal://")
                el.set("plainTextPath", f"absolute://C:\\Users\\coder\\Documents\\{file}")
    if edit:
        edit(root, members)
    built.path = write_qdpx(tmp_path / filename, built.qde, serialise(root, PROJECT_NS), members)
    return built


def build_bare_qde(tmp_path: Path, origin: str = "MAXQDA 2022") -> BuiltProject:
    """The same project as a bare .qde file with its sources in the folder beside it."""
    root, members, built = project_tree(origin)
    folder = tmp_path / "bare"
    for name, data in {built.qde: serialise(root, PROJECT_NS), **members}.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    built.path = folder / built.qde
    return built


def build_codebook(tmp_path: Path, origin: str = "QualCoder 3.5") -> Path:
    """The CFIR codes of the study as a .qdc codebook (GUIDs as gid(code label))."""
    w = _Writer()
    root = ET.Element("CodeBook", {"origin": origin})
    codes = _sub(root, "Codes")
    made: dict[str, ET.Element] = {}
    for c in CODES:
        el = _sub(
            made[c.parent] if c.parent else codes,
            "Code",
            guid=w(c.label),
            name=c.name,
            isCodable="true" if c.codable else "false",
            color=c.color,
        )
        if c.description:
            _sub(el, "Description", c.description)
        made[c.label] = el
    path = tmp_path / "cfir.qdc"
    path.write_bytes(serialise(root, CODEBOOK_NS))
    return path


# --- hostile and broken variants -----------------------------------------------------------


@dataclass
class Hostile:
    path: Path
    names: str  # what the one-line error must name: an element's GUID, a member, a source


def _find(root: ET.Element, tag: str, label: str) -> ET.Element:
    for el in root.iter(tag):
        if gid(label) in (el.get("guid") or "").lower():
            return el
    raise AssertionError(f"no {tag} {label}")


def _set(tag: str, label: str, **attrs: str) -> Callable[[ET.Element, dict[str, bytes]], None]:
    def edit(root: ET.Element, _members: dict[str, bytes]) -> None:
        el = _find(root, tag, label)
        for k, v in attrs.items():
            el.set(k, v)

    return edit


def _retarget(tag: str, owner: str, owner_label: str) -> Callable[..., None]:
    """Point the first `tag` reference inside the owner element at a GUID that exists nowhere."""

    def edit(root: ET.Element, _members: dict[str, bytes]) -> None:
        el = _find(root, owner, owner_label)
        ref = next(el.iter(tag))
        ref.set("targetGUID", "{" + gid("nowhere").upper() + "}")

    return edit


def _crlf_offset() -> str:
    # inside the first CRLF of source A, counted as MAXQDA counts (code points, CRLF two)
    return str(SOURCE["A"].stored(SOURCE["A"].text).index("\r\n") + 1)


def _surrogate_offset() -> str:
    # the second UTF-16 unit of the emoji in source A
    stored = SOURCE["A"].stored(SOURCE["A"].text)
    return str(len(stored[: stored.index("🙂")].encode("utf-16-le")) // 2 + 1)


def _combining_offset() -> str:
    # between the "e" and the combining accent of "café" in source D (stored decomposed)
    stored = SOURCE["D"].stored(SOURCE["D"].text)
    return str(stored.index("cafe\u0301") + 4)


def _members_edit(change: Callable[[dict[str, bytes]], None]) -> Callable[..., None]:
    def edit(_root: ET.Element, members: dict[str, bytes]) -> None:
        change(members)

    return edit


def _relative_outside(root: ET.Element, _members: dict[str, bytes]) -> None:
    root.set("basePath", "C:\\Users\\coder\\Study")
    for el in root.iter("TextSource"):
        if (el.get("plainTextPath") or "").startswith("relative://"):
            el.set("plainTextPath", "relative://elsewhere/riverside.txt")


def _path_of_a(value: str) -> Callable[..., None]:
    def edit(root: ET.Element, _members: dict[str, bytes]) -> None:
        _find(root, "TextSource", "A").set("plainTextPath", value)

    return edit


def _no_text(root: ET.Element, _members: dict[str, bytes]) -> None:
    el = _find(root, "TextSource", "D")
    content = el.find("PlainTextContent")
    assert content is not None
    el.remove(content)
    el.set("richTextPath", "internal://d.docx")


def _bad_value(root: ET.Element, _members: dict[str, bytes]) -> None:
    case = _find(root, "Case", "northfield")
    for vv in case.iter("IntegerValue"):
        vv.text = "forty-two"


def _too_deep(root: ET.Element, _members: dict[str, bytes]) -> None:
    parent = root.find("CodeBook/Codes")
    assert parent is not None
    for i in range(300):
        parent = _sub(parent, "Code", guid=gid(f"deep{i}"), name=f"Level {i}", isCodable="true")


# kind -> (origin, edit of the XML tree and members) for variants of the study
_EDITS: dict[str, tuple[str, Callable[..., None]]] = {
    "past-end": ("QualCoder 3.5", _set("PlainTextSelection", "A2", endPosition="9120")),
    "start-after-end": (
        "QualCoder 3.5",
        _set("PlainTextSelection", "A2", startPosition="100", endPosition="80"),
    ),
    "negative": ("QualCoder 3.5", _set("PlainTextSelection", "A2", startPosition="-1")),
    "inside-crlf": ("MAXQDA 2022", _set("PlainTextSelection", "A2", startPosition=_crlf_offset())),
    "inside-surrogate": (
        "NVivo 14",
        _set("PlainTextSelection", "A2", startPosition=_surrogate_offset()),
    ),
    "inside-combined": (
        "QualCoder 3.5",
        _set("PlainTextSelection", "D2", startPosition=_combining_offset()),
    ),
    "not-a-number": ("QualCoder 3.5", _set("PlainTextSelection", "A2", endPosition="12.5")),
    "dangling-coderef": ("MAXQDA 2022", _retarget("CodeRef", "PlainTextSelection", "A2")),
    "dangling-sourceref": ("MAXQDA 2022", _retarget("SourceRef", "Case", "northfield")),
    "dangling-variableref": ("MAXQDA 2022", _retarget("VariableRef", "Case", "riverside")),
    "dangling-noteref": ("MAXQDA 2022", _retarget("NoteRef", "PlainTextSelection", "B3")),
    "dangling-user": (
        "MAXQDA 2022",
        _set("PlainTextSelection", "A1", creatingUser=gid("nobody").upper()),
    ),
    "bad-variable": ("MAXQDA 2022", _bad_value),
    "missing-source": (
        "MAXQDA 2022",
        _members_edit(lambda m: m.pop(f"{BASE_PATH}/interviews/riverside.txt")),
    ),
    "not-utf8-source": (
        "MAXQDA 2022",
        _members_edit(lambda m: m.update({"sources/hillcrest.txt": b"caf\xe9 au lait\n"})),
    ),
    "no-text": ("MAXQDA 2022", _no_text),
    "relative-outside": ("MAXQDA 2022", _relative_outside),
    "absolute-outside": (
        "MAXQDA 2022",
        _path_of_a("absolute:///home/coder/interviews/northfield-final.txt"),
    ),
    "other-scheme": ("MAXQDA 2022", _path_of_a("https://example.org/interviews/1.txt")),
    "climbing-path": ("MAXQDA 2022", _path_of_a("internal://../../etc/hosts")),
    "too-deep": ("MAXQDA 2022", _too_deep),
}
# what the error must name, per kind (a GUID, a member, a file)
_NAMES = {
    "past-end": gid("A2"),
    "start-after-end": gid("A2"),
    "negative": gid("A2"),
    "inside-crlf": gid("A2"),
    "inside-surrogate": gid("A2"),
    "inside-combined": gid("D2"),
    "not-a-number": gid("A2"),
    "dangling-coderef": gid("nowhere"),
    "dangling-sourceref": gid("nowhere"),
    "dangling-variableref": gid("nowhere"),
    "dangling-noteref": gid("nowhere"),
    "dangling-user": gid("nobody"),
    "bad-variable": "Staff count",
    "missing-source": "relative://interviews/riverside.txt",
    "not-utf8-source": "sources/hillcrest.txt",
    "no-text": gid("D"),
    "relative-outside": "relative://elsewhere/riverside.txt",
    "absolute-outside": "northfield-final.txt",
    "other-scheme": "https://example.org/interviews/1.txt",
    "climbing-path": gid("A"),
    "too-deep": "MAXQDA export.qde",
}

_BILLION_LAUGHS = (
    '<!DOCTYPE Project [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + "]>\n"
)
_EXTERNAL = '<!DOCTYPE Project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def _with_doctype(xml: bytes, doctype: str, entity: str) -> bytes:
    head, _, rest = xml.partition(b"\n")
    rest = rest.replace(b"Fictional interviews", f"&{entity}; Fictional interviews".encode(), 1)
    return head + b"\n" + doctype.encode() + rest


def _lying_header(data: bytes, member: str) -> bytes:
    """The ZIP with `member`'s declared size (local header and directory) set to 1,000
    bytes while its data unpacks to far more."""
    name = member.encode()
    out = bytearray(data)
    i = out.find(b"PK\x03\x04")  # local headers
    while i != -1:
        n = struct.unpack_from("<H", out, i + 26)[0]
        if out[i + 30 : i + 30 + n] == name:
            struct.pack_into("<I", out, i + 22, 1000)
        i = out.find(b"PK\x03\x04", i + 4)
    i = out.find(b"PK\x01\x02")  # directory entries
    while i != -1:
        n = struct.unpack_from("<H", out, i + 28)[0]
        if out[i + 46 : i + 46 + n] == name:
            struct.pack_into("<I", out, i + 24, 1000)
        i = out.find(b"PK\x01\x02", i + 4)
    return bytes(out)


HOSTILE = (
    *_EDITS,
    "zip-bomb",
    "lying-header",
    "traversal",
    "absolute-member",
    "drive-letter",
    "duplicate-member",
    "too-many-members",
    "billion-laughs",
    "external-entity",
    "wrong-namespace",
    "not-xml",
    "two-qde",
    "no-qde",
    "not-zip",
    "corrupt-zip",
)


def hostile_project(tmp_path: Path, kind: str) -> Hostile:
    """One hostile or broken variant of the study (`kind` from HOSTILE), as a .qdpx."""
    if kind in _EDITS:
        origin, edit = _EDITS[kind]
        built = build_project(tmp_path, origin, edit=edit)
        return Hostile(built.path, _NAMES[kind])
    origin = "MAXQDA 2022"
    root, members, built = project_tree(origin)
    xml = serialise(root, PROJECT_NS)
    qde = built.qde
    path = tmp_path / "study.qdpx"
    names = qde
    if kind == "zip-bomb":
        member = built.members["C"]
        members[member] = b"\xef\xbb\xbf" + b" " * (8 * 2**20)
        names = member
    elif kind in ("traversal", "absolute-member", "drive-letter"):
        names = {
            "traversal": "../outside.txt",
            "absolute-member": "/etc/cokg-was-here.txt",
            "drive-letter": "C:/Windows/cokg.txt",
        }[kind]
        members[names] = b"should never be written anywhere\n"
    elif kind == "too-many-members":
        members.update({f"Sources/filler-{i}.txt": b"x" for i in range(10_001)})
        names = "10,000"
    elif kind == "billion-laughs":
        xml = _with_doctype(xml, _BILLION_LAUGHS, "lol9")
    elif kind == "external-entity":
        xml = _with_doctype(xml, _EXTERNAL, "xxe")
    elif kind == "wrong-namespace":
        xml = xml.replace(PROJECT_NS.encode(), b"urn:QDA-XML:project:0.9", 1)
    elif kind == "not-xml":
        xml = b"Project: Three-site programme study\nThis is not XML at all.\n"
    elif kind == "two-qde":
        members["backup/old project.qde"] = xml
        names = "old project.qde"
    elif kind == "no-qde":
        write_qdpx(path, "project.xml", xml, members)
        return Hostile(path, "study.qdpx")
    elif kind == "not-zip":
        path.write_bytes(b"Three-site programme study, exported as text by mistake\n")
        return Hostile(path, "study.qdpx")
    elif kind == "duplicate-member":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns about the duplicate: we want it
            write_qdpx(path, qde, xml, members)
            with zipfile.ZipFile(path, "a") as z:
                z.writestr(built.members["C"], b"a second copy\n")
        return Hostile(path, built.members["C"])
    write_qdpx(path, qde, xml, members)
    if kind == "lying-header":
        member = built.members["C"]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(qde, xml)
            for name, data in members.items():
                z.writestr(name, data + (b" " * 500_000 if name == member else b""))
        path.write_bytes(_lying_header(buf.getvalue(), member))
        names = member
    elif kind == "corrupt-zip":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        names = "study.qdpx"
    return Hostile(path, names)


# --- small projects for the construct-rating tests ------------------------------------------


@dataclass(frozen=True)
class SmallCoding:
    """One code applied to one phrase by one user, at one time (a selection of its own)."""

    source: str  # the source's name
    phrase: str  # the text coded: found in the source's text
    code: str  # the code's path of names, "/" between them ("Relative Advantage/+2")
    user: str  # the user's name
    when: str = "2023-03-01T10:00:00Z"  # Coding@creationDateTime


def build_small_project(
    tmp_path: Path,
    *,
    sources: dict[str, str],
    cases: dict[str, tuple[str, ...]],
    codings: tuple[SmallCoding, ...] = (),
    codes: tuple[str, ...] = (),
    case_values: dict[str, tuple[tuple[str, str, str], ...]] | None = None,
    name: str = "Rated sites study",
    filename: str = "rated.qdpx",
) -> Path:
    """A small .qdpx as QualCoder 3.5 writes it (offsets in code points, texts as internal
    files): `sources` (name -> text, LF line ends), `cases` (case name -> source names), the
    codes of `codes` and of `codings` (paths; each parent made once, before its children, in
    the order first named), and `case_values` (case name -> (variable, REFI-QDA type, value as
    written)). GUIDs are gid("small:" + what they name)."""
    root = ET.Element(
        "Project",
        {"name": name, "origin": "QualCoder 3.5", "creationDateTime": "2023-01-10T08:00:00Z"},
    )
    users = _sub(root, "Users")
    for user in dict.fromkeys(c.user for c in codings):
        _sub(users, "User", guid=gid(f"small:user:{user}"), name=user)
    book = _sub(_sub(root, "CodeBook"), "Codes")
    made: dict[str, ET.Element] = {}
    for path in (*codes, *(c.code for c in codings)):
        parts = path.split("/")
        for i in range(len(parts)):
            sub = "/".join(parts[: i + 1])
            if sub not in made:
                parent = made["/".join(parts[:i])] if i else book
                made[sub] = _sub(
                    parent, "Code", guid=gid(f"small:code:{sub}"), name=parts[i], isCodable="true"
                )
    values = case_values or {}
    kinds = {v: k for pairs in values.values() for v, k, _ in pairs}
    variables = _sub(root, "Variables")
    for variable, kind in kinds.items():
        _sub(
            variables,
            "Variable",
            guid=gid(f"small:var:{variable}"),
            name=variable,
            typeOfVariable=kind,
        )
    cases_el = _sub(root, "Cases")
    for case, members in cases.items():
        el = _sub(cases_el, "Case", guid=gid(f"small:case:{case}"), name=case)
        for variable, kind, value in values.get(case, ()):
            vv = _sub(el, "VariableValue")
            _sub(vv, "VariableRef", targetGUID=gid(f"small:var:{variable}"))
            _sub(vv, _VALUE_ELEMENT[kind], value)
        for source in members:
            _sub(el, "SourceRef", targetGUID=gid(f"small:source:{source}"))
    sources_el = _sub(root, "Sources")
    members_out: dict[str, bytes] = {}
    for source, text in sources.items():
        guid = gid(f"small:source:{source}")
        el = _sub(
            sources_el, "TextSource", guid=guid, name=source, plainTextPath=f"internal://{guid}.txt"
        )
        members_out[f"Sources/{guid}.txt"] = text.encode("utf-8")
        for i, c in enumerate(x for x in codings if x.source == source):
            start = text.index(c.phrase)
            sel = _sub(
                el,
                "PlainTextSelection",
                guid=gid(f"small:sel:{source}:{i}"),
                name=c.phrase,
                startPosition=str(start),
                endPosition=str(start + len(c.phrase)),
                creatingUser=gid(f"small:user:{c.user}"),
                creationDateTime=c.when,
            )
            coding = _sub(
                sel,
                "Coding",
                guid=gid(f"small:coding:{source}:{i}"),
                creatingUser=gid(f"small:user:{c.user}"),
                creationDateTime=c.when,
            )
            _sub(coding, "CodeRef", targetGUID=gid(f"small:code:{c.code}"))
    return write_qdpx(tmp_path / filename, "project.qde", serialise(root, PROJECT_NS), members_out)


# --- a passage no selection name can place ------------------------------------------------

MERCI_TEXT = "Bonjour.\r\nFin 🙂 de l’entrevue : « merci ».\r\n"


def merci_project(tmp_path: Path, origin: str, spans: list[tuple[int, int, str | None]]) -> Path:
    """A hand-written project (`merci.qdpx`): one text of the case "Northfield clinic", an
    emoji and CRLFs before « merci » (characters 32-41 of the text as stored, UTF-16 units
    33-42, 31-40 with a CRLF counting one), coded Culture at `spans` (start, end, and the
    selection's name, or None: the attribute is optional)."""
    u, s, k, case = (gid(f"merci:{x}") for x in ("u", "s", "k", "case"))
    selections = "".join(
        f'<PlainTextSelection guid="{gid(f"merci:sel{i}")}"'
        + (f' name="{name}"' if name is not None else "")
        + f' startPosition="{a}" endPosition="{b}" creatingUser="{u}">'
        f'<Coding guid="{gid(f"merci:c{i}")}" creatingUser="{u}"><CodeRef targetGUID="{k}"/>'
        "</Coding></PlainTextSelection>"
        for i, (a, b, name) in enumerate(spans)
    )
    qde = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<Project xmlns="urn:QDA-XML:project:1.0" name="Merci study" origin="{origin}">'
        f'<Users><User guid="{u}" name="Ana"/></Users>'
        f'<CodeBook><Codes><Code guid="{k}" name="Culture" isCodable="true"/></Codes></CodeBook>'
        f'<Cases><Case guid="{case}" name="Northfield clinic"><SourceRef targetGUID="{s}"/>'
        "</Case></Cases>"
        f'<Sources><TextSource guid="{s}" name="NTH-07 entrevue" '
        f'plainTextPath="internal://{s}.txt">{selections}</TextSource></Sources></Project>'
    )
    path = tmp_path / "merci.qdpx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", qde.encode("utf-8"))
        z.writestr(f"Sources/{s}.txt", MERCI_TEXT.encode("utf-8"))
    return path
