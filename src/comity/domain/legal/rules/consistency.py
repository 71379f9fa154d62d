"""Rules: facts that contradict each other (the issue's "bad input" section).

Fields arrive from JSON and may be missing, empty or of the wrong type; form validation
reports those. The engine's part is to refuse to assess a case whose facts cannot all be true
(a death penalty with no offence, a period that ends before it starts, more sentence left than
was imposed) with a blocking finding that names the contradiction, and never to crash on it:
every reading here is defensive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime

from comity.domain.legal.case import Case
from comity.domain.legal.findings import Finding, FindingSpec, Severity

CONTRADICTORY_FACTS = FindingSpec(
    code="CONTRADICTORY_FACTS",
    title="Contradictory facts",
    legal_basis=("UNTOC art. 18(15)", "ECE art. 12(2)", "Statement Q11"),
    explanation=(
        "The request states facts that cannot all be true, such as a death penalty with no "
        "offence, a negative penalty or remaining sentence, more sentence left than was "
        "imposed, or a period that ends before it starts; the assessment would rest on one of "
        "them and is not reliable until the request is corrected. The finding names the "
        "contradiction and the input paths involved. It is a warning where a fact the other "
        "facts make necessary is missing, such as the nationality of a person sought for "
        "extradition."
    ),
)

SPECS: tuple[FindingSpec, ...] = (CONTRADICTORY_FACTS,)

# Surrendering a person is always for an offence, and the nationality of the person sought
# decides a ground for refusal (legal.md §2.1 EX-NAT).
_SURRENDER_TYPES = frozenset({"extradition", "provisional_arrest"})
_SOUGHT_ROLES = frozenset({"accused", "suspect"})


def _months(value: object) -> int | None:
    """``value`` if it is a whole number (a JSON boolean is not), else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _blocking(message: str, paths: Iterable[str]) -> Finding:
    """A blocking contradiction."""
    return CONTRADICTORY_FACTS.finding(Severity.BLOCKING, message, list(paths))


def missing_offences(case: Case) -> Iterator[Finding]:
    """A type the catalogue says is always about an offence, with no offence."""
    if case.offences:
        return
    spec = next((f for f in case.rtype.fields if f.name == "offences"), None)
    if spec is not None and spec.required:
        yield _blocking(
            f"A request for {case.rtype.title.lower()} is always about at least one offence, "
            "but none is given: thresholds and dual criminality cannot be assessed.",
            ["offences"],
        )


def death_penalty(case: Case) -> Iterator[Finding]:
    """A death penalty (or an assurance against it) with no offence that carries it."""
    flagged = case.fields.get("death_penalty_possible") is True
    assurance = case.has("death_penalty_assurance")
    if not (flagged or assurance):
        return
    paths = ["fields.death_penalty_possible"] if flagged else []
    paths += ["fields.death_penalty_assurance"] if assurance else []
    if not case.offences:
        yield _blocking(
            "The request speaks of the death penalty but names no offence that could carry it.",
            [*paths, "offences"],
        )
    elif flagged and not any(o.death_penalty_possible for o in case.offences):
        yield _blocking(
            "The request says the death penalty is possible, but none of its offences carries it.",
            [*paths, *(f"offences[{i}].death_penalty_possible" for i in range(len(case.offences)))],
        )


def negative_penalties(case: Case) -> Iterator[Finding]:
    """A maximum penalty below zero months."""
    for index, offence in enumerate(case.offences):
        penalty = offence.max_penalty_months
        if penalty is not None and penalty < 0:
            yield _blocking(
                f"Offence {index + 1} has a negative maximum penalty ({penalty} months).",
                [f"offences[{index}].max_penalty_months"],
            )


def sentences(case: Case) -> Iterator[Finding]:
    """Remaining sentences that are negative or longer than the sentence imposed."""
    remaining = _months(case.fields.get("remaining_sentence_months"))
    if remaining is not None and remaining < 0:
        yield _blocking(
            f"The months of sentence remaining are negative ({remaining}).",
            ["fields.remaining_sentence_months"],
        )
    sentence = case.fields.get("sentence")
    length = _months(sentence.get("length_months")) if isinstance(sentence, Mapping) else None
    if remaining is not None and length is not None and remaining > length:
        yield _blocking(
            f"More of the sentence remains ({remaining} months) than was imposed "
            f"({length} months).",
            ["fields.remaining_sentence_months", "fields.sentence.length_months"],
        )
    left = _months(case.fields.get("sentence_remaining_months"))
    imposed = _months(case.fields.get("sentence_imposed_months"))
    if left is not None and imposed is not None and left > imposed:
        yield _blocking(
            f"More of the sentence remains ({left} months) than was imposed ({imposed} months).",
            ["fields.sentence_remaining_months", "fields.sentence_imposed_months"],
        )


def _instant(value: object) -> datetime | None:
    """An ISO date or date-time as a naive date-time in its own clock; None if unreadable."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    # Only the order matters, and a date and a date-time with an offset are otherwise not
    # comparable: read every value on its own clock.
    return parsed.replace(tzinfo=None)


def _ordered_pairs(case: Case) -> Iterator[tuple[str, int | None, str, str]]:
    """(field, item index or None, start name, end name) for every period the request holds.

    The catalogue declares which members of a type form a period; ``data_targets`` is checked
    for every type, since the assessment API accepts it whatever the type.
    """
    for start, end in case.rtype.ordered:
        yield "", None, start, end
    lists = {
        spec.name: spec.items.ordered
        for spec in case.rtype.fields
        if spec.items is not None and spec.items.ordered is not None
    }
    lists.setdefault("data_targets", ("date_from", "date_to"))
    for name, (start, end) in sorted(lists.items()):
        items = case.fields.get(name)
        if not isinstance(items, list):
            continue
        for index in range(len(items)):
            yield name, index, start, end


def periods(case: Case) -> Iterator[Finding]:
    """A period (collection window, data target's date range…) that ends before it starts."""
    for name, index, start, end in _ordered_pairs(case):
        if index is None:
            holder: object = case.fields
            prefix = "fields"
        else:
            holder = case.fields[name][index]
            prefix = f"fields.{name}[{index}]"
        if not isinstance(holder, Mapping):
            continue
        begins, ends = _instant(holder.get(start)), _instant(holder.get(end))
        if begins is not None and ends is not None and begins > ends:
            yield _blocking(
                f"{prefix}: {start} ({holder[start]}) is after {end} ({holder[end]}).",
                [f"{prefix}.{start}", f"{prefix}.{end}"],
            )


def nationality_of_person_sought(case: Case) -> Iterator[Finding]:
    """A warning when a person sought for surrender has no nationality anywhere."""
    if case.rtype.code not in _SURRENDER_TYPES:
        return
    person = case.fields.get("person")
    listed = person.get("nationalities") if isinstance(person, Mapping) else None
    if isinstance(listed, list) and listed:
        return
    for index, facts in enumerate(case.persons):
        if facts.role in _SOUGHT_ROLES and not facts.nationalities:
            yield CONTRADICTORY_FACTS.finding(
                Severity.WARNING,
                f"Person {index + 1} is sought for surrender but no nationality is listed; "
                "whether the person is a national of the requested State cannot be assessed.",
                [f"persons[{index}].nationalities", "fields.person.nationalities"],
                needs=("nationalities",),
            )


RULES: tuple[Callable[[Case], Iterable[Finding]], ...] = (
    missing_offences,
    death_penalty,
    negative_penalties,
    sentences,
    periods,
    nationality_of_person_sought,
)
