"""The catalogue of forms of cooperation and the framework profiles, as immutable values.

The catalogue is data (one file per type, loaded and schema-checked by ``comity.catalogue``);
these classes are what the rest of the domain reads. One catalogue serves validation, the
drafting screens, the API schema, deadlines and, later, the legal engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from comity.domain.conditions import Condition
from comity.domain.errors import UnknownProfileError, UnknownRequestTypeError
from comity.domain.values import Availability, Channel, Side, Urgency


class FieldType(StrEnum):
    """The value types a catalogue field can have."""

    STRING = "string"
    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    DURATION = "duration"
    ENUM = "enum"
    STATE = "state"
    LANGUAGE = "language"
    SHA256 = "sha256"
    OBJECT = "object"
    LIST = "list"


@dataclass(frozen=True)
class FieldSpec:
    """One field of a request: its type, whether (and when) it is required, and why."""

    name: str
    type: FieldType
    label: str
    description: str = ""
    required: bool = False
    required_when: Condition | None = None
    values: tuple[str, ...] = ()
    fields: tuple[FieldSpec, ...] = ()
    items: FieldSpec | None = None
    min_items: int = 0
    max_length: int | None = None
    minimum: float | None = None
    const: Any = None
    # For objects: two date or datetime members that must be in order (from <= to).
    ordered: tuple[str, str] | None = None
    basis: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProfileBasis:
    """How a form of cooperation stands under one framework profile."""

    availability: Availability
    citations: tuple[str, ...]
    channels: tuple[Channel, ...] | None = None
    note: str = ""


@dataclass(frozen=True)
class Safeguard:
    """A protection the requested State applies, such as judicial authorisation (Q24)."""

    code: str
    description: str
    basis: tuple[str, ...]
    applies_when: Condition | None = None


@dataclass(frozen=True)
class TimerSpec:
    """A deadline that starts when a request enters a status or when a date field is set.

    ``after`` is a fixed duration or, with ``after_profile``, the profile's value of that name.
    The deadline is met once the request enters one of ``until`` after the start.
    """

    code: str
    label: str
    kind: str
    start_status: str | None = None
    start_field: str | None = None
    after: timedelta | None = None
    after_profile: str | None = None
    reminders_profile: str | None = None
    until: tuple[str, ...] = ()
    applies_when: Condition | None = None
    side: Side | None = None
    basis: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequestType:
    """A form of cooperation: its fields (envelope included), channels, safeguards and timers."""

    code: str
    ref: str
    title: str
    summary: str
    description: str
    coercive: bool
    channels: tuple[Channel, ...]
    urgencies: tuple[Urgency, ...]
    default_channel: Channel
    default_urgency: Urgency
    fields: tuple[FieldSpec, ...]
    legal_basis: Mapping[str, ProfileBasis]
    safeguards: tuple[Safeguard, ...] = ()
    timers: tuple[TimerSpec, ...] = ()
    # Pairs of top-level date fields that must be in order, such as a collection period.
    ordered: tuple[tuple[str, str], ...] = ()

    def basis_under(self, profile: str) -> ProfileBasis:
        """The type's standing under ``profile``; a profile the file omits means unavailable."""
        return self.legal_basis.get(
            profile,
            ProfileBasis(availability=Availability.UNAVAILABLE, citations=()),
        )

    def channels_under(self, profile: str) -> tuple[Channel, ...]:
        """Channels allowed under ``profile``: the profile's own list where it narrows them."""
        override = self.basis_under(profile).channels
        return override if override is not None else self.channels

    def field(self, name: str) -> FieldSpec | None:
        """The top-level field called ``name``, if the type has one."""
        return next((spec for spec in self.fields if spec.name == name), None)


@dataclass(frozen=True)
class ExcludedForm:
    """A form of cooperation a profile rejects outright (e.g. trans-border access, Q19)."""

    code: str
    title: str
    reason: str
    basis: tuple[str, ...]


@dataclass(frozen=True)
class Profile:
    """A legal framework: thresholds, flags, timers and excluded forms, as data (legal.md §7)."""

    code: str
    title: str
    description: str
    instruments: tuple[str, ...]
    flags: Mapping[str, Any]
    thresholds: Mapping[str, int]
    durations: Mapping[str, timedelta]
    reminders: Mapping[str, tuple[timedelta, ...]]
    excluded_forms: tuple[ExcludedForm, ...] = ()
    default: bool = False


@dataclass(frozen=True)
class Catalogue:
    """Every request type and profile, looked up by code."""

    types: Mapping[str, RequestType]
    profiles: Mapping[str, Profile]
    conduct_categories: tuple[str, ...] = field(default=())

    def type(self, code: str) -> RequestType:
        """The request type ``code``; raises ``UnknownRequestTypeError`` if there is none."""
        try:
            return self.types[code]
        except KeyError:
            raise UnknownRequestTypeError(f"there is no request type {code!r}") from None

    def profile(self, code: str) -> Profile:
        """The profile ``code``; raises ``UnknownProfileError`` if there is none."""
        try:
            return self.profiles[code]
        except KeyError:
            raise UnknownProfileError(f"there is no framework profile {code!r}") from None

    @property
    def default_profile(self) -> Profile:
        """The profile used when a request names none (the statement's model)."""
        return next(profile for profile in self.profiles.values() if profile.default)
