"""Writing REFI-QDA files from cokg.qda.model: a `.qde` project document, a `.qdpx` archive,
a `.qdc` codebook.

    >>> write_qdpx(project, Path("study.qdpx"))                         # doctest: +SKIP
    >>> write_qdc(framework_codebook(store, "cfir-2022"), Path("cfir.qdc"))  # doctest: +SKIP

Elements come in the order the REFI-QDA schemas (Project.xsd, Codebook.xsd, QDA-XML 1.0) give
them; an empty list is left out rather than written as an empty container, since the schemas
ask for at least one member in each (Users, Codes, Cases, ...). Sources are written as plain
text files (`Sources/<guid>.txt`, UTF-8, the normalised text) named by
`plainTextPath="internal://<guid>.txt"`, notes inline (PlainTextContent). Selection offsets are
code points of that text, which is also how the reader counts them for a file cokg wrote.

Output is deterministic: the same project gives the same bytes (no clock is read, ZIP members
are sorted and carry a fixed timestamp). Anything the schemas would reject - a GUID not in the
schema's pattern, a reference to nothing, a character XML cannot hold - is an InputError
naming the element, raised before anything is written.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import tempfile
import unicodedata
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Container
from decimal import Decimal
from pathlib import Path

from cokg import __version__
from cokg.errors import InputError
from cokg.namespaces import BASE
from cokg.qda.model import Code, Project, Selection, Source, VariableValue

__all__ = [
    "CODEBOOK_NS",
    "GUID_NAMESPACE",
    "PROJECT_NS",
    "guid",
    "qde_bytes",
    "write_qdc",
    "write_qdpx",
]

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
# All of cokg's GUIDs are name-based (UUID version 5) in this one namespace.
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, BASE)
ORIGIN = f"cokg {__version__}"

# The schemas' GUIDType (braces allowed there; the model keeps GUIDs without them) and RGBType.
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_RGB = re.compile(r"#([A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})")
# Characters XML 1.0 cannot carry at all, escaped or not.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a ZIP entry can say: no clock in the output


def guid(*parts: str) -> str:
    """A GUID that always comes out the same for the same IRI (or IRIs, for a thing named by
    several): UUID version 5 in cokg's namespace, lower-case hex with hyphens."""
    if not parts:
        raise ValueError("guid() needs at least one IRI")
    # a space cannot occur in an IRI, so ("a b",) and ("a", "b") never meet
    return str(uuid.uuid5(GUID_NAMESPACE, " ".join(parts)))


# --------------------------------------------------------------------------- the project XML


def qde_bytes(project: Project) -> bytes:
    """The project as a REFI-QDA project document (`project.qde`), UTF-8."""
    return _Writer(project).project()


def write_qdpx(project: Project, out: Path) -> None:
    """Write the project as a `.qdpx` archive: `project.qde` and `Sources/<guid>.txt`."""
    members = {"project.qde": qde_bytes(project)}
    for source in project.sources.values():
        members[f"Sources/{source.guid}.txt"] = source.text.encode("utf-8")
    _replace(out, _zip(members))


def write_qdc(project: Project, out: Path) -> None:
    """Write the project's codes as a REFI-QDA codebook (`.qdc`)."""
    _replace(out, _Writer(project).codebook())


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, on every platform: the same bytes everywhere
            info.external_attr = 0o644 << 16
            zf.writestr(info, members[name])
    return buf.getvalue()


