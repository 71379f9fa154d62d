"""Read the catalogue's YAML files, check each against ``schema.json``, build domain values.

Each request type lives in its own file under ``types/``, each framework profile under
``profiles/``, and the fields and timers every type shares in ``envelope.yaml``. A file that
breaks the schema, or refers to something that does not exist (a profile duration, an
envelope field), stops the load with a ``CatalogueError`` naming the file and the place.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import timedelta
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from comity.domain.catalogue import (
    Catalogue,
    ExcludedForm,
    FieldSpec,
    FieldType,
    Profile,
    ProfileBasis,
    RequestType,
    Safeguard,
    TimerSpec,
)
from comity.domain.conditions import parse_condition
from comity.domain.errors import CatalogueError
from comity.domain.values import Availability, Channel, ConductCategory, Side, Urgency

VOCABULARIES: Mapping[str, tuple[str, ...]] = {
    "conduct_categories": tuple(ConductCategory),
    "channels": tuple(Channel),
    "urgencies": tuple(Urgency),
}


def schema() -> dict[str, Any]:
    """The catalogue JSON Schema, as published in ``GET /api/v1/catalogue/schema``."""
    loaded: dict[str, Any] = json.loads(_root().joinpath("schema.json").read_text("utf-8"))
    return loaded


def load_catalogue(root: Traversable | None = None) -> Catalogue:
    """Load and check every catalogue file under ``root`` (the packaged files by default)."""
    base = root if root is not None else _root()
    definitions = schema()["$defs"]
    envelope = _read(base.joinpath("envelope.yaml"), "envelope", definitions)
    profiles = {}
    for path in _yaml_files(base.joinpath("profiles")):
        raw = _read(path, "profile", definitions)
        _expect_name(path, raw["code"])
        profiles[raw["code"]] = _profile(raw)
    defaults = [code for code, profile in profiles.items() if profile.default]
    if len(defaults) != 1:
        raise CatalogueError(f"exactly one profile must be the default, found {defaults}")
    envelope_fields = [_field(item) for item in envelope["fields"]]
    envelope_timers = [_timer(item) for item in envelope["timers"]]
    types = {}
    for path in _yaml_files(base.joinpath("types")):
        raw = _read(path, "request_type", definitions)
        _expect_name(path, raw["code"])
        rtype = _request_type(raw, envelope_fields, envelope_timers)
        _check_references(path.name, rtype, profiles.values())
        types[rtype.code] = rtype
    return Catalogue(types=types, profiles=profiles, conduct_categories=tuple(ConductCategory))


@cache
def packaged_catalogue() -> Catalogue:
    """The catalogue shipped in the package, loaded once per process (it never changes)."""
    return load_catalogue()


def _root() -> Traversable:
    return resources.files("comity.catalogue")


def _yaml_files(folder: Traversable) -> list[Traversable]:
    return sorted(
        (item for item in folder.iterdir() if item.name.endswith(".yaml")),
        key=lambda item: item.name,
    )


def _read(path: Traversable, kind: str, definitions: Mapping[str, Any]) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text("utf-8"))
    except yaml.YAMLError as error:
        raise CatalogueError(f"{path.name}: not valid YAML: {error}") from None
    validator = Draft202012Validator({"$ref": f"#/$defs/{kind}", "$defs": definitions})
    errors = sorted(validator.iter_errors(raw), key=lambda error: list(error.absolute_path))
    if errors:
        where = "/".join(str(part) for part in errors[0].absolute_path) or "(top)"
        raise CatalogueError(f"{path.name}: {where}: {errors[0].message}")
    assert isinstance(raw, dict)  # The schema requires an object at the top.
    return raw


def _expect_name(path: Traversable, code: str) -> None:
    if path.name != f"{code}.yaml":
        raise CatalogueError(f"{path.name}: the file must be named {code}.yaml")


def _duration(raw: Mapping[str, int]) -> timedelta:
    return timedelta(days=raw.get("days", 0), hours=raw.get("hours", 0))


def _profile(raw: Mapping[str, Any]) -> Profile:
    return Profile(
        code=raw["code"],
        title=raw["title"],
        description=raw["description"].strip(),
        instruments=tuple(raw["instruments"]),
        flags=dict(raw["flags"]),
        thresholds=dict(raw["thresholds"]),
        durations={name: _duration(value) for name, value in raw["durations"].items()},
        reminders={
            name: tuple(_duration(item) for item in items)
            for name, items in raw["reminders"].items()
        },
        excluded_forms=tuple(
            ExcludedForm(
                code=item["code"],
                title=item["title"],
                reason=item["reason"].strip(),
                basis=tuple(item["basis"]),
            )
            for item in raw.get("excluded_forms", [])
        ),
        default=bool(raw.get("default", False)),
    )


def _field(raw: Mapping[str, Any], *, name: str = "item") -> FieldSpec:
    kind = FieldType(raw["type"])
    values = tuple(raw.get("values", ()))
    if "vocabulary" in raw:
        values = VOCABULARIES[raw["vocabulary"]]
    ordered = raw.get("ordered")
    return FieldSpec(
        name=raw.get("name", name),
        type=kind,
        label=raw.get("label", raw.get("name", name)),
        description=" ".join(raw.get("description", "").split()),
        required=bool(raw.get("required", False)),
        required_when=parse_condition(raw["required_when"]) if "required_when" in raw else None,
        values=values,
        fields=tuple(_field(item) for item in raw.get("fields", ())),
        items=_field(raw["items"]) if "items" in raw else None,
        min_items=int(raw.get("min_items", 0)),
        max_length=raw.get("max_length"),
        minimum=raw.get("minimum"),
        const=raw.get("const"),
        ordered=(ordered[0], ordered[1]) if ordered else None,
        basis=tuple(raw.get("basis", ())),
    )


def _timer(raw: Mapping[str, Any]) -> TimerSpec:
    after = raw["after"]
    return TimerSpec(
        code=raw["code"],
        label=raw["label"],
        kind=raw["kind"],
        start_status=raw["start"].get("status"),
        start_field=raw["start"].get("field"),
        after=None if "profile" in after else _duration(after),
        after_profile=after.get("profile"),
        reminders_profile=raw.get("reminders", {}).get("profile"),
        until=tuple(raw.get("until", ())),
        applies_when=parse_condition(raw["applies_when"]) if "applies_when" in raw else None,
        side=Side(raw["side"]) if "side" in raw else None,
        basis=tuple(raw.get("basis", ())),
    )


def _request_type(
    raw: Mapping[str, Any], envelope_fields: list[FieldSpec], envelope_timers: list[TimerSpec]
) -> RequestType:
    code = raw["code"]
    adjust = raw.get("envelope", {})
    known = {spec.name for spec in envelope_fields}
    for key in ("omit", "require", "optional"):
        unknown = set(adjust.get(key, ())) - known
        if unknown:
            raise CatalogueError(f"{code}.yaml: envelope/{key} names no envelope field: {unknown}")
    fields = [
        _adjusted(spec, adjust)
        for spec in envelope_fields
        if spec.name not in adjust.get("omit", ())
    ]
    names = {spec.name for spec in fields}
    for item in raw["fields"]:
        spec = _field(item)
        if spec.name in names or spec.name in known:
            raise CatalogueError(f"{code}.yaml: field {spec.name!r} is defined twice")
        names.add(spec.name)
        fields.append(spec)
    channels = tuple(Channel(item) for item in raw["channels"])
    urgencies = tuple(Urgency(item) for item in raw["urgencies"])
    default_channel, default_urgency = (
        Channel(raw["default_channel"]),
        Urgency(raw["default_urgency"]),
    )
    if default_channel not in channels or default_urgency not in urgencies:
        raise CatalogueError(f"{code}.yaml: the defaults must be among the allowed values")
    return RequestType(
        code=code,
        ref=raw["ref"],
        title=raw["title"],
        summary=raw["summary"],
        description=" ".join(raw["description"].split()),
        coercive=raw["coercive"],
        channels=channels,
        urgencies=urgencies,
        default_channel=default_channel,
        default_urgency=default_urgency,
        fields=tuple(fields),
        legal_basis={
            profile: ProfileBasis(
                availability=Availability(entry["availability"]),
                citations=tuple(entry["citations"]),
                channels=tuple(Channel(item) for item in entry["channels"])
                if "channels" in entry
                else None,
                note=" ".join(entry.get("note", "").split()),
            )
            for profile, entry in raw["legal_basis"].items()
        },
        safeguards=tuple(
            Safeguard(
                code=item["code"],
                description=" ".join(item["description"].split()),
                basis=tuple(item["basis"]),
                applies_when=parse_condition(item["applies_when"])
                if "applies_when" in item
                else None,
            )
            for item in raw.get("safeguards", ())
        ),
        # A shared timer that starts from a field the type leaves out does not apply to it.
        ordered=tuple((first, second) for first, second in raw.get("ordered", ())),
        timers=tuple(
            timer
            for timer in envelope_timers
            if timer.start_field is None or timer.start_field in names
        )
        + tuple(_timer(item) for item in raw.get("timers", ())),
    )


def _adjusted(spec: FieldSpec, adjust: Mapping[str, Any]) -> FieldSpec:
    if spec.name in adjust.get("require", ()):
        return replace(spec, required=True)
    if spec.name in adjust.get("optional", ()):
        return replace(spec, required=False)
    return spec


def _check_references(name: str, rtype: RequestType, profiles: Iterable[Profile]) -> None:
    """Cross-file checks the schema cannot express."""
    for basis in rtype.legal_basis.values():
        extra = set(basis.channels or ()) - set(rtype.channels)
        if extra:
            raise CatalogueError(f"{name}: profile channels {extra} are not channels of the type")
    for profile in profiles:
        for timer in rtype.timers:
            if timer.after_profile and timer.after_profile not in profile.durations:
                raise CatalogueError(
                    f"{name}: timer {timer.code} needs duration {timer.after_profile!r}, "
                    f"which profile {profile.code} lacks"
                )
            if timer.reminders_profile and timer.reminders_profile not in profile.reminders:
                raise CatalogueError(
                    f"{name}: timer {timer.code} needs reminders {timer.reminders_profile!r}, "
                    f"which profile {profile.code} lacks"
                )
    for first, second in rtype.ordered:
        for member in (first, second):
            spec = rtype.field(member)
            if spec is None or spec.type not in (FieldType.DATE, FieldType.DATETIME):
                raise CatalogueError(f"{name}: ordered names {member!r}, not a date field")
    for timer in rtype.timers:
        if timer.start_field is not None:
            spec = rtype.field(timer.start_field)
            if spec is None or spec.type not in (FieldType.DATE, FieldType.DATETIME):
                raise CatalogueError(
                    f"{name}: timer {timer.code} starts from {timer.start_field!r}, "
                    "which is not a date field of the type"
                )
