"""Officers' pages: the drafting wizard, driven by the catalogue of forms of cooperation.

``/drafts/new`` chooses the form of cooperation, the requested State (from the node's verified
directory), the framework, urgency and channel, and opens the draft. ``/drafts/{id}`` walks
through the draft's fields in steps (the envelope's fields first, then the type's own, then a
review), each step a plain HTML form that works without JavaScript: lists of objects grow with
an "Add another" button that saves and comes back with one more empty item. A side panel shows
what is still missing and the legal engine's findings; htmx refreshes it from
``/drafts/{id}/check`` as the officer types, computed from the values on the screen without
saving them (the same completeness check and legal engine the services run).

Form controls are named by the field's path in the request (``fields.offences[0].label``,
``channel``), the same paths the domain's issues use, so an issue lands next to its field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from comity.domain.catalogue import RequestType
from comity.domain.commands import CreateDraft, EditDraft
from comity.domain.directory import StateEntry
from comity.domain.errors import (
    ConcurrencyError,
    DomainError,
    IncompleteRequestError,
    InvalidFieldsError,
    PermissionDeniedError,
    TypeNotAvailableError,
    UnknownProfileError,
    UnknownRequestTypeError,
)
from comity.domain.requests import CooperationRequest, HistoryEntry, merge_patch
from comity.domain.values import Availability, Channel, Role, Side, Urgency
from comity.domain.workflow import Status
from comity.federation_setup import verified_directory
from comity.services import requests
from comity.services.context import ServiceContext
from comity.web.errors import FORM_INVALID, status_for
from comity.web.ui.draft_form import (
    CONFLICT,
    NOT_FOR_TYPE,
    REQUIRED_CHOICE,
    FieldError,
    first_value,
    flat_form,
    issue_errors,
    on_screen,
    parse_header,
    parse_step,
    profiles_for,
    stored_form,
)
from comity.web.ui.draft_panel import (
    Problem,
    panel_for,
)
from comity.web.ui.draft_steps import (
    HEADER,
    HEADER_LABELS,
    Step,
    anchor_of,
    label_parts,
    link_to,
    steps_for,
)
from comity.web.ui.draft_widgets import step_widgets
from comity.web.ui.page import FormOfficer, Officer, SignedIn, refused, render
from comity.web.ui.page import services as _ctx
from comity.web.ui.request_lists import authority_requests, usernames

router = APIRouter(include_in_schema=False)


async def _posted_form(request: Request) -> FormData:
    """The submitted form (parsed once; the CSRF check already read it)."""
    return await request.form()


Posted = Annotated[FormData, Depends(_posted_form)]


# -- routes: the list and a new draft -----------------------------------------------------------


@dataclass(frozen=True)
class DraftRow:
    """A draft as the list shows it, with the approver's comment if it was sent back."""

    request: CooperationRequest
    title: str
    drafter: str
    returned: HistoryEntry | None
    returned_by: str


def sent_back(request: CooperationRequest) -> HistoryEntry | None:
    """The step that sent the request back to its drafter, if that is its latest."""
    last = request.history[-1] if request.history else None
    if last is not None and last.to_status is Status.DRAFT and last.from_status is not None:
        return last
    return None


def _require_drafter(officer: Officer) -> None:
    if not officer.has(Role.DRAFTER):
        raise PermissionDeniedError("drafting needs the role drafter")


@router.get("/drafts", response_class=HTMLResponse)
def drafts(request: Request, officer: SignedIn) -> Response:
    """The drafts of the officer's authority, those sent back first, with the comment."""
    ctx = _ctx(request)
    names = usernames(ctx)
    rows = []
    for view in authority_requests(ctx, officer, Status.DRAFT):
        item = view.request
        returned = sent_back(item)
        rows.append(
            DraftRow(
                request=item,
                title=ctx.catalogue.type(item.type_code).title,
                drafter=names.get(item.created_by, ""),
                returned=returned,
                returned_by=names.get(returned.actor_id, "") if returned else "",
            )
        )
    rows.sort(key=lambda row: (row.returned is None, -row.request.updated_at.timestamp()))
    return render(request, "ui/draft_list.html", officer, rows=rows)


@dataclass(frozen=True)
class TypeChoice:
    """A form of cooperation as the first step offers it, with its standing under a profile."""

    rtype: RequestType
    availability: Availability
    citations: tuple[str, ...]
    note: str
    channels: tuple[Channel, ...]


def directory_states(request: Request) -> tuple[list[StateEntry], str]:
    """The States a request can go to (the verified directory without this node's State),
    or none and why (no directory installed, or one that does not verify)."""
    ctx = _ctx(request)
    try:
        verified = verified_directory(request.app.state.container.settings)
    except DomainError as error:
        return [], error.detail
    states = [entry for code, entry in sorted(verified.directory.states.items())]
    return [entry for entry in states if entry.code != ctx.state], ""


