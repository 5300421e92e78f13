"""Reading REFI-QDA files into cokg.qda.model: `.qdpx` projects, `.qdc` codebooks, bare `.qde`.

A `.qdpx` is a ZIP file (read through cokg.qda.archive, in memory, never extracted) holding one
`*.qde` project XML at any depth and the plain texts of its sources. A bare `.qde` reads its
sources from its own folder. XML is pre-scanned by cokg.load.scan_xml (no DTD, no entity, at
most COKG_MAX_XML_DEPTH deep) and parsed with defusedxml. Nothing is ever fetched.

Offsets. Each program counts selection offsets in its own unit (OFFSET_RULES); the rule comes
from `Project@origin` and is then checked: most programs put (the start of) the selected text
in the selection's `name`, so when most names disagree with the text under the origin's rule
but most agree under another, that other rule is used (and a warning says so). Each selection
whose name still disagrees is one warning. The origin only suggests a unit: when no name tells
the units apart and another unit reads a selection as other text, the selection is a doubt
(`Project.offset_doubts`, which the import refuses) until the unit is stated
(`read_project(offset_rule=...)`). Offsets become code points of the normalised text
(`Source.text`), the file's numbers stay in `tool_start`/`tool_end`.

Vendor quirks handled here: GUIDs in any case, with or without braces (normalised to lower case
without braces); NVivo's case nodes, written as Codes sharing a Case's GUID, kept out of the
codebook (text coded at one becomes a SelectionRef of the case); MAXQDA's nameless Case holding
one source's variables; VariableValues inside a TextSource; NVivo's one selection per code
application (kept as they are).

Every problem is an InputError with one line naming the file and the element.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import posixpath
import re
import unicodedata
import xml.etree.ElementTree as ET
from bisect import bisect_left, bisect_right
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import get_args

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as _defused_fromstring

from cokg import load
from cokg.errors import InputError
from cokg.qda.archive import Archive, FolderArchive, ZipArchive, unsafe_name
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
    VariableType,
    VariableValue,
    VariableValueType,
)

__all__ = ["CODEBOOK_NS", "OFFSET_RULES", "PROJECT_NS", "read_project", "rule_for_origin"]

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"

OFFSET_RULES: dict[str, str] = {
    "utf16": "UTF-16 code units of the text as stored, a CRLF counting two and a character "
    "above U+FFFF two (NVivo)",
    "codepoints-crlf-as-one": "code points of the text, a CRLF line end counting one (ATLAS.ti)",
    "codepoints": "code points of the text as stored, a CRLF counting two (MAXQDA, QualCoder "
    "and most others)",
}
_UNITS = {
    "utf16": "UTF-16 units",
    "codepoints-crlf-as-one": "characters, a CRLF counting one",
    "codepoints": "characters",
}
_OTHER_SOURCES = ("PDFSource", "PictureSource", "AudioSource", "VideoSource")
_VALUE_TAGS = (
    "TextValue",
    "BooleanValue",
    "IntegerValue",
    "FloatValue",
    "DateValue",
    "DateTimeValue",
)
_VARIABLE_TYPES: dict[str, VariableType] = {t: t for t in get_args(VariableType)}
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://(.*)$", re.S)
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_WS = re.compile(r"\s+")
_INTEGER = re.compile(r"[+-]?\d+")
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:T00:00(?::00(?:\.0+)?)?)?(?:Z|[+-]\d{2}:\d{2})?")


def rule_for_origin(origin: str | None) -> str:
    """The offset rule (a key of OFFSET_RULES) the exporting program named in `Project@origin`
    is known to use; programs not known count code points."""
    o = (origin or "").casefold()
    if "nvivo" in o:
        return "utf16"
    if "atlas" in o:
        return "codepoints-crlf-as-one"
    return "codepoints"


_SUFFIXES = (".qdpx", ".qde", ".qdc")


def read_project(path: str | Path, *, offset_rule: str | None = None) -> Project:
    """Read a `.qdpx` project, a `.qdc` codebook (Project(kind="codebook"), codes only) or a
    bare `.qde` project whose sources sit in its folder. `offset_rule` (a key of
    OFFSET_RULES) states the unit the selection offsets count in, for a project whose origin
    and selection names cannot tell (see `Project.offset_doubts`). Raises InputError (one
    line naming the file and the element) for anything that cannot be read faithfully."""
    p = Path(path)
    if offset_rule is not None and offset_rule not in OFFSET_RULES:
        raise InputError(
            f"unknown offset unit {offset_rule!r}: use one of {', '.join(OFFSET_RULES)}", file=p
        )
    if p.is_dir():
        found = sorted(f.name for f in p.glob("*.qd[pec]*") if f.suffix.casefold() in _SUFFIXES)
        hint = f" (it holds {', '.join(found[:3])}: give one)" if found else ""
        raise InputError(
            f"a folder, not a project: give the .qdpx file (or a .qde or .qdc){hint}", file=p
        )
    if not p.is_file():
        raise InputError("no such file", file=p)
    suffix = p.suffix.casefold()
    if suffix == ".qdpx":
        with ZipArchive(p) as zipped:
            qdes = zipped.qde_members()
            if not qdes:
                raise InputError("no .qde project file in the archive", file=p)
            if len(qdes) > 1:
                shown = ", ".join(qdes[:3]) + (", ..." if len(qdes) > 3 else "")
                raise InputError(
                    f"{len(qdes)} .qde project files in the archive ({shown}); a .qdpx holds "
                    "exactly one",
                    file=p,
                )
            return _read_qde(
                zipped, qdes[0], zipped.read(qdes[0]), member=qdes[0], offset_rule=offset_rule
            )
    if suffix == ".qde":
        with FolderArchive(p) as folder:
            return _read_qde(
                folder, p.name, folder.read_main(), member=None, offset_rule=offset_rule
            )
    if suffix == ".qdc":
        with FolderArchive(p) as folder:
            root = _parse(folder.read_main(), p, None, CODEBOOK_NS, "CodeBook")
        return _read_codebook(root, p)
    raise InputError(
        "not a REFI-QDA file: expected a .qdpx project, a .qdc codebook or a .qde project file",
        file=p,
    )


# --- XML --------------------------------------------------------------------------------------


def _parse(data: bytes, file: Path, member: str | None, ns: str, root_name: str) -> ET.Element:
    where = f"member {member}: " if member else ""
    load.scan_xml([data], file, member=member)  # DTD, entities, depth, well-formedness
    try:
        root = _defused_fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException:  # scan_xml refuses these first; kept as a second lock
        raise InputError(f"{where}XML DTDs and entities are not allowed", file=file) from None
    except ET.ParseError as exc:
        raise InputError(f"{where}not well-formed XML ({exc})", file=file) from None
    expected = f"{{{ns}}}{root_name}"
    if root.tag != expected:
        got_ns, _, local = (
            root.tag[1:].rpartition("}") if root.tag.startswith("{") else ("", "", root.tag)
        )
        raise InputError(
            f"{where}the root element is <{local}> in "
            + (f"namespace {got_ns}" if got_ns else "no namespace")
            + f"; a REFI-QDA {'codebook' if ns == CODEBOOK_NS else 'project'} is <{root_name}> "
            f"in namespace {ns}",
            file=file,
        )
    return root


def _show(text: str | None, limit: int = 60) -> str:
    """A name as quoted in a one-line message."""
    s = _WS.sub(" ", text or "").strip()
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _normalise(text: str) -> str:
    """Line ends to LF, Unicode NFC: how every text in the model is kept."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def _name(el: ET.Element) -> str | None:
    """The name attribute in NFC (a name typed on macOS may arrive decomposed), or None."""
    raw = el.get("name")
    return unicodedata.normalize("NFC", raw) if raw else None


