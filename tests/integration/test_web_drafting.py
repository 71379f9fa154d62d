"""The drafting wizard: a draft opened and filled through the pages (no JavaScript needed),
values converted to the fields' types with errors at the field, the side panel computed
from the values on the screen, optimistic concurrency, submission refused while incomplete,
CSRF, another authority's drafts out of reach, and text always escaped."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

from comity.domain.commands import EditDraft
from comity.services import requests
from comity.services.demo import example_mla_fields
from comity.web.app import create_app
from tests.federation_harness import FedNode
from tests.integration.conftest import Node
from tests.integration.test_data_protection import draft
from tests.web_pages import csrf_of, sign_in

SCRIPT = '<script>alert("x")</script>'


def open_draft(browser: TestClient, state: str = "XB") -> str:
    """Create an MLA draft through the first step; its id."""
    form = browser.get("/drafts/new")
    assert form.status_code == 200
    created = browser.post(
        "/drafts",
        data={
            "csrf_token": csrf_of(form.text),
            "type_code": "mla",
            "requested_state": state,
            "profile": "ahc-2022-proposal",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    location = created.headers["location"]
    assert location.endswith("?step=1")
    return location.split("/")[2].split("?")[0]


def version_of(page: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', page)
    assert found is not None
    return found.group(1)


def save(
    browser: TestClient, request_id: str, step: int, values: dict[str, Any], **extra: str
) -> Any:
    page = browser.get(f"/drafts/{request_id}?step={step}")
    data = {
        "csrf_token": csrf_of(page.text),
        "version": version_of(page.text),
        "step": str(step),
        **values,
        **extra,
    }
    return browser.post(f"/drafts/{request_id}", data=data, follow_redirects=False)


def panel(html: str) -> str:
    """The side panel's text (the whole answer for the htmx fragment)."""
    start = html.find('id="panel-title"')
    return html[start:] if start >= 0 else html


AUTHORITY = {
    "fields.requesting_authority.name": "Central Authority of XA",
    "fields.requesting_authority.kind": "central_authority",
    "fields.case_refs#count": "1",
    "fields.case_refs[0].case_no": "CYB-1",
    "fields.language": "en",
}


def test_the_first_step_lists_the_types_with_their_basis_and_refuses_what_is_missing(
    seeded: Node,
) -> None:
    with TestClient(create_app(seeded.container)) as browser:
        sign_in(browser, "drafter")
        page = browser.get("/drafts/new")
        assert "Mutual legal assistance" in page.text and "Statement Q19" in page.text
        # The framework chosen groups the types by their standing under it.
        budapest = browser.get("/drafts/new?profile=budapest").text
        assert "Only where a treaty or domestic law provides for it" in budapest
        assert "The Convention has no police-to-police channel" in budapest
        # This node has no directory: the State is typed as a code.
        assert 'name="requested_state"' in page.text and "No verified directory" in page.text
        refused = browser.post(
            "/drafts",
            data={"csrf_token": csrf_of(page.text), "requested_state": "XA", "urgency": "x"},
        )
        assert refused.status_code == 422
        assert 'role="alert"' in refused.text
        assert 'id="f-type_code-error"' in refused.text
        assert "A State cannot send a request to itself." in refused.text
        assert 'aria-invalid="true"' in refused.text
        # An urgency the type does not allow is refused at its field.
        wrong = browser.post(
            "/drafts",
            data={
                "csrf_token": csrf_of(page.text),
                "type_code": "subscriber_info",
                "requested_state": "XB",
                "urgency": "emergency",
            },
        )
        assert wrong.status_code == 422 and 'id="f-urgency-error"' in wrong.text
        assert browser.get("/drafts").status_code == 200


