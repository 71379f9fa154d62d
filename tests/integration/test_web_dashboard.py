"""The dashboard shows each officer what waits for them, by role: drafts to the drafter, the
approval queue to the approver, counters by status for the whole authority."""

from __future__ import annotations

from starlette.testclient import TestClient

from comity.domain.workflow import Status
from comity.services import requests
from comity.web.app import create_app
from tests.integration.conftest import Node
from tests.integration.test_data_protection import draft
from tests.web_pages import sign_in


def test_the_drafter_sees_drafts_and_the_approver_the_queue(seeded: Node) -> None:
    waiting = draft(seeded)
    submitted = seeded.client.post(
        f"/api/v1/requests/{waiting['id']}/submit", headers=seeded.headers("drafter")
    )
    assert submitted.status_code == 200, submitted.text
    still_draft = draft(seeded)
    with TestClient(create_app(seeded.container)) as browser:
        page = sign_in(browser, "drafter").get("/").text
        assert "Drafts" in page and f"/drafts/{still_draft['id']}" in page
        assert "Awaiting your approval" not in page
        assert "Mutual legal assistance" in page
        assert "Draft</a>: <strong>1</strong>" in page
        assert "Awaiting approval</a>: <strong>1</strong>" in page
    with TestClient(create_app(seeded.container)) as browser:
        page = sign_in(browser, "approver").get("/").text
        assert f"/approvals/{waiting['id']}" in page
        assert f"/approvals/{still_draft['id']}" not in page
        assert "/drafts/new" not in page


def test_counts_by_status_cover_the_whole_authority_and_only_it(seeded: Node) -> None:
    for _ in range(3):
        draft(seeded)
    counts = requests.status_counts(seeded.container.services, actor=seeded.people["drafter"])
    assert counts == {Status.DRAFT: 3}
    other = requests.status_counts(seeded.container.services, actor=seeded.people["prosecutor"])
    assert other == {}
