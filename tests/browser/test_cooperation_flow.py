"""The officers' application as its users meet it, on the three-State demo network (three
real node processes over loopback mutual TLS, started by `comity demo up`), in chromium:

- an XA drafter drafts an MLA to XB through the wizard, watching missing fields disappear and
  a finding appear and go away, and submits it; an XA approver approves and sends it;
- an XB executor sees it arrive, registers it and asks for more information; the XA drafter
  answers; the XB executor accepts it;
- an emergency preservation arrives on XB's 24/7 desk, is announced while the desk is open,
  and the duty officer acknowledges it;
- the pages are read in Russian and in Arabic (right to left).

Each step leaves a screenshot (``.comity/screenshots/flow-*.png``) and passes the
accessibility checks of ``tests/browser/accessibility.py``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from comity.services.demo import DEMO_PASSWORD, example_mla_fields, example_preservation_fields
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import screenshot
from tests.e2e.test_demo_network import Network, network

__all__ = ["network"]

pytestmark = pytest.mark.browser

# Steps cross two nodes: the other node's copy changes once the message is delivered.
CROSSING = 30_000


@pytest.fixture
def officers(browser: Browser) -> Iterator[Callable[[str], Page]]:
    """A fresh browser context (its own cookies) per officer, as if each had their own PC."""
    contexts: list[BrowserContext] = []

    def open_for(locale: str = "en-GB") -> Page:
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_for
    for context in contexts:
        context.close()


def sign_in(page: Page, base: str, username: str, then: str = "/") -> None:
    page.goto(f"{base}{then}")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(f"{base}{then}") + r"(\?.*)?$"))


def shot(page: Page, name: str) -> None:
    assert_accessible(page)
    screenshot(page, f"flow-{name}")


def reload_until(page: Page, condition: Callable[[], bool], what: str) -> None:
    """Reload the page until ``condition`` holds (the other node's message has to arrive)."""
    deadline = time.monotonic() + CROSSING / 1000
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.5)
        page.reload()


def api_token(base: str, username: str) -> dict[str, str]:
    answer = httpx2.post(
        f"{base}/api/v1/auth/token",
        json={"username": username, "password": DEMO_PASSWORD},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def send_emergency_preservation(base: str) -> str:
    """XA's 24/7 point sends an emergency preservation to XB (through the API: the wizard is
    tested with the MLA); its reference."""
    drafter, approver = api_token(base, "drafter"), api_token(base, "approver")
    fields: dict[str, Any] = example_preservation_fields("XA")
    fields.update(
        emergency_facts="Threats against a witness announce an attack within 48 hours.",
        emergency_nexus="The logs identify the sender of the threats.",
    )
    with httpx2.Client(base_url=f"{base}/api/v1", timeout=20) as http:
        created = http.post(
            "/requests",
            headers=drafter,
            json={
                "type": "preservation",
                "requested_state": "XB",
                "urgency": "emergency",
                "fields": fields,
            },
        )
        assert created.status_code == 201 and not created.json()["missing"], created.text
        request_id = created.json()["id"]
        assert http.post(f"/requests/{request_id}/submit", headers=drafter).status_code == 200
        approved = http.post(f"/requests/{request_id}/approve", headers=approver, json={})
        assert approved.status_code == 200, approved.text
        sent = http.post(f"/requests/{request_id}/send", headers=approver)
        assert sent.status_code == 200, sent.text
        return str(created.json()["reference"])


def test_officers_of_two_states_cooperate_through_their_pages(
    network: Network, officers: Callable[..., Page], tmp_path: Path
) -> None:
    xa, xb = network.url("XA"), network.url("XB")
    reference = draft_and_send_through_the_wizard(officers(), xa)
    executor, drafter = officers(), officers()
    executor_asks_drafter_answers_executor_accepts(executor, drafter, xa, xb, reference)
    executor_returns_results_as_evidence_through_a_broken_connection(
        executor, drafter, xa, tmp_path
    )
    duty_officer_acknowledges_an_emergency(officers(), xa, xb)
    pages_in_russian_and_arabic(officers(), xb)


def flattened(values: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Form names and values of a request's fields, as the wizard names its controls
    (``fields.offences[0].label``); one item of each repeated group is enough here."""
    if isinstance(values, dict):
        for key, value in values.items():
            yield from flattened(value, f"{path}.{key}")
    elif isinstance(values, list) and values and isinstance(values[0], dict):
        yield from flattened(values[0], f"{path}[0]")
    else:
        yield path, values


def fill_step(page: Page, values: dict[str, Any]) -> None:
    """Fill what this step of the wizard shows of ``values``, control by control."""
    form = page.locator("form#draft-form")
    for name, value in flattened(values, "fields"):
        controls = form.locator(f'[name="{name}"]')
        if controls.count() == 0:
            continue
        first = controls.first
        kind = first.evaluate("(el) => el.tagName.toLowerCase() + ':' + (el.type || '')")
        if kind == "input:checkbox":
            for code in value:
                form.locator(f'[name="{name}"][value="{code}"]').check()
        elif kind.startswith("select"):
            if isinstance(value, bool):
                value = "yes" if value else "no"
            first.select_option(str(value))
        elif isinstance(value, list):
            first.fill("\n".join(str(item) for item in value))
        else:
            first.fill(str(value))


def draft_and_send_through_the_wizard(page: Page, xa: str) -> str:
    """The XA drafter drafts the MLA through the wizard and submits it; an approver approves
    and sends it. The request's reference."""
    fields = example_mla_fields("XA")
    sign_in(page, xa, "drafter")
    page.get_by_role("link", name="New request", exact=True).click()
    page.get_by_role("radio", name="Mutual legal assistance", exact=True).check()
    page.locator('input[name="requested_state"][value="XB"]').check()
    shot(page, "00-xa-new-request")
    page.get_by_role("button", name="Create the draft").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mutual legal assistance")
    page.get_by_role("button", name="Save and continue").click()

    # Step 2: the authority and the case. What is filled in leaves the side panel.
    panel = page.locator("#side-panel")
    expect(panel).to_contain_text("Requesting authority")
    shot(page, "01-xa-wizard-missing")
    fill_step(page, fields)
    expect(panel).not_to_contain_text("Requesting authority")
    page.get_by_role("button", name="Save and continue").click()

    # Step 3: the offence. Under the statement's model a penalty under four years needs an
    # exceptional justification: the finding appears, then goes when the penalty is right.
    fill_step(page, fields)
    penalty = page.get_by_label(re.compile("^Maximum penalty in months"))
    penalty.fill("12")
    finding = panel.locator('li[data-code="EXCEPTIONAL_JUSTIFICATION_REQUIRED"]')
    expect(finding).to_be_visible()
    expect(finding).to_contain_text("Statement Q2")
    shot(page, "02-xa-wizard-finding")
    penalty.fill("84")
    expect(finding).to_have_count(0)
    page.get_by_role("button", name="Save and continue").click()
    while page.get_by_role("button", name="Submit for approval").count() == 0:
        fill_step(page, fields)
        page.get_by_role("button", name="Save and continue").click()
    expect(panel).to_contain_text("Nothing is missing.")
    shot(page, "03-xa-wizard-review")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator("dl.facts")).to_contain_text("Awaiting approval")
    reference = page.get_by_role("heading", level=1).inner_text().split()[0]

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, xa, "approver")
    page.get_by_role("link", name="Approvals").click()
    page.get_by_role("link", name=reference).click()
    page.get_by_role("button", name="Approve", exact=True).click()
    page.get_by_role("button", name="Send to XB").click()
    expect(page.locator("#status")).to_contain_text("Sent")
    shot(page, "04-xa-approved-and-sent")
    return reference