def _replace(out: Path, data: bytes) -> None:
    # written beside the target and renamed over it: a reader never sees half a file
    out = Path(out)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent or Path("."))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class _Writer:
    def __init__(self, project: Project) -> None:
        self.p = project
        self.ns = PROJECT_NS

    # -- helpers

    def el(self, parent: ET.Element | None, local: str, /, **attrs: str | None) -> ET.Element:
        clean = {k: v for k, v in attrs.items() if v is not None}
        for k, v in clean.items():
            self.check_text(v, f"{local}@{k}")
        if parent is None:
            # the namespace as the root's default, written as an attribute: ElementTree's own
            # namespace handling would prefix every element (ns0:Project)
            return ET.Element(local, {"xmlns": self.ns, **clean})
        return ET.SubElement(parent, local, clean)

    def text(self, parent: ET.Element, name: str, value: str | None) -> None:
        if value is None or value == "":
            return
        self.check_text(value, name)
        self.el(parent, name).text = value

    def check_text(self, value: str, what: str) -> None:
        bad = _NOT_XML.search(value)
        if bad:
            raise InputError(
                f"{what}: U+{ord(bad.group()):04X} cannot be written in XML ({value[:40]!r})"
            )

    def check_guid(self, value: str, what: str) -> str:
        if not _GUID.fullmatch(value):
            raise InputError(f"{what}: {value!r} is not a GUID (8-4-4-4-12 hexadecimal digits)")
        return value

    def ref(
        self, parent: ET.Element, name: str, target: str, known: Container[str], what: str
    ) -> None:
        if target not in known:
            raise InputError(f"{what}: {name} {target} matches nothing in the project")
        self.el(parent, name, targetGUID=self.check_guid(target, what))

    def user(self, value: str | None, what: str) -> str | None:
        if value is not None and value not in self.p.users:
            raise InputError(f"{what}: user {value} is not one of the project's users")
        return value

    @staticmethod
    def when(value: dt.datetime | None) -> str | None:
        return None if value is None else value.isoformat()

    def serialise(self, root: ET.Element) -> bytes:
        ET.indent(root, space="  ")
        body = ET.tostring(root, encoding="unicode")
        return ('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n").encode("utf-8")

    # -- documents

    def project(self) -> bytes:
        p = self.p
        root = self.el(None, "Project", name=p.name or "cokg", origin=ORIGIN)
        if p.users:
            users = self.el(root, "Users")
            for u in p.users.values():
                self.el(users, "User", guid=self.check_guid(u.guid, f"User {u.name}"), name=u.name)
        if p.codes:
            self.codes(self.el(self.el(root, "CodeBook"), "Codes"))
        if p.variables:
            variables = self.el(root, "Variables")
            for v in p.variables.values():
                what = f"Variable {v.name!r}"
                var = self.el(
                    variables,
                    "Variable",
                    guid=self.check_guid(v.guid, what),
                    name=v.name,
                    typeOfVariable=v.type,
                )
                self.text(var, "Description", v.description)
        if p.cases:
            cases = self.el(root, "Cases")
            selections = {s.guid for src in p.sources.values() for s in src.selections}
            for c in p.cases:
                what = f"Case {c.name or c.guid}"
                case = self.el(cases, "Case", guid=self.check_guid(c.guid, what), name=c.name)
                self.text(case, "Description", c.description)
                for code in c.codes:
                    self.ref(case, "CodeRef", code, p.codes, what)
                self.values(case, c.variables, what)
                for source in c.sources:
                    self.ref(case, "SourceRef", source, p.sources, what)
                for sel in c.selections:
                    self.ref(case, "SelectionRef", sel, selections, what)
        if p.sources:
            sources = self.el(root, "Sources")
            for s in p.sources.values():
                self.source(sources, s)
        if p.notes:
            notes = self.el(root, "Notes")
            for n in p.notes.values():
                what = f"Note {n.name or n.guid}"
                note = self.el(
                    notes,
                    "Note",
                    guid=self.check_guid(n.guid, what),
                    name=n.name,
                    creatingUser=self.user(n.creator, what),
                    creationDateTime=self.when(n.created),
                )
                self.text(note, "PlainTextContent", n.text)
        self.text(root, "Description", p.description)
        return self.serialise(root)

    def codebook(self) -> bytes:
        self.ns = CODEBOOK_NS
        if not self.p.codes:
            raise InputError("a codebook needs at least one code (Codebook.xsd)")
        root = self.el(None, "CodeBook", origin=ORIGIN)
        self.codes(self.el(root, "Codes"))
        return self.serialise(root)

    # -- parts

    def codes(self, parent: ET.Element) -> None:
        """Nested Code elements: top-level codes in the project's order, each code's children
        in its `children` order (then any other code naming it as parent)."""
        codes = self.p.codes
        kids: dict[str | None, list[Code]] = {}
        for code in codes.values():
            if code.parent is not None and code.parent not in codes:
                raise InputError(f"Code {code.name!r}: its parent {code.parent} is not a code")
            kids.setdefault(code.parent, []).append(code)
        for pid, children in kids.items():
            if pid is not None:
                order = {g: i for i, g in enumerate(codes[pid].children)}
                children.sort(key=lambda c: order.get(c.guid, len(order)))  # stable otherwise
        written = 0

        def add(into: ET.Element, code: Code) -> None:
            nonlocal written
            written += 1
            what = f"Code {code.name!r}"
            if code.color is not None and not _RGB.fullmatch(code.color):
                raise InputError(f"{what}: color {code.color!r} is not #RRGGBB")
            el = self.el(
                into,
                "Code",
                guid=self.check_guid(code.guid, what),
                name=code.name,
                isCodable="true" if code.codable else "false",
                color=code.color,
            )
            self.text(el, "Description", code.description)
            for child in kids.get(code.guid, []):
                add(el, child)

        for top in kids.get(None, []):
            add(parent, top)
        if written != len(codes):
            raise InputError("the codes' parents form a cycle: some codes have no top-level root")

    def values(self, parent: ET.Element, values: list[VariableValue], what: str) -> None:
        for vv in values:
            variable = self.p.variables.get(vv.variable)
            if variable is None:
                raise InputError(f"{what}: VariableRef {vv.variable} matches no variable")
            el = self.el(parent, "VariableValue")
            self.el(el, "VariableRef", targetGUID=self.check_guid(variable.guid, what))
            tag, text = _value(vv.value, variable.type, f"{what}, variable {variable.name!r}")
            if text:
                self.text(el, tag, text)
            else:
                self.el(el, tag)  # an empty TextValue: a Text variable set to ""

    def source(self, parent: ET.Element, s: Source) -> None:
        what = f"TextSource {s.name!r}"
        self.check_guid(s.guid, what)
        normal = unicodedata.normalize("NFC", s.text.replace("\r\n", "\n").replace("\r", "\n"))
        if s.text.startswith("\ufeff") or s.text != normal:
            raise InputError(
                f"{what}: its text is not normalised (no byte-order mark, LF line ends, NFC), "
                "which the selection offsets count in"
            )
        el = self.el(
            parent,
            "TextSource",
            guid=s.guid,
            name=s.name,
            plainTextPath=f"internal://{s.guid}.txt",
            creatingUser=self.user(s.creator, what),
            creationDateTime=self.when(s.created),
        )
        self.text(el, "Description", s.description)
        for sel in s.selections:
            self.selection(el, s, sel)
        for note in s.notes:
            self.ref(el, "NoteRef", note, self.p.notes, what)
        self.values(el, s.variables, what)

    def selection(self, parent: ET.Element, s: Source, sel: Selection) -> None:
        what = f"PlainTextSelection {sel.guid} of {s.name!r}"
        if not 0 <= sel.start <= sel.end <= len(s.text):
            raise InputError(
                f"{what}: {sel.start}-{sel.end} is not a span of the text "
                f"({len(s.text)} characters)"
            )
        el = self.el(
            parent,
            "PlainTextSelection",
            guid=self.check_guid(sel.guid, what),
            # what most programs show for a selection: the text it selects
            name=s.text[sel.start : sel.end],
            startPosition=str(sel.start),
            endPosition=str(sel.end),
            creatingUser=self.user(sel.creator, what),
            creationDateTime=self.when(sel.created),
        )
        self.text(el, "Description", sel.description)
        for c in sel.codings:
            cwhat = f"{what}, Coding {c.guid}"
            coding = self.el(
                el,
                "Coding",
                guid=self.check_guid(c.guid, cwhat),
                creatingUser=self.user(c.coder, cwhat),
                creationDateTime=self.when(c.created),
            )
            self.ref(coding, "CodeRef", c.code, self.p.codes, cwhat)
        for note in sel.notes:
            self.ref(el, "NoteRef", note, self.p.notes, what)


def _value(value: object, kind: str, what: str) -> tuple[str, str]:
    """The element and text of a variable value of the given type (xsd lexical forms)."""
    ok = {
        "Text": isinstance(value, str),
        "Boolean": isinstance(value, bool),
        "Integer": isinstance(value, int) and not isinstance(value, bool),
        "Float": isinstance(value, Decimal | int | float) and not isinstance(value, bool),
        "Date": isinstance(value, dt.date) and not isinstance(value, dt.datetime),
        "DateTime": isinstance(value, dt.datetime),
    }.get(kind, False)
    if not ok:
        raise InputError(f"{what}: {value!r} is not a {kind} value")
    if kind == "Boolean":
        return "BooleanValue", "true" if value else "false"
    if kind == "Float":
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        if not number.is_finite():
            raise InputError(f"{what}: {value!r} is not a finite number")
        return "FloatValue", format(number, "f")  # xsd:decimal has no exponent
    if kind in ("Date", "DateTime"):
        return f"{kind}Value", value.isoformat()  # type: ignore[attr-defined]
    return f"{kind}Value", str(value)
