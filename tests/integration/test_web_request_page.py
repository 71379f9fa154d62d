"""The request page: particulars shown as text (script from any source never runs), the
timeline with custody events, evidence download with the session, and no way into another
authority's request by changing the URL."""

from __future__ import annotations

import os

from starlette.testclient import TestClient

from comity.services.evidence_transfer import TransferRelay
from comity.web.app import create_app
from tests.federation_harness import PASSWORD, FedNode
from tests.integration.conftest import Node
from tests.integration.test_data_protection import draft
from tests.integration.test_evidence_api import client, login, upload
from tests.integration.test_evidence_transfer import exchanged, small_chunks
from tests.web_pages import sign_in, signed_in

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_text_in_a_request_is_shown_as_text_never_run(seeded: Node) -> None:
    created = draft(seeded, purpose=SCRIPT)
    with signed_in(seeded, "drafter") as browser:
        page = browser.get(f"/requests/{created['id']}")
        assert page.status_code == 200
        assert SCRIPT not in page.text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
        assert "draft" in page.text  # the timeline's first step
        # The 24/7 point is another authority: the request does not exist for it.
        browser.cookies.clear()
        sign_in(browser, "duty")
        assert browser.get(f"/requests/{created['id']}").status_code == 404
        assert browser.get("/requests/no-such-id").status_code == 404


def test_evidence_arrives_on_the_page_and_downloads_with_the_session(
    nodes: dict[str, FedNode],
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    small_chunks(xb)
    request_id, copy_id = exchanged(nodes)
    data = os.urandom(20_000)
    with client(xb) as http:
        package_id = upload(http, login(http, "executor"), copy_id, data).json()["package_id"]
    TransferRelay().run_once(xb.ctx)
    with TestClient(create_app(xa.container)) as browser:
        form = browser.get("/login")
        token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
        browser.post(
            "/login", data={"username": "drafter", "password": PASSWORD, "csrf_token": token}
        )
        page = browser.get(f"/requests/{request_id}")
        assert page.status_code == 200
        assert package_id in page.text and "Released" in page.text
        assert "stored" in page.text  # a custody event on the timeline
        download = browser.get(f"/evidence/{package_id}/files/mailbox.mbox")
        assert download.status_code == 200 and download.content == data
        assert browser.get(f"/evidence/{package_id}/files/none").status_code == 404


def test_the_page_shows_particulars_by_their_labels_and_the_requests_linked_to_it(
    seeded: Node,
) -> None:
    earlier = draft(seeded)
    later = draft(seeded, preservation_ref=earlier["reference"])
    with signed_in(seeded, "drafter") as browser:
        page = browser.get(f"/requests/{later['id']}").text
        assert "Measures requested" in page  # the catalogue's label, not the field's name
        assert f'href="/requests/{earlier["id"]}"' in page and "Follows" in page
        back = browser.get(f"/requests/{earlier['id']}").text
        assert f'href="/requests/{later["id"]}"' in back and "Followed by" in back
        # The page's links lead to the drafter's next step.
        assert f'href="/drafts/{later["id"]}"' in page
