"""Signing and verifying directories with real keys: who may vouch for which State.

Every test builds a three-State directory from freshly generated roots and operator key, then
checks what a node that pinned some of those keys accepts, leaves out or refuses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from comity.crypto.directory import (
    DIRECTORY_TYP,
    ENTRY_TYP,
    Anchor,
    TrustAnchors,
    build_directory_payload,
    operator_anchor,
    operator_kid,
    sign_directory,
    sign_entry,
    verify_directory,
)
from comity.crypto.jose import b64url_decode, b64url_encode, canonical_json, sign_compact
from comity.crypto.keys import generate_ed25519, key_id, public_jwk
from comity.domain.directory import (
    Declarations,
    DirectoryAuthority,
    PublishedKey,
    StateEntry,
    TransferRestriction,
    entry_document,
)
from comity.domain.errors import DomainError
from comity.domain.values import AuthorityKind

ISSUED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class StateKeys:
    """A State's root and the entry its root signs."""

    code: str
    root: Ed25519PrivateKey
    root_kid: str
    entry: StateEntry

    @property
    def anchor(self) -> Anchor:
        return Anchor(self.root_kid, public_jwk(self.root.public_key(), self.root_kid))

    def signed(self) -> str:
        return sign_entry(self.entry, self.root, self.root_kid)


def a_state(code: str) -> StateKeys:
    """A State with fresh root, signing and encryption keys, and a complete entry."""
    root = generate_ed25519()
    signing = generate_ed25519()
    encryption = X25519PrivateKey.generate()
    sig_kid = key_id(code, "sig", signing.public_key())
    enc_kid = key_id(code, "enc", encryption.public_key())
    entry = StateEntry(
        code=code,
        name=f"Republic of {code}",
        endpoint=f"https://{code.lower()}.example:8401",
        profiles=("ahc-2022-proposal",),
        languages=("en", "fr"),
        authorities=(
            DirectoryAuthority("central", AuthorityKind.CENTRAL_AUTHORITY, "Central authority"),
            DirectoryAuthority(
                "poc247",
                AuthorityKind.POC_24_7,
                "24/7 point",
                time_zone="Europe/Vienna",
                hours="24/7",
            ),
        ),
        keys=(
            PublishedKey(sig_kid, "sig", public_jwk(signing.public_key(), sig_kid)),
            PublishedKey(enc_kid, "enc", public_jwk(encryption.public_key(), enc_kid)),
        ),
        tls_ca_pem="-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        declarations=Declarations(
            cross_border_transfer_restrictions=(TransferRestriction("XD", "no agreement"),)
        ),
        penalties={"illegal_access": 24, "computer_fraud": 60},
    )
    return StateKeys(code, root, key_id(code, "root", root.public_key()), entry)


@dataclass(frozen=True)
class Network:
    """Three States, the directory operator, and the anchors a node pins for all of them."""

    states: dict[str, StateKeys]
    operator: Ed25519PrivateKey

    @property
    def operator_kid(self) -> str:
        return operator_kid(self.operator.public_key())

    def anchors(self, *codes: str, operator: Ed25519PrivateKey | None = None) -> TrustAnchors:
        """Anchors pinning the operator (or another key) and the roots of ``codes``."""
        pinned = operator_anchor((operator or self.operator).public_key())
        return TrustAnchors(
            operator=Anchor(pinned["kid"], pinned["jwk"]),
            roots={code: self.states[code].anchor for code in codes or self.states},
        )

    def directory(self, entries: list[str] | None = None, **overrides: Any) -> str:
        """A directory of ``entries`` (every State's by default), signed by the operator."""
        payload = self.payload(entries, **overrides)
        return sign_directory(payload, self.operator, self.operator_kid)

    def payload(self, entries: list[str] | None = None, **overrides: Any) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "sequence": 7,
            "issued_at": ISSUED,
            "next_update": ISSUED + timedelta(days=7),
            "operator": "Secretariat",
        }
        arguments.update(overrides)
        tokens = [s.signed() for s in self.states.values()] if entries is None else entries
        return build_directory_payload(tokens, **arguments)

    def signed_raw(self, payload: dict[str, Any]) -> str:
        """A list signed without the builder's checks, as a careless or hostile operator could."""
        return sign_compact(payload, self.operator, self.operator_kid, typ=DIRECTORY_TYP)


@pytest.fixture(scope="module")
def network() -> Network:
    return Network({code: a_state(code) for code in ("XA", "XB", "XC")}, generate_ed25519())


def refused(token: str, anchors: TrustAnchors) -> DomainError:
    with pytest.raises(DomainError) as caught:
        verify_directory(token, anchors)
    return caught.value


