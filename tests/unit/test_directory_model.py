"""The directory as data: parsing State entries and lists, and the rules that read them.

Signatures are not involved here (the crypto adapter verifies before anything is parsed); these
tests cover what a verified document may and may not look like, and how a node reads it.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from comity.domain.directory import (
    VIA_24_7,
    Declarations,
    Directory,
    StateEntry,
    TransferRestriction,
    entry_document,
    parse_directory,
    parse_entry,
)
from comity.domain.errors import DirectoryError, SignerUntrustedError, TrustStaleError
from comity.domain.values import AuthorityKind, Channel, ConductCategory

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def an_entry_document(code: str = "XA", **overrides: Any) -> dict[str, Any]:
    """A complete, valid entry document; ``overrides`` replace top-level members."""
    document: dict[str, Any] = {
        "code": code,
        "name": f"State {code}",
        "endpoint": f"https://{code.lower()}.example:8401",
        "profiles": ["ahc-2022-proposal"],
        "languages": ["en", "fr"],
        "authorities": [
            {
                "code": "central",
                "kind": "central_authority",
                "name": "Central authority",
                "time_zone": "Europe/Paris",
                "hours": "Mon-Fri 09:00-17:00",
                "contact": "central@example",
            },
            {
                "code": "poc247",
                "kind": "poc_24_7",
                "name": "24/7 point of contact",
                "time_zone": "UTC",
                "hours": "24/7",
                "contact": "+00 000",
            },
        ],
        "keys": [
            {"kid": f"{code}.sig.1", "purpose": "sig", "jwk": {"kty": "OKP", "crv": "Ed25519"}},
            {"kid": f"{code}.enc.1", "purpose": "enc", "jwk": {"kty": "OKP", "crv": "X25519"}},
            {"kid": f"{code}.enc.2", "purpose": "enc", "jwk": {"kty": "OKP", "crv": "X25519"}},
        ],
        "tls_ca_pem": "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n",
        "declarations": {
            "extradites_nationals": False,
            "traffic_data_requires_judicial_authorisation": True,
            "accepts_electronic_originals": True,
            "political_offence_exception": True,
            "cross_border_transfer_restrictions": [
                {"to": "XC", "ground": "no adequacy decision"},
                {"to": "XB", "ground": "pending agreement"},
                {"to": "XC", "ground": "data of minors"},
            ],
        },
        "penalties": {"illegal_access": 24, "computer_fraud": 60},
    }
    document.update(overrides)
    return document


def a_directory_document(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "sequence": 3,
        "issued_at": "2026-03-01T09:00:00Z",
        "next_update": "2026-03-08T09:00:00Z",
    }
    document.update(overrides)
    return document


def a_directory(*codes: str) -> Directory:
    entries = [parse_entry(an_entry_document(code)) for code in codes]
    return parse_directory(a_directory_document(), entries)


def refused(document: dict[str, Any]) -> str:
    """The detail of the DirectoryError parsing ``document`` as an entry raises."""
    with pytest.raises(DirectoryError) as caught:
        parse_entry(document)
    assert caught.value.code == "DIRECTORY_INVALID"
    return caught.value.detail


# Parsing a State entry.


def test_an_entry_is_parsed_with_every_member() -> None:
    entry = parse_entry(an_entry_document("XB"))
    assert (entry.code, entry.name) == ("XB", "State XB")
    assert entry.endpoint == "https://xb.example:8401"
    assert entry.profiles == ("ahc-2022-proposal",)
    assert entry.languages == ("en", "fr")
    central, poc = entry.authorities
    assert central.kind is AuthorityKind.CENTRAL_AUTHORITY
    assert (central.time_zone, central.hours) == ("Europe/Paris", "Mon-Fri 09:00-17:00")
    assert poc.kind is AuthorityKind.POC_24_7 and poc.contact == "+00 000"
    assert [key.kid for key in entry.keys] == ["XB.sig.1", "XB.enc.1", "XB.enc.2"]
    assert entry.keys[0].jwk == {"kty": "OKP", "crv": "Ed25519"}
    assert entry.tls_ca_pem.startswith("-----BEGIN CERTIFICATE-----")
    assert entry.declarations.traffic_data_requires_judicial_authorisation is True
    assert entry.declarations.extradites_nationals is False
    assert entry.declarations.cross_border_transfer_restrictions[0] == TransferRestriction(
        "XC", "no adequacy decision"
    )
    assert entry.penalties == {"illegal_access": 24, "computer_fraud": 60}


def test_optional_authority_members_and_restrictions_take_their_defaults() -> None:
    document = an_entry_document()
    document["authorities"] = [{"code": "central", "kind": "central_authority", "name": "CA"}]
    del document["declarations"]["cross_border_transfer_restrictions"]
    entry = parse_entry(document)
    (authority,) = entry.authorities
    assert (authority.time_zone, authority.hours, authority.contact) == ("UTC", "", "")
    assert entry.declarations.cross_border_transfer_restrictions == ()


def test_optional_authority_members_may_be_empty_but_required_ones_may_not() -> None:
    document = an_entry_document()
    document["authorities"][0]["hours"] = ""
    assert parse_entry(document).authorities[0].hours == ""
    document["authorities"][0]["name"] = ""
    assert refused(document) == "entry.authorities[0].name must be a non-empty string"


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        (lambda d: d.pop("code"), "entry.code must be a non-empty string"),
        (lambda d: d.update(code=""), "entry.code must be a non-empty string"),
        (lambda d: d.update(name=7), "entry.name must be a non-empty string"),
        (lambda d: d.update(profiles="ahc"), "entry.profiles must be a list of strings"),
        (lambda d: d.update(languages=["en", 1]), "entry.languages must be a list of strings"),
        (lambda d: d.update(authorities={}), "entry.authorities must be a list"),
        (lambda d: d.update(authorities=["central"]), "entry.authorities[0] must be an object"),
        (
            lambda d: d["authorities"][1].update(kind="embassy"),
            "entry.authorities[1].kind: unknown value 'embassy'",
        ),
        (
            lambda d: d["authorities"][1].update(time_zone=None),
            "entry.authorities[1].time_zone must be a non-empty string",
        ),
        (lambda d: d.pop("keys"), "entry.keys must be a list"),
        (lambda d: d["keys"][2].pop("kid"), "entry.keys[2].kid must be a non-empty string"),
        (lambda d: d["keys"][0].update(jwk="OKP"), "entry.keys[0].jwk must be an object"),
        (lambda d: d.update(tls_ca_pem=""), "entry.tls_ca_pem must be a non-empty string"),
        (lambda d: d.update(declarations=[]), "entry.declarations must be an object"),
        (
            lambda d: d["declarations"].update(extradites_nationals="no"),
            "entry.declarations.extradites_nationals must be true or false",
        ),
        (
            lambda d: d["declarations"].pop("political_offence_exception"),
            "entry.declarations.political_offence_exception must be true or false",
        ),
        (
            lambda d: d["declarations"].update(cross_border_transfer_restrictions={}),
            "entry.declarations.cross_border_transfer_restrictions must be a list",
        ),
        (
            lambda d: d["declarations"]["cross_border_transfer_restrictions"][1].pop("ground"),
            "entry.declarations.cross_border_transfer_restrictions[1].ground "
            "must be a non-empty string",
        ),
        (lambda d: d.pop("penalties"), "entry.penalties must be an object"),
        (
            lambda d: d["penalties"].update(jaywalking=1),
            "entry.penalties.jaywalking is not a conduct category",
        ),
        (
            lambda d: d["penalties"].update(illegal_access="two years"),
            "entry.penalties.illegal_access must be a number of months",
        ),
        (
            lambda d: d["penalties"].update(illegal_access=True),
            "entry.penalties.illegal_access must be a number of months",
        ),
        (
            lambda d: d["penalties"].update(illegal_access=-1),
            "entry.penalties.illegal_access must be a number of months",
        ),
    ],
)
def test_a_malformed_entry_is_refused_naming_the_path(change: Any, detail: str) -> None:
    document = an_entry_document()
    change(document)
    assert refused(document) == detail


def test_an_entry_that_is_not_an_object_is_refused() -> None:
    assert refused(["XA"]) == "entry must be an object"  # type: ignore[arg-type]


def test_a_penalty_of_zero_months_is_an_offence_and_an_absent_one_is_not() -> None:
    entry = parse_entry(an_entry_document(penalties={"grooming": 0}))
    assert entry.max_penalty_months(ConductCategory.GROOMING) == 0
    assert entry.max_penalty_months(ConductCategory.CSAM) is None


def test_entry_document_round_trips_through_parse_entry() -> None:
    document = an_entry_document("XC")
    entry = parse_entry(copy.deepcopy(document))
    assert entry_document(entry) == document
    assert parse_entry(entry_document(entry)) == entry


def test_entry_document_of_a_built_entry_writes_every_default() -> None:
    entry = StateEntry(
        code="XD",
        name="State XD",
        endpoint="https://xd.example",
        profiles=(),
        languages=("es",),
        authorities=(),
        keys=(),
        tls_ca_pem="pem",
        declarations=Declarations(),
    )
    document = entry_document(entry)
    assert document["declarations"] == {
        "extradites_nationals": False,
        "traffic_data_requires_judicial_authorisation": False,
        "accepts_electronic_originals": True,
        "political_offence_exception": True,
        "cross_border_transfer_restrictions": [],
    }
    assert document["penalties"] == {}
    assert parse_entry(document) == entry


# Reading an entry.


def test_a_key_is_found_by_its_id_and_an_unknown_one_is_untrusted() -> None:
    entry = parse_entry(an_entry_document())
    assert entry.key("XA.enc.2").purpose == "enc"
    with pytest.raises(SignerUntrustedError, match=r"XA publishes no key 'XB\.sig\.1'"):
        entry.key("XB.sig.1")


def test_messages_are_encrypted_to_the_last_published_encryption_key() -> None:
    entry = parse_entry(an_entry_document())
    assert entry.encryption_key.kid == "XA.enc.2"


def test_an_entry_without_an_encryption_key_cannot_receive() -> None:
    document = an_entry_document()
    document["keys"] = document["keys"][:1]
    entry = parse_entry(document)
    with pytest.raises(DirectoryError, match="XA publishes no encryption key"):
        _ = entry.encryption_key


@pytest.mark.parametrize("type_code", sorted(VIA_24_7))
def test_urgent_data_requests_go_to_the_24_7_point_whatever_the_channel(type_code: str) -> None:
    entry = parse_entry(an_entry_document())
    for channel in (Channel.CENTRAL_AUTHORITY, Channel.DIPLOMATIC, Channel.NETWORK_24_7):
        assert entry.receiving_authority(type_code, channel).code == "poc247"


def test_anything_sent_through_the_24_7_network_goes_to_the_24_7_point() -> None:
    entry = parse_entry(an_entry_document())
    assert entry.receiving_authority("mla", Channel.NETWORK_24_7).code == "poc247"


@pytest.mark.parametrize(
    "channel", [Channel.CENTRAL_AUTHORITY, Channel.DIPLOMATIC, Channel.COPY_AHEAD]
)
def test_other_requests_go_to_the_central_authority(channel: Channel) -> None:
    entry = parse_entry(an_entry_document())
    assert entry.receiving_authority("mla", channel).code == "central"


def test_a_missing_authority_is_a_directory_problem() -> None:
    document = an_entry_document()
    document["authorities"] = document["authorities"][:1]
    entry = parse_entry(document)
    with pytest.raises(DirectoryError, match="XA publishes no poc_24_7 authority"):
        entry.receiving_authority("preservation", Channel.CENTRAL_AUTHORITY)
    with pytest.raises(DirectoryError, match="no foreign_ministry authority"):
        entry.authority(AuthorityKind.FOREIGN_MINISTRY)


def test_transfer_restrictions_are_read_per_destination() -> None:
    declarations = parse_entry(an_entry_document()).declarations
    assert [r.ground for r in declarations.restricts_transfer_to("XC")] == [
        "no adequacy decision",
        "data of minors",
    ]
    assert declarations.restricts_transfer_to("XB") == (
        TransferRestriction("XB", "pending agreement"),
    )
    assert declarations.restricts_transfer_to("XD") == ()


# Parsing and reading the list.


def test_a_directory_lists_its_states_with_its_sequence_and_validity() -> None:
    directory = a_directory("XA", "XB", "XC")
    assert directory.sequence == 3
    assert directory.issued_at == T0
    assert directory.next_update == T0 + timedelta(days=7)
    assert list(directory.states) == ["XA", "XB", "XC"]
    assert directory.state("XB").name == "State XB"


def test_a_state_that_is_not_listed_is_a_directory_problem() -> None:
    with pytest.raises(DirectoryError, match="XD is not a State Party in directory #3"):
        a_directory("XA").state("XD")


@pytest.mark.parametrize("sequence", [None, "3", 3.0, True, 0, -1])
def test_the_sequence_must_be_a_positive_integer(sequence: object) -> None:
    document = a_directory_document(sequence=sequence)
    with pytest.raises(DirectoryError, match=r"^directory.sequence must be a positive integer$"):
        parse_directory(document, [])


@pytest.mark.parametrize(
    ("member", "value", "detail"),
    [
        ("issued_at", "yesterday", "directory.issued_at must be a date-time with a time zone"),
        (
            "next_update",
            "2026-03-08T09:00:00",
            "directory.next_update must be a date-time with a time zone",
        ),
        ("issued_at", 17, "directory.issued_at must be a non-empty string"),
    ],
)
def test_times_must_be_aware_date_times(member: str, value: object, detail: str) -> None:
    with pytest.raises(DirectoryError) as caught:
        parse_directory(a_directory_document(**{member: value}), [])
    assert caught.value.detail == detail


def test_a_missing_time_is_refused_naming_it() -> None:
    document = a_directory_document()
    del document["next_update"]
    with pytest.raises(DirectoryError, match=r"directory\.next_update must be a non-empty string"):
        parse_directory(document, [])


@pytest.mark.parametrize("next_update", ["2026-03-01T09:00:00Z", "2026-02-28T09:00:00+00:00"])
def test_the_next_update_must_come_after_the_issue(next_update: str) -> None:
    with pytest.raises(DirectoryError, match="next_update must come after issued_at"):
        parse_directory(a_directory_document(next_update=next_update), [])


def test_a_directory_document_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(DirectoryError, match=r"^directory must be an object$"):
        parse_directory("directory", [])  # type: ignore[arg-type]


def test_a_state_listed_twice_is_refused() -> None:
    entries = [parse_entry(an_entry_document(code)) for code in ("XA", "XB", "XA")]
    with pytest.raises(DirectoryError, match="directory lists XA twice"):
        parse_directory(a_directory_document(), entries)


def test_a_directory_is_fresh_until_its_next_update_plus_grace() -> None:
    directory = a_directory("XA")
    grace = timedelta(hours=1)
    directory.check_fresh(T0, grace)
    directory.check_fresh(directory.next_update + grace, grace)
    with pytest.raises(TrustStaleError) as caught:
        directory.check_fresh(directory.next_update + grace + timedelta(seconds=1), grace)
    assert caught.value.code == "TRUST_STALE"
    assert "directory #3 was due for renewal at 2026-03-08T09:00:00+00:00" in caught.value.detail


def test_a_signing_key_is_traced_to_the_state_that_published_it() -> None:
    directory = a_directory("XA", "XB", "XC")
    entry, key = directory.signer("XB.sig.1")
    assert (entry.code, key.kid, key.purpose) == ("XB", "XB.sig.1", "sig")


def test_an_encryption_key_or_an_unknown_key_is_not_a_signer() -> None:
    directory = a_directory("XA", "XB")
    for kid in ("XB.enc.1", "XC.sig.1"):
        with pytest.raises(SignerUntrustedError, match="no State Party publishes"):
            directory.signer(kid)


def test_only_a_higher_sequence_replaces_the_installed_directory() -> None:
    installed = a_directory("XA")
    newer = parse_directory(a_directory_document(sequence=4), [])
    same = parse_directory(a_directory_document(sequence=3), [])
    older = parse_directory(a_directory_document(sequence=2), [])
    assert installed.replaces(None)
    assert newer.replaces(installed)
    assert not same.replaces(installed)
    assert not older.replaces(installed)


def test_a_key_purpose_outside_sig_and_enc_is_refused() -> None:
    document = entry_document(_entry_for_extra_tests())
    document["keys"][0]["purpose"] = "other"
    with pytest.raises(DirectoryError, match="purpose"):
        parse_entry(document)


def test_jwk_members_must_be_strings() -> None:
    document = entry_document(_entry_for_extra_tests())
    document["keys"][0]["jwk"]["x"] = {"nested": 1}
    with pytest.raises(DirectoryError, match="strings"):
        parse_entry(document)


def test_one_key_id_cannot_be_published_by_two_states() -> None:
    first = _entry_for_extra_tests()
    second = replace(first, code="XZ")
    with pytest.raises(DirectoryError, match="more than once"):
        parse_directory(
            {
                "sequence": 1,
                "issued_at": "2026-01-01T00:00:00Z",
                "next_update": "2026-02-01T00:00:00Z",
            },
            [first, second],
        )


def _entry_for_extra_tests() -> StateEntry:
    return parse_entry(an_entry_document())