def _guid(raw: str) -> str:
    return raw.strip().strip("{}").strip().lower()


def _description(el: ET.Element, ns: str) -> str | None:
    d = el.find(f"{{{ns}}}Description")
    if d is None or not (d.text or "").strip():
        return None
    return _normalise(d.text or "")


def _read_codes(
    parent: ET.Element,
    ns: str,
    codes: dict[str, Code],
    fail: _Fail,
    *,
    case_guids: AbstractSet[str] = frozenset(),
    case_nodes: set[str] | None = None,
    parent_guid: str | None = None,
) -> None:
    """Nested Code elements, parents first; a Code sharing a Case's GUID is an NVivo case node:
    left out, its children hung on its parent."""
    for el in parent.findall(f"{{{ns}}}Code"):
        raw = el.get("guid")
        if not raw or not _guid(raw):
            raise fail(f'a Code ("{_show(el.get("name"))}") has no guid')
        guid = _guid(raw)
        if guid in case_guids:
            if case_nodes is not None:
                case_nodes.add(guid)
            _read_codes(
                el,
                ns,
                codes,
                fail,
                case_guids=case_guids,
                case_nodes=case_nodes,
                parent_guid=parent_guid,
            )
            continue
        name = _name(el)
        if not name:
            raise fail(f"Code {guid} has no name")
        if guid in codes:
            raise fail(f'Code {guid} "{_show(name)}": the guid is used by two codes')
        codable = (el.get("isCodable") or "true").strip().lower() not in ("false", "0")
        codes[guid] = Code(
            guid=guid,
            name=name,
            codable=codable,
            description=_description(el, ns),
            color=el.get("color"),
            parent=parent_guid,
        )
        if parent_guid is not None:
            codes[parent_guid].children.append(guid)
        _read_codes(
            el, ns, codes, fail, case_guids=case_guids, case_nodes=case_nodes, parent_guid=guid
        )


class _Fail:
    """Makes the InputError of one file."""

    def __init__(self, file: Path) -> None:
        self.file = file

    def __call__(self, message: str) -> InputError:
        return InputError(message, file=self.file)


