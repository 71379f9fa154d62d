"""Rules: personal-data protection of a request (statement Q7; legal.md §4, §7 D10).

A request states the purpose its data may serve (DP-S3, DP-S7) and bounds what it asks for
(DP-S2); a State's declared restriction on transfers to the other State stops it (DP-S8); and
every request that carries personal data is told what may happen to the data afterwards, which
the profile decides (``onward_transfer_mode``: prohibited under the statement, prior
authorisation under UNCC art. 36 and 2AP art. 14(10)).

A request "carries personal data" when it names persons (``persons`` of the case or of the
fields) or seeks data (``fields.data_targets`` or ``fields.data_categories``). ``fields`` is
read defensively: any value may be missing or of the wrong type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from comity.domain.legal.case import Case, StateFacts
from comity.domain.legal.data_sought import (
    WILDCARDS,
    fields_of,
    is_text,
    list_of,
    strings_of,
)
from comity.domain.legal.findings import Finding, FindingSpec, Severity

# DP-S7: the purposes for which personal data may be received; the same values as the
# envelope's ``purpose_code`` enum (a test keeps them equal).
PURPOSE_CODES = (
    "criminal_proc",
    "admin_proc",
    "civil_proc",
    "related_judicial_admin",
    "prevent_immediate_serious_threat",
)
# A data category that stands for every category: the opposite of minimisation (DP-S2).

PURPOSE_NOT_STATED = FindingSpec(
    code="PURPOSE_NOT_STATED",
    title="Purpose of the request not stated",
    legal_basis=("Statement Q7", "UNTOC art. 18(15)(f)", "ECMA2P art. 26(1)"),
    explanation=(
        "The request must state its purpose and its kind (criminal, administrative or civil "
        "proceedings, directly related judicial or administrative functions, preventing an "
        "immediate and serious threat): the data received may serve that purpose only."
    ),
)
DATA_SCOPE_UNBOUNDED = FindingSpec(
    code="DATA_SCOPE_UNBOUNDED",
    title="Data sought not bounded",
    legal_basis=("Statement Q7", "Statement Q11"),
    explanation=(
        "Each item of data sought needs a date range and explicit data categories; a wildcard "
        "such as 'all' data is not a category (data minimisation)."
    ),
)
TRANSFER_RESTRICTED_BY_STATE = FindingSpec(
    code="TRANSFER_RESTRICTED_BY_STATE",
    title="A State restricts transfers of personal data to the other State",
    legal_basis=("Statement Q7",),
    explanation=(
        "The requesting State declared a restriction on transferring personal data to the "
        "requested State (blocking), or the requested State declared one towards the "
        "requesting State, so its answer may be refused or conditioned (warning)."
    ),
)
ONWARD_TRANSFER_PROHIBITED = FindingSpec(
    code="ONWARD_TRANSFER_PROHIBITED",
    title="Onward transfer of the data received is prohibited or needs prior authorisation",
    legal_basis=("Statement Q7",),
    explanation=(
        "Under the statement's profile data received may not go to any third State or body; "
        "under the adopted conventions only with the originating State's prior authorisation."
    ),
)

SPECS: tuple[FindingSpec, ...] = (
    PURPOSE_NOT_STATED,
    DATA_SCOPE_UNBOUNDED,
    TRANSFER_RESTRICTED_BY_STATE,
    ONWARD_TRANSFER_PROHIBITED,
)

# What a declared restriction rests on under each profile's ``transfer_restriction_grounds``.
_RESTRICTION_BASIS: Mapping[str, tuple[tuple[str, ...], str]] = {
    "seed_list": (
        ("Statement Q7",),
        "a State may prohibit or restrict cross-border transfers to protect its constitutional "
        "order, security, sovereignty and other listed interests",
    ),
    "dp_law_noncompliance": (
        ("Statement Q7", "UNCC art. 36"),
        "a State need not transfer personal data it cannot transfer in compliance with its "
        "data-protection law, and may impose conditions",
    ),
    "suspension_procedure_only": (
        ("Statement Q7", "2AP art. 14(15)"),
        "transfers are stopped only through the suspension procedure, after notice and "
        "consultation",
    ),
}

# What happens to data received, by ``onward_transfer_mode``.
_ONWARD: Mapping[str, str] = {
    "prohibited": "may not be passed on to any third State, organisation or other body",
    "prior_authorisation": (
        "may be passed on to a third State or international organisation only with the "
        "prior authorisation of the State that supplied them"
    ),
    "prior_written_authorisation": (
        "may be passed on to a third State or international organisation only with the "
        "prior written authorisation of the State that supplied them"
    ),
}


def purpose_not_stated(case: Case) -> Iterator[Finding]:
    """No purpose, no kind of purpose, or a kind outside DP-S7's list."""
    # Every type whose catalogue has a purpose field transfers data for a purpose; a type
    # without one (none today) is left to its own rules.
    if case.rtype.field("purpose") is None:
        return
    fields = fields_of(case)
    problems: list[tuple[str, str]] = []
    if not is_text(fields.get("purpose")):
        problems.append(("fields.purpose", "no purpose is stated"))
    code = fields.get("purpose_code")
    if not is_text(code):
        problems.append(("fields.purpose_code", "no kind of purpose is given"))
    elif code not in PURPOSE_CODES:
        problems.append(
            (
                "fields.purpose_code",
                f"{str(code)!r} is not a purpose for which data may be received "
                f"({', '.join(PURPOSE_CODES)})",
            )
        )
    if problems:
        said = "; ".join(message for _, message in problems)
        yield PURPOSE_NOT_STATED.finding(
            Severity.BLOCKING,
            f"The data received may serve the stated purpose only: {said}.",
            tuple(path for path, _ in problems),
            needs=tuple(path for path, _ in problems),
        )


