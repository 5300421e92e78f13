"""Importing a coded REFI-QDA project: read it, convert it, and ingest it like any submission.

`import_qdpx(path, by=...)` reads the project (cokg.qda.reading), the steward's case map
(CSV/TSV: case_name, case_id), informant map (source_name, informant_code) and SSSOM mapping
set, converts them (cokg.qda.converting) into one Turtle file in a folder (a temporary one, or
`out`), and hands that file to `cokg.ingest.ingest`: validation, the all-or-nothing write,
provenance and `replace` are the ones every submission gets. With `dry_run` it validates and
counts, and writes nothing to the store.

The submission id is the project's (`qda-<slug of its name>`, or `submission`). An unchanged
project is not written again: the report says 0 triples were added. A changed one replaces the
stored project only with `replace`, as a submission holding another's records does; the refusal
says who stored that project when, and the records the import would remove from it (another
team's project of the same name has the same id: it needs an id of its own).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cokg.errors import InputError, ParameterError, ValidationFailed
from cokg.qda.converting import (
    Conversion,
    convert_project,
    legacy_project_id,
    project_id,
    store_context,
)
from cokg.store.datatypes import INTEGER_TYPES
from cokg.template.cells import cell_text, text_encoding

__all__ = ["ImportReport", "import_qdpx", "read_map", "render_import"]

CASE_COLUMNS = ("case_name", "case_id")
INFORMANT_COLUMNS = ("source_name", "informant_code")
_MAX_MAP_BYTES = 10 * 2**20


@dataclass(frozen=True)
class ImportReport:
    """What an import did (or, with dry_run, would do)."""

    file: str
    submission_id: str
    graph: str
    origin: str | None
    offset_rule: str | None
    conversion: Conversion
    triples: int  # in the submission
    added: int  # written to the store: 0 for a dry run or an unchanged project
    dry_run: bool
    unchanged: bool  # the store already holds exactly this submission
    replaced: bool = False
    warnings: tuple[str, ...] = ()  # the conversion's (the validation's are in `validation`)
    written: str | None = None  # the Turtle file, when kept (`out`)
    validation: Any = None  # cokg.models.ValidationReport
    ingest: Any = None  # cokg.ingest.IngestReport
    extra: dict[str, Any] = field(default_factory=dict)


# --- the maps ------------------------------------------------------------------------------------


def read_map(path: str | Path, columns: tuple[str, str]) -> dict[str, str]:
    """A two-column map (CSV, or TSV by suffix or by a tab in the header, or separated by
    semicolons as its header is) with a header row naming `columns` (other columns are
    ignored). Strict UTF-8 (a BOM is fine) or UTF-16 with its mark, no ragged rows, no empty
    cells, no name given two values. Raises InputError naming file and line; a file a
    spreadsheet program saved in its own encoding is told how to save it as the template
    reader tells it (one steward, one advice)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", file=p) from None
    if len(raw) > _MAX_MAP_BYTES:
        raise InputError(f"over {_MAX_MAP_BYTES // 2**20} MB: not a map", file=p)
    # the template's reading: UTF-8, or UTF-16 with its mark (Excel's Unicode Text); NUL
    # bytes and text that does not decode refused with the line and advice
    text = raw.decode(text_encoding(p))
    first = text.split("\n", 1)[0]
    tab = p.suffix.lower() in (".tsv", ".tab") or ("\t" in first and "," not in first)
    # the "CSV" of a spreadsheet program set to a language with decimal commas, read as the
    # template reads it: the header, naming the columns, settles the separator
    semicolon = not tab and ";" in first and "," not in first
    rows = csv.reader(
        io.StringIO(text, newline=""), delimiter="\t" if tab else ";" if semicolon else ","
    )
    try:
        header = [h.strip() for h in next(rows)]
    except StopIteration:
        raise InputError(f"empty: give a header row {','.join(columns)}", file=p) from None
    except csv.Error as exc:
        raise InputError(f"not CSV: {exc}", file=p, line=1) from None
    missing = [c for c in columns if c not in header]
    if missing:
        raise InputError(
            f"the header row needs the columns {', '.join(columns)} (missing: "
            f"{', '.join(missing)}; found: {', '.join(header) or 'nothing'})",
            file=p,
            line=1,
        )
    key, value = (header.index(c) for c in columns)
    out: dict[str, str] = {}
    try:
        for cells in rows:
            line = rows.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise InputError(
                    f"{len(cells)} cells where the header has {len(header)}", file=p, line=line
                )
            # as the template reads a cell (NFC: a map saved decomposed, as some macOS tools
            # write, named no case the project's NFC names matched)
            name, target = cell_text(cells[key]).strip(), cell_text(cells[value]).strip()
            if not name or not target:
                raise InputError(f"{columns[0]} and {columns[1]} are both required", file=p,
                                 line=line)  # fmt: skip
            if out.get(name, target) != target:
                raise InputError(
                    f"{name!r} is mapped twice ({out[name]!r} and {target!r})", file=p, line=line
                )
            out[name] = target
    except csv.Error as exc:
        raise InputError(f"not CSV: {exc}", file=p, line=rows.line_num) from None
    return out


