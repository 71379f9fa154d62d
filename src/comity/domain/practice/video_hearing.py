"""The life cycle of a hearing by video or telephone conference (type card T16): acceptance and
equipment, scheduling across the two States' time zones, consent, the hearing itself and its
minutes, signed by both sides.

The requested State shall agree to a hearing by video conference unless it is contrary to the
fundamental principles of its law or it lacks the technical means; if it lacks them, the
requesting State may provide them by mutual agreement (ECMA2P 9(2) [V]; statement Q23). Under
2AP 11 [K] and UNTOC 18(18) [V] (UNCC 40(18) [K]) the requested State *may* permit it, so a
refusal records its ground and reasons. The ``accept`` step records who provides the equipment
(the requesting State only when the requested State lacks the means: ``guard``), the judicial
authority presiding (the hearing is conducted by or under the direction of the requesting
State's judicial authority, ECMA2P 9(5)(c)), whether an interpreter is needed and for which
language (9(5)(d)), and the person's role and the medium.

The requested State summons the person and notifies the time and venue (ECMA2P 9(4), 10(3)
[V]), so it schedules and reschedules the hearing, recording the instant and both States' IANA
time zones; ``hearing_times`` gives the local time on each side and warns when it falls outside
08:00-18:00 there. A suspect or accused person is heard only with their consent (ECMA2P 9(8)),
and a witness or expert by telephone only if they agree (10(2)); the requested State records
that consent before the hearing (``guard`` refuses ``conduct`` without it). After the hearing the
requested State draws up the minutes (date, place, identities of those present, oaths,
technical conditions: ECMA2P 9(6) [V]) and records the SHA-256 digest of the document; the
requesting State countersigns the same digest (a different digest is refused; it may ask for a
correction instead), which completes the hearing.

The clock (run by the requested State's node) reminds 1 day and 2 hours before the hearing
(profile ``hearing``), sets the hearing as a deadline, and raises a warning once the scheduled
time has passed without the hearing being recorded as held. It takes no step of its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from comity.domain.errors import (
    FieldIssue,
    IllegalTransitionError,
    InvalidFieldsError,
)
from comity.domain.practice.forms import (
    Alarm,
    ClockDeadline,
    ClockFacts,
    ClockReading,
    PracticeForm,
    days_text,
    reminders_before,
)
from comity.domain.practice.lifecycle import (
    LifeCycle,
    PracticeRecord,
    StepRule,
    StepSide,
    Value,
    ValueKind,
    ValueRule,
    instant_value,
)
from comity.domain.values import Side

REQUESTED = "requested"
ACCEPTED = "accepted"
REFUSED = "refused"
WITHDRAWN = "withdrawn"
SCHEDULED = "scheduled"
CONDUCTED = "conducted"
MINUTES_RECORDED = "minutes_recorded"
COMPLETED = "completed"

#: The profile's reminder offsets read here, and their default (a day and two hours before).
REMINDERS = "hearing"
DEFAULT_REMINDERS = (timedelta(days=1), timedelta(hours=2))

#: Local working hours on either side; a hearing outside them is flagged, not refused.
WORKING_HOURS = (time(8, 0), time(18, 0))

#: Grounds for refusing: ECMA2P 9(2) names two; 2AP 11 and UNTOC 18(18) leave others open.
REFUSAL_GROUNDS = ("fundamental_principles", "no_technical_means", "suspect_not_agreed", "other")

ROLES = ("witness", "expert", "suspect", "accused")
MEDIA = ("video", "telephone")
PROVIDERS = ("requesting", "requested")

_SHA256 = re.compile(r"[0-9a-f]{64}")
_TIMES = ("scheduled_at", "requesting_time_zone", "requested_time_zone")

VIDEO_HEARING = LifeCycle(
    code="video_hearing",
    states=(
        REQUESTED,
        ACCEPTED,
        REFUSED,
        WITHDRAWN,
        SCHEDULED,
        CONDUCTED,
        MINUTES_RECORDED,
        COMPLETED,
    ),
    initial=REQUESTED,
    steps=(
        # The requested State agrees; the requesting State provides the equipment only when
        # the requested State lacks the means (ECMA2P 9(2); Q23); who presides (9(5)(c)),
        # interpretation (9(5)(d)); role and medium decide whether consent is needed.
        StepRule(
            "accept",
            frozenset({REQUESTED}),
            ACCEPTED,
            StepSide.REQUESTED,
            values=(
                ValueRule("equipment_provided_by", ValueKind.CHOICE, choices=PROVIDERS),
                ValueRule("requested_lacks_means", ValueKind.FLAG, required=False),
                ValueRule("presiding_authority"),
                ValueRule("interpreter", ValueKind.FLAG),
                ValueRule("interpreter_language", required=False),
                ValueRule("hearing_role", ValueKind.CHOICE, choices=ROLES),
                ValueRule("medium", ValueKind.CHOICE, choices=MEDIA),
            ),
            basis=("ECMA2P 9(2)", "ECMA2P 9(5)", "2AP 11", "UNTOC 18(18)", "Statement Q23"),
        ),
        StepRule(
            "refuse",
            frozenset({REQUESTED}),
            REFUSED,
            StepSide.REQUESTED,
            values=(ValueRule("ground", ValueKind.CHOICE, choices=REFUSAL_GROUNDS),),
            reasoned=True,
            basis=("ECMA2P 9(2)", "ECMA2P 9(8)", "2AP 11"),
        ),
        StepRule(
            "withdraw",
            frozenset({REQUESTED, ACCEPTED, SCHEDULED}),
            WITHDRAWN,
            StepSide.REQUESTING,
            reasoned=True,
        ),
        # The requested authority summons the person and notifies time and venue (ECMA2P
        # 9(4), 10(3)); both States' zones are recorded so each sees its local time.
        StepRule(
            "schedule",
            frozenset({ACCEPTED}),
            SCHEDULED,
            StepSide.REQUESTED,
            values=(
                ValueRule("scheduled_at", ValueKind.INSTANT),
                ValueRule("requesting_time_zone"),
                ValueRule("requested_time_zone"),
                ValueRule("venue", required=False),
            ),
            basis=("ECMA2P 9(4)", "ECMA2P 10(3)"),
        ),
        StepRule(
            "reschedule",
            frozenset({SCHEDULED}),
            None,
            StepSide.REQUESTED,
            values=(
                ValueRule("scheduled_at", ValueKind.INSTANT),
                ValueRule("requesting_time_zone", required=False),
                ValueRule("requested_time_zone", required=False),
                ValueRule("venue", required=False),
            ),
            reasoned=True,
            basis=("ECMA2P 9(4)",),
        ),
        # Consent of a suspect or accused person (ECMA2P 9(8)) or of a witness or expert heard
        # by telephone (10(2)), verified by the requested State (10(3)).
        StepRule(
            "record_consent",
            frozenset({ACCEPTED, SCHEDULED}),
            None,
            StepSide.REQUESTED,
            values=(
                ValueRule("consent_given", ValueKind.FLAG),
                ValueRule("consented_at", ValueKind.INSTANT),
                ValueRule("verified_by", required=False),
            ),
            basis=("ECMA2P 9(8)", "ECMA2P 10(2)", "ECMA2P 10(3)", "2AP 11"),
        ),
        StepRule(
            "conduct",
            frozenset({SCHEDULED}),
            CONDUCTED,
            StepSide.REQUESTED,
            values=(ValueRule("held_at", ValueKind.INSTANT),),
            basis=("ECMA2P 9(5)",),
        ),
        # The minutes: date, place, persons present and their functions, oaths, technical
        # conditions (ECMA2P 9(6)); the document itself is identified by its digest.
        StepRule(
            "record_minutes",
            frozenset({CONDUCTED}),
            MINUTES_RECORDED,
            StepSide.REQUESTED,
            values=(
                ValueRule("minutes_sha256"),
                ValueRule("persons_present"),
                ValueRule("oaths"),
                ValueRule("place", required=False),
                ValueRule("technical_conditions", required=False),
            ),
            basis=("ECMA2P 9(6)",),
        ),
        StepRule(
            "request_correction",
            frozenset({MINUTES_RECORDED}),
            CONDUCTED,
            StepSide.REQUESTING,
            reasoned=True,
            basis=("ECMA2P 9(6)",),
        ),
        StepRule(
            "countersign_minutes",
            frozenset({MINUTES_RECORDED}),
            COMPLETED,
            StepSide.REQUESTING,
            values=(ValueRule("minutes_sha256"),),
            basis=("ECMA2P 9(6)",),
        ),
    ),
)


@dataclass(frozen=True)
class HearingTimes:
    """A hearing's instant (UTC) and its local time in each State, with a warning for each
    side where it falls outside working hours."""

    at: datetime
    requesting: datetime
    requested: datetime
    warnings: tuple[str, ...]


def zone(name: str) -> ZoneInfo | None:
    """The IANA time zone ``name`` (``Asia/Tokyo``), or None if there is no such zone."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_times(at: datetime, requesting_zone: str, requested_zone: str) -> HearingTimes:
    """The instant ``at`` in each State's zone, warning for each side where it is before 08:00
    or after 18:00 local time. The zones must exist (``zone``)."""
    local: dict[str, datetime] = {}
    warnings: list[str] = []
    for side, name in (("requesting", requesting_zone), ("requested", requested_zone)):
        found = zone(name)
        if found is None:
            raise ValueError(f"no time zone {name!r}")
        local[side] = at.astimezone(found)
        clock = local[side].time()
        if not WORKING_HOURS[0] <= clock <= WORKING_HOURS[1]:
            warnings.append(
                f"The hearing is at {clock:%H:%M} in the {side} State ({name}), outside "
                f"{WORKING_HOURS[0]:%H:%M}-{WORKING_HOURS[1]:%H:%M} local time."
            )
    return HearingTimes(at, local["requesting"], local["requested"], tuple(warnings))


