"""Helpers of the access walk: two real nodes in one process, requests put in every status on
both sides of XA through the services and the federation, and one call per matrix operation
through the API (bearer token, problem+json) or the officers' pages (session cookie, CSRF).

XA is the node walked. Its requesting-side requests go to XB, whose officers take the
requested State's decisions so that XA's copy mirrors them; its requested-side requests come
from XB, and XA's own officers take their steps. Every request belongs to XA's central
authority; the walk's users hold one role each, in that authority (``own``) or in the
prosecutor's office of the same node (``other``).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
from sqlalchemy import text

from comity.domain.access import Action
from comity.domain.access_matrix import Cell, Operation, Outcome, Relation, expected
from comity.domain.commands import AddUser, CreateDraft, MoveRequest
from comity.domain.events import DataAccessed
from comity.domain.values import Role, Side
from comity.domain.workflow import Status
from comity.services import delivery, exchange, requests, users
from comity.services.demo import example_mla_fields
from comity.web.app import create_app
from comity.web.ui.incoming import checklist
from tests.federation_harness import PASSWORD, FedNode, create_network, node_settings, open_nodes

S = Status
REASON = "Walked by the access matrix test."
AUTHORITY = {Relation.OWN: "central", Relation.OTHER: "prosecutor"}


def username(role: Role, relation: Relation) -> str:
    """The walk's user of ``role`` in the authority ``relation`` names."""
    return f"walk-{relation}-{role}".replace("_", "-")


def open_pair(root: Path) -> tuple[FedNode, FedNode]:
    """XA and XB on one signed directory, connected in-process, with the walk's users on XA."""
    states = {
        state: node_settings(root, state, port) for state, port in (("XA", 8451), ("XB", 8452))
    }
    create_network(root, states)
    nodes = open_nodes(states)
    xa = nodes["XA"]
    for relation, authority in AUTHORITY.items():
        for role in Role:
            name = username(role, relation)
            xa.people[name] = users.add_user(
                xa.ctx,
                command=AddUser(name, PASSWORD, frozenset({role}), authority_code=authority),
            )
    return xa, nodes["XB"]


# -- requests in every status -------------------------------------------------------------------


@dataclass
class Handle:
    """One request being built: its id on XA, and the other State's copy or original on XB."""

    side: Side
    target: Status
    xa_id: str = ""
    xb_id: str = ""


Step = Callable[["Builder", Handle], None]


def _by_exchange(node: FedNode, state: str, exchange_id: str) -> str:
    with node.ctx.uow() as uow:
        copy = uow.requests.by_exchange(state, exchange_id)
    assert copy is not None, f"{node.state} has no copy of {state}'s {exchange_id}"
    return str(copy.id)


class Builder:
    """Puts requests of XA in given statuses, all at once: one step of each request's path
    per round, then the relays of both nodes, so every message crosses between rounds."""

    def __init__(self, xa: FedNode, xb: FedNode) -> None:
        self.xa, self.xb = xa, xb
        self.due = (datetime.now(UTC) + timedelta(days=30)).isoformat()

    def build(self, targets: Sequence[tuple[Side, Status]]) -> list[Handle]:
        handles = [Handle(side, status) for side, status in targets]
        paths = [PATHS[(side, status)] for side, status in targets]
        for round_ in range(max(len(path) for path in paths)):
            for handle, path in zip(handles, paths, strict=True):
                if round_ < len(path):
                    path[round_](self, handle)
            self.relay()
        for handle in handles:
            self.resolve(handle)
            status = self.status(handle.xa_id)
            assert status is handle.target, f"{handle}: built {status}"
        return handles

    def relay(self) -> None:
        # Each pass tries a batch of the due messages: loop until none is left on either node.
        for _ in range(1000):
            if delivery.deliver_due(self.xa.ctx) + delivery.deliver_due(self.xb.ctx) == 0:
                return
        raise AssertionError("the relays never ran dry")

    def resolve(self, handle: Handle) -> None:
        if handle.side is Side.REQUESTING and not handle.xb_id and self._sent(handle):
            handle.xb_id = _by_exchange(self.xb, "XA", handle.xa_id)
        if handle.side is Side.REQUESTED and not handle.xa_id:
            handle.xa_id = _by_exchange(self.xa, "XB", handle.xb_id)

    def _sent(self, handle: Handle) -> bool:
        return self.status(handle.xa_id) not in (S.DRAFT, S.AWAITING_APPROVAL, S.APPROVED)

    def status(self, request_id: str) -> Status:
        with self.xa.ctx.uow() as uow:
            request = uow.requests.get(request_id)
        assert request is not None
        return request.status

    # The steps of the paths.

    def draft(self, node: FedNode, to: str) -> str:
        view = requests.create_draft(
            node.ctx,
            actor=node.people["drafter"],
            command=CreateDraft(
                type_code="mla", requested_state=to, fields=example_mla_fields(node.state)
            ),
        )
        return str(view.request.id)

    def move(self, node: FedNode, request_id: str, to: Status, **detail: Any) -> None:
        reason = REASON if to in (S.POSTPONED, S.CONDITIONS_PROPOSED, S.REFUSED) else ""
        requests.process(
            node.ctx,
            actor=node.people["executor"],
            command=MoveRequest(request_id, to, reason, detail),
        )


