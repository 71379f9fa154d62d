"""How the peer client reads an HTTP answer: only a signed body can end a message."""

from __future__ import annotations

import httpx2
import pytest

from comity.transport.peer_client import _answer, _transfer_answer


def response(status: int, body: object = None, *, raw: bytes | None = None) -> httpx2.Response:
    if raw is not None:
        return httpx2.Response(status, content=raw)
    return httpx2.Response(status, json=body)


def test_a_receipt_is_a_delivery() -> None:
    answer = _answer(response(200, {"receipt": "a.b.c", "duplicate": True}))
    assert (answer.kind, answer.signed) == ("delivered", "a.b.c")


def test_a_signed_refusal_is_a_rejection_with_its_code() -> None:
    answer = _answer(response(422, {"code": "NOT_FOUND", "signal": "a.b.c"}))
    assert (answer.kind, answer.signed, answer.code) == ("rejected", "a.b.c", "NOT_FOUND")


def test_a_stale_directory_answer_holds_the_message() -> None:
    answer = _answer(response(503, {"code": "TRUST_STALE", "detail": "past next update"}))
    assert (answer.kind, answer.code) == ("held", "TRUST_STALE")


@pytest.mark.parametrize(
    ("status", "body", "raw", "code"),
    [
        (422, {"code": "SIG_INVALID", "detail": "no"}, None, "SIG_INVALID"),
        (500, None, b"<html>proxy error</html>", "HTTP_500"),
        (200, {"receipt": 7}, None, "HTTP_200"),
        (200, ["not", "an", "object"], None, "HTTP_200"),
        (502, None, b"\xff\xfe", "HTTP_502"),
    ],
)
def test_anything_unsigned_is_retried(status, body, raw, code) -> None:
    answer = _answer(response(status, body, raw=raw))
    assert answer.kind == "unreachable" and answer.signed is None and answer.code == code


# Evidence calls: only a 200 with what the receiver holds moves a transfer on; anything else
# is tried again, and custody records are verified by the sender before they count.


def test_an_evidence_answer_lists_holdings_and_custody() -> None:
    body = {"status": "released", "held": [0, 2, 1], "custody": ["a.b.c"], "failure_code": None}
    answer = _transfer_answer(response(200, body))
    assert answer.outcome == "ok"
    assert answer.held == {0, 1, 2} and answer.custody == ("a.b.c",)
    withheld = _transfer_answer(
        response(200, {**body, "failure_code": "DIGEST_MISMATCH", "failure_detail": "chunk 3"})
    )
    assert (withheld.code, withheld.detail) == ("DIGEST_MISMATCH", "chunk 3")


@pytest.mark.parametrize(
    ("status", "body", "raw", "code"),
    [
        (507, {"code": "STORAGE_FULL", "detail": "disk"}, None, "STORAGE_FULL"),
        (422, {"code": "DIGEST_MISMATCH"}, None, "DIGEST_MISMATCH"),
        (502, None, b"<html>bad gateway</html>", "HTTP_502"),
        (200, {"held": "all", "custody": []}, None, "SCHEMA_INVALID"),
        (200, {"held": [1], "custody": [7]}, None, "SCHEMA_INVALID"),
        (200, ["held"], None, "SCHEMA_INVALID"),
    ],
)
def test_anything_else_is_tried_again(
    status: int, body: object, raw: bytes | None, code: str
) -> None:
    answer = _transfer_answer(response(status, body, raw=raw))
    assert (answer.outcome, answer.code) == ("retry", code)
