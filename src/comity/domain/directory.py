"""The federation directory: who the States Party are, how to reach them, which keys are theirs.

This module holds the directory as data and the rules that read it; signatures are checked by
the crypto adapter before anything here sees a document (verify, then parse). A State's entry
is signed by that State's root and the whole list by the directory operator (architecture §5),
so parsing here can trust the bytes but still refuses any shape it does not know: a directory
that cannot be fully understood is not used at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from comity.domain.errors import DirectoryError, SignerUntrustedError, TrustStaleError
from comity.domain.fields import parse_instant
from comity.domain.values import AuthorityKind, Channel, ConductCategory

# Forms of cooperation that go to the 24/7 point of contact rather than the central authority
# (statement Q12, Q17, Q21; UNCC art. 41).
VIA_24_7: frozenset[str] = frozenset(
    {"emergency_mla", "emergency_disclosure", "preservation", "traffic_disclosure"}
)

DECLARATION_FLAGS = (
    "extradites_nationals",
    "traffic_data_requires_judicial_authorisation",
    "accepts_electronic_originals",
    "political_offence_exception",
)


@dataclass(frozen=True)
class TransferRestriction:
    """A declared restriction on transferring personal data to another State."""

    to: str
    ground: str


@dataclass(frozen=True)
class Declarations:
    """What a State declared or reserved when joining (legal.md §7)."""

    extradites_nationals: bool = False
    traffic_data_requires_judicial_authorisation: bool = False
    accepts_electronic_originals: bool = True
    political_offence_exception: bool = True
    cross_border_transfer_restrictions: tuple[TransferRestriction, ...] = ()

    def restricts_transfer_to(self, state: str) -> tuple[TransferRestriction, ...]:
        """The declared restrictions on transfers to ``state``."""
        return tuple(r for r in self.cross_border_transfer_restrictions if r.to == state)


@dataclass(frozen=True)
class DirectoryAuthority:
    """An authority a State publishes: central authority, 24/7 point, foreign ministry, …"""

    code: str
    kind: AuthorityKind
    name: str
    time_zone: str = "UTC"
    hours: str = ""
    contact: str = ""


@dataclass(frozen=True)
class PublishedKey:
    """A public key a State publishes: ``purpose`` is ``sig`` (Ed25519) or ``enc`` (X25519)."""

    kid: str
    purpose: str
    jwk: Mapping[str, str]


@dataclass(frozen=True)
class StateEntry:
    """One State Party's entry, as its root signed it."""

    code: str
    name: str
    endpoint: str
    profiles: tuple[str, ...]
    languages: tuple[str, ...]
    authorities: tuple[DirectoryAuthority, ...]
    keys: tuple[PublishedKey, ...]
    tls_ca_pem: str
    declarations: Declarations
    # Conduct category → maximum penalty in months; an absent category is not an offence.
    penalties: Mapping[str, int] = field(default_factory=dict)

    def key(self, kid: str) -> PublishedKey:
        """The published key with that id; old keys stay listed to verify old messages."""
        for key in self.keys:
            if key.kid == kid:
                return key
        raise SignerUntrustedError(f"{self.code} publishes no key {kid!r}")

    @property
    def encryption_key(self) -> PublishedKey:
        """The key messages to this State are encrypted to: the last one published."""
        keys = [key for key in self.keys if key.purpose == "enc"]
        if not keys:
            raise DirectoryError(f"{self.code} publishes no encryption key")
        return keys[-1]

    def authority(self, kind: AuthorityKind) -> DirectoryAuthority:
        """The State's authority of that kind."""
        for authority in self.authorities:
            if authority.kind is kind:
                return authority
        raise DirectoryError(f"{self.code} publishes no {kind} authority")

    def receiving_authority(self, type_code: str, channel: Channel) -> DirectoryAuthority:
        """Where a request of this type arrives: the 24/7 point for the urgent data forms
        and for anything sent through the 24/7 network, the central authority otherwise."""
        if type_code in VIA_24_7 or channel is Channel.NETWORK_24_7:
            return self.authority(AuthorityKind.POC_24_7)
        return self.authority(AuthorityKind.CENTRAL_AUTHORITY)

    def max_penalty_months(self, category: ConductCategory) -> int | None:
        """The maximum penalty for the conduct, or None where it is not an offence."""
        return self.penalties.get(str(category))


