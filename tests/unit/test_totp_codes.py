"""The TOTP adapter (RFC 6238 via pyotp): codes match within one step either side of now; the
secret is stored sealed under a key file of the node's, never in the clear."""

from __future__ import annotations

import base64
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest

from comity.crypto.totp import TotpCodes

AT = datetime(2026, 11, 29, 12, 0, 15, tzinfo=UTC)


def enrolled(tmp_path: Path) -> tuple[TotpCodes, str, pyotp.TOTP]:
    codes = TotpCodes(tmp_path / "keys" / "totp.key")
    sealed = codes.new_secret()
    uri = codes.provisioning_uri(sealed, account="alice", issuer="Comity XA")
    return codes, sealed, pyotp.TOTP(parse_qs(urlsplit(uri).query)["secret"][0])


def test_a_code_matches_its_step_and_one_step_either_side_but_no_further(tmp_path: Path) -> None:
    codes, sealed, totp = enrolled(tmp_path)
    step = totp.timecode(AT)
    now_code = totp.at(AT)
    assert codes.matching_steps(sealed, now_code, AT) == [step]
    assert codes.matching_steps(sealed, totp.at(AT - timedelta(seconds=30)), AT) == [step - 1]
    assert codes.matching_steps(sealed, totp.at(AT + timedelta(seconds=30)), AT) == [step + 1]
    assert codes.matching_steps(sealed, totp.at(AT - timedelta(seconds=60)), AT) == []
    assert codes.matching_steps(sealed, f"{now_code[:3]} {now_code[3:]}", AT) == [step]


def test_malformed_codes_match_nothing(tmp_path: Path) -> None:
    codes, sealed, _ = enrolled(tmp_path)
    for code in ("", "12345", "1234567", "abcdef", "12 34 5x"):
        assert codes.matching_steps(sealed, code, AT) == []


def test_the_stored_secret_is_sealed_under_a_private_key_file(tmp_path: Path) -> None:
    codes, sealed, totp = enrolled(tmp_path)
    key_file = tmp_path / "keys" / "totp.key"
    assert totp.secret not in sealed and sealed.startswith("v1:")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(base64.b64decode(key_file.read_text("ascii"))) == 32
    assert [p.name for p in key_file.parent.iterdir()] == ["totp.key"], "no draft left behind"
    # Another node's key (or a lost one) opens nothing; an altered secret neither.
    elsewhere = TotpCodes(tmp_path / "other" / "totp.key")
    elsewhere.new_secret()
    assert elsewhere.matching_steps(sealed, totp.at(AT), AT) == []
    assert TotpCodes(tmp_path / "missing.key").matching_steps(sealed, totp.at(AT), AT) == []
    altered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    assert codes.matching_steps(altered, totp.at(AT), AT) == []
    assert codes.matching_steps(totp.secret, totp.at(AT), AT) == [], "an unsealed secret"
    with pytest.raises(ValueError):
        elsewhere.provisioning_uri(sealed, account="alice", issuer="Comity XA")


def test_a_key_file_of_the_wrong_size_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "totp.key"
    for content in (b"short", base64.b64encode(b"short"), b"not base64 at all!"):
        key_file.write_bytes(content)
        with pytest.raises(ValueError):
            TotpCodes(key_file).new_secret()


def test_the_uri_names_the_account_and_the_issuer(tmp_path: Path) -> None:
    codes, sealed, totp = enrolled(tmp_path)
    uri = codes.provisioning_uri(sealed, account="alice", issuer="Comity XA")
    assert uri.startswith("otpauth://totp/") and "alice" in uri and "Comity%20XA" in uri
    assert len(totp.secret) == 32
