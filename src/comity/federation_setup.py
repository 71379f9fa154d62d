"""Setting a node up for the federation: keys, its State's signed entry, pinned anchors and the
installed directory; and wiring the federation ports for the composition root.

Drivers (the CLI) may not import ``comity.crypto`` themselves; this module is their way in, so
key material stays behind functions that never return it.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from comity.config import Settings
from comity.crypto.custody import sign_record, verify_custody_for_node, write_custody_file
from comity.crypto.directory import (
    TrustAnchors,
    operator_anchor,
    operator_kid,
    sign_directory,
    sign_entry,
    verify_directory,
)

# Re-exported for the drivers, which may not import comity.crypto themselves.
from comity.crypto.directory import VerifiedDirectory as VerifiedDirectory
from comity.crypto.directory import build_directory_payload as build_directory_payload
from comity.crypto.document_keys import DocumentKeyFiles
from comity.crypto.document_keys import create_document_key as _create_document_key
from comity.crypto.evidence import seal_package, verify_for_node
from comity.crypto.evidence_files import FileEvidenceStore
from comity.crypto.evidence_trust import NodeEvidenceTrust
from comity.crypto.http_signatures import RequestSigner, SignedCall, verify_call
from comity.crypto.keys import (
    NodeKeys,
    generate_ed25519,
    generate_node_keys,
    load_node_keys,
    load_private_ed25519,
    public_jwk,
    write_private_key,
    x25519_from_jwk,
)
from comity.crypto.ledger_keys import NodeLedgerKeys
from comity.crypto.node_envelopes import NodeEnvelopes
from comity.crypto.notes import verify_cosignature, verify_note
from comity.crypto.tls import client_ssl_context, write_ca_bundle
from comity.crypto.trust_store import FileTrustStore
from comity.domain.case_uco import build_case_document
from comity.domain.custody import CustodyAction, CustodyRecord, next_record
from comity.domain.delivery import RetryPolicy
from comity.domain.directory import (
    Declarations,
    Directory,
    DirectoryAuthority,
    PublishedKey,
    StateEntry,
    TransferRestriction,
)
from comity.domain.errors import DirectoryError
from comity.domain.evidence import AcquisitionRecord, Manifest, VerifyReport
from comity.domain.messages import Message
from comity.domain.values import AuthorityKind
from comity.services.context import EvidenceKit, Federation
from comity.services.ledger_export_check import ExportReport, verify_export
from comity.services.ledger_ports import LedgerKit
from comity.services.ports import Clock
from comity.transport import wire
from comity.transport.peer_client import HttpPeerClient

KEYS_DIR = "keys"
TRUST_DIR = "trust"
ENTRY_FILE = "entry.json"

# What a State publishes about itself until its operator edits entry.json.
DEFAULT_PARTICULARS: dict[str, Any] = {
    "languages": ["en"],
    "profiles": ["ahc-2022-proposal"],
    "authorities": {
        "central": {"kind": "central_authority", "name": "Central Authority"},
        "poc247": {"kind": "poc_24_7", "name": "24/7 Point of Contact", "hours": "24/7"},
        "mfa": {"kind": "foreign_ministry", "name": "Ministry of Foreign Affairs"},
    },
    "declarations": {
        "extradites_nationals": False,
        "traffic_data_requires_judicial_authorisation": False,
        "accepts_electronic_originals": True,
        "political_offence_exception": True,
        "cross_border_transfer_restrictions": [],
    },
    "penalties": {},
}


def keys_dir(settings: Settings) -> Path:
    """Where the node's keys live."""
    return settings.data_dir / KEYS_DIR


def trust_store(settings: Settings) -> FileTrustStore:
    """The node's trust store (pinned anchors and installed directory)."""
    return FileTrustStore(settings.data_dir / TRUST_DIR)


def has_keys(settings: Settings) -> bool:
    """True once ``create_node_keys`` ran for this node."""
    return (keys_dir(settings) / "signing.key").exists()


def create_node_keys(settings: Settings, *, now: datetime, name: str | None = None) -> None:
    """Create the State's root (demo only), signing, encryption and TLS keys, and write the
    particulars the State will publish (``entry.json``, editable) if there are none yet."""
    generate_node_keys(keys_dir(settings), settings.state, now=now)
    entry_file = settings.data_dir / ENTRY_FILE
    if not entry_file.exists():
        particulars = {"name": name or f"State {settings.state}", **DEFAULT_PARTICULARS}
        entry_file.write_text(json.dumps(particulars, indent=2) + "\n", "utf-8")
    create_document_key(settings, now=now)


