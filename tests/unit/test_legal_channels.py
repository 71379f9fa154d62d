"""The safeguard and channel rules: judicial authorisation, police channel, barred channels,
emergencies, copies sent ahead, trans-border access and language (statement Q8-Q12, Q19, Q24).

Each table gives cases where a code fires and cases where it must not; the rules of this module
run alone so a finding of another subject cannot hide or fake one of these.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comity.domain.legal import data_sought
from comity.domain.legal.case import Case
from comity.domain.legal.engine import specs
from comity.domain.legal.findings import Finding, Severity
from comity.domain.legal.rules import channels
from comity.domain.values import Channel, Urgency
from tests.builders import catalogue
from tests.legal_builders import a_case, a_state, with_flags

STATEMENT = "ahc-2022-proposal"
UNCC = "uncc-2024"
BUDAPEST = "budapest"

AUTHORISATION = {"issuing_authority": "Court of XA", "reference": "2026/JA/4", "date": "2026-03-01"}


def target(*categories: Any, **changes: Any) -> dict[str, Any]:
    """A bounded data target of the given categories."""
    item: dict[str, Any] = {
        "description": "Account used to host the phishing pages",
        "identifiers": ["user@example.org"],
        "data_categories": list(categories),
        "date_from": "2026-01-01",
        "date_to": "2026-02-01",
        "nexus_to_offence": "Hosted the pages",
    }
    item.update(changes)
    return item


def run(case: Case) -> list[Finding]:
    """Every finding of this module's rules for ``case``."""
    return [found for rule in channels.RULES for found in rule(case)]


def of(case: Case, code: str) -> list[Finding]:
    """The findings with ``code``."""
    return [found for found in run(case) if found.code == code]


def under(profile: str, case: Case) -> Case:
    """The same case under another profile."""
    return replace(case, profile=catalogue().profile(profile))


# -- JUDICIAL_AUTHORISATION_REQUIRED ------------------------------------------------------------

TRAFFIC_REQUEST = {"data_targets": [target("traffic")]}

JA_FIRES = [
    pytest.param(
        a_case("stored_data", fields=TRAFFIC_REQUEST),
        Severity.BLOCKING,
        ("fields.data_targets[0].data_categories", "fields.judicial_authorisation"),
        id="traffic-data-without-court-order",
    ),
    pytest.param(
        a_case("interception", BUDAPEST, fields={"data_targets": [target("content")]}),
        Severity.BLOCKING,
        ("fields.data_targets[0].data_categories", "type", "fields.judicial_authorisation"),
        id="interception-always",
    ),
    pytest.param(
        a_case("mla", UNCC, fields={"data_categories": ["content"]}),
        Severity.BLOCKING,
        ("fields.data_categories", "fields.judicial_authorisation"),
        id="content-under-uncc",
    ),
    pytest.param(
        a_case("realtime_traffic"),
        Severity.BLOCKING,
        ("type", "fields.judicial_authorisation"),
        id="realtime-collection-statement",
    ),
    pytest.param(
        a_case(
            "stored_data",
            fields={**TRAFFIC_REQUEST, "judicial_authorisation": {"issuing_authority": "Court"}},
        ),
        Severity.BLOCKING,
        (
            "fields.data_targets[0].data_categories",
            "fields.judicial_authorisation.reference",
            "fields.judicial_authorisation.date",
        ),
        id="partial-authorisation",
    ),
    pytest.param(
        a_case("stored_data", UNCC, fields=TRAFFIC_REQUEST),
        Severity.WARNING,
        ("fields.data_targets[0].data_categories", "fields.judicial_authorisation"),
        id="traffic-uncc-domestic-law",
    ),
    pytest.param(
        a_case("stored_data", BUDAPEST, fields=TRAFFIC_REQUEST),
        Severity.WARNING,
        ("fields.data_targets[0].data_categories", "fields.judicial_authorisation"),
        id="traffic-budapest-domestic-law",
    ),
    pytest.param(
        a_case(
            "stored_data",
            BUDAPEST,
            fields=TRAFFIC_REQUEST,
            requested=a_state(
                "XB", declarations={"traffic_data_requires_judicial_authorisation": True}
            ),
        ),
        Severity.BLOCKING,
        ("fields.data_targets[0].data_categories", "fields.judicial_authorisation"),
        id="traffic-budapest-declared",
    ),
    pytest.param(
        a_case("mla", fields={"data_targets": [target("ALL")], "judicial_authorisation": "yes"}),
        Severity.BLOCKING,
        ("fields.data_targets[0].data_categories", "fields.judicial_authorisation"),
        id="wildcard-is-content-too",
    ),
]


