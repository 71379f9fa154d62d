"""Signing and verifying directory documents (architecture §5).

A State's entry is a compact JWS (``typ`` ``comity-directory-entry/1``) signed by that State's
root key over ``entry_document(entry)``. The directory is a compact JWS (``typ``
``comity-directory/1``) signed by the directory operator over
``{"sequence", "issued_at", "next_update", "operator", "entries"}``, where ``entries`` holds the
signed entry tokens unchanged. A node pins the operator key and the root of every State it
deals with at onboarding (its trust anchors) and verifies every signature before parsing
anything: the operator can publish, order and withdraw entries, but never write one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from comity.crypto.jose import b64url_decode, sign_compact, unverified_kid, verify_compact
from comity.crypto.keys import ed25519_from_jwk, key_id, public_jwk
from comity.domain.directory import (
    Directory,
    StateEntry,
    entry_document,
    parse_directory,
    parse_entry,
)
from comity.domain.errors import DirectoryError, PolicyViolationError, SignerUntrustedError

__all__ = [
    "DIRECTORY_TYP",
    "ENTRY_TYP",
    "Anchor",
    "TrustAnchors",
    "VerifiedDirectory",
    "build_directory_payload",
    "check_directory_payload",
    "operator_anchor",
    "operator_kid",
    "sign_directory",
    "sign_entry",
    "verify_directory",
]

ENTRY_TYP = "comity-directory-entry/1"
DIRECTORY_TYP = "comity-directory/1"

# The members of the operator's list, and nothing else: a list with members this version does
# not know could carry meaning this node would silently ignore.
_DIRECTORY_MEMBERS = frozenset({"sequence", "issued_at", "next_update", "operator", "entries"})


@dataclass(frozen=True)
class Anchor:
    """A pinned public key: its key id and its public JWK (Ed25519, ``OKP``)."""

    kid: str
    jwk: Mapping[str, str]

    def public_key(self) -> Ed25519PublicKey:
        """The Ed25519 public key of the JWK."""
        return ed25519_from_jwk(dict(self.jwk))


@dataclass(frozen=True)
class TrustAnchors:
    """What a node pinned out of band at onboarding: the operator key and each State's root."""

    operator: Anchor
    roots: Mapping[str, Anchor]

    @classmethod
    def load(cls, path: Path) -> TrustAnchors:
        """Read the anchors file; ``DirectoryError`` naming the member on any bad shape."""
        try:
            document = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as error:
            raise DirectoryError(f"cannot read trust anchors {path.name}: {error}") from None
        return cls.from_document(document)

    @classmethod
    def from_document(cls, document: Any) -> TrustAnchors:
        """The anchors from their JSON form; every key must be a usable Ed25519 key."""
        if not isinstance(document, Mapping):
            raise DirectoryError("anchors must be an object")
        roots = document.get("roots")
        if not isinstance(roots, Mapping):
            raise DirectoryError("anchors.roots must be an object")
        anchors = cls(
            operator=_anchor(document.get("operator"), "anchors.operator"),
            roots={
                str(state): _anchor(value, f"anchors.roots.{state}")
                for state, value in roots.items()
            },
        )
        # One key pinned for two roles would let one signer speak for two parties.
        kids = [anchors.operator.kid, *(anchor.kid for anchor in anchors.roots.values())]
        if len(set(kids)) != len(kids):
            raise DirectoryError("anchors pin the same key id more than once")
        return anchors

    def dump(self) -> dict[str, Any]:
        """The JSON form ``load`` reads."""
        return {
            "operator": _anchor_document(self.operator),
            "roots": {state: _anchor_document(anchor) for state, anchor in self.roots.items()},
        }

    def root_state(self, kid: str) -> str | None:
        """The State whose pinned root has key id ``kid``, if any."""
        for state, anchor in self.roots.items():
            if anchor.kid == kid:
                return state
        return None


@dataclass(frozen=True)
class VerifiedDirectory:
    """A directory whose every signature verified, and the States it listed but not pinned."""

    directory: Directory
    token: str
    # States whose entries were signed by a root this node has not pinned: not trusted, so not
    # in ``directory``, but listed so an operator can see what was dropped.
    left_out: tuple[str, ...]
    # The operator's name as the signed list gives it.
    operator: str


