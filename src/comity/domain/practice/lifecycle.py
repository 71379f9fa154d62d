"""A small, data-driven step machine that every practice life cycle is written in.

A life cycle (preservation, provisional arrest, and later extradition, transfers, joint
investigations, hearings, asset return) is a table: its states, the state a record starts in,
and its steps. Each step says from which states it may be taken, the state it leads to (or
none, for a step that only records something), which side takes it (the requesting State, the
requested State, or the system when a clock runs out) and the values it must record.

``take`` is the only way a record moves: it refuses a step the table does not allow from the
current state, a step taken by the wrong side, missing or malformed values and a step dated
before the last one, and returns a new record without touching the old one. Each taken step is
a plain value (code, side, actor, instant, values) that ``Step.to_dict`` turns into JSON, since
steps travel between the nodes as signed messages and are written to the audit log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from comity.domain.errors import (
    CatalogueError,
    FieldIssue,
    IllegalTransitionError,
    InvalidFieldsError,
    PermissionDeniedError,
    ReasonRequiredError,
)
from comity.domain.values import Side

#: A recorded value: JSON text, a whole number or a yes/no (instants are ISO 8601 text).
Value = str | int | bool

#: The actor id of steps the system takes when a clock runs out.
SYSTEM_ACTOR = "system"


class StepSide(StrEnum):
    """Who takes a step: one of the two States, or the system when a clock runs out. The
    values of the two States are those of ``Side``, so a request's side can be passed as is.

    ``EITHER`` appears only in a table: a step either State may take (a note in a joint
    investigation's shared space, a signature on the record of a hearing). A step taken is
    always recorded with the side that actually took it.
    """

    REQUESTING = "requesting"
    REQUESTED = "requested"
    SYSTEM = "system"
    EITHER = "either"


class ValueKind(StrEnum):
    """What a recorded value must be."""

    TEXT = "text"
    # An ISO 8601 date and time with its offset, such as 2025-03-01T09:30:00+00:00.
    INSTANT = "instant"
    # One of the rule's ``choices``.
    CHOICE = "choice"
    # A whole number, zero or more.
    COUNT = "count"
    FLAG = "flag"


@dataclass(frozen=True)
class ValueRule:
    """One value a step records: its name, its kind, and whether the step needs it."""

    name: str
    kind: ValueKind = ValueKind.TEXT
    required: bool = True
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class StepRule:
    """One step of a life cycle.

    ``target`` None means the step records something without changing the state. A
    ``reasoned`` step needs a non-blank ``reason`` value, as refusals and withdrawals do in the
    request workflow.
    """

    code: str
    sources: frozenset[str]
    target: str | None
    side: StepSide
    values: tuple[ValueRule, ...] = ()
    reasoned: bool = False
    basis: tuple[str, ...] = ()


@dataclass(frozen=True)
class LifeCycle:
    """A life cycle: its code, states, initial state and steps. A state no step leaves is
    final. A table that names a state it does not declare, or two steps of one code, is a
    ``CatalogueError`` as soon as it is built."""

    code: str
    states: tuple[str, ...]
    initial: str
    steps: tuple[StepRule, ...]

    def __post_init__(self) -> None:
        known = set(self.states)
        codes = [rule.code for rule in self.steps]
        problems = [] if self.initial in known else [f"initial state {self.initial!r}"]
        for rule in self.steps:
            ends = rule.sources | ({rule.target} if rule.target is not None else set())
            problems.extend(f"state {name!r} of step {rule.code!r}" for name in ends - known)
        problems.extend(
            f"step {code!r} twice" for code in sorted(set(codes)) if codes.count(code) > 1
        )
        if problems:
            raise CatalogueError(f"life cycle {self.code!r}: " + "; ".join(problems))

    def rule(self, step_code: str) -> StepRule:
        """The step ``step_code``; ``IllegalTransitionError`` if the life cycle has none."""
        for rule in self.steps:
            if rule.code == step_code:
                return rule
        raise IllegalTransitionError(f"the {self.code} life cycle has no step {step_code!r}")

    def available(self, state: str) -> tuple[StepRule, ...]:
        """The steps that may be taken from ``state``, in table order."""
        return tuple(rule for rule in self.steps if state in rule.sources)

    def is_final(self, state: str) -> bool:
        """True if no step leaves ``state``."""
        return not self.available(state)


@dataclass(frozen=True)
class Step:
    """One step taken: what, by which side, by whom, when (aware, in UTC), with what values.

    ``values`` are name/value pairs sorted by name, so that a step is hashable and its JSON
    form does not depend on the order the values were given in.
    """

    code: str
    side: StepSide
    actor_id: str
    at: datetime
    values: tuple[tuple[str, Value], ...] = ()

    def value(self, name: str) -> Value | None:
        """The value recorded under ``name``, or None."""
        return dict(self.values).get(name)

    def to_dict(self) -> dict[str, Any]:
        """The step as JSON-ready data (the instant in ISO 8601, UTC)."""
        return {
            "code": self.code,
            "side": str(self.side),
            "actor_id": self.actor_id,
            "at": self.at.isoformat(),
            "values": dict(self.values),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Step:
        """The step ``to_dict`` wrote; ``InvalidFieldsError`` for anything else."""
        try:
            at = _instant(data["at"])
            values = data["values"]
            if (
                at is None
                or not isinstance(values, Mapping)
                or not all(isinstance(v, Value) for v in values.values())
            ):
                raise ValueError("not a step")
            side = StepSide(data["side"])
            pairs = tuple(sorted(values.items()))
            return cls(str(data["code"]), side, str(data["actor_id"]), at, pairs)
        except (KeyError, ValueError, TypeError):
            raise InvalidFieldsError((FieldIssue("step", "invalid", "not a step"),)) from None


@dataclass(frozen=True)
class PracticeRecord:
    """Where one case stands in one life cycle: the cycle's code, the current state and every
    step taken, oldest first."""

    lifecycle: str
    state: str
    steps: tuple[Step, ...] = field(default=())

    def last(self, *codes: str) -> Step | None:
        """The latest step of one of ``codes`` (of any code if none is given), or None."""
        for step in reversed(self.steps):
            if not codes or step.code in codes:
                return step
        return None

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data."""
        return {
            "lifecycle": self.lifecycle,
            "state": self.state,
            "steps": [step.to_dict() for step in self.steps],
        }


def begin(lifecycle: LifeCycle) -> PracticeRecord:
    """A new record in the life cycle's initial state, with no step taken."""
    return PracticeRecord(lifecycle=lifecycle.code, state=lifecycle.initial)


def take(
    record: PracticeRecord,
    lifecycle: LifeCycle,
    step_code: str,
    *,
    side: StepSide | Side,
    actor_id: str,
    at: datetime,
    values: Mapping[str, Value] | None = None,
) -> PracticeRecord:
    """``record`` after the step ``step_code``, taken by ``side`` (actor ``actor_id``) at
    ``at``, recording ``values``. ``record`` itself is left as it was.

    Raises ``IllegalTransitionError`` for a record of another life cycle or a step the table
    does not allow from the current state (the message names both), ``PermissionDeniedError``
    when another side takes the step, ``ReasonRequiredError`` for a reasoned step without
    reasons, and ``InvalidFieldsError`` (every issue at once) for a naive or earlier instant, a
    blank actor, and missing, unknown or malformed values.
    """
    if record.lifecycle != lifecycle.code:
        raise IllegalTransitionError(
            f"a {record.lifecycle} record cannot take steps of the {lifecycle.code} life cycle"
        )
    rule = lifecycle.rule(step_code)
    if record.state not in rule.sources:
        raise IllegalTransitionError(
            f"the {lifecycle.code} step {step_code!r} cannot be taken in state {record.state!r}"
        )
    taker = StepSide(side)
    if taker is StepSide.EITHER:
        raise PermissionDeniedError("a step is taken by one side, not by either")
    if taker is not rule.side and not (
        rule.side is StepSide.EITHER and taker is not StepSide.SYSTEM
    ):
        raise PermissionDeniedError(
            f"the {lifecycle.code} step {step_code!r} is taken by the {rule.side} side, "
            f"not the {taker} side"
        )
    given = dict(values or {})
    if rule.reasoned and not _text(given.get("reason")):
        raise ReasonRequiredError(f"the {lifecycle.code} step {step_code!r} needs written reasons")
    issues = _issues(rule, given)
    if at.tzinfo is None or at.utcoffset() is None:
        issues.insert(0, FieldIssue("at", "invalid", "an aware date and time (with its offset)"))
    else:
        previous = record.last()
        if previous is not None and at < previous.at:
            issues.insert(0, FieldIssue("at", "invalid", "a step cannot precede the last one"))
    if not actor_id.strip():
        issues.append(FieldIssue("actor_id", "missing", "who takes the step"))
    if issues:
        raise InvalidFieldsError(tuple(issues))
    step = Step(step_code, taker, actor_id, at.astimezone(UTC), tuple(sorted(given.items())))
    state = rule.target if rule.target is not None else record.state
    return PracticeRecord(record.lifecycle, state, (*record.steps, step))


def clock_step(
    record: PracticeRecord,
    lifecycle: LifeCycle,
    step_code: str,
    *,
    at: datetime,
    values: Mapping[str, Value] | None = None,
) -> PracticeRecord:
    """``record`` after the clock's step ``step_code``, dated ``at`` — or at the last step,
    if one was recorded after ``at`` (a late pass of the clock keeps the record's order)."""
    if record.steps:
        at = max(at, record.steps[-1].at)
    return take(
        record, lifecycle, step_code, side=StepSide.SYSTEM, actor_id=SYSTEM_ACTOR, at=at,
        values=values,
    )  # fmt: skip


def instant_value(step: Step | None, name: str) -> datetime | None:
    """The instant recorded under ``name`` in ``step`` (validated when it was taken), or None."""
    return None if step is None else _instant(step.value(name))


def _issues(rule: StepRule, given: Mapping[str, Value]) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    known = {value.name: value for value in rule.values}
    if rule.reasoned:
        known.setdefault("reason", ValueRule("reason"))
    for name in sorted(set(given) - set(known)):
        issues.append(
            FieldIssue(f"values.{name}", "unknown", f"step {rule.code!r} records no such value")
        )
    for spec in known.values():
        value = given.get(spec.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if spec.required:
                issues.append(FieldIssue(f"values.{spec.name}", "missing", "required by the step"))
        elif not _fits(spec, value):
            issues.append(FieldIssue(f"values.{spec.name}", "invalid", _expected(spec)))
    return issues


def _fits(spec: ValueRule, value: Value) -> bool:
    if spec.kind is ValueKind.FLAG:
        return isinstance(value, bool)
    if spec.kind is ValueKind.COUNT:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if not isinstance(value, str):
        return False
    if spec.kind is ValueKind.INSTANT:
        return _instant(value) is not None
    if spec.kind is ValueKind.CHOICE:
        return value in spec.choices
    return True


def _expected(spec: ValueRule) -> str:
    return {
        ValueKind.TEXT: "text",
        ValueKind.INSTANT: "an ISO 8601 date and time with its offset",
        ValueKind.CHOICE: "one of " + ", ".join(spec.choices),
        ValueKind.COUNT: "a whole number, zero or more",
        ValueKind.FLAG: "true or false",
    }[spec.kind]


def _text(value: Value | None) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.utcoffset() is not None else None