def _xa_draft(b: Builder, h: Handle) -> None:
    h.xa_id = b.draft(b.xa, "XB")


def _xa(operation: Callable[..., Any], actor: str, **kwargs: Any) -> Step:
    def step(b: Builder, h: Handle) -> None:
        operation(b.xa.ctx, actor=b.xa.people[actor], request_id=h.xa_id, **kwargs)

    return step


def _xb_request(b: Builder, h: Handle) -> None:
    h.xb_id = b.draft(b.xb, "XA")
    requests.submit(b.xb.ctx, actor=b.xb.people["drafter"], request_id=h.xb_id)
    requests.approve(b.xb.ctx, actor=b.xb.people["approver"], request_id=h.xb_id)
    exchange.send(b.xb.ctx, actor=b.xb.people["approver"], request_id=h.xb_id)


def _decide(to: Status, on: str) -> Step:
    """A step of the requested State: XB's on XA's request, or XA's on XB's."""

    def step(b: Builder, h: Handle) -> None:
        b.resolve(h)
        node, request_id = (b.xb, h.xb_id) if on == "XB" else (b.xa, h.xa_id)
        detail: dict[str, Any] = {}
        if to in (S.MORE_INFO_REQUESTED, S.POSTPONED):
            detail["due_at"] = b.due
        if to is S.CONDITIONS_PROPOSED:
            detail["conditions"] = "Use only in the proceedings named."
        if to is S.REFUSED:
            detail["grounds"] = ["essential_interests"]
            detail["consultation_not_appropriate"] = "No condition could protect it."
        if to is S.ACCEPTED_IN_PART:
            detail["items"] = [
                {"item": "bank records", "decision": "granted"},
                {"item": "interception", "decision": "refused", "reason": "Not available."},
            ]
        b.move(node, request_id, to, **detail)

    return step


def _xb_requesting(operation: Callable[..., Any], **kwargs: Any) -> Step:
    def step(b: Builder, h: Handle) -> None:
        operation(b.xb.ctx, actor=b.xb.people["drafter"], request_id=h.xb_id, **kwargs)

    return step