def _read_codebook(root: ET.Element, file: Path) -> Project:
    fail = _Fail(file)
    project = Project(kind="codebook", name=None, origin=root.get("origin"), offset_rule=None)
    codes_el = root.find(f"{{{CODEBOOK_NS}}}Codes")
    if codes_el is not None:
        _read_codes(codes_el, CODEBOOK_NS, project.codes, fail)
    sets = root.findall(f"{{{CODEBOOK_NS}}}Sets/{{{CODEBOOK_NS}}}Set")
    if sets:
        project.warnings.append(f"{len(sets)} Sets (groups of codes) are not imported")
    return project


# --- offsets ----------------------------------------------------------------------------------


class _BadOffset(Exception):
    """An offset that does not fall on a character boundary of the text."""


class _Text:
    """A source's text as stored and as normalised, and the map from each offset rule's
    positions to code points of the normalised text."""

    def __init__(self, raw: str) -> None:
        raw = raw.removeprefix("\ufeff")
        self.raw = raw
        self.crlf = [m.start() for m in re.finditer("\r\n", raw)]
        astral = [m.start() for m in _ASTRAL.finditer(raw)]
        self._astral_units = [a + k for k, a in enumerate(astral)]  # UTF-16 start of each
        self._crlf_as_one = [c - k for k, c in enumerate(self.crlf)]  # CRLF-as-one position
        self.lengths = {
            "utf16": len(raw) + len(astral),
            "codepoints-crlf-as-one": len(raw) - len(self.crlf),
            "codepoints": len(raw),
        }
        self.text, changes = _nfc_with_changes(raw.replace("\r\n", "\n").replace("\r", "\n"))
        self._change_starts = [c[0] for c in changes]
        self._change_ends = [c[1] for c in changes]
        self._change_shift: list[int] = []
        shift = 0
        for start, end, new_length in changes:
            shift += new_length - (end - start)
            self._change_shift.append(shift)

    def position(self, rule: str, n: int) -> int:
        """Code points of `self.text` before the offset `n` counted under `rule`."""
        length = self.lengths[rule]
        if n < 0:
            raise _BadOffset("is negative")
        if n > length:
            raise _BadOffset(f"is past the end of the text ({length:,} {_UNITS[rule]})")
        if rule == "utf16":
            before = bisect_left(self._astral_units, n)
            if before and self._astral_units[before - 1] + 1 == n:
                raise _BadOffset(
                    "falls inside a character above U+FFFF (between the two UTF-16 units of a "
                    "surrogate pair)"
                )
            i = n - before
        elif rule == "codepoints-crlf-as-one":
            i = n + bisect_left(self._crlf_as_one, n)
        else:
            i = n
        if 0 < i < len(self.raw) and self.raw[i - 1] == "\r" and self.raw[i] == "\n":
            raise _BadOffset("falls between the CR and the LF of a line end")
        lf = i - bisect_left(self.crlf, i - 1)  # CRLF pairs wholly before i became one LF
        k = bisect_right(self._change_ends, lf)  # normalisation changes wholly before
        if k < len(self._change_starts) and self._change_starts[k] < lf:
            raise _BadOffset(
                "falls inside a character that Unicode normalisation (NFC) composes into one"
            )
        return lf + (self._change_shift[k - 1] if k else 0)


def _nfc_with_changes(s: str) -> tuple[str, list[tuple[int, int, int]]]:
    """NFC of `s`, and the stretches it changed: (start, end, length after) in `s`'s code
    points. A line end is never composed with anything, so lines are normalised one by one;
    within a line, runs starting at a non-combining character are merged with the next while
    normalising them apart would differ from normalising them together."""
    if unicodedata.is_normalized("NFC", s):
        return s, []
    out: list[str] = []
    changes: list[tuple[int, int, int]] = []
    offset = 0
    for line in s.split("\n"):
        if unicodedata.is_normalized("NFC", line):
            out.append(line)
        else:
            cuts = [i for i in range(1, len(line)) if unicodedata.combining(line[i]) == 0]
            runs = list(zip([0, *cuts], [*cuts, len(line)], strict=True))
            a, b = runs[0]
            for c, d in [*runs[1:], (len(line), len(line))]:
                joined = c < d and unicodedata.normalize("NFC", line[a:d]) != (
                    unicodedata.normalize("NFC", line[a:b])
                    + unicodedata.normalize("NFC", line[c:d])
                )
                if joined:
                    b = d
                    continue
                piece = unicodedata.normalize("NFC", line[a:b])
                if piece != line[a:b]:
                    changes.append((offset + a, offset + b, len(piece)))
                out.append(piece)
                a, b = c, d
        out.append("\n")
        offset += len(line) + 1
    text = "".join(out)[:-1]
    if text != unicodedata.normalize("NFC", s):  # not expected; then no offset is trusted
        text = unicodedata.normalize("NFC", s)
        changes = [(0, len(s), len(text))]
    return text, changes


