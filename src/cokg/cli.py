"""The `cokg` command: a thin layer over the library API.

Every command calls one library function and writes what one renderer (`cokg.formats`, or
`cokg.validate.format_report` for validation and reasoner reports) makes of its result.
Errors are handled once, for every command, by the group (`CokgGroup.invoke`). Heavy
libraries are imported inside the commands so that `cokg --help` starts fast.

One job, over 600 lines because each of the ~20 commands spells out its options and help.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from cokg import __version__
from cokg.errors import CokgError


class CokgGroup(click.Group):
    """The `cokg` group. Its `invoke` runs the chosen command and is where every command's
    errors end: a CokgError is one stderr line (`cokg: error: ...`) and its class's exit code;
    any other exception is a bug (one line, exit 3); Ctrl-C exits 130 with one line. With
    --traceback the exception propagates instead, traceback and all. click's own flow (usage
    errors, `ctx.exit`) passes through untouched."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        cmd = super().get_command(ctx, cmd_name)
        if cmd is not None and not getattr(cmd, "_refuses_repeats", False):
            _refuse_repeats(cmd)
        return cmd

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("cokg: interrupted", err=True)
            ctx.exit(130)
        except CokgError as exc:
            if ctx.find_root().params.get("traceback"):
                raise
            click.echo(f"cokg: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except Exception as exc:  # a bug, not the user's fault: one line, exit 3
            if ctx.find_root().params.get("traceback"):
                raise
            click.echo(
                f"cokg: internal error: {type(exc).__name__}: {exc} (run with --traceback)",
                err=True,
            )
            ctx.exit(3)


def _refuse_repeats(cmd: click.Command) -> None:
    """Make `cmd` refuse an option that takes one value given twice: click keeps the last
    silently (`--case a --case b` exported case b alone)."""
    single = {
        name: p
        for p in cmd.params
        if isinstance(p, click.Option) and not (p.multiple or p.count or p.is_flag)
        for name in (*p.opts, *p.secondary_opts)
    }
    parse = cmd.parse_args

    def parse_args(ctx: click.Context, args: list[str]) -> list[str]:
        seen: dict[str, str] = {}
        for arg in args:
            if arg == "--":
                break
            name = arg.split("=", 1)[0] if arg.startswith("--") else arg[:2]
            p = single.get(name)
            if p is None or p.name is None:
                continue
            if p.name in seen:
                raise click.UsageError(
                    f"{seen[p.name]} given twice: it takes one value (a second would silently "
                    "replace the first); run the command once per value",
                    ctx=ctx,
                )
            seen[p.name] = name
        return parse(ctx, args)

    cmd.parse_args = parse_args  # type: ignore[method-assign]
    cmd._refuses_repeats = True  # type: ignore[attr-defined]


def _output_path(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An output path whose folder exists and is writable: checked before any work is done
    (one line, exit 2), so a mistyped folder is not found only when the file is written."""
    import os
    from pathlib import Path

    from cokg.errors import ParameterError

    if value is not None and value != "-":
        folder = Path(value).expanduser().parent
        if not folder.is_dir():
            raise ParameterError(
                f"cannot write: the folder {folder} does not exist (create it first)", file=value
            )
        if not os.access(folder, os.W_OK):
            raise ParameterError(f"cannot write: the folder {folder} is not writable", file=value)
    return value


@click.group(cls=CokgGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cokg")
@click.option("--traceback", is_flag=True, help="Show the full traceback on errors.")
def cli(traceback: bool) -> None:
    """cokg: the coproduction knowledge graph."""


# --- commands are added below, one section per feature -------------------------------


# --- check (core): OWL reasoning over the vocabulary + vocabulary lint ---------------------
@cli.command()
@click.option(
    "--data/--no-data",
    default=True,
    show_default=True,
    help="Also give the data individuals (data/) to the reasoner (skipped above "
    "20,000 data triples). data/ is linted either way.",
)
@click.argument("files", nargs=-1, type=click.Path())
def check(data: bool, files: tuple[str, ...]) -> None:
    """Check the ontology: consistency, unsatisfiable classes, undeclared or undocumented terms.

    FILES are extra RDF files (e.g. a draft module) checked together with the ontology.
    Exit 0 when clean, 1 when there are problems, 2 for unreadable input.
    """
    from pathlib import Path

    from cokg.reason import check as run_check
    from cokg.validate import format_report

    report = run_check(include_data=data, extra_files=[Path(f) for f in files])
    click.echo(format_report(report))
    if not report.ok:
        click.get_current_context().exit(1)


# --- serve (web): read-only SPARQL endpoint + HTML pages ----------------------------------
@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="TCP port.")
@click.option(
    "--timeout",
    default=10.0,
    show_default=True,
    type=float,
    help="Seconds a query may run; longer queries are stopped (HTTP 503).",
)
@click.option(
    "--limit",
    default=10_000,
    show_default=True,
    type=int,
    help="Most rows (or triples) returned; more are cut and flagged X-Cokg-Truncated.",
)
@click.option("--store", "store_spec", default=None, help="Store directory or memory:.")
@click.option("--endpoint", default=None, metavar="URL",
              help="Serve in front of this SPARQL endpoint instead of a local store.")  # fmt: skip
@click.option("--workers", default=2, show_default=True, type=int,
              help="Query worker processes (with --endpoint: requests at once).")  # fmt: skip
@click.option(
    "--memory-mb",
    "--memory",
    "memory_mb",
    default=4096,
    show_default=True,
    type=int,
    help="Memory cap per query worker (0: none).",
)
def serve(
    host: str,
    port: int,
    timeout: float,
    limit: int,
    store_spec: str | None,
    endpoint: str | None,
    workers: int,
    memory_mb: int,
) -> None:
    """Serve the graph: SPARQL at /sparql, saved queries at /, case pages, entity pages."""
    from cokg.serve import serve as run_server

    run_server(
        host=host,
        port=port,
        store=store_spec,
        endpoint=endpoint,
        timeout=timeout,
        limit=limit,
        workers=workers,
        memory_mb=memory_mb or None,
    )


# --- queries / query / sparql (queries): saved and ad-hoc SPARQL -----------------------------
_QUERY_FORMATS = ["table", "csv", "tsv", "json", "md"]


def _query_store(store_path: str | None, endpoint: str | None) -> str | None:
    if store_path and endpoint:
        raise click.UsageError("give --store or --endpoint, not both")
    return endpoint or store_path


def _read_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--store / --endpoint for the commands that read the graph (see `_query_store`)."""
    func = click.option(
        "--endpoint", default=None, metavar="URL", help="A SPARQL endpoint URL to read instead."
    )(func)
    return click.option(
        "--store", "store_path", default=None, metavar="DIR", help="Store directory or memory:."
    )(func)


def _open_for_reading(store_path: str | None, endpoint: str | None) -> Any:
    """The store a reading command uses; a local one is built first when empty (a remote
    endpoint is never written to implicitly)."""
    from cokg.store import open_for_reading

    return open_for_reading(_query_store(store_path, endpoint))


def _limit_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--timeout / --memory: every local query runs in a child process that is stopped at
    either limit (see cokg.sandbox); a remote endpoint gets the timeout."""
    func = click.option(
        "--memory",
        "--memory-mb",
        "memory_mb",
        type=click.IntRange(min=0),
        default=None,
        metavar="MB",
        help="Memory the query may use, in MB (default $COKG_QUERY_MEMORY_MB or 4096; 0: none).",
    )(func)
    return click.option(
        "--timeout",
        type=click.FloatRange(min=0),
        default=None,
        metavar="SECONDS",
        help="Stop the query after this long (default $COKG_QUERY_TIMEOUT or 60; 0: none).",
    )(func)


def _format_choice(
    formats: list[str], *, default: str | None = "table", help: str = "Output format."
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--format / -f over the given formats (`query` adds xlsx, which `sparql` does not write)."""
    return click.option(
        "--format",
        "-f",
        "fmt",
        type=click.Choice(formats),
        default=default,
        show_default=default is not None,
        help=help,
    )


_format_option = _format_choice(_QUERY_FORMATS)
# A file's suffix names its format when --format is not given (`--out matrix.xlsx`).
_FORMAT_BY_SUFFIX = {".xlsx": "xlsx", ".csv": "csv", ".tsv": "tsv", ".json": "json", ".md": "md",
                     ".nt": "nt", ".ttl": "ttl", ".jsonld": "jsonld"}  # fmt: skip


@cli.command("queries")
@click.option("--catalog", is_flag=True, help="Print the Turtle catalogue of the saved queries.")
@click.option("--write-catalog", is_flag=True,
              help="Regenerate queries/catalog.ttl and queries/screened.json.")  # fmt: skip
def queries_cmd(catalog: bool, write_catalog: bool) -> None:
    """List the saved queries with their parameters and summaries."""
    from cokg import query as q
    from cokg.formats import render_query_list, render_written

    if write_catalog:
        click.echo(render_written([q.write_catalog(), q.write_verdicts()]), nl=False)
    elif catalog:
        click.echo(q.catalog_turtle(), nl=False)
    else:
        click.echo(render_query_list(q.list_queries()), nl=False)


@cli.command("query")
@click.argument("name")
@click.argument("pairs", nargs=-1, metavar="[KEY=VALUE]...")
@click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="A query parameter (repeatable), e.g. --param phase=implementation.",
)
@_format_choice(
    [*_QUERY_FORMATS, "xlsx"],
    default=None,
    help="Output format (default: from the --out file's suffix, else table). xlsx writes a "
    "workbook (matrix, rows, about sheets) and needs --out.",
)
@click.option(
    "--out",
    "-o",
    "out",
    type=click.Path(dir_okay=False),
    default=None,
    callback=_output_path,
    metavar="FILE",
    help="Write to FILE instead of standard output, every row unless --limit is given "
    "(required for xlsx).",
)
@click.option("--long", "long_format", is_flag=True, help="Long format even for pivoted queries.")
@_read_options
@_limit_options
@click.option(
    "--limit",
    "limit_text",
    default=None,
    metavar="N",
    help="Rows per page (table and md: $COKG_PAGE_SIZE or 500 unless given; 0: every row).",
)
@click.option("--offset", "offset_text", default=None, metavar="M", help="Skip the first M rows.")
@click.option("--all", "all_rows", is_flag=True, help="Every row, not a page (= --limit 0).")
def query_cmd(
    name: str,
    pairs: tuple[str, ...],
    params: tuple[str, ...],
    fmt: str | None,
    out: str | None,
    long_format: bool,
    store_path: str | None,
    endpoint: str | None,
    timeout: float | None,
    memory_mb: int | None,
    limit_text: str | None,
    offset_text: str | None,
    all_rows: bool,
) -> None:
    """Run the saved query NAME (see `cokg queries`) with its parameters as KEY=VALUE, e.g.
    `cokg query quotations case=dundee-mrr` (or --param case=dundee-mrr).

    A long listing shown as a table (or md) prints one page, with a line under it saying which
    rows of how many and how to get the next page; csv, tsv, json and xlsx give every row unless
    --limit or --offset is given (the page line then goes to stderr).

    `--format xlsx --out FILE.xlsx` writes a workbook to annotate: the pivoted table (sheet
    matrix), the long rows (rows), and what was asked (about). A workbook is never written to
    standard output, even a redirected one: give --out."""

    from cokg.errors import ParameterError
    from cokg.formats import render_page_note
    from cokg.query import get_query, page_size, run_query

    given: dict[str, str] = {}
    for item in (*pairs, *params):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParameterError(
                f"a query parameter is KEY=VALUE (e.g. case=dundee-mrr), got {item!r}"
            )
        key = key.strip()
        if key in given and given[key] != value:  # the last one won, silently
            raise ParameterError(
                f"{key} is given twice ({given[key]!r} and {value!r}): a query takes one value "
                "per parameter; run it once for each"
            )
        given[key] = value
    fmt = _out_format(fmt, out)
    limit, offset = _page_options(limit_text, offset_text, all_rows)
    query = get_query(name)
    asked = limit is not None  # a page size given, not the default one
    # A page by default only for people at a terminal; a file gets every row unless asked.
    if limit is None and not all_rows and fmt in _PAGED_FORMATS and query.paged and not out:
        limit = page_size() or None
    answer = run_query(
        query,
        store=_query_store(store_path, endpoint),
        timeout=timeout,
        memory_mb=memory_mb,
        limit=limit or None,
        offset=offset,
        **given,
    )
    note = render_page_note(answer, limit if asked else None)
    _emit(answer, fmt, out, note, long_format=long_format, source=endpoint or store_path)


def _out_format(fmt: str | None, out: str | None) -> str:
    """--format, else the --out file's suffix, else table; xlsx only into a file."""
    from pathlib import Path

    from cokg.errors import ParameterError

    fmt = fmt or (out and _FORMAT_BY_SUFFIX.get(Path(out).suffix.lower())) or "table"
    if fmt == "xlsx" and not out:
        # Checked before the query runs: a workbook's bytes on a terminal are no use to anyone.
        raise ParameterError("--format xlsx writes a workbook file: give --out FILE.xlsx")
    return fmt


def _emit(
    answer: Any,
    fmt: str,
    out: str | None,
    note: str,
    *,
    long_format: bool = False,
    source: str | None = None,
    sparql: str | None = None,
) -> None:
    """Print the answer with its page line, or write it to `out` (xlsx: a workbook) and say
    so on stderr."""
    from pathlib import Path

    from cokg.errors import ParameterError
    from cokg.formats import render, render_answer_written

    if out is None:
        click.echo(render(answer, fmt, long=long_format), nl=False)
        if not note and answer.kind == "select" and not answer.rows and fmt in _PAGED_FORMATS:
            note = "no rows"  # a header alone reads as if something failed to print
            meaning = _empty_meaning(answer.name)
            if meaning:
                note += f": {meaning}"
        _page_note(note, fmt)
        return
    if fmt == "xlsx":
        from cokg.query import write_workbook

        where = source or "the default store (.cokg/store, or $COKG_STORE)"
        write_workbook(answer, Path(out), long=long_format, source=where, sparql=sparql)
    else:
        try:
            Path(out).write_text(render(answer, fmt, long=long_format), encoding="utf-8")
        except OSError as exc:
            raise ParameterError(f"cannot write: {exc.strerror or exc}", file=out) from None
    click.echo(render_answer_written(answer, out), nl=False, err=True)
    if note:  # stdout holds nothing here, so the page line joins the written line on stderr
        click.echo(note, err=True)


# Formats for people, paged by default; csv, tsv and json go to programs and print every row.
_PAGED_FORMATS = ("table", "md")


def _page_options(
    limit_text: str | None, offset_text: str | None, all_rows: bool
) -> tuple[int | None, int]:
    """--limit / --offset / --all as (limit, offset): limit None when no page was asked for,
    0 for every row. A bad value is one error line (exit 2), not click's usage text."""
    from cokg.errors import ParameterError

    def rows(option: str, text: str | None) -> int | None:
        if text is None:
            return None
        if not text.strip().isdigit():
            raise ParameterError(f"{option} wants a number of rows, 0 or more, not {text!r}")
        return int(text)

    limit, offset = rows("--limit", limit_text), rows("--offset", offset_text)
    if all_rows and limit is not None:
        raise ParameterError("give --all or --limit, not both")
    return (0 if all_rows else limit), offset or 0


def _empty_meaning(name: str | None) -> str:
    """What no rows means for the saved query `name` (its `#+ empty:`), else ""."""
    from cokg.errors import CokgError
    from cokg.query import get_query

    try:
        return get_query(name).empty.replace("`", "") if name else ""
    except CokgError:  # an ad-hoc query
        return ""


def _page_note(note: str, fmt: str) -> None:
    """The page line: under a table (stdout); on stderr for the formats programs read."""
    if note:
        click.echo(("\n" if fmt == "md" else "") + note, err=fmt not in _PAGED_FORMATS)


@cli.command("sparql")
@click.argument("query_text", metavar="FILE-OR-TEXT")
@_format_choice(
    [*_QUERY_FORMATS, "xlsx", "nt", "ttl", "jsonld"],
    default=None,
    help="Output format (default: from the --out file's suffix, else table). xlsx writes a "
    "workbook (rows and about sheets, the query on the about sheet) and needs --out; nt, ttl "
    "and jsonld write the graph of a CONSTRUCT or DESCRIBE.",
)
@click.option("--out", "-o", "out", type=click.Path(dir_okay=False), default=None,
              callback=_output_path,
              metavar="FILE", help="Write to FILE instead of standard output.")  # fmt: skip
@_read_options
@_limit_options
@click.option("--limit", "limit_text", default=None, metavar="N",
              help="Show one page of N rows of a SELECT answer (0: every row).")  # fmt: skip
@click.option("--offset", "offset_text", default=None, metavar="M", help="Skip the first M rows.")
def sparql_cmd(
    query_text: str,
    fmt: str | None,
    out: str | None,
    store_path: str | None,
    endpoint: str | None,
    timeout: float | None,
    memory_mb: int | None,
    limit_text: str | None,
    offset_text: str | None,
) -> None:
    """Run an ad-hoc SPARQL query given as a .rq file or as text ("-" reads stdin).

    Every row is printed unless --limit or --offset asks for a page. `--out FILE.xlsx` writes
    a workbook (the rows, and the query and store on the about sheet)."""
    from cokg.formats import render_page_note
    from cokg.query.running import read_sparql, run_sparql

    fmt = _out_format(fmt, out)
    limit, offset = _page_options(limit_text, offset_text, False)
    if query_text == "-":
        with click.open_file("-") as stdin:  # standard input, as text; left open
            query_text = stdin.read()
    answer = run_sparql(
        query_text,
        store=_query_store(store_path, endpoint),
        timeout=timeout,
        memory_mb=memory_mb,
        limit=limit or None,
        offset=offset,
    )
    note = render_page_note(answer, limit or None)
    _emit(answer, fmt, out, note, source=endpoint or store_path, sparql=read_sparql(query_text)[0])


# --- analyse / report (analysis): networks, measures, the cross-case report ----------------
@cli.command("analyse")
@click.option("--out", "-o", "out_dir", default="networks", show_default=True,
              type=click.Path(file_okay=False),
              help="Folder for the GraphML, GEXF and node-link JSON exports.")  # fmt: skip
@_read_options
def analyse_cmd(out_dir: str, store_path: str | None, endpoint: str | None) -> None:
    """Export the networks and print the cross-case measures."""
    from cokg.formats import render_analysis
    from cokg.report import summarise

    with _open_for_reading(store_path, endpoint) as store:
        summary = summarise(store, export_dir=out_dir)
    click.echo(render_analysis(summary), nl=False)


@cli.command("report")
@click.option("--out", "-o", "out_dir", default="report", show_default=True,
              type=click.Path(file_okay=False),
              help="Folder for index.html, report.md, figures and network exports.")  # fmt: skip
@_read_options
def report_cmd(out_dir: str, store_path: str | None, endpoint: str | None) -> None:
    """Write the cross-case report (HTML and Markdown, figures as SVG and PNG)."""
    from pathlib import Path

    from cokg.formats import render_report
    from cokg.report import build_report

    with _open_for_reading(store_path, endpoint) as store, _Progress() as progress:
        result = build_report(store, Path(out_dir), progress=progress)
    click.echo(render_report(result), nl=False)


# --- build / push / export (store): the embedded store, a remote endpoint, files ----------
class _Progress:
    """The progress callback the CLI hands to library functions: a rich progress line on
    stderr when both stdout and stderr are terminals, nothing at all when either is piped.
    Called as progress(message) or progress(message, done, total); use as a context manager
    so the line is cleared before results are printed."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._task: Any = None
        self._last = ""

    def __enter__(self) -> _Progress:
        if sys.stdout.isatty() and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,  # the results, not the bar, stay on the screen
            )
            self._bar.start()
            self._task = self._bar.add_task("starting", total=None)
        return self

    def __call__(self, message: str, done: int | None = None, total: int | None = None) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=message, completed=done or 0, total=total)
            if message != self._last:  # a new step shows at once, not at the next tick
                self._last = message
                self._bar.refresh()

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


_wait_option = click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=None,
    metavar="SECONDS",
    help="How long to wait for another writer to finish (default $COKG_WAIT or 120; 0: not).",
)


@cli.command("build")
@click.option("--fresh", is_flag=True, help="Rebuild from scratch; keeps the old store until done.")
@click.option("--store", "store_spec", default=None,
              help="Store directory, memory: or endpoint URL (default .cokg/store).")  # fmt: skip
@_wait_option
def build_cmd(fresh: bool, store_spec: str | None, wait: float | None) -> None:
    """Load the ontology, frameworks and data/ into the store, one named graph per file."""
    from cokg.formats import render_build
    from cokg.store import build, open_store

    with open_store(store_spec, wait=wait) as store, _Progress() as progress:
        report = build(store, fresh=fresh, progress=progress)
    click.echo(render_build(report), nl=False)


@cli.command("push")
@click.option("--endpoint", envvar="COKG_ENDPOINT", default=None, metavar="URL",
              help="SPARQL query endpoint (or COKG_ENDPOINT, or .cokg/config.toml).")  # fmt: skip
@click.option("--method", type=click.Choice(["gsp", "update"]), default=None,
              help="Graph Store Protocol PUT per graph (default) or SPARQL Update.")  # fmt: skip
@click.option("--store", "store_spec", default=None, help="Source store (default .cokg/store).")
@click.option("--prune", is_flag=True,
              help="Also remove from the endpoint cokg's graphs this store no longer holds (a "
              "submission retracted here since it was pushed). Refused, before anything is "
              "written, when it would remove graphs this store never pushed there (ingested "
              "on the server, or pushed from another store), unless --yes.")  # fmt: skip
@click.option("--dry-run", is_flag=True,
              help="List the graphs the push would replace, add and (--prune) remove; write "
              "nothing.")  # fmt: skip
@click.option("--yes", is_flag=True,
              help="With --prune: remove graphs this store never pushed there too.")  # fmt: skip
@click.option(
    "--force",
    is_flag=True,
    help="Replace submissions the endpoint holds in a newer version than this store's.",
)
def push_cmd(endpoint: str | None, method: str | None, store_spec: str | None,
             prune: bool, dry_run: bool, yes: bool, force: bool) -> None:  # fmt: skip
    """Copy every named graph of the store to a SPARQL endpoint, graph by graph.

    Credentials come from COKG_USER / COKG_PASSWORD only."""
    import re
    from pathlib import Path

    from cokg import paths
    from cokg.errors import ParameterError, StoreMissing
    from cokg.formats import render_build
    from cokg.store import open_store, push, remote_config

    endpoint = endpoint or remote_config().get("endpoint")
    if not endpoint:
        raise click.UsageError("give --endpoint URL (or set COKG_ENDPOINT)")
    # The source is a local store: never the endpoint of the config file (which pushed the
    # server onto itself), never a file (which left a .lock beside it)
    if store_spec is None:
        store_spec = str(paths.default_store_dir())
    from cokg.store.opening import refuse_bare_address

    refuse_bare_address(store_spec)
    if re.match(r"https?://", store_spec):
        if store_spec.rstrip("/") == endpoint.rstrip("/"):
            raise ParameterError(f"--store and --endpoint are the same server ({endpoint})")
    elif store_spec != "memory:":
        where = Path(store_spec)
        if where.exists() and not where.is_dir():
            raise ParameterError(f"{store_spec} is a file, not a store: give a store folder")
        if not where.is_dir():
            raise StoreMissing(
                f"no store at {store_spec} to push: build it with `cokg build` (or name one "
                "with --store)"
            )
    if yes and not prune:
        raise ParameterError("--yes goes with --prune (it allows removing graphs)")
    from cokg.store import open_for_reading

    # The source is read (built first only when it is stale): a dry run writes nothing, and a
    # server as the source is not asked for its write lease
    if dry_run:
        from cokg.store import plan_push

        with (
            open_for_reading(store_spec) as source,
            open_store(endpoint, read_only=True) as target,
        ):
            plan = plan_push(source, target, prune=prune, force=force, yes=yes)
        click.echo(str(plan))
        return
    with (
        open_for_reading(store_spec) as source,
        open_store(endpoint, method=method) as target,
        _Progress() as progress,
    ):
        report = push(source, target, progress=progress, prune=prune, force=force, yes=yes)
    # each graph, as `cokg build` lists them: a log or cron job saw only the last line
    click.echo(render_build(report), nl=False)


@cli.command("export")
@click.argument("kind", required=False, default="graph",
                type=click.Choice(["graph", "sssom", "ro-crate", "nanopubs", "void"]))  # fmt: skip
@click.argument("target", required=False, type=click.Path(), callback=_output_path)
@click.option("--format", "-f", "fmt", type=click.Choice(["jsonld", "ttl", "nq", "trig"]),
              default=None, help="Output format (graph; default: from the file's suffix, "
              ".jsonld, .ttl, .nq or .trig; TriG on standard output).")  # fmt: skip
@click.option("--case", "case_id", default=None, metavar="CASE-ID",
              help="Only this case (its own part of a submission of several cases).")  # fmt: skip
@click.option("--pair", default=None, metavar="FROM:TO",
              help="Only the mappings from one scheme to another, e.g. cfir-2009:cfir-2022 "
              "(sssom).")  # fmt: skip
@click.option("--set", "set_id", default=None, metavar="SET-ID",
              help="An imported mapping set, by its mapping_set_id, with its own licence and "
              "curators (sssom; default: cokg's own mappings).")  # fmt: skip
@click.option("--include-text", is_flag=True,
              help="Put the full texts of coded sources in the RO-Crate (restricted).")  # fmt: skip
@click.option("--zip", "as_zip", is_flag=True, help="Write the RO-Crate as one .zip file.")
@click.option("--author", "authors", multiple=True, metavar="'NAME [ORCID]'",
              help="An author of the RO-Crate, e.g. 'A. Researcher https://orcid.org/0000-0002-"
              "1825-0097'; repeat for several (default: the creators the store records for its "
              "studies).")  # fmt: skip
@click.option("--out", "-o", type=click.Path(), default=None, help="File (default stdout).")
@click.option("--store", "store_spec", default=None, help="Store dir, memory: or endpoint URL.")
def export_cmd(kind: str, target: str | None, fmt: str, case_id: str | None, pair: str | None,
               set_id: str | None, include_text: bool, as_zip: bool, authors: tuple[str, ...],
               out: str | None, store_spec: str | None) -> None:  # fmt: skip
    """Write the whole graph or one case (JSON-LD, Turtle, N-Quads, TriG), or with `sssom` the
    framework mappings as an SSSOM/TSV mapping set: `cokg export sssom OUT.sssom.tsv`; `void`
    the VoID/DCAT description (`cokg export void OUT.ttl`, or .jsonld, .nt; stdout: Turtle)."""
    from pathlib import Path

    from cokg.errors import ParameterError
    from cokg.store import open_for_reading

    given = {"--format": fmt, "--case": case_id, "--pair": pair, "--set": set_id,
             "--include-text": include_text, "--zip": as_zip, "--author": authors}  # fmt: skip
    for option, value in given.items():
        if value and kind not in _EXPORT_OPTIONS[option]:
            kinds = " or ".join(f"`cokg export {k}`" for k in _EXPORT_OPTIONS[option])
            raise ParameterError(f"{option} is not an option of `cokg export {kind}` (of {kinds})")
    if target and out:
        raise ParameterError(f"give the output once: {target} or --out {out}, not both")
    out = target or out
    stdout_asked = out == "-"
    if out == "-":  # standard output, as for cokg sparql (a file named "-" was written)
        if kind in ("ro-crate", "nanopubs"):
            raise ParameterError(f"cokg export {kind} writes a folder: give its name, not -")
        out = None
    if kind in ("graph", "sssom", "void") and out and Path(out).is_dir():
        raise ParameterError(f"{out} is a folder: give the file to write")
    if kind in ("ro-crate", "nanopubs"):
        if not out:
            raise ParameterError(f"say where to write: cokg export {kind} OUT")
        folder = not (kind == "ro-crate" and as_zip)
        if folder and Path(out).is_file():
            raise ParameterError(f"{out} is a file: cokg export {kind} writes a folder")
        if not folder and Path(out).is_dir():
            raise ParameterError(f"{out} is a folder: --zip writes one file, e.g. crate.zip")
        with open_for_reading(store_spec) as store:
            if kind == "ro-crate":
                from cokg.linking.rocrate import export_rocrate
                from cokg.linking.void import creators

                path = export_rocrate(store, Path(out), include_text=include_text, zip=as_zip,
                                      authors=authors)  # fmt: skip
                click.echo(f"wrote the RO-Crate {path}", err=True)
                if not authors and not creators(store):
                    click.echo(
                        "note: the crate has no author (the store records none for its "
                        "studies): a data repository expects one; pass --author 'NAME [ORCID]'",
                        err=True,
                    )
            else:
                from cokg.linking.nanopubs import export_nanopubs

                n = export_nanopubs(store, Path(out), case=case_id)
                click.echo(f"wrote {n} nanopublications to {out}", err=True)
        return
    if kind == "void":
        from cokg.linking.void import void_bytes, write_void

        with open_for_reading(store_spec) as store:
            if out:
                size = write_void(store, Path(out))
                click.echo(f"wrote the VoID description ({size} bytes) to {out}", err=True)
            else:
                click.echo(void_bytes(store), nl=False)  # bytes: written raw
        return
    if kind == "sssom":
        from cokg.linking.sssom import export_sssom, framework_mappings, write_sssom

        if not out and not (target == "-" or stdout_asked):
            raise ParameterError("say where to write the mapping set: cokg export sssom OUT.tsv")
        schemes = tuple(pair.split(":", 1)) if pair else None
        if schemes is not None and len(schemes) != 2:
            raise ParameterError(f"--pair wants FROM:TO, e.g. cfir-2009:cfir-2022, not {pair!r}")
        with open_for_reading(store_spec) as store:
            if not out:  # "-": standard output
                mset = framework_mappings(store, schemes, set_id)
                write_sssom(mset, sys.stdout)
                click.echo(f"wrote {len(mset.mappings)} mappings", err=True)
                return
            n = export_sssom(store, Path(out), pair=schemes, set_id=set_id)
        click.echo(f"wrote {n} mappings to {out}", err=True)
        return
    from cokg.export import export, export_to
    from cokg.formats import render_exported

    fmt = _export_format(fmt, out)
    with open_for_reading(store_spec) as store:
        if out:
            size = export_to(store, Path(out), format=fmt, case=case_id)
            click.echo(render_exported(size, out), nl=False, err=True)
        else:
            click.echo(export(store, format=fmt, case=case_id), nl=False)  # bytes: written raw


@cli.command("backup")
@click.argument("out", type=click.Path(dir_okay=False), callback=_output_path)
@click.option("--format", "-f", "fmt", type=click.Choice(["trig", "nq"]), default=None,
              help="TriG or N-Quads (default: from the file's suffix, .trig or .nq).")  # fmt: skip
@click.option("--store", "store_spec", default=None,
              help="Store directory, memory: or endpoint URL to back up.")  # fmt: skip
@_wait_option
def backup_cmd(out: str, fmt: str | None, store_spec: str | None, wait: float | None) -> None:
    """Write every named graph of the store to one TriG or N-Quads file, atomically (the
    file only for its owner). A server is read under its write lease, so no write lands
    halfway through the backup. Restore it with `cokg restore`."""
    from pathlib import Path

    from cokg.store import RemoteStore, backup, backup_format, open_for_reading, open_store

    backup_format(out, fmt)  # a misnamed file is refused before the store is read
    store = open_for_reading(store_spec)
    if isinstance(store, RemoteStore):
        store.close()
        store = open_store(store_spec, wait=wait)  # a writer's turn: nothing changes meanwhile
    with store:
        report = backup(store, Path(out), format=fmt)
    click.echo(str(report))


@cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--store", "store_spec", default=None,
              help="Store directory, memory: or endpoint URL to restore into (default: as "
              "every command).")  # fmt: skip
@click.option("--replace", is_flag=True,
              help="Restore into a store that holds graphs: afterwards it holds exactly the "
              "backup's graphs (the others are removed).")  # fmt: skip
@_wait_option
def restore_cmd(file: str, store_spec: str | None, replace: bool, wait: float | None) -> None:
    """Put every graph of a backup (TriG or N-Quads, as `cokg backup` writes) into a store.
    The file is checked whole first: one that cannot be restored changes nothing. An empty
    store is required unless --replace; an embedded store is replaced all or nothing, a
    server graph by graph."""
    from cokg.store import restore

    with _Progress() as progress:
        report = restore(file, store_spec, replace=replace, wait=wait, progress=progress)
    click.echo(str(report))


# which kinds of export each option is for: any other is refused, not silently ignored
_EXPORT_OPTIONS = {"--format": ("graph",), "--case": ("graph", "nanopubs"), "--pair": ("sssom",),
                   "--set": ("sssom",), "--include-text": ("ro-crate",),
                   "--zip": ("ro-crate",), "--author": ("ro-crate",)}  # fmt: skip
_EXPORT_BY_SUFFIX = {".jsonld": "jsonld", ".json": "jsonld", ".ttl": "ttl", ".nq": "nq",
                     ".trig": "trig"}  # fmt: skip


def _export_format(fmt: str | None, out: str | None) -> str:
    """--format, else the file's suffix (a file named .jsonld never holds TriG), else TriG on
    standard output; a suffix that names another format than --format is refused."""
    from pathlib import Path

    from cokg.errors import ParameterError

    suffix = Path(out).suffix.lower() if out else ""
    named = _EXPORT_BY_SUFFIX.get(suffix)
    if fmt and named and fmt != named:
        raise ParameterError(
            f"--format {fmt} does not fit a file named {suffix}: give --format {named} or name "
            "the file for its format",
            file=out,
        )
    if fmt or not out:
        return fmt or "trig"
    if named is None:
        raise ParameterError(
            "cannot tell the format from the file name: give --format (jsonld, ttl, nq or "
            "trig) or name the file .jsonld, .ttl, .nq or .trig",
            file=out,
        )
    return named


@cli.command("import")
@click.argument("kind", type=click.Choice(["sssom"]))
@click.argument("path", type=click.Path())
@click.option("--by", "by", default=None, metavar="NAME", help="Who is importing (provenance).")
@click.option("--id", "sid", default=None, help="Submission id (default: from mapping_set_id).")
@click.option("--replace", is_flag=True, help="Replace an earlier import of the same set.")
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@click.option("--store", "store_spec", default=None, help="Store directory or endpoint URL.")
@_wait_option
def import_cmd(kind: str, path: str, by: str | None, sid: str | None, replace: bool,
               dry_run: bool, store_spec: str | None, wait: float | None) -> None:  # fmt: skip
    """Import a mapping set (SSSOM/TSV) as one submission, validated and stored all or nothing:
    `cokg import sssom MAPPINGS.sssom.tsv --by NAME`. Exit 1 when it does not conform."""
    from cokg.errors import ValidationFailed
    from cokg.formats import render_ingest
    from cokg.linking.submitting import submit_sssom
    from cokg.validate import format_report

    if not dry_run and not by:
        raise click.UsageError("say who is importing: --by NAME")
    try:
        with _Progress() as progress:
            rep = submit_sssom(path, by=by or "", store=store_spec, submission=sid,
                               replace=replace, dry_run=dry_run, wait=wait,
                               progress=progress)  # fmt: skip
    except ValidationFailed as exc:
        click.echo(format_report(exc.report), nl=False)  # type: ignore[attr-defined]
        raise
    if dry_run:
        click.echo(format_report(rep), nl=False)  # type: ignore[arg-type]
        if not rep.conforms:  # type: ignore[union-attr]
            click.get_current_context().exit(1)
        return
    for w in rep.validation.warnings:  # type: ignore[union-attr]
        click.echo(f"warning: {w}")  # what the set held that is not kept
    click.echo(render_ingest(rep), nl=False)  # type: ignore[arg-type]


# --- validate / ingest / retract / graphs / template (data steward) -----------------------
def _steward_store(store_spec: str | None, no_store: bool) -> Any:
    """The store to check references against: --store, else the project's store (built
    first when missing), or none with --no-store. Outside any project: a clear error."""
    from cokg.errors import StoreMissing
    from cokg.store import open_for_reading

    if no_store:
        return None
    try:
        return open_for_reading(store_spec)
    except StoreMissing as exc:
        raise StoreMissing(f"{exc.message}; or validate the files alone with --no-store") from None


@cli.command("validate")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json", "ttl"]), default="text",
              show_default=True,
              help="text for people; json or ttl (SHACL report) for machines.")  # fmt: skip
@click.option("--store", "store_spec", default=None,
              help="Check references against this store "
                   "(default .cokg/store if it exists).")  # fmt: skip
@click.option("--no-store", is_flag=True, help="Validate the files alone, without the store.")
@click.option("--whole-store", is_flag=True, help="Re-validate everything in the store instead.")
@click.option("--engine", type=click.Choice(["sparql", "pyshacl"]), default="sparql",
              show_default=True,
              help="Shapes compiled to SPARQL, or pySHACL (slow reference).")  # fmt: skip
@click.option("--technical", is_flag=True,
              help="Every shape and check result as found, with ontology terms (cokg:...) "
                   "and check names.")  # fmt: skip
def validate_cmd(paths: tuple[str, ...], fmt: str, store_spec: str | None, no_store: bool,
                 whole_store: bool, engine: str, technical: bool) -> None:  # fmt: skip
    """Check files or folders (RDF or a filled-in template) against the shapes.

    Exit 0: conforms (warnings allowed); 1: violations; 2: unusable input."""
    from cokg.errors import InputError
    from cokg.validate import format_report, validate, validate_store

    if whole_store:
        from cokg.store import open_store

        with open_store(store_spec, read_only=store_spec != "memory:") as store:
            report = validate_store(store, merge=not technical)
    else:
        if not paths:
            raise InputError("give one or more files or folders to validate")
        store = _steward_store(store_spec, no_store)
        try:
            with _Progress() as progress:
                if store is None:
                    report = validate(list(paths), store=None, engine=engine,
                                      merge=not technical, progress=progress)  # fmt: skip
                else:  # what `cokg ingest` would say, one record, one graph included
                    from cokg.ingest import preview

                    report = preview(list(paths), store=store, engine=engine,
                                     merge=not technical, progress=progress)  # fmt: skip
        finally:
            if store is not None:
                store.close()
    click.echo(format_report(report, fmt, technical=technical), nl=False)
    if not report.conforms:
        click.get_current_context().exit(1)


@cli.command("ingest")
@click.argument("paths", nargs=-1, type=click.Path(), required=True)
@click.option("--by", "by", required=True, metavar="NAME", help="Who is ingesting (provenance).")
@click.option("--store", "store_spec", default=None, help="Store directory or endpoint URL.")
@click.option("--id", "sid", default=None,
              help="Submission id (default: from the case ids, else the file names).")  # fmt: skip
@click.option("--replace", is_flag=True,
              help="Replace the submissions already holding records of this one, and "
                   "remove the records its stored graph holds and this one leaves out "
                   "(all in one transaction).")  # fmt: skip
@click.option("--remove-case", "remove_cases", multiple=True, metavar="CASE-ID",
              help="With --replace: remove this case, which the replaced submission holds "
                   "and this one leaves out, in the same transaction (repeatable).")  # fmt: skip
@click.option("--technical", is_flag=True,
              help="Messages with ontology terms (cokg:...) and check names.")  # fmt: skip
@_wait_option
def ingest_cmd(paths: tuple[str, ...], by: str, store_spec: str | None, sid: str | None,
               replace: bool, remove_cases: tuple[str, ...], technical: bool,
               wait: float | None) -> None:  # fmt: skip
    """Validate a submission and, if it conforms, store it as one named graph with provenance.

    A record (case, finding, quotation, ...) stored in another submission is refused unless
    --replace is given; re-ingesting the same case replaces it, but removes no record it
    leaves out unless --replace is given."""
    import dataclasses

    from cokg.errors import ValidationFailed
    from cokg.formats import render_ingest
    from cokg.ingest import ingest
    from cokg.validate import format_report
    from cokg.validate.report import result_line

    try:
        with _Progress() as progress:
            rep = ingest(list(paths), by=by, store=store_spec, submission=sid, replace=replace,
                         progress=progress, wait=wait, remove_cases=remove_cases)  # fmt: skip
    except ValidationFailed as exc:
        report = exc.report  # type: ignore[attr-defined]
        click.echo(format_report(report, technical=technical), nl=False)
        raise
    for r in rep.validation.results:  # the warnings it passed with, before what was stored
        click.echo(result_line(r, technical=technical))
    quiet = dataclasses.replace(rep, validation=dataclasses.replace(rep.validation, results=()))
    click.echo(render_ingest(quiet), nl=False)


@cli.command("retract")
@click.argument("graph")
@click.option("--store", "store_spec", default=None, help="Store directory or endpoint URL.")
@_wait_option
@click.option("--force", is_flag=True,
              help="Retract even when other submissions refer to its records.")  # fmt: skip
def retract_cmd(graph: str, store_spec: str | None, wait: float | None, force: bool) -> None:
    """Remove one submission (id, submission/<id> or graph IRI) and its provenance record.
    Refused when other graphs refer to records only it holds, unless --force."""
    from cokg.formats import render_retracted
    from cokg.ingest import retract

    click.echo(render_retracted(retract(graph, store=store_spec, wait=wait, force=force)), nl=False)


@cli.command("graphs")
@click.option("--store", "store_spec", default=None, help="Store directory or endpoint URL.")
def graphs_cmd(store_spec: str | None) -> None:
    """List the named graphs of the store, with the provenance of submissions."""
    from cokg.formats import render_graphs
    from cokg.ingest import list_graphs

    click.echo(render_graphs(list_graphs(store_spec)), nl=False)


@cli.command("template")
@click.argument("out", type=click.Path(), callback=_output_path)
@click.option("--case", "case_id", default=None, metavar="ID",
              help="Export this stored case, to correct and resubmit.")  # fmt: skip
@click.option("--without-shared", is_flag=True,
              help="With --case: leave out the shared records it refers to (organisations, "
              "places, the study ...), which the store already holds.")  # fmt: skip
@click.option("--store", "store_spec", default=None, help="Store directory or endpoint URL.")
def template_cmd(
    out: str, case_id: str | None, without_shared: bool, store_spec: str | None
) -> None:
    """Write a submission template: OUT.xlsx (workbook) or OUT/ (CSV files). Blank, or with
    --case ID holding that stored case exactly (it reads back to the same statements)."""
    from cokg.formats import render_case_export, render_written
    from cokg.template import export_case, write_template

    if case_id is None:
        if without_shared:
            raise click.UsageError("--without-shared goes with --case")
        click.echo(render_written(write_template(out, store=store_spec)), nl=False)
        return
    exported = export_case(case_id, out, store=store_spec, shared=not without_shared)
    click.echo(render_case_export(exported), nl=False)


# --- import-qdpx / export-qdpx (exchange): coded projects from and to QDA programs ----------
@cli.command("import-qdpx")
@click.argument("project", type=click.Path())
@click.option("--cases", "cases", default=None, metavar="MAP",
              help="CSV/TSV with columns case_name,case_id: which stored case each QDA case "
              "is (default: the QDA case names are case ids).")  # fmt: skip
@click.option(
    "--codes",
    "codes",
    default=None,
    metavar="MAPPING.sssom.tsv",
    help="SSSOM mapping set from the project's codes to framework constructs.",
)
@click.option("--informants", default=None, metavar="MAP",
              help="CSV/TSV with columns source_name,informant_code, for texts that name no "
              "informant (a variable Informant, or a name starting with the code).")  # fmt: skip
@click.option(
    "--phase",
    type=click.Choice(["adoption", "implementation", "assimilation"]),
    default=None,
    help="The phase of texts that give none (a variable Phase).",
)
@click.option(
    "--offsets",
    type=click.Choice(["utf16", "codepoints", "codepoints-crlf-as-one"]),
    default=None,
    help="The unit the selection offsets count in, when the project cannot tell (passages "
    "without names): check one passage in the QDA program.",
)
@click.option("--by", "by", default=None, metavar="NAME", help="Who is importing (provenance).")
@click.option("--include-text", is_flag=True, help="Store the texts themselves, not only the "
              "quotations (needed to export them back whole).")  # fmt: skip
@click.option(
    "--coder-names",
    is_flag=True,
    help="Keep the coders' names (default: a stable pseudonym per coder).",
)
@click.option("--dry-run", is_flag=True, help="Count, warn and validate; write nothing.")
@click.option("--replace", is_flag=True, help="Replace the project if it was imported before "
              "and has changed.")  # fmt: skip
@click.option("--id", "sid", default=None, help="Submission id (default: qda-<project name>).")
@click.option(
    "--out",
    "-o",
    "out_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Keep the submission's Turtle file in this folder.",
)
@click.option("--store", "store_spec", default=None, help="Store directory or endpoint URL.")
@_wait_option
def import_qdpx_cmd(project: str, cases: str | None, codes: str | None, informants: str | None,
                    phase: str | None, offsets: str | None, by: str | None, include_text: bool,
                    coder_names: bool, dry_run: bool, replace: bool, sid: str | None,
                    out_dir: str | None,
                    store_spec: str | None, wait: float | None) -> None:  # fmt: skip
    """Import a coded project from NVivo, ATLAS.ti, MAXQDA or QualCoder (REFI-QDA .qdpx) as
    one submission: validated and stored all or nothing, like `cokg ingest`.

    Exit 0: stored (or, with --dry-run, conforms); 1: does not conform; 2: unusable input."""
    from cokg.errors import InputError, ValidationFailed
    from cokg.qda.importing import import_qdpx, render_import
    from cokg.validate import format_report

    if not dry_run and not by:
        raise click.UsageError("say who is importing: --by NAME")
    try:
        with _Progress() as progress:
            rep = import_qdpx(project, by=by or "", cases=cases, codes=codes,
                              informants=informants, phase=phase, offsets=offsets,
                              include_text=include_text, coder_names=coder_names,
                              dry_run=dry_run, replace=replace,
                              store=store_spec, out=out_dir, submission=sid, progress=progress,
                              wait=wait)  # fmt: skip
    except ValidationFailed as exc:
        click.echo(format_report(exc.report), nl=False)  # type: ignore[attr-defined]
        raise
    except InputError as exc:  # a dry run lists every problem, not only the first
        problems = getattr(exc, "problems", []) if dry_run else []
        if len(problems) <= 1:  # one problem: the error line says it, once
            raise
        for line in problems:
            click.echo(f"error: {line}")
        raise InputError(f"{len(problems)} problems: nothing can be imported until they "
                         "are solved", file=exc.file) from None  # fmt: skip
    click.echo(render_import(rep), nl=False)
    if dry_run and rep.validation is not None and not rep.validation.conforms:
        click.get_current_context().exit(1)


@cli.command("export-qdpx")
@click.argument("out", type=click.Path(dir_okay=False), callback=_output_path)
@click.option("--case", "case_id", default=None, metavar="CASE-ID",
              help="Only this case's quotations, e.g. dundee-mrr.")  # fmt: skip
@click.option("--store", "store_spec", default=None, help="Store dir, memory: or endpoint URL.")
def export_qdpx_cmd(out: str, case_id: str | None, store_spec: str | None) -> None:
    """Write the stored quotations, their codes, texts and cases as a REFI-QDA project (OUT.qdpx)
    that NVivo, ATLAS.ti, MAXQDA and QualCoder open."""
    from cokg.qda.exporting import export_qdpx, render_export
    from cokg.store import open_for_reading

    with open_for_reading(store_spec) as store:
        click.echo(render_export(export_qdpx(out, store=store, case=case_id)), nl=False)


@cli.command("export-qdc")
@click.argument("out", type=click.Path(dir_okay=False), callback=_output_path)
@click.option("--scheme", required=True, metavar="SCHEME",
              help="The framework, e.g. cfir-2022 or greenhalgh-2004.")  # fmt: skip
@click.option("--store", "store_spec", default=None, help="Store dir, memory: or endpoint URL.")
def export_qdc_cmd(out: str, scheme: str, store_spec: str | None) -> None:
    """Write a framework as a REFI-QDA codebook (OUT.qdc) that NVivo, ATLAS.ti, MAXQDA and
    QualCoder import, so a team can code with it in their own program."""
    from pathlib import Path

    from cokg.qda.codebook import export_qdc

    n = export_qdc(store_spec, scheme, Path(out))
    click.echo(f"wrote {n} codes of {scheme} to {out}", err=True)


@cli.command("suggest-mappings")
@click.argument("project", type=click.Path())
@click.argument("out", type=click.Path(dir_okay=False), callback=_output_path)
@click.option("--scheme", default=None, metavar="SCHEME",
              help="Only constructs of this framework, e.g. cfir-2022 (default: all).")  # fmt: skip
@click.option("--cutoff", type=click.FloatRange(0, 1), default=0.7, show_default=True,
              help="How near a name must be to a construct's (1.0: label or code).")  # fmt: skip
@click.option("--store", "store_spec", default=None, help="Store dir, memory: or endpoint URL.")
def suggest_mappings_cmd(
    project: str, out: str, scheme: str | None, cutoff: float, store_spec: str | None
) -> None:
    """Write OUT.sssom.tsv to start mapping a QDA project's codes (PROJECT.qdpx or a .qdc
    codebook) to framework constructs: one row per code, with the construct its name matches
    best. Check every row, then import with `cokg import-qdpx PROJECT --codes OUT`."""
    from pathlib import Path

    from cokg.qda.suggesting import suggest_mappings, write_suggestions

    found = suggest_mappings(project, store=store_spec, scheme=scheme, cutoff=cutoff)
    write_suggestions(found, Path(out))
    click.echo(
        f"wrote {len(found.mapping_set.mappings)} suggested mappings to {out}: check each row; "
        f"{len(found.recognised)} codes are framework constructs already (no row needed), "
        f"{len(found.ratings)} are ratings of the code above them, "
        f"{len(found.unmatched)} match no construct"
        + (
            f"; matched against {found.preferred} first, the framework most codes' names match "
            "(--scheme chooses another)"
            if found.preferred
            else ""
        ),
        err=True,
    )
    for path in found.unmatched:
        click.echo(f"  no suggestion: {path}", err=True)


@cli.command("docs")
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--store", "store_spec", default=None, help="Store dir, memory: or endpoint URL.")
def docs_cmd(out: str, store_spec: str | None) -> None:
    """Write HTML documentation of the ontology and every framework scheme into OUT/."""
    from pathlib import Path

    from cokg.docs import write_docs
    from cokg.store import open_for_reading

    with open_for_reading(store_spec) as store:
        written = write_docs(store, Path(out))
    click.echo(f"wrote {len(written)} pages to {out}", err=True)


@cli.command("constructs")
@click.argument("text", required=False)
@click.option("--scheme", default=None, metavar="SCHEME",
              help="Only this framework, e.g. cfir-2022, cfir-2009, greenhalgh-2004.")  # fmt: skip
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1),
              help="Most matches shown for a search.")  # fmt: skip
@click.option("--store", "store_spec", default=None, help="Store directory or memory:.")
def constructs_cmd(
    text: str | None, scheme: str | None, limit: int, store_spec: str | None
) -> None:
    """List framework constructs with codes, labels, definitions and mappings; with TEXT,
    those whose label best matches it (typos allowed), e.g. `cokg constructs "change agent"`."""
    from cokg.constructs import find_constructs
    from cokg.formats import render_constructs

    found = find_constructs(text, scheme=scheme, store=store_spec, limit=limit)
    click.echo(render_constructs(found, search=text), nl=False)


# --- agreement (agreement): coders' agreement on their codes ---------------------------------
@cli.command("agreement")
@click.option("--coders", required=True, metavar="A,B[,C...]",
              help="The coders to compare, separated by commas (names or coder ids).")  # fmt: skip
@click.option("--case", "case_id", default=None, metavar="ID", help="Only this case.")
@click.option("--source", default=None, metavar="DOC",
              help="Only this coded text, interview or document (its name or IRI).")  # fmt: skip
@click.option("--unit", type=click.Choice(["segment", "span", "source"]), default="segment",
              show_default=True,
              help="segment: passages merged where they overlap; span: each exact passage; "
                   "source: each coded text as a whole.")  # fmt: skip
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "md", "csv", "tsv", "json"]),
              default="table", show_default=True, help="Output format.")  # fmt: skip
@click.option("--disagreements", "only_disagreements", is_flag=True,
              help="Only the list of disagreements.")  # fmt: skip
@_read_options
def agreement_cmd(coders: str, case_id: str | None, source: str | None, unit: str, fmt: str,
                  only_disagreements: bool, store_path: str | None,
                  endpoint: str | None) -> None:  # fmt: skip
    """Percent agreement, Cohen's kappa (two coders) and Krippendorff's alpha per code and
    overall, and the passages the coders coded differently (see docs/agreement.md)."""
    from cokg.agreement import agreement, render_agreement

    with _open_for_reading(store_path, endpoint) as store:
        report = agreement(store, coders=coders.split(","), case=case_id, source=source,
                           unit=unit)  # fmt: skip
    click.echo(render_agreement(report, fmt, disagreements=only_disagreements), nl=False)


def main() -> None:
    """Console-script entry point."""
    try:
        cli(prog_name="cokg")
    except KeyboardInterrupt:
        click.echo("cokg: interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
