"""A node's document-signing key: the key its formal originals (signed PDFs) are signed with.

Why not the node's Ed25519 signing key: PAdES validators in use today (poppler's ``pdfsig``,
the NSS and Adobe stacks, many national validators) do not handle Ed25519 reliably, so
originals are signed with ECDSA P-256 and an X.509 certificate.

Why a separate "document CA" rather than the node's TLS CA: the TLS CA is a transport
anchor, published in the directory for mutual TLS only (``path_length=0``, 825 days, rotated
with the TLS material). A signed original must outlive a TLS rotation and must never be
mistaken for a TLS client, so the document-signing certificate chains to a CA of its own that
issues nothing else. Validators are given the document CA's certificate as their trust root.

The certificate's subject names the State (organisation) and the authority the key signs for
(organisational unit, by default the State's central authority, which approves outgoing
requests). One key per node for now; certificates per authority are a later step.

Files, in the node's keys directory: ``doc-ca.key``/``doc-ca.pem`` and
``doc-signing.key``/``doc-signing.pem`` (the leaf followed by the CA). Private keys are 0o600,
created with their final mode and never replaced. They are made by ``comity node init`` or,
for a node created before originals existed, by ``comity node doc-key`` — never silently on
first use, because an authority's signing key is an act of the operator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from comity.crypto.tls import check_private_mode, new_ca, write_private_key, write_public_file

__all__ = [
    "DOC_CA_VALIDITY",
    "DOC_SIGNING_VALIDITY",
    "DocumentKeyFiles",
    "create_document_key",
]

#: How long the document CA is valid: long enough that originals keep validating.
DOC_CA_VALIDITY = timedelta(days=10 * 365)
#: How long the document-signing certificate is valid.
DOC_SIGNING_VALIDITY = timedelta(days=3 * 365)
_BACKDATE = timedelta(hours=1)
# id-kp-documentSigning (RFC 9336); cryptography has no constant for it.
_DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")


@dataclass(frozen=True)
class DocumentKeyFiles:
    """Where a node's document CA and document-signing key and certificate live."""

    ca_cert: Path
    ca_key: Path
    signing_cert: Path
    signing_key: Path

    @classmethod
    def in_dir(cls, keys_dir: Path) -> DocumentKeyFiles:
        """The standard file names inside a node's keys directory."""
        return cls(
            ca_cert=keys_dir / "doc-ca.pem",
            ca_key=keys_dir / "doc-ca.key",
            signing_cert=keys_dir / "doc-signing.pem",
            signing_key=keys_dir / "doc-signing.key",
        )

    def exists(self) -> bool:
        """True once the document-signing key was created."""
        return self.signing_key.exists() and self.signing_cert.exists()

    def signing_subject(self) -> str:
        """The subject of the document-signing certificate (RFC 4514)."""
        leaf = x509.load_pem_x509_certificates(self.signing_cert.read_bytes())[0]
        return leaf.subject.rfc4514_string()

    def load(self) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate, x509.Certificate]:
        """The signing key, its certificate and the document CA's certificate.

        Raises ``FileNotFoundError`` when there is no key, ``PermissionError`` when the key
        file is readable by group or others."""
        check_private_mode(self.signing_key)
        key = serialization.load_pem_private_key(self.signing_key.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{self.signing_key} does not hold an EC private key")
        leaf, *rest = x509.load_pem_x509_certificates(self.signing_cert.read_bytes())
        ca = rest[0] if rest else x509.load_pem_x509_certificate(self.ca_cert.read_bytes())
        return key, leaf, ca


# The signing certificate signs documents and makes non-repudiable statements; nothing else.
_SIGNING_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=True,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=False,
    crl_sign=False,
    encipher_only=False,
    decipher_only=False,
)


def create_document_key(
    keys_dir: Path, *, state: str, state_name: str, authority: str, now: datetime
) -> DocumentKeyFiles:
    """Create the node's document CA and document-signing key and certificate.

    Raises ``FileExistsError`` (before writing anything) if either private key exists."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    files = DocumentKeyFiles.in_dir(keys_dir)
    for path in (files.ca_key, files.signing_key):
        if path.exists():
            raise FileExistsError(f"{path} already exists; refusing to replace a key")
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)

    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, state_name[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, f"Comity {state} document CA"),
        ]
    )
    ca_key, ca_cert = new_ca(ca_name, now=now, validity=DOC_CA_VALIDITY)
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, state_name[:64]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, authority[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{authority} ({state})"[:64]),
        ]
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + DOC_SIGNING_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_SIGNING_USAGE, critical=True)
        # This key signs documents and nothing else.
        .add_extension(x509.ExtendedKeyUsage([_DOCUMENT_SIGNING]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    write_private_key(files.ca_key, ca_key)
    write_private_key(files.signing_key, key)
    pem = serialization.Encoding.PEM
    write_public_file(files.ca_cert, ca_cert.public_bytes(pem))
    write_public_file(files.signing_cert, leaf.public_bytes(pem) + ca_cert.public_bytes(pem))
    return files