def with_payload(token: str, change: dict[str, Any]) -> str:
    """``token`` with its payload members changed and its header and signature kept."""
    header, payload, signature = token.split(".")
    document = json.loads(b64url_decode(payload)) | change
    return f"{header}.{b64url_encode(canonical_json(document))}.{signature}"


# What a node accepts.


def test_a_three_state_directory_round_trips(network: Network, tmp_path: Path) -> None:
    anchors_file = tmp_path / "anchors.json"
    anchors_file.write_text(json.dumps(network.anchors().dump()))
    token = network.directory()

    verified = verify_directory(token, TrustAnchors.load(anchors_file))

    directory = verified.directory
    assert (directory.sequence, directory.issued_at) == (7, ISSUED)
    assert directory.next_update == ISSUED + timedelta(days=7)
    assert list(directory.states) == ["XA", "XB", "XC"]
    for code, state in network.states.items():
        assert directory.state(code) == state.entry
    assert verified.left_out == ()
    assert verified.operator == "Secretariat"
    assert verified.token == token
    assert TrustAnchors.load(anchors_file) == network.anchors()


def test_signing_is_deterministic_and_the_entry_payload_is_the_entry_document(
    network: Network,
) -> None:
    xa = network.states["XA"]
    token = xa.signed()
    assert token == xa.signed()
    header, payload, _ = token.split(".")
    assert json.loads(b64url_decode(header)) == {
        "alg": "EdDSA",
        "kid": xa.root_kid,
        "typ": ENTRY_TYP,
    }
    assert json.loads(b64url_decode(payload)) == entry_document(xa.entry)
    assert network.directory() == network.directory()


def test_the_list_payload_has_exactly_the_documented_members(network: Network) -> None:
    payload = network.payload(issued_at=datetime(2026, 3, 1, 10, 30, 15, 999, tzinfo=UTC))
    assert set(payload) == {"sequence", "issued_at", "next_update", "operator", "entries"}
    assert payload["issued_at"] == "2026-03-01T10:30:15Z"
    assert payload["entries"] == [s.signed() for s in network.states.values()]


def test_an_entry_of_a_state_not_pinned_here_is_left_out(network: Network) -> None:
    verified = verify_directory(network.directory(), network.anchors("XA", "XB"))
    assert list(verified.directory.states) == ["XA", "XB"]
    assert verified.left_out == ("XC",)


def test_a_directory_past_its_next_update_verifies_but_is_stale(network: Network) -> None:
    directory = verify_directory(network.directory(), network.anchors()).directory
    with pytest.raises(DomainError) as caught:
        directory.check_fresh(ISSUED + timedelta(days=8), timedelta(hours=12))
    assert caught.value.code == "TRUST_STALE"


# What a node refuses: the whole directory, never just the bad part.


def test_a_tampered_list_is_refused(network: Network) -> None:
    token = network.directory()
    header, payload, signature = token.split(".")
    flipped = "A" if signature[10] != "A" else "B"
    tampered = f"{header}.{payload}.{signature[:10]}{flipped}{signature[11:]}"
    assert refused(tampered, network.anchors()).code == "SIG_INVALID"
    assert refused(with_payload(token, {"sequence": 8}), network.anchors()).code == "SIG_INVALID"


def test_an_entry_changed_by_the_operator_refuses_the_whole_directory(network: Network) -> None:
    entries = [s.signed() for s in network.states.values()]
    entries[1] = with_payload(entries[1], {"endpoint": "https://attacker.example"})
    error = refused(network.directory(entries), network.anchors())
    assert error.code == "SIG_INVALID"


def test_a_tampered_entry_byte_refuses_the_whole_directory(network: Network) -> None:
    entries = [s.signed() for s in network.states.values()]
    header, payload, signature = entries[2].split(".")
    flipped = "A" if signature[5] != "A" else "B"
    entries[2] = f"{header}.{payload}.{signature[:5]}{flipped}{signature[6:]}"
    assert refused(network.directory(entries), network.anchors()).code == "SIG_INVALID"


def test_an_entry_signed_by_the_operator_instead_of_the_root_is_untrusted(
    network: Network,
) -> None:
    entries = [s.signed() for s in network.states.values()]
    forged = sign_compact(
        entry_document(network.states["XB"].entry),
        network.operator,
        network.operator_kid,
        typ=ENTRY_TYP,
    )
    entries[1] = forged
    error = refused(network.directory(entries), network.anchors())
    assert error.code == "SIGNER_UNTRUSTED"
    assert "XB" in error.detail


def test_the_operator_cannot_pass_its_key_off_as_a_root(network: Network) -> None:
    xb = network.states["XB"]
    entries = [s.signed() for s in network.states.values()]
    entries[1] = sign_compact(
        entry_document(xb.entry), network.operator, xb.root_kid, typ=ENTRY_TYP
    )
    assert refused(network.directory(entries), network.anchors()).code == "SIG_INVALID"


