"""Load test of `cokg serve` on loopback: concurrent clients running saved queries over HTTP.

    python bench/bench_serve.py                       # 8 clients for 30 s against a fresh server
    python bench/bench_serve.py --clients 4 --seconds 10 --workers 2
    python bench/bench_serve.py --url http://127.0.0.1:8000   # an already running server

Starts `cokg serve --store memory:` on a free loopback port (unless --url is given), then each
client thread loops over the workload: every saved query with every allowed value of its phase
and case parameters (JSON), the HTML pages of a few, the case pages, entity pages and direct
SPARQL requests. Any status other than 200, or a transport error, counts as an error. Prints a
Markdown summary: requests, throughput, latency percentiles, errors, and a line per kind.
"""

from __future__ import annotations

import argparse
import itertools
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
CONSTRUCTS = ["cfir09:V.B.4", "cfir22:II.D", "frame:process"]
CASES = ["jonkoping-esther", "dundee-mrr", "manitoba-learning-centres"]
SPARQL = [
    "PREFIX cokg: <https://w3id.org/cokg/ontology#>\n"
    "SELECT ?case (COUNT(?f) AS ?n) WHERE { ?f cokg:aboutCase ?case } GROUP BY ?case",
    "PREFIX cokg: <https://w3id.org/cokg/ontology#>\n"
    "SELECT ?q ?text WHERE { ?q a cokg:Quotation ; cokg:text ?text } LIMIT 50",
    "DESCRIBE <https://w3id.org/cokg/id/case/dundee-mrr>",
]


def workload() -> list[tuple[str, str]]:
    """(kind, path) for each request a client makes in one round."""
    from cokg.query import list_queries

    out: list[tuple[str, str]] = []
    for q in list_queries():
        choices: list[list[tuple[str, str]]] = []
        for p in q.params:
            if p.type == "phase":
                allowed = p.allowed or ("adoption", "implementation", "assimilation")
                choices.append([(p.name, a) for a in allowed])
            elif p.type == "case":
                choices.append([(p.name, c) for c in CASES])
            elif p.type == "construct":
                choices.append([(p.name, c) for c in CONSTRUCTS])
        combos = list(itertools.product(*choices)) if choices else [()]
        for combo in combos:
            params = dict(combo)
            out.append(("saved-json", f"/query/{q.name}?{urlencode({**params, 'format': 'json'})}"))
        out.append(("saved-html", f"/query/{q.name}?{urlencode(dict(combos[0]))}"))
    out += [("case-page", f"/case/{c}") for c in CASES]
    out += [("entity", f"/id/case/{c}") for c in CASES]
    out += [("sparql", "/sparql?" + urlencode({"query": s})) for s in SPARQL]
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workers: int, timeout: float) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    cmd = [
        sys.executable,
        "-c",
        "from cokg.cli import main; main()",
        "serve",
        "--store",
        "memory:",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("cokg serve exited during start-up")
        try:
            if httpx.get(base + "/status", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("cokg serve did not start within 60 s")


def client(
    base: str,
    work: list[tuple[str, str]],
    stop: float,
    offset: int,
    results: list[tuple[str, float, int]],
    lock: threading.Lock,
) -> None:
    mine: list[tuple[str, float, int]] = []
    i = offset
    with httpx.Client(base_url=base, timeout=60) as http:
        while time.monotonic() < stop:
            kind, path = work[i % len(work)]
            i += 1
            headers = {"accept": "text/html"} if kind in ("saved-html", "case-page") else {}
            if kind == "entity":
                headers = {"accept": "text/turtle"}
            t0 = time.perf_counter()
            try:
                status = http.get(path, headers=headers).status_code
            except httpx.HTTPError:
                status = -1
            mine.append((kind, time.perf_counter() - t0, status))
    with lock:
        results.extend(mine)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="bench this server instead of starting one")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--workers", type=int, default=2, help="server query workers")
    ap.add_argument("--timeout", type=float, default=10.0, help="server query timeout")
    args = ap.parse_args()

    work = workload()
    proc = None
    base = args.url
    if base is None:
        proc, base = start_server(args.workers, args.timeout)
    try:
        for _, path in work:  # warm-up: every request once
            httpx.get(base + path, timeout=60)
        results: list[tuple[str, float, int]] = []
        lock = threading.Lock()
        stop = time.monotonic() + args.seconds
        t0 = time.perf_counter()
        threads = [
            threading.Thread(target=client, args=(base, work, stop, n * 7, results, lock))
            for n in range(args.clients)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        status = httpx.get(base + "/status", timeout=5).json()
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=15)

    lat = [d for _, d, _ in results]
    errors = [(k, s) for k, _, s in results if s != 200]
    print(
        f"## cokg serve load test: {args.clients} clients, {args.seconds:g} s, "
        f"{status['workers']} workers\n"
    )
    print("| requests | errors | throughput (req/s) | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {len(results)} | {len(errors)} | {len(results) / elapsed:.0f} | "
        f"{pct(lat, 50) * 1000:.1f} | {pct(lat, 90) * 1000:.1f} | {pct(lat, 99) * 1000:.1f} | "
        f"{max(lat) * 1000:.1f} |\n"
    )
    by_kind: dict[str, list[float]] = defaultdict(list)
    for k, d, _ in results:
        by_kind[k].append(d)
    print("| request kind | count | p50 (ms) | p99 (ms) |")
    print("|---|---|---|---|")
    for k, ds in sorted(by_kind.items()):
        print(
            f"| {k} | {len(ds)} | {statistics.median(ds) * 1000:.1f} | {pct(ds, 99) * 1000:.1f} |"
        )
    print(
        f"\nworkload: {len(work)} distinct requests; server ran {status['queries_run']} "
        f"queries, killed {status['workers_killed_on_timeout']} workers on timeout"
    )
    if errors:
        print(f"\nERRORS: {errors[:10]}")
        sys.exit(1)


if __name__ == "__main__":
    main()
