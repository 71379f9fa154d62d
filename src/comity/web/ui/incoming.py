"""Officers' pages of the requested State and the requesting State's answers.

The requested State's executors (and its duty officers, whose authority receives the 24/7
forms) see the inbox of their authority and work each received request on its own page:
register, assess against a checklist of the grounds for refusal pre-assessed by the legal
engine, ask for more information, decide, execute. The requesting State's drafters and
approvers answer a request for information, accept proposed conditions, withdraw or close
(``ui/answer_actions.html`` is the fragment the request page includes for that).

Every step is one service call; the page only reads the form, checks what the services cannot
know (a date typed in a form, the rows of a partial decision, the checklist), and shows the
service's refusal next to the field it concerns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from comity.domain.commands import MoveRequest
from comity.domain.errors import (
    DomainError,
    InvalidDecisionError,
    NotFoundError,
    PermissionDeniedError,
    ReasonRequiredError,
)
from comity.domain.legal.case import RequestedSideFacts
from comity.domain.legal.findings import Finding, Severity
from comity.domain.legal.grounds import GroundKind
from comity.domain.legal.refusal import refusal_grounds
from comity.domain.requests import CooperationRequest
from comity.domain.values import Role, Side, Urgency
from comity.domain.workflow import REQUESTED, Status, allowed_next, is_open
from comity.services import assessments, data_protection, exchange, inbox, requests
from comity.services.context import ServiceContext
from comity.services.requests import RequestView
from comity.web.errors import FORM_INVALID, status_for
from comity.web.ui.i18n import N_
from comity.web.ui.page import FormOfficer, Officer, SignedIn, refused, render, services

router = APIRouter(include_in_schema=False)

# The longest text a step carries (the API's limit on reasons) and the longest answers.
MAX_TEXT = 5000
MAX_ANSWERS = 20000
# How many items a partial acceptance can list on the page without JavaScript.
ITEM_ROWS = 4
ITEM_DECISIONS = ("granted", "granted_with_conditions", "postponed", "refused")

# The decisions of a requested State, in the order the page offers them.
DECISIONS = (
    Status.ACCEPTED,
    Status.ACCEPTED_IN_PART,
    Status.POSTPONED,
    Status.CONDITIONS_PROPOSED,
    Status.REFUSED,
)
# Steps the requested side's table allows but that the page does not offer: they mirror the
# requesting State's own steps (its withdrawal, its answers) or a timer's expiry.
_NOT_OFFERED = frozenset({Status.WITHDRAWN, Status.EXPIRED, Status.INFO_SUPPLIED})

# Which field of the decision form a finding of the refusal check concerns.
_FINDING_FIELDS: Mapping[str, str] = {
    "REFUSAL_GROUND_NOT_AVAILABLE": "grounds",
    "FISCAL_NOT_A_GROUND": "grounds",
    "BANK_SECRECY_NOT_A_GROUND": "grounds",
    "POLITICAL_OFFENCE_EXCLUDED": "grounds",
    "REASONS_REQUIRED": "reasons",
    "CONSULTATION_REQUIRED_BEFORE_REFUSAL": "consultation",
}

# Done-messages of the requesting side's answers (the key is the ``done`` query value).
ANSWER_DONE: Mapping[str, str] = {
    "answered": N_("Your answers were sent to the requested State."),
    "accept_conditions": N_("You accepted the conditions; they now bind your State."),
    "withdraw": N_("The request was withdrawn; the requested State is told."),
    "close": N_("The request was closed."),
}

Errors = dict[str, list[str]]


# -- the checklist of grounds -----------------------------------------------------------------


@dataclass(frozen=True)
class GroundCheck:
    """One ground for refusal or postponement with the engine's pre-assessment.

    ``verdict`` is ``applies``, ``does_not_apply`` or ``needs_judgement``; ``kind`` how the
    ground binds (mandatory bar, discretionary, or not a ground on its own)."""

    code: str
    title: str
    kind: str
    citations: tuple[str, ...]
    verdict: str
    messages: tuple[str, ...] = ()


def _verdict(kind: GroundKind, related: Sequence[Finding]) -> str:
    if any(finding.blocking for finding in related):
        return "applies"
    if any(finding.severity is Severity.WARNING for finding in related):
        return "needs_judgement"
    if related or kind is not GroundKind.DISCRETIONARY:
        return "does_not_apply"
    # A ground the requested State weighs: the engine cannot say, a person decides.
    return "needs_judgement"


def consulted(request: CooperationRequest) -> bool:
    """True once the requested State asked for more or offered conditions on the request."""
    return any(
        entry.to_status in (Status.MORE_INFO_REQUESTED, Status.CONDITIONS_PROPOSED)
        for entry in request.history
    )


def checklist(
    ctx: ServiceContext, request: CooperationRequest, findings: Sequence[Finding]
) -> list[GroundCheck]:
    """Every ground the requested State may name for this request under its profile, with
    what the engine's findings say of it; empty where the engine cannot build the case."""
    try:
        case = assessments.case_of(
            ctx, request, requested_side=RequestedSideFacts(consulted=consulted(request))
        )
        grounds = refusal_grounds(case)
    except DomainError:
        return []
    checks: list[GroundCheck] = []
    for ground in grounds:
        related = [finding for finding in findings if finding.ground == ground.code]
        citations = tuple(dict.fromkeys(ground.legal_basis))
        checks.append(
            GroundCheck(
                code=ground.code,
                title=ground.title,
                kind=str(ground.kind),
                citations=citations,
                verdict=_verdict(ground.kind, related),
                messages=tuple(finding.message for finding in related),
            )
        )
    return checks


