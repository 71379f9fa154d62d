"""A drafter signs in to a real node in chromium, sees the dashboard in English, Russian and
Arabic (right to left), and signs out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import screenshot
from tests.federation_harness import PASSWORD
from tests.node_processes import Process, network, send_mla

__all__ = ["network"]


@pytest.fixture
def xa(network: dict[str, Process]) -> Iterator[Process]:
    network["XA"].start()
    network["XB"].start()
    yield network["XA"]


def test_a_drafter_signs_in_sees_the_work_of_the_authority_and_signs_out(
    xa: Process, page: Page, tmp_path: Path
) -> None:
    send_mla(xa)
    page.goto(f"{xa.base}/")
    expect(page).to_have_url(f"{xa.base}/login")
    page.get_by_label("User name").fill("drafter")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("wrong")
    assert_accessible(page)
    screenshot(page, "01-sign-in-refused")

    page.get_by_label("User name").fill("drafter")
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")  # The whole flow works from the keyboard.
    expect(page.get_by_role("heading", name="What waits for you")).to_be_visible()
    expect(page.get_by_role("table").last).to_contain_text("Mutual legal assistance")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    assert_accessible(page)
    screenshot(page, "02-dashboard-drafter-en")

    page.get_by_role("link", name="Русский").click()
    expect(page.get_by_role("heading", name="Что ждёт вас")).to_be_visible()
    screenshot(page, "03-dashboard-drafter-ru")
    page.get_by_role("link", name="العربية").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", name="ما ينتظرك")).to_be_visible()
    screenshot(page, "04-dashboard-drafter-ar")

    page.get_by_role("button", name="تسجيل الخروج").click()
    expect(page).to_have_url(f"{xa.base}/login")
    page.goto(f"{xa.base}/")
    expect(page).to_have_url(f"{xa.base}/login")
