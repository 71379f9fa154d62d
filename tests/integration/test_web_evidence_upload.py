"""The evidence page: packages with their verification state, files, acquisition and custody;
an upload that works as a plain multipart form, and the resumable chunked upload the page's
script uses (offsets, conflicts, resumption, completion with the whole file's digest), with its
refusals: no CSRF header, another officer's upload, an officer who may not send evidence."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

from starlette.testclient import TestClient

from comity.services import evidence, evidence_uploads
from comity.services.evidence_transfer import TransferRelay
from comity.web.app import create_app
from tests.federation_harness import FedNode
from tests.integration.conftest import Node
from tests.integration.test_data_protection import LaterClock, draft
from tests.integration.test_evidence_transfer import exchanged, small_chunks
from tests.web_pages import csrf_of, signed_in

SCRIPT = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"
RECORD = {
    "acquired_by": "officer-17",
    "acquired_at": "2026-01-05T09:30",
    "method": "logical copy",
    "tool": "FTK Imager 4.7",
    "source": "mailbox of the suspect",
}


@contextmanager
def browser(node: FedNode | Node, username: str) -> Iterator[TestClient]:
    """A browser signed in as ``username`` on ``node``; a server error is the status a browser
    gets, not an exception in the test."""
    with signed_in(node, username, raise_server_exceptions=False) as client:
        yield client


@contextmanager
def executor_with_copy(nodes: dict[str, FedNode]) -> Iterator[tuple[TestClient, str, str]]:
    """XB's executor signed in, with the id of XB's copy of a request XA sent and the CSRF
    token of its evidence page."""
    _, copy_id = exchanged(nodes)
    with browser(nodes["XB"], "executor") as executor:
        yield executor, copy_id, token(executor, copy_id)


def token(client: TestClient, request_id: str) -> str:
    page = client.get(f"/requests/{request_id}/evidence")
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


def start(client: TestClient, request_id: str, csrf: str, size: int, **extra: Any) -> Any:
    return client.post(
        f"/requests/{request_id}/evidence/uploads",
        json={"file_name": "disk.img", "size": size, **RECORD, **extra},
        headers={"X-CSRF-Token": csrf},
    )


def put(client: TestClient, url: str, csrf: str, offset: int, data: bytes) -> Any:
    return client.put(
        url,
        params={"offset": offset},
        content=data,
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/octet-stream"},
    )


def test_without_javascript_the_form_seals_a_package_shown_with_its_state(
    nodes: dict[str, FedNode],
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    small_chunks(xb)
    request_id, copy_id = exchanged(nodes)
    data = os.urandom(20_000)
    with browser(xb, "executor") as executor:
        page = executor.get(f"/requests/{copy_id}/evidence")
        assert page.status_code == 200
        assert "Seal and send" in page.text and 'for="file"' in page.text
        assert "No evidence under this request yet." in page.text
        sent = executor.post(
            f"/requests/{copy_id}/evidence",
            data={"csrf_token": csrf_of(page.text), **RECORD, "acquired_by": SCRIPT},
            files={"file": ("mailbox.mbox", data, "application/octet-stream")},
            follow_redirects=False,
        )
        assert sent.status_code == 303, sent.text
        package_id = re.search(r"package=([^&]+)", sent.headers["location"])
        assert package_id is not None
        shown = executor.get(sent.headers["location"])
        assert "Evidence sealed as package " + package_id.group(1) in shown.text
        assert "mailbox.mbox" in shown.text and "Sending" in shown.text
        assert hashlib.sha256(data).hexdigest() in shown.text
        assert SCRIPT not in shown.text and ESCAPED in shown.text
        # While the package is in transfer its list asks for itself every 3 s...
        fragment = executor.get(f"/requests/{copy_id}/evidence", headers={"HX-Request": "true"})
        assert 'hx-trigger="every 3s"' in fragment.text and "<h1>" not in fragment.text
        assert "0 of 5 chunks" in fragment.text
        TransferRelay().run_once(xb.ctx)
        # ...and stops once none is.
        fragment = executor.get(f"/requests/{copy_id}/evidence", headers={"HX-Request": "true"})
        assert "hx-trigger" not in fragment.text and "Delivered" in fragment.text
    with browser(xa, "drafter") as drafter:
        page = drafter.get(f"/requests/{request_id}/evidence")
        assert "Received from XB" in page.text and "Verified on arrival" in page.text
        link = f"/evidence/{package_id.group(1)}/files/mailbox.mbox"
        assert link in page.text
        assert drafter.get(link).content == data
        verified = drafter.post(
            f"/evidence/{package_id.group(1)}/verify",
            data={"csrf_token": csrf_of(page.text)},
            follow_redirects=False,
        )
        assert verified.status_code == 303
        again = drafter.get(verified.headers["location"])
        assert "verified again: every chunk and file matches" in again.text
        assert "Opened" in again.text and "Verified" in again.text  # the custody chain
        # Verifying needs the session's form token.
        assert drafter.post(f"/evidence/{package_id.group(1)}/verify").status_code == 403


def test_invalid_form_is_shown_again_with_each_message_next_to_its_field(
    nodes: dict[str, FedNode],
) -> None:
    xb = nodes["XB"]
    with executor_with_copy(nodes) as (executor, copy_id, csrf):
        answer = executor.post(
            f"/requests/{copy_id}/evidence",
            data={
                "csrf_token": csrf,
                **RECORD,
                "acquired_by": "",
                "acquired_at": "2999-01-01T00:00",
            },
            files={"file": ("", b"", "application/octet-stream")},
        )
        assert answer.status_code == 422
        page = answer.text
        assert 'role="alert"' in page
        assert (
            '<p class="error" id="acquired_by-error">Enter who acquired the evidence.</p>' in page
        )
        assert 'aria-describedby="acquired_by-error" aria-invalid="true"' in page
        assert "The acquisition time cannot be in the future." in page
        assert 'id="file-error">Choose the file to send.' in page
        assert 'value="logical copy"' in page  # what was typed stays
        # A file name no package can hold is the file field's error, not a failure.
        answer = executor.post(
            f"/requests/{copy_id}/evidence",
            data={"csrf_token": csrf, **RECORD},
            files={"file": ("..", b"x", "application/octet-stream")},
        )
        assert answer.status_code == 422 and 'id="file-error"' in answer.text
        # Without the form's token nothing is staged.
        answer = executor.post(
            f"/requests/{copy_id}/evidence",
            data=RECORD,
            files={"file": ("a.bin", b"x", "application/octet-stream")},
        )
        assert answer.status_code == 403
    with xb.ctx.uow() as uow:
        assert uow.packages.for_request(copy_id) == []


def test_chunked_upload_resumes_from_the_node_offset_and_seals_the_whole_file(
    nodes: dict[str, FedNode],
) -> None:
    xb = nodes["XB"]
    data = os.urandom(10_000)
    with executor_with_copy(nodes) as (executor, copy_id, csrf):
        created = start(executor, copy_id, csrf, len(data))
        assert created.status_code == 201, created.text
        upload = created.json()
        assert upload["offset"] == 0 and upload["size"] == len(data)
        url = upload["url"]
        assert put(executor, url, csrf, 0, data[:4000]).json()["offset"] == 4000
        assert put(executor, url, csrf, 4000, data[4000:7000]).json()["offset"] == 7000
        # A chunk sent again (its answer lost) or ahead: refused, with where to go on from.
        conflict = put(executor, url, csrf, 4000, data[4000:7000])
        assert conflict.status_code == 409
        assert conflict.json()["offset"] == 7000 and conflict.headers["Upload-Offset"] == "7000"
        # Not complete yet: sealing is refused with the offset.
        early = executor.post(url + "/complete", headers={"X-CSRF-Token": csrf})
        assert early.status_code == 409 and early.json()["offset"] == 7000
        # After a reload the page lists it, and the node says where it stands.
        assert upload["upload_id"] in executor.get(f"/requests/{copy_id}/evidence").text
        assert executor.get(url).json()["offset"] == 7000
        # More than the declared size is refused, and nothing of that chunk is kept.
        over = put(executor, url, csrf, 7000, data[7000:] + b"extra")
        assert over.status_code == 413
        assert executor.get(url).json()["offset"] == 7000
        assert put(executor, url, csrf, 7000, data[7000:]).json()["offset"] == len(data)
        done = executor.post(url + "/complete", headers={"X-CSRF-Token": csrf})
        assert done.status_code == 201, done.text
        package_id = done.json()["package_id"]
        assert done.json()["location"].endswith(f"notice=sealed&package={package_id}")
        # The staging is gone: the upload no longer exists.
        assert executor.get(url).status_code == 404
        assert put(executor, url, csrf, 0, b"x").status_code == 404
    view = evidence.get(xb.ctx, actor=xb.people["executor"], package_id=package_id)
    (entry,) = view.manifest.files
    assert entry.path == "disk.img" and entry.size == len(data)
    assert entry.sha256 == hashlib.sha256(data).hexdigest()
    acquisition = view.manifest.acquisition
    assert acquisition.method == "logical copy" and acquisition.acquired_at.hour == 9
    assert not list((xb.settings.data_dir / "evidence" / "uploads").iterdir())


def test_script_requests_need_the_header_token_and_reach_only_the_officers_own_upload(
    nodes: dict[str, FedNode],
) -> None:
    xb = nodes["XB"]
    with executor_with_copy(nodes) as (executor, copy_id, csrf):
        url = start(executor, copy_id, csrf, 100).json()["url"]
        no_header = executor.put(url, params={"offset": 0}, content=b"x" * 10)
        assert no_header.status_code == 403
        assert no_header.json()["code"] == "CSRF_INVALID"
        wrong = put(executor, url, "0" * 64, 0, b"x")
        assert wrong.status_code == 403
        assert start(executor, copy_id, "", 10).status_code == 403
        too_big = put(executor, url, csrf, 0, b"\0" * (16 * 1024 * 1024 + 1))
        assert too_big.status_code == 413
        assert executor.get(url).json()["offset"] == 0
        # Invalid fields: 422 with a message per field, as the form shows them.
        invalid = start(executor, copy_id, csrf, 10, tool="", file_name="a\\b/..")
        assert invalid.status_code == 422
        paths = {issue["path"]: issue["message"] for issue in invalid.json()["errors"]}
        assert paths["tool"] == "Enter the tool used to acquire the evidence."
        assert "file" in paths
        assert start(executor, copy_id, csrf, -1).status_code == 422
        assert executor.get(url.rsplit("/", 1)[0] + "/../../x").status_code == 404
    with browser(xb, "approver") as approver:
        other = token(approver, copy_id)
        assert approver.get(url).status_code == 404
        assert put(approver, url, other, 0, b"x").status_code == 404
        assert approver.post(url + "/complete", headers={"X-CSRF-Token": other}).status_code == 404
        assert approver.delete(url, headers={"X-CSRF-Token": other}).status_code == 404
        # The approver's list of unfinished uploads does not show the executor's.
        assert url.rsplit("/", 1)[1] not in approver.get(f"/requests/{copy_id}/evidence").text
    with TestClient(create_app(xb.container), raise_server_exceptions=False) as anonymous:
        assert anonymous.get(url).status_code == 401
    with browser(xb, "executor") as executor:
        csrf = token(executor, copy_id)
        assert executor.delete(url, headers={"X-CSRF-Token": csrf}).status_code == 204
        assert executor.get(url).status_code == 404


def test_officers_who_may_not_send_evidence_are_refused(seeded: Node) -> None:
    created = draft(seeded)
    request_id = created["id"]
    # The DPO sees the request but does not handle evidence: no form, and the script is refused.
    with browser(seeded, "dpo") as dpo:
        page = dpo.get(f"/requests/{request_id}/evidence")
        assert page.status_code == 200 and "Seal and send" not in page.text
        answer = start(dpo, request_id, csrf_of(page.text), 10)
        assert answer.status_code == 403 and answer.json()["code"] == "FORBIDDEN"
    # A draft was never exchanged: evidence cannot travel under it yet.
    with browser(seeded, "drafter") as drafter:
        page = drafter.get(f"/requests/{request_id}/evidence")
        assert "Seal and send" not in page.text
        assert start(drafter, request_id, csrf_of(page.text), 10).status_code == 403
        answer = drafter.post(
            f"/requests/{request_id}/evidence",
            data={"csrf_token": csrf_of(page.text), **RECORD},
            files={"file": ("a.bin", b"x", "application/octet-stream")},
        )
        assert answer.status_code == 403
    # Another authority's officer learns nothing: the request does not exist for it.
    with browser(seeded, "duty") as duty:
        assert duty.get(f"/requests/{request_id}/evidence").status_code == 404
        assert duty.get("/requests/no-such-id/evidence").status_code == 404


def test_an_upload_nobody_touched_for_a_day_is_removed_when_another_starts(
    nodes: dict[str, FedNode],
) -> None:
    xb = nodes["XB"]
    with executor_with_copy(nodes) as (executor, copy_id, csrf):
        stale = start(executor, copy_id, csrf, 10).json()["url"]
        fresh = start(executor, copy_id, csrf, 10).json()["url"]
    # The sessions would end with a day's jump of the clock: the node's own steps are called.
    root = xb.settings.data_dir / "evidence" / "uploads"
    executor_user = xb.people["executor"]

    def later(hours: int) -> Any:
        return replace(xb.ctx, clock=LaterClock(timedelta(hours=hours)))

    def another(hours: int) -> None:
        evidence_uploads.start(
            later(hours),
            actor=executor_user,
            root=root,
            request_id=copy_id,
            name="other.bin",
            size=1,
            fields={**RECORD, "acquired_at": ""},
        )

    # A chunk renews its upload; starting another sweeps only what is a day old.
    with evidence_uploads.receiving(
        later(23),
        actor=executor_user,
        root=root,
        request_id=copy_id,
        upload_id=fresh.rsplit("/", 1)[1],
        offset=0,
    ) as sink:
        sink.write(b"12345")
    another(23)
    with browser(xb, "executor") as executor:
        assert executor.get(stale).status_code == 200
        another(25)
        assert executor.get(stale).status_code == 404
        assert executor.get(fresh).json()["offset"] == 5


def test_sending_evidence_from_the_pages_needs_a_recent_sign_in(
    nodes: dict[str, FedNode],
) -> None:
    """Evidence leaving for the other State needs a sign-in within the re-authentication
    window on the pages too: the form answers with the password page, the script's upload
    with 401 REAUTH_REQUIRED (which it turns into that page), and nothing is sealed."""
    xb = nodes["XB"]
    with executor_with_copy(nodes) as (executor, copy_id, csrf):
        xb.container.services = replace(xb.ctx, clock=LaterClock(timedelta(minutes=11)))
        sent = executor.post(
            f"/requests/{copy_id}/evidence",
            data={"csrf_token": csrf, **RECORD},
            files={"file": ("mailbox.mbox", b"data", "application/octet-stream")},
            follow_redirects=False,
        )
        assert sent.status_code == 401 and 'action="/reauth"' in sent.text
        assert f'value="/requests/{copy_id}/evidence"' in sent.text
        started = start(executor, copy_id, csrf, 4)
        assert started.status_code == 401, started.text
        assert started.json()["code"] == "REAUTH_REQUIRED"
    with xb.ctx.uow() as uow:
        assert uow.packages.for_request(copy_id) == []
