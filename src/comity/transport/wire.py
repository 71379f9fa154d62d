"""Wire format version 1 of the messages between nodes: strict models, versioned on their own.

The domain's message dataclasses are what services use; these models only check that a
verified payload has exactly the expected shape (unknown members are refused, so two versions
never silently mix) and convert it.
"""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from comity.domain.delivery import MessageType
from comity.domain.errors import SchemaInvalidError
from comity.domain.messages import (
    STATEMENT_TOKEN_MAX,
    Message,
    OriginalBody,
    PracticeBody,
    StatementBody,
    StepBody,
    SubmitBody,
)
from comity.domain.values import Channel, Urgency
from comity.domain.workflow import Status

VERSION = 1

StateCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
Id = Annotated[str, Field(min_length=1, max_length=64)]
Text = Annotated[str, Field(max_length=20_000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SubmitWire(_Strict):
    exchange_id: Id
    reference: Annotated[str, Field(min_length=1, max_length=40)]
    type_code: Annotated[str, Field(min_length=1, max_length=40)]
    urgency: Urgency
    channel: Channel
    authority: Annotated[str, Field(min_length=1, max_length=40)]
    fields: dict[str, Any]


class StepWire(_Strict):
    exchange_id: Id
    status: Status
    reason: Text = ""
    detail: dict[str, Any] = Field(default_factory=dict)


class OriginalWire(_Strict):
    exchange_id: Id


class PracticeStepWire(_Strict):
    code: Annotated[str, Field(pattern=r"^[a-z][a-z_]{0,39}$")]
    side: Literal["requesting", "requested", "system"]
    actor_id: Annotated[str, Field(min_length=1, max_length=80)]
    at: AwareDatetime
    values: dict[str, str | int | bool]


class PracticeWire(_Strict):
    exchange_id: Id
    lifecycle: Annotated[str, Field(pattern=r"^[a-z][a-z_]{0,39}$")]
    step: PracticeStepWire


class StatementWire(_Strict):
    exchange_id: Id
    # A compact JWS: three base64url segments. Its signature is checked by the service with
    # the sender's key; here only its size and alphabet.
    token: Annotated[
        str,
        Field(
            min_length=5,
            max_length=STATEMENT_TOKEN_MAX,
            pattern=r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$",
        ),
    ]


class MessageWire(_Strict):
    v: Literal[1]
    message_id: Annotated[
        str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    ]
    sender_state: StateCode
    recipient_state: StateCode
    type: MessageType
    created_at: AwareDatetime
    profile: Annotated[str, Field(min_length=1, max_length=40)]
    body: dict[str, Any]


_BODIES: dict[MessageType, type[_Strict]] = {
    MessageType.REQUEST_SUBMIT: SubmitWire,
    MessageType.REQUEST_ORIGINAL: OriginalWire,
    MessageType.REQUEST_PRACTICE: PracticeWire,
    MessageType.REQUEST_STATEMENT: StatementWire,
}


def encode(message: Message) -> dict[str, Any]:
    """The JSON payload of ``message`` (what the envelope signs and encrypts)."""
    body = message.body
    if isinstance(body, SubmitBody):
        body_json: dict[str, Any] = {
            "exchange_id": body.exchange_id,
            "reference": body.reference,
            "type_code": body.type_code,
            "urgency": str(body.urgency),
            "channel": str(body.channel),
            "authority": body.authority,
            "fields": dict(body.fields),
        }
    elif isinstance(body, StepBody):
        body_json = {
            "exchange_id": body.exchange_id,
            "status": str(body.status),
            "reason": body.reason,
            "detail": dict(body.detail),
        }
    elif isinstance(body, PracticeBody):
        body_json = {
            "exchange_id": body.exchange_id,
            "lifecycle": body.lifecycle,
            "step": dict(body.step),
        }
    elif isinstance(body, StatementBody):
        body_json = {"exchange_id": body.exchange_id, "token": body.token}
    else:
        body_json = {"exchange_id": body.exchange_id}
    return {
        "v": VERSION,
        "message_id": message.message_id,
        "sender_state": message.sender_state,
        "recipient_state": message.recipient_state,
        "type": str(message.type),
        "created_at": message.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "profile": message.profile,
        "body": body_json,
    }


def decode(payload: dict[str, Any]) -> Message:
    """The message in a verified payload; ``SCHEMA_INVALID`` names the first broken path."""
    # Body errors are reported under ``body.`` so the path names the member in the payload.
    within: tuple[str, ...] = ()
    try:
        outer = MessageWire.model_validate(payload)
        within = ("body",)
        body_model = _BODIES.get(outer.type, StepWire).model_validate(outer.body)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in (*within, *first["loc"])) or "payload"
        raise SchemaInvalidError(f"{where}: {first['msg']}") from None
    body: SubmitBody | StepBody | OriginalBody | PracticeBody | StatementBody
    if isinstance(body_model, SubmitWire):
        body = SubmitBody(**body_model.model_dump())
    elif isinstance(body_model, StepWire):
        body = StepBody(**body_model.model_dump())
    elif isinstance(body_model, PracticeWire):
        step = dict(outer.body["step"])
        body = PracticeBody(body_model.exchange_id, body_model.lifecycle, step)
    elif isinstance(body_model, StatementWire):
        body = StatementBody(body_model.exchange_id, body_model.token)
    else:
        body = OriginalBody(exchange_id=OriginalWire.model_validate(outer.body).exchange_id)
    return Message(
        message_id=outer.message_id,
        sender_state=outer.sender_state,
        recipient_state=outer.recipient_state,
        type=outer.type,
        created_at=outer.created_at.astimezone(UTC),
        profile=outer.profile,
        body=body,
    )
