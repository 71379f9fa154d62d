"""The asset-disposal computation with hand-checked figures (issue 8, item 7: "an asset-return
statement adds up"; legal.md §6). Each scenario writes its arithmetic out in comments."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from comity.domain.errors import DomainError, InvalidFieldsError, UnknownProfileError
from comity.domain.practice.asset_register import (
    Asset,
    AssetKind,
    AssetRegister,
    ClaimBasis,
    Conversion,
    Expense,
    ExpenseCategory,
    Money,
    OwnerClaim,
    OwnerClaimStatus,
    SharingAgreement,
    VictimClaim,
    is_currency,
)
from comity.domain.practice.asset_return import (
    LineKind,
    check_adds_up,
    compute_disposal,
    pro_rata,
)
from comity.domain.practice.asset_rules import RULES, rules_for

PROFILES = Path(__file__).parents[2] / "src" / "comity" / "catalogue" / "profiles"


def eur(text: str) -> Money:
    return Money(Decimal(text), "EUR")


def asset(value: str, asset_id: str = "A1", currency: str = "EUR") -> Asset:
    return Asset(
        id=asset_id,
        description_code="BANK-ACCOUNT",
        kind=AssetKind.FUNDS,
        realised_value=Money(Decimal(value), currency),
        confiscation_order_ref="CO-2025-17",
        confiscation_order_date=date(2025, 3, 14),
        claim_basis=ClaimBasis.VICTIM_COMPENSATION,
    )


def expense(expense_id: str, amount: str, category: str = "investigation") -> Expense:
    return Expense(expense_id, ExpenseCategory(category), eur(amount))


def victim(claim_id: str, amount: str, rank: int = 1) -> VictimClaim:
    return VictimClaim(claim_id, f"P-{claim_id}", eur(amount), rank)


def register(gross: str, **figures: object) -> AssetRegister:
    return AssetRegister("REG-1", "EUR", (asset(gross),), **figures)  # type: ignore[arg-type]


def amounts(statement: object, kind: str) -> list[str]:
    return [line.amount.render() for line in statement.lines() if line.kind == kind]  # type: ignore[attr-defined]


def paid(statement: object) -> dict[str, str]:
    return {line.ref: f"{line.amount.amount:f}" for line in statement.parts() if line.ref}  # type: ignore[attr-defined]


# 1. The issue's example. Gross 1,000,000.00 EUR; expenses 12,500.00 + 20,012.40 + 5,000.00
#    = 37,512.40; net 1,000,000.00 - 37,512.40 = 962,487.60. Two victims claim 600,000.00 and
#    500,000.00 = 1,100,000.00 > net, so pro rata: 962,487.60 x 6/11 = 524,993.2363...
#    -> 524,993.24 and 962,487.60 x 5/11 = 437,494.3636... -> 437,494.36 (half even);
#    524,993.24 + 437,494.36 = 962,487.60, no remainder cent. The requested State keeps 0.00.
#    (The brief's 525,084.14 / 437,403.46 is not 6/11 and 5/11 of the net: 962,487.60 / 11
#    = 87,498.8727..., x 6 = 524,993.24.)
def test_expenses_then_victims_pro_rata_on_the_issue_example() -> None:
    statement = compute_disposal(
        register(
            "1000000.00",
            expenses=(
                expense("X2", "20012.40", "management"),
                expense("X1", "12500.00"),
                expense("X3", "5000.00", "realisation"),
            ),
            victim_claims=(victim("V1", "600000.00"), victim("V2", "500000.00")),
        ),
        "uncc-2024",
    )
    assert [(line.kind, line.ref, line.amount.render()) for line in statement.lines()] == [
        ("gross", "", "1000000.00 EUR"),
        ("expense", "X1", "12500.00 EUR"),
        ("expense", "X2", "20012.40 EUR"),
        ("expense", "X3", "5000.00 EUR"),
        ("net", "", "962487.60 EUR"),
        ("victim", "V1", "524993.24 EUR"),
        ("victim", "V2", "437494.36 EUR"),
        ("kept_by_requested", "", "0.00 EUR"),
    ]
    assert statement.lines()[5].claimed == eur("600000.00")
    assert statement.lines()[5].basis == "UNCC 52(2) [K]"
    assert statement.lines()[1].basis == "UNCC 52 [K]"
    assert sum(line.amount.amount for line in statement.parts()) == Decimal("1000000.00")


# 2. A remainder cent that is missing. Net 100.00, three victims claim 50.00 each (150.00):
#    each exact share is 33.333... -> 33.33; 3 x 33.33 = 99.99, one cent missing. Every share
#    lost the same 0.333 cent, so the tie goes in claim-id order: V1 gets 33.34.
def test_a_missing_cent_goes_to_the_first_claim_of_a_tie() -> None:
    statement = compute_disposal(
        register(
            "100.00", victim_claims=(victim("V3", "50"), victim("V2", "50"), victim("V1", "50"))
        ),
        "uncc-2024",
    )
    assert paid(statement) == {"V1": "33.34", "V2": "33.33", "V3": "33.33"}


# 3. A remainder cent too many. Net 0.05, three victims claim 1.00 each: exact 1.666... cent
#    each -> 2 cents; 3 x 2 = 6 cents, one too many. Every share gained the same 0.333 cent,
#    so V1 (first in id order) gives one back: 0.01, 0.02, 0.02 = 0.05.
def test_a_cent_too_many_is_taken_from_the_first_claim_of_a_tie() -> None:
    statement = compute_disposal(
        register("0.05", victim_claims=(victim("V1", "1"), victim("V2", "1"), victim("V3", "1"))),
        "uncc-2024",
    )
    assert paid(statement) == {"V1": "0.01", "V2": "0.02", "V3": "0.02"}


# 4. Public funds under the statement's profile (UNCAC 57(3)(a), mandatory): gross
#    2,500,000.00, expenses 40,000.00; net 2,460,000.00; the established bona fide owner gets
#    60,000.00 in full; the rejected claim gets nothing; 2,460,000.00 - 60,000.00 =
#    2,400,000.00 returns to the requesting State; the victim's 5,000.00 claim passes to it.
PUBLIC = register(
    "2500000.00",
    expenses=(expense("X1", "40000.00", "judicial_proceedings"),),
    owner_claims=(
        OwnerClaim("O1", "BANK-B", eur("60000.00"), OwnerClaimStatus.ESTABLISHED),
        OwnerClaim("O2", "SHELL-C", eur("10000.00"), OwnerClaimStatus.REJECTED),
    ),
    victim_claims=(victim("V1", "5000.00"),),
    public_funds=True,
    final_judgment_in_requesting_state=True,
)


def test_public_funds_return_is_mandatory_under_the_statement_profile() -> None:
    statement = compute_disposal(PUBLIC, "ahc-2022-proposal")
    assert paid(statement) == {"X1": "40000.00", "O1": "60000.00"}
    assert amounts(statement, LineKind.PUBLIC_FUNDS_RETURN) == ["2400000.00 EUR"]
    assert amounts(statement, LineKind.KEPT_BY_REQUESTED) == ["0.00 EUR"]
    assert amounts(statement, LineKind.VICTIM) == []
    assert statement.notes == (
        "Prior owner claim O2 was rejected: nothing is paid on it.",
        "Victim claim V1 passes to the requesting State with the returned public funds "
        "(UNCAC 57(3)(a) [V]).",
    )
    assert [ln.basis for ln in statement.lines() if ln.kind == "public_funds_return"] == [
        "UNCAC 57(3)(a) [V]; statement Q20"
    ]


# 4b. The same figures where the return is not mandatory: under UNCC (D25: not replicated),
#     or under the statement's profile without a final judgment: the victim's 5,000.00 is
#     paid and the requested State keeps 2,400,000.00 - 5,000.00 = 2,395,000.00.
@pytest.mark.parametrize(
    ("profile", "figures"),
    [
        ("uncc-2024", {}),
        ("budapest", {}),
        ("ahc-2022-proposal", {"final_judgment_in_requesting_state": False}),
    ],
)
def test_public_funds_are_not_returned_where_the_return_is_not_mandatory(
    profile: str, figures: dict[str, bool]
) -> None:
    statement = compute_disposal(dataclasses.replace(PUBLIC, **figures), profile)
    assert amounts(statement, LineKind.PUBLIC_FUNDS_RETURN) == []
    assert amounts(statement, LineKind.VICTIM) == ["5000.00 EUR"]
    assert amounts(statement, LineKind.KEPT_BY_REQUESTED) == ["2395000.00 EUR"]


def test_a_waived_finality_makes_the_return_mandatory_again() -> None:
    waived = dataclasses.replace(
        PUBLIC, final_judgment_in_requesting_state=False, finality_waived=True
    )
    statement = compute_disposal(waived, "ahc-2022-proposal")
    assert amounts(statement, LineKind.PUBLIC_FUNDS_RETURN) == ["2400000.00 EUR"]


# 5. Sharing 50/50 with an odd cent: 10,000.01 x 50 % = 5,000.005 -> 5,000.00 (half even:
#    0 is even), the requested State keeps 10,000.01 - 5,000.00 = 5,000.01. With 10,000.03:
#    5,000.015 -> 5,000.02, kept 5,000.01. The rounding cent stays with the requested State.
@pytest.mark.parametrize(
    ("gross", "share", "kept"),
    [("10000.01", "5000.00", "5000.01"), ("10000.03", "5000.02", "5000.01")],
)
def test_a_fifty_fifty_share_with_an_odd_cent(gross: str, share: str, kept: str) -> None:
    agreement = SharingAgreement("SA-9", percentage_to_requesting=Decimal(50))
    statement = compute_disposal(register(gross, sharing=agreement), "ahc-2022-proposal")
    assert amounts(statement, LineKind.SHARE_TO_REQUESTING) == [f"{share} EUR"]
    assert amounts(statement, LineKind.KEPT_BY_REQUESTED) == [f"{kept} EUR"]
    line = statement.lines()[2]
    assert (line.ref, line.label, line.basis) == (
        "SA-9",
        "50 %",
        "UNTOC 14(3)(b) [V]; UNCAC 57(5) [V]",
    )


# 6. Zero net: gross 50,000.00, expenses 30,000.00 + 20,000.00 = 50,000.00, net 0.00; the
#    victim's 10,000.00 claim gets 0.00, the 50 % share 0.00, the requested State 0.00.
def test_expenses_that_take_the_whole_gross_leave_zero_for_everyone() -> None:
    statement = compute_disposal(
        register(
            "50000.00",
            expenses=(expense("X1", "30000.00"), expense("X2", "20000.00", "prosecution")),
            victim_claims=(victim("V1", "10000.00"),),
            sharing=SharingAgreement("SA-1", percentage_to_requesting=Decimal(50)),
        ),
        "uncc-2024",
    )
    assert amounts(statement, LineKind.NET) == ["0.00 EUR"]
    assert paid(statement) == {"X1": "30000.00", "X2": "20000.00", "V1": "0.00", "SA-1": "0.00"}
    assert amounts(statement, LineKind.KEPT_BY_REQUESTED) == ["0.00 EUR"]


# 7. Over-claimed, by rank: net 100,000.00; the established owner takes 30,000.00 (70,000.00
#    left); rank 1 claims 40,000.00 + 20,000.00 = 60,000.00 are paid in full (10,000.00 left);
#    rank 2 claims 15,000.00 + 5,000.00 = 20,000.00 > 10,000.00: 10,000.00 x 3/4 = 7,500.00
#    and x 1/4 = 2,500.00. The requested State keeps 0.00.
def test_over_claimed_victims_are_paid_by_rank_then_pro_rata() -> None:
    statement = compute_disposal(
        register(
            "100000.00",
            owner_claims=(
                OwnerClaim("O1", "OWNER", eur("30000.00"), OwnerClaimStatus.ESTABLISHED),
            ),
            victim_claims=(
                victim("V4", "5000.00", rank=2),
                victim("V3", "15000.00", rank=2),
                victim("V2", "20000.00"),
                victim("V1", "40000.00"),
            ),
        ),
        "ahc-2022-proposal",
    )
    assert [line.ref for line in statement.parts()] == ["O1", "V1", "V2", "V3", "V4", ""]
    assert paid(statement) == {
        "O1": "30000.00",
        "V1": "40000.00",
        "V2": "20000.00",
        "V3": "7500.00",
        "V4": "2500.00",
    }
    assert amounts(statement, LineKind.KEPT_BY_REQUESTED) == ["0.00 EUR"]


# 7b. Owners over-claimed too: net 90.00, established owners claim 100.00 and 50.00:
#     90 x 2/3 = 60.00 and 90 x 1/3 = 30.00; nothing is left for the victim.
def test_over_claimed_owners_share_pro_rata_before_any_victim() -> None:
    statement = compute_disposal(
        register(
            "90.00",
            owner_claims=(
                OwnerClaim("O1", "A", eur("100.00"), OwnerClaimStatus.ESTABLISHED),
                OwnerClaim("O2", "B", eur("50.00"), OwnerClaimStatus.ESTABLISHED),
            ),
            victim_claims=(victim("V1", "10.00"),),
        ),
        "uncc-2024",
    )
    assert paid(statement) == {"O1": "60.00", "O2": "30.00", "V1": "0.00"}


# 8. A fixed share: gross 80,000.00, expenses 5,000.00, victim 25,000.00 -> 50,000.00 left.
#    A fixed 20,000.00 is paid and 30,000.00 kept; a fixed 60,000.00 is capped at the
#    50,000.00 left (the line shows the 60,000.00 agreed) and 0.00 is kept.
@pytest.mark.parametrize(
    ("fixed", "share", "kept"),
    [("20000.00", "20000.00", "30000.00"), ("60000.00", "50000.00", "0.00")],
)
def test_a_fixed_share_is_paid_up_to_what_is_left(fixed: str, share: str, kept: str) -> None:
    statement = compute_disposal(
        register(
            "80000.00",
            expenses=(expense("X1", "5000.00"),),
            victim_claims=(victim("V1", "25000.00"),),
            sharing=SharingAgreement("SA-2", fixed_to_requesting=eur(fixed)),
        ),
        "budapest",
    )
    assert amounts(statement, LineKind.SHARE_TO_REQUESTING) == [f"{share} EUR"]
    assert statement.lines()[4].claimed == eur(fixed)
    assert amounts(statement, LineKind.KEPT_BY_REQUESTED) == [f"{kept} EUR"]
    assert statement.lines()[4].basis == "agreement between the States"


# 9. Expenses waived by agreement (UNCAC 57(4) "unless States Parties decide otherwise"):
#    gross 1,000.00, an expense of 2,000.00 recorded but not deducted (so it may even exceed
#    the gross), net 1,000.00, all kept.
def test_waived_expenses_are_not_deducted() -> None:
    statement = compute_disposal(
        register(
            "1000.00", expenses=(expense("X1", "2000.00"),), expenses_waived_by_agreement=True
        ),
        "ahc-2022-proposal",
    )
    assert [line.kind for line in statement.lines()] == ["gross", "net", "kept_by_requested"]
    assert amounts(statement, LineKind.KEPT_BY_REQUESTED) == ["1000.00 EUR"]
    assert statement.notes == (
        "The States agreed that the requested State's expenses are not deducted.",
    )


# 10. Two assets, one realised in USD: 1,000.00 USD x 0.9234 = 923.40 EUR (source and date
#     recorded); with 2,076.60 EUR the gross is 3,000.00 EUR.
CONVERTED = dataclasses.replace(
    asset("923.40", "A2"),
    conversion=Conversion(
        Money(Decimal("1000.00"), "USD"), Decimal("0.9234"), "ECB reference rate", date(2025, 4, 1)
    ),
)


def test_a_converted_asset_carries_its_rate_source_and_date() -> None:
    statement = compute_disposal(
        AssetRegister("REG-2", "EUR", (CONVERTED, asset("2076.60"))), "uncc-2024"
    )
    assert amounts(statement, LineKind.GROSS) == ["3000.00 EUR"]
    rendered = statement.to_dict()
    assert [a["id"] for a in rendered["assets"]] == ["A1", "A2"]
    assert rendered["assets"][1]["conversion"] == {
        "original": "1000.00 USD",
        "rate": "0.9234",
        "source": "ECB reference rate",
        "on": "2025-04-01",
    }


def test_the_same_figures_in_any_order_render_to_the_same_bytes() -> None:
    figures = {
        "expenses": (expense("X1", "10.00"), expense("X2", "20.00", "other")),
        "victim_claims": (victim("V1", "500.00"), victim("V2", "700.00")),
        "sharing": SharingAgreement("SA", percentage_to_requesting=Decimal("33.33")),
    }
    one = AssetRegister("R", "EUR", (CONVERTED, asset("2076.60")), **figures)  # type: ignore[arg-type]
    other = AssetRegister(
        "R",
        "EUR",
        (asset("2076.60"), CONVERTED),
        expenses=figures["expenses"][::-1],  # type: ignore[index]
        victim_claims=figures["victim_claims"][::-1],  # type: ignore[index]
        sharing=figures["sharing"],  # type: ignore[arg-type]
    )
    first = compute_disposal(one, "uncc-2024")
    assert first.canonical_bytes() == compute_disposal(one, "uncc-2024").canonical_bytes()
    assert first.canonical_bytes() == compute_disposal(other, "uncc-2024").canonical_bytes()
    assert first.as_text() == compute_disposal(other, "uncc-2024").as_text()
    assert first.canonical_bytes().startswith(b'{"assets":[{"claim_basis":"victim_compensation"')
    text = first.as_text()
    assert text.splitlines()[0] == "Asset disposal R (uncc-2024, EUR)"
    assert "victim V2 P-V2: 700.00 EUR of 700.00 EUR  [UNCC 52(2) [K]]" in text
    assert first.currency == "EUR"


def test_notes_appear_in_the_text_rendering() -> None:
    text = compute_disposal(PUBLIC, "ahc-2022-proposal").as_text()
    assert "Note: Prior owner claim O2 was rejected: nothing is paid on it.\n" in text


# Validation: every problem named by its path.
def issues_of(reg: AssetRegister) -> list[tuple[str, str]]:
    with pytest.raises(InvalidFieldsError) as caught:
        compute_disposal(reg, "uncc-2024")
    return [(issue.path, issue.kind) for issue in caught.value.issues]


def test_negative_float_nan_and_sub_cent_amounts_are_refused() -> None:
    reg = register(
        "-1.00",
        expenses=(
            Expense("X1", ExpenseCategory.OTHER, Money(0.5, "EUR")),  # type: ignore[arg-type]
            Expense("X2", ExpenseCategory.OTHER, eur("NaN")),
            Expense("X3", ExpenseCategory.OTHER, eur("0.001")),
        ),
    )
    assert issues_of(reg) == [
        ("assets[0].realised_value.amount", "invalid"),
        ("expenses[0].amount.amount", "invalid"),
        ("expenses[1].amount.amount", "invalid"),
        ("expenses[2].amount.amount", "invalid"),
    ]


@pytest.mark.parametrize("code", ["eur", "EURO", "E1R", "XXX", "", None])
def test_unknown_currencies_are_refused(code: object) -> None:
    assert not is_currency(code)
    assert issues_of(dataclasses.replace(register("1.00"), currency=code)) == [  # type: ignore[arg-type]
        ("currency", "invalid")
    ]
    reg = AssetRegister("R", "EUR", (asset("1.00", currency=code),))  # type: ignore[arg-type]
    assert issues_of(reg) == [("assets[0].realised_value.currency", "invalid")]


def test_mixing_currencies_is_refused() -> None:
    reg = AssetRegister(
        "R",
        "EUR",
        (asset("1.00"),),
        expenses=(Expense("X", ExpenseCategory.OTHER, Money(Decimal(1), "USD")),),
    )
    with pytest.raises(InvalidFieldsError) as caught:
        compute_disposal(reg, "uncc-2024")
    assert caught.value.issues[0].path == "expenses[0].amount.currency"
    assert "convert it first" in caught.value.issues[0].message


def test_expenses_over_the_gross_are_refused() -> None:
    reg = register("100.00", expenses=(expense("X1", "60.00"), expense("X2", "40.01")))
    with pytest.raises(InvalidFieldsError) as caught:
        compute_disposal(reg, "uncc-2024")
    (issue,) = caught.value.issues
    assert (issue.path, issue.message) == (
        "expenses",
        "the expenses (100.01) exceed the gross realised value (100.00)",
    )


def test_claims_and_expenses_with_no_amount_are_refused() -> None:
    reg = register(
        "100.00",
        expenses=(Expense("X1", ExpenseCategory.OTHER, None),),
        owner_claims=(OwnerClaim("O1", "A", None, OwnerClaimStatus.ESTABLISHED),),
        victim_claims=(VictimClaim("V1", "B", None),),
    )
    assert issues_of(reg) == [
        ("expenses[0].amount", "missing"),
        ("owner_claims[0].amount", "missing"),
        ("victim_claims[0].amount", "missing"),
    ]


@pytest.mark.parametrize("percentage", [Decimal("100.01"), Decimal("-1"), Decimal("Infinity"), 50])
def test_a_sharing_percentage_outside_0_to_100_is_refused(percentage: object) -> None:
    agreement = SharingAgreement("SA", percentage_to_requesting=percentage)  # type: ignore[arg-type]
    assert issues_of(register("1.00", sharing=agreement)) == [
        ("sharing.percentage_to_requesting", "invalid")
    ]


@pytest.mark.parametrize(
    ("agreement", "expected"),
    [
        (SharingAgreement("SA"), [("sharing", "invalid")]),
        (
            SharingAgreement("SA", Decimal(10), eur("1.00")),
            [("sharing", "invalid")],
        ),
        (
            SharingAgreement("SA", fixed_to_requesting=eur("-1.00")),
            [("sharing.fixed_to_requesting.amount", "invalid")],
        ),
    ],
)
def test_a_sharing_agreement_is_a_percentage_or_a_fixed_amount(
    agreement: SharingAgreement, expected: list[tuple[str, str]]
) -> None:
    assert issues_of(register("1.00", sharing=agreement)) == expected


def test_ids_ranks_pending_claims_and_an_empty_register_are_refused() -> None:
    reg = AssetRegister(
        "R",
        "EUR",
        (),
        expenses=(expense("", "1.00"), expense("X", "1.00"), expense("X", "1.00")),
        owner_claims=(OwnerClaim("O1", "A", eur("1.00"), OwnerClaimStatus.PENDING),),
        victim_claims=(victim("V1", "1.00", rank=0), VictimClaim("V2", "B", eur("1"), True)),  # type: ignore[arg-type]
    )
    assert issues_of(reg) == [
        ("assets", "missing"),
        ("expenses[0].id", "missing"),
        ("expenses[2].id", "invalid"),
        ("owner_claims[0].status", "invalid"),
        ("victim_claims[0].rank", "invalid"),
        ("victim_claims[1].rank", "invalid"),
    ]


def test_a_money_that_is_not_money_is_refused() -> None:
    reg = AssetRegister("R", "EUR", (dataclasses.replace(asset("1.00"), realised_value="1.00"),))  # type: ignore[arg-type]
    assert issues_of(reg) == [("assets[0].realised_value", "invalid")]


@pytest.mark.parametrize(
    ("conversion", "expected"),
    [
        (
            Conversion(Money(Decimal("1000.00"), "USD"), Decimal("0.9"), "ECB", date(2025, 4, 1)),
            [("assets[0].conversion.rate", "invalid")],
        ),
        (
            Conversion(Money(Decimal("1000.00"), "USD"), Decimal(0), " ", date(2025, 4, 1)),
            [("assets[0].conversion.rate", "invalid"), ("assets[0].conversion.source", "missing")],
        ),
        (
            Conversion(eur("923.40"), Decimal(1), "ECB", date(2025, 4, 1)),
            [("assets[0].conversion.original.currency", "invalid")],
        ),
    ],
)
def test_a_conversion_must_give_the_realised_value(
    conversion: Conversion, expected: list[tuple[str, str]]
) -> None:
    reg = AssetRegister("R", "EUR", (dataclasses.replace(CONVERTED, conversion=conversion),))
    assert issues_of(reg)[: len(expected)] == expected


def test_an_unknown_profile_has_no_rules() -> None:
    with pytest.raises(UnknownProfileError):
        rules_for("ecowas")
    with pytest.raises(UnknownProfileError):
        compute_disposal(register("1.00"), "ecowas")


def test_the_rules_follow_each_profile_s_public_funds_flag() -> None:
    # legal.md §7 D25: mandatory_public_funds_return is data in each profile's file.
    for path in sorted(PROFILES.glob("*.yaml")):
        profile = yaml.safe_load(path.read_text("utf-8"))
        rules = rules_for(profile["code"])
        assert (
            rules.mandatory_public_funds_return is profile["flags"]["mandatory_public_funds_return"]
        )
    assert set(RULES) == {path.stem for path in PROFILES.glob("*.yaml")}


def test_a_statement_that_does_not_add_up_is_refused() -> None:
    statement = compute_disposal(
        register("100.00", expenses=(expense("X1", "10.00"),)), "uncc-2024"
    )
    check_adds_up(statement)
    lines = list(statement.lines())
    kept = lines[-1]
    for tampered, message in [
        (dataclasses.replace(kept, amount=eur("90.01")), "do not add up"),
        (dataclasses.replace(kept, amount=Money(Decimal("90.00"), "USD")), "is 90.00 USD"),
        (dataclasses.replace(kept, amount=eur("-1.00")), "is -1.00 EUR"),
    ]:
        bad = dataclasses.replace(statement, all_lines=(*lines[:-1], tampered))
        with pytest.raises(DomainError, match=message):
            check_adds_up(bad)
    wrong_net = dataclasses.replace(lines[2], amount=eur("91.00"))
    bad = dataclasses.replace(statement, all_lines=(lines[0], lines[1], wrong_net, kept))
    with pytest.raises(DomainError, match="net is not the gross less the expenses"):
        check_adds_up(bad)


def test_pro_rata_pays_claims_in_full_when_they_fit() -> None:
    assert pro_rata(100, [("a", 40), ("b", 60)]) == {"a": 40, "b": 60}
    assert pro_rata(0, [("a", 0)]) == {"a": 0}


# Property: for any valid figures, the parts add up exactly to the gross and none is negative.
CENTS = st.integers(min_value=0, max_value=10**9)


def money_of(value: int) -> Money:
    return Money(Decimal(value) / 100, "EUR")


@settings(max_examples=300, deadline=None)
@given(
    assets=st.lists(st.integers(min_value=0, max_value=10**10), min_size=1, max_size=4),
    expenses=st.lists(CENTS, max_size=4),
    owners=st.lists(st.tuples(CENTS, st.booleans()), max_size=3),
    victims=st.lists(st.tuples(CENTS, st.integers(min_value=1, max_value=3)), max_size=5),
    public=st.booleans(),
    final=st.booleans(),
    sharing=st.one_of(
        st.none(),
        st.decimals(min_value=0, max_value=100, places=2).map(
            lambda pct: SharingAgreement("SA", percentage_to_requesting=pct)
        ),
        CENTS.map(lambda fixed: SharingAgreement("SA", fixed_to_requesting=money_of(fixed))),
    ),
    profile=st.sampled_from(sorted(RULES)),
)
def test_the_lines_always_add_up_to_the_gross(
    assets: list[int],
    expenses: list[int],
    owners: list[tuple[int, bool]],
    victims: list[tuple[int, int]],
    public: bool,
    final: bool,
    sharing: SharingAgreement | None,
    profile: str,
) -> None:
    gross = sum(assets)
    spent = 0
    kept_expenses = []
    for index, amount in enumerate(expenses):
        if spent + amount <= gross:
            spent += amount
            kept_expenses.append(Expense(f"X{index}", ExpenseCategory.OTHER, money_of(amount)))
    reg = AssetRegister(
        "R",
        "EUR",
        tuple(
            dataclasses.replace(asset("0"), id=f"A{index}", realised_value=money_of(value))
            for index, value in enumerate(assets)
        ),
        expenses=tuple(kept_expenses),
        owner_claims=tuple(
            OwnerClaim(
                f"O{index}",
                "C",
                money_of(amount),
                OwnerClaimStatus.ESTABLISHED if good else OwnerClaimStatus.REJECTED,
            )
            for index, (amount, good) in enumerate(owners)
        ),
        victim_claims=tuple(
            VictimClaim(f"V{index}", "C", money_of(amount), rank)
            for index, (amount, rank) in enumerate(victims)
        ),
        public_funds=public,
        final_judgment_in_requesting_state=final,
        sharing=sharing,
    )
    statement = compute_disposal(reg, profile)
    parts = [line.amount.amount for line in statement.parts()]
    assert sum(parts) == Decimal(gross) / 100
    assert all(part >= 0 for part in parts)
    for line in statement.parts():
        if line.claimed is not None:
            assert line.amount.amount <= line.claimed.amount
    assert statement.canonical_bytes() == compute_disposal(reg, profile).canonical_bytes()


def test_a_rule_set_of_its_own_can_be_passed_instead_of_a_profile_code() -> None:
    # A bilateral treaty with the UNCAC 57(3)(a) rule but the UNCC citations.
    rules = dataclasses.replace(rules_for("uncc-2024"), mandatory_public_funds_return=True)
    statement = compute_disposal(PUBLIC, rules)
    assert amounts(statement, LineKind.PUBLIC_FUNDS_RETURN) == ["2400000.00 EUR"]
    assert statement.profile == "uncc-2024"