def has_document_key(settings: Settings) -> bool:
    """True once the node has its document-signing key (for signed originals)."""
    return DocumentKeyFiles.in_dir(keys_dir(settings)).exists()


def create_document_key(settings: Settings, *, now: datetime) -> str:
    """Create the node's document CA and document-signing key (``comity node init`` does it;
    ``comity node doc-key`` for a node made before originals existed). The certificate names
    the State and its central authority, as ``entry.json`` has them. Never replaces a key
    (``FileExistsError``). Returns the certificate's subject."""
    entry_file = settings.data_dir / ENTRY_FILE
    particulars = json.loads(entry_file.read_text("utf-8")) if entry_file.exists() else {}
    authorities = particulars.get("authorities") or DEFAULT_PARTICULARS["authorities"]
    central = authorities.get("central") or DEFAULT_PARTICULARS["authorities"]["central"]
    files = _create_document_key(
        keys_dir(settings),
        state=settings.state,
        state_name=str(particulars.get("name") or f"State {settings.state}"),
        authority=str(central["name"]),
        now=now,
    )
    return files.signing_subject()


def write_particulars(settings: Settings, particulars: Mapping[str, Any]) -> None:
    """Replace what the State publishes about itself (name, languages, declarations, …)."""
    text = json.dumps({**DEFAULT_PARTICULARS, **particulars}, indent=2, ensure_ascii=False)
    (settings.data_dir / ENTRY_FILE).write_text(text + "\n", "utf-8")


def state_entry(settings: Settings) -> StateEntry:
    """The node's State entry: its particulars, endpoint, public keys and TLS CA."""
    if not settings.public_endpoint:
        raise DirectoryError("set public_endpoint (the federation URL other nodes use)")
    keys = _keys(settings)
    particulars = json.loads((settings.data_dir / ENTRY_FILE).read_text("utf-8"))
    declarations = particulars["declarations"]
    return StateEntry(
        code=settings.state,
        name=particulars["name"],
        endpoint=settings.public_endpoint,
        profiles=tuple(particulars["profiles"]),
        languages=tuple(particulars["languages"]),
        authorities=tuple(
            DirectoryAuthority(
                code=code,
                kind=AuthorityKind(item["kind"]),
                name=item["name"],
                time_zone=item.get("time_zone", "UTC"),
                hours=item.get("hours", ""),
                contact=item.get("contact", ""),
            )
            for code, item in particulars["authorities"].items()
        ),
        keys=(
            PublishedKey(
                keys.signing_kid, "sig", public_jwk(keys.signing.public_key(), keys.signing_kid)
            ),
            PublishedKey(
                keys.encryption_kid,
                "enc",
                public_jwk(keys.encryption.public_key(), keys.encryption_kid),
            ),
        ),
        tls_ca_pem=keys.tls.ca_cert.read_text("ascii"),
        declarations=Declarations(
            extradites_nationals=declarations["extradites_nationals"],
            traffic_data_requires_judicial_authorisation=declarations[
                "traffic_data_requires_judicial_authorisation"
            ],
            accepts_electronic_originals=declarations["accepts_electronic_originals"],
            political_offence_exception=declarations["political_offence_exception"],
            cross_border_transfer_restrictions=tuple(
                TransferRestriction(item["to"], item["ground"])
                for item in declarations["cross_border_transfer_restrictions"]
            ),
        ),
        penalties=dict(particulars["penalties"]),
    )


def signed_entry(settings: Settings) -> str:
    """The node's State entry signed by the State root the node holds (demo set-ups)."""
    keys = _keys(settings)
    if keys.root is None or keys.root_kid is None:
        raise DirectoryError("this node does not hold its State's root key")
    return sign_entry(state_entry(settings), keys.root, keys.root_kid)


def root_anchor(settings: Settings) -> dict[str, Any]:
    """The State root's public anchor (kid and JWK) other nodes pin."""
    keys = _keys(settings)
    if keys.root is None or keys.root_kid is None:
        raise DirectoryError("this node does not hold its State's root key")
    return {"kid": keys.root_kid, "jwk": public_jwk(keys.root.public_key(), keys.root_kid)}


def pin_anchors(settings: Settings, document: Mapping[str, Any]) -> None:
    """Pin the operator key and State roots (onboarding, exchanged out of band)."""
    trust_store(settings).pin(TrustAnchors.from_document(document))


def install_directory(settings: Settings, token: str) -> VerifiedDirectory:
    """Verify ``token`` against the pinned anchors and install it if it is newer."""
    verified = trust_store(settings).install(token)
    _write_tls_bundle(settings, verified.directory)
    return verified


