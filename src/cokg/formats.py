"""Rendering for people: query answers (`render`: table, md, csv, tsv, json), and the typed
results of the other commands (`render_*` below: saved-query listings, builds, analysis
summaries, reports, ingests, graph listings, written files). The library functions return
those results and never print; `cokg` (cli.py) and `make demo` (demo.py) write what these
functions give. (Validation and reasoner reports are rendered by `cokg.validate.format_report`,
in text, JSON and Turtle.)

Query answers:

`table` and `md` show a query that declares a pivot as the paper's tables (one row per element,
one column per case, "• " bullets inside multi-line cells); csv, tsv and json always give the
long format, one record per result row, for other programs.

Every format answers every kind of answer:
- a table of results (SELECT), also one with no columns (`SELECT * WHERE { }` has one row and
  no variables: csv and tsv then print an empty header line and one empty line per row, json
  `"columns": []` and one empty record; table and md say so in words);
- a boolean (ASK): `true` or `false`, and `{"boolean": ...}` in json;
- a graph (CONSTRUCT, DESCRIBE): N-Triples for `table` (the default), and one record per
  triple, with the columns subject, predicate, object, in the other formats.
Unbound values are empty cells (null in json). Control characters in values are shown escaped
(`\x1b`) by table and md, which are read on terminals and in documents; md also escapes `|` and
HTML's `<`, `>` and `&`. Non-finite numbers (xsd:double NaN, INF) are written as their XSD
lexical forms in every format, so json stays valid JSON.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cokg.errors import ParameterError
from cokg.namespaces import COKGG
from cokg.query import QueryAnswer, SavedQuery
from cokg.query.text import (
    answer_text,
    graph_rows,
    non_finite,
    ntriples,
    text_of,
)

if TYPE_CHECKING:
    from cokg.ingest import GraphInfo, IngestReport
    from cokg.report import AnalysisSummary, ReportResult
    from cokg.store import BuildReport

FORMATS = ("table", "csv", "tsv", "json", "md")
# for the graph a CONSTRUCT or DESCRIBE gives (`cokg sparql`): N-Triples, Turtle, JSON-LD
GRAPH_FORMATS = ("nt", "ttl", "jsonld")


def _json_value(value: Any) -> Any:
    special = non_finite(value)
    if special is not None:
        return special
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return value


def _json_default(value: Any) -> Any:
    return str(value)


def _graph_text(answer: QueryAnswer, fmt: str) -> str:
    """A CONSTRUCT or DESCRIBE answer as N-Triples, Turtle (cokg's prefixes) or JSON-LD (cokg's
    context, inline); anything else is refused: rows are not a graph."""
    if answer.kind != "graph":
        raise ParameterError(
            f"--format {fmt} writes a graph, which only CONSTRUCT and DESCRIBE give; this "
            "answer is a table: use table, csv, tsv, json, md or xlsx"
        )
    if fmt == "nt":
        return ntriples(answer.triples)
    if fmt == "jsonld":
        from cokg.export import to_jsonld

        return to_jsonld(ntriples(answer.triples).encode("utf-8")).decode("utf-8")
    from rdflib import Graph

    from cokg.namespaces import PREFIXES

    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)
    for t in answer.triples:
        g.add(t)
    return g.serialize(format="turtle")


def render(
    answer: QueryAnswer, fmt: str = "table", *, long: bool = False, width: int | None = None
) -> str:
    """The answer as text in one of FORMATS. `long` turns the pivot off for table/md."""
    if fmt in GRAPH_FORMATS:
        return _graph_text(answer, fmt)
    if fmt not in FORMATS:
        raise ParameterError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    if fmt in ("table", "md"):
        return answer_text(answer, fmt, long=long, width=width)
    if answer.kind == "ask":
        if fmt == "json":
            return json.dumps({"boolean": answer.boolean}) + "\n"
        return ("true" if answer.boolean else "false") + "\n"
    if answer.kind == "graph":
        answer = graph_rows(answer)
    if fmt == "json":
        return _json(answer)
    return _delimited(answer, fmt)


def _json(answer: QueryAnswer) -> str:
    doc: dict[str, Any] = {
        "query": answer.name,
        "parameters": answer.parameters,
        "columns": list(answer.variables),
        "rows": [{k: _json_value(v) for k, v in r.data.items()} for r in answer.rows],
    }
    if answer.page is not None:  # only a paged answer says where its rows lie
        page = answer.page
        doc["page"] = {"offset": page.offset, "limit": page.limit, "rows": page.rows,
                       "total": page.total, "more": page.more}  # fmt: skip
    text = json.dumps(doc, ensure_ascii=False, indent=2, default=_json_default, allow_nan=False)
    return text + "\n"


def _delimited(answer: QueryAnswer, fmt: str) -> str:
    buf = io.StringIO()
    if fmt == "csv":
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(answer.variables)
        for r in answer.rows:
            writer.writerow([text_of(r.data.get(v)) for v in answer.variables])
        return buf.getvalue()

    # TSV cannot hold tabs or line breaks inside a field: escape them as \t and \n.
    def esc(s: str) -> str:
        return (
            s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        )

    lines = ["\t".join(answer.variables)]
    lines += ["\t".join(esc(text_of(r.data.get(v))) for v in answer.variables) for r in answer.rows]
    return "\n".join(lines) + "\n"


def render_page_note(answer: QueryAnswer, limit: int | None = None) -> str:
    """The line under a page of an answer: "rows 1–100 of 4,231; next: --offset 100". Empty
    when the answer is not paged or the page holds all of it. `limit`: a page size the user
    gave, repeated in the hint (the default one is not)."""
    page = answer.page
    if page is None or page.whole:
        return ""
    note = page.span
    if page.rows and page.next_offset is not None:
        note += f"; next: --offset {page.next_offset}" + (f" --limit {limit}" if limit else "")
    return note


# -- the results of the other commands ----------------------------------------------------


def _lines(lines: Iterable[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


def render_query_list(queries: Iterable[SavedQuery]) -> str:
    """`cokg queries`: each saved query with its parameters ([optional], with the default a
    query runs with when none is given) and summary."""
    out = []

    def shown(p: Any) -> str:
        text = f"{p.name}={'|'.join(p.allowed) or p.type.upper()}"
        if p.default is not None:  # cross-case answered for adoption, and did not say so
            text += f"; default {p.default}"
        return text if p.required else f"[{text}]"

    for sq in queries:
        params = " ".join(shown(p) for p in sq.params)
        out.append(f"{sq.name}{' ' + params if params else ''}\n    {sq.summary}")
    return _lines(out)


def render_build(report: BuildReport) -> str:
    """`cokg build`: triples per named graph, then the totals."""
    return _lines([*(f"{triples:>9}  {graph}" for graph, triples in report.graphs), str(report)])


# a pair whose similarity is None (`cokg.analyse.case_similarity`), as the analysis and the
# report say it
NOT_COMPARED = "n/a (nothing coded in either case, or a case not studied in the phase)"


def render_analysis(summary: AnalysisSummary) -> str:
    """`cokg analyse` and `make demo`: the cross-case summary (see `cokg.report.summarise`)."""
    out = []
    for phase in summary.phases:
        n = phase.studied_cases
        out.append(
            f"in every case studied in {phase.phase} ({n} case{'s' * (n != 1)}): "
            f"{phase.shared_text()}"
        )
        for s in phase.by_study:
            m = s.studied_cases
            out.append(f"  of study {s.study_id} ({m} case{'s' * (m != 1)}): {s.shared_text()}")
        out += [
            f"  similarity {a} / {b}: " + (NOT_COMPARED if value is None else f"{value:.2f}")
            for a, b, value in phase.similarity
        ]
    for case_id, agents in summary.before_adoption:
        said = "- (no dated adoption episode)" if agents is None else ", ".join(agents) or "-"
        out.append(f"before adoption in {case_id}: {said}")
    if summary.network_dir is not None:
        out.append(f"wrote {len(summary.networks)} network files to {summary.network_dir}")
    return _lines(out)


def render_report(result: ReportResult) -> str:
    """`cokg report`: where the report was written (and, when the store holds construct
    ratings, how many rating heatmaps it has)."""
    out = [f"report: {result.html}", f"markdown: {result.markdown}"]
    if result.heatmaps:
        out.append(f"rating heatmaps: {len(result.heatmaps)} (section Construct ratings)")
    out += [f"warning: {w}" for w in result.warnings]
    return _lines(out)


def _file_names(files: Sequence[str]) -> str:
    """Files as a line names them: a few by name, many (a template's CSV folder) by count."""
    names = [f.replace("\\", "/").rsplit("/", 1)[-1] for f in files]
    if len(names) <= 4:
        return ", ".join(names)
    folders = {f.replace("\\", "/").rsplit("/", 1)[0] for f in files if "/" in f.replace("\\", "/")}
    where = f" in {folders.pop()}/" if len(folders) == 1 else ""
    return f"{len(names)} files{where}"


def render_ingest(report: IngestReport) -> str:
    """`cokg ingest`: what was stored where, then the warnings the submission passed with."""
    names = _file_names(report.files)
    others = [g.rsplit("/", 1)[-1] for g in report.dropped if g != report.graph]
    # replaced: the submission's own graph was stored before, or only other submissions were
    verb = "replaced" if report.replaced and (not others or report.graph_existed) else "added"
    out = [
        f"{verb} {report.graph} ({report.triples} triples from {names}); "
        f"provenance in {report.provenance_graph}"
    ]
    if others:
        out.append(
            f"it replaces submission{'s' * (len(others) != 1)} {', '.join(others)} (which held "
            "its records), removed with their provenance; its provenance names them"
        )
    if report.removed_cases:
        n = len(report.removed_cases)
        out.append(f"removed case{'s' * (n != 1)} {', '.join(report.removed_cases)}, as asked")
    if report.unchanged:
        n = len(report.unchanged)
        base = "https://w3id.org/cokg/id/"
        named = [r.removeprefix(base) for r in report.unchanged[:5]]
        more = f" and {n - 5} more" if n > 5 else ""
        out.append(
            f"{n} record{'s' * (n != 1)} already stored unchanged in other graphs (shared "
            f"records the submission repeats) not stored twice: {', '.join(named)}{more}"
        )
    if report.store:  # which store: a mistyped endpoint setting once sent it elsewhere
        out.append(f"store: {report.store}")
    out += [
        f"{r.severity}: {r.file or ''} {r.record_label or ''}: {r.message}"
        for r in report.validation.results
    ]
    return _lines(out)


def render_retracted(graph: str) -> str:
    """`cokg retract`: the graph removed."""
    return _lines([f"removed {graph} and its provenance record"])


def render_graphs(infos: Sequence[GraphInfo]) -> str:
    """`cokg graphs`: a plain-text table of `cokg.ingest.list_graphs`."""
    rows = [("graph", "kind", "triples", "ingested by", "when", "files")]
    for i in infos:
        name = i.graph[len(str(COKGG)) :] if i.graph.startswith(str(COKGG)) else i.graph
        rows.append((name, i.kind, str(i.triples), i.by or "", i.when or "", ", ".join(i.files)))
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    lines = []
    for n, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return _lines(lines)


def render_written(files: Iterable[str | Path]) -> str:
    """Files a command wrote (`cokg template`, `cokg queries --write-catalog`), one a line."""
    return _lines(f"wrote {f}" for f in files)


def render_answer_written(answer: QueryAnswer, out: str | Path) -> str:
    """`cokg query --out FILE`: the file written and how many rows (triples) it holds."""
    if answer.kind == "ask":
        return _lines([f"wrote {out} (a boolean: {'true' if answer.boolean else 'false'})"])
    n, what = (
        (len(answer.triples), "triple") if answer.kind == "graph" else (len(answer.rows), "row")
    )
    return _lines([f"wrote {out} ({n:,} {what}{'' if n == 1 else 's'})"])


def render_case_export(export: Any) -> str:
    """`cokg template --case`: the files written and what they hold."""
    held = ", ".join(f"{len(rows)} {sheet}" for sheet, rows in export.rows.items() if rows)
    lines = [f"wrote {f}" for f in export.files]
    lines.append(f"case {export.case_id}: {len(export.graph)} statements, as rows: {held}")
    if export.shared_records:
        lines.append(
            f"with {len(export.shared_records)} shared records it refers to (organisations, "
            "places, the study ...); --without-shared leaves them out"
        )
    if export.statements:
        lines.append(
            f"{export.statements} statements no sheet has a column for are on sheet statements"
        )
    return _lines(lines)


def render_exported(size: int, out: str | Path) -> str:
    """`cokg export --out FILE`: how much was written where."""
    return _lines([f"wrote {size} bytes to {out}"])


def render_constructs(found: Sequence[Any], *, search: str | None = None) -> str:
    """`cokg constructs`: one block per construct (code, label, parent, mappings, definition)."""
    if not found:
        return f"no construct matches {search!r}\n" if search else "no constructs\n"
    out = []
    for c in found:
        head = f"{c.code}  {c.label}"
        if search:
            head += f"  (match {c.score:.2f})"
        lines = [head]
        if c.parent:
            lines.append(f"    under: {c.parent}")
        if c.mappings:
            lines.append(f"    maps to: {'; '.join(c.mappings)}")
        if c.definition:
            lines.append(f"    {c.definition}")
        out.append("\n".join(lines))
    return "\n".join(out) + "\n"


__all__ = [
    "FORMATS",
    "GRAPH_FORMATS",
    "ntriples",
    "render",
    "render_analysis",
    "render_answer_written",
    "render_build",
    "render_constructs",
    "render_exported",
    "render_graphs",
    "render_ingest",
    "render_page_note",
    "render_query_list",
    "render_report",
    "render_retracted",
    "render_written",
]