def _paths() -> dict[tuple[Side, Status], list[Step]]:
    submit = _xa(requests.submit, "drafter")
    approve = _xa(requests.approve, "approver")
    send = _xa(exchange.send, "approver")
    sent = [_xa_draft, submit, approve, send]

    def xb(*statuses: Status) -> list[Step]:
        return [_decide(status, "XB") for status in statuses]

    assessed = [*sent, *xb(S.REGISTERED, S.UNDER_ASSESSMENT)]
    executed = [*assessed, *xb(S.ACCEPTED, S.IN_EXECUTION, S.EXECUTED)]
    requesting = {
        S.DRAFT: [_xa_draft],
        S.AWAITING_APPROVAL: [_xa_draft, submit],
        S.APPROVED: [_xa_draft, submit, approve],
        S.SENT: sent,
        S.MORE_INFO_REQUESTED: [*assessed, *xb(S.MORE_INFO_REQUESTED)],
        S.POSTPONED: [*assessed, *xb(S.POSTPONED)],
        S.CONDITIONS_PROPOSED: [*assessed, *xb(S.CONDITIONS_PROPOSED)],
        S.ACCEPTED: [*assessed, *xb(S.ACCEPTED)],
        S.ACCEPTED_IN_PART: [*assessed, *xb(S.ACCEPTED_IN_PART)],
        S.IN_EXECUTION: [*assessed, *xb(S.ACCEPTED, S.IN_EXECUTION)],
        S.EXECUTED: executed,
        S.REFUSED: [*assessed, *xb(S.REFUSED)],
        S.EXPIRED: [*assessed, *xb(S.MORE_INFO_REQUESTED, S.EXPIRED)],
        S.WITHDRAWN: [*sent, _xa(requests.withdraw, "drafter", reason=REASON)],
        S.CLOSED: [*executed, _xa(exchange.close, "drafter")],
    }

    def xa(*statuses: Status) -> list[Step]:
        return [_decide(status, "XA") for status in statuses]

    received: list[Step] = [_xb_request]
    assessing = [*received, *xa(S.REGISTERED, S.UNDER_ASSESSMENT)]
    done = [*assessing, *xa(S.ACCEPTED, S.IN_EXECUTION, S.EXECUTED)]
    asked = [*assessing, *xa(S.MORE_INFO_REQUESTED)]
    requested = {
        S.RECEIVED: received,
        S.REGISTERED: [*received, *xa(S.REGISTERED)],
        S.UNDER_ASSESSMENT: assessing,
        S.MORE_INFO_REQUESTED: asked,
        S.INFO_SUPPLIED: [
            *asked,
            _xb_requesting(exchange.supply_information, answers="The accounts ending 42."),
        ],
        S.POSTPONED: [*assessing, *xa(S.POSTPONED)],
        S.CONDITIONS_PROPOSED: [*assessing, *xa(S.CONDITIONS_PROPOSED)],
        S.ACCEPTED: [*assessing, *xa(S.ACCEPTED)],
        S.ACCEPTED_IN_PART: [*assessing, *xa(S.ACCEPTED_IN_PART)],
        S.IN_EXECUTION: [*assessing, *xa(S.ACCEPTED, S.IN_EXECUTION)],
        S.EXECUTED: done,
        S.REFUSED: [*assessing, *xa(S.REFUSED)],
        S.EXPIRED: [*asked, *xa(S.EXPIRED)],
        S.WITHDRAWN: [*received, _xb_requesting(requests.withdraw, reason=REASON)],
        S.CLOSED: [*done, *xa(S.CLOSED)],
    }
    paths = {(Side.REQUESTING, status): path for status, path in requesting.items()}
    paths.update({(Side.REQUESTED, status): path for status, path in requested.items()})
    return paths


PATHS = _paths()


# -- what a call changed ------------------------------------------------------------------------

# Reading a request is recorded in the DPO's register and the audit log (a page reads the
# request it shows before and after a refused step): a record of the reading, not a change.
READ_TAG = DataAccessed.tag


@dataclass(frozen=True)
class Trace:
    """What a refused call must leave as it was: the request's row and history, the audit
    log (but for records of readings), the outbox and the number of requests."""

    status: str
    version: int
    updated_at: Any
    history: int
    audit: int
    outbox: int
    requests: int


# One statement, compiled once: the walk takes two traces per cell, thousands of cells.
_TRACE = text(
    """
    SELECT
      (SELECT status FROM cooperation_request WHERE id = :id),
      (SELECT version FROM cooperation_request WHERE id = :id),
      (SELECT updated_at FROM cooperation_request WHERE id = :id),
      (SELECT count(*) FROM request_history WHERE request_id = :id),
      (SELECT count(*) FROM audit_leaf WHERE tag != :read),
      (SELECT count(*) FROM outbox_message),
      (SELECT count(*) FROM cooperation_request)
    """
)