# -- the inbox --------------------------------------------------------------------------------


def may_work(officer: Officer) -> bool:
    """True for the officers who work received requests: executors and duty officers."""
    return officer.has(Role.EXECUTOR) or officer.has(Role.DUTY_OFFICER)


def _not_yours() -> PermissionDeniedError:
    return PermissionDeniedError("received requests are worked by executors and duty officers")


def urgent_first(items: Sequence[inbox.InboxItem]) -> list[inbox.InboxItem]:
    """Those waiting for a duty officer first, then emergencies, then the rest; each group in
    the inbox's own order (most recently received first)."""

    def rank(item: inbox.InboxItem) -> int:
        if item.waiting_acknowledgement:
            return 0
        return 1 if item.view.request.urgency is Urgency.EMERGENCY else 2

    return sorted(items, key=rank)


def titles(ctx: ServiceContext, codes: Sequence[str]) -> dict[str, str]:
    """The catalogue title of each type code (the code itself where the catalogue lacks it)."""
    known = ctx.catalogue.types
    return {code: known[code].title if code in known else code for code in codes}


# How many received requests the inbox shows (the newest; Search finds the others).
INBOX_PAGE = 100


@router.get("/incoming", response_class=HTMLResponse)
def incoming(request: Request, officer: SignedIn, status: str = "") -> Response:
    """The inbox of the officer's authority: open received requests, urgent ones first."""
    if not may_work(officer):
        return refused(request, officer, _not_yours())
    ctx = services(request)
    choices = [str(s) for s in REQUESTED if is_open(s)]
    errors: Errors = {}
    chosen: Status | None = None
    if status:
        try:
            chosen = Status(status)
        except ValueError:
            errors["status"] = [N_("Choose a status from the list.")]
    # The newest received requests, filtered by the database; older ones are found by Search.
    found = inbox.inbox(ctx, actor=officer.user, limit=INBOX_PAGE + 1, status=chosen)
    items = urgent_first(found[:INBOX_PAGE])
    return render(
        request,
        "ui/incoming.html",
        officer,
        FORM_INVALID if errors else 200,
        items=items,
        more=len(found) > INBOX_PAGE,
        titles=titles(ctx, [item.view.request.type_code for item in items]),
        choices=choices,
        chosen=str(chosen) if chosen else "",
        errors=errors,
    )


# -- a received request's working page --------------------------------------------------------


@dataclass
class Attempt:
    """A step the officer tried that the page or the service refused: which form, what was
    typed (to fill the form again) and each field's messages (``_form`` for the whole)."""

    form: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    errors: Errors = field(default_factory=dict)


def offered_steps(request: CooperationRequest) -> list[Status]:
    """The steps the page offers now on a received request, in the workflow's order."""
    allowed = allowed_next(Side.REQUESTED, request.status) - _NOT_OFFERED
    if request.status is Status.CONDITIONS_PROPOSED:
        # Accepting proposed conditions is the requesting State's step, mirrored here.
        allowed -= {Status.ACCEPTED}
    return [status for status in Status if status in allowed]


