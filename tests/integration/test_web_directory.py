"""The directory pages: every State Party of the installed, verified directory with its
declarations in words and its 24/7 point of contact's local time; one State in full; a stale
directory warned about; no directory, or one that does not verify, said plainly (no 500)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from starlette.testclient import TestClient

from comity.web.app import create_app
from tests.federation_harness import FedNode, create_network, node_settings, open_nodes
from tests.integration.conftest import Node
from tests.integration.test_data_protection import LaterClock
from tests.web_pages import sign_in

SCRIPT = '<script>alert("x")</script>'

PARTICULARS = {
    "XA": {
        "name": "Republic of Examplia",
        "languages": ["en", "fr"],
        "authorities": {
            "central": {"kind": "central_authority", "name": "Ministry of Justice"},
            "poc247": {
                "kind": "poc_24_7",
                "name": "National Cyber Desk",
                "time_zone": "Asia/Tokyo",
                "hours": "24/7",
                "contact": "+81 3 0000 0000",
            },
        },
        "declarations": {
            "extradites_nationals": True,
            "traffic_data_requires_judicial_authorisation": True,
            "accepts_electronic_originals": True,
            "political_offence_exception": False,
            "cross_border_transfer_restrictions": [{"to": "XB", "ground": "art. 36(2)"}],
        },
    },
    "XB": {
        "name": f"Kingdom of {SCRIPT}",
        "authorities": {
            "central": {"kind": "central_authority", "name": "Central Authority"},
            "poc247": {"kind": "poc_24_7", "name": SCRIPT, "time_zone": "Not/A_Zone"},
            "mfa": {"kind": "foreign_ministry", "name": "Foreign Office"},
        },
    },
}


@pytest.fixture
def federation(tmp_path: Path) -> Iterator[dict[str, FedNode]]:
    """XA and XB with particulars of their own, in one directory valid for 30 days."""
    states = {
        state: node_settings(tmp_path, state, 8500 + i) for i, state in enumerate(("XA", "XB"))
    }
    create_network(tmp_path, states, particulars=PARTICULARS)
    built = open_nodes(states)
    try:
        yield built
    finally:
        for node in built.values():
            node.container.close()


def browser(node: FedNode, username: str = "drafter") -> TestClient:
    return sign_in(TestClient(create_app(node.container)), username)


def test_every_state_party_with_its_declarations_and_local_time(
    federation: dict[str, FedNode],
) -> None:
    xa = federation["XA"]
    with browser(xa, "duty") as officer:
        page = officer.get("/directory")
    assert page.status_code == 200
    text = page.text
    assert "<h1>Directory of States Party</h1>" in text
    assert "2 States Party" in text
    assert 'href="/directory/XA">Republic of Examplia</a>' in text
    assert "Extradites its nationals: <strong>yes</strong>" in text
    assert "Applies the political offence exception: <strong>no</strong>" in text
    assert "Restricts transfers of personal data to XB, on the ground: art. 36(2)" in text
    assert "Between central authorities, 24/7 network" in text
    assert "Diplomatic channel" in text  # XB publishes its foreign ministry
    # The 24/7 point of contact with the time it is now in Tokyo (UTC+9, no summer time).
    assert "National Cyber Desk" in text and "Asia/Tokyo, UTC+09:00" in text
    tokyo = datetime.now(UTC).astimezone(ZoneInfo("Asia/Tokyo"))
    assert f'datetime="{tokyo.isoformat()[:13]}' in text
    assert format_datetime(tokyo, "medium", tzinfo=None, locale="en_GB")[:-3] in text
    # A zone this node does not know leaves the time unknown; the page still answers.
    assert "this node does not know the time zone Not/A_Zone" in text
    # What another State publishes is shown as text.
    assert SCRIPT not in text and "Kingdom of &lt;script&gt;" in text
    assert "Directory sequence" in text and "out of date" not in text


def test_one_state_in_full(federation: dict[str, FedNode]) -> None:
    xa = federation["XA"]
    with browser(xa) as officer:
        page = officer.get("/directory/XB")
        assert page.status_code == 200
        assert SCRIPT not in page.text
        assert "<h1>Kingdom of &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
        entry = xa.ctx.federation.trust.current().state("XB")
        for key in entry.keys:
            assert f"<code>{key.kid}</code>" in page.text
        assert "Signature" in page.text and "Encryption" in page.text
        assert "Foreign Office" in page.text and "Ministry of foreign affairs" in page.text
        assert entry.endpoint in page.text
        lower = officer.get("/directory/xa")
        assert lower.status_code == 200 and "Republic of Examplia" in lower.text
        missing = officer.get("/directory/ZZ")
        assert missing.status_code == 404 and "not a State Party" in missing.text
        assert officer.get("/directory/" + "Q" * 300).status_code == 404


def test_a_stale_directory_is_warned_about(federation: dict[str, FedNode]) -> None:
    xa = federation["XA"]
    # Thirty days of validity, then one hour of grace.
    xa.container.services = replace(xa.ctx, clock=LaterClock(timedelta(days=30, minutes=30)))
    with browser(xa) as officer:
        overdue = officer.get("/directory")
        assert overdue.status_code == 200
        assert "past its next update" in overdue.text and "out of date" not in overdue.text
    xa.container.services = replace(xa.ctx, clock=LaterClock(timedelta(days=31)))
    with browser(xa) as officer:
        stale = officer.get("/directory")
        assert stale.status_code == 200
        assert "This directory is out of date." in stale.text
        assert "this node sends and accepts nothing" in stale.text
        assert 'class="warning" role="alert"' in stale.text
        assert "This directory is out of date." in officer.get("/directory/XA").text


def test_no_directory_or_one_that_does_not_verify_is_said_plainly(
    seeded: Node, federation: dict[str, FedNode]
) -> None:
    with sign_in(TestClient(create_app(seeded.container)), "drafter") as officer:
        page = officer.get("/directory")
        assert page.status_code == 422
        assert "No verified directory is available on this node." in page.text
        assert officer.get("/directory/XA").status_code == 422
    xa = federation["XA"]
    token = xa.settings.data_dir / "trust" / "directory.jws"
    header, payload, signature = token.read_text("ascii").strip().split(".")
    token.write_text(f"{header}.{payload}.{signature[:-4]}AAAA", "ascii")
    with browser(xa) as officer:
        broken = officer.get("/directory")
        assert broken.status_code == 422
        assert "No verified directory is available on this node." in broken.text


def test_signed_out_browsers_go_to_the_sign_in_page(seeded: Node) -> None:
    with TestClient(create_app(seeded.container)) as anonymous:
        answer = anonymous.get("/directory", follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/login?next=%2Fdirectory"