def schedule(record: PracticeRecord) -> tuple[datetime, str, str] | None:
    """The hearing's instant and the two zones as last scheduled or rescheduled (a
    rescheduling that names no zone keeps the previous one), or None before scheduling."""
    found: tuple[datetime, str, str] | None = None
    for step in record.steps:
        at = instant_value(step, "scheduled_at")
        if step.code not in ("schedule", "reschedule") or at is None:
            continue
        requesting, requested = (found[1], found[2]) if found is not None else ("", "")
        found = (
            at,
            str(step.value("requesting_time_zone") or requesting),
            str(step.value("requested_time_zone") or requested),
        )
    return found


def hearing_times(record: PracticeRecord) -> HearingTimes | None:
    """The scheduled hearing's local time in both States, or None before scheduling."""
    found = schedule(record)
    return None if found is None else local_times(*found)


def consent_needed(record: PracticeRecord) -> bool:
    """True if the person must consent: a suspect or accused (ECMA2P 9(8)) or anyone heard by
    telephone (ECMA2P 10(2))."""
    accepted = record.last("accept")
    return accepted is not None and (
        accepted.value("hearing_role") in ("suspect", "accused")
        or accepted.value("medium") == "telephone"
    )


def consent_recorded(record: PracticeRecord) -> bool:
    """True if the latest consent recorded says the person consented."""
    recorded = record.last("record_consent")
    return recorded is not None and recorded.value("consent_given") is True


