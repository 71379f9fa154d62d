"""Rules: conditions about the persons a request concerns (legal.md T19, R-THR-09).

A sentenced person is transferred only with their consent and only if enough of the sentence
remains for the transfer to serve its purpose (TSP art. 3(1)(c)-(d)); both are facts the
request states in its fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

from comity.domain.legal.case import Case
from comity.domain.legal.findings import Finding, FindingSpec, Severity

PRISONER_CONSENT_REQUIRED = FindingSpec(
    code="PRISONER_CONSENT_REQUIRED",
    title="Prisoner's consent required",
    legal_basis=("TSP art. 3(1)(d)", "TSP art. 7", "UNCC art. 38"),
    explanation=(
        "A sentenced person is transferred to serve the sentence in another State only with "
        "their consent (or their legal representative's where their age or condition requires "
        "it), given voluntarily and knowing the consequences; the administering State may "
        "verify it through its consul. The finding blocks while the request does not record "
        "the consent, and says so differently when it records a refusal."
    ),
    ground="prisoner_consent",
)

REMAINING_SENTENCE_TOO_SHORT = FindingSpec(
    code="REMAINING_SENTENCE_TOO_SHORT",
    title="Remaining sentence too short for a transfer",
    legal_basis=("TSP art. 3(1)(c)", "TSP art. 3(2)"),
    explanation=(
        "A sentenced person may be transferred only if, when the request is received, at least "
        "the profile's minimum (six months) of the sentence remains to be served, or the "
        "sentence is indeterminate; the two States may agree to a transfer in exceptional "
        "cases all the same. The finding blocks below the minimum and is a warning when the "
        "request does not say how much remains."
    ),
    ground="remaining_sentence",
)

SPECS: tuple[FindingSpec, ...] = (PRISONER_CONSENT_REQUIRED, REMAINING_SENTENCE_TOO_SHORT)

TRANSFER_SENTENCED = "transfer_sentenced"


def prisoner_consent(case: Case) -> Iterator[Finding]:
    """PRISONER_CONSENT_REQUIRED unless the request records the prisoner's consent."""
    if case.rtype.code != TRANSFER_SENTENCED:
        return
    consent = case.fields.get("prisoner_consent")
    # Only the JSON value ``true`` is consent: "yes" or 1 is not a recorded consent.
    if consent is True:
        return
    if consent is False:
        yield PRISONER_CONSENT_REQUIRED.finding(
            Severity.BLOCKING,
            "The request records that the prisoner does not consent; without consent the "
            "transfer cannot take place.",
            ["fields.prisoner_consent"],
        )
        return
    yield PRISONER_CONSENT_REQUIRED.finding(
        Severity.BLOCKING,
        "The request does not record the prisoner's consent to the transfer; obtain it, with "
        "the record of how it was given, before sending.",
        ["fields.prisoner_consent"],
        needs=("prisoner_consent",),
    )


def remaining_sentence(case: Case) -> Iterator[Finding]:
    """REMAINING_SENTENCE_TOO_SHORT when less than the minimum remains to be served."""
    if case.rtype.code != TRANSFER_SENTENCED:
        return
    sentence = case.fields.get("sentence")
    if isinstance(sentence, Mapping) and sentence.get("indeterminate") is True:
        # An indeterminate sentence always leaves enough to serve (TSP art. 3(1)(c)).
        return
    minimum = case.threshold("sentenced_transfer_min_remaining_months", 6)
    remaining = case.fields.get("remaining_sentence_months")
    path = "fields.remaining_sentence_months"
    # Fields come from JSON: a boolean is not a number of months.
    if not isinstance(remaining, int) or isinstance(remaining, bool):
        yield REMAINING_SENTENCE_TOO_SHORT.finding(
            Severity.WARNING,
            "The request does not say how many months of the sentence remain to be served; "
            f"at least {minimum} must normally remain when the request is received.",
            [path],
            needs=("remaining_sentence_months",),
        )
        return
    if remaining < minimum:
        yield REMAINING_SENTENCE_TOO_SHORT.finding(
            Severity.BLOCKING,
            f"Only {remaining} months of the sentence remain; a transfer needs at least "
            f"{minimum}, unless both States agree to it as an exception.",
            [path],
        )


RULES: tuple[Callable[[Case], Iterable[Finding]], ...] = (prisoner_consent, remaining_sentence)
