"""The 24/7 desk: an emergency from another State arrives on the duty officer's queue with a
running clock and its facts, the queue fragment the page polls has it, acknowledging records
the time it took (and tells the requesting State), and only duty officers get in."""

from __future__ import annotations

from starlette.testclient import TestClient

from comity.services import exchange, practice, requests
from comity.services.demo import example_preservation_fields
from comity.web.app import create_app
from tests.federation_harness import PASSWORD, FedNode
from tests.integration.test_federation import approved, relay, the_copy
from tests.web_pages import csrf_of, sign_in

SCRIPT = '<script>alert("x")</script>'


def emergency(nodes: dict[str, FedNode]) -> tuple[str, str, str]:
    """An emergency preservation XA → XB, delivered to XB's 24/7 point of contact:
    (XA's request id, XB's copy id, the copy's reference)."""
    xa, xb = nodes["XA"], nodes["XB"]
    request_id = approved(
        xa,
        type_code="preservation",
        **example_preservation_fields("XA"),
        emergency_facts="A gang threatens to publish hospital records tomorrow. " + SCRIPT,
        emergency_nexus="The logs identify the server the gang uses.",
    )
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    relay(xa)
    copy = the_copy(xb, request_id)
    assert copy is not None
    return request_id, copy.id, copy.reference


def test_an_emergency_is_on_the_desk_with_its_clock_and_is_acknowledged(
    nodes: dict[str, FedNode],
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    request_id, copy_id, reference = emergency(nodes)
    with TestClient(create_app(xb.container)) as browser:
        sign_in(browser, "duty")
        page = browser.get("/desk")
        assert page.status_code == 200
        text = page.text
        assert reference in text and f'id="card-{copy_id}"' in text
        created = the_copy(xb, request_id).created_at.isoformat()
        assert f'<time class="clock" datetime="{created}">' in text
        assert "A gang threatens to publish hospital records tomorrow." in text
        assert SCRIPT not in text and "&lt;script&gt;" in text
        assert "How the assistance relates to the emergency" in text  # catalogue label
        # The card shows the emergency and the assistance, not every field by its code.
        assert "<dt>case_refs</dt>" not in text and "<dt>facts_summary</dt>" not in text
        assert "The logs identify the server the gang uses." in text
        assert ">Acknowledge<" in text and 'hx-get="/desk/queue"' in text
        assert 'hx-trigger="every 5s"' in text and 'role="alert"' in text
        assert '<script src="/static/desk.js" defer>' in text and 'href="/desk">Refresh<' in text
        assert "Preservations and their expiry" in text
        assert "Not running yet" in text  # the preservation period starts with execution

        fragment = browser.get("/desk/queue", headers={"HX-Request": "true"})
        assert fragment.status_code == 200 and "<html" not in fragment.text
        assert f'data-emergency-id="{copy_id}"' in fragment.text
        assert "New emergency request from XA" in fragment.text

        forged = browser.post(f"/desk/{copy_id}/acknowledge", data={"csrf_token": "forged"})
        assert forged.status_code == 403
        assert the_copy(xb, request_id).acknowledged_at is None

        done = browser.post(
            f"/desk/{copy_id}/acknowledge",
            data={"csrf_token": csrf_of(text)},
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert done.headers["location"] == f"/desk?done=acknowledged#card-{copy_id}"
        after = browser.get("/desk?done=acknowledged")
        assert "Acknowledged after" in after.text and "by duty" in after.text
        assert 'role="status"' in after.text
        assert f'data-emergency-id="{copy_id}"' not in after.text
        copy = the_copy(xb, request_id)
        assert copy.acknowledged_at is not None
        took = copy.acknowledged_at - copy.created_at
        hours, rest = divmod(int(took.total_seconds()), 3600)
        assert f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}" in after.text

        # A second acknowledgement is refused and says so; nothing changes.
        again = browser.post(
            f"/desk/{copy_id}/acknowledge", data={"csrf_token": csrf_of(after.text)}
        )
        assert again.status_code == 409 and "already acknowledged" in again.text
        assert the_copy(xb, request_id).acknowledged_at == copy.acknowledged_at

        # The clock runs on to the first answer: the duty officer orders the preservation.
        assert "No answer sent yet." in after.text
        practice.take_step(
            xb.ctx, actor=xb.people["duty"], request_id=copy_id, step_code="order",
            values={"provider": "Example Hosting Ltd", "order_ref": "PO-1"},
        )  # fmt: skip
        answered = browser.get("/desk").text
        assert "First answer after" in answered and "No answer sent yet." not in answered
    with TestClient(create_app(xb.container)) as http:
        token = http.post(
            "/api/v1/auth/token", json={"username": "duty", "password": PASSWORD}
        ).json()["access_token"]
        seen = http.get(
            f"/api/v1/requests/{copy_id}", headers={"Authorization": f"Bearer {token}"}
        ).json()
    assert seen["first_answer_at"] is not None and seen["seconds_to_first_answer"] >= 0

    relay(xb)
    mine = requests.get(xa.ctx, actor=xa.people["drafter"], request_id=request_id).request
    assert mine.acknowledged_at is not None


def test_only_duty_officers_get_the_desk(nodes: dict[str, FedNode]) -> None:
    xb = nodes["XB"]
    request_id, copy_id, reference = emergency(nodes)
    with TestClient(create_app(xb.container)) as browser:
        sign_in(browser, "executor")
        assert browser.get("/desk").status_code == 403
        assert browser.get("/desk/queue").status_code == 403
        token = csrf_of(browser.get("/").text)
        refused = browser.post(f"/desk/{copy_id}/acknowledge", data={"csrf_token": token})
        # The emergency is the 24/7 point's, not the executor's central authority's: outside
        # the executor's scope, it is not found (plan §8 decision 1), as the API answers.
        assert refused.status_code == 404 and reference not in refused.text
        assert the_copy(xb, request_id).acknowledged_at is None
        browser.cookies.clear()
        assert browser.get("/desk", follow_redirects=False).status_code == 303
