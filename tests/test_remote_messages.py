"""What a user reads when a server cannot be used: one line each, saying what happened (no
server there, the server's own answer, credentials refused or missing, no scheme, the wrong
URL for writes, cokg serve taking no writes)."""

from __future__ import annotations

import base64
import contextlib
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from servers import free_port

from cokg.cli import cli


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    out = result.output.strip()
    assert "\n" not in out and "Traceback" not in out, out
    return result.exit_code, out


class _Stub(BaseHTTPRequestHandler):
    """Answers every request with the status, headers and body of its server's `answer`;
    200 with an empty SPARQL result when the request carries the `password`."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        server: Any = self.server
        status, headers, body = server.answer
        if server.password is not None:
            token = base64.b64encode(f"steward:{server.password}".encode()).decode()
            if self.headers.get("Authorization") == f"Basic {token}":
                status, headers = 200, {"Content-Type": "application/sparql-results+json"}
                body = b'{"head": {"vars": ["g"]}, "results": {"bindings": []}}'
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def stub() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    server.answer = (500, {}, b"")  # type: ignore[attr-defined]
    server.password = None  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server: ThreadingHTTPServer, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def test_no_server_at_the_address() -> None:
    url = f"http://127.0.0.1:{free_port()}/query"
    code, out = _run("graphs", "--store", url)
    assert code != 0
    assert out == (
        f"cokg: error: cannot reach {url}: the connection was refused: no server is running "
        "at that address (host and port)"
    )


def test_a_server_reached_says_what_it_answered(oxigraph_server: Any) -> None:
    # the Graph Store URL given as the query URL: the server answered, it was not unreachable
    code, out = _run("graphs", "--store", oxigraph_server.store_url)
    assert code != 0
    assert out.startswith(f"cokg: error: {oxigraph_server.store_url} answered HTTP 4"), out
    assert "cannot reach" not in out and "Oxigraph's ends in /query" in out


@pytest.mark.parametrize(
    ("password", "said"),
    [
        pytest.param(
            None,
            "the server wants credentials and none were given: set COKG_USER and COKG_PASSWORD",
            id="none-given",
        ),
        pytest.param(
            "wrong", "the server refused the credentials in COKG_USER / COKG_PASSWORD", id="wrong"
        ),
    ],
)
def test_credentials_refused_or_missing(
    stub: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch, password: str | None, said: str
) -> None:
    stub.answer = (401, {"WWW-Authenticate": 'Basic realm="cokg"'}, b"Unauthorized")  # type: ignore[attr-defined]
    stub.password = "right"  # type: ignore[attr-defined]
    monkeypatch.delenv("COKG_USER", raising=False)
    monkeypatch.delenv("COKG_PASSWORD", raising=False)
    if password is not None:
        monkeypatch.setenv("COKG_USER", "steward")
        monkeypatch.setenv("COKG_PASSWORD", password)
    code, out = _run("graphs", "--store", _url(stub, "/query"))
    assert code != 0 and said in out, out
    # a push's Graph Store PUT: the same words (it said "HTTP 401" and nothing more)
    from cokg.errors import StoreError
    from cokg.store import RemoteStore

    stub.password = None  # type: ignore[attr-defined]
    target = RemoteStore(_url(stub, "/query"))
    with pytest.raises(StoreError) as caught:
        target._gsp("PUT", "https://w3id.org/cokg/graph/x", b"")
    assert "HTTP 401" in str(caught.value) and said in str(caught.value)


def test_the_right_password_passes(stub: ThreadingHTTPServer, monkeypatch) -> None:
    stub.answer = (401, {}, b"Unauthorized")  # type: ignore[attr-defined]
    stub.password = "right"  # type: ignore[attr-defined]
    monkeypatch.setenv("COKG_USER", "steward")
    monkeypatch.setenv("COKG_PASSWORD", "right")
    result = CliRunner().invoke(cli, ["graphs", "--store", _url(stub, "/query")])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("command", [["graphs", "--store"], ["build", "--store"],
                                     ["query", "cases", "--endpoint"],
                                     ["push", "--store", "memory:", "--endpoint"]])  # fmt: skip
def test_an_address_without_http(command: list[str], tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out = _run(*command, "127.0.0.1:18201/query")
    assert code == 2
    assert out == (
        "cokg: error: '127.0.0.1:18201/query' looks like a server address without its scheme: "
        "write it as http://127.0.0.1:18201/query (a store folder by that name does not exist)"
    )
    assert list(tmp_path.iterdir()) == []


def test_an_oxigraph_sparql_url_is_told_where_writes_go(oxigraph_server: Any) -> None:
    oxigraph_server.clear()
    url = oxigraph_server.base + "/sparql"
    code, out = _run("push", "--store", "memory:", "--endpoint", url)
    assert code != 0
    assert "sparql-graph-crud" in out and "Oxigraph serves it at /store" in out, out
    assert "gsp_endpoint" in out


def test_cokg_serve_takes_no_writes(stub: ThreadingHTTPServer) -> None:
    # cokg serve's answer to a Graph Store PUT (tests/test_serve.py checks the server's side)
    stub.answer = (405, {"X-Cokg-Error": "read-only"}, b"cokg serve is read-only")  # type: ignore[attr-defined]
    url = _url(stub, "/sparql")
    from cokg.errors import StoreError
    from cokg.store import RemoteStore

    with pytest.raises(StoreError) as caught:
        RemoteStore(url)._gsp("PUT", "https://w3id.org/cokg/graph/x", b"")
    assert str(caught.value) == (
        f"PUT https://w3id.org/cokg/graph/x failed: {url}-graph-crud is served by cokg serve, "
        "which is read-only: it takes no writes. Write to the store it serves (--store DIR) or "
        "to the SPARQL server behind it"
    )
    # its SPARQL Update refusal (403, X-Cokg-Error: update) says the same
    stub.answer = (403, {"X-Cokg-Error": "update"}, b"this endpoint is read-only")  # type: ignore[attr-defined]
    with pytest.raises(StoreError, match="is served by cokg serve, which is read-only"):
        RemoteStore(url)._update("INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }")


# --- an https:// URL on a plain-HTTP server ---------------------------------------------------

# The TLS client hello got no answer from a plain-HTTP server (it waits for the end of a request
# line), so every command waited out its 60 s timeout (a push's write, none) before failing with
# a TLS error. cokg's own short handshake finds out first: a few seconds, one line.
PLAIN_HTTP_SECONDS = 10  # the handshake's 3 s and the plain probe, with room for a slow machine


@pytest.fixture
def https_on_plain(oxigraph_server: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """The suite's Oxigraph server (plain HTTP) as an https:// URL, and its right URL; the
    verdict of an earlier test is forgotten, so each command finds out for itself."""
    from cokg.store import remote

    monkeypatch.setattr(remote, "_PLAIN_HTTP", {}, raising=False)
    monkeypatch.setattr(remote, "_TLS_CHECKED", set(), raising=False)
    monkeypatch.delenv("COKG_ENDPOINT", raising=False)
    plain = oxigraph_server.query_url
    return plain.replace("http://", "https://"), plain


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["graphs", "--store"], id="graphs"),
        pytest.param(["query", "sampling-frame", "--endpoint"], id="query"),
        pytest.param(["sparql", "ASK {}", "--endpoint"], id="sparql"),
        pytest.param(["push", "--store", "memory:", "--endpoint"], id="push"),
        pytest.param(["backup", "b.trig", "--store"], id="backup"),
        pytest.param(["serve", "--port", "0", "--endpoint"], id="serve"),
        pytest.param([], id="config.toml"),
    ],
)
def test_an_https_url_on_a_plain_http_server_fails_at_once(
    https_on_plain: tuple[str, str], command: list[str], tmp_path: Path, monkeypatch
) -> None:
    import time

    url, plain = https_on_plain
    monkeypatch.chdir(tmp_path)
    if command:
        command = [*command, url]
    else:  # the endpoint of the project's config file, read by every command
        (tmp_path / ".cokg").mkdir()
        (tmp_path / ".cokg" / "config.toml").write_text(f'endpoint = "{url}"\n')
        command = ["graphs"]
    started = time.monotonic()
    code, out = _run(*command)
    assert time.monotonic() - started < PLAIN_HTTP_SECONDS
    assert code != 0
    assert out == f"cokg: error: {url} answered in plain HTTP: use {plain}"


def test_a_server_that_speaks_neither_is_left_to_the_request(
    stub: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # an https:// URL whose server answers the TLS hello with something that is no TLS and a
    # plain request with nothing HTTP: not called plain HTTP, the request's own error stands
    from cokg.store import remote

    monkeypatch.setattr(remote, "_PLAIN_HTTP", {}, raising=False)
    monkeypatch.setattr(remote, "_TLS_CHECKED", set(), raising=False)
    with socket_answering(b"SSH-2.0-OpenSSH_9.2\r\n") as port:
        url = f"https://127.0.0.1:{port}/query"
        remote.check_tls(url)  # no error of its own
        code, out = _run("graphs", "--store", url)
    assert code != 0 and out.startswith(f"cokg: error: cannot reach {url}"), out
    assert "plain HTTP" not in out


@contextlib.contextmanager
def socket_answering(greeting: bytes) -> Iterator[int]:
    """A loopback server that sends `greeting` to every connection and closes it."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.sendall(greeting)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        listener.close()