def publish_directory(
    nodes: Sequence[Settings],
    *,
    operator_key: Path,
    operator_anchor: Mapping[str, Any],
    sequence: int,
    issued_at: datetime,
    next_update: datetime,
    operator: str,
) -> str:
    """Sign a directory listing every node's State (entries signed by each State's root, the
    list by the operator) and pin the anchors and install the directory on every node.

    This is the demo and test onboarding in one step; in production each State signs its
    entry with its offline root and pins the anchors it received out of band.
    """
    entries = [signed_entry(settings) for settings in nodes]
    payload = build_directory_payload(
        entries, sequence=sequence, issued_at=issued_at, next_update=next_update, operator=operator
    )
    token, _ = sign_directory_payload(payload, operator_key)
    anchors = {
        "operator": dict(operator_anchor),
        "roots": {settings.state: root_anchor(settings) for settings in nodes},
    }
    for settings in nodes:
        pin_anchors(settings, anchors)
        install_directory(settings, token)
    return token


def verified_directory(settings: Settings) -> VerifiedDirectory:
    """The installed directory, verified."""
    return trust_store(settings).verified()


def tls_server_files(settings: Settings) -> tuple[str, str, str]:
    """What uvicorn needs for the mutual-TLS listener: key, certificate and the CA bundle of
    every State in the directory (the transport gate)."""
    files = _keys(settings).tls
    bundle = _write_tls_bundle(settings, trust_store(settings).current())
    return str(files.server_key), str(files.server_cert), str(bundle)


def build_federation(settings: Settings, clock: Clock) -> tuple[Federation, HttpPeerClient] | None:
    """The federation ports of a node that has keys; None for a node without them."""
    if not has_keys(settings):
        return None
    keys = _keys(settings)
    store = trust_store(settings)

    def client_context(directory: Directory) -> ssl.SSLContext:
        pems = [entry.tls_ca_pem.encode("ascii") for entry in directory.states.values()]
        return client_ssl_context(keys.tls, pems)

    peers = HttpPeerClient(
        signer=RequestSigner(keys.signing, keys.signing_kid),
        clock=clock,
        directory=store.current,
        ssl_context=client_context,
    )
    federation = Federation(
        trust=store,
        envelopes=NodeEnvelopes(keys),
        codec=_Codec(),
        peers=peers,
        retry=RetryPolicy(
            first_delay=timedelta(seconds=settings.retry_first_delay),
            max_delay=timedelta(seconds=settings.retry_max_delay),
            relay_timeout=timedelta(seconds=settings.relay_timeout),
            delivery_timeout=timedelta(seconds=settings.delivery_timeout),
        ),
        directory_grace=timedelta(seconds=settings.directory_grace),
        clock_skew=timedelta(seconds=settings.clock_skew),
    )
    return federation, peers


def build_evidence(settings: Settings, peers: HttpPeerClient) -> EvidenceKit:
    """The evidence adapters of a node that has keys: its package store, signatures, peers."""
    keys = _keys(settings)
    store = FileEvidenceStore(
        settings.resolved_evidence_dir, keys, settings.state, settings.evidence_chunk_bytes
    )
    return EvidenceKit(files=store, trust=NodeEvidenceTrust(keys), peers=peers)


def build_ledger(settings: Settings, peers: HttpPeerClient) -> LedgerKit:
    """The audit log's checkpoint keys and witnesses, on a node that has keys."""
    return LedgerKit(
        keys=NodeLedgerKeys(_keys(settings).signing),
        peers=peers,
        every_leaves=settings.ledger_checkpoint_leaves,
        interval=timedelta(seconds=settings.ledger_checkpoint_seconds),
        full_check_limit=settings.ledger_full_check_limit,
        full_check_interval=timedelta(seconds=settings.ledger_full_check_seconds),
    )


def verify_audit_export(data: bytes, *, pinned_log_key: bytes | None = None) -> ExportReport:
    """Check an exported audit trail offline (``comity audit verify-export``)."""
    return verify_export(
        data,
        verify_note=verify_note,
        verify_cosignature=verify_cosignature,
        pinned_log_key=pinned_log_key,
    )


def check_call(
    federation: Federation,
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    directory: Directory,
    now: datetime,
) -> SignedCall:
    """Verify an incoming call's HTTP message signature (raises a ``TrustError``)."""
    return verify_call(
        method=method,
        url=url,
        headers=headers,
        body=body,
        directory=directory,
        now=now,
        skew=federation.clock_skew,
    )


