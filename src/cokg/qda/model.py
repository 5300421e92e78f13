"""A REFI-QDA project (NVivo, ATLAS.ti, MAXQDA, QualCoder exports) as plain Python values.

`reading` fills these from a `.qdpx` or `.qdc` file; `converting` turns them into a submission;
`exporting` writes them back out. Nothing here knows about RDF or XML.

Offsets: every `start`/`end` on a `Selection` is in **code points of the normalised text** of its
source (`Source.text`: byte-order mark removed, CRLF and lone CR turned into LF, Unicode NFC),
whatever unit the exporting program counted in; `tool_start`/`tool_end` keep the numbers as the
file gave them. GUIDs are normalised to lower case without braces.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

VariableType = Literal["Text", "Boolean", "Integer", "Float", "Date", "DateTime"]
VariableValueType = str | bool | int | Decimal | dt.date | dt.datetime


@dataclass(frozen=True)
class User:
    guid: str
    name: str


@dataclass
class Code:
    guid: str
    name: str
    codable: bool = True  # False: a category, not applied to text
    description: str | None = None
    color: str | None = None  # "#RRGGBB" as the file gave it
    parent: str | None = None  # guid of the enclosing code
    children: list[str] = field(default_factory=list)  # guids, in file order


@dataclass
class Variable:
    guid: str
    name: str
    type: VariableType
    description: str | None = None


@dataclass
class VariableValue:
    variable: str  # guid of the Variable
    value: VariableValueType


@dataclass
class Coding:
    guid: str
    code: str  # guid of the Code
    coder: str | None  # guid of the User: PlainTextSelection@creatingUser, else Coding@creatingUser
    created: dt.datetime | None = None


@dataclass
class Selection:
    """A PlainTextSelection: one span of one source, with the codes applied to it."""

    guid: str
    source: str  # guid of the Source
    start: int  # code points of Source.text
    end: int
    tool_start: int  # as written in the file, in the exporting program's unit
    tool_end: int
    name: str | None = None  # most programs put (the start of) the selected text here
    description: str | None = None  # with no codings: an annotation, not a quotation
    creator: str | None = None  # guid of the User
    created: dt.datetime | None = None
    codings: list[Coding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # guids of Notes (NoteRef)


@dataclass
class Source:
    """A TextSource with its plain text (other source kinds are reported, not read)."""

    guid: str
    name: str
    text: str  # normalised: no BOM, LF line ends, NFC
    sha256: str  # hex digest of text encoded as UTF-8
    member: str  # archive member (or path) the plain text was read from
    description: str | None = None
    creator: str | None = None
    created: dt.datetime | None = None
    variables: list[VariableValue] = field(default_factory=list)
    selections: list[Selection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Case:
    guid: str
    name: str | None  # MAXQDA writes nameless cases holding one source's variables
    description: str | None = None
    codes: list[str] = field(default_factory=list)  # guids (CodeRef)
    sources: list[str] = field(default_factory=list)  # guids (SourceRef)
    variables: list[VariableValue] = field(default_factory=list)
    # guids of Selections: SelectionRef, and (NVivo) text coded at the case's own node
    selections: list[str] = field(default_factory=list)


@dataclass
class Note:
    guid: str
    name: str | None
    text: str
    creator: str | None = None
    created: dt.datetime | None = None


@dataclass
class Project:
    kind: Literal["project", "codebook"]
    name: str | None
    origin: str | None  # Project@origin: the exporting program and version, as written
    offset_rule: str | None  # the rule the offsets were read with (see reading.OFFSET_RULES)
    users: dict[str, User] = field(default_factory=dict)
    codes: dict[str, Code] = field(default_factory=dict)  # in file order, parents first
    variables: dict[str, Variable] = field(default_factory=dict)
    cases: list[Case] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)
    # names of the sources read but left out (empty texts, PDFs and other non-text sources)
    left_out: list[str] = field(default_factory=list)
    notes: dict[str, Note] = field(default_factory=dict)
    description: str | None = None
    # Things read but not imported, one line each (a PDF source, a selection whose text does not
    # match its name under the offset rule, ...): printed by --dry-run and by the import.
    warnings: list[str] = field(default_factory=list)
    # Selections whose offsets select different text in another unit cokg reads offsets in,
    # when nothing in the project (Project@origin is only a suggestion; selection names are
    # evidence) tells which unit is right: one line each. The import refuses them, since a
    # quotation must be verbatim, until the unit is stated (read_project(offset_rule=...)).
    offset_doubts: list[str] = field(default_factory=list)
