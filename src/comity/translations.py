"""The gettext catalogues of the six UN languages, for the web pages and the PDF originals alike.

Two domains live under ``web/locale/<lang>/LC_MESSAGES/``: ``messages`` (the pages' own text,
extracted from the templates) and ``catalogue`` (the catalogue of forms of cooperation: type
titles and summaries, field labels and descriptions, values, profile titles; extracted by
``python -m comity.web.ui.catalogue_text``). Both are read from their ``.po`` files and
compiled in memory, so no binary ``.mo`` file is kept in the repository.

This module is neither a driver nor an adapter, so that the web pages and the PDF renderer
(which may not import each other) read the same catalogues the same way.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

#: Where the catalogues live (inside the web package, beside its templates).
LOCALE_DIR = Path(__file__).resolve().parent / "web" / "locale"
#: The gettext domain of the catalogue of forms of cooperation.
CATALOGUE_DOMAIN = "catalogue"
#: The gettext domain of the pages' own text.
PAGE_DOMAIN = "messages"


def words(code: str) -> str:
    """A catalogue value (``take_evidence_statements``) as the English words that are its
    message id in the catalogue domain (``Take evidence statements``)."""
    return str(code).replace("_", " ").capitalize()


def compile_po(path: Path, domain: str) -> Translations:
    """The translations of one ``.po`` file (an empty set where the file does not exist).

    Untranslated and fuzzy entries are left out, so they fall back to the source text.
    """
    catalogue = Catalog(domain=domain)
    if path.is_file():
        with path.open("rb") as source:
            catalogue = read_po(source, domain=domain)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled, domain=domain)


def load(locale_dir: Path, languages: Iterable[str]) -> dict[str, Translations]:
    """Each language's page translations, with the catalogue domain added to them.

    ``catalogue_text`` looks a text up in the catalogue domain first, then in the pages'
    domain, then gives the English text: a catalogue label such as "From" (a period's start)
    may read differently from the same word on a page.
    """
    return dict(_compiled(locale_dir, tuple(languages)))


@cache
def _compiled(locale_dir: Path, languages: tuple[str, ...]) -> dict[str, Translations]:
    """The compiled catalogues, once per process: compiling the twelve files takes about
    0.2 s, and every application built (each test's node, each node's pages and PDF
    renderer) would pay it again. They are read-only once compiled."""
    loaded: dict[str, Translations] = {}
    for code in languages:
        folder = locale_dir / code / "LC_MESSAGES"
        page = compile_po(folder / f"{PAGE_DOMAIN}.po", PAGE_DOMAIN)
        catalogue = compile_po(folder / f"{CATALOGUE_DOMAIN}.po", CATALOGUE_DOMAIN)
        # Babel makes the page translations the catalogue domain's fallback.
        page.add(catalogue)
        loaded[code] = page
    return loaded


def catalogue_text(translations: NullTranslations, text: str) -> str:
    """``text`` from the catalogue, translated (catalogue domain, then pages, then English)."""
    return translations.dgettext(CATALOGUE_DOMAIN, text)