# What a request on the other side is called when it is not found: the officer never learns
# that a request with that id exists on the other side.
_NOT_ON_SIDE: Mapping[Side, str] = {
    Side.REQUESTED: "no such received request",
    Side.REQUESTING: "no such request of your authority",
}


def _read_on(side: Side, request: Request, officer: Officer, request_id: str) -> RequestView:
    """The request for the officer if it is on ``side`` (NOT_FOUND otherwise); opening it is a
    reading of its data, recorded in the DPO's register."""
    view = data_protection.read(services(request), actor=officer.user, request_id=request_id)
    if view.request.side is not side:
        raise NotFoundError(_NOT_ON_SIDE[side])
    return view


def _working(
    request: Request,
    officer: Officer,
    request_id: str,
    attempt: Attempt | None = None,
    status: int = 200,
    done: str = "",
) -> Response:
    ctx = services(request)
    try:
        view = _read_on(Side.REQUESTED, request, officer, request_id)
    except DomainError as error:
        return refused(request, officer, error)
    item = view.request
    rtype = ctx.catalogue.type(item.type_code)
    steps = offered_steps(item)
    checks = checklist(ctx, item, view.findings)
    done_status = done if done in {str(s) for s in Status} else ""
    return render(
        request,
        "ui/incoming_request.html",
        officer,
        status,
        item=item,
        view=view,
        title=rtype.title,
        rtype=rtype,
        steps=[str(step) for step in steps],
        decisions=[str(step) for step in DECISIONS if step in steps],
        checks=checks,
        other_findings=[f for f in view.findings if f.ground is None],
        item_rows=range(ITEM_ROWS),
        item_decisions=ITEM_DECISIONS,
        attempt=attempt or Attempt(),
        done=done_status,
        exchanges=[
            entry
            for entry in item.history
            if entry.to_status in (Status.MORE_INFO_REQUESTED, Status.INFO_SUPPLIED)
        ],
    )


@router.get("/incoming/{request_id}", response_class=HTMLResponse)
def working_page(request: Request, request_id: str, officer: SignedIn, done: str = "") -> Response:
    """A received request: its particulars, deadlines, the grounds checklist and the steps
    allowed now, each as a form. Opening it is a recorded reading of the request's data."""
    if not may_work(officer):
        return refused(request, officer, _not_yours())
    return _working(request, officer, request_id, done=done)


def _text(form: FormData, name: str, limit: int = MAX_TEXT) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _codes(form: FormData, name: str) -> list[str]:
    return [value[:60] for value in form.getlist(name) if isinstance(value, str) and value][:40]


def _day(form: FormData, name: str, errors: Errors, now: datetime) -> datetime | None:
    """The end of the day typed in ``name`` (UTC), checked to be a valid day after today."""
    raw = _text(form, name, 40)
    if not raw:
        errors.setdefault(name, []).append(N_("Give the date."))
        return None
    try:
        chosen = date.fromisoformat(raw)
    except ValueError:
        errors.setdefault(name, []).append(N_("Write the date as YYYY-MM-DD."))
        return None
    moment = datetime.combine(chosen, time(23, 59), tzinfo=UTC)
    if moment <= now:
        errors.setdefault(name, []).append(N_("The date must be in the future."))
        return None
    return moment


def _items(form: FormData, errors: Errors) -> list[dict[str, str]]:
    """The rows of a partial acceptance that name an item; a named item needs its decision."""
    rows: list[dict[str, str]] = []
    for index in range(ITEM_ROWS):
        item = _text(form, f"item_{index}", 200)
        decision = _text(form, f"decision_{index}", 40)
        reason = _text(form, f"reason_{index}")
        if not item:
            continue
        if decision not in ITEM_DECISIONS:
            errors.setdefault("items", []).append(N_("Choose a decision for each item named."))
            continue
        rows.append({"item": item, "decision": decision, "reason": reason})
    return rows


