"""The register of confiscated assets and the recorded figures their disposal needs (issue 8,
item 7; legal.md §6, AR-01 to AR-12; statement Q20).

Money is never a float: every amount is a ``decimal.Decimal`` with at most two decimal places,
carried with its ISO 4217 code. One register holds one currency; an asset realised in another
currency is recorded after conversion, with the rate, its source and its date
(:class:`Conversion`), so that no computation ever mixes currencies. ``validate_register``
checks every figure and names the path of each problem; ``asset_return.compute_disposal``
computes the disposal from a valid register only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum

from comity.domain.errors import FieldIssue, InvalidFieldsError

# The house rule: every currency is carried to two decimal places (the cent), whatever its
# ISO 4217 minor unit, so that one quantum serves every statement.
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# ISO 4217 alphabetic codes are three upper-case Latin letters. XXX ("no currency") and XTS
# ("reserved for testing") are codes but not currencies: an amount in them is refused.
_CURRENCY = re.compile(r"[A-Z]{3}")
_NOT_CURRENCIES = frozenset({"XXX", "XTS"})


def is_currency(code: object) -> bool:
    """Whether ``code`` is written as an ISO 4217 alphabetic currency code (``EUR``, ``USD``)."""
    return (
        isinstance(code, str) and _CURRENCY.fullmatch(code) is not None
    ) and code not in _NOT_CURRENCIES


def cents(amount: Decimal) -> Decimal:
    """``amount`` quantized to the cent, rounding half to even (the house rule)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class Money:
    """An amount with its ISO 4217 currency code; validated where it is recorded."""

    amount: Decimal
    currency: str

    def render(self) -> str:
        """The amount with two decimals and its code, e.g. ``1000000.00 EUR`` (no grouping)."""
        return f"{cents(self.amount):f} {self.currency}"


class AssetKind(StrEnum):
    """What was confiscated (legal.md §6 data model, ``description``)."""

    FUNDS = "funds"
    IMMOVABLE_PROPERTY = "immovable_property"
    MOVABLE_PROPERTY = "movable_property"
    VIRTUAL_ASSET = "virtual_asset"
    OTHER = "other"


class ClaimBasis(StrEnum):
    """The ground on which the requesting State claims the asset (legal.md §6)."""

    # UNCAC 57(3)(a) [V]: embezzled public funds, or their laundering (AR-04).
    PUBLIC_FUNDS = "public_funds"
    # UNCAC 57(3)(b) [V]: prior ownership reasonably established (AR-05).
    PRIOR_OWNERSHIP = "prior_ownership"
    # UNCAC 57(3)(b) [V]: damage to the requesting State recognised (AR-05).
    DAMAGE_RECOGNISED = "damage_recognised"
    # UNCAC 57(3)(c) [V], UNTOC 14(2) [V], UNCC 52(2) [K]: return so that the requesting
    # State compensates victims or returns property to its owners (AR-03).
    VICTIM_COMPENSATION = "victim_compensation"
    # No claim: the requested State disposes under its own law (AR-01).
    NONE = "none"


class ExpenseCategory(StrEnum):
    """Reasonable expenses of the requested State (UNCAC 57(4) [V]: "investigations,
    prosecutions or judicial proceedings"; statement Q20: "incurred in recovering assets")."""

    INVESTIGATION = "investigation"
    PROSECUTION = "prosecution"
    JUDICIAL_PROCEEDINGS = "judicial_proceedings"
    MANAGEMENT = "management"  # keeping the asset: custody, storage, maintenance, insurance.
    REALISATION = "realisation"  # selling it: auction, valuation, exchange fees.
    OTHER = "other"


class OwnerClaimStatus(StrEnum):
    """Where a prior legitimate owner's (or bona fide third party's) claim stands."""

    ESTABLISHED = "established"
    PENDING = "pending"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Conversion:
    """How an asset realised in another currency became the register's currency: the
    amount realised, the rate applied (register currency per unit), its source and date."""

    original: Money
    rate: Decimal
    source: str
    on: date


@dataclass(frozen=True)
class Asset:
    """One confiscated asset as realised (sold, or counted if it was money)."""

    id: str
    description_code: str
    kind: AssetKind
    realised_value: Money
    confiscation_order_ref: str
    confiscation_order_date: date
    claim_basis: ClaimBasis
    conversion: Conversion | None = None


