"""A State node's TLS material for mutual TLS between nodes (architecture §4).

Each node has its own small certificate authority (ECDSA P-256) whose certificate is published
in the directory; it issues the node's server certificate (the names clients dial) and its
client certificate (``<state>.node.comity``). A node accepts a connection only from a client
whose certificate chains to a CA in the directory, and dials only servers that do. TLS is the
gate; who the sender is comes from the HTTP message signature and the envelope's JWS.

Private keys are created with mode 0o600 from the first byte (``O_CREAT | O_EXCL``), never
written over, and never briefly readable by anyone else.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "CA_VALIDITY",
    "LEAF_VALIDITY",
    "TlsFiles",
    "check_private_mode",
    "client_name",
    "client_ssl_context",
    "create_tls_material",
    "new_ca",
    "server_ssl_context",
    "write_ca_bundle",
    "write_private_key",
    "write_public_file",
]

#: How long the node's TLS CA is valid (the longest the CA/Browser Forum ever allowed).
CA_VALIDITY = timedelta(days=825)
#: How long server and client certificates are valid (the CA/Browser Forum's current limit).
LEAF_VALIDITY = timedelta(days=397)
# Certificates start an hour early so a peer whose clock runs slightly behind accepts them.
_BACKDATE = timedelta(hours=1)

PrivateKey = Ed25519PrivateKey | X25519PrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class TlsFiles:
    """Where a node's TLS CA, server and client certificates and their keys live."""

    ca_cert: Path
    ca_key: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path

    @classmethod
    def in_dir(cls, keys_dir: Path) -> TlsFiles:
        """The standard file names inside a node's keys directory."""
        return cls(
            ca_cert=keys_dir / "tls-ca.pem",
            ca_key=keys_dir / "tls-ca.key",
            server_cert=keys_dir / "tls-server.pem",
            server_key=keys_dir / "tls-server.key",
            client_cert=keys_dir / "tls-client.pem",
            client_key=keys_dir / "tls-client.key",
        )

    @property
    def private_keys(self) -> tuple[Path, Path, Path]:
        """The three private key files, whose modes must stay 0o600."""
        return (self.ca_key, self.server_key, self.client_key)


def client_name(state: str) -> str:
    """The DNS name a State node's client certificate carries."""
    return f"{state.lower()}.node.comity"


def write_private_key(path: Path, key: PrivateKey) -> None:
    """Write ``key`` as unencrypted PKCS#8 PEM to a new file with mode 0o600.

    Raises ``FileExistsError`` rather than replace a key. The file is created with its final
    mode, so no other user can open it between creation and a later chmod.
    """
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        # The umask can only remove bits; set the mode exactly so the load-time check holds.
        os.fchmod(descriptor, 0o600)
        os.write(descriptor, pem)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def check_private_mode(path: Path) -> None:
    """Raise ``PermissionError`` if the private key file grants group or others any access."""
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise PermissionError(
            f"{path} is accessible to group or others (mode {mode:o}); "
            f"a private key must be mode 600: chmod 600 {path}"
        )


def write_public_file(path: Path, data: bytes) -> Path:
    """Replace ``path`` atomically with ``data``, mode 0o644: readers see old or new, never half."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return path


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Comity"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _general_name(host: str) -> x509.GeneralName:
    # An IP literal must be an iPAddress entry: clients never match IPs against dNSName.
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def new_ca(
    name: x509.Name, *, now: datetime, validity: timedelta
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A new self-signed P-256 CA that may issue end-entity certificates only (path length
    0: never another CA), with its key identifiers; valid from an hour before ``now``."""
    key = ec.generate_private_key(ec.SECP256R1())
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + validity)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _leaf(
    *,
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    key: ec.EllipticCurvePrivateKey,
    common_name: str,
    names: Sequence[x509.GeneralName],
    usage: x509.ObjectIdentifier,
    now: datetime,
) -> x509.Certificate:
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + LEAF_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(x509.SubjectAlternativeName(list(names)), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )


def create_tls_material(
    keys_dir: Path, state: str, *, now: datetime, hostnames: Sequence[str]
) -> TlsFiles:
    """Create the node's TLS CA, server and client certificates and keys in ``keys_dir``.

    ``now`` must be timezone-aware. The server certificate names every entry of
    ``hostnames`` (IP literals as IP addresses); the client certificate names
    ``<state>.node.comity``. Raises ``FileExistsError`` if a private key already exists.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not hostnames:
        raise ValueError("the server certificate needs at least one host name")
    files = TlsFiles.in_dir(keys_dir)
    ca_key, ca_cert = new_ca(_name(f"Comity {state} node TLS CA"), now=now, validity=CA_VALIDITY)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = _leaf(
        ca_cert=ca_cert,
        ca_key=ca_key,
        key=server_key,
        common_name=hostnames[0],
        names=[_general_name(host) for host in hostnames],
        usage=ExtendedKeyUsageOID.SERVER_AUTH,
        now=now,
    )
    client_key = ec.generate_private_key(ec.SECP256R1())
    client_cert = _leaf(
        ca_cert=ca_cert,
        ca_key=ca_key,
        key=client_key,
        common_name=client_name(state),
        names=[x509.DNSName(client_name(state))],
        usage=ExtendedKeyUsageOID.CLIENT_AUTH,
        now=now,
    )
    # Keys first: if one already exists nothing else is touched.
    write_private_key(files.ca_key, ca_key)
    write_private_key(files.server_key, server_key)
    write_private_key(files.client_key, client_key)
    pem = serialization.Encoding.PEM
    write_public_file(files.ca_cert, ca_cert.public_bytes(pem))
    # The server and client files carry their chain, so a peer needs only the CA.
    write_public_file(files.server_cert, server_cert.public_bytes(pem) + ca_cert.public_bytes(pem))
    write_public_file(files.client_cert, client_cert.public_bytes(pem) + ca_cert.public_bytes(pem))
    return files


def _cadata(trusted_ca_pems: Sequence[bytes]) -> str:
    if not trusted_ca_pems:
        raise ValueError("at least one trusted CA certificate is needed")
    return "\n".join(pem.decode("ascii").strip() for pem in trusted_ca_pems) + "\n"


def _harden(context: ssl.SSLContext) -> None:
    # Both uvicorn and httpx2 sit on OpenSSL, which has spoken TLS 1.3 for years; nodes talk
    # only to each other, so there is no older client to accommodate.
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    # Python 3.13 turns strict X.509 checking on by default; holding 3.11 to it too keeps our
    # certificates valid after an interpreter upgrade.
    context.verify_flags |= ssl.VERIFY_X509_STRICT


def server_ssl_context(files: TlsFiles, trusted_ca_pems: Sequence[bytes]) -> ssl.SSLContext:
    """A server context that requires a client certificate from one of ``trusted_ca_pems``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _harden(context)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_cert_chain(files.server_cert, files.server_key)
    context.load_verify_locations(cadata=_cadata(trusted_ca_pems))
    return context


def client_ssl_context(files: TlsFiles, trusted_ca_pems: Sequence[bytes]) -> ssl.SSLContext:
    """A client context presenting the node's client certificate and checking server names."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    _harden(context)
    context.verify_mode = ssl.CERT_REQUIRED
    context.check_hostname = True
    context.load_cert_chain(files.client_cert, files.client_key)
    context.load_verify_locations(cadata=_cadata(trusted_ca_pems))
    return context


def write_ca_bundle(path: Path, trusted_ca_pems: Sequence[bytes]) -> Path:
    """Write the trusted CAs to one PEM file, atomically (uvicorn's ``ssl_ca_certs`` is a path)."""
    return write_public_file(path, _cadata(trusted_ca_pems).encode("ascii"))
