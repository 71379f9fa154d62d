"""The audit table: append-only, each entry chained to the one before by digest."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from comity.domain.events import Event
from comity.store.tables import audit_entry


class SQLAuditLog:
    """Append-only audit entries, each chained to the one before by digest.

    The chain makes silent edits detectable until the Merkle log with cross-State witnesses
    replaces it; entries hold ids, codes and digests only, never personal data.
    """

    GENESIS = "0" * 64

    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, event: Event) -> None:
        details = {
            name: _plain(value)
            for name, value in vars(event).items()
            if name not in ("actor_id", "at", "object_id")
        }
        entry = {
            "at": event.at.isoformat(),
            "tag": event.tag,
            "actor_id": event.actor_id,
            "object_id": event.object_id,
            "details": details,
        }
        entry_digest = _sha256(json.dumps(entry, sort_keys=True, separators=(",", ":")))
        previous = self._session.scalar(
            select(audit_entry.c.chain_digest).order_by(audit_entry.c.seq.desc()).limit(1)
        )
        chain_digest = _sha256((previous or self.GENESIS) + entry_digest)
        self._session.execute(
            insert(audit_entry).values(
                at=event.at,
                tag=event.tag,
                actor_id=event.actor_id,
                object_id=event.object_id,
                details=details,
                entry_digest=entry_digest,
                chain_digest=chain_digest,
            )
        )


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return str(value) if not isinstance(value, (int, float, bool, type(None))) else value


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()