def operator_kid(public_key: Ed25519PublicKey) -> str:
    """The operator key's id: ``operator.`` and the key's 16-character thumbprint."""
    # key_id gives "{owner}.{purpose}.{thumb16}"; the operator is no State and has a single
    # key, so only the thumbprint is kept and the owner is named for what it is.
    thumb = key_id("operator", "root", public_key).rsplit(".", 1)[1]
    return f"operator.{thumb}"


def operator_anchor(public_key: Ed25519PublicKey) -> dict[str, Any]:
    """What nodes pin for the operator: ``{"kid": ..., "jwk": {...}}``."""
    kid = operator_kid(public_key)
    return {"kid": kid, "jwk": public_jwk(public_key, kid)}


def sign_entry(entry: StateEntry, root: Ed25519PrivateKey, root_kid: str) -> str:
    """The State's entry signed by its root key, as a compact JWS."""
    return sign_compact(entry_document(entry), root, root_kid, typ=ENTRY_TYP)


def build_directory_payload(
    signed_entries: Sequence[str],
    *,
    sequence: int,
    issued_at: datetime,
    next_update: datetime,
    operator: str,
) -> dict[str, Any]:
    """The operator's unsigned list of signed entries, checked by ``check_directory_payload``."""
    payload: dict[str, Any] = {
        "sequence": sequence,
        "issued_at": _rfc3339(issued_at, "issued_at"),
        "next_update": _rfc3339(next_update, "next_update"),
        "operator": operator,
        "entries": list(signed_entries),
    }
    check_directory_payload(payload)
    return payload


def check_directory_payload(payload: Mapping[str, Any]) -> tuple[str, ...]:
    """Check an unsigned list before it is signed, and return the States it lists.

    Each entry must be a well-formed entry token (its signature is the receiving node's
    business: the operator need not have pinned every root) and no State may appear twice, so
    a mistake is caught before signing rather than by every node that receives the list.
    """
    _check_members(payload)
    states: list[str] = []
    for index, token in enumerate(payload["entries"]):
        code = _peek_entry(token, f"directory.entries[{index}]").code
        if code in states:
            raise DirectoryError(f"directory lists {code} twice")
        states.append(code)
    # The list's own rules (sequence at least 1, next update after issue) are the domain's.
    parse_directory(payload, [])
    return tuple(states)


def sign_directory(
    payload: Mapping[str, Any], operator_key: Ed25519PrivateKey, operator_kid: str
) -> str:
    """The operator's list signed as a compact JWS, once ``check_directory_payload`` passed."""
    check_directory_payload(payload)
    return sign_compact(payload, operator_key, operator_kid, typ=DIRECTORY_TYP)


def verify_directory(token: str, anchors: TrustAnchors) -> VerifiedDirectory:
    """Verify the operator's signature and every pinned State's, then parse.

    The list must be signed by the pinned operator key. Each entry that claims a pinned State
    must be signed by that State's pinned root; an entry signed by another pinned key (another
    State's root, or the operator) is an attempt to speak for a State and refuses the whole
    directory (``SignerUntrustedError``), as does any signature that fails. Entries of States
    not pinned here are left out, untrusted.
    """
    operator = anchors.operator

    def resolve_operator(kid: str) -> Ed25519PublicKey:
        if kid != operator.kid:
            raise KeyError(kid)
        return operator.public_key()

    outer = verify_compact(token, resolve_operator, typ=DIRECTORY_TYP).payload
    _check_members(outer)

    entries: list[StateEntry] = []
    left_out: list[str] = []
    claimed: set[str] = set()
    for index, entry_token in enumerate(outer["entries"]):
        path = f"directory.entries[{index}]"
        # Which State an entry claims decides which key may have signed it; the claim itself
        # is only trusted once that key has verified it.
        state = _claimed_state(entry_token, path)
        if state in claimed:
            raise DirectoryError(f"directory lists {state} twice")
        claimed.add(state)
        kid = unverified_kid(entry_token)
        root = anchors.roots.get(state)
        if root is None:
            if kid == operator.kid or anchors.root_state(kid) is not None:
                raise SignerUntrustedError(
                    f"{path} for {state} is signed by a key of another party"
                )
            left_out.append(state)
            continue
        entries.append(_verify_entry(entry_token, state, root, path))
    return VerifiedDirectory(
        directory=parse_directory(outer, entries),
        token=token,
        left_out=tuple(left_out),
        operator=outer["operator"],
    )


