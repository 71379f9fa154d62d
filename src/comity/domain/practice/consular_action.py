"""The life cycle of a consular action (type card T17, consular route): the requesting State's
own consulate in the requested (host) State serves documents on, or questions, one of the
requesting State's own nationals, with the host State informed where the profile requires.

Consular functions include "transmitting judicial and extrajudicial documents or executing
letters rogatory or commissions to take evidence … in any other manner compatible with the
laws and regulations of the receiving State" (VCCR 5(j) [K]). The statement wants States to
be able to serve documents on their own citizens through their missions and consulates and to
question them there, including by video, on behalf of their competent authorities (seed Q23);
legal.md §1.2 T17 has the engine allow the consular route only if the addressee's nationality
is the requesting State's and the national's voluntary participation is recorded. The UN
convention has no such article (legal.md §7 D23, profile ``consular_route``).

So here the *requesting* State acts, and the requested State is the host. The requesting
State's officer opens the action, recording the national's nationality, its own State's code
and whether its profile requires the host State to be informed first
(``host_notice_required``). The step table cannot compare two values nor read a profile flag
(``ClockFacts`` carries durations and reminders only), so the requesting State's clock does,
at once, as system steps that move the record: a national of another State is refused
(``refuse_non_national``, final: the consulate acts only towards its own nationals); where
notice is required the record waits for ``notify_host`` (``require_notice``), and otherwise the
action is cleared (``clear``), the requesting State still free to inform the host State. A
notified host State acknowledges or objects with reasons (an objection ends the action: it
must be compatible with the host State's law). Then the national's voluntary participation is
recorded (or the national declines, which ends it: no compulsion on the host's territory), the
documents are served (when, and the proof of service) or the interview held (when, and the
SHA-256 digest of its record), and the requesting State reports the outcome.

The ``service_documents`` type (T17 through the requested State's own authorities, or by post)
is not run by this life cycle: there the requested State serves, so its steps and sides differ.
"""

from __future__ import annotations

from comity.domain.practice.forms import ClockFacts, PracticeForm
from comity.domain.practice.lifecycle import (
    LifeCycle,
    PracticeRecord,
    Step,
    StepRule,
    StepSide,
    ValueKind,
    ValueRule,
    clock_step,
)

REQUESTED = "requested"
OPENED = "opened"
NOTICE_DUE = "notice_due"
CLEARED = "cleared"
HOST_NOTIFIED = "host_notified"
ACKNOWLEDGED = "acknowledged"
CONSENTED = "consented"
ACTED = "acted"
COMPLETED = "completed"
OBJECTED = "objected"
DECLINED = "declined"
REFUSED = "refused"
WITHDRAWN = "withdrawn"

#: The ways the national may be questioned (the catalogue's ``question_*`` actions).
INTERVIEW_MODES = ("in_person", "video", "telephone")

_BEFORE_ACTION = frozenset(
    {REQUESTED, OPENED, NOTICE_DUE, CLEARED, HOST_NOTIFIED, ACKNOWLEDGED, CONSENTED}
)
_Q23 = ("Statement Q23", "VCCR 5(j)")

