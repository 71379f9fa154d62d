"""Fuzz target: RFC 9421 signature headers of an inter-node call (``crypto.http_signatures``).

The bytes are split on newlines into ``Signature-Input``, ``Signature``, ``Content-Digest``
and ``Content-Type`` values, the rest is the body; ``verify_call`` checks them as the
federation endpoint does, against XB's directory at the material's instant.
"""

from __future__ import annotations

from datetime import timedelta

from tests.faults.fuzz.harness import instrumented, main

with instrumented():
    from comity.crypto.http_signatures import MESSAGES_PATH, RequestSigner, verify_call
    from comity.domain.errors import PolicyViolationError
    from tests.faults.fuzz.material import NOW, Material, load


URL = "https://127.0.0.1:8702" + MESSAGES_PATH
NAMES = ("Signature-Input", "Signature", "Content-Digest", "Content-Type")


def seeds(material: Material) -> list[bytes]:
    """A real signed call from XA."""
    keys = material.sender_keys
    body = b"eyJhbGciOi.x.y.z.w"
    headers = RequestSigner(keys.signing, keys.signing_kid).headers(url=URL, body=body, now=NOW)
    lines = [headers[name].encode() for name in NAMES]
    return [b"\n".join([*lines, body])]


def parse(data: bytes) -> object:
    parts = data.split(b"\n", len(NAMES))
    if len(parts) <= len(NAMES):
        raise PolicyViolationError("too few lines")
    try:
        values = [part.decode("latin-1") for part in parts[: len(NAMES)]]
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
        raise PolicyViolationError("not text") from None
    return verify_call(
        method="POST",
        url=URL,
        headers=dict(zip(NAMES, values, strict=True)),
        body=parts[-1],
        directory=load().directory,
        now=NOW,
        skew=timedelta(minutes=5),
    )


if __name__ == "__main__":
    main(parse)
