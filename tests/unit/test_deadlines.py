"""Deadlines: computed from timers and profile durations, with ``now`` passed in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from comity.domain.deadlines import Deadline, compute_deadlines
from comity.domain.values import Channel, Urgency
from comity.domain.workflow import Status
from tests.builders import T0, a_request, catalogue, example_preservation_fields, walk

CAT = catalogue()
SEED = CAT.profile("ahc-2022-proposal")
ACCEPTED_STEPS = (Status.REGISTERED, Status.UNDER_ASSESSMENT, Status.ACCEPTED)

instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
)


def _codes(deadlines: tuple[Deadline, ...]) -> dict[str, datetime]:
    return {deadline.code: deadline.due_at for deadline in deadlines}


def _preservation(start: datetime) -> tuple[Deadline, ...]:
    request = a_request(
        "preservation", fields=example_preservation_fields(), incoming=True, now=start
    )
    walk(request, *ACCEPTED_STEPS, Status.IN_EXECUTION, start=start)
    return compute_deadlines(request, CAT.type("preservation"), SEED)


@given(instants)
def test_preservation_lasts_sixty_days_from_execution_with_reminders_before(
    start: datetime,
) -> None:
    deadlines = _preservation(start)
    executed_at = start + timedelta(hours=4)
    expiry = [d for d in deadlines if d.code == "preservation_expiry"]
    assert [d.due_at for d in expiry] == [executed_at + timedelta(days=60)]
    reminders = sorted(d.due_at for d in deadlines if d.kind == "reminder")
    assert reminders == [executed_at + timedelta(days=days) for days in (46, 53, 58)]
    assert all(d.due_at >= start for d in deadlines)
    assert list(deadlines) == sorted(deadlines, key=lambda d: (d.due_at, d.code))


def test_preservation_deadlines_end_when_the_request_is_executed_or_closed() -> None:
    request = a_request("preservation", fields=example_preservation_fields(), incoming=True)
    walk(request, *ACCEPTED_STEPS, Status.IN_EXECUTION)
    assert compute_deadlines(request, CAT.type("preservation"), SEED)
    walk(request, Status.EXECUTED, start=T0 + timedelta(days=1))
    assert compute_deadlines(request, CAT.type("preservation"), SEED) == ()


@given(instants)
def test_provisional_arrest_review_at_18_days_and_release_at_40(arrest: datetime) -> None:
    fields = {"arrested_at": arrest.isoformat()}
    request = a_request("provisional_arrest", fields=fields, urgency=Urgency.URGENT, incoming=True)
    deadlines = _codes(compute_deadlines(request, CAT.type("provisional_arrest"), SEED))
    assert deadlines["release_review"] == arrest + timedelta(days=18)
    assert deadlines["release_limit"] == arrest + timedelta(days=40)
    assert deadlines["release_limit.reminder"] in {
        arrest + timedelta(days=33),
        arrest + timedelta(days=38),
    }


def test_no_arrest_no_arrest_deadline() -> None:
    request = a_request("provisional_arrest", fields={}, urgency=Urgency.URGENT, incoming=True)
    deadlines = _codes(compute_deadlines(request, CAT.type("provisional_arrest"), SEED))
    assert "release_review" not in deadlines


def test_an_emergency_must_be_acknowledged_within_the_profiles_target() -> None:
    request = a_request("preservation", urgency=Urgency.EMERGENCY, incoming=True, fields={})
    rtype = CAT.type("preservation")
    target = _codes(compute_deadlines(request, rtype, SEED))
    assert target["emergency_acknowledgement"] == T0 + timedelta(hours=1)
    walk(request, Status.REGISTERED)
    assert "emergency_acknowledgement" not in _codes(compute_deadlines(request, rtype, SEED))
    routine = a_request("preservation", urgency=Urgency.ROUTINE, incoming=True, fields={})
    assert "emergency_acknowledgement" not in _codes(compute_deadlines(routine, rtype, SEED))


def test_a_copy_sent_ahead_is_followed_by_the_original_within_the_profiles_time() -> None:
    fields = {"copy_sent_via": "email"}
    request = a_request(channel=Channel.COPY_AHEAD, fields=fields, incoming=True)
    due = _codes(compute_deadlines(request, CAT.type("mla"), SEED))
    assert due["original_due"] == T0 + timedelta(days=30)
    request = a_request(channel=Channel.CENTRAL_AUTHORITY, fields=fields, incoming=True)
    assert "original_due" not in _codes(compute_deadlines(request, CAT.type("mla"), SEED))


def test_asking_for_more_information_starts_a_time_limit_that_answering_stops() -> None:
    request = a_request(incoming=True)
    walk(request, Status.REGISTERED, Status.UNDER_ASSESSMENT, Status.MORE_INFO_REQUESTED)
    asked = T0 + timedelta(hours=3)
    due = _codes(compute_deadlines(request, CAT.type("mla"), SEED))
    assert due["supplementary_information"] == asked + timedelta(days=30)
    walk(request, Status.INFO_SUPPLIED, start=asked)
    assert "supplementary_information" not in _codes(
        compute_deadlines(request, CAT.type("mla"), SEED)
    )


def test_the_requesting_states_own_deadline_is_tracked_on_its_date() -> None:
    request = a_request(fields={"requested_deadline": "2026-05-01", "deadline_reasons": "Trial."})
    due = _codes(compute_deadlines(request, CAT.type("mla"), SEED))
    assert due["requested_deadline"] == datetime(2026, 5, 1, tzinfo=UTC)


def test_an_emergency_sent_awaits_a_first_answer_in_hours() -> None:
    request = a_request(urgency=Urgency.EMERGENCY, fields={})
    request.history.append(
        type(request.history[0])(2, Status.APPROVED, Status.SENT, "relay", T0, "")
    )
    due = compute_deadlines(request, CAT.type("mla"), SEED)
    assert due[0].code == "emergency_answer"
    assert due[0].due_at == T0 + timedelta(hours=8)


def test_reminder_labels_say_how_long_is_left() -> None:
    labels = {d.label for d in _preservation(T0) if d.kind == "reminder"}
    assert any(label.endswith("in 14 days") for label in labels)
    assert any(label.endswith("in 2 days") for label in labels)
    arrest = a_request("provisional_arrest", fields={"arrested_at": "2026-01-01T00:00:00Z"},
                       urgency=Urgency.URGENT, incoming=True)  # fmt: skip
    reminders = {"provisional_arrest_limit": (timedelta(hours=1), timedelta(days=1))}
    profile = replace(SEED, reminders=reminders)
    due = compute_deadlines(arrest, CAT.type("provisional_arrest"), profile)
    labels = {d.label for d in due if d.kind == "reminder"}
    assert any(label.endswith("in 1 hour") for label in labels)
    assert any(label.endswith("in 1 day") for label in labels)
