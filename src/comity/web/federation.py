"""The federation endpoint other States' nodes deliver to, served behind mutual TLS.

It is a separate application on its own listener: officers never reach it, and it never
serves the officers' API. Every answer is problem+json or a signed receipt; a verified message
that is refused carries a signed negative signal the sender can trust (an unsigned error is
never final for the sender).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from comity import __version__
from comity.bootstrap import Container
from comity.domain import errors as domain
from comity.domain.delivery import Stage
from comity.services import incoming
from comity.web.errors import (
    EDGE_STATUS,
    REFUSED_MESSAGE_STATUS,
    problem_at,
    status_for,
)
from comity.web.federation_audit import install_audit_routes
from comity.web.federation_checks import read_bounded, verified_sender
from comity.web.federation_evidence import install_evidence_routes

log = logging.getLogger("comity.federation")

MESSAGES = "/federation/v1/messages"
# An envelope is at most about 11 MiB (crypto.envelope.MAX_ENVELOPE_BYTES); evidence travels
# in chunks, never in one message.
MAX_ENVELOPE = 12 * 1024 * 1024


def create_federation_app(container: Container) -> FastAPI:
    """The mutual-TLS application that receives envelopes from other nodes."""
    app = FastAPI(
        title=f"Comity federation endpoint {container.settings.state}",
        version=__version__,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )

    @app.post(MESSAGES)
    async def receive(request: Request) -> JSONResponse:
        body = await read_bounded(request, MAX_ENVELOPE)
        if body is None:
            return _problem(
                EDGE_STATUS["TOO_LARGE"], "TOO_LARGE", "the envelope is over the size limit"
            )
        headers = dict(request.headers.items())
        return await run_in_threadpool(_handle, container, str(request.url), headers, body)

    install_evidence_routes(app, container)
    install_audit_routes(app, container)

    @app.get("/federation/v1/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "state": container.settings.state}

    return app


def _handle(container: Container, url: str, headers: dict[str, str], body: bytes) -> JSONResponse:
    ctx = container.services
    try:
        sender = verified_sender(container, url=url, headers=headers, body=body)
        reply = incoming.receive(ctx, body, transport_signer=sender)
    except domain.DomainError as error:
        if not isinstance(error, domain.TrustStaleError | domain.DependencyPendingError):
            log.warning("refused a delivery: %s", error.code)
        answer = _problem(status_for(error), error.code, error.detail)
        if isinstance(error, domain.DependencyPendingError):
            # Not a refusal: the sender's relay sends the same bytes again after this.
            answer.headers["Retry-After"] = str(error.retry_after)
        return answer
    if reply.stage is Stage.DELIVERED:
        return JSONResponse({"receipt": reply.signed, "duplicate": reply.duplicate})
    # A refusal of a verified message: final for the sender because it is signed.
    return _problem(
        REFUSED_MESSAGE_STATUS,
        reply.code,
        reply.detail or "the message was refused",
        signal=reply.signed,
        duplicate=reply.duplicate,
    )


def _problem(status: int, code: str, detail: str, **extra: Any) -> JSONResponse:
    return problem_at(MESSAGES, status=status, code=code, detail=detail, **extra)
