"""The auditor's page: the witnessed audit log's health, size and root, the latest checkpoint
with the States that cosigned it, the latest alerts, and a request's trail exported as a
signed JSON file that verifies offline. For the auditor, DPO and admin roles only; a missing
or unknown request id answers the form with the field's message."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from sqlalchemy import delete
from starlette.testclient import TestClient

from comity.domain.commands import AddUser, CreateDraft
from comity.domain.values import Role
from comity.federation_setup import verify_audit_export
from comity.services import ledger, requests, users
from comity.services.ledger_rounds import WitnessRelay
from comity.store.tables import audit_cosignature
from comity.web.app import create_app
from tests.federation_harness import PASSWORD, FedNode
from tests.integration.conftest import Node
from tests.web_pages import sign_in

Nodes = dict[str, FedNode]


@pytest.fixture
def xa(nodes: Nodes) -> FedNode:
    """XA with an auditor, a DPO and an administrator, and a checkpoint XB and XC cosigned."""
    node = nodes["XA"]
    for name, role in (("auditor", Role.AUDITOR), ("dpo", Role.DPO), ("admin", Role.ADMIN)):
        users.add_user(node.ctx, command=AddUser(name, PASSWORD, frozenset({role})))
    report = WitnessRelay().run_once(node.ctx, force=True)
    assert sorted(report.cosigned_by) == ["XB", "XC"]
    return node


@pytest.fixture
def browser(xa: FedNode) -> Iterator[TestClient]:
    """A browser on XA's pages, not signed in yet."""
    with TestClient(create_app(xa.container)) as client:
        yield client


def _drafted(node: FedNode) -> str:
    """The id of a request drafted on ``node``, whose leaves a new checkpoint covers."""
    drafter = node.people["drafter"]
    view = requests.create_draft(node.ctx, actor=drafter, command=CreateDraft("mla", "XB"))
    WitnessRelay().run_once(node.ctx, force=True)
    return view.request.id


def _section(page: str, title_id: str) -> str:
    return page.split(f'id="{title_id}"', 1)[1].split("</section>", 1)[0]


def _rows(page: str, title_id: str) -> list[str]:
    return re.findall(r"<tr>\s*<td.*?</tr>", _section(page, title_id), flags=re.S)


