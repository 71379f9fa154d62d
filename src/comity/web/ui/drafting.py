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

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from comity.domain.catalogue import FieldSpec, FieldType, RequestType
from comity.domain.commands import CreateDraft, EditDraft
from comity.domain.conditions import is_blank
from comity.domain.directory import StateEntry
from comity.domain.errors import (
    ConcurrencyError,
    DirectoryError,
    DomainError,
    FieldIssue,
    IncompleteRequestError,
    InvalidFieldsError,
    PermissionDeniedError,
    TypeNotAvailableError,
    UnknownProfileError,
    UnknownRequestTypeError,
)
from comity.domain.fields import (
    DEFAULT_STRING_LENGTH,
    DEFAULT_TEXT_LENGTH,
    MAX_LIST_ITEMS,
    storable_text,
    structural_issues,
)
from comity.domain.legal.findings import Finding
from comity.domain.requests import CooperationRequest, HistoryEntry, merge_patch
from comity.domain.values import Availability, Channel, Role, Side, Urgency
from comity.domain.workflow import Status
from comity.federation_setup import verified_directory
from comity.services import assessments, requests, users
from comity.services.context import ServiceContext
from comity.services.ports import RequestQuery
from comity.web.errors import status_for
from comity.web.ui.i18n import N_
from comity.web.ui.page import FormOfficer, Officer, SignedIn, refused, render
from comity.web.ui.page import services as _ctx

router = APIRouter(include_in_schema=False)

# The request's header: what ``EditDraft.header`` changes, named as the domain's issues name it.
HEADER = ("requested_state", "profile", "urgency", "channel")

HEADER_LABELS: Mapping[str, str] = {
    "requested_state": N_("Requested State"),
    "profile": N_("Legal framework"),
    "urgency": N_("Urgency"),
    "channel": N_("Channel"),
    "type_code": N_("Form of cooperation"),
}

# The envelope's fields in steps that read like the paper forms officers know: who asks and in
# which case, what the case is about, what is asked and why, then deadlines and annexes. Fields
# a type leaves out are skipped; the type's own fields follow in a step of their own.
_ENVELOPE_STEPS: tuple[tuple[str, bool, tuple[str, ...]], ...] = (
    (
        N_("State, urgency and channel"),
        True,
        ("urgency_reasons", "emergency_facts", "emergency_nexus", "copy_sent_via", "copy_sent_at"),
    ),
    (
        N_("Authority and case"),
        False,
        (
            "requesting_authority",
            "conducting_authority",
            "case_refs",
            "related_requests",
            "proceeding_nature",
            "language",
            "translation_attached",
        ),
    ),
    (N_("Offences, facts and persons"), False, ("offences", "facts_summary", "persons")),
    (
        N_("Assistance and purpose"),
        False,
        (
            "assistance_sought",
            "special_procedure",
            "purpose",
            "purpose_code",
            "legal_basis",
            "exceptional_justification",
            "impact_if_refused",
        ),
    ),
    (
        N_("Deadline, confidentiality and attachments"),
        False,
        ("requested_deadline", "deadline_reasons", "confidentiality", "attachments"),
    ),
)

# Messages of the page's own checks (the domain's are shown as the domain words them).
WHOLE_NUMBER = N_("Enter a whole number.")
NUMBER = N_("Enter a number.")
AT_LEAST = N_("Enter a number of at least %(minimum)s.")
YES_OR_NO = N_("Choose yes or no.")
DATE = N_("Enter a date as YYYY-MM-DD.")
DATETIME = N_("Enter a date and time (UTC) as YYYY-MM-DD HH:MM.")
STATE = N_("Enter a two-letter State code, such as FR.")
LANGUAGE = N_("Enter a language code, such as en or fr.")
CHOOSE = N_("Choose one of the options.")
TOO_LONG = N_("Shorten this to at most %(limit)s characters.")
UNSTORABLE = N_("Remove the control characters from this text.")
REQUIRED_CHOICE = N_("Choose one.")
NOT_FOR_TYPE = N_("Not possible for this form of cooperation; possible:")
OWN_STATE = N_("A State cannot send a request to itself.")
CONFLICT = N_(
    "Someone else saved this draft after you opened it (version %(yours)s, now %(now)s). "
    "Your changes were not saved: open the current version and make them again."
)

