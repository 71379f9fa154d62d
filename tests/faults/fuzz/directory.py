"""Fuzz target: the directory document (``crypto.directory``, ``domain.directory``).

Mode 0: the bytes as a directory token, verified against XB's pinned anchors
(``verify_directory``, what installing a fetched directory runs). Mode 1: the bytes as an
anchors document (``TrustAnchors.from_document``). Mode 2: the bytes as a State's entry
document (``parse_entry``), the parser behind a root's valid signature.
"""

from __future__ import annotations

import json

from tests.faults.fuzz.harness import instrumented, main, split_mode

with instrumented():
    from comity.crypto.directory import TrustAnchors, verify_directory
    from comity.crypto.jose import parse_strict_json
    from comity.domain.directory import entry_document, parse_entry
    from comity.domain.errors import DirectoryError
    from tests.faults.fuzz.material import Material, load


def seeds(material: Material) -> list[bytes]:
    """The installed directory token, the pinned anchors and XA's entry."""
    entry = json.dumps(entry_document(material.directory.state("XA"))).encode()
    anchors = json.dumps(material.anchors.dump()).encode()
    return [b"\x00" + material.directory_token.encode("ascii"), b"\x01" + anchors, b"\x02" + entry]


def parse(data: bytes) -> object:
    material = load()
    mode, rest = split_mode(data)
    if mode % 3 == 0:
        try:
            token = rest.decode("ascii")
        except UnicodeDecodeError:
            raise DirectoryError("not ASCII") from None
        return verify_directory(token, material.anchors)
    try:
        document = parse_strict_json(rest)
    except ValueError:
        raise DirectoryError("not JSON") from None
    if mode % 3 == 1:
        return TrustAnchors.from_document(document)
    if not isinstance(document, dict):
        raise DirectoryError("not an object")
    return parse_entry(document)


if __name__ == "__main__":
    main(parse)
