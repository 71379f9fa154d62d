"""The life cycle of a joint investigation team (type card T15): the agreement, the shared case
space of the team while it works, its extension and its end.

A team is set up by mutual agreement for a specific purpose and a limited period, which may be
extended by mutual consent (ECMA2P 20(1) [V]; 2AP 12(1)-(2) [K]; UNTOC 19 [V]; UNCC 48 [K]).
The requesting State proposes it (the request's fields are the proposal, with its proposed
composition, ECMA2P 20(1)); the requested State agrees, proposes changes or refuses, with
reasons. The ``agree`` step records the terms as agreed: purpose, period (start and end),
leader of each State, members, the State of operation, whose law the team acts under and whose
representative leads it (ECMA2P 20(3)(a)-(b) [V]), the terms for using information and the
confidentiality terms (2AP 12(2) [K]). Both States then sign, once each; the team is active
when the second signature is recorded (``sign_agreement`` then ``countersign_agreement`` by the
other side: the table alone cannot say "once per side", so ``guard`` refuses a second signature
by the side that signed first).

While active, members communicate directly (2AP 12(3) [K]): the shared case space is a series
of steps either State records and sends to the other (notes, tasks, evidence packages); each
node rebuilds the same space from its copy of the record (``shared_space``). Every package
carries the agreement's use terms and the purpose it is shared for: information obtained by
the team may be used (a) for the team's purposes, (b) for other offences only with the prior
consent of the State where it was obtained, withheld only where use would endanger
investigations there or where assistance could be refused, (c) to prevent an immediate and
serious threat to public security, and (d) as otherwise agreed (ECMA2P 20(10) [V]; 2AP
12(6)(a)-(c) [K], which also lets the agreement settle the use). Case (b) is a request by one
side and a consent or a reasoned refusal by the other.

The period ends on the agreed end date unless both States agree to extend it: one side
proposes a new end with reasons, the other agrees (or declines); a side cannot agree to its own
proposal (``guard``). The requested State's node runs the clock (the end is the same on both
sides; one runner is enough): reminders 30 and 7 days before the end (profile
``joint_investigation_end``), and the system step ``period_ended`` at the end. Either State may
close the team with a summary, before or after the end.

The guards (second signature, own proposal, extension dates, unknown tasks and packages) are
checks of the record that the table cannot express: ``take_step`` applies them before ``take``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from comity.domain.errors import FieldIssue, InvalidFieldsError, PermissionDeniedError
from comity.domain.practice.forms import (
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
    Step,
    StepRule,
    StepSide,
    Value,
    ValueKind,
    ValueRule,
    clock_step,
    instant_value,
)
from comity.domain.values import Side

PROPOSED = "proposed"
CHANGES_PROPOSED = "changes_proposed"
REFUSED = "refused"
WITHDRAWN = "withdrawn"
AGREED = "agreed"
SIGNED_ONCE = "signed_once"
ACTIVE = "active"
EXTENSION_PROPOSED = "extension_proposed"
ENDED = "ended"
CLOSED = "closed"

#: The states in which the team works and its period runs.
WORKING = frozenset({ACTIVE, EXTENSION_PROPOSED})

#: The profile's reminder offsets read here, and their legal default (30 and 7 days).
REMINDERS = "joint_investigation_end"
DEFAULT_REMINDERS = (timedelta(days=30), timedelta(days=7))

#: The agreement's terms for using information: the cases of ECMA2P 20(10) [V] as written, those
#: of 2AP 12(6) [K] (which adds the accused's-rights exception to prior consent), or terms the
#: agreement itself sets out (ECMA2P 20(10)(d)), described in ``use_terms_detail``.
USE_TERMS = ("ecma2p_20_10", "2ap_12_6", "as_agreed")

#: What a package is shared for: the team's purpose (a), preventing an immediate and serious
#: threat to public security (c), or a use the agreement allows (d). Use for other offences (b)
#: is asked for and consented to separately, package by package.
USE_PURPOSES = ("team_purpose", "public_security", "as_agreed")

STATES = ("requesting", "requested")

_BASIS = ("ECMA2P 20(1)", "2AP 12")
_SHARED = ("ECMA2P 20(10)", "2AP 12(3)", "2AP 12(6)")

JOINT_INVESTIGATION = LifeCycle(
    code="joint_investigation",
    states=(
        PROPOSED,
        CHANGES_PROPOSED,
        REFUSED,
        WITHDRAWN,
        AGREED,
        SIGNED_ONCE,
        ACTIVE,
        EXTENSION_PROPOSED,
        ENDED,
        CLOSED,
    ),
    initial=PROPOSED,
    steps=(
        # The requested State agrees to set up the team on these terms (ECMA2P 20(1), 20(3);
        # 2AP 12(2): purpose, composition, leaders, duration, location, use, confidentiality).
        StepRule(
            "agree",
            frozenset({PROPOSED}),
            AGREED,
            StepSide.REQUESTED,
            values=(
                ValueRule("purpose"),
                ValueRule("starts_at", ValueKind.INSTANT),
                ValueRule("ends_at", ValueKind.INSTANT),
                ValueRule("leader_requesting"),
                ValueRule("leader_requested"),
                ValueRule("members"),
                ValueRule("state_of_operation"),
                ValueRule("use_terms", ValueKind.CHOICE, choices=USE_TERMS),
                ValueRule("use_terms_detail", required=False),
                ValueRule("confidentiality"),
                ValueRule("location", required=False),
                ValueRule("central_authority_cosign", ValueKind.FLAG, required=False),
            ),
            basis=("ECMA2P 20(1)", "ECMA2P 20(3)", "2AP 12(2)", "UNTOC 19", "UNCC 48"),
        ),
        # Counter-proposal: the agreement is mutual, so the requested State may ask for other
        # terms (with its reasons); the requesting State revises its proposal.
        StepRule(
            "propose_changes",
            frozenset({PROPOSED}),
            CHANGES_PROPOSED,
            StepSide.REQUESTED,
            values=(ValueRule("changes"),),
            reasoned=True,
            basis=_BASIS,
        ),
        StepRule(
            "revise_proposal",
            frozenset({CHANGES_PROPOSED}),
            PROPOSED,
            StepSide.REQUESTING,
            values=(ValueRule("changes"),),
            basis=_BASIS,
        ),
        StepRule(
            "refuse",
            frozenset({PROPOSED, CHANGES_PROPOSED}),
            REFUSED,
            StepSide.REQUESTED,
            reasoned=True,
            basis=("UNTOC 19", "UNCC 48"),
        ),
        StepRule(
            "withdraw",
            frozenset({PROPOSED, CHANGES_PROPOSED, AGREED, SIGNED_ONCE}),
            WITHDRAWN,
            StepSide.REQUESTING,
            reasoned=True,
        ),
        # Each State signs once (2AP 12(2): a central authority may have to co-sign); the team
        # exists from the second signature, which must be the other State's (``guard``).
        StepRule(
            "sign_agreement",
            frozenset({AGREED}),
            SIGNED_ONCE,
            StepSide.EITHER,
            values=(ValueRule("signatory"),),
            basis=_BASIS,
        ),
        StepRule(
            "countersign_agreement",
            frozenset({SIGNED_ONCE}),
            ACTIVE,
            StepSide.EITHER,
            values=(ValueRule("signatory"),),
            basis=_BASIS,
        ),
        # The shared case space: members communicate and share directly (2AP 12(3) [K]).
        StepRule(
            "add_note",
            WORKING,
            None,
            StepSide.EITHER,
            values=(ValueRule("text"),),
            basis=("2AP 12(3)",),
        ),
        StepRule(
            "add_task",
            WORKING,
            None,
            StepSide.EITHER,
            values=(
                ValueRule("title"),
                ValueRule("assigned_state", ValueKind.CHOICE, choices=STATES),
                ValueRule("due_at", ValueKind.INSTANT, required=False),
            ),
            basis=("ECMA2P 20(3)", "2AP 12(3)"),
        ),
        StepRule(
            "complete_task",
            WORKING,
            None,
            StepSide.EITHER,
            values=(ValueRule("task"), ValueRule("outcome", required=False)),
            basis=("2AP 12(3)",),
        ),
        # Evidence shared within the team carries the agreement's use terms (ECMA2P 20(10)).
        StepRule(
            "share_package",
            WORKING,
            None,
            StepSide.EITHER,
            values=(
                ValueRule("package_id"),
                ValueRule("description"),
                ValueRule("use_purpose", ValueKind.CHOICE, required=False, choices=USE_PURPOSES),
            ),
            basis=_SHARED,
        ),
        # Use for other offences needs the prior consent of the State where the information
        # was obtained (ECMA2P 20(10)(b); 2AP 12(6)(b)); the question may come after the end.
        StepRule(
            "request_other_use",
            WORKING | {ENDED},
            None,
            StepSide.EITHER,
            values=(ValueRule("package_id"), ValueRule("offence")),
            basis=("ECMA2P 20(10)(b)", "2AP 12(6)(b)"),
        ),
        StepRule(
            "consent_other_use",
            WORKING | {ENDED},
            None,
            StepSide.EITHER,
            values=(ValueRule("package_id"),),
            basis=("ECMA2P 20(10)(b)", "2AP 12(6)(b)"),
        ),
        # Consent may be withheld only where the use would endanger investigations in the
        # State concerned or where it could refuse assistance (ECMA2P 20(10)(b)).
        StepRule(
            "refuse_other_use",
            WORKING | {ENDED},
            None,
            StepSide.EITHER,
            values=(ValueRule("package_id"),),
            reasoned=True,
            basis=("ECMA2P 20(10)(b)",),
        ),
        # The period may be extended by mutual consent (ECMA2P 20(1); 2AP 12(2)).
        StepRule(
            "propose_extension",
            frozenset({ACTIVE}),
            EXTENSION_PROPOSED,
            StepSide.EITHER,
            values=(ValueRule("new_end_at", ValueKind.INSTANT),),
            reasoned=True,
            basis=_BASIS,
        ),
        StepRule(
            "agree_extension",
            frozenset({EXTENSION_PROPOSED}),
            ACTIVE,
            StepSide.EITHER,
            basis=_BASIS,
        ),
        StepRule(
            "decline_extension",
            frozenset({EXTENSION_PROPOSED}),
            ACTIVE,
            StepSide.EITHER,
            reasoned=True,
            basis=_BASIS,
        ),
        # The agreed period has run out without an extension: the team ends (ECMA2P 20(1)).
        StepRule(
            "period_ended",
            WORKING,
            ENDED,
            StepSide.SYSTEM,
            basis=_BASIS,
        ),
        StepRule(
            "close",
            WORKING | {ENDED},
            CLOSED,
            StepSide.EITHER,
            values=(ValueRule("summary"),),
            basis=_BASIS,
        ),
    ),
)


@dataclass(frozen=True)
class Agreement:
    """The terms of the team as the ``agree`` step recorded them."""

    purpose: str
    starts_at: datetime
    ends_at: datetime
    leaders: Mapping[str, str]
    members: tuple[str, ...]
    state_of_operation: str
    use_terms: str
    use_terms_detail: str
    confidentiality: str


@dataclass(frozen=True)
class Note:
    """A note in the shared space: who wrote it (side, actor), when, and what."""

    side: str
    actor_id: str
    at: datetime
    text: str


@dataclass(frozen=True)
class Task:
    """A task in the shared space, numbered from 1 in the order tasks were added."""

    number: int
    title: str
    assigned_state: str
    due_at: datetime | None
    added_by: str
    done_at: datetime | None = None
    outcome: str = ""

    @property
    def is_open(self) -> bool:
        """True until the task is completed."""
        return self.done_at is None


@dataclass(frozen=True)
class OtherUse:
    """A request to use a package for another offence and its answer: ``pending``,
    ``consented`` or ``refused`` (ECMA2P 20(10)(b))."""

    offence: str
    requested_by: str
    status: str = "pending"
    reason: str = ""


@dataclass(frozen=True)
class Package:
    """An evidence package shared in the team, with the terms its use is bound by."""

    package_id: str
    description: str
    shared_by: str
    at: datetime
    use_terms: str
    use_purpose: str
    other_uses: tuple[OtherUse, ...] = ()


@dataclass(frozen=True)
class SharedSpace:
    """The team's shared case space as both nodes rebuild it from the record."""

    notes: tuple[Note, ...]
    tasks: tuple[Task, ...]
    packages: tuple[Package, ...]