def _type_choices(ctx: ServiceContext, profile: str) -> list[list[TypeChoice]]:
    """Every type grouped by its standing under ``profile``: available, by treaty only, not
    available; alphabetical within a group."""
    groups: dict[Availability, list[TypeChoice]] = {kind: [] for kind in Availability}
    for rtype in ctx.catalogue.types.values():
        basis = rtype.basis_under(profile)
        groups[basis.availability].append(
            TypeChoice(
                rtype,
                basis.availability,
                basis.citations,
                basis.note,
                rtype.channels_under(profile),
            )
        )
    return [sorted(group, key=lambda choice: choice.rtype.title) for group in groups.values()]


def _new_page(
    request: Request,
    officer: Officer,
    flat: Mapping[str, Sequence[str]],
    errors: Mapping[str, FieldError],
    status: int = 200,
) -> HTMLResponse:
    ctx = _ctx(request)
    profile = first_value(flat, "profile")
    if profile not in ctx.catalogue.profiles:
        profile = ctx.catalogue.default_profile.code
    states, directory_note = directory_states(request)
    summary = tuple(
        Problem("#" + anchor_of(name), (HEADER_LABELS.get(name, name),), error.text, error.params)
        for name, error in errors.items()
    )
    return render(
        request,
        "ui/draft_new.html",
        officer,
        status,
        groups=_type_choices(ctx, profile),
        profiles=list(ctx.catalogue.profiles.values()),
        profile=profile,
        states=states,
        directory_note=directory_note,
        urgencies=tuple(Urgency),
        channels=tuple(Channel),
        chosen={name: first_value(flat, name) for name in ("type_code", *HEADER)},
        errors=errors,
        summary=summary,
    )


@router.get("/drafts/new", response_class=HTMLResponse)
def new_draft(request: Request, officer: SignedIn) -> Response:
    """Step 1: the form of cooperation, the requested State, framework, urgency, channel.

    Its query string (``profile``, ``type_code``…) preselects values: the framework's
    "Show" button reloads the list of types under the framework chosen."""
    try:
        _require_drafter(officer)
    except DomainError as error:
        return refused(request, officer, error)
    flat = {name: [value] for name, value in request.query_params.items()}
    return _new_page(request, officer, flat, {})


@router.post("/drafts", response_class=HTMLResponse)
def create(request: Request, officer: FormOfficer, form: Posted) -> Response:
    """Open the draft and go to its first step; invalid choices come back at their field."""
    ctx = _ctx(request)
    flat = flat_form(form)
    errors: dict[str, FieldError] = {}
    code = first_value(flat, "type_code")
    rtype = ctx.catalogue.types.get(code)
    if rtype is None:
        errors["type_code"] = FieldError(REQUIRED_CHOICE)
    header = parse_header(ctx, flat, errors, None)
    if "requested_state" not in header and "requested_state" not in errors:
        errors["requested_state"] = FieldError(REQUIRED_CHOICE)
    if rtype is not None:
        _check_for_type(ctx, rtype, header, errors)
    if errors or rtype is None:
        return _new_page(request, officer, flat, errors, FORM_INVALID)
    try:
        view = requests.create_draft(
            ctx,
            actor=officer.user,
            command=CreateDraft(
                type_code=rtype.code,
                requested_state=str(header["requested_state"]),
                profile=header.get("profile"),
                urgency=header.get("urgency"),
                channel=header.get("channel"),
            ),
        )
    except (TypeNotAvailableError, UnknownRequestTypeError) as error:
        return _new_page(
            request, officer, flat, {"type_code": FieldError(error.detail)}, status_for(error)
        )
    except UnknownProfileError as error:
        return _new_page(
            request, officer, flat, {"profile": FieldError(error.detail)}, status_for(error)
        )
    except InvalidFieldsError as error:
        return _new_page(request, officer, flat, issue_errors(error.issues), status_for(error))
    except DomainError as error:
        return refused(request, officer, error)
    return RedirectResponse(f"/drafts/{view.request.id}?step=1", status_code=303)


def _check_for_type(
    ctx: ServiceContext,
    rtype: RequestType,
    header: Mapping[str, Any],
    errors: dict[str, FieldError],
) -> None:
    """The first step's choices against the type chosen with them."""
    profile = str(header.get("profile") or ctx.catalogue.default_profile.code)
    if rtype.basis_under(profile).availability is Availability.UNAVAILABLE:
        errors["type_code"] = FieldError(NOT_FOR_TYPE, choices=())
        errors.setdefault("profile", FieldError(NOT_FOR_TYPE, choices=profiles_for(ctx, rtype)))
    urgency = header.get("urgency")
    if urgency is not None and urgency not in rtype.urgencies:
        errors["urgency"] = FieldError(NOT_FOR_TYPE, choices=tuple(rtype.urgencies))
    channel = header.get("channel")
    allowed = rtype.channels_under(profile)
    if channel is not None and channel not in allowed:
        errors["channel"] = FieldError(NOT_FOR_TYPE, choices=tuple(allowed))


