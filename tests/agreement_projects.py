"""A FICTIONAL multi-coder REFI-QDA project for the coder agreement tests (tests/test_agreement.py).

Two interviews of one invented site (case fx-north), coded by three coders, written with
cokg's own REFI-QDA writer (cokg.qda.writing) so the import reads it back exactly:

- NTH-01 interview: Ana and Ben code four places. Their first spans overlap without being
  equal (Ana's whole sentence, Ben's first words of it), both with Leads; on the second
  sentence Ana says Resources and Ben Funding; the third only Ana codes (Funding), the fourth
  only Ben (Adaptability). Carl did not code this interview.
- NTH-02 interview: Ana, Ben and Carl all code the first sentence Partnerships; Carl alone
  codes the second, Culture.

Offsets are found by looking the phrases up in the text here (the fixture's own facts, not
anything the program under test computed).
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from cokg.qda.model import Case, Code, Coding, Project, Selection, Source, User
from cokg.qda.writing import write_qdpx

_NS = uuid.UUID("0b6d7a52-6a4e-4f57-9a53-4d1b2f1c9e11")

TEXTS = {
    "NTH-01 interview": (
        "We began with two champions on the ward. The board approved extra hours in March. "
        "The funding ran out after the pilot. We adapted the checklist to fit the huddle."
    ),
    "NTH-02 interview": "The coach came every fortnight. Staff culture is cautious.",
}
CODES = ("Leads", "Resources", "Funding", "Adaptability", "Partnerships", "Culture")
USERS = ("Ana", "Ben", "Carl")
# (source, phrase, code, coder)
CODINGS = (
    ("NTH-01 interview", "We began with two champions on the ward.", "Leads", "Ana"),
    ("NTH-01 interview", "We began with two champions", "Leads", "Ben"),
    ("NTH-01 interview", "The board approved extra hours in March.", "Resources", "Ana"),
    ("NTH-01 interview", "The board approved extra hours in March.", "Funding", "Ben"),
    ("NTH-01 interview", "The funding ran out after the pilot.", "Funding", "Ana"),
    ("NTH-01 interview", "We adapted the checklist to fit the huddle.", "Adaptability", "Ben"),
    ("NTH-02 interview", "The coach came every fortnight.", "Partnerships", "Ana"),
    ("NTH-02 interview", "The coach came every fortnight.", "Partnerships", "Ben"),
    ("NTH-02 interview", "The coach came every fortnight.", "Partnerships", "Carl"),
    ("NTH-02 interview", "Staff culture is cautious.", "Culture", "Carl"),
)
CASE_TTL = """
@prefix cokg: <https://w3id.org/cokg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/cokg/id/case/fx-north> a cokg:Case ; cokg:caseId "fx-north" ;
    cokg:caseNumber 101 ; rdfs:label "Northfield clinic (FICTIONAL)" ;
    cokg:studiesInnovation <https://w3id.org/cokg/id/innovation/fx-falls> .
<https://w3id.org/cokg/id/innovation/fx-falls> a cokg:Innovation ;
    rdfs:label "Falls prevention programme (FICTIONAL)" .
"""


def _gid(label: str) -> str:
    return str(uuid.uuid5(_NS, label))


def span(source: str, phrase: str) -> tuple[int, int]:
    """The code-point span of `phrase` in the source's text."""
    start = TEXTS[source].index(phrase)
    return start, start + len(phrase)


def project() -> Project:
    p = Project(kind="project", name="Northfield agreement study", origin=None, offset_rule=None)
    p.users = {_gid(u): User(_gid(u), u) for u in USERS}
    p.codes = {_gid(c): Code(_gid(c), c) for c in CODES}
    for name, text in TEXTS.items():
        p.sources[_gid(name)] = Source(
            _gid(name), name, text, hashlib.sha256(text.encode()).hexdigest(), f"{name}.txt"
        )
    for i, (source, phrase, code, coder) in enumerate(CODINGS):
        start, end = span(source, phrase)
        p.sources[_gid(source)].selections.append(
            Selection(
                _gid(f"selection {i}"),
                _gid(source),
                start,
                end,
                start,
                end,
                name=phrase,
                creator=_gid(coder),
                codings=[Coding(_gid(f"coding {i}"), _gid(code), _gid(coder))],
            )
        )
    p.cases = [Case(_gid("fx-north"), "fx-north", sources=[_gid(s) for s in TEXTS])]
    return p


def write_project(folder: Path) -> Path:
    """The project as a .qdpx in `folder`, with the case (Turtle) beside it: fx-north.ttl."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "fx-north.ttl").write_text(CASE_TTL, encoding="utf-8")
    out = folder / "northfield.qdpx"
    write_qdpx(project(), out)
    return out
