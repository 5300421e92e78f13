"""Drive the served pages in headless Chromium: `cokg serve` runs as a real process.

Chromium comes from the distribution (scripts/browser-deps.sh, run by `make test`); Playwright's
Python package drives it. Set COKG_SCREENSHOT_DIR to keep copies of the screenshots.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(240)]

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
# From the paper: Table 7 (implementation, Case 1, Process) and Table 1.
TABLE7_ESTHER = "ESTHER cafes attract a broad range of listeners"
TABLE1_ADMIN = "Jönköping County Council"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`cokg serve --store memory:` on a free loopback port; yields its base URL."""
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    cmd = [sys.executable, "-c", "from cokg.cli import main; main()", "serve"]
    cmd += ["--store", "memory:", "--port", str(port), "--timeout", "5", "--workers", "2"]
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


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if CHROMIUM is None:
        pytest.fail("Chromium is missing: run scripts/browser-deps.sh (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _shot(page, tmp_path: Path, name: str) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000  # a real rendering, not a blank page
    keep = os.environ.get("COKG_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)
    return path


def test_run_saved_query_with_parameter(server: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server + "/")
    assert page.title() == "Saved queries · cokg"
    _shot(page, tmp_path, "serve-index")
    form = page.locator('form[action="/query/cross-case"]')
    form.locator('select[name="phase"]').select_option("implementation")
    form.get_by_role("button", name="Run").click()
    page.wait_for_url("**/query/cross-case?phase=implementation")
    cell = page.get_by_role("cell").filter(has_text=TABLE7_ESTHER).first
    cell.wait_for()
    assert cell.is_visible()
    assert page.locator("table").first.is_visible()
    _shot(page, tmp_path, "serve-cross-case-implementation")
    page.close()


def test_open_case_page_and_follow_an_entity_link(  # type: ignore[no-untyped-def]
    server: str, browser, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server + "/")
    page.get_by_role("navigation").get_by_role("link", name="Case 1", exact=False).click()
    page.wait_for_url("**/case/jonkoping-esther")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Case 1")
    assert page.get_by_role("cell", name=TABLE1_ADMIN, exact=True).is_visible()
    assert page.get_by_role("heading", name="Timeline").is_visible()
    assert page.get_by_role("heading", name="Findings and their evidence").is_visible()
    assert page.locator("blockquote").count() > 0  # quotations supporting the findings
    _shot(page, tmp_path, "serve-case-jonkoping-esther")
    # entity IRIs are dereferenceable: the case's own IRI opens its property table
    page.get_by_role("link", name="cokgid:case/jonkoping-esther").click()
    page.wait_for_url("**/id/case/jonkoping-esther")
    assert page.get_by_text("Properties").first.is_visible()
    _shot(page, tmp_path, "serve-entity-case")
    page.close()


def test_sparql_form_in_browser(server: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.goto(server + "/sparql")
    page.get_by_role("button", name="Run").click()
    page.wait_for_url("**/sparql?query=*")
    assert page.get_by_role("cell", name="jonkoping-esther", exact=False).first.is_visible()
    page.close()
