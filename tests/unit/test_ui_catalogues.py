"""The pages' text is in every catalogue: a string added to a template or marked ``N_`` in a
page module and not translated fails here (every UN language must be complete)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from comity.web.ui.i18n import LANGUAGES, LOCALE_DIR, load_catalogues

ROOT = Path(__file__).parents[2]
#: What ``make catalogues`` extracts: the sources and methods of babel.cfg, keyword ``N_`` too.
MAPPING = ROOT / "babel.cfg"
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}

MessageId = str | tuple[str, str]


def _message_id(message: str | tuple[str | None, ...]) -> MessageId | None:
    """A message as its catalogue id: the text, or a plural's (singular, plural) pair."""
    if isinstance(message, str):
        return message or None
    singular, plural = (*message, None, None)[:2]
    if not singular:
        return None
    return (singular, plural) if plural else singular


def extracted() -> set[MessageId]:
    """Every page string `pybabel extract -F babel.cfg -k N_` finds, as babel.cfg maps it."""
    with MAPPING.open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping, filename=str(MAPPING))
    found = extract_from_dir(
        str(ROOT), method_map=method_map, options_map=options_map, keywords=KEYWORDS
    )
    ids = (_message_id(message) for _, _, message, _, _ in found)
    return {message_id for message_id in ids if message_id is not None}


def test_the_template_catalogue_is_up_to_date() -> None:
    with (LOCALE_DIR / "messages.pot").open("rb") as source:
        template = {m.id for m in read_po(source) if m.id}
    assert extracted() == template, "run: make catalogues (pybabel extract -F babel.cfg -k N_)"


@pytest.mark.parametrize("code", sorted(set(LANGUAGES) - {"en"}))
def test_every_page_string_is_translated(code: str) -> None:
    with (LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalogue = read_po(source)
    translated = {
        m.id
        for m in catalogue
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    assert extracted() - translated == set()


def test_catalogues_compile_and_translate() -> None:
    catalogues = load_catalogues()
    assert catalogues["ru"].gettext("Sign in") == "Войти"
    assert catalogues["ar"].gettext("Sign in") == "تسجيل الدخول"
    assert catalogues["en"].gettext("Sign in") == "Sign in"
    assert set(catalogues) == set(LANGUAGES)
