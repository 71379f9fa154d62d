"""Fuzz target: the evidence manifest an evidence offer carries.

Mode 0: the bytes as the signed manifest token (``crypto.evidence.read_manifest_token``, as
the evidence offer reads it). Mode 1: the bytes as the manifest document a valid signature
would carry (``domain.evidence.Manifest.from_document``), the parser behind the signature.
"""

from __future__ import annotations

from tests.faults.fuzz.harness import instrumented, main, split_mode

with instrumented():
    from comity.crypto.evidence import read_manifest_token
    from comity.crypto.jose import parse_strict_json, verify_compact
    from comity.domain.errors import PackageUnsafeError
    from comity.domain.evidence import Manifest
    from tests.faults.fuzz.material import Material, load, package


def seeds(material: Material) -> list[bytes]:
    """The real manifest token of a sealed package, and its payload."""
    token = (package(material) / "manifest.jws").read_bytes().strip()
    payload = verify_compact(token, material.resolve, typ="comity-evidence-manifest/1")
    return [b"\x00" + token, b"\x01" + payload.payload_bytes]


def parse(data: bytes) -> object:
    mode, rest = split_mode(data)
    if mode % 2 == 0:
        return read_manifest_token(rest, load().resolve)
    try:
        document = parse_strict_json(rest)
    except ValueError:
        raise PackageUnsafeError("not JSON") from None
    return Manifest.from_document(document)


if __name__ == "__main__":
    main(parse)
