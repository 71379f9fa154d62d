"""The 24/7 point's roster on the demo network, in a real browser (issue 8 item 1): XB's
administrator puts the duty officer on duty now with a backup through /desk/roster; the duty
officer's desk says who is on duty, until when, with the hand-over note; an emergency from XA
arrives while the desk is open, is announced (role=alert), is escalated once the demo
network's clock has moved an hour on without an acknowledgement (marked "Escalated at HH:MM"),
and is acknowledged.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from comity.cli import demo_network
from comity.services.demo import DEMO_PASSWORD
from tests.browser.test_cooperation_flow import (
    CROSSING,
    officers,
    send_emergency_preservation,
    shot,
    sign_in,
)
from tests.e2e.test_demo_network import Network, network

__all__ = ["network", "officers"]

pytestmark = pytest.mark.browser

NOTE = "Two preservations pending; XC calls back at 10:00."


def _add_backup_officer(network: Network) -> None:
    """A second duty officer at XB's 24/7 point (the demo has one), by the operator's CLI."""
    added = subprocess.run(
        [sys.executable, "-m", "comity", "user", "add", "--dir", str(network.data_dir / "XB"),
         "--username", "backup", "--role", "duty_officer", "--authority", "poc247",
         "--password", DEMO_PASSWORD],
        capture_output=True, text=True, env=network.env, timeout=60,
    )  # fmt: skip
    assert added.returncode == 0, added.stdout + added.stderr


def _add_shift(page: Page, username: str, role: str, contact: str, note: str = "") -> None:
    """Fill the roster page's form with a shift running now for 8 hours (the demo points keep
    UTC) and add it."""
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=5)
    form = page.locator("form", has=page.get_by_role("button", name="Add the shift"))
    form.get_by_label("Officer").select_option(username)
    form.get_by_label("Role").select_option(label=role)
    form.get_by_label("Starts").fill(f"{start:%Y-%m-%dT%H:%M}")
    form.get_by_label("Ends").fill(f"{start + timedelta(hours=8):%Y-%m-%dT%H:%M}")
    form.get_by_label("Contact for alerts (e-mail)").fill(contact)
    form.get_by_label("Hand-over note").fill(note)
    form.get_by_role("button", name="Add the shift").click()
    expect(page.get_by_role("status")).to_contain_text("The shift is on the roster.")


def test_the_desk_says_who_is_on_duty_and_an_emergency_is_announced_and_acknowledged(
    network: Network, officers: Callable[[str], Page]
) -> None:
    xa, xb = network.url("XA"), network.url("XB")
    _add_backup_officer(network)

    admin = officers("en-GB")
    sign_in(admin, xb, "admin", then="/desk/roster")
    expect(admin.get_by_role("heading", level=1)).to_contain_text("Duty roster")
    expect(admin.get_by_text("No shift in the next 7 days.")).to_be_visible()
    _add_shift(admin, "duty", "Duty", "duty@xb.example", NOTE)
    _add_shift(admin, "backup", "Backup", "backup@xb.example")
    table = admin.get_by_role("table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tr.on-duty-now")).to_have_count(2)
    shot(admin, "23-xb-roster")

    duty = officers("en-GB")
    sign_in(duty, xb, "duty", then="/desk")
    panel = duty.locator("section.on-duty")
    expect(panel.get_by_role("heading", name="On duty now")).to_be_visible()
    expect(panel.locator("dd", has_text="duty@xb.example")).to_contain_text("until")
    expect(panel.locator("dd", has_text="backup@xb.example")).to_be_visible()
    expect(panel.get_by_role("heading", name="Hand-over note from duty")).to_be_visible()
    expect(panel).to_contain_text(NOTE)
    expect(panel).to_contain_text("Times are in the point's time zone, UTC.")

    # An emergency arrives while the desk is open: the page announces it by itself.
    reference = send_emergency_preservation(xa)
    expect(duty.locator("#desk-alert")).to_contain_text(
        "New emergency request from XA", timeout=CROSSING
    )
    expect(duty.get_by_role("alert").first).to_contain_text("New emergency request from XA")
    card = duty.locator("article.card", has=duty.get_by_role("link", name=reference))
    expect(card.get_by_text("Waiting since arrival:")).to_be_visible(timeout=CROSSING)
    # Not an hour yet: nothing is escalated.
    expect(card.get_by_text(re.compile("^Escalated at"))).to_have_count(0)
    shot(duty, "24-xb-desk-on-duty-and-emergency")

    # An hour passes on the demo network's clock with nobody acknowledging: XB's node escalates
    # the emergency to the next officer and the supervisor, and the open desk shows it.
    demo_network.advance_clock(network.data_dir, timedelta(minutes=61))
    expect(card.get_by_text(re.compile("^Escalated at"))).to_be_visible(timeout=CROSSING)
    shot(duty, "24b-xb-desk-escalated")

    card.get_by_role("button", name=re.compile("^Acknowledge")).click()
    expect(duty.get_by_role("status")).to_contain_text("Acknowledged")
    taken = duty.locator("article.card", has=duty.get_by_role("link", name=reference))
    expect(taken.get_by_text("Acknowledged after")).to_be_visible()
    expect(duty.locator("section.on-duty")).to_contain_text(NOTE)

    # The duty officer takes the backup off the roster from the desk's link; in Arabic too.
    duty.locator("section.on-duty").get_by_role("link", name="Duty roster").click()
    row = duty.locator("tbody tr", has_text="backup@xb.example")
    row.get_by_role("button", name=re.compile("^Remove")).click()
    expect(duty.get_by_role("status")).to_contain_text("The shift is off the roster.")
    expect(duty.get_by_role("table").locator("tbody tr")).to_have_count(1)
    duty.get_by_role("link", name="العربية").click()
    expect(duty.locator("html")).to_have_attribute("dir", "rtl")
    expect(duty.get_by_role("heading", level=1)).to_contain_text("جدول المناوبات")
    shot(duty, "25-xb-roster-ar")