def trace(node: FedNode, request_id: str) -> Trace:
    """The request's trace now (a missing request has an empty row)."""
    with node.container.engine.connect() as db:
        row = db.execute(_TRACE, {"id": request_id, "read": READ_TAG}).one()
    status, version, updated, history, audit, outbox, total = row
    return Trace(str(status or ""), int(version or 0), updated, history, audit, outbox, total)


# -- the two channels ---------------------------------------------------------------------------


@dataclass
class Answer:
    """What a call got: the HTTP status and, where the channel says it, the problem code."""

    status: int
    code: str = ""
    text: str = ""


def _due(days: int = 20) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


@dataclass
class Channel(ABC):
    """One way in: the API or the pages. ``call`` runs one operation as one user."""

    name: str
    xa: FedNode
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)
    _app: Any = None

    def client(self, base_url: str) -> httpx.AsyncClient:
        """A client of XA's app in this event loop: no thread per call, so a walk of
        thousands of calls stays within its time budget."""
        if self._app is None:
            self._app = create_app(self.xa.container)
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self._app), base_url=base_url)

    @abstractmethod
    async def sign_in(self, name: str) -> None:
        """Open the user's session before the walk (signing in is audited: not in a cell)."""

    async def prepare(self, cell: Cell, request_id: str) -> dict[str, str]:
        """What the call needs to know beforehand (read before the call's trace is taken)."""
        return {}

    @abstractmethod
    async def call(self, cell: Cell, request_id: str, known: dict[str, str]) -> Answer:
        """Run the cell's operation on ``request_id`` as the cell's user."""

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()


def _post_body(operation: Operation) -> dict[str, Any] | None:
    if operation.moves_to is not None and operation.action is Action.PROCESS:
        body: dict[str, Any] = {"to": str(operation.moves_to), "reason": REASON}
        if operation.moves_to is S.MORE_INFO_REQUESTED:
            body["due_at"] = _due().isoformat()
        return body
    bodies: dict[str, dict[str, Any] | None] = {
        "approve": {"comment": "Four eyes."},
        "return": {"reason": REASON},
        "withdraw": {"reason": REASON},
        "supply_information": {"answers": "The accounts ending 42."},
        "accept_conditions": {"reason": REASON},
        "close": {"reason": REASON},
    }
    return bodies.get(operation.name)


_API_PATHS = {
    "submit": "submit",
    "approve": "approve",
    "return": "return",
    "send": "send",
    "withdraw": "withdraw",
    "supply_information": "supply-information",
    "accept_conditions": "accept-conditions",
    "close": "close",
    "acknowledge": "acknowledge",
}