def agreement(record: PracticeRecord) -> Agreement | None:
    """The agreed terms, or None before the ``agree`` step."""
    agreed = record.last("agree")
    starts, ends = instant_value(agreed, "starts_at"), instant_value(agreed, "ends_at")
    if agreed is None or starts is None or ends is None:
        return None
    text = {name: str(value) for name, value in agreed.values}
    return Agreement(
        purpose=text["purpose"],
        starts_at=starts,
        ends_at=ends,
        leaders={"requesting": text["leader_requesting"], "requested": text["leader_requested"]},
        members=tuple(m.strip() for m in re.split(r"[;\n]", text["members"]) if m.strip()),
        state_of_operation=text["state_of_operation"],
        use_terms=text["use_terms"],
        use_terms_detail=text.get("use_terms_detail", ""),
        confidentiality=text["confidentiality"],
    )


def period_end(record: PracticeRecord) -> datetime | None:
    """The end of the team's period: the agreed end, or the new end of the last extension
    both States agreed to. None before the agreement."""
    terms = agreement(record)
    if terms is None:
        return None
    end = terms.ends_at
    proposal: Step | None = None
    for step in record.steps:
        if step.code == "propose_extension":
            proposal = step
        elif step.code == "agree_extension":
            end = instant_value(proposal, "new_end_at") or end
    return end


