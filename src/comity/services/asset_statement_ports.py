"""What the asset-statement services need from the store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class StoredStatement:
    """An asset-disposal statement kept on this node: one it issued, or one the other State
    issued and this node recomputed. ``token`` is the JWS its issuer signed; ``statement`` is
    the statement as ``DisposalStatement.to_dict`` writes it, for display; ``sha256`` is the
    digest of its canonical bytes."""

    id: str
    request_id: str
    issued_at: datetime
    issuer_state: str
    sha256: str
    token: str
    statement: Mapping[str, Any]


class AssetStatementRepository(Protocol):
    """The asset-disposal statements of each request, issued here or received."""

    def add(self, statement: StoredStatement) -> None:
        """Keep a statement (a request never holds the same digest twice)."""
        ...

    def for_request(self, request_id: str) -> Sequence[StoredStatement]:
        """The request's statements, the earliest issued first."""
        ...

    def by_digest(self, request_id: str, sha256: str) -> StoredStatement | None:
        """The request's statement with that digest, if it holds one."""
        ...

    def erase_for(self, request_id: str) -> int:
        """Delete the request's statements (they name claimants and amounts); how many."""
        ...