@dataclass(frozen=True)
class Directory:
    """The operator-signed list of States Party, with its sequence number and validity."""

    sequence: int
    issued_at: datetime
    next_update: datetime
    states: Mapping[str, StateEntry]

    def check_fresh(self, now: datetime, grace: timedelta) -> None:
        """Fail closed once the directory is past its next update plus the grace period."""
        if now > self.next_update + grace:
            raise TrustStaleError(
                f"directory #{self.sequence} was due for renewal at "
                f"{self.next_update.isoformat()}; nothing is sent or accepted until a newer "
                "one is installed"
            )

    def state(self, code: str) -> StateEntry:
        """The entry of State ``code``."""
        entry = self.states.get(code)
        if entry is None:
            raise DirectoryError(f"{code} is not a State Party in directory #{self.sequence}")
        return entry

    def signer(self, kid: str) -> tuple[StateEntry, PublishedKey]:
        """The State that published signing key ``kid``, and the key."""
        for entry in self.states.values():
            for key in entry.keys:
                if key.kid == kid and key.purpose == "sig":
                    return entry, key
        raise SignerUntrustedError(f"no State Party publishes the signing key {kid!r}")

    def replaces(self, current: Directory | None) -> bool:
        """True if this directory may replace ``current``: sequence numbers only go up."""
        return current is None or self.sequence > current.sequence


def parse_entry(document: Mapping[str, Any]) -> StateEntry:
    """A State entry from its verified JSON document; every problem names its path."""
    reader = _Reader(document, "entry")
    code = reader.text("code")
    declarations = reader.mapping("declarations")
    restrictions = tuple(
        TransferRestriction(to=item.text("to"), ground=item.text("ground"))
        for item in declarations.items("cross_border_transfer_restrictions", required=False)
    )
    return StateEntry(
        code=code,
        name=reader.text("name"),
        endpoint=reader.text("endpoint"),
        profiles=reader.texts("profiles"),
        languages=reader.texts("languages"),
        authorities=tuple(
            DirectoryAuthority(
                code=item.text("code"),
                kind=item.choice("kind", AuthorityKind),
                name=item.text("name"),
                time_zone=item.text("time_zone", default="UTC"),
                hours=item.text("hours", default=""),
                contact=item.text("contact", default=""),
            )
            for item in reader.items("authorities")
        ),
        keys=tuple(
            PublishedKey(
                kid=item.text("kid"), purpose=item.purpose(), jwk=item.mapping("jwk").strings()
            )
            for item in reader.items("keys")
        ),
        tls_ca_pem=reader.text("tls_ca_pem"),
        declarations=Declarations(
            **{flag: declarations.flag(flag) for flag in DECLARATION_FLAGS},
            cross_border_transfer_restrictions=restrictions,
        ),
        penalties=_penalties(reader.mapping("penalties")),
    )


def parse_directory(document: Mapping[str, Any], entries: Sequence[StateEntry]) -> Directory:
    """The directory from its verified list document and its already verified entries."""
    reader = _Reader(document, "directory")
    sequence = reader.raw.get("sequence")
    if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 1:
        raise DirectoryError("directory.sequence must be a positive integer")
    issued_at, next_update = reader.instant("issued_at"), reader.instant("next_update")
    if next_update <= issued_at:
        raise DirectoryError("directory.next_update must come after issued_at")
    states: dict[str, StateEntry] = {}
    kids: set[str] = set()
    for entry in entries:
        if entry.code in states:
            raise DirectoryError(f"directory lists {entry.code} twice")
        # A key id names one key of one State, or one State could answer for another.
        for key in entry.keys:
            if key.kid in kids:
                raise DirectoryError(f"key id {key.kid!r} is published more than once")
            kids.add(key.kid)
        states[entry.code] = entry
    return Directory(sequence, issued_at, next_update, states)


