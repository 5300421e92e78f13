"""Time every saved query on the founding dataset and on a large synthetic graph.

    python bench/bench_queries.py                   # founding + ~1M synthetic triples
    python bench/bench_queries.py --cases 100       # ~100k synthetic triples, quicker
    python bench/bench_queries.py --no-synthetic    # founding dataset only

Each query runs through `cokg.query.run_query` (parameter checks, binding and conversion of the
answer to Python values included) on the in-memory store and on the embedded on-disk store; the
"engine" columns send the same query and bindings straight to pyoxigraph and only walk the
solutions, to separate the SPARQL engine from result conversion. Figures are medians of
--repeat runs after a warm-up. Also timed: copying the on-disk store into memory (what a
read cache for a long session would cost at start).
The synthetic consortium (bench/synthetic.py, ~1,058 triples per case) is loaded next to the
ontology and frameworks, as `cokg build` would. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic

from cokg.namespaces import graph_iri
from cokg.query import bind_parameters, case_ids, get_query, list_queries, run_query
from cokg.sparql import inject_values
from cokg.store import EmbeddedStore, MemoryStore, source_files

# Parameters each query is timed with (the default run has none beyond header defaults).
PARAMS: dict[str, dict[str, str]] = {
    "quotations-by-construct": {"construct": "frame:external-context"},
    "cross-case": {"phase": "adoption"},
    "constructs-in-all-cases": {"phase": "adoption"},
}
# Listing queries whose answer grows with the store: also timed for one case.
CASE_QUERIES = {
    "timeline", "quotations", "evidence-gaps", "case-features", "organisation-roles",
    "external-change-agents-before-adoption",
}  # fmt: skip


def _median(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _engine(store, name: str, params: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """The SPARQL engine alone: the same query and bindings straight to pyoxigraph, without
    turning the answer into rdflib terms and Python values (a private hook, benchmark only)."""
    query = get_query(name)
    bindings, _ = bind_parameters(query, params, store)
    text = inject_values(query.sparql, "select", bindings) if bindings else query.sparql
    for _ in store._store().query(text, use_default_graph_as_union=True):
        pass


def _runs(store, repeat: int, engine: bool = False) -> list[tuple[str, int, float, float]]:  # type: ignore[no-untyped-def]
    first_case = sorted(case_ids(store).values())[0]
    out = []
    jobs = [(q.name, dict(PARAMS.get(q.name, {}))) for q in list_queries()]
    jobs += [(n, {"case": first_case}) for n in sorted(CASE_QUERIES)]
    for name, params in sorted(jobs, key=lambda j: (j[0], bool(j[1].get("case")))):
        label = name + (" (one case)" if "case" in params else "")
        rows = len(run_query(name, store=store, **params))
        total = _median(lambda n=name, p=params: run_query(n, store=store, **p), repeat)
        alone = _median(lambda n=name, p=params: _engine(store, n, p), repeat) if engine else 0.0
        out.append((label, rows, total, alone))
    return out


def _files(synthetic_file: Path | None) -> dict[str, Path]:
    files = source_files(include_data=synthetic_file is None)
    if synthetic_file is not None:
        files[graph_iri("synthetic")] = synthetic_file
    return files


def _measure(workdir: Path, synthetic_file: Path | None, repeat: int):  # type: ignore[no-untyped-def]
    """(triples, memory runs, disk runs, load seconds, copy seconds). One store at a time, as
    one `cokg` process holds it: the in-memory store is released before the on-disk one is
    built and timed."""
    files = _files(synthetic_file)
    t0 = time.perf_counter()
    mem = MemoryStore()
    mem.rebuild(files)
    loaded = time.perf_counter() - t0
    triples = mem.count()
    mem_runs = _runs(mem, repeat, engine=True)
    mem.close()
    del mem
    t0 = time.perf_counter()
    disk = EmbeddedStore(workdir / ("store-synthetic" if synthetic_file else "store-founding"))
    disk.rebuild(files)
    loaded += time.perf_counter() - t0
    disk_runs = _runs(disk, repeat, engine=True)
    copy = _copy_to_memory(disk)
    disk.close()
    return triples, mem_runs, disk_runs, loaded, copy


def _table(title: str, triples: int, mem_runs, disk_runs) -> str:  # type: ignore[no-untyped-def]
    lines = [
        f"### {title} ({triples:,} triples)",
        "",
        "| query | rows | memory (ms) | memory, engine (ms) | on disk (ms) | disk, engine (ms) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for (name, rows, t_mem, e_mem), (_, _, t_disk, e_disk) in zip(mem_runs, disk_runs, strict=True):
        cells = " | ".join(f"{t * 1000:.1f}" for t in (t_mem, e_mem, t_disk, e_disk))
        lines.append(f"| {name} | {rows} | {cells} |")
    return "\n".join(lines) + "\n"


def _copy_to_memory(disk) -> float:  # type: ignore[no-untyped-def]
    """Seconds to copy the on-disk store into a new in-memory store (a read cache)."""
    import pyoxigraph as ox

    t0 = time.perf_counter()
    ox.Store().bulk_extend(disk._store())
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=945, help="synthetic cases (~1,058 triples each)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-synthetic", action="store_true")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cokg-bench-q-") as tmp:
        work = Path(tmp)
        triples, mem_runs, disk_runs, _, _ = _measure(work, None, args.repeat)
        print(_table("Founding dataset", triples, mem_runs, disk_runs))
        if args.no_synthetic:
            return 0
        data = work / "synthetic.nt"
        n = synthetic.write(data, cases=args.cases)
        triples, mem_runs, disk_runs, loaded, copy = _measure(work, data, args.repeat)
        print(f"(synthetic: {args.cases} cases, {n:,} data triples, both stores loaded in "
              f"{loaded:.1f} s; copying the on-disk store into memory: {copy:.1f} s)")  # fmt: skip
        print()
        print(_table(f"Synthetic consortium, {args.cases} cases", triples, mem_runs, disk_runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