def _decision(
    form: FormData, attempt: Attempt, checks: Sequence[GroundCheck], now: datetime
) -> tuple[Status, str, dict[str, Any]] | None:
    """The decision the form describes (status, reasons, detail), or None with the fields'
    messages in ``attempt``."""
    errors = attempt.errors
    chosen = _text(form, "decision", 40)
    try:
        to = Status(chosen)
    except ValueError:
        errors["decision"] = [N_("Choose a decision.")]
        return None
    if to not in DECISIONS:
        errors["decision"] = [N_("Choose a decision.")]
        return None
    checked = set(_codes(form, "checked"))
    if any(check.code not in checked for check in checks):
        errors["checked"] = [N_("Confirm each ground of the checklist before deciding.")]
    reasons = _text(form, "reasons")
    detail: dict[str, Any] = {}
    if to is Status.POSTPONED:
        review = _day(form, "review", errors, now)
        if review is not None:
            detail["due_at"] = review.isoformat()
    elif to is Status.CONDITIONS_PROPOSED:
        conditions = _text(form, "conditions")
        if not conditions:
            errors["conditions"] = [N_("Write the conditions you propose.")]
        detail["conditions"] = conditions
        # The conditions are the reasons of the step where the officer gives no others.
        reasons = reasons or conditions
    elif to is Status.ACCEPTED_IN_PART:
        detail["items"] = _items(form, errors)
    elif to is Status.REFUSED:
        detail["grounds"] = _codes(form, "grounds")
        why_not = _text(form, "consultation")
        if why_not:
            detail["consultation_not_appropriate"] = why_not
    if errors:
        return None
    return to, reasons, detail


def _refusal_errors(error: DomainError, attempt: Attempt) -> None:
    """Place the service's refusal of a step at the fields it concerns."""
    errors = attempt.errors
    if isinstance(error, InvalidDecisionError) and error.findings:
        for code, message in error.findings:
            errors.setdefault(_FINDING_FIELDS.get(code, "_form"), []).append(message)
        return
    target = "_form"
    if isinstance(error, ReasonRequiredError):
        target = "reasons" if attempt.form == "decide" else "_form"
    elif isinstance(error, InvalidDecisionError):
        if "postponement" in error.detail:
            target = "review"
        elif "partial" in error.detail or "item" in error.detail:
            target = "items"
    errors.setdefault(target, []).append(error.detail)


def _remembered(form: FormData) -> dict[str, Any]:
    """What the officer typed, to fill the form again (lists for the checkbox groups)."""
    values: dict[str, Any] = {}
    for key in form:
        if key == "csrf_token":
            continue
        if key in ("grounds", "checked"):
            values[key] = _codes(form, key)
        else:
            values[key] = _text(form, key, MAX_TEXT)
    return values


@router.post("/incoming/{request_id}/steps", response_class=HTMLResponse)
async def take_step(request: Request, request_id: str, officer: FormOfficer) -> Response:
    """Take the step the form names on a received request (one service call), then come back
    to the page with a confirmation; a refused step shows why at its form."""
    if not may_work(officer):
        return refused(request, officer, _not_yours())
    ctx = services(request)
    form = await request.form()
    step = _text(form, "step", 40)
    attempt = Attempt(form="decide" if step == "decide" else step, values=_remembered(form))
    # The checklist is the one the page showed: read the request as the officer may.
    try:
        current = requests.get(ctx, actor=officer.user, request_id=request_id)
        if current.request.side is not Side.REQUESTED:
            # The officer may see this request of the authority, not take a received one's
            # steps on it: forbidden, as the API answers (plan §8 decision 1).
            raise PermissionDeniedError("steps are taken on received requests only")
    except DomainError as error:
        return refused(request, officer, error)
    now = ctx.clock.now()
    command: MoveRequest | None = None
    if step == "decide":
        checks = checklist(ctx, current.request, current.findings)
        decided = _decision(form, attempt, checks, now)
        if decided is not None:
            to, reasons, detail = decided
            command = MoveRequest(request_id, to, reasons, detail)
    elif step == str(Status.MORE_INFO_REQUESTED):
        questions = _text(form, "questions")
        if not questions:
            attempt.errors["questions"] = [N_("Write the questions for the requesting State.")]
        due = _day(form, "due", attempt.errors, now)
        if not attempt.errors and due is not None:
            command = MoveRequest(
                request_id, Status.MORE_INFO_REQUESTED, questions, {"due_at": due.isoformat()}
            )
    elif step in {str(s) for s in Status} and Status(step) not in DECISIONS:
        command = MoveRequest(request_id, Status(step), _text(form, "reason"), {})
    else:
        attempt.errors["_form"] = [N_("This step is not possible now.")]
    if command is None:
        return _working(request, officer, request_id, attempt, FORM_INVALID)
    try:
        requests.process(ctx, actor=officer.user, command=command)
    except (NotFoundError, PermissionDeniedError) as error:
        return refused(request, officer, error)
    except DomainError as error:
        _refusal_errors(error, attempt)
        return _working(request, officer, request_id, attempt, status_for(error))
    return RedirectResponse(f"/incoming/{request_id}?done={command.to}#result", status_code=303)