def entry_document(entry: StateEntry) -> dict[str, Any]:
    """The JSON document of an entry (what its State's root signs)."""
    return {
        "code": entry.code,
        "name": entry.name,
        "endpoint": entry.endpoint,
        "profiles": list(entry.profiles),
        "languages": list(entry.languages),
        "authorities": [
            {
                "code": a.code,
                "kind": str(a.kind),
                "name": a.name,
                "time_zone": a.time_zone,
                "hours": a.hours,
                "contact": a.contact,
            }
            for a in entry.authorities
        ],
        "keys": [{"kid": k.kid, "purpose": k.purpose, "jwk": dict(k.jwk)} for k in entry.keys],
        "tls_ca_pem": entry.tls_ca_pem,
        "declarations": {
            **{flag: getattr(entry.declarations, flag) for flag in DECLARATION_FLAGS},
            "cross_border_transfer_restrictions": [
                {"to": r.to, "ground": r.ground}
                for r in entry.declarations.cross_border_transfer_restrictions
            ],
        },
        "penalties": dict(entry.penalties),
    }


def _penalties(reader: _Reader) -> dict[str, int]:
    known = {str(category) for category in ConductCategory}
    penalties: dict[str, int] = {}
    for category, months in reader.raw.items():
        if category not in known:
            raise DirectoryError(f"{reader.path}.{category} is not a conduct category")
        if not isinstance(months, int) or isinstance(months, bool) or months < 0:
            raise DirectoryError(f"{reader.path}.{category} must be a number of months")
        penalties[category] = months
    return penalties


class _Reader:
    """Reads one JSON object, naming the path of anything missing or of the wrong type."""

    def __init__(self, raw: Any, path: str) -> None:
        if not isinstance(raw, Mapping):
            raise DirectoryError(f"{path} must be an object")
        self.raw: Mapping[str, Any] = raw
        self.path = path

    def text(self, name: str, *, default: str | None = None) -> str:
        value = self.raw.get(name, default)
        if not isinstance(value, str) or (default is None and not value):
            raise DirectoryError(f"{self.path}.{name} must be a non-empty string")
        return value

    def texts(self, name: str) -> tuple[str, ...]:
        value = self.raw.get(name)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise DirectoryError(f"{self.path}.{name} must be a list of strings")
        return tuple(value)

    def flag(self, name: str) -> bool:
        value = self.raw.get(name)
        if not isinstance(value, bool):
            raise DirectoryError(f"{self.path}.{name} must be true or false")
        return value

    def choice(self, name: str, kind: type[AuthorityKind]) -> AuthorityKind:
        value = self.text(name)
        try:
            return kind(value)
        except ValueError:
            raise DirectoryError(f"{self.path}.{name}: unknown value {value!r}") from None

    def instant(self, name: str) -> datetime:
        value = parse_instant(self.text(name))
        if value is None:
            raise DirectoryError(f"{self.path}.{name} must be a date-time with a time zone")
        return value

    def purpose(self) -> str:
        value = self.text("purpose")
        if value not in ("sig", "enc"):
            raise DirectoryError(f"{self.path}.purpose must be sig or enc")
        return value

    def strings(self) -> dict[str, str]:
        if not all(isinstance(value, str) for value in self.raw.values()):
            raise DirectoryError(f"{self.path} members must be strings")
        return dict(self.raw)

    def mapping(self, name: str) -> _Reader:
        return _Reader(self.raw.get(name), f"{self.path}.{name}")

    def items(self, name: str, *, required: bool = True) -> list[_Reader]:
        value = self.raw.get(name, None if required else [])
        if not isinstance(value, list):
            raise DirectoryError(f"{self.path}.{name} must be a list")
        return [_Reader(item, f"{self.path}.{name}[{i}]") for i, item in enumerate(value)]