class Api(Channel):
    """The API under /api/v1 with a bearer token per user."""

    async def sign_in(self, name: str) -> None:
        client = self.client("http://testserver")
        answer = await client.post(
            "/api/v1/auth/token", json={"username": name, "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        self.clients[name] = client

    async def call(self, cell: Cell, request_id: str, known: dict[str, str]) -> Answer:
        client = self.clients[username(cell.role, cell.relation)]
        operation, base = cell.operation, f"/api/v1/requests/{request_id}"
        if operation.name == "create":
            body = {"type": "mla", "requested_state": "XB"}
            response = await client.post("/api/v1/requests", json=body)
        elif operation.name == "view":
            response = await client.get(base)
        elif operation.name == "edit":
            patch = {"fields": {"facts_summary": "Edited by the walk."}}
            response = await client.patch(base, json=patch)
        else:
            path = _API_PATHS.get(operation.name, "transitions")
            response = await client.post(f"{base}/{path}", json=_post_body(operation))
        code = ""
        if response.headers.get("content-type", "").startswith("application/problem+json"):
            code = str(response.json().get("code", ""))
        return Answer(response.status_code, code, response.text[:300])


def csrf_of(page: str) -> str:
    """The CSRF token of the first form on ``page``."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, page[:500]
    return found.group(1)


class Pages(Channel):
    """The officers' pages: a signed-in browser per user, forms posted with the CSRF token."""

    async def sign_in(self, name: str) -> None:
        # The session cookie is __Host- and Secure: the browser speaks https.
        client = self.client("https://testserver")
        form = await client.get("/login")
        answer = await client.post(
            "/login",
            data={"username": name, "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        )
        assert answer.status_code == 303, answer.text[:500]
        # The auditor's home is the audit page: any page with a form carries the token.
        home = await client.get("/", follow_redirects=True)
        self.extra[name] = csrf_of(home.text)
        self.clients[name] = client

    async def prepare(self, cell: Cell, request_id: str) -> dict[str, str]:
        """The draft's version for an edit; the checklist's codes for a decision (read from
        the page the officer would have seen)."""
        if cell.operation.name == "edit":
            return {"version": str(trace(self.xa, request_id).version)}
        decides = cell.operation.moves_to is S.ACCEPTED and cell.operation.action is Action.PROCESS
        # Only a user the step is open to reaches the form's checks; the others are refused
        # before, whatever they post.
        if decides and expected(cell).outcome in (Outcome.ALLOWED, Outcome.CONFLICT):
            # Every ground of the checklist confirmed, as the decision form asks, so that the
            # step itself (not the form) answers whatever the status.
            view = requests.get(
                self.xa.ctx, actor=self.xa.people["executor"], request_id=request_id
            )
            codes = [check.code for check in checklist(self.xa.ctx, view.request, view.findings)]
            return {"checked": ",".join(codes)}
        return {}

    async def call(self, cell: Cell, request_id: str, known: dict[str, str]) -> Answer:
        name = username(cell.role, cell.relation)
        client = self.clients[name]
        operation = cell.operation
        step = operation.name
        if step == "view":
            response = await client.get(f"/requests/{request_id}")
            return Answer(response.status_code, text=response.text[:300])
        url, form = self.form(step, operation, request_id, known)
        form["csrf_token"] = self.extra[name]
        response = await client.post(url, data=form)
        return Answer(response.status_code, text=_alert(response.text))

    @staticmethod
    def form(
        step: str, operation: Operation, request_id: str, known: dict[str, str]
    ) -> tuple[str, dict[str, Any]]:
        """The URL and the fields of the form that takes ``step``."""
        if step == "create":
            return "/drafts", {"type_code": "mla", "requested_state": "XB"}
        if step == "edit":
            version = known.get("version", "0")
            # A real change (the urgency), so that the form reaches the service.
            fields = {"step": "1", "version": version, "action": "save", "urgency": "urgent"}
            return f"/drafts/{request_id}", fields
        if step == "submit":
            return f"/drafts/{request_id}/submit", {}
        if step in ("approve", "return", "send"):
            return f"/approvals/{request_id}/{step}", {"comment": "Four eyes.", "reason": REASON}
        if step == "supply_information":
            return f"/requests/{request_id}/information", {"answers": "The accounts ending 42."}
        if step in ("withdraw", "accept_conditions", "close"):
            return f"/requests/{request_id}/follow-up", {"action": step, f"{step}_reason": REASON}
        if step == "acknowledge":
            return f"/desk/{request_id}/acknowledge", {}
        target = operation.moves_to
        assert target is not None
        url = f"/incoming/{request_id}/steps"
        if target is S.ACCEPTED:
            checked = [code for code in known.get("checked", "").split(",") if code]
            return url, {
                "step": "decide",
                "decision": str(target),
                "reasons": REASON,
                "checked": checked,
            }
        due = _due().date().isoformat()
        return url, {"step": str(target), "reason": REASON, "questions": REASON, "due": due}


def _alert(page: str) -> str:
    """The page's alert, where it has one (why a step was refused), else its start."""
    found = re.search(r'role="alert"[^>]*>(.*?)<', page, re.S)
    return found.group(1).strip()[:200] if found else page[:120]
