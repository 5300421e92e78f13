"""Validation benchmarks: a one-case submission against a large store (incremental), and
re-validating the whole store with the shapes compiled to SPARQL.

    python bench/bench_validate.py --cases 1000          # ~1M triples
    python bench/bench_validate.py --cases 100 --pyshacl # also time pySHACL on the submission

The store holds the ontology, the frameworks and `--cases` synthetic cases
(bench/synthetic.py); the submission is synthetic case number cases+1, which refers to the
store's shared records (study, source document, countries). Each timing is the best of
`--repeat` runs, for the in-memory store and the on-disk (RocksDB) store.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import iter_quads

from cokg.namespaces import graph_iri
from cokg.store import EmbeddedStore, MemoryStore, build
from cokg.validate import read_submission, validate_store, validate_submission


def _best(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _write_inputs(out: Path, cases: int) -> tuple[Path, Path, int]:
    """N-Quads of the store's synthetic part and N-Triples of the one-case submission."""
    sub_graph = f"<{graph_iri(f'synthetic-case-{cases + 1}')}>"
    store_file, sub_file = out / "validate-store.nq", out / "validate-submission.nt"
    n = 0
    with store_file.open("w", encoding="utf-8") as st, sub_file.open("w", encoding="utf-8") as sb:
        for s, p, o, g in iter_quads(cases + 1):
            if g == sub_graph:
                sb.write(f"{s} {p} {o} .\n")
            else:
                st.write(f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n")
                n += 1
    return store_file, sub_file, n


def _fill(store: MemoryStore | EmbeddedStore, data: Path) -> None:
    build(store, include_data=False)
    # bulk load of the synthetic quads (a benchmark may reach under the Store API)
    store._store().bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path("bench/out"))
    ap.add_argument("--pyshacl", action="store_true", help="also time the pySHACL engine")
    ap.add_argument("--no-disk", action="store_true", help="skip the on-disk store")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    store_file, sub_file, n = _write_inputs(args.out, args.cases)
    print(f"generated {n:,} store quads + submission in {time.perf_counter() - t0:.1f} s")
    sub = read_submission([sub_file])
    print(f"submission: one case, {len(sub.graph):,} triples")

    rows: list[tuple[str, str, float, str]] = []

    def report(op: str, st: str, secs: float, note: str) -> None:
        rows.append((op, st, secs, note))
        print(f"  {op} [{st}]: {secs:.3f} s {note}", flush=True)

    stores: list[tuple[str, object]] = []
    mem = MemoryStore()
    t0 = time.perf_counter()
    _fill(mem, store_file)
    print(f"memory store: {mem.count():,} triples loaded in {time.perf_counter() - t0:.1f} s")
    stores.append(("memory", mem))
    tmp = None
    if not args.no_disk:
        tmp = tempfile.TemporaryDirectory(prefix="cokg-bench-")
        disk = EmbeddedStore(Path(tmp.name) / "store")
        t0 = time.perf_counter()
        _fill(disk, store_file)
        print(f"disk store: {disk.count():,} triples loaded in {time.perf_counter() - t0:.1f} s")
        stores.append(("disk", disk))

    for name, store in stores:
        secs, rep = _best(lambda s=store: validate_submission(sub, store=s), args.repeat)
        report("one-case submission, incremental (sparql)", name, secs,
                     f"{len(rep.results)} results")  # type: ignore[union-attr]  # fmt: skip
        t1 = time.perf_counter()
        read_submission([sub_file])
        report("  reading the submission file", name, time.perf_counter() - t1, "")
        if args.pyshacl:
            secs, rep = _best(
                lambda s=store: validate_submission(sub, store=s, engine="pyshacl"), 1
            )
            report("one-case submission, incremental (pyshacl)", name, secs,
                         f"{len(rep.results)} results")  # type: ignore[union-attr]  # fmt: skip
        secs, rep = _best(lambda s=store: validate_store(s), args.repeat)
        report("whole store (shapes as SPARQL + QC checks)", name, secs,
                     f"{len(rep.results)} results")  # type: ignore[union-attr]  # fmt: skip
        secs, rep = _best(lambda s=store: validate_store(s, checks=False), args.repeat)
        report("whole store (shapes as SPARQL only)", name, secs,
                     f"{len(rep.results)} results")  # type: ignore[union-attr]  # fmt: skip

    print()
    print(f"{'operation':46} {'store':7} {'seconds':>8}  notes")
    for op, st, secs, note in rows:
        print(f"{op:46} {st:7} {secs:8.3f}  {note}")
    for _, s in stores:
        s.close()  # type: ignore[attr-defined]
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