def test_a_drafter_fills_a_draft_step_by_step_and_missing_fields_leave_the_panel(
    seeded: Node,
) -> None:
    with TestClient(create_app(seeded.container)) as browser:
        sign_in(browser, "drafter")
        request_id = open_draft(browser)
        first = browser.get(f"/drafts/{request_id}?step=2")
        assert 'aria-current="step"' in first.text and 'aria-live="polite"' in first.text
        assert "Requesting authority" in panel(first.text)
        assert "Case references" in panel(first.text)
        # The panel follows the values on the screen, without saving them.
        checked = browser.post(
            f"/drafts/{request_id}/check",
            data={"csrf_token": csrf_of(first.text), "step": "2", **AUTHORITY},
            headers={"HX-Request": "true"},
        )
        assert checked.status_code == 200 and "<html" not in checked.text
        assert "Requesting authority" not in checked.text
        assert "Case references" not in checked.text
        assert "Summary of the facts" in checked.text  # still missing, on another step
        assert "version 0" in browser.get(f"/drafts/{request_id}?step=2").text  # not saved
        saved = save(browser, request_id, 2, AUTHORITY, action="next")
        assert saved.status_code == 303
        assert saved.headers["location"] == f"/drafts/{request_id}?step=3"
        after = browser.get(f"/drafts/{request_id}?step=2")
        assert 'value="Central Authority of XA"' in after.text
        assert "Requesting authority" not in panel(after.text)
        stored = requests.get(
            seeded.container.services, actor=seeded.people["drafter"], request_id=request_id
        ).request
        assert stored.fields["requesting_authority"] == {
            "name": "Central Authority of XA",
            "kind": "central_authority",
        }
        assert stored.fields["case_refs"] == [{"case_no": "CYB-1"}]
        # The drafts list offers to continue it.
        assert f"/drafts/{request_id}" in browser.get("/drafts").text


def test_add_another_and_remove_work_without_javascript(seeded: Node) -> None:
    with TestClient(create_app(seeded.container)) as browser:
        sign_in(browser, "drafter")
        request_id = open_draft(browser)
        offence = {
            "fields.offences#count": "1",
            "fields.offences[0].conduct": "computer_fraud",
            "fields.offences[0].label": "Fraud",
            "fields.offences[0].legal_provision": "CC 231",
            "fields.offences[0].max_penalty_months": "84",
            "fields.offences[0].penalty_types": ["imprisonment", "fine"],
            "fields.offences[0].death_penalty_possible": "no",
        }
        added = save(browser, request_id, 3, offence, action="add:fields.offences")
        assert added.status_code == 303
        assert "add=fields.offences" in added.headers["location"]
        page = browser.get(added.headers["location"])
        assert 'name="fields.offences[1].label"' in page.text
        assert 'id="f-offences-new"' in page.text
        stored = requests.get(
            seeded.container.services, actor=seeded.people["drafter"], request_id=request_id
        ).request
        assert stored.fields["offences"] == [
            {
                "conduct": "computer_fraud",
                "label": "Fraud",
                "legal_provision": "CC 231",
                "max_penalty_months": 84,
                "penalty_types": ["imprisonment", "fine"],
                "death_penalty_possible": False,
            }
        ]
        second = {
            **offence,
            "fields.offences#count": "2",
            "fields.offences[1].conduct": "illegal_access",
            "fields.offences[1].label": "Access",
            "fields.offences[1].legal_provision": "CC 200",
            "fields.offences[1].max_penalty_months": "60",
        }
        assert save(browser, request_id, 3, second).status_code == 303
        removed = save(browser, request_id, 3, second, action="remove:fields.offences[0]")
        assert removed.status_code == 303
        stored = requests.get(
            seeded.container.services, actor=seeded.people["drafter"], request_id=request_id
        ).request
        assert [item["label"] for item in stored.fields["offences"]] == ["Access"]


