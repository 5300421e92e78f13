"""A real Oxigraph SPARQL server for tests, on a free loopback port.

    with OxigraphServer(tmp_dir) as server:
        server.query_url  # http://127.0.0.1:PORT/query

The server binary comes from the `oxigraph` PyPI package (installed next to the Python running
the tests). It is started with `--union-default-graph`, as the contract says, so queries see the
union of the named graphs like the embedded store does.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path


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
        req = urllib.request.Request(
            self.update_url,
            data=b"DROP ALL",
            headers={"Content-Type": "application/sparql-update"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            resp.read()

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
