"""A node's key set on disk: modes, refusals, key ids, JWKs, and TLS that really handshakes."""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
import stat
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from comity.crypto.envelope import open_envelope, seal
from comity.crypto.keys import (
    NodeKeys,
    ed25519_from_jwk,
    generate_ed25519,
    generate_node_keys,
    key_id,
    load_node_keys,
    load_private_ed25519,
    public_jwk,
    public_key_from_jwk,
    write_private_key,
    x25519_from_jwk,
)
from comity.crypto.tls import (
    TlsFiles,
    client_ssl_context,
    create_tls_material,
    server_ssl_context,
    write_ca_bundle,
)
from comity.domain.errors import PolicyViolationError

NOW = datetime.now(UTC)
PRIVATE_FILES = [
    "root.key",
    "signing.key",
    "encryption.key",
    "tls-ca.key",
    "tls-server.key",
    "tls-client.key",
]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, NodeKeys]:
    keys_dir = tmp_path_factory.mktemp("node") / "keys"
    return keys_dir, generate_node_keys(keys_dir, "XA", now=NOW)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def certificates(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


def test_generate_then_load_round_trip(generated: tuple[Path, NodeKeys]) -> None:
    keys_dir, keys = generated
    loaded = load_node_keys(keys_dir, "XA")
    assert loaded.signing_kid == keys.signing_kid
    assert loaded.encryption_kid == keys.encryption_kid
    assert loaded.root_kid == keys.root_kid
    assert loaded.tls == keys.tls == TlsFiles.in_dir(keys_dir)
    assert loaded.root is not None
    # The loaded keys are the same keys: an envelope sealed with one set opens with the other.
    data = seal(
        {"n": 1},
        signer=keys.signing,
        signer_kid=keys.signing_kid,
        recipient=loaded.encryption.public_key(),
        recipient_kid=loaded.encryption_kid,
    )
    verified = open_envelope(
        data,
        recipient=keys.encryption,
        recipient_kid=keys.encryption_kid,
        resolve_signer=lambda kid: {loaded.signing_kid: loaded.signing.public_key()}[kid],
    )
    assert verified.payload == {"n": 1}


def test_kids_name_the_state_purpose_and_thumbprint(generated: tuple[Path, NodeKeys]) -> None:
    _, keys = generated
    assert keys.signing_kid == key_id("XA", "sig", keys.signing.public_key())
    assert keys.signing_kid.startswith("XA.sig.") and len(keys.signing_kid) == len("XA.sig.") + 16
    assert keys.encryption_kid.startswith("XA.enc.")
    assert keys.root_kid is not None and keys.root_kid.startswith("XA.root.")
    assert len({keys.signing_kid, keys.encryption_kid, keys.root_kid}) == 3


def test_key_id_matches_the_rfc_7638_thumbprint() -> None:
    # RFC 8037 appendix A.3: the thumbprint of its Ed25519 example key.
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert key_id("XA", "sig", ed25519_from_jwk(jwk)) == "XA.sig.kPrK_qmxVWaYVA9w"
    with pytest.raises(ValueError, match="purpose"):
        key_id("XA", "tls", ed25519_from_jwk(jwk))


def test_modes_dir_700_private_600(generated: tuple[Path, NodeKeys]) -> None:
    keys_dir, _ = generated
    assert mode(keys_dir) == 0o700
    for name in PRIVATE_FILES:
        assert mode(keys_dir / name) == 0o600, name
    assert mode(keys_dir / "public.json") == 0o644


def test_existing_directory_mode_is_fixed(tmp_path: Path) -> None:
    keys_dir = tmp_path / "keys"
    keys_dir.mkdir(mode=0o755)
    keys_dir.chmod(0o755)
    generate_node_keys(keys_dir, "XB", now=NOW, with_root=False)
    assert mode(keys_dir) == 0o700


def test_public_json_holds_public_jwks_only(generated: tuple[Path, NodeKeys]) -> None:
    keys_dir, keys = generated
    public = json.loads((keys_dir / "public.json").read_text())
    assert public["state"] == "XA"
    assert public["signing"] == public_jwk(keys.signing.public_key(), keys.signing_kid)
    assert public["encryption"]["crv"] == "X25519"
    assert public["encryption"]["kid"] == keys.encryption_kid
    assert public["root"]["kid"] == keys.root_kid
    for member in ("signing", "encryption", "root"):
        assert "d" not in public[member]
        assert public_key_from_jwk(public[member]) is not None


def test_repr_shows_no_private_key(generated: tuple[Path, NodeKeys]) -> None:
    _, keys = generated
    text = repr(keys)
    assert keys.signing_kid in text
    assert "PRIVATE" not in text and "BEGIN" not in text
    assert "Ed25519PrivateKey" not in text and "X25519PrivateKey" not in text


def test_refuses_to_overwrite(generated: tuple[Path, NodeKeys]) -> None:
    keys_dir, _ = generated
    before = (keys_dir / "signing.key").read_bytes()
    with pytest.raises(FileExistsError, match=r"signing\.key"):
        generate_node_keys(keys_dir, "XA", now=NOW)
    assert (keys_dir / "signing.key").read_bytes() == before
    with pytest.raises(FileExistsError):
        write_private_key(keys_dir / "signing.key", generate_ed25519())


@pytest.mark.parametrize("name", PRIVATE_FILES)
def test_load_refuses_a_private_key_readable_by_others(tmp_path: Path, name: str) -> None:
    keys_dir = tmp_path / "keys"
    generate_node_keys(keys_dir, "XA", now=NOW)
    (keys_dir / name).chmod(0o644)
    with pytest.raises(PermissionError, match=name) as caught:
        load_node_keys(keys_dir, "XA")
    assert "PRIVATE" not in str(caught.value)
    (keys_dir / name).chmod(0o640)
    with pytest.raises(PermissionError):
        load_node_keys(keys_dir, "XA")


def test_root_key_is_optional(tmp_path: Path) -> None:
    keys_dir = tmp_path / "keys"
    keys = generate_node_keys(keys_dir, "XB", now=NOW, with_root=False)
    assert keys.root is None and keys.root_kid is None
    assert not (keys_dir / "root.key").exists()
    assert "root" not in json.loads((keys_dir / "public.json").read_text())
    loaded = load_node_keys(keys_dir, "XB")
    assert loaded.root is None and loaded.root_kid is None


def test_load_private_ed25519_checks_type_and_format(tmp_path: Path) -> None:
    key = generate_ed25519()
    write_private_key(tmp_path / "operator.key", key)
    assert load_private_ed25519(tmp_path / "operator.key").public_key() == key.public_key()
    write_private_key(tmp_path / "x.key", X25519PrivateKey.generate())
    with pytest.raises(ValueError, match="Ed25519"):
        load_private_ed25519(tmp_path / "x.key")
    (tmp_path / "junk.key").write_bytes(b"not a key")
    (tmp_path / "junk.key").chmod(0o600)
    with pytest.raises(ValueError, match=r"junk\.key"):
        load_private_ed25519(tmp_path / "junk.key")
    # An Ed25519 key where the X25519 encryption key belongs is refused by type.
    write_private_key(tmp_path / "signing.key", key)
    write_private_key(tmp_path / "encryption.key", key)
    for name in ("tls-ca.key", "tls-server.key", "tls-client.key"):
        write_private_key(tmp_path / name, generate_ed25519())
    with pytest.raises(ValueError, match="X25519"):
        load_node_keys(tmp_path, "XA")


def test_jwk_round_trip_and_refusals() -> None:
    signing = Ed25519PrivateKey.generate().public_key()
    encryption = X25519PrivateKey.generate().public_key()
    assert ed25519_from_jwk(public_jwk(signing, "k")) == signing
    assert x25519_from_jwk(public_jwk(encryption, "k")) == encryption
    assert set(public_jwk(signing, "k")) == {"kty", "crv", "x", "kid"}
    with pytest.raises(PolicyViolationError):
        ed25519_from_jwk(public_jwk(encryption, "k"))
    with pytest.raises(PolicyViolationError):
        x25519_from_jwk(public_jwk(signing, "k"))
    with pytest.raises(TypeError):
        public_jwk("not a key", "k")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "change",
    [
        {"d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"},
        {"kty": "EC"},
        {"crv": "Ed448"},
        {"crv": "P-256"},
        {"x": "AAAA"},
        {"x": "not base64!"},
        {"x": 5},
    ],
)
def test_public_key_from_jwk_refuses_anything_else(change: dict[str, Any]) -> None:
    jwk = public_jwk(Ed25519PrivateKey.generate().public_key(), "k") | change
    with pytest.raises(PolicyViolationError) as caught:
        public_key_from_jwk(jwk)
    assert caught.value.code == "POLICY_VIOLATION"


