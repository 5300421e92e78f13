"""The rating queries at 1,000 rated cases, as `cokg` runs them, against plain rdflib.

    python bench/bench_ratings.py                    # 1,000 rated cases (~2.5M triples)
    python bench/bench_ratings.py --cases 100        # quicker
    python bench/bench_ratings.py --no-rdflib        # cokg's stores only
    python bench/bench_ratings.py --ratings few      # five constructs a case, not all 48 x 3

The data are bench/synthetic.py's "rated" profile: founding-shaped cases, each with every CFIR
2022 construct rated in each phase (144 ratings citing one to three findings) and an
implementation outcome. Timed, on the in-memory store and then on the embedded on-disk store
opened read-only: construct-matrix whole, as `cokg query` runs it (the first page of whole
cases, asked for a few cases at a time, and its total: `cokg.query.paging.read_whole_cases`),
the first page of cases alone (one VALUES block of their case ids), each for one phase too,
and for one case; distinguishing-constructs (all cases, by outcome group; it is not paged) with and
without a phase; rating-evidence for one construct in one case, and as `cokg query` runs it
(its first page and total) by default, for a phase and for one construct; a page deep in the
matrix, with and without a phase (its rows per case counted first). For the rows run as `cokg
query` runs them the engine and rdflib columns run the query for the first page's cases of the
matrix, a page of about the same size. Last, `cokg query
construct-matrix` as a fresh process on the on-disk store (start-up and printing included).

Each cokg figure is split into the engine (pyoxigraph evaluating the bound text and writing its
answer, in this process) and the rest (the sandboxed child, the answer crossing to this process,
conversion to rows): `cokg.query.run_query` exposes only the total (for the rows run as
`cokg query` runs them, the engine column is the page's query alone and rdflib runs it too).
rdflib runs the same SPARQL text in a forked child, stopped after --rdflib-timeout seconds
(">N": the ratio is then a lower bound). Figures are medians of --repeat runs after a warm-up;
wall and CPU time side by side and the load average at the start and the end, since the
machine may be shared. Prints Markdown.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_queries
import pyoxigraph as ox
import synthetic

from cokg.query import bind_parameters, get_query, page_size, run_query
from cokg.sparql import inject_rows, inject_values, screen
from cokg.store import EmbeddedStore, MemoryStore


@dataclass(frozen=True)
class Job:
    label: str
    query: str
    params: dict[str, str]
    page_cases: bool = False  # the first page of cases: a VALUES block of their case ids
    # as `cokg query` runs it by default: the first page (whole cases, asked for a few at a
    # time) and its total; the engine column and rdflib then run the first page of cases
    as_cli: bool = False
    offset: int = 0  # as `cokg query --offset` runs it: a later page (rows per case counted)


def _jobs(case_id: str) -> list[Job]:
    matrix, dist = "construct-matrix", "distinguishing-constructs"
    adoption = {"phase": "adoption"}
    evidence = {"construct": "cfir22:III.D", "case": case_id}
    construct = {"construct": "cfir22:III.D"}
    return [
        Job("construct-matrix, whole", matrix, {}),
        Job("construct-matrix, as `cokg query` runs it", matrix, {}, as_cli=True),
        Job("construct-matrix, first page of cases", matrix, {}, True),
        Job("construct-matrix phase=adoption, whole", matrix, {"phase": "adoption"}),
        Job("construct-matrix phase=adoption, page", matrix, {"phase": "adoption"}, True),
        Job("construct-matrix phase=adoption, as `cokg query`", matrix, adoption, as_cli=True),
        Job("construct-matrix, a page at row 50,000", matrix, {}, as_cli=True, offset=50_000),
        Job(
            "construct-matrix phase=adoption, at row 20,000", matrix, adoption, False, True, 20_000
        ),
        Job("construct-matrix, one case", matrix, {"case": case_id}),
        Job(dist, dist, {}),
        Job(f"{dist} phase=adoption", dist, {"phase": "adoption"}),
        Job("rating-evidence III.D, one case", "rating-evidence", evidence),
        Job("rating-evidence, as `cokg query` runs it", "rating-evidence", {}, as_cli=True),
        Job(
            "rating-evidence phase=adoption, as `cokg query`",
            "rating-evidence",
            adoption,
            as_cli=True,
        ),
        Job("rating-evidence III.D, as `cokg query`", "rating-evidence", construct, as_cli=True),
    ]


def _text(store: Any, job: Job, page: list[Any]) -> str:
    """The SPARQL text cokg runs for the job: parameters bound by a VALUES block, and for a
    page of cases a second block of their case ids."""
    query = get_query(job.query)
    bindings, _ = bind_parameters(query, job.params, store)
    text = inject_values(query.body, "select", bindings) if bindings else query.body
    if job.page_cases or job.as_cli:
        text = inject_rows(text, "select", "case_id", page)
    return text


def _cokg(store: Any, job: Job, text: str) -> int:
    """Rows of the job as cokg answers it (the sandboxed child, rows of Python values)."""
    if job.as_cli:
        limit, offset = page_size(), job.offset
        return len(
            run_query(job.query, store=store, timeout=0, limit=limit, offset=offset, **job.params)
        )
    if job.page_cases:
        return len(store.query(screen(text).text, timeout=0).rows)
    return len(run_query(job.query, store=store, timeout=0, **job.params))


def _engine(store: Any, text: str) -> int:
    """Rows of the engine alone: pyoxigraph evaluating `text` and writing its answer."""
    raw = store._store()  # the pyoxigraph Store underneath, to time the engine apart
    answer = raw.query(text, use_default_graph_as_union=True)
    return len(answer.serialize(format=ox.QueryResultsFormat.TSV).splitlines()) - 1


def _time_store(store: Any, jobs: list[Job], texts: dict[str, str], repeat: int) -> dict:
    out = {}
    for job in jobs:
        text = texts[job.label]
        rows = _cokg(store, job, text)
        wall, cpu = bench_queries._median(lambda j=job, t=text: _cokg(store, j, t), repeat)
        engine, _ = bench_queries._median(lambda t=text: _engine(store, t), repeat)
        out[job.label] = (rows, wall, cpu, engine)
        print(f"  {job.label}: {wall * 1000:.0f} ms", file=sys.stderr, flush=True)
    return out


def _first_page(store: Any) -> list[Any]:
    """The case ids of the first page: whole cases, in case order, until about one page of
    rows (the default page size) - as many as the rows of the first case say are needed."""
    ids = [r["case_id"] for r in store.query(get_query("cases").body).rows]
    first = _cokg(store, Job("", "construct-matrix", {"case": str(ids[0])}), "")
    per_case = max(1, first)
    return ids[: max(1, -(-page_size() // per_case))]


def _ratio(naive: tuple[int | None, float, float] | None, ours: float, timeout: float) -> str:
    if naive is None:
        return ""
    rows, wall, _ = naive
    return f"{wall / ours:.0f}×" if rows is not None else f">{timeout / ours:.0f}×"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}" if seconds >= 0.01 else f"{seconds * 1000:.1f}"


def _table(mem: dict, disk: dict, naive: dict, timeout: float) -> str:
    lines = [
        "| query | rows | memory: wall / CPU (ms) | memory: engine / rest (ms) "
        "| on disk: wall / CPU (ms) | on disk: engine / rest (ms) | rdflib (s) "
        "| rdflib ÷ memory | rdflib ÷ disk |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, (rows, m_wall, m_cpu, m_eng) in mem.items():
        _, d_wall, d_cpu, d_eng = disk[label]
        n = naive.get(label)
        shown = "" if n is None else (f"{n[1]:.1f}" if n[0] is not None else f">{timeout:.0f}")
        lines.append(
            f"| {label} | {rows} | {_ms(m_wall)} / {_ms(m_cpu)} "
            f"| {_ms(m_eng)} / {_ms(max(0.0, m_wall - m_eng))} "
            f"| {_ms(d_wall)} / {_ms(d_cpu)} | {_ms(d_eng)} / {_ms(max(0.0, d_wall - d_eng))} "
            f"| {shown} | {_ratio(n, m_wall, timeout)} | {_ratio(n, d_wall, timeout)} |"
        )
    return "\n".join(lines) + "\n"


def run(work: Path, cases: int, repeat: int, rdflib: bool, timeout: float, ratings: str) -> str:
    data = work / f"rated-{cases}.nt"
    synthetic.write(data, cases=cases, profile="rated", ratings=ratings)
    files = bench_queries._files(data)
    load0 = os.getloadavg()
    mem = MemoryStore()
    mem.rebuild(files)
    triples = mem.count()
    case_id = bench_queries._middle_case(mem)
    jobs = _jobs(case_id)
    page = _first_page(mem)
    texts = {job.label: _text(mem, job, page) for job in jobs}
    print(f"memory store, {triples:,} triples", file=sys.stderr)
    mem_runs = _time_store(mem, jobs, texts, repeat)
    naive: dict = {}
    if rdflib:
        print("rdflib: loading", file=sys.stderr, flush=True)
        loaded = bench_queries._rdflib_load(files)
        print(f"rdflib: loaded in {loaded:.0f} s", file=sys.stderr, flush=True)
        for job in jobs:
            naive[job.label] = bench_queries._rdflib_run(texts[job.label], timeout)
            got, wall, _ = naive[job.label]
            shown = f"{wall:.1f} s" if got is not None else f">{timeout:.0f} s"
            print(f"  rdflib {job.label}: {shown}", file=sys.stderr, flush=True)
        bench_queries._GRAPH = None
    mem.close()
    del mem
    directory = work / "store"
    EmbeddedStore(directory).rebuild(files)
    disk = EmbeddedStore(directory, read_only=True)
    print("on-disk store (read-only)", file=sys.stderr)
    disk_runs = _time_store(disk, jobs, texts, repeat)
    disk.close()
    cli = _cli(directory, repeat)
    load1 = os.getloadavg()
    head = (
        f"### {cases} rated synthetic cases (ratings: {ratings}), {triples:,} triples\n\n"
        f"Load average {load0[0]:.2f} at the start, {load1[0]:.2f} at the end "
        f"(1-minute; {os.cpu_count()} cores). Median of {repeat} runs after a warm-up; "
        f"rdflib: one run, stopped after {timeout:.0f} s. One case: {case_id}. First page of "
        f"cases: {len(page)} cases ({page_size()}-row page).\n\n"
    )
    return head + _table(mem_runs, disk_runs, naive, timeout) + cli


def _cli(directory: Path, repeat: int) -> str:
    """`cokg query construct-matrix` as a fresh process on the on-disk store: start-up,
    imports, the sandboxed child, the first page, its total and the printed table."""
    cokg = Path(sys.executable).with_name("cokg")
    lines = ["", "| `cokg query` as a fresh process, on disk | wall (ms) | CPU (ms) |",
             "|---|---:|---:|"]  # fmt: skip
    for params in ([], ["--param", "phase=adoption"]):
        argv = [str(cokg), "query", "construct-matrix", "--store", str(directory), *params]

        def once(argv: list[str] = argv) -> None:
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)

        wall, cpu = bench_queries._median(once, repeat)
        lines.append(f"| {' '.join(['construct-matrix', *params])} | {_ms(wall)} | {_ms(cpu)} |")
        print(f"  cli {' '.join(params)}: {wall * 1000:.0f} ms", file=sys.stderr, flush=True)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--ratings", choices=[r for r in synthetic.RATING_SETS if r != "none"],
                    default="all", help="which constructs each case has rated")  # fmt: skip
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-rdflib", action="store_true", help="time cokg's stores only")
    ap.add_argument("--rdflib-timeout", type=float, default=60.0)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cokg-bench-r-") as tmp:
        print(
            run(Path(tmp), args.cases, args.repeat, not args.no_rdflib, args.rdflib_timeout,
                args.ratings)
        )  # fmt: skip
    print(f"took {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