def test_invalid_values_come_back_at_their_field(seeded: Node) -> None:
    with TestClient(create_app(seeded.container)) as browser:
        sign_in(browser, "drafter")
        request_id = open_draft(browser)
        answer = save(
            browser,
            request_id,
            3,
            {
                "fields.offences#count": "1",
                "fields.offences[0].label": "Fraud",
                "fields.offences[0].max_penalty_months": "seven",
                "fields.persons#count": "1",
                "fields.persons[0].date_of_birth": "1990-13-45",
                "fields.persons[0].nationalities": "XB\nnot a code",
            },
        )
        assert answer.status_code == 422
        text = answer.text
        assert 'role="alert"' in text
        for anchor, message in (
            ("f-offences-0-max_penalty_months", "Enter a whole number."),
            ("f-persons-0-date_of_birth", "Enter a date as YYYY-MM-DD."),
            ("f-persons-0-nationalities", "Enter a two-letter State code, such as FR."),
        ):
            control = re.search(rf'<[^>]* id="{anchor}"[^>]*>', text)
            assert control is not None, anchor
            assert 'aria-invalid="true"' in control.group(0)
            assert f'aria-describedby="{anchor}-hint"' in control.group(0)
            hint = text.split(f'id="{anchor}-hint"')[1].split("</div>")[0]
            assert message in hint
        # What the officer typed is kept, and nothing was saved.
        assert 'value="seven"' in text and 'value="Fraud"' in text
        stored = requests.get(
            seeded.container.services, actor=seeded.people["drafter"], request_id=request_id
        ).request
        assert "offences" not in stored.fields and stored.version == 0


def test_a_stale_version_is_a_conflict_with_a_clear_message(seeded: Node) -> None:
    with TestClient(create_app(seeded.container)) as browser:
        sign_in(browser, "drafter")
        request_id = open_draft(browser)
        page = browser.get(f"/drafts/{request_id}?step=4")
        stale = {"csrf_token": csrf_of(page.text), "version": version_of(page.text), "step": "4"}
        # Someone else saves first.
        assert save(browser, request_id, 4, {"fields.purpose": "First"}).status_code == 303
        answer = browser.post(f"/drafts/{request_id}", data={**stale, "fields.purpose": "Second"})
        assert answer.status_code == 409
        assert "Someone else saved this draft after you opened it" in answer.text
        assert ">Second</textarea>" in answer.text  # what the officer typed is still shown
        stored = requests.get(
            seeded.container.services, actor=seeded.people["drafter"], request_id=request_id
        ).request
        assert stored.fields["purpose"] == "First"


def test_submission_is_refused_while_incomplete_then_goes_to_approval(seeded: Node) -> None:
    with TestClient(create_app(seeded.container)) as browser:
        sign_in(browser, "drafter")
        request_id = open_draft(browser)
        review = browser.get(f"/drafts/{request_id}?step=7")
        assert "Submit for approval" in review.text
        refused = browser.post(
            f"/drafts/{request_id}/submit", data={"csrf_token": csrf_of(review.text)}
        )
        assert refused.status_code == 422
        summary = refused.text.split('id="error-summary"')[1].split("</div>")[0]
        assert 'role="alert"' in refused.text.split('id="error-summary"')[0][-80:] + summary
        assert "Summary of the facts" in summary and "Offences" in summary
        assert f"/drafts/{request_id}?step=3#f-facts_summary" in summary
        # Each missing field is marked where the review shows it.
        facts = refused.text.split('id="f-facts_summary"')[1].split("</div>")[0]
        assert "Not given" in facts and "field-error" in facts
        # Filled in (here through the API), the draft goes to approval.
        patched = seeded.client.patch(
            f"/api/v1/requests/{request_id}",
            json={"fields": example_mla_fields("XA")},
            headers=seeded.headers("drafter"),
        )
        assert patched.status_code == 200, patched.text
        done = browser.post(
            f"/drafts/{request_id}/submit",
            data={"csrf_token": csrf_of(review.text)},
            follow_redirects=False,
        )
        assert done.status_code == 303 and done.headers["location"] == f"/requests/{request_id}"
        # Past drafting, the draft's address opens the request's page.
        moved = browser.get(f"/drafts/{request_id}", follow_redirects=False)
        assert moved.headers["location"] == f"/requests/{request_id}"