@dataclass(frozen=True)
class Expense:
    """One itemised reasonable expense of the requested State (UNCAC 57(4) [V])."""

    id: str
    category: ExpenseCategory
    amount: Money | None


@dataclass(frozen=True)
class OwnerClaim:
    """A prior legitimate owner's or bona fide third party's claim (UNCAC 57(1), 57(2) [V];
    UNCC 52(1) [K]; AR-12): only an established claim is paid."""

    id: str
    claimant_code: str
    amount: Money | None
    status: OwnerClaimStatus


@dataclass(frozen=True)
class VictimClaim:
    """A victim's claim for compensation (UNCAC 57(3)(c) [V]; UNCC 52(2) [K]; statement Q20).

    §6 ranks no victim above another, so every claim has rank 1 and claims share pro rata;
    a confiscation order or domestic law that ranks them sets ``rank`` (1 is paid first).
    """

    id: str
    claimant_code: str
    amount: Money | None
    rank: int = 1


@dataclass(frozen=True)
class SharingAgreement:
    """The States' agreement on what is left (UNTOC 14(3)(b) [V]; UNCAC 57(5) [V]; UNCC
    52(3)(b) [K]): a percentage to the requesting State, or a fixed amount; never both."""

    reference: str
    percentage_to_requesting: Decimal | None = None
    fixed_to_requesting: Money | None = None


@dataclass(frozen=True)
class AssetRegister:
    """Every figure the disposal decision needs, and nothing else (legal.md §6 data model)."""

    reference: str
    currency: str
    assets: tuple[Asset, ...]
    expenses: tuple[Expense, ...] = ()
    owner_claims: tuple[OwnerClaim, ...] = ()
    victim_claims: tuple[VictimClaim, ...] = ()
    # UNCAC 57(3)(a) [V] (AR-04): the assets are embezzled public funds (or their laundering),
    # confiscated on a final judgment in the requesting State unless it was waived.
    public_funds: bool = False
    final_judgment_in_requesting_state: bool = False
    finality_waived: bool = False
    # UNCAC 57(4) [V]: expenses are deducted "unless States Parties decide otherwise".
    expenses_waived_by_agreement: bool = False
    sharing: SharingAgreement | None = None


def _money_issues(path: str, money: object, currency: str) -> list[FieldIssue]:
    """The problems of one recorded amount: a non-Decimal (a float above all), a value that is
    not finite, negative or finer than a cent, another currency than the register's."""
    if money is None:
        return [FieldIssue(path, "missing", "an amount is required")]
    if not isinstance(money, Money):
        return [FieldIssue(path, "invalid", "must be a Money (Decimal amount, ISO 4217 code)")]
    issues = []
    amount = money.amount
    if not isinstance(amount, Decimal):
        issues.append(FieldIssue(f"{path}.amount", "invalid", "must be a Decimal, never a float"))
    elif not amount.is_finite():
        issues.append(FieldIssue(f"{path}.amount", "invalid", "must be a finite number"))
    elif amount < 0:
        issues.append(FieldIssue(f"{path}.amount", "invalid", "must not be negative"))
    elif amount != amount.quantize(CENT):
        issues.append(FieldIssue(f"{path}.amount", "invalid", "has more than two decimals"))
    if not is_currency(money.currency):
        issues.append(
            FieldIssue(f"{path}.currency", "invalid", "is not an ISO 4217 code (e.g. EUR)")
        )
    elif money.currency != currency:
        issues.append(
            FieldIssue(
                f"{path}.currency",
                "invalid",
                f"is {money.currency}, the register is in {currency}: convert it first",
            )
        )
    return issues


def _id_issues(path: str, ids: list[str]) -> list[FieldIssue]:
    issues = []
    seen: set[str] = set()
    for index, item_id in enumerate(ids):
        if not item_id:
            issues.append(FieldIssue(f"{path}[{index}].id", "missing", "an id is required"))
        elif item_id in seen:
            issues.append(FieldIssue(f"{path}[{index}].id", "invalid", "the id is repeated"))
        seen.add(item_id)
    return issues


