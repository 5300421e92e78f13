"""The `cokg` command shell: fast start, and the error contract (one line, exit codes,
--traceback) for every command."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cokg import cli as cli_module
from cokg.cli import cli

FIX = Path(__file__).parent / "fixtures"
HEAVY = (
    "rdflib",
    "pyoxigraph",
    "owlready2",
    "pyshacl",
    "networkx",
    "matplotlib",
    "starlette",
    "uvicorn",
    "SPARQLWrapper",
    "httpx",
    "openpyxl",
)


def test_help_starts_fast() -> None:
    # The target is 0.3 s (measured: about 0.05 s); the bound is loose so a busy CI
    # machine does not make this flaky. The import check below is the precise guard.
    best = min(_timed([sys.executable, "-m", "cokg.cli", "--help"]) for _ in range(3))
    assert best < 1.0


def _timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert "Usage:" in proc.stdout
    return time.perf_counter() - start


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from cokg.cli import cli\n"
        "try:\n"
        "    cli(['--help'], prog_name='cokg')\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list:
    out = []
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            out += _commands(cmd, (*prefix, name))
        else:
            out.append(pytest.param((*prefix, name), cmd, id=" ".join((*prefix, name))))
    return out


def _required_args(command: click.Command) -> list[str]:
    """A value for every required argument and option: enough to reach the callback."""
    args: list[str] = []
    for p in command.params:
        if p.required:
            # a choice takes one of its choices; anything else takes "x"
            value = str(p.type.choices[0]) if isinstance(p.type, click.Choice) else "x"
            args += [value] if isinstance(p, click.Argument) else [p.opts[0], value]
    return args


@pytest.mark.parametrize(("path", "command"), _commands(cli))
def test_every_command_handles_errors(path, command, monkeypatch) -> None:
    # The group handles the errors of every command: a CokgError raised by any command is
    # one line and the error's exit code, a bug is one line and exit 3.
    from cokg.errors import InputError

    def broken(**_kwargs):
        raise InputError("broken input", file="x.ttl", line=3)

    monkeypatch.setattr(command, "callback", broken)
    result = CliRunner().invoke(cli, [*path, *_required_args(command)])
    assert result.exit_code == 2, result.output
    assert result.output.strip() == "cokg: error: x.ttl:3: broken input"

    def buggy(**_kwargs):
        raise KeyError("oops")

    monkeypatch.setattr(command, "callback", buggy)
    result = CliRunner().invoke(cli, [*path, *_required_args(command)])
    assert result.exit_code == 3, result.output
    assert result.output.strip() == (
        "cokg: internal error: KeyError: 'oops' (run with --traceback)"
    )


def test_errors_are_handled_by_the_group() -> None:
    assert isinstance(cli, cli_module.CokgGroup)


@pytest.mark.parametrize("flags", [[], ["--traceback"]], ids=["plain", "traceback"])
def test_interrupt_exits_130_quietly(flags, monkeypatch) -> None:
    def interrupted(**_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.commands["check"], "callback", interrupted)
    result = CliRunner().invoke(cli, [*flags, "check"])
    assert result.exit_code == 130
    assert result.output.strip() == "cokg: interrupted"


def test_analyse_and_demo_print_the_same_summary(monkeypatch) -> None:
    # One renderer, cokg.formats.render_analysis, writes the summary for both.
    import cokg.formats
    import cokg.report
    import cokg.store
    from cokg import demo
    from cokg.report import AnalysisSummary, PhaseSummary

    class NoStore:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

    summary = AnalysisSummary(
        phases=(
            PhaseSummary("adoption", ("Process",), (("case-a", "case-b", 0.5),), 2),
            PhaseSummary("assimilation", (), (("case-a", "case-b", None),), 0),
        ),
        before_adoption=(("case-a", ("Agency",)), ("case-b", ())),
    )
    monkeypatch.setattr(cokg.store, "open_store", lambda *a, **k: NoStore())
    monkeypatch.setattr(cokg.store, "open_for_reading", lambda *a, **k: NoStore())
    monkeypatch.setattr(cokg.report, "summarise", lambda store, **_kw: summary)
    expected = [
        "in every case studied in adoption (2 cases): Process",
        "  similarity case-a / case-b: 0.50",
        "in every case studied in assimilation (0 cases): none",
        "  similarity case-a / case-b: n/a (nothing coded in either case, or a case not "
        "studied in the phase)",
        "before adoption in case-a: Agency",
        "before adoption in case-b: -",
    ]
    assert cokg.formats.render_analysis(summary).splitlines() == expected
    assert demo._step_analyse().lines == expected
    result = CliRunner().invoke(cli, ["analyse"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == expected


def test_check_clean(project_root) -> None:
    project_root()
    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 0, result.output
    assert "unsatisfiable classes: none" in result.output
    assert result.output.rstrip().endswith("OK")


def test_check_unsatisfiable_exit_1(project_root) -> None:
    project_root()
    result = CliRunner().invoke(cli, ["check", str(FIX / "reason" / "unsatisfiable.ttl")])
    assert result.exit_code == 1
    assert "Organisational person" in result.output


def test_check_unreadable_input_exit_2(project_root) -> None:
    project_root()
    result = CliRunner().invoke(cli, ["check", str(FIX / "load" / "truncated.ttl")])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("cokg: error: ")
    assert "truncated.ttl:6" in lines[0]
    assert "Traceback" not in result.output


def test_traceback_flag_shows_the_exception(project_root) -> None:
    project_root()
    result = CliRunner().invoke(cli, ["--traceback", "check", str(FIX / "load" / "truncated.ttl")])
    assert result.exit_code != 0
    from cokg.errors import InputError

    assert isinstance(result.exception, InputError)


def test_internal_error_exit_3(project_root, monkeypatch) -> None:
    project_root()
    import cokg.reason

    def boom(**_kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(cokg.reason, "check", boom)
    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 3
    assert result.output.strip() == (
        "cokg: internal error: ZeroDivisionError: division by zero (run with --traceback)"
    )
    result = CliRunner().invoke(cli, ["--traceback", "check"])
    assert isinstance(result.exception, ZeroDivisionError)


def test_usage_error_is_exit_2() -> None:
    result = CliRunner().invoke(cli, ["check", "--no-such-option"])
    assert result.exit_code == 2


def test_entry_point_real_process(tmp_path: Path) -> None:
    # The console script end to end, in a real process, on an unreadable file.
    f = tmp_path / "notes.docx.ttl"
    f.write_bytes(b"PK\x03\x04")
    proc = subprocess.run(
        [sys.executable, "-m", "cokg.cli", "check", str(f)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COKG_ROOT": str(FIX / "reason" / "mini")},
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == (
        f"cokg: error: {f}: not an RDF file: looks like a ZIP/Office document (.docx, .xlsx, .zip)"
    )


def test_cli_module_imports_only_click_and_errors() -> None:
    import ast

    tree = ast.parse(Path(cli_module.__file__).read_text(encoding="utf-8"))
    top = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            top |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            top.add(node.module)
    allowed = {
        "__future__",
        "functools",
        "sys",
        "collections.abc",
        "typing",
        "click",
        "cokg",
        "cokg.errors",
        "os",
        "pathlib",
    }
    assert top <= allowed, top - allowed


def test_sparql_reads_the_query_from_stdin() -> None:
    result = CliRunner().invoke(cli, ["sparql", "--store", "memory:", "-"], input="ASK {}\n")
    assert result.exit_code == 0, result.output
    assert result.output == "true\n"


def test_the_memory_cap_has_one_name_everywhere() -> None:
    # `cokg serve` said --memory-mb and the query commands --memory: both take both
    for command in (["serve"], ["query", "x"], ["sparql", "x"]):
        found = cli.get_command(click.Context(cli), command[0])
        assert found is not None
        names = {n for p in found.params if p.name == "memory_mb" for n in p.opts}
        assert names == {"--memory", "--memory-mb"}, command
    result = CliRunner().invoke(
        cli, ["query", "sampling-frame", "--store", "memory:", "--memory-mb", "1024"]
    )
    assert result.exit_code == 0, result.output
    assert "Jönköping" in result.output or "jonkoping" in result.output.lower()


def test_every_out_and_format_option_has_its_short_form() -> None:
    # `cokg query -o x.csv` and `cokg export -o x.ttl` alike: one habit for every command
    options = [
        (f"cokg {name} {opt}", short in param.opts)
        for name, command in cli.commands.items()
        for param in command.params
        for opt, short in (("--out", "-o"), ("--format", "-f"))
        if opt in param.opts
    ]
    assert len(options) >= 10  # query, sparql, export, report, analyse, import-qdpx ...
    assert [name for name, has_short in options if not has_short] == []


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["export-qdc", "--scheme", "cfir-2009", "{out}/x.qdc"], id="export-qdc"),
        pytest.param(["export", "sssom", "{out}/x.sssom.tsv"], id="export-sssom"),
        pytest.param(["export-qdpx", "{out}/x.qdpx"], id="export-qdpx"),
        pytest.param(["template", "{out}/x.xlsx"], id="template"),
        pytest.param(["query", "cases", "-o", "{out}/cases.csv"], id="query"),
        pytest.param(["sparql", "ASK {}", "--out", "{out}/ask.csv"], id="sparql"),
    ],
)
def test_an_output_in_a_missing_folder_is_refused_first(tmp_path: Path, args: list[str]) -> None:
    # a usage error before any work (was an internal error once the file came to be written)
    missing = tmp_path / "no-such-folder"
    argv = [a.replace("{out}", str(missing)) for a in args]
    res = CliRunner().invoke(cli, [*argv, "--store", "memory:"])
    assert res.exit_code == 2, res.output
    out = next(a for a in argv if str(missing) in a)
    assert res.output.splitlines() == [
        f"cokg: error: {out}: cannot write: the folder {missing} does not exist (create it first)"
    ]
    assert not missing.exists()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["report", "--out", "afile"], "'afile' is a file"),
        (["analyse", "--out", "afile"], "'afile' is a file"),
        (["export", "ro-crate", "afile"], "afile is a file: cokg export ro-crate writes a folder"),
        (["export", "nanopubs", "afile"], "afile is a file: cokg export nanopubs writes a folder"),
        (["serve", "--port", "99999"], "--port must be from 0 to 65535, not 99999"),
    ],
)
def test_a_users_mistake_is_exit_2_not_an_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], said: str
) -> None:
    # each was "cokg: internal error: FileExistsError ..." (exit 3), one with uvicorn's traceback
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("a steward's notes\n", encoding="utf-8")
    result = CliRunner().invoke(cli, [*args, "--store", "memory:"])
    assert result.exit_code == 2, result.output
    assert said in result.output and "Traceback" not in result.output
    assert "internal error" not in result.output
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "a steward's notes\n"


def test_serve_says_a_port_in_use_in_one_line() -> None:
    import socket

    from cokg.errors import ParameterError
    from cokg.serve import listen

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(ParameterError, match=f"port {port} on 127.0.0.1 is in use"):
            listen("127.0.0.1", port)
    sock = listen("127.0.0.1", 0)  # and a free one is bound and listening
    try:
        assert sock.getsockname()[1] > 0
    finally:
        sock.close()


def test_a_query_parameter_given_twice_is_refused() -> None:
    # the last value won, silently: one case's timeline was answered for two asked
    args = ["query", "timeline", "case=dundee-mrr", "--param", "case=jonkoping-esther"]
    result = CliRunner().invoke(cli, [*args, "--store", "memory:"])
    assert result.exit_code == 2
    assert result.output == (
        "cokg: error: case is given twice ('dundee-mrr' and 'jonkoping-esther'): a query takes "
        "one value per parameter; run it once for each\n"
    )


def test_an_empty_answer_says_so_under_its_header() -> None:
    q = "SELECT ?s WHERE { ?s a <http://example.org/Nothing> }"
    result = CliRunner().invoke(cli, ["sparql", q, "--store", "memory:"])
    assert result.exit_code == 0 and result.output.endswith("+---+\nno rows\n"), result.output
    result = CliRunner().invoke(cli, ["sparql", q, "-f", "csv", "--store", "memory:"])
    assert result.output == "s\n"  # a program's format stays as it is


@pytest.mark.parametrize(
    "args",
    [
        ["template", "--case", "a", "--case", "b", "out.xlsx"],
        ["query", "timeline", "--limit", "2", "--limit=3"],
        ["export", "--format", "nq", "--format", "ttl", "out"],
    ],
    ids=["template-case", "query-limit", "export-format"],
)
def test_an_option_of_one_value_given_twice_is_refused(args: list[str]) -> None:
    # click kept the last: `--case a --case b` exported case b alone, without a word
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "given twice: it takes one value" in result.output