CONSULAR_ACTION = LifeCycle(
    code="consular_action",
    states=(
        REQUESTED,
        OPENED,
        NOTICE_DUE,
        CLEARED,
        HOST_NOTIFIED,
        ACKNOWLEDGED,
        CONSENTED,
        ACTED,
        COMPLETED,
        OBJECTED,
        DECLINED,
        REFUSED,
        WITHDRAWN,
    ),
    initial=REQUESTED,
    steps=(
        # The requesting State's consulate prepares the action (Q23; legal.md §1.2 T17).
        StepRule(
            "open",
            frozenset({REQUESTED}),
            OPENED,
            StepSide.REQUESTING,
            values=(
                ValueRule("addressee_nationality"),
                ValueRule("requesting_state"),
                ValueRule("host_notice_required", ValueKind.FLAG),
            ),
            basis=_Q23,
        ),
        # Own nationals only (Q23; legal.md §1.2 T17: nationality == requesting State).
        StepRule(
            "refuse_non_national",
            frozenset({OPENED}),
            REFUSED,
            StepSide.SYSTEM,
            basis=_Q23,
        ),
        StepRule("require_notice", frozenset({OPENED}), NOTICE_DUE, StepSide.SYSTEM, basis=_Q23),
        StepRule("clear", frozenset({OPENED}), CLEARED, StepSide.SYSTEM, basis=_Q23),
        # The host State informed (required when the profile says so; a courtesy otherwise).
        StepRule(
            "notify_host",
            frozenset({NOTICE_DUE, CLEARED}),
            HOST_NOTIFIED,
            StepSide.REQUESTING,
            values=(
                ValueRule("notice_ref"),
                ValueRule("scheduled_at", ValueKind.INSTANT, required=False),
            ),
            basis=("VCCR 5(j)", "Statement Q23"),
        ),
        StepRule(
            "acknowledge",
            frozenset({HOST_NOTIFIED}),
            ACKNOWLEDGED,
            StepSide.REQUESTED,
            values=(ValueRule("notes", required=False),),
            basis=("VCCR 5(j)",),
        ),
        # Not compatible with the host State's law (VCCR 5(j)).
        StepRule(
            "object",
            frozenset({HOST_NOTIFIED}),
            OBJECTED,
            StepSide.REQUESTED,
            reasoned=True,
            basis=("VCCR 5(j)",),
        ),
        # The national takes part voluntarily (Q23; catalogue safeguard ``voluntary_only``).
        StepRule(
            "record_voluntary_participation",
            frozenset({CLEARED, ACKNOWLEDGED}),
            CONSENTED,
            StepSide.REQUESTING,
            values=(
                ValueRule("consented_at", ValueKind.INSTANT),
                ValueRule("consent_ref", required=False),
            ),
            basis=_Q23,
        ),
        StepRule(
            "decline_participation",
            frozenset({CLEARED, ACKNOWLEDGED}),
            DECLINED,
            StepSide.REQUESTING,
            reasoned=True,
            basis=_Q23,
        ),
        StepRule(
            "serve",
            frozenset({CONSENTED, ACTED}),
            ACTED,
            StepSide.REQUESTING,
            values=(
                ValueRule("served_at", ValueKind.INSTANT),
                ValueRule("proof_of_service_ref"),
            ),
            basis=("VCCR 5(j)", "Statement Q23"),
        ),
        StepRule(
            "interview",
            frozenset({CONSENTED, ACTED}),
            ACTED,
            StepSide.REQUESTING,
            values=(
                ValueRule("held_at", ValueKind.INSTANT),
                ValueRule("record_sha256"),
                ValueRule("mode", ValueKind.CHOICE, required=False, choices=INTERVIEW_MODES),
            ),
            basis=("VCCR 5(j)", "Statement Q23"),
        ),
        StepRule(
            "report",
            frozenset({ACTED}),
            COMPLETED,
            StepSide.REQUESTING,
            values=(ValueRule("report"),),
            basis=_Q23,
        ),
        StepRule(
            "withdraw",
            _BEFORE_ACTION,
            WITHDRAWN,
            StepSide.REQUESTING,
            reasoned=True,
        ),
    ),
)


def is_own_national(record: PracticeRecord) -> bool | None:
    """Whether the addressee recorded by ``open`` is a national of the requesting State
    (codes compared without case or surrounding blanks); None before ``open``."""
    opened = record.last("open")
    if opened is None:
        return None
    nationality = str(opened.value("addressee_nationality")).strip().upper()
    return nationality == str(opened.value("requesting_state")).strip().upper()


def host_notice_required(record: PracticeRecord) -> bool | None:
    """Whether the profile requires the host State to be informed first, as ``open``
    recorded it; None before ``open``."""
    opened = record.last("open")
    return None if opened is None else opened.value("host_notice_required") is True


def due_steps(record: PracticeRecord) -> list[Step]:
    """The system step that routes an opened action, dated with the ``open`` step: refused
    for a non-national, waiting for the host's notice where it is required, cleared
    otherwise."""
    if record.state != OPENED:
        return []
    if not is_own_national(record):
        code = "refuse_non_national"
    elif host_notice_required(record):
        code = "require_notice"
    else:
        code = "clear"
    after = clock_step(record, CONSULAR_ACTION, code, at=record.steps[-1].at)
    return [after.steps[-1]]


def _due(record: PracticeRecord, _facts: ClockFacts) -> list[Step]:
    return due_steps(record)


FORM = PracticeForm(
    lifecycle=CONSULAR_ACTION,
    type_codes=("consular_action",),
    clock_side=StepSide.REQUESTING,
    due_steps=_due,
)