def test_forms_without_the_csrf_token_are_refused(seeded: Node) -> None:
    with TestClient(create_app(seeded.container)) as browser:
        sign_in(browser, "drafter")
        request_id = open_draft(browser)
        for url in (
            "/drafts",
            f"/drafts/{request_id}",
            f"/drafts/{request_id}/check",
            f"/drafts/{request_id}/submit",
        ):
            answer = browser.post(url, data={"step": "4", "fields.purpose": "x"})
            assert answer.status_code == 403, url
            forged = browser.post(url, data={"csrf_token": "forged", "fields.purpose": "x"})
            assert forged.status_code == 403, url
        stored = requests.get(
            seeded.container.services, actor=seeded.people["drafter"], request_id=request_id
        ).request
        assert "purpose" not in stored.fields


def test_another_authority_and_other_roles_are_refused(seeded: Node) -> None:
    request_id = draft(seeded)["id"]
    with TestClient(create_app(seeded.container)) as browser:
        sign_in(browser, "prosecutor")
        assert browser.get(f"/drafts/{request_id}").status_code == 404
        page = browser.get("/drafts/new")
        token = csrf_of(page.text)
        check = browser.post(f"/drafts/{request_id}/check", data={"csrf_token": token})
        assert check.status_code == 404
        saved = browser.post(
            f"/drafts/{request_id}", data={"csrf_token": token, "fields.purpose": "x"}
        )
        assert saved.status_code == 404
        assert request_id not in browser.get("/drafts").text
        browser.cookies.clear()
        sign_in(browser, "approver")
        assert browser.get("/drafts/new").status_code == 403
        assert browser.get(f"/drafts/{request_id}").status_code == 403


def test_script_in_a_field_is_shown_as_text(seeded: Node) -> None:
    with TestClient(create_app(seeded.container)) as browser:
        sign_in(browser, "drafter")
        request_id = open_draft(browser)
        assert save(browser, request_id, 3, {"fields.facts_summary": SCRIPT}).status_code == 303
        for step in (3, 7):
            page = browser.get(f"/drafts/{request_id}?step={step}")
            assert SCRIPT not in page.text
            assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text


def test_a_finding_appears_and_goes_as_the_officer_types(nodes: dict[str, FedNode]) -> None:
    xa = nodes["XA"]
    with TestClient(create_app(xa.container)) as browser:
        sign_in(browser, "drafter")
        new = browser.get("/drafts/new")
        # The directory's States, without this node's own, with their particulars.
        assert 'value="XB"' in new.text and 'value="XC"' in new.text
        assert 'name="requested_state" id="f-requested_state" value="XA"' not in new.text
        assert "Reached through:" in new.text
        request_id = open_draft(browser, "XB")
        fields = example_mla_fields("XA")
        requests.edit_draft(
            xa.ctx,
            actor=xa.people["drafter"],
            command=EditDraft(request_id=request_id, fields_patch=fields),
        )
        page = browser.get(f"/drafts/{request_id}?step=3")
        assert "NOT_SERIOUS_OFFENCE" not in panel(page.text)
        assert "Nothing is missing." in panel(page.text)
        form = {
            "csrf_token": csrf_of(page.text),
            "step": "3",
            "fields.offences#count": "1",
            "fields.offences[0].conduct": "computer_fraud",
            "fields.offences[0].label": "Computer-related fraud",
            "fields.offences[0].legal_provision": "Criminal Code art. 231",
            "fields.offences[0].max_penalty_months": "12",
            "fields.facts_summary": fields["facts_summary"],
        }
        low = browser.post(f"/drafts/{request_id}/check", data=form, headers={"HX-Request": "true"})
        assert low.status_code == 200
        assert 'data-code="NOT_SERIOUS_OFFENCE"' in low.text
        assert 'data-code="EXCEPTIONAL_JUSTIFICATION_REQUIRED"' in low.text
        assert "Statement Q2" in low.text  # its citation
        assert 'href="#f-offences-0-max_penalty_months"' in low.text  # the field it read
        high = browser.post(
            f"/drafts/{request_id}/check",
            data={**form, "fields.offences[0].max_penalty_months": "84"},
            headers={"HX-Request": "true"},
        )
        assert 'data-code="NOT_SERIOUS_OFFENCE"' not in high.text
        assert 'data-code="EXCEPTIONAL_JUSTIFICATION_REQUIRED"' not in high.text
