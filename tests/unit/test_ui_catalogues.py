"""The pages' text is in every catalogue: a string added to a template and not translated
fails here (English and Russian must be complete; the other UN languages too, so far)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from comity.web.ui.i18n import LANGUAGES, LOCALE_DIR, load_catalogues

ROOT = Path(__file__).parents[2]


def extracted() -> set[str]:
    found = extract_from_dir(
        str(ROOT / "src/comity/web/templates/ui"),
        method_map=[("**.html", "jinja2")],
    )
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


def test_the_template_catalogue_is_up_to_date() -> None:
    with (LOCALE_DIR / "messages.pot").open("rb") as source:
        template = {m.id for m in read_po(source) if m.id}
    assert extracted() == template, "run: pybabel extract -F babel.cfg (see babel.cfg)"


@pytest.mark.parametrize("code", sorted(set(LANGUAGES) - {"en"}))
def test_every_page_string_is_translated(code: str) -> None:
    with (LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalogue = read_po(source)
    translated = {m.id for m in catalogue if m.id and m.string}
    assert extracted() - translated == set()


def test_catalogues_compile_and_translate() -> None:
    catalogues = load_catalogues()
    assert catalogues["ru"].gettext("Sign in") == "Войти"
    assert catalogues["ar"].gettext("Sign in") == "تسجيل الدخول"
    assert catalogues["en"].gettext("Sign in") == "Sign in"
    assert set(catalogues) == set(LANGUAGES)