# --- the import ------------------------------------------------------------------------------


def import_qdpx(
    path: str | Path,
    *,
    by: str,
    cases: str | Path | None = None,
    codes: str | Path | None = None,
    informants: str | Path | None = None,
    phase: str | None = None,
    offsets: str | None = None,
    include_text: bool = False,
    coder_names: bool = False,
    dry_run: bool = False,
    replace: bool = False,
    store: Any = None,
    out: str | Path | None = None,
    submission: str | None = None,
    engine: str = "sparql",
    progress: Callable[..., None] | None = None,
    wait: float | None = None,
) -> ImportReport:
    """Import a REFI-QDA project (.qdpx, or a bare .qde) as one submission.

    `cases`: CSV/TSV mapping QDA case names to stored case ids (columns case_name, case_id;
    without it every QDA case name must itself be a stored case id). `codes`: an SSSOM TSV
    mapping the project's codes to framework concepts. `informants`: CSV/TSV (source_name,
    informant_code) for sources that name no informant themselves. `phase`: the phase of
    sources that give none. `offsets`: the unit the selection offsets count in (a key of
    cokg.qda.reading.OFFSET_RULES), for a project whose origin and selection names cannot tell
    (its passages are refused otherwise). `store`: an open Store or a store spec. `out`: keep the
    submission's Turtle file in this folder. Raises InputError (unusable input, with every
    problem in `.problems`), ParameterError (a changed project without `replace`),
    ValidationFailed (with `.report`), StoreError."""
    from cokg.ingest import (
        ingest,
        other_id_command,
        records_a_reingest_removes,
        stored_by,
        stored_subjects,
        submission_graph,
    )
    from cokg.qda.reading import read_project
    from cokg.validate.reading import display_name

    if not dry_run and (not by or not by.strip()):
        raise ParameterError("say who is importing: --by NAME")
    say = progress or (lambda *_a, **_k: None)
    src = Path(path)
    shown = display_name(src)
    say(f"reading {src.name}")
    project = read_project(src, offset_rule=offsets)
    if project.kind != "project":
        raise InputError("a codebook (.qdc) holds no coded texts: export the project", file=src)
    case_map = read_map(cases, CASE_COLUMNS) if cases is not None else None
    informant_map = read_map(informants, INFORMANT_COLUMNS) if informants is not None else {}
    mappings: list[Any] = []
    if codes is not None:
        from cokg.linking.sssom import read_sssom

        mappings = list(read_sssom(codes).mappings)
    pid = submission or project_id(project, src.stem)
    # the id earlier versions gave the project (accents dropped): its records may be there
    earlier = None if submission else legacy_project_id(project, src.stem)
    graph_iri = submission_graph(pid)

    with _reading(store) as st:
        say("looking up the cases, informants and constructs it refers to")
        context = store_context(st)
        say("converting the project")

        def convert(context: Any) -> Conversion:
            return convert_project(
                project,
                pid=pid,
                context=context,
                cases=case_map,
                mappings=mappings,
                informants=informant_map,
                phase=phase,
                include_text=include_text,
                coder_names=coder_names,
                file=shown,
                mapping_file=display_name(Path(codes)) if codes is not None else None,
            )

        conv = convert(context)
        if replace:
            # informants stored only in the graphs this import replaces go with them: the
            # project states them itself (referred to as stored, they "did not exist")
            from cokg.ingest import record_holders, record_iris

            doomed = {graph_iri, *record_holders(st, record_iris(conv.graph), exclude=[graph_iri])}
            staying = {k: i for k, i in context.informants.items() if not set(i.graphs) <= doomed}
            if len(staying) != len(context.informants):
                conv = convert(dataclasses.replace(context, informants=staying))
        stored = _stored_graph(st, graph_iri)
        who = stored_by(st, graph_iri) if stored is not None else ""
        # a project coding a text the stored one codes is a new version of it, not another
        # team's project of the same name: it goes under the stored id (its codes and findings
        # are named after the id, so any project of that name shares those)
        version = stored is not None and bool(_texts(conv.graph) & stored_subjects(st, graph_iri))
        # the records a changed project would remove from the one stored under its id (a
        # record it refers to stays: a replace states it again)
        removed = (
            records_a_reingest_removes(
                st, graph_iri, conv.graph, [shown], kept=conv.graph.objects(), project=True,
                version=version,
            )
            if stored is not None and not replace
            else []
        )  # fmt: skip
    unchanged = stored is not None and stored == _as_stored(conv.graph)
    report = ImportReport(
        file=shown,
        submission_id=pid,
        graph=graph_iri,
        origin=project.origin,
        offset_rule=project.offset_rule,
        conversion=conv,
        triples=len(conv.graph),
        added=0,
        dry_run=dry_run,
        unchanged=unchanged,
        warnings=tuple(conv.warnings),
    )
    if unchanged and not dry_run:
        return report
    differs = stored is not None and not unchanged and not replace
    # A changed project replaces the stored one only with --replace. It may be another team's
    # project of the same name as well as a new version: the steward is told whose it is.
    why = f"the project differs from the one stored as submission {pid} ({who}): " + (
        "run again with --replace to replace it (under another id it would hold the same "
        "records twice, which is refused)"
        if version
        else "it shares no record with it; if it is another project (another team's of the "
        f"same name, say), give it an id of its own: {other_id_command([shown], project=True)}; "
        "if it is to replace that project whole, run again with --replace"
    )
    if removed:
        why = removed[0].message
    if differs and not dry_run:
        raise ParameterError(why, file=shown)
    with _folder(out) as folder:
        ttl = folder / f"{pid}.ttl"
        _write_turtle(conv, ttl)
        kept = str(ttl) if out is not None else None
        if dry_run:
            from cokg.ingest import cases_a_replace_removes, provenance_graph_for, stored_records
            from cokg.validate import validate

            own = [graph_iri, provenance_graph_for(pid)]
            with _reading(store) as st:
                # as ingest would see it: the graphs holding records of this project are
                # left out (replaced, or the import refused), and each is named
                held = _held_elsewhere(st, conv, own, replace=replace, earlier=earlier,
                                       shown=shown)  # fmt: skip
                validation = validate(
                    [ttl], store=st, engine=engine, progress=progress,
                    exclude_graphs=[*own, *held, *(provenance_graph_for(g.rsplit("/", 1)[-1])
                                                   for g in held)],
                )  # fmt: skip
                # and, replacing, the cases the replace would remove, as ingest refuses them
                lost = (
                    cases_a_replace_removes(st, [graph_iri, *held], conv.graph, [shown])
                    if replace
                    else []
                )
                # refused (held elsewhere, no --replace): "does not exist" about a record
                # stored in a graph left out of the check echoes that, no problem of its own
                echo = (
                    stored_records(st, (r.value for r in validation.results))
                    if held and not replace
                    else set()
                )
            validation = _renamed(validation, ttl, shown)
            # the refusal the import itself would give first (a dry run said "conforms")
            refused = ([*removed] or [_refusal(pid, why, shown)]) if differs else []
            found = (*refused, *held.values(), *lost)
            rest = tuple(r for r in validation.results if r.value not in echo)
            validation = dataclasses.replace(
                validation,
                results=(*found, *rest),
                conforms=validation.conforms and not any(r.severity == "violation" for r in found),
            )
            return dataclasses.replace(report, validation=validation, written=kept)
        try:
            rep = ingest(
                [ttl], by=by, store=store, submission=pid, replace=replace, engine=engine,
                progress=progress, wait=wait, earlier_id=earlier,
                # the project file, not the Turtle it was converted to (a folder: the Turtle)
                made_from=[src] if src.is_file() else [],
            )  # fmt: skip
        except ValidationFailed as exc:
            failed = _renamed(exc.report, ttl, shown, earlier)  # type: ignore[attr-defined]
            new = ValidationFailed(exc.message, file=shown)
            new.report = failed  # type: ignore[attr-defined]
            raise new from None
    validation = _renamed(rep.validation, ttl, shown)
    return dataclasses.replace(
        report,
        added=rep.triples,
        replaced=rep.replaced,
        validation=validation,
        ingest=rep,
        written=kept,
    )