_STATE_CODE = re.compile(r"[A-Z]{2}")
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
_ITEM = re.compile(r"^(.*)\[(\d+)\]$")
_URGENCY_ORDER = {Urgency.EMERGENCY: 0, Urgency.URGENT: 1, Urgency.ROUTINE: 2}


@dataclass(frozen=True)
class FieldError:
    """A message shown next to a field: a text to translate, with its values."""

    text: str
    params: Mapping[str, str] = field(default_factory=dict)
    # Catalogue values to list after the text (shown with ``enum_label``).
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """One step of the wizard: a title and the top-level fields it holds."""

    number: int
    title: str
    names: tuple[str, ...] = ()
    # The title is the catalogue's (the type's own step) rather than the page's.
    catalogue_title: bool = False
    header: bool = False
    review: bool = False


@dataclass(frozen=True)
class Widget:
    """A form control for one field, as ``_fields.html`` renders it."""

    kind: str
    name: str
    label: str
    description: str = ""
    required: bool = False
    value: str = ""
    chosen: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    error: FieldError | None = None
    children: tuple[Widget, ...] = ()
    # For a list of objects: its items (each a ``group``), and for an item its number.
    items: tuple[Widget, ...] = ()
    number: int = 0
    count: int = 0
    # The list got one more empty item just now ("Add another"): the page moves to it.
    added: bool = False
    maxlength: int | None = None
    minimum: float | None = None

    @property
    def anchor(self) -> str:
        """The control's id (and the target of links to it)."""
        return anchor_of(self.name)

    @property
    def hint_id(self) -> str:
        """The id of the description and error text tied with aria-describedby."""
        return self.anchor + "-hint"


@dataclass(frozen=True)
class Shown:
    """A field's value as read-only text, as ``_fields.html`` shows it."""

    kind: str
    name: str
    label: str
    text: str = ""
    codes: tuple[str, ...] = ()
    children: tuple[Shown, ...] = ()
    number: int = 0
    error: FieldError | None = None

    @property
    def anchor(self) -> str:
        """Where links to the field point."""
        return anchor_of(self.name)


@dataclass(frozen=True)
class Problem:
    """One entry of the side panel or the error summary: where, what, and a link there."""

    href: str
    parts: tuple[str, ...]
    message: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ShownFinding:
    """A finding of the legal engine with links to the fields it read."""

    finding: Finding
    concerns: tuple[Problem, ...]


@dataclass
class Parsed:
    """The values of a submitted step, converted to the fields' types, and what was wrong."""

    fields: dict[str, Any] = field(default_factory=dict)
    header: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, FieldError] = field(default_factory=dict)


async def _posted_form(request: Request) -> FormData:
    """The submitted form (parsed once; the CSRF check already read it)."""
    return await request.form()


Posted = Annotated[FormData, Depends(_posted_form)]


def anchor_of(path: str) -> str:
    """An HTML id for a field path: ``fields.offences[0].label`` → ``f-offences-0-label``."""
    bare = path.removeprefix("fields.")
    return "f-" + re.sub(r"[^A-Za-z0-9_-]+", "-", bare).strip("-")


def flat_form(form: FormData) -> dict[str, list[str]]:
    """Every text value of a submitted form by name (files are never part of these forms)."""
    flat: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            flat.setdefault(name, []).append(value)
    return flat


def _one(flat: Mapping[str, Sequence[str]], name: str) -> str:
    values = flat.get(name)
    return values[0] if values else ""


# -- steps ------------------------------------------------------------------------------------


def steps_for(rtype: RequestType) -> tuple[Step, ...]:
    """The wizard's steps for a type: the envelope's groups, the type's own fields, review."""
    present = [spec.name for spec in rtype.fields]
    taken: set[str] = set()
    steps: list[Step] = []
    for title, header, names in _ENVELOPE_STEPS:
        taken.update(names)
        mine = tuple(name for name in names if name in present)
        if mine or header:
            steps.append(Step(len(steps) + 1, title, mine, header=header))
    rest = tuple(name for name in present if name not in taken)
    if rest:
        steps.append(Step(len(steps) + 1, rtype.title, rest, catalogue_title=True))
    steps.append(Step(len(steps) + 1, N_("Review and submit"), review=True))
    return tuple(steps)


def step_of(steps: Sequence[Step], path: str) -> Step:
    """The step that holds the field at ``path`` (the header's step for header values)."""
    top = re.split(r"[.\[]", path.removeprefix("fields."), maxsplit=1)[0]
    for step in steps:
        if top in step.names:
            return step
    return steps[0]


