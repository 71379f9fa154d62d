"""A-11 (XSS), A-14 (injection) and API10: hostile text in every text field of a request, put
there through the API, through the drafting form and by another State's node, then read back
on every page that shows it.

Corpora (``tests/faults/corpora``): XSS vectors (script tags, event handlers, ``javascript:``
URLs, SVG and MathML, entity and encoding tricks, attribute breaks, polyglots), SQL, CRLF and
template injection. Each request carries different payloads (``PACK`` to a field) in each
text field of the catalogue's MLA and emergency preservation forms (envelope included), so
that every XSS payload lands in every field over the run; the injection payloads are spread
so that each lands in some field on every path. From the other State, besides the request's
fields: XA's approval comment and XB's reason (shown back on XA), XB's practice step values
(a preservation's provider, order and confirmation references), and evidence XB seals (file
names and the acquisition record).

Checked on every page read: no 5xx; a CSP header; no element, event-handler attribute or
``javascript:``/``data:``/``vbscript:`` URL that the page's own markup does not have (parsed
with the stdlib ``html.parser``); no header carrying a CRLF payload's injected header; the
payload shown verbatim as text (which is what "escaped, and a template not evaluated" means;
a ``{{1337*1337}}`` never renders as ``1787569``). Through the API, every payload is stored
verbatim (read back equal) on the sending node and on the receiving one.

Sizes: ``COMITY_FAULT_XSS_PAYLOADS`` (default 200) XSS payloads; ``COMITY_FAULT_UI_PAYLOADS``
(default 200) of them, and a fifth as many injection payloads, typed into the drafting
form. Budget: about 4 minutes on 2 cores.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from comity.catalogue.loader import packaged_catalogue
from comity.domain.catalogue import FieldSpec, FieldType
from comity.domain.commands import CreateDraft, MoveRequest
from comity.domain.errors import PackageUnsafeError
from comity.domain.evidence import AcquisitionRecord, check_path
from comity.domain.values import Urgency
from comity.domain.workflow import Status
from comity.services import evidence, exchange, practice, requests
from comity.services.demo import example_mla_fields, example_preservation_fields
from comity.services.evidence_transfer import TransferRelay
from comity.web.app import create_app
from tests.federation_harness import (
    PASSWORD,
    FedNode,
    create_network,
    node_settings,
    open_nodes,
)
from tests.figures import record
from tests.integration.test_federation import relay, the_copy
from tests.web_pages import csrf_of, sign_in

CORPORA = Path(__file__).with_name("corpora")
XSS_PAYLOADS = int(os.environ.get("COMITY_FAULT_XSS_PAYLOADS", "200"))
# Payloads one field holds at once, one after the other: three times fewer requests for the
# same payload x field matrix (and payloads next to each other, which a template must escape
# just the same).
PACK = int(os.environ.get("COMITY_FAULT_XSS_PACK", "3"))
# Evidence files one package carries, each named after a payload.
EVIDENCE_FILES = 6
UI_PAYLOADS = int(os.environ.get("COMITY_FAULT_UI_PAYLOADS", "200"))
# A template payload's arithmetic that no page would show by chance if it were evaluated.
EVALUATED = ("1787569",)
INJECTED_HEADER = "comity_injected"
ATTACHMENT = re.compile(r'attachment; filename="[^"\\\x00-\x1f\x7f]*"')

Key = tuple[str | int, ...]


def corpus(name: str) -> list[str]:
    """One corpus: a JSON list of payloads."""
    loaded: list[str] = json.loads((CORPORA / f"{name}.json").read_text("utf-8"))
    return loaded


# --- where text goes: every string or text field of a form ------------------------------------


def text_paths(specs: tuple[FieldSpec, ...], prefix: Key = ()) -> Iterator[Key]:
    """The path of every string or text field of a form, a list's first item standing for
    its items."""
    for spec in specs:
        yield from _paths_of(spec, (*prefix, spec.name))


def _paths_of(spec: FieldSpec, key: Key) -> Iterator[Key]:
    if spec.type in (FieldType.STRING, FieldType.TEXT):
        yield key
    elif spec.type is FieldType.OBJECT:
        yield from text_paths(spec.fields, key)
    elif spec.type is FieldType.LIST and spec.items is not None:
        yield from _paths_of(spec.items, (*key, 0))


def get_at(document: Any, key: Key) -> Any:
    for part in key:
        document = document[part]
    return document


def set_at(document: Any, key: Key, value: Any) -> None:
    """Put ``value`` at ``key``, making the objects and one-item lists on the way."""
    for part, following in pairwise(key):
        empty: Any = [] if isinstance(following, int) else {}
        if isinstance(part, int):
            if not document:
                document.append(empty)
            document = document[part]
        else:
            document = document.setdefault(part, empty)
    last = key[-1]
    if isinstance(last, int):
        if document:
            document[last] = value
        else:
            document.append(value)
    else:
        document[last] = value


def _exists(document: Any, key: Key) -> bool:
    try:
        get_at(document, key)
    except (KeyError, IndexError, TypeError):
        return False
    return True


@dataclass(frozen=True)
class Form:
    """A form of the catalogue with its complete example and its text fields: ``every`` for
    drafts (which may be incomplete), ``complete`` for those that keep the example complete
    (their container exists in it, or they are top-level), for requests that are sent."""

    code: str
    urgency: Urgency | None
    example: dict[str, Any]
    every: list[Key]
    complete: list[Key]

    def filled(
        self, keys: list[Key], payloads: list[str], base: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The example (or ``base``) with ``payloads`` at ``keys``."""
        document = json.loads(json.dumps(self.example if base is None else base))
        for key, payload in zip(keys, payloads, strict=True):
            set_at(document, key, payload)
        return document