def _texts(graph: Any) -> set[Any]:
    """The coded texts a converted project holds (named by their text's hash)."""
    from cokg.namespaces import COKG, RDF

    return set(graph.subjects(RDF.type, COKG.CodedText))


class _reading:
    """The store to read from: the one given (left open), or one opened for reading."""

    def __init__(self, store: Any) -> None:
        self.given = store if store is not None and hasattr(store, "query") else None
        self.spec = None if self.given is not None else store
        self.opened: Any = None

    def __enter__(self) -> Any:
        if self.given is not None:
            return self.given
        from cokg.store import open_for_reading

        self.opened = open_for_reading(self.spec)
        return self.opened

    def __exit__(self, *exc: object) -> None:
        if self.opened is not None:
            self.opened.close()


class _folder:
    """`out` (created), or a temporary folder removed afterwards."""

    def __init__(self, out: str | Path | None) -> None:
        self.out = Path(out) if out is not None else None
        self.tmp: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> Path:
        if self.out is not None:
            self.out.mkdir(parents=True, exist_ok=True)
            return self.out
        self.tmp = tempfile.TemporaryDirectory(prefix="cokg-qda-")
        return Path(self.tmp.name)

    def __exit__(self, *exc: object) -> None:
        if self.tmp is not None:
            self.tmp.cleanup()


