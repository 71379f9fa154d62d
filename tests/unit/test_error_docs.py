"""Every error code the node can return is documented in docs/errors.md."""

from __future__ import annotations

from pathlib import Path

from comity.domain import errors
from comity.web import app as _every_route  # noqa: F401 - loads the errors pages and uploads define
from comity.web.errors import EDGE_STATUS, HTTP_CODES, STATUS

DOCS = Path(__file__).parents[2] / "docs" / "errors.md"


def _subclasses(cls: type[errors.DomainError]) -> list[type[errors.DomainError]]:
    return [cls, *(sub for child in cls.__subclasses__() for sub in _subclasses(child))]


def test_every_code_is_documented_with_its_status() -> None:
    text = DOCS.read_text("utf-8")
    web_codes = {**EDGE_STATUS, "VALIDATION_FAILED": 422, "INTERNAL": 500}
    web_codes |= {code: status for status, code in HTTP_CODES.items() if status in (404, 405)}
    for cls in _subclasses(errors.DomainError)[1:]:
        status = next(STATUS[k] for k in cls.__mro__ if k in STATUS)
        assert f"| `{cls.code}` | {status} |" in text, cls.code
    for code, status in web_codes.items():
        assert f"| `{code}` | {status} |" in text, code