def spec_at(rtype: RequestType, path: str) -> list[tuple[FieldSpec, int | None]]:
    """The specs along ``path`` with the item index where the path enters a list item."""
    found: list[tuple[FieldSpec, int | None]] = []
    specs = rtype.fields
    for part in path.removeprefix("fields.").split("."):
        match = _ITEM.match(part)
        name, index = (match.group(1), int(match.group(2))) if match else (part, None)
        spec = next((candidate for candidate in specs if candidate.name == name), None)
        if spec is None:
            break
        found.append((spec, index))
        if spec.type is FieldType.LIST and spec.items is not None:
            specs = spec.items.fields
        else:
            specs = spec.fields
    return found


def label_parts(rtype: RequestType, path: str) -> tuple[str, ...]:
    """How a path reads: the catalogue labels along it, with the items' numbers."""
    if path in HEADER_LABELS:
        return (HEADER_LABELS[path],)
    parts: list[str] = []
    for spec, index in spec_at(rtype, path):
        parts.append(spec.label)
        if index is not None:
            parts.append(str(index + 1))
    return tuple(parts) or (path,)


def link_to(request_id: str, steps: Sequence[Step], path: str, current: int | None) -> str:
    """A link to the field at ``path``: on the current step its anchor, else its step's page."""
    step = step_of(steps, path)
    anchor = "#" + anchor_of(path)
    if current is not None and step.number == current:
        return anchor
    return f"/drafts/{request_id}?step={step.number}{anchor}"


# -- reading a submitted form -----------------------------------------------------------------


def _count(flat: Mapping[str, Sequence[str]], path: str) -> int:
    """How many item slots of a list the form showed (bounded as the domain bounds lists)."""
    try:
        count = int(_one(flat, path + "#count") or 0)
    except ValueError:
        return 0
    return max(0, min(count, MAX_LIST_ITEMS))


def _scalar(spec: FieldSpec, text: str) -> tuple[Any, FieldError | None]:
    """Convert one control's text to the field's type, or say what is wrong with it."""
    kind = spec.type
    if kind is FieldType.TEXT:
        value = text.replace("\r\n", "\n")
        limit = spec.max_length or DEFAULT_TEXT_LENGTH
    else:
        value = text.strip()
        limit = spec.max_length or DEFAULT_STRING_LENGTH
    if not storable_text(value):
        return None, FieldError(UNSTORABLE)
    if kind in (FieldType.STRING, FieldType.TEXT):
        if len(value) > limit:
            return None, FieldError(TOO_LONG, {"limit": str(limit)})
        return value, None
    if kind in (FieldType.INTEGER, FieldType.NUMBER):
        return _number(spec, value)
    if kind is FieldType.BOOLEAN:
        if value in ("yes", "no"):
            return value == "yes", None
        return None, FieldError(YES_OR_NO)
    if kind is FieldType.DATE:
        try:
            day = date.fromisoformat(value) if len(value) == 10 else None
        except ValueError:
            day = None
        return (day.isoformat(), None) if day is not None else (None, FieldError(DATE))
    if kind is FieldType.DATETIME:
        try:
            moment = datetime.fromisoformat(value.replace(" ", "T", 1))
        except ValueError:
            return None, FieldError(DATETIME)
        # The control asks for UTC (a browser's datetime-local has no offset).
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.isoformat(), None
    if kind is FieldType.ENUM:
        return (value, None) if value in spec.values else (None, FieldError(CHOOSE))
    if kind is FieldType.STATE:
        value = value.upper()
        return (value, None) if _STATE_CODE.fullmatch(value) else (None, FieldError(STATE))
    if kind is FieldType.LANGUAGE:
        value = value.lower()
        return (value, None) if _LANGUAGE_CODE.fullmatch(value) else (None, FieldError(LANGUAGE))
    # Durations and digests: the domain's own check words the problem.
    issues = structural_issues((spec,), {spec.name: value})
    return (None, FieldError(issues[0].message)) if issues else (value, None)


def _number(spec: FieldSpec, text: str) -> tuple[Any, FieldError | None]:
    number: int | float
    try:
        number = int(text)
    except ValueError:
        if spec.type is FieldType.INTEGER:
            return None, FieldError(WHOLE_NUMBER)
        try:
            number = float(text)
        except ValueError:
            return None, FieldError(NUMBER)
        if number != number or number in (float("inf"), float("-inf")):
            return None, FieldError(NUMBER)
    if spec.minimum is not None and number < spec.minimum:
        return None, FieldError(AT_LEAST, {"minimum": f"{spec.minimum:g}"})
    return number, None


