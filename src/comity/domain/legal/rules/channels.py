"""Rules: safeguards and channels (statement Q8-Q12, Q19, Q24; legal.md §1.2, §7 D12-D13,
D16, D20, D24).

What the data sought are decides how a request may travel: basic subscriber information may go
police to police where the profile allows it (D24), while traffic and content data, real-time
collection and interception need a judicial authorisation and the judicial channel. The data
categories are read from ``fields.data_categories`` and ``fields.data_targets[].data_categories``;
a type whose catalogue entry only admits traffic or content data (real-time collection,
interception, disclosure of preserved traffic data) concerns them whatever the fields say.

Every rule reads ``fields`` defensively: it is JSON an officer or another State supplied, so any
value may be missing or of the wrong type, and a wrong type counts as "not given".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from comity.domain.legal.case import Case
from comity.domain.legal.data_sought import (
    CONTENT,
    SUBSCRIBER,
    data_sought,
    fields_of,
    is_text,
)
from comity.domain.legal.findings import Finding, FindingSpec, Severity
from comity.domain.values import Channel, Urgency

# The members a judicial authorisation must name to count as given (catalogue field
# ``judicial_authorisation``).
AUTHORISATION_MEMBERS = ("issuing_authority", "reference", "date")

# The explicit trigger for trans-border access: the type of that name (a profile may list it
# among its excluded forms) or ``fields.access_method`` set to this value.
TRANSBORDER = "transborder_access"
TRANSBORDER_ACCESS_METHOD = "transborder"

# Extradition concerns a person's liberty: it travels between central authorities or
# diplomatically, never through the 24/7 network built for electronic evidence (Q8).
_NOT_OVER_24_7 = frozenset({"extradition"})

JUDICIAL_AUTHORISATION_REQUIRED = FindingSpec(
    code="JUDICIAL_AUTHORISATION_REQUIRED",
    title="Judicial authorisation required for traffic or content data",
    legal_basis=("Statement Q24", "BC art. 15(2)", "UNCC art. 24"),
    explanation=(
        "Traffic data, content data, real-time collection and interception are requested "
        "without a complete judicial authorisation (issuing authority, reference, date). "
        "Content and interception always need one; for traffic data the profile decides "
        "(blocking where it requires a court order, a warning where the requested State's law "
        "decides)."
    ),
)
POLICE_CHANNEL_PERMITTED = FindingSpec(
    code="POLICE_CHANNEL_PERMITTED",
    title="Subscriber information may go police to police",
    legal_basis=("Statement Q24", "UNTOC art. 27"),
    explanation=(
        "Only basic subscriber information is sought and the profile allows it to travel "
        "police to police, outside mutual legal assistance; answers so obtained may not be "
        "admissible as evidence in court."
    ),
)
CHANNEL_NOT_ALLOWED = FindingSpec(
    code="CHANNEL_NOT_ALLOWED",
    title="Channel not allowed for this request",
    legal_basis=("Statement Q8", "Statement Q9", "Statement Q24"),
    explanation=(
        "The chosen channel is not one the type allows under the profile, or it is barred for "
        "what is asked: traffic or content data, real-time collection or interception over "
        "the police channel, subscriber information over the police channel where the profile "
        "has no such channel, extradition over the 24/7 network."
    ),
)
EMERGENCY_NOT_SUBSTANTIATED = FindingSpec(
    code="EMERGENCY_NOT_SUBSTANTIATED",
    title="Emergency not substantiated",
    legal_basis=("Statement Q12", "2AP art. 10(1)"),
    explanation=(
        "An emergency request must describe the facts showing the emergency and how the "
        "assistance sought relates to it."
    ),
)
ORIGINAL_TO_FOLLOW = FindingSpec(
    code="ORIGINAL_TO_FOLLOW",
    title="The formal original must follow the copy sent ahead",
    legal_basis=("Statement Q8", "Statement Q9", "Statement Q10", "BC art. 25(3)"),
    explanation=(
        "A copy sent ahead by e-mail or through INTERPOL must be followed by the formal "
        "original; a warning when the request does not say how the copy went."
    ),
)
TRANSBORDER_ACCESS_NOT_PERMITTED = FindingSpec(
    code="TRANSBORDER_ACCESS_NOT_PERMITTED",
    title="Trans-border access not permitted",
    legal_basis=("Statement Q19", "UNCC art. 5"),
    explanation=(
        "The request asks for access to data stored in another State without that State's "
        "consent (type transborder_access or fields.access_method = transborder), which the "
        "profile excludes."
    ),
)
LANGUAGE_NOT_ACCEPTED = FindingSpec(
    code="LANGUAGE_NOT_ACCEPTED",
    title="Language not accepted by the requested State: translation needed",
    legal_basis=("UNTOC art. 18(14)", "ECE art. 23"),
    explanation=(
        "The request is in a language the requested State does not accept and no translation "
        "is attached."
    ),
)

SPECS: tuple[FindingSpec, ...] = (
    JUDICIAL_AUTHORISATION_REQUIRED,
    POLICE_CHANNEL_PERMITTED,
    CHANNEL_NOT_ALLOWED,
    EMERGENCY_NOT_SUBSTANTIATED,
    ORIGINAL_TO_FOLLOW,
    TRANSBORDER_ACCESS_NOT_PERMITTED,
    LANGUAGE_NOT_ACCEPTED,
)


# -- rules --------------------------------------------------------------------------------------


def judicial_authorisation(case: Case) -> Iterator[Finding]:
    """Traffic or content data, real-time collection or interception sought without a complete
    judicial authorisation (Q24, D24)."""
    sought = data_sought(case)
    if not sought.sensitive:
        return
    missing = missing_authorisation(fields_of(case))
    if not missing:
        return
    if CONTENT in sought.sensitive:
        severity: Severity | None = Severity.BLOCKING
        why = "content data and interception always need one"
    else:
        severity, why = _traffic_severity(case)
    if severity is None:
        return
    what = " and ".join(sorted(sought.sensitive))
    measure = f" ({case.rtype.title.lower()})" if sought.inherent else ""
    yield JUDICIAL_AUTHORISATION_REQUIRED.finding(
        severity,
        f"The request concerns {what} data{measure} but carries no complete judicial "
        f"authorisation (missing: {', '.join(missing)}); {why}.",
        (*sought.paths(sought.sensitive), *missing),
        needs=("fields.judicial_authorisation",),
    )


def _traffic_severity(case: Case) -> tuple[Severity | None, str]:
    rule = case.flag("traffic_requires_judicial")
    declared = case.requested.declarations.traffic_data_requires_judicial_authorisation
    if rule is True:
        return Severity.BLOCKING, "under this profile traffic data need a court order"
    # Where the profile leaves it to domestic law, the requested State's own declaration
    # settles it; without one the officer is warned that its law decides.
    if declared:
        return Severity.BLOCKING, (
            f"{case.requested.code} declared that traffic data need a judicial authorisation"
        )
    if rule == "per_domestic_law":
        return Severity.WARNING, (
            f"under this profile the law of {case.requested.code} decides whether traffic "
            "data need one"
        )
    return None, ""


def missing_authorisation(fields: Mapping[str, Any]) -> tuple[str, ...]:
    """The paths missing from ``fields.judicial_authorisation``; empty when it is complete."""
    value = fields.get("judicial_authorisation")
    if not isinstance(value, Mapping):
        return ("fields.judicial_authorisation",)
    return tuple(
        f"fields.judicial_authorisation.{name}"
        for name in AUTHORISATION_MEMBERS
        if not is_text(value.get(name))
    )


def police_channel_permitted(case: Case) -> Iterator[Finding]:
    """Subscriber information only, under a profile with a police channel for it (Q24)."""
    if case.flag("bsi_police_channel") is not True:
        return
    sought = data_sought(case)
    if not sought.subscriber_only(case.rtype):
        return
    on_police = case.channel is Channel.POLICE
    if not on_police and Channel.POLICE not in case.rtype.channels_under(case.profile.code):
        return
    if on_police:
        message = (
            "Only subscriber information is sought: it may travel police to police without "
            "mutual legal assistance."
        )
    else:
        message = (
            "Only subscriber information is sought: it could also travel police to police, "
            "without mutual legal assistance."
        )
    if fields_of(case).get("ip_identification_only") is True:
        # Q24: identifying the user of an IP address at a given time may count as traffic
        # data in the requested State, which then needs judicial assistance.
        message += (
            " The requested State may treat identifying an IP address's user as traffic "
            "data, which would need judicial assistance."
        )
    if fields_of(case).get("evidential_use_intended") is True:
        message += " Answers given police to police are often not admissible in court."
    yield POLICE_CHANNEL_PERMITTED.finding(
        Severity.INFO, message, ("channel", *sought.paths({SUBSCRIBER}))
    )


def channel_not_allowed(case: Case) -> Iterator[Finding]:
    """The channel is not allowed for the type under the profile, or barred for what is asked."""
    explicit = list(_barred(case))
    yield from explicit
    allowed = case.rtype.channels_under(case.profile.code)
    if not explicit and case.channel not in allowed:
        yield CHANNEL_NOT_ALLOWED.finding(
            Severity.BLOCKING,
            f"A {case.rtype.title.lower()} request cannot travel by the {case.channel} channel "
            f"under this profile; allowed: {', '.join(str(c) for c in allowed) or 'none'}.",
            ("channel", "type", "profile"),
        )


def _barred(case: Case) -> Iterator[Finding]:
    if case.channel is Channel.POLICE:
        sought = data_sought(case)
        beyond = sought.beyond_subscriber
        if beyond:
            yield CHANNEL_NOT_ALLOWED.finding(
                Severity.BLOCKING,
                f"Only subscriber information may go police to police; {', '.join(sorted(beyond))}"
                " data, real-time collection and interception need the judicial channel.",
                ("channel", *sought.paths(beyond)),
            )
        elif sought.subscriber_only(case.rtype) and case.flag("bsi_police_channel") is not True:
            yield CHANNEL_NOT_ALLOWED.finding(
                Severity.BLOCKING,
                "This profile has no police-to-police channel for subscriber information: "
                "request it through mutual legal assistance.",
                ("channel", "profile", *sought.paths({SUBSCRIBER})),
            )
    if case.channel is Channel.NETWORK_24_7 and case.rtype.code in _NOT_OVER_24_7:
        yield CHANNEL_NOT_ALLOWED.finding(
            Severity.BLOCKING,
            "Extradition travels between central authorities or diplomatically, never through "
            "the 24/7 network.",
            ("channel", "type"),
        )


def emergency_not_substantiated(case: Case) -> Iterator[Finding]:
    """An emergency without the facts of the emergency and how the assistance relates (Q12)."""
    if case.urgency is not Urgency.EMERGENCY:
        return
    fields = fields_of(case)
    missing = tuple(
        f"fields.{name}"
        for name in ("emergency_facts", "emergency_nexus")
        if not is_text(fields.get(name))
    )
    if missing:
        yield EMERGENCY_NOT_SUBSTANTIATED.finding(
            Severity.BLOCKING,
            "An emergency request must state the facts showing a significant and imminent risk "
            "to life or safety and how the assistance sought relates to it; missing: "
            f"{', '.join(missing)}.",
            ("urgency", *missing),
            needs=missing,
        )


def original_to_follow(case: Case) -> Iterator[Finding]:
    """A copy sent ahead: the formal original must follow (Q8-Q10)."""
    if case.channel is not Channel.COPY_AHEAD:
        return
    due = case.profile.durations.get("original_due")
    when = f" within {due.days} days" if due is not None else ""
    via = fields_of(case).get("copy_sent_via")
    if via in ("email", "interpol"):
        yield ORIGINAL_TO_FOLLOW.finding(
            Severity.INFO,
            f"The copy went ahead by {via}; the formal original must follow{when}.",
            ("channel", "fields.copy_sent_via"),
        )
    else:
        yield ORIGINAL_TO_FOLLOW.finding(
            Severity.WARNING,
            "The request says it is a copy sent ahead but not how it went (e-mail or "
            f"INTERPOL); the formal original must follow{when}.",
            ("channel", "fields.copy_sent_via"),
            needs=("fields.copy_sent_via",),
        )


def transborder_access(case: Case) -> Iterator[Finding]:
    """Trans-border access asked for under a profile that excludes it (Q19, D20)."""
    paths: list[str] = []
    if case.rtype.code == TRANSBORDER:
        paths.append("type")
    if fields_of(case).get("access_method") == TRANSBORDER_ACCESS_METHOD:
        paths.append("fields.access_method")
    if not paths or case.flag("transborder_access") is True:
        return
    excluded = next((f for f in case.profile.excluded_forms if f.code == TRANSBORDER), None)
    reason = (
        excluded.reason.strip() if excluded is not None else "the profile does not provide for it."
    )
    yield TRANSBORDER_ACCESS_NOT_PERMITTED.finding(
        Severity.BLOCKING,
        "Access to data stored in another State without its consent is not permitted under "
        f"this profile: {reason} Ask the State where the data are through mutual legal "
        "assistance or its 24/7 point of contact.",
        (*paths, "profile"),
        legal_basis=excluded.basis if excluded is not None and excluded.basis else None,
    )


def language_not_accepted(case: Case) -> Iterator[Finding]:
    """The request's language is not one the requested State accepts."""
    fields = fields_of(case)
    language = fields.get("language")
    accepted = {lang.lower() for lang in case.requested.languages}
    if not accepted or not is_text(language) or str(language).strip().lower() in accepted:
        return
    # A translation attached is the translation the requested State asked for.
    if fields.get("translation_attached") is True:
        return
    yield LANGUAGE_NOT_ACCEPTED.finding(
        Severity.WARNING,
        f"The request is in {str(language).strip()!r}, which {case.requested.code} does not "
        f"accept ({', '.join(sorted(accepted))}): attach a translation.",
        ("fields.language", "fields.translation_attached"),
        needs=("fields.translation_attached",),
    )


RULES: tuple[Callable[[Case], Iterable[Finding]], ...] = (
    judicial_authorisation,
    police_channel_permitted,
    channel_not_allowed,
    emergency_not_substantiated,
    original_to_follow,
    transborder_access,
    language_not_accepted,
)
