"""The evidence routes of the federation endpoint: offer, chunks, completion.

Each call is checked like a message: the body against its own ``Content-Digest`` first (a
body damaged on the way is ``UPLOAD_CHECKSUM_MISMATCH``, and the sender sends it again), then
the HTTP message signature and its nonce, and only then is anything parsed or stored. The
answers say what the receiver holds, so the sender resumes where the transfer stopped.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from comity.bootstrap import Container
from comity.domain import errors as domain
from comity.services import evidence_arrival
from comity.services.context import ServiceContext
from comity.services.evidence_arrival import Arrival
from comity.web.errors import problem_at, status_for
from comity.web.federation_checks import read_bounded, too_large, verified_sender

log = logging.getLogger("comity.federation")

EVIDENCE = "/federation/v1/evidence"
# A chunk is at most 64 MiB plus its tag (domain.evidence); an offer carries a manifest.
MAX_CHUNK_BODY = 64 * 1024 * 1024 + 64
MAX_OFFER_BODY = 16 * 1024 * 1024

# A route's work once the call verified: (context, sender State, body's SHA-256 hex).
Handler = Callable[[ServiceContext, str, str], Arrival]


def install_evidence_routes(app: FastAPI, container: Container) -> None:
    """Register the evidence routes on the federation application."""

    @app.post(EVIDENCE + "/{package_id}")
    async def offer(package_id: str, request: Request) -> JSONResponse:
        body = await read_bounded(request, MAX_OFFER_BODY)

        def handle(ctx: ServiceContext, sender: str, _digest: str) -> Arrival:
            return evidence_arrival.offer(
                ctx, sender_state=sender, package_id=package_id, body=body or b""
            )

        return await _call(container, request, body, handle)

    @app.post(EVIDENCE + "/{package_id}/chunks/{index}")
    async def chunk(package_id: str, index: int, request: Request) -> JSONResponse:
        body = await read_bounded(request, MAX_CHUNK_BODY)

        def handle(ctx: ServiceContext, sender: str, digest: str) -> Arrival:
            return evidence_arrival.receive_chunk(
                ctx,
                sender_state=sender,
                package_id=package_id,
                index=index,
                data=body or b"",
                digest=digest,
            )

        # A chunk sent again has no second effect (same index, same digest: held once), so
        # its signature's nonce is not recorded: that would be a database commit per chunk.
        # The signature, its creation time and the digests are checked as for any call.
        return await _call(container, request, body, handle, replay_checked=False)

    @app.post(EVIDENCE + "/{package_id}/complete")
    async def complete(package_id: str, request: Request) -> JSONResponse:
        body = await read_bounded(request, MAX_OFFER_BODY)

        def handle(ctx: ServiceContext, sender: str, _digest: str) -> Arrival:
            return evidence_arrival.complete(ctx, sender_state=sender, package_id=package_id)

        return await _call(container, request, body, handle)


async def _call(
    container: Container,
    request: Request,
    body: bytes | None,
    handle: Handler,
    *,
    replay_checked: bool = True,
) -> JSONResponse:
    path = request.url.path
    if body is None:
        return too_large(path)
    headers = dict(request.headers.items())
    return await run_in_threadpool(
        _checked, container, str(request.url), headers, body, handle, replay_checked
    )


def _checked(
    container: Container,
    url: str,
    headers: dict[str, str],
    body: bytes,
    handle: Handler,
    replay_checked: bool,
) -> JSONResponse:
    ctx = container.services
    path = url.split("://", 1)[-1].partition("/")[2]
    try:
        digest = _check_content_digest(headers, body)
        # The body was just compared with the Content-Digest the signature covers.
        sender = verified_sender(
            container,
            url=url,
            headers=headers,
            body=body,
            digest_checked=True,
            replay_checked=replay_checked,
        )
        arrival = handle(ctx, sender, digest)
    except domain.DomainError as error:
        if not isinstance(error, domain.TrustStaleError):
            log.warning("refused an evidence call: %s", error.code)
        return problem_at(
            "/" + path, status=status_for(error), code=error.code, detail=error.detail
        )
    return JSONResponse(
        {
            "status": str(arrival.status),
            "held": sorted(arrival.held),
            "custody": list(arrival.custody),
            "failure_code": arrival.code or None,
            "failure_detail": arrival.detail or None,
        }
    )


def _check_content_digest(headers: dict[str, str], body: bytes) -> str:
    """Compare the body with the SHA-256 its ``Content-Digest`` header declares (RFC 9530);
    the body's SHA-256 in hex."""
    declared = headers.get("content-digest", "")
    for item in declared.split(","):
        name, _, value = item.strip().partition("=")
        if name.strip().lower() == "sha-256" and value.startswith(":") and value.endswith(":"):
            try:
                expected = base64.b64decode(value[1:-1], validate=True)
            except ValueError:
                break
            actual = hashlib.sha256(body).digest()
            if actual != expected:
                raise domain.UploadChecksumMismatchError(
                    "the body does not match its Content-Digest: it was damaged on the way"
                )
            return actual.hex()
    raise domain.PolicyViolationError("the call carries no SHA-256 Content-Digest")
