"""The mixed load of plan §6 Q-01 on XA of a running demo network (``loadtest.run`` starts it).

Three kinds of users, each on loopback only:

- ``Officer``: signs in through the sign-in form like a browser, then reads the dashboard,
  a request list, a request page and (duty officers) the 24/7 desk, 1-3 s apart.
- ``ApiClient``: a drafter's tool on the officers' API, 70 % reads (list, get) and 30 %
  writes (create a draft, edit it, submit it).
- ``Sender``: XA's drafter and approver sending MLA requests to XB, so that the real relay
  carries signed and encrypted messages over mutual TLS; each message's acknowledgement time
  (from XA's ``submission_accepted`` evidence to its ``delivered`` evidence, both recorded by
  XA) is reported as the operation ``ack inter-node``.

Every operation's name starts with its target group (``UI``, ``API``, ``ack``); each one is
also written, with its status code, to the samples file ``loadtest.report`` reads
(``COMITY_LOAD_SAMPLES``). The network is found through ``COMITY_LOAD_NETWORK`` (the demo
folder with ``credentials.json``).
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

from comity.services.demo import example_mla_fields

API = "/api/v1"
# How long a sent message may take to be acknowledged before it counts as an error.
ACK_TIMEOUT = 30.0
ACK_POLL = 0.1

_samples_lock = threading.Lock()
_samples_file: Any = None


def _credentials() -> dict[str, Any]:
    folder = Path(os.environ["COMITY_LOAD_NETWORK"])
    loaded: dict[str, Any] = json.loads((folder / "credentials.json").read_text("utf-8"))
    return loaded


def _password(state: str, username: str) -> str:
    users = _credentials()[state]["users"]
    return str(next(user["password"] for user in users if user["username"] == username))


def _open_samples(**_: Any) -> None:
    global _samples_file
    path = os.environ.get("COMITY_LOAD_SAMPLES")
    if path:
        # Line-buffered: a soak that is stopped early still leaves every sample so far.
        _samples_file = open(path, "a", encoding="utf-8", buffering=1)


def _close_samples(**_: Any) -> None:
    global _samples_file
    if _samples_file is not None:
        _samples_file.close()
        _samples_file = None


def _record(
    name: str,
    response_time: float,
    response: Any = None,
    exception: BaseException | None = None,
    **_: Any,
) -> None:
    status = int(getattr(response, "status_code", 0) or 0)
    line = json.dumps(
        {"name": name, "ms": response_time, "status": status, "failed": exception is not None}
    )
    with _samples_lock:
        if _samples_file is not None:
            _samples_file.write(line + "\n")


# Registered as calls, not decorators: locust's hooks are untyped.
events.test_start.add_listener(_open_samples)  # type: ignore[no-untyped-call]
events.test_stop.add_listener(_close_samples)  # type: ignore[no-untyped-call]
events.request.add_listener(_record)  # type: ignore[no-untyped-call]


class Officer(HttpUser):
    """An officer in a browser: the sign-in form, then pages 1-3 s apart."""

    weight = 3
    wait_time = between(1, 3)

    def on_start(self) -> None:
        # Half the officers are the 24/7 duty officer (desk and incoming), half drafters.
        self.username = random.choice(["duty", "drafter"])
        form = self.client.get("/login", name="UI sign-in form")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        self.client.post(
            "/login",
            data={
                "username": self.username,
                "password": _password("XA", self.username),
                "csrf_token": token.group(1) if token else "",
            },
            name="UI sign-in",
        )
        self.request_ids: list[str] = []

    @task(3)
    def dashboard(self) -> None:
        page = self.client.get("/", name="UI dashboard")
        found = re.findall(r'href="/(?:requests|drafts|incoming)/([0-9a-f-]{36})"', page.text)
        if found:
            self.request_ids = found[:20]

    @task(2)
    def request_list(self) -> None:
        path = "/incoming" if self.username == "duty" else "/drafts"
        self.client.get(path, name="UI request list")

    @task(2)
    def request_page(self) -> None:
        if self.request_ids:
            self.client.get(f"/requests/{random.choice(self.request_ids)}", name="UI request page")

    @task(1)
    def desk(self) -> None:
        if self.username == "duty":
            self.client.get("/desk", name="UI desk")


class _Bearer(HttpUser):
    """A user of the officers' API with a bearer token per officer."""

    abstract = True

    def token(self, username: str) -> dict[str, str]:
        answer = self.client.post(
            f"{API}/auth/token",
            json={"username": username, "password": _password("XA", username)},
            name="API sign-in",
        )
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def call(
        self, method: str, path: str, name: str, headers: dict[str, str], body: Any = None
    ) -> Any:
        with self.client.request(
            method, f"{API}{path}", json=body, headers=headers, name=name, catch_response=True
        ) as answer:
            if answer.status_code >= 400:
                answer.failure(f"{answer.status_code}: {answer.text[:200]}")
                return None
            return answer.json()


