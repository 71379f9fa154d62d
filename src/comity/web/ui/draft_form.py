"""The conversion between a draft's form values and the catalogue's field types.

A submitted form is read into the fields' values (with a message for each control whose text
does not fit its type), and a stored draft is written back as the values its form would submit,
so a step's controls show what is stored."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from starlette.datastructures import FormData

from comity.domain.catalogue import FieldSpec, FieldType, RequestType
from comity.domain.conditions import is_blank
from comity.domain.errors import FieldIssue
from comity.domain.fields import (
    DEFAULT_STRING_LENGTH,
    DEFAULT_TEXT_LENGTH,
    MAX_LIST_ITEMS,
    storable_text,
    structural_issues,
)
from comity.domain.requests import CooperationRequest, merge_patch
from comity.domain.values import Availability, Channel, Urgency
from comity.services.context import ServiceContext
from comity.web.ui.draft_steps import (
    Step,
)
from comity.web.ui.i18n import N_

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


@dataclass(frozen=True)
class FieldError:
    """A message shown next to a field: a text to translate, with its values."""

    text: str
    params: Mapping[str, str] = field(default_factory=dict)
    # Catalogue values to list after the text (shown with ``enum_label``).
    choices: tuple[str, ...] = ()


@dataclass
class Parsed:
    """The values of a submitted step, converted to the fields' types, and what was wrong."""

    fields: dict[str, Any] = field(default_factory=dict)
    header: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, FieldError] = field(default_factory=dict)


def flat_form(form: FormData) -> dict[str, list[str]]:
    """Every text value of a submitted form by name (files are never part of these forms)."""
    flat: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            flat.setdefault(name, []).append(value)
    return flat


def issue_errors(issues: Sequence[FieldIssue]) -> dict[str, FieldError]:
    """The domain's issues with a draft's fields as the messages shown at those fields."""
    return {issue.path: FieldError(issue.message) for issue in issues}


def first_value(flat: Mapping[str, Sequence[str]], name: str) -> str:
    """The first value submitted under ``name``; empty when there is none."""
    values = flat.get(name)
    return values[0] if values else ""


def item_count(flat: Mapping[str, Sequence[str]], path: str) -> int:
    """How many item slots of a list the form showed (bounded as the domain bounds lists)."""
    try:
        count = int(first_value(flat, path + "#count") or 0)
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
    text = first_value(flat, path)
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
        for index in range(item_count(flat, path)):
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
    for line in first_value(flat, path).splitlines():
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
    state = first_value(flat, "requested_state").strip().upper()
    if state:
        if not _STATE_CODE.fullmatch(state):
            errors["requested_state"] = FieldError(STATE)
        elif state == ctx.state:
            errors["requested_state"] = FieldError(OWN_STATE)
        else:
            header["requested_state"] = state
    profile = first_value(flat, "profile").strip()
    if profile:
        if profile not in ctx.catalogue.profiles:
            errors["profile"] = FieldError(CHOOSE)
        elif rtype is not None and (
            rtype.basis_under(profile).availability is Availability.UNAVAILABLE
        ):
            errors["profile"] = FieldError(NOT_FOR_TYPE, choices=profiles_for(ctx, rtype))
        else:
            header["profile"] = profile
    urgency = first_value(flat, "urgency").strip()
    if urgency:
        if urgency not in tuple(Urgency):
            errors["urgency"] = FieldError(CHOOSE)
        elif rtype is not None and urgency not in rtype.urgencies:
            errors["urgency"] = FieldError(NOT_FOR_TYPE, choices=tuple(rtype.urgencies))
        else:
            header["urgency"] = Urgency(urgency)
    channel = first_value(flat, "channel").strip()
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


def profiles_for(ctx: ServiceContext, rtype: RequestType) -> tuple[str, ...]:
    """The codes of the profiles under which the type can be requested at all."""
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
