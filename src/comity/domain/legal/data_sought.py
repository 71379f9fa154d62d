"""What data a request concerns: its data categories, from its fields and its type.

Read defensively: ``fields`` is JSON an officer or another State supplied, so any value may be
missing or of the wrong type, and a wrong type counts as "not given".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from comity.domain.catalogue import RequestType
from comity.domain.legal.case import Case

SUBSCRIBER = "subscriber"
TRAFFIC = "traffic"
CONTENT = "content"
# Categories that need a judicial authorisation and the judicial channel (statement Q24).
SENSITIVE = frozenset({TRAFFIC, CONTENT})
# A category that stands for every category ("all data"): it includes traffic and content.
WILDCARDS = frozenset({"all", "any", "*"})


@dataclass(frozen=True)
class DataSought:
    """The data categories a request concerns, each with the input paths that name it.

    ``stated`` comes from the fields; ``inherent`` from the type itself (its catalogue entry
    admits only those categories), recorded under the path ``type``.
    """

    stated: Mapping[str, tuple[str, ...]]
    inherent: frozenset[str]

    @property
    def categories(self) -> frozenset[str]:
        """Every category concerned; a wildcard counts as traffic and content too."""
        named = set(self.stated) | self.inherent
        if named & WILDCARDS:
            named |= SENSITIVE
        return frozenset(named)

    @property
    def sensitive(self) -> frozenset[str]:
        """The categories that need a judicial authorisation (traffic, content)."""
        return self.categories & SENSITIVE

    @property
    def beyond_subscriber(self) -> frozenset[str]:
        """Every category other than subscriber information."""
        return self.categories - {SUBSCRIBER}

    def paths(self, wanted: Iterable[str]) -> tuple[str, ...]:
        """The input paths that name any of ``wanted`` (a wildcard names them all)."""
        wanted = set(wanted)
        found: set[str] = set()
        for category, paths in self.stated.items():
            if category in wanted or (category in WILDCARDS and wanted & SENSITIVE):
                found.update(paths)
        if self.inherent & wanted:
            found.add("type")
        return tuple(sorted(found))

    def subscriber_only(self, rtype: RequestType) -> bool:
        """True if only subscriber information is sought: stated so, or (nothing stated) the
        type admits nothing else."""
        if self.categories:
            return self.categories == {SUBSCRIBER}
        return type_categories(rtype) == {SUBSCRIBER}


def type_categories(rtype: RequestType) -> frozenset[str]:
    """The data categories the type's catalogue admits for its data targets (empty if it has
    none)."""
    targets = rtype.field("data_targets")
    if targets is None or targets.items is None:
        return frozenset()
    spec = next((f for f in targets.items.fields if f.name == "data_categories"), None)
    if spec is None or spec.items is None:
        return frozenset()
    return frozenset(spec.items.values)


def data_sought(case: Case) -> DataSought:
    """The data categories ``case`` concerns, from its fields and its type."""
    stated: dict[str, set[str]] = {}
    fields = fields_of(case)
    for category in strings_of(fields.get("data_categories")):
        stated.setdefault(category, set()).add("fields.data_categories")
    for index, target in enumerate(list_of(fields.get("data_targets"))):
        if isinstance(target, Mapping):
            path = f"fields.data_targets[{index}].data_categories"
            for category in strings_of(target.get("data_categories")):
                stated.setdefault(category, set()).add(path)
    own = type_categories(case.rtype)
    # A type that admits nothing but traffic or content data is about them by nature.
    inherent = own if own and own <= SENSITIVE else frozenset()
    return DataSought(
        stated={category: tuple(sorted(paths)) for category, paths in stated.items()},
        inherent=inherent,
    )


def fields_of(case: Case) -> Mapping[str, Any]:
    return case.fields if isinstance(case.fields, Mapping) else {}


def list_of(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def strings_of(value: Any) -> list[str]:
    """The non-blank strings of a list, normalised to lower case; anything else is ignored."""
    return [item.strip().lower() for item in list_of(value) if is_text(item)]


def is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())