def _write_turtle(conv: Conversion, path: Path) -> None:
    """The submission as Turtle, written by the store's serialiser (sorted, so the same
    project gives the same bytes; rdflib's took half the import's time at 300 codings)."""
    from cokg.store import serialize_quads
    from cokg.terms import graph_node, triples_to_quads

    quads = triples_to_quads(graph_node("urn:cokg:qda:submission"), conv.graph)
    header = (
        f"# cokg submission {conv.project_id}: a coded QDA project converted by "
        "`cokg import-qdpx`.\n"
    ).encode()
    path.write_bytes(header + serialize_quads(quads, "ttl"))


def _as_stored(graph: Any) -> frozenset[Any]:
    """The triples as the store would give them back (literals in canonical form)."""
    from cokg.store import MemoryStore

    tmp = MemoryStore()
    try:
        tmp.replace_graphs({"urn:cokg:qda:compare": graph})
        return _triples(tmp.export(format="nt", graph_iris=["urn:cokg:qda:compare"]))
    finally:
        tmp.close()


def _stored_graph(store: Any, graph: str) -> frozenset[Any] | None:
    if graph not in store.graphs():
        return None
    return _triples(store.export(format="nt", graph_iris=[graph]))


# An export gives integer values their declared type back (xsd:nonNegativeInteger); the store,
# and a graph put through it, hold xsd:integer: compared as the store holds them.
_NARROW_INTEGER = re.compile(
    r"\^\^<http://www\.w3\.org/2001/XMLSchema#(?:"
    + "|".join(sorted(INTEGER_TYPES, key=len, reverse=True))
    + r")>"
)


