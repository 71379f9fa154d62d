"""What every call from another State's node goes through before its route does anything:
its body read up to a limit, its HTTP message signature checked against the directory (a
refused signature is quarantined), and its nonce remembered against replay."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from comity.bootstrap import Container
from comity.domain import errors as domain
from comity.services import incoming, outgoing
from comity.web.errors import EDGE_STATUS, problem_at


async def read_bounded(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it passes ``limit`` bytes."""
    parts: list[bytes] = []
    size = 0
    async for part in request.stream():
        size += len(part)
        if size > limit:
            return None
        parts.append(part)
    return b"".join(parts)


def too_large(path: str) -> JSONResponse:
    """The problem answered to a call whose body passed its route's limit."""
    return problem_at(
        path,
        status=EDGE_STATUS["TOO_LARGE"],
        code="TOO_LARGE",
        detail="the body is over the limit",
    )


def verified_sender(
    container: Container,
    *,
    url: str,
    headers: dict[str, str],
    body: bytes,
    digest_checked: bool = False,
    replay_checked: bool = True,
) -> str:
    """Check the call's signature (``TrustError``, the body quarantined) and its nonce; the
    State whose key signed it.

    ``digest_checked``: the caller already compared the body with the signed Content-Digest,
    so it is not hashed again. ``replay_checked`` False: the call is idempotent by design, and
    recording its nonce would only cost a commit."""
    ctx = container.services
    directory = outgoing.trusted_directory(ctx, ctx.clock.now())
    try:
        call = container.check_call(
            url=url, headers=headers, body=None if digest_checked else body, directory=directory
        )
    except domain.TrustError as error:
        incoming.refuse(ctx, body, claimed_sender="unknown", error=error)
        raise
    if replay_checked:
        incoming.check_replay(ctx, call.nonce)
    return call.state
