"""The 24/7 desk: the duty officer's queue of emergency and 24/7 requests received.

Those a duty officer has not yet taken charge of are on top, each with a clock running since
it arrived (the server writes the elapsed time; ``desk.js`` keeps it running), the facts of
the emergency and how the assistance sought relates to them, and the button that records
the acknowledgement (the requesting State is told when). Preservations have their own list
with the date they end. The queue is a fragment (``/desk/queue``) that htmx fetches again
every few seconds; without JavaScript the page has a link to refresh it.

Above the queue, who is on duty now at the point (``ui/roster.py``), and on each emergency
nobody acknowledged within its target the time it was escalated to the backups and the
supervisor, in the point's time zone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from comity.domain.catalogue import FieldSpec, RequestType
from comity.domain.deadlines import Deadline
from comity.domain.directory import VIA_24_7
from comity.domain.emergency_clock import emergency_clock
from comity.domain.errors import DomainError, NotFoundError, PermissionDeniedError
from comity.domain.values import Channel, Role, Urgency
from comity.services import escalation, exchange, inbox, node, practice, users
from comity.services.context import ServiceContext
from comity.services.requests import RequestView
from comity.web.errors import status_for
from comity.web.ui.i18n import N_
from comity.web.ui.page import FormOfficer, Officer, SignedIn, refused, render, services
from comity.web.ui.roster import on_duty, zone_of

router = APIRouter(include_in_schema=False)

# The facts of the emergency, shown first on a card, then the assistance they justify.
FACT_FIELDS = (
    "emergency_facts",
    "emergency_nexus",
    "risk",
    "imminence",
    "harm_expected_by",
    "urgency_reasons",
)
SOUGHT_FIELDS = ("assistance_sought", "measures", "data_targets", "data_to_preserve", "provider")
PRESERVATION = "preservation"


@dataclass(frozen=True)
class Card:
    """One request of the queue as the duty officer sees it."""

    view: RequestView
    waiting: bool
    emergency: bool
    title: str
    # The fields of the emergency and of the assistance sought that the request gives.
    facts: tuple[FieldSpec, ...]
    sought: tuple[FieldSpec, ...]
    # Time since arrival, and for an acknowledged request the time it took and by whom.
    elapsed: str
    took: str = ""
    acknowledged_by: str = ""
    # The time from the acknowledgement to this State's first answer ("" while none).
    answered: str = ""
    # When it was escalated (not acknowledged within its target), in the point's time zone.
    escalated_at: datetime | None = None


@dataclass(frozen=True)
class Preservation:
    """A preservation request with the date it ends (None until execution starts it)."""

    view: RequestView
    expiry: Deadline | None


def clock(seconds: float) -> str:
    """Elapsed time as hours:minutes:seconds (hours past 24 keep counting): digits read the
    same in every language, and ``desk.js`` writes the same form."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def on_desk(item: inbox.InboxItem) -> bool:
    """True for a request the 24/7 desk handles: an emergency, a 24/7 form, or one that came
    through the 24/7 network."""
    request = item.view.request
    return (
        request.urgency is Urgency.EMERGENCY
        or request.type_code in VIA_24_7
        or request.channel is Channel.NETWORK_24_7
    )


def _names(ctx: ServiceContext, officer: Officer) -> dict[str, str]:
    """Usernames of the officer's authority, to say who acknowledged a request."""
    return {
        user.id: user.username
        for user in users.list_users(ctx)
        if user.authority_id == officer.user.authority_id
    }


def given(rtype: RequestType, fields: Mapping[str, Any], names: Sequence[str]) -> list[FieldSpec]:
    """The specs of the fields ``names`` that the request gives, in the order of ``names``."""
    found = (rtype.field(name) for name in names if name in fields)
    return [spec for spec in found if spec is not None]


def _zone(ctx: ServiceContext, officer: Officer) -> ZoneInfo:
    """The time zone of the officer's point, in which the desk says when things happened."""
    for authority in node.authorities(ctx):
        if authority.id == officer.user.authority_id:
            return zone_of(authority)
    return ZoneInfo("UTC")