def _conversion_issues(path: str, asset: Asset, currency: str) -> list[FieldIssue]:
    conversion = asset.conversion
    if conversion is None:
        return []
    original = conversion.original
    issues = _money_issues(f"{path}.original", original, original.currency)
    if original.currency == currency:
        issues.append(FieldIssue(f"{path}.original.currency", "invalid", "nothing to convert"))
    rate = conversion.rate
    if not isinstance(rate, Decimal) or not rate.is_finite() or rate <= 0:
        issues.append(FieldIssue(f"{path}.rate", "invalid", "must be a positive Decimal"))
    elif not issues and cents(original.amount * rate) != asset.realised_value.amount:
        issues.append(
            FieldIssue(
                f"{path}.rate",
                "invalid",
                f"{original.render()} at {rate} is {cents(original.amount * rate):f}, "
                "not the realised value",
            )
        )
    if not conversion.source.strip():
        issues.append(FieldIssue(f"{path}.source", "missing", "the rate's source is required"))
    return issues


def validate_register(register: AssetRegister) -> None:
    """Raise ``InvalidFieldsError`` naming every problem of the register by its path."""
    currency = register.currency
    if not is_currency(currency):
        raise InvalidFieldsError(
            (FieldIssue("currency", "invalid", "is not an ISO 4217 code (e.g. EUR)"),)
        )
    issues: list[FieldIssue] = []
    if not register.assets:
        issues.append(FieldIssue("assets", "missing", "at least one asset is required"))
    issues += _id_issues("assets", [asset.id for asset in register.assets])
    for index, asset in enumerate(register.assets):
        path = f"assets[{index}]"
        issues += _money_issues(f"{path}.realised_value", asset.realised_value, currency)
        issues += _conversion_issues(f"{path}.conversion", asset, currency)
    issues += _id_issues("expenses", [expense.id for expense in register.expenses])
    for index, expense in enumerate(register.expenses):
        issues += _money_issues(f"expenses[{index}].amount", expense.amount, currency)
    issues += _id_issues("owner_claims", [claim.id for claim in register.owner_claims])
    for index, owner in enumerate(register.owner_claims):
        issues += _money_issues(f"owner_claims[{index}].amount", owner.amount, currency)
        if owner.status is OwnerClaimStatus.PENDING:
            # AR-12: bona fide rights are preserved throughout, so nothing is disposed of
            # while a prior owner's claim is undecided.
            issues.append(FieldIssue(f"owner_claims[{index}].status", "invalid", "decide it first"))
    issues += _id_issues("victim_claims", [claim.id for claim in register.victim_claims])
    for index, victim in enumerate(register.victim_claims):
        issues += _money_issues(f"victim_claims[{index}].amount", victim.amount, currency)
        if isinstance(victim.rank, bool) or not isinstance(victim.rank, int) or victim.rank < 1:
            issues.append(FieldIssue(f"victim_claims[{index}].rank", "invalid", "must be >= 1"))
    issues += _sharing_issues(register.sharing, currency)
    if not issues and not register.expenses_waived_by_agreement:
        gross = sum((asset.realised_value.amount for asset in register.assets), ZERO)
        spent = sum((e.amount.amount for e in register.expenses if e.amount), ZERO)
        if spent > gross:
            issues.append(
                FieldIssue(
                    "expenses",
                    "invalid",
                    f"the expenses ({spent:f}) exceed the gross realised value ({gross:f})",
                )
            )
    if issues:
        raise InvalidFieldsError(tuple(issues))


def _sharing_issues(sharing: SharingAgreement | None, currency: str) -> list[FieldIssue]:
    if sharing is None:
        return []
    percentage, fixed = sharing.percentage_to_requesting, sharing.fixed_to_requesting
    if (percentage is None) == (fixed is None):
        return [FieldIssue("sharing", "invalid", "give either a percentage or a fixed amount")]
    if fixed is not None:
        return _money_issues("sharing.fixed_to_requesting", fixed, currency)
    if (
        not isinstance(percentage, Decimal)
        or not percentage.is_finite()
        or not Decimal(0) <= percentage <= Decimal(100)
    ):
        return [FieldIssue("sharing.percentage_to_requesting", "invalid", "must be from 0 to 100")]
    return []
