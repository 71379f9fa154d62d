"""Formal originals through the API: a request as PDF/A, signed PAdES by the node's document
key, validated by pyHanko against the node's document CA and by poppler's ``pdfsig``; one
changed byte breaks both. The system tools are required, never skipped: ``.ci/run`` installs
them (poppler-utils, Pango, fonts)."""

from __future__ import annotations

import hashlib
import shutil
import stat
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select
from starlette.testclient import TestClient
from typer.testing import CliRunner

from comity import federation_setup
from comity.cli.main import app as cli
from comity.domain.originals import OriginalDocument, direction, entries
from comity.render.pdf import WeasyPrintRenderer
from comity.services import data_protection, originals
from comity.services.demo import example_mla_fields
from comity.store.originals import request_original
from comity.store.tables import audit_leaf, data_access
from comity.web.app import create_app
from tests.integration.conftest import Node
from tests.integration.test_data_protection import RETENTION, LaterClock
from tests.web_pages import csrf_of, sign_in

SCRIPT = "<script>alert('xss')</script>"
ARABIC = "طلب المساعدة القانونية المتبادلة"
CYRILLIC = "Взаимная правовая помощь"


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: install poppler-utils (.ci/run does)"
    return path


@pytest.fixture
def signing(seeded: Node) -> Node:
    """The seeded node with its document-signing key."""
    federation_setup.create_document_key(seeded.container.settings, now=datetime.now(UTC))
    return seeded


def _approved_mla(node: Node) -> dict[str, Any]:
    fields = example_mla_fields("XA")
    fields["facts_summary"] = f"{fields['facts_summary']} {SCRIPT} {ARABIC} {CYRILLIC}"
    created = node.client.post(
        "/api/v1/requests",
        json={"type": "mla", "requested_state": "XB", "fields": fields},
        headers=node.headers("drafter"),
    )
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    submitted = node.client.post(
        f"/api/v1/requests/{request_id}/submit", headers=node.headers("drafter")
    )
    assert submitted.status_code == 200, submitted.text
    approved = node.client.post(
        f"/api/v1/requests/{request_id}/approve", headers=node.headers("approver")
    )
    assert approved.status_code == 200, approved.text
    body: dict[str, Any] = approved.json()
    return body


