"""Checking a request's fields against its catalogue type.

Two passes with different jobs:

* ``structural_issues`` finds what can never be right whatever is added later: unknown fields,
  wrong JSON types, values outside a closed set, malformed dates. Drafts with such issues are
  refused at once, so nothing unusable is stored.
* ``completeness_issues`` finds what is still missing or inconsistent: required and
  conditionally required fields, date ranges in the wrong order, a channel or urgency the type
  does not allow. Drafts may have these; submission may not (statement Q11, Q12).

Both report every problem with its path, never just the first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any

from comity.domain.catalogue import FieldSpec, FieldType, RequestType
from comity.domain.conditions import Context, describe, is_blank
from comity.domain.errors import FieldIssue
from comity.domain.values import Availability

DEFAULT_STRING_LENGTH = 500
DEFAULT_TEXT_LENGTH = 20_000
MAX_LIST_ITEMS = 1_000

_STATE = re.compile(r"[A-Z]{2}")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_DURATION = re.compile(r"P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?")


def structural_issues(specs: tuple[FieldSpec, ...], values: Mapping[str, Any]) -> list[FieldIssue]:
    """Every unknown field and every value of the wrong type or format under ``fields``."""
    return list(_object_issues(specs, values, "fields"))


def _object_issues(
    specs: tuple[FieldSpec, ...], values: Mapping[str, Any], prefix: str
) -> Iterator[FieldIssue]:
    known = {spec.name: spec for spec in specs}
    for name, value in values.items():
        shown = name if storable_text(name) else name.encode("utf-8", "backslashreplace").decode()
        path = f"{prefix}.{shown}"
        spec = known.get(name)
        if spec is None:
            yield FieldIssue(path, "unknown", "this form of cooperation has no such field")
        elif value is not None:
            yield from _value_issues(spec, value, path)


def _value_issues(spec: FieldSpec, value: Any, path: str) -> Iterator[FieldIssue]:
    problem = _type_problem(spec, value)
    if problem is not None:
        yield FieldIssue(path, "invalid", problem)
        return
    if spec.type is FieldType.OBJECT:
        yield from _object_issues(spec.fields, value, path)
    elif spec.type is FieldType.LIST and spec.items is not None:
        for index, item in enumerate(value):
            if item is None:
                yield FieldIssue(f"{path}[{index}]", "invalid", "list items cannot be null")
            else:
                yield from _value_issues(spec.items, item, f"{path}[{index}]")


def _type_problem(spec: FieldSpec, value: Any) -> str | None:
    kind = spec.type
    if kind in (FieldType.STRING, FieldType.TEXT):
        limit = spec.max_length or (
            DEFAULT_TEXT_LENGTH if kind is FieldType.TEXT else DEFAULT_STRING_LENGTH
        )
        if not isinstance(value, str):
            return "must be text"
        if not storable_text(value):
            return "contains NUL characters or unpaired surrogates, which cannot be stored"
        return f"must be at most {limit} characters" if len(value) > limit else None
    if kind is FieldType.INTEGER or kind is FieldType.NUMBER:
        return _number_problem(spec, value)
    if kind is FieldType.BOOLEAN:
        return None if isinstance(value, bool) else "must be true or false"
    if kind is FieldType.OBJECT:
        return None if isinstance(value, dict) else "must be an object"
    if kind is FieldType.LIST:
        if not isinstance(value, list):
            return "must be a list"
        return f"must have at most {MAX_LIST_ITEMS} items" if len(value) > MAX_LIST_ITEMS else None
    if not isinstance(value, str):
        return "must be text"
    return _format_problem(spec, value)


def storable_text(text: str) -> bool:
    """True unless ``text`` holds NUL characters or unpaired surrogates.

    Neither survives the trip: PostgreSQL cannot store NUL in text or JSON, and an unpaired
    surrogate cannot be encoded as UTF-8 at all.
    """
    return _UNSTORABLE.search(text) is None


def _number_problem(spec: FieldSpec, value: Any) -> str | None:
    # JSON has no separate boolean/number types in Python's eyes: True is an int, so refuse it.
    if isinstance(value, bool):
        return "must be a number"
    if spec.type is FieldType.INTEGER:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int):
            return "must be a whole number"
    elif not isinstance(value, (int, float)):
        return "must be a number"
    if spec.minimum is not None and value < spec.minimum:
        return f"must be at least {spec.minimum:g}"
    return None


def _format_problem(spec: FieldSpec, value: str) -> str | None:
    kind = spec.type
    if kind is FieldType.ENUM:
        return None if value in spec.values else f"must be one of: {', '.join(spec.values)}"
    if kind is FieldType.DATE:
        return None if _parse_date(value) is not None else "must be a date (YYYY-MM-DD)"
    if kind is FieldType.DATETIME:
        parsed = _parse_datetime(value)
        return None if parsed is not None else "must be a date and time with a UTC offset"
    patterns = {
        FieldType.DURATION: (_DURATION, "must be an ISO 8601 duration such as P6M"),
        FieldType.STATE: (_STATE, "must be a two-letter State code"),
        FieldType.LANGUAGE: (_LANGUAGE, "must be an ISO 639 language code such as en"),
        FieldType.SHA256: (_SHA256, "must be 64 lower-case hexadecimal characters"),
    }
    pattern, message = patterns[kind]
    return None if pattern.fullmatch(value) else message


def _parse_date(value: str) -> date | None:
    if len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _parse_datetime(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def parse_instant(value: Any) -> datetime | None:
    """A date or datetime field's value as an aware datetime (dates count from midnight UTC)."""
    if not isinstance(value, str):
        return None
    parsed = _parse_datetime(value)
    if parsed is not None:
        return parsed
    day = _parse_date(value)
    if day is None:
        return None
    return datetime.fromisoformat(f"{day.isoformat()}T00:00:00+00:00")


