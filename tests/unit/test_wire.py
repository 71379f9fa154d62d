"""Wire format v1: what one node encodes, the other decodes to the same message; anything
else is refused with SCHEMA_INVALID naming the broken path."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from comity.domain.delivery import MessageType
from comity.domain.errors import SchemaInvalidError
from comity.domain.messages import (
    STATEMENT_TOKEN_MAX,
    Body,
    Message,
    OriginalBody,
    PracticeBody,
    StatementBody,
    StepBody,
    SubmitBody,
)
from comity.domain.values import Channel, Urgency
from comity.domain.workflow import Status
from comity.transport.wire import decode, encode
from tests.builders import T0, example_mla_fields

MESSAGE_ID = "0b6f8c1e-3f5a-4d2b-9c7e-1a2b3c4d5e6f"

SUBMIT = SubmitBody(
    exchange_id="req-1",
    reference="XA-2026-0001",
    type_code="mla",
    urgency=Urgency.URGENT,
    channel=Channel.COPY_AHEAD,
    authority="auth-1",
    fields=example_mla_fields(),
)
STEP = StepBody(
    exchange_id="req-1",
    status=Status.CONDITIONS_PROPOSED,
    reason="Use limited to the named proceedings",
    detail={"conditions": ["speciality"], "nested": {"n": 1, "ok": True, "none": None}},
)
ORIGINAL = OriginalBody(exchange_id="req-1")
PRACTICE = PracticeBody(
    exchange_id="req-1",
    lifecycle="preservation",
    step={
        "code": "confirm",
        "side": "requested",
        "actor_id": "state:XB",
        "at": "2026-03-01T10:00:00+00:00",
        "values": {"confirmation_ref": "C-1"},
    },
)
# A compact JWS's shape (its signature is the asset-statement service's to check).
STATEMENT = StatementBody(
    exchange_id="req-1", token="eyJhbGciOiJFZERTQSJ9.eyJ2IjoxfQ.c2lnbmF0dXJl_-"
)

# Every message type, with the body it carries.
BODIES: dict[MessageType, Body] = {
    MessageType.REQUEST_SUBMIT: SUBMIT,
    MessageType.REQUEST_STATUS: StepBody(exchange_id="req-1", status=Status.REGISTERED),
    MessageType.REQUEST_INFO_REQUEST: StepBody(
        exchange_id="req-1", status=Status.MORE_INFO_REQUESTED, reason="Which account?"
    ),
    MessageType.REQUEST_INFO_RESPONSE: StepBody(
        exchange_id="req-1", status=Status.SENT, reason="Account 42"
    ),
    MessageType.REQUEST_DECISION: STEP,
    MessageType.REQUEST_WITHDRAW: StepBody(
        exchange_id="req-1", status=Status.WITHDRAWN, reason="case dropped"
    ),
    MessageType.REQUEST_ORIGINAL: ORIGINAL,
    MessageType.REQUEST_PRACTICE: PRACTICE,
    MessageType.REQUEST_STATEMENT: STATEMENT,
}


def a_message(
    type_: MessageType = MessageType.REQUEST_DECISION,
    body: Body | None = None,
    created_at: datetime = T0,
) -> Message:
    return Message(
        message_id=MESSAGE_ID,
        sender_state="XA",
        recipient_state="XB",
        type=type_,
        created_at=created_at,
        profile="ahc-2022-proposal",
        body=body if body is not None else BODIES[type_],
    )


def a_payload(**overrides: Any) -> dict[str, Any]:
    payload = encode(a_message())
    payload.update(overrides)
    return payload


def refusal(payload: dict[str, Any]) -> str:
    with pytest.raises(SchemaInvalidError) as caught:
        decode(payload)
    return str(caught.value)


def test_every_message_type_has_a_body_to_round_trip() -> None:
    assert set(BODIES) == set(MessageType)


@pytest.mark.parametrize("type_", list(MessageType))
def test_every_message_type_survives_encoding_json_and_decoding(type_: MessageType) -> None:
    message = a_message(type_)
    payload = json.loads(json.dumps(encode(message)))
    decoded = decode(payload)
    assert decoded == message
    assert type(decoded.body) is type(message.body)


def test_a_submit_body_is_encoded_with_plain_strings() -> None:
    body = encode(a_message(MessageType.REQUEST_SUBMIT))["body"]
    assert body == {
        "exchange_id": "req-1",
        "reference": "XA-2026-0001",
        "type_code": "mla",
        "urgency": "urgent",
        "channel": "copy_ahead",
        "authority": "auth-1",
        "fields": example_mla_fields(),
    }
    assert type(body["urgency"]) is str and type(body["channel"]) is str


def test_a_step_body_is_encoded_with_its_reason_and_detail() -> None:
    payload = encode(a_message())
    assert payload["body"] == {
        "exchange_id": "req-1",
        "status": "conditions_proposed",
        "reason": "Use limited to the named proceedings",
        "detail": {"conditions": ["speciality"], "nested": {"n": 1, "ok": True, "none": None}},
    }
    assert type(payload["body"]["status"]) is str and type(payload["type"]) is str


def test_an_original_body_carries_only_the_exchange_id() -> None:
    assert encode(a_message(MessageType.REQUEST_ORIGINAL))["body"] == {"exchange_id": "req-1"}


def test_the_envelope_members_are_exactly_those_of_version_1() -> None:
    payload = encode(a_message())
    assert payload == {
        "v": 1,
        "message_id": MESSAGE_ID,
        "sender_state": "XA",
        "recipient_state": "XB",
        "type": "request.decision",
        "created_at": "2026-03-01T09:00:00Z",
        "profile": "ahc-2022-proposal",
        "body": payload["body"],
    }


def test_a_step_without_reason_or_detail_decodes_with_empty_defaults() -> None:
    payload = a_payload(body={"exchange_id": "req-1", "status": "registered"})
    body = decode(payload).body
    assert body == StepBody(exchange_id="req-1", status=Status.REGISTERED, reason="", detail={})


# -- time -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "offset", [timedelta(hours=2), timedelta(hours=-5, minutes=-30), timedelta(0)]
)
def test_created_at_is_normalised_to_utc_z(offset: timedelta) -> None:
    local = T0.astimezone(timezone(offset))
    payload = encode(a_message(created_at=local))
    assert payload["created_at"] == "2026-03-01T09:00:00Z"
    decoded = decode(payload)
    assert decoded.created_at == T0 and decoded.created_at.utcoffset() == timedelta(0)


def test_an_offset_created_at_from_another_node_is_decoded_in_utc() -> None:
    decoded = decode(a_payload(created_at="2026-03-01T11:00:00+02:00"))
    assert decoded.created_at == T0 and decoded.created_at.tzinfo is UTC


def test_fractions_of_a_second_survive() -> None:
    at = T0 + timedelta(microseconds=123456)
    payload = encode(a_message(created_at=at))
    assert payload["created_at"] == "2026-03-01T09:00:00.123456Z"
    assert decode(payload).created_at == at


# -- refusals -------------------------------------------------------------------------------


def test_an_unknown_top_level_member_is_refused_by_name() -> None:
    assert refusal(a_payload(priority="high")).startswith("priority:")


def test_an_unknown_body_member_is_refused_with_its_path_in_the_body() -> None:
    body = {**encode(a_message())["body"], "secret_note": "x"}
    assert refusal(a_payload(body=body)).startswith("body.secret_note:")


@pytest.mark.parametrize("type_", [MessageType.REQUEST_SUBMIT, MessageType.REQUEST_ORIGINAL])
def test_an_unknown_member_is_refused_in_every_body_kind(type_: MessageType) -> None:
    payload = encode(a_message(type_))
    payload["body"]["extra"] = 1
    assert refusal(payload).startswith("body.extra:")


@pytest.mark.parametrize("version", [0, 2, "1", None])
def test_a_version_other_than_1_is_refused(version: object) -> None:
    assert refusal(a_payload(v=version)).startswith("v:")


def test_a_payload_without_a_version_is_refused() -> None:
    payload = a_payload()
    del payload["v"]
    assert refusal(payload).startswith("v:")


@pytest.mark.parametrize("member", ["sender_state", "recipient_state"])
@pytest.mark.parametrize("code", ["xa", "X", "XAB", "X1", "", "ÄB"])
def test_a_state_code_that_is_not_two_capital_letters_is_refused(member: str, code: str) -> None:
    assert refusal(a_payload(**{member: code})).startswith(f"{member}:")


@pytest.mark.parametrize("created_at", ["2026-03-01T09:00:00", "2026-03-01", "yesterday", None])
def test_a_created_at_without_a_time_zone_is_refused(created_at: object) -> None:
    assert refusal(a_payload(created_at=created_at)).startswith("created_at:")


@pytest.mark.parametrize(
    "message_id",
    [
        "not-a-uuid",
        "",
        MESSAGE_ID.upper(),
        MESSAGE_ID + "0",
        "{" + MESSAGE_ID[1:-1] + "}",
        "-" * 36,
        "0" * 36,
        MESSAGE_ID.replace("-", "") + "abcd",
    ],
)
def test_a_message_id_that_is_not_a_uuid_is_refused(message_id: str) -> None:
    assert refusal(a_payload(message_id=message_id)).startswith("message_id:")


def test_an_unknown_message_type_is_refused() -> None:
    assert refusal(a_payload(type="request.cancel")).startswith("type:")


@pytest.mark.parametrize("status", ["pending", "SENT", "", "acknowledged"])
def test_a_step_status_that_is_not_a_status_is_refused(status: str) -> None:
    body = {**encode(a_message())["body"], "status": status}
    assert refusal(a_payload(body=body)).startswith("body.status:")


def test_a_step_body_under_request_submit_is_refused() -> None:
    payload = a_payload(type=str(MessageType.REQUEST_SUBMIT))
    assert refusal(payload).startswith("body.")


def test_a_submit_body_missing_a_member_is_refused_by_path() -> None:
    payload = encode(a_message(MessageType.REQUEST_SUBMIT))
    del payload["body"]["reference"]
    assert refusal(payload).startswith("body.reference:")


def test_a_submit_body_with_an_unknown_channel_is_refused_by_path() -> None:
    payload = encode(a_message(MessageType.REQUEST_SUBMIT))
    payload["body"]["channel"] = "carrier_pigeon"
    assert refusal(payload).startswith("body.channel:")


def test_a_body_that_is_not_an_object_is_refused() -> None:
    assert refusal(a_payload(body=["exchange_id", "req-1"])).startswith("body:")


def test_a_step_reason_longer_than_20000_characters_is_refused() -> None:
    body = {**encode(a_message())["body"], "reason": "x" * 20_001}
    assert refusal(a_payload(body=body)).startswith("body.reason:")


def test_an_empty_payload_names_the_first_missing_member() -> None:
    assert refusal({}).startswith("v:")


def test_a_refusal_is_schema_invalid() -> None:
    with pytest.raises(SchemaInvalidError) as caught:
        decode(a_payload(v=2))
    assert caught.value.code == "SCHEMA_INVALID"


def test_a_payload_that_is_not_an_object_is_refused_as_a_whole() -> None:
    assert refusal(["v", 1]).startswith("payload:")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "step",
    [
        {
            "code": "Confirm",
            "side": "requested",
            "actor_id": "a",
            "at": "2026-03-01T10:00:00Z",
            "values": {},
        },
        {
            "code": "confirm",
            "side": "nobody",
            "actor_id": "a",
            "at": "2026-03-01T10:00:00Z",
            "values": {},
        },
        {
            "code": "confirm",
            "side": "requested",
            "actor_id": "a",
            "at": "2026-03-01T10:00:00",
            "values": {},
        },
        {
            "code": "confirm",
            "side": "requested",
            "actor_id": "a",
            "at": "2026-03-01T10:00:00Z",
            "values": {"x": [1]},
        },
        {
            "code": "confirm",
            "side": "requested",
            "actor_id": "a",
            "at": "2026-03-01T10:00:00Z",
            "values": {},
            "extra": 1,
        },
    ],
)
def test_a_malformed_practice_step_is_refused_before_any_service_sees_it(
    step: dict[str, Any],
) -> None:
    payload = encode(a_message(MessageType.REQUEST_PRACTICE))
    payload["body"]["step"] = step
    with pytest.raises(SchemaInvalidError) as caught:
        decode(payload)
    assert "body.step" in caught.value.detail


def test_a_statement_body_carries_the_exchange_id_and_the_signed_token() -> None:
    body = encode(a_message(MessageType.REQUEST_STATEMENT))["body"]
    assert body == {"exchange_id": "req-1", "token": STATEMENT.token}


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not a token",
        "only.two",
        "a.b.c.d",
        "eyJhbGciOiJFZERTQSJ9.eyJ2IjoxfQ.c2ln=",
        "eyJhbGciOiJFZERTQSJ9.eyJ2IjoxfQ.c2ln+/",
        "eyJhbGciOiJFZERTQSJ9.eyJ2IjoxfQ.\nc2ln",
        "a." + "b" * STATEMENT_TOKEN_MAX + ".c",
        None,
        {"payload": "x"},
    ],
)
def test_a_malformed_or_oversized_statement_token_is_refused(token: object) -> None:
    payload = encode(a_message(MessageType.REQUEST_STATEMENT))
    payload["body"]["token"] = token
    assert refusal(payload).startswith("body.token:")


def test_a_statement_body_without_its_token_or_with_extra_members_is_refused() -> None:
    payload = encode(a_message(MessageType.REQUEST_STATEMENT))
    del payload["body"]["token"]
    assert refusal(payload).startswith("body.token:")
    payload = encode(a_message(MessageType.REQUEST_STATEMENT))
    payload["body"]["statement"] = {"lines": []}
    assert refusal(payload).startswith("body.statement:")