def shared_space(record: PracticeRecord) -> SharedSpace:
    """The notes, tasks (open or done) and packages (with their use terms and the requests to
    use them for other offences) that both States recorded, oldest first."""
    terms = agreement(record)
    use_terms = terms.use_terms if terms is not None else ""
    notes: list[Note] = []
    tasks: list[Task] = []
    packages: dict[str, Package] = {}
    for step in record.steps:
        text = {name: str(value) for name, value in step.values}
        if step.code == "add_note":
            notes.append(Note(str(step.side), step.actor_id, step.at, text["text"]))
        elif step.code == "add_task":
            tasks.append(
                Task(
                    len(tasks) + 1,
                    text["title"],
                    text["assigned_state"],
                    instant_value(step, "due_at"),
                    str(step.side),
                )
            )
        elif step.code == "complete_task":
            found = _task(tasks, text["task"])
            if found is not None:
                tasks[found.number - 1] = replace(
                    found, done_at=step.at, outcome=text.get("outcome", "")
                )
        elif step.code == "share_package":
            packages[text["package_id"]] = Package(
                text["package_id"],
                text["description"],
                str(step.side),
                step.at,
                use_terms,
                text.get("use_purpose", "team_purpose"),
            )
        elif step.code in _OTHER_USE and text["package_id"] in packages:
            packages[text["package_id"]] = _other_use(packages[text["package_id"]], step, text)
    return SharedSpace(tuple(notes), tuple(tasks), tuple(packages.values()))