class _Codec:
    """The wire format, behind the services' ``WireCodec`` port."""

    def encode(self, message: Message) -> dict[str, object]:
        return wire.encode(message)

    def decode(self, payload: dict[str, object]) -> Message:
        return wire.decode(dict(payload))


def _keys(settings: Settings) -> NodeKeys:
    return load_node_keys(keys_dir(settings), settings.state)


def _write_tls_bundle(settings: Settings, directory: Directory) -> Path:
    pems = [entry.tls_ca_pem.encode("ascii") for entry in directory.states.values()]
    return write_ca_bundle(settings.data_dir / TRUST_DIR / "tls-ca-bundle.pem", pems)


def utc_now() -> datetime:
    """The current instant (for drivers that set a node up outside any service)."""
    return datetime.now(UTC)


# The directory operator's side (`comity directory …`): drivers reach the crypto recipes
# through these thin functions.


def new_directory_operator_key(path: Path) -> dict[str, Any]:
    """Write a new operator key to ``path`` (0o600, never replacing a file) and return the
    anchor nodes pin for it: ``{"kid": ..., "jwk": {...}}``, public members only."""
    key = generate_ed25519()
    write_private_key(path, key)
    return operator_anchor(key.public_key())


def sign_directory_payload(payload: Mapping[str, Any], key_path: Path) -> tuple[str, str]:
    """Sign the list with the operator key in ``key_path``: the compact JWS and the key id."""
    key = load_private_ed25519(key_path)
    kid = operator_kid(key.public_key())
    return sign_directory(payload, key, kid), kid


def verify_directory_token(token: str, anchors_path: Path) -> VerifiedDirectory:
    """Verify a directory against the trust anchors pinned in ``anchors_path``."""
    anchors = TrustAnchors.load(anchors_path)
    return verify_directory(token, anchors)


# --- Evidence packages (`comity evidence …`) -------------------------------------------------
# Sealing and offline verification with the node's own keys and its installed directory; the
# drivers reach the crypto recipes only through these functions.


def seal_evidence(
    settings: Settings,
    paths: Sequence[Path],
    *,
    out_dir: Path,
    recipient_state: str,
    request_reference: str,
    acquisition: AcquisitionRecord,
    package_id: str,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> Manifest:
    """Seal ``paths`` into ``out_dir``, signed by this node and encrypted to the recipient
    State's published encryption key in the installed directory, and start the package's
    custody chain (``custody.jsonl``) with the ``sealed`` record over its Merkle root."""
    keys = _keys(settings)
    recipient = verified_directory(settings).directory.state(recipient_state).encryption_key
    manifest = seal_package(
        paths,
        out_dir=out_dir,
        keys=keys,
        recipient_kid=recipient.kid,
        recipient_key=x25519_from_jwk(recipient.jwk),
        sender_state=settings.state,
        recipient_state=recipient_state,
        request_reference=request_reference,
        acquisition=acquisition,
        now=now,
        package_id=package_id,
        progress=progress,
    )
    sealed = next_record(
        None,
        None,
        package_id=manifest.package_id,
        action=CustodyAction.SEALED,
        actor=f"node:{settings.state}",
        at=now,
        place=settings.state,
        digest=manifest.merkle_root,
    )
    write_custody_file(out_dir, [sign_record(sealed, keys)])
    return manifest


def verify_evidence(settings: Settings, pkg: Path) -> tuple[VerifyReport, list[CustodyRecord]]:
    """Verify a package offline against the installed directory, and its custody chain: the
    manifest's signer must be a signing key of its sender State, each custody record's a
    signing key of the State it names. Contents are decrypted and checked too when the package
    is addressed to this node's encryption key. A package without a custody chain fails."""
    directory = verified_directory(settings).directory
    report = verify_for_node(pkg, directory=directory, keys=_keys(settings))
    _, records = verify_custody_for_node(pkg, directory=directory)
    return report, records


def evidence_custody(settings: Settings, pkg: Path) -> tuple[Manifest, list[CustodyRecord]]:
    """A package's signed manifest and verified custody chain, without reading its chunks."""
    return verify_custody_for_node(pkg, directory=verified_directory(settings).directory)


def export_evidence_case(
    settings: Settings, pkg: Path, out: Path
) -> tuple[Manifest, list[CustodyRecord]]:
    """Verify a package and its custody chain as ``verify_evidence`` does, then write them to
    ``out`` as CASE/UCO JSON-LD; the manifest and the chain that went into the document."""
    directory = verified_directory(settings).directory
    verify_for_node(pkg, directory=directory, keys=_keys(settings))
    manifest, records = verify_custody_for_node(pkg, directory=directory)
    document = build_case_document(manifest, records)
    out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return manifest, records
