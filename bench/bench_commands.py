"""A command's fixed cost: each `cokg` command as a person runs it, a fresh process every time.

    python bench/bench_commands.py                 # the founding store
    python bench/bench_commands.py --cases 945     # and 945 synthetic cases (~1M triples)
    python bench/bench_commands.py --repeat 21

What a command costs before it does any work that grows with the question: the interpreter,
the imports, opening the store read-only, deciding whether it is stale (data files fingerprinted
by size and time), the shapes (compiled once per shapes version and cached), the sandboxed
query child. Each command runs as a subprocess from the project's folder (as `cokg` is run),
its output thrown away; the figures are medians of --repeat runs after one warm-up, wall time
and CPU time (user + system of the command and every process it started), with the load average
at the start and the end, since the machine may be shared. `cokg --help` is the floor: the
interpreter and the command table. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_queries
import synthetic

from cokg.namespaces import graph_iri
from cokg.store import EmbeddedStore, source_files

ROOT = Path(__file__).resolve().parent.parent
COKG = str(Path(sys.executable).with_name("cokg"))


def _time(argv: list[str], repeat: int) -> tuple[float, float, int]:
    """(wall, cpu) medians of `repeat` runs after a warm-up, as bench_queries times a query
    (CPU of this process and the ones it started), and the exit code."""
    codes: list[int] = []

    def once() -> None:
        codes.append(subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL).returncode)

    wall, cpu = bench_queries._median(once, repeat)
    return wall, cpu, codes[0]


def _commands(store: Path, case_id: str, submission: Path) -> list[tuple[str, list[str]]]:
    s = ["--store", str(store)]
    return [
        ("cokg --help", ["--help"]),
        ("cokg query dataset-summary", ["query", "dataset-summary", *s]),
        ("cokg query constructs", ["query", "constructs", *s]),
        ("cokg query timeline -p case=…", ["query", "timeline", "-p", f"case={case_id}", *s]),
        ("cokg sparql (one triple)", ["sparql", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", *s]),
        ("cokg validate (one case)", ["validate", str(submission), *s]),
    ]


def _table(title: str, store: Path, case_id: str, submission: Path, repeat: int) -> str:
    load0 = os.getloadavg()[0]
    lines = [
        f"### {title}",
        "",
        "| command | exit | wall (ms) | CPU (ms) |",
        "|---|---:|---:|---:|",
    ]
    for label, args in _commands(store, case_id, submission):
        wall, cpu, code = _time([COKG, *args], repeat)
        lines.append(f"| {label} | {code} | {wall * 1000:.0f} | {cpu * 1000:.0f} |")
        print(f"  {label}: {cpu * 1000:.0f} CPU-ms", file=sys.stderr, flush=True)
    load1 = os.getloadavg()[0]
    bytecode = ""
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        bytecode = " PYTHONDONTWRITEBYTECODE is set: cokg loads the bytecode `make` wrote."
    lines += [
        "",
        f"Load average {load0:.2f} at the start, {load1:.2f} at the end (1-minute; "
        f"{os.cpu_count()} cores). Median of {repeat} runs after a warm-up (which also "
        f"fills the compiled-shapes cache).{bytecode}",
        "",
    ]
    return "\n".join(lines)


def _founding(work: Path, repeat: int) -> str:
    store = work / "founding"
    subprocess.run([COKG, "build", "--store", str(store)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    submission = ROOT / "data" / "cases" / "dundee-mrr.ttl"
    return _table("The founding store (3 cases)", store, "dundee-mrr", submission, repeat)


def _synthetic(work: Path, cases: int, repeat: int) -> str:
    """A store of `cases` synthetic cases; the submission is case cases+1 (it refers to the
    store's shared records), as in bench_validate.py."""
    data, submission = work / "synthetic.nt", work / "submission.nt"
    sub_graph = f"<{graph_iri(f'synthetic-case-{cases + 1}')}>"
    with data.open("w", encoding="utf-8") as st, submission.open("w", encoding="utf-8") as sb:
        for s, p, o, g in synthetic.iter_quads(cases + 1):
            if g == sub_graph:
                sb.write(f"{s} {p} {o} .\n")
            else:
                st.write(f"{s} {p} {o} .\n")
    files = source_files(include_data=False)
    files[graph_iri("synthetic")] = data
    store = work / f"store-{cases}"
    EmbeddedStore(store).rebuild(files)
    case_id = f"synthetic-{cases // 2:05d}"
    return _table(f"{cases} synthetic cases", store, case_id, submission, repeat)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=11)
    ap.add_argument("--cases", type=int, default=0, help="also a synthetic store of N cases")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cokg-bench-c-") as tmp:
        work = Path(tmp)
        # the commands' cache of compiled shapes, filled by the warm-up, gone afterwards
        os.environ.setdefault("COKG_CACHE", str(work / "cache"))
        print(_founding(work, args.repeat))
        if args.cases:
            print(_synthetic(work, args.cases, args.repeat))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
