"""Delivering envelopes to other States' nodes over mutual TLS (implements ``PeerClient``)."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Callable
from typing import Any

import httpx2

from comity.crypto.http_signatures import AUDIT_PATH, EVIDENCE_PATH, MESSAGES_PATH, RequestSigner
from comity.domain.directory import Directory, StateEntry
from comity.services.evidence_ports import TransferAnswer
from comity.services.ledger_ports import WitnessAnswer
from comity.services.ports import Clock
from comity.services.transport_ports import PeerAnswer

# Completion verifies the whole package on the receiving side: minutes for many GiB.
COMPLETE_TIMEOUT = 1800.0


class HttpPeerClient:
    """Posts each envelope with a fresh RFC 9421 signature; reuses one TLS client per
    directory version (the trusted CAs are the States' TLS CAs the directory lists)."""

    def __init__(
        self,
        *,
        signer: RequestSigner,
        clock: Clock,
        directory: Callable[[], Directory],
        ssl_context: Callable[[Directory], ssl.SSLContext],
        timeout: float = 30.0,
    ) -> None:
        self._signer = signer
        self._clock = clock
        self._directory = directory
        self._ssl_context = ssl_context
        self._timeout = timeout
        self._lock = threading.Lock()
        self._client: tuple[int, httpx2.Client] | None = None

    def deliver(self, recipient: StateEntry, envelope: bytes) -> PeerAnswer:
        """One attempt; transport trouble is an ``unreachable`` answer, never an exception."""
        url = recipient.endpoint.rstrip("/") + MESSAGES_PATH
        headers = self._signer.headers(url=url, body=envelope, now=self._clock.now())
        try:
            response = self._http().post(url, content=envelope, headers=headers)
        except (httpx2.HTTPError, ssl.SSLError, OSError) as error:
            return PeerAnswer("unreachable", code="UNREACHABLE", detail=type(error).__name__)
        return _answer(response)

    def offer(self, recipient: StateEntry, package_id: str, body: bytes) -> TransferAnswer:
        """Announce an evidence package; the answer lists the chunks the receiver holds."""
        return self._evidence(recipient, f"/{package_id}", body, "application/json")

    def put_chunk(
        self, recipient: StateEntry, package_id: str, index: int, data: bytes
    ) -> TransferAnswer:
        """Send one sealed chunk (the receiver accepts the same chunk once)."""
        return self._evidence(
            recipient, f"/{package_id}/chunks/{index}", data, "application/octet-stream"
        )

    def complete(self, recipient: StateEntry, package_id: str) -> TransferAnswer:
        """Ask the receiver to verify and release the package."""
        return self._evidence(
            recipient, f"/{package_id}/complete", b"{}", "application/json", COMPLETE_TIMEOUT
        )

    def _evidence(
        self,
        recipient: StateEntry,
        path: str,
        body: bytes,
        content_type: str,
        timeout: float | None = None,
    ) -> TransferAnswer:
        url = recipient.endpoint.rstrip("/") + EVIDENCE_PATH + path
        response = self._signed_post(url, body, content_type, timeout)
        if isinstance(response, str):
            return TransferAnswer("retry", code="UNREACHABLE", detail=response)
        return _transfer_answer(response)

    def _signed_post(
        self, url: str, body: bytes, content_type: str, timeout: float | None = None
    ) -> httpx2.Response | str:
        """POST ``body`` with a fresh RFC 9421 signature; the response, or the name of the
        transport error (the callers turn it into their own "try again" answer)."""
        headers = self._signer.headers(
            url=url, body=body, now=self._clock.now(), content_type=content_type
        )
        try:
            return self._http().post(
                url, content=body, headers=headers, timeout=timeout or self._timeout
            )
        except (httpx2.HTTPError, ssl.SSLError, OSError) as error:
            return type(error).__name__

    def add_checkpoint(self, recipient: StateEntry, body: bytes) -> WitnessAnswer:
        """C2SP tlog-witness ``add-checkpoint``: a cosignature, or why not."""
        return self._witness(recipient, "/add-checkpoint", body, "text/plain; charset=utf-8")

    def share_views(self, recipient: StateEntry, body: bytes) -> WitnessAnswer:
        """Show a witness the checkpoints of third logs this node cosigned."""
        return self._witness(recipient, "/views", body, "application/json")

    def report_integrity(self, recipient: StateEntry, body: bytes) -> WitnessAnswer:
        """Tell a witness this node's log failed its own check."""
        return self._witness(recipient, "/integrity", body, "text/plain; charset=utf-8")

    def _witness(
        self, recipient: StateEntry, path: str, body: bytes, content_type: str
    ) -> WitnessAnswer:
        url = recipient.endpoint.rstrip("/") + AUDIT_PATH + path
        response = self._signed_post(url, body, content_type)
        if isinstance(response, str):
            return WitnessAnswer("unreachable", code="UNREACHABLE", detail=response)
        return _witness_answer(response)

    def close(self) -> None:
        """Close the pooled connections."""
        with self._lock:
            if self._client is not None:
                self._client[1].close()
                self._client = None

    def _http(self) -> httpx2.Client:
        directory = self._directory()
        with self._lock:
            if self._client is None or self._client[0] != directory.sequence:
                if self._client is not None:
                    self._client[1].close()
                client = httpx2.Client(
                    verify=self._ssl_context(directory), timeout=self._timeout, trust_env=False
                )
                self._client = (directory.sequence, client)
            return self._client[1]


def _answer(response: httpx2.Response) -> PeerAnswer:
    body = _json_body(response)
    code = str(body.get("code") or "")
    if response.status_code == 200 and isinstance(body.get("receipt"), str):
        return PeerAnswer("delivered", signed=body["receipt"], code=code)
    if isinstance(body.get("signal"), str):
        # A signed negative answer: final once the relay has verified the signature.
        return PeerAnswer("rejected", signed=body["signal"], code=code)
    if response.status_code == 503 and code == "TRUST_STALE":
        return PeerAnswer("held", code=code, detail=str(body.get("detail", ""))[:200])
    return PeerAnswer(
        "unreachable",
        code=code or f"HTTP_{response.status_code}",
        detail=str(body.get("detail", ""))[:200],
    )


def _transfer_answer(response: httpx2.Response) -> TransferAnswer:
    body = _json_body(response)
    code = str(body.get("code") or "")
    detail = str(body.get("detail", ""))[:200]
    if response.status_code != 200:
        return TransferAnswer("retry", code=code or f"HTTP_{response.status_code}", detail=detail)
    held = body.get("held")
    custody = body.get("custody")
    if not isinstance(held, list) or not all(isinstance(i, int) for i in held):
        return TransferAnswer("retry", code="SCHEMA_INVALID", detail="no held list")
    if not isinstance(custody, list) or not all(isinstance(t, str) for t in custody):
        return TransferAnswer("retry", code="SCHEMA_INVALID", detail="no custody list")
    # Custody records are signed by the receiver: the sender verifies them before use.
    return TransferAnswer(
        "ok",
        held=frozenset(held),
        custody=tuple(custody),
        code=str(body.get("failure_code") or ""),
        detail=str(body.get("failure_detail") or "")[:200],
    )


def _witness_answer(response: httpx2.Response) -> WitnessAnswer:
    """Read a witness's answer: 200 is a cosignature line (text), 409 the witness's size
    (``text/x.tlog.size``), anything else a refusal with its problem's code."""
    if response.status_code == 200:
        return WitnessAnswer("cosigned", signed=response.text[:4096])
    if response.status_code == 409 and response.headers.get("content-type", "").startswith(
        "text/x.tlog.size"
    ):
        text = response.text.strip()
        if text.isdigit() and len(text) < 20:
            return WitnessAnswer("conflict", size=int(text), code="CHECKPOINT_SIZE_CONFLICT")
    body = _json_body(response)
    code = str(body.get("code") or f"HTTP_{response.status_code}")
    detail = str(body.get("detail", ""))[:200]
    if response.status_code >= 500 and code != "AUDIT_INTEGRITY":
        return WitnessAnswer("unreachable", code=code, detail=detail)
    return WitnessAnswer("refused", code=code, detail=detail)


def _json_body(response: httpx2.Response) -> dict[str, Any]:
    """The answer's JSON object, or an empty one when it is not one (a proxy's error page)."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}
