"""Conditions that make a catalogue field required, a safeguard apply or a timer run.

Catalogue files state conditions as data (``{"path": "urgency", "in": ["emergency"]}``); this
module evaluates them against a request's context. A path is dotted; ``name[]`` walks every
item of a list, and a leading ``@.`` reads from the object that holds the field being checked
(for conditions between siblings inside a list item).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from comity.domain.errors import CatalogueError

Context = Mapping[str, Any]


def is_blank(value: Any) -> bool:
    """True for the values that count as "not given": absent, None, empty text or collection."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict)):
        return len(value) == 0
    return False


def resolve(path: str, context: Context, local: Context | None = None) -> list[Any]:
    """Every non-blank value found at ``path``; lists marked ``[]`` are walked item by item."""
    if path.startswith("@."):
        roots: list[Any] = [local if local is not None else {}]
        path = path[2:]
    else:
        roots = [context]
    for segment in path.split("."):
        walk = segment.endswith("[]")
        key = segment[:-2] if walk else segment
        found: list[Any] = []
        for node in roots:
            if not isinstance(node, Mapping):
                continue
            value = node.get(key)
            if walk:
                if isinstance(value, list):
                    found.extend(value)
            elif value is not None:
                found.append(value)
        roots = found
    return [value for value in roots if not is_blank(value)]


@dataclass(frozen=True)
class Predicate:
    """A test on the values at one path; it holds if any value found satisfies it."""

    path: str
    op: str
    value: Any = None

    OPS = ("present", "absent", "equals", "not_equals", "in", "contains", "contains_any")

    def holds(self, context: Context, local: Context | None = None) -> bool:
        """Evaluate against ``context`` (and ``local`` for ``@.`` paths)."""
        found = resolve(self.path, context, local)
        if self.op == "present":
            return bool(found)
        if self.op == "absent":
            return not found
        if self.op == "equals":
            return any(item == self.value for item in found)
        if self.op == "not_equals":
            return not any(item == self.value for item in found)
        if self.op == "in":
            return any(_hashable(item) and item in self.value for item in found)
        wanted = [self.value] if self.op == "contains" else list(self.value)
        return any(
            isinstance(item, list) and any(choice in item for choice in wanted) for item in found
        )


@dataclass(frozen=True)
class AllOf:
    """Holds when every inner condition holds."""

    items: tuple[Condition, ...]

    def holds(self, context: Context, local: Context | None = None) -> bool:
        """Evaluate every inner condition."""
        return all(item.holds(context, local) for item in self.items)


@dataclass(frozen=True)
class AnyOf:
    """Holds when at least one inner condition holds."""

    items: tuple[Condition, ...]

    def holds(self, context: Context, local: Context | None = None) -> bool:
        """Evaluate inner conditions until one holds."""
        return any(item.holds(context, local) for item in self.items)


@dataclass(frozen=True)
class Not:
    """Holds when the inner condition does not."""

    item: Condition

    def holds(self, context: Context, local: Context | None = None) -> bool:
        """Negate the inner condition."""
        return not self.item.holds(context, local)


Condition = Predicate | AllOf | AnyOf | Not


def parse_condition(raw: Mapping[str, Any]) -> Condition:
    """Build a condition from its catalogue form; the catalogue schema has checked the shape."""
    if "all" in raw:
        return AllOf(tuple(parse_condition(item) for item in raw["all"]))
    if "any" in raw:
        return AnyOf(tuple(parse_condition(item) for item in raw["any"]))
    if "not" in raw:
        return Not(parse_condition(raw["not"]))
    ops = [op for op in Predicate.OPS if op in raw]
    if len(ops) != 1:
        raise CatalogueError(f"a condition needs exactly one operator of {Predicate.OPS}: {raw!r}")
    op = ops[0]
    value = raw[op]
    if op in ("in", "contains_any"):
        value = tuple(value)
    if op in ("present", "absent"):
        value = None
    return Predicate(path=str(raw["path"]), op=op, value=value)


def _hashable(item: Any) -> bool:
    return not isinstance(item, (list, dict))


def describe(condition: Condition) -> str:
    """A short human reading of a condition, for catalogue pages and error messages."""
    if isinstance(condition, AllOf):
        return " and ".join(describe(item) for item in condition.items)
    if isinstance(condition, AnyOf):
        return " or ".join(describe(item) for item in condition.items)
    if isinstance(condition, Not):
        return f"not ({describe(condition.item)})"
    value = condition.value
    if isinstance(value, Sequence) and not isinstance(value, str):
        value = ", ".join(str(item) for item in value)
    if condition.op in ("present", "absent"):
        return f"{condition.path} is {condition.op}"
    return f"{condition.path} {condition.op.replace('_', ' ')} {value}"
