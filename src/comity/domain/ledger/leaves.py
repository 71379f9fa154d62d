"""One audit leaf: what happened, to what, by whom and when, and the exact text the log hashes.

A leaf holds ids, codes and digests only, never personal data, so that erasing a case never
has to touch the log and the log can be shown to an auditor or another State. Its text is
canonical JSON (sorted keys, no spaces, ASCII only: line breaks, control characters and
``\\u2028`` inside values are escaped, so one leaf is always one line).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from comity.domain.errors import AuditIntegrityError
from comity.domain.events import Event

# The leaf format; a later format gets a new number and old leaves keep theirs.
VERSION = 1
# The base fields every event has; the rest of an event's fields are its details.
_BASE_FIELDS = ("actor_id", "at", "object_id", "request_id")


@dataclass(frozen=True)
class Leaf:
    """One entry of the audit log, at its position ``index`` (0-based, gap-free)."""

    index: int
    at: datetime
    tag: str
    actor_id: str
    object_id: str
    request_id: str | None
    details: Mapping[str, Any]

    def text(self) -> str:
        """The canonical text whose RFC 9162 leaf hash the tree holds."""
        return json.dumps(
            {
                "v": VERSION,
                "i": self.index,
                "at": self.at.astimezone(UTC).isoformat(timespec="microseconds"),
                "tag": self.tag,
                "actor": self.actor_id,
                "object": self.object_id,
                "request": self.request_id,
                "details": dict(self.details),
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=True,
            allow_nan=False,
        )


def leaf_for(event: Event, *, index: int, request_id: str | None) -> Leaf:
    """The leaf recording ``event`` at ``index``; ``request_id`` links it to its request."""
    details = {
        name: _plain(value) for name, value in vars(event).items() if name not in _BASE_FIELDS
    }
    return Leaf(
        index=index,
        at=event.at,
        tag=event.tag,
        actor_id=event.actor_id,
        object_id=event.object_id,
        request_id=event.request_id or request_id,
        details=details,
    )


def parse_leaf(text: str) -> Leaf:
    """Read a leaf's canonical text back; ``AuditIntegrityError`` unless it is exactly the
    canonical form of what it says (so a changed leaf can never pass as another one)."""
    try:
        raw = json.loads(text)
        leaf = Leaf(
            index=_int(raw["i"]),
            at=datetime.fromisoformat(raw["at"]),
            tag=_str(raw["tag"]),
            actor_id=_str(raw["actor"]),
            object_id=_str(raw["object"]),
            request_id=None if raw["request"] is None else _str(raw["request"]),
            details=_mapping(raw["details"]),
        )
        canonical = raw["v"] == VERSION and leaf.text() == text
    except (ValueError, KeyError, TypeError) as error:
        raise AuditIntegrityError(f"an audit leaf is not readable: {error}") from error
    if not canonical:
        raise AuditIntegrityError("an audit leaf is not in its canonical form")
    return leaf


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, bool | int | float | type(None)):
        return value
    return str(value)


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("not an integer")
    return value


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def _mapping(value: object) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise TypeError("not an object")
    return value