def _name_key(name: str | None) -> str:
    """A selection name as compared with its text: spaces squashed, a trailing ellipsis off.
    A leading space stays (one): a name that starts as its text does, with the space the
    selection starts on, agrees with it."""
    key = _WS.sub(" ", unicodedata.normalize("NFC", name or "")).rstrip()
    if key == " ":
        return ""
    for tail in ("…", "..."):
        key = key.removesuffix(tail).rstrip()
    return key


def _agrees(key: str, text: str) -> bool:
    """Whether the (normalised) selected text starts with the name's words. A leading space
    counts: offsets one off next to a space must not pass for a match."""
    head = text[: 2 * len(key) + 64]  # a selection may be a whole document
    squashed = _WS.sub(" ", head)
    if len(squashed) <= len(key) and len(head) < len(text):  # long runs of white space
        squashed = _WS.sub(" ", text)
    return squashed.startswith(key)


# --- projects ---------------------------------------------------------------------------------


@dataclass
class _Pending:
    """A PlainTextSelection read, its offsets not yet converted."""

    source: Source
    text: _Text
    guid: str
    tool_start: int
    tool_end: int
    name: str | None
    description: str | None
    creator: str | None
    created: dt.datetime | None
    codings: list[Coding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def label(self) -> str:
        return f'PlainTextSelection {self.guid} in source "{_show(self.source.name)}"'


def _read_qde(
    archive: Archive, qde: str, data: bytes, *, member: str | None, offset_rule: str | None
) -> Project:
    root = _parse(data, archive.file, member, PROJECT_NS, "Project")
    reader = _ProjectReader(root, archive, qde)
    reader.stated_rule = offset_rule
    # An XML parser turns every CRLF of the file into LF, inline texts' too, while the program
    # counted its offsets over the CRLFs: a project file written with CRLF line ends gives its
    # inline texts back their CRLFs, so each offset rule counts what the program counted.
    reader.crlf_file = b"\r\n" in data
    return reader.read()


class _ProjectReader:
    def __init__(self, root: ET.Element, archive: Archive, qde: str) -> None:
        self.root = root
        self.archive = archive
        self.qde = qde
        self.crlf_file = False  # whether the project file has CRLF line ends (`_read_qde`)
        self.stated_rule: str | None = None  # the offsets' unit the importer stated
        self.qde_dir = posixpath.dirname(qde)
        self.fail = _Fail(archive.file)
        self.project = Project(
            kind="project",
            name=_name(root),
            origin=root.get("origin"),
            offset_rule=None,
            description=_description(root, PROJECT_NS),
        )
        self.case_nodes: set[str] = set()
        self.case_selections: dict[str, list[str]] = {}  # case guid -> selections coded at it
        self.pending: list[_Pending] = []
        self.other_sources: set[str] = set()
        self.all_selections: set[str] = set()

    def q(self, path: str) -> str:
        return "/".join(f"{{{PROJECT_NS}}}{part}" for part in path.split("/"))

    def guid_of(self, el: ET.Element, what: str) -> str:
        raw = el.get("guid")
        if not raw or not _guid(raw):
            raise self.fail(f"{what} has no guid")
        return _guid(raw)

    def read(self) -> Project:
        p = self.project
        for el in self.root.findall(self.q("Users/User")):
            guid = self.guid_of(el, "a User")
            if guid in p.users:
                raise self.fail(f"User {guid}: the guid is used by two users")
            p.users[guid] = User(guid, _name(el) or el.get("id") or guid)
        case_guids = {
            _guid(el.get("guid") or "") for el in self.root.findall(self.q("Cases/Case"))
        } - {""}
        codes_el = self.root.find(self.q("CodeBook/Codes"))
        if codes_el is not None:
            _read_codes(
                codes_el,
                PROJECT_NS,
                p.codes,
                self.fail,
                case_guids=case_guids,
                case_nodes=self.case_nodes,
            )
        self.read_variables()
        self.note_guids = {
            self.guid_of(el, "a Note") for el in self.root.findall(self.q("Notes/Note"))
        }
        sources = self.root.find(self.q("Sources"))
        kids = list(sources) if sources is not None else []
        for el in kids:
            for sel in el.iter():
                if sel.tag.endswith("Selection") and sel.get("guid"):
                    self.all_selections.add(_guid(sel.get("guid") or ""))
        self.read_notes()
        for el in kids:
            local = el.tag.rpartition("}")[2]
            if local == "TextSource":
                self.read_source(el)
            elif local in _OTHER_SOURCES:
                self.other_source(el, local)
        self.read_cases()
        self.convert_offsets()
        for ref in self.root.findall(self.q("NoteRef")):
            self.note_ref(ref, f'Project "{_show(p.name)}"')
        for path, what in (
            ("Sets/Set", "Sets (groups of codes, sources or notes)"),
            ("Links/Link", "Links (relations between codes, sources or notes)"),
            ("Graphs/Graph", "Graphs (network views)"),
        ):
            found = self.root.findall(self.q(path))
            if found:
                p.warnings.append(f"{len(found)} {what} are not imported")
        return p

    # -- references

    def user(self, el: ET.Element, what: str) -> str | None:
        raw = el.get("creatingUser")
        if raw is None or not _guid(raw):
            return None
        guid = _guid(raw)
        if guid not in self.project.users:
            raise self.fail(f"{what}: creatingUser {guid} matches no User of the project")
        return guid

    def note_ref(self, ref: ET.Element, what: str) -> str:
        guid = _guid(ref.get("targetGUID") or "")
        if guid not in self.note_guids:
            raise self.fail(f"{what}: NoteRef targetGUID {guid or '(none)'} matches no Note")
        return guid

    def note_refs(self, el: ET.Element, what: str) -> list[str]:
        return [self.note_ref(r, what) for r in el.findall(self.q("NoteRef"))]

    def created(self, el: ET.Element, what: str) -> dt.datetime | None:
        raw = el.get("creationDateTime")
        if not raw:
            return None
        try:
            return dt.datetime.fromisoformat(raw.strip())
        except ValueError:
            self.project.warnings.append(
                f'{what}: creationDateTime "{_show(raw)}" is not a date and time; left out'
            )
            return None

    # -- variables and their values

    def read_variables(self) -> None:
        for el in self.root.findall(self.q("Variables/Variable")):
            guid = self.guid_of(el, "a Variable")
            name = _name(el) or ""
            what = f'Variable {guid} "{_show(name)}"'
            raw = (el.get("typeOfVariable") or "").strip()
            kind = _VARIABLE_TYPES.get(raw)
            if kind is None:
                raise self.fail(
                    f'{what}: typeOfVariable "{_show(raw)}" is not one of '
                    + ", ".join(_VARIABLE_TYPES)
                )
            if guid in self.project.variables:
                raise self.fail(f"{what}: the guid is used by two variables")
            self.project.variables[guid] = Variable(guid, name, kind, _description(el, PROJECT_NS))

    def values(self, el: ET.Element, owner: str) -> list[VariableValue]:
        out: list[VariableValue] = []
        for vv in el.findall(self.q("VariableValue")):
            ref = vv.find(self.q("VariableRef"))
            if ref is None:
                raise self.fail(f"VariableValue on {owner} has no VariableRef")
            target = _guid(ref.get("targetGUID") or "")
            variable = self.project.variables.get(target)
            if variable is None:
                raise self.fail(
                    f"VariableValue on {owner}: VariableRef targetGUID {target or '(none)'} "
                    "matches no Variable"
                )
            raw = next(
                (c.text or "" for c in vv if c.tag.rpartition("}")[2] in _VALUE_TAGS), ""
            ).strip()
            if not raw:  # exporters write every variable for every case, empty when unset
                continue
            value = _typed(raw, variable.type)
            if value is None:
                raise self.fail(
                    f'VariableValue of "{_show(variable.name)}" ({variable.type}) on {owner}: '
                    f'"{_show(raw)}" is not a valid {variable.type} value'
                )
            out.append(VariableValue(variable.guid, value))
        return out

    # -- notes and sources

    def plain_text(self, el: ET.Element, what: str) -> tuple[str, str] | None:
        """(text as stored, where it was read from), or None if the element has none."""
        content = el.find(self.q("PlainTextContent"))
        if content is not None:
            text = content.text or ""
            if self.crlf_file and "\r" not in text:
                text = text.replace("\n", "\r\n")
            return text, self.qde
        path = el.get("plainTextPath")
        if not path:
            return None
        member = self.locate(path, what)
        data = self.archive.read(member)
        data = data.removeprefix(b"\xef\xbb\xbf")
        try:
            return data.decode("utf-8"), member
        except UnicodeDecodeError as exc:
            raise self.fail(
                f"{member} (the text of {what}) is not UTF-8: byte 0x{data[exc.start]:02X} at "
                f"offset {exc.start:,}; export the plain texts as UTF-8"
            ) from None

    def locate(self, path: str, what: str) -> str:
        """The member a plainTextPath names. internal:// is under Sources/ (any case);
        relative:// is against Project@basePath and must be inside the archive; absolute://
        is read only from the archive's copy under the same base name; no scheme is a member
        name. The .qde's own folder is tried before the archive's root."""
        m = _SCHEME.match(path)
        scheme, rest = (m.group(1).lower(), m.group(2)) if m else ("", path)
        if scheme and scheme not in ("internal", "relative", "absolute"):
            raise self.fail(
                f'{what}: plainTextPath "{_show(path)}" uses {scheme}://; cokg reads only '
                "files inside the project (internal://, relative://, absolute://), never "
                "from elsewhere"
            )
        if scheme == "absolute":
            base = rest.replace("\\", "/").rstrip("/").rpartition("/")[2]
            hit = self.archive.find_basename(base) if base else None
            if hit is None:
                raise self.fail(
                    f'{what}: plainTextPath "{_show(path)}" is a path on the exporting machine '
                    f'and the archive holds no single copy named "{_show(base)}"; cokg reads '
                    "no file from outside the archive: export with the sources embedded"
                )
            return hit
        rest = rest.lstrip("/") if scheme == "internal" else rest
        why = unsafe_name(rest)
        if why:
            raise self.fail(f'{what}: plainTextPath "{_show(path)}" {why}: refused')
        candidates: list[str] = []
        if scheme == "relative":
            # a basePath on the exporting machine (absolute, a drive) is never inside
            base_path = (self.root.get("basePath") or "").replace("\\", "/").rstrip("/")
            if base_path and not unsafe_name(base_path) and not _SCHEME.match(base_path):
                candidates.append(f"{base_path}/{rest}")
            candidates += [rest, f"Sources/{rest}"]
        elif scheme == "internal":
            candidates += [f"Sources/{rest}", rest]
        else:
            candidates += [rest, f"Sources/{rest}"]
        for name in candidates:
            for folder in dict.fromkeys([self.qde_dir, ""]):
                hit = self.archive.find(posixpath.join(folder, name) if folder else name)
                if hit is not None:
                    return hit
        if scheme == "relative":
            raise self.fail(
                f'{what}: plainTextPath "{_show(path)}" (against basePath '
                f'"{_show(self.root.get("basePath"))}") is not inside the archive; cokg reads '
                "no file from outside it: export with the sources embedded"
            )
        raise self.fail(f'{what}: plainTextPath "{_show(path)}" names no file in the archive')

    def read_notes(self) -> None:
        for el in self.root.findall(self.q("Notes/Note")):
            guid = self.guid_of(el, "a Note")
            name = _name(el)
            what = f"Note {guid}" + (f' "{_show(name)}"' if name else "")
            if guid in self.project.notes:
                raise self.fail(f"{what}: the guid is used by two notes")
            got = self.plain_text(el, what)
            if got is None:
                self.project.warnings.append(f"{what} has no plain text; its text is left out")
            self.project.notes[guid] = Note(
                guid=guid,
                name=name,
                text=_normalise(got[0].removeprefix("\ufeff")) if got else "",
                creator=self.user(el, what),
                created=self.created(el, what),
            )

    def other_source(self, el: ET.Element, kind: str) -> None:
        guid = self.guid_of(el, f"a {kind}")
        self.other_sources.add(guid)
        name = el.get("name") or el.get("path") or ""
        self.project.left_out.append(name)
        n = sum(1 for c in el if c.tag.endswith("Selection"))
        self.project.warnings.append(
            f'{kind} {guid} "{_show(name)}": not read (cokg imports text sources only)'
            + (f"; its {n} selection{'s are' if n != 1 else ' is'} left out" if n else "")
        )

    def read_source(self, el: ET.Element) -> None:
        guid = self.guid_of(el, "a TextSource")
        name = _name(el) or ""
        what = f'TextSource {guid} "{_show(name)}"'
        if guid in self.project.sources:
            raise self.fail(f"{what}: the guid is used by two sources")
        got = self.plain_text(el, what)
        if got is None:
            rich = (
                " (only a richTextPath, which cokg does not read)" if el.get("richTextPath") else ""
            )
            raise self.fail(
                f"{what} has no text: neither a plainTextPath nor PlainTextContent{rich}"
            )
        text = _Text(got[0])
        if not text.text:
            # an untranscribed source: no passage to quote, and as a record it would be every
            # project's empty text (a text is its digest), so two projects would collide on it
            self.project.warnings.append(f"{what} has an empty text: left out")
            self.other_sources.add(guid)
            self.project.left_out.append(name)
            return
        source = Source(
            guid=guid,
            name=name,
            text=text.text,
            sha256=hashlib.sha256(text.text.encode("utf-8")).hexdigest(),
            member=got[1],
            description=_description(el, PROJECT_NS),
            creator=self.user(el, what),
            created=self.created(el, what),
            variables=self.values(el, f'source "{_show(name)}"'),
            notes=self.note_refs(el, what),
        )
        self.project.sources[guid] = source
        whole = el.findall(self.q("Coding"))
        if whole:
            self.project.warnings.append(
                f"{what}: {len(whole)} coding{'s' if len(whole) != 1 else ''} of the whole "
                "source (not of a selection) are not imported"
            )
        seen = {s.guid for s in self.pending}
        for sel in el.findall(self.q("PlainTextSelection")):
            pending = self.selection(sel, source, text)
            if pending.guid in seen:
                raise self.fail(f"{pending.label()}: the guid is used by two selections")
            seen.add(pending.guid)
            self.pending.append(pending)

    def selection(self, el: ET.Element, source: Source, text: _Text) -> _Pending:
        guid = self.guid_of(el, f'a PlainTextSelection in source "{_show(source.name)}"')
        label = f'PlainTextSelection {guid} in source "{_show(source.name)}"'
        positions = []
        for attr in ("startPosition", "endPosition"):
            raw = (el.get(attr) or "").strip()
            if not _INTEGER.fullmatch(raw):
                raise self.fail(f'{label}: {attr} "{_show(raw)}" is not a whole number')
            positions.append(int(raw))
        creator = self.user(el, label)
        pending = _Pending(
            source=source,
            text=text,
            guid=guid,
            tool_start=positions[0],
            tool_end=positions[1],
            name=el.get("name"),
            description=_description(el, PROJECT_NS),
            creator=creator,
            created=self.created(el, label),
            notes=self.note_refs(el, label),
        )
        for cd in el.findall(self.q("Coding")):
            cguid = self.guid_of(cd, f"a Coding of {label}")
            what = f"{label}, Coding {cguid}"
            ref = cd.find(self.q("CodeRef"))
            if ref is None:
                raise self.fail(f"{what} has no CodeRef")
            target = _guid(ref.get("targetGUID") or "")
            # who applied the code: the Coding's own user, else the selection's (one passage
            # coded by Ana and by Ben is Ana's coding and Ben's, as agreement needs them)
            coding_user = self.user(cd, what)
            coder = coding_user or creator
            pending.notes += [n for n in self.note_refs(cd, what) if n not in pending.notes]
            if target in self.project.codes:
                pending.codings.append(Coding(cguid, target, coder, self.created(cd, what)))
            elif target in self.case_nodes:  # NVivo: the text belongs to that case
                self.case_selections.setdefault(target, []).append(guid)
            else:
                raise self.fail(f"{what}: CodeRef targetGUID {target or '(none)'} matches no Code")
        return pending

    # -- cases

    def read_cases(self) -> None:
        p = self.project
        text_selections = {s.guid for s in self.pending}
        for el in self.root.findall(self.q("Cases/Case")):
            guid = self.guid_of(el, "a Case")
            name = _name(el)
            what = f"Case {guid}" + (f' "{_show(name)}"' if name else "")
            case = Case(guid=guid, name=name, description=_description(el, PROJECT_NS))
            for ref in el.findall(self.q("CodeRef")):
                target = _guid(ref.get("targetGUID") or "")
                if target in p.codes:
                    case.codes.append(target)
                elif target not in self.case_nodes:  # NVivo: a case refers to its own node
                    raise self.fail(
                        f"{what}: CodeRef targetGUID {target or '(none)'} matches no Code"
                    )
            owner = f'case "{_show(name)}"' if name else f"case {guid}"
            case.variables = self.values(el, owner)
            for ref in el.findall(self.q("SourceRef")):
                target = _guid(ref.get("targetGUID") or "")
                if target in p.sources:
                    case.sources.append(target)
                elif target not in self.other_sources:  # those are reported already
                    raise self.fail(
                        f"{what}: SourceRef targetGUID {target or '(none)'} matches no source"
                    )
            for ref in el.findall(self.q("SelectionRef")):
                target = _guid(ref.get("targetGUID") or "")
                if target in text_selections:
                    case.selections.append(target)
                elif target not in self.all_selections:
                    raise self.fail(
                        f"{what}: SelectionRef targetGUID {target or '(none)'} matches no selection"
                    )
            for sel in self.case_selections.get(guid, []):
                if sel not in case.selections:
                    case.selections.append(sel)
            self.note_refs(el, what)
            p.cases.append(case)

    # -- offsets

    def convert_offsets(self) -> None:
        p = self.project
        declared = rule_for_origin(p.origin)
        named = [(s, _name_key(s.name)) for s in self.pending if _name_key(s.name)]
        agreeing = {
            rule: sum(_agreement(s, rule, key) for s, key in named) for rule in OFFSET_RULES
        }
        rule = declared
        best = max(OFFSET_RULES, key=lambda r: (agreeing[r], r == declared))
        if self.stated_rule is not None:
            rule = self.stated_rule  # the steward checked a passage in the program
        elif named and agreeing[best] > agreeing[declared] and 2 * agreeing[best] > len(named):
            # most names read so, and more than in the suggested unit (names of passages
            # every unit reads alike agree with both: 7 of 7 against 4 of 7 is 3 to none)
            rule = best
            p.warnings.append(
                f'selection offsets read as "{best}" ({agreeing[best]} of {len(named)} '
                f'selection names match the text), not as "{declared}" ({agreeing[declared]} '
                f'of {len(named)}) as Project@origin "{_show(p.origin)}" suggests'
            )
        p.offset_rule = rule
        # Project@origin only suggests a unit (a project may be relabelled, or exported by a
        # version that counts otherwise). Another unit stays possible unless the names agree
        # with it less often than with the one used, or it cannot read some selection (one
        # project, one unit); a selection it reads as other text is then a doubt.
        others = (
            []
            if self.stated_rule is not None
            else [
                r
                for r in OFFSET_RULES
                if r != rule
                and agreeing[r] >= agreeing[rule]
                and all(_reading(s, r) is not None for s in self.pending)
            ]
        )
        for s in self.pending:
            try:
                start = s.text.position(rule, s.tool_start)
            except _BadOffset as exc:
                raise self.fail(f"{s.label()}: startPosition {s.tool_start} {exc}") from None
            try:
                end = s.text.position(rule, s.tool_end)
            except _BadOffset as exc:
                raise self.fail(f"{s.label()}: endPosition {s.tool_end} {exc}") from None
            if s.tool_start > s.tool_end:
                raise self.fail(
                    f"{s.label()}: startPosition {s.tool_start} is after endPosition {s.tool_end}"
                )
            if start == end:  # a click that selected nothing: no passage to quote
                p.warnings.append(
                    f"{s.label()} covers no text (startPosition {s.tool_start}, endPosition "
                    f"{s.tool_end}): left out with its {len(s.codings)} coding(s)"
                )
                continue
            key = _name_key(s.name)
            if others:
                self.doubt(s, rule, declared, key, s.text.text[start:end], others)
            if key and not _agrees(key, s.text.text[start:end]):
                p.warnings.append(
                    f'{s.label()}: its name "{_show(s.name, 40)}" does not match the text at '
                    f'{s.tool_start}-{s.tool_end} ("{_show(s.text.text[start:end], 40)}") with '
                    f'offsets read as "{rule}"'
                )
            s.source.selections.append(
                Selection(
                    guid=s.guid,
                    source=s.source.guid,
                    start=start,
                    end=end,
                    tool_start=s.tool_start,
                    tool_end=s.tool_end,
                    name=s.name,
                    description=s.description,
                    creator=s.creator,
                    created=s.created,
                    codings=s.codings,
                    notes=s.notes,
                )
            )

    def doubt(
        self, s: _Pending, rule: str, declared: str, key: str, chosen: str, others: list[str]
    ) -> None:
        """One line in `offset_doubts` when another possible unit reads `s` as other text and
        its own name does not tell the readings apart."""
        readings = {rule: chosen}
        for r in others:
            other = _reading(s, r)
            if other is not None and other != chosen:
                readings[r] = other
        if len(readings) == 1:
            return
        if key and [r for r, t in readings.items() if _agrees(key, t)] == [rule]:
            return  # its own name confirms the unit
        why = "it has no name to check them against" if not key else "its name tells no reading"
        shown = ", ".join(
            f'"{_spaced(t)}" counted in {_UNITS[r]} ({r}'
            + (f', as Project@origin "{_show(self.project.origin)}" suggests' if r == declared
               else "")
            + ")"
            for r, t in sorted(readings.items(), key=lambda rt: rt[0] != declared)
        )  # fmt: skip
        self.project.offset_doubts.append(
            f"{s.label()}: its offsets {s.tool_start}-{s.tool_end} select different text by "
            f"the unit they count in, and nothing in the project tells which ({why}): {shown}; "
            "find the passage in the QDA program and give the unit that reads it as the "
            f"program shows it (--offsets {'|'.join(OFFSET_RULES)})"
        )


def _spaced(text: str, limit: int = 40) -> str:
    """A selected text as quoted in a doubt: its spaces at either end kept and, when long, its
    start and its end (readings one character off differ there, not in the middle), line
    ends as spaces."""
    s = _WS.sub(" ", text)
    half = (limit - 1) // 2
    return s if len(s) <= limit else s[:half] + "…" + s[-half:]


def _reading(s: _Pending, rule: str) -> str | None:
    """The text `s` selects with its offsets read under `rule`, None if they cannot be."""
    try:
        start = s.text.position(rule, s.tool_start)
        end = s.text.position(rule, s.tool_end)
    except _BadOffset:
        return None
    return s.text.text[start:end] if start <= end else None


def _agreement(s: _Pending, rule: str, key: str) -> bool:
    text = _reading(s, rule)
    return text is not None and _agrees(key, text)


def _typed(raw: str, kind: str) -> VariableValueType | None:
    """A variable value as its type's Python value, or None if it does not parse."""
    try:
        if kind == "Text":
            return raw
        if kind == "Boolean":
            return {"true": True, "1": True, "false": False, "0": False}.get(raw.lower())
        if kind == "Integer":
            return int(raw) if _INTEGER.fullmatch(raw) else None
        if kind == "Float":
            value = Decimal(raw)
            return value if value.is_finite() else None
        if kind == "Date":
            m = _DATE.fullmatch(raw)
            return dt.date.fromisoformat(m.group(1)) if m else None
        if kind == "DateTime":
            return dt.datetime.fromisoformat(raw)
    except (ValueError, InvalidOperation):
        return None
    return None
