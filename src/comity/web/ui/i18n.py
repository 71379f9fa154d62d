"""The six UN languages of the officers' pages: gettext catalogues, direction, dates.

Catalogues are ``locale/<lang>/LC_MESSAGES/messages.po`` (the pages' text, extracted from the
templates with ``pybabel extract -F babel.cfg``) and ``catalogue.po`` (the text of the
catalogue of forms of cooperation, extracted with ``python -m comity.web.ui.catalogue_text``);
they are compiled in memory when the application is built (``comity.translations``, which the
PDF originals share), so no binary ``.mo`` file is kept in the repository. A page's language is the
``lang`` query parameter (remembered in a cookie), else the cookie, else the browser's
``Accept-Language``, else English. Each page gets its own gettext functions: nothing global
changes between two requests in different languages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from babel import Locale
from babel.dates import format_datetime
from babel.support import NullTranslations
from fastapi import Request

from comity import translations as shared

LOCALE_DIR = shared.LOCALE_DIR
LANGUAGE_COOKIE = "comity_lang"
DEFAULT = "en"


@dataclass(frozen=True)
class Language:
    """One UN language as the pages use it."""

    code: str
    name: str
    direction: str
    # The CLDR locale for dates and numbers.
    locale: str


LANGUAGES: Mapping[str, Language] = {
    language.code: language
    for language in (
        Language("ar", "العربية", "rtl", "ar"),
        Language("zh", "中文", "ltr", "zh_Hans"),
        Language("en", "English", "ltr", "en_GB"),
        Language("fr", "Français", "ltr", "fr"),
        Language("ru", "Русский", "ltr", "ru"),
        Language("es", "Español", "ltr", "es"),
    )
}


def N_(text: str) -> str:  # noqa: N802 - the name gettext tools look for
    """Mark ``text`` for extraction into the catalogues; it is translated where shown."""
    return text


#: How a status reads to an officer (the key is the status code the API uses).
STATUS_LABELS: Mapping[str, str] = {
    "draft": N_("Draft"),
    "awaiting_approval": N_("Awaiting approval"),
    "approved": N_("Approved"),
    "sent": N_("Sent"),
    "received": N_("Received"),
    "registered": N_("Registered"),
    "under_assessment": N_("Under assessment"),
    "more_info_requested": N_("More information requested"),
    "info_supplied": N_("Information supplied"),
    "accepted": N_("Accepted"),
    "accepted_in_part": N_("Accepted in part"),
    "postponed": N_("Postponed"),
    "conditions_proposed": N_("Conditions proposed"),
    "refused": N_("Refused"),
    "in_execution": N_("In execution"),
    "executed": N_("Executed"),
    "closed": N_("Closed"),
    "withdrawn": N_("Withdrawn"),
    "expired": N_("Expired"),
}

#: How a role reads to an officer.
ROLE_LABELS: Mapping[str, str] = {
    "drafter": N_("Drafter"),
    "approver": N_("Approver"),
    "executor": N_("Executor"),
    "duty_officer": N_("Duty officer"),
    "dpo": N_("Data protection officer"),
    "auditor": N_("Auditor"),
    "admin": N_("Administrator"),
}


def load_catalogues(locale_dir: Path = LOCALE_DIR) -> dict[str, NullTranslations]:
    """Every language's translations: the pages' text, with the catalogue's text as its
    ``catalogue`` domain (a missing catalogue, or a text it lacks, falls back to English)."""
    return dict(shared.load(locale_dir, LANGUAGES))


def pick(request: Request) -> tuple[Language, bool]:
    """The page's language, and whether it was chosen now (to be remembered)."""
    asked = request.query_params.get("lang") or ""
    if asked in LANGUAGES:
        return LANGUAGES[asked], True
    remembered = request.cookies.get(LANGUAGE_COOKIE) or ""
    if remembered in LANGUAGES:
        return LANGUAGES[remembered], False
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return LANGUAGES[code], False
    return LANGUAGES[DEFAULT], False


def page_values(
    language: Language, catalogues: Mapping[str, NullTranslations]
) -> dict[str, object]:
    """What every template gets for its language: ``_``, ``ngettext``, ``when`` and more."""
    translations = catalogues.get(language.code, NullTranslations())
    locale = Locale.parse(language.locale)

    def when(moment: datetime) -> str:
        return format_datetime(moment, "medium", tzinfo=None, locale=locale)

    gettext: Callable[[str], str] = translations.gettext

    def status_label(status: str) -> str:
        return gettext(STATUS_LABELS.get(str(status), str(status)))

    def role_label(role: str) -> str:
        return gettext(ROLE_LABELS.get(str(role), str(role)))

    def cat(text: str) -> str:
        return shared.catalogue_text(translations, str(text))

    def enum_label(code: str) -> str:
        # A catalogue value (``take_evidence_statements``) reads as words ("Take evidence
        # statements", the message id); the catalogue's translations hold the words in each
        # language, English included where the plain words read badly ("Poc 24 7").
        return cat(shared.words(str(code)))

    return {
        "_": gettext,
        # Text from the catalogue of forms of cooperation (titles, summaries, field labels):
        # the catalogue's own translation, else the pages' translation, else the English text.
        "cat": cat,
        "status_label": status_label,
        "role_label": role_label,
        "enum_label": enum_label,
        "ngettext": translations.ngettext,
        "when": when,
        "lang": language.code,
        "direction": language.direction,
        "languages": list(LANGUAGES.values()),
    }
