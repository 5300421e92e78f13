"""Real SPARQL servers for tests, on free loopback ports: Oxigraph and OpenLink Virtuoso.

    with OxigraphServer(tmp_dir) as server:
        server.query_url  # http://127.0.0.1:PORT/query
    with VirtuosoServer() as server:
        server.query_url  # http://127.0.0.1:PORT/sparql

The Oxigraph binary comes from the `oxigraph` PyPI package (installed next to the Python running
the tests). It is started with `--union-default-graph`, as the contract says, so queries see the
union of the named graphs like the embedded store does. Virtuoso comes from the distribution
(`make virtuoso-deps`); its default graph is the union of its graphs anyway.
"""

from __future__ import annotations

import json
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def oxigraph_binary() -> str | None:
    """The `oxigraph` server executable, or None."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file():
        return str(beside)
    return shutil.which("oxigraph")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OxigraphServer:
    """Starts `oxigraph serve` on 127.0.0.1, waits until it answers, stops it on exit."""

    def __init__(self, location: Path | None = None, *, timeout_s: int | None = None) -> None:
        self._tmp = None if location else tempfile.TemporaryDirectory(prefix="cokg-oxigraph-")
        self.location = Path(location or self._tmp.name)  # type: ignore[union-attr]
        self.timeout_s = timeout_s
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        return self.base + "/query"

    @property
    def update_url(self) -> str:
        return self.base + "/update"

    @property
    def store_url(self) -> str:
        return self.base + "/store"

    def start(self, wait: float = 20.0) -> OxigraphServer:
        binary = oxigraph_binary()
        if binary is None:
            raise RuntimeError("the oxigraph server binary is not installed")
        for _attempt in range(3):  # a port can be taken between probing and binding
            self.port = free_port()
            cmd = [binary, "serve", "--location", str(self.location),
                   "--bind", f"127.0.0.1:{self.port}", "--union-default-graph"]  # fmt: skip
            if self.timeout_s:
                cmd += ["--timeout-s", str(self.timeout_s)]
            self.proc = subprocess.Popen(
                cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
            )
            if self._wait_ready(wait):
                return self
            self.stop()
        raise RuntimeError("oxigraph server did not start")

    def _wait_ready(self, wait: float) -> bool:
        deadline = time.monotonic() + wait
        probe = self.query_url + "?query=ASK%7B%7D"
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(probe, timeout=1) as resp:
                    if resp.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                time.sleep(0.05)
        return False

    def clear(self) -> None:
        """Remove every graph (between tests sharing one server)."""
        self.update("DROP ALL")

    def update(self, sparql: str) -> None:
        """Run a SPARQL update directly, not through cokg."""
        post_update(self.update_url, sparql)

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            if self.proc.stderr:
                self.proc.stderr.close()
            self.proc = None

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()


# --- Virtuoso ------------------------------------------------------------------------------------

# Graphs every fresh Virtuoso database holds (its RDF views' metadata, the LDP classes, the
# endpoint's service description). They are made private, so that the SPARQL endpoint sees only
# the graphs written to it: the default graph is then the union of cokg's named graphs.
VIRTUOSO_PRIVATE_GROUP = "http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs"

VIRTUOSO_INI = """\
; written by tests/servers.py: a private database in this directory, loopback only
[Database]
DatabaseFile = virtuoso.db
ErrorLogFile = virtuoso.log
LockFile = virtuoso.lck
TransactionFile = virtuoso.trx
xa_persistent_file = virtuoso.pxa
[TempDatabase]
DatabaseFile = virtuoso-temp.db
TransactionFile = virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = .
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = .
ServerThreads = 4
[SPARQL]
; the packaged virtuoso.ini's cap: answers are cut at this many rows (flagged X-SPARQL-MaxRows)
ResultSetMaxRows = 10000
"""


def virtuoso_binaries() -> tuple[str, str] | None:
    """The `virtuoso-t` server and its `isql-vt` client (Debian's names), or None."""
    server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    return (server, isql) if server and isql else None


class VirtuosoServer:
    """Starts OpenLink Virtuoso (`virtuoso-t +foreground`) on a private database in a temporary
    directory, its SQL and HTTP ports on free 127.0.0.1 ports, waits until /sparql answers, lets
    the anonymous SPARQL user update, hides Virtuoso's own graphs; stops it on exit.

    `query_url` and `update_url` are both /sparql; `store_url` is /sparql-graph-crud (the Graph
    Store Protocol). `startup_s`: seconds from launch until it was ready and configured.
    """

    def __init__(self, location: Path | None = None) -> None:
        self._tmp = None if location else tempfile.TemporaryDirectory(prefix="cokg-virtuoso-")
        self.location = Path(location or self._tmp.name)  # type: ignore[union-attr]
        self.port = 0
        self.sql_port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.startup_s = 0.0
        self._dir = self.location
        self._log: Any = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        return self.base + "/sparql"

    @property
    def update_url(self) -> str:
        return self.base + "/sparql"

    @property
    def store_url(self) -> str:
        return self.base + "/sparql-graph-crud"

    def start(self, wait: float = 60.0) -> VirtuosoServer:
        binaries = virtuoso_binaries()
        if binaries is None:
            raise RuntimeError("Virtuoso is not installed (make virtuoso-deps)")
        t0 = time.monotonic()
        for attempt in range(3):  # a port can be taken between probing and binding
            self.port, self.sql_port = free_port(), free_port()
            if self.port == self.sql_port:
                continue
            self._dir = self.location / f"db{attempt}"
            self._dir.mkdir()
            ini = self._dir / "virtuoso.ini"
            ini.write_text(
                VIRTUOSO_INI.format(sql_port=self.sql_port, http_port=self.port), encoding="utf-8"
            )
            self._log = open(self._dir / "console.log", "wb")  # noqa: SIM115 (closed in stop)
            self.proc = subprocess.Popen(
                [binaries[0], "+foreground", "+configfile", ini.name],
                cwd=self._dir,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,
            )
            if _wait_for(self.query_url + "?query=ASK%7B%7D", self.proc, wait):
                try:
                    self._configure(binaries[1])
                except BaseException:
                    self.stop()
                    raise
                self.startup_s = time.monotonic() - t0
                return self
            self.stop()
        raise RuntimeError(f"Virtuoso did not start:\n{self.log_tail()}")

    def _configure(self, isql: str) -> None:
        system = self._graphs()  # a fresh database: every graph in it is Virtuoso's own
        group = VIRTUOSO_PRIVATE_GROUP
        statements = [
            'GRANT SPARQL_UPDATE TO "SPARQL";',
            f"DB.DBA.RDF_GRAPH_GROUP_CREATE('{group}', 1);",
            *(f"DB.DBA.RDF_GRAPH_GROUP_INS('{group}', '{g}');" for g in system),
            "DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 0, 1);",  # private graphs: nothing
            "DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 3, 0);",  # the others: read, write
            f"USER_SET_PASSWORD('dba', '{secrets.token_hex(16)}');",  # no dba/dba login
        ]
        proc = subprocess.run(
            [isql, f"127.0.0.1:{self.sql_port}", "dba", "dba"],
            input="\n".join(statements) + "\n",
            capture_output=True,
            text=True,
            timeout=60,
        )
        if proc.returncode != 0 or "*** Error" in proc.stdout + proc.stderr:
            raise RuntimeError(f"configuring Virtuoso failed:\n{proc.stdout}\n{proc.stderr}")
        if self._graphs():
            raise RuntimeError(f"Virtuoso's own graphs are still visible: {self._graphs()}")

    def _graphs(self) -> list[str]:
        # GROUP BY, not DISTINCT: Virtuoso answers `SELECT DISTINCT ?g` from its list of graphs,
        # private ones included
        query = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        url = self.query_url + "?" + urllib.parse.urlencode({"query": query})
        req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            doc = json.load(resp)
        return [b["g"]["value"] for b in doc["results"]["bindings"]]

    def clear(self) -> None:
        """Drop every graph the endpoint sees (between tests sharing one server)."""
        graphs = self._graphs()
        if not graphs:
            return
        self.update(";\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs))

    def update(self, sparql: str) -> None:
        """Run a SPARQL update directly, not through cokg."""
        post_update(self.update_url, sparql)

    def log_tail(self, lines: int = 30) -> str:
        texts = []
        for name in ("console.log", "virtuoso.log"):
            path = self._dir / name
            if path.is_file():
                texts += path.read_text("utf-8", "replace").splitlines()[-lines:]
        return "\n".join(texts)

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> VirtuosoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()


def post_update(url: str, sparql: str) -> None:
    """POST a SPARQL update as the protocol's `update=` form field."""
    req = urllib.request.Request(
        url,
        data=urllib.parse.urlencode({"update": sparql}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        resp.read()


def remote_store(
    server: OxigraphServer | VirtuosoServer,
    graphs: dict[str, Path] | None = None,
    *,
    data: bool = True,
) -> Any:
    """A RemoteStore on `server`, emptied, then built (the founding data too when `data`) and
    given `graphs` (graph IRI -> file): what the cross-store tests compare with embedded."""
    from cokg.store import RemoteStore, build

    server.clear()
    st = RemoteStore(server.query_url)
    build(st, include_data=data)
    if graphs:
        st.load_files(graphs)
    return st


def running_virtuoso() -> Iterator[VirtuosoServer]:
    """The body of a test module's `virtuoso_server` fixture (module scope: one server per
    file). Fails (never skips) when Virtuoso is missing: a skip must not pass for a pass."""
    import pytest

    if virtuoso_binaries() is None:
        pytest.fail("Virtuoso is not installed: run `make virtuoso-deps`")
    with VirtuosoServer() as server:
        yield server


def _die_with_parent() -> None:
    """In the child before exec: on Linux, SIGTERM it when the test process dies, so that a
    killed test run leaves no database server behind."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _wait_for(probe: str, proc: subprocess.Popen[bytes], wait: float) -> bool:
    """Poll `probe` until it answers 200, the process exits or `wait` seconds pass."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(probe, timeout=2) as resp:
                if resp.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    return False
