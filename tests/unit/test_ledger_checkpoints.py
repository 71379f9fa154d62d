"""C2SP checkpoints, signed notes and add-checkpoint bodies: exact formats, strict reading.

Vectors come from c2sp.org (tlog-checkpoint, tlog-cosignature, tlog-witness), from
golang.org/x/mod/sumdb/note's tests and from transparency-dev/formats (key hashes).
"""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comity.domain.errors import CheckpointError
from comity.domain.ledger.checkpoints import (
    COSIGNATURE_V1,
    ED25519,
    MAX_NOTE_BYTES,
    Checkpoint,
    NoteSignature,
    SignedNote,
    cosigned_message,
    format_add_checkpoint,
    key_hash,
    parse_add_checkpoint,
    parse_checkpoint,
    parse_note,
)

ROOT = bytes(range(32))
CP = Checkpoint("comity.example/XA/audit", 7, ROOT, 1_800_000_000)
BODY = "comity.example/XA/audit\n7\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\ntime 1800000000\n"
SIG_A = NoteSignature("comity.example/XA/audit", b"\x01\x02\x03\x04", bytes(64))
SIG_B = NoteSignature("witness.example/w1", b"\xff\xfe\xfd\xfc", bytes(range(72)))
NOTE = SignedNote(BODY, (SIG_A, SIG_B))
# c2sp.org/tlog-witness: the example add-checkpoint request.
WITNESS_EXAMPLE = (
    "old 20852014\n"
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
    "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
    "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
    "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
    "\n"
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5"
    "/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "\u2014 example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+"
    "49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n"
).encode()
# Names allowed in origins and key names: no space, no plus, no control character.
NAMES = st.text(
    st.characters(blacklist_categories=("Zs", "Zl", "Zp", "Cc", "Cs"), blacklist_characters="+"),
    min_size=1,
    max_size=40,
).filter(lambda name: not any(c.isspace() for c in name))


def _line(number: int, value: str, body: str = BODY) -> str:
    lines = body.split("\n")
    lines[number] = value
    return "\n".join(lines)


def test_a_checkpoint_body_is_the_c2sp_text_with_a_time_line() -> None:
    assert CP.body() == BODY
    assert parse_checkpoint(BODY) == CP
    assert Checkpoint("o", 0, bytes(32), 0).body() == "o\n0\n" + "A" * 43 + "=\ntime 0\n"


@settings(max_examples=200, deadline=None)
@given(
    NAMES, st.integers(0, 2**63 - 1), st.binary(min_size=32, max_size=32), st.integers(0, 2**63 - 1)
)
def test_checkpoints_round_trip(origin: str, size: int, root: bytes, time: int) -> None:
    checkpoint = Checkpoint(origin, size, root, time)
    assert parse_checkpoint(checkpoint.body()) == checkpoint


