"""A State node's key set on disk: Ed25519 signing, X25519 encryption, optional root, TLS.

The keys directory is mode 0o700 and every private key file 0o600; loading refuses a private
key that group or others can read, because a key that may have been copied can no longer
prove who signed. Key ids are ``<state>.<purpose>.<thumbprint prefix>``, derived from the
public key (RFC 7638), so a kid can be recomputed and checked against the directory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from comity.crypto.jose import b64url_decode, b64url_encode
from comity.crypto.tls import (
    TlsFiles,
    check_private_mode,
    create_tls_material,
    write_private_key,
    write_public_file,
)
from comity.domain.errors import PolicyViolationError

__all__ = [
    "PURPOSES",
    "NodeKeys",
    "ed25519_from_jwk",
    "generate_ed25519",
    "generate_node_keys",
    "key_id",
    "load_node_keys",
    "load_private_ed25519",
    "public_jwk",
    "public_key_from_jwk",
    "write_private_key",
    "x25519_from_jwk",
]

#: The purposes a State key can have, as they appear in key ids.
PURPOSES = frozenset({"root", "sig", "enc"})

ROOT_KEY = "root.key"
SIGNING_KEY = "signing.key"
ENCRYPTION_KEY = "encryption.key"
PUBLIC_JSON = "public.json"

PublicKey = Ed25519PublicKey | X25519PublicKey


@dataclass(frozen=True)
class NodeKeys:
    """A node's loaded key set. ``repr`` shows key ids only, never key material."""

    state: str
    signing: Ed25519PrivateKey = field(repr=False)
    signing_kid: str
    encryption: X25519PrivateKey = field(repr=False)
    encryption_kid: str
    root: Ed25519PrivateKey | None = field(repr=False)
    root_kid: str | None
    tls: TlsFiles


def generate_ed25519() -> Ed25519PrivateKey:
    """A fresh Ed25519 private key, so callers outside ``crypto`` need not import cryptography."""
    return Ed25519PrivateKey.generate()


def _raw(public_key: PublicKey) -> tuple[str, bytes]:
    if isinstance(public_key, Ed25519PublicKey):
        curve = "Ed25519"
    elif isinstance(public_key, X25519PublicKey):
        curve = "X25519"
    else:
        raise TypeError("only Ed25519 and X25519 public keys are supported")
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return curve, raw


