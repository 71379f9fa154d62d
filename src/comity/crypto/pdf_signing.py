"""PAdES signatures on formal originals (pyHanko), with the node's document-signing key.

The signature is PAdES B-B (``/ETSI.CAdES.detached``, SHA-256, ECDSA P-256), added as an
incremental update so the rendered PDF/A bytes stay exactly as rendered before it. No
timestamp authority is called: nodes run in closed networks, and a B-T timestamp from a
State's own TSA is a later step (pyHanko's ``timestamper`` argument).

The key is read when a document is signed, not when the node starts, so a node created before
originals existed keeps running; it then refuses to sign until ``comity node doc-key`` ran.
"""

from __future__ import annotations

import hashlib
from io import BytesIO
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko_certvalidator.registry import SimpleCertificateStore

from comity.crypto.document_keys import DocumentKeyFiles
from comity.domain.errors import DirectoryError
from comity.services.originals_ports import SignedPdf

__all__ = ["FIELD_NAME", "PdfSigner"]

#: The name of the signature field on every original.
FIELD_NAME = "ComityOriginal"


class PdfSigner:
    """Implements ``services.originals_ports.DocumentSigner`` with the node's document key."""

    def __init__(self, keys_dir: Path) -> None:
        self._files = DocumentKeyFiles.in_dir(keys_dir)

    def require_key(self) -> None:
        """Raise ``DirectoryError`` if the node has no document-signing key."""
        if not self._files.exists():
            raise DirectoryError(
                "this node has no document-signing key: run `comity node doc-key` to create it"
            )

    def sign(self, pdf: bytes, *, reason: str, location: str, contact: str) -> SignedPdf:
        """``pdf`` with a PAdES B-B signature appended as an incremental update."""
        self.require_key()
        key, leaf, ca = self._files.load()
        der = serialization.Encoding.DER
        signer = signers.SimpleSigner(
            signing_cert=asn1_x509.Certificate.load(leaf.public_bytes(der)),
            signing_key=asn1_keys.PrivateKeyInfo.load(
                key.private_bytes(
                    der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            ),
            # pyhanko-certvalidator leaves this constructor unannotated.
            cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
                [asn1_x509.Certificate.load(ca.public_bytes(der))]
            ),
        )
        metadata = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm="sha256",
            subfilter=SigSeedSubFilter.PADES,
            reason=reason,
            location=location,
            contact_info=contact,
            name=leaf.subject.rfc4514_string(),
        )
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
        out = signers.PdfSigner(metadata, signer=signer).sign_pdf(writer)
        assert isinstance(out, BytesIO)
        return SignedPdf(
            pdf=out.getvalue(),
            signer_subject=leaf.subject.rfc4514_string(),
            certificate_sha256=hashlib.sha256(leaf.public_bytes(der)).hexdigest(),
        )