def test_public_key_from_jwk_refuses_non_objects() -> None:
    with pytest.raises(PolicyViolationError):
        public_key_from_jwk(["OKP"])  # type: ignore[arg-type]


# --- TLS -------------------------------------------------------------------------------------


def test_ca_and_leaf_certificates_have_the_required_profile(
    generated: tuple[Path, NodeKeys],
) -> None:
    _, keys = generated
    (ca,) = certificates(keys.tls.ca_cert)
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    usage = ca.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert ca.not_valid_after_utc - ca.not_valid_before_utc == timedelta(days=825, hours=1)

    server, server_ca = certificates(keys.tls.server_cert)
    assert server_ca == ca
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert not san.critical
    assert san.value.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    assert san.value.get_values_for_type(x509.DNSName) == ["localhost"]
    eku = server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    aki = server.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert server.not_valid_after_utc - server.not_valid_before_utc == timedelta(days=397, hours=1)

    client, _ = certificates(keys.tls.client_cert)
    san = client.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert san.value.get_values_for_type(x509.DNSName) == ["xa.node.comity"]
    eku = client.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]


@pytest.mark.parametrize(
    "subject",
    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))],
)
def test_server_certificate_chains_to_the_ca(
    generated: tuple[Path, NodeKeys], subject: x509.DNSName | x509.IPAddress
) -> None:
    _, keys = generated
    (ca,) = certificates(keys.tls.ca_cert)
    server, _ = certificates(keys.tls.server_cert)
    verifier = PolicyBuilder().store(Store([ca])).time(NOW).build_server_verifier(subject)
    chain = verifier.verify(server, [])
    assert chain[-1] == ca


