"""Sign-in security through the API and the pages, on SQLite and PostgreSQL: one-time codes
(RFC 6238, single use, required by ``require_mfa``), re-authentication before approving and
sending evidence, session fixation, idle and absolute expiry, disabled accounts, and
throttled failures without user enumeration (security-test-plan A-06 to A-09)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from sqlalchemy import text
from starlette.testclient import TestClient
from typer.testing import CliRunner

from comity.bootstrap import build
from comity.cli.main import app
from comity.config import Settings
from comity.domain.errors import MfaRequiredError
from comity.services import users
from comity.web.app import create_app
from comity.web.ui.sessions import SESSION_COOKIE
from tests.integration.conftest import PASSWORD, Node
from tests.integration.test_web_approval import submitted
from tests.web_pages import csrf_of, sign_in

TOKEN = "/api/v1/auth/token"
runner = CliRunner()


@dataclass
class MovableClock:
    """A clock the test moves by hand."""

    at: datetime

    def now(self) -> datetime:
        return self.at

    def move(self, **delta: float) -> None:
        self.at += timedelta(**delta)


def controlled(node: Node) -> MovableClock:
    """Put the node on a clock the test moves (every request reads the services anew)."""
    clock = MovableClock(datetime.now(UTC).replace(microsecond=0))
    node.container.services = replace(node.container.services, clock=clock)
    return clock


def enrol(node: Node, username: str) -> pyotp.TOTP:
    uri = users.enrol_totp(node.container.services, username=username)
    return pyotp.TOTP(parse_qs(urlsplit(uri).query)["secret"][0])


def token_answer(client: TestClient, username: str, password: str = PASSWORD, **extra: str) -> Any:
    return client.post(TOKEN, json={"username": username, "password": password, **extra})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def leaves(node: Node) -> list[str]:
    with node.container.engine.connect() as connection:
        return list(connection.scalars(text("SELECT leaf FROM audit_leaf ORDER BY leaf_index")))


def test_an_enrolled_account_needs_a_valid_unused_code(seeded: Node) -> None:
    clock = controlled(seeded)
    totp = enrol(seeded, "drafter")
    missing = token_answer(seeded.client, "drafter")
    assert missing.status_code == 401 and missing.json()["code"] == "MFA_REQUIRED"
    code = totp.at(clock.now())
    assert token_answer(seeded.client, "drafter", otp=code).status_code == 200
    replayed = token_answer(seeded.client, "drafter", otp=code)
    assert replayed.status_code == 401 and replayed.json()["code"] == "MFA_REQUIRED"
    wrong = f"{(int(totp.at(clock.now() + timedelta(minutes=5))) + 1) % 1_000_000:06d}"
    assert token_answer(seeded.client, "drafter", otp=wrong).status_code == 401
    # The next step's code works, and one step late is still accepted (±1 step).
    clock.move(seconds=30)
    late = totp.at(clock.now())
    clock.move(seconds=30)
    assert token_answer(seeded.client, "drafter", otp=late).status_code == 200
    audit = "\n".join(leaves(seeded))
    assert "user:totp:enrolled" in audit and totp.secret not in audit and code not in audit


def test_a_node_that_requires_mfa_gives_no_token_to_an_account_without_it(seeded: Node) -> None:
    ctx = seeded.container.services
    seeded.container.services = replace(ctx, sign_in=replace(ctx.sign_in, require_mfa=True))
    refused = token_answer(seeded.client, "approver")
    assert refused.status_code == 401 and refused.json()["code"] == "MFA_REQUIRED"
    totp = enrol(seeded, "approver")
    answer = token_answer(seeded.client, "approver", otp=totp.now())
    assert answer.status_code == 200


def test_the_sign_in_page_asks_for_the_code_of_an_enrolled_account(seeded: Node) -> None:
    clock = controlled(seeded)
    totp = enrol(seeded, "drafter")
    with TestClient(create_app(seeded.container)) as browser:
        form = browser.get("/login")
        assert 'name="otp"' in form.text and 'autocomplete="one-time-code"' in form.text
        data = {"username": "drafter", "password": PASSWORD, "csrf_token": csrf_of(form.text)}
        without = browser.post("/login", data=data)
        assert without.status_code == 401 and 'id="login-error"' in without.text
        assert SESSION_COOKIE not in browser.cookies
        data["csrf_token"] = csrf_of(without.text)
        data["otp"] = totp.at(clock.now())
        assert browser.post("/login", data=data, follow_redirects=False).status_code == 303
        assert browser.get("/").status_code == 200


def test_approving_needs_a_recent_sign_in_and_reauthentication_issues_a_new_token(
    seeded: Node,
) -> None:
    clock = controlled(seeded)
    request_id = submitted(seeded)
    old = seeded.token("approver")
    clock.move(minutes=11)
    approve = f"/api/v1/requests/{request_id}/approve"
    stale = seeded.client.post(approve, headers=bearer(old))
    assert stale.status_code == 401 and stale.json()["code"] == "REAUTH_REQUIRED"
    assert seeded.client.get("/api/v1/requests", headers=bearer(old)).status_code == 200
    wrong = seeded.client.post("/api/v1/auth/reauth", json={"password": "x"}, headers=bearer(old))
    assert wrong.status_code == 401 and wrong.json()["code"] == "INVALID_CREDENTIALS"
    renewed = seeded.client.post(
        "/api/v1/auth/reauth", json={"password": PASSWORD}, headers=bearer(old)
    )
    assert renewed.status_code == 200
    new = renewed.json()["access_token"]
    assert new != old
    assert seeded.client.get("/api/v1/requests", headers=bearer(old)).status_code == 401
    assert seeded.client.post(approve, headers=bearer(new)).status_code == 200
    assert "user:token:reauthenticated" in "\n".join(leaves(seeded))


def test_sending_evidence_needs_a_recent_sign_in(seeded: Node) -> None:
    clock = controlled(seeded)
    token = seeded.token("executor")
    clock.move(minutes=11)
    answer = seeded.client.post(
        "/api/v1/requests/no-such-request/evidence",
        params={"file_name": "a.txt", "acquired_by": "x", "method": "x", "tool": "x"}
        | {"source": "x"},
        content=b"data",
        headers=bearer(token) | {"Content-Type": "application/octet-stream"},
    )
    assert answer.status_code == 401 and answer.json()["code"] == "REAUTH_REQUIRED"


def test_approving_in_the_pages_asks_for_the_password_and_returns_to_the_request(
    seeded: Node,
) -> None:
    clock = controlled(seeded)
    request_id = submitted(seeded)
    with TestClient(create_app(seeded.container)) as browser:
        sign_in(browser, "approver")
        page = browser.get(f"/approvals/{request_id}")
        clock.move(minutes=11)
        before = browser.cookies[SESSION_COOKIE]
        asked = browser.post(
            f"/approvals/{request_id}/approve", data={"csrf_token": csrf_of(page.text)}
        )
        assert asked.status_code == 401 and 'action="/reauth"' in asked.text
        assert "Awaiting approval" in browser.get(f"/approvals/{request_id}").text
        back = browser.post(
            "/reauth",
            data={
                "csrf_token": csrf_of(asked.text),
                "password": PASSWORD,
                "back_to": f"/approvals/{request_id}",
            },
            follow_redirects=False,
        )
        assert back.status_code == 303 and back.headers["location"] == f"/approvals/{request_id}"
        assert browser.cookies[SESSION_COOKIE] != before
        page = browser.get(f"/approvals/{request_id}")
        done = browser.post(
            f"/approvals/{request_id}/approve",
            data={"csrf_token": csrf_of(page.text)},
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert 'id="status">Approved<' in browser.get(f"/approvals/{request_id}").text


def test_a_session_id_set_before_sign_in_is_never_the_one_after(seeded: Node) -> None:
    planted = seeded.token("drafter2")  # a session the attacker holds, planted in the browser
    with TestClient(create_app(seeded.container)) as browser:
        browser.cookies.set(SESSION_COOKIE, "chosen-by-an-attacker", domain="testserver.local")
        sign_in(browser, "drafter")
        first = browser.cookies[SESSION_COOKIE]
        assert first != "chosen-by-an-attacker"
        browser.cookies.set(SESSION_COOKIE, planted, domain="testserver.local")
        browser.post("/logout", data={"csrf_token": csrf_of(browser.get("/").text)})
        sign_in(browser, "drafter")
        assert browser.cookies[SESSION_COOKIE] not in (planted, first)


def test_sessions_end_when_idle_and_at_their_absolute_expiry(seeded: Node) -> None:
    clock = controlled(seeded)
    ctx = seeded.container.services
    idle = ctx.sign_in.idle_timeout
    token = seeded.token("drafter")
    # Used just before each idle timeout, the session lives until its absolute expiry...
    elapsed = timedelta()
    while elapsed + idle - timedelta(minutes=1) < ctx.token_lifetime:
        clock.move(seconds=(idle - timedelta(minutes=1)).total_seconds())
        elapsed += idle - timedelta(minutes=1)
        assert seeded.client.get("/api/v1/requests", headers=bearer(token)).status_code == 200
    clock.move(seconds=(ctx.token_lifetime - elapsed).total_seconds())
    assert seeded.client.get("/api/v1/requests", headers=bearer(token)).status_code == 401
    # ...and one left unused ends after the idle timeout.
    idle_token = seeded.token("drafter")
    clock.move(seconds=idle.total_seconds())
    assert seeded.client.get("/api/v1/requests", headers=bearer(idle_token)).status_code == 401


def test_disabling_an_account_ends_all_its_sessions_at_once(seeded: Node) -> None:
    tokens = [seeded.token("drafter") for _ in range(3)]
    with TestClient(create_app(seeded.container)) as browser:
        sign_in(browser, "drafter")
        assert users.disable_user(seeded.container.services, username="drafter") == 4
        for token in tokens:
            assert seeded.client.get("/api/v1/requests", headers=bearer(token)).status_code == 401
        assert browser.get("/", follow_redirects=False).status_code == 303
    refused = token_answer(seeded.client, "drafter")
    assert refused.status_code == 401 and refused.json()["code"] == "INVALID_CREDENTIALS"
    assert "user:account:disabled" in "\n".join(leaves(seeded))


def test_failures_throttle_a_name_until_the_window_passes_without_telling_names_apart(
    seeded: Node,
) -> None:
    clock = controlled(seeded)
    limit = seeded.container.services.sign_in.max_failures
    known = TestClient(create_app(seeded.container), client=("192.0.2.1", 1))
    unknown = TestClient(create_app(seeded.container), client=("192.0.2.2", 1))
    for _ in range(limit):
        a = token_answer(known, "drafter", "wrong password!")
        b = token_answer(unknown, "nobody-here", "wrong password!")
        assert a.status_code == b.status_code == 401
        assert a.json() == b.json()
    throttled = token_answer(known, "drafter")  # the right password, too late
    other = token_answer(unknown, "nobody-here")
    assert throttled.status_code == other.status_code == 429
    assert throttled.json() == other.json()
    assert throttled.json()["code"] == "SIGN_IN_THROTTLED"
    assert 0 < int(throttled.headers["Retry-After"]) <= 15 * 60
    # The address has its own, higher threshold (an office behind one proxy): another name
    # from it still signs in.
    third = TestClient(create_app(seeded.container), client=("192.0.2.1", 1))
    assert token_answer(third, "approver").status_code == 200
    clock.move(seconds=int(throttled.headers["Retry-After"]))
    assert token_answer(TestClient(create_app(seeded.container)), "drafter").status_code == 200
    audit = "\n".join(leaves(seeded))
    assert "user:signin:throttled" in audit
    assert "wrong password!" not in audit and "192.0.2.1" not in audit
    assert "nobody-here" not in audit


def test_one_address_trying_many_names_is_throttled(seeded: Node) -> None:
    controlled(seeded)
    limit = seeded.container.services.sign_in.max_address_failures
    client = TestClient(create_app(seeded.container), client=("198.51.100.7", 1))
    for n in range(limit):
        assert token_answer(client, f"guess-{n}", "wrong password!").status_code == 401
    answer = token_answer(client, "approver")
    assert answer.status_code == 429 and "Retry-After" in answer.headers
    elsewhere = TestClient(create_app(seeded.container), client=("198.51.100.8", 1))
    assert token_answer(elsewhere, "approver").status_code == 200


def test_the_sign_in_page_says_when_it_is_throttled(seeded: Node) -> None:
    controlled(seeded)
    limit = seeded.container.services.sign_in.max_failures
    with TestClient(create_app(seeded.container), client=("203.0.113.9", 1)) as browser:
        page = browser.get("/login")
        for _ in range(limit + 1):
            data = {"username": "drafter", "password": "nope", "csrf_token": csrf_of(page.text)}
            page = browser.post("/login", data=data)
        assert page.status_code == 429 and "Retry-After" in page.headers
        assert 'id="login-error"' in page.text


def test_the_command_line_enrols_an_app_once_and_disables_an_account(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMITY_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("COMITY_ARGON2_MEMORY_COST", "1024")
    directory = str(tmp_path / "node")
    for args in (
        ["node", "init", "--state", "XA", "--dir", directory, "--database-url", database_url],
        [
            "user",
            "add",
            "--dir",
            directory,
            "--username",
            "ana",
            "--role",
            "drafter",
            "--password",
            PASSWORD,
        ],
    ):
        assert runner.invoke(app, args).exit_code == 0
    enrolled = runner.invoke(app, ["user", "enrol-totp", "ana", "--dir", directory])
    assert enrolled.exit_code == 0 and "otpauth://totp/" in enrolled.output
    secret = parse_qs(urlsplit(enrolled.output.split()[-1]).query)["secret"][0]
    container = build(Settings.for_node(Path(directory)))
    try:
        ctx = container.services
        with pytest.raises(MfaRequiredError):
            users.sign_in(ctx, username="ana", password=PASSWORD)
        users.sign_in(ctx, username="ana", password=PASSWORD, otp=pyotp.TOTP(secret).now())
        with container.engine.connect() as connection:
            audit = "\n".join(connection.scalars(text("SELECT leaf FROM audit_leaf")))
            stored = connection.scalar(text("SELECT totp_secret FROM user_account"))
        assert secret not in audit
        assert stored is not None and secret not in stored, "the secret is stored sealed"
    finally:
        container.close()
    disabled = runner.invoke(app, ["user", "disable", "ana", "--dir", directory])
    assert disabled.exit_code == 0 and "1 session(s) ended" in disabled.output
    unknown = runner.invoke(app, ["user", "disable", "nobody", "--dir", directory])
    assert unknown.exit_code != 0


def test_reauthentication_in_the_pages_asks_an_enrolled_officer_for_a_fresh_code(
    seeded: Node,
) -> None:
    clock = controlled(seeded)
    totp = enrol(seeded, "approver")
    with TestClient(create_app(seeded.container)) as browser:
        form = browser.get("/login")
        data = {"username": "approver", "password": PASSWORD, "csrf_token": csrf_of(form.text)}
        data["otp"] = totp.at(clock.now())
        assert browser.post("/login", data=data, follow_redirects=False).status_code == 303
        clock.move(minutes=11)
        page = browser.get("/reauth?next=/approvals")
        assert 'name="otp"' in page.text and 'value="/approvals"' in page.text
        fields = {"csrf_token": csrf_of(page.text), "password": PASSWORD, "back_to": "/approvals"}
        without = browser.post("/reauth", data=fields)
        assert without.status_code == 401 and 'id="reauth-error"' in without.text
        fields["otp"] = totp.at(clock.now())
        done = browser.post("/reauth", data=fields, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/approvals"
        again = browser.post(
            "/reauth", data=fields | {"csrf_token": csrf_of(browser.get("/").text)}
        )
        assert again.status_code == 401, "the same code does not work twice"
