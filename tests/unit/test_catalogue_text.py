"""The catalogue's own text (titles, summaries, labels, values) is translated in the six UN
languages, for the pages (``cat``, ``enum_label``) and for the PDF originals alike."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from comity.catalogue.loader import packaged_catalogue
from comity.domain.catalogue import FieldSpec
from comity.render.labels import translate, translator
from comity.translations import words
from comity.web.ui.catalogue_text import COMMAND, TEMPLATE, texts
from comity.web.ui.i18n import LANGUAGES, LOCALE_DIR, load_catalogues, page_values

OTHERS = sorted(set(LANGUAGES) - {"en"})
#: The types every UN language has in full (labels and values), not only their titles.
CORE_TYPES = ("mla", "preservation", "emergency_mla", "emergency_disclosure", "extradition")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def po(code: str, domain: str = "catalogue") -> Catalog:
    with (LOCALE_DIR / code / "LC_MESSAGES" / f"{domain}.po").open("rb") as source:
        return read_po(source)


def translated(code: str) -> dict[str, str]:
    return {m.id: m.string for m in po(code) if m.id and m.string and not m.fuzzy}


def labels_and_values(spec: FieldSpec) -> Iterator[str]:
    yield spec.label
    yield from (words(value) for value in spec.values)
    for member in spec.fields:
        yield from labels_and_values(member)
    if spec.items is not None:
        yield from labels_and_values(spec.items)


def test_the_template_holds_exactly_the_catalogue_text() -> None:
    with TEMPLATE.open("rb") as source:
        template = {m.id for m in read_po(source) if m.id}
    extracted = set(texts(packaged_catalogue()))
    assert extracted == template, f"the catalogue changed: run {COMMAND}"


def test_the_text_covers_titles_labels_descriptions_and_values_at_every_level() -> None:
    extracted = texts(packaged_catalogue())
    mla = packaged_catalogue().type("mla")
    target = next(spec for spec in mla.fields if spec.name == "data_targets").items
    assert target is not None
    nested = next(spec for spec in target.fields if spec.name == "data_categories").items
    assert nested is not None and nested.label == "Data category"
    for text in (
        "Mutual legal assistance",
        mla.summary,
        "Requesting authority",  # the envelope
        "The authority making the request, and how to reach the officer in charge.",
        "Name of the authority",  # an envelope object's member
        "Data category",  # a list item inside an object inside a list
        "Take evidence statements",  # a value as words
        "Central authority",  # a channel
        "Emergency",  # an urgency
        "Budapest Convention with its Second Additional Protocol",  # a profile
        "Emergency to be acknowledged by a duty officer",  # a deadline
    ):
        assert text in extracted, text


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_every_language_file_has_the_template_s_messages(code: str) -> None:
    with TEMPLATE.open("rb") as source:
        template = {m.id for m in read_po(source) if m.id}
    assert {m.id for m in po(code) if m.id} == template, f"run {COMMAND}"


def test_russian_translates_every_catalogue_text() -> None:
    missing = set(texts(packaged_catalogue())) - set(translated("ru"))
    assert missing == set()


@pytest.mark.parametrize("code", OTHERS)
def test_every_language_translates_every_type_title(code: str) -> None:
    catalogue = packaged_catalogue()
    titles = {rtype.title for rtype in catalogue.types.values()}
    titles |= {profile.title for profile in catalogue.profiles.values()}
    assert titles - set(translated(code)) == set()


@pytest.mark.parametrize("code", OTHERS)
def test_every_language_translates_the_envelope_and_the_core_types(code: str) -> None:
    catalogue = packaged_catalogue()
    needed = {
        text
        for type_code in CORE_TYPES
        for spec in catalogue.type(type_code).fields
        for text in labels_and_values(spec)
    }
    assert needed - set(translated(code)) == set()


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_translations_keep_their_placeholders(code: str) -> None:
    for english, text in translated(code).items():
        assert sorted(PLACEHOLDER.findall(english)) == sorted(PLACEHOLDER.findall(text)), english


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ru", "Взаимная правовая помощь"),
        ("fr", "Entraide judiciaire"),
        ("es", "Asistencia judicial recíproca"),
        ("ar", "المساعدة القانونية المتبادلة"),
        ("zh", "司法协助"),
        ("en", "Mutual legal assistance"),
    ],
)
def test_pages_show_the_catalogue_in_their_language(code: str, expected: str) -> None:
    cat = page_values(LANGUAGES[code], load_catalogues())["cat"]
    assert callable(cat)
    assert cat("Mutual legal assistance") == expected


def test_enum_label_reads_a_value_as_words_in_the_page_language() -> None:
    catalogues = load_catalogues()
    russian = page_values(LANGUAGES["ru"], catalogues)["enum_label"]
    english = page_values(LANGUAGES["en"], catalogues)["enum_label"]
    assert callable(russian) and callable(english)
    assert russian("take_evidence_statements") == "Получение доказательств или показаний"
    assert russian("routine") == "Обычный"
    # English words that read badly as plain words have their own English text.
    assert english("poc_24_7") == "24/7 point of contact"
    assert english("take_evidence_statements") == "Take evidence or statements"
    # A value no catalogue knows (another State's newer catalogue) still reads as words.
    assert russian("brand_new_measure") == "Brand new measure"


def test_cat_prefers_the_catalogue_then_the_pages_then_english() -> None:
    catalogues = load_catalogues()
    values = page_values(LANGUAGES["ru"], catalogues)
    cat, gettext = values["cat"], values["_"]
    assert callable(cat) and callable(gettext)
    pages = {m.id: m.string for m in po("ru", "messages") if m.id and m.string}
    # "From" is a period's start in the catalogue, not where a request came from.
    start = translated("ru")["From"]
    assert cat("From") == start and gettext("From") == pages["From"] != start
    # Text only the pages translate.
    assert cat("Sign in") == pages["Sign in"]
    # The pages' own gettext does not see the catalogue's text.
    assert gettext("Mutual legal assistance") == "Mutual legal assistance"
    assert cat("Text no catalogue has") == "Text no catalogue has"
    # French has no translation of this note yet: the English text shows.
    french = page_values(LANGUAGES["fr"], catalogues)["cat"]
    assert callable(french)
    note = "Judicial channel only; interception needs a court warrant (Q24)."
    assert note not in translated("fr") and french(note) == note


def test_pdf_labels_use_the_same_catalogues() -> None:
    # Singular texts only: a plural entry's id is a (singular, plural) pair.
    pages = {
        m.id: m.string for m in po("ru", "messages") if m.id and isinstance(m.id, str) and m.string
    }
    catalogue_ru = translated("ru")
    page_only = sorted(set(pages) - set(catalogue_ru))
    assert "Reference" in pages and page_only
    assert translate("ru", "Reference") == pages["Reference"]
    for text in page_only:
        # A lower-case word ("accepted") is read as a code, as the PDF reads a status.
        if re.fullmatch(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*", text):
            continue
        assert translate("ru", text) == pages[text]
    assert translate("ru", "Mutual legal assistance") == "Взаимная правовая помощь"
    assert translate("ru", "Case number") == "Номер дела"
    # Codes (urgency, channel) read as words, translated.
    assert translate("ru", "routine") == "Обычный"
    assert translate("ru", "central_authority") == "Центральный орган"
    # English, an unknown language and an unknown text fall back to the English text.
    assert translate("en", "Reference") == "Reference"
    assert translate("en", "central_authority") == "Central authority"
    assert translate("tlh", "Reference") == "Reference"
    assert translate("ru", "No catalogue has this") == "No catalogue has this"
    assert translator("zh")("Mutual legal assistance") == "司法协助"