@cache
def forms() -> list[Form]:
    catalogue = packaged_catalogue()
    built = []
    for code, urgency, example in (
        ("mla", None, example_mla_fields("XA")),
        ("preservation", Urgency.EMERGENCY, example_preservation_fields("XA")),
    ):
        every = list(text_paths(catalogue.type(code).fields))
        complete = [key for key in every if len(key) == 1 or _exists(example, key[:-1])]
        built.append(Form(code, urgency, example, every, complete))
    return built


def rotation(payloads: list[str], count: int, request: int, spread: bool) -> list[list[str]]:
    """The payloads of one request's ``count`` fields, ``PACK`` to a field.

    Not ``spread``: field j of request r holds the (r + j)-th block of PACK payloads, so over
    len(payloads) / PACK requests every payload visits every field, and no two fields of one
    request hold the same payload. ``spread``: each
    field holds the next PACK payloads, so that each payload is used once as soon as possible.
    """
    size = len(payloads)
    if spread:
        start = request * count * PACK
        return [
            [payloads[(start + field * PACK + i) % size] for i in range(PACK)]
            for field in range(count)
        ]
    return [
        [payloads[((request + field) * PACK + i) % size] for i in range(PACK)]
        for field in range(count)
    ]


def joined(packs: list[list[str]]) -> list[str]:
    """Each field's value: its payloads one after the other (at most 3 x 170 characters, under
    the 500 a string field holds)."""
    return [" ".join(pack) for pack in packs]


# --- reading a page ---------------------------------------------------------------------------

