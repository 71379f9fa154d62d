"""``comity request list|show|create``: requests, acting as one of the node's users."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from comity.cli.context import DirOption, console, open_node, print_json, reports_errors
from comity.domain.commands import CreateDraft
from comity.domain.errors import FieldIssue, InvalidFieldsError
from comity.domain.values import Channel, Urgency
from comity.domain.workflow import Status
from comity.services import requests, users
from comity.services.ports import RequestQuery
from comity.services.requests import RequestView

app = typer.Typer(help="Work with cooperation requests.", no_args_is_help=True)

AsUser = Annotated[str, typer.Option("--as", help="Act as this user of the node.")]


@app.command("list")
@reports_errors
def list_requests(
    data_dir: DirOption,
    as_user: AsUser,
    status: Annotated[Status | None, typer.Option(help="Only this status.")] = None,
    q: Annotated[str | None, typer.Option(help="Full-text search.")] = None,
) -> None:
    """List the requests the user's authority holds."""
    with open_node(data_dir) as container:
        ctx = container.services
        actor = users.user_by_name(ctx, username=as_user)
        views = requests.find(
            ctx,
            actor=actor,
            query=RequestQuery(authority_id=actor.authority_id, status=status, text=q),
        )
    table = Table()
    for column in ("reference", "type", "side", "to/from", "status", "missing"):
        table.add_column(column)
    for view in views:
        request = view.request
        other = (
            request.requested_state if request.side == "requesting" else request.requesting_state
        )
        table.add_row(
            request.reference,
            request.type_code,
            request.side,
            other,
            request.status,
            str(len(view.missing)),
        )
    console.print(table)


@app.command("show")
@reports_errors
def show(
    request_id: Annotated[str, typer.Argument(help="The request's id.")],
    data_dir: DirOption,
    as_user: AsUser,
) -> None:
    """Show a request with its history, missing fields and deadlines, as JSON."""
    with open_node(data_dir) as container:
        ctx = container.services
        actor = users.user_by_name(ctx, username=as_user)
        print_json(_as_json(requests.get(ctx, actor=actor, request_id=request_id)))


@app.command("create")
@reports_errors
def create(
    from_json: Annotated[Path, typer.Option("--from-json", help="A file like the API's body.")],
    data_dir: DirOption,
    as_user: AsUser,
) -> None:
    """Create a draft from a JSON file: {"type", "requested_state", "fields", …}."""
    body = _read_body(from_json)
    with open_node(data_dir) as container:
        ctx = container.services
        actor = users.user_by_name(ctx, username=as_user)
        view = requests.create_draft(ctx, actor=actor, command=_command(body))
    console.print(f"Draft {view.request.reference} created: {view.request.id}")
    for issue in view.missing:
        console.print(f"  still missing: {issue.path}", highlight=False)


def _read_body(path: Path) -> dict[str, Any]:
    try:
        body = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise typer.BadParameter(f"cannot read {path}: {error}") from None
    if not isinstance(body, dict):
        raise typer.BadParameter(f"{path} must hold a JSON object")
    return body


def _command(body: dict[str, Any]) -> CreateDraft:
    allowed = {"type", "requested_state", "profile", "urgency", "channel", "fields"}
    issues = [FieldIssue(key, "unknown", "no such member") for key in body if key not in allowed]
    for key in ("type", "requested_state"):
        if not isinstance(body.get(key), str):
            issues.append(FieldIssue(key, "missing", "a string is required"))
    if not isinstance(body.get("fields", {}), dict):
        issues.append(FieldIssue("fields", "invalid", "must be an object"))
    try:
        urgency = Urgency(body["urgency"]) if body.get("urgency") else None
        channel = Channel(body["channel"]) if body.get("channel") else None
    except ValueError as error:
        issues.append(FieldIssue("urgency/channel", "invalid", str(error)))
        urgency = channel = None
    if issues:
        raise InvalidFieldsError(tuple(issues))
    return CreateDraft(
        type_code=body["type"],
        requested_state=body["requested_state"],
        profile=body.get("profile"),
        urgency=urgency,
        channel=channel,
        fields=body.get("fields", {}),
    )


def _as_json(view: RequestView) -> dict[str, Any]:
    request = view.request
    return {
        "id": request.id,
        "reference": request.reference,
        "side": request.side,
        "type": request.type_code,
        "profile": request.profile,
        "requesting_state": request.requesting_state,
        "requested_state": request.requested_state,
        "urgency": request.urgency,
        "channel": request.channel,
        "status": request.status,
        "fields": request.fields,
        "legal_basis": list(view.legal_basis),
        "missing": [issue.path for issue in view.missing],
        "deadlines": [
            {"code": item.code, "label": item.label, "due_at": item.due_at.isoformat()}
            for item in view.deadlines
        ],
        "history": [
            {
                "from": entry.from_status,
                "to": entry.to_status,
                "actor": entry.actor_id,
                "at": entry.at.isoformat(),
                "reason": entry.reason,
            }
            for entry in request.history
        ],
    }
