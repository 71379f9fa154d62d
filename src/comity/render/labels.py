"""Translating what an original shows, with the web application's gettext catalogues.

An original's labels are English text: the page strings of its template ("Reference",
"Requesting State"), the catalogue's text (the type's title, field labels, the profile's title)
and a few values that are codes (the status ``in_execution``, the urgency ``routine``, the
channel ``central_authority``). ``translate(lang, text)`` looks the text up in the catalogue
domain, then in the pages' domain (``comity.translations``), and gives the English text where
neither has it; a code is first read as the words that are its message id ("In execution"), as
``enum_label`` does on the pages. The catalogues are read from the web package's locale
directory on disk, like the template, so this adapter never imports the web driver.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache

from babel.support import Translations

from comity.domain.originals import LANGUAGES
from comity.translations import LOCALE_DIR, catalogue_text, load, words

#: A value that is a code (lower case, digits and underscores), not English text.
_CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


@cache
def catalogues() -> Mapping[str, Translations]:
    """Every UN language's translations, read once per process (they never change)."""
    return load(LOCALE_DIR, LANGUAGES)


def translate(lang: str, text: str) -> str:
    """``text`` in ``lang``, falling back to the English ``text`` (a code as English words)."""
    english = words(text) if _CODE.fullmatch(text) else text
    translations = catalogues().get(lang)
    return catalogue_text(translations, english) if translations is not None else english


def translator(lang: str) -> Callable[[str], str]:
    """``translate`` bound to ``lang``, as templates call it: ``_("Reference")``."""
    return lambda text: translate(lang, text)
