"""An asset register read from plain JSON and written back, and the statement payload one
State signs and the other recomputes (issue 8, item 7). Amounts are strings, every problem is
named by its path at once, and a payload whose register does not give its statement is
refused."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from comity.domain.errors import InvalidFieldsError, StatementInvalidError
from comity.domain.practice.asset_input import MAX_ITEMS, parse_register, register_to_dict
from comity.domain.practice.asset_register import (
    Asset,
    AssetKind,
    AssetRegister,
    ClaimBasis,
    Conversion,
    Expense,
    ExpenseCategory,
    Money,
    OwnerClaimStatus,
    SharingAgreement,
    VictimClaim,
)
from comity.domain.practice.asset_statement import (
    MEMBERS,
    STATEMENT_TYP,
    build_payload,
    check_payload,
    statement_sha256,
)


def eur(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


def an_asset(**overrides: Any) -> dict[str, Any]:
    return {
        "id": "A1",
        "description_code": "BANK-ACCOUNT",
        "kind": "funds",
        "realised_value": eur("1000000.00"),
        "confiscation_order_ref": "CO-2025-17",
        "confiscation_order_date": "2025-03-14",
        "claim_basis": "victim_compensation",
        **overrides,
    }


# The issue's example, hand-checked in tests/unit/test_asset_return.py (scenario 1): gross
# 1,000,000.00 EUR, expenses 12,500.00 + 20,012.40 + 5,000.00 = 37,512.40, net 962,487.60;
# victims claim 600,000.00 and 500,000.00 (1,100,000.00 > net): 962,487.60 x 6/11 =
# 524,993.24 and x 5/11 = 437,494.36; the requested State keeps 0.00.
ISSUE_EXAMPLE: dict[str, Any] = {
    "reference": "REG-1",
    "currency": "EUR",
    "assets": [an_asset()],
    "expenses": [
        {"id": "X1", "category": "investigation", "amount": eur("12500.00")},
        {"id": "X2", "category": "management", "amount": eur("20012.40")},
        {"id": "X3", "category": "realisation", "amount": eur("5000.00")},
    ],
    "victim_claims": [
        {"id": "V1", "claimant_code": "P-V1", "amount": eur("600000.00"), "rank": 1},
        {"id": "V2", "claimant_code": "P-V2", "amount": eur("500000.00")},
    ],
}


def issues(data: Any) -> list[tuple[str, str]]:
    with pytest.raises(InvalidFieldsError) as caught:
        parse_register(data)
    return [(issue.path, issue.kind) for issue in caught.value.issues]


def messages(data: Any) -> dict[str, str]:
    with pytest.raises(InvalidFieldsError) as caught:
        parse_register(data)
    return {issue.path: issue.message for issue in caught.value.issues}


def with_asset(**overrides: Any) -> dict[str, Any]:
    return {"reference": "R", "currency": "EUR", "assets": [an_asset(**overrides)]}


def test_the_issue_example_reads_as_exact_decimals() -> None:
    register = parse_register(ISSUE_EXAMPLE)
    assert register == AssetRegister(
        reference="REG-1",
        currency="EUR",
        assets=(
            Asset(
                id="A1",
                description_code="BANK-ACCOUNT",
                kind=AssetKind.FUNDS,
                realised_value=Money(Decimal("1000000.00"), "EUR"),
                confiscation_order_ref="CO-2025-17",
                confiscation_order_date=date(2025, 3, 14),
                claim_basis=ClaimBasis.VICTIM_COMPENSATION,
            ),
        ),
        expenses=(
            Expense("X1", ExpenseCategory.INVESTIGATION, Money(Decimal("12500.00"), "EUR")),
            Expense("X2", ExpenseCategory.MANAGEMENT, Money(Decimal("20012.40"), "EUR")),
            Expense("X3", ExpenseCategory.REALISATION, Money(Decimal("5000.00"), "EUR")),
        ),
        victim_claims=(
            VictimClaim("V1", "P-V1", Money(Decimal("600000.00"), "EUR"), 1),
            VictimClaim("V2", "P-V2", Money(Decimal("500000.00"), "EUR"), 1),
        ),
    )
    assert all(type(e.amount.amount) is Decimal for e in register.expenses if e.amount)
    payload = build_payload(
        register,
        profile="uncc-2024",
        exchange_id="ex-1",
        request_reference="XA-2026-0001",
        issued_at=datetime(2026, 3, 1, 9, tzinfo=UTC),
        issuer_state="XB",
    )
    assert [(line.kind, line.ref, line.amount.render()) for line in payload.statement.lines()] == [
        ("gross", "", "1000000.00 EUR"),
        ("expense", "X1", "12500.00 EUR"),
        ("expense", "X2", "20012.40 EUR"),
        ("expense", "X3", "5000.00 EUR"),
        ("net", "", "962487.60 EUR"),
        ("victim", "V1", "524993.24 EUR"),
        ("victim", "V2", "437494.36 EUR"),
        ("kept_by_requested", "", "0.00 EUR"),
    ]


EVERYTHING: dict[str, Any] = {
    "reference": "REG-9",
    "currency": "EUR",
    "assets": [
        an_asset(
            id="A2",
            kind="virtual_asset",
            realised_value=eur("923.40"),
            claim_basis="public_funds",
            conversion={
                "original": {"amount": "1000.00", "currency": "USD"},
                "rate": "0.9234",
                "source": "ECB reference rate",
                "on": "2025-04-01",
            },
        ),
        an_asset(realised_value=eur("2076.60"), conversion=None),
    ],
    "expenses": [{"id": "X1", "category": "judicial_proceedings", "amount": eur("100.00")}],
    "owner_claims": [
        {"id": "O1", "claimant_code": "BANK-B", "amount": eur("50.00"), "status": "established"},
        {"id": "O2", "claimant_code": "SHELL-C", "amount": eur("10.00"), "status": "rejected"},
    ],
    "victim_claims": [
        {"id": "V1", "claimant_code": "P-1", "amount": eur("20.00"), "rank": 2},
    ],
    "public_funds": True,
    "final_judgment_in_requesting_state": False,
    "finality_waived": True,
    "expenses_waived_by_agreement": False,
    "sharing": {
        "reference": "SA-1",
        "percentage_to_requesting": "33.33",
        "fixed_to_requesting": None,
    },
}


def test_every_member_reads_back_to_the_same_json() -> None:
    register = parse_register(EVERYTHING)
    assert register.assets[0].conversion == Conversion(
        Money(Decimal("1000.00"), "USD"), Decimal("0.9234"), "ECB reference rate", date(2025, 4, 1)
    )
    assert register.owner_claims[0].status is OwnerClaimStatus.ESTABLISHED
    assert register.victim_claims[0].rank == 2
    assert register.sharing == SharingAgreement("SA-1", percentage_to_requesting=Decimal("33.33"))
    assert (register.public_funds, register.finality_waived) == (True, True)
    assert register_to_dict(register) == EVERYTHING
    assert parse_register(json.loads(json.dumps(register_to_dict(register)))) == register


def test_a_fixed_share_and_a_minimal_register_read_back_too() -> None:
    fixed = {**with_asset(), "sharing": {"reference": "SA-2", "fixed_to_requesting": eur("10")}}
    register = parse_register(fixed)
    assert register.sharing == SharingAgreement(
        "SA-2", fixed_to_requesting=Money(Decimal(10), "EUR")
    )
    assert parse_register(register_to_dict(register)) == register
    minimal = parse_register(with_asset())
    assert (minimal.expenses, minimal.owner_claims, minimal.victim_claims) == ((), (), ())
    assert minimal.sharing is None and minimal.public_funds is False
    assert register_to_dict(minimal)["sharing"] is None


def test_a_negative_zero_is_zero() -> None:
    register = parse_register(with_asset(realised_value=eur("-0.00")))
    assert register_to_dict(register)["assets"][0]["realised_value"] == eur("0.00")


def test_a_register_that_is_not_an_object_is_refused_as_a_whole() -> None:
    assert issues(["assets"]) == [("register", "invalid")]
    assert issues(None) == [("register", "invalid")]


def test_an_empty_object_names_every_required_member() -> None:
    assert issues({}) == [
        ("currency", "invalid"),
        ("assets", "missing"),
        ("reference", "missing"),
    ]


def test_every_problem_is_named_by_its_path_at_once() -> None:
    data = {
        "reference": "R",
        "currency": "EUR",
        "colour": "blue",
        "assets": [
            an_asset(realised_value={"amount": 1000000.0, "currency": "EUR"}, extra=1),
            "not an asset",
        ],
        "expenses": [
            {"id": "X1", "category": "bribes", "amount": eur("1,000.00")},
            {"id": "X2", "category": "other", "amount": {"amount": 5, "currency": "eur"}},
        ],
        "victim_claims": [{"claimant_code": "P", "amount": None, "rank": True}],
        "public_funds": "yes",
    }
    assert issues(data) == [
        ("colour", "unknown"),
        ("assets[0].extra", "unknown"),
        ("assets[0].realised_value.amount", "invalid"),
        ("assets[1]", "invalid"),
        ("expenses[0].category", "invalid"),
        ("expenses[0].amount.amount", "invalid"),
        ("expenses[1].amount.amount", "invalid"),
        ("expenses[1].amount.currency", "invalid"),
        ("victim_claims[0].rank", "invalid"),
        ("victim_claims[0].id", "missing"),
        ("victim_claims[0].amount", "missing"),
        ("public_funds", "invalid"),
    ]
    said = messages(data)
    assert said["assets[0].realised_value.amount"] == (
        'write it as a string such as "1000.00", not a number'
    )
    assert said["expenses[0].amount.amount"] == (
        'a decimal number written as a string such as "1000.00"'
    )
    assert said["expenses[0].category"].startswith("one of investigation, prosecution")


@pytest.mark.parametrize(
    ("value", "kind", "message"),
    [
        (None, "missing", "a value is required"),
        ("  ", "missing", "a value is required"),
        (42, "invalid", "must be a string"),
        ("x" * 121, "invalid", "at most 120 characters"),
        ("CO-1\nDROP", "invalid", "must not contain control characters or line breaks"),
        ("CO\u2028", "invalid", "must not contain control characters or line breaks"),
    ],
)
def test_texts_are_required_bounded_and_on_one_line(value: object, kind: str, message: str) -> None:
    data = with_asset(confiscation_order_ref=value)
    assert issues(data) == [("assets[0].confiscation_order_ref", kind)]
    assert messages(data)["assets[0].confiscation_order_ref"] == message


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (None, "missing"),
        ("14/03/2025", "invalid"),
        ("2025-02-30", "invalid"),
        (20250314, "invalid"),
    ],
)
def test_dates_are_iso_calendar_dates(value: object, kind: str) -> None:
    assert issues(with_asset(confiscation_order_date=value)) == [
        ("assets[0].confiscation_order_date", kind)
    ]


@pytest.mark.parametrize(
    ("value", "kind"), [(None, "missing"), ("FUNDS", "invalid"), (1, "invalid")]
)
def test_enumerations_are_given_by_value(value: object, kind: str) -> None:
    assert issues(with_asset(kind=value)) == [("assets[0].kind", kind)]


@pytest.mark.parametrize(
    ("money", "expected"),
    [
        (None, [("assets[0].realised_value", "missing")]),
        ("1000.00 EUR", [("assets[0].realised_value", "invalid")]),
        ({"currency": "EUR"}, [("assets[0].realised_value.amount", "missing")]),
        ({"amount": "1.00"}, [("assets[0].realised_value.currency", "invalid")]),
        ({"amount": "NaN", "currency": "EUR"}, [("assets[0].realised_value.amount", "invalid")]),
        ({"amount": "1e3", "currency": "EUR"}, [("assets[0].realised_value.amount", "invalid")]),
        (
            {"amount": "1" * 16, "currency": "EUR"},
            [("assets[0].realised_value.amount", "invalid")],
        ),
        (
            {"amount": "1.00", "currency": "EUR", "rate": "1"},
            [("assets[0].realised_value.rate", "unknown")],
        ),
    ],
)
def test_an_amount_is_an_object_of_a_decimal_string_and_a_currency(
    money: object, expected: list[tuple[str, str]]
) -> None:
    assert issues(with_asset(realised_value=money)) == expected


def test_the_register_s_own_currency_must_be_iso_4217() -> None:
    assert issues({**with_asset(), "currency": "euro"}) == [("currency", "invalid")]


def test_lists_must_be_arrays_of_bounded_length() -> None:
    assert issues({**with_asset(), "expenses": {"X1": "1.00"}}) == [("expenses", "invalid")]
    many = [an_asset(id=f"A{n}") for n in range(MAX_ITEMS + 1)]
    assert issues({**with_asset(), "assets": many}) == [("assets", "invalid")]


@pytest.mark.parametrize("rank", [True, "1", 1.0, 1001])
def test_a_rank_is_a_whole_number_up_to_1000(rank: object) -> None:
    data = {
        **with_asset(),
        "victim_claims": [{"id": "V1", "claimant_code": "P", "amount": eur("1"), "rank": rank}],
    }
    assert issues(data) == [("victim_claims[0].rank", "invalid")]


@pytest.mark.parametrize(
    ("conversion", "expected"),
    [
        ("USD", [("assets[0].conversion", "invalid")]),
        (
            {"original": {"amount": "1000.00", "currency": "USD"}, "rate": 0.9234, "on": "x"},
            [
                ("assets[0].conversion.rate", "invalid"),
                ("assets[0].conversion.source", "missing"),
                ("assets[0].conversion.on", "invalid"),
            ],
        ),
        (
            {"rate": "-1", "source": "ECB", "on": "2025-04-01"},
            [
                ("assets[0].conversion.original", "missing"),
                ("assets[0].conversion.rate", "invalid"),
            ],
        ),
    ],
)
def test_a_conversion_is_read_member_by_member(
    conversion: object, expected: list[tuple[str, str]]
) -> None:
    assert issues(with_asset(conversion=conversion)) == expected


@pytest.mark.parametrize(
    ("sharing", "expected"),
    [
        (50, [("sharing", "invalid")]),
        ({"percentage_to_requesting": 50}, [
            ("sharing.reference", "missing"),
            ("sharing.percentage_to_requesting", "invalid"),
        ]),
        (
            {"reference": "SA", "fixed_to_requesting": {"amount": "x", "currency": "EUR"}},
            [("sharing.fixed_to_requesting.amount", "invalid")],
        ),
    ],
)  # fmt: skip
def test_a_sharing_agreement_is_read_member_by_member(
    sharing: object, expected: list[tuple[str, str]]
) -> None:
    assert issues({**with_asset(), "sharing": sharing}) == expected


def test_owner_claims_are_read_member_by_member() -> None:
    data = {
        **with_asset(),
        "owner_claims": [{"id": "O1", "claimant_code": "B", "amount": eur("1")}],
    }
    assert issues(data) == [("owner_claims[0].status", "missing")]


def test_once_read_the_figures_are_validated_with_the_same_paths() -> None:
    data = {
        **with_asset(realised_value=eur("-1.00")),
        "expenses": [
            {"id": "X1", "category": "other", "amount": eur("0.001")},
            {"id": "X1", "category": "other", "amount": {"amount": "1", "currency": "USD"}},
        ],
        "sharing": {"reference": "SA", "percentage_to_requesting": "100.01"},
    }
    assert issues(data) == [
        ("assets[0].realised_value.amount", "invalid"),
        ("expenses[1].id", "invalid"),
        ("expenses[0].amount.amount", "invalid"),
        ("expenses[1].amount.currency", "invalid"),
        ("sharing.percentage_to_requesting", "invalid"),
    ]
    assert issues({**with_asset(), "victim_claims": [
        {"id": "V1", "claimant_code": "P", "amount": eur("1"), "rank": 0}
    ]}) == [("victim_claims[0].rank", "invalid")]  # fmt: skip


# -- the signed statement's payload ---------------------------------------------------------

ISSUED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
BOUND = {"exchange_id": "ex-1", "request_reference": "XA-2026-0001", "issuer_state": "XB"}


def a_payload() -> dict[str, Any]:
    built = build_payload(
        parse_register(ISSUE_EXAMPLE), profile="uncc-2024", issued_at=ISSUED, **BOUND
    )
    payload: dict[str, Any] = json.loads(json.dumps(built.to_dict()))
    return payload


def test_the_payload_carries_the_register_the_statement_and_its_digest() -> None:
    payload = a_payload()
    assert set(payload) == MEMBERS and STATEMENT_TYP == "comity-asset-statement"
    assert payload["v"] == 1 and payload["issued_at"] == "2026-03-01T09:30:00Z"
    assert payload["register"] == register_to_dict(parse_register(ISSUE_EXAMPLE))
    assert payload["statement"]["lines"][5]["amount"] == "524993.24 EUR"
    canonical = json.dumps(payload["statement"], sort_keys=True, separators=(",", ":"))
    assert payload["sha256"] == hashlib.sha256(canonical.encode("ascii")).hexdigest()


def test_the_receiving_state_recomputes_the_same_statement() -> None:
    checked = check_payload(a_payload(), profile="uncc-2024", **BOUND)
    assert checked.issued_at == ISSUED and checked.issued_at.tzinfo is UTC
    assert checked.sha256 == statement_sha256(checked.statement)
    assert checked.to_dict() == a_payload()
    local = json.loads(json.dumps(a_payload()))
    local["issued_at"] = ISSUED.astimezone(timezone(timedelta(hours=2))).isoformat()
    assert check_payload(local, profile="uncc-2024", **BOUND).issued_at == ISSUED


def _tampered(change: str) -> dict[str, Any]:
    payload = copy.deepcopy(a_payload())
    if change == "member":
        payload["note"] = "x"
    elif change == "version":
        payload["v"] = 2
    elif change == "naive":
        payload["issued_at"] = "2026-03-01T09:30:00"
    elif change == "garbage":
        payload["issued_at"] = "yesterday"
    elif change == "number":
        payload["issued_at"] = 1772357400
    elif change == "register":
        payload["register"]["assets"][0]["realised_value"]["amount"] = 1000000.0
    elif change == "amount":
        # A forged register: the victims would share 1,000.00 more, but the statement is
        # the one computed from the true figures.
        payload["register"]["assets"][0]["realised_value"]["amount"] = "1001000.00"
    elif change == "line":
        payload["statement"]["lines"][5]["amount"] = "524993.25 EUR"
    elif change == "sha256":
        payload["sha256"] = "0" * 64
    return payload


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ("member", "not an asset statement of version 1"),
        ("version", "not an asset statement of version 1"),
        ("naive", "issued_at is not a time with its offset"),
        ("garbage", "issued_at is not a time with its offset"),
        ("number", "issued_at is not a time with its offset"),
        ("register", "register is invalid: assets[0].realised_value.amount write it as"),
        ("amount", "does not follow from its register"),
        ("line", "does not follow from its register"),
        ("sha256", "SHA-256 is not that of its canonical bytes"),
    ],
)
def test_a_payload_that_does_not_recompute_is_refused(change: str, detail: str) -> None:
    with pytest.raises(StatementInvalidError, match=re.escape(detail)) as caught:
        check_payload(_tampered(change), profile="uncc-2024", **BOUND)
    assert caught.value.code == "STATEMENT_INVALID"


@pytest.mark.parametrize("name", ["exchange_id", "request_reference", "issuer_state"])
def test_a_payload_about_another_request_or_from_another_state_is_refused(name: str) -> None:
    with pytest.raises(StatementInvalidError, match=f"statement's {name} is not"):
        check_payload(a_payload(), profile="uncc-2024", **{**BOUND, name: "other"})


def test_a_statement_computed_under_another_profile_is_refused() -> None:
    # The same figures cite other articles under the statement's profile.
    with pytest.raises(StatementInvalidError, match="recomputed under ahc-2022-proposal"):
        check_payload(a_payload(), profile="ahc-2022-proposal", **BOUND)
