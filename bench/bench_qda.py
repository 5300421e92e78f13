"""QDA import benchmark: `cokg import-qdpx` of a coded project of about 300 codings into the
founding store, as a steward runs it.

    python bench/bench_qda.py               # 5 runs, best and median
    python bench/bench_qda.py --runs 10 --codings 600

The project is generated here (FICTIONAL: three sites, ten interviews each, a two-level
codebook of 40 codes mapped to CFIR 2022, two coders, some passages coded twice) and written
with cokg's own REFI-QDA writer. Each run imports it into a fresh copy of a store holding the
ontology, the frameworks, the founding data and the three sites, as a new process (Python
start-up, reading the archive, converting, validating against the store, the transaction).
Reported per run: wall time, the CPU time of the process (user + system) and the load average
of the machine when it ended; then a dry run and an unchanged re-import for comparison.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = [str(Path(sys.executable).with_name("cokg"))]  # the console script beside this Python

SITES = ("fx-north", "fx-river", "fx-hill")
TEXT = (
    "we began with two champions on the ward and the board approved extra hours the funding "
    "ran out after the pilot staff culture here is cautious people wait to see if things last "
    "the coach came every fortnight we adapted the checklist to fit our morning huddle"
)
WORDS = TEXT.split(" ")
# construct -> code names (a category per CFIR 2022 domain, codes under it)
DOMAINS = {
    "I": ("Innovation", ["I.A", "I.B", "I.C", "I.D", "I.E", "I.F", "I.G", "I.H"]),
    "II": ("Outer Setting", ["II.A", "II.B", "II.C", "II.D", "II.E"]),
    "III": (
        "Inner Setting",
        [
            "III.A",
            "III.B",
            "III.C",
            "III.D",
            "III.E",
            "III.F",
            "III.G",
            "III.H",
            "III.I",
            "III.J",
            "III.K",
        ],
    ),
    "IV": ("Individuals", ["IV.A", "IV.B", "IV.C", "IV.D", "IV.E", "IV.F", "IV.G"]),
    "V": ("Implementation Process", ["V.A", "V.B", "V.C", "V.D", "V.E", "V.F", "V.G", "V.H"]),
}


def project(codings: int, seed: int = 7):  # -> cokg.qda.model.Project
    from cokg.qda.model import Case, Code, Coding, Project, Selection, Source, User
    from cokg.qda.writing import guid as make_guid

    def g(*parts: object) -> str:  # REFI-QDA wants real GUIDs
        return make_guid("https://example.org/bench/" + "/".join(map(str, parts)))

    rnd = random.Random(seed)
    p = Project("project", "Benchmark study (FICTIONAL)", "cokg bench", "codepoints")
    u1, u2 = g("user", 1), g("user", 2)
    p.users = {u1: User(u1, "Coder One"), u2: User(u2, "Coder Two")}
    leaves = []
    for dom, (name, constructs) in DOMAINS.items():
        top = g("code", dom)
        p.codes[top] = Code(top, name, codable=False)
        for c in constructs:
            code = g("code", c)
            p.codes[code] = Code(code, f"Code {c}", parent=top)
            p.codes[top].children.append(code)
            leaves.append(code)
    texts = [(site, n) for site in SITES for n in range(1, 11)]
    per_text = codings // len(texts) + 1
    made = 0
    for site, n in texts:
        text = " ".join(rnd.choice(WORDS) for _ in range(400)) + "."
        guid = g("text", site, n)
        source = Source(guid, f"{site[3:].upper()[:3]}-{n:02d} interview", text,
                        hashlib.sha256(text.encode()).hexdigest(), f"{guid}.txt")  # fmt: skip
        spans: list[tuple[int, int]] = []
        for k in range(per_text):
            if made >= codings:
                break
            if spans and k % 5 == 4:  # a passage coded again, by the other coder
                start, end = spans[-1]
            else:
                start = rnd.randrange(0, len(text) - 200)
                end = start + rnd.randrange(20, 180)
                spans.append((start, end))
            source.selections.append(
                Selection(g("sel", site, n, k), guid, start, end, start, end,
                          codings=[Coding(g("coding", site, n, k), rnd.choice(leaves),
                                          u1 if k % 2 else u2)])
            )  # fmt: skip
            made += 1
        p.sources[guid] = source
    for site in SITES:
        mine = [s.guid for s in p.sources.values() if s.name.startswith(site[3:].upper()[:3])]
        p.cases.append(Case(g("case", site), site, sources=mine))
    return p


def inputs(folder: Path, codings: int) -> tuple[Path, Path, Path]:
    from cokg.qda.writing import write_qdpx

    qdpx = folder / "bench.qdpx"
    write_qdpx(project(codings), qdpx)
    informants = folder / "informants.csv"
    informants.write_text("source_name,informant_code\n" + "".join(
        f"{site[3:].upper()[:3]}-{n:02d} interview,{site[3:].upper()[:3]}-{n:02d}\n"
        for site in SITES for n in range(1, 11)), encoding="utf-8")  # fmt: skip
    sssom = folder / "codes.sssom.tsv"
    rows = [
        f"b:{c}\tCode {c}\tskos:exactMatch\tcfir22:{c}\tsemapv:ManualMappingCuration\t0.9\n"
        for _, (_, constructs) in DOMAINS.items()
        for c in constructs
    ]
    sssom.write_text(
        "# curie_map:\n#   cfir22: https://w3id.org/cokg/framework/cfir-2022/\n"
        "#   b: https://example.org/bench/\n# mapping_set_id: https://example.org/bench/set\n"
        "# license: https://creativecommons.org/licenses/by/4.0/\n"
        "subject_id\tsubject_label\tpredicate_id\tobject_id\tmapping_justification\tconfidence\n"
        + "".join(rows),
        encoding="utf-8",
    )
    return qdpx, informants, sssom


SITES_TTL = "".join(
    f"""<https://w3id.org/cokg/id/case/{c}> a <https://w3id.org/cokg/ontology#Case> ;
  <https://w3id.org/cokg/ontology#caseId> "{c}" ; <https://w3id.org/cokg/ontology#caseNumber> {
        201 + i
    } ;
  <http://www.w3.org/2000/01/rdf-schema#label> "Benchmark site {c} (FICTIONAL)" ;
  <https://w3id.org/cokg/ontology#studiesInnovation> <https://w3id.org/cokg/id/innovation/{c}> .
