"""Every saved query at consortium scale, as `cokg query` runs it, against plain rdflib.

    python bench/bench_queries.py                      # 945 synthetic cases (~1M triples)
    python bench/bench_queries.py --cases 100          # ~100k triples, quicker
    python bench/bench_queries.py --no-rdflib          # cokg's stores only
    python bench/bench_queries.py --growth 95,945,2835 # one-case cost at 100k, 1M, 3M triples
    python bench/bench_queries.py --growth 95,945 --only outcomes-by-phase  # one query's growth
    python bench/bench_queries.py --only outcomes-by-phase,timeline  # these queries only
    python bench/bench_queries.py --profile dense --cases 150    # a densely coded study
    python bench/bench_queries.py --profile sparse --cases 1700  # a sparsely coded survey

Each saved query runs through `cokg.query.run_query` with its default parameters and the page a
person gets from `cokg query` (the first 500 rows and the total, for the queries that page):
on the in-memory store, then on the embedded on-disk store opened read-only (as every reading
command opens it; one store alive at a time, as in one `cokg` process). The naive stack is rdflib
holding the same files in a Dataset and running the same SPARQL text (parameters bound the same
way) with its own engine, once it has answered one small query (its SPARQL start-up, ~0.1 s,
is not counted); each rdflib run happens in a forked child stopped after --rdflib-timeout
seconds, reported as ">N" (the ratio is then a lower bound).

Figures are medians of --repeat runs after a warm-up, wall time and CPU time (this process and
its children: the sandboxed queries run in forked children) side by side, with the load average
at the start and the end, since the machine may be shared. `--growth` times the one-case
queries at several store sizes and prints the growth exponent (log time / log triples).
Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic

from cokg.namespaces import graph_iri
from cokg.query import bind_parameters, get_query, list_queries, page_size, run_query
from cokg.sparql import inject_values
from cokg.store import EmbeddedStore, MemoryStore, source_files

# Parameters beyond the header defaults: a required construct, the phase the paper's tables use.
PARAMS: dict[str, dict[str, str]] = {
    "quotations-by-construct": {"construct": "frame:external-context"},
    "cross-case": {"phase": "adoption"},
    "constructs-in-all-cases": {"phase": "adoption"},
}
# Queries with a `case` parameter are also timed for one case (the middle one of the store).
ONE_CASE = "one case"


def _cpu() -> float:
    """CPU seconds of this process and its children: those that ended (getrusage) and those
    still running, such as a store's query child kept between queries (/proc)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime + _live_children_cpu()