def minutes_digest(record: PracticeRecord) -> str | None:
    """The digest of the minutes as last recorded, or None."""
    recorded = record.last("record_minutes")
    return None if recorded is None else str(recorded.value("minutes_sha256"))


def guard(
    record: PracticeRecord,
    step_code: str,
    *,
    side: StepSide | Side,
    values: Mapping[str, Value] | None = None,
) -> None:
    """Refuse what the table cannot: equipment from the requesting State while the requested
    State has the means, an interpreter without a language, unknown time zones, a digest that
    is not SHA-256 hex, a countersignature of another digest (``InvalidFieldsError``), and a
    hearing held without the consent it needs (``IllegalTransitionError``)."""
    del side  # the table already says who takes each step
    given = dict(values or {})
    issues: list[FieldIssue] = []
    if step_code == "accept":
        if given.get("equipment_provided_by") == "requesting" and not given.get(
            "requested_lacks_means"
        ):
            issues.append(_issue("equipment_provided_by", "requested, unless it lacks the means"))
        if given.get("interpreter") is True and not str(given.get("interpreter_language", "")):
            issues.append(_issue("interpreter_language", "the language to interpret"))
    elif step_code in ("schedule", "reschedule"):
        for name in _TIMES[1:]:
            if isinstance(given.get(name), str) and zone(str(given[name])) is None:
                issues.append(_issue(name, "an IANA time zone such as Europe/Paris"))
    elif step_code == "conduct" and consent_needed(record) and not consent_recorded(record):
        raise IllegalTransitionError(
            "the person must consent before the hearing (ECMA2P 9(8), 10(2)): record it first"
        )
    elif step_code == "record_minutes" and not _SHA256.fullmatch(
        str(given.get("minutes_sha256", ""))
    ):
        issues.append(_issue("minutes_sha256", "a SHA-256 digest in 64 lower-case hex digits"))
    elif step_code == "countersign_minutes" and given.get("minutes_sha256") != minutes_digest(
        record
    ):
        issues.append(
            _issue("minutes_sha256", "the digest of the minutes the requested State recorded")
        )
    if issues:
        raise InvalidFieldsError(tuple(issues))


