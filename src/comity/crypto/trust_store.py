"""The directory a node trusts, kept as a signed file next to the anchors it pinned.

Every read of a changed file verifies it again (verify, then parse); a directory that does
not verify is never used, and an installed directory is only replaced by one with a higher
sequence number, so an old directory cannot be replayed to roll keys back.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from comity.crypto.directory import TrustAnchors, VerifiedDirectory, verify_directory
from comity.crypto.tls import write_public_file
from comity.domain.directory import Directory
from comity.domain.errors import DirectoryError

DIRECTORY_FILE = "directory.jws"
ANCHORS_FILE = "anchors.json"


class FileTrustStore:
    """Implements ``services.ports.TrustStore`` over ``trust/directory.jws`` and
    ``trust/anchors.json`` in the node directory."""

    def __init__(self, trust_dir: Path) -> None:
        self.trust_dir = trust_dir
        self._lock = threading.Lock()
        self._cached: tuple[float, VerifiedDirectory] | None = None

    @property
    def directory_path(self) -> Path:
        """Where the signed directory lives."""
        return self.trust_dir / DIRECTORY_FILE

    def anchors(self) -> TrustAnchors:
        """The operator key and State roots this node pinned."""
        path = self.trust_dir / ANCHORS_FILE
        if not path.exists():
            raise DirectoryError("no trust anchors are pinned on this node")
        return TrustAnchors.load(path)

    def verified(self) -> VerifiedDirectory:
        """The installed directory, verified against the pinned anchors (cached per file)."""
        path = self.directory_path
        try:
            stamp = path.stat().st_mtime_ns
        except FileNotFoundError:
            raise DirectoryError("no directory is installed on this node") from None
        with self._lock:
            if self._cached is None or self._cached[0] != stamp:
                token = path.read_text("ascii").strip()
                self._cached = (stamp, verify_directory(token, self.anchors()))
            return self._cached[1]

    def current(self) -> Directory:
        """The installed, verified directory."""
        return self.verified().directory

    def install(self, token: str) -> VerifiedDirectory:
        """Verify ``token`` and make it the node's directory if it is newer than the current."""
        candidate = verify_directory(token.strip(), self.anchors())
        try:
            current: Directory | None = self.current()
        except DirectoryError:
            current = None
        if not candidate.directory.replaces(current):
            raise DirectoryError(
                f"directory #{candidate.directory.sequence} is not newer than the installed "
                f"#{current.sequence if current else 0}"
            )
        self.trust_dir.mkdir(parents=True, exist_ok=True)
        write_public_file(self.directory_path, (token.strip() + "\n").encode("ascii"))
        return candidate

    def pin(self, anchors: TrustAnchors) -> None:
        """Pin the operator key and State roots (onboarding, out of band)."""
        self.trust_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.trust_dir, 0o700)
        write_public_file(
            self.trust_dir / ANCHORS_FILE, (json.dumps(anchors.dump(), indent=2) + "\n").encode()
        )
