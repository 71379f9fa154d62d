"""Delivering envelopes to other States' nodes over mutual TLS (implements ``PeerClient``)."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Callable

import httpx2

from comity.crypto.http_signatures import MESSAGES_PATH, RequestSigner
from comity.domain.directory import Directory, StateEntry
from comity.services.ports import Clock
from comity.services.transport_ports import PeerAnswer


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
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = {}
    if not isinstance(body, dict):
        body = {}
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
