"""The content of a formal original, built from a request and its catalogue type."""

from __future__ import annotations

import pytest

from comity.domain.catalogue import FieldSpec, FieldType, RequestType
from comity.domain.errors import InvalidFieldsError
from comity.domain.originals import LANGUAGES, Entry, direction, entries
from comity.domain.values import Channel, Urgency

pytestmark = pytest.mark.unit


def request_type(fields: tuple[FieldSpec, ...]) -> RequestType:
    return RequestType(
        code="t",
        ref="T99",
        title="Test",
        summary="A test type",
        description="A type for tests only.",
        coercive=False,
        channels=(Channel.CENTRAL_AUTHORITY,),
        urgencies=(Urgency.ROUTINE,),
        default_channel=Channel.CENTRAL_AUTHORITY,
        default_urgency=Urgency.ROUTINE,
        fields=fields,
        legal_basis={},
    )


def test_the_six_un_languages_and_only_they_have_a_direction() -> None:
    assert sorted(LANGUAGES) == ["ar", "en", "es", "fr", "ru", "zh"]
    assert direction("ar") == "rtl"
    assert {direction(lang) for lang in ("zh", "en", "fr", "ru", "es")} == {"ltr"}
    with pytest.raises(InvalidFieldsError) as refused:
        direction("tlh")
    assert refused.value.issues[0].path == "lang"


def test_entries_follow_the_catalogue_keep_structure_and_skip_what_is_empty() -> None:
    person = FieldSpec(
        name="person",
        type=FieldType.OBJECT,
        label="Person",
        fields=(FieldSpec(name="name", type=FieldType.STRING, label="Name"),),
    )
    aliases = FieldSpec(
        name="aliases",
        type=FieldType.LIST,
        label="Aliases",
        items=FieldSpec(name="alias", type=FieldType.STRING, label="Alias"),
    )
    tags = FieldSpec(name="tags", type=FieldType.LIST, label="Tags")
    flag = FieldSpec(name="urgent", type=FieldType.BOOLEAN, label="Urgent")
    count = FieldSpec(name="count", type=FieldType.INTEGER, label="Count")
    empty = FieldSpec(name="empty", type=FieldType.STRING, label="Empty")
    rtype = request_type(fields=(person, aliases, tags, flag, count, empty))
    shown = entries(
        rtype,
        {
            "count": 3,
            "urgent": False,
            "person": {"name": "<b>Ana</b>", "nickname": "A", "blank": ""},
            "aliases": ["X", "", "Y"],
            "tags": ["t"],
            "empty": "",
            "unknown": "not in the catalogue",
        },
    )
    assert shown == (
        Entry("Person", children=(Entry("Name", "<b>Ana</b>"), Entry("nickname", "A"))),
        Entry("Aliases", children=(Entry("Alias", "X"), Entry("Alias", "Y"))),
        Entry("Tags", children=(Entry("Tags", "t"),)),
        Entry("Urgent", "no"),
        Entry("Count", "3"),
    )
    assert entries(rtype, {"urgent": True}) == (Entry("Urgent", "yes"),)
