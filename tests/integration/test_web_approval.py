"""Approval through the pages: the approver's queue (emergencies first), the request shown
under its catalogue labels with its findings, four eyes, a justification required to
override blocking findings, sending back with a comment the drafter then sees, and sending
the approved request to the requested State."""

from __future__ import annotations

import copy
from typing import Any

from comity.domain.commands import CreateDraft
from comity.domain.values import Urgency
from comity.services import requests
from comity.services.demo import example_mla_fields
from tests.federation_harness import FedNode
from tests.integration.conftest import Node
from tests.web_pages import csrf_of, sign_in, signed_in

SCRIPT = '<script>alert("x")</script>'


def submitted(node: Any, user: str = "drafter", **extra: Any) -> str:
    """A complete MLA XA → XB, drafted and submitted by ``user``; its id."""
    urgency = extra.pop("urgency", None)
    fields = {**example_mla_fields("XA"), **extra}
    view = requests.create_draft(
        node.container.services,
        actor=node.people[user],
        command=CreateDraft(type_code="mla", requested_state="XB", urgency=urgency, fields=fields),
    )
    requests.submit(node.container.services, actor=node.people[user], request_id=view.request.id)
    return view.request.id


def test_the_queue_lists_requests_awaiting_approval_most_urgent_first(seeded: Node) -> None:
    routine = submitted(seeded)
    urgent = submitted(
        seeded,
        urgency=Urgency.URGENT,
        urgency_reasons="The logs are deleted after 30 days.",
    )
    with signed_in(seeded, "approver") as browser:
        queue = browser.get("/approvals")
        assert queue.status_code == 200
        assert f"/approvals/{routine}" in queue.text and f"/approvals/{urgent}" in queue.text
        assert queue.text.index(urgent) < queue.text.index(routine)
        assert "Mutual legal assistance" in queue.text and "drafter" in queue.text
        browser.cookies.clear()
        sign_in(browser, "drafter")
        assert browser.get("/approvals").status_code == 403
        assert browser.get(f"/approvals/{routine}").status_code == 403


def test_the_request_reads_under_its_labels_and_text_is_escaped(seeded: Node) -> None:
    request_id = submitted(seeded, facts_summary=SCRIPT)
    with signed_in(seeded, "approver") as browser:
        page = browser.get(f"/approvals/{request_id}")
        assert page.status_code == 200
        assert 'id="status">Awaiting approval<' in page.text
        assert "Summary of the facts" in page.text and "Maximum penalty in months" in page.text
        assert "Computer fraud" in page.text  # a catalogue value as words
        assert SCRIPT not in page.text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
        assert '{"' not in page.text  # no raw JSON
        # This node has no directory: the page says why there are no findings.
        assert "could not assess" in page.text


def test_the_drafter_cannot_approve_their_own_request(seeded: Node) -> None:
    request_id = submitted(seeded, user="both")
    with signed_in(seeded, "both") as browser:
        page = browser.get(f"/approvals/{request_id}")
        answer = browser.post(
            f"/approvals/{request_id}/approve", data={"csrf_token": csrf_of(page.text)}
        )
        assert answer.status_code == 403
        assert "cannot be approved by the person who drafted it" in answer.text
        assert 'role="alert"' in answer.text
    view = requests.get(
        seeded.container.services, actor=seeded.people["approver"], request_id=request_id
    )
    assert view.request.status == "awaiting_approval"


def test_sent_back_with_a_comment_the_drafter_then_reads(seeded: Node) -> None:
    request_id = submitted(seeded)
    with signed_in(seeded, "approver") as browser:
        page = browser.get(f"/approvals/{request_id}")
        token = csrf_of(page.text)
        empty = browser.post(
            f"/approvals/{request_id}/return", data={"csrf_token": token, "reason": "  "}
        )
        assert empty.status_code == 422
        field = empty.text.split('<textarea id="reason"')[1].split(">")[0]
        assert 'aria-invalid="true"' in field and 'aria-describedby="reason-error"' in field
        assert "Write what the drafter should change." in empty.text
        comment = "Name the provider's <b>country</b> in the data targets."
        back = browser.post(
            f"/approvals/{request_id}/return",
            data={"csrf_token": token, "reason": comment},
            follow_redirects=False,
        )
        assert back.status_code == 303 and back.headers["location"] == f"/approvals/{request_id}"
        assert 'id="status">Draft<' in browser.get(back.headers["location"]).text
        browser.cookies.clear()
        sign_in(browser, "drafter")
        escaped = "Name the provider&#39;s &lt;b&gt;country&lt;/b&gt; in the data targets."
        listed = browser.get("/drafts")
        assert "Sent back" in listed.text and escaped in listed.text
        opened = browser.get(f"/drafts/{request_id}")
        assert "Sent back by the approver" in opened.text and escaped in opened.text


