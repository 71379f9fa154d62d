"""Compact JWS with EdDSA: round trip, determinism, and every refusal mapped to a domain code."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given
from hypothesis import strategies as st

from comity.crypto.jose import (
    b64url_decode,
    b64url_encode,
    canonical_json,
    parse_strict_json,
    sign_compact,
    unverified_kid,
    verify_compact,
)
from comity.domain.errors import (
    PolicyViolationError,
    SignatureInvalidError,
    SignerUntrustedError,
    TrustError,
)

TYP = "comity-test/1"
KID = "XA.sig.0123456789abcdef"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PAYLOAD = {"message_id": "7d3c", "type": "request.submit", "n": 3, "nested": {"z": [1, "ü"]}}


def resolve(kid: str) -> Ed25519PublicKey:
    return {KID: KEY.public_key()}[kid]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def hand_built(header: dict[str, Any], payload: bytes, key: Ed25519PrivateKey = KEY) -> str:
    """A JWS assembled without the module, so it can break rules sign_compact never breaks."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(payload)}"
    return f"{signing_input}.{b64(key.sign(signing_input.encode('ascii')))}"


def flip_first(segment: str) -> str:
    # The first character of a segment carries six full bits, so any change is canonical.
    return ("B" if segment[0] == "A" else "A") + segment[1:]


def test_round_trip_returns_kid_header_and_canonical_payload() -> None:
    token = sign_compact(PAYLOAD, KEY, KID, typ=TYP)
    verified = verify_compact(token, resolve, typ=TYP)
    assert verified.kid == KID
    assert verified.header == {"alg": "EdDSA", "kid": KID, "typ": TYP}
    assert verified.payload == PAYLOAD
    assert verified.payload_bytes == canonical_json(PAYLOAD)
    assert verify_compact(token.encode("ascii"), resolve, typ=TYP) == verified


def test_protected_header_is_exactly_alg_kid_typ() -> None:
    token = sign_compact(PAYLOAD, KEY, KID, typ=TYP)
    header = json.loads(b64url_decode(token.split(".")[0]))
    assert header == {"alg": "EdDSA", "kid": KID, "typ": TYP}


def test_signing_is_deterministic_and_independent_of_key_order() -> None:
    reordered = dict(reversed(list(PAYLOAD.items())))
    assert sign_compact(PAYLOAD, KEY, KID, typ=TYP) == sign_compact(reordered, KEY, KID, typ=TYP)


def test_canonical_json_sorts_keys_and_refuses_what_json_cannot_carry() -> None:
    assert (
        canonical_json({"b": 1, "a": [True, None, "é"]}) == '{"a":[true,null,"é"],"b":1}'.encode()
    )
    with pytest.raises(ValueError, match="canonicalise"):
        canonical_json({"n": 2**60})
    with pytest.raises(ValueError, match="canonicalise"):
        canonical_json({"s": {1, 2}})


@pytest.mark.parametrize("part", [1, 2])
def test_tampered_payload_or_signature_is_sig_invalid(part: int) -> None:
    segments = sign_compact(PAYLOAD, KEY, KID, typ=TYP).split(".")
    segments[part] = flip_first(segments[part])
    with pytest.raises(SignatureInvalidError) as caught:
        verify_compact(".".join(segments), resolve, typ=TYP)
    assert caught.value.code == "SIG_INVALID"


def test_signature_by_another_key_is_sig_invalid() -> None:
    other = Ed25519PrivateKey.generate()
    with pytest.raises(SignatureInvalidError):
        verify_compact(sign_compact(PAYLOAD, other, KID, typ=TYP), resolve, typ=TYP)


@pytest.mark.parametrize("alg", ["none", "HS256", "Ed25519", "ES256", "eddsa", None])
def test_algorithms_other_than_eddsa_are_policy_violations(alg: str | None) -> None:
    header = {"alg": alg, "kid": KID, "typ": TYP}
    token = hand_built(header, canonical_json(PAYLOAD))
    if alg == "none":
        token = token.rsplit(".", 1)[0] + "."
    with pytest.raises(PolicyViolationError) as caught:
        verify_compact(token, resolve, typ=TYP)
    assert caught.value.code == "POLICY_VIOLATION"


def test_typ_mismatch_is_a_policy_violation() -> None:
    token = sign_compact(PAYLOAD, KEY, KID, typ="comity-receipt/1")
    with pytest.raises(PolicyViolationError, match="typ"):
        verify_compact(token, resolve, typ=TYP)


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "EdDSA", "typ": TYP},
        {"alg": "EdDSA", "kid": 7, "typ": TYP},
        {"alg": "EdDSA", "kid": "", "typ": TYP},
        {"alg": "EdDSA", "kid": KID, "typ": TYP, "crit": ["b64"], "b64": False},
        {"alg": "EdDSA", "kid": KID, "typ": TYP, "jwk": {"kty": "OKP"}},
    ],
)
def test_header_outside_the_allow_list_is_a_policy_violation(header: dict[str, Any]) -> None:
    with pytest.raises(PolicyViolationError):
        verify_compact(hand_built(header, canonical_json(PAYLOAD)), resolve, typ=TYP)