def test_server_certificate_does_not_chain_to_another_ca_or_name(
    generated: tuple[Path, NodeKeys], tmp_path: Path
) -> None:
    _, keys = generated
    other = create_tls_material(tmp_path, "XB", now=NOW, hostnames=["localhost"])
    (other_ca,) = certificates(other.ca_cert)
    (ca,) = certificates(keys.tls.ca_cert)
    server, _ = certificates(keys.tls.server_cert)
    with pytest.raises(VerificationError):
        PolicyBuilder().store(Store([other_ca])).time(NOW).build_server_verifier(
            x509.DNSName("localhost")
        ).verify(server, [])
    with pytest.raises(VerificationError):
        PolicyBuilder().store(Store([ca])).time(NOW).build_server_verifier(
            x509.DNSName("xb.example")
        ).verify(server, [])


def test_client_certificate_chains_to_the_ca(generated: tuple[Path, NodeKeys]) -> None:
    _, keys = generated
    (ca,) = certificates(keys.tls.ca_cert)
    client, _ = certificates(keys.tls.client_cert)
    verified = (
        PolicyBuilder().store(Store([ca])).time(NOW).build_client_verifier().verify(client, [])
    )
    assert verified.subjects == [x509.DNSName("xa.node.comity")]


def test_tls_material_validates_its_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timezone"):
        create_tls_material(tmp_path, "XA", now=datetime(2026, 1, 1), hostnames=["localhost"])
    with pytest.raises(ValueError, match="host"):
        create_tls_material(tmp_path, "XA", now=NOW, hostnames=[])