@pytest.mark.parametrize(("case", "severity", "paths"), JA_FIRES)
def test_judicial_authorisation_required(
    case: Case, severity: Severity, paths: tuple[str, ...]
) -> None:
    (found,) = of(case, "JUDICIAL_AUTHORISATION_REQUIRED")
    assert found.severity is severity
    assert found.paths == paths
    assert found.needs == ("fields.judicial_authorisation",)
    assert "Statement Q24" in found.legal_basis


JA_SILENT = [
    pytest.param(
        a_case("subscriber_info", fields={"data_targets": [target("subscriber")]}),
        id="subscriber-only",
    ),
    pytest.param(
        a_case("stored_data", fields={**TRAFFIC_REQUEST, "judicial_authorisation": AUTHORISATION}),
        id="court-order-given",
    ),
    pytest.param(
        a_case("interception", fields={"judicial_authorisation": AUTHORISATION}),
        id="interception-with-order",
    ),
    pytest.param(a_case("extradition"), id="no-data"),
    pytest.param(
        with_flags(a_case("stored_data", fields=TRAFFIC_REQUEST), traffic_requires_judicial=False),
        id="profile-without-the-rule",
    ),
    pytest.param(
        a_case("mla", fields={"data_targets": ["traffic", 7, None], "data_categories": "traffic"}),
        id="malformed-data-is-not-data",
    ),
]


@pytest.mark.parametrize("case", JA_SILENT)
def test_judicial_authorisation_not_required(case: Case) -> None:
    assert of(case, "JUDICIAL_AUTHORISATION_REQUIRED") == []


def test_a_request_for_traffic_and_content_names_both_and_blocks() -> None:
    case = a_case("stored_data", BUDAPEST, fields={"data_targets": [target("traffic", "content")]})
    (found,) = of(case, "JUDICIAL_AUTHORISATION_REQUIRED")
    assert found.severity is Severity.BLOCKING
    assert "content and traffic data" in found.message


# -- POLICE_CHANNEL_PERMITTED -------------------------------------------------------------------

BSI = {"data_targets": [target("subscriber")]}

POLICE_FIRES = [
    pytest.param(
        a_case("subscriber_info", channel=Channel.POLICE, fields=BSI),
        ("channel", "fields.data_targets[0].data_categories"),
        "may travel police to police",
        id="bsi-by-police-channel",
    ),
    pytest.param(
        a_case("subscriber_info", channel=Channel.NETWORK_24_7, fields=BSI),
        ("channel", "fields.data_targets[0].data_categories"),
        "could also travel police to police",
        id="bsi-by-other-channel",
    ),
    pytest.param(
        a_case("subscriber_info", channel=Channel.POLICE, fields={"ip_identification_only": True}),
        ("channel",),
        "as traffic data",
        id="ip-lookup-caveat",
    ),
    pytest.param(
        a_case(
            "subscriber_info",
            channel=Channel.POLICE,
            fields={**BSI, "evidential_use_intended": True},
        ),
        ("channel", "fields.data_targets[0].data_categories"),
        "not admissible in court",
        id="evidence-caveat",
    ),
]


@pytest.mark.parametrize(("case", "paths", "says"), POLICE_FIRES)
def test_police_channel_permitted(case: Case, paths: tuple[str, ...], says: str) -> None:
    (found,) = of(case, "POLICE_CHANNEL_PERMITTED")
    assert found.severity is Severity.INFO
    assert found.paths == paths
    assert says in found.message
    assert of(case, "CHANNEL_NOT_ALLOWED") == []