_OTHER_USE = frozenset({"request_other_use", "consent_other_use", "refuse_other_use"})


def _other_use(package: Package, step: Step, text: Mapping[str, str]) -> Package:
    uses = list(package.other_uses)
    if step.code == "request_other_use":
        uses.append(OtherUse(text["offence"], str(step.side)))
    else:
        index = _pending(uses, str(step.side))
        if index is not None:
            status = "consented" if step.code == "consent_other_use" else "refused"
            uses[index] = OtherUse(
                uses[index].offence, uses[index].requested_by, status, text.get("reason", "")
            )
    return replace(package, other_uses=tuple(uses))


def _pending(uses: list[OtherUse], answering_side: str) -> int | None:
    """The oldest pending request the answering side may answer (one the other side made)."""
    for index, use in enumerate(uses):
        if use.status == "pending" and use.requested_by != answering_side:
            return index
    return None


def _task(tasks: list[Task], reference: str) -> Task | None:
    """The task named by its number (``"2"``) or its title (the latest of that title)."""
    ref = reference.strip()
    if ref.isdigit() and 1 <= int(ref) <= len(tasks):
        return tasks[int(ref) - 1]
    titled = [task for task in tasks if task.title.strip().casefold() == ref.casefold()]
    return titled[-1] if titled else None


def guard(
    record: PracticeRecord,
    step_code: str,
    *,
    side: StepSide | Side,
    values: Mapping[str, Value] | None = None,
) -> None:
    """Refuse what the table cannot: a second signature by the side that signed first, or an
    extension answered by the side that proposed it (``PermissionDeniedError``); an agreement
    ending before it starts, ``as_agreed`` use terms without their detail, an extension that
    does not move the end later, an unknown or finished task, and an unknown package or an
    answer without a pending request from the other side (``InvalidFieldsError``)."""
    taker = StepSide(side)
    given = dict(values or {})
    if step_code == "countersign_agreement":
        _not_the_same_side(record.last("sign_agreement"), taker, "has already signed")
    elif step_code in ("agree_extension", "decline_extension"):
        _not_the_same_side(record.last("propose_extension"), taker, "proposed this extension")
    issues = _guard_issues(record, step_code, taker, given)
    if issues:
        raise InvalidFieldsError(tuple(issues))


