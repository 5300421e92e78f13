"""Vocabulary lint: every cokg: term in use is declared, every declared term is documented.

A misspelt term (`cokg:inPahse`) is not an error to any RDF parser or to SHACL (an unknown
property is just another property), so it would silently break queries. This lint finds it in
the ontology, the frameworks, data/, shapes/ and the saved SPARQL queries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from cokg import paths
from cokg.errors import InputError
from cokg.models import LintProblem
from cokg.namespaces import COKG, RDF, RDFS, SH, SKOS

NS = str(COKG)
_RDF_TYPE = ox.NamedNode(str(RDF.type))
_LABEL = ox.NamedNode(str(RDFS.label))
_DEFINITION = ox.NamedNode(str(SKOS.definition))


@dataclass(frozen=True)
class Source:
    """One file's contribution to the lint: its quads, or the terms found in SPARQL text."""

    file: Path
    role: str  # "ontology" (declares terms), "framework", "data", "shapes", "query"
    quads: tuple[ox.Quad, ...] = ()
    terms: tuple[tuple[str, int], ...] = ()  # (IRI, line) for SPARQL text


def used_terms(source: Source) -> dict[str, int | None]:
    """cokg: IRIs used in a source, with the line where known (SPARQL only)."""
    found: dict[str, int | None] = {}
    for iri, line in source.terms:
        found.setdefault(iri, line)
    for q in source.quads:
        for t in (q.subject, q.predicate, q.object, q.graph_name):
            if isinstance(t, ox.NamedNode):
                _add(found, t.value)
            elif isinstance(t, ox.Literal):
                _add(found, t.datatype.value)
    return found


def _add(found: dict[str, int | None], iri: str) -> None:
    if iri.startswith(NS) and len(iri) > len(NS):
        found.setdefault(iri, None)


def lint(sources: Sequence[Source]) -> list[LintProblem]:
    """Problems across all sources. Terms are declared (given an rdf:type) only by ontology
    sources; data, shapes and queries may only use them."""
    declared: dict[str, Path] = {}
    labelled: set[str] = set()
    defined: set[str] = set()
    for s in sources:
        if s.role != "ontology":
            continue
        for q in s.quads:
            subj = q.subject
            if not isinstance(subj, ox.NamedNode) or not subj.value.startswith(NS):
                continue
            if q.predicate == _RDF_TYPE:
                declared.setdefault(subj.value, s.file)
            elif q.predicate == _LABEL:
                labelled.add(subj.value)
            elif q.predicate == _DEFINITION:
                defined.add(subj.value)
    problems: list[LintProblem] = []
    for term, file in sorted(declared.items()):
        if term not in labelled:
            problems.append(LintProblem(_rel(file), term, "declared without rdfs:label"))
        if term not in defined:
            problems.append(LintProblem(_rel(file), term, "declared without skos:definition"))
    for s in sources:
        for term, line in sorted(used_terms(s).items()):
            if term not in declared:
                where = f" (line {line})" if line else ""
                problems.append(
                    LintProblem(_rel(s.file), term, f"not declared in the ontology{where}")
                )
    return problems


# --- SPARQL text --------------------------------------------------------------------------

# Tokens whose insides are not code: IRIs, strings (long forms first), comments.
_SKIP = re.compile(
    r"""(?P<iri><[^<>"{}|^`\\\s]*>)"""
    r'''|(?P<str>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\''''
    r"""|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')"""
    r"""|(?P<comment>\#[^\n]*)""",
    re.DOTALL,
)
_PREFIX_DECL = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
_PNAME = re.compile(
    r"(?<![\w?$:@^])([A-Za-z][\w.-]*)?:((?:[\w:\-]|%[0-9A-Fa-f]{2}|\\[^\s])(?:[\w.:\-]|%[0-9A-Fa-f]{2}|\\[^\s])*)"
)


def sparql_terms(
    text: str, *, default_prefixes: dict[str, str] | None = None
) -> list[tuple[str, int]]:
    """cokg: IRIs written in SPARQL text, as full IRIs and prefixed names, with line numbers."""
    prefixes = dict(default_prefixes or {"cokg": NS})
    for m in _PREFIX_DECL.finditer(text):
        prefixes[m.group(1) or ""] = m.group(2)
    out: list[tuple[str, int]] = []
    code: list[tuple[int, str]] = []  # (offset, code chunk between skipped tokens)
    pos = 0
    for m in _SKIP.finditer(text):
        code.append((pos, text[pos : m.start()]))
        pos = m.end()
        if m.group("iri"):
            iri = m.group("iri")[1:-1]
            if iri.startswith(NS) and len(iri) > len(NS):
                out.append((iri, text.count("\n", 0, m.start()) + 1))
    code.append((pos, text[pos:]))
    for offset, chunk in code:
        for m in _PNAME.finditer(chunk):
            ns = prefixes.get(m.group(1) or "")
            local = m.group(2).rstrip(".")
            if ns != NS or not local:
                continue
            local = re.sub(r"\\(.)", r"\1", local)
            out.append((NS + local, text.count("\n", 0, offset + m.start()) + 1))
    return out


def query_sources(folder: Path | None = None) -> list[Source]:
    """Every saved query (queries/**/*.rq) as a lint source."""
    folder = folder or paths.QUERIES_DIR
    if not folder.is_dir():
        return []
    out = []
    for f in sorted(folder.rglob("*.rq")):
        try:
            text = f.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8: byte offset {exc.start}", file=f) from None
        out.append(Source(f, "query", terms=tuple(sparql_terms(text))))
    return out


def unimported_modules(closure: Iterable[Path]) -> list[LintProblem]:
    """Module files that the umbrella's imports never reach: their terms would be invisible."""
    if not paths.MODULES_DIR.is_dir():
        return []
    reached = {Path(f).resolve() for f in closure}
    return [
        LintProblem(_rel(f), f.stem, "module file not reached by the owl:imports of the umbrella")
        for f in sorted(paths.MODULES_DIR.glob("*.ttl"))
        if f.resolve() not in reached
    ]


def _rel(file: Path) -> str:
    try:
        return str(Path(file).resolve().relative_to(paths.ROOT.resolve()))
    except ValueError:
        return str(file)


def shapes_sparql_terms(quads: Iterable[ox.Quad]) -> list[tuple[str, int]]:
    """cokg: IRIs inside SHACL-SPARQL constraint text (sh:select, sh:ask, ...)."""
    keys = {str(SH) + k for k in ("select", "ask", "construct", "update")}
    out: list[tuple[str, int]] = []
    for q in quads:
        if q.predicate.value in keys and isinstance(q.object, ox.Literal):
            out.extend(sparql_terms(q.object.value))
    return out


__all__ = [
    "Source",
    "lint",
    "query_sources",
    "shapes_sparql_terms",
    "sparql_terms",
    "unimported_modules",
    "used_terms",
]