<https://w3id.org/cokg/id/innovation/{c}> a <https://w3id.org/cokg/ontology#Innovation> ;
  <http://www.w3.org/2000/01/rdf-schema#label> "Benchmark innovation (FICTIONAL)" .
"""
    for i, c in enumerate(SITES)
)


def _copy_store(base: Path, to: Path) -> None:
    """A store and what lives beside it (build manifest, snapshots), so it is not rebuilt."""
    shutil.copytree(base, to)
    for extra in base.parent.glob(base.name + ".*"):
        target = to.with_name(to.name + extra.name[len(base.name) :])
        if extra.is_dir():
            shutil.copytree(extra, target)
        elif not extra.name.endswith(".lock"):
            shutil.copy2(extra, target)


def _run(cmd: list[str]) -> tuple[float, float, str]:
    """Wall and CPU seconds (user + system, of the child) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out.stdout}{out.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out.stdout


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--codings", type=int, default=300)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = folder / "base"
        _run([*CLI, "build", "--store", str(base)])
        sites = folder / "sites.ttl"
        sites.write_text(SITES_TTL, encoding="utf-8")
        _run([*CLI, "ingest", str(sites), "--by", "bench", "--id", "bench-sites", "--store",
              str(base)])  # fmt: skip
        qdpx, informants, sssom = inputs(folder, args.codings)
        common = ["--codes", str(sssom), "--informants", str(informants), "--phase",
                  "implementation"]  # fmt: skip
        print(f"project: {qdpx.stat().st_size:,} bytes, {args.codings} codings, "
              f"{len(SITES) * 10} texts; store: founding data and three sites")  # fmt: skip
        rows: list[tuple[float, float, float]] = []
        for i in range(args.runs):
            store = folder / f"store-{i}"
            _copy_store(base, store)
            wall, cpu, out = _run([*CLI, "import-qdpx", str(qdpx), *common, "--by", "bench",
                                   "--store", str(store)])  # fmt: skip
            load = os.getloadavg()[0]
            rows.append((wall, cpu, load))
            print(f"run {i + 1}: wall {wall:.2f} s, CPU {cpu:.2f} s, load {load:.2f}  "
                  f"({out.strip().splitlines()[-1]})")  # fmt: skip
        walls = [r[0] for r in rows]
        cpus = [r[1] for r in rows]
        print(f"import: wall best {min(walls):.2f} s, median {statistics.median(walls):.2f} s; "
              f"CPU best {min(cpus):.2f} s, median {statistics.median(cpus):.2f} s; "
              f"load average {statistics.median(r[2] for r in rows):.2f} "
              f"({os.cpu_count()} CPUs)")  # fmt: skip
        store = folder / "store-0"
        wall, cpu, _ = _run([*CLI, "import-qdpx", str(qdpx), *common, "--by", "bench",
                             "--store", str(store)])  # fmt: skip
        print(f"re-import (unchanged, nothing written): wall {wall:.2f} s, CPU {cpu:.2f} s")
        wall, cpu, _ = _run([*CLI, "import-qdpx", str(qdpx), *common, "--dry-run", "--store",
                             str(folder / "base")])  # fmt: skip
        print(f"dry run (validated, nothing written): wall {wall:.2f} s, CPU {cpu:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
