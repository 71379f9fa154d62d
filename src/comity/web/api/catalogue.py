"""The catalogue of forms of cooperation and the framework profiles, for drafting and clients."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter

from comity.domain.catalogue import FieldSpec, Profile, RequestType
from comity.domain.conditions import describe
from comity.domain.errors import NotFoundError, UnknownRequestTypeError
from comity.web.api.schemas import ProblemOut
from comity.web.deps import Context

router = APIRouter(prefix="/catalogue", tags=["catalogue"])


@router.get("")
def catalogue(ctx: Context) -> dict[str, Any]:
    """Every framework profile and every request type with its fields, channels and timers."""
    cat = ctx.catalogue
    return {
        "default_profile": cat.default_profile.code,
        "conduct_categories": list(cat.conduct_categories),
        "profiles": [profile_out(profile) for profile in cat.profiles.values()],
        "types": [type_out(rtype) for rtype in sorted(cat.types.values(), key=lambda t: t.ref)],
    }


@router.get("/types/{code}", responses={404: {"model": ProblemOut}})
def request_type(code: str, ctx: Context) -> dict[str, Any]:
    """One request type."""
    try:
        return type_out(ctx.catalogue.type(code))
    except UnknownRequestTypeError as error:
        raise NotFoundError(error.detail) from None


def iso_duration(delta: timedelta) -> str:
    """``timedelta`` as an ISO 8601 duration (days and hours are all the catalogue uses)."""
    days, rest = divmod(int(delta.total_seconds()), 86_400)
    hours = rest // 3600
    return "P" + (f"{days}D" if days else "") + (f"T{hours}H" if hours else "") if delta else "PT0H"


def profile_out(profile: Profile) -> dict[str, Any]:
    """A profile as JSON."""
    return {
        "code": profile.code,
        "title": profile.title,
        "description": profile.description,
        "default": profile.default,
        "instruments": list(profile.instruments),
        "flags": dict(profile.flags),
        "thresholds": dict(profile.thresholds),
        "durations": {name: iso_duration(value) for name, value in profile.durations.items()},
        "reminders": {
            name: [iso_duration(value) for value in values]
            for name, values in profile.reminders.items()
        },
        "excluded_forms": [
            {"code": f.code, "title": f.title, "reason": f.reason, "legal_basis": list(f.basis)}
            for f in profile.excluded_forms
        ],
    }


def type_out(rtype: RequestType) -> dict[str, Any]:
    """A request type as JSON."""
    return {
        "code": rtype.code,
        "ref": rtype.ref,
        "title": rtype.title,
        "summary": rtype.summary,
        "description": rtype.description,
        "coercive": rtype.coercive,
        "channels": list(rtype.channels),
        "urgencies": list(rtype.urgencies),
        "default_channel": rtype.default_channel,
        "default_urgency": rtype.default_urgency,
        "legal_basis": {
            code: {
                "availability": basis.availability,
                "citations": list(basis.citations),
                "channels": list(rtype.channels_under(code)),
                "note": basis.note,
            }
            for code, basis in rtype.legal_basis.items()
        },
        "safeguards": [
            {
                "code": s.code,
                "description": s.description,
                "legal_basis": list(s.basis),
                "applies_when": describe(s.applies_when) if s.applies_when else None,
            }
            for s in rtype.safeguards
        ],
        "timers": [
            {
                "code": t.code,
                "label": t.label,
                "kind": t.kind,
                "starts": f"status {t.start_status}"
                if t.start_status
                else f"field {t.start_field}",
                "after": iso_duration(t.after) if t.after is not None else None,
                "after_profile_duration": t.after_profile,
                "side": t.side,
                "applies_when": describe(t.applies_when) if t.applies_when else None,
                "legal_basis": list(t.basis),
            }
            for t in rtype.timers
        ],
        "fields": [field_out(spec) for spec in rtype.fields],
    }


def field_out(spec: FieldSpec) -> dict[str, Any]:
    """A field specification as JSON (recursively for objects and lists)."""
    out: dict[str, Any] = {
        "name": spec.name,
        "type": spec.type,
        "label": spec.label,
        "required": spec.required,
    }
    optional: dict[str, Any] = {
        "description": spec.description or None,
        "required_when": describe(spec.required_when) if spec.required_when else None,
        "values": list(spec.values) or None,
        "fields": [field_out(item) for item in spec.fields] or None,
        "items": field_out(spec.items) if spec.items else None,
        "min_items": spec.min_items or None,
        "max_length": spec.max_length,
        "minimum": spec.minimum,
        "const": spec.const,
        "ordered": list(spec.ordered) if spec.ordered else None,
        "legal_basis": list(spec.basis) or None,
    }
    out.update({key: value for key, value in optional.items() if value is not None})
    return out
