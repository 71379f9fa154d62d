"""Time-based one-time codes (RFC 6238) with ``pyotp``: 6 digits, 30-second steps, SHA-1 as
authenticator apps expect; a code is checked against the node's clock (ASVS 6.5.5, 6.5.8)."""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

# One step either side of now: a code typed as it changes, or a clock a little off.
WINDOW_STEPS = 1


class TotpCodes:
    """Implements ``services.sign_in_ports.OneTimeCodes``."""

    def new_secret(self) -> str:
        """160 random bits in base32, the length RFC 4226 recommends."""
        return pyotp.random_base32(32)

    def provisioning_uri(self, secret: str, *, account: str, issuer: str) -> str:
        """The ``otpauth://totp/…`` URI (a QR code of it is what apps usually scan)."""
        return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)

    def matching_steps(self, secret: str, code: str, at: datetime) -> list[int]:
        """The steps within the window whose code is ``code`` (compared in constant time)."""
        code = code.strip().replace(" ", "")
        if not code.isdigit() or len(code) != 6:
            return []
        totp = pyotp.TOTP(secret)
        now = totp.timecode(at)
        steps = range(now - WINDOW_STEPS, now + WINDOW_STEPS + 1)
        return [step for step in steps if hmac.compare_digest(totp.generate_otp(step), code)]
