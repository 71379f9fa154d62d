"""Time-based one-time codes (RFC 6238) with ``pyotp``: 6 digits, 30-second steps, SHA-1 as
authenticator apps expect; a code is checked against the node's clock (ASVS 6.5.5, 6.5.8).

The secret is stored sealed (AES-256-GCM under a key file of the node's, mode 0600, outside
the database), so a copy of the database alone does not let anyone compute an officer's
codes. The services only ever handle the sealed form.
"""

from __future__ import annotations

import base64
import hmac
import os
import secrets
from datetime import datetime
from pathlib import Path

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# One step either side of now: a code typed as it changes, or a clock a little off.
WINDOW_STEPS = 1
SEALED_PREFIX = "v1:"
_LABEL = b"comity-totp/1"


class TotpCodes:
    """Implements ``services.sign_in_ports.OneTimeCodes``; ``key_file`` holds the sealing
    key (created, 0600, at the first enrolment)."""

    def __init__(self, key_file: Path) -> None:
        self._key_file = key_file

    def new_secret(self) -> str:
        """160 random bits in base32 (the length RFC 4226 recommends), sealed."""
        return self._seal(pyotp.random_base32(32))

    def provisioning_uri(self, secret: str, *, account: str, issuer: str) -> str:
        """The ``otpauth://totp/…`` URI (a QR code of it is what apps usually scan)."""
        opened = self._open(secret)
        if opened is None:
            raise ValueError("the secret cannot be opened with this node's key")
        return pyotp.TOTP(opened).provisioning_uri(name=account, issuer_name=issuer)

    def matching_steps(self, secret: str, code: str, at: datetime) -> list[int]:
        """The steps within the window whose code is ``code`` (compared in constant time)."""
        code = code.strip().replace(" ", "")
        if not code.isdigit() or len(code) != 6:
            return []
        opened = self._open(secret)
        if opened is None:
            return []
        totp = pyotp.TOTP(opened)
        now = totp.timecode(at)
        steps = range(now - WINDOW_STEPS, now + WINDOW_STEPS + 1)
        return [step for step in steps if hmac.compare_digest(totp.generate_otp(step), code)]

    def _seal(self, plain: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(self._key()).encrypt(nonce, plain.encode("ascii"), _LABEL)
        return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def _open(self, sealed: str) -> str | None:
        """The secret, or None if it cannot be opened (another node's key, or altered)."""
        if not sealed.startswith(SEALED_PREFIX) or not self._key_file.exists():
            return None
        try:
            raw = base64.urlsafe_b64decode(sealed[len(SEALED_PREFIX) :])
            plain = AESGCM(self._key()).decrypt(raw[:12], raw[12:], _LABEL)
        except (ValueError, InvalidTag):
            return None
        return plain.decode("ascii")

    def _key(self) -> bytes:
        """The sealing key, created on first use. It is written whole to a private file and
        then linked into place, so a process never reads half a key, and of two processes
        creating it at once, one link wins and both read that key."""
        if not self._key_file.exists():
            self._key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            draft = self._key_file.with_name(f".{self._key_file.name}.{secrets.token_hex(8)}")
            handle = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(handle, "wb") as out:
                # Text (base64), like the node's other key files, which are PEM.
                out.write(base64.b64encode(AESGCM.generate_key(bit_length=256)) + b"\n")
            try:
                os.link(draft, self._key_file)
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        try:
            key = base64.b64decode(self._key_file.read_bytes().strip(), validate=True)
        except ValueError:
            key = b""
        if len(key) != 32:
            raise ValueError(f"{self._key_file} is not a 256-bit key")
        return key
