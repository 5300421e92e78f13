"""Every code example in README.md and docs/*.md runs, so the documentation cannot rot.

Each fenced block is one test, named after where it starts (`docs/queries.md:42`). What a
block's info string (the words after the opening fence) means:

- ```python: executed with exec() in a fresh namespace; a block that starts with `>>>` (or
  ```pycon) is a doctest, so the output it shows is checked too.
- ```console: a transcript. `$ cokg ...` lines run in-process through click's CliRunner,
  `> ` lines continue the command above, and the lines after a command are its output, compared
  like a doctest with ELLIPSIS (`...` stands for anything; no lines shown = not compared).
  `$ echo $?` shows the exit status of the command before it. A command may fail only if the
  block says so: with `echo $?`, or by showing its `cokg: error:` line.
- ```sh: every line is a `cokg ...` command (a `# comment` may follow it); each must exit 0.
- ```sparql: run with `cokg sparql` against the founding dataset; it must succeed.
- ```text: a listing or a file tree, not an example; nothing to run.
- `no-run` after the language marks an example that cannot run here (`make demo`, a server
  that blocks, a command other than cokg); it is listed, not run.
- `name=NAME` and `after=NAME[,NAME]`: a block may first run the named blocks of the same
  page in its own directory (to get, say, a filled-in submission to validate).

Every block is run in its own temporary copy of the project (ontology/, shapes/, queries/,
data/ and tests/fixtures/) as the working directory, with the project paths pointed at it, so
an example that writes files or builds `.cokg/store` writes there. `COLUMNS=100` fixes the width
of text tables. A test fails when a block is neither run nor marked (an unknown language, or a
fence without one).
"""

from __future__ import annotations

import doctest
import re
import shlex
import shutil
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# What a temporary project holds: enough to build the store and to find the examples' inputs.
PROJECT_PARTS = ["ontology", "shapes", "queries", "data", "tests/fixtures"]

RUN = {"python", "pycon", "console", "sh", "sparql"}
LISTING = {"text"}
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


@dataclass
class Block:
    page: str  # path relative to the repository, e.g. docs/queries.md
    line: int  # line of the opening fence, 1-based
    lang: str
    flags: set[str] = field(default_factory=set)
    name: str | None = None
    after: list[str] = field(default_factory=list)
    code: str = ""

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def runs(self) -> bool:
        return self.lang in RUN and "no-run" not in self.flags


def parse(path: Path) -> list[Block]:
    """The fenced code blocks of a Markdown file (indented fences, as in lists, included)."""
    page = path.relative_to(ROOT).as_posix()
    blocks: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence = len(m["indent"]), m["fence"]
        words = m["info"].split()
        block = Block(page, i + 1, words[0] if words else "")
        for word in words[1:]:
            key, _, value = word.partition("=")
            if key == "name":
                block.name = value
            elif key == "after":
                block.after = value.split(",")
            else:
                block.flags.add(word)
        body: list[str] = []
        i += 1
        while i < len(lines) and not _closes(FENCE.match(lines[i]), fence):
            line = lines[i]
            body.append(line[indent:] if line[:indent].strip() == "" else line.lstrip())
            i += 1
        block.code = "\n".join(body) + "\n"
        blocks.append(block)
        i += 1
    return blocks


def _closes(m: re.Match[str] | None, fence: str) -> bool:
    """A closing fence: the same character, at least as long, and no info string."""
    if m is None or m["info"].strip():
        return False
    return m["fence"][0] == fence[0] and len(m["fence"]) >= len(fence)


BLOCKS = {page: parse(page) for page in PAGES}
ALL = [b for blocks in BLOCKS.values() for b in blocks]


# --- the accounting: every block is run or marked ----------------------------------------------


def test_there_are_pages_and_examples() -> None:
    assert (ROOT / "docs").is_dir()
    assert sum(b.runs for b in ALL) >= 20


@pytest.mark.parametrize("block", [pytest.param(b, id=b.id) for b in ALL])
def test_every_block_is_run_or_marked(block: Block) -> None:
    known = RUN | LISTING
    assert block.lang in known or "no-run" in block.flags, (
        f"{block.id}: a ```{block.lang or '(no language)'} block is neither run nor marked; "
        f"use one of {sorted(known)}, or add `no-run` when it cannot run here"
    )
    names = {b.name for b in BLOCKS[ROOT / block.page] if b.name}
    assert set(block.after) <= names, f"{block.id}: after= names an unknown block"
    if block.runs and block.lang == "sh":
        for line in _lines(block.code):
            assert line.startswith("cokg "), f"{block.id}: `{line}` is not a cokg command"


def test_readme_is_short_and_links_every_page() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    for page in (ROOT / "docs").glob("*.md"):
        assert f"docs/{page.name}" in readme, f"README does not link docs/{page.name}"


LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")