def parse_value(
    spec: FieldSpec,
    flat: Mapping[str, Sequence[str]],
    path: str,
    errors: dict[str, FieldError],
    remove: str = "",
) -> Any:
    """The value of the controls for ``spec`` at ``path``; None when left blank.

    Blank items of a list are left out (an "Add another" slot left empty is not an item), and
    the item named ``remove`` is dropped."""
    kind = spec.type
    if kind is FieldType.OBJECT:
        members = {
            member.name: parse_value(member, flat, f"{path}.{member.name}", errors, remove)
            for member in spec.fields
        }
        kept = {name: value for name, value in members.items() if value is not None}
        return kept or None
    if kind is FieldType.LIST:
        return _parse_list(spec, flat, path, errors, remove)
    text = _one(flat, path)
    if is_blank(text):
        return None
    value, problem = _scalar(spec, text)
    if problem is not None:
        errors[path] = problem
    return value


def _parse_list(
    spec: FieldSpec,
    flat: Mapping[str, Sequence[str]],
    path: str,
    errors: dict[str, FieldError],
    remove: str,
) -> list[Any] | None:
    item = spec.items
    if item is None:
        return None
    if item.type is FieldType.OBJECT:
        found = []
        for index in range(_count(flat, path)):
            item_path = f"{path}[{index}]"
            if item_path == remove:
                continue
            value = parse_value(item, flat, item_path, errors, remove)
            if value is not None:
                found.append(value)
        return found or None
    if item.type is FieldType.ENUM:
        chosen = [value for value in flat.get(path, ()) if value in item.values]
        return list(dict.fromkeys(chosen)) or None
    values = []
    for line in _one(flat, path).splitlines():
        if is_blank(line):
            continue
        value, problem = _scalar(item, line)
        if problem is not None:
            errors.setdefault(path, problem)
        else:
            values.append(value)
    return values or None


def parse_step(
    ctx: ServiceContext,
    rtype: RequestType,
    step: Step,
    flat: Mapping[str, Sequence[str]],
    remove: str = "",
    profile_now: str = "",
) -> Parsed:
    """The values of one step's controls: a merge patch (None removes a field), the header
    values of the first step, and every problem found, by path."""
    parsed = Parsed()
    for spec in rtype.fields:
        if spec.name in step.names:
            path = f"fields.{spec.name}"
            parsed.fields[spec.name] = parse_value(spec, flat, path, parsed.errors, remove)
    if step.header:
        parsed.header = parse_header(ctx, flat, parsed.errors, rtype, profile_now)
    return parsed


def parse_header(
    ctx: ServiceContext,
    flat: Mapping[str, Sequence[str]],
    errors: dict[str, FieldError],
    rtype: RequestType | None,
    profile_now: str = "",
) -> dict[str, Any]:
    """The header values of a form (requested State, profile, urgency, channel); with the
    type, checked against what it allows under the profile chosen (else ``profile_now``).
    A value left blank is left out."""
    header: dict[str, Any] = {}
    state = _one(flat, "requested_state").strip().upper()
    if state:
        if not _STATE_CODE.fullmatch(state):
            errors["requested_state"] = FieldError(STATE)
        elif state == ctx.state:
            errors["requested_state"] = FieldError(OWN_STATE)
        else:
            header["requested_state"] = state
    profile = _one(flat, "profile").strip()
    if profile:
        if profile not in ctx.catalogue.profiles:
            errors["profile"] = FieldError(CHOOSE)
        elif rtype is not None and (
            rtype.basis_under(profile).availability is Availability.UNAVAILABLE
        ):
            errors["profile"] = FieldError(NOT_FOR_TYPE, choices=_profiles_for(ctx, rtype))
        else:
            header["profile"] = profile
    urgency = _one(flat, "urgency").strip()
    if urgency:
        if urgency not in tuple(Urgency):
            errors["urgency"] = FieldError(CHOOSE)
        elif rtype is not None and urgency not in rtype.urgencies:
            errors["urgency"] = FieldError(NOT_FOR_TYPE, choices=tuple(rtype.urgencies))
        else:
            header["urgency"] = Urgency(urgency)
    channel = _one(flat, "channel").strip()
    if channel:
        under = str(header.get("profile") or profile_now or ctx.catalogue.default_profile.code)
        allowed = rtype.channels_under(under) if rtype is not None else tuple(Channel)
        if channel not in tuple(Channel):
            errors["channel"] = FieldError(CHOOSE)
        elif channel not in allowed:
            errors["channel"] = FieldError(NOT_FOR_TYPE, choices=tuple(allowed))
        else:
            header["channel"] = Channel(channel)
    return header


