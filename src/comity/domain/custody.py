"""The chain of custody of an evidence package: signed records, each bound to the one before.

Every step a package goes through (sealed, sent, received, verified, stored, opened,
exported, deleted, rejected, or found broken) is a ``CustodyRecord``: which package, its
place in the chain, who did it (an opaque id such as a user id or ``node:XA``, never a name),
when, in which State, and the digest the step concerns (the package's Merkle root, or one
file's SHA-256). The node of the State where the step happened signs the record; each record
carries the SHA-256 of the previous record's signed token, so a record cannot be removed,
reordered or rewritten without breaking the chain, and every State only ever appends.

Everything here is pure: times are passed in. Reading a record is strict, because records
arrive from other States: unknown or missing members and wrong types are refused with
``CustodyBrokenError`` naming the member. ``check_chain`` names the first fault of a chain.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from comity.domain.errors import CustodyBrokenError, PackageUnsafeError
from comity.domain.evidence import check_package_id, check_path

__all__ = [
    "GENESIS",
    "MAX_DETAIL",
    "CustodyAction",
    "CustodyRecord",
    "check_chain",
    "next_record",
    "token_digest",
]

#: The ``previous`` of the first record: there is no token before it.
GENESIS = "0" * 64
#: Longest ``detail`` a record may carry: a short note, never a document.
MAX_DETAIL = 500
# Sequence numbers beyond 2**53 cannot travel exactly in canonical JSON.
_MAX_SEQUENCE = 2**53
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
_MEMBERS = frozenset(
    {
        "package_id",
        "sequence",
        "previous",
        "action",
        "actor",
        "at",
        "place",
        "digest",
        "file",
        "detail",
    }
)


class CustodyAction(StrEnum):
    """What happened to the package (or one of its files)."""

    SEALED = "sealed"
    SENT = "sent"
    RECEIVED = "received"
    VERIFIED = "verified"
    STORED = "stored"
    OPENED = "opened"
    EXPORTED = "exported"
    DELETED = "deleted"
    REJECTED = "rejected"
    CUSTODY_BROKEN = "custody_broken"


@dataclass(frozen=True)
class CustodyRecord:
    """One step in a package's custody (document form: ``to_document``).

    ``previous`` is the hex SHA-256 of the previous record's signed token (``GENESIS`` for the
    first); ``digest`` is the package's Merkle root for a package-level step, or the SHA-256
    of ``file`` for a step concerning one file; ``detail`` is a short note, no personal data.
    """

    package_id: str
    sequence: int
    previous: str
    action: CustodyAction
    actor: str
    at: datetime
    place: str
    digest: str
    file: str | None = None
    detail: str | None = None

    def to_document(self) -> dict[str, Any]:
        """The JSON object the node of ``place`` signs."""
        return {
            "package_id": self.package_id,
            "sequence": self.sequence,
            "previous": self.previous,
            "action": self.action.value,
            "actor": self.actor,
            "at": self.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "place": self.place,
            "digest": self.digest,
            "file": self.file,
            "detail": self.detail,
        }

    @classmethod
    def from_document(cls, document: Any) -> CustodyRecord:
        """Read a record strictly; ``CustodyBrokenError`` names the first bad member."""
        if not isinstance(document, Mapping):
            raise CustodyBrokenError("the custody record is not an object")
        unknown = sorted(set(document) - _MEMBERS)
        if unknown:
            raise CustodyBrokenError(f"custody.{unknown[0]} is not a known member")
        missing = sorted(_MEMBERS - set(document))
        if missing:
            raise CustodyBrokenError(f"custody.{missing[0]} is missing")
        package_id = _text(document, "package_id")
        try:
            check_package_id(package_id)
        except PackageUnsafeError:
            raise CustodyBrokenError("custody.package_id is not 1-128 safe characters") from None
        sequence = document["sequence"]
        # bool is an int in Python but never a position in a chain.
        if (
            isinstance(sequence, bool)
            or not isinstance(sequence, int)
            or not 0 <= sequence <= _MAX_SEQUENCE
        ):
            raise CustodyBrokenError("custody.sequence is not a non-negative integer")
        try:
            action = CustodyAction(_text(document, "action"))
        except ValueError:
            raise CustodyBrokenError("custody.action is not a custody action") from None
        file = document["file"]
        if file is not None:
            try:
                file = check_path(_text(document, "file"))
            except PackageUnsafeError as error:
                raise CustodyBrokenError(f"custody.file: {error.detail}") from None
        detail = document["detail"]
        if detail is not None and len(_text(document, "detail")) > MAX_DETAIL:
            raise CustodyBrokenError(f"custody.detail is longer than {MAX_DETAIL} characters")
        return cls(
            package_id=package_id,
            sequence=sequence,
            previous=_digest(document, "previous"),
            action=action,
            actor=_text(document, "actor"),
            at=_instant(document, "at"),
            place=_text(document, "place"),
            digest=_digest(document, "digest"),
            file=file,
            detail=detail,
        )


def token_digest(token: str) -> str:
    """The hex SHA-256 of a signed record's compact token (its ASCII bytes)."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def next_record(
    previous_token: str | None,
    previous: CustodyRecord | None,
    *,
    package_id: str,
    action: CustodyAction,
    actor: str,
    at: datetime,
    place: str,
    digest: str,
    file: str | None = None,
    detail: str | None = None,
) -> CustodyRecord:
    """The record that follows ``previous`` (signed as ``previous_token``), or the first one.

    Pass both ``previous_token`` and ``previous`` or neither. The record is returned as it
    reads back from its document, so what is signed is exactly what is returned; members a
    reader would refuse raise ``CustodyBrokenError`` here already, a naive ``at`` or a
    record of another package ``ValueError``.
    """
    if (previous_token is None) != (previous is None):
        raise ValueError("pass both the previous token and its record, or neither")
    if at.tzinfo is None:
        raise ValueError("a custody time must carry its UTC offset")
    if previous is not None and previous.package_id != package_id:
        raise ValueError("the previous record is of another package")
    record = CustodyRecord(
        package_id=package_id,
        sequence=0 if previous is None else previous.sequence + 1,
        previous=GENESIS if previous_token is None else token_digest(previous_token),
        action=action,
        actor=actor,
        at=at,
        place=place,
        digest=digest,
        file=file,
        detail=detail,
    )
    return CustodyRecord.from_document(record.to_document())