def _issue(name: str, expected: str) -> FieldIssue:
    return FieldIssue(f"values.{name}", "invalid", expected)


def _before(delta: timedelta) -> str:
    if delta % timedelta(days=1):
        hours = delta / timedelta(hours=1)
        return f"{hours:g} hour" + ("" if hours == 1 else "s")
    return days_text(delta)


def reminders(record: PracticeRecord, offsets: tuple[timedelta, ...]) -> list[tuple[datetime, str]]:
    """The reminders before a scheduled hearing (a day and two hours by default)."""
    found = schedule(record)
    if record.state != SCHEDULED or found is None:
        return []
    at = found[0]
    return reminders_before(
        at, offsets, lambda before: f"The hearing is in {_before(before)}, at {at.isoformat()}"
    )


def alarms(record: PracticeRecord, *, now: datetime) -> list[Alarm]:
    """A warning once the scheduled time has passed and the hearing is not recorded as held."""
    found = schedule(record)
    if record.state != SCHEDULED or found is None or now < found[0]:
        return []
    return [
        Alarm(
            "video_hearing.not_held",
            "warning",
            found[0],
            f"The hearing scheduled for {found[0].isoformat()} is not recorded as held: record "
            "it or reschedule it.",
        )
    ]


def _read(record: PracticeRecord, facts: ClockFacts) -> ClockReading:
    found = schedule(record)
    if record.state != SCHEDULED or found is None:
        return ClockReading()
    at, basis = found[0], ("ECMA2P 9(4)",)
    ahead = reminders(record, facts.reminders.get(REMINDERS, DEFAULT_REMINDERS))
    return ClockReading(
        ends_at=at,
        alarms=tuple(alarms(record, now=facts.now)),
        reminders=tuple((when, text) for when, text in ahead if when >= facts.now),
        deadlines=(
            ClockDeadline("video_hearing.scheduled", "The hearing is scheduled", "deadline", at,
                          basis),
            *(ClockDeadline("video_hearing.scheduled.reminder", text, "reminder", when, basis)
              for when, text in ahead),
        ),
    )  # fmt: skip


FORM = PracticeForm(
    lifecycle=VIDEO_HEARING,
    type_codes=("video_hearing",),
    clock_side=StepSide.REQUESTED,
    read_clock=_read,
    guard=guard,
)
