"""A framework held by cokg as a REFI-QDA codebook, so that a QDA program can code with it.

    >>> export_qdc(store, "cfir-2022", Path("cfir-2022.qdc"))           # doctest: +SKIP
    72

One Code per concept of the scheme, nested as skos:broader says, described by the concept's
definition; each Code's GUID is derived from the concept's IRI (`writing.guid`), so the same
concept has the same GUID in every codebook cokg writes and a coded project that comes back
can be matched to the framework by GUID.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from cokg import __version__
from cokg.errors import ParameterError
from cokg.namespaces import FRAMEWORK, PREFIXES
from cokg.qda.model import Code, Project
from cokg.qda.writing import guid, write_qdc
from cokg.query import run_query
from cokg.store import Store

__all__ = ["code_name", "export_qdc", "framework_codebook"]


@dataclass
class _Concept:
    iri: str
    notation: str | None = None
    label: str | None = None
    definition: str | None = None
    broader: list[str] = field(default_factory=list)


@dataclass
class _Scheme:
    iri: str
    prefix: str | None = None
    title: str | None = None
    concepts: dict[str, _Concept] = field(default_factory=dict)

    @property
    def short(self) -> str:
        """cokg's short name (cfir-2022), or the IRI for a scheme outside cokg's frameworks."""
        base = str(FRAMEWORK)
        return self.iri[len(base) :] if self.iri.startswith(base) else self.iri


def framework_codebook(store: Store | str | Path | None, scheme: str) -> Project:
    """The concepts of one framework scheme as a codebook Project (kind "codebook"). `scheme` is
    cokg's short name ("cfir-2022"), a prefix ("cfir22" or "cfir22:") or the scheme's IRI;
    an unknown scheme is a ParameterError listing the choices."""
    schemes = _schemes(store)
    chosen = _resolve(scheme, schemes)
    concepts = chosen.concepts
    order = sorted(concepts.values(), key=lambda c: (_natural(c.notation or ""), c.iri))
    project = Project(
        kind="codebook",
        name=chosen.title or chosen.short,
        origin=f"cokg {__version__}",
        offset_rule=None,
        description=f"The concepts of {chosen.iri}, one code each.",
    )
    parents: dict[str, str | None] = {}
    for c in order:
        # a concept with two parents in the scheme (polyhierarchy) can sit under one only:
        # the first in framework order
        inside = sorted(
            (b for b in c.broader if b in concepts),
            key=lambda b: (_natural(concepts[b].notation or ""), b),
        )
        parents[c.iri] = inside[0] if inside else None
        if len(inside) > 1:
            project.warnings.append(
                f"{c.iri} is narrower than {len(inside)} concepts; its code is placed under "
                f"{inside[0]} only"
            )
    # parents first, siblings in framework order: the order QDA programs show them in
    placed: list[_Concept] = []

    def place(parent: str | None) -> None:
        for c in order:
            if parents[c.iri] == parent:
                placed.append(c)
                place(c.iri)

    place(None)
    for c in placed:
        parent = parents[c.iri]
        project.codes[guid(c.iri)] = Code(
            guid=guid(c.iri),
            name=_code_name(c),
            # every concept may be coded: analysts code at domain level as well as construct
            codable=True,
            description=c.definition,
            parent=None if parent is None else guid(parent),
        )
        if parent is not None:
            project.codes[guid(parent)].children.append(guid(c.iri))
    return project


def export_qdc(store: Store | str | Path | None, scheme: str, out: Path) -> int:
    """Write one framework scheme as a REFI-QDA codebook (`.qdc`); returns the codes written."""
    project = framework_codebook(store, scheme)
    write_qdc(project, out)
    return len(project.codes)


def _schemes(store: Store | str | Path | None) -> dict[str, _Scheme]:
    schemes: dict[str, _Scheme] = {}
    for r in run_query("scheme-concepts", store=store):
        s = schemes.setdefault(r["scheme"], _Scheme(r["scheme"]))
        s.prefix = s.prefix or r["scheme_prefix"]
        s.title = s.title or r["scheme_title"]
        c = s.concepts.setdefault(r["concept"], _Concept(r["concept"]))
        c.notation = c.notation or r["notation"]
        c.label = c.label or r["label"]
        c.definition = c.definition or r["definition"]
        if r["broader"] and r["broader"] not in c.broader:
            c.broader.append(r["broader"])
    return schemes


def _resolve(name: str, schemes: dict[str, _Scheme]) -> _Scheme:
    wanted = name.strip().removeprefix("<").removesuffix(">")
    for s in schemes.values():
        prefixes = {s.prefix} | {p for p, ns in PREFIXES.items() if ns.rstrip("/#") == s.iri}
        if wanted in (s.iri, s.short) or wanted.removesuffix(":") in prefixes - {None}:
            return s
    choices = ", ".join(
        f"{s.short} ({s.prefix})" if s.prefix else s.short
        for s in sorted(schemes.values(), key=lambda s: s.short)
    )
    raise ParameterError(f"no framework scheme {name!r}; the schemes are {choices}")


def _code_name(c: _Concept) -> str:
    return code_name(c.iri, c.notation, c.label)


def code_name(iri: str, notation: str | None, label: str | None) -> str:
    """What a QDA user sees in the code tree: the notation then the label ("II.A Innovation
    Source") where the notation is a code of its own - programs list codes by name, so the
    framework's numbering keeps them in the paper's order and matches the codes people cite -
    and the label alone where the notation only spells the label ("co-optation")."""
    label = label or notation or iri.rsplit("/", 1)[-1]
    if not notation or label == notation:
        return label
    if notation.casefold().replace("-", " ") == label.casefold().replace("-", " "):
        return label
    return f"{notation} {label}"


def _natural(notation: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key that puts 1.2 before 1.10 (numbers compared as numbers)."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part)
        for part in re.findall(r"\d+|[^\d.]+", notation)
    )
