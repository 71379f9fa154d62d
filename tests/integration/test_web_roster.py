"""The roster on the officers' pages (issue 8 item 1): the 24/7 desk says who is on duty now,
each until when in the point's time zone, with the duty shift's hand-over note, and marks an
emergency nobody acknowledged in time "Escalated at HH:MM" (the clock moved past its target);
``/desk/roster`` lists the next 7 days' shifts, adds and removes them through forms bound to
the session (CSRF), and refuses anyone but the point's duty officers and administrators."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from starlette.testclient import TestClient

from comity.bootstrap import Container, build
from comity.domain.access import User
from comity.domain.commands import AddUser, RecordIncoming
from comity.domain.roster import ShiftRole
from comity.domain.values import Channel, Role, Urgency
from comity.services import escalation, exchange, node, requests, roster, users
from comity.services.demo import example_preservation_fields
from comity.web.app import create_app
from tests.integration.conftest import PASSWORD, settings_for
from tests.integration.test_escalation import MovableClock
from tests.web_pages import csrf_of, sign_in

TOKYO = ZoneInfo("Asia/Tokyo")
SCRIPT = '<script>alert("x")</script>'
ACCOUNTS = {
    "duty": ({Role.DUTY_OFFICER}, "poc247"),
    "backup": ({Role.DUTY_OFFICER}, "poc247"),
    "chief": ({Role.APPROVER}, "poc247"),
    "root": ({Role.ADMIN}, "central"),
    "drafter": ({Role.DRAFTER}, "central"),
    "executor": ({Role.EXECUTOR}, "central"),
}


@dataclass
class Point:
    """A node whose 24/7 point keeps Tokyo time, with a clock the test moves."""

    container: Container
    clock: MovableClock
    people: dict[str, User]

    def browser(self, username: str) -> TestClient:
        client = TestClient(create_app(self.container))
        return sign_in(client, username)


@pytest.fixture
def point(database_url: str, tmp_path: Path) -> Iterator[Point]:
    container = build(settings_for(database_url, tmp_path))
    container.upgrade_database()
    node.ensure_authorities(container.services, time_zone="Asia/Tokyo")
    clock = MovableClock()
    container.services = replace(container.services, clock=clock)
    people = {
        name: users.add_user(
            container.services,
            command=AddUser(name, PASSWORD, frozenset(roles), authority_code=authority),
        )
        for name, (roles, authority) in ACCOUNTS.items()
    }
    try:
        yield Point(container, clock, people)
    finally:
        container.close()


def _on_roster(point: Point, note: str = "Two preservations pending.") -> datetime:
    """The duty officer, a backup and the supervisor on shift for 12 hours; when they end."""
    start = point.clock.now() - timedelta(hours=1)
    for username, role in (
        ("duty", ShiftRole.DUTY),
        ("backup", ShiftRole.BACKUP),
        ("chief", ShiftRole.SUPERVISOR),
    ):
        roster.add_shift(
            point.container.services,
            actor=point.people["root"],
            username=username,
            role=role,
            starts_at=start,
            ends_at=start + timedelta(hours=12),
            contact=f"{username}@xa.example",
            handover_note=note if username == "duty" else "",
        )
    return start + timedelta(hours=12)


def _emergency(point: Point) -> tuple[str, str]:
    """An emergency preservation from XC, received by the 24/7 point: (id, reference)."""
    ctx = point.container.services
    poc = next(a.id for a in node.authorities(ctx) if a.code == "poc247")
    view = requests.record_incoming(
        ctx,
        command=RecordIncoming(
            type_code="preservation",
            requesting_state="XC",
            authority_id=poc,
            profile="ahc-2022-proposal",
            urgency=Urgency.EMERGENCY,
            channel=Channel.NETWORK_24_7,
            fields=example_preservation_fields("XC"),
        ),
        actor_id="system",
    )
    return view.request.id, view.request.reference


def _when(moment: datetime) -> str:
    """How an English page writes an instant (``when``), here in Tokyo time."""
    return format_datetime(moment.astimezone(TOKYO), "medium", tzinfo=None, locale="en_GB")


def test_the_desk_shows_who_is_on_duty_and_marks_an_escalated_emergency(point: Point) -> None:
    ends = _on_roster(point, note="Call XB back at 10. " + SCRIPT)
    request_id, reference = _emergency(point)
    with point.browser("duty") as browser:
        page = browser.get("/desk")
        assert page.status_code == 200
        text = page.text
        panel = text[text.index('aria-labelledby="on-duty-title"') : text.index('class="refresh"')]
        assert ">On duty now<" in panel
        assert panel.index("Duty officers") < panel.index("Backups") < panel.index("Supervisor")
        assert panel.index(">duty ") < panel.index(">backup ") < panel.index(">chief ")
        assert 'href="mailto:backup@xa.example"' in panel
        # Until when, in the point's time zone (Tokyo is UTC+9), and the hand-over note.
        assert f"until {_when(ends)}" in panel and "Asia/Tokyo" in panel
        assert ends.astimezone(TOKYO).strftime("%H:%M") in panel
        assert "Hand-over note from duty" in panel and "Call XB back at 10." in panel
        assert SCRIPT not in text and "&lt;script&gt;" in panel
        assert 'href="/desk/roster"' in panel
        assert reference in text and "Escalated at" not in text
        before = re.search(r'data-signature="([^"]*)"', text)
        assert before is not None and f"{request_id}:received:1:0" in before.group(1)

        # The acknowledgement target (one hour) passes: the node escalates it once.
        point.clock.offset = timedelta(minutes=61)
        assert escalation.escalate_due(point.container.services) == 1
        at = escalation.escalations(point.container.services, [request_id])[request_id]
        assert escalation.escalations(point.container.services, []) == {}
        fragment = browser.get("/desk/queue", headers={"HX-Request": "true"}).text
        card = fragment[fragment.index(f'id="card-{request_id}"') :]
        assert f"Escalated at {at.astimezone(TOKYO):%H:%M}<" in card
        assert f'title="{_when(at)}"' in card
        # The queue's signature changes, so the open page swaps in the marked card.
        assert f"{request_id}:received:1:1" in fragment

        # Acknowledged afterwards, the card keeps its marker.
        exchange.acknowledge(
            point.container.services, actor=point.people["duty"], request_id=request_id
        )
        after = browser.get("/desk").text
        assert "Acknowledged after" in after
        assert f"Escalated at {at.astimezone(TOKYO):%H:%M}" in after


def test_the_desk_says_when_nobody_is_on_the_roster(point: Point) -> None:
    with point.browser("duty") as browser:
        text = browser.get("/desk").text
        assert "On duty now" in text and "Nobody is on the roster now" in text
        assert "Duty officers" not in text and 'href="/desk/roster"' in text


def _form(token: str, **values: str) -> dict[str, str]:
    start = datetime.now(TOKYO).replace(second=0, microsecond=0) + timedelta(days=1)
    return {
        "csrf_token": token,
        "username": "backup",
        "role": "duty",
        "starts_at": f"{start:%Y-%m-%dT%H:%M}",
        "ends_at": f"{start + timedelta(hours=8):%Y-%m-%dT%H:%M}",
        "contact": "backup@xa.example",
        "handover_note": "",
        **values,
    }


def _shifts(point: Point) -> list[tuple[str, datetime, datetime]]:
    now = point.clock.now()
    listed = roster.roster(
        point.container.services,
        actor=point.people["duty"],
        start=now - timedelta(days=1),
        end=now + timedelta(days=8),
    )
    return [(shift.role, shift.starts_at, shift.ends_at) for shift in listed]


def test_duty_officers_add_and_remove_shifts_on_the_roster_page(point: Point) -> None:
    _on_roster(point)
    with point.browser("duty") as browser:
        page = browser.get("/desk/roster")
        assert page.status_code == 200
        text = page.text
        assert "<h1>Duty roster" in text and "Shifts of the next 7 days" in text
        assert "Asia/Tokyo" in text and text.count('<tr id="shift-') == 3
        assert text.count('class="on-duty-now"') == 3 and "Two preservations pending." in text
        # Only the point's officers are offered.
        assert '<option value="backup"' in text and '<option value="drafter"' not in text

        form = _form(csrf_of(text), handover_note="Pending: XC-2026-0001.")
        added = browser.post("/desk/roster", data=form, follow_redirects=False)
        assert added.status_code == 303 and added.headers["location"] == "/desk/roster?done=added"
        shifts = _shifts(point)
        assert len(shifts) == 4
        # The form's times are the point's (Tokyo); the roster keeps the instants.
        role, starts_at, ends_at = shifts[-1]
        assert role == "duty"
        assert starts_at == datetime.strptime(form["starts_at"], "%Y-%m-%dT%H:%M").replace(
            tzinfo=TOKYO
        )
        assert ends_at - starts_at == timedelta(hours=8)
        shown = browser.get("/desk/roster?done=added").text
        assert 'role="status"' in shown and "The shift is on the roster." in shown
        assert "Pending: XC-2026-0001." in shown and shown.count('<tr id="shift-') == 4
        assert _when(starts_at) in shown

        shift_id = re.findall(r'action="/desk/roster/([^"/]+)/remove"', shown)[-1]
        removed = browser.post(
            f"/desk/roster/{shift_id}/remove",
            data={"csrf_token": csrf_of(shown)},
            follow_redirects=False,
        )
        assert removed.status_code == 303
        assert removed.headers["location"] == "/desk/roster?done=removed"
        assert len(_shifts(point)) == 3
        assert "The shift is off the roster." in browser.get("/desk/roster?done=removed").text
        gone = browser.post(f"/desk/roster/{shift_id}/remove", data={"csrf_token": csrf_of(shown)})
        assert gone.status_code == 404


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"ends_at": "2020-01-01T08:00"}, "ends_at", "must end after it starts"),
        ({"contact": "not an address"}, "contact", "e-mail address such as"),
        ({"starts_at": "tomorrow"}, "starts_at", "the shift starts"),
        ({"ends_at": ""}, "ends_at", "the shift ends"),
        ({"username": "chief"}, "username", "duty and backup shifts are for duty officers"),
        ({"username": "drafter"}, "username", "Choose an active officer of this point"),
        ({"username": ""}, "username", "Choose an active officer of this point"),
        ({"role": "chief"}, "role", "Choose duty, backup or supervisor."),
    ],
)
def test_a_shift_the_roster_cannot_take_comes_back_with_what_to_correct(
    point: Point, values: dict[str, str], field: str, message: str
) -> None:
    with point.browser("duty") as browser:
        token = csrf_of(browser.get("/desk/roster").text)
        answer = browser.post("/desk/roster", data=_form(token, **values))
        assert answer.status_code == 422
        text = answer.text
        assert 'class="error-summary" role="alert"' in text and f'href="#{field}"' in text
        assert f'aria-describedby="{field}-error"' in text and message in text
        # What was typed stays in the form.
        assert 'value="backup@xa.example"' in text or field == "contact"
    assert _shifts(point) == []


def test_forms_without_the_sessions_token_change_nothing(point: Point) -> None:
    _on_roster(point)
    with point.browser("duty") as browser:
        text = browser.get("/desk/roster").text
        forged = browser.post("/desk/roster", data=_form("forged"))
        assert forged.status_code == 403 and "The form is not valid any more." in forged.text
        shift_id = re.findall(r'action="/desk/roster/([^"/]+)/remove"', text)[0]
        forged = browser.post(f"/desk/roster/{shift_id}/remove", data={"csrf_token": "forged"})
        assert forged.status_code == 403
    assert len(_shifts(point)) == 3


def test_only_the_points_duty_officers_and_administrators_get_the_roster(point: Point) -> None:
    _on_roster(point)
    for outsider in ("drafter", "executor", "chief"):
        with point.browser(outsider) as browser:
            page = browser.get("/desk/roster")
            assert page.status_code == 403 and "Not possible" in page.text
            assert "chief@xa.example" not in page.text
            token = csrf_of(browser.get("/").text)
            assert browser.post("/desk/roster", data=_form(token)).status_code == 403
            shift_id = _first_shift(point)
            answer = browser.post(f"/desk/roster/{shift_id}/remove", data={"csrf_token": token})
            assert answer.status_code == 403
    assert len(_shifts(point)) == 3
    # An administrator manages the node's 24/7 point's roster.
    with point.browser("root") as browser:
        text = browser.get("/desk/roster").text
        assert text.count('<tr id="shift-') == 3
        added = browser.post("/desk/roster", data=_form(csrf_of(text)), follow_redirects=False)
        assert added.status_code == 303
    assert len(_shifts(point)) == 4
    with TestClient(create_app(point.container)) as anonymous:
        answer = anonymous.get("/desk/roster", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def _first_shift(point: Point) -> str:
    now = point.clock.now()
    return roster.roster(
        point.container.services,
        actor=point.people["duty"],
        start=now,
        end=now + timedelta(days=1),
    )[0].id
