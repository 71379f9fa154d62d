"""What the drafting templates render: a step's form controls built from the catalogue and
the form values (``Widget``), and a request's fields as read-only text (``Shown``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from comity.domain.catalogue import FieldSpec, FieldType, RequestType
from comity.web.ui.draft_form import (
    FieldError,
    first_value,
    item_count,
)
from comity.web.ui.draft_steps import (
    ITEM_PATH,
    Step,
    anchor_of,
)


@dataclass(frozen=True)
class Widget:
    """A form control for one field, as ``_fields.html`` renders it."""

    kind: str
    name: str
    label: str
    description: str = ""
    required: bool = False
    value: str = ""
    chosen: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    error: FieldError | None = None
    children: tuple[Widget, ...] = ()
    # For a list of objects: its items (each a ``group``), and for an item its number.
    items: tuple[Widget, ...] = ()
    number: int = 0
    count: int = 0
    # The list got one more empty item just now ("Add another"): the page moves to it.
    added: bool = False
    maxlength: int | None = None
    minimum: float | None = None

    @property
    def anchor(self) -> str:
        """The control's id (and the target of links to it)."""
        return anchor_of(self.name)

    @property
    def hint_id(self) -> str:
        """The id of the description and error text tied with aria-describedby."""
        return self.anchor + "-hint"


@dataclass(frozen=True)
class _Build:
    """What building a step's controls needs besides the field at hand."""

    flat: Mapping[str, Sequence[str]]
    errors: Mapping[str, FieldError]
    context: Mapping[str, Any]
    # Lists that get one more, empty, item slot (after "Add another").
    more: frozenset[str] = frozenset()


def _required_now(spec: FieldSpec, build: _Build, local: Mapping[str, Any]) -> bool:
    if spec.required:
        return True
    return spec.required_when is not None and spec.required_when.holds(build.context, local)


def widget(spec: FieldSpec, path: str, build: _Build, local: Mapping[str, Any]) -> Widget:
    """The control for ``spec`` at ``path``, filled from the form values in ``build``."""
    base = Widget(
        kind="text",
        name=path,
        label=spec.label,
        description=spec.description,
        required=_required_now(spec, build, local),
        error=build.errors.get(path),
        maxlength=spec.max_length,
        minimum=spec.minimum,
    )
    value = first_value(build.flat, path)
    kind = spec.type
    if kind is FieldType.OBJECT:
        mine = _mapping_at(build.context.get("fields"), path)
        children = tuple(
            widget(member, f"{path}.{member.name}", build, mine) for member in spec.fields
        )
        return replace(base, kind="group", children=children)
    if kind is FieldType.LIST:
        return _list_widget(spec, path, build, base)
    simple = {
        FieldType.TEXT: "textarea",
        FieldType.INTEGER: "integer",
        FieldType.NUMBER: "number",
        FieldType.DATE: "date",
        FieldType.DATETIME: "datetime",
        FieldType.BOOLEAN: "boolean",
        FieldType.STATE: "state",
        FieldType.LANGUAGE: "language",
    }
    if kind is FieldType.ENUM:
        return replace(base, kind="select", value=value, options=spec.values)
    return replace(base, kind=simple.get(kind, "text"), value=value)


def _list_widget(spec: FieldSpec, path: str, build: _Build, base: Widget) -> Widget:
    item = spec.items
    if item is None:
        return replace(base, kind="lines", value=first_value(build.flat, path))
    if item.type is FieldType.ENUM:
        return replace(
            base, kind="checks", chosen=tuple(build.flat.get(path, ())), options=item.values
        )
    if item.type is not FieldType.OBJECT:
        return replace(base, kind="lines", value=first_value(build.flat, path))
    count = item_count(build.flat, path)
    # An empty list shows one empty item to fill in; "Add another" adds one more.
    slots = max(count, 1) + (1 if path in build.more else 0)
    stored = _list_at(build.context.get("fields"), path)
    items = []
    for index in range(slots):
        item_path = f"{path}[{index}]"
        entry = stored[index] if index < len(stored) and isinstance(stored[index], Mapping) else {}
        children = tuple(
            widget(member, f"{item_path}.{member.name}", build, entry) for member in item.fields
        )
        items.append(
            Widget(
                kind="group",
                name=item_path,
                label=item.label,
                children=children,
                number=index + 1,
                error=build.errors.get(item_path),
            )
        )
    return replace(
        base,
        kind="repeat",
        items=tuple(items),
        count=slots,
        value=item.label,
        added=path in build.more,
    )


def _walk(root: Any, path: str) -> Any:
    node = root
    for part in path.removeprefix("fields.").split("."):
        match = ITEM_PATH.match(part)
        name, index = (match.group(1), int(match.group(2))) if match else (part, None)
        node = node.get(name) if isinstance(node, Mapping) else None
        if index is not None:
            node = node[index] if isinstance(node, list) and index < len(node) else None
    return node


def _mapping_at(root: Any, path: str) -> Mapping[str, Any]:
    found = _walk(root, path)
    return found if isinstance(found, Mapping) else {}


def _list_at(root: Any, path: str) -> list[Any]:
    found = _walk(root, path)
    return found if isinstance(found, list) else []


def step_widgets(
    rtype: RequestType,
    step: Step,
    flat: Mapping[str, Sequence[str]],
    errors: Mapping[str, FieldError],
    context: Mapping[str, Any],
    more: frozenset[str] = frozenset(),
) -> tuple[Widget, ...]:
    """The controls of one step, in the catalogue's order within the step's own order."""
    build = _Build(flat, errors, context, more)
    local = context.get("fields") or {}
    by_name = {spec.name: spec for spec in rtype.fields}
    return tuple(
        widget(by_name[name], f"fields.{name}", build, local)
        for name in step.names
        if name in by_name
    )