# -- the requesting State's answers -----------------------------------------------------------


def _may_answer(officer: Officer) -> bool:
    return officer.has(Role.DRAFTER) or officer.has(Role.APPROVER)


def _answers_page(
    request: Request,
    officer: Officer,
    request_id: str,
    errors: Errors | None = None,
    values: Mapping[str, str] | None = None,
    status: int = 200,
    done: str = "",
) -> Response:
    ctx = services(request)
    try:
        view = _read_on(Side.REQUESTING, request, officer, request_id)
    except DomainError as error:
        return refused(request, officer, error)
    item = view.request
    return render(
        request,
        "ui/answer_information.html",
        officer,
        status,
        item=item,
        title=ctx.catalogue.type(item.type_code).title,
        answer_errors=errors or {},
        answer_values=dict(values or {}),
        done=ANSWER_DONE.get(done, ""),
    )


@router.get("/requests/{request_id}/information", response_class=HTMLResponse)
def information(request: Request, request_id: str, officer: SignedIn, done: str = "") -> Response:
    """What the requested State asked and what was answered, with the forms to answer, accept
    conditions, withdraw or close where the request's status allows."""
    if not _may_answer(officer):
        return refused(request, officer, PermissionDeniedError("answers are given by drafters"))
    return _answers_page(request, officer, request_id, done=done)


@router.post("/requests/{request_id}/information", response_class=HTMLResponse)
async def answer(request: Request, request_id: str, officer: FormOfficer) -> Response:
    """Send the answers to the requested State's questions (the request goes back to it)."""
    if not _may_answer(officer):
        return refused(request, officer, PermissionDeniedError("answers are given by drafters"))
    form = await request.form()
    answers = _text(form, "answers", MAX_ANSWERS)
    if not answers:
        errors: Errors = {"answers": [N_("Write your answers.")]}
        return _answers_page(
            request, officer, request_id, errors, {"answers": answers}, FORM_INVALID
        )
    try:
        exchange.supply_information(
            services(request), actor=officer.user, request_id=request_id, answers=answers
        )
    except (NotFoundError, PermissionDeniedError) as error:
        return refused(request, officer, error)
    except DomainError as error:
        failed: Errors = {"answers": [error.detail]}
        return _answers_page(
            request, officer, request_id, failed, {"answers": answers}, status_for(error)
        )
    return RedirectResponse(f"/requests/{request_id}/information?done=answered", 303)


@router.post("/requests/{request_id}/follow-up", response_class=HTMLResponse)
async def follow_up(request: Request, request_id: str, officer: FormOfficer) -> Response:
    """Accept the conditions proposed, withdraw with reasons, or close the request."""
    if not _may_answer(officer):
        return refused(request, officer, PermissionDeniedError("answers are given by drafters"))
    ctx = services(request)
    form = await request.form()
    action = _text(form, "action", 40)
    field_name = f"{action}_reason"
    reason = _text(form, field_name)
    values = {field_name: reason}
    try:
        if action == "accept_conditions":
            exchange.accept_conditions(
                ctx, actor=officer.user, request_id=request_id, reason=reason
            )
        elif action == "withdraw":
            if not reason:
                errors: Errors = {field_name: [N_("Give the reasons for withdrawing.")]}
                return _answers_page(request, officer, request_id, errors, values, FORM_INVALID)
            requests.withdraw(ctx, actor=officer.user, request_id=request_id, reason=reason)
        elif action == "close":
            exchange.close(ctx, actor=officer.user, request_id=request_id, reason=reason)
        else:
            unknown: Errors = {"_form": [N_("This step is not possible now.")]}
            return _answers_page(request, officer, request_id, unknown, values, FORM_INVALID)
    except (NotFoundError, PermissionDeniedError) as error:
        return refused(request, officer, error)
    except DomainError as error:
        failed: Errors = {field_name: [error.detail]}
        return _answers_page(request, officer, request_id, failed, values, status_for(error))
    return RedirectResponse(f"/requests/{request_id}/information?done={action}", 303)