def test_an_entry_for_one_state_signed_by_another_states_root_is_untrusted(
    network: Network,
) -> None:
    xa, xb = network.states["XA"], network.states["XB"]
    entries = [s.signed() for s in network.states.values()]
    entries[1] = sign_entry(xb.entry, xa.root, xa.root_kid)
    assert refused(network.directory(entries), network.anchors()).code == "SIGNER_UNTRUSTED"


def test_a_pinned_root_vouching_for_an_unpinned_state_is_untrusted_not_left_out(
    network: Network,
) -> None:
    xa = network.states["XA"]
    xd = a_state("XD").entry
    entries = [xa.signed(), sign_entry(xd, xa.root, xa.root_kid)]
    assert refused(network.directory(entries), network.anchors("XA")).code == "SIGNER_UNTRUSTED"


def test_the_operator_vouching_for_an_unpinned_state_is_untrusted_not_left_out(
    network: Network,
) -> None:
    xd = a_state("XD").entry
    forged = sign_compact(entry_document(xd), network.operator, network.operator_kid, typ=ENTRY_TYP)
    error = refused(network.directory([forged]), network.anchors("XA"))
    assert error.code == "SIGNER_UNTRUSTED"


def test_a_directory_signed_by_an_operator_key_not_pinned_is_untrusted(network: Network) -> None:
    anchors = network.anchors(operator=generate_ed25519())
    assert refused(network.directory(), anchors).code == "SIGNER_UNTRUSTED"


def test_a_directory_claiming_the_pinned_operator_kid_with_another_key_is_invalid(
    network: Network,
) -> None:
    impostor = generate_ed25519()
    token = sign_compact(network.payload(), impostor, network.operator_kid, typ=DIRECTORY_TYP)
    assert refused(token, network.anchors()).code == "SIG_INVALID"


def test_an_entry_token_is_not_a_directory(network: Network) -> None:
    assert refused(network.states["XA"].signed(), network.anchors()).code == "POLICY_VIOLATION"


def test_a_state_listed_twice_is_refused_by_the_builder_and_by_the_node(network: Network) -> None:
    xa = network.states["XA"].signed()
    with pytest.raises(DomainError) as caught:
        network.payload([xa, network.states["XB"].signed(), xa])
    assert (caught.value.code, caught.value.detail) == (
        "DIRECTORY_INVALID",
        "directory lists XA twice",
    )
    payload = network.payload([xa]) | {"entries": [xa, xa]}
    error = refused(network.signed_raw(payload), network.anchors())
    assert (error.code, error.detail) == ("DIRECTORY_INVALID", "directory lists XA twice")


def test_an_unpinned_state_listed_twice_is_refused_too(network: Network) -> None:
    xc = network.states["XC"].signed()
    payload = network.payload([xc]) | {"entries": [xc, xc]}
    assert refused(network.signed_raw(payload), network.anchors("XA")).code == "DIRECTORY_INVALID"


@pytest.mark.parametrize("sequence", [0, -3])
def test_a_sequence_below_one_is_refused_by_the_builder_and_by_the_node(
    network: Network, sequence: int
) -> None:
    with pytest.raises(DomainError) as caught:
        network.payload(sequence=sequence)
    assert caught.value.code == "DIRECTORY_INVALID"
    payload = network.payload() | {"sequence": sequence}
    error = refused(network.signed_raw(payload), network.anchors())
    assert (error.code, error.detail) == (
        "DIRECTORY_INVALID",
        "directory.sequence must be a positive integer",
    )


def test_the_builder_refuses_what_no_node_would_accept(network: Network) -> None:
    xa = network.states["XA"].signed()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"next_update": ISSUED}, "next_update must come after issued_at"),
        ({"issued_at": datetime(2026, 3, 1)}, "directory.issued_at must have a time zone"),
        ({"operator": ""}, "directory.operator must be a non-empty string"),
    ]
    for overrides, detail in cases:
        with pytest.raises(DomainError, match=detail):
            network.payload([xa], **overrides)
    header, _, signature = xa.split(".")
    no_kid = b64url_encode(canonical_json({"alg": "EdDSA", "typ": ENTRY_TYP}))
    not_entries = [
        network.directory([xa]),
        "garbage",
        f"{header}.e30.{signature}",
        f"{no_kid}.{xa.split('.')[1]}.{signature}",
    ]
    details = [
        "is not a signed directory entry",
        "is not a compact JWS",
        r"entry\.code must",
        "names no signing key",
    ]
    for token, detail in zip(not_entries, details, strict=True):
        with pytest.raises(DomainError, match=detail) as caught:
            network.payload([xa, token])
        assert caught.value.code == "DIRECTORY_INVALID"
        assert "directory.entries[1]" in caught.value.detail