def _not_the_same_side(step: Step | None, taker: StepSide, what: str) -> None:
    if step is not None and step.side is taker:
        raise PermissionDeniedError(f"the {taker} side {what}: the other State must take this step")


def _guard_issues(
    record: PracticeRecord, step_code: str, taker: StepSide, given: Mapping[str, Value]
) -> list[FieldIssue]:
    text = {name: str(value) for name, value in given.items()}
    if step_code == "agree":
        return _agreement_issues(text)
    if step_code == "propose_extension":
        end, new_end = period_end(record), _parse(text.get("new_end_at", ""))
        if end is not None and new_end is not None and new_end <= end:
            return [_issue("new_end_at", f"a date after the current end {end.isoformat()}")]
        return []
    space = shared_space(record)
    if step_code == "complete_task":
        found = _task(list(space.tasks), text.get("task", ""))
        if found is None or not found.is_open:
            return [_issue("task", "the number or title of an open task")]
        return []
    if step_code in _OTHER_USE:
        package = next((p for p in space.packages if p.package_id == text.get("package_id")), None)
        if package is None:
            return [_issue("package_id", "a package shared in the team")]
        if step_code != "request_other_use" and _pending(list(package.other_uses), taker) is None:
            return [_issue("package_id", "a package the other State asked to use")]
    return []


def _agreement_issues(text: Mapping[str, str]) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    starts, ends = _parse(text.get("starts_at", "")), _parse(text.get("ends_at", ""))
    if starts is not None and ends is not None and ends <= starts:
        issues.append(_issue("ends_at", "an end after the start"))
    if text.get("use_terms") == "as_agreed" and not text.get("use_terms_detail", "").strip():
        issues.append(_issue("use_terms_detail", "the use terms the agreement sets out"))
    return issues


def _issue(name: str, expected: str) -> FieldIssue:
    return FieldIssue(f"values.{name}", "invalid", expected)


def _parse(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.utcoffset() is not None else None


def reminders(record: PracticeRecord, offsets: tuple[timedelta, ...]) -> list[tuple[datetime, str]]:
    """The reminders before the period ends (30 and 7 days by default), earliest first, while
    the team works."""
    end = period_end(record)
    if record.state not in WORKING or end is None:
        return []
    return reminders_before(
        end,
        offsets,
        lambda before: (
            f"The joint investigation team's period ends in {days_text(before)} "
            f"on {end.isoformat()}"
        ),
    )


def due_steps(record: PracticeRecord, *, now: datetime) -> list[Step]:
    """``period_ended``, dated at the end, once the period has run out while the team works
    (an extension proposed but not agreed does not stop it)."""
    end = period_end(record)
    if record.state not in WORKING or end is None or now < end:
        return []
    after = clock_step(record, JOINT_INVESTIGATION, "period_ended", at=end)
    return [after.steps[-1]]


def _due(record: PracticeRecord, facts: ClockFacts) -> list[Step]:
    return due_steps(record, now=facts.now)


def _read(record: PracticeRecord, facts: ClockFacts) -> ClockReading:
    end = period_end(record)
    if record.state not in WORKING or end is None:
        return ClockReading()
    ahead = reminders(record, facts.reminders.get(REMINDERS, DEFAULT_REMINDERS))
    return ClockReading(
        ends_at=end,
        reminders=tuple((at, text) for at, text in ahead if at >= facts.now),
        deadlines=(
            ClockDeadline("joint_investigation.end", "The joint investigation team's period ends",
                          "deadline", end, _BASIS),
            *(ClockDeadline("joint_investigation.end.reminder", text, "reminder", at, _BASIS)
              for at, text in ahead),
        ),
    )  # fmt: skip


FORM = PracticeForm(
    lifecycle=JOINT_INVESTIGATION,
    type_codes=("joint_investigation",),
    clock_side=StepSide.REQUESTED,
    due_steps=_due,
    read_clock=_read,
    guard=guard,
)