class _Controls(HTMLParser):
    """What the browser tests' accessibility checks look at, read from the HTML: form
    controls and their labels, invalid controls and their messages, ids, the page's lang."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.ids: set[str] = set()
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "html":
            self.lang = values.get("lang")
        elif tag == "label" and values.get("for"):
            self.label_for.add(str(values["for"]))
        elif tag in ("input", "select", "textarea"):
            if values.get("type") not in ("hidden", "submit", "button"):
                self.controls.append(values)


def accessibility_problems(page: str) -> list[str]:
    """The problems ``tests/browser/accessibility.py`` finds in a page, but contrast (which
    needs a browser to compute the styles)."""
    parsed = _Controls()
    parsed.feed(page)
    problems = []
    for control in parsed.controls:
        labelled = (
            control.get("id") in parsed.label_for
            or control.get("aria-label")
            or control.get("aria-labelledby")
        )
        if not labelled:
            problems.append(f"no label: {control}")
        if control.get("aria-invalid") == "true":
            described = (control.get("aria-describedby") or "").split()
            if not any(name in parsed.ids for name in described):
                problems.append(f"invalid without its message: {control}")
    if not parsed.lang:
        problems.append("no lang on <html>")
    return problems


def test_the_auditor_sees_the_health_the_checkpoint_and_its_cosigners(
    xa: FedNode, browser: TestClient
) -> None:
    sign_in(browser, "auditor")
    page = browser.get("/audit")
    assert page.status_code == 200
    text = page.text
    assert "<h1>Audit log</h1>" in text
    assert 'href="/audit" aria-current="page">Audit log</a>' in text
    log = _section(text, "log-title")
    assert "OK: this node&#39;s log passes its integrity checks." in log
    assert 'role="alert"' not in log
    with xa.ctx.uow() as uow:
        head = uow.ledger.head()
        latest = uow.ledger.latest_checkpoint()
    assert latest is not None
    root = base64.b64encode(head.root).decode()
    # The root shown abbreviated in monospace, the whole value one click away.
    assert f'<code dir="ltr">{root[:16]}…</code>' in log and f'title="{root}"' in log
    assert f"{head.size} leaves" in log
    checkpoint = _section(text, "checkpoint-title")
    assert f"{latest.size} leaves" in checkpoint
    assert f'<time datetime="{latest.signed_at.isoformat()}">' in checkpoint
    assert '<dd id="cosigned-by">XB, XC</dd>' in checkpoint
    assert "Not cosigned yet by" not in checkpoint
    assert "No alert has been raised." in _section(text, "alerts-title")
    assert "comity audit verify-export FILE" in text
    assert accessibility_problems(text) == []
    # The page in Arabic: translated, right to left, the English details marked as such.
    arabic = browser.get("/audit", params={"lang": "ar"})
    assert arabic.status_code == 200
    assert 'dir="rtl"' in arabic.text and "<h1>Audit log</h1>" not in arabic.text


def test_a_state_that_did_not_cosign_the_latest_checkpoint_is_named(
    xa: FedNode, browser: TestClient
) -> None:
    with xa.container.engine.begin() as connection:
        connection.execute(
            delete(audit_cosignature).where(audit_cosignature.c.witness_state == "XC")
        )
    sign_in(browser, "auditor")
    checkpoint = _section(browser.get("/audit").text, "checkpoint-title")
    assert '<dd id="cosigned-by">XB</dd>' in checkpoint
    assert '<dd id="not-cosigned"><strong>XC</strong></dd>' in checkpoint


def test_the_dpo_and_the_admin_read_it_and_case_officers_are_refused(
    xa: FedNode, browser: TestClient
) -> None:
    for name in ("dpo", "admin"):
        with TestClient(create_app(xa.container)) as officer:
            sign_in(officer, name)
            assert officer.get("/audit").status_code == 200, name
            assert 'href="/audit"' in officer.get("/").text
    request_id = _drafted(xa)
    sign_in(browser, "drafter")
    page = browser.get("/audit")
    assert page.status_code == 403
    assert "Latest checkpoint" not in page.text
    assert 'href="/audit"' not in page.text  # no link to it in the drafter's navigation
    export = browser.get("/audit/export", params={"request": request_id})
    assert export.status_code == 403
    assert "attachment" not in export.headers.get("content-disposition", "")
    with TestClient(create_app(xa.container)) as anonymous:
        answer = anonymous.get("/audit", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/login?next=%2Faudit"


def test_the_export_downloads_a_trail_that_verifies_offline(
    xa: FedNode, browser: TestClient
) -> None:
    request_id = _drafted(xa)
    sign_in(browser, "auditor")
    # The form on the page sends the id to the export.
    assert 'action="/audit/export"' in browser.get("/audit").text
    answer = browser.get("/audit/export", params={"request": f" {request_id} "})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="audit-trail-{request_id[:8]}.json"'
    )
    document = json.loads(answer.content)
    assert document["format"] == "comity-audit-export/1"
    assert document["request_id"] == request_id
    assert {w["state"] for w in document["witnesses"]} == {"XB", "XC"}
    report = verify_audit_export(answer.content)
    assert report.request_id == request_id and report.leaves >= 1


def test_a_missing_or_unknown_id_answers_the_form_with_the_field_s_message(
    xa: FedNode, browser: TestClient
) -> None:
    sign_in(browser, "auditor")
    unknown = browser.get("/audit/export", params={"request": '<b>"x"</b>'})
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("text/html")
    assert "<b>" not in unknown.text and "&lt;b&gt;" in unknown.text
    assert 'role="alert"' in unknown.text
    field = re.search(r'<input id="request"[^>]*>', unknown.text)
    assert field is not None
    assert 'aria-invalid="true"' in field.group(0)
    assert 'aria-describedby="request-error"' in field.group(0)
    assert (
        '<p id="request-error" class="error">No entry of the audit log names a request with '
        "this id.</p>" in unknown.text
    )
    assert accessibility_problems(unknown.text) == []
    missing = browser.get("/audit/export", params={"request": "  "})
    assert missing.status_code == 422
    assert '<p id="request-error" class="error">Enter the id of a request.</p>' in missing.text
    too_long = browser.get("/audit/export", params={"request": "x" * 500})
    assert too_long.status_code == 422 and "at most 36 characters" in too_long.text


def test_an_alert_shows_in_the_table_and_the_health_fails(xa: FedNode, browser: TestClient) -> None:
    ledger.raise_alert(
        xa.ctx, kind="integrity", state="XA", detail="leaf 3: <recomputed> hash differs"
    )
    sign_in(browser, "auditor")
    page = browser.get("/audit")
    assert page.status_code == 200
    log = _section(page.text, "log-title")
    assert '<div id="health" class="warning" role="alert">' in log
    assert "Failed: this node&#39;s log does not pass its integrity check." in log
    (row,) = _rows(page.text, "alerts-title")
    assert "Integrity check failed" in row
    assert "<td>XA</td>" in row
    assert '<td lang="en" dir="ltr">leaf 3: &lt;recomputed&gt; hash differs</td>' in row
    assert "<time datetime=" in row
    french = browser.get("/audit", params={"lang": "fr"})
    assert "Integrity check failed" not in french.text
    assert "leaf 3: &lt;recomputed&gt; hash differs" in french.text


def test_an_auditor_signing_in_lands_on_a_page_that_works(xa: FedNode, browser: TestClient) -> None:
    form = browser.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    landed = browser.post(
        "/login",
        data={"username": "auditor", "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert landed.status_code == 200
    assert str(landed.url).endswith("/audit")
    assert "<h1>Audit log</h1>" in landed.text
    # No panel of case work the auditor cannot use.
    for panel in ("Requests of your authority", "Deadlines in the next", "inbox-title"):
        assert panel not in landed.text
    assert browser.get("/", follow_redirects=False).headers["location"] == "/audit"


def test_a_node_without_keys_shows_its_log_and_says_it_has_nothing_to_export(
    seeded: Node,
) -> None:
    with TestClient(create_app(seeded.container)) as admin:
        sign_in(admin, "admin")
        page = admin.get("/audit")
        assert page.status_code == 200
        assert "No checkpoint has been signed yet." in _section(page.text, "checkpoint-title")
        export = admin.get("/audit/export", params={"request": "1b4e28ba"})
        assert export.status_code == 503
        assert "This node has no signing key" in export.text
        assert 'aria-describedby="request-error"' in export.text
