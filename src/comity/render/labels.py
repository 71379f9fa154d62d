"""Translating what an original shows: the hook for the translation catalogues.

``translate(lang, text)`` returns ``text`` in ``lang`` where a catalogue has it, and the
English text otherwise. The Babel/gettext catalogues of the web application (issue 6, item 10)
replace ``CATALOGUES`` here: load them into it, or make ``translate`` ask them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

#: Per language, English text -> translated text. Empty until the catalogues exist.
CATALOGUES: dict[str, Mapping[str, str]] = {}


def translate(lang: str, text: str) -> str:
    """``text`` in ``lang``, falling back to the English ``text``."""
    return CATALOGUES.get(lang, {}).get(text, text)


def translator(lang: str) -> Callable[[str], str]:
    """``translate`` bound to ``lang``, as templates call it: ``_("Reference")``."""
    return lambda text: translate(lang, text)
