"""The real keys, directory and signed objects the fuzz targets parse against.

A two-State network (XA, XB) is created once under ``COMITY_FUZZ_MATERIAL`` (or a private
temporary folder when a target runs on its own); every target process loads the same keys
from there, so the seed corpora the runner writes are objects the target would accept.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from comity import federation_setup
from comity.config import Settings
from comity.crypto.directory import TrustAnchors
from comity.crypto.keys import NodeKeys, ed25519_from_jwk
from comity.domain.directory import Directory
from tests.federation_harness import create_network, node_settings

MATERIAL_ENV = "COMITY_FUZZ_MATERIAL"
#: The moment the material is made at; fuzzed HTTP signatures are checked against it.
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Material:
    """Both nodes' settings and keys, and XB's view of the federation (XB receives)."""

    root: Path
    sender: Settings
    receiver: Settings
    sender_keys: NodeKeys
    receiver_keys: NodeKeys
    directory: Directory
    directory_token: str
    anchors: TrustAnchors

    def resolve(self, kid: str) -> Ed25519PublicKey:
        """A signing key any State of the directory publishes (``SignerUntrustedError`` else)."""
        _, key = self.directory.signer(kid)
        return ed25519_from_jwk(key.jwk)


def _settings(root: Path) -> dict[str, Settings]:
    return {state: node_settings(root, state, port) for state, port in (("XA", 8601), ("XB", 8602))}


def create(root: Path) -> None:
    """Create the network under ``root`` unless it is already there."""
    if (root / "XB" / "node.json").exists():
        return
    root.mkdir(parents=True, exist_ok=True)
    create_network(root, _settings(root), now=NOW, valid_for=timedelta(days=3650))


@cache
def load() -> Material:
    """The material under ``COMITY_FUZZ_MATERIAL``, created first if it is missing."""
    given = os.environ.get(MATERIAL_ENV)
    root = Path(given) if given else Path(tempfile.mkdtemp(prefix="comity-fuzz-"))
    create(root)
    states = _settings(root)
    verified = federation_setup.verified_directory(states["XB"])
    return Material(
        root=root,
        sender=states["XA"],
        receiver=states["XB"],
        sender_keys=federation_setup._keys(states["XA"]),
        receiver_keys=federation_setup._keys(states["XB"]),
        directory=verified.directory,
        directory_token=verified.token,
        anchors=federation_setup.trust_store(states["XB"]).anchors(),
    )


def package(material: Material) -> Path:
    """A real evidence package XA sealed to XB (manifest and custody chain), made once."""
    from comity.domain.evidence import AcquisitionRecord

    out = material.root / "package"
    if (out / "manifest.jws").exists():
        return out
    source = material.root / "evidence.txt"
    source.write_bytes(b"fuzz evidence\n" * 64)
    federation_setup.seal_evidence(
        material.sender,
        [source],
        out_dir=out,
        recipient_state="XB",
        request_reference="XA-2026-0001",
        acquisition=AcquisitionRecord("Officer A", NOW, "copy", "cp", "disk", "XA-2026-0001"),
        package_id="pkg-fuzz-1",
        now=NOW,
    )
    return out