POLICE_SILENT = [
    pytest.param(
        a_case("subscriber_info", UNCC, channel=Channel.POLICE, fields=BSI), id="uncc-no-channel"
    ),
    pytest.param(
        a_case("subscriber_info", BUDAPEST, channel=Channel.POLICE, fields=BSI),
        id="budapest-no-channel",
    ),
    pytest.param(
        a_case(
            "subscriber_info", channel=Channel.POLICE, fields={"data_targets": [target("traffic")]}
        ),
        id="traffic-is-not-bsi",
    ),
    pytest.param(
        a_case("mla", fields={"data_targets": [target("subscriber")]}),
        id="type-without-police-channel",
    ),
    pytest.param(a_case("extradition"), id="no-data-sought"),
]


@pytest.mark.parametrize("case", POLICE_SILENT)
def test_police_channel_not_announced(case: Case) -> None:
    assert of(case, "POLICE_CHANNEL_PERMITTED") == []


# -- CHANNEL_NOT_ALLOWED ------------------------------------------------------------------------

CHANNEL_FIRES = [
    pytest.param(
        a_case("interception", channel=Channel.POLICE),
        ("channel", "type"),
        "judicial channel",
        id="interception-over-police",
    ),
    pytest.param(
        a_case(
            "subscriber_info", channel=Channel.POLICE, fields={"data_targets": [target("traffic")]}
        ),
        ("channel", "fields.data_targets[0].data_categories"),
        "traffic data",
        id="traffic-over-police",
    ),
    pytest.param(
        a_case("subscriber_info", UNCC, channel=Channel.POLICE, fields=BSI),
        ("channel", "profile", "fields.data_targets[0].data_categories"),
        "no police-to-police channel",
        id="bsi-over-police-uncc",
    ),
    pytest.param(
        a_case("extradition", channel=Channel.NETWORK_24_7),
        ("channel", "type"),
        "never through the 24/7 network",
        id="extradition-over-24-7",
    ),
    pytest.param(
        a_case("mla", channel=Channel.POLICE),
        ("channel", "type", "profile"),
        "allowed: central_authority, diplomatic, copy_ahead, interpol",
        id="not-a-channel-of-the-type",
    ),
    pytest.param(
        a_case("mla", UNCC, channel=Channel.COPY_AHEAD),
        ("channel", "type", "profile"),
        "allowed: central_authority, diplomatic, interpol",
        id="profile-narrows-the-channels",
    ),
]


@pytest.mark.parametrize(("case", "paths", "says"), CHANNEL_FIRES)
def test_channel_not_allowed(case: Case, paths: tuple[str, ...], says: str) -> None:
    (found,) = of(case, "CHANNEL_NOT_ALLOWED")
    assert found.severity is Severity.BLOCKING
    assert found.paths == paths
    assert says in found.message


CHANNEL_SILENT = [
    pytest.param(a_case("mla"), id="mla-central-authority"),
    pytest.param(a_case("mla", channel=Channel.COPY_AHEAD), id="copy-ahead-statement"),
    pytest.param(a_case("extradition", channel=Channel.DIPLOMATIC), id="extradition-diplomatic"),
    pytest.param(a_case("subscriber_info", channel=Channel.POLICE, fields=BSI), id="bsi-police"),
    pytest.param(
        a_case("le_cooperation", BUDAPEST, channel=Channel.POLICE), id="police-cooperation"
    ),
    pytest.param(a_case("preservation", channel=Channel.NETWORK_24_7), id="preservation-24-7"),
]


@pytest.mark.parametrize("case", CHANNEL_SILENT)
def test_channel_allowed(case: Case) -> None:
    assert of(case, "CHANNEL_NOT_ALLOWED") == []


# -- EMERGENCY_NOT_SUBSTANTIATED ----------------------------------------------------------------

EMERGENCY_FIRES = [
    pytest.param(
        {}, ("fields.emergency_facts", "fields.emergency_nexus"), id="emergency-without-facts"
    ),
    pytest.param(
        {"emergency_facts": "A hostage is held", "emergency_nexus": "   "},
        ("fields.emergency_nexus",),
        id="blank-nexus",
    ),
    pytest.param(
        {"emergency_facts": 5, "emergency_nexus": "The account locates the kidnappers"},
        ("fields.emergency_facts",),
        id="facts-of-the-wrong-type",
    ),
]


