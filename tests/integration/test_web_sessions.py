"""The officers' web application: sign-in with a CSRF-protected form, HttpOnly SameSite
session cookie, dashboard by authority, sign-out that ends the session at once, strict CSP."""

from __future__ import annotations

from starlette.testclient import TestClient

from comity.web.app import create_app
from comity.web.ui.sessions import LOGIN_CSRF_COOKIE, SESSION_COOKIE
from tests.integration.conftest import PASSWORD, Node
from tests.integration.test_data_protection import draft
from tests.web_pages import csrf_of, sign_in


def test_sign_in_sets_a_strict_cookie_and_the_dashboard_shows_the_authoritys_work(
    seeded: Node,
) -> None:
    created = draft(seeded)
    with TestClient(create_app(seeded.container)) as browser:
        assert browser.get("/", follow_redirects=False).headers["location"] == "/login"
        form = browser.get("/login")
        assert "default-src 'none'; script-src 'self'" in form.headers["content-security-policy"]
        answer = browser.post(
            "/login",
            data={"username": "drafter", "password": PASSWORD, "csrf_token": csrf_of(form.text)},
            follow_redirects=False,
        )
        cookie = answer.headers["set-cookie"]
        assert SESSION_COOKIE in cookie and "HttpOnly" in cookie
        assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
        page = browser.get("/")
        assert page.status_code == 200
        assert created["reference"] in page.text and "drafter (Drafter)" in page.text
        assert '<html lang="en" dir="ltr">' in page.text


def test_forms_without_their_csrf_token_are_refused(seeded: Node) -> None:
    with TestClient(create_app(seeded.container)) as browser:
        browser.get("/login")
        forged = browser.post(
            "/login", data={"username": "drafter", "password": PASSWORD, "csrf_token": "x"}
        )
        assert forged.status_code == 403 and SESSION_COOKIE not in browser.cookies
        browser.cookies.delete(LOGIN_CSRF_COOKIE)
        missing = browser.post("/login", data={"username": "drafter", "password": PASSWORD})
        assert missing.status_code == 403
        sign_in(browser, "drafter")
        refused = browser.post("/logout", data={"csrf_token": "forged"})
        assert refused.status_code == 403
        assert browser.get("/").status_code == 200  # still signed in


def test_a_wrong_password_says_so_and_sign_out_ends_the_session_at_once(seeded: Node) -> None:
    with TestClient(create_app(seeded.container)) as browser:
        form = browser.get("/login")
        wrong = browser.post(
            "/login",
            data={"username": "drafter", "password": "nope", "csrf_token": csrf_of(form.text)},
        )
        assert wrong.status_code == 401 and "wrong" in wrong.text
        sign_in(browser, "drafter")
        session = browser.cookies[SESSION_COOKIE]
        dashboard = browser.get("/")
        out = browser.post(
            "/logout", data={"csrf_token": csrf_of(dashboard.text)}, follow_redirects=False
        )
        assert out.status_code == 303 and out.headers["location"] == "/login"
        # The token is revoked, not merely forgotten by the browser.
        api = seeded.client.get("/api/v1/requests", headers={"Authorization": f"Bearer {session}"})
        assert api.status_code == 401
        assert browser.get("/", follow_redirects=False).status_code == 303


def test_the_vendored_htmx_is_served_by_the_node(seeded: Node) -> None:
    with TestClient(create_app(seeded.container)) as browser:
        script = browser.get("/static/vendor/htmx-2.0.11.min.js")
        assert script.status_code == 200 and "htmx" in script.text[:2000]
        assert browser.get("/static/comity.css").status_code == 200


def test_the_pages_speak_the_six_un_languages_and_remember_the_choice(seeded: Node) -> None:
    with TestClient(create_app(seeded.container)) as browser:
        arabic = browser.get("/login?lang=ar")
        assert '<html lang="ar" dir="rtl">' in arabic.text
        assert "تسجيل الدخول" in arabic.text
        # Remembered: the next page is Arabic without asking again.
        assert 'dir="rtl"' in browser.get("/login").text
        russian = browser.get("/login?lang=ru")
        assert '<html lang="ru" dir="ltr">' in russian.text and "Войти" in russian.text
        sign_in(browser, "drafter")
        assert "Что ждёт вас" in browser.get("/").text
    with TestClient(create_app(seeded.container)) as browser:
        chinese = browser.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
        assert '<html lang="zh"' in chinese.text and "登录" in chinese.text
        unknown = browser.get("/login?lang=xx", headers={"Accept-Language": "de"})
        assert '<html lang="en" dir="ltr">' in unknown.text


def test_sign_in_returns_to_the_page_asked_for_and_only_on_this_node(seeded: Node) -> None:
    with TestClient(create_app(seeded.container)) as browser:
        asked = browser.get("/search?q=fraud", follow_redirects=False)
        assert asked.headers["location"] == "/login?next=%2Fsearch"
        form = browser.get(asked.headers["location"])
        assert 'name="back_to" value="/search"' in form.text
        for target, landed in (("/search", "/search"), ("//evil.example/x", "/")):
            browser.cookies.clear()
            form = browser.get("/login")
            answer = browser.post(
                "/login",
                data={
                    "username": "drafter",
                    "password": PASSWORD,
                    "csrf_token": csrf_of(form.text),
                    "back_to": target,
                },
                follow_redirects=False,
            )
            assert answer.headers["location"] == landed
        # The language links keep the page's other query values.
        page = browser.get("/search?q=fraud")
        assert 'href="/search?q=fraud&amp;lang=ru"' in page.text


def test_a_fragment_polled_after_the_session_ended_sends_the_whole_page_to_sign_in(
    seeded: Node,
) -> None:
    with TestClient(create_app(seeded.container)) as browser:
        polled = browser.get(
            "/desk/queue",
            headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/desk"},
            follow_redirects=False,
        )
        assert polled.status_code == 204
        assert polled.headers["HX-Redirect"] == "/login?next=%2Fdesk"