def _profiles_for(ctx: ServiceContext, rtype: RequestType) -> tuple[str, ...]:
    return tuple(
        code
        for code in ctx.catalogue.profiles
        if rtype.basis_under(code).availability is not Availability.UNAVAILABLE
    )


# -- showing stored values in controls ---------------------------------------------------------


def _text_of(spec: FieldSpec, value: Any) -> str:
    """A stored value as the control shows it."""
    if spec.type is FieldType.BOOLEAN and isinstance(value, bool):
        return "yes" if value else "no"
    if spec.type is FieldType.DATETIME and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
        return moment.strftime("%Y-%m-%dT%H:%M")
    return str(value)


def flatten(spec: FieldSpec, value: Any, path: str, out: dict[str, list[str]]) -> None:
    """Write a stored value into ``out`` as the controls at ``path`` would submit it."""
    if value is None:
        return
    if spec.type is FieldType.OBJECT:
        if isinstance(value, Mapping):
            for member in spec.fields:
                flatten(member, value.get(member.name), f"{path}.{member.name}", out)
        return
    if spec.type is FieldType.LIST:
        item = spec.items
        if not isinstance(value, list) or item is None:
            return
        if item.type is FieldType.OBJECT:
            out[path + "#count"] = [str(len(value))]
            for index, entry in enumerate(value):
                flatten(item, entry, f"{path}[{index}]", out)
        elif item.type is FieldType.ENUM:
            out[path] = [str(entry) for entry in value]
        else:
            out[path] = ["\n".join(_text_of(item, entry) for entry in value)]
        return
    out[path] = [_text_of(spec, value)]


def stored_form(request: CooperationRequest, rtype: RequestType) -> dict[str, list[str]]:
    """The whole draft as its form would submit it (header values included)."""
    out: dict[str, list[str]] = {
        "requested_state": [request.requested_state],
        "profile": [request.profile],
        "urgency": [str(request.urgency)],
        "channel": [str(request.channel)],
    }
    for spec in rtype.fields:
        flatten(spec, request.fields.get(spec.name), f"fields.{spec.name}", out)
    return out


@dataclass(frozen=True)
class _Build:
    """What building a step's controls needs besides the field at hand."""

    flat: Mapping[str, Sequence[str]]
    errors: Mapping[str, FieldError]
    context: Mapping[str, Any]
    # Lists that get one more, empty, item slot (after "Add another").
    more: frozenset[str] = frozenset()


def _required_now(spec: FieldSpec, build: _Build, local: Mapping[str, Any]) -> bool:
    if spec.required:
        return True
    return spec.required_when is not None and spec.required_when.holds(build.context, local)


def widget(spec: FieldSpec, path: str, build: _Build, local: Mapping[str, Any]) -> Widget:
    """The control for ``spec`` at ``path``, filled from the form values in ``build``."""
    base = Widget(
        kind="text",
        name=path,
        label=spec.label,
        description=spec.description,
        required=_required_now(spec, build, local),
        error=build.errors.get(path),
        maxlength=spec.max_length,
        minimum=spec.minimum,
    )
    value = _one(build.flat, path)
    kind = spec.type
    if kind is FieldType.OBJECT:
        mine = _mapping_at(build.context.get("fields"), path)
        children = tuple(
            widget(member, f"{path}.{member.name}", build, mine) for member in spec.fields
        )
        return replace(base, kind="group", children=children)
    if kind is FieldType.LIST:
        return _list_widget(spec, path, build, base)
    simple = {
        FieldType.TEXT: "textarea",
        FieldType.INTEGER: "integer",
        FieldType.NUMBER: "number",
        FieldType.DATE: "date",
        FieldType.DATETIME: "datetime",
        FieldType.BOOLEAN: "boolean",
        FieldType.STATE: "state",
        FieldType.LANGUAGE: "language",
    }
    if kind is FieldType.ENUM:
        return replace(base, kind="select", value=value, options=spec.values)
    return replace(base, kind=simple.get(kind, "text"), value=value)


