"""The messages States exchange, as plain data (the wire format lives in ``transport.wire``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from comity.domain.delivery import MessageType
from comity.domain.values import Channel, Urgency
from comity.domain.workflow import Status


@dataclass(frozen=True)
class SubmitBody:
    """A request sent to the requested State (``request.submit``)."""

    exchange_id: str
    reference: str
    type_code: str
    urgency: Urgency
    channel: Channel
    authority: str
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class StepBody:
    """One step one State took on its copy of a request, for the other State to mirror.

    Carried by ``request.status``, ``request.info_request`` (questions in ``reason``),
    ``request.info_response`` (answers in ``reason``), ``request.decision`` (grounds and
    conditions in ``detail``) and ``request.withdraw``.
    """

    exchange_id: str
    status: Status
    reason: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OriginalBody:
    """The formal original of a request first sent ahead as a copy (``request.original``)."""

    exchange_id: str


@dataclass(frozen=True)
class PracticeBody:
    """One step of a form's practice life cycle (``request.practice``): ``step`` is the
    step as ``practice.lifecycle.Step.to_dict`` writes it."""

    exchange_id: str
    lifecycle: str
    step: Mapping[str, Any]


# The largest signed statement a ``request.statement`` carries, in bytes (registers are
# bounded so that any valid one fits: ``practice.asset_input.MAX_ITEMS``).
STATEMENT_TOKEN_MAX = 256 * 1024


@dataclass(frozen=True)
class StatementBody:
    """An asset-disposal statement (``request.statement``): ``token`` is the compact JWS by
    which the issuing State signed it (``practice.asset_statement``)."""

    exchange_id: str
    token: str


Body = SubmitBody | StepBody | OriginalBody | PracticeBody | StatementBody


@dataclass(frozen=True)
class Message:
    """An envelope's payload: who sends what to whom, when, under which framework profile."""

    message_id: str
    sender_state: str
    recipient_state: str
    type: MessageType
    created_at: datetime
    profile: str
    body: Body
