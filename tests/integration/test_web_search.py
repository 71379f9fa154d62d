"""The search page: words and filters over the authority's requests only, 50 a page with
previous and next links, and filter values that cannot be right answered by the form with
the field's message (422), never an error page."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from comity.domain.commands import CreateDraft
from comity.services import requests
from comity.services.demo import example_mla_fields
from comity.web.app import create_app
from tests.integration.conftest import Node
from tests.integration.test_data_protection import draft
from tests.web_pages import sign_in

SCRIPT = '<script>alert("x")</script>'


def browser(node: Node, username: str) -> TestClient:
    return sign_in(TestClient(create_app(node.container)), username)


def results(page: str) -> list[str]:
    """The rows of the results table."""
    if "<tbody>" not in page:
        return []
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr[^>]*>.*?</tr>", body, flags=re.S)


def test_words_and_filters_find_the_authority_s_requests(seeded: Node) -> None:
    wanted = draft(seeded, purpose=f"Ransomware against the water utility {SCRIPT}")
    draft(seeded, purpose="Phishing of pensioners")
    preservation = requests.create_draft(
        seeded.container.services,
        actor=seeded.people["drafter"],
        command=CreateDraft("preservation", "XC"),
    )
    with browser(seeded, "drafter") as officer:
        everything = officer.get("/search")
        assert everything.status_code == 200
        assert "<h1>Search requests</h1>" in everything.text
        assert len(results(everything.text)) == 3
        assert "3 requests found" in everything.text
        found = officer.get("/search", params={"q": "ransomware"})
        (row,) = results(found.text)
        assert f'<a href="/requests/{wanted["id"]}">{wanted["reference"]}</a>' in row
        assert "Mutual legal assistance" in row and "XB" in row and "Draft" in row
        assert "1 request found" in found.text
        # The words typed are shown back as text.
        typed = officer.get("/search", params={"q": SCRIPT})
        assert typed.status_code == 200 and SCRIPT not in typed.text
        assert "&lt;script&gt;" in typed.text
        by_type = results(officer.get("/search", params={"type": "preservation"}).text)
        assert len(by_type) == 1 and preservation.request.reference in by_type[0]
        by_state = results(officer.get("/search", params={"state": "xc"}).text)
        assert len(by_state) == 1 and preservation.request.reference in by_state[0]
        assert results(officer.get("/search", params={"status": "sent"}).text) == []
        assert len(results(officer.get("/search", params={"status": "draft"}).text)) == 3
        none = officer.get("/search", params={"q": "nothing-like-this"})
        assert none.status_code == 200 and "No request of your authority matches." in none.text
    # Another authority's officer finds none of them, whatever the words.
    with browser(seeded, "prosecutor") as other:
        assert results(other.get("/search", params={"q": "ransomware"}).text) == []
        assert results(other.get("/search").text) == []


def test_results_come_fifty_a_page(seeded: Node) -> None:
    ctx = seeded.container.services
    drafter = seeded.people["drafter"]
    for _ in range(53):
        requests.create_draft(
            ctx, actor=drafter, command=CreateDraft("mla", "XB", fields=example_mla_fields("XA"))
        )
    with browser(seeded, "drafter") as officer:
        first = officer.get("/search", params={"q": "phishing"})
        assert first.status_code == 200
        assert len(results(first.text)) == 50
        assert "Requests 1 to 50 of more than 50" in first.text
        assert 'href="/search?q=phishing&amp;page=2" rel="next"' in first.text
        assert 'rel="prev"' not in first.text
        second = officer.get("/search", params={"q": "phishing", "page": "2"})
        assert len(results(second.text)) == 3
        assert "Requests 51 to 53 of 53" in second.text
        assert 'href="/search?q=phishing" rel="prev"' in second.text
        assert 'rel="next"' not in second.text
        # No request is on two pages.
        references = re.findall(r'href="/requests/([^"]+)"', first.text + second.text)
        assert len(set(references)) == 53
        past = officer.get("/search", params={"q": "phishing", "page": "9"})
        assert past.status_code == 200 and "past the last one" in past.text


def test_bad_filter_values_answer_the_form_with_the_field_s_message(seeded: Node) -> None:
    draft(seeded)
    cases = {
        "status": ("nonsense", "Choose a status from the list."),
        "type": (SCRIPT, "Choose a type of request from the list."),
        "state": ("X1Y", "Enter the State&#39;s two-letter code, for example XB."),
        "page": ("0", "The page must be a number from 1 to 1000."),
        "q": ("w" * 201, "Use at most 200 characters."),
    }
    with browser(seeded, "drafter") as officer:
        for name, (value, message) in cases.items():
            page = officer.get("/search", params={name: value})
            assert page.status_code == 422, name
            assert 'role="alert"' in page.text
            assert f'<p id="{name}-error" class="error">{message}</p>' in page.text, name
            control = re.search(rf'<(input|select) id="{name}"[^>]*>', page.text)
            assert control is not None, name
            assert 'aria-invalid="true"' in control.group(0)
            assert f'aria-describedby="{name}-error"' in control.group(0)
            assert results(page.text) == []
            assert SCRIPT not in page.text
        # Several at once: each next to its own field.
        both = officer.get("/search", params={"status": "x", "page": "-1"})
        assert both.status_code == 422
        assert 'id="status-error"' in both.text and 'id="page-error"' in both.text


def test_signed_out_browsers_go_to_the_sign_in_page(seeded: Node) -> None:
    with TestClient(create_app(seeded.container)) as anonymous:
        answer = anonymous.get("/search?q=x", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/login?next=%2Fsearch"
