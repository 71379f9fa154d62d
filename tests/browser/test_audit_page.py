"""The auditor's page on the demo network, in a real browser: an auditor signs in, lands on
the audit log, sees the checkpoint the other two States cosigned, and the page passes the
accessibility checks in English and Arabic (right to left)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from comity.services.demo import DEMO_PASSWORD
from tests.browser.test_cooperation_flow import officers, shot, sign_in
from tests.e2e.test_demo_network import Network, network

__all__ = ["network", "officers"]

pytestmark = pytest.mark.browser

# Demo nodes sign a checkpoint every 10 s and the two others cosign it.
WITNESSED = 60.0


def test_an_auditor_sees_the_log_cosigned_by_the_other_states(
    network: Network, officers: Callable[[str], Page]
) -> None:
    xa = network.url("XA")
    auditor = officers("en-GB")
    sign_in(auditor, xa, "auditor", then="/audit")
    deadline = time.monotonic() + WITNESSED
    while not re.fullmatch(r"XB, XC", auditor.locator("#cosigned-by").inner_text().strip()):
        assert time.monotonic() < deadline, auditor.locator("main").inner_text()
        time.sleep(1.0)
        auditor.reload()
    expect(auditor.get_by_role("heading", level=1)).to_have_text("Audit log")
    shot(auditor, "21-xa-audit-log")
    auditor.get_by_role("link", name="العربية").click()
    expect(auditor.locator("html")).to_have_attribute("dir", "rtl")
    shot(auditor, "22-xa-audit-log-ar")
    # Signing in at the root takes an auditor, who has no case role, to the audit log.
    other = officers("en-GB")
    other.goto(f"{xa}/")
    other.get_by_label("User name").fill("auditor")
    other.get_by_label("Password").fill(DEMO_PASSWORD)
    other.get_by_role("button", name="Sign in").click()
    expect(other).to_have_url(re.compile(re.escape(f"{xa}/audit")))