# -- routes: one draft --------------------------------------------------------------------------


def _load(request: Request, officer: Officer, request_id: str) -> requests.RequestView:
    """The draft (NOT_FOUND outside the officer's authority), for a drafter."""
    view = requests.get(_ctx(request), actor=officer.user, request_id=request_id)
    _require_drafter(officer)
    return view


def _step_number(raw: str | None, steps: Sequence[Step]) -> int:
    try:
        number = int(raw or 1)
    except ValueError:
        return 1
    return min(max(number, 1), len(steps))


def _draft_page(
    request: Request,
    officer: Officer,
    item: CooperationRequest,
    number: int,
    *,
    flat: Mapping[str, Sequence[str]] | None = None,
    errors: Mapping[str, FieldError] | None = None,
    on_page: CooperationRequest | None = None,
    more: frozenset[str] = frozenset(),
    alert: FieldError | None = None,
    summary: Sequence[Problem] = (),
    status: int = 200,
    version: int | None = None,
) -> HTMLResponse:
    """A step of a draft: its controls (from ``flat`` after a refused save, else the stored
    values), the steps, the side panel and, after a refusal, the error summary."""
    ctx = _ctx(request)
    rtype = ctx.catalogue.type(item.type_code)
    steps = steps_for(rtype)
    step = steps[number - 1]
    shown_request = on_page or item
    errors = dict(errors or {})
    values = flat if flat is not None else stored_form(item, rtype)
    states, directory_note = directory_states(request)
    names = usernames(ctx)
    returned = sent_back(item)
    if not summary and errors:
        summary = tuple(
            Problem(
                link_to(item.id, steps, path, number),
                label_parts(rtype, path),
                error.text,
                error.params,
            )
            for path, error in errors.items()
        )
    return render(
        request,
        "ui/draft_step.html",
        officer,
        status,
        item=item,
        rtype=rtype,
        steps=steps,
        step=step,
        version=item.version if version is None else version,
        widgets=step_widgets(rtype, step, values, errors, shown_request.context(), more),
        header=_header_choices(ctx, rtype, shown_request, values),
        states=states,
        directory_note=directory_note,
        panel=panel_for(ctx, shown_request, rtype, number),
        errors=errors,
        summary=summary,
        alert=alert,
        returned=returned,
        returned_by=names.get(returned.actor_id, "") if returned else "",
        saved=request.query_params.get("saved") == "1",
        basis=rtype.basis_under(shown_request.profile),
    )


def _header_choices(
    ctx: ServiceContext,
    rtype: RequestType,
    item: CooperationRequest,
    flat: Mapping[str, Sequence[str]],
) -> dict[str, Any]:
    """The header controls' options (only what the type allows) and current values."""
    return {
        "profiles": [ctx.catalogue.profiles[code] for code in profiles_for(ctx, rtype)],
        "urgencies": tuple(rtype.urgencies),
        "channels": tuple(rtype.channels_under(item.profile)),
        "values": {name: first_value(flat, name) for name in HEADER},
    }


@router.get("/drafts/{request_id}", response_class=HTMLResponse)
def draft(request: Request, request_id: str, officer: SignedIn) -> Response:
    """One step of a draft (``?step=N``); a request past drafting opens on its own page.

    ``add`` names a list that shows one more empty item (after "Add another")."""
    try:
        view = _load(request, officer, request_id)
    except DomainError as error:
        return refused(request, officer, error)
    item = view.request
    if item.status is not Status.DRAFT or item.side is not Side.REQUESTING:
        return RedirectResponse(f"/requests/{item.id}", status_code=303)
    rtype = _ctx(request).catalogue.type(item.type_code)
    steps = steps_for(rtype)
    number = _step_number(request.query_params.get("step"), steps)
    more = frozenset({request.query_params.get("add") or ""}) - {""}
    return _draft_page(request, officer, item, number, more=more)


def _posted_step(
    ctx: ServiceContext, item: CooperationRequest, flat: Mapping[str, Sequence[str]]
) -> tuple[RequestType, tuple[Step, ...], int]:
    """The draft's type, its steps, and the number of the step a posted form was on."""
    rtype = ctx.catalogue.type(item.type_code)
    steps = steps_for(rtype)
    return rtype, steps, _step_number(first_value(flat, "step"), steps)


