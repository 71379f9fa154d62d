"""Demo walks of each practice life cycle, run by ``comity demo scenario --all`` between the
demo nodes: XA is always the requesting State and XB the requested one. Each module exports
one ``WALK`` (``comity.cli.walks.walk.Walk``); ``ALL`` lists them in the order they run."""

from __future__ import annotations

import importlib

from comity.cli.walks.walk import Walk

# Module names under this package, in the order the scenario runs them.
MODULES: tuple[str, ...] = (
    "extradition",
    "civil_admin",
    "joint_investigation",
    "preservation",
    "provisional_arrest",
    "spontaneous_information",
    "technical_advice",
    "transfer_proceedings",
    "transfer_sentenced",
    "video_hearing",
    "freezing",
    "confiscation",
    "asset_return",
    "consular_action",
)


def all_walks() -> tuple[Walk, ...]:
    """Every walk, imported when asked for (nothing is built at import time)."""
    return tuple(importlib.import_module(f"comity.cli.walks.{name}").WALK for name in MODULES)
