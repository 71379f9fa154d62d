"""The facts one assessment reads: the request, its framework profile and the two States.

Everything is plain data; the service layer builds a ``Case`` from a request or from the
assessment API's input, and from the directory (or a what-if override of it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from comity.domain.catalogue import Profile, RequestType
from comity.domain.directory import Declarations
from comity.domain.values import Channel, ConductCategory, Urgency


@dataclass(frozen=True)
class OffenceFacts:
    """One offence the request concerns, with its maximum penalty in the requesting State."""

    conduct: ConductCategory
    max_penalty_months: int | None = None
    death_penalty_possible: bool = False
    committed_in_requested_state: bool = False
    # None: decided from the conduct category (every category but ``other`` is one of the
    # convention's offences).
    convention_offence: bool | None = None
    fiscal: bool = False
    # Rides along with a qualifying offence (accessory-offence rule, R-THR-03).
    accessory: bool = False

    @property
    def in_convention(self) -> bool:
        """True if the conduct is one of the convention's offences."""
        if self.convention_offence is not None:
            return self.convention_offence
        return self.conduct is not ConductCategory.OTHER


@dataclass(frozen=True)
class PersonFacts:
    """A person the request concerns: role (``accused``, ``sentenced``, ``witness``…) and
    nationalities."""

    role: str
    nationalities: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequestedSideFacts:
    """What only the requested State knows; None means not assessed yet."""

    essential_interests_prejudiced: bool | None = None
    discrimination_concerns: bool | None = None
    # ``none``, ``pending`` (own proceedings for the same offence) or ``final_judgment``.
    prior_proceedings: str = "none"
    time_barred: bool | None = None
    own_investigation_disturbed: bool | None = None
    # The requesting State was consulted before a refusal (UNTOC 18(26), 16(16)).
    consulted: bool = False


@dataclass(frozen=True)
class StateFacts:
    """What the directory (or a what-if) says of one State."""

    code: str
    # Conduct category → maximum penalty in months; None: the table is not known.
    penalties: Mapping[str, int] | None = None
    languages: tuple[str, ...] = ()
    declarations: Declarations = field(default_factory=Declarations)

    def max_penalty(self, conduct: ConductCategory) -> int | None:
        """The maximum penalty for the conduct; None if unknown or not an offence (see
        ``criminalises``)."""
        if self.penalties is None:
            return None
        return self.penalties.get(str(conduct))

    def criminalises(self, conduct: ConductCategory) -> bool | None:
        """True/False from the penalty table (absent = not an offence); None if unknown."""
        if self.penalties is None:
            return None
        return str(conduct) in self.penalties


@dataclass(frozen=True)
class Case:
    """One request to assess."""

    profile: Profile
    rtype: RequestType
    requesting: StateFacts
    requested: StateFacts
    urgency: Urgency
    channel: Channel
    fields: Mapping[str, Any]
    offences: tuple[OffenceFacts, ...] = ()
    persons: tuple[PersonFacts, ...] = ()
    requested_side: RequestedSideFacts = field(default_factory=RequestedSideFacts)

    def flag(self, name: str, default: Any = None) -> Any:
        """A profile flag (legal.md §7)."""
        return self.profile.flags.get(name, default)

    def threshold(self, name: str, default: int) -> int:
        """A profile threshold in months."""
        return int(self.profile.thresholds.get(name, default))

    def has(self, name: str) -> bool:
        """True if the field is present and not empty."""
        value = self.fields.get(name)
        return value not in (None, "", [], {})