def handshake(
    server_context: ssl.SSLContext, client_context: ssl.SSLContext, hostname: str = "localhost"
) -> tuple[BaseException | None, BaseException | None, bytes]:
    """Run a TLS handshake and a one-line exchange over a socket pair; return both errors."""
    server_sock, client_sock = socket.socketpair()
    server_sock.settimeout(10)
    client_sock.settimeout(10)
    errors: dict[str, BaseException | None] = {"server": None, "client": None}
    received = bytearray()

    def run(name: str, body: Callable[[], None]) -> None:
        try:
            body()
        except (OSError, ssl.SSLError) as error:
            errors[name] = error

    def serve() -> None:
        with server_context.wrap_socket(server_sock, server_side=True) as tls:
            received.extend(tls.recv(64))
            tls.sendall(b"pong")

    def dial() -> None:
        with client_context.wrap_socket(client_sock, server_hostname=hostname) as tls:
            tls.sendall(b"ping")
            received.extend(tls.recv(64))

    threads = [
        threading.Thread(target=run, args=("server", serve)),
        threading.Thread(target=run, args=("client", dial)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    # A refused side leaves its peer waiting; closing both ends releases it.
    server_sock.close()
    client_sock.close()
    return errors["server"], errors["client"], bytes(received)


def test_mutual_tls_handshake_succeeds(generated: tuple[Path, NodeKeys]) -> None:
    _, keys = generated
    trusted = [keys.tls.ca_cert.read_bytes()]
    server_error, client_error, received = handshake(
        server_ssl_context(keys.tls, trusted), client_ssl_context(keys.tls, trusted)
    )
    assert server_error is None and client_error is None
    assert sorted([received[:4], received[4:]]) == [b"ping", b"pong"]


def test_client_without_certificate_is_refused(generated: tuple[Path, NodeKeys]) -> None:
    _, keys = generated
    trusted = [keys.tls.ca_cert.read_bytes()]
    anonymous = ssl.create_default_context(cadata=trusted[0].decode())
    server_error, _, received = handshake(server_ssl_context(keys.tls, trusted), anonymous)
    assert isinstance(server_error, ssl.SSLError)
    assert b"ping" not in received


def test_client_from_an_untrusted_ca_is_refused(
    generated: tuple[Path, NodeKeys], tmp_path: Path
) -> None:
    _, keys = generated
    stranger = create_tls_material(tmp_path, "XZ", now=NOW, hostnames=["localhost"])
    trusted = [keys.tls.ca_cert.read_bytes()]
    server_error, _, received = handshake(
        server_ssl_context(keys.tls, trusted), client_ssl_context(stranger, trusted)
    )
    assert isinstance(server_error, ssl.SSLError)
    assert b"ping" not in received


def test_client_checks_the_server_name(generated: tuple[Path, NodeKeys]) -> None:
    _, keys = generated
    trusted = [keys.tls.ca_cert.read_bytes()]
    _, client_error, _ = handshake(
        server_ssl_context(keys.tls, trusted),
        client_ssl_context(keys.tls, trusted),
        hostname="xb.node.example",
    )
    assert isinstance(client_error, ssl.SSLCertVerificationError)


def test_contexts_require_tls_1_3_and_trusted_cas(generated: tuple[Path, NodeKeys]) -> None:
    _, keys = generated
    trusted = [keys.tls.ca_cert.read_bytes()]
    server = server_ssl_context(keys.tls, trusted)
    client = client_ssl_context(keys.tls, trusted)
    assert server.verify_mode == ssl.CERT_REQUIRED and client.verify_mode == ssl.CERT_REQUIRED
    assert client.check_hostname
    assert server.minimum_version == client.minimum_version == ssl.TLSVersion.TLSv1_3
    with pytest.raises(ValueError, match="trusted CA"):
        server_ssl_context(keys.tls, [])


def test_write_ca_bundle_replaces_the_file(
    generated: tuple[Path, NodeKeys], tmp_path: Path
) -> None:
    _, keys = generated
    other = create_tls_material(tmp_path, "XB", now=NOW, hostnames=["localhost"])
    bundle = tmp_path / "bundle.pem"
    bundle.write_text("old")
    pems = [keys.tls.ca_cert.read_bytes(), other.ca_cert.read_bytes()]
    assert write_ca_bundle(bundle, pems) == bundle
    assert len(x509.load_pem_x509_certificates(bundle.read_bytes())) == 2
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile=bundle)
    assert len(context.get_ca_certs()) == 2


def test_failed_public_write_leaves_no_temporary_file(
    generated: tuple[Path, NodeKeys], tmp_path: Path
) -> None:
    _, keys = generated
    (tmp_path / "taken").mkdir()
    with pytest.raises(OSError):
        write_ca_bundle(tmp_path / "taken", [keys.tls.ca_cert.read_bytes()])
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]
