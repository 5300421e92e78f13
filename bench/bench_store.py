"""Bulk-load throughput of the stores, on synthetic data shaped like the founding data.

    python bench/bench_store.py                 # 100k and 1M triples, memory and disk
    python bench/bench_store.py --sizes 100000  # quicker

For each size it generates the synthetic consortium (bench/synthetic.py) as one N-Triples file
and measures, in memory and on disk:

- raw:      pyoxigraph `bulk_load` of the file (the library's ceiling, no checks);
- build:    what `cokg build --fresh` does: strict parse (cokg.load: offline, NFC, blank nodes
            renamed) + one `bulk_extend` into a new store (+ the directory swap on disk);
- load:     `Store.load_files` into an empty store: parse + one transactional `extend`;
- replace:  `Store.load_files` over an existing graph: one SPARQL Update (DROP + INSERT DATA),
            the slowest, fully transactional path.

Prints a Markdown table of triples per second.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic

from cokg.namespaces import graph_iri
from cokg.store import EmbeddedStore, MemoryStore

TRIPLES_PER_CASE = 1060  # measured from bench/synthetic.py


def _timed(fn) -> float:  # type: ignore[no-untyped-def]
    gc.collect()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _fresh_store(where: str, workdir: Path) -> MemoryStore | EmbeddedStore:
    if where == "memory":
        return MemoryStore()
    return EmbeddedStore(Path(tempfile.mkdtemp(dir=workdir)) / "store")


def _raw(where: str, workdir: Path, data: Path, g: str) -> None:
    s = ox.Store() if where == "memory" else ox.Store(tempfile.mkdtemp(dir=workdir))
    s.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(g))
    s.flush()


def bench(size: int, workdir: Path, modes: list[str]) -> list[tuple[str, str, int, float]]:
    cases = max(1, round(size / TRIPLES_PER_CASE))
    data = workdir / f"synthetic-{cases}.nt"
    n = synthetic.write(data, cases=cases)
    g = graph_iri("synthetic")
    files = {g: data}
    rows: list[tuple[str, str, int, float]] = []
    for where in ("memory", "disk"):
        if "raw" in modes:
            rows.append(("raw bulk_load", where, n, _timed(partial(_raw, where, workdir, data, g))))
        if "build" in modes:
            s = _fresh_store(where, workdir)
            rows.append(("cokg build --fresh", where, n, _timed(partial(s.rebuild, files))))
            assert s.count() == n, (s.count(), n)
            s.close()
        if "load" in modes:
            s = _fresh_store(where, workdir)
            rows.append(("load_files (new graph)", where, n, _timed(partial(s.load_files, files))))
            if "replace" in modes:
                secs = _timed(partial(s.load_files, files))
                rows.append(("load_files (replace graph)", where, n, secs))
            assert s.count() == n
            s.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Bulk-load throughput of the cokg stores.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--modes", nargs="+", default=["raw", "build", "load", "replace"],
                        choices=["raw", "build", "load", "replace"])  # fmt: skip
    args = parser.parse_args(argv)
    print("| operation | store | triples | seconds | triples/s |")
    print("|---|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="cokg-bench-") as tmp:
        for size in args.sizes:
            for op, where, n, secs in bench(size, Path(tmp), args.modes):
                print(f"| {op} | {where} | {n:,} | {secs:.2f} | {n / secs:,.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
