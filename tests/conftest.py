"""Shared fixtures. The folder decides the tier: unit, integration or e2e."""

from __future__ import annotations

import pytest

TIERS = ("unit", "integration", "e2e", "browser")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test with its tier; a test outside the tier folders is an error."""
    for item in items:
        parts = item.path.parts
        tier = next((part for part in TIERS if part in parts), None)
        if tier is None:
            raise pytest.UsageError(f"{item.nodeid} is outside tests/{'|'.join(TIERS)}")
        item.add_marker(getattr(pytest.mark, tier))