def _live_children_cpu() -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for listing in Path(f"/proc/{os.getpid()}/task").glob("*/children"):
        for pid in listing.read_text().split():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # ended meanwhile: counted by getrusage once reaped
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def _median(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """(wall, cpu) medians of `repeat` runs after one warm-up."""
    fn()
    walls, cpus = [], []
    for _ in range(repeat):
        c0, t0 = _cpu(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(_cpu() - c0)
    return statistics.median(walls), statistics.median(cpus)


def _jobs(case_id: str) -> list[tuple[str, str, dict[str, str]]]:
    """(label, query name, parameters) for every saved query, and the one-case runs."""
    out = []
    for q in list_queries():
        params = dict(PARAMS.get(q.name, {}))
        out.append((q.name, q.name, params))
        if any(p.name == "case" for p in q.params):
            out.append((f"{q.name} ({ONE_CASE})", q.name, {**params, "case": case_id}))
    return sorted(out)


def _cokg(store: Any, name: str, params: dict[str, str]) -> Any:
    """The query as `cokg query` runs it: a page of the default size where the query pages."""
    paged = get_query(name).paged and "case" not in params
    limit = page_size() if paged and page_size() else None
    return run_query(name, store=store, timeout=0, limit=limit, **params)


def _time_store(
    store: Any, jobs: list, repeat: int
) -> dict[str, tuple[int, int | None, float, float]]:
    out = {}
    for label, name, params in jobs:
        answer = _cokg(store, name, params)
        wall, cpu = _median(lambda n=name, p=params: _cokg(store, n, p), repeat)
        total = answer.page.total if answer.page is not None else None
        out[label] = (len(answer), total, wall, cpu)
        print(f"  {label}: {wall * 1000:.1f} ms", file=sys.stderr, flush=True)
    return out


# --- the naive stack -----------------------------------------------------------------------------

_GRAPH: Any = None  # the rdflib Dataset, inherited by the forked children


def _rdflib_load(files: dict[str, Path]) -> float:
    from rdflib import Dataset, URIRef

    global _GRAPH
    t0 = time.perf_counter()
    ds = Dataset(default_union=True)
    for iri, path in files.items():
        ds.graph(URIRef(iri)).parse(path, format="nt" if path.suffix == ".nt" else "turtle")
    _GRAPH = ds
    loaded = time.perf_counter() - t0
    # rdflib imports and builds its SPARQL machinery on first use (~0.1 s). Pay that here, in
    # the parent, so no forked child's timing carries it: a small listing would otherwise look
    # twice as slow in rdflib as it is (the ratios before this warm-up were inflated that way).
    list(
        ds.query(
            "SELECT ?s (COUNT(?o) AS ?n) WHERE { VALUES ?s { <urn:cokg:warm-up> } "
            "OPTIONAL { ?s ?p ?o } FILTER(BOUND(?s) && !isBlank(?s)) } "
            "GROUP BY ?s ORDER BY ?s LIMIT 1"
        )
    )
    return loaded


def _rdflib_child(text: str, conn: Any) -> None:
    c0, t0 = _cpu(), time.perf_counter()
    rows = len(list(_GRAPH.query(text)))
    conn.send((rows, time.perf_counter() - t0, _cpu() - c0))


def _rdflib_run(text: str, timeout: float) -> tuple[int | None, float, float]:
    """(rows, wall, cpu) of rdflib answering `text` in a forked child; rows None on timeout."""
    ctx = mp.get_context("fork")
    here, there = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_rdflib_child, args=(text, there))
    t0 = time.perf_counter()
    child.start()
    ready = here.poll(timeout)
    if not ready:
        child.kill()
        child.join()
        return None, time.perf_counter() - t0, float("nan")
    rows, wall, cpu = here.recv()
    child.join()
    return rows, wall, cpu


def _rdflib_times(
    mem: MemoryStore, jobs: list, timeout: float
) -> dict[str, tuple[int | None, float, float]]:
    out = {}
    for label, name, params in jobs:
        query = get_query(name)
        bindings, _ = bind_parameters(query, params, mem)
        text = inject_values(query.body, "select", bindings) if bindings else query.body
        out[label] = _rdflib_run(text, timeout)
        rows, wall, _ = out[label]
        shown = f"{wall:.1f} s" if rows is not None else f">{timeout:.0f} s"
        print(f"  rdflib {label}: {shown}", file=sys.stderr, flush=True)
    return out


# --- tables ---------------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}" if seconds >= 0.01 else f"{seconds * 1000:.1f}"


def _ratio(naive: tuple[int | None, float, float] | None, ours: float, timeout: float) -> str:
    if naive is None:
        return ""
    rows, wall, _ = naive
    return f"{wall / ours:.0f}×" if rows is not None else f">{timeout / ours:.0f}×"


def _table(mem: dict, disk: dict, naive: dict, timeout: float) -> str:
    lines = [
        "| query | rows shown | total | memory: wall / CPU (ms) | on disk: wall / CPU (ms) "
        "| rdflib (s) | rdflib ÷ memory | rdflib ÷ disk |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label in mem:
        rows, total, m_wall, m_cpu = mem[label]
        _, _, d_wall, d_cpu = disk[label]
        n = naive.get(label)
        shown = "" if n is None else (f"{n[1]:.1f}" if n[0] is not None else f">{timeout:.0f}")
        lines.append(
            f"| {label} | {rows} | {'' if total is None else total} "
            f"| {_ms(m_wall)} / {_ms(m_cpu)} | {_ms(d_wall)} / {_ms(d_cpu)} | {shown} "
            f"| {_ratio(n, m_wall, timeout)} | {_ratio(n, d_wall, timeout)} |"
        )
    return "\n".join(lines) + "\n"


def _files(data: Path) -> dict[str, Path]:
    files = source_files(include_data=False)
    files[graph_iri("synthetic")] = data
    return files


def _middle_case(store: Any) -> str:
    ids = [str(r["case_id"]) for r in run_query("cases", store=store)]
    return ids[len(ids) // 2]


def scale(
    work: Path,
    cases: int,
    repeat: int,
    rdflib: bool,
    timeout: float,
    profile: str = "founding",
    only: set[str] | None = None,
) -> str:
    data = work / f"synthetic-{cases}.nt"
    synthetic.write(data, cases=cases, profile=profile)
    files = _files(data)
    load0 = os.getloadavg()
    mem = MemoryStore()
    mem.rebuild(files)
    triples = mem.count()
    case_id = _middle_case(mem)
    jobs = [j for j in _jobs(case_id) if only is None or j[1] in only]
    if not jobs:
        raise SystemExit(f"no saved query among {sorted(only or ())}")
    print(f"memory store, {triples:,} triples", file=sys.stderr)
    mem_runs = _time_store(mem, jobs, repeat)
    naive: dict = {}
    if rdflib:
        print("rdflib: loading", file=sys.stderr, flush=True)
        loaded = _rdflib_load(files)
        print(f"rdflib: loaded in {loaded:.0f} s", file=sys.stderr, flush=True)
        naive = _rdflib_times(mem, jobs, timeout)
        global _GRAPH
        _GRAPH = None
    mem.close()
    del mem
    directory = work / f"store-{cases}"
    EmbeddedStore(directory).rebuild(files)
    disk = EmbeddedStore(directory, read_only=True)
    print("on-disk store (read-only)", file=sys.stderr)
    disk_runs = _time_store(disk, jobs, repeat)
    disk.close()
    load1 = os.getloadavg()
    head = (
        f"### {cases} synthetic cases ({profile}), {triples:,} triples\n\n"
        f"Load average {load0[0]:.2f} at the start, {load1[0]:.2f} at the end "
        f"(1-minute; {os.cpu_count()} cores). Median of {repeat} runs after a warm-up; "
        f"rdflib: one run, stopped after {timeout:.0f} s. One case: {case_id}.\n\n"
    )
    return head + _table(mem_runs, disk_runs, naive, timeout)


def growth(work: Path, sizes: list[int], repeat: int, only: set[str] | None = None) -> str:
    """One-case queries (those named in `only`, else all) at several store sizes, on disk: the
    growth exponent of each."""
    one = [
        q.name
        for q in list_queries()
        if any(p.name == "case" for p in q.params) and (only is None or q.name in only)
    ]
    if not one:
        raise SystemExit(f"no one-case query among {sorted(only or ())}")
    times: dict[str, list[float]] = {n: [] for n in one}
    triples: list[int] = []
    for cases in sizes:
        data = work / f"synthetic-{cases}.nt"
        synthetic.write(data, cases=cases)
        directory = work / f"growth-{cases}"
        EmbeddedStore(directory).rebuild(_files(data))
        st = EmbeddedStore(directory, read_only=True)
        triples.append(st.count())
        case_id = _middle_case(st)
        for name in one:
            params = {**PARAMS.get(name, {}), "case": case_id}
            wall, _ = _median(lambda s=st, n=name, p=params: _cokg(s, n, p), repeat)
            times[name].append(wall)
        st.close()
        print(f"growth: {cases} cases done", file=sys.stderr, flush=True)
    cols = " | ".join(f"{t:,} triples (ms)" for t in triples)
    lines = [f"| one-case query | {cols} | exponent |", "|---|" + "---:|" * (len(sizes) + 1)]
    for name in one:
        ts = times[name]
        exponent = math.log(ts[-1] / ts[0]) / math.log(triples[-1] / triples[0])
        cells = " | ".join(_ms(t) for t in ts)
        lines.append(f"| {name} | {cells} | {exponent:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=945, help="synthetic cases (~1,058 triples each)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-rdflib", action="store_true", help="time cokg's stores only")
    ap.add_argument("--rdflib-timeout", type=float, default=60.0)
    ap.add_argument("--growth", default=None, help="case counts, e.g. 95,945,2835")
    ap.add_argument("--only", default=None, help="these queries only, e.g. "
                    "outcomes-by-phase,timeline")  # fmt: skip
    ap.add_argument("--profile", choices=sorted(synthetic.PROFILES), default="founding",
                    help="how densely each case is coded (bench/synthetic.py)")  # fmt: skip
    args = ap.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    with tempfile.TemporaryDirectory(prefix="cokg-bench-q-") as tmp:
        work = Path(tmp)
        if args.growth:
            sizes = [int(s) for s in args.growth.split(",")]
            print(growth(work, sizes, args.repeat, only))
            return 0
        naive = not args.no_rdflib
        print(scale(work, args.cases, args.repeat, naive, args.rdflib_timeout, args.profile, only))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