def check_chain(
    records_with_tokens: Sequence[tuple[str, CustodyRecord]],
    *,
    package_id: str,
    sender_state: str,
    merkle_root: str,
) -> None:
    """Check that the records form one unbroken chain for the package, sealed by its sender.

    Raises ``CustodyBrokenError`` naming the first fault: an empty chain; a record of another
    package; a sequence gap; a ``previous`` that is not the digest of the previous token; a
    first record that is not ``sealed``, not in ``sender_state`` or not about ``merkle_root``.
    Times are not compared: the States' clocks differ, and a record may look older than the
    one before it.
    """
    if not records_with_tokens:
        raise CustodyBrokenError(f"package {package_id} has no custody records")
    expected_previous = GENESIS
    for index, (token, record) in enumerate(records_with_tokens):
        if record.package_id != package_id:
            raise CustodyBrokenError(f"custody record {index} is of another package")
        if record.sequence != index:
            raise CustodyBrokenError(
                f"custody record {index} has sequence {record.sequence}: a record is missing"
                " or out of order"
            )
        if record.previous != expected_previous:
            raise CustodyBrokenError(f"custody record {index} does not follow the record before it")
        if index == 0:
            _check_first(record, sender_state, merkle_root)
        expected_previous = token_digest(token)


def _check_first(record: CustodyRecord, sender_state: str, merkle_root: str) -> None:
    """The chain starts where the package was sealed, by its sender, over its Merkle root."""
    if record.action is not CustodyAction.SEALED:
        raise CustodyBrokenError(f"custody record 0 is {record.action.value}, not sealed")
    if record.place != sender_state:
        raise CustodyBrokenError(
            f"custody record 0 was made in {record.place}, not in the sender {sender_state}"
        )
    if record.digest != merkle_root:
        raise CustodyBrokenError("custody record 0 is not about the package's Merkle root")


def _text(document: Mapping[str, Any], name: str) -> str:
    value = document[name]
    if not isinstance(value, str) or not value or "\x00" in value:
        raise CustodyBrokenError(f"custody.{name} is not a non-empty string")
    return value


def _digest(document: Mapping[str, Any], name: str) -> str:
    value = document[name]
    if not isinstance(value, str) or not _HEX_DIGEST.fullmatch(value):
        raise CustodyBrokenError(f"custody.{name} is not a lowercase hex SHA-256 digest")
    return value


def _instant(document: Mapping[str, Any], name: str) -> datetime:
    text = _text(document, name)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CustodyBrokenError(f"custody.{name} is not an RFC 3339 instant") from None
    if moment.tzinfo is None:
        raise CustodyBrokenError(f"custody.{name} has no UTC offset")
    return moment