def _original(node: Node, request_id: str, lang: str = "en") -> bytes:
    response = node.client.get(
        f"/api/v1/requests/{request_id}/original.pdf",
        params={"lang": lang},
        headers=node.headers("drafter"),
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    return response.content


def _validate(pdf: bytes, node: Node) -> PdfSignatureStatus:
    ca_pem = (federation_setup.keys_dir(node.container.settings) / "doc-ca.pem").read_bytes()
    _, _, der = pem.unarmor(ca_pem)
    context = ValidationContext(trust_roots=[asn1_x509.Certificate.load(der)])
    reader = PdfFileReader(BytesIO(pdf))
    assert len(reader.embedded_signatures) == 1
    return validate_pdf_signature(reader.embedded_signatures[0], context)


def _pdfsig(pdf: bytes, tmp_path: Path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    # -nocert: check the signature and the digest of the signed ranges, not the certificate
    # against the system's NSS store (pyHanko checks the chain against the document CA).
    done = subprocess.run(
        [_tool("pdfsig"), "-nocert", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _pdftotext(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        [_tool("pdftotext"), str(path), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def test_a_signed_original_validates_and_one_changed_byte_breaks_it(
    signing: Node, tmp_path: Path
) -> None:
    request = _approved_mla(signing)
    pdf = _original(signing, request["id"])
    assert pdf.startswith(b"%PDF-")

    # PDF/A-3b: the XMP metadata identify the part and conformance level.
    reader = PdfFileReader(BytesIO(pdf))
    xmp = reader.root["/Metadata"].get_object().data
    assert b"pdfaid" in xmp and b"3" in xmp.split(b"pdfaid:part")[1][:4]
    assert b"pdfaid:conformance" in xmp and b"B" in xmp.split(b"pdfaid:conformance")[1][:4]

    status = _validate(pdf, signing)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.coverage.name == "ENTIRE_FILE"
    assert status.bottom_line
    subject = status.signing_cert.subject.human_friendly
    assert "State XA" in subject and "Central Authority" in subject
    report = _pdfsig(pdf, tmp_path, "original.pdf")
    assert "Signature Validation: Signature is Valid." in report, report
    assert "Total document signed" in report
    assert "Signature Type: ETSI.CAdES.detached" in report

    # One byte changed inside the signed range: the State's name WeasyPrint wrote.
    sig = reader.embedded_signatures[0]
    first_range_end = sig.sig_object["/ByteRange"][1]
    position = pdf.find(b"/Creator (Comity)") + len(b"/Creator (C")
    assert 0 < position < first_range_end
    tampered = bytearray(pdf)
    tampered[position] ^= 0x01
    broken = _validate(bytes(tampered), signing)
    assert not broken.intact and not broken.bottom_line
    report = _pdfsig(bytes(tampered), tmp_path, "tampered.pdf")
    assert "Signature is Valid" not in report, report
    assert "Digest Mismatch" in report, report

    # The original stays attached to the request, with its audit entry and the export in the
    # DPO's register.
    engine = signing.container.engine
    with engine.connect() as connection:
        kept = connection.execute(
            select(request_original).where(request_original.c.request_id == request["id"])
        ).all()
        tags = connection.execute(
            select(audit_leaf.c.details).where(
                audit_leaf.c.tag == "request:original:signed",
                audit_leaf.c.object_id == request["id"],
            )
        ).all()
        exports = connection.execute(
            select(data_access.c.outcome).where(
                data_access.c.request_id == request["id"], data_access.c.action == "export"
            )
        ).all()
    assert len(kept) == 1 and bytes(kept[0].pdf) == pdf and kept[0].lang == "en"
    assert kept[0].sha256 == hashlib.sha256(pdf).hexdigest()
    assert [row[0]["sha256"] for row in tags] == [kept[0].sha256]
    assert [row[0] for row in exports] == ["allowed"]
    listed = originals.originals_of(
        signing.container.services, signing.people["drafter"], request["id"]
    )
    assert [(o.id, o.pdf, o.signer_subject) for o in listed] == [
        (kept[0].id, pdf, kept[0].signer_subject)
    ]


def test_the_arabic_original_is_right_to_left_and_renders_arabic_and_cyrillic(
    signing: Node, tmp_path: Path
) -> None:
    request = _approved_mla(signing)
    pdf = _original(signing, request["id"], "ar")
    assert _validate(pdf, signing).bottom_line
    text = _pdftotext(pdf, tmp_path)
    assert CYRILLIC in text
    assert all(word in text for word in ARABIC.split()), text
    # The HTML the PDF is drawn from: the language and the direction on the root element.
    services = signing.container.services
    rtype = services.catalogue.type("mla")
    document = OriginalDocument(
        lang="ar",
        dir=direction("ar"),
        title=rtype.title,
        reference=request["reference"],
        status="approved",
        requesting_state="XA",
        requested_state="XB",
        authority="Central Authority",
        profile="profile",
        urgency="routine",
        channel="central_authority",
        legal_basis=(),
        approved=True,
        rendered_at=datetime.now(UTC),
        entries=entries(rtype, request["fields"]),
    )
    html = WeasyPrintRenderer().html(document)
    assert '<html lang="ar" dir="rtl">' in html
    russian = replace(document, lang="ru", dir=direction("ru"))
    assert '<html lang="ru" dir="ltr">' in WeasyPrintRenderer().html(russian)
    # Text from a request is text: escaped in the HTML, shown as typed in the PDF.
    assert SCRIPT not in html and "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in html
    assert SCRIPT in _pdftotext(_original(signing, request["id"]), tmp_path)


def test_originals_are_refused_outside_scope_in_other_languages_and_without_a_key(
    seeded: Node,
) -> None:
    request = _approved_mla(seeded)
    url = f"/api/v1/requests/{request['id']}/original.pdf"
    no_key = seeded.client.get(url, headers=seeded.headers("drafter"))
    assert no_key.status_code == 422 and no_key.json()["code"] == "DIRECTORY_INVALID"
    assert "comity node doc-key" in no_key.json()["detail"]
    federation_setup.create_document_key(seeded.container.settings, now=datetime.now(UTC))
    other = seeded.client.get(url, headers=seeded.headers("prosecutor"))
    assert other.status_code in (403, 404)
    klingon = seeded.client.get(url, params={"lang": "tlh"}, headers=seeded.headers("drafter"))
    assert klingon.status_code == 422
    anonymous = seeded.client.get(url)
    assert anonymous.status_code == 401
    with seeded.container.engine.connect() as connection:
        assert connection.execute(select(request_original.c.id)).all() == []


def test_node_init_creates_the_document_key_and_doc_key_serves_older_nodes(
    tmp_path: Path, database_url: str
) -> None:
    runner = CliRunner()
    env = {"COLUMNS": "400", "NO_COLOR": "1"}
    base = ["--database-url", database_url]
    new = tmp_path / "new"
    result = runner.invoke(
        cli, ["node", "init", "--state", "XA", "--dir", str(new), *base], env=env
    )
    assert result.exit_code == 0, result.output
    keys = new / "keys"
    for name in ("doc-ca.key", "doc-signing.key"):
        assert stat.S_IMODE((keys / name).stat().st_mode) == 0o600
    before = (keys / "doc-signing.key").read_bytes()
    again = runner.invoke(cli, ["node", "doc-key", "--dir", str(new)], env=env)
    assert again.exit_code == 1 and "never replaced" in again.output
    assert (keys / "doc-signing.key").read_bytes() == before

    # A node created without keys (or before originals existed) gets one on request only.
    old = tmp_path / "old"
    args = ["node", "init", "--state", "XB", "--dir", str(old), "--no-keys"]
    result = runner.invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    assert not (old / "keys" / "doc-signing.key").exists()
    made = runner.invoke(cli, ["node", "doc-key", "--dir", str(old)], env=env)
    assert made.exit_code == 0, made.output
    assert "O=State XB" in made.output
    assert stat.S_IMODE((old / "keys" / "doc-signing.key").stat().st_mode) == 0o600


def test_signed_originals_are_erased_with_the_requests_data(signing: Node) -> None:
    request = _approved_mla(signing)
    _original(signing, request["id"])
    ctx = signing.container.services
    signing.container.services = replace(ctx, clock=LaterClock(RETENTION + timedelta(days=1)))

    assert data_protection.sweep(signing.container.services) == 1

    with signing.container.engine.connect() as connection:
        left = connection.execute(
            select(request_original.c.id).where(request_original.c.request_id == request["id"])
        ).all()
    assert left == []


def test_the_request_page_signs_an_original_in_the_chosen_language_and_lists_it(
    signing: Node,
) -> None:
    approved = _approved_mla(signing)
    with TestClient(create_app(signing.container)) as browser:
        sign_in(browser, "drafter")
        page = browser.get(f"/requests/{approved['id']}")
        form = {"lang": "ru", "csrf_token": csrf_of(page.text)}
        pdf = browser.post(f"/requests/{approved['id']}/original", data=form)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert _validate(pdf.content, signing).bottom_line
        listed = browser.get(f"/requests/{approved['id']}").text
        assert hashlib.sha256(pdf.content).hexdigest()[:16] in listed
        refused = browser.post(f"/requests/{approved['id']}/original", data={"lang": "ru"})
        assert refused.status_code == 403
