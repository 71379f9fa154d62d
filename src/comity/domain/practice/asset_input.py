"""An asset register read from plain JSON, and written back (issue 8, item 7).

The register travels as JSON: from an officer's API call, and inside the signed statement a
State sends the other, which parses it again and recomputes the disposal itself. So the JSON
form is exact and strict:

- amounts are strings (``"1000000.00"``), never JSON numbers, so no float ever holds money;
  an amount is ``{"amount": "…", "currency": "EUR"}``;
- dates are ISO 8601 calendar dates (``"2025-03-14"``); enumerations are given by value;
- unknown members are refused, and every list and text is bounded, so whatever arrives is
  small enough to compute, sign and send.

``parse_register`` names every problem at once by its path, in the paths
``validate_register`` uses (``assets[0].realised_value.amount``, ``expenses[1].amount``), then
validates the figures; ``register_to_dict`` is its inverse.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from comity.domain.errors import FieldIssue, InvalidFieldsError
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
    validate_register,
)

# Bounds that keep every register small enough to compute exactly, sign and send: at most
# this many items in each list, 10^15 in an amount (Decimal's 28 digits then hold every sum,
# product and quantization the computation makes), and ranks JSON carries exactly.
MAX_ITEMS = 200
MAX_RANK = 1000
_ID = 64
_CODE = 120
_SOURCE = 200
_AMOUNT = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,10})?")
_RATE = re.compile(r"[0-9]{1,6}(\.[0-9]{1,12})?")
_PERCENT = re.compile(r"-?[0-9]{1,4}(\.[0-9]{1,6})?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# What an amount that could not be read stands for while the other problems are collected.
_NO_MONEY = Money(Decimal(0), "")

_REGISTER = ("reference", "currency", "assets", "expenses", "owner_claims", "victim_claims")
_FLAGS = (
    "public_funds",
    "final_judgment_in_requesting_state",
    "finality_waived",
    "expenses_waived_by_agreement",
)
_ASSET = (
    "id",
    "description_code",
    "kind",
    "realised_value",
    "confiscation_order_ref",
    "confiscation_order_date",
    "claim_basis",
    "conversion",
)
_MONEY = ("amount", "currency")
_CONVERSION = ("original", "rate", "source", "on")
_EXPENSE = ("id", "category", "amount")
_OWNER = ("id", "claimant_code", "amount", "status")
_VICTIM = ("id", "claimant_code", "amount", "rank")
_SHARING = ("reference", "percentage_to_requesting", "fixed_to_requesting")

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


def _at(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class _Reader:
    """Reads JSON values by path, collecting every problem instead of stopping at the first."""

    def __init__(self) -> None:
        self.issues: list[FieldIssue] = []

    def fail(self, path: str, kind: str, message: str) -> None:
        self.issues.append(FieldIssue(path, kind, message))

    def members(self, path: str, value: object, known: tuple[str, ...]) -> Mapping[str, Any] | None:
        """An object's members (None if it is not an object); unknown members are problems."""
        if not isinstance(value, Mapping):
            self.fail(path, "invalid", "must be a JSON object")
            return None
        for key in value:
            if key not in known:
                self.fail(_at(path, str(key)), "unknown", "no such member")
        return value

    def text(self, data: Mapping[str, Any], path: str, key: str, limit: int) -> str:
        value, where = data.get(key), _at(path, key)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.fail(where, "missing", "a value is required")
        elif not isinstance(value, str):
            self.fail(where, "invalid", "must be a string")
        elif len(value) > limit:
            self.fail(where, "invalid", f"at most {limit} characters")
        elif _CONTROL.search(value):
            self.fail(where, "invalid", "must not contain control characters or line breaks")
        else:
            return value
        return ""

    def decimal(self, value: object, where: str, pattern: re.Pattern[str], example: str) -> Decimal:
        if isinstance(value, str) and pattern.fullmatch(value):
            number = Decimal(value)
            # "-0.00" is zero: no minus sign ever reaches a statement.
            return number.copy_abs() if number.is_zero() else number
        if value is None:
            self.fail(where, "missing", "a value is required")
        elif isinstance(value, int | float):
            self.fail(where, "invalid", f'write it as a string such as "{example}", not a number')
        else:
            self.fail(where, "invalid", f'a decimal number written as a string such as "{example}"')
        return Decimal(0)

    def money(self, data: Mapping[str, Any], path: str, key: str) -> Money | None:
        where = _at(path, key)
        if data.get(key) is None:
            self.fail(where, "missing", "an amount is required")
            return None
        money = self.members(where, data[key], _MONEY)
        if money is None:
            return None
        amount = self.decimal(money.get("amount"), _at(where, "amount"), _AMOUNT, "1000.00")
        currency = money.get("currency")
        if not is_currency(currency):
            self.fail(_at(where, "currency"), "invalid", "is not an ISO 4217 code (e.g. EUR)")
        return Money(amount, str(currency))

    def day(self, data: Mapping[str, Any], path: str, key: str) -> date:
        value, where = data.get(key), _at(path, key)
        if isinstance(value, str) and _DATE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                self.fail(where, "invalid", "is not a date of the calendar")
        elif value is None:
            self.fail(where, "missing", "a date is required")
        else:
            self.fail(where, "invalid", "an ISO 8601 date such as 2025-03-14")
        return date.min

    def choice(self, data: Mapping[str, Any], path: str, key: str, enum: type[E]) -> E:
        value, where = data.get(key), _at(path, key)
        choices = [member.value for member in enum]
        if isinstance(value, str) and value in choices:
            return enum(value)
        if value is None:
            self.fail(where, "missing", "a value is required")
        else:
            self.fail(where, "invalid", f"one of {', '.join(choices)}")
        return next(iter(enum))

    def flag(self, data: Mapping[str, Any], key: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.fail(key, "invalid", "must be true or false")
            return False
        return value

    def items(
        self,
        data: Mapping[str, Any],
        key: str,
        read: Callable[[str, Mapping[str, Any]], T],
        known: tuple[str, ...],
    ) -> tuple[T, ...]:
        value = data.get(key, [])
        if not isinstance(value, list):
            self.fail(key, "invalid", "must be a JSON array")
            return ()
        if len(value) > MAX_ITEMS:
            self.fail(key, "invalid", f"at most {MAX_ITEMS} items")
            return ()
        read_items = []
        for index, item in enumerate(value):
            members = self.members(_at(key, index), item, known)
            if members is not None:
                read_items.append(read(_at(key, index), members))
        return tuple(read_items)

    def asset(self, path: str, data: Mapping[str, Any]) -> Asset:
        return Asset(
            id=self.text(data, path, "id", _ID),
            description_code=self.text(data, path, "description_code", _CODE),
            kind=self.choice(data, path, "kind", AssetKind),
            realised_value=self.money(data, path, "realised_value") or _NO_MONEY,
            confiscation_order_ref=self.text(data, path, "confiscation_order_ref", _CODE),
            confiscation_order_date=self.day(data, path, "confiscation_order_date"),
            claim_basis=self.choice(data, path, "claim_basis", ClaimBasis),
            conversion=self.conversion(data, _at(path, "conversion")),
        )

    def conversion(self, data: Mapping[str, Any], where: str) -> Conversion | None:
        if data.get("conversion") is None:
            return None
        raw = self.members(where, data["conversion"], _CONVERSION)
        if raw is None:
            return None
        return Conversion(
            original=self.money(raw, where, "original") or _NO_MONEY,
            rate=self.decimal(raw.get("rate"), _at(where, "rate"), _RATE, "0.9234"),
            source=self.text(raw, where, "source", _SOURCE),
            on=self.day(raw, where, "on"),
        )

    def expense(self, path: str, data: Mapping[str, Any]) -> Expense:
        return Expense(
            id=self.text(data, path, "id", _ID),
            category=self.choice(data, path, "category", ExpenseCategory),
            amount=self.money(data, path, "amount"),
        )

    def owner(self, path: str, data: Mapping[str, Any]) -> OwnerClaim:
        return OwnerClaim(
            id=self.text(data, path, "id", _ID),
            claimant_code=self.text(data, path, "claimant_code", _CODE),
            amount=self.money(data, path, "amount"),
            status=self.choice(data, path, "status", OwnerClaimStatus),
        )

    def victim(self, path: str, data: Mapping[str, Any]) -> VictimClaim:
        rank = data.get("rank", 1)
        if isinstance(rank, bool) or not isinstance(rank, int) or rank > MAX_RANK:
            # A rank below 1 is the figures' problem: validate_register names it.
            self.fail(_at(path, "rank"), "invalid", f"a whole number from 1 to {MAX_RANK}")
            rank = 1
        return VictimClaim(
            id=self.text(data, path, "id", _ID),
            claimant_code=self.text(data, path, "claimant_code", _CODE),
            amount=self.money(data, path, "amount"),
            rank=rank,
        )

    def sharing(self, data: Mapping[str, Any]) -> SharingAgreement | None:
        if data.get("sharing") is None:
            return None
        raw = self.members("sharing", data["sharing"], _SHARING)
        if raw is None:
            return None
        percentage = raw.get("percentage_to_requesting")
        where = "sharing.percentage_to_requesting"
        return SharingAgreement(
            reference=self.text(raw, "sharing", "reference", _CODE),
            percentage_to_requesting=None
            if percentage is None
            else self.decimal(percentage, where, _PERCENT, "50"),
            fixed_to_requesting=None
            if raw.get("fixed_to_requesting") is None
            else self.money(raw, "sharing", "fixed_to_requesting"),
        )


def parse_register(data: Mapping[str, Any]) -> AssetRegister:
    """The register in ``data`` (plain JSON), its figures validated; ``InvalidFieldsError``
    names every problem of the JSON by its path at once, then every problem of the figures."""
    if not isinstance(data, Mapping):
        raise InvalidFieldsError((FieldIssue("register", "invalid", "must be a JSON object"),))
    reader = _Reader()
    raw = reader.members("", data, (*_REGISTER, *_FLAGS, "sharing")) or {}
    currency = raw.get("currency")
    if not is_currency(currency):
        reader.fail("currency", "invalid", "is not an ISO 4217 code (e.g. EUR)")
    if "assets" not in raw:
        reader.fail("assets", "missing", "at least one asset is required")
    register = AssetRegister(
        reference=reader.text(raw, "", "reference", _CODE),
        currency=str(currency),
        assets=reader.items(raw, "assets", reader.asset, _ASSET),
        expenses=reader.items(raw, "expenses", reader.expense, _EXPENSE),
        owner_claims=reader.items(raw, "owner_claims", reader.owner, _OWNER),
        victim_claims=reader.items(raw, "victim_claims", reader.victim, _VICTIM),
        public_funds=reader.flag(raw, "public_funds"),
        final_judgment_in_requesting_state=reader.flag(raw, "final_judgment_in_requesting_state"),
        finality_waived=reader.flag(raw, "finality_waived"),
        expenses_waived_by_agreement=reader.flag(raw, "expenses_waived_by_agreement"),
        sharing=reader.sharing(raw),
    )
    if reader.issues:
        raise InvalidFieldsError(tuple(reader.issues))
    validate_register(register)
    return register


def _money(money: Money | None) -> dict[str, str] | None:
    return None if money is None else {"amount": f"{money.amount:f}", "currency": money.currency}


def register_to_dict(register: AssetRegister) -> dict[str, Any]:
    """The register as plain JSON (strings, booleans, integers, lists, objects and nulls):
    what ``parse_register`` reads back to an equal register."""
    sharing = register.sharing
    percentage = None if sharing is None else sharing.percentage_to_requesting
    return {
        "reference": register.reference,
        "currency": register.currency,
        "assets": [
            {
                "id": asset.id,
                "description_code": asset.description_code,
                "kind": asset.kind.value,
                "realised_value": _money(asset.realised_value),
                "confiscation_order_ref": asset.confiscation_order_ref,
                "confiscation_order_date": asset.confiscation_order_date.isoformat(),
                "claim_basis": asset.claim_basis.value,
                "conversion": None
                if asset.conversion is None
                else {
                    "original": _money(asset.conversion.original),
                    "rate": f"{asset.conversion.rate:f}",
                    "source": asset.conversion.source,
                    "on": asset.conversion.on.isoformat(),
                },
            }
            for asset in register.assets
        ],
        "expenses": [
            {"id": e.id, "category": e.category.value, "amount": _money(e.amount)}
            for e in register.expenses
        ],
        "owner_claims": [
            {
                "id": claim.id,
                "claimant_code": claim.claimant_code,
                "amount": _money(claim.amount),
                "status": claim.status.value,
            }
            for claim in register.owner_claims
        ],
        "victim_claims": [
            {
                "id": claim.id,
                "claimant_code": claim.claimant_code,
                "amount": _money(claim.amount),
                "rank": claim.rank,
            }
            for claim in register.victim_claims
        ],
        "public_funds": register.public_funds,
        "final_judgment_in_requesting_state": register.final_judgment_in_requesting_state,
        "finality_waived": register.finality_waived,
        "expenses_waived_by_agreement": register.expenses_waived_by_agreement,
        "sharing": None
        if sharing is None
        else {
            "reference": sharing.reference,
            "percentage_to_requesting": None if percentage is None else f"{percentage:f}",
            "fixed_to_requesting": _money(sharing.fixed_to_requesting),
        },
    }
