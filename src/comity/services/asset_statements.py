"""Asset-disposal statements between the two States of an ``asset_return`` request (issue 8,
item 7: "every amount computed by the node from the recorded figures, shown as a signed
statement to both States"; decision 0009 §4).

The requested State, which holds the confiscated assets, records the register's figures; its
node computes the disposal, signs the register, the statement and its digest with its key,
keeps them, audits the issue and sends the signed statement to the requesting State, all in
one commit. The requesting State's node verifies the signature with the sender's published
key, recomputes the disposal from the register it carries and keeps the statement only if it
comes out exactly the same, digest included: each State checks the arithmetic itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from comity.domain.access import Action, User
from comity.domain.delivery import MessageType
from comity.domain.errors import (
    ConflictError,
    FieldIssue,
    IllegalTransitionError,
    InvalidFieldsError,
    NotFoundError,
    StatementInvalidError,
    TrustError,
)
from comity.domain.events import AssetStatementIssued, AssetStatementReceived
from comity.domain.messages import STATEMENT_TOKEN_MAX, StatementBody
from comity.domain.practice.asset_input import parse_register
from comity.domain.practice.asset_return import DisposalStatement, LineKind
from comity.domain.practice.asset_statement import STATEMENT_TYP, build_payload, check_payload
from comity.domain.requests import CooperationRequest
from comity.domain.values import Side
from comity.domain.workflow import Status
from comity.services.asset_statement_ports import StoredStatement
from comity.services.context import ServiceContext
from comity.services.outgoing import federation, queue, trusted_directory
from comity.services.ports import UnitOfWork
from comity.services.requests import load

# The catalogue's form of cooperation whose requests carry asset-disposal statements (T23).
ASSET_RETURN = "asset_return"
# The requested State disposes of assets it decided to return: a statement is issued once the
# request is accepted (in whole or in part), while it is executed, and once it was.
ISSUABLE = frozenset(
    {Status.ACCEPTED, Status.ACCEPTED_IN_PART, Status.IN_EXECUTION, Status.EXECUTED}
)


@dataclass(frozen=True)
class IssuedStatement:
    """A statement this node just issued: as kept, as computed, and the message that takes it
    to the other State."""

    stored: StoredStatement
    statement: DisposalStatement
    message_id: str


def issue_statement(
    ctx: ServiceContext, *, actor: User, request_id: str, register: Mapping[str, Any]
) -> IssuedStatement:
    """Compute the disposal of an ``asset_return`` request received here from ``register``
    (plain JSON, ``practice.asset_input``), sign it, keep it, audit it and send it to the
    requesting State, in one commit. Only the requested State's executors and duty officers
    issue a statement, once the request is accepted."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        request = load(uow, actor, request_id, Action.PROCESS)
        _check_asset_return(request)
        if request.status not in ISSUABLE:
            raise IllegalTransitionError(
                f"a statement is issued once the request is accepted, not while it is "
                f"{request.status}"
            )
        if not request.is_exchanged or request.exchange_id is None:
            raise IllegalTransitionError(
                "the request did not come through the network: no node of the requesting "
                "State can receive its statement"
            )
        payload = build_payload(
            parse_register(register),
            profile=request.profile,
            exchange_id=request.exchange_id,
            request_reference=request.reference,
            issued_at=now,
            issuer_state=ctx.state,
        )
        if uow.asset_statements.by_digest(request.id, payload.sha256) is not None:
            raise ConflictError(
                "this statement was already issued: the same figures give the same statement"
            )
        token = federation(ctx).envelopes.sign(payload.to_dict(), typ=STATEMENT_TYP)
        if len(token) > STATEMENT_TOKEN_MAX:
            raise InvalidFieldsError(
                (
                    FieldIssue(
                        "register",
                        "invalid",
                        f"the signed statement would be {len(token)} bytes, over the "
                        f"{STATEMENT_TOKEN_MAX} a message carries: shorten the texts",
                    ),
                )
            )
        stored = StoredStatement(
            id=ctx.ids.new_id(),
            request_id=request.id,
            issued_at=now,
            issuer_state=ctx.state,
            sha256=payload.sha256,
            token=token,
            statement=payload.statement.to_dict(),
        )
        uow.asset_statements.add(stored)
        statement = payload.statement
        uow.record(
            AssetStatementIssued(
                actor.id,
                now,
                stored.id,
                stored.sha256,
                statement.currency,
                f"{statement.total(LineKind.GROSS):f}",
                request_id=request.id,
            )
        )
        message = queue(
            ctx,
            uow,
            request=request,
            message_type=MessageType.REQUEST_STATEMENT,
            body=StatementBody(request.exchange_id, token),
            now=now,
        )
        uow.commit()
    return IssuedStatement(stored, statement, message.message_id)


def receive_statement(
    ctx: ServiceContext,
    uow: UnitOfWork,
    request: CooperationRequest,
    body: StatementBody,
    sender_state: str,
) -> StoredStatement:
    """Keep the statement the requested State sent about ``request`` (this node's copy, on the
    requesting side), once its signature is the sender's and the disposal recomputed here
    from its register gives exactly its statement and digest; ``StatementInvalidError``
    otherwise, which refuses the message with a signed negative answer."""
    if request.type_code != ASSET_RETURN:
        raise StatementInvalidError(f"a {request.type_code} request has no asset statement")
    if request.side is not Side.REQUESTING or request.requested_state != sender_state:
        raise StatementInvalidError(
            "only the requested State, which holds the assets, issues their statement"
        )
    now = ctx.clock.now()
    directory = trusted_directory(ctx, now)
    try:
        verified = federation(ctx).envelopes.verify(
            body.token, directory, state=sender_state, typ=STATEMENT_TYP
        )
    except TrustError as error:
        raise StatementInvalidError(
            f"the statement is not signed by a key of {sender_state} ({error.code})"
        ) from None
    payload = check_payload(
        verified,
        profile=request.profile,
        exchange_id=body.exchange_id,
        request_reference=request.reference,
        issuer_state=sender_state,
    )
    if uow.asset_statements.by_digest(request.id, payload.sha256) is not None:
        raise ConflictError("this statement was received before")
    stored = StoredStatement(
        id=ctx.ids.new_id(),
        request_id=request.id,
        issued_at=payload.issued_at,
        issuer_state=sender_state,
        sha256=payload.sha256,
        token=body.token,
        statement=payload.statement.to_dict(),
    )
    uow.asset_statements.add(stored)
    uow.record(
        AssetStatementReceived(
            f"state:{sender_state}",
            now,
            stored.id,
            sender_state,
            stored.sha256,
            payload.statement.currency,
            f"{payload.statement.total(LineKind.GROSS):f}",
            request_id=request.id,
        )
    )
    return stored


def statements(ctx: ServiceContext, *, actor: User, request_id: str) -> Sequence[StoredStatement]:
    """The request's asset-disposal statements, issued here or received, earliest first."""
    with ctx.uow() as uow:
        request = load(uow, actor, request_id, Action.VIEW)
        _check_asset_return(request)
        return uow.asset_statements.for_request(request.id)


def _check_asset_return(request: CooperationRequest) -> None:
    if request.type_code != ASSET_RETURN:
        raise NotFoundError(f"a {request.type_code} request has no asset-disposal statement")