# The root's last base64 digit with a padding bit set: the same bytes to a lenient decoder.
_SLOPPY_ROOT = BODY.split("\n")[2][:-2] + "9="
BAD_BODIES = {
    "empty": "",
    "no final newline": BODY[:-1],
    "blank line after": BODY + "\n",
    "another extension line": BODY + "ext\n",
    "no time line": "\n".join(BODY.split("\n")[:3]) + "\n",
    "CRLF": BODY.replace("\n", "\r\n"),
    "empty origin": _line(0, ""),
    "origin with a space": _line(0, "comity example"),
    "origin with a plus": _line(0, "a+b"),
    "origin with a no-break space": _line(0, "a\u00a0b"),
    "origin with a tab": _line(0, "a\tb"),
    "size with a leading zero": _line(1, "07"),
    "size with a sign": _line(1, "+7"),
    "negative size": _line(1, "-1"),
    "size with a space": _line(1, " 7"),
    "size with an underscore": _line(1, "1_0"),
    "size in Arabic-Indic digits": _line(1, "\u0667"),
    "size of 2**63": _line(1, str(2**63)),
    "empty size": _line(1, ""),
    "root not canonical": _line(2, _SLOPPY_ROOT),
    "root without padding": _line(2, BODY.split("\n")[2][:-1]),
    "root in base64url": _line(2, base64.urlsafe_b64encode(b"\xff" * 32).decode()),
    "root of 31 bytes": _line(2, base64.b64encode(bytes(31)).decode()),
    "root of 33 bytes": _line(2, base64.b64encode(bytes(33)).decode()),
    "root with a space": _line(2, " " + BODY.split("\n")[2]),
    "time with a leading zero": _line(3, "time 01"),
    "time with two spaces": _line(3, "time  1"),
    "time capitalised": _line(3, "Time 1"),
    "time with a tab": _line(3, "time\t1"),
    "time with a trailing space": _line(3, "time 1 "),
    "time of 2**63": _line(3, f"time {2**63}"),
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_malformed_checkpoints_are_refused(body: str) -> None:
    with pytest.raises(CheckpointError):
        parse_checkpoint(body)


@pytest.mark.parametrize(
    "args",
    [
        ("", 1, ROOT, 1),
        ("a b", 1, ROOT, 1),
        ("a\ud800", 1, ROOT, 1),
        ("o", -1, ROOT, 1),
        ("o", 2**63, ROOT, 1),
        ("o", 1, ROOT, -1),
        ("o", 1, ROOT[:31], 1),
    ],
)
def test_impossible_checkpoints_cannot_be_built(args: tuple[str, int, bytes, int]) -> None:
    with pytest.raises(CheckpointError):
        Checkpoint(*args)


def test_signature_lines_and_notes_are_written_exactly() -> None:
    assert SIG_A.line() == "\u2014 comity.example/XA/audit AQIDBA" + "A" * 85 + "=\n"
    assert NOTE.text() == BODY + "\n" + SIG_A.line() + SIG_B.line()
    assert parse_note(NOTE.text()) == NOTE
    assert SignedNote(BODY, (SIG_A,)).with_signature(SIG_B) == NOTE
    assert NOTE.with_signature(SIG_A) is NOTE


@pytest.mark.parametrize(
    ("name", "hash_", "signature"),
    [
        ("", b"1234", b"s"),
        ("a b", b"1234", b"s"),
        ("a+b", b"1234", b"s"),
        ("\ud800", b"1234", b"s"),
        ("a", b"123", b"s"),
        ("a", b"12345", b"s"),
        ("a", b"1234", b""),
    ],
)
def test_impossible_signatures_cannot_be_built(name: str, hash_: bytes, signature: bytes) -> None:
    with pytest.raises(CheckpointError):
        NoteSignature(name, hash_, signature)


@pytest.mark.parametrize("body", ["", "no newline", "nul\x00\n", "cr\r\n", "\ud800\n"])
def test_impossible_notes_cannot_be_built(body: str) -> None:
    with pytest.raises(CheckpointError):
        SignedNote(body, ())


def test_a_note_carries_at_most_100_signatures() -> None:
    assert len(SignedNote(BODY, (SIG_A,) * 100).signatures) == 100
    with pytest.raises(CheckpointError):
        SignedNote(BODY, (SIG_A,) * 101)


@settings(max_examples=200, deadline=None)
@given(
    st.text(st.characters(blacklist_categories=("Cc", "Cs")) | st.just("\n"), max_size=300),
    st.lists(
        st.tuples(NAMES, st.binary(min_size=4, max_size=4), st.binary(min_size=1, max_size=80)),
        max_size=20,
    ),
)
def test_notes_round_trip(text: str, signatures: list[tuple[str, bytes, bytes]]) -> None:
    # Any text, blank lines included, and any signatures: read back exactly as written.
    note = SignedNote(text + "\n", tuple(NoteSignature(*s) for s in signatures))
    if note.signatures:
        assert parse_note(note.text()) == note


def _sig(encoded: str, name: str = "n", dash: str = "\u2014 ") -> str:
    return BODY + "\n" + f"{dash}{name} {encoded}\n"


_SIX = base64.b64encode(b"\x01\x02\x03\x04\x05\x06").decode()
_FIVE = "AQIDBAU="  # Five bytes: the last digit carries two padding bits.
BAD_NOTES = {
    "no blank line": BODY + SIG_A.line(),
    "no signature": BODY + "\n",
    "last line not ended": NOTE.text()[:-1],
    "blank line at the end": NOTE.text() + "\n",
    "hyphen for the dash": _sig(_SIX, dash="- "),
    "en dash": _sig(_SIX, dash="\u2013 "),
    "dash without a space": _sig(_SIX, dash="\u2014"),
    "two spaces before the name": _sig(_SIX, dash="\u2014  "),
    "no signature after the name": BODY + "\n\u2014 name\n",
    "two spaces before the signature": _sig(" " + _SIX),
    "bad base64": _sig("!!!!!!!!"),
    "base64 without padding": _sig(_FIVE[:-1]),
    "base64 with padding bits set": _sig(_FIVE[:-2] + "V="),
    "signature of a key hash only": _sig(base64.b64encode(b"\x01\x02\x03\x04").decode()),
    "name with a plus": _sig(_SIX, name="a+b"),
    "control character": "tab\tbody\n\n" + SIG_A.line(),
    "carriage return": "cr\r\n\n" + SIG_A.line(),
    "nul": "nul\x00\n\n" + SIG_A.line(),
    "lone surrogate": "\ud800\n\n" + SIG_A.line(),
    "over 16 KiB": "x" * MAX_NOTE_BYTES + "\n\n" + SIG_A.line(),
    "101 signatures": BODY + "\n" + SIG_A.line() * 101,
}


@pytest.mark.parametrize("text", BAD_NOTES.values(), ids=BAD_NOTES.keys())
def test_malformed_notes_are_refused(text: str) -> None:
    with pytest.raises(CheckpointError):
        parse_note(text)


def test_note_limits_accept_what_they_promise() -> None:
    assert len(parse_note(BODY + "\n" + SIG_A.line() * 100).signatures) == 100
    line = SIG_A.line()
    body = "x" * (MAX_NOTE_BYTES - len(line.encode()) - 2) + "\n"
    assert parse_note(body + "\n" + line).body == body
    # A body that is one empty line, and a body with blank lines: the last one splits.
    assert parse_note("\n\n" + line).body == "\n"
    assert parse_note("a\n\nb\n\n\n" + line).body == "a\n\nb\n\n"


def test_key_hashes_of_published_keys() -> None:
    # golang.org/x/mod/sumdb/note (type 0x01) and transparency-dev/formats (type 0x04) keys.
    vkeys = [
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop",
        "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
        "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",
    ]
    for vkey in vkeys:
        name, hash_hex, encoded = vkey.split("+", 2)
        raw = base64.b64decode(encoded)
        assert raw[0] in (ED25519, COSIGNATURE_V1)
        assert key_hash(name, raw[0], raw[1:]).hex() == hash_hex


def test_the_cosigned_message_is_the_c2sp_one() -> None:
    body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    assert (
        cosigned_message(body, 1679315147) == b"cosignature/v1\ntime 1679315147\n" + body.encode()
    )
    assert cosigned_message(body, 0).startswith(b"cosignature/v1\ntime 0\n")
    for timestamp in (-1, 2**63):
        with pytest.raises(CheckpointError):
            cosigned_message(body, timestamp)


def test_the_witness_example_request_is_read_and_written_back() -> None:
    old_size, proof, note = parse_add_checkpoint(WITNESS_EXAMPLE)
    assert old_size == 20852014 and len(proof) == 4 and len(note.signatures) == 2
    assert proof[0] == base64.b64decode("PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=")
    assert note.body.startswith("example.com/behind-the-sofa\n20852163\n")
    assert format_add_checkpoint(old_size, proof, note) == WITNESS_EXAMPLE
    assert format_add_checkpoint(0, [], NOTE) == b"old 0\n\n" + NOTE.text().encode()


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**63 - 1), st.lists(st.binary(min_size=32, max_size=32), max_size=63))
def test_add_checkpoint_bodies_round_trip(old_size: int, proof: list[bytes]) -> None:
    assert parse_add_checkpoint(format_add_checkpoint(old_size, proof, NOTE)) == (
        old_size,
        proof,
        NOTE,
    )