@pytest.mark.parametrize(("fields", "missing"), EMERGENCY_FIRES)
def test_emergency_not_substantiated(fields: dict[str, Any], missing: tuple[str, ...]) -> None:
    case = a_case("emergency_mla", urgency=Urgency.EMERGENCY, fields=fields)
    (found,) = of(case, "EMERGENCY_NOT_SUBSTANTIATED")
    assert found.severity is Severity.BLOCKING
    assert found.paths == ("urgency", *missing)
    assert found.needs == missing
    assert found.legal_basis[0] == "Statement Q12"


EMERGENCY_SILENT = [
    pytest.param(
        a_case(
            "emergency_mla",
            urgency=Urgency.EMERGENCY,
            fields={"emergency_facts": "A hostage is held", "emergency_nexus": "Locates him"},
        ),
        id="substantiated",
    ),
    pytest.param(a_case("emergency_mla", urgency=Urgency.URGENT), id="urgent-only"),
    pytest.param(a_case("mla"), id="routine"),
]


@pytest.mark.parametrize("case", EMERGENCY_SILENT)
def test_emergency_substantiated_or_no_emergency(case: Case) -> None:
    assert of(case, "EMERGENCY_NOT_SUBSTANTIATED") == []


# -- ORIGINAL_TO_FOLLOW -------------------------------------------------------------------------

ORIGINAL_FIRES = [
    pytest.param({"copy_sent_via": "email"}, Severity.INFO, "by email", id="copy-by-email"),
    pytest.param(
        {"copy_sent_via": "interpol"}, Severity.INFO, "by interpol", id="copy-by-interpol"
    ),
    pytest.param({}, Severity.WARNING, "not how it went", id="route-missing"),
    pytest.param({"copy_sent_via": ["fax"]}, Severity.WARNING, "not how it went", id="route-bad"),
]


@pytest.mark.parametrize(("fields", "severity", "says"), ORIGINAL_FIRES)
def test_original_to_follow(fields: dict[str, Any], severity: Severity, says: str) -> None:
    case = a_case("extradition", channel=Channel.COPY_AHEAD, fields=fields)
    (found,) = of(case, "ORIGINAL_TO_FOLLOW")
    assert found.severity is severity
    assert found.paths == ("channel", "fields.copy_sent_via")
    assert says in found.message
    assert "within 30 days" in found.message


def test_original_to_follow_without_a_profile_deadline() -> None:
    case = a_case("mla", channel=Channel.COPY_AHEAD, fields={"copy_sent_via": "email"})
    case = replace(case, profile=replace(case.profile, durations={}))
    (found,) = of(case, "ORIGINAL_TO_FOLLOW")
    assert found.message.endswith("the formal original must follow.")


@pytest.mark.parametrize("channel", [Channel.CENTRAL_AUTHORITY, Channel.DIPLOMATIC])
def test_no_original_awaited_when_the_original_is_sent(channel: Channel) -> None:
    assert of(a_case("extradition", channel=channel), "ORIGINAL_TO_FOLLOW") == []


# -- TRANSBORDER_ACCESS_NOT_PERMITTED -----------------------------------------------------------

TRANSBORDER = {"access_method": "transborder"}


def transborder_type_case(profile: str = STATEMENT) -> Case:
    """A request whose type is trans-border access (no catalogue type exists: built here)."""
    case = a_case("stored_data", profile)
    return replace(case, rtype=replace(case.rtype, code="transborder_access"))


TRANSBORDER_FIRES = [
    pytest.param(
        a_case("stored_data", fields=TRANSBORDER),
        ("fields.access_method", "profile"),
        ("Statement Q19",),
        id="statement",
    ),
    pytest.param(
        a_case("stored_data", UNCC, fields=TRANSBORDER),
        ("fields.access_method", "profile"),
        ("UNCC art. 5",),
        id="uncc",
    ),
    pytest.param(transborder_type_case(), ("type", "profile"), ("Statement Q19",), id="by-type"),
]


@pytest.mark.parametrize(("case", "paths", "basis"), TRANSBORDER_FIRES)
def test_transborder_access_not_permitted(
    case: Case, paths: tuple[str, ...], basis: tuple[str, ...]
) -> None:
    (found,) = of(case, "TRANSBORDER_ACCESS_NOT_PERMITTED")
    assert found.severity is Severity.BLOCKING
    assert found.paths == paths
    assert found.legal_basis == basis


