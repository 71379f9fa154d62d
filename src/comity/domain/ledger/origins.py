"""The names a node's log and its witness sign under (C2SP signed-note key names)."""

from __future__ import annotations

import re

from comity.domain.errors import UnknownLogError

_ORIGIN = re.compile(r"comity/([A-Z]{2})/audit")


def log_origin(state: str) -> str:
    """The origin line of ``state``'s audit log checkpoints, and the name its key signs as."""
    return f"comity/{state}/audit"


def witness_name(state: str) -> str:
    """The name ``state``'s node cosigns other logs' checkpoints as."""
    return f"comity/{state}/witness"


def state_of_origin(origin: str) -> str:
    """The State whose log ``origin`` names; ``UnknownLogError`` for any other origin."""
    match = _ORIGIN.fullmatch(origin)
    if match is None:
        raise UnknownLogError(f"{origin[:80]!r} is not the origin of a Comity audit log")
    return match.group(1)
