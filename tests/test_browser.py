"""Drive the served pages in headless Chromium: `cokg serve` runs as a real process.

Chromium comes from the distribution (scripts/browser-deps.sh, run by `make test`); Playwright's
Python package drives it. Set COKG_SCREENSHOT_DIR to keep copies of the screenshots.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browsers import running_browser, running_server

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(240)]

# From the paper: Table 7 (implementation, Case 1, Process) and Table 1.
TABLE7_ESTHER = "ESTHER cafes attract a broad range of listeners"
TABLE1_ADMIN = "Jönköping County Council"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`cokg serve --store memory:` on a free loopback port; yields its base URL."""
    yield from running_server(tmp_path_factory.mktemp("serve"), timeout=5)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    yield from running_browser()


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
    page.wait_for_url("**/query/cross-case?phase=implementation*")  # and an empty case
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
