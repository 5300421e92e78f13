"""Reading a submission (RDF files, folders, spreadsheet templates) into one graph, and its id."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph
from rdflib.term import Node

from cokg import load, paths, template
from cokg.errors import InputError, ParameterError
from cokg.models import ValidationResult
from cokg.namespaces import COKG, COKGID, RDF, graph_iri
from cokg.slugs import slug
from cokg.template import SHEETS, Origin
from cokg.terms import TermMemo

SPREADSHEET_SUFFIXES = (".xlsx", ".csv")
_TEMPLATE_CSV = {"README.csv", *(f"{sheet}.csv" for sheet in SHEETS)}


@dataclass
class Submission:
    """What a steward submitted, read and converted to RDF but not yet validated."""

    files: tuple[Path, ...]
    graph: Graph
    origins: dict[Node, Origin] = field(default_factory=dict)
    problems: list[ValidationResult] = field(default_factory=list)  # spreadsheet cell errors
    warnings: tuple[str, ...] = ()
    gone: set[Node] = field(default_factory=set)  # records of dropped rows (Conversion.gone)
    # (record, property) -> the statements- or comments-sheet row stating it
    # (Conversion.statement_origins)
    statement_origins: dict[tuple[Node, Node], Origin] = field(default_factory=dict)

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
    say = progress or quiet
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
        if f"{template.sheet_name(f.stem)}.csv" in _TEMPLATE_CSV or not t.is_dir()
    ]
    load.check_sizes([*sized, *rdf_files])  # refused from file sizes alone: nothing read yet
    max_triples = load.max_submission_triples()

    graph = Graph()
    origins: dict[Node, Origin] = {}
    problems: list[ValidationResult] = []
    gone: set[Node] = set()
    statement_origins: dict[tuple[Node, Node], Origin] = {}
    warnings: list[str] = []
    files: list[Path] = []
    for t in templates:
        say(f"reading {t.name}")
        left = max(max_triples - len(graph), 1)
        # several templates (es2/ bad/): each file is named with its folder, as given
        conv = template.read_template(
            t, max_triples=left, progress=progress, name_folder=len(items) > 1
        )
        files.extend(conv.files)
        for triple in conv.graph:
            graph.add(triple)
        for node, origin in conv.origins.items():
            origins.setdefault(node, origin)
        problems.extend(conv.problems)
        gone |= conv.gone
        statement_origins.update(conv.statement_origins)
    term = TermMemo(as_written=True)  # one rdflib term per distinct term: ~30% less memory

    total = len(graph)
    for i, f in enumerate(rdf_files, start=1):
        say(f"reading {f.name} ({i}/{len(rdf_files)})", i - 1, len(rdf_files))
        load_warnings: list[Any] = []
        origin = Origin(file=display_name(f))  # frozen: one shared per file
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
            s = term[q.subject]
            graph.add((s, term[q.predicate], term[q.object]))
            if s not in origins:
                origins[s] = origin
            if n % 100_000 == 0:
                say(f"reading {f.name}: {n:,} triples", i - 1, len(rdf_files))
        if not n:
            raise InputError("no triples in file", file=f)
        files.append(f)
        warnings.extend(str(w) for w in load_warnings)
        if len(term) > 1_000_000:  # the memo pays within a file's repeated terms
            term = TermMemo(as_written=True)
    if not len(graph) and not problems:
        raise InputError("no triples in the submission", file=", ".join(map(str, items)))
    return Submission(
        tuple(files), graph, origins, problems, tuple(warnings), gone, statement_origins
    )


def quiet(*_args: Any, **_kwargs: Any) -> None:
    """The progress callback when nobody listens."""


def display_name(f: Path) -> str:
    """A file as reports name it: relative to the working folder when it is inside it."""
    try:
        return str(f.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(f)


# --- submission ids and the graphs a submission replaces --------------------------------------

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


def case_ids(graph: Graph) -> list[str]:
    """The ids of the cases a submission describes (cokg:caseId, else the IRI's last segment),
    as submission-id slugs, sorted and without repeats."""
    out: set[str] = set()
    for case in graph.subjects(RDF.type, COKG.Case):
        ids = [str(v) for v in graph.objects(case, COKG.caseId)]
        if not ids and str(case).startswith(str(COKGID["case/"])):
            ids = [str(case)[len(str(COKGID["case/"])) :]]
        out.update(slug(i) for i in ids if slug(i) != "submission")
    return sorted(out)


def submission_id(files: Sequence[str | Path], graph: Graph | None = None) -> str:
    """A stable id for a submission. From the case ids in it when it describes cases (one case
    -> its id, "dundee-mrr"; several -> the first id plus a short hash of all), so the same case
    always lands in the same graph whatever the files are called or how many there are.
    Without cases (shared records alone, supplements) from the submitted file (or folder)
    names (`cokg.slugs.slug`: "Organismes Québec – été" -> "organismes-quebec-ete"): one name
    -> its slug ("dundee-mrr.ttl" -> "dundee-mrr"); several -> the first slug plus a short hash
    of all. Long ids are shortened to fit SUBMISSION_ID_MAX."""
    cases = case_ids(graph) if graph is not None else []
    if cases:
        return _joined(cases, cases[0])
    names = _names(files)
    return _joined(names, slug(_stem(names[0])))


def legacy_submission_id(files: Sequence[str | Path], graph: Graph | None = None) -> str | None:
    """The id earlier versions of cokg gave this submission, when it is not the one it gets
    now: made from file or folder names with accented letters dropped ("Organismes Québec"
    -> "organismes-qu-bec"). A submission stored under it is this one, stored before."""
    from cokg.slugs import legacy_slug

    if graph is not None and case_ids(graph):
        return None  # case ids are plain ASCII: their ids never changed
    names = _names(files)
    old = _joined(names, legacy_slug(_stem(names[0])))
    return old if old != submission_id(files, graph) else None


def _names(files: Sequence[str | Path]) -> list[str]:
    names = sorted(Path(f).name for f in files)
    if not names:
        raise ParameterError("no files given")
    return names


def _joined(names: list[str], first: str) -> str:
    """One name's id, or the first one's with a short hash of all."""
    if len(names) == 1:
        return check_submission_id(first[:SUBMISSION_ID_MAX].strip("-"))
    digest = hashlib.sha256("\0".join(names).encode()).hexdigest()[:8]
    return check_submission_id(f"{first[: SUBMISSION_ID_MAX - 9].strip('-')}-{digest}")


def _stem(name: str) -> str:
    """A file's name without its extension ("organisations.csv"), a folder's as it is."""
    return Path(name).stem if "." in name else name


def submission_graph(sid: str) -> str:
    """The named graph of a submission: graph/submission/<id> (the id is checked)."""
    return graph_iri(f"submission/{check_submission_id(sid)}")


def replaced_graphs(items: Sequence[str | Path], sub: Submission) -> list[str]:
    """The named graphs that ingesting (or rebuilding) these inputs would replace."""
    out = [submission_graph(submission_id(list(items), sub.graph))]
    data_dir = paths.DATA_DIR.resolve()
    for f in sub.files:
        if f.resolve().is_relative_to(data_dir):
            out.append(graph_iri(f.stem))
    return out