def completeness_issues(rtype: RequestType, profile: str, context: Context) -> list[FieldIssue]:
    """Every missing or inconsistent path of a request, given its context.

    ``context`` holds ``urgency``, ``channel``, ``profile`` and ``fields``, which is what
    catalogue conditions read.
    """
    issues: list[FieldIssue] = []
    channel, urgency = context.get("channel"), context.get("urgency")
    allowed_channels = rtype.channels_under(profile)
    if channel not in allowed_channels:
        allowed = ", ".join(allowed_channels)
        issues.append(FieldIssue("channel", "invalid", f"channels for this type: {allowed}"))
    if urgency not in rtype.urgencies:
        allowed = ", ".join(rtype.urgencies)
        issues.append(FieldIssue("urgency", "invalid", f"urgency levels for this type: {allowed}"))
    fields = context.get("fields") or {}
    issues.extend(_missing_in_object(rtype.fields, fields, "fields", context))
    for pair in rtype.ordered:
        issues.extend(_out_of_order(pair, fields, "fields"))
    basis = rtype.basis_under(profile)
    if basis.availability is Availability.TREATY_ONLY and is_blank(fields.get("legal_basis")):
        issues.append(
            FieldIssue(
                "fields.legal_basis",
                "missing",
                "under this profile the request must cite the treaty or law that provides for it",
            )
        )
    return issues


def _missing_in_object(
    specs: tuple[FieldSpec, ...], values: Mapping[str, Any], prefix: str, context: Context
) -> Iterator[FieldIssue]:
    for spec in specs:
        path = f"{prefix}.{spec.name}"
        value = values.get(spec.name)
        if is_blank(value):
            needed, why = _required(spec, context, values)
            if needed:
                yield FieldIssue(path, "missing", why)
            continue
        yield from _nested_missing(spec, value, path, context)


def _required(spec: FieldSpec, context: Context, local: Mapping[str, Any]) -> tuple[bool, str]:
    if spec.required:
        return True, f"{spec.label} is required"
    if spec.required_when is not None and spec.required_when.holds(context, local):
        return True, f"{spec.label} is required when {describe(spec.required_when)}"
    return False, ""


def _nested_missing(
    spec: FieldSpec, value: Any, path: str, context: Context
) -> Iterator[FieldIssue]:
    if spec.const is not None and value != spec.const:
        yield FieldIssue(path, "invalid", f"{spec.label} must be {spec.const!r}")
    if spec.type is FieldType.OBJECT and isinstance(value, dict):
        yield from _missing_in_object(spec.fields, value, path, context)
        yield from _order_issues(spec, value, path)
    elif spec.type is FieldType.LIST and isinstance(value, list):
        if len(value) < spec.min_items:
            yield FieldIssue(
                path, "missing", f"{spec.label} needs at least {spec.min_items} item(s)"
            )
        if spec.items is not None:
            for index, item in enumerate(value):
                item_path = f"{path}[{index}]"
                if is_blank(item):
                    yield FieldIssue(item_path, "missing", f"{spec.label} has an empty item")
                else:
                    yield from _nested_missing(spec.items, item, item_path, context)


def _order_issues(spec: FieldSpec, value: Mapping[str, Any], path: str) -> Iterator[FieldIssue]:
    if spec.ordered is not None:
        yield from _out_of_order(spec.ordered, value, path)


def _out_of_order(
    pair: tuple[str, str], value: Mapping[str, Any], path: str
) -> Iterator[FieldIssue]:
    first, second = pair
    start, end = parse_instant(value.get(first)), parse_instant(value.get(second))
    if start is not None and end is not None and end < start:
        yield FieldIssue(f"{path}.{second}", "invalid", f"{second} must not be before {first}")