def _verify_entry(token: str, state: str, root: Anchor, path: str) -> StateEntry:
    """A pinned State's entry, verified with that State's root and only that one."""

    def resolve_root(kid: str) -> Ed25519PublicKey:
        if kid != root.kid:
            raise KeyError(kid)
        return root.public_key()

    try:
        verified = verify_compact(token, resolve_root, typ=ENTRY_TYP)
    except SignerUntrustedError:
        raise SignerUntrustedError(f"{path} for {state} is not signed by its pinned root") from None
    # The verified payload is the very segment the claim was read from, so the entry parsed
    # here is the claimed State's and no second comparison is needed.
    return _parse_entry_at(verified.payload, path)


def _parse_entry_at(payload: Any, path: str) -> StateEntry:
    """``parse_entry``, its error also naming which of the list's entries is wrong."""
    try:
        return parse_entry(payload)
    except DirectoryError as error:
        raise DirectoryError(f"{path}: {error.detail}") from None


def _check_members(payload: Mapping[str, Any]) -> None:
    """The list has no unknown members, a named operator and a list of entry tokens."""
    unknown = sorted(set(payload) - _DIRECTORY_MEMBERS)
    if unknown:
        raise DirectoryError(f"directory has unknown members: {', '.join(unknown)}")
    operator = payload.get("operator")
    if not isinstance(operator, str) or not operator:
        raise DirectoryError("directory.operator must be a non-empty string")
    entries = payload.get("entries")
    if not isinstance(entries, list) or not all(isinstance(t, str) for t in entries):
        raise DirectoryError("directory.entries must be a list of signed entries")


def _unverified(token: str) -> tuple[Any, Any]:
    """A compact JWS's decoded header and payload, unverified; ``ValueError`` if malformed."""
    segments = token.split(".")
    if len(segments) != 3:
        raise ValueError("not a compact JWS")
    return json.loads(b64url_decode(segments[0])), json.loads(b64url_decode(segments[1]))


def _claimed_state(token: str, path: str) -> str:
    """The State code an entry's unverified payload claims; never trusted on its own."""
    try:
        _, payload = _unverified(token)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors too.
        raise PolicyViolationError(f"{path} is not a compact JWS with a JSON payload") from None
    code = payload.get("code") if isinstance(payload, dict) else None
    if not isinstance(code, str) or not code:
        raise DirectoryError(f"{path}.code must be a non-empty string")
    return code


def _peek_entry(token: str, path: str) -> StateEntry:
    """An entry token's content, unverified: checks its shape only, for the operator's build."""
    try:
        header, payload = _unverified(token)
    except ValueError:
        raise DirectoryError(f"{path} is not a compact JWS with a JSON payload") from None
    if not isinstance(header, dict) or header.get("typ") != ENTRY_TYP:
        raise DirectoryError(f"{path} is not a signed directory entry (typ {ENTRY_TYP})")
    if not isinstance(header.get("kid"), str) or not header["kid"]:
        raise DirectoryError(f"{path} names no signing key")
    return _parse_entry_at(payload, path)


def _rfc3339(moment: datetime, name: str) -> str:
    """``moment`` as an RFC 3339 UTC date-time with a ``Z``, to the second."""
    if moment.tzinfo is None:
        raise DirectoryError(f"directory.{name} must have a time zone")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _anchor(value: Any, path: str) -> Anchor:
    if not isinstance(value, Mapping):
        raise DirectoryError(f"{path} must be an object")
    kid, jwk = value.get("kid"), value.get("jwk")
    if not isinstance(kid, str) or not kid:
        raise DirectoryError(f"{path}.kid must be a non-empty string")
    if not isinstance(jwk, Mapping) or not all(isinstance(v, str) for v in jwk.values()):
        raise DirectoryError(f"{path}.jwk must be an object of strings")
    anchor = Anchor(kid=kid, jwk={str(k): v for k, v in jwk.items()})
    try:
        anchor.public_key()
    except PolicyViolationError as error:
        raise DirectoryError(f"{path}.jwk: {error.detail}") from None
    return anchor


def _anchor_document(anchor: Anchor) -> dict[str, Any]:
    return {"kid": anchor.kid, "jwk": dict(anchor.jwk)}
