"""The DPO's page: the register of accesses (filterable by request), the retention calendar
and the deletion records, for the DPO role of the authority only; bad filters answer the form
with the field's message."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from comity.domain.commands import AddUser
from comity.domain.errors import PermissionDeniedError
from comity.domain.values import Role
from comity.services import data_protection, users
from comity.web.app import create_app
from tests.federation_harness import PASSWORD
from tests.integration.conftest import Node
from tests.integration.test_data_protection import RETENTION, LaterClock, draft
from tests.web_pages import sign_in


def browser(node: Node, username: str) -> TestClient:
    return sign_in(TestClient(create_app(node.container)), username)


def rows_of(page: str, section: str) -> list[str]:
    """The body rows of the table in the section titled by the element ``section``."""
    part = page.split(f'id="{section}"', 1)[1].split("</section>", 1)[0]
    return re.findall(r"<tr[^>]*>\s*<td.*?</tr>", part, flags=re.S)


def test_the_register_shows_who_read_what_allowed_or_denied(seeded: Node) -> None:
    created = draft(seeded)
    other = draft(seeded)
    refused = seeded.client.get(
        f"/api/v1/requests/{created['id']}",
        params={"purpose": "admin_proc"},
        headers=seeded.headers("executor"),
    )
    assert refused.status_code == 403
    with browser(seeded, "drafter") as officer:
        assert officer.get(f"/requests/{created['id']}").status_code == 200
        assert officer.get(f"/requests/{other['id']}").status_code == 200
    with browser(seeded, "dpo") as dpo:
        page = dpo.get("/dpo")
        assert page.status_code == 200
        assert "<h1>Data protection</h1>" in page.text
        rows = rows_of(page.text, "register-title")
        assert len(rows) == 3
        # Newest first: the two readings by the drafter, then the executor's denied one.
        assert "drafter" in rows[0] and other["reference"] in rows[0] and "Allowed" in rows[0]
        assert "executor" in rows[2] and "Denied" in rows[2] and "PURPOSE_DENIED" in rows[2]
        assert created["reference"] in rows[2] and "admin_proc" in rows[2]
        assert f'href="/requests/{created["id"]}"' in rows[2]
        # Filtered by one request's reference, as officers quote it.
        only = dpo.get("/dpo", params={"request": created["reference"].lower()})
        assert only.status_code == 200
        filtered = rows_of(only.text, "register-title")
        assert len(filtered) == 2
        assert all(created["reference"] in row for row in filtered)
        assert other["reference"] not in "".join(filtered)


def test_bad_filters_answer_the_form_with_the_field_s_message(seeded: Node) -> None:
    draft(seeded)
    with browser(seeded, "dpo") as dpo:
        unknown = dpo.get("/dpo", params={"request": '<script>alert("x")</script>'})
        assert unknown.status_code == 422
        assert '<script>alert("x")</script>' not in unknown.text
        assert "&lt;script&gt;" in unknown.text
        assert 'role="alert"' in unknown.text
        field = re.search(r'<input id="request"[^>]*>', unknown.text)
        assert field is not None
        assert 'aria-invalid="true"' in field.group(0)
        assert 'aria-describedby="request-error"' in field.group(0)
        assert (
            '<p id="request-error" class="error">No request of your authority has this '
            "reference.</p>" in unknown.text
        )
        weeks = dpo.get("/dpo", params={"weeks": "-3"})
        assert weeks.status_code == 422
        assert 'id="weeks-error"' in weeks.text and "Choose one of the periods" in weeks.text
        assert dpo.get("/dpo", params={"request": "X" * 5000}).status_code == 422
        # Another authority's request is no request of this DPO's.
        theirs = seeded.client.post(
            "/api/v1/requests",
            json={"type": "mla", "requested_state": "XB", "fields": {}},
            headers=seeded.headers("prosecutor"),
        ).json()
        hidden = dpo.get("/dpo", params={"request": theirs["reference"]})
        assert hidden.status_code == 422 and "No request of your authority" in hidden.text


def test_the_retention_calendar_shows_what_is_erased_soon(seeded: Node) -> None:
    created = draft(seeded)
    with browser(seeded, "dpo") as dpo:
        now = dpo.get("/dpo")
        assert created["reference"] not in "".join(rows_of(now.text, "calendar-title"))
        assert "No request of your authority reaches its retention date" in now.text
    # Sessions do not last years: the DPO signs in again at each moment.
    ctx = seeded.container.services
    seeded.container.services = replace(ctx, clock=LaterClock(RETENTION - timedelta(weeks=3)))
    with browser(seeded, "dpo") as dpo:
        (row,) = rows_of(dpo.get("/dpo").text, "calendar-title")
        assert created["reference"] in row and "Erased on this date" in row
        assert "Mutual legal assistance" in row
        # Four weeks, the shortest period offered, still holds it; five weeks ahead it does not.
        assert len(rows_of(dpo.get("/dpo", params={"weeks": "4"}).text, "calendar-title")) == 1
    seeded.container.services = replace(ctx, clock=LaterClock(RETENTION - timedelta(weeks=5)))
    with browser(seeded, "dpo") as dpo:
        assert rows_of(dpo.get("/dpo", params={"weeks": "4"}).text, "calendar-title") == []
        assert len(rows_of(dpo.get("/dpo", params={"weeks": "8"}).text, "calendar-title")) == 1


def test_erased_requests_leave_their_deletion_record_on_the_page(seeded: Node) -> None:
    created = draft(seeded)
    kept = draft(seeded)
    ctx = seeded.container.services
    later = replace(ctx, clock=LaterClock(RETENTION + timedelta(days=1)))
    seeded.container.services = later
    with browser(seeded, "dpo") as dpo:
        overdue = rows_of(dpo.get("/dpo").text, "calendar-title")
        assert len(overdue) == 2 and "Past its date" in overdue[0]
        assert data_protection.sweep(later) == 2
        page = dpo.get("/dpo")
        assert page.status_code == 200
        rows = rows_of(page.text, "deletions-title")
        assert len(rows) == 2
        text = "".join(rows)
        assert created["reference"] in text and kept["reference"] in text
        record = data_protection.deletion_record(ctx, created["id"])
        assert record is not None and record.digest[:16] in text
        assert "No: this node has no signing key" in text
        assert rows_of(page.text, "calendar-title") == []


def test_only_the_dpo_role_sees_the_page(seeded: Node) -> None:
    for name in ("drafter", "executor", "approver", "duty", "admin"):
        with browser(seeded, name) as officer:
            page = officer.get("/dpo")
            assert page.status_code == 403, name
            assert "Register of accesses" not in page.text
    with TestClient(create_app(seeded.container)) as anonymous:
        answer = anonymous.get("/dpo", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/login?next=%2Fdpo"


def test_the_calendar_and_records_are_the_dpo_s_own_authority_s(seeded: Node) -> None:
    ctx = seeded.container.services
    theirs = users.add_user(
        ctx,
        command=AddUser("dpo2", PASSWORD, frozenset({Role.DPO}), authority_code="prosecutor"),
    )
    draft(seeded)
    later = replace(ctx, clock=LaterClock(RETENTION + timedelta(days=1)))
    assert data_protection.sweep(later) == 1
    window = timedelta(weeks=8)
    mine = seeded.people["dpo"]
    assert len(data_protection.deletion_records(later, actor=mine)) == 1
    assert data_protection.deletion_records(later, actor=theirs) == []
    assert data_protection.retention_calendar(later, actor=theirs, within=window) == []
    for officer in (seeded.people["drafter"], seeded.people["admin"]):
        with pytest.raises(PermissionDeniedError):
            data_protection.deletion_records(later, actor=officer)
        with pytest.raises(PermissionDeniedError):
            data_protection.retention_calendar(later, actor=officer, within=window)
