"""Bulk-load throughput of the stores, on synthetic data shaped like the founding data.

    python bench/bench_store.py                 # 100k and 1M triples, memory and disk
    python bench/bench_store.py --sizes 100000  # quicker
    python bench/bench_store.py --sizes 1000000 --modes rdflib raw build

For each size it generates the synthetic consortium (bench/synthetic.py) as one N-Triples file
and measures, in memory and on disk:

- rdflib:   rdflib parsing the file into a Dataset (the naive stack; memory only);
- raw:      pyoxigraph `bulk_load` of the file in one call (the library's loader, no checks);
- build:    what `cokg build --fresh` does: the file checked (UTF-8, NFC, no escapes) and, being
            big, bulk-loaded (on disk in pieces side by side, then compacted; small files go
            through cokg.load), then the directory swap on disk;
- load:     `Store.load_files` into an empty store: parse + one transactional `extend`;
- replace:  `Store.load_files` over an existing graph: one SPARQL Update (DROP + INSERT DATA),
            the slowest, fully transactional path.

Prints a Markdown table: wall and CPU seconds (all threads), triples per second, the ratio to
rdflib when it ran, and the load average before and after.
"""

from __future__ import annotations

import argparse
import gc
import os
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


def _timed(fn) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(wall, CPU) seconds of one call; CPU counts every thread of this process."""
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def _rdflib(data: Path) -> None:
    from rdflib import Dataset

    Dataset().parse(str(data), format="nt")


def _fresh_store(where: str, workdir: Path) -> MemoryStore | EmbeddedStore:
    if where == "memory":
        return MemoryStore()
    return EmbeddedStore(Path(tempfile.mkdtemp(dir=workdir)) / "store")


def _raw(where: str, workdir: Path, data: Path, g: str) -> None:
    s = ox.Store() if where == "memory" else ox.Store(tempfile.mkdtemp(dir=workdir))
    s.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(g))
    s.flush()


Row = tuple[str, str, int, tuple[float, float]]


def bench(size: int, workdir: Path, modes: list[str]) -> list[Row]:
    cases = max(1, round(size / TRIPLES_PER_CASE))
    data = workdir / f"synthetic-{cases}.nt"
    n = synthetic.write(data, cases=cases)
    g = graph_iri("synthetic")
    files = {g: data}
    rows: list[Row] = []
    if "rdflib" in modes:
        rows.append(("rdflib parse", "memory", n, _timed(partial(_rdflib, data))))
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
    parser.add_argument("--modes", nargs="+", default=["rdflib", "raw", "build", "load", "replace"],
                        choices=["rdflib", "raw", "build", "load", "replace"])  # fmt: skip
    args = parser.parse_args(argv)
    load0 = os.getloadavg()[0]
    print("| operation | store | triples | wall (s) | CPU (s) | triples/s | rdflib ÷ this |")
    print("|---|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="cokg-bench-") as tmp:
        for size in args.sizes:
            naive: float | None = None
            for op, where, n, (wall, cpu) in bench(size, Path(tmp), args.modes):
                naive = wall if op == "rdflib parse" else naive
                ratio = f"{naive / wall:.1f}×" if naive else ""
                rate = f"{n / wall:,.0f}"
                cells = [op, where, f"{n:,}", f"{wall:.2f}", f"{cpu:.2f}", rate, ratio]
                print("| " + " | ".join(cells) + " |", flush=True)
    print(f"\nLoad average {load0:.2f} before, {os.getloadavg()[0]:.2f} after "
          f"(1-minute; {os.cpu_count()} cores).")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
