"""A formal original: what a request's PDF rendition shows, independent of how it is drawn.

The document is built from the stored request and its catalogue type: every field the type
defines that has a value, in the catalogue's order, with its label; nested objects and lists
keep their structure. Values are plain text here: escaping is the renderer's job, since the
text may come from another State.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from comity.domain.catalogue import FieldSpec, RequestType
from comity.domain.errors import FieldIssue, InvalidFieldsError
from comity.domain.events import Event

#: The six UN languages and their writing direction.
LANGUAGES: Mapping[str, str] = {
    "ar": "rtl",
    "zh": "ltr",
    "en": "ltr",
    "fr": "ltr",
    "ru": "ltr",
    "es": "ltr",
}


def direction(lang: str) -> str:
    """``rtl`` or ``ltr``; ``InvalidFieldsError`` for a language that is not a UN language."""
    try:
        return LANGUAGES[lang]
    except KeyError:
        raise InvalidFieldsError(
            (FieldIssue("lang", "invalid", f"one of {', '.join(sorted(LANGUAGES))}"),)
        ) from None


@dataclass(frozen=True)
class Entry:
    """One labelled value; ``children`` for an object or a list, ``text`` otherwise."""

    label: str
    text: str = ""
    children: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class OriginalDocument:
    """Everything a rendition shows, in the request's own words (labels in English: the
    renderer translates them)."""

    lang: str
    dir: str
    title: str
    reference: str
    status: str
    requesting_state: str
    requested_state: str
    authority: str
    profile: str
    urgency: str
    channel: str
    legal_basis: tuple[str, ...]
    approved: bool
    rendered_at: datetime
    entries: tuple[Entry, ...]


def _entry(spec: FieldSpec, value: Any) -> Entry | None:
    if value is None or value == "" or value == [] or value == {}:
        return None
    if isinstance(value, Mapping):
        known = [e for s in spec.fields if (e := _entry(s, value.get(s.name))) is not None]
        # Members the catalogue does not define (another State's newer version) still show.
        names = {s.name for s in spec.fields}
        extra = [Entry(str(k), str(v)) for k, v in value.items() if k not in names and v]
        return Entry(spec.label, children=tuple(known + extra))
    if isinstance(value, list):
        item = spec.items or FieldSpec(name="item", type=spec.type, label=spec.label)
        items = [e for v in value if (e := _entry(item, v)) is not None]
        return Entry(spec.label, children=tuple(items))
    if isinstance(value, bool):
        return Entry(spec.label, "yes" if value else "no")
    return Entry(spec.label, str(value))


def entries(rtype: RequestType, fields: Mapping[str, Any]) -> tuple[Entry, ...]:
    """The request's filled fields as labelled entries, in the catalogue's order."""
    return tuple(e for spec in rtype.fields if (e := _entry(spec, fields.get(spec.name))))


@dataclass(frozen=True)
class OriginalSigned(Event):
    """A signed original of a request was made and attached to it (``object_id``: request)."""

    original_id: str
    lang: str
    sha256: str
    certificate_sha256: str
    tag = "request:original:signed"
