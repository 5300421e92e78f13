"""A served store and the distribution's headless Chromium, for the browser tests
(tests/test_browser.py, tests/test_docs_pages.py): each file's module fixtures yield from these."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

# The distribution's Chromium, found on PATH as scripts/browser-deps.sh checks for it.
CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def running_server(log_dir: Path, *, timeout: int) -> Iterator[str]:
    """`cokg serve --store memory:` on a free loopback port; yields its base URL."""
    port = _free_port()
    log = log_dir / "serve.log"
    cmd = [sys.executable, "-c", "from cokg.cli import main; main()", "serve"]
    cmd += ["--store", "memory:", "--port", str(port), "--timeout", str(timeout)]
    cmd += ["--workers", "2"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"cokg serve exited: {log.read_text(errors='replace')}")
            try:
                if httpx.get(base + "/status", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"cokg serve did not start: {log.read_text(errors='replace')}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def running_browser() -> Iterator[object]:
    """Headless Chromium through playwright; fails (never skips) when Chromium is missing."""
    if CHROMIUM is None:
        pytest.fail("Chromium is missing: run scripts/browser-deps.sh (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def record_requests(page) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """Every request the page sends from now on (url, method), as Chromium's DevTools protocol
    reports it (`Network.requestWillBeSent`): scripts, styles, fetches, images, all of them."""
    seen: list[dict[str, str]] = []
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on(
        "Network.requestWillBeSent",
        lambda e: seen.append({"url": e["request"]["url"], "method": e["request"]["method"]}),
    )
    return seen