_HASH_LINE = base64.b64encode(ROOT).decode() + "\n"
BAD_REQUESTS = {
    "old size with a leading zero": b"old 07\n\n" + NOTE.text().encode(),
    "negative old size": b"old -1\n\n" + NOTE.text().encode(),
    "capitalised": b"Old 7\n\n" + NOTE.text().encode(),
    "no old line": _HASH_LINE.encode() + b"\n" + NOTE.text().encode(),
    "no blank line": b"old 7\n" + NOTE.text().encode().replace(b"\n\n", b"\n"),
    "64 proof lines": b"old 7\n" + _HASH_LINE.encode() * 64 + b"\n" + NOTE.text().encode(),
    "proof line of 31 bytes": b"old 7\n"
    + base64.b64encode(bytes(31))
    + b"\n\n"
    + NOTE.text().encode(),
    "proof line with a space": b"old 7\n " + _HASH_LINE.encode() + b"\n" + NOTE.text().encode(),
    "not UTF-8": b"old 7\n\n" + NOTE.text().encode().replace(b"\xe2\x80\x94", b"\xe2\x80"),
    "too large": b"old 7\n\n" + b"x" * (MAX_NOTE_BYTES + 4096),
    "a note without signatures": b"old 7\n\n" + BODY.encode() + b"\n",
}


@pytest.mark.parametrize("body", BAD_REQUESTS.values(), ids=BAD_REQUESTS.keys())
def test_malformed_add_checkpoint_bodies_are_refused(body: bytes) -> None:
    with pytest.raises(CheckpointError):
        parse_add_checkpoint(body)


def test_add_checkpoint_limits() -> None:
    body = b"old 7\n" + _HASH_LINE.encode() * 63 + b"\n" + NOTE.text().encode()
    assert len(parse_add_checkpoint(body)[1]) == 63
    for old_size, proof in ((-1, []), (1, [ROOT] * 64), (1, [ROOT[:31]])):
        with pytest.raises(CheckpointError):
            format_add_checkpoint(old_size, proof, NOTE)
