"""Validation of submissions against cokg's SHACL shapes. pyshacl lives here, and only here.

A submission (RDF files in any supported syntax, or a filled-in spreadsheet template) is checked
together with the ontology, the frameworks and only the part of the store it refers to: the
outgoing triples of every cokg IRI it mentions, the phase episodes of the cases it touches and
the records sharing one of its ids. Only the submission's own records are focus nodes, so the
store is never re-validated as a side effect.

Two engines give the same results (tests compare them on every fixture):

- "pyshacl": the reference. Always with our shapes graph, an rdflib Graph (never a string that
  pyshacl would take for a path or URL), no inference (RDFS inference hides sh:class
  violations), no owl:imports, no SHACL-AF or JS.
- "sparql": the shapes compiled to SPARQL SELECT queries (`compile_shapes`) run by pyoxigraph,
  used for whole-store validation (`validate_store`), which pyshacl cannot do at scale.

Alongside the shapes, every `queries/checks/*-violation.rq` query runs; each row is a finding at
the check's `#+ severity:` (default violation). Checks marked `#+ covered_by_shapes: true` are
skipped here: a shape reports the same thing (they still run in `cokg check` and `run_checks`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import re
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from cokg import paths
from cokg.errors import InputError, ParameterError
from cokg.models import ValidationReport, ValidationResult
from cokg.namespaces import (
    COKG,
    COKGID,
    PREFIXES,
    RDF,
    RDFS,
    SH,
    XSD,
    graph_iri,
    sparql_prologue,
)
from cokg.template import SHEETS, Origin

__all__ = [
    "ENGINES",
    "SUBMISSION_ID_MAX",
    "SUBMISSION_ID_PATTERN",
    "Origin",
    "Submission",
    "ValidationReport",
    "ValidationResult",
    "check_submission_id",
    "cokg_classes",
    "compile_shapes",
    "format_report",
    "ill_typed_literals",
    "lexical_problem",
    "read_submission",
    "replaced_graphs",
    "shapes_graph",
    "shapes_version",
    "store_neighbourhood",
    "submission_graph",
    "submission_id",
    "validate",
    "validate_store",
    "validate_submission",
]


class _DropCastNoise(logging.Filter):
    """rdflib logs a traceback for every literal it cannot convert to a Python value; cokg
    reports such literals itself, as violations, so the traceback is only noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to convert Literal lexical form")


logging.getLogger("rdflib.term").addFilter(_DropCastNoise())
warnings.filterwarnings("ignore", message="Parsing weird boolean", category=UserWarning)

ENGINES = ("pyshacl", "sparql")
SEVERITY = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}
SEVERITY_IRI = {v: k for k, v in SEVERITY.items()}
SPREADSHEET_SUFFIXES = (".xlsx", ".csv")
_TEMPLATE_CSV = {"README.csv", *(f"{sheet}.csv" for sheet in SHEETS)}


# --- submissions ---------------------------------------------------------------------------


@dataclass
class Submission:
    """What a steward submitted, read and converted to RDF but not yet validated."""

    files: tuple[Path, ...]
    graph: Graph
    origins: dict[Node, Origin] = field(default_factory=dict)
    problems: list[ValidationResult] = field(default_factory=list)  # spreadsheet cell errors
    warnings: tuple[str, ...] = ()

    @property
    def subjects(self) -> set[Node]:
        return set(self.graph.subjects())


def read_submission(
    items: Iterable[str | Path], *, progress: Callable[..., None] | None = None
) -> Submission:
    """Read files and folders: RDF files through cokg.load, an .xlsx workbook or a folder of
    template CSV files through cokg.template. Raises InputError for unusable input.

    Before anything is parsed, each file and the whole submission are held to
    COKG_MAX_SUBMISSION_MB (cokg.load.check_sizes); while parsing, the submission to
    COKG_MAX_SUBMISSION_TRIPLES. RDF is converted quad by quad as the parser yields it, with
    each distinct term made once, so memory stays near that of the rdflib graph itself.
    `progress(message, done, total)` is told what is being read."""
    from cokg import load, template

    say = progress or _quiet
    items = list(items)
    if not items:
        raise InputError("nothing to validate: give one or more files or folders")
    templates: list[Path] = []
    rdf_items: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir() and template.is_template_folder(p):
            templates.append(p)
        elif p.is_file() and p.suffix.lower() in SPREADSHEET_SUFFIXES:
            if p.suffix.lower() == ".csv":
                raise InputError(
                    "a single CSV file is not a submission: give the folder of template CSV "
                    "files (cases.csv, findings.csv, ...)",
                    file=p,
                )
            templates.append(p)
        else:
            rdf_items.append(p)
    rdf_files = load.expand_paths(rdf_items) if rdf_items else []
    sized = [
        f
        for t in templates
        for f in (sorted(t.glob("*.csv")) if t.is_dir() else [t])
        if f.name in _TEMPLATE_CSV or not t.is_dir()
    ]
    load.check_sizes([*sized, *rdf_files])  # refused from file sizes alone: nothing read yet
    max_triples = load.max_submission_triples()

    graph = Graph()
    origins: dict[Node, Origin] = {}
    problems: list[ValidationResult] = []
    warnings: list[str] = []
    files: list[Path] = []
    for t in templates:
        say(f"reading {t.name}")
        left = max(max_triples - len(graph), 1)
        conv = template.read_template(t, max_triples=left, progress=progress)
        files.extend(conv.files)
        for triple in conv.graph:
            graph.add(triple)
        for node, origin in conv.origins.items():
            origins.setdefault(node, origin)
        problems.extend(conv.problems)
    terms: dict[Any, Node] = {}  # one rdflib term per distinct term: ~30% less memory

    def term(t: Any) -> Node:
        node = terms.get(t)
        if node is None:
            node = terms[t] = _from_ox(t)
        return node

    total = len(graph)
    for i, f in enumerate(rdf_files, start=1):
        say(f"reading {f.name} ({i}/{len(rdf_files)})", i - 1, len(rdf_files))
        load_warnings: list[Any] = []
        origin = Origin(file=_display_name(f))  # frozen: one shared per file
        n = 0
        for q in load.iter_rdf(f, warnings=load_warnings):
            n += 1
            total += 1
            if total > max_triples:
                raise InputError(
                    f"the submission has more than {max_triples:,} triples (reached in this "
                    f"file); split it (one case per file) or raise {load.ENV_MAX_TRIPLES}",
                    file=f,
                )
            s = term(q.subject)
            graph.add((s, term(q.predicate), term(q.object)))
            if s not in origins:
                origins[s] = origin
            if n % 100_000 == 0:
                say(f"reading {f.name}: {n:,} triples", i - 1, len(rdf_files))
        if not n:
            raise InputError("no triples in file", file=f)
        files.append(f)
        warnings.extend(str(w) for w in load_warnings)
        if len(terms) > 1_000_000:  # the cache pays within a file's repeated terms
            terms.clear()
    if not len(graph) and not problems:
        raise InputError("no triples in the submission", file=", ".join(map(str, items)))
    return Submission(tuple(files), graph, origins, problems, tuple(warnings))


def _quiet(*_args: Any, **_kwargs: Any) -> None:
    """The progress callback when nobody listens."""


def _display_name(f: Path) -> str:
    try:
        return str(f.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(f)


def _from_ox(term: Any) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == str(XSD.string):
            return Literal(term.value)
        # normalize=False: keep the text as written ("yes"^^xsd:boolean would become "false",
        # a time zone would be dropped) so that what is checked is what was submitted
        return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)
    raise InputError(f"unsupported RDF term {term!r}")  # RDF-star triples, variables


def _to_ox(term: Node) -> Any:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term)) if re.fullmatch(r"[A-Za-z0-9_]+", term) else ox.BlankNode()
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise InputError(f"unsupported RDF term {term!r}")


