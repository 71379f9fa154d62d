"""The ports of formal originals: rendering a request as PDF/A, signing it, keeping it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from comity.domain.events import Event
from comity.domain.originals import OriginalDocument


@dataclass(frozen=True)
class SignedPdf:
    """A signed PDF and who signed it."""

    pdf: bytes
    signer_subject: str
    certificate_sha256: str


@dataclass(frozen=True)
class StoredOriginal:
    """A signed original attached to its request."""

    id: str
    request_id: str
    lang: str
    created_at: datetime
    created_by: str
    sha256: str
    signer_subject: str
    certificate_sha256: str
    pdf: bytes


class OriginalRenderer(Protocol):
    """Draws a document as a PDF/A file."""

    def render(self, document: OriginalDocument) -> bytes:
        """The PDF/A bytes of ``document`` (everything in it escaped as text)."""
        ...


class DocumentSigner(Protocol):
    """Signs PDFs with the node's document-signing key (PAdES)."""

    def require_key(self) -> None:
        """Raise ``DirectoryError`` if the node has no document-signing key (checked before
        anything is drawn)."""
        ...

    def sign(self, pdf: bytes, *, reason: str, location: str, contact: str) -> SignedPdf:
        """``pdf`` with a signature appended; ``DirectoryError`` if the node has no key."""
        ...


class OriginalRecords(Protocol):
    """The originals of a request, in the caller's unit of work."""

    def erase_for(self, request_id: str) -> int:
        """Delete the request's signed originals; how many there were."""
        ...


class OriginalArchive(Protocol):
    """Where signed originals stay, attached to their requests."""

    def keep(self, original: StoredOriginal, event: Event) -> None:
        """Store ``original`` and the audit entry of ``event`` in one transaction."""
        ...

    def for_request(self, request_id: str) -> list[StoredOriginal]:
        """The request's originals, oldest first."""
        ...


@dataclass(frozen=True)
class OriginalsKit:
    """What a node needs to produce formal originals."""

    renderer: OriginalRenderer
    signer: DocumentSigner
    archive: OriginalArchive