DANGEROUS_TAGS = {
    "script", "iframe", "object", "embed", "base", "frame", "frameset", "applet", "portal",
    "svg", "math", "img", "video", "audio", "source", "style", "link", "meta", "marquee",
    "isindex", "keygen", "details", "template", "xmp", "plaintext", "noscript", "x",
    "custom-tag", "animate", "set", "discard", "use", "foreignobject", "mglyph", "mtext",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "background"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")


class Page(HTMLParser):
    """A page's elements, attributes and text as a browser would see them."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.texts: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.elements.append((tag, attributes))
        self.texts.extend(attributes.values())

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    def signatures(self) -> set[tuple[str, frozenset[str]]]:
        return {(tag, frozenset(attributes)) for tag, attributes in self.elements}


def injected(page: Page, own: set[tuple[str, frozenset[str]]]) -> list[str]:
    """What on ``page`` can only come from a payload: a dangerous element or an element shape
    the node's own pages do not have, an event handler, a script URL."""
    found = []
    for tag, attributes in page.elements:
        shape = (tag, frozenset(attributes))
        if tag in DANGEROUS_TAGS and shape not in own:
            found.append(f"<{tag} {sorted(attributes)}>")
        for name, value in attributes.items():
            if name.startswith("on"):
                found.append(f"<{tag} {name}={value!r}>")
            compact = re.sub(r"[\x00-\x20]", "", value).lower()
            if name in URL_ATTRIBUTES and compact.startswith(BAD_SCHEMES):
                found.append(f"<{tag} {name}={value!r}>")
    return found


@dataclass
class Reader:
    """Reads pages and checks each; counts what it saw."""

    own: set[tuple[str, frozenset[str]]] = field(default_factory=set)
    pages: int = 0
    failures: list[str] = field(default_factory=list)

    def learn(self, client: TestClient, path: str) -> None:
        """The element shapes of a page with no payload on it: the node's own markup."""
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
        self.own |= Page(answer.text).signatures()

    def read(self, client: TestClient, path: str, **params: str) -> Page | None:
        answer = client.get(path, params=params or None)
        self.pages += 1
        where = f"{path} {params or ''}"
        if answer.status_code >= 500:
            self.failures.append(f"{where}: {answer.status_code}")
            return None
        self.headers(answer, where)
        if answer.status_code != 200 or "html" not in answer.headers.get("content-type", ""):
            return None
        if "content-security-policy" not in answer.headers:
            self.failures.append(f"{where}: no CSP header")
        page = Page(answer.text)
        for item in injected(page, self.own):
            self.failures.append(f"{where}: injected {item}")
        for number in EVALUATED:
            if number in answer.text:
                self.failures.append(f"{where}: a template was evaluated ({number})")
        return page

    def headers(self, answer: Any, where: str) -> None:
        """No header of ``answer`` carries what a CRLF payload would have injected."""
        for name, value in answer.headers.multi_items():
            if INJECTED_HEADER in name.lower().replace("-", "_") or "\r" in value or "\n" in value:
                self.failures.append(f"{where}: header {name}: {value!r}")
            # A download names its file in one quoted string: the payload may be that name,
            # as long as it cannot close the quotes and start a parameter of its own.
            if name.lower() == "content-disposition" and ATTACHMENT.fullmatch(value):
                continue
            if INJECTED_HEADER in value.lower():
                self.failures.append(f"{where}: header {name}: {value!r}")


# --- the federation ---------------------------------------------------------------------------


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[dict[str, FedNode]]:
    """XA and XB, each with its own SQLite database, connected in this process."""
    states = {
        state: node_settings(tmp_path, state, 9400 + i) for i, state in enumerate(("XA", "XB"))
    }
    create_network(tmp_path, states)
    built = open_nodes(states)
    try:
        yield built
    finally:
        for node in built.values():
            node.container.close()


def _browser(node: FedNode, username: str) -> TestClient:
    client = TestClient(create_app(node.container), raise_server_exceptions=False)
    return sign_in(client, username)


def _bearer(client: TestClient, username: str) -> dict[str, str]:
    answer = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@dataclass
class Tally:
    """What was actually checked: (channel, form, field, payload) seen verbatim on a page."""

    xss: set[tuple[str, str, Key, str]] = field(default_factory=set)
    injection: set[tuple[str, str, Key, str]] = field(default_factory=set)
    stored: int = 0
    served: int = 0

    def seen(
        self, channel: str, form: Form, keys: list[Key], packs: list[list[str]], text: str,
        kinds: dict[str, str],
    ) -> None:  # fmt: skip
        """Count the payloads of each field whose whole value ``text`` (a page's) shows
        verbatim: the value, not each payload, since a payload can be part of another one."""
        for key, pack in zip(keys, packs, strict=True):
            value = " ".join(pack).strip()
            if value and value in text:
                for payload in pack:
                    case = (channel, form.code, key, payload)
                    (self.xss if kinds[payload] == "xss" else self.injection).add(case)


def test_hostile_text_in_every_field_is_stored_verbatim_and_never_runs(
    pair: dict[str, FedNode], tmp_path: Path
) -> None:
    xa, xb = pair["XA"], pair["XB"]
    xss = corpus("xss")[:XSS_PAYLOADS]
    injection = corpus("sqli") + corpus("crlf") + corpus("template")
    kinds = dict.fromkeys(xss, "xss")
    for name in ("sqli", "crlf", "template"):
        kinds.update(dict.fromkeys(corpus(name), name))
    assert len(xss) >= min(XSS_PAYLOADS, 200)
    assert all(len(corpus(name)) >= 100 for name in ("sqli", "crlf", "template"))
    reader, tally = Reader(), Tally()

    xa_drafter, xa_approver = _browser(xa, "drafter"), _browser(xa, "approver")
    xb_executor, xb_duty = _browser(xb, "executor"), _browser(xb, "duty")
    api = TestClient(create_app(xa.container), raise_server_exceptions=False)
    token = _bearer(api, "drafter")
    for browser, path in ((xa_drafter, "/"), (xa_drafter, "/drafts"), (xa_drafter, "/search")):
        reader.learn(browser, path)
    for browser, path in ((xb_executor, "/incoming"), (xb_duty, "/desk"), (xb_duty, "/")):
        reader.learn(browser, path)

    # 1. Through the API: a draft per round and form, a payload in every text field; stored
    #    verbatim, then shown on the request page, the draft's page and the lists.
    for form in forms():
        learnt = False
        for round_, (payloads, spread) in enumerate(_schedule(xss, injection, len(form.every))):
            packs = rotation(payloads, len(form.every), round_, spread)
            chosen = joined(packs)
            body = {
                "type": form.code,
                "requested_state": "XB",
                "fields": form.filled(form.every, chosen),
                **({"urgency": str(form.urgency)} if form.urgency else {}),
            }
            created = api.post("/api/v1/requests", json=body, headers=token)
            assert created.status_code in (201, 422), created.text
            if created.status_code == 422:
                reader.failures.append(f"API refused {form.code} round {round_}: {created.text}")
                continue
            request_id = created.json()["id"]
            stored = api.get(f"/api/v1/requests/{request_id}", headers=token).json()["fields"]
            for key, payload in zip(form.every, chosen, strict=True):
                assert get_at(stored, key) == payload, (form.code, key)
                tally.stored += 1
            if not learnt:
                # The shapes of a request page's own markup, learnt from the example.
                plain = api.post(
                    "/api/v1/requests",
                    json={**body, "fields": form.example},
                    headers=token,
                ).json()["id"]
                reader.learn(xa_drafter, f"/requests/{plain}")
                reader.learn(xa_drafter, f"/drafts/{plain}")
                learnt = True
            texts = []
            for path in (f"/requests/{request_id}", f"/drafts/{request_id}"):
                page = reader.read(xa_drafter, path)
                texts.append(page.text if page else "")
            tally.seen("api", form, form.every, packs, "\n".join(texts), kinds)
        for path in ("/", "/drafts", "/search"):
            reader.read(xa_drafter, path)

    # 2. Every payload as a search: the API's full-text filter and the search page, where the
    #    query is shown back to the officer.
    for payload in xss + injection:
        answer = api.get("/api/v1/requests", params={"q": payload}, headers=token)
        if answer.status_code >= 500:
            reader.failures.append(f"API search {payload!r}: {answer.status_code}")
        reader.read(xa_drafter, "/search", q=payload)

    # 3. From the other State: XA sends complete requests with a payload in every field that
    #    keeps them complete, and an approval comment; XB shows them in its inbox, on the
    #    request's pages and on the 24/7 desk; XB's reason for registering comes back to XA.
    _through_the_federation(xa, xb, xss, injection, kinds, reader, tally,
                            (xa_approver, xb_executor, xb_duty))  # fmt: skip

    # 4. Evidence from the other State: hostile file names and acquisition records.
    _through_evidence(xa, xb, xss + corpus("crlf"), xss, kinds, reader, tally,
                      xa_drafter, tmp_path / "evidence")  # fmt: skip

    # 5. Typed into the drafting form like an officer would.
    _through_the_drafting_form(xa_drafter, xss[:UI_PAYLOADS] + injection[: UI_PAYLOADS // 5],
                               kinds, reader, tally)  # fmt: skip

    assert reader.failures == [], "\n".join(reader.failures[:40])
    # Every XSS payload was seen, escaped, in every text field of both forms, on the sending
    # node's pages (API) and on the receiving node's (federation).
    seen = Counter((case[0], case[1], case[2]) for case in tally.xss)
    short = [
        (channel, form.code, key, seen[(channel, form.code, key)])
        for form in forms()
        for key in form.every
        for channel in ("api", "federation")
        if seen[(channel, form.code, key)] < len(xss)
    ]
    assert short == [], short[:20]
    practice_seen = Counter(case[2] for case in tally.xss if case[0] == "practice")
    assert len(practice_seen) == 3 and min(practice_seen.values()) == len(xss), practice_seen
    record("xss_cases", len(tally.xss))
    record("injection_cases", len(tally.injection))
    record("pages_checked", reader.pages)
    record("evidence_files_served", tally.served)
    # Every payload reached a page somewhere (else the check above proved nothing for it).
    shown = {case[3] for case in tally.xss | tally.injection}
    missing = [p for p in xss + injection if p.strip() and p not in shown]
    assert missing == [], missing[:10]


def test_the_page_reader_finds_what_a_payload_would_inject() -> None:
    """The checker itself: an unescaped payload, an event handler, a script URL, a CRLF
    header and an evaluated template are each found; the same text escaped is not."""
    own = Page('<html><body><a href="/x">x</a><script nonce="n" src="/static/a.js"></script>')

    def found(markup: str) -> list[str]:
        return injected(Page(markup), own.signatures())

    assert found('<a href="/x">x</a><script nonce="n" src="/static/a.js"></script>') == []
    assert found("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>") == []
    assert found("<p><script>alert(1)</script></p>")
    assert found('<p><img src=x onerror="alert(1)"></p>')
    assert found('<a href=" JaVa\tScRiPt:alert(1)">x</a>')
    assert found('<div title="" onmouseover="alert(1)">')
    assert found("<svg/onload=alert(1)>")
    assert "<script>alert(1)</script>" in Page("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>").text

    class Answer:
        status_code = 200

        def __init__(self, headers: dict[str, str], text: str) -> None:
            self.headers = _Headers(headers)
            self.text = text

    reader = Reader()
    reader.headers(Answer({"X-Comity-Injected": "1"}, ""), "crlf")
    reader.headers(Answer({"Set-Cookie": "comity_injected=1"}, ""), "cookie")
    reader.headers(Answer({"Content-Type": "text/html"}, ""), "clean")
    assert [failure.split(":")[0] for failure in reader.failures] == ["crlf", "cookie"]


class _Headers(dict[str, str]):
    def multi_items(self) -> list[tuple[str, str]]:
        return list(self.items())


def _schedule(xss: list[str], injection: list[str], fields: int) -> list[tuple[list[str], bool]]:
    """The rounds of one path: every XSS payload in every field (a round per PACK payloads), then
    the injection payloads each in some field (as few rounds as cover them)."""
    rounds = [(xss, False)] * -(-len(xss) // PACK)
    rounds += [(injection, True)] * -(-len(injection) // (fields * PACK))
    return rounds


def _through_the_federation(
    xa: FedNode, xb: FedNode, xss: list[str], injection: list[str], kinds: dict[str, str],
    reader: Reader, tally: Tally, browsers: tuple[TestClient, TestClient, TestClient],
) -> None:  # fmt: skip
    """Requests sent XA -> XB with payloads, shown on XB; XB's reasons shown on XA."""
    xa_approver, xb_executor, xb_duty = browsers
    drafter, approver = xa.people["drafter"], xa.people["approver"]
    learnt = False
    for form in forms():
        base, keys = _sendable(xa, form)
        for round_, (payloads, spread) in enumerate(_schedule(xss, injection, len(keys) + 2)):
            packs = rotation(payloads, len(keys) + 2, round_, spread)
            chosen = joined(packs)
            comment, reason = chosen[-2:]
            view = requests.create_draft(
                xa.ctx, actor=drafter,
                command=CreateDraft(type_code=form.code, requested_state="XB",
                                    fields=form.filled(keys, chosen[:-2], base),
                                    urgency=form.urgency),
            )  # fmt: skip
            assert view.missing == (), (form.code, view.missing)
            xa_id = view.request.id
            requests.submit(xa.ctx, actor=drafter, request_id=xa_id)
            requests.approve(xa.ctx, actor=approver, request_id=xa_id, comment=comment)
            exchange.send(xa.ctx, actor=approver, request_id=xa_id)
            relay(xa)
            copy = the_copy(xb, xa_id)
            for key, payload in zip(keys, chosen, strict=False):
                assert get_at(copy.fields, key) == payload, (form.code, key)
                tally.stored += 1
            if not learnt:
                reader.learn(xb_executor, f"/incoming/{copy.id}")
                reader.learn(xb_executor, f"/requests/{copy.id}")
                learnt = True
            browser = xb_duty if form.urgency else xb_executor
            texts = []
            for path in (f"/incoming/{copy.id}", f"/requests/{copy.id}"):
                page = reader.read(browser, path)
                texts.append(page.text if page else "")
            tally.seen("federation", form, keys, packs[:-2], "\n".join(texts), kinds)
            if form.urgency:
                reader.read(xb_duty, "/desk")
                # XB's duty officer orders and confirms the preservation with hostile values;
                # XA shows the practice steps' values.
                steps = rotation(payloads, 3, round_, spread)
                provider, order_ref, confirmation_ref = joined(steps)
                for code, values in (
                    ("order", {"provider": provider, "order_ref": order_ref}),
                    ("confirm", {"confirmation_ref": confirmation_ref}),
                ):
                    practice.take_step(
                        xb.ctx, actor=xb.people["duty"], request_id=copy.id, step_code=code,
                        values=values,
                    )  # fmt: skip
                relay(xb)
                page = reader.read(xa_approver, f"/requests/{xa_id}")
                stepped = [("practice", "order", "provider"), ("practice", "order", "order_ref"),
                           ("practice", "confirm", "confirmation_ref")]  # fmt: skip
                tally.seen("practice", form, stepped, steps, page.text if page else "", kinds)
            else:
                # XB registers it with a hostile reason; XA shows XB's reason.
                requests.process(
                    xb.ctx, actor=xb.people["executor"],
                    command=MoveRequest(request_id=copy.id, to=Status.REGISTERED, reason=reason),
                )  # fmt: skip
                relay(xb)
                page = reader.read(xa_approver, f"/requests/{xa_id}")
                tally.seen("federation", form, [("reason",), ("comment",)], packs[-1:-3:-1],
                           page.text if page else "", kinds)  # fmt: skip
        reader.read(xb_executor, "/incoming")
        reader.read(xb_duty, "/")


def _through_evidence(
    xa: FedNode, xb: FedNode, names: list[str],
    xss: list[str], kinds: dict[str, str], reader: Reader, tally: Tally,
    xa_browser: TestClient, folder: Path,
) -> None:  # fmt: skip
    """XB seals evidence under the requests XA sent: file names from the XSS and CRLF corpora
    (slashes as look-alikes: a file name holds none), the acquisition record's four texts from
    the XSS corpus. XA shows the packages on the request page and serves each file with a
    Content-Disposition that no CRLF payload breaks."""
    form = forms()[0]
    per_package = EVIDENCE_FILES
    packages = max(-(-len(names) // per_package), -(-len(xss) // 4))
    # Under requests with no payload of their own, so that a payload on the evidence page can
    # only be the evidence's; a few packages to each, so that the page stays small.
    clean = [_exchanged_plain(xa, xb) for _ in range(-(-packages // 8))]
    # The evidence page's own markup, learnt from a package with nothing hostile in it.
    plain = folder / "plain"
    plain.mkdir(parents=True)
    (plain / "disk.img").write_bytes(b"evidence")
    sample_id, sample_copy = _exchanged_plain(xa, xb)
    evidence.seal_and_send(
        xb.ctx, actor=xb.people["executor"], request_id=sample_copy, paths=[plain / "disk.img"],
        acquisition=AcquisitionRecord("officer 17", xb.ctx.clock.now(), "logical copy",
                                      "FTK 8.1", "mailbox", sample_copy),
    )  # fmt: skip
    TransferRelay().run_once(xb.ctx)
    reader.learn(xa_browser, f"/requests/{sample_id}/evidence")
    for number in range(packages):
        xa_id, copy_id = clean[number // 8]
        files = {
            _file_name(name): name
            for name in names[number * per_package : (number + 1) * per_package]
        }
        texts = [xss[(number * 4 + i) % len(xss)] for i in range(4)]
        for file_name, name in files.items():
            kinds.setdefault(file_name, kinds[name])
        inbox = folder / f"package-{number}"
        inbox.mkdir(parents=True)
        paths = []
        for file_name in files:
            (inbox / file_name).write_bytes(b"evidence")
            paths.append(inbox / file_name)
        if not paths:
            (inbox / "plain.txt").write_bytes(b"evidence")
            paths.append(inbox / "plain.txt")
        acquired_by, method, tool, source = texts
        package = evidence.seal_and_send(
            xb.ctx, actor=xb.people["executor"], request_id=copy_id, paths=paths,
            acquisition=AcquisitionRecord(acquired_by, xb.ctx.clock.now(), method, tool, source,
                                          copy_id),
        ).package.package_id  # fmt: skip
        TransferRelay().run_once(xb.ctx)
        page = reader.read(xa_browser, f"/requests/{xa_id}/evidence")
        text = page.text if page else ""
        lost = [shown for shown in [*files, *texts] if shown.strip() not in text]
        if lost:
            reader.failures.append(f"evidence sealed by XB but not shown on XA: {lost[:5]}")
        keys: list[Key] = [("evidence", "acquisition", member) for member in range(4)]
        tally.seen("evidence", form, keys, [[t] for t in texts], text, kinds)
        tally.seen("evidence", form, [("evidence", "file_name")] * len(files),
                   [[name] for name in files], text, kinds)  # fmt: skip
        for file_name in files:
            answer = xa_browser.get(f"/evidence/{package}/files/{quote(file_name, safe='')}")
            reader.pages += 1
            # A "%" the test client decodes once more than a browser would. Any other name is
            # served.
            unreachable = "%" in file_name
            if answer.status_code >= 500 or (answer.status_code != 200 and not unreachable):
                reader.failures.append(f"evidence file {file_name!r}: {answer.status_code}")
            tally.served += answer.status_code == 200
            reader.headers(answer, f"evidence file {file_name!r}")


def _exchanged_plain(xa: FedNode, xb: FedNode) -> tuple[str, str]:
    """An MLA request with the example's fields, sent XA -> XB: its ids on XA and XB."""
    view = requests.create_draft(
        xa.ctx, actor=xa.people["drafter"],
        command=CreateDraft(type_code="mla", requested_state="XB", fields=example_mla_fields("XA")),
    )  # fmt: skip
    xa_id = view.request.id
    requests.submit(xa.ctx, actor=xa.people["drafter"], request_id=xa_id)
    requests.approve(xa.ctx, actor=xa.people["approver"], request_id=xa_id)
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=xa_id)
    relay(xa)
    return xa_id, the_copy(xb, xa_id).id


def _file_name(payload: str) -> str:
    """A payload as a file name: a slash as U+2215 and a backslash as U+2216 (a package's
    paths hold neither as a name), at most 255 bytes."""
    name = payload.replace("/", "\u2215").replace("\\", "\u2216")
    # Control and invisible characters (a line feed, a right-to-left override) are refused in
    # a package's paths (``check_path``): dropped here, refused in the test below.
    name = "".join(character for character in name if _path_character(character))
    while len(name.encode()) > 255:
        name = name[:-1]
    return name if name not in ("", ".", "..") else f"{name}_"


def _path_character(character: str) -> bool:
    try:
        check_path(f"a{character}b")
    except PackageUnsafeError:
        return False
    return True


def _sendable(node: FedNode, form: Form) -> tuple[dict[str, Any], list[Key]]:
    """An example that stays complete with every text field filled: the members the example
    does not give to an item made for a text field (a person's role, an attachment's digest)
    get a valid value; the text fields that still cannot be filled are left out."""
    base = json.loads(json.dumps(form.example))
    for _ in range(3):
        filled = form.filled(form.every, ["x"] * len(form.every), base=base)
        view = requests.create_draft(
            node.ctx, actor=node.people["drafter"],
            command=CreateDraft(type_code=form.code, requested_state="XB", fields=filled,
                                urgency=form.urgency),
        )  # fmt: skip
        if not view.missing:
            return base, form.every
        for issue in view.missing:
            key = _key(issue.path.removeprefix("fields."))
            value = _valid(node.ctx.catalogue.type(form.code).fields, key)
            if value is None:
                break
            set_at(base, key, value)
    incomplete = {issue.path.removeprefix("fields.").rsplit(".", 1)[0] for issue in view.missing}
    return base, [key for key in form.every if _dotted(key).rsplit(".", 1)[0] not in incomplete]


def _key(dotted: str) -> Key:
    """``persons[0].role`` as a path: ``("persons", 0, "role")``."""
    key: list[str | int] = []
    for part in re.findall(r"[^.\[\]]+", dotted):
        key.append(int(part) if part.isdigit() else part)
    return tuple(key)


def _valid(specs: tuple[FieldSpec, ...], key: Key) -> Any:
    """A valid value for the choice or digest at ``key``, or None if there is none to give."""
    spec: FieldSpec | None = None
    for part in key:
        if isinstance(part, int):
            spec = spec.items if spec is not None else None
            continue
        members = spec.fields if spec is not None else specs
        spec = next((member for member in members if member.name == part), None)
        if spec is None:
            return None
    if spec is None:
        return None
    if spec.type is FieldType.ENUM and spec.values:
        return spec.values[0]
    return {"sha256": "0" * 64, "date": "2026-01-01"}.get(str(spec.type))


def _dotted(key: Key) -> str:
    """``("persons", 0, "names")`` as the completeness check names it: ``persons[0].names``."""
    text = ""
    for part in key:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".")


def _through_the_drafting_form(
    browser: TestClient, payloads: list[str], kinds: dict[str, str], reader: Reader, tally: Tally
) -> None:
    """Drafts through the drafting form's steps, every text box of every step typed with the
    next payload, until each payload was typed once; each saved draft's pages show them."""
    position = 0
    while position < len(payloads):
        typed = _one_draft(browser, payloads, position, reader)
        assert typed, "the drafting form showed no text box"
        position += len(typed)
        draft = typed[0][0]
        shown = "\n".join(
            page.text for path in (draft, draft.replace("/drafts/", "/requests/"))
            if (page := reader.read(browser, path)) is not None
        )  # fmt: skip
        lost = [value for _, _, value in typed if value.strip() not in shown]
        if lost:
            reader.failures.append(f"typed into {draft} but not shown: {lost[:5]}")
        keys: list[Key] = [("form", box) for _, box, _ in typed]
        packs = [[value] for _, _, value in typed]
        tally.seen("ui", forms()[0], keys, packs, shown, kinds)


def _one_draft(
    browser: TestClient, payloads: list[str], position: int, reader: Reader
) -> list[tuple[str, str, str]]:
    """One MLA draft typed through every step from ``payloads[position:]``: (draft, box,
    payload) for each text box typed."""
    start = browser.get("/drafts/new")
    created = browser.post(
        "/drafts",
        data={"csrf_token": csrf_of(start.text), "type_code": "mla", "requested_state": "XB"},
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    draft = created.headers["location"].split("?")[0]
    first = browser.get(draft, params={"step": 1})
    steps = max(int(number) for number in re.findall(r"step=(\d+)", first.text))
    typed: list[tuple[str, str, str]] = []
    text_fields = {_dotted(key) for key in forms()[0].every}
    for step in range(1, steps + 1):
        page = first if step == 1 else browser.get(draft, params={"step": step})
        if page.status_code != 200:
            continue
        values, boxes = _form_values(page.text)
        # Only the boxes of string and text fields: a number, a language or a digest typed
        # as a payload is refused at its field, which is right but shows nothing.
        for box in [box for box in boxes if box.removeprefix("fields.") in text_fields]:
            if position >= len(payloads):
                break
            values[box] = payloads[position]
            typed.append((draft, box, payloads[position]))
            position += 1
        values["action"] = "save"
        saved = browser.post(draft, data=values, follow_redirects=False)
        if saved.status_code >= 400:
            reader.failures.append(f"drafting form step {step}: {saved.status_code}")
        if position >= len(payloads):
            break
    return typed


class _FormFields(HTMLParser):
    """The first form's fields after the CSRF token: values to post back, and text boxes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self.boxes: list[str] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        name = attributes.get("name", "")
        if not name or name == "action":
            return
        kind = attributes.get("type", "text")
        if tag == "textarea" or (tag == "input" and kind in ("text", "search", "email")):
            self.boxes.append(name)
        elif tag == "input" and kind in ("hidden", "date", "number"):
            self.values[name] = attributes.get("value", "")
        elif tag == "input" and kind in ("checkbox", "radio") and "checked" in attributes:
            self.values[name] = attributes.get("value", "on")
        elif tag == "select":
            self._select = name
        if tag == "option" and self._select and "selected" in attributes:
            self.values[self._select] = attributes.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def _form_values(page: str) -> tuple[dict[str, str], list[str]]:
    parser = _FormFields()
    parser.feed(page)
    return parser.values, [box for box in parser.boxes if box not in ("q",)]
