"""The TOTP adapter (RFC 6238 via pyotp): codes match within one step either side of now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp

from comity.crypto.totp import TotpCodes

AT = datetime(2026, 11, 29, 12, 0, 15, tzinfo=UTC)


def test_a_code_matches_its_step_and_one_step_either_side_but_no_further() -> None:
    codes = TotpCodes()
    secret = codes.new_secret()
    totp = pyotp.TOTP(secret)
    step = totp.timecode(AT)
    now_code = totp.at(AT)
    assert step in codes.matching_steps(secret, now_code, AT)
    assert codes.matching_steps(secret, totp.at(AT - timedelta(seconds=30)), AT) == [step - 1]
    assert codes.matching_steps(secret, totp.at(AT + timedelta(seconds=30)), AT) == [step + 1]
    assert codes.matching_steps(secret, totp.at(AT - timedelta(seconds=60)), AT) == []
    assert codes.matching_steps(secret, f"{now_code[:3]} {now_code[3:]}", AT) == [step]


def test_malformed_codes_match_nothing() -> None:
    codes = TotpCodes()
    secret = codes.new_secret()
    for code in ("", "12345", "1234567", "abcdef", "12 34 5x"):
        assert codes.matching_steps(secret, code, AT) == []


def test_the_uri_names_the_account_and_the_issuer_and_carries_the_secret() -> None:
    codes = TotpCodes()
    secret = codes.new_secret()
    uri = codes.provisioning_uri(secret, account="alice", issuer="Comity XA")
    assert uri.startswith("otpauth://totp/") and "alice" in uri and f"secret={secret}" in uri
    assert len(secret) == 32
