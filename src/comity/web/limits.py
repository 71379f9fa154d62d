"""Guards on request bodies, and security headers, as plain ASGI middleware."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from comity.domain.fields import storable_text
from comity.web.errors import EDGE_STATUS, PROBLEM_JSON, problem_document

_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class BodyLimitMiddleware:
    """Refuse bodies over ``limit`` bytes with 413, and unsound JSON with 400, up front.

    A declared Content-Length over the limit is refused at once; a chunked body is read up
    to the limit and refused as soon as it passes it, so memory stays bounded either way.
    """

    def __init__(
        self, app: ASGIApp, *, limit: int, streamed: re.Pattern[str] | None = None
    ) -> None:
        self.app = app
        self.limit = limit
        # Paths whose bodies go to disk as they arrive (evidence uploads): not buffered here.
        self.streamed = streamed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (
            self.streamed is not None
            and scope.get("method") in ("POST", "PUT")
            and self.streamed.fullmatch(scope.get("path", ""))
        ):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _too_large(scope, send, self.limit)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await _too_large(scope, send, self.limit)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body and _is_json(scope) and not _sound_json(body):
            await _problem(
                scope,
                send,
                "MALFORMED_JSON",
                "The body is not valid JSON",
                "the body must be UTF-8 JSON of limited depth, without NaN, Infinity, NUL "
                "characters or unpaired surrogates",
            )
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _is_json(scope: Scope) -> bool:
    headers: dict[bytes, bytes] = dict(scope["headers"])
    content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    return content_type == b"application/json" or content_type.endswith(b"+json")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("numbers must be finite")
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _sound_json(body: bytes) -> bool:
    """True if ``body`` is JSON that every store and peer can hold as it is.

    PostgreSQL's jsonb cannot store NUL characters, NaN or infinities, and no UTF-8 encoder
    can write an unpaired surrogate: such input is refused here, once, for every route,
    rather than failing later in whichever layer meets it first.
    """
    try:
        value = json.loads(body, parse_float=_finite, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return False
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and not storable_text(item):
            return False
    return True


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    await _problem(
        scope,
        send,
        "TOO_LARGE",
        "The request body is too large",
        f"bodies are limited to {limit} bytes",
    )


async def _problem(scope: Scope, send: Send, code: str, title: str, detail: str) -> None:
    status = EDGE_STATUS[code]
    document = problem_document(
        status=status, code=code, title=title, detail=detail, instance=scope.get("path", "")
    )
    body = json.dumps(document).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SecurityHeadersMiddleware:
    """Add the headers every API response should carry."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *(header for header in _HEADERS if header[0] not in present),
                ]
            await send(message)

        await self.app(scope, receive, with_headers)