def test_forms_without_the_csrf_token_and_other_authorities_are_refused(seeded: Node) -> None:
    request_id = submitted(seeded)
    with signed_in(seeded, "approver") as browser:
        for step in ("approve", "return", "send"):
            answer = browser.post(f"/approvals/{request_id}/{step}", data={"reason": "x"})
            assert answer.status_code == 403, step
        browser.cookies.clear()
        sign_in(browser, "prosecutor")
        assert browser.get(f"/approvals/{request_id}").status_code == 404
        token = csrf_of(browser.get("/approvals").text)
        answer = browser.post(f"/approvals/{request_id}/approve", data={"csrf_token": token})
        assert answer.status_code == 404
        assert request_id not in browser.get("/approvals").text
    view = requests.get(
        seeded.container.services, actor=seeded.people["approver"], request_id=request_id
    )
    assert view.request.status == "awaiting_approval"


def test_blocking_findings_need_a_justification_then_the_request_is_sent(
    nodes: dict[str, FedNode],
) -> None:
    xa = nodes["XA"]
    offences = copy.deepcopy(example_mla_fields("XA")["offences"])
    # Below the 48-month serious-crime line, without an exceptional justification: blocking.
    offences[0]["max_penalty_months"] = 12
    request_id = submitted(xa, offences=offences)
    with signed_in(xa, "approver") as browser:
        page = browser.get(f"/approvals/{request_id}")
        assert 'data-code="EXCEPTIONAL_JUSTIFICATION_REQUIRED"' in page.text
        assert "Justification for overriding the blocking findings" in page.text
        token = csrf_of(page.text)
        refused = browser.post(
            f"/approvals/{request_id}/approve", data={"csrf_token": token, "comment": "ok"}
        )
        assert refused.status_code == 422
        field = refused.text.split('<textarea id="justification"')[1].split(">")[0]
        assert 'aria-invalid="true"' in field and "justification-error" in field
        assert 'role="alert"' in refused.text
        assert ">ok</textarea>" in refused.text  # the comment typed is kept
        approved = browser.post(
            f"/approvals/{request_id}/approve",
            data={
                "csrf_token": token,
                "comment": "ok",
                "justification": "Exceptional: the victims are minors.",
            },
            follow_redirects=False,
        )
        assert approved.status_code == 303
        after = browser.get(f"/approvals/{request_id}")
        assert 'id="status">Approved<' in after.text and "Send to XB" in after.text
        sent = browser.post(
            f"/approvals/{request_id}/send",
            data={"csrf_token": csrf_of(after.text)},
            follow_redirects=False,
        )
        assert sent.status_code == 303
        assert 'id="status">Sent<' in browser.get(f"/approvals/{request_id}").text
    view = requests.get(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    assert view.request.status == "sent"
    approval = next(e for e in view.request.history if e.to_status == "approved")
    assert approval.detail["override"]["justification"] == "Exceptional: the victims are minors."


def test_a_failed_send_is_shown_and_the_request_stays_approved(seeded: Node) -> None:
    request_id = submitted(seeded)
    requests.approve(
        seeded.container.services, actor=seeded.people["approver"], request_id=request_id
    )
    with signed_in(seeded, "approver") as browser:
        page = browser.get(f"/approvals/{request_id}")
        assert "Send to XB" in page.text
        # This node has no directory: nothing can be sent.
        failed = browser.post(
            f"/approvals/{request_id}/send", data={"csrf_token": csrf_of(page.text)}
        )
        assert failed.status_code in (422, 503)
        assert 'role="alert"' in failed.text and 'id="status">Approved<' in failed.text
    view = requests.get(
        seeded.container.services, actor=seeded.people["approver"], request_id=request_id
    )
    assert view.request.status == "approved"