@router.post("/drafts/{request_id}/check", response_class=HTMLResponse)
def check(request: Request, request_id: str, officer: FormOfficer, form: Posted) -> Response:
    """The side panel for the values on the screen, computed without saving them (htmx
    swaps it in as the officer types)."""
    ctx = _ctx(request)
    try:
        view = _load(request, officer, request_id)
    except DomainError as error:
        return refused(request, officer, error)
    item = view.request
    flat = flat_form(form)
    rtype, steps, number = _posted_step(ctx, item, flat)
    parsed = parse_step(ctx, rtype, steps[number - 1], flat, profile_now=item.profile)
    trial = on_screen(item, parsed)
    panel = panel_for(ctx, trial, rtype, number, parsed.errors)
    return render(request, "ui/draft_panel.html", officer, item=item, panel=panel)


def _action(flat: Mapping[str, Sequence[str]]) -> tuple[str, str]:
    """The button pressed: ``save``, ``next``, ``previous``, ``goto``, ``add`` or ``remove``,
    with its argument (a step number or a field path)."""
    raw = first_value(flat, "action") or "save"
    verb, _, argument = raw.partition(":")
    if verb not in ("save", "next", "previous", "goto", "add", "remove"):
        return "save", ""
    return verb, argument


@router.post("/drafts/{request_id}", response_class=HTMLResponse)
def save(request: Request, request_id: str, officer: FormOfficer, form: Posted) -> Response:
    """Save the step's values (with the version the officer saw), then go where the button
    says: the same step, the next or previous one, or back with one more item of a list."""
    ctx = _ctx(request)
    try:
        view = _load(request, officer, request_id)
    except DomainError as error:
        return refused(request, officer, error)
    item = view.request
    flat = flat_form(form)
    rtype, steps, number = _posted_step(ctx, item, flat)
    step = steps[number - 1]
    verb, argument = _action(flat)
    removed = argument if verb == "remove" else ""
    parsed = parse_step(ctx, rtype, step, flat, remove=removed, profile_now=item.profile)
    try:
        version = int(first_value(flat, "version"))
    except ValueError:
        version = item.version
    # A refused save shows the same step again, with what the officer typed and the version
    # they saw, so nothing typed is lost.
    again = partial(_draft_page, request, officer, item, number, flat=flat, version=version)
    if parsed.errors:
        return again(errors=parsed.errors, on_page=on_screen(item, parsed), status=FORM_INVALID)
    changed_header = {
        name: value for name, value in parsed.header.items() if getattr(item, name) != value
    }
    changed = merge_patch(item.fields, parsed.fields) != item.fields or changed_header
    if changed or version != item.version:
        try:
            requests.edit_draft(
                ctx,
                actor=officer.user,
                command=EditDraft(
                    request_id=item.id,
                    fields_patch=parsed.fields,
                    header=changed_header,
                    expected_version=version,
                ),
            )
        except ConcurrencyError as error:
            alert = FieldError(CONFLICT, {"yours": str(version), "now": str(item.version)})
            return again(alert=alert, status=status_for(error))
        except InvalidFieldsError as error:
            return again(errors=issue_errors(error.issues), status=status_for(error))
        except (TypeNotAvailableError, UnknownProfileError) as error:
            return again(errors={"profile": FieldError(error.detail)}, status=status_for(error))
        except DomainError as error:
            return refused(request, officer, error)
    return RedirectResponse(_after_save(item.id, steps, number, verb, argument), status_code=303)


def _after_save(
    request_id: str, steps: Sequence[Step], number: int, verb: str, argument: str
) -> str:
    base = f"/drafts/{request_id}"
    if verb == "next":
        return f"{base}?step={min(number + 1, len(steps))}"
    if verb == "previous":
        return f"{base}?step={max(number - 1, 1)}"
    if verb == "goto":
        return f"{base}?step={_step_number(argument, steps)}"
    if verb == "add":
        return f"{base}?step={number}&add={quote(argument, safe='')}#{anchor_of(argument)}-new"
    return f"{base}?step={number}&saved=1"


@router.post("/drafts/{request_id}/submit", response_class=HTMLResponse)
def submit(request: Request, request_id: str, officer: FormOfficer) -> Response:
    """Submit the draft for approval; while incomplete, the review lists every missing field,
    each marked where it is, and links to it."""
    ctx = _ctx(request)
    try:
        view = _load(request, officer, request_id)
        requests.submit(ctx, actor=officer.user, request_id=request_id)
    except IncompleteRequestError as error:
        item = view.request
        rtype = ctx.catalogue.type(item.type_code)
        steps = steps_for(rtype)
        errors = issue_errors(error.issues)
        summary = tuple(
            Problem(
                link_to(item.id, steps, issue.path, None),
                label_parts(rtype, issue.path),
                issue.message,
            )
            for issue in error.issues
        )
        return _draft_page(
            request,
            officer,
            item,
            len(steps),
            errors=errors,
            summary=summary,
            status=status_for(error),
        )
    except DomainError as error:
        return refused(request, officer, error)
    return RedirectResponse(f"/requests/{request_id}", status_code=303)