def test_sign_directory_checks_the_list_it_signs(network: Network) -> None:
    payload = network.payload() | {"extra": 1}
    with pytest.raises(DomainError, match="unknown members: extra"):
        sign_directory(payload, network.operator, network.operator_kid)


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"extra": True}, "directory has unknown members: extra"),
        ({"operator": None}, "directory.operator must be a non-empty string"),
        ({"entries": "XA"}, "directory.entries must be a list of signed entries"),
        ({"entries": [1]}, "directory.entries must be a list of signed entries"),
    ],
)
def test_a_list_of_unknown_shape_is_refused(
    network: Network, change: dict[str, Any], detail: str
) -> None:
    error = refused(network.signed_raw(network.payload() | change), network.anchors())
    assert (error.code, error.detail) == ("DIRECTORY_INVALID", detail)


def test_a_malformed_entry_token_in_a_signed_list_is_refused(network: Network) -> None:
    payload = network.payload() | {"entries": ["not-a-token"]}
    assert refused(network.signed_raw(payload), network.anchors()).code == "POLICY_VIOLATION"


def test_an_entry_that_claims_no_state_is_refused(network: Network) -> None:
    xa = network.states["XA"]
    entry = sign_compact({"name": "nobody"}, xa.root, xa.root_kid, typ=ENTRY_TYP)
    payload = network.payload() | {"entries": [entry]}
    error = refused(network.signed_raw(payload), network.anchors())
    assert (error.code, error.detail) == (
        "DIRECTORY_INVALID",
        "directory.entries[0].code must be a non-empty string",
    )


def test_a_root_signed_entry_of_unknown_shape_is_refused_naming_its_place(
    network: Network,
) -> None:
    xa = network.states["XA"]
    document = entry_document(xa.entry) | {"penalties": {"jaywalking": 1}}
    entry = sign_compact(document, xa.root, xa.root_kid, typ=ENTRY_TYP)
    payload = network.payload([xa.signed()]) | {"entries": [entry]}
    error = refused(network.signed_raw(payload), network.anchors())
    assert error.code == "DIRECTORY_INVALID"
    assert error.detail == (
        "directory.entries[0]: entry.penalties.jaywalking is not a conduct category"
    )


# Trust anchors.


def test_the_operator_kid_is_derived_from_its_key(network: Network) -> None:
    kid = network.operator_kid
    thumb = key_id("XA", "root", network.operator.public_key()).rsplit(".", 1)[1]
    assert kid == f"operator.{thumb}"
    anchor = operator_anchor(network.operator.public_key())
    assert anchor["kid"] == kid
    assert "d" not in anchor["jwk"] and anchor["jwk"]["crv"] == "Ed25519"


def bad_anchors(network: Network) -> list[tuple[Any, str]]:
    good = network.anchors().dump()
    x25519 = X25519PrivateKey.generate().public_key()
    return [
        ([], "anchors must be an object"),
        ({"operator": good["operator"]}, "anchors.roots must be an object"),
        ({"roots": good["roots"]}, "anchors.operator must be an object"),
        (good | {"operator": {"jwk": good["operator"]["jwk"]}}, "anchors.operator.kid must be"),
        (good | {"operator": {"kid": "k", "jwk": {"x": 1}}}, "anchors.operator.jwk must be"),
        (
            good | {"roots": {"XA": {"kid": "k", "jwk": public_jwk(x25519, "k")}}},
            "anchors.roots.XA.jwk: the JWK is not an Ed25519 key",
        ),
        (
            good | {"roots": {"XA": {"kid": "k", "jwk": {**good["operator"]["jwk"], "d": "x"}}}},
            "anchors.roots.XA.jwk: the JWK carries private key material",
        ),
        (
            good | {"roots": {"XA": good["operator"]}},
            "anchors pin the same key id more than once",
        ),
    ]


def test_trust_anchors_of_a_bad_shape_are_refused_naming_the_member(
    network: Network, tmp_path: Path
) -> None:
    path = tmp_path / "anchors.json"
    for document, detail in bad_anchors(network):
        path.write_text(json.dumps(document))
        with pytest.raises(DomainError) as caught:
            TrustAnchors.load(path)
        assert caught.value.code == "DIRECTORY_INVALID"
        assert caught.value.detail.startswith(detail), caught.value.detail


def test_an_unreadable_anchors_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "anchors.json"
    path.write_text("{not json")
    with pytest.raises(DomainError, match=r"cannot read trust anchors anchors\.json"):
        TrustAnchors.load(path)
    with pytest.raises(DomainError, match=r"cannot read trust anchors missing\.json"):
        TrustAnchors.load(tmp_path / "missing.json")
