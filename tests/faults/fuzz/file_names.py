"""Fuzz target: the names of uploaded evidence files (plan §6 F-06).

``services.evidence_uploads._file_name`` (what an upload's name goes through) and
``domain.evidence.check_path`` (every path in a package). A name that is accepted must be
safe to join under a folder: no separator tricks, no NUL, no ``.``/``..``, at most 255 bytes.
"""

from __future__ import annotations

from tests.faults.fuzz.harness import instrumented, main

with instrumented():
    from comity.domain.errors import InvalidFieldsError
    from comity.domain.evidence import check_path
    from comity.services.evidence_uploads import _file_name
    from tests.faults.fuzz.material import Material


def seeds(material: Material) -> list[bytes]:
    """Ordinary names, and the ones F-06 lists."""
    return [
        b"report.pdf",
        "photo \u202egnp.exe".encode(),
        b"CON",
        b"../etc/passwd",
        "caf\u00e9.txt".encode(),
        "cafe\u0301.txt".encode(),
        ("a" * 300).encode(),
    ]


def parse(data: bytes) -> object:
    try:
        name = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidFieldsError(()) from None
    try:
        path = check_path(name)
    except Exception as error:
        if error.__class__.__module__ != "comity.domain.errors":
            raise
    else:
        assert path == name
        assert "\x00" not in path and "\\" not in path and not path.startswith("/")
        assert all(part not in ("", ".", "..") for part in path.split("/"))
    checked = _file_name(name)
    assert "/" not in checked and "\x00" not in checked and checked not in (".", "..")
    assert len(checked.encode("utf-8")) <= 255
    return checked


if __name__ == "__main__":
    main(parse)
