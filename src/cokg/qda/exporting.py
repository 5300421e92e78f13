"""Stored quotations, codings, codes and cases written back out as a REFI-QDA project (.qdpx).

`export_qdpx(out, store=..., case=...)` builds a `cokg.qda.model.Project` from what the store
holds (the saved query `qda-export-records`) and writes it with `cokg.qda.writing.write_qdpx`:

- every quotation (of one case, or of all) is a selection of its text, with one coding per
  stored cokg:Coding; a quotation no coding targets (the founding cases') is coded with the
  framework concepts of the findings it supports, so any case can be taken into a QDA program;
- codes: the whole codebook of every QDA project involved, as imported; framework concepts
  under one category per framework (the whole scheme, as `cokg.qda.codebook` writes it);
- texts: each coded text, with its text when it was stored; otherwise rebuilt from the stored
  quotations (blank outside them and the context kept around them), and the quotations that
  come from no coded text (the founding cases') as one text per case, informant and phase.
  A rebuilt text says so in its Description;
- cases are named by case id, so the file reads back in without a case map; variables,
  memos and comments on passages go out as they came in.

GUIDs are `writing.guid(IRI)` of the record each element stands for: the same store gives the
same file. A project imported with its texts (`--include-text`), exported and imported again
gives the same graph as the first import.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef
from rdflib.term import Node

from cokg.errors import ParameterError
from cokg.namespaces import COKG, DCTERMS, RDF, RDFS, SKOS
from cokg.qda.converting import OA
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
    VariableValueType,
)
from cokg.qda.writing import guid, write_qdpx

__all__ = ["ExportReport", "export_qdpx", "render_export", "stored_project"]

REBUILT = (
    "Rebuilt by cokg from the stored quotations: cokg does not hold this text, so everything "
    "outside the quoted passages (and the few characters kept around each) is blank."
)


@dataclass(frozen=True)
class ExportReport:
    """What `export_qdpx` wrote."""

    path: str
    name: str
    cases: int
    sources: int
    rebuilt: int  # sources whose text is rebuilt from quotations
    selections: int
    codings: int
    codes: int
    notes: int
    bytes: int


def export_qdpx(out: str | Path, *, store: Any = None, case: str | None = None) -> ExportReport:
    """Write the stored quotations (of case `case`, or all) as a REFI-QDA project at `out`.
    Raises ParameterError for an unknown case or a store holding no quotations."""
    from cokg.query.running import open_for_call

    st, opened = open_for_call(store)
    try:
        project = stored_project(st, case=case)
    finally:
        if opened:
            st.close()
    path = Path(out)
    write_qdpx(project, path)
    selections = [s for src in project.sources.values() for s in src.selections]
    return ExportReport(
        path=str(path),
        name=project.name or "",
        cases=len(project.cases),
        sources=len(project.sources),
        rebuilt=sum(
            1 for s in project.sources.values() if s.description and REBUILT in s.description
        ),
        selections=len(selections),
        codings=sum(len(s.codings) for s in selections),
        codes=len(project.codes),
        notes=len(project.notes),
        bytes=path.stat().st_size,
    )


def render_export(report: ExportReport) -> str:
    """`cokg export-qdpx`: what was written."""

    def n(count: int, word: str) -> str:
        return f"{count} {word}{'s' * (count != 1)}"

    rebuilt = f" ({report.rebuilt} rebuilt from quotations)" if report.rebuilt else ""
    return (
        f"wrote {report.path} ({report.bytes:,} bytes): project “{report.name}”, "
        f"{n(report.cases, 'case')}, {n(report.sources, 'text')}{rebuilt}, "
        f"{n(report.selections, 'passage')}, {n(report.codings, 'coding')}, "
        f"{n(report.codes, 'code')}, {n(report.notes, 'memo')}\n"
    )


# --- from the store to a Project -------------------------------------------------------------


def _records(store: Any) -> Graph:
    from cokg.query import get_query

    g = Graph()
    for row in store.query(get_query("qda-export-records").body, internal=True).rows:
        s, p, o = row["record"], row["predicate"], row["object"]
        if s is not None and p is not None and o is not None:
            g.add((s, p, o))
    return g


def _str(g: Graph, s: Node, p: Node) -> str | None:
    v = g.value(s, p)
    return None if v is None else str(v)


def _python(value: Node, kind: str) -> VariableValueType:
    """A stored attribute value as the model's Python value of its variable's type."""
    text = str(value)
    if kind == "Boolean":
        return text in ("true", "1")
    if kind == "Integer":
        return int(text)
    if kind == "Float":
        return Decimal(text)
    if kind == "Date":
        return dt.date.fromisoformat(text[:10])
    if kind == "DateTime":
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return text


def _when(value: Node | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass
class _Anchor:
    record: Node
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


class _Builder:
    def __init__(self, store: Any, g: Graph) -> None:
        self.store = store
        self.g = g
        self.p = Project(kind="project", name=None, origin=None, offset_rule=None)
        self.code_guids: set[str] = set()

    # -- helpers
    def anchor(self, record: Node) -> _Anchor | None:
        g = self.g
        start = end = None
        exact = prefix = suffix = ""
        for sel in g.objects(record, OA.hasSelector):
            if (sel, RDF.type, OA.TextPositionSelector) in g:
                start, end = g.value(sel, OA.start), g.value(sel, OA.end)
            if (sel, RDF.type, OA.TextQuoteSelector) in g:
                exact = _str(g, sel, OA.exact) or ""
                prefix = _str(g, sel, OA.prefix) or ""
                suffix = _str(g, sel, OA.suffix) or ""
        if start is None or end is None:
            return None
        return _Anchor(record, int(str(start)), int(str(end)), exact, prefix, suffix)

    def user(self, agent: Node | None) -> str | None:
        if agent is None:
            return None
        uid = guid(str(agent))
        if uid not in self.p.users:
            name = _str(self.g, agent, RDFS.label) or str(agent).rsplit("/", 1)[-1]
            self.p.users[uid] = User(uid, name)
        return uid

    def variable(self, name: str, kind: str, iri: str, description: str | None = None) -> str:
        for v in self.p.variables.values():
            if v.name == name:
                return v.guid
        vid = guid(iri)
        self.p.variables[vid] = Variable(vid, name, kind, description)  # type: ignore[arg-type]
        return vid

    def values_of(self, owner: Node) -> list[VariableValue]:
        g = self.g
        out = []
        for av in sorted(g.subjects(COKG.attributeOf, owner), key=str):
            var, value = g.value(av, COKG.variable), g.value(av, COKG.value)
            if var is None or value is None:
                continue
            kind = _str(g, var, COKG.variableType) or "Text"
            vid = self.variable(_str(g, var, RDFS.label) or "", kind, str(var),
                                _str(g, var, DCTERMS.description))  # fmt: skip
            out.append(VariableValue(vid, _python(value, kind)))
        return sorted(out, key=lambda v: self.p.variables[v.variable].name)

    # -- codes
    def project_codes(self, codebooks: Iterable[Node]) -> None:
        g = self.g
        codes = [c for cb in codebooks for c in g.subjects(SKOS.inScheme, cb)
                 if (c, RDF.type, COKG.Code) in g]  # fmt: skip

        def path(c: Node) -> tuple[str, ...]:
            up = g.value(c, SKOS.broader)
            here = (_str(g, c, SKOS.prefLabel) or "",)
            return (path(up) + here) if up is not None and up in codes else here

        for c in sorted(codes, key=lambda c: (len(path(c)), path(c), str(c))):
            up = g.value(c, SKOS.broader)
            parent = guid(str(up)) if up is not None and up in codes else None
            cid = guid(str(c))
            self.p.codes[cid] = Code(
                guid=cid,
                name=_str(g, c, SKOS.prefLabel) or str(c).rsplit("/", 1)[-1],
                codable=(c, RDF.type, COKG.CodeCategory) not in g,
                description=_str(g, c, SKOS.definition),
                color=_str(g, c, COKG.codeColour),
                parent=parent,
            )
            if parent is not None:
                self.p.codes[parent].children.append(cid)
            self.code_guids.add(cid)

    def framework_codes(self, concepts: set[Node]) -> None:
        """Each framework scheme a concept comes from, whole, under a category named after it."""
        from cokg.qda.codebook import framework_codebook

        schemes = sorted({str(s) for c in concepts for s in self.g.objects(c, SKOS.inScheme)})
        for scheme in schemes:
            book = framework_codebook(self.store, scheme)
            top = guid(scheme)
            self.p.codes[top] = Code(top, book.name or scheme, codable=False,
                                     description=book.description)  # fmt: skip
            for code in book.codes.values():
                if code.parent is None:
                    code.parent = top
                    self.p.codes[top].children.append(code.guid)
                self.p.codes[code.guid] = code
                self.code_guids.add(code.guid)


def stored_project(store: Any, *, case: str | None = None) -> Project:
    """The stored quotations (of case id `case`, or all), their codings, codes, texts, cases,
    variables and memos as a Project (see the module's docstring)."""
    g = _records(store)
    b = _Builder(store, g)
    case_ids = {c: str(v) for c, v in g.subject_objects(COKG.caseId) if (c, RDF.type, COKG.Case)
                in g}  # fmt: skip
    if case is not None:
        # its id as the queries take it: in capitals (Dundee-MRR) or small
        chosen = [c for c, cid in case_ids.items() if cid.casefold() == case.strip().casefold()]
        if not chosen:
            known = ", ".join(sorted(case_ids.values())) or "none"
            raise ParameterError(f"no case {case!r} in the store (the cases: {known})")
        cases = set(chosen)
    else:
        cases = set(case_ids)
    quotations = sorted(
        (q for q in g.subjects(RDF.type, COKG.Quotation) if g.value(q, COKG.aboutCase) in cases),
        key=str,
    )
    texts = sorted(
        {t for t in g.subjects(RDF.type, COKG.CodedText) if g.value(t, COKG.ofCase) in cases}
        | {t for q in quotations for t in g.objects(q, OA.hasSource)},
        key=str,
    )
    if not quotations and not texts:
        where = f" of case {case}" if case else ""
        raise ParameterError(f"the store holds no quotations{where}: nothing to export")

    # the QDA projects involved, and their codebooks
    projects = sorted({p for t in texts for p in g.objects(t, COKG.inProject)}, key=str)
    codings: dict[Node, list[Node]] = defaultdict(list)
    for coding in g.subjects(RDF.type, COKG.Coding):
        target = g.value(coding, OA.hasTarget)
        if target is not None:
            codings[target].append(coding)
    codebooks = {cb for p in projects for cb in g.objects(p, COKG.hasCodebook)}
    codebooks |= {
        cb for q in quotations for c in codings.get(q, ()) for code in g.objects(c, OA.hasBody)
        for cb in g.objects(code, SKOS.inScheme)
    }  # fmt: skip
    b.project_codes(sorted(codebooks, key=str))
    derived = {
        q: sorted({c for f in g.objects(q, COKG.supports) for c in g.objects(f, COKG.codedTo)},
                  key=str)
        for q in quotations if q not in codings
    }  # fmt: skip
    b.framework_codes({c for cs in derived.values() for c in cs})

    if len(projects) == 1 and not derived:
        b.p.name = _str(g, projects[0], DCTERMS.title)
        b.p.description = _str(g, projects[0], DCTERMS.description)
    else:
        b.p.name = f"cokg case {case}" if case else "cokg quotations"
        b.p.description = (
            "Quotations exported from cokg"
            + (f" for case {case}" if case else "")
            + ", coded with the codes they were coded with and, where they were not coded in "
            "a QDA program, with the framework concepts of the findings they support."
        )

    # memos: what each is about; only those about what is exported (or about the project)
    memos_of: dict[Node, list[str]] = defaultdict(list)
    involved = set(projects)
    exported = {*quotations, *texts, *projects}
    exported |= {a for t in texts for a in g.subjects(OA.hasSource, t)}
    for m in sorted(g.subjects(RDF.type, COKG.Memo), key=str):
        if g.value(m, COKG.inProject) not in involved:
            continue
        if not set(g.objects(m, COKG.memoAbout)) & exported:
            continue
        mid = guid(str(m))
        b.p.notes[mid] = Note(
            mid,
            _str(g, m, DCTERMS.title),
            _str(g, m, COKG.noteText) or "",
            creator=b.user(g.value(m, COKG.coder)),
            created=_when(g.value(m, DCTERMS.created)),
        )
        for about in g.objects(m, COKG.memoAbout):
            memos_of[about].append(mid)

    def selection(q: Node, a: _Anchor, source_guid: str) -> Selection:
        sel = Selection(
            guid=guid(str(q)), source=source_guid, start=a.start, end=a.end,
            tool_start=a.start, tool_end=a.end, notes=sorted(memos_of.get(q, [])),
        )  # fmt: skip
        if (q, RDF.type, COKG.TextAnnotation) in g:
            sel.description = _str(g, q, COKG.noteText)
            sel.creator = b.user(g.value(q, COKG.coder))
            return sel
        sel.description = _str(g, q, RDFS.comment)
        for c in sorted(codings.get(q, []), key=str):
            code = g.value(c, OA.hasBody)
            if code is None or guid(str(code)) not in b.code_guids:
                continue
            sel.codings.append(
                Coding(
                    guid(str(c)),
                    guid(str(code)),
                    b.user(g.value(c, COKG.coder)),
                    _when(g.value(c, DCTERMS.created)),
                )
            )
        for concept in derived.get(q, []):
            if guid(str(concept)) in b.code_guids:
                sel.codings.append(Coding(guid(str(q), str(concept)), guid(str(concept)), None))
        return sel

    sources_of_case: dict[Node, list[str]] = defaultdict(list)
    # coded texts, with their own text or rebuilt
    for t in texts:
        anchored = [q for q in quotations if g.value(q, OA.hasSource) == t]
        anchored += sorted(g.subjects(OA.hasSource, t), key=str)
        found = (b.anchor(record) for record in dict.fromkeys(anchored))
        anchors = [a for a in found if a is not None]
        full = _str(g, t, COKG.fullText)
        description = _str(g, t, DCTERMS.description)
        if full is None:
            full = _rebuild(int(str(g.value(t, COKG.textLength) or 0)), anchors)
            description = f"{description} {REBUILT}" if description else REBUILT
        sid = guid(str(t))
        source = Source(
            guid=sid, name=_str(g, t, DCTERMS.title) or str(t).rsplit("/", 1)[-1], text=full,
            sha256=hashlib.sha256(full.encode("utf-8")).hexdigest(), member="",
            description=description, variables=b.values_of(t),
            notes=sorted(memos_of.get(t, [])),
        )  # fmt: skip
        source.selections = sorted(
            (selection(a.record, a, sid) for a in anchors), key=lambda s: (s.start, s.end, s.guid)
        )
        b.p.sources[sid] = source
        case_iri = g.value(t, COKG.ofCase)
        if case_iri is not None:
            sources_of_case[case_iri].append(sid)

    # quotations from no coded text (the founding cases'): one text per case, informant, phase
    groups: dict[tuple[str, str, str], list[Node]] = defaultdict(list)
    for q in quotations:
        if g.value(q, OA.hasSource) is None:
            case_node = g.value(q, COKG.aboutCase)
            informant = g.value(q, COKG.quotedInformant)
            said = _str(g, informant, COKG.informantCode) if informant is not None else None
            in_phase = g.value(q, COKG.inPhase)
            groups[(str(case_node), said or "",
                    str(in_phase).rsplit("#", 1)[-1].lower() if in_phase else "")
                   ].append(q)  # fmt: skip
    for (case_iri_text, code, phase), qs in sorted(groups.items()):
        qs.sort(key=lambda q: (len(_str(g, q, COKG.quotationId) or ""),
                               _str(g, q, COKG.quotationId) or "", str(q)))  # fmt: skip
        parts: list[str] = []
        anchors_q: list[tuple[Node, _Anchor]] = []
        at = 0
        for q in qs:
            text = _str(g, q, COKG.text) or ""
            anchors_q.append((q, _Anchor(q, at, at + len(text), text, "", "")))
            parts.append(text)
            at += len(text) + 2
        full = "\n\n".join(parts)
        sid = guid(case_iri_text, code, phase)
        cid = case_ids.get(URIRef(case_iri_text), case_iri_text)
        values: list[VariableValue] = []
        if code:
            values.append(VariableValue(b.variable("Informant", "Text", str(COKG.quotedInformant)),
                                        code))  # fmt: skip
        if phase:
            values.append(VariableValue(b.variable("Phase", "Text", str(COKG.inPhase)), phase))
        source = Source(
            guid=sid, name=f"{cid} – {code or 'quotations'}" + (f" ({phase})" if phase else ""),
            text=full, sha256=hashlib.sha256(full.encode("utf-8")).hexdigest(), member="",
            description=f"The quotations of {code or 'no informant'} in case {cid}. {REBUILT}",
            variables=values,
        )  # fmt: skip
        source.selections = [selection(q, a, sid) for q, a in anchors_q]
        b.p.sources[sid] = source
        sources_of_case[URIRef(case_iri_text)].append(sid)

    for c in sorted(sources_of_case, key=lambda c: case_ids.get(c, str(c))):
        b.p.cases.append(
            Case(
                guid(str(c)),
                case_ids.get(c, str(c)),
                sources=sources_of_case[c],
                variables=b.values_of(c),
            )
        )
    for v in sorted(g.subjects(RDF.type, COKG.Variable), key=str):
        if g.value(v, COKG.inProject) in involved:
            b.variable(_str(g, v, RDFS.label) or "", _str(g, v, COKG.variableType) or "Text",
                       str(v), _str(g, v, DCTERMS.description))  # fmt: skip
    return b.p


def _rebuild(length: int, anchors: list[_Anchor]) -> str:
    """A text of `length` code points, blank but for the stored passages and their context."""
    length = max([length, *(a.end + len(a.suffix) for a in anchors)])
    chars = [" "] * length
    for a in anchors:
        for i, ch in enumerate(a.prefix):
            chars[a.start - len(a.prefix) + i] = ch
        for i, ch in enumerate(a.exact):
            chars[a.start + i] = ch
        for i, ch in enumerate(a.suffix):
            chars[a.end + i] = ch
    return "".join(chars)
