"""The asset-disposal statement one State signs and sends the other (issue 8, item 7:
"every amount computed by the node from the recorded figures, shown as a signed statement to
both States"; decision 0009 §4).

The State that holds the confiscated assets computes the disposal from its register and signs
a payload that carries both the register and the statement computed from it, with the SHA-256
of the statement's canonical bytes. The other State never takes the statement on trust: it
parses the register again and recomputes the disposal under the request's profile, and
accepts the payload only if that gives exactly the same statement and digest. Signing and
verifying are the services'; this module builds and checks the payload.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from comity.domain.errors import InvalidFieldsError, StatementInvalidError
from comity.domain.practice.asset_input import parse_register, register_to_dict
from comity.domain.practice.asset_register import AssetRegister
from comity.domain.practice.asset_return import DisposalStatement, compute_disposal

# The JWS ``typ`` of a signed statement, and the payload's version.
STATEMENT_TYP = "comity-asset-statement"
VERSION = 1
MEMBERS = frozenset(
    {
        "v",
        "exchange_id",
        "request_reference",
        "issued_at",
        "issuer_state",
        "register",
        "statement",
        "sha256",
    }
)


def statement_sha256(statement: DisposalStatement) -> str:
    """The hex SHA-256 of the statement's canonical bytes: what identifies it everywhere."""
    return hashlib.sha256(statement.canonical_bytes()).hexdigest()


@dataclass(frozen=True)
class StatementPayload:
    """What the issuing State signs: the register, the statement computed from it under the
    request's profile, and its digest, bound to the exchanged request."""

    exchange_id: str
    request_reference: str
    issued_at: datetime
    issuer_state: str
    register: AssetRegister
    statement: DisposalStatement
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        """The payload as plain JSON (strings, booleans, integers, lists, objects, nulls)."""
        return {
            "v": VERSION,
            "exchange_id": self.exchange_id,
            "request_reference": self.request_reference,
            "issued_at": self.issued_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "issuer_state": self.issuer_state,
            "register": register_to_dict(self.register),
            "statement": self.statement.to_dict(),
            "sha256": self.sha256,
        }


def build_payload(
    register: AssetRegister,
    *,
    profile: str,
    exchange_id: str,
    request_reference: str,
    issued_at: datetime,
    issuer_state: str,
) -> StatementPayload:
    """The disposal computed from ``register`` under ``profile``, as a payload to sign."""
    statement = compute_disposal(register, profile)
    return StatementPayload(
        exchange_id=exchange_id,
        request_reference=request_reference,
        issued_at=issued_at,
        issuer_state=issuer_state,
        register=register,
        statement=statement,
        sha256=statement_sha256(statement),
    )


def check_payload(
    payload: Mapping[str, Any],
    *,
    profile: str,
    exchange_id: str,
    request_reference: str,
    issuer_state: str,
) -> StatementPayload:
    """The payload of a verified statement, once the receiving State has recomputed it:
    ``StatementInvalidError`` unless it speaks of this request, from this State, and its
    register gives exactly its statement and digest under ``profile``."""
    if set(payload) != MEMBERS or payload["v"] != VERSION:
        raise StatementInvalidError("the payload is not an asset statement of version 1")
    expected = {
        "exchange_id": exchange_id,
        "request_reference": request_reference,
        "issuer_state": issuer_state,
    }
    for name, value in expected.items():
        if payload[name] != value:
            raise StatementInvalidError(f"the statement's {name} is not {value!r}")
    issued_at = _instant(payload["issued_at"])
    try:
        register = parse_register(payload["register"])
    except InvalidFieldsError as error:
        first = error.issues[0]
        raise StatementInvalidError(
            f"the statement's register is invalid: {first.path} {first.message}"
        ) from None
    computed = build_payload(
        register,
        profile=profile,
        exchange_id=exchange_id,
        request_reference=request_reference,
        issued_at=issued_at,
        issuer_state=issuer_state,
    )
    if payload["statement"] != computed.statement.to_dict():
        raise StatementInvalidError(
            "the statement does not follow from its register: recomputed under "
            f"{profile}, the disposal differs (SHA-256 {computed.sha256})"
        )
    if payload["sha256"] != computed.sha256:
        raise StatementInvalidError(
            f"the statement's SHA-256 is not that of its canonical bytes ({computed.sha256})"
        )
    return computed


def _instant(value: object) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed.astimezone(UTC)
    raise StatementInvalidError("the statement's issued_at is not a time with its offset")