def key_id(state: str, purpose: str, public_key: PublicKey) -> str:
    """``<state>.<purpose>.<first 16 characters of the RFC 7638 SHA-256 thumbprint>``."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown key purpose {purpose!r}")
    curve, raw = _raw(public_key)
    # RFC 7638: the required members only, in lexicographic order, without whitespace.
    members = f'{{"crv":"{curve}","kty":"OKP","x":"{b64url_encode(raw)}"}}'
    thumbprint = b64url_encode(hashlib.sha256(members.encode("ascii")).digest())
    return f"{state}.{purpose}.{thumbprint[:16]}"


def public_jwk(public_key: PublicKey, kid: str) -> dict[str, str]:
    """The public JWK (RFC 8037) of ``public_key``; it never has private members."""
    curve, raw = _raw(public_key)
    return {"kty": "OKP", "crv": curve, "x": b64url_encode(raw), "kid": kid}


def public_key_from_jwk(jwk: Mapping[str, Any]) -> PublicKey:
    """The Ed25519 or X25519 public key in ``jwk``; ``PolicyViolationError`` for anything else.

    A JWK with a private member is refused: a published key that carries ``d`` is compromised.
    """
    if not isinstance(jwk, Mapping):
        raise PolicyViolationError("the JWK is not an object")
    if "d" in jwk:
        raise PolicyViolationError("the JWK carries private key material")
    if jwk.get("kty") != "OKP":
        raise PolicyViolationError("the JWK is not an OKP key")
    x = jwk.get("x")
    if not isinstance(x, str):
        raise PolicyViolationError("the JWK has no public key")
    try:
        raw = b64url_decode(x)
    except ValueError:
        raise PolicyViolationError("the JWK's public key is not base64url") from None
    if len(raw) != 32:
        raise PolicyViolationError("the JWK's public key has the wrong length")
    curve = jwk.get("crv")
    if curve == "Ed25519":
        return Ed25519PublicKey.from_public_bytes(raw)
    if curve == "X25519":
        return X25519PublicKey.from_public_bytes(raw)
    raise PolicyViolationError("the JWK's curve is not Ed25519 or X25519")


def ed25519_from_jwk(jwk: Mapping[str, Any]) -> Ed25519PublicKey:
    """The Ed25519 public key in ``jwk``; ``PolicyViolationError`` for any other key."""
    key = public_key_from_jwk(jwk)
    if not isinstance(key, Ed25519PublicKey):
        raise PolicyViolationError("the JWK is not an Ed25519 key")
    return key


def x25519_from_jwk(jwk: Mapping[str, Any]) -> X25519PublicKey:
    """The X25519 public key in ``jwk``; ``PolicyViolationError`` for any other key."""
    key = public_key_from_jwk(jwk)
    if not isinstance(key, X25519PublicKey):
        raise PolicyViolationError("the JWK is not an X25519 key")
    return key


def _load_private(path: Path) -> object:
    check_private_mode(path)
    try:
        return serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError):
        # The library's message may quote the file; say only which file failed.
        raise ValueError(f"{path} is not an unencrypted PEM private key") from None


def load_private_ed25519(path: Path) -> Ed25519PrivateKey:
    """Load an Ed25519 private key, refusing a file that group or others can access."""
    key = _load_private(path)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def _load_private_x25519(path: Path) -> X25519PrivateKey:
    key = _load_private(path)
    if not isinstance(key, X25519PrivateKey):
        raise ValueError(f"{path} does not hold an X25519 private key")
    return key


def _node_keys(
    state: str,
    keys_dir: Path,
    signing: Ed25519PrivateKey,
    encryption: X25519PrivateKey,
    root: Ed25519PrivateKey | None,
) -> NodeKeys:
    return NodeKeys(
        state=state,
        signing=signing,
        signing_kid=key_id(state, "sig", signing.public_key()),
        encryption=encryption,
        encryption_kid=key_id(state, "enc", encryption.public_key()),
        root=root,
        root_kid=None if root is None else key_id(state, "root", root.public_key()),
        tls=TlsFiles.in_dir(keys_dir),
    )


def generate_node_keys(
    keys_dir: Path,
    state: str,
    *,
    now: datetime,
    hostnames: Sequence[str] = ("127.0.0.1", "localhost"),
    with_root: bool = True,
) -> NodeKeys:
    """Create a node's full key set in ``keys_dir`` and return it loaded.

    The directory is created (or fixed) with mode 0o700; private keys are written 0o600 and
    never replaced: if any already exists, ``FileExistsError`` is raised before anything is
    written. ``public.json`` holds the public JWKs for the directory entry.
    """
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    keys_dir.chmod(0o700)
    private_files = [keys_dir / SIGNING_KEY, keys_dir / ENCRYPTION_KEY, keys_dir / ROOT_KEY]
    private_files.extend(TlsFiles.in_dir(keys_dir).private_keys)
    for path in private_files:
        if path.exists():
            raise FileExistsError(f"{path} already exists; refusing to replace a key")

    root = Ed25519PrivateKey.generate() if with_root else None
    signing = Ed25519PrivateKey.generate()
    encryption = X25519PrivateKey.generate()
    if root is not None:
        write_private_key(keys_dir / ROOT_KEY, root)
    write_private_key(keys_dir / SIGNING_KEY, signing)
    write_private_key(keys_dir / ENCRYPTION_KEY, encryption)
    create_tls_material(keys_dir, state, now=now, hostnames=hostnames)

    keys = _node_keys(state, keys_dir, signing, encryption, root)
    public: dict[str, Any] = {
        "state": state,
        "signing": public_jwk(signing.public_key(), keys.signing_kid),
        "encryption": public_jwk(encryption.public_key(), keys.encryption_kid),
    }
    if root is not None and keys.root_kid is not None:
        public["root"] = public_jwk(root.public_key(), keys.root_kid)
    text = json.dumps(public, indent=2, sort_keys=True) + "\n"
    write_public_file(keys_dir / PUBLIC_JSON, text.encode("utf-8"))
    return keys


def load_node_keys(keys_dir: Path, state: str) -> NodeKeys:
    """Load the key set ``generate_node_keys`` wrote; ``root.key`` is optional.

    Raises ``PermissionError`` naming the file if any private key file (TLS keys included)
    grants group or others any access, and ``FileNotFoundError`` if a required key is missing.
    """
    tls = TlsFiles.in_dir(keys_dir)
    for path in tls.private_keys:
        check_private_mode(path)
    signing = load_private_ed25519(keys_dir / SIGNING_KEY)
    encryption = _load_private_x25519(keys_dir / ENCRYPTION_KEY)
    root_path = keys_dir / ROOT_KEY
    root = load_private_ed25519(root_path) if root_path.exists() else None
    return _node_keys(state, keys_dir, signing, encryption, root)
