"""Frozen dataclasses shared across cokg: results that library functions return.

This module imports no heavy library at run time (rdflib appears only in type hints), so
any module, including the CLI, may import it cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from rdflib.term import Node, URIRef


@dataclass(frozen=True)
class QueryResult:
    """The answer to one SPARQL query, whatever store ran it."""

    kind: Literal["select", "ask", "graph"]
    variables: list[str] = field(default_factory=list)  # select only
    # select: rdflib URIRef/Literal/BNode per variable; an unbound variable maps to None
    rows: list[dict[str, Node | None]] = field(default_factory=list)
    boolean: bool | None = None  # ask only
    triples: list[tuple[Node, Node, Node]] | None = None  # construct/describe only
    # select: rows of the answer after `rows`, counted but not converted (a store's `keep`)
    unread: int = 0
    # the store cut the answer at its result limit (a served store's `--limit`): rows or
    # triples are missing, uncounted
    truncated: bool = False


@dataclass(frozen=True)
class LoadWarning:
    """Something in an input file that was read but deliberately not acted on."""

    file: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class LintProblem:
    """An undeclared cokg: term, or a declared term without rdfs:label / skos:definition."""

    file: str
    term: str  # full IRI (a module name for a module file outside the imports)
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.term}: {self.problem}"


@dataclass(frozen=True)
class UnsatisfiableClass:
    """A class the reasoner proved can have no members (equivalent to owl:Nothing)."""

    iri: str
    label: str | None = None

    def __str__(self) -> str:
        return f"{self.label} <{self.iri}>" if self.label else f"<{self.iri}>"


@dataclass(frozen=True)
class CheckReport:
    """The result of `cokg check`: OWL reasoning over the vocabulary plus the vocabulary lint."""

    files: tuple[str, ...]  # files that were checked, relative to the project root where possible
    reasoner: str  # e.g. "HermiT (owlready2 0.51)"
    consistent: bool
    inconsistency: str | None = None  # the reasoner's explanation when not consistent
    unsatisfiable: tuple[UnsatisfiableClass, ...] = ()
    lint: tuple[LintProblem, ...] = ()
    warnings: tuple[LoadWarning, ...] = ()
    data_individuals: int = 0  # data individuals given to the reasoner (0 = TBox only)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.consistent and not self.unsatisfiable and not self.lint


@dataclass(frozen=True)
class ValidationResult:
    """One problem found in a submission (fields as in a SHACL validation result)."""

    severity: str  # "violation" | "warning" | "info"
    focus_node: Node
    path: Node | None
    constraint_component: URIRef | None
    source_shape: Node | None
    message: str
    record_label: str | None = None
    file: str | None = None
    row: int | None = None
    column: str | None = None
    value: Node | None = None
    source_constraint: Node | None = None


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validating a submission (or the whole store)."""

    conforms: bool
    results: tuple[ValidationResult, ...] = ()
    files: tuple[str, ...] = ()
    triples: int = 0
    engine: str = "pyshacl"
    shapes_version: str = ""
    seconds: float = 0.0
    warnings: tuple[str, ...] = ()

    @property
    def violations(self) -> tuple[ValidationResult, ...]:
        return tuple(r for r in self.results if r.severity == "violation")


@dataclass(frozen=True)
class RdfDocument:
    """One parsed RDF file: its quads (pyoxigraph.Quad) and what was noticed while reading."""

    path: Path
    format: str  # "turtle", "trig", "n-triples", "n-quads", "json-ld", "rdf-xml"
    quads: list = field(default_factory=list)  # list[pyoxigraph.Quad]
    warnings: tuple[LoadWarning, ...] = ()

    def __iter__(self):  # so a document can stand where a list of quads is expected
        return iter(self.quads)

    def __len__(self) -> int:
        return len(self.quads)


__all__ = [
    "CheckReport",
    "LintProblem",
    "LoadWarning",
    "QueryResult",
    "RdfDocument",
    "UnsatisfiableClass",
    "ValidationReport",
    "ValidationResult",
]
