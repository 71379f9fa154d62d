"""The scenario's side of the officers' API: signed-in officers of each node, and waiting
until the other State shows a step."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2

CREDENTIALS_FILE = "credentials.json"
API = "/api/v1"
# How long the other State may take to show a step, and how often to look.
AGREE_TIMEOUT = 30.0
POLL_INTERVAL = 0.2

Json = dict[str, Any]


class ScenarioError(Exception):
    """The network answered something the scenario did not expect."""

    def __init__(self, message: str, problem: Any = None) -> None:
        super().__init__(message)
        self.problem = problem


@dataclass
class Officer:
    """A signed-in user of one node, calling its API with a bearer token."""

    state: str
    username: str
    http: httpx2.Client
    token: str = ""
    # Kept so that the officer signs in again when the token expires: a walk moves the demo
    # clock forward by days, past any token's lifetime.
    password: str = ""

    @property
    def label(self) -> str:
        """How the timeline names the officer."""
        return f"{self.state} {self.username}"

    def sign_in(self) -> None:
        """Get a new bearer token with the officer's password."""
        self.token = ""
        answer = self.post("/auth/token", {"username": self.username, "password": self.password})
        self.token = answer["access_token"]

    def get(self, path: str) -> Any:
        """GET ``path`` and return the JSON body; anything but 200 is a ``ScenarioError``."""
        return self._call("GET", path, None, expect=200)

    def post(self, path: str, body: Json | None = None, *, expect: int = 200) -> Any:
        """POST ``body`` to ``path`` and return the JSON answer."""
        return self._call("POST", path, body, expect=expect)

    def _call(self, method: str, path: str, body: Json | None, *, expect: int) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = self.http.request(method, f"{API}{path}", json=body, headers=headers)
        if response.status_code == 401 and self.token and self.password:
            self.sign_in()
            headers = {"Authorization": f"Bearer {self.token}"}
            response = self.http.request(method, f"{API}{path}", json=body, headers=headers)
        if response.status_code != expect:
            try:
                problem: Any = response.json()
            except ValueError:
                problem = response.text
            raise ScenarioError(
                f"{self.label}: {method} {API}{path} answered {response.status_code}, "
                f"expected {expect}",
                problem,
            )
        return response.json()


@dataclass
class Network:
    """The running demo network, as ``credentials.json`` describes it."""

    credentials: Json
    clients: list[httpx2.Client] = field(default_factory=list)

    @classmethod
    def load(cls, data_dir: Path) -> Network:
        """Read the credentials ``comity demo up`` wrote."""
        path = data_dir / CREDENTIALS_FILE
        if not path.exists():
            raise ScenarioError(f"no {path}: start the network first with `comity demo up`")
        credentials: Json = json.loads(path.read_text("utf-8"))
        return cls(credentials)

    def sign_in(self, state: str, username: str) -> Officer:
        """Sign ``username`` in on ``state``'s node."""
        node = self.credentials.get(state)
        if node is None:
            raise ScenarioError(f"{CREDENTIALS_FILE} lists no State {state}")
        account = next((u for u in node["users"] if u["username"] == username), None)
        if account is None:
            raise ScenarioError(f"{CREDENTIALS_FILE} lists no user {username} for {state}")
        client = httpx2.Client(base_url=node["base_url"], timeout=15.0)
        self.clients.append(client)
        officer = Officer(state, username, client, password=account["password"])
        officer.sign_in()
        return officer

    def close(self) -> None:
        """Close every connection."""
        for client in self.clients:
            client.close()


def wait_until(
    officer: Officer, what: str, probe: Callable[[], Json | None], *, timeout: float = AGREE_TIMEOUT
) -> Json:
    """Call ``probe`` every 0.2 s until it returns a view; a ``ScenarioError`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise ScenarioError(f"{officer.label}: {what} did not happen within {timeout:.0f} s")
        time.sleep(POLL_INTERVAL)


def wait_for_status(
    officer: Officer, request_id: str, check: Callable[[Json], bool], what: str
) -> Json:
    """Poll ``officer``'s copy of a request until ``check`` holds for it."""
    last: list[Json] = []

    def probe() -> Json | None:
        view: Json = officer.get(f"/requests/{request_id}")
        last[:] = [view]
        return view if check(view) else None

    try:
        return wait_until(officer, what, probe)
    except ScenarioError as error:
        seen = last[0] if last else {}
        raise ScenarioError(
            f"{error} (last seen: status {seen.get('status')}, "
            f"remote_status {seen.get('remote_status')})"
        ) from None


def wait_for_practice(officer: Officer, request_id: str, state: str, what: str) -> Json:
    """Poll ``officer``'s copy of a request's practice life cycle until it reaches ``state``."""

    def probe() -> Json | None:
        practice: Json = officer.get(f"/requests/{request_id}/practice")
        return practice if practice.get("state") == state else None

    return wait_until(officer, what, probe)


def agreed(other: Officer, request_id: str, status: str) -> Json:
    """Wait until ``other``'s copy records that the other State's copy is now ``status``."""
    return wait_for_status(
        other,
        request_id,
        lambda view: view.get("remote_status") == status,
        f"{other.state} seeing the other State's status {status}",
    )


def find_in_inbox(officer: Officer, exchange_id: str) -> Json:
    """Wait until the request exchanged as ``exchange_id`` is in ``officer``'s inbox; its view."""
    checked: set[str] = set()

    def probe() -> Json | None:
        answer = officer.get("/inbox")
        items = answer["items"] if isinstance(answer, dict) else answer
        for item in items:
            if item["id"] in checked:
                continue
            view: Json = officer.get(f"/requests/{item['id']}")
            # Another request's exchange id never changes, so each is read only once.
            checked.add(item["id"])
            if view.get("exchange_id") == exchange_id:
                return {**view, "waiting_acknowledgement": item.get("waiting_acknowledgement")}
        return None

    return wait_until(officer, f"the request {exchange_id} reaching the inbox", probe)