def test_unknown_kid_is_signer_untrusted_and_lookup_errors_count_too() -> None:
    token = sign_compact(PAYLOAD, KEY, "XB.sig.ffff", typ=TYP)
    with pytest.raises(SignerUntrustedError) as caught:
        verify_compact(token, resolve, typ=TYP)
    assert caught.value.code == "SIGNER_UNTRUSTED"

    def by_index(kid: str) -> Ed25519PublicKey:
        return [KEY.public_key()][5]

    with pytest.raises(SignerUntrustedError):
        verify_compact(token, by_index, typ=TYP)


def test_resolver_returning_a_non_ed25519_key_is_signer_untrusted() -> None:
    token = sign_compact(PAYLOAD, KEY, KID, typ=TYP)
    with pytest.raises(SignerUntrustedError):
        verify_compact(token, lambda _kid: "not a key", typ=TYP)  # type: ignore[arg-type,return-value]


@pytest.mark.parametrize(
    "payload",
    [
        b'{"b":1, "a":2}',
        b'{"b":1,"a":2}',
        b'{"a":1.0}',
        b'{"a":"\\u00e9"}',
        b'{"a":1,"a":1}',
        b'{"a":NaN}',
        b'{"a":9007199254740993}',
        b"[1,2]",
        b"not json",
        b"\xff\xfe",
    ],
)
def test_payload_must_be_a_canonical_json_object(payload: bytes) -> None:
    token = hand_built({"alg": "EdDSA", "kid": KID, "typ": TYP}, payload)
    with pytest.raises(PolicyViolationError):
        verify_compact(token, resolve, typ=TYP)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "a.b",
        "a.b.c.d",
        "é.é.é",
        "%%%.e30.AAAA",
        b64(b"[1]") + ".e30.AAAA",
        b64(b"{not json") + ".e30.AAAA",
        b64(b"x" * 2000) + ".e30.AAAA",
        b"\xff.\xff.\xff",
        "A" * (8 * 1024 * 1024 + 1),
    ],
)
def test_garbage_is_a_policy_violation(token: str | bytes) -> None:
    with pytest.raises(PolicyViolationError):
        verify_compact(token, resolve, typ=TYP)


def test_non_text_token_is_a_policy_violation() -> None:
    with pytest.raises(PolicyViolationError):
        verify_compact(12, resolve, typ=TYP)  # type: ignore[arg-type]


def test_non_canonical_base64_in_the_signature_is_refused() -> None:
    # 64 bytes end in 4 unused bits; changing them would give a second spelling of one token.
    token = sign_compact(PAYLOAD, KEY, KID, typ=TYP)
    head, body, signature = token.split(".")
    last = signature[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twin = alphabet[alphabet.index(last) ^ 1]
    with pytest.raises(PolicyViolationError):
        verify_compact(f"{head}.{body}.{signature[:-1]}{twin}", resolve, typ=TYP)


def test_error_messages_carry_no_payload_or_key_material() -> None:
    secret = "Operation Nightjar, suspect 0421"
    token = sign_compact({"note": secret}, KEY, KID, typ=TYP)
    segments = token.split(".")
    failures: list[TrustError] = []
    cases: list[tuple[str, type[TrustError]]] = [
        (f"{segments[0]}.{flip_first(segments[1])}.{segments[2]}", SignatureInvalidError),
        (
            hand_built({"alg": "EdDSA", "kid": KID, "typ": TYP}, secret.encode()),
            PolicyViolationError,
        ),
    ]
    for bad, expected in cases:
        with pytest.raises(TrustError) as caught:
            verify_compact(bad, resolve, typ=TYP)
        assert isinstance(caught.value, expected)
        failures.append(caught.value)
    for error in failures:
        assert "Nightjar" not in str(error)
        assert segments[1] not in str(error)
        assert error.__cause__ is None


def test_unverified_kid_reads_the_header_only() -> None:
    token = sign_compact(PAYLOAD, KEY, KID, typ=TYP)
    assert unverified_kid(token) == KID
    assert unverified_kid(token.encode()) == KID
    with pytest.raises(PolicyViolationError):
        unverified_kid("garbage")
    with pytest.raises(PolicyViolationError):
        unverified_kid(hand_built({"alg": "EdDSA", "typ": TYP}, b"{}"))


def test_strict_base64url_and_json_helpers() -> None:
    assert b64url_encode(b"\xfb\xff") == "-_8"
    assert b64url_decode("-_8") == b"\xfb\xff"
    for bad in ["-_9", "a=", "a+b/", "abcde"]:
        with pytest.raises(ValueError):
            b64url_decode(bad)
    with pytest.raises(ValueError):
        parse_strict_json(b'{"a":Infinity}')


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.text(max_size=20)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=12), JSON_VALUES, max_size=6))
def test_any_json_object_round_trips(payload: dict[str, Any]) -> None:
    verified = verify_compact(sign_compact(payload, KEY, KID, typ=TYP), resolve, typ=TYP)
    assert verified.payload == payload
    assert verified.payload_bytes == canonical_json(payload)


def test_a_deeply_nested_signed_payload_is_a_policy_violation() -> None:
    # Found by the fault tier's fuzzing (F-01): nesting deeper than json's recursion limit
    # raised RecursionError, which no caller expects from a parser of foreign input.
    deep = b'{"a":' * 5000 + b"1" + b"}" * 5000
    with pytest.raises(ValueError):
        parse_strict_json(deep)
    with pytest.raises(PolicyViolationError):
        verify_compact(hand_built({"alg": "EdDSA", "kid": KID, "typ": TYP}, deep), resolve, typ=TYP)
