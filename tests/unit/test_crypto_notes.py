"""Ed25519 signed notes and cosignatures (c2sp.org/signed-note, c2sp.org/tlog-cosignature).

Byte-exact vectors from golang.org/x/mod/sumdb/note's tests and the signed-note example;
then signing, verification, key separation, cosignature timestamps, and a flip of any bit
of a signed checkpoint. No I/O: keys are made in memory.
"""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from comity.crypto.keys import public_jwk
from comity.crypto.notes import NoteSigner, public_key_from_jwk, verify_cosignature, verify_note
from comity.domain.errors import (
    CheckpointError,
    PolicyViolationError,
    SignatureInvalidError,
    SignerUntrustedError,
)
from comity.domain.ledger.checkpoints import (
    ED25519,
    Checkpoint,
    NoteSignature,
    SignedNote,
    cosigned_message,
    key_hash,
    parse_note,
)

# golang.org/x/mod/sumdb/note: the PeterNeumann signing key, its note, EnochRoot's signature.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_KEY = base64.b64decode("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")[1:]
ENOCH_KEY = base64.b64decode("ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop")[1:]
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngot"
    "pRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWL"
    "ox33WWd1RvMc+QQ=\n"
)
# c2sp.org/signed-note's example key and note.
EXAMPLE_KEY = base64.b64decode("AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")[1:]
EXAMPLE_NOTE = (
    "This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi"
    "2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)

ORIGIN = "comity.example/XA/audit"
LOG = NoteSigner(Ed25519PrivateKey.from_private_bytes(bytes([1]) * 32), ORIGIN)
W1 = NoteSigner(Ed25519PrivateKey.from_private_bytes(bytes([2]) * 32), "comity.example/XB/witness")
W2 = NoteSigner(Ed25519PrivateKey.from_private_bytes(bytes([3]) * 32), "comity.example/XC/witness")
BODY = Checkpoint(ORIGIN, 42, bytes(range(32)), 1_800_000_000).body()


def _signed() -> SignedNote:
    return SignedNote(BODY, (LOG.sign(BODY),))


def test_the_go_signing_vector_is_reproduced_byte_for_byte() -> None:
    seed = base64.b64decode(GO_SKEY.split("+", 4)[4])[1:]
    signer = NoteSigner(Ed25519PrivateKey.from_private_bytes(seed), "PeterNeumann")
    assert signer.public_key == PETER_KEY
    assert signer.sign(GO_TEXT).line() == PETER_SIG


def test_the_published_notes_verify_and_other_signers_are_ignored() -> None:
    note = parse_note(GO_TEXT + "\n" + PETER_SIG + ENOCH_SIG)
    verify_note(note, "PeterNeumann", PETER_KEY)
    verify_note(note, "EnochRoot", ENOCH_KEY)
    verify_note(parse_note(EXAMPLE_NOTE), "example.com/foo", EXAMPLE_KEY)
    # A known name with another key, or a known key under another name, is not a signer.
    with pytest.raises(SignerUntrustedError):
        verify_note(note, "PeterNeumann", ENOCH_KEY)
    with pytest.raises(SignerUntrustedError):
        verify_note(note, "EnochRoot", PETER_KEY)


def test_a_log_signs_and_witnesses_cosign_a_checkpoint() -> None:
    note = _signed().with_signature(W1.cosign(BODY, 1_800_000_010))
    note = note.with_signature(W2.cosign(BODY, 1_800_000_020))
    reread = parse_note(note.text())
    verify_note(reread, ORIGIN, LOG.public_key)
    assert verify_cosignature(reread, W1.name, W1.public_key) == 1_800_000_010
    assert verify_cosignature(reread, W2.name, W2.public_key) == 1_800_000_020
    # The line's layout: key hash of type 0x04, big-endian time, Ed25519 over the message.
    line = reread.signatures[1]
    assert line.key_hash == key_hash(W1.name, 0x04, W1.public_key)
    assert line.signature[:8] == (1_800_000_010).to_bytes(8, "big")
    w1_public = Ed25519PrivateKey.from_private_bytes(bytes([2]) * 32).public_key()
    w1_public.verify(line.signature[8:], cosigned_message(BODY, 1_800_000_010))


def test_signatures_and_cosignatures_never_stand_for_each_other() -> None:
    note = _signed().with_signature(W1.cosign(BODY, 7))
    # A witness's cosignature is not a log signature, and the reverse.
    with pytest.raises(SignerUntrustedError):
        verify_note(note, W1.name, W1.public_key)
    with pytest.raises(SignerUntrustedError):
        verify_cosignature(note, ORIGIN, LOG.public_key)
    # The same key as another name: unknown, ignored.
    with pytest.raises(SignerUntrustedError):
        verify_note(note, "comity.example/XZ/audit", LOG.public_key)


def test_a_bad_line_of_a_trusted_key_rejects_the_note_whatever_else_it_carries() -> None:
    good = LOG.sign(BODY)
    forged = NoteSignature(good.name, good.key_hash, bytes(64))
    for order in ((good, forged), (forged, good)):
        with pytest.raises(SignatureInvalidError):
            verify_note(SignedNote(BODY, order), ORIGIN, LOG.public_key)
    with pytest.raises(SignatureInvalidError):
        verify_note(SignedNote("another text\n", (good,)), ORIGIN, LOG.public_key)


def test_a_key_that_is_no_ed25519_key_verifies_nothing() -> None:
    bad_key = bytes(31)
    line = NoteSignature(ORIGIN, key_hash(ORIGIN, ED25519, bad_key), bytes(64))
    with pytest.raises(SignatureInvalidError):
        verify_note(SignedNote(BODY, (line,)), ORIGIN, bad_key)


def test_cosignature_timestamps() -> None:
    for timestamp in (0, 1, 2**63 - 1):
        note = _signed().with_signature(W1.cosign(BODY, timestamp))
        assert verify_cosignature(note, W1.name, W1.public_key) == timestamp
    with pytest.raises(CheckpointError):
        W1.cosign(BODY, 2**63)
    # The same witness twice: both must verify, and the later time is the statement.
    twice = _signed().with_signature(W1.cosign(BODY, 20)).with_signature(W1.cosign(BODY, 10))
    assert verify_cosignature(twice, W1.name, W1.public_key) == 20


def test_a_cosignature_whose_time_or_length_was_changed_fails() -> None:
    real = W1.cosign(BODY, 1_800_000_010)
    forged = [
        (1_800_000_011).to_bytes(8, "big") + real.signature[8:],
        (2**63).to_bytes(8, "big") + real.signature[8:],
        real.signature[:-1],
        real.signature + b"\x00",
    ]
    for signature in forged:
        note = _signed().with_signature(NoteSignature(real.name, real.key_hash, signature))
        with pytest.raises(SignatureInvalidError):
            verify_cosignature(note, W1.name, W1.public_key)


def test_only_note_texts_are_signed() -> None:
    for body in ("no final newline", "a\x00\n"):
        with pytest.raises(CheckpointError):
            LOG.sign(body)
        with pytest.raises(CheckpointError):
            W1.cosign(body, 1)


def _flips(text: str) -> list[bytes]:
    raw = text.encode()
    return [
        raw[:i] + bytes([raw[i] ^ (1 << bit)]) + raw[i + 1 :]
        for i in range(len(raw))
        for bit in range(8)
    ]


def _accepted(raw: bytes, *checks: tuple[object, str, bytes]) -> bool:
    # What a node does with a note it receives: decode, parse, then every verification.
    try:
        note = parse_note(raw.decode("utf-8"))
        for check, name, key in checks:
            check(note, name, key)  # type: ignore[operator]
    except (UnicodeDecodeError, CheckpointError, SignatureInvalidError, SignerUntrustedError):
        return False
    return True


def test_any_one_bit_flip_of_a_signed_checkpoint_is_caught() -> None:
    text = _signed().text()
    log_check = (verify_note, ORIGIN, LOG.public_key)
    assert _accepted(text.encode(), log_check)
    assert not [flip for flip in _flips(text) if _accepted(flip, log_check)]


def test_any_one_bit_flip_of_a_cosigned_checkpoint_is_caught() -> None:
    text = _signed().with_signature(W1.cosign(BODY, 1_800_000_010)).text()
    checks = ((verify_note, ORIGIN, LOG.public_key), (verify_cosignature, W1.name, W1.public_key))
    assert _accepted(text.encode(), *checks)
    assert not [flip for flip in _flips(text) if _accepted(flip, *checks)]


def test_public_keys_come_from_the_directory_jwks() -> None:
    jwk = public_jwk(Ed25519PrivateKey.from_private_bytes(bytes([1]) * 32).public_key(), "XA.sig.1")
    assert public_key_from_jwk(jwk) == LOG.public_key
    x25519 = public_jwk(X25519PrivateKey.from_private_bytes(bytes(32)).public_key(), "XA.enc.1")
    for bad in (x25519, {**jwk, "d": "AAAA"}, {**jwk, "x": "AAAA"}, {**jwk, "kty": "EC"}):
        with pytest.raises(PolicyViolationError):
            public_key_from_jwk(bad)