def _list_widget(spec: FieldSpec, path: str, build: _Build, base: Widget) -> Widget:
    item = spec.items
    if item is None:
        return replace(base, kind="lines", value=_one(build.flat, path))
    if item.type is FieldType.ENUM:
        return replace(
            base, kind="checks", chosen=tuple(build.flat.get(path, ())), options=item.values
        )
    if item.type is not FieldType.OBJECT:
        return replace(base, kind="lines", value=_one(build.flat, path))
    count = _count(build.flat, path)
    # An empty list shows one empty item to fill in; "Add another" adds one more.
    slots = max(count, 1) + (1 if path in build.more else 0)
    stored = _list_at(build.context.get("fields"), path)
    items = []
    for index in range(slots):
        item_path = f"{path}[{index}]"
        entry = stored[index] if index < len(stored) and isinstance(stored[index], Mapping) else {}
        children = tuple(
            widget(member, f"{item_path}.{member.name}", build, entry) for member in item.fields
        )
        items.append(
            Widget(
                kind="group",
                name=item_path,
                label=item.label,
                children=children,
                number=index + 1,
                error=build.errors.get(item_path),
            )
        )
    return replace(
        base,
        kind="repeat",
        items=tuple(items),
        count=slots,
        value=item.label,
        added=path in build.more,
    )


def _walk(root: Any, path: str) -> Any:
    node = root
    for part in path.removeprefix("fields.").split("."):
        match = _ITEM.match(part)
        name, index = (match.group(1), int(match.group(2))) if match else (part, None)
        node = node.get(name) if isinstance(node, Mapping) else None
        if index is not None:
            node = node[index] if isinstance(node, list) and index < len(node) else None
    return node


def _mapping_at(root: Any, path: str) -> Mapping[str, Any]:
    found = _walk(root, path)
    return found if isinstance(found, Mapping) else {}


def _list_at(root: Any, path: str) -> list[Any]:
    found = _walk(root, path)
    return found if isinstance(found, list) else []


def step_widgets(
    rtype: RequestType,
    step: Step,
    flat: Mapping[str, Sequence[str]],
    errors: Mapping[str, FieldError],
    context: Mapping[str, Any],
    more: frozenset[str] = frozenset(),
) -> tuple[Widget, ...]:
    """The controls of one step, in the catalogue's order within the step's own order."""
    build = _Build(flat, errors, context, more)
    local = context.get("fields") or {}
    by_name = {spec.name: spec for spec in rtype.fields}
    return tuple(
        widget(by_name[name], f"fields.{name}", build, local)
        for name in step.names
        if name in by_name
    )


# -- read-only values ---------------------------------------------------------------------------


def shown(
    spec: FieldSpec,
    value: Any,
    path: str,
    errors: Mapping[str, FieldError] | None = None,
    *,
    blanks: bool = False,
) -> Shown | None:
    """A field's value as read-only text with its catalogue label; None for a blank value
    unless ``blanks`` (the review shows every field, so a missing one can be marked)."""
    error = (errors or {}).get(path)
    base = Shown(kind="text", name=path, label=spec.label, error=error)
    if is_blank(value):
        return replace(base, kind="blank") if blanks or error is not None else None
    kind = spec.type
    if kind is FieldType.OBJECT and isinstance(value, Mapping):
        members = (
            shown(member, value.get(member.name), f"{path}.{member.name}", errors, blanks=blanks)
            for member in spec.fields
        )
        return replace(base, kind="group", children=tuple(m for m in members if m is not None))
    if kind is FieldType.LIST and isinstance(value, list):
        item = spec.items
        if item is not None and item.type is FieldType.OBJECT:
            entries = []
            for index, entry in enumerate(value):
                member = shown(item, entry, f"{path}[{index}]", errors, blanks=blanks)
                if member is not None:
                    entries.append(replace(member, number=index + 1))
            return replace(base, kind="items", children=tuple(entries))
        if item is not None and item.type is FieldType.ENUM:
            return replace(base, kind="codes", codes=tuple(str(entry) for entry in value))
        return replace(base, kind="lines", codes=tuple(str(entry) for entry in value))
    if kind is FieldType.ENUM:
        return replace(base, kind="codes", codes=(str(value),))
    if kind is FieldType.BOOLEAN:
        return replace(base, kind="yes" if value is True else "no")
    return replace(base, text=str(value))


