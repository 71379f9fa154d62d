"""The witness routes of the federation endpoint (C2SP tlog-witness, plus gossip).

Each call is checked like any call from another node (its HTTP message signature over the
body, and its nonce) before its body is parsed. ``add-checkpoint`` answers as the C2SP
specification says: 200 with the cosignature line, 409 with this witness's size as
``text/x.tlog.size``, 403 for a checkpoint its log did not sign, 404 for an unknown log,
400 for a smaller tree, 422 for a proof that fails or an equivocation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from comity.bootstrap import Container
from comity.domain import errors as domain
from comity.services import ledger_witness
from comity.services.context import ServiceContext
from comity.web.errors import problem_at, witness_status_for
from comity.web.federation_checks import read_bounded, too_large, verified_sender

log = logging.getLogger("comity.federation")

AUDIT = "/federation/v1/audit"
# A checkpoint with 63 proof lines and a few signatures is under 8 KiB; views are 64 notes.
MAX_WITNESS_BODY = 256 * 1024

# A route's work once the call verified: (context, sender State) -> the answer.
Handler = Callable[[ServiceContext, str], Response]


def install_audit_routes(app: FastAPI, container: Container) -> None:
    """Register the witness routes on the federation application."""

    @app.post(AUDIT + "/add-checkpoint")
    async def add_checkpoint(request: Request) -> Response:
        body = await read_bounded(request, MAX_WITNESS_BODY)

        def handle(ctx: ServiceContext, sender: str) -> Response:
            line = ledger_witness.add_checkpoint(ctx, sender_state=sender, body=body or b"")
            return PlainTextResponse(line)

        return await _call(container, request, body, handle)

    @app.post(AUDIT + "/views")
    async def views(request: Request) -> Response:
        body = await read_bounded(request, MAX_WITNESS_BODY)

        def handle(ctx: ServiceContext, sender: str) -> Response:
            compared = ledger_witness.compare_shared_views(
                ctx, sender_state=sender, body=body or b""
            )
            return JSONResponse({"compared": compared})

        return await _call(container, request, body, handle)

    @app.post(AUDIT + "/integrity")
    async def integrity(request: Request) -> Response:
        body = await read_bounded(request, MAX_WITNESS_BODY)

        def handle(ctx: ServiceContext, sender: str) -> Response:
            ledger_witness.receive_integrity_report(ctx, sender_state=sender, body=body or b"")
            return PlainTextResponse("recorded\n")

        return await _call(container, request, body, handle)


async def _call(
    container: Container, request: Request, body: bytes | None, handle: Handler
) -> Response:
    path = request.url.path
    if body is None:
        return too_large(path)
    headers = dict(request.headers.items())
    return await run_in_threadpool(
        _checked, container, str(request.url), path, headers, body, handle
    )


def _checked(
    container: Container,
    url: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
    handle: Handler,
) -> Response:
    try:
        sender = verified_sender(container, url=url, headers=headers, body=body)
        return handle(container.services, sender)
    except domain.CheckpointSizeConflictError as error:
        # C2SP: the witness's latest size, as the body, so the log can retry from there.
        return Response(
            f"{error.size}\n", status_code=witness_status_for(error), media_type="text/x.tlog.size"
        )
    except domain.DomainError as error:
        log.warning("refused a witness call: %s", error.code)
        return problem_at(
            path, status=witness_status_for(error), code=error.code, detail=error.detail
        )
