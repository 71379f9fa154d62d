"""The accessibility checks find what they look for (so a clean result means something)."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.accessibility import problems


def test_the_checks_find_unlabelled_controls_low_contrast_and_orphan_errors(page: Page) -> None:
    page.set_content(
        "<html><body>"
        "<p id='pale' style='color:#bbb;background:#fff'>pale text</p>"
        "<input id='nameless'>"
        "<label for='ok'>Named</label><input id='ok' aria-invalid='true'>"
        "</body></html>"
    )
    found = "\n".join(problems(page))
    assert "contrast" in found and "pale text" in found
    assert "no label: input#nameless" in found
    assert "invalid without its message: input#ok" in found
    assert "no lang on <html>" in found


def test_a_plain_labelled_page_passes(page: Page) -> None:
    page.set_content(
        "<html lang='en'><body><p>dark text</p>"
        "<label for='ok'>Named</label><input id='ok' aria-invalid='true' aria-describedby='m'>"
        "<p id='m'>Give a name.</p></body></html>"
    )
    assert problems(page) == []