def shown_fields(
    rtype: RequestType,
    values: Mapping[str, Any],
    errors: Mapping[str, FieldError] | None = None,
    *,
    names: Sequence[str] | None = None,
    blanks: bool = False,
) -> tuple[Shown, ...]:
    """Every field of a request (or those ``names``) as read-only text, in catalogue order."""
    found = []
    for spec in rtype.fields:
        if names is not None and spec.name not in names:
            continue
        item = shown(spec, values.get(spec.name), f"fields.{spec.name}", errors, blanks=blanks)
        if item is not None:
            found.append(item)
    return tuple(found)


# -- the side panel -----------------------------------------------------------------------------


def problems(
    rtype: RequestType,
    issues: Sequence[FieldIssue],
    href: Any,
) -> tuple[Problem, ...]:
    """Issues as the panel lists them: the field's labels, the message, a link to it."""
    return tuple(
        Problem(href=href(issue.path), parts=label_parts(rtype, issue.path), message=issue.message)
        for issue in issues
    )


def shown_findings(
    rtype: RequestType, findings: Sequence[Finding], href: Any
) -> tuple[ShownFinding, ...]:
    """Findings with links to the request's fields they read (other inputs, such as a
    State's penalty table, are not fields of the request and get no link)."""
    names = {spec.name for spec in rtype.fields}
    found = []
    for finding in findings:
        concerns = []
        for raw in finding.paths:
            top = re.split(r"[.\[]", raw, maxsplit=1)[0]
            if top in names:
                path = f"fields.{raw}"
                concerns.append(Problem(href(path), label_parts(rtype, path), ""))
        found.append(ShownFinding(finding, tuple(concerns)))
    return tuple(found)


@dataclass(frozen=True)
class Panel:
    """What the side panel shows: what is missing, and the legal engine's findings."""

    missing: tuple[Problem, ...]
    findings: tuple[ShownFinding, ...]
    note: str = ""
    # Problems with the values on the screen (not saved yet), by field.
    invalid: tuple[Problem, ...] = ()


def assess(ctx: ServiceContext, request: CooperationRequest) -> tuple[tuple[Finding, ...], str]:
    """The legal engine's findings for ``request`` as it stands (stored or on the screen);
    none, and why, where a State is not in the directory."""
    try:
        return assessments.assess_request(ctx, request).findings, ""
    except DirectoryError as error:
        return (), error.detail


def panel_for(
    ctx: ServiceContext,
    request: CooperationRequest,
    rtype: RequestType,
    current: int | None,
    invalid: Mapping[str, FieldError] | None = None,
) -> Panel:
    """The side panel of a draft: its missing fields and findings, with links to the fields."""
    steps = steps_for(rtype)

    def href(path: str) -> str:
        return link_to(request.id, steps, path, current)

    findings, note = assess(ctx, request)
    return Panel(
        missing=problems(rtype, request.completeness(rtype), href),
        findings=shown_findings(rtype, findings, href),
        note=note,
        invalid=tuple(
            Problem(href(path), label_parts(rtype, path), error.text, error.params)
            for path, error in (invalid or {}).items()
        ),
    )


def on_screen(request: CooperationRequest, parsed: Parsed) -> CooperationRequest:
    """The draft as it would be with the values on the screen, never stored: the same merge
    the service applies, on a copy. A field whose value is not valid keeps its stored value."""
    patch = dict(parsed.fields)
    for path in parsed.errors:
        top = re.split(r"[.\[]", path.removeprefix("fields."), maxsplit=1)[0]
        patch.pop(top, None)
    return replace(
        request,
        fields=merge_patch(request.fields, patch),
        history=list(request.history),
        events=[],
        **parsed.header,
    )


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


def usernames(ctx: ServiceContext) -> dict[str, str]:
    """Every account's username by id (to name drafters and approvers)."""
    return {user.id: user.username for user in users.list_users(ctx)}


def _require_drafter(officer: Officer) -> None:
    if not officer.has(Role.DRAFTER):
        raise PermissionDeniedError("drafting needs the role drafter")