def executor_asks_drafter_answers_executor_accepts(
    executor: Page, drafter: Page, xa: str, xb: str, reference: str
) -> None:
    sign_in(executor, xb, "executor", then="/incoming")
    reload_until(
        executor,
        lambda: executor.get_by_role("link", name=reference).count() > 0,
        f"{reference} in XB's incoming list",
    )
    shot(executor, "05-xb-incoming")
    executor.get_by_role("link", name=reference).click()
    executor.get_by_role("button", name="Register").click()
    expect(executor.get_by_role("status")).to_contain_text("Registered")
    executor.get_by_role("button", name="Start assessment").click()
    executor.get_by_label("Questions for the requesting State").fill(
        "Which e-mail accounts were used to send the phishing messages, and over which period?"
    )
    executor.get_by_label("Answer due by").fill("2099-12-31")
    shot(executor, "06-xb-asks-for-more-information")
    executor.get_by_role("button", name="Ask for more information").click()
    expect(executor.get_by_role("status")).to_contain_text("More information requested")
    working_page = executor.url

    sign_in(drafter, xa, "drafter")
    drafter.get_by_role("link", name=reference).first.click()
    reload_until(
        drafter,
        lambda: drafter.get_by_label("Your answers").count() > 0,
        "XB's questions on XA's request page",
    )
    expect(drafter.locator("blockquote.questions")).to_contain_text("Which e-mail accounts")
    drafter.get_by_label("Your answers").fill(
        "The accounts phish.ops@example.org and billing-alerts@example.net, 1 January to "
        "31 March 2026."
    )
    shot(drafter, "07-xa-answers")
    drafter.get_by_role("button", name="Send the answers").click()
    expect(drafter.get_by_role("status")).to_be_visible()

    executor.goto(working_page)
    reload_until(
        executor,
        lambda: executor.get_by_text("Information supplied").count() > 0,
        "XA's answers on XB's working page",
    )
    expect(executor.get_by_text("phish.ops@example.org").first).to_be_visible()
    if executor.get_by_role("button", name="Resume assessment").count():
        executor.get_by_role("button", name="Resume assessment").click()
    for box in executor.get_by_role("checkbox", name=re.compile("^Checked")).all():
        box.check()
    executor.get_by_role("radio", name="Accept", exact=True).check()
    executor.get_by_role("textbox", name="Reasons", exact=True).fill(
        "The request meets every condition; executed by XB."
    )
    shot(executor, "08-xb-decides")
    executor.get_by_role("button", name="Record the decision").click()
    expect(executor.get_by_role("status")).to_contain_text("Accepted")
    shot(executor, "09-xb-accepted")

    drafter.reload()
    reload_until(
        drafter,
        lambda: drafter.get_by_text("Accepted").count() > 0,
        "XB's acceptance on XA's request page",
    )
    shot(drafter, "10-xa-sees-acceptance")


