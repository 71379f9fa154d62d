"""Shared fixtures. The folder decides the tier: unit, integration or e2e."""

from __future__ import annotations

import os
import shutil

import pytest
from hypothesis import settings

# Hypothesis's per-example deadline is a timed assertion, and the machines tests run on are
# shared and noisy (a unit test once failed with DeadlineExceeded under load): no deadline.
settings.register_profile("comity", deadline=None)
settings.load_profile("comity")

TIERS = ("unit", "integration", "e2e", "browser", "faults")
# The browser tier needs Debian's chromium on the PATH; CI sets COMITY_REQUIRE_BROWSER=1.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRED = os.environ.get("COMITY_REQUIRE_BROWSER") == "1"


def pytest_report_header() -> str:
    """One line saying whether the browser tier runs."""
    if CHROMIUM:
        return f"browser tier: chromium at {CHROMIUM}"
    if REQUIRED:
        return "browser tier: chromium is MISSING and COMITY_REQUIRE_BROWSER=1: its tests fail"
    return "browser tier: skipped - no chromium on the PATH (apt install chromium)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test with its tier; a test outside the tier folders is an error."""
    for item in items:
        parts = item.path.parts
        tier = next((part for part in TIERS if part in parts), None)
        if tier is None:
            raise pytest.UsageError(f"{item.nodeid} is outside tests/{'|'.join(TIERS)}")
        item.add_marker(getattr(pytest.mark, tier))