def _triples(data: bytes) -> frozenset[Any]:
    return frozenset(
        _NARROW_INTEGER.sub("^^<http://www.w3.org/2001/XMLSchema#integer>", line)
        for line in data.decode("utf-8").splitlines()
        if line.strip()
    )


def _renamed(report: Any, ttl: Path, shown: str, earlier: str | None = None) -> Any:
    """Results naming the project file rather than the intermediate Turtle file (and, when the
    project's records are stored under `earlier`, its earlier id, the import to run)."""
    from cokg.ingest import earlier_id_advice, shell_args

    if report is None:
        return None
    names = {str(ttl), ttl.name}
    from cokg.validate.reading import display_name

    names.add(display_name(ttl))
    # ingest's advice names the intermediate file: the steward runs the import again instead
    advice = f"`cokg ingest --replace --by NAME --id {_report_id(ttl)} {shell_args([ttl])}`"
    pid = _report_id(ttl)
    said = {
        advice: "`cokg import-qdpx --replace` with the same options (which replaces that "
        "submission whole)"
    }
    if earlier:
        said[earlier_id_advice(earlier, pid, f"--id {pid} {shell_args([ttl])}")] = (
            earlier_id_advice(earlier, pid, shell_args([shown]), project=True)
        )
    results = []
    for r in report.results:
        message = r.message
        for old, new in said.items():
            message = message.replace(old, new)
        results.append(
            dataclasses.replace(r, file=shown if r.file in names else r.file, message=message)
        )
    return dataclasses.replace(report, results=tuple(results), files=(shown,))


def _report_id(ttl: Path) -> str:
    """The submission id an intermediate file is ingested under (its stem)."""
    return ttl.stem


_SHOWN_ALIKE = 3  # results with one message: this many shown, the rest counted


def _lines(report: Any) -> list[str]:
    """The validation results, one line each; of many with the same message (a passage of an
    unmapped code supports no finding: one per passage) the first few and a count."""
    from cokg.validate.report import result_line

    if report is None:
        return []
    alike: dict[tuple[str, str], int] = {}
    out = []
    for r in report.results:
        key = (r.severity, r.message)
        alike[key] = alike.get(key, 0) + 1
        if alike[key] <= _SHOWN_ALIKE:
            out.append(result_line(r))
    for (severity, message), n in alike.items():
        if n > _SHOWN_ALIKE:
            more = n - _SHOWN_ALIKE
            hint = (
                ": map the project's codes to framework constructs with --codes (`cokg "
                "suggest-mappings PROJECT OUT.sssom.tsv` starts the file)"
                if "supports no finding" in message
                else ""
            )
            out.append(f"{severity}: and {more:,} more with the same {severity}{hint}")
    return out


# --- the text the command prints ---------------------------------------------------------------