def data_scope_unbounded(case: Case) -> Iterator[Finding]:
    """A data target with no date range, no data categories or a wildcard category (DP-S2)."""
    fields = fields_of(case)
    stated = fields.get("data_categories")
    if any(category in WILDCARDS for category in strings_of(stated)):
        yield DATA_SCOPE_UNBOUNDED.finding(
            Severity.BLOCKING,
            "The request asks for every category of data: name the categories needed.",
            ("fields.data_categories",),
        )
    targets = list_of(fields.get("data_targets"))
    if strings_of(stated) and not targets:
        yield DATA_SCOPE_UNBOUNDED.finding(
            Severity.BLOCKING,
            "Data categories are named but no data target says whose data, of which period.",
            ("fields.data_categories", "fields.data_targets"),
            needs=("fields.data_targets",),
        )
    for index, target in enumerate(targets):
        yield from _unbounded_target(index, target)


def _unbounded_target(index: int, target: Any) -> Iterator[Finding]:
    base = f"fields.data_targets[{index}]"
    if not isinstance(target, Mapping):
        yield DATA_SCOPE_UNBOUNDED.finding(
            Severity.BLOCKING,
            f"Data target {index + 1} is not described: give its date range and categories.",
            (base,),
        )
        return
    problems: list[tuple[str, str]] = [
        (f"{base}.{name}", f"no {label}")
        for name, label in (("date_from", "start date"), ("date_to", "end date"))
        if not is_text(target.get(name))
    ]
    categories = strings_of(target.get("data_categories"))
    if not categories:
        problems.append((f"{base}.data_categories", "no data categories"))
    elif any(category in WILDCARDS for category in categories):
        problems.append((f"{base}.data_categories", "a wildcard instead of categories"))
    if problems:
        yield DATA_SCOPE_UNBOUNDED.finding(
            Severity.BLOCKING,
            f"Data target {index + 1} is not bounded: {', '.join(m for _, m in problems)}.",
            tuple(path for path, _ in problems),
            needs=tuple(path for path, _ in problems),
        )


def transfer_restricted_by_state(case: Case) -> Iterator[Finding]:
    """A State's declared restriction on transfers to the other State (Q7, DP-S8)."""
    if not carries_personal_data(case):
        return
    basis, rests_on = _RESTRICTION_BASIS.get(
        str(case.flag("transfer_restriction_grounds", "seed_list")),
        _RESTRICTION_BASIS["seed_list"],
    )
    sending, receiving = case.requesting, case.requested
    grounds = _grounds(sending, receiving)
    if grounds:
        yield TRANSFER_RESTRICTED_BY_STATE.finding(
            Severity.BLOCKING,
            f"{sending.code} restricts transfers of personal data to {receiving.code} "
            f"(declared ground: {grounds}); under this profile {rests_on}. The request carries "
            "personal data and cannot be sent while the restriction applies.",
            (_restrictions_path(sending), "profile"),
            legal_basis=basis,
        )
    reverse = _grounds(receiving, sending)
    if reverse:
        yield TRANSFER_RESTRICTED_BY_STATE.finding(
            Severity.WARNING,
            f"{receiving.code} restricts transfers of personal data to {sending.code} "
            f"(declared ground: {reverse}); under this profile {rests_on}. Its answer may be "
            "refused or made subject to conditions where it holds personal data.",
            (_restrictions_path(receiving), "profile"),
            legal_basis=basis,
        )


def onward_transfer_prohibited(case: Case) -> Iterator[Finding]:
    """What may happen to the data received, by the profile's onward-transfer mode (D10)."""
    if not carries_personal_data(case):
        return
    mode = case.flag("onward_transfer_mode")
    rule = _ONWARD.get(mode) if isinstance(mode, str) else None
    if rule is None:
        return
    yield ONWARD_TRANSFER_PROHIBITED.finding(
        Severity.INFO,
        f"Personal data received under this request {rule}.",
        ("profile",),
        legal_basis=_onward_basis(case, mode),
    )


def _onward_basis(case: Case, mode: str) -> tuple[str, ...]:
    if mode == "prohibited":
        return ("Statement Q7",)
    # The authorisation rule is the adopted instruments' (legal.md §4.5): cite those the
    # profile is built on.
    instruments = set(case.profile.instruments)
    basis = tuple(
        citation
        for instrument, citation in (("UNCC", "UNCC art. 36"), ("BC2AP", "2AP art. 14(10)"))
        if instrument in instruments
    )
    return basis or ONWARD_TRANSFER_PROHIBITED.legal_basis


def carries_personal_data(case: Case) -> bool:
    """True if the request names persons or seeks data (its answer then holds personal data)."""
    fields = fields_of(case)
    return bool(
        case.persons
        or list_of(fields.get("persons"))
        or list_of(fields.get("data_targets"))
        or strings_of(fields.get("data_categories"))
    )


RULES: tuple[Callable[[Case], Iterable[Finding]], ...] = (
    purpose_not_stated,
    data_scope_unbounded,
    transfer_restricted_by_state,
    onward_transfer_prohibited,
)


def _grounds(source: StateFacts, target: StateFacts) -> str:
    grounds = sorted({r.ground for r in source.declarations.restricts_transfer_to(target.code)})
    return ", ".join(grounds)


def _restrictions_path(state: StateFacts) -> str:
    return f"states.{state.code}.declarations.cross_border_transfer_restrictions"
