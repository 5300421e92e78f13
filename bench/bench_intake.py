"""Intake benchmark: a steward validating one case (the fictional example template, a complete
case on every sheet) against the founding store, as `cokg validate` does it.

    python bench/bench_intake.py            # 5 runs of each, best and median
    python bench/bench_intake.py --runs 10

Measured in one run, interleaved, on the same machine load:
- `cokg validate SUBMISSION --store STORE` as a fresh process (what a steward waits for:
  Python start-up, imports, reading the spreadsheet, the compiled shapes, the store context);
- `cokg.validate.validate()` in a fresh process, timing only the call (no interpreter start);
- the naive stack: rdflib reads the same rows' RDF plus the founding data files and the
  ontology, and pySHACL validates that graph with the shapes (no store, no compiled shapes).
Each figure is also given as a ratio against the naive stack, with the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "tests" / "fixtures" / "submissions" / "example-template"
CLI = [str(Path(sys.executable).with_name("cokg"))]  # the console script beside this Python

IN_PROCESS = """
import sys, time
from cokg.store import EmbeddedStore
from cokg.validate import validate
with EmbeddedStore(sys.argv[1], read_only=True) as st:
    t = time.perf_counter()
    report = validate([sys.argv[2]], store=st)
    print(time.perf_counter() - t, report.conforms)
"""

NAIVE = """
import sys, time
t = time.perf_counter()
from pathlib import Path
import pyshacl
from rdflib import Graph
from cokg import paths
from cokg.template import read_template
data = read_template(sys.argv[1]).graph
for f in sorted(paths.DATA_DIR.rglob("*.ttl")):
    data.parse(f)
ont = Graph()
for f in sorted(paths.ONTOLOGY_DIR.rglob("*.ttl")):
    ont.parse(f)
shapes = Graph()
for f in sorted(paths.SHAPES_DIR.glob("*.ttl")):
    shapes.parse(f)
conforms, _, _ = pyshacl.validate(data, shacl_graph=shapes, ont_graph=ont, inference="none")
print(time.perf_counter() - t, conforms)
"""


def _wall(cmd: list[str]) -> tuple[float, str]:
    t = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    if out.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out.stdout}{out.stderr}")
    return time.perf_counter() - t, out.stdout


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        t = time.perf_counter()
        _wall([*CLI, "build", "--store", str(store)])
        print(f"founding store built in {time.perf_counter() - t:.1f} s")
        timings: dict[str, list[float]] = {"cli": [], "call": [], "naive": []}
        for i in range(args.runs):
            secs, out = _wall([*CLI, "validate", str(EXAMPLE), "--store", str(store)])
            assert "conforms" in out, out
            timings["cli"].append(secs)
            _, out = _wall([sys.executable, "-c", IN_PROCESS, str(store), str(EXAMPLE)])
            timings["call"].append(float(out.split()[0]))
            _, out = _wall([sys.executable, "-c", NAIVE, str(EXAMPLE)])
            timings["naive"].append(float(out.split()[0]))
            print(f"run {i + 1}/{args.runs} done", file=sys.stderr)
    load = os.getloadavg()
    naive = statistics.median(timings["naive"])
    print(f"\nload average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} cores")
    print(f"{'what':<44}{'best s':>8}{'median s':>10}{'naive/this':>12}")
    names = {
        "cli": "cokg validate (fresh process, wall)",
        "call": "validate() call (in a fresh process)",
        "naive": "rdflib + pySHACL (no store)",
    }
    for key, label in names.items():
        ts = timings[key]
        med = statistics.median(ts)
        print(f"{label:<44}{min(ts):>8.2f}{med:>10.2f}{naive / med:>11.1f}x")
    target = statistics.median(timings["cli"])
    print(f"\ntarget: one-case validation under 1 s — {'met' if target < 1 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
