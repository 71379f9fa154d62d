"""The requested State's pages: a request from another State arrives in the inbox, is
registered, assessed against the grounds checklist, questioned (the requesting State answers
on its own page) and decided; refused steps say why at their field and change nothing, and
nobody outside the authority or without the role gets in."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx2
from starlette.testclient import TestClient

from comity.domain.workflow import Status
from comity.services import requests
from comity.web.app import create_app
from tests.federation_harness import FedNode
from tests.integration.test_evidence_transfer import exchanged
from tests.integration.test_federation import relay
from tests.web_pages import csrf_of, sign_in, signed_in

SCRIPT = '<script>alert("x")</script>'


def _status(node: FedNode, user: str, request_id: str) -> Status:
    view = requests.get(node.ctx, actor=node.people[user], request_id=request_id)
    return view.request.status


def _in_ten_days() -> str:
    return (datetime.now(UTC) + timedelta(days=10)).date().isoformat()


def _checklist(page: str) -> list[str]:
    """The codes of the grounds the page lists for the officer to confirm."""
    return re.findall(r'name="checked" value="([^"]+)"', page)


def _step(browser: TestClient, copy_id: str, **data: object) -> httpx2.Response:
    page = browser.get(f"/incoming/{copy_id}")
    return browser.post(
        f"/incoming/{copy_id}/steps",
        data={"csrf_token": csrf_of(page.text), **data},
        follow_redirects=False,
    )


def test_a_received_request_is_registered_questioned_answered_and_accepted(
    nodes: dict[str, FedNode],
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    request_id, copy_id = exchanged(nodes)
    with (
        signed_in(xb, "executor") as requested,
        TestClient(create_app(xa.container)) as requesting,
    ):
        inbox = requested.get("/incoming")
        assert inbox.status_code == 200
        assert f'href="/incoming/{copy_id}"' in inbox.text and "XA" in inbox.text
        assert "Mutual legal assistance" in inbox.text  # the type's catalogue title

        page = requested.get(f"/incoming/{copy_id}")
        assert page.status_code == 200 and ">Register</button>" in page.text
        assert "Requesting authority" in page.text  # particulars labelled from the catalogue
        done = _step(requested, copy_id, step="registered")
        assert done.status_code == 303
        assert done.headers["location"].startswith(f"/incoming/{copy_id}?done=registered")
        confirmed = requested.get(f"/incoming/{copy_id}?done=registered")
        assert 'role="status"' in confirmed.text and "Step recorded: Registered" in confirmed.text
        assert _step(requested, copy_id, step="under_assessment").status_code == 303

        # Questions are required: the form comes back with the message at the field.
        empty = _step(requested, copy_id, step="more_info_requested", questions=" ", due="")
        assert empty.status_code == 422
        assert 'id="questions-error"' in empty.text
        assert 'aria-describedby="questions-error"' in empty.text
        assert _status(xb, "executor", copy_id) is Status.UNDER_ASSESSMENT

        asked = _step(
            requested,
            copy_id,
            step="more_info_requested",
            questions="Which accounts exactly? " + SCRIPT,
            due=_in_ten_days(),
        )
        assert asked.status_code == 303
        relay(xb)

        sign_in(requesting, "drafter")
        info = requesting.get(f"/requests/{request_id}/information")
        assert info.status_code == 200
        assert "Which accounts exactly?" in info.text
        assert SCRIPT not in info.text and "&lt;script&gt;" in info.text
        blank = requesting.post(
            f"/requests/{request_id}/information",
            data={"csrf_token": csrf_of(info.text), "answers": ""},
        )
        assert blank.status_code == 422 and 'id="answers-error"' in blank.text
        answered = requesting.post(
            f"/requests/{request_id}/information",
            data={"csrf_token": csrf_of(info.text), "answers": "The two listed accounts."},
            follow_redirects=False,
        )
        assert answered.status_code == 303
        assert _status(xa, "drafter", request_id) is Status.SENT
        relay(xa)
        assert _status(xb, "executor", copy_id) is Status.INFO_SUPPLIED

        back = requested.get(f"/incoming/{copy_id}")
        assert "The two listed accounts." in back.text
        assert _step(requested, copy_id, step="under_assessment").status_code == 303
        page = requested.get(f"/incoming/{copy_id}")
        codes = _checklist(page.text)
        assert "essential_interests" in codes  # the MLA grounds of the profile
        assert "Needs judgement" in page.text

        # A refusal without grounds: the service's finding at the grounds, nothing changed.
        no_grounds = _step(
            requested,
            copy_id,
            step="decide",
            decision="refused",
            reasons="Not possible.",
            checked=codes,
        )
        assert no_grounds.status_code == 422
        text = no_grounds.text
        assert 'id="grounds-error"' in text and "The refusal names no ground." in text
        assert 'aria-describedby="grounds-error"' in text and 'role="alert"' in text
        assert _status(xb, "executor", copy_id) is Status.UNDER_ASSESSMENT

        # Every ground is confirmed before a decision.
        unchecked = _step(requested, copy_id, step="decide", decision="accepted")
        assert unchecked.status_code == 422
        assert 'id="checked-error"' in unchecked.text

        accepted = _step(requested, copy_id, step="decide", decision="accepted", checked=codes)
        assert accepted.status_code == 303
        assert _status(xb, "executor", copy_id) is Status.ACCEPTED
        relay(xb)
        assert _status(xa, "drafter", request_id) is Status.ACCEPTED

        executing = _step(requested, copy_id, step="in_execution")
        assert executing.status_code == 303
        page = requested.get(f"/incoming/{copy_id}")
        assert f'href="/requests/{copy_id}/evidence"' in page.text
        assert ">Mark as executed</button>" in page.text


def test_steps_are_refused_without_token_role_or_scope(nodes: dict[str, FedNode]) -> None:
    xb = nodes["XB"]
    _, copy_id = exchanged(nodes)
    with signed_in(xb, "executor") as browser:
        forged = browser.post(f"/incoming/{copy_id}/steps", data={"step": "registered"})
        assert forged.status_code == 403
        assert _status(xb, "executor", copy_id) is Status.RECEIVED
        impossible = _step(browser, copy_id, step="executed")
        assert impossible.status_code == 409
        assert 'role="alert"' in impossible.text
        assert _status(xb, "executor", copy_id) is Status.RECEIVED

        browser.cookies.clear()
        sign_in(browser, "drafter")  # same authority, but no executor role
        assert browser.get("/incoming").status_code == 403
        assert browser.get(f"/incoming/{copy_id}").status_code == 403

        browser.cookies.clear()
        sign_in(browser, "duty")  # another authority (the 24/7 point of contact)
        assert browser.get(f"/incoming/{copy_id}").status_code == 404
        assert _step_status(browser, copy_id) == 404
        assert copy_id not in browser.get("/incoming").text
        assert browser.get("/incoming?status=nonsense").status_code == 422


def _step_status(browser: TestClient, copy_id: str) -> int:
    token = csrf_of(browser.get("/").text)
    answer = browser.post(
        f"/incoming/{copy_id}/steps", data={"csrf_token": token, "step": "registered"}
    )
    return answer.status_code


def test_conditions_are_proposed_accepted_by_the_requesting_state_and_dates_are_checked(
    nodes: dict[str, FedNode],
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    request_id, copy_id = exchanged(nodes)
    with (
        signed_in(xb, "executor") as requested,
        TestClient(create_app(xa.container)) as requesting,
    ):
        _step(requested, copy_id, step="registered")
        _step(requested, copy_id, step="under_assessment")
        codes = _checklist(requested.get(f"/incoming/{copy_id}").text)
        bad_date = _step(
            requested,
            copy_id,
            step="decide",
            decision="postponed",
            reasons="Our own investigation would be disturbed.",
            review="2001-01-01",
            checked=codes,
        )
        assert bad_date.status_code == 422 and 'id="review-error"' in bad_date.text
        assert "The date must be in the future." in bad_date.text
        no_conditions = _step(
            requested, copy_id, step="decide", decision="conditions_proposed", checked=codes
        )
        assert no_conditions.status_code == 422 and 'id="conditions-error"' in no_conditions.text
        assert _status(xb, "executor", copy_id) is Status.UNDER_ASSESSMENT
        proposed = _step(
            requested,
            copy_id,
            step="decide",
            decision="conditions_proposed",
            conditions="Use the records only in case CYB-2026-0412. " + SCRIPT,
            checked=codes,
        )
        assert proposed.status_code == 303
        relay(xb)

        sign_in(requesting, "drafter")
        page = requesting.get(f"/requests/{request_id}/information")
        assert "Use the records only in case CYB-2026-0412." in page.text
        assert SCRIPT not in page.text
        assert ">Accept the conditions</button>" in page.text
        unreasoned = requesting.post(
            f"/requests/{request_id}/follow-up",
            data={"csrf_token": csrf_of(page.text), "action": "withdraw", "withdraw_reason": ""},
        )
        assert unreasoned.status_code == 422 and 'id="withdraw_reason-error"' in unreasoned.text
        assert _status(xa, "drafter", request_id) is Status.CONDITIONS_PROPOSED
        accepted = requesting.post(
            f"/requests/{request_id}/follow-up",
            data={"csrf_token": csrf_of(page.text), "action": "accept_conditions"},
            follow_redirects=False,
        )
        assert accepted.status_code == 303
        assert _status(xa, "drafter", request_id) is Status.ACCEPTED
        relay(xa)
        assert _status(xb, "executor", copy_id) is Status.ACCEPTED
        done = requesting.get(accepted.headers["location"])
        assert "You accepted the conditions" in done.text and 'role="status"' in done.text
        # The requested State's officer has no answers page: it is the requesting side's.
        assert requested.get(f"/requests/{copy_id}/information").status_code == 403
