"""The practice panel on the request page (issue 8): the preservation received by XB's 24/7
point shows where it stands and the steps this State may take, built from the life cycle's
table; the duty officer orders and confirms it through those forms, and the clock then shows
the expiry; a step the record does not allow, a date the form cannot read and a missing value
are refused with the API's codes; and a request of a form without a life cycle has no
panel."""

from __future__ import annotations

import re

from comity.domain.commands import RecordIncoming
from comity.domain.values import Channel, Urgency
from comity.services import node, practice, requests
from comity.services.demo import example_preservation_fields
from tests.integration.conftest import Node
from tests.integration.test_data_protection import draft
from tests.web_pages import csrf_of, signed_in


def _received_preservation(seeded: Node) -> str:
    ctx = seeded.container.services
    point = next(a for a in node.authorities(ctx) if a.code == "poc247")
    made = requests.record_incoming(
        ctx,
        command=RecordIncoming(
            type_code="preservation",
            requesting_state="XB",
            authority_id=point.id,
            profile="ahc-2022-proposal",
            urgency=Urgency.URGENT,
            channel=Channel.NETWORK_24_7,
            fields=example_preservation_fields("XB"),
        ),
        actor_id=seeded.people["duty"].id,
    )
    return made.request.id


def _step_forms(page: str) -> list[str]:
    return re.findall(r'name="step" value="([a-z_]+)"', page)


def test_the_duty_officer_walks_a_preservation_through_the_panel(seeded: Node) -> None:
    request_id = _received_preservation(seeded)
    with signed_in(seeded, "duty") as browser:
        page = browser.get(f"/requests/{request_id}").text
        assert 'id="practice"' in page and "Requested" in page
        # Only this State's steps are offered: ordering and withdrawal are not the same side's.
        assert _step_forms(page) == ["order"]
        token = csrf_of(page)

        def post(step: str, **values: str) -> int:
            data = {"csrf_token": token, "step": step, **{f"v_{k}": v for k, v in values.items()}}
            answer = browser.post(
                f"/requests/{request_id}/practice", data=data, follow_redirects=False
            )
            return answer.status_code

        # A missing value and a step the record does not allow are refused, nothing is taken.
        assert post("order", provider="Example Hosting Ltd") == 422
        assert post("confirm", confirmation_ref="C-1") == 409
        assert post("order", provider="Example Hosting Ltd", order_ref="PO-9") == 303
        assert post("confirm", confirmation_ref="EH-1") == 303
        page = browser.get(f"/requests/{request_id}").text
        assert "Preserved" in page and "Clock runs out" in page
        assert "Example Hosting Ltd" in page and "this State" in page
        assert set(_step_forms(page)) == {"disclose_path"}
        # A form the officer sent from a stale page, for a step that does not exist.
        assert post("fly") == 409

    steps = [step.code for step in practice.view(
        seeded.container.services, actor=seeded.people["duty"], request_id=request_id
    ).record.steps]  # fmt: skip
    assert steps == ["order", "confirm"]


def test_a_date_the_form_cannot_read_is_refused(seeded: Node) -> None:
    ctx = seeded.container.services
    central = next(a for a in node.authorities(ctx) if a.code == "central")
    made = requests.record_incoming(
        ctx,
        command=RecordIncoming(
            type_code="provisional_arrest",
            requesting_state="XB",
            authority_id=central.id,
            profile="ahc-2022-proposal",
            urgency=Urgency.URGENT,
            channel=Channel.INTERPOL,
            fields={},
        ),
        actor_id=seeded.people["executor"].id,
    )
    with signed_in(seeded, "executor") as browser:
        page = browser.get(f"/requests/{made.request.id}").text
        assert 'type="datetime-local"' in page and "(UTC)" in page
        data = {"csrf_token": csrf_of(page), "step": "arrest", "v_arrested_at": "yesterday"}
        answer = browser.post(f"/requests/{made.request.id}/practice", data=data)
        assert answer.status_code == 422
        data["v_arrested_at"] = "2026-03-01T09:30"
        answer = browser.post(
            f"/requests/{made.request.id}/practice", data=data, follow_redirects=False
        )
        assert answer.status_code == 303
    record = practice.view(ctx, actor=seeded.people["executor"], request_id=made.request.id)
    assert record.record.steps[0].value("arrested_at") == "2026-03-01T09:30:00+00:00"


def test_a_request_without_a_life_cycle_has_no_panel(seeded: Node) -> None:
    created = draft(seeded)
    with signed_in(seeded, "drafter") as browser:
        page = browser.get(f"/requests/{created['id']}")
        assert page.status_code == 200 and 'id="practice"' not in page.text