def render_import(report: ImportReport) -> str:
    """`cokg import-qdpx`: the warnings, then what was (or would be) stored, per case."""
    c = report.conversion
    unmapped = [w for w in report.warnings if "is not mapped to a framework construct" in w]
    shown = set(unmapped[:_SHOWN_ALIKE])
    out = [f"warning: {w}" for w in report.warnings if w in shown or w not in unmapped]
    if len(unmapped) > _SHOWN_ALIKE:
        out.append(
            f"warning: and {len(unmapped) - _SHOWN_ALIKE:,} more codes not mapped to a framework "
            "construct (`cokg suggest-mappings` proposes mappings)"
        )
    out += _lines(report.validation)
    rule = f", offsets read as {report.offset_rule}" if report.offset_rule else ""
    recognised = (
        f", {c.recognised_codes} of them framework concepts by their GUID or name"
        if c.recognised_codes
        else ""
    )
    out.append(f"{report.file}: {report.origin or 'unknown program'}{rule}")
    out.append(
        f"codes: {c.codes} ({c.mapped_codes} mapped{recognised}, "
        f"{len(c.unmapped_codes)} unmapped); "
        f"coded texts: {c.texts}; quotations: {c.quotations}; codings: {c.codings}; "
        f"findings: {c.findings}; memos: {c.memos}; annotations: {c.annotations}; "
        f"new informants: {c.informants_added}; construct ratings: {c.ratings}"
    )
    if c.pseudonyms:  # stored under pseudonyms: the steward needs them for `cokg agreement`
        coders = ", ".join(f"{name} → {p}" for name, p in sorted(c.pseudonyms.items()))
        out.append(f"coders (stored as pseudonyms; --coder-names keeps names): {coders}")
    if c.named_informants:  # read from the names: shown, so that a wrong reading is seen
        named = [f"{name!r} → {code}" for name, code in c.named_informants]
        more = f" and {len(named) - 5} more" if len(named) > 5 else ""
        out.append("informants read from source names: " + ", ".join(named[:5]) + more)
    for case_id, n in sorted(c.per_case.items()):
        out.append(
            f"  case {case_id}: {_n(n.texts, 'text')}, {_n(n.quotations, 'quotation')}, "
            f"{_n(n.codings, 'coding')}, {_n(n.findings, 'finding')}, {_n(n.ratings, 'rating')}"
        )
    if report.dry_run:
        v = report.validation
        verdict = "conforms" if v is not None and v.conforms else "does not conform"
        bad = len(v.violations) if v is not None else 0
        stored = "; already stored unchanged" if report.unchanged else ""
        out.append(
            f"dry run: {report.triples} triples would be submitted as {report.submission_id}: "
            f"{verdict} ({bad} violation{'s' * (bad != 1)}){stored}; nothing was written"
        )
    elif report.unchanged:
        out.append(f"0 triples added: already stored (submission {report.submission_id})")
    else:
        verb = "replaced" if report.replaced else "added"
        out.append(f"{report.added} triples {verb}: {report.graph}")
    if report.written:
        out.append(f"submission file: {report.written}")
    return "\n".join(out) + "\n"


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def _refusal(pid: str, why: str, shown: str) -> Any:
    """A dry run's violation for what the import would refuse before validating."""
    from rdflib import Literal

    from cokg.models import ValidationResult

    return ValidationResult(
        severity="violation",
        focus_node=Literal(pid),
        path=None,
        constraint_component=None,
        source_shape=None,
        message=why,
        file=shown,
    )


def _held_elsewhere(
    store: Any,
    conv: Conversion,
    own: list[str],
    *,
    replace: bool,
    earlier: str | None = None,
    shown: str = "",
) -> dict:
    """Graphs other than this project's that hold records of it (one record, one graph) ->
    the result a dry run reports for each: a violation, or with `replace` (for a submission)
    a warning that it would be replaced. `earlier`: the id earlier versions of cokg gave the
    project, whose graph is this project stored before."""
    from rdflib import Literal

    from cokg.ingest import (
        SUBMISSION_PREFIX,
        earlier_id_advice,
        record_holders,
        record_iris,
        shell_args,
        submission_graph,
    )
    from cokg.models import ValidationResult

    out: dict[str, Any] = {}
    holders = record_holders(store, record_iris(conv.graph), exclude=own)
    for g, records in holders.items():
        n = len(records)
        submitted = g.startswith(SUBMISSION_PREFIX)
        if not submitted:
            what = "that graph is built from the project's files (data/): no import replaces it"
        elif earlier and g == submission_graph(earlier) and not replace:
            what = earlier_id_advice(earlier, conv.project_id, shell_args([shown]), project=True)
        elif replace:
            what = "--replace would replace that submission"
        else:
            what = (f"the import is refused unless --replace, which replaces submission "
                    f"{g[len(SUBMISSION_PREFIX):]} whole")  # fmt: skip
        out[g] = ValidationResult(
            severity="warning" if replace and submitted else "violation",
            focus_node=records[0] if records else Literal(conv.project_id),
            path=None,
            constraint_component=None,
            source_shape=None,
            message=f"{n} record{'s' * (n != 1)} of this project already stored in graph {g} "
            f"(one record, one graph): {what}",
        )
    return out