@router.get("/drafts", response_class=HTMLResponse)
def drafts(request: Request, officer: SignedIn) -> Response:
    """The drafts of the officer's authority, those sent back first, with the comment."""
    ctx = _ctx(request)
    found = requests.find(
        ctx,
        actor=officer.user,
        query=RequestQuery(
            authority_id=officer.user.authority_id,
            status=Status.DRAFT,
            side=Side.REQUESTING,
            limit=200,
        ),
    )
    names = usernames(ctx)
    rows = []
    for view in found:
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
    profile = _one(flat, "profile")
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
        chosen={name: _one(flat, name) for name in ("type_code", *HEADER)},
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
    code = _one(flat, "type_code")
    rtype = ctx.catalogue.types.get(code)
    if rtype is None:
        errors["type_code"] = FieldError(REQUIRED_CHOICE)
    header = parse_header(ctx, flat, errors, None)
    if "requested_state" not in header and "requested_state" not in errors:
        errors["requested_state"] = FieldError(REQUIRED_CHOICE)
    if rtype is not None:
        _check_for_type(ctx, rtype, header, errors)
    if errors or rtype is None:
        return _new_page(request, officer, flat, errors, 422)
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
        return _new_page(request, officer, flat, {"type_code": FieldError(error.detail)}, 422)
    except UnknownProfileError as error:
        return _new_page(request, officer, flat, {"profile": FieldError(error.detail)}, 422)
    except InvalidFieldsError as error:
        found = {issue.path: FieldError(issue.message) for issue in error.issues}
        return _new_page(request, officer, flat, found, 422)
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
        errors.setdefault("profile", FieldError(NOT_FOR_TYPE, choices=_profiles_for(ctx, rtype)))
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
        review=shown_fields(rtype, item.fields, errors, blanks=True) if step.review else (),
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
        "profiles": [ctx.catalogue.profiles[code] for code in _profiles_for(ctx, rtype)],
        "urgencies": tuple(rtype.urgencies),
        "channels": tuple(rtype.channels_under(item.profile)),
        "values": {name: _one(flat, name) for name in HEADER},
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
    rtype = ctx.catalogue.type(item.type_code)
    steps = steps_for(rtype)
    number = _step_number(_one(flat_form(form), "step"), steps)
    parsed = parse_step(ctx, rtype, steps[number - 1], flat_form(form), profile_now=item.profile)
    trial = on_screen(item, parsed)
    panel = panel_for(ctx, trial, rtype, number, parsed.errors)
    return render(request, "ui/draft_panel.html", officer, item=item, panel=panel)


def _action(flat: Mapping[str, Sequence[str]]) -> tuple[str, str]:
    """The button pressed: ``save``, ``next``, ``previous``, ``goto``, ``add`` or ``remove``,
    with its argument (a step number or a field path)."""
    raw = _one(flat, "action") or "save"
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
    rtype = ctx.catalogue.type(item.type_code)
    steps = steps_for(rtype)
    flat = flat_form(form)
    number = _step_number(_one(flat, "step"), steps)
    step = steps[number - 1]
    verb, argument = _action(flat)
    removed = argument if verb == "remove" else ""
    parsed = parse_step(ctx, rtype, step, flat, remove=removed, profile_now=item.profile)
    try:
        version = int(_one(flat, "version"))
    except ValueError:
        version = item.version
    if parsed.errors:
        trial = on_screen(item, parsed)
        return _draft_page(
            request,
            officer,
            item,
            number,
            flat=flat,
            errors=parsed.errors,
            on_page=trial,
            status=422,
            version=version,
        )
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
        except ConcurrencyError:
            alert = FieldError(CONFLICT, {"yours": str(version), "now": str(item.version)})
            return _draft_page(
                request,
                officer,
                item,
                number,
                flat=flat,
                alert=alert,
                status=409,
                version=version,
            )
        except InvalidFieldsError as error:
            found = {issue.path: FieldError(issue.message) for issue in error.issues}
            return _draft_page(
                request,
                officer,
                item,
                number,
                flat=flat,
                errors=found,
                status=422,
                version=version,
            )
        except (TypeNotAvailableError, UnknownProfileError) as error:
            found = {"profile": FieldError(error.detail)}
            return _draft_page(
                request,
                officer,
                item,
                number,
                flat=flat,
                errors=found,
                status=422,
                version=version,
            )
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
        errors = {issue.path: FieldError(issue.message) for issue in error.issues}
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


def urgency_rank(item: CooperationRequest) -> int:
    """Emergencies first, then urgent requests, then the rest."""
    return _URGENCY_ORDER.get(item.urgency, len(_URGENCY_ORDER))
