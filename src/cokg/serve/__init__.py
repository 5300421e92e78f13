"""`cokg serve`: a read-only SPARQL 1.1 endpoint and HTML pages over the knowledge graph.

    from cokg.serve import serve
    serve(port=8000, timeout=10, limit=10_000)        # blocks; Ctrl+C stops it

In front of a SPARQL endpoint (`endpoint=`, `cokg serve --endpoint URL`) the pages and the
screened /sparql endpoint query it instead (`cokg.serve.remotepool`).

Over an embedded store the workers follow the snapshots its writers publish (see
`cokg.serve.pool`): an ingest shows within a second, without a restart, and the server never
takes the writer lock, so it keeps answering while an ingest writes. Over `memory:` (or a store
no writer has published yet) the data is copied once into each worker process (an N-Quads
snapshot). Either way the server cannot change the store. Queries run in those workers:
one exceeding the timeout has its worker killed and replaced; results beyond the limit are cut
and flagged (`X-Cokg-Truncated: true`, a note on HTML pages).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import re
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cokg.errors import InputError, ParameterError

if TYPE_CHECKING:
    from cokg.serve.pool import DataSource

__all__ = ["DataSource", "QueryPool", "ServeSettings", "create_app", "listen", "serve", "snapshot"]

# Imported on first use: a query worker (`python -m cokg.serve.pool`) needs none of the web stack.
_LAZY = {
    "DataSource": "cokg.serve.pool",
    "QueryPool": "cokg.serve.pool",
    "ServeSettings": "cokg.serve.state",
    "create_app": "cokg.serve.app",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)


@contextlib.contextmanager
def snapshot(store_spec: str | Path | None = None) -> Iterator[DataSource]:
    """Where the workers get the data: an embedded store's published snapshots, followed live;
    otherwise the store's named graphs as an N-Quads file in a temporary directory. The store
    is built first when it is missing, empty or stale."""
    from cokg.serve.pool import DataSource
    from cokg.store import EmbeddedStore, open_for_reading

    if store_spec is not None and re.match(r"https?://", str(store_spec)):
        raise InputError("an endpoint has no snapshot: serve it with serve(endpoint=URL)")
    store = open_for_reading(store_spec)
    try:
        if isinstance(store, EmbeddedStore) and store.snapshot is not None:
            live: Path | None = store.snapshots_dir
            data = b""
        else:
            live = None
            data = store.export(format="nq")
    finally:
        store.close()  # the workers hold the snapshot they read themselves
    if live is not None:
        yield DataSource(snapshots=live)
        return
    with tempfile.TemporaryDirectory(prefix="cokg-serve-") as tmp:
        path = Path(tmp) / "snapshot.nq"
        path.write_bytes(data)
        del data
        yield DataSource(snapshot=path)


def _log_to_stderr() -> None:
    """The "cokg.serve" log on stderr, beside uvicorn's own lines and in their form."""
    logger = logging.getLogger("cokg.serve")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s:  %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def _exit_on_term(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def _sigterm_as_exit() -> Iterator[None]:
    """SIGTERM as SystemExit while serving. uvicorn shuts down on SIGTERM (a service
    manager's stop), then raises the signal again for the handler in place before it; the
    default one ended the process on the spot, leaving the store's snapshot (the whole store
    as N-Quads) in the temporary folder and the worker pool unclosed. As SystemExit the `with`
    blocks unwind: from before the snapshot is written, so a stop while it is written or the
    workers start (a slow start) cleans up too."""
    main = threading.current_thread() is threading.main_thread()
    before = signal.signal(signal.SIGTERM, _exit_on_term) if main else None
    try:
        yield
    finally:
        if main:
            signal.signal(signal.SIGTERM, before)


def listen(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port and listening, or ParameterError saying why not (a
    port out of range or in use, a host that is not one of this machine's)."""
    if not 0 <= port <= 65535:
        raise ParameterError(f"--port must be from 0 to 65535, not {port}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        raise ParameterError(f"--host {host!r} is not a name or address this machine has "
                             f"({getattr(exc, 'strerror', None) or exc})") from None  # fmt: skip
    family, kind, proto, _name, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ParameterError(
                f"port {port} on {host} is in use (another server?): stop it, or give --port"
            ) from None
        raise ParameterError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    store: str | Path | None = None,
    endpoint: str | None = None,
    timeout: float = 10.0,
    limit: int = 10_000,
    workers: int = 2,
    memory_mb: int | None = 4096,
) -> None:
    """Serve until interrupted. Raises CokgError subclasses for bad options or an unusable store.

    `endpoint` (a SPARQL endpoint URL, e.g. a consortium's Oxigraph server or Virtuoso) serves
    the pages and the screened /sparql endpoint in front of it instead of a local store
    (`cokg.serve.remotepool`); `workers` is then the number of requests sent to it at once."""
    import uvicorn

    from cokg.serve.app import ServeSettings, create_app
    from cokg.serve.pool import QueryPool

    if timeout <= 0:
        raise InputError("--timeout must be positive")
    if limit < 1:
        raise InputError("--limit must be at least 1")
    if workers < 1:
        raise InputError("--workers must be at least 1")
    settings = ServeSettings(timeout=timeout, limit=limit)
    # the socket first: a port in use or a host that is none is one line, before the store
    # is read, and the server then serves on this very socket (no race for the port)
    sock = listen(host, port)

    def run(app: Any) -> None:
        server = uvicorn.Server(uvicorn.Config(app, log_level="info", access_log=False))
        bound = sock.getsockname()
        shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
        # uvicorn names no address for a socket it is given: say where to point a browser
        print(f"serving on http://{shown}:{bound[1]}/ (Ctrl+C to stop)", file=sys.stderr)
        server.run(sockets=[sock])

    with _sigterm_as_exit():
        if endpoint is None and store is not None and re.match(r"https?://", str(store)):
            endpoint, store = str(store), None
        if endpoint is not None:
            if store is not None:
                raise InputError("give a store or an endpoint to serve, not both")
            _log_to_stderr()  # an endpoint that fails is named there, never on the public pages
            from cokg.serve.remotepool import RemotePool

            with RemotePool(endpoint, workers=workers, timeout=timeout) as remote:
                run(create_app(remote, settings))
            return
        with (
            snapshot(store) as source,
            QueryPool(source, workers=workers, timeout=timeout, memory_mb=memory_mb) as pool,
        ):
            run(create_app(pool, settings))