def test_transborder_access_refused_by_flag_alone_cites_the_spec() -> None:
    case = a_case("stored_data", fields=TRANSBORDER)
    case = replace(case, profile=replace(case.profile, excluded_forms=()))
    (found,) = of(case, "TRANSBORDER_ACCESS_NOT_PERMITTED")
    assert found.legal_basis == channels.TRANSBORDER_ACCESS_NOT_PERMITTED.legal_basis
    assert "does not provide for it" in found.message


TRANSBORDER_SILENT = [
    pytest.param(a_case("stored_data", BUDAPEST, fields=TRANSBORDER), id="budapest-art-32"),
    pytest.param(transborder_type_case(BUDAPEST), id="budapest-type"),
    pytest.param(a_case("stored_data"), id="ordinary-request"),
    pytest.param(a_case("stored_data", fields={"access_method": ["transborder"]}), id="bad-type"),
]


@pytest.mark.parametrize("case", TRANSBORDER_SILENT)
def test_transborder_access_not_in_question(case: Case) -> None:
    assert of(case, "TRANSBORDER_ACCESS_NOT_PERMITTED") == []


# -- LANGUAGE_NOT_ACCEPTED ----------------------------------------------------------------------

LANGUAGE_FIRES = [
    pytest.param({"language": "fr"}, ("en",), id="french-to-english-only"),
    pytest.param({"language": "de", "translation_attached": False}, ("en", "fr"), id="german"),
]


@pytest.mark.parametrize(("fields", "accepted"), LANGUAGE_FIRES)
def test_language_not_accepted(fields: dict[str, Any], accepted: tuple[str, ...]) -> None:
    case = a_case(fields=fields, requested=a_state("XB", languages=accepted))
    (found,) = of(case, "LANGUAGE_NOT_ACCEPTED")
    assert found.severity is Severity.WARNING
    assert found.paths == ("fields.language", "fields.translation_attached")
    assert "translation" in found.message


LANGUAGE_SILENT = [
    pytest.param({"language": "EN"}, ("en",), id="accepted-any-case"),
    pytest.param({"language": "fr"}, (), id="languages-unknown"),
    pytest.param({"language": "fr", "translation_attached": True}, ("en",), id="translated"),
    pytest.param({"language": None}, ("en",), id="no-language"),
    pytest.param({"language": ["fr"]}, ("en",), id="language-of-the-wrong-type"),
]


@pytest.mark.parametrize(("fields", "accepted"), LANGUAGE_SILENT)
def test_language_accepted(fields: dict[str, Any], accepted: tuple[str, ...]) -> None:
    case = a_case(fields=fields, requested=a_state("XB", languages=accepted))
    assert of(case, "LANGUAGE_NOT_ACCEPTED") == []


# -- profile differences (legal.md §7 D20, D24) -------------------------------------------------

PROFILE_TABLE = [
    # D24: BSI police to police only under the statement.
    pytest.param(
        a_case("subscriber_info", channel=Channel.POLICE, fields=BSI),
        {
            STATEMENT: {"POLICE_CHANNEL_PERMITTED": Severity.INFO},
            UNCC: {"CHANNEL_NOT_ALLOWED": Severity.BLOCKING},
            BUDAPEST: {"CHANNEL_NOT_ALLOWED": Severity.BLOCKING},
        },
        id="D24-bsi-police-channel",
    ),
    # D24: traffic data need a court order under the statement; elsewhere domestic law decides.
    pytest.param(
        a_case("stored_data", fields=TRAFFIC_REQUEST),
        {
            STATEMENT: {"JUDICIAL_AUTHORISATION_REQUIRED": Severity.BLOCKING},
            UNCC: {"JUDICIAL_AUTHORISATION_REQUIRED": Severity.WARNING},
            BUDAPEST: {"JUDICIAL_AUTHORISATION_REQUIRED": Severity.WARNING},
        },
        id="D24-traffic-judicial",
    ),
    # D20: trans-border access refused under the statement and UNCC, not under Budapest.
    pytest.param(
        a_case("stored_data", fields=TRANSBORDER),
        {
            STATEMENT: {"TRANSBORDER_ACCESS_NOT_PERMITTED": Severity.BLOCKING},
            UNCC: {"TRANSBORDER_ACCESS_NOT_PERMITTED": Severity.BLOCKING},
            BUDAPEST: {},
        },
        id="D20-transborder",
    ),
]