class ApiClient(_Bearer):
    """A drafter's tool: 70 % reads, 30 % writes (create, edit, submit) on its own drafts."""

    weight = 2
    wait_time = between(0.3, 0.8)

    def on_start(self) -> None:
        self.headers = self.token("drafter2")
        self.known: list[str] = []
        self.drafts: list[tuple[str, int]] = []

    @task(4)
    def list_requests(self) -> None:
        listed = self.call("GET", "/requests?limit=20", "API list", self.headers)
        if listed:
            self.known = [item["id"] for item in listed["items"]]

    @task(3)
    def get_request(self) -> None:
        if self.known:
            self.call("GET", f"/requests/{random.choice(self.known)}", "API get", self.headers)

    @task(1)
    def create_draft(self) -> None:
        body = {"type": "mla", "requested_state": "XB", "fields": example_mla_fields("XA")}
        created = self.call("POST", "/requests", "API create draft", self.headers, body)
        if created:
            self.drafts.append((created["id"], created["version"]))

    @task(1)
    def edit_draft(self) -> None:
        if self.drafts:
            request_id, version = self.drafts[-1]
            body = {
                "fields": {"purpose": f"Identify the operators (edit {time.time():.0f})."},
                "version": version,
            }
            edited = self.call("PATCH", f"/requests/{request_id}", "API edit", self.headers, body)
            if edited:
                self.drafts[-1] = (request_id, edited["version"])

    @task(1)
    def submit_draft(self) -> None:
        if self.drafts:
            request_id, _ = self.drafts.pop()
            self.call("POST", f"/requests/{request_id}/submit", "API submit", self.headers)


class Sender(_Bearer):
    """XA's drafter drafts and submits, its approver approves and sends to XB; the message's
    acknowledgement time is measured from XA's own delivery evidence."""

    fixed_count = 2
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.drafter = self.token("drafter")
        self.approver = self.token("approver")

    @task
    def send_one(self) -> None:
        body = {"type": "mla", "requested_state": "XB", "fields": example_mla_fields("XA")}
        created = self.call("POST", "/requests", "API relay: create", self.drafter, body)
        if not created:
            return
        request_id = created["id"]
        if self.call("POST", f"/requests/{request_id}/submit", "API relay: submit", self.drafter):
            approve = {"comment": "Load test."}
            if self.call(
                "POST",
                f"/requests/{request_id}/approve",
                "API relay: approve",
                self.approver,
                approve,
            ) and self.call(
                "POST", f"/requests/{request_id}/send", "API relay: send", self.approver
            ):
                self._acknowledged(request_id)

    def _acknowledged(self, request_id: str) -> None:
        """Poll XA's copy until its delivery evidence shows XB's receipt; report the time."""
        started = time.monotonic()
        deadline = started + ACK_TIMEOUT
        while time.monotonic() < deadline:
            answer = self.client.get(
                f"{API}/requests/{request_id}", headers=self.approver, name="API relay: poll"
            )
            if answer.status_code == 200:
                waited = _ack_ms(answer.json().get("timeline", []))
                if waited is not None:
                    _fire("ack inter-node", waited, None)
                    return
            time.sleep(ACK_POLL)
        _fire("ack inter-node", (time.monotonic() - started) * 1000, TimeoutError(request_id))


def _ack_ms(timeline: list[dict[str, Any]]) -> float | None:
    """Milliseconds from the request message's ``submission_accepted`` evidence to its
    ``delivered`` evidence, or None while it is not delivered."""
    evidence = [item for item in timeline if item.get("kind") == "evidence"]
    accepted = {
        item["message_id"]: item["at"]
        for item in evidence
        if item.get("stage") == "submission_accepted"
    }
    for item in evidence:
        if item.get("stage") == "delivered" and item.get("message_id") in accepted:
            start = datetime.fromisoformat(accepted[item["message_id"]])
            end = datetime.fromisoformat(item["at"])
            return (end - start).total_seconds() * 1000
    return None


def _fire(name: str, ms: float, exception: BaseException | None) -> None:
    events.request.fire(  # type: ignore[no-untyped-call]
        request_type="RELAY",
        name=name,
        response_time=ms,
        response_length=0,
        response=None,
        context={},
        exception=exception,
    )