def queue(ctx: ServiceContext, officer: Officer, now: datetime) -> list[Card]:
    """The desk's cards: those waiting for acknowledgement first, longest waiting on top;
    then those acknowledged, most recent first."""
    items = [item for item in inbox.inbox(ctx, actor=officer.user, limit=500) if on_desk(item)]
    names = _names(ctx, officer) if any(not i.waiting_acknowledgement for i in items) else {}
    escalated = escalation.escalations(ctx, [item.view.request.id for item in items])
    zone = _zone(ctx, officer) if escalated else ZoneInfo("UTC")
    records = practice.records(
        ctx, [item.view.request.id for item in items if not item.waiting_acknowledgement]
    )
    cards: list[Card] = []
    for item in items:
        request = item.view.request
        rtype = ctx.catalogue.types.get(request.type_code)
        facts: Sequence[FieldSpec] = ()
        sought: Sequence[FieldSpec] = ()
        if rtype is not None:
            facts = given(rtype, request.fields, FACT_FIELDS)
            sought = given(rtype, request.fields, SOUGHT_FIELDS)
        took = answered = ""
        timing = emergency_clock(request, records.get(request.id))
        if timing.to_acknowledge is not None:
            took = clock(timing.to_acknowledge.total_seconds())
        if timing.to_answer is not None:
            answered = clock(timing.to_answer.total_seconds())
        cards.append(
            Card(
                view=item.view,
                waiting=item.waiting_acknowledgement,
                emergency=request.urgency is Urgency.EMERGENCY,
                title=rtype.title if rtype is not None else request.type_code,
                facts=tuple(facts),
                sought=tuple(sought),
                elapsed=clock((now - request.created_at).total_seconds()),
                took=took,
                answered=answered,
                acknowledged_by=names.get(request.acknowledged_by or "", ""),
                escalated_at=(
                    escalated[request.id].astimezone(zone) if request.id in escalated else None
                ),
            )
        )
    waiting = sorted((c for c in cards if c.waiting), key=lambda c: c.view.request.created_at)
    done = sorted(
        (c for c in cards if not c.waiting),
        key=lambda c: c.view.request.acknowledged_at or c.view.request.created_at,
        reverse=True,
    )
    return waiting + done


def preservations(cards: Sequence[Card]) -> list[Preservation]:
    """The preservation requests of the queue with their expiry, the soonest first."""
    found = [
        Preservation(card.view, next((d for d in card.view.deadlines if d.kind == "expiry"), None))
        for card in cards
        if card.view.request.type_code == PRESERVATION
    ]
    far = datetime.max.replace(tzinfo=None)

    def soonest(item: Preservation) -> tuple[int, datetime]:
        if item.expiry is None:
            return 1, far
        return 0, item.expiry.due_at.replace(tzinfo=None)

    return sorted(found, key=soonest)


def signature(cards: Sequence[Card]) -> str:
    """What changes the queue's content (not its clocks): ``desk.js`` keeps the page as it is
    while the signature of a fetched queue is the same, so focus and reading are not lost."""
    return " ".join(
        f"{c.view.request.id}:{c.view.request.status}:{int(c.waiting)}"
        f":{int(c.escalated_at is not None)}"
        for c in cards
    )


def _not_duty() -> PermissionDeniedError:
    return PermissionDeniedError("the 24/7 desk is for duty officers")


def _values(ctx: ServiceContext, officer: Officer) -> dict[str, Any]:
    now = ctx.clock.now()
    cards = queue(ctx, officer, now)
    return {
        "cards": cards,
        "preservations": preservations(cards),
        "signature": signature(cards),
        "now": now,
        "soon": now + timedelta(days=7),
    }


@router.get("/desk", response_class=HTMLResponse)
def desk(request: Request, officer: SignedIn, done: str = "") -> Response:
    """The emergency queue of the duty officer's authority, refreshed while it is open."""
    if not officer.has(Role.DUTY_OFFICER):
        return refused(request, officer, _not_duty())
    ctx = services(request)
    values = _values(ctx, officer)
    return render(
        request,
        "ui/desk.html",
        officer,
        done=done == "acknowledged",
        problem="",
        duty=on_duty(ctx, officer),
        **values,
    )


@router.get("/desk/queue", response_class=HTMLResponse)
def desk_queue(request: Request, officer: SignedIn) -> Response:
    """The queue alone, the fragment the open desk page fetches every few seconds."""
    if not officer.has(Role.DUTY_OFFICER):
        return refused(request, officer, _not_duty())
    return render(request, "ui/desk_queue.html", officer, **_values(services(request), officer))


@router.post("/desk/{request_id}/acknowledge", response_class=HTMLResponse)
def acknowledge(request: Request, request_id: str, officer: FormOfficer) -> Response:
    """Take charge of a request: the time to acknowledgement is recorded and the requesting
    State told. Acknowledged already (by a colleague a moment before, say): the desk says so."""
    if not officer.has(Role.DUTY_OFFICER):
        return refused(request, officer, _not_duty())
    ctx = services(request)
    try:
        exchange.acknowledge(ctx, actor=officer.user, request_id=request_id)
    except (NotFoundError, PermissionDeniedError) as error:
        return refused(request, officer, error)
    except DomainError as error:
        values = _values(ctx, officer)
        problem = N_("This request could not be acknowledged: %(reason)s")
        return render(
            request,
            "ui/desk.html",
            officer,
            status_for(error),
            done=False,
            problem=problem,
            reason=error.detail,
            duty=on_duty(ctx, officer),
            **values,
        )
    return RedirectResponse(f"/desk?done=acknowledged#card-{request_id}", status_code=303)
