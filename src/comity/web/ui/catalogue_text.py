"""The text of the catalogue of forms of cooperation, as the ``catalogue`` gettext domain.

Officers read the catalogue in their language: each type's title and summary, every field's
label and description at every nesting level (the shared envelope's included), every value
of a list of choices as words (``take_evidence_statements`` reads "Take evidence statements",
the message id ``enum_label`` looks up), the channels, urgencies and kinds of authority, the
notes on a type's standing under each framework profile, the deadlines' labels, the
framework profiles' titles, and the practice life cycles' states, steps and values. This
module walks the loaded catalogue for that text; its command
writes the template ``locale/catalogue.pot`` and brings each language's ``catalogue.po`` up to
date (new texts untranslated, translations of removed texts dropped)::

    .venv/bin/python -m comity.web.ui.catalogue_text

A unit test fails when the template no longer matches the catalogue's files.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from comity import bootstrap
from comity.domain.catalogue import Catalogue, FieldSpec
from comity.domain.practice.lifecycle import LifeCycle
from comity.domain.practice.registry import FORMS
from comity.domain.values import AuthorityKind, Channel, Urgency
from comity.translations import CATALOGUE_DOMAIN, LOCALE_DIR, words

#: The command that regenerates the template, for messages that ask for it.
COMMAND = ".venv/bin/python -m comity.web.ui.catalogue_text"
#: The template the command writes and the tests compare with the catalogue.
TEMPLATE = LOCALE_DIR / f"{CATALOGUE_DOMAIN}.pot"
#: How many places a text's comment names (a text many types share names the first few).
PLACES = 3


def texts(catalogue: Catalogue) -> dict[str, list[str]]:
    """Every text an officer sees of ``catalogue``, in catalogue order, with where it is used
    (``"mla: measures"``)."""
    found: dict[str, list[str]] = {}

    def add(text: str, place: str) -> None:
        if text.strip():
            found.setdefault(text, []).append(place)

    def walk(spec: FieldSpec, place: str) -> None:
        add(spec.label, place)
        add(spec.description, f"{place} (description)")
        for value in spec.values:
            add(words(value), f"{place} = {value}")
        for member in spec.fields:
            walk(member, f"{place}.{member.name}")
        if spec.items is not None:
            walk(spec.items, f"{place}[]")

    for profile in catalogue.profiles.values():
        add(profile.title, f"profile {profile.code}")
    vocabularies: Iterable[tuple[str, Iterable[str]]] = (
        ("channel", tuple(Channel)),
        ("urgency", tuple(Urgency)),
        ("authority kind", tuple(AuthorityKind)),
    )
    for name, values in vocabularies:
        for value in values:
            add(words(value), f"{name} = {value}")
    for rtype in catalogue.types.values():
        add(rtype.title, f"{rtype.code} (title)")
        add(rtype.summary, f"{rtype.code} (summary)")
        for profile_code, basis in rtype.legal_basis.items():
            add(basis.note, f"{rtype.code} under {profile_code} (note)")
        for spec in rtype.fields:
            walk(spec, f"{rtype.code}: {spec.name}")
        for timer in rtype.timers:
            add(timer.label, f"{rtype.code} deadline {timer.code}")
    for form in FORMS:
        _practice_texts(form.lifecycle, add)
    return found


def _practice_texts(lifecycle: LifeCycle, add: Callable[[str, str], None]) -> None:
    """A practice life cycle's words on the request page: its name, states, steps, the values
    each step records and their choices (each code read as words, as ``enum_label`` does)."""
    place = f"practice {lifecycle.code}"
    add(words(lifecycle.code), place)
    for state in lifecycle.states:
        add(words(state), f"{place} state {state}")
    for rule in lifecycle.steps:
        add(words(rule.code), f"{place} step {rule.code}")
        for value in rule.values:
            add(words(value.name), f"{place} step {rule.code}: {value.name}")
            for choice in value.choices:
                add(words(choice), f"{place} step {rule.code}: {value.name} = {choice}")


def template(catalogue: Catalogue) -> Catalog:
    """The ``catalogue.pot`` template: one message per text, its first places as comments."""
    pot = Catalog(domain=CATALOGUE_DOMAIN, project="Comity", fuzzy=False)
    for text, places in texts(catalogue).items():
        more = len(places) - PLACES
        shown = places[:PLACES] + ([f"and {more} more"] if more > 0 else [])
        pot.add(text, auto_comments=shown)
    return pot


def _write(path: Path, catalogue: Catalog, *, header: bool = True) -> None:
    with path.open("wb") as target:
        write_po(target, catalogue, width=96, omit_header=not header, sort_output=False)


def regenerate(catalogue: Catalogue, locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Write the template and update each language's ``catalogue.po`` to it; the paths written."""
    pot = template(catalogue)
    written = [locale_dir / TEMPLATE.name]
    # Like the pages' template, the catalogue's has no header: regenerating an unchanged
    # catalogue changes no file.
    _write(written[0], pot, header=False)
    for po_path in sorted(locale_dir.glob(f"*/LC_MESSAGES/{CATALOGUE_DOMAIN}.po")):
        with po_path.open("rb") as source:
            translated = read_po(source, domain=CATALOGUE_DOMAIN)
        created = translated.creation_date
        # No fuzzy guesses: a legal label is translated by a person, never by similarity.
        translated.update(pot, no_fuzzy_matching=True, update_header_comment=False)
        translated.creation_date = created
        translated.obsolete.clear()
        _write(po_path, translated)
        written.append(po_path)
    return written


def main() -> None:
    """Regenerate ``catalogue.pot`` and the languages' ``catalogue.po`` from the catalogue."""
    for path in regenerate(bootstrap.catalogue()):
        sys.stdout.write(f"wrote {path}\n")


if __name__ == "__main__":
    main()
