"""Fuzz target: custody tokens and records (``crypto.custody``, ``domain.custody``).

Mode 0: the bytes as ``custody.jsonl`` lines, verified as a chain against the real package's
manifest (``verify_records``). Mode 1: the bytes as one record document
(``CustodyRecord.from_document``), the parser behind a valid signature.
"""

from __future__ import annotations

from functools import cache

from tests.faults.fuzz.harness import instrumented, main, split_mode

with instrumented():
    from comity.crypto.custody import directory_signers, verify_records
    from comity.crypto.evidence import read_manifest
    from comity.crypto.jose import parse_strict_json, verify_compact
    from comity.domain.custody import CustodyRecord
    from comity.domain.errors import CustodyBrokenError
    from tests.faults.fuzz.material import Material, load, package


def seeds(material: Material) -> list[bytes]:
    """The real custody file of a sealed package, and its first record."""
    lines = (package(material) / "custody.jsonl").read_bytes()
    first = lines.split(b"\n")[0]
    payload = verify_compact(first, material.resolve, typ="comity-evidence-custody/1")
    return [b"\x00" + lines, b"\x01" + payload.payload_bytes]


@cache
def _merkle_root() -> str:
    material = load()
    return read_manifest(package(material), material.resolve)[1].merkle_root


def parse(data: bytes) -> object:
    material = load()
    mode, rest = split_mode(data)
    if mode % 2 == 0:
        try:
            text = rest.decode("ascii")
        except UnicodeDecodeError:
            raise CustodyBrokenError("not ASCII") from None
        tokens = [line for line in text.split("\n") if line]
        return verify_records(
            tokens,
            directory_signers(material.directory),
            package_id="pkg-fuzz-1",
            sender_state="XA",
            merkle_root=_merkle_root(),
            require=True,
        )
    try:
        document = parse_strict_json(rest)
    except ValueError:
        raise CustodyBrokenError("not JSON") from None
    return CustodyRecord.from_document(document)


if __name__ == "__main__":
    main(parse)
