"""The domain imports nothing but the standard library and itself (architecture §3)."""

from __future__ import annotations

import ast
import sys
from importlib import resources

DOMAIN = resources.files("comity.domain")


def test_domain_modules_import_only_the_standard_library_and_the_domain() -> None:
    offenders = []
    for module in DOMAIN.iterdir():
        if not module.name.endswith(".py"):
            continue
        tree = ast.parse(module.read_text("utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if name.startswith("comity.") and not name.startswith("comity.domain"):
                    offenders.append((module.name, name))
                elif top != "comity" and top not in sys.stdlib_module_names and top != "__future__":
                    offenders.append((module.name, name))
    assert offenders == []


def test_the_domain_never_reads_the_clock_or_draws_random_numbers() -> None:
    forbidden = (
        "datetime.now",
        "datetime.utcnow",
        "date.today",
        "time.time",
        "uuid.uuid4",
        "random.",
        "secrets.",
    )
    for module in DOMAIN.iterdir():
        if module.name.endswith(".py"):
            text = module.read_text("utf-8")
            assert not [call for call in forbidden if call in text], module.name
