"""Demo walks of each practice life cycle, run by ``comity demo scenario --all`` between the
demo nodes: XA is always the requesting State and XB the requested one. Each module exports
one ``WALK`` (``comity.cli.walks.walk.Walk``); ``ALL`` lists them in the order they run."""

from __future__ import annotations

import importlib

from comity.cli.walks.walk import Walk

# Module names under this package, in the order the scenario runs them: the 24/7 point's
# work first, then the forms in the order of the issue (extradition, transfers, joint
# investigations, hearings, consular action, assets, spontaneous information, civil cases).
MODULES: tuple[str, ...] = (
    "technical_advice",
    "preservation",
    "provisional_arrest",
    "extradition",
    "transfer_proceedings",
    "transfer_sentenced",
    "joint_investigation",
    "video_hearing",
    "consular_action",
    "freezing",
    "confiscation",
    "asset_return",
    "spontaneous_information",
    "civil_admin",
)


def all_walks() -> tuple[Walk, ...]:
    """Every walk, imported when asked for (nothing is built at import time)."""
    return tuple(importlib.import_module(f"comity.cli.walks.{name}").WALK for name in MODULES)