# --- shapes, ontology, checks ----------------------------------------------------------------


def shape_files() -> list[Path]:
    return sorted(paths.SHAPES_DIR.glob("*.ttl"))


def shapes_version() -> str:
    """The version of the shapes: sha256 over the names and bytes of shapes/*.ttl."""
    h = hashlib.sha256()
    for f in shape_files():
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return "sha256:" + h.hexdigest()


@lru_cache(maxsize=4)
def _shapes_graph(version: str) -> Graph:
    from cokg import load

    g = Graph()
    for f in shape_files():
        for q in load.read_rdf(f).quads:
            g.add((_from_ox(q.subject), _from_ox(q.predicate), _from_ox(q.object)))
    if not len(g):
        raise InputError("no shapes found", file=paths.SHAPES_DIR)
    return g


def shapes_graph() -> Graph:
    """All shapes as one rdflib Graph (cached per shapes version)."""
    return _shapes_graph(shapes_version())


def _ontology_key() -> tuple:
    """Which ontology is in use: its folder and each file's size and time (cheap to compute),
    so the caches below follow a switch of project root or an edited ontology."""
    root = paths.ONTOLOGY_DIR
    files = sorted(f for f in root.rglob("*") if f.is_file()) if root.is_dir() else []
    return (str(root), *((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files))


@lru_cache(maxsize=4)
def _ontology_quads_for(key: tuple) -> tuple[tuple[Node, Node, Node], ...]:
    from cokg import load

    store = load.load_ontology(include_frameworks=True)
    return tuple((_from_ox(q.subject), _from_ox(q.predicate), _from_ox(q.object)) for q in store)


def _ontology_quads() -> tuple[tuple[Node, Node, Node], ...]:
    """Ontology modules + frameworks as triples (cached per ontology version)."""
    return _ontology_quads_for(_ontology_key())


@lru_cache(maxsize=4)
def _ontology_index_for(key: tuple) -> dict[Node, list]:
    by_subject: dict[Node, list] = {}
    for t in _ontology_quads_for(key):
        by_subject.setdefault(t[0], []).append(t)
    return by_subject


def _ontology_index() -> dict[Node, list]:
    return _ontology_index_for(_ontology_key())


def ontology_context(triples: Iterable[tuple[Node, Node, Node]]) -> list[tuple[Node, Node, Node]]:
    """The part of the ontology and frameworks a set of triples refers to: the triples about
    every term it mentions (types, scheme membership, labels), and the same for each of their
    superclasses, transitively (for sh:class and sh:targetClass through rdfs:subClassOf).
    Validating against this rather than the whole vocabulary gives the same results and keeps
    thousands of framework concepts out of the shapes' targets."""
    by_subject = _ontology_index()
    out: list[tuple[Node, Node, Node]] = []
    seen: set[Node] = set()
    todo = [t for trip in triples for t in trip if isinstance(t, URIRef)]
    while todo:
        term = todo.pop()
        if term in seen:
            continue
        seen.add(term)
        for t in by_subject.get(term, ()):
            out.append(t)
            if t[1] == RDFS.subClassOf and isinstance(t[2], URIRef):
                todo.append(t[2])
    return out


@dataclass(frozen=True)
class _Check:
    """A QC query as validation runs it: its name, SPARQL text and the severity of its rows."""

    name: str
    text: str
    severity: str = "violation"


def _check_queries() -> list[_Check]:
    """Every queries/checks/*-violation.rq that validation runs beside the shapes. A check whose
    header says `covered_by_shapes: true` is left out: a shape reports the same problem (the
    query stays for `cokg check` and researchers). Its `severity:` header (default violation)
    sets the severity of its rows, so warning-level checks do not fail a submission."""
    from cokg.query import SEVERITIES, parse_header

    if not paths.CHECKS_DIR.is_dir():
        return []
    out = []
    for f in sorted(paths.CHECKS_DIR.glob("*-violation.rq")):
        text = f.read_text(encoding="utf-8")
        header = parse_header(text, file=f)  # a check needs no header: defaults apply
        if header.get("covered_by_shapes") is True:
            continue
        severity = str(header.get("severity") or "violation")
        if severity not in SEVERITIES:
            raise InputError(f"QC query severity {severity!r} is not one of {SEVERITIES}", file=f)
        out.append(_Check(f.stem, text, severity))
    return out


# --- the store neighbourhood -------------------------------------------------------------------


def _values(var: str, terms: Iterable[Node]) -> str:
    # Terms come from a parsed RDF file (valid IRIs / literals) and are rendered by rdflib's
    # n3(), never pasted as raw strings.
    return f"VALUES ?{var} {{ {' '.join(t.n3() for t in terms)} }}"


def store_neighbourhood(
    store: Any,
    submission: Graph,
    *,
    exclude_graphs: Sequence[str] = (),
    chunk: int = 400,
    progress: Callable[..., None] | None = None,
) -> list[tuple[Node, Node, Node]]:
    """The part of `store` a submission refers to, as triples:

    - every triple whose subject is a cokgid: IRI the submission mentions (its 1-hop, CBD-like
      neighbourhood; enough for sh:class, informant-of-case and finding-of-case checks);
    - the phase episodes (with their triples) of every case the submission mentions;
    - the records that share a case id, quotation id (in the same case) or informant code.

    Graphs in `exclude_graphs` (the submission's own graph when it is being replaced) are left
    out, so a re-ingest does not collide with its previous version.
    """
    iris = sorted(
        {t for trip in submission for t in trip if isinstance(t, URIRef) and t.startswith(COKGID)}
    )
    excl = ""
    if exclude_graphs:
        excl = "FILTER (?g NOT IN (" + ", ".join(URIRef(g).n3() for g in exclude_graphs) + "))"
    out: list[tuple[Node, Node, Node]] = []
    pro = sparql_prologue()

    def run(q: str) -> None:
        res = store.query(pro + q, internal=True)
        for r in res.rows:
            out.append((r["s"], r["p"], r["o"]))

    for i in range(0, len(iris), chunk):
        if progress is not None:
            progress("looking up the records it refers to in the store", i, len(iris))
        part = iris[i : i + chunk]
        run(f"SELECT ?s ?p ?o WHERE {{ {_values('s', part)} GRAPH ?g {{ ?s ?p ?o }} {excl} }}")
        run(
            "SELECT ?s ?p ?o WHERE { "
            + _values("case", part)
            + " GRAPH ?g { ?s cokg:inCase ?case ; a cokg:PhaseEpisode . ?s ?p ?o } "
            + excl
            + " }"
        )
    ids = sorted(
        {o for p in (COKG.caseId, COKG.informantCode) for o in submission.objects(None, p)}, key=str
    )
    keep = ("VALUES ?p { rdf:type cokg:caseId cokg:quotationId cokg:informantCode "
            "cokg:aboutCase cokg:informantOf } ")  # fmt: skip
    for i in range(0, len(ids), chunk):
        part = ids[i : i + chunk]
        run(
            "SELECT ?s ?p ?o WHERE { " + _values("id", part)
            + " GRAPH ?g { ?s ?idp ?id . ?s ?p ?o } "
            + "VALUES ?idp { cokg:caseId cokg:informantCode } " + keep + excl + " }"
        )  # fmt: skip
    # Quotation ids repeat across cases (every case has a Q1): fetch the quotations of the
    # cases the submission's quotations are about (a case-indexed lookup), keep matching ids.
    pairs = {
        (qid, case)
        for q, qid in submission.subject_objects(COKG.quotationId)
        for case in submission.objects(q, COKG.aboutCase)
    }
    cases = sorted({c for _, c in pairs}, key=str)
    for i in range(0, len(cases), chunk):
        res = store.query(
            pro + "SELECT ?s ?id ?case ?t WHERE { " + _values("case", cases[i : i + chunk])
            + " GRAPH ?g { ?s cokg:aboutCase ?case ; cokg:quotationId ?id ; a ?t } "
            + excl + " }",
            internal=True,
        )  # fmt: skip
        for r in res.rows:
            if (r["id"], r["case"]) in pairs:
                out.extend(
                    [
                        (r["s"], RDF.type, r["t"]),
                        (r["s"], COKG.quotationId, r["id"]),
                        (r["s"], COKG.aboutCase, r["case"]),
                    ]
                )
    return out


# --- validation ---------------------------------------------------------------------------------


def validate(
    paths_: Iterable[str | Path],
    *,
    store: Any = None,
    engine: str = "sparql",
    exclude_graphs: Sequence[str] | None = None,
    checks: bool = True,
    progress: Callable[..., None] | None = None,
) -> ValidationReport:
    """Validate files/folders (RDF or spreadsheet template) against the shapes, the ontology,
    the frameworks and the part of `store` they reference. Raises InputError for unusable input.

    `exclude_graphs=None` leaves out the graphs the submission would replace: its submission
    graph, and for files under data/ the graph built from each (graph/<file stem>), so a
    corrected file is not compared with its own stale copy in the store.
    `progress(message, done=None, total=None)` is called as the work goes on (never prints).
    """
    paths_ = list(paths_)
    sub = read_submission(paths_, progress=progress)
    if exclude_graphs is None:
        exclude_graphs = replaced_graphs(paths_, sub)
    return validate_submission(
        sub,
        store=store,
        engine=engine,
        exclude_graphs=exclude_graphs,
        checks=checks,
        progress=progress,
    )


def _slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s or "submission"


# One pattern for every submission id: given with --id, made from file names, or named to
# `cokg retract`. It is part of graph IRIs, so nothing else may reach them.
SUBMISSION_ID_PATTERN = r"[a-z0-9]+(-[a-z0-9]+)*"
SUBMISSION_ID_MAX = 64
SUBMISSION_ID_RULE = (
    f"1-{SUBMISSION_ID_MAX} lower-case letters and digits, words joined by single hyphens, "
    f"e.g. riverside-2024 (pattern ^{SUBMISSION_ID_PATTERN}$)"
)


def check_submission_id(sid: str) -> str:
    """Return `sid` if it is a submission id, else raise ParameterError giving the rule."""
    if (
        not isinstance(sid, str)
        or len(sid) > SUBMISSION_ID_MAX
        or not re.fullmatch(SUBMISSION_ID_PATTERN, sid)
    ):
        raise ParameterError(f"{sid!r} is not a submission id: use {SUBMISSION_ID_RULE}")
    return sid


def submission_id(files: list[str | Path]) -> str:
    """A stable id from the submitted file (or folder) names: one name -> its slug
    ("dundee-mrr.ttl" -> "dundee-mrr"); several -> the first slug plus a short hash of all.
    Long names are shortened so the id fits SUBMISSION_ID_MAX."""
    names = sorted(Path(f).name for f in files)
    if not names:
        raise ParameterError("no files given")
    first = _slug(Path(names[0]).stem if "." in names[0] else names[0])
    if len(names) == 1:
        return check_submission_id(first[:SUBMISSION_ID_MAX].strip("-"))
    digest = hashlib.sha256("\0".join(names).encode()).hexdigest()[:8]
    return check_submission_id(f"{first[: SUBMISSION_ID_MAX - 9].strip('-')}-{digest}")


def submission_graph(sid: str) -> str:
    """The named graph of a submission: graph/submission/<id> (the id is checked)."""
    return graph_iri(f"submission/{check_submission_id(sid)}")


def replaced_graphs(items: Sequence[str | Path], sub: Submission) -> list[str]:
    """The named graphs that ingesting (or rebuilding) these inputs would replace."""
    out = [submission_graph(submission_id(list(items)))]
    data_dir = paths.DATA_DIR.resolve()
    for f in sub.files:
        if f.resolve().is_relative_to(data_dir):
            out.append(graph_iri(f.stem))
    return out


def validate_submission(
    sub: Submission,
    *,
    store: Any = None,
    engine: str = "sparql",
    exclude_graphs: Sequence[str] = (),
    checks: bool = True,
    progress: Callable[..., None] | None = None,
) -> ValidationReport:
    """Validate an already-read submission (see `validate`). `checks=False` leaves out the QC
    queries (queries/checks/*-violation.rq), giving the shapes' results alone.

    Beside the shapes, every literal is checked against the lexical form of its XSD datatype
    (whatever the property), and a submission holding no record cokg knows is a violation."""
    if engine not in ENGINES:
        raise ParameterError(f"unknown validation engine {engine!r}; use one of {ENGINES}")
    say = progress or _quiet
    t0 = time.perf_counter()
    union: list[tuple[Node, Node, Node]] = []
    if store is not None:
        say("looking up the records it refers to in the store")
        union.extend(
            store_neighbourhood(store, sub.graph, exclude_graphs=exclude_graphs, progress=say)
        )
    stored = _typed_records(union)
    union.extend(ontology_context(itertools.chain(sub.graph, union)))
    focus = sorted(sub.subjects, key=str)
    local = None
    if engine == "sparql" or checks:  # one local store for the shapes and the checks
        say("loading the submission for validation")
        local = _LocalQuery(_local_store(sub.graph, union))
    if engine == "pyshacl":
        say("validating with pySHACL")
        results = _run_pyshacl(sub.graph, union, focus)
    else:
        results = _run_sparql_local(sub.graph, union, focus, local=local, progress=say)
    if checks:
        results += _run_checks(sub.graph, union, set(focus), local=local, progress=say)
    say("checking literals")
    # compared by text: the SPARQL engine reports derived integer types as xsd:integer
    seen = {(r.focus_node, r.path, str(r.value)) for r in results}
    results += [
        r for r in ill_typed_literals(sub.graph) if (r.focus_node, r.path, str(r.value)) not in seen
    ]
    results = _dedupe(results)
    if results:  # labels for the records named in the report
        data = _label_graph(results, sub.graph, union)
        results = [_locate(r, sub, data) for r in results]
    results += list(sub.problems)
    if not _knows_a_record(sub, stored, have_store=store is not None):
        results.append(_no_record_result(sub))
    results.sort(key=_sort_key)
    conforms = not any(r.severity == "violation" for r in results)
    return ValidationReport(
        conforms=conforms,
        results=tuple(results),
        files=tuple(_display_name(f) for f in sub.files),
        triples=len(sub.graph),
        engine=engine,
        shapes_version=shapes_version(),
        seconds=time.perf_counter() - t0,
        warnings=sub.warnings,
    )


class _Graphs:
    """The submission and a few store triples read as one graph by `record_label` (which
    only asks for objects and values): labels without copying the submission."""

    def __init__(self, *graphs: Graph) -> None:
        self.graphs = graphs

    def objects(self, s: Node, p: Node) -> Iterator[Node]:
        for g in self.graphs:
            yield from g.objects(s, p)

    def value(self, s: Node, p: Node) -> Node | None:
        for g in self.graphs:
            v = g.value(s, p)
            if v is not None:
                return v
        return None


def _label_graph(
    results: Sequence[ValidationResult], graph: Graph, union: Sequence[tuple[Node, Node, Node]]
) -> Any:
    """What `record_label` reads for the records named in results: the submission itself and
    the store triples about those records and the cases they are about."""
    wanted = {r.focus_node for r in results if not isinstance(r.focus_node, Literal)}
    near = Graph()
    for _round in range(2):  # the records, then the cases they are about
        found = [t for t in union if t[0] in wanted]
        for t in found:
            near.add(t)
        wanted = {
            o
            for n in wanted
            for p in (COKG.aboutCase, COKG.inCase)
            for o in (*graph.objects(n, p), *near.objects(n, p))
        }
        if not wanted:
            break
    return _Graphs(graph, near)


# --- literals, and whether a submission is about anything cokg knows ---------------------------

_YEAR = r"-?(?:[1-9][0-9]{3,}|0[0-9]{3})"
_TZ = r"(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
_TIME = r"(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?|24:00:00(?:\.0+)?)"
_MD = r"(?P<m>[0-9]{2})-(?P<d>[0-9]{2})"
_DECIMAL = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_B64 = r"[A-Za-z0-9+/] ?"
# Lexical forms of the XSD datatypes (XML Schema 1.1 part 2), without surrounding whitespace.
# rdflib leaves gYear and friends unchecked and pyoxigraph stores any lexical form, so
# validation checks them itself; day-of-month and integer ranges are checked in Python.
_LEXICAL_FORMS: dict[URIRef, tuple[str, str]] = {
    XSD.boolean: (r"true|false|1|0", "true or false"),
    XSD.decimal: (_DECIMAL, "a number such as 3.25"),
    XSD.integer: (r"[+-]?[0-9]+", "a whole number such as 12"),
    XSD.float: (_DECIMAL + r"(?:[eE][+-]?[0-9]+)?|[+-]?INF|NaN", "a number such as 3.25 or 1e6"),
    XSD.double: (_DECIMAL + r"(?:[eE][+-]?[0-9]+)?|[+-]?INF|NaN", "a number such as 3.25 or 1e6"),
    XSD.gYear: (_YEAR + _TZ + "?", "a year such as 2015"),
    XSD.gYearMonth: (_YEAR + r"-(?P<m>[0-9]{2})" + _TZ + "?", "a year and month such as 2015-06"),
    XSD.date: (_YEAR + "-" + _MD + _TZ + "?", "a date such as 2015-06-24"),
    XSD.dateTime: (
        _YEAR + "-" + _MD + "T" + _TIME + _TZ + "?",
        "a date and time such as 2015-06-24T10:30:00Z",
    ),
    XSD.dateTimeStamp: (
        _YEAR + "-" + _MD + "T" + _TIME + _TZ,
        "a date and time with a time zone such as 2015-06-24T10:30:00Z",
    ),
    XSD.time: (_TIME + _TZ + "?", "a time such as 10:30:00"),
    XSD.gMonthDay: ("--" + _MD + _TZ + "?", "a month and day such as --06-24"),
    XSD.gMonth: (r"--(?P<m>[0-9]{2})" + _TZ + "?", "a month such as --06"),
    XSD.gDay: (r"---(?P<d>[0-9]{2})" + _TZ + "?", "a day of the month such as ---24"),
    XSD.duration: (
        r"-?P(?=[0-9T])(?:[0-9]+Y)?(?:[0-9]+M)?(?:[0-9]+D)?"
        r"(?:T(?=[0-9])(?:[0-9]+H)?(?:[0-9]+M)?(?:[0-9]+(?:\.[0-9]+)?S)?)?",
        "a duration such as P1Y2M or PT3H",
    ),
    XSD.yearMonthDuration: (
        r"-?P(?=[0-9])(?:[0-9]+Y)?(?:[0-9]+M)?",
        "a duration in years and months such as P1Y2M",
    ),
    XSD.dayTimeDuration: (
        r"-?P(?=[0-9T])(?:[0-9]+D)?(?:T(?=[0-9])(?:[0-9]+H)?(?:[0-9]+M)?"
        r"(?:[0-9]+(?:\.[0-9]+)?S)?)?",
        "a duration in days and time such as P2DT3H",
    ),
    XSD.hexBinary: (r"(?:[0-9a-fA-F]{2})*", "pairs of hexadecimal digits"),
    XSD.base64Binary: (
        rf"(?:(?:{_B64}){{4}})*(?:(?:{_B64}){{3}}[A-Za-z0-9+/]|(?:{_B64}){{2}}"
        rf"[AEIMQUYcgkosw048] ?=|{_B64}[AQgw] ?= ?=)?",
        "base64 text",
    ),
    XSD.language: (r"[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*", "a language tag such as en-GB"),
}
_INTEGER_RANGES: dict[URIRef, tuple[int | None, int | None]] = {
    XSD.nonNegativeInteger: (0, None),
    XSD.positiveInteger: (1, None),
    XSD.nonPositiveInteger: (None, 0),
    XSD.negativeInteger: (None, -1),
    XSD.long: (-(2**63), 2**63 - 1),
    XSD.int: (-(2**31), 2**31 - 1),
    XSD.short: (-(2**15), 2**15 - 1),
    XSD.byte: (-(2**7), 2**7 - 1),
    XSD.unsignedLong: (0, 2**64 - 1),
    XSD.unsignedInt: (0, 2**32 - 1),
    XSD.unsignedShort: (0, 2**16 - 1),
    XSD.unsignedByte: (0, 2**8 - 1),
}
_COMPILED_FORMS = {dt: re.compile(rx) for dt, (rx, _) in _LEXICAL_FORMS.items()}
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def lexical_problem(lexical: str, datatype: URIRef) -> str | None:
    """What a steward should write instead when `lexical` is not a valid form of `datatype`
    (an XSD datatype); None when it is valid or the datatype is not checked."""
    if datatype in _INTEGER_RANGES:
        lo, hi = _INTEGER_RANGES[datatype]
        bounds = f"at least {lo}" if hi is None else f"at most {hi}" if lo is None else ""
        bounds = bounds or f"from {lo} to {hi}"
        if not re.fullmatch(r"[+-]?[0-9]+", lexical):
            return f"a whole number {bounds}"
        value = int(lexical)
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            return f"a whole number {bounds}"
        return None
    rx = _COMPILED_FORMS.get(datatype)
    if rx is None:
        return None
    m = rx.fullmatch(lexical)
    hint = _LEXICAL_FORMS[datatype][1]
    if m is None:
        return hint
    groups = m.groupdict()
    month = int(groups["m"]) if groups.get("m") else None
    day = int(groups["d"]) if groups.get("d") else None
    if month is not None and not 1 <= month <= 12:
        return hint
    if day is not None:
        if not 1 <= day <= (_DAYS[month - 1] if month else 31):
            return hint
        if month == 2 and day == 29 and datatype in (XSD.date, XSD.dateTime, XSD.dateTimeStamp):
            year = int(re.match(r"-?[0-9]+", lexical).group())  # type: ignore[union-attr]
            if not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
                return hint
    return None


def ill_typed_literals(graph: Graph) -> list[ValidationResult]:
    """A violation for every literal whose text is not a valid form of its XSD datatype,
    whatever the property: `"twenty"^^xsd:gYear` is an error even outside cokg's shapes."""
    verdicts: dict[tuple[str, URIRef], str | None] = {}
    out = []
    for s, p, o in graph:
        if not isinstance(o, Literal) or o.datatype is None or not o.datatype.startswith(XSD):
            continue
        key = (str(o), o.datatype)
        if key not in verdicts:
            verdicts[key] = lexical_problem(*key)
        hint = verdicts[key]
        if hint is None:
            continue
        out.append(
            ValidationResult(
                severity="violation",
                focus_node=s,
                path=p,
                constraint_component=SH.DatatypeConstraintComponent,
                source_shape=None,
                message=f"{_short(p)} {str(o)!r} is not a valid {_short(o.datatype)}: write {hint}",
                value=o,
            )
        )
    return out


@lru_cache(maxsize=4)
def _cokg_classes_for(key: tuple) -> frozenset[Node]:
    kinds = {URIRef("http://www.w3.org/2002/07/owl#Class"), RDFS.Class}
    return frozenset(
        s
        for s, p, o in _ontology_quads_for(key)
        if p == RDF.type and o in kinds and isinstance(s, URIRef) and s.startswith(COKG)
    )


def cokg_classes() -> frozenset[Node]:
    """The classes the cokg ontology declares (in its own namespace)."""
    return _cokg_classes_for(_ontology_key())


def _typed_records(triples: Iterable[tuple[Node, Node, Node]]) -> set[Node]:
    classes = cokg_classes()
    return {s for s, p, o in triples if p == RDF.type and o in classes}


def _knows_a_record(sub: Submission, stored: set[Node], *, have_store: bool) -> bool:
    """Whether a submission holds a record cokg knows: a subject typed with a cokg class, or a
    statement about a record of the store (a supplement). Without a store to ask, a subject
    in cokg's own id space (cokgid:) is taken to be one."""
    classes = cokg_classes()
    if any(o in classes for o in sub.graph.objects(None, RDF.type)):
        return True
    for subject in sub.graph.subjects(unique=True):
        if subject in stored:
            return True
        if not have_store and isinstance(subject, URIRef) and subject.startswith(COKGID):
            return True
    return bool(sub.problems)  # a template whose rows were refused is reported as such


def _no_record_result(sub: Submission) -> ValidationResult:
    names = ", ".join(_display_name(f) for f in sub.files)
    return ValidationResult(
        severity="violation",
        focus_node=Literal("submission"),
        path=None,
        constraint_component=None,
        source_shape=None,
        message="holds no record cokg knows: no subject is typed with a class of the cokg "
        "ontology (e.g. a cokg:Case, cokg:Finding, cokg:Organisation) and none is a record "
        "already in the store; type each record with its cokg class, or describe an existing "
        "record by its cokgid: IRI",
        file=names or None,
    )


def validate_store(
    store: Any, *, checks: bool = True, workers: int | None = None
) -> ValidationReport:
    """Re-validate everything in a store with the shapes compiled to SPARQL (and the QC checks),
    run by the store itself on `workers` threads (default: one per CPU; more only contend).
    Ontology and frameworks must be in the store (`cokg build`)."""
    workers = workers or os.cpu_count() or 2
    t0 = time.perf_counter()
    vocabulary = _ontology_index()  # the ontology's own terms are not records to validate
    jobs: list[tuple[str, Any]] = [(c.query, c) for c in compile_shapes()]
    if checks:
        jobs += [(c.text, c) for c in _check_queries()]
    # Queries are independent; pyoxigraph releases the GIL while evaluating, so a few threads
    # overlap them (1.5x on two cores at 1M triples). The costly ones (SPARQL constraints, the
    # batched cardinality passes) go first so that no long query is left alone at the end.
    jobs.sort(key=_job_cost, reverse=True)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        answers = list(pool.map(lambda job: store.query(job[0], internal=True), jobs))
    results: list[ValidationResult] = []
    for (_, what), res in zip(jobs, answers, strict=True):
        for row in res.rows:
            r = (
                what.result(row)
                if isinstance(what, CompiledConstraint)
                else _check_result(what, row)
            )
            if r.focus_node not in vocabulary:
                results.append(r)
    results = _dedupe(results)
    results.sort(key=_sort_key)
    return ValidationReport(
        conforms=not any(r.severity == "violation" for r in results),
        results=tuple(results),
        files=(),
        triples=store.count(),
        engine="sparql",
        shapes_version=shapes_version(),
        seconds=time.perf_counter() - t0,
    )


def _job_cost(job: tuple[str, Any]) -> int:
    """A rough rank of a whole-store query's cost, for scheduling (not for results)."""
    what = job[1]
    if not isinstance(what, CompiledConstraint):
        return 1  # a QC check
    if what.component == SH.SPARQLConstraintComponent or what.variants:
        return 2
    return 0


def _dedupe(results: list[ValidationResult]) -> list[ValidationResult]:
    seen: set[tuple] = set()
    out = []
    for r in results:
        k = (
            r.focus_node,
            r.path,
            r.constraint_component,
            r.source_shape,
            r.value,
            r.source_constraint,
        )
        if k not in seen:
            seen.add(k)
            out.append(r)
    return out


def _sort_key(r: ValidationResult) -> tuple:
    sev = {"violation": 0, "warning": 1, "info": 2}.get(r.severity, 3)
    return (r.file or "", r.row or 0, str(r.focus_node), sev, str(r.path), str(r.source_shape))


# --- engine 1: pyshacl ------------------------------------------------------------------------


def _run_pyshacl(
    submission: Graph, union: list[tuple[Node, Node, Node]], focus: list[Node]
) -> list[ValidationResult]:
    from pyshacl import validate as shacl_validate

    data = Graph()
    for t in union:
        data.add(t)
    for t in submission:
        data.add(t)
    if not focus:
        return []
    _conforms, report, text = shacl_validate(
        data,
        shacl_graph=shapes_graph(),
        inference="none",
        advanced=False,
        js=False,
        do_owl_imports=False,
        allow_warnings=True,
        allow_infos=True,
    )
    if not isinstance(report, Graph):  # pyshacl found the shapes themselves unusable
        raise InputError(f"the shapes cannot be used: {text}", file=paths.SHAPES_DIR)
    wanted = set(focus)
    return [r for r in results_from_report(report) if r.focus_node in wanted]


def results_from_report(report: Graph) -> list[ValidationResult]:
    """The results of a standard SHACL validation report graph."""
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        msg = report.value(r, SH.resultMessage)
        out.append(
            ValidationResult(
                severity=SEVERITY.get(report.value(r, SH.resultSeverity), "violation"),
                focus_node=report.value(r, SH.focusNode),
                path=report.value(r, SH.resultPath),
                constraint_component=report.value(r, SH.sourceConstraintComponent),
                source_shape=report.value(r, SH.sourceShape),
                message=str(msg) if msg is not None else "",
                value=report.value(r, SH.value),
                source_constraint=_named(report.value(r, SH.sourceConstraint)),
            )
        )
    return out


def _named(node: Node | None) -> Node | None:
    return node if isinstance(node, URIRef) else None


# --- engine 2: shapes compiled to SPARQL --------------------------------------------------------

_LEXICAL = {  # datatypes rdflib checks on parse: an ill-formed literal fails sh:datatype there
    XSD.integer: r"^[+-]?[0-9]+$",
    XSD.nonNegativeInteger: r"^(\+?[0-9]+|-0+)$",
    XSD.positiveInteger: r"^\+?0*[1-9][0-9]*$",
    XSD.boolean: r"^(true|false|1|0)$",
    XSD.date: r"^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})?$",
    XSD.dateTime: r"^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?$",
}


# On a SPARQL constraint: the same check written set-based (MINUS, aggregates) for the SPARQL
# engine, where per-focus-node NOT EXISTS is slow; `$target` is replaced by the focus nodes.
# SHACL forbids MINUS and VALUES in sh:select itself, so the two texts live side by side and
# tests check that both give the same results.
STORE_SELECT = URIRef("https://w3id.org/cokg/shapes#storeSelect")

# Oxigraph canonicalises literals of the derived integer types to xsd:integer, so the SPARQL
# engine cannot tell "1"^^xsd:integer from "1"^^xsd:positiveInteger; it checks the value range.
_INTEGER_SUBTYPES = {XSD.nonNegativeInteger, XSD.positiveInteger}


@dataclass(frozen=True)
class CompiledConstraint:
    """One shape constraint as a SPARQL SELECT returning ?this (?value) (?path) per violation."""

    query: str
    severity: str
    component: URIRef
    source_shape: Node
    path: Node | None
    message: str
    source_constraint: Node | None = None
    # batched queries: (?ps, ?comp) of a row -> the constraint that row violates
    variants: Mapping[tuple[Node | None, Node | None], CompiledConstraint] = field(
        default_factory=dict
    )

    def result(self, row: Mapping[str, Node | None]) -> ValidationResult:
        if self.variants:
            one = self.variants[(row.get("ps"), row.get("comp"))]
            return one.result({k: v for k, v in row.items() if k not in ("ps", "comp")})
        value = row.get("value")
        path = row.get("path") or self.path
        msg = self.message
        for k, v in row.items():
            if v is not None:
                msg = msg.replace("{?" + k + "}", _short(v)).replace("{$" + k + "}", _short(v))
        return ValidationResult(
            severity=self.severity,
            focus_node=row["this"],
            path=path,
            constraint_component=self.component,
            source_shape=self.source_shape,
            message=msg,
            value=value,
            source_constraint=self.source_constraint,
        )


def _lit_str(node: Node | None) -> str:
    return str(node) if node is not None else ""


def _regex(pattern: str, flags: str = "") -> str:
    return Literal(pattern).n3() + (", " + Literal(flags).n3() if flags else "")


def _value_test(shapes: Graph, shape: Node, v: str) -> list[tuple[URIRef, str]]:
    """(component, SPARQL boolean expression that is TRUE when `v` violates it)."""
    out: list[tuple[URIRef, str]] = []
    dt = shapes.value(shape, SH.datatype)
    if dt is not None:
        if dt in _INTEGER_SUBTYPES:  # Oxigraph stores these as xsd:integer
            bad = f"(!isLiteral({v}) || datatype({v}) NOT IN ({dt.n3()}, xsd:integer)"
        else:
            bad = f"(!isLiteral({v}) || datatype({v}) != {dt.n3()}"
        if dt in _LEXICAL:
            bad += f" || !REGEX(STR({v}), {_regex(_LEXICAL[dt])})"
        out.append((SH.DatatypeConstraintComponent, bad + ")"))
    for pat in shapes.objects(shape, SH.pattern):
        flags = _lit_str(shapes.value(shape, SH.flags))
        out.append(
            (
                SH.PatternConstraintComponent,
                f"(isBlank({v}) || !REGEX(STR({v}), {_regex(str(pat), flags)}))",
            )
        )
    kind = shapes.value(shape, SH.nodeKind)
    if kind is not None:
        test = {
            SH.IRI: f"!isIRI({v})",
            SH.Literal: f"!isLiteral({v})",
            SH.BlankNode: f"!isBlank({v})",
            SH.BlankNodeOrIRI: f"isLiteral({v})",
            SH.IRIOrLiteral: f"isBlank({v})",
            SH.BlankNodeOrLiteral: f"isIRI({v})",
        }[kind]
        out.append((SH.NodeKindConstraintComponent, test))
    cls = shapes.value(shape, SH["class"])
    if cls is not None:  # the ontology's subclass closure, listed: cheaper than a path
        classes = ", ".join(c.n3() for c in _subclasses(cls))
        out.append(
            (
                SH.ClassConstraintComponent,
                f"NOT EXISTS {{ {v} rdf:type ?cls_ FILTER (?cls_ IN ({classes})) }}",
            )
        )
    lst = shapes.value(shape, SH["in"])
    if lst is not None:
        members = ", ".join(m.n3() for m in Collection(shapes, lst))
        out.append((SH.InConstraintComponent, f"({v} NOT IN ({members}))"))
    orl = shapes.value(shape, SH["or"])
    if orl is not None:
        alts = []
        for alt in Collection(shapes, orl):
            tests = [t for _, t in _value_test(shapes, alt, v)]
            alts.append("(" + (" || ".join(tests) if tests else "false") + ")")
        out.append((SH.OrConstraintComponent, "(" + " && ".join(alts) + ")"))
    notl = shapes.value(shape, SH["not"])
    if notl is not None:
        tests = [t for _, t in _value_test(shapes, notl, v)]
        out.append(
            (SH.NotConstraintComponent, "!(" + (" || ".join(tests) if tests else "false") + ")")
        )
    return out


def _subclasses(cls: Node) -> list[Node]:
    """`cls` and every class below it in the ontology (rdfs:subClassOf*)."""
    children: dict[Node, set[Node]] = {}
    for s, p, o in _ontology_quads():
        if p == RDFS.subClassOf:
            children.setdefault(o, set()).add(s)
    out, todo = [], [cls]
    while todo:
        c = todo.pop()
        if c not in out:
            out.append(c)
            todo.extend(sorted(children.get(c, ()), key=str))
    return out


def _targets(shapes: Graph, shape: Node) -> list[str]:
    """Graph patterns binding ?this to the focus nodes of a shape. Class targets use the
    ontology's subclass closure as a VALUES list: much cheaper than a property path."""
    out = []
    for c in shapes.objects(shape, SH.targetClass):
        classes = " ".join(x.n3() for x in _subclasses(c))
        out.append(f"VALUES ?type {{ {classes} }} ?this rdf:type ?type .")
    for p in shapes.objects(shape, SH.targetSubjectsOf):
        out.append(f"?this {p.n3()} [] .")
    for p in shapes.objects(shape, SH.targetObjectsOf):
        out.append(f"[] {p.n3()} ?this .")
    for n in shapes.objects(shape, SH.targetNode):
        out.append(f"BIND ({n.n3()} AS ?this)")
    return out


def _is_target(tgt: str) -> str:
    """A filter keeping the rows whose (already bound) ?this is a focus node of `tgt`."""
    m = re.fullmatch(r"BIND \((.*) AS \?this\)", tgt)
    if m:  # a target node: BIND cannot rebind ?this inside EXISTS
        return f"FILTER (sameTerm(?this, {m.group(1)}))"
    return f"FILTER EXISTS {{ {tgt} }}"


@lru_cache(maxsize=4)
def _compile(version: str, ontology: tuple) -> tuple[CompiledConstraint, ...]:
    shapes = shapes_graph()
    pro = sparql_prologue()
    out: list[CompiledConstraint] = []
    for shape in sorted(shapes.subjects(RDF.type, SH.NodeShape), key=str):
        targets = _targets(shapes, shape)
        if not targets:
            continue
        sev = SEVERITY.get(shapes.value(shape, SH.severity), "violation")
        for tgt in targets:
            target = f"{{ SELECT DISTINCT ?this WHERE {{ {tgt} }} }}"
            is_target = _is_target(tgt)
            # node-level constraints (sh:not, sh:class ... directly on the node shape)
            for comp, test in _value_test(shapes, shape, "?this"):
                out.append(
                    CompiledConstraint(
                        query=f"{pro}SELECT DISTINCT ?this (?this AS ?value) "
                        f"WHERE {{ {target} FILTER ({test}) }}",
                        severity=sev,
                        component=comp,
                        source_shape=shape,
                        path=None,
                        message=_lit_str(shapes.value(shape, SH.message)),
                    )
                )
            out.extend(_compile_properties(shapes, shape, target, is_target, pro))
            for sc in shapes.objects(shape, SH.sparql):
                out.extend(_compile_sparql(shapes, shape, sc, tgt, target, pro, sev))
    return tuple(out)


def compile_shapes() -> tuple[CompiledConstraint, ...]:
    """Every constraint of the shapes as a SPARQL query over the union default graph."""
    return _compile(shapes_version(), _ontology_key())


def _compile_properties(
    shapes: Graph, shape: Node, target: str, is_target: str, pro: str
) -> list[CompiledConstraint]:
    """Queries for the property shapes of one node shape: one pass over the shape's focus
    nodes for every sh:minCount 1, one for every sh:maxCount 1 (a self-join), one for other
    maximum counts, and one query per value check (datatype, pattern, class, in, or, ...)."""
    out: list[CompiledConstraint] = []
    mins: dict[tuple, CompiledConstraint] = {}
    maxs: dict[tuple, CompiledConstraint] = {}
    min_rows: list[str] = []
    max_rows: list[str] = []
    max1_rows: list[str] = []
    for ps in sorted(shapes.objects(shape, SH.property), key=str):
        path = shapes.value(ps, SH.path)
        if not isinstance(path, URIRef):
            raise InputError(f"only predicate paths are supported (shape {ps})")
        sev = SEVERITY.get(shapes.value(ps, SH.severity), "violation")
        msg = _lit_str(shapes.value(ps, SH.message))
        p = path.n3()

        def one(comp: URIRef, query: str = "", ps: Node = ps, path: Node = path,
                sev: str = sev, msg: str = msg) -> CompiledConstraint:  # fmt: skip
            return CompiledConstraint(query, sev, comp, ps, path, msg)

        mn = shapes.value(ps, SH.minCount)
        if mn is not None and int(mn) == 1:
            min_rows.append(f"({ps.n3()} {p})")
            mins[(ps, None)] = one(SH.MinCountConstraintComponent)
        elif mn is not None and int(mn) > 1:
            out.append(one(SH.MinCountConstraintComponent,
                           f"{pro}SELECT ?this WHERE {{ {target} OPTIONAL {{ ?this {p} ?v }} }} "
                           f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {int(mn)})"))  # fmt: skip
        mx = shapes.value(ps, SH.maxCount)
        if mx is not None and int(mx) == 1:  # two different values: no aggregation needed
            max1_rows.append(f"({ps.n3()} {p})")
            maxs[(ps, None)] = one(SH.MaxCountConstraintComponent)
        elif mx is not None:
            max_rows.append(f"({ps.n3()} {p} {int(mx)})")
            maxs[(ps, None)] = one(SH.MaxCountConstraintComponent)
        # value checks: one query each, the predicate's triples first and the test on them,
        # then whether the (few) failing subjects are focus nodes: a scan of the predicate's
        # index instead of one lookup per focus node (7x faster at 1M for an sh:in; measured
        # faster than one query per shape with a long FILTER that dispatches on the constraint)
        # sh:class is an anti-join (MINUS: one hash of the class's instances) rather than a
        # NOT EXISTS lookup per value (0.14 s -> 0.02 s for a finding's case at 1M). Other
        # tests that look up triples (sh:class inside sh:or / sh:not) start from the focus
        # nodes.
        for comp, test in _value_test(shapes, ps, "?value"):
            cls = shapes.value(ps, SH["class"])
            if comp == SH.ClassConstraintComponent and cls is not None:
                classes = " ".join(c.n3() for c in _subclasses(cls))
                q = (f"{pro}SELECT ?this ?value WHERE {{ {{ SELECT ?this ?value WHERE "
                     f"{{ ?this {p} ?value MINUS {{ VALUES ?cls_ {{ {classes} }} "
                     f"?value rdf:type ?cls_ }} }} GROUP BY ?this ?value }} "
                     f"{is_target} }}")  # fmt: skip
            elif "EXISTS" in test:
                q = (f"{pro}SELECT DISTINCT ?this ?value WHERE {{ {target} "
                     f"?this {p} ?value FILTER ({test}) }}")  # fmt: skip
            else:
                q = (f"{pro}SELECT ?this ?value WHERE {{ {{ SELECT ?this ?value WHERE "
                     f"{{ ?this {p} ?value FILTER ({test}) }} GROUP BY ?this ?value }} "
                     f"{is_target} }}")  # fmt: skip
            out.append(one(comp, q))
    if max1_rows:
        q = (f"{pro}SELECT DISTINCT ?this ?ps WHERE {{ {target} "
             f"VALUES (?ps ?p) {{ {' '.join(max1_rows)} }} ?this ?p ?v1 . ?this ?p ?v2 . "
             f"FILTER (!sameTerm(?v1, ?v2)) }}")  # fmt: skip
        out.append(CompiledConstraint(q, "", SH.Shape, shape, None, "", variants=maxs))
    if min_rows:
        q = (f"{pro}SELECT ?this ?ps WHERE {{ {target} VALUES (?ps ?p) {{ {' '.join(min_rows)} }} "
             f"FILTER NOT EXISTS {{ ?this ?p ?v }} }}")  # fmt: skip
        out.append(CompiledConstraint(q, "", SH.Shape, shape, None, "", variants=mins))
    if max_rows:
        q = (f"{pro}SELECT ?this ?ps WHERE {{ {target} "
             f"VALUES (?ps ?p ?max) {{ {' '.join(max_rows)} }} ?this ?p ?v }} "
             f"GROUP BY ?this ?ps ?max HAVING (COUNT(DISTINCT ?v) > ?max)")  # fmt: skip
        out.append(CompiledConstraint(q, "", SH.Shape, shape, None, "", variants=maxs))
    return out


def _compile_sparql(
    shapes: Graph, shape: Node, sc: Node, tgt: str, target: str, pro: str, sev: str
) -> list[CompiledConstraint]:
    """A SPARQL-based constraint: its cokgsh:storeSelect queries when it has them (their
    results are united), else its sh:select with the focus nodes joined in first."""
    queries = [
        str(q).replace("$targetPattern", tgt).replace("$target", target).replace("$this", "?this")
        for q in sorted(shapes.objects(sc, STORE_SELECT), key=str)
    ]
    if not queries:
        select = str(shapes.value(sc, SH.select)).replace("$this", "?this")
        m = re.search(r"\bWHERE\s*\{", select, re.IGNORECASE)
        if m is None:
            raise InputError(f"SPARQL constraint {sc} has no WHERE clause")
        queries = [select[: m.end()] + f" {target} " + select[m.end() :]]
    return [
        CompiledConstraint(
            query=pro + q,
            severity=SEVERITY.get(shapes.value(sc, SH.severity), sev),
            component=SH.SPARQLConstraintComponent,
            source_shape=shape,
            path=None,
            message=_lit_str(shapes.value(sc, SH.message)),
            source_constraint=sc if isinstance(sc, URIRef) else None,
        )
        for q in queries
    ]


def _local_store(submission: Graph, union: Iterable[tuple[Node, Node, Node]]) -> ox.Store:
    st = ox.Store()
    st.extend(ox.Quad(_to_ox(s), _to_ox(p), _to_ox(o)) for s, p, o in union)
    st.extend(ox.Quad(_to_ox(s), _to_ox(p), _to_ox(o)) for s, p, o in submission)
    return st


class _LocalQuery:
    """Store-like query() over an in-memory pyoxigraph store (default graph only)."""

    def __init__(self, st: ox.Store) -> None:
        self.st = st

    def rows(self, sparql: str) -> list[dict[str, Node | None]]:
        res = self.st.query(sparql)
        names = [v.value for v in res.variables]
        return [{n: (None if s[n] is None else _from_ox(s[n])) for n in names} for s in res]


def _run_sparql_local(
    submission: Graph,
    union: list[tuple[Node, Node, Node]],
    focus: list[Node],
    *,
    local: _LocalQuery | None = None,
    progress: Callable[..., None] = _quiet,
) -> list[ValidationResult]:
    q = local or _LocalQuery(_local_store(submission, union))
    wanted = set(focus)
    out = []
    constraints = compile_shapes()
    for i, c in enumerate(constraints):
        if i % 10 == 0:
            progress("checking the shapes", i, len(constraints))
        for row in q.rows(c.query):
            if row.get("this") in wanted:
                out.append(c.result(row))
    return out


def _run_checks(
    submission: Graph,
    union: list[tuple[Node, Node, Node]],
    focus: set[Node],
    *,
    local: _LocalQuery | None = None,
    progress: Callable[..., None] = _quiet,
) -> list[ValidationResult]:
    checks = _check_queries()
    if not checks:
        return []
    q = local or _LocalQuery(_local_store(submission, union))
    out = []
    for i, check in enumerate(checks):
        progress("running the quality checks", i, len(checks))
        try:
            rows = q.rows(check.text)
        except (SyntaxError, OSError, ValueError) as exc:
            raise InputError(f"QC query {check.name} cannot run: {exc}") from None
        for row in rows:
            r = _check_result(check, row)
            if r.focus_node in focus:
                out.append(r)
    return out


def _check_result(check: _Check, row: Mapping[str, Node | None]) -> ValidationResult:
    """A row of a QC query: the first IRI is the record; a `message` column is the message."""
    name = check.name
    focus = next((v for v in row.values() if isinstance(v, URIRef)), None)
    msg = row.get("message")
    return ValidationResult(
        severity=check.severity,
        focus_node=focus if focus is not None else Literal(name),
        path=None,
        constraint_component=None,
        source_shape=None,
        message=str(msg) if msg is not None else f"QC check {name} flags this record",
        source_constraint=Literal(name),
    )


# --- mapping results back to records -------------------------------------------------------------


def _short(node: Node) -> str:
    if isinstance(node, URIRef):
        s = str(node)
        best = None
        for prefix, ns in PREFIXES.items():
            if s.startswith(ns) and (best is None or len(ns) > len(PREFIXES[best])):
                best = prefix
        if best is not None:
            return f"{best}:{s[len(PREFIXES[best]) :]}"
        return f"<{s}>"
    return str(node)


_CLASS_WORDS = {
    COKG.Quotation: "quotation",
    COKG.Case: "case",
    COKG.Informant: "informant",
    COKG.CrossCaseFinding: "finding",
    COKG.NarrativeFinding: "finding",
    COKG.Finding: "finding",
    COKG.PhaseEpisode: "phase episode",
    COKG.Event: "event",
    COKG.Organisation: "organisation",
    COKG.RoleAssignment: "role",
    COKG.Document: "document",
}


def record_label(node: Node, g: Graph) -> str:
    """A short human name for a record: 'quotation Q7 of case dundee-mrr', 'case dundee-mrr'.
    `g` needs only `objects(s, p)` and `value(s, p)`."""
    types = set(g.objects(node, RDF.type))
    word = next((w for c, w in _CLASS_WORDS.items() if c in types), None)
    if word is None and types:
        t = sorted(types, key=str)[0]
        local = re.split(r"[#/]", str(t))[-1]
        word = re.sub(r"(?<!^)(?=[A-Z])", " ", local).lower()
    ident = (
        g.value(node, COKG.quotationId)
        or g.value(node, COKG.caseId)
        or g.value(node, COKG.informantCode)
        or g.value(node, RDFS.label)
    )
    if ident is None and isinstance(node, URIRef) and node.startswith(COKGID):
        ident = str(node)[len(COKGID) :].rsplit("/", 1)[-1]
    label = f"{word or 'record'} {ident if ident is not None else _short(node)}"
    case = g.value(node, COKG.aboutCase) or g.value(node, COKG.inCase)
    if case is not None and COKG.Case not in types:
        cid = g.value(case, COKG.caseId)
        if cid is None and isinstance(case, URIRef):
            cid = str(case).rsplit("/", 1)[-1]
        label += f" of case {cid}"
    return label


def _locate(r: ValidationResult, sub: Submission, g: Any) -> ValidationResult:
    origin = sub.origins.get(r.focus_node)
    msg = r.message
    for node in (r.value, r.focus_node):  # pyshacl writes whole IRIs into SPARQL messages
        if isinstance(node, URIRef):
            msg = msg.replace(f"<{node}>", _short(node)).replace(str(node), _short(node))
    value = _short(r.value) if r.value is not None else None
    if value is not None:
        msg = msg.replace("{$value}", value)
    else:
        msg = msg.replace(" '{$value}'", "").replace("'{$value}' ", "").replace("{$value}", "")
    msg = msg.replace("{$this}", _short(r.focus_node))
    if r.path is not None:
        msg = msg.replace("{$path}", _short(r.path))
    msg = _cardinality_prefix(r) + msg
    column = None
    if origin is not None and r.path is not None:
        column = origin.columns.get(str(r.path))
    label = origin.label if origin is not None and origin.label else record_label(r.focus_node, g)
    return replace(
        r,
        message=msg,
        record_label=label,
        file=origin.file if origin else r.file,
        row=origin.row if origin else r.row,
        column=column,
    )


def _cardinality_prefix(r: ValidationResult) -> str:
    if r.constraint_component == SH.MinCountConstraintComponent:
        return f"missing {_short(r.path)}: " if r.path is not None else "missing value: "
    return ""


# --- reports ---------------------------------------------------------------------------------


def format_report(report: ValidationReport, fmt: str = "text") -> str:
    """The report as text for people ("text"), JSON ("json") or a SHACL report graph ("ttl")."""
    if fmt == "json":
        return json.dumps(_report_json(report), indent=2, ensure_ascii=False) + "\n"
    if fmt == "ttl":
        return report_graph(report).serialize(format="turtle")
    return _report_text(report)


def _where(r: ValidationResult) -> str:
    where = r.file or "store"
    if r.row is not None:
        where += f" row {r.row}"
    if r.record_label:
        where += f" ({r.record_label})"
    return where


def _report_text(report: ValidationReport) -> str:
    lines: list[str] = []
    for w in report.warnings:
        lines.append(f"note: {w}")
    for r in report.results:
        sev = "" if r.severity == "violation" else f"{r.severity}: "
        col = f"column {r.column}: " if r.column else ""
        check = (
            f" [check {r.source_constraint}]" if isinstance(r.source_constraint, Literal) else ""
        )
        lines.append(f"{_where(r)}: {sev}{col}{r.message}{check}")
    n_v = sum(r.severity == "violation" for r in report.results)
    n_w = sum(r.severity == "warning" for r in report.results)
    n_i = len(report.results) - n_v - n_w
    counts = f"{n_v} violation{'s' * (n_v != 1)}, {n_w} warning{'s' * (n_w != 1)}"
    if n_i:
        counts += f", {n_i} info"
    what = (
        f"{len(report.files)} file{'s' * (len(report.files) != 1)}" if report.files else "the store"
    )
    verdict = "conforms" if report.conforms else "does not conform"
    lines.append(f"{what}, {report.triples} triples: {verdict} ({counts})")
    return "\n".join(lines) + "\n"


def _report_json(report: ValidationReport) -> dict[str, Any]:
    def term(n: Node | None) -> str | None:
        return None if n is None else str(n)

    return {
        "conforms": report.conforms,
        "engine": report.engine,
        "shapes_version": report.shapes_version,
        "files": list(report.files),
        "triples": report.triples,
        "results": [
            {
                "severity": r.severity,
                "focus_node": term(r.focus_node),
                "path": term(r.path),
                "value": term(r.value),
                "constraint_component": term(r.constraint_component),
                "source_shape": term(r.source_shape),
                "source_constraint": term(r.source_constraint),
                "message": r.message,
                "record": r.record_label,
                "file": r.file,
                "row": r.row,
                "column": r.column,
            }
            for r in report.results
        ],
    }


def report_graph(report: ValidationReport) -> Graph:
    """The report as a standard SHACL validation report graph."""
    g = Graph()
    g.bind("sh", SH)
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    rep = BNode()
    g.add((rep, RDF.type, SH.ValidationReport))
    g.add((rep, SH.conforms, Literal(report.conforms)))
    for r in report.results:
        n = BNode()
        g.add((rep, SH.result, n))
        g.add((n, RDF.type, SH.ValidationResult))
        g.add((n, SH.resultSeverity, SEVERITY_IRI.get(r.severity, SH.Violation)))
        g.add((n, SH.focusNode, r.focus_node))
        g.add((n, SH.resultMessage, Literal(r.message)))
        for p, v in (
            (SH.resultPath, r.path),
            (SH.value, r.value),
            (SH.sourceConstraintComponent, r.constraint_component),
            (SH.sourceShape, r.source_shape),
            (SH.sourceConstraint, r.source_constraint),
        ):
            if v is not None:
                g.add((n, p, v))
    return g