@pytest.mark.parametrize(("case", "expected"), PROFILE_TABLE)
def test_the_same_case_under_each_profile(
    case: Case, expected: dict[str, dict[str, Severity]]
) -> None:
    for profile, outcome in expected.items():
        found = {f.code: f.severity for f in run(under(profile, case))}
        assert found == outcome, profile


def test_every_code_is_known_to_the_engine() -> None:
    known = specs()
    for spec in channels.SPECS:
        assert known[spec.code] is spec
        assert spec.legal_basis and all("[" not in citation for citation in spec.legal_basis)


# -- malformed fields ---------------------------------------------------------------------------

KEYS = st.sampled_from(
    [
        "data_targets",
        "data_categories",
        "judicial_authorisation",
        "issuing_authority",
        "reference",
        "date",
        "date_from",
        "date_to",
        "language",
        "translation_attached",
        "emergency_facts",
        "emergency_nexus",
        "copy_sent_via",
        "access_method",
        "ip_identification_only",
        "evidential_use_intended",
    ]
) | st.text(max_size=5)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.sampled_from(["traffic", "content", "subscriber", "all", "email", "transborder", "fr"])
    | st.text(max_size=8)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=20,
)
TYPES = st.sampled_from(
    ["mla", "stored_data", "subscriber_info", "interception", "realtime_traffic", "extradition"]
)
PROFILES = st.sampled_from([STATEMENT, UNCC, BUDAPEST])


@settings(max_examples=200, deadline=None)
@given(
    fields=st.dictionaries(KEYS, JSON, max_size=8),
    type_code=TYPES,
    profile=PROFILES,
    channel=st.sampled_from(list(Channel)),
    urgency=st.sampled_from(list(Urgency)),
)
def test_malformed_fields_never_crash_and_order_does_not_matter(
    fields: dict[str, Any], type_code: str, profile: str, channel: Channel, urgency: Urgency
) -> None:
    case = replace(a_case(type_code, profile), fields=fields, channel=channel, urgency=urgency)
    reordered = replace(case, fields=dict(reversed(list(fields.items()))))
    found = run(case)
    assert sorted(map(repr, found)) == sorted(map(repr, run(reordered)))
    for item in found:
        assert item.code in {spec.code for spec in channels.SPECS}


def test_fields_that_are_not_an_object_count_as_empty() -> None:
    case = replace(a_case("subscriber_info", channel=Channel.POLICE), fields=[1, 2])  # type: ignore[arg-type]
    assert {f.code for f in run(case)} == {"POLICE_CHANNEL_PERMITTED"}


def test_type_categories_come_from_the_catalogue() -> None:
    cat = catalogue()
    assert data_sought.type_categories(cat.type("realtime_traffic")) == {"traffic"}
    assert data_sought.type_categories(cat.type("subscriber_info")) == {"subscriber"}
    assert data_sought.type_categories(cat.type("extradition")) == frozenset()


def test_a_data_target_field_without_categories_admits_none() -> None:
    rtype = catalogue().type("mla")
    spec = rtype.field("data_targets")
    assert spec is not None and spec.items is not None
    bare = replace(spec, items=replace(spec.items, fields=()))
    rtype = replace(rtype, fields=(*(f for f in rtype.fields if f.name != "data_targets"), bare))
    assert data_sought.type_categories(rtype) == frozenset()


def test_the_judicial_authorisation_finding_names_only_the_sensitive_categories() -> None:
    from tests.legal_builders import a_case, finding

    case = a_case(
        "mla",
        fields={
            "data_categories": ["subscriber", "traffic"],
            "data_targets": [
                {
                    "description": "Account holder and connection logs",
                    "identifiers": ["account 88412"],
                    "date_from": "2026-01-01",
                    "date_to": "2026-02-01",
                    "data_categories": ["subscriber"],
                }
            ],
        },
    )
    found = finding(case, "JUDICIAL_AUTHORISATION_REQUIRED")
    # The subscriber-only target does not need a judge; only the request-wide traffic does.
    assert "fields.data_targets[0].data_categories" not in found.paths
    assert "fields.data_categories" in found.paths