def executor_returns_results_as_evidence_through_a_broken_connection(
    executor: Page, drafter: Page, xa: str, tmp_path: Path
) -> None:
    """XB's executor starts execution and sends the results as evidence; the connection
    breaks during the upload and the page resumes from what the node already holds. XA's
    drafter then sees the package arrive, verified."""
    executor.get_by_role("button", name="Start execution").click()
    expect(executor.get_by_role("status")).to_contain_text("In execution")
    executor.get_by_role("link", name="Send the results as evidence").click()
    results = tmp_path / "results.mbox"
    results.write_bytes(os.urandom(9 * 1024 * 1024))
    broken: list[str] = []

    def break_the_second_chunk(route: Route) -> None:
        if route.request.method == "PUT" and "offset=0" not in route.request.url and not broken:
            broken.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    executor.route(re.compile(r".*/evidence/uploads/.*"), break_the_second_chunk)
    executor.get_by_label("Evidence file").set_input_files(results)
    executor.get_by_label("Acquired by").fill("Officer K. Mensah, XB cybercrime unit")
    executor.get_by_label("Acquisition method").fill("Export by the provider")
    executor.get_by_label("Tool and version").fill("Provider export portal 2.3")
    executor.get_by_label("Source (device or account)").fill("Hosting account 88412")
    executor.get_by_role("button", name="Seal and send").click()
    expect(executor.locator("#upload-bar")).to_be_visible()
    expect(executor.locator("#upload-status")).to_contain_text("The connection was lost")
    shot(executor, "11-xb-upload-resumes")
    expect(executor.get_by_text("Evidence sealed as package")).to_be_visible(timeout=CROSSING)
    assert broken, "the test never broke the connection"
    shot(executor, "12-xb-evidence-sealed")

    drafter.goto(f"{xa}/requests/{_request_id(drafter)}")
    drafter.get_by_role("link", name="Evidence", exact=True).first.click()
    reload_until(
        drafter,
        lambda: drafter.get_by_text("Verified on arrival").count() > 0,
        "the package verified on XA",
    )
    expect(drafter.get_by_role("link", name=re.compile("^Download"))).to_be_visible()
    shot(drafter, "13-xa-evidence-received")


def _request_id(page: Page) -> str:
    """The id of the request whose page (or sub-page) ``page`` shows."""
    found = re.search(r"/requests/([^/?#]+)", page.url)
    assert found is not None, page.url
    return found.group(1)


def duty_officer_acknowledges_an_emergency(duty: Page, xa: str, xb: str) -> None:
    first = send_emergency_preservation(xa)
    sign_in(duty, xb, "duty", then="/desk")
    reload_until(
        duty,
        lambda: duty.get_by_role("link", name=first).count() > 0,
        f"{first} on XB's desk",
    )
    card = duty.locator("article.card", has=duty.get_by_role("link", name=first))
    expect(card.get_by_text("Waiting since arrival:")).to_be_visible()
    clock = card.locator("time.clock")
    shown = clock.inner_text()
    # The clock runs in the page (desk.js), without a reload.
    expect(clock).not_to_have_text(shown, timeout=5_000)
    shot(duty, "14-xb-desk-emergency")

    # A second emergency arrives while the desk is open: the page announces it by itself.
    second = send_emergency_preservation(xa)
    expect(duty.locator("#desk-alert")).to_contain_text(
        "New emergency request from XA", timeout=CROSSING
    )
    expect(duty.get_by_role("link", name=second).first).to_be_visible()
    shot(duty, "15-xb-desk-new-emergency-announced")

    card.get_by_role("button", name=re.compile("^Acknowledge")).click()
    expect(duty.get_by_role("status")).to_contain_text("Acknowledged")
    taken = duty.locator("article.card", has=duty.get_by_role("link", name=first))
    expect(taken.get_by_text("Acknowledged after")).to_be_visible()
    shot(duty, "16-xb-desk-acknowledged")


def pages_in_russian_and_arabic(duty: Page, xb: str) -> None:
    sign_in(duty, xb, "duty", then="/desk")
    duty.get_by_role("link", name="Русский").click()
    expect(duty.locator("html")).to_have_attribute("lang", "ru")
    expect(duty.get_by_role("heading", level=1)).to_have_text("Дежурная служба 24/7")
    shot(duty, "17-xb-desk-ru")
    duty.get_by_role("link", name="العربية").click()
    expect(duty.locator("html")).to_have_attribute("dir", "rtl")
    shot(duty, "18-xb-desk-ar")
    duty.goto(f"{xb}/")
    shot(duty, "19-xb-dashboard-ar")
    duty.get_by_role("link", name="Русский").click()
    shot(duty, "20-xb-dashboard-ru")
