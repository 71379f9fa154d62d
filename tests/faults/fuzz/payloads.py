"""Valid wire payloads the seeds are built from."""

from __future__ import annotations

from typing import Any


def submit_payload(padding: int = 0) -> dict[str, Any]:
    """A wire-format request submission from XA to XB; ``padding`` characters of free text
    make it as large as a test needs."""
    return {
        "v": 1,
        "message_id": "0b6f0c38-7f7a-4c1e-9d8e-3b1f2a6c9d01",
        "sender_state": "XA",
        "recipient_state": "XB",
        "type": "request.submit",
        "created_at": "2026-01-05T12:00:00Z",
        "profile": "budapest",
        "body": {
            "exchange_id": "ex-fuzz-1",
            "reference": "XA-2026-0001",
            "type_code": "subscriber_info",
            "urgency": "routine",
            "channel": "central_authority",
            "authority": "central",
            "fields": {"facts": {"summary": "x" * padding}},
        },
    }


def step_payload() -> dict[str, Any]:
    """A wire-format status step from XB to XA."""
    return {
        "v": 1,
        "message_id": "6a1e2c3d-4b5f-4a6b-8c7d-9e0f1a2b3c4d",
        "sender_state": "XB",
        "recipient_state": "XA",
        "type": "request.status",
        "created_at": "2026-01-05T12:00:00Z",
        "profile": "budapest",
        "body": {"exchange_id": "ex-fuzz-1", "status": "received", "reason": "", "detail": {}},
    }