@pytest.mark.parametrize(
    "page", [pytest.param(p, id=p.relative_to(ROOT).as_posix()) for p in PAGES]
)
def test_links_between_pages_resolve(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    for m in LINK.finditer(text):
        target = m["target"]
        if re.match(r"[a-z]+:", target):
            continue  # http(s), mailto: not ours to check
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        assert file.exists(), f"{page.name}: link to {target}: no such file"
        if anchor and file.suffix == ".md":
            assert anchor in _anchors(file), f"{page.name}: link to {target}: no such heading"


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    out = set()
    in_code = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            in_code = not in_code
        elif line.startswith("#") and not in_code:
            title = line.lstrip("#").strip().lower()
            out.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return out


# --- running them --------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, project_root) -> Path:
    """A temporary copy of the project, as the working directory and the project root."""
    for part in PROJECT_PARTS:
        shutil.copytree(ROOT / part, tmp_path / part)
    project_root(tmp_path)
    monkeypatch.chdir(tmp_path)
    for var in ("COKG_ENDPOINT", "COKG_STORE", "COKG_USER", "COKG_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("COLUMNS", "100")
    return tmp_path


@pytest.mark.parametrize("block", [pytest.param(b, id=b.id) for b in ALL if b.runs])
def test_example_runs(block: Block, project: Path) -> None:
    for earlier in _prerequisites(block):
        _run(earlier)
    _run(block)


def _prerequisites(block: Block, seen: set[str] | None = None) -> list[Block]:
    seen = set() if seen is None else seen
    out: list[Block] = []
    for name in block.after:
        if name in seen:
            continue
        seen.add(name)
        (named,) = [b for b in BLOCKS[ROOT / block.page] if b.name == name]
        out += [*_prerequisites(named, seen), named]
    return out


def _run(block: Block) -> None:
    if block.lang == "pycon" or (block.lang == "python" and block.code.lstrip().startswith(">>>")):
        _doctest(block)
    elif block.lang == "python":
        exec(compile(block.code, block.id, "exec"), {"__name__": "__docs__"})
    elif block.lang == "console":
        _transcript(block)
    elif block.lang == "sh":
        for line in _lines(block.code):
            _cokg(block, line, shown=None, status=0)
    elif block.lang == "sparql":
        _cokg(block, shlex.join(["cokg", "sparql", block.code]), shown=None, status=0)


def _lines(code: str) -> list[str]:
    return [
        ln.strip() for ln in code.splitlines() if ln.strip() and not ln.lstrip().startswith("#")
    ]


def _doctest(block: Block) -> None:
    test = doctest.DocTestParser().get_doctest(block.code, {}, block.id, block.page, block.line)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)


def _transcript(block: Block) -> None:
    # [command, shown output lines]; `> ` lines continue the command above
    steps: list[list] = []
    for line in block.code.splitlines():
        if line.startswith("$ "):
            steps.append([line[2:], []])
        elif line.startswith("> ") and steps and not steps[-1][1]:
            steps[-1][0] += "\n" + line[2:]
        else:
            assert steps, f"{block.id}: output before the first `$ ` command"
            steps[-1][1].append(line)
    last = 0
    for n, (command, shown) in enumerate(steps):
        text = "\n".join(shown).strip("\n")
        if command.strip() == "echo $?":
            assert text == str(last), f"{block.id}: `echo $?` shows {text}, the status was {last}"
            continue
        follows = n + 1 < len(steps) and steps[n + 1][0].strip() == "echo $?"
        fails = follows or any(ln.startswith("cokg: error:") for ln in shown)
        last = _cokg(block, command, shown=text or None, status=None if fails else 0)


def _cokg(block: Block, command: str, *, shown: str | None, status: int | None) -> int:
    from cokg.cli import cli

    args = shlex.split(command, comments=True)
    assert args and args[0] == "cokg", f"{block.id}: `{command}` is not a cokg command"
    result = CliRunner().invoke(cli, args[1:], prog_name="cokg")
    output = "\n".join(ln.rstrip() for ln in result.output.splitlines()).strip("\n") + "\n"
    # the CLI turns every error into a message and an exit status; anything else is a crash
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        trace = "".join(traceback.format_exception(result.exception))
        pytest.fail(f"{block.id}: `{command}` crashed:\n{trace}")
    if status is not None:
        assert result.exit_code == status, (
            f"{block.id}: `{command}` exited {result.exit_code}:\n{output}"
        )
    else:
        assert result.exit_code != 0, f"{block.id}: `{command}` was shown failing but succeeded"
    if shown is not None:
        want = "\n".join(ln.rstrip() for ln in shown.splitlines()) + "\n"
        assert doctest.OutputChecker().check_output(want, output, doctest.ELLIPSIS), (
            f"{block.id}: `{command}` printed\n{output}\ninstead of\n{want}"
        )
    return result.exit_code


def test_the_query_table_lists_every_saved_query_with_its_parameters() -> None:
    # outcomes-by-phase was missing from it, while `cokg queries` listed it
    from cokg.query import list_queries

    text = (ROOT / "docs" / "queries.md").read_text(encoding="utf-8")
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r"^\| `([a-z0-9-]+)`((?: `[^`]*`)*) \|", text, re.MULTILINE)
    }
    for q in list_queries():
        assert q.name in rows, f"docs/queries.md lists no {q.name}"
        for p in q.params:
            assert f"{p.name}=" in rows[q.name], f"{q.name}: {p.name}= is not in its row"
