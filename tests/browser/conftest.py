"""The browser tier: Playwright driving Debian's chromium against real node processes.

The browser is the system's (``chromium`` on the PATH, from Debian's package), never one
Playwright downloads. Without it the tier is skipped with one clear line, unless
``COMITY_REQUIRE_BROWSER=1`` (set by ``.ci/run``): then its absence fails the run.
Screenshots of each step go to ``COMITY_SCREENSHOTS`` (default ``.comity/screenshots``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import CHROMIUM, REQUIRED

SCREENSHOTS = Path(os.environ.get("COMITY_SCREENSHOTS", ".comity/screenshots"))


# Per module, not per session: Playwright's sync API keeps an event loop running in the
# worker's thread while it is open, and a later test in the same worker that calls
# asyncio.run() (pyHanko's signing does) would fail. Closing it after each browser module
# costs one chromium start (under a second) per module.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if CHROMIUM is None:
        if REQUIRED:
            pytest.fail("COMITY_REQUIRE_BROWSER=1 but no chromium on the PATH")
        pytest.skip("no chromium on the PATH (apt install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-GB")
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact; its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
