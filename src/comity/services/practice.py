"""Running each form of cooperation's practice life cycle on a request (issue 8, decision
0009): officers take steps, the clock takes the steps that fall due, and every step is stored,
audited and sent to the other State, which applies it to its copy.

The shared workflow (sent, decided, executed…) stays the spine; the practice record says where
the case stands in its own steps: a preservation ordered, confirmed, extended, held by a
follow-up, released; a provisional arrest made, its 18-day alarm, its 40-day release.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from comity.domain.access import Action, User
from comity.domain.delivery import MessageType
from comity.domain.errors import IllegalTransitionError, NotFoundError
from comity.domain.events import PracticeStepTaken
from comity.domain.messages import PracticeBody
from comity.domain.practice.forms import ClockFacts, ClockReading
from comity.domain.practice.lifecycle import (
    SYSTEM_ACTOR,
    LifeCycle,
    PracticeRecord,
    Step,
    StepRule,
    StepSide,
    Value,
    begin,
    take,
)
from comity.domain.practice.registry import (
    BY_LIFECYCLE,
    CLOCK_SIDE,
    LIFE_CYCLES,
    due_steps,
    lifecycle_for,
    read_clock,
)
from comity.domain.requests import CooperationRequest
from comity.domain.values import Side
from comity.domain.workflow import Status, is_open
from comity.services.context import ServiceContext
from comity.services.outgoing import queue
from comity.services.ports import RequestQuery, UnitOfWork
from comity.services.requests import load, persist

# Records looked at per pass of the clock.
SWEEP_BATCH = 200
# The field by which a follow-up names the preservation it follows (domain.links).
FOLLOW_UP_FIELDS = ("preservation_ref", "parent_preservation_ref")


@dataclass(frozen=True)
class PracticeView:
    """A request's practice: its record, what this side may do next, and its clock."""

    request: CooperationRequest
    lifecycle: LifeCycle
    record: PracticeRecord
    available: tuple[StepRule, ...]
    clock: ClockReading


def view(ctx: ServiceContext, *, actor: User, request_id: str) -> PracticeView:
    """The request's practice as the actor's side sees it."""
    with ctx.uow() as uow:
        request = load(uow, actor, request_id, Action.VIEW)
        lifecycle = _lifecycle(request)
        record = uow.practice.get(request.id) or begin(lifecycle)
        return _view(ctx, request, lifecycle, record)


def records(ctx: ServiceContext, request_ids: Sequence[str]) -> dict[str, PracticeRecord]:
    """The practice records of requests the caller has already read with permission (the
    desk's cards, a request's view), by request id; requests without one are left out."""
    with ctx.uow() as uow:
        found = {request_id: uow.practice.get(request_id) for request_id in request_ids}
    return {request_id: record for request_id, record in found.items() if record is not None}


def take_step(
    ctx: ServiceContext,
    *,
    actor: User,
    request_id: str,
    step_code: str,
    values: Mapping[str, Value] | None = None,
) -> PracticeView:
    """Take a step of the request's practice life cycle on this State's side; it is stored,
    audited and sent to the other State in one commit."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        probe = uow.requests.get(request_id)
        action = (
            Action.PROCESS
            if probe is not None and probe.side is Side.REQUESTED
            else Action.FOLLOW_UP
        )
        request = load(uow, actor, request_id, action)
        lifecycle = _lifecycle(request)
        record = uow.practice.get(request.id) or begin(lifecycle)
        record = BY_LIFECYCLE[lifecycle.code].take(
            record,
            step_code,
            side=StepSide(str(request.side)),
            actor_id=actor.id,
            at=now,
            values=values,
        )
        taken = record.steps[-1]
        record, due = _clock_steps(ctx, uow, request, record, now)
        _keep(ctx, uow, request, lifecycle, record, (taken, *due), now)
        uow.commit()
        return _view(ctx, request, lifecycle, record)


def apply_remote(
    ctx: ServiceContext,
    uow: UnitOfWork,
    request: CooperationRequest,
    body: PracticeBody,
    sender_state: str,
) -> None:
    """Apply a step the other State took (or its clock took) to this node's copy."""
    lifecycle = _lifecycle(request)
    if body.lifecycle != lifecycle.code:
        raise IllegalTransitionError(
            f"a {body.lifecycle} step does not apply to a {lifecycle.code} request"
        )
    step = Step.from_dict(body.step)
    other = Side.REQUESTED if request.side is Side.REQUESTING else Side.REQUESTING
    if step.side not in (StepSide(str(other)), StepSide.SYSTEM):
        raise IllegalTransitionError(f"{sender_state} cannot take a step of this State's side")
    if step.side is StepSide.SYSTEM and CLOCK_SIDE.get(lifecycle.code) != StepSide(str(other)):
        raise IllegalTransitionError(f"{sender_state} does not run this life cycle's clock")
    record = uow.practice.get(request.id) or begin(lifecycle)
    # The other State's node checked the step before sending it; this node checks it again,
    # with the same table and guard, since a step that breaks them must not enter its copy.
    record = BY_LIFECYCLE[lifecycle.code].take(
        record,
        step.code,
        side=step.side,
        actor_id=f"state:{sender_state}",
        at=step.at,
        values=dict(step.values),
    )
    now = ctx.clock.now()
    record, due = _clock_steps(ctx, uow, request, record, now)
    _keep(ctx, uow, request, lifecycle, record, due, now)


def sweep(ctx: ServiceContext) -> int:
    """Take every clock-driven step that is due on the records whose clock this node runs
    (a preservation's expiry, hold and release; a provisional arrest's release); how many."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        candidates = uow.practice.open_records(sorted(LIFE_CYCLES), SWEEP_BATCH)
    return sum(_advance(ctx, request_id, now) for request_id in candidates)


def _advance(ctx: ServiceContext, request_id: str, now: datetime) -> int:
    with ctx.uow() as uow:
        request = uow.requests.get(request_id)
        record = uow.practice.get(request_id)
        if request is None or record is None:
            return 0
        record, steps = _clock_steps(ctx, uow, request, record, now)
        if not steps:
            return 0
        _keep(ctx, uow, request, LIFE_CYCLES[record.lifecycle], record, steps, now)
        uow.commit()
        return len(steps)


def _clock_steps(
    ctx: ServiceContext,
    uow: UnitOfWork,
    request: CooperationRequest,
    record: PracticeRecord,
    now: datetime,
) -> tuple[PracticeRecord, tuple[Step, ...]]:
    """The record after the clock-driven steps due at ``now``, and those steps, if this node
    runs the life cycle's clock (none otherwise). Called by the sweep, and right after every
    step taken or received, so that a step that makes another due (a consent that opens the
    agreement, a follow-up that holds a preservation) is followed by it in the same commit
    rather than at the next pass of the clock."""
    lifecycle = LIFE_CYCLES[record.lifecycle]
    if CLOCK_SIDE.get(lifecycle.code) != StepSide(str(request.side)):
        return record, ()
    pending, done = _follow_up(uow, request)
    profile = ctx.catalogue.profile(request.profile)
    facts = ClockFacts(
        now=now,
        durations=profile.durations,
        reminders=profile.reminders,
        follow_up_pending=pending,
        follow_up_done=done,
    )
    steps = tuple(due_steps(record, facts))
    for step in steps:
        record = take(
            record,
            lifecycle,
            step.code,
            side=StepSide.SYSTEM,
            actor_id=SYSTEM_ACTOR,
            at=step.at,
            values=dict(step.values),
        )
    return record, steps


def _follow_up(uow: UnitOfWork, request: CooperationRequest) -> tuple[bool, bool]:
    """Whether a request received here names this preservation as the one it follows, and is
    still open (pending) or was executed (done)."""
    pending = done = False
    for authority in uow.authorities.list():
        query = RequestQuery(
            authority_id=authority.id, side=Side.REQUESTED, text=request.reference, limit=20
        )
        for other in uow.requests.find(query):
            named = {str(other.fields.get(name, "")).strip() for name in FOLLOW_UP_FIELDS}
            if other.id == request.id or request.reference not in named:
                continue
            if other.status is Status.EXECUTED or other.status is Status.CLOSED:
                done = True
            elif is_open(other.status):
                pending = True
    return pending, done


def _keep(
    ctx: ServiceContext,
    uow: UnitOfWork,
    request: CooperationRequest,
    lifecycle: LifeCycle,
    record: PracticeRecord,
    to_send: tuple[Step, ...],
    now: datetime,
) -> None:
    """Store the record, audit its new steps, and send ``to_send`` to the other State."""
    stored = uow.practice.get(request.id)
    known = len(stored.steps) if stored is not None else 0
    uow.practice.save(request.id, record, final=lifecycle.is_final(record.state), at=now)
    # The record's clock sets deadlines of its own (expiry, limit): refreshed with the step.
    persist(ctx, uow, request, ctx.catalogue.type(request.type_code))
    for step in record.steps[known:]:
        uow.record(
            PracticeStepTaken(
                step.actor_id,
                now,
                request.id,
                lifecycle.code,
                step.code,
                str(step.side),
                record.state,
                request_id=request.id,
            )
        )
    if request.is_exchanged and request.exchange_id is not None and ctx.federation is not None:
        for step in to_send:
            queue(
                ctx,
                uow,
                request=request,
                message_type=MessageType.REQUEST_PRACTICE,
                body=PracticeBody(request.exchange_id, lifecycle.code, step.to_dict()),
                now=now,
            )


def _lifecycle(request: CooperationRequest) -> LifeCycle:
    lifecycle = lifecycle_for(request.type_code)
    if lifecycle is None:
        raise NotFoundError(f"a {request.type_code} request has no practice life cycle")
    return lifecycle


def _view(
    ctx: ServiceContext,
    request: CooperationRequest,
    lifecycle: LifeCycle,
    record: PracticeRecord,
) -> PracticeView:
    profile = ctx.catalogue.profile(request.profile)
    side = StepSide(str(request.side))
    return PracticeView(
        request=request,
        lifecycle=lifecycle,
        record=record,
        available=tuple(
            rule
            for rule in lifecycle.available(record.state)
            if rule.side in (side, StepSide.EITHER)
        ),
        clock=read_clock(
            record,
            ClockFacts(
                now=ctx.clock.now(), durations=profile.durations, reminders=profile.reminders
            ),
        ),
    )
