"""The disposal of confiscated assets, computed from the register's figures only (issue 8,
item 7; legal.md §6; statement Q20), as a statement both States can sign.

Order of priority (legal.md §6 leaves most of it to the States; the choices and reasons):

1. Reasonable expenses of the requested State come off the gross first: UNCAC 57(4) [V]
   deducts them from what is returned "unless States Parties decide otherwise" (UNCC 52 [K];
   statement Q20 "deductions of reasonable expenses incurred in recovering assets"). The
   States' contrary decision is ``expenses_waived_by_agreement``.
2. Established claims of prior legitimate owners and bona fide third parties come next: the
   asset is theirs before it is anyone's proceeds (UNCAC 57(1), 57(2) [V]; UNCC 52(1) [K];
   AR-12, preserved "throughout"). Pending claims stop the computation.
3. Mandatory return of embezzled public funds (UNCAC 57(3)(a) [V], AR-04), where the profile
   has it (``mandatory_public_funds_return``, legal.md §7 D25: the statement's profile yes,
   UNCC and Budapest no) and the judgment is final or finality waived: everything left goes to
   the requesting State, whose victims' claims it meets itself (57(3)(c) [V] applies "in all
   other cases"), so the requested State pays no victim out of these funds.
4. Otherwise victims' compensation (UNCAC 57(3)(c) [V]; UNTOC 14(2) [V]; UNCC 52(2) [K];
   statement Q20), by rank, pro rata within a rank when the amount left does not cover it.
   UNCC 52(3)(a) [K] puts contributions "after due consideration to compensation of victims",
   so victims come before any sharing between States.
5. What is left is shared as the States agreed (UNTOC 14(3)(b) [V]; UNCAC 57(5) [V]; UNCC
   52(3)(b) [K]) and the requested State keeps the rest (UNTOC 14(1) [V]; UNCAC 57(1) [V];
   UNCC 52(1) [K]). Without an agreement it keeps it all.

Rounding is half to even to the cent; every remainder cent has a documented place (the
victims' ``METHOD``; the share's rounding cent stays with the requested State), so the parts
add up exactly to the gross, which the statement checks itself (``check_adds_up``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from comity.domain.errors import DomainError
from comity.domain.practice.asset_register import (
    CENT,
    AssetRegister,
    Money,
    OwnerClaimStatus,
    cents,
    validate_register,
)
from comity.domain.practice.asset_rules import DisposalRules, rules_for

FORMAT = "comity-asset-disposal/1"

METHOD = (
    "Pro rata to the amounts claimed, largest remainder: each claim's exact share of the "
    "amount available is rounded half to even to the cent; a cent still missing from the "
    "total goes to the claim whose share lost most in that rounding, a cent too many is taken "
    "from the claim whose share gained most, ties in claim-id order. Claims of a higher rank "
    "(1 first) are paid in full before a lower rank receives anything."
)


class LineKind:
    """The kinds of statement line, in the order they appear."""

    GROSS = "gross"
    EXPENSE = "expense"
    NET = "net"
    PRIOR_OWNER = "prior_owner"
    PUBLIC_FUNDS_RETURN = "public_funds_return"
    VICTIM = "victim"
    SHARE_TO_REQUESTING = "share_to_requesting"
    KEPT_BY_REQUESTED = "kept_by_requested"


# Subtotals repeat other lines' money; every other line is a part of the gross.
SUBTOTALS = frozenset({LineKind.GROSS, LineKind.NET})


@dataclass(frozen=True)
class DisposalLine:
    """One line of the statement: what it is, whose, how much, and on what legal basis.
    ``claimed`` is the amount asked for where a claim or agreement may be paid in part."""

    kind: str
    ref: str
    label: str
    amount: Money
    basis: str
    claimed: Money | None = None

    def to_dict(self) -> dict[str, str | None]:
        """The line as strings only (amounts with two decimals and their currency)."""
        return {
            "kind": self.kind,
            "ref": self.ref,
            "label": self.label,
            "amount": self.amount.render(),
            "claimed": self.claimed.render() if self.claimed else None,
            "basis": self.basis,
        }


@dataclass(frozen=True)
class DisposalStatement:
    """The disposal decision: every line in canonical order, gross first; the parts (every
    line but the gross and net subtotals) add up exactly to the gross."""

    register: AssetRegister
    profile: str
    all_lines: tuple[DisposalLine, ...]
    notes: tuple[str, ...]

    @property
    def currency(self) -> str:
        """The one currency of every amount in the statement."""
        return self.register.currency

    def lines(self) -> tuple[DisposalLine, ...]:
        """Every line, gross and net included, in canonical order."""
        return self.all_lines

    def parts(self) -> tuple[DisposalLine, ...]:
        """The lines that divide the gross: expenses, owners, victims, return, share, kept."""
        return tuple(line for line in self.all_lines if line.kind not in SUBTOTALS)

    def total(self, kind: str) -> Decimal:
        """The sum of the lines of one kind."""
        return sum((ln.amount.amount for ln in self.all_lines if ln.kind == kind), Decimal(0))

    def to_dict(self) -> dict[str, Any]:
        """A plain rendering of strings, lists and dicts, the same for the same figures."""
        return {
            "format": FORMAT,
            "register": self.register.reference,
            "profile": self.profile,
            "currency": self.currency,
            "assets": [
                {
                    "id": asset.id,
                    "kind": asset.kind.value,
                    "description_code": asset.description_code,
                    "realised_value": asset.realised_value.render(),
                    "confiscation_order_ref": asset.confiscation_order_ref,
                    "confiscation_order_date": asset.confiscation_order_date.isoformat(),
                    "claim_basis": asset.claim_basis.value,
                    "conversion": None
                    if asset.conversion is None
                    else {
                        "original": asset.conversion.original.render(),
                        "rate": f"{asset.conversion.rate:f}",
                        "source": asset.conversion.source,
                        "on": asset.conversion.on.isoformat(),
                    },
                }
                for asset in sorted(self.register.assets, key=lambda asset: asset.id)
            ],
            "lines": [line.to_dict() for line in self.all_lines],
            "method": METHOD,
            "notes": list(self.notes),
        }

    def canonical_bytes(self) -> bytes:
        """The bytes both States sign: sorted-key, compact, ASCII JSON of ``to_dict``."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return text.encode("ascii")

    def as_text(self) -> str:
        """One line per statement line, for people: kind, reference, amount, basis."""
        rows = [f"Asset disposal {self.register.reference} ({self.profile}, {self.currency})"]
        for line in self.all_lines:
            claimed = f" of {line.claimed.render()}" if line.claimed else ""
            who = f" {line.ref} {line.label}".rstrip()
            rows.append(f"{line.kind}{who}: {line.amount.render()}{claimed}  [{line.basis}]")
        rows += [f"Note: {note}" for note in self.notes]
        return "\n".join(rows) + "\n"


def _cents(money: Money | None) -> int:
    return int((money.amount if money else Decimal(0)) / CENT)


def pro_rata(available: int, claims: Sequence[tuple[str, int]]) -> dict[str, int]:
    """Divide ``available`` cents among ``claims`` (id, cents) by ``METHOD``; the shares
    always add up to ``available`` and none is negative or above its claim. Claims that
    together ask for no more than ``available`` are paid in full."""
    total = sum(amount for _, amount in claims)
    if total <= available:
        return dict(claims)
    exact = {claim_id: Fraction(available * amount, total) for claim_id, amount in claims}
    # round() on a Fraction rounds half to even.
    shares = {claim_id: round(share) for claim_id, share in exact.items()}
    missing = available - sum(shares.values())
    # A missing cent goes to the share that lost most in rounding; a cent too many is taken
    # back from the share that gained most. Ties in id order.
    step = 1 if missing > 0 else -1
    order = sorted(
        exact, key=lambda claim_id: (step * (shares[claim_id] - exact[claim_id]), claim_id)
    )
    for claim_id in order[: abs(missing)]:
        shares[claim_id] += step
    return shares


def check_adds_up(statement: DisposalStatement) -> None:
    """Raise ``DomainError`` unless the parts add up exactly to the gross, the net is the
    gross less the expenses, every amount is in the statement's currency and none is
    negative. The computation proves it of every statement it makes; a receiving State can
    check one it is sent."""
    currency = statement.currency
    for line in statement.all_lines:
        if line.amount.currency != currency or line.amount.amount < 0:
            raise DomainError(f"line {line.kind} {line.ref} is {line.amount.render()}")
    gross = statement.total(LineKind.GROSS)
    parts = sum((line.amount.amount for line in statement.parts()), Decimal(0))
    if parts != gross:
        raise DomainError(f"the parts ({parts:f}) do not add up to the gross ({gross:f})")
    if statement.total(LineKind.NET) != gross - statement.total(LineKind.EXPENSE):
        raise DomainError("the net is not the gross less the expenses")


def compute_disposal(register: AssetRegister, rules: DisposalRules | str) -> DisposalStatement:
    """The disposal decision from the register's figures only, in the order of priority the
    module describes, under a profile's rules (or its code); checked to add up."""
    if isinstance(rules, str):
        rules = rules_for(rules)
    validate_register(register)
    currency = register.currency

    def money(amount: int) -> Money:
        return Money(cents(Decimal(amount) * CENT), currency)

    lines: list[DisposalLine] = []
    notes: list[str] = []
    gross = sum(_cents(asset.realised_value) for asset in register.assets)
    lines.append(DisposalLine(LineKind.GROSS, "", "", money(gross), rules.gross_basis))
    left = gross
    # Step 1: UNCAC 57(4) [V] - expenses first, unless the States decided otherwise.
    if register.expenses_waived_by_agreement:
        notes.append("The States agreed that the requested State's expenses are not deducted.")
    else:
        for expense in sorted(register.expenses, key=lambda expense: expense.id):
            amount = _cents(expense.amount)
            left -= amount
            lines.append(
                DisposalLine(
                    LineKind.EXPENSE,
                    expense.id,
                    expense.category.value,
                    money(amount),
                    rules.expenses_basis,
                )
            )
    lines.append(DisposalLine(LineKind.NET, "", "", money(left), rules.gross_basis))
    # Step 2: UNCAC 57(1), 57(2) [V] - established prior owners and bona fide third parties.
    owners = sorted(register.owner_claims, key=lambda claim: claim.id)
    established = [claim for claim in owners if claim.status is OwnerClaimStatus.ESTABLISHED]
    paid = pro_rata(left, [(claim.id, _cents(claim.amount)) for claim in established])
    for claim in established:
        lines.append(
            DisposalLine(
                LineKind.PRIOR_OWNER,
                claim.id,
                claim.claimant_code,
                money(paid[claim.id]),
                rules.owners_basis,
                claimed=claim.amount,
            )
        )
        left -= paid[claim.id]
    notes += [
        f"Prior owner claim {owner.id} was rejected: nothing is paid on it."
        for owner in owners
        if owner.status is OwnerClaimStatus.REJECTED
    ]
    victims = sorted(register.victim_claims, key=lambda claim: (claim.rank, claim.id))
    if (
        rules.mandatory_public_funds_return
        and register.public_funds
        and (register.final_judgment_in_requesting_state or register.finality_waived)
    ):
        # Step 3: UNCAC 57(3)(a) [V] - the requested State "shall return" the rest.
        lines.append(
            DisposalLine(
                LineKind.PUBLIC_FUNDS_RETURN, "", "", money(left), rules.public_funds_basis
            )
        )
        left = 0
        notes += [
            f"Victim claim {victim.id} passes to the requesting State with the returned public "
            "funds (UNCAC 57(3)(a) [V])."
            for victim in victims
        ]
    else:
        # Step 4: victims by rank, pro rata within a rank (METHOD).
        for rank in sorted({claim.rank for claim in victims}):
            ranked = [claim for claim in victims if claim.rank == rank]
            paid = pro_rata(left, [(claim.id, _cents(claim.amount)) for claim in ranked])
            for victim in ranked:
                lines.append(
                    DisposalLine(
                        LineKind.VICTIM,
                        victim.id,
                        victim.claimant_code,
                        money(paid[victim.id]),
                        rules.victims_basis,
                        claimed=victim.amount,
                    )
                )
                left -= paid[victim.id]
    # Step 5: the agreed share to the requesting State; the requested State keeps the rest,
    # and with it the cent a percentage share loses in rounding.
    sharing = register.sharing
    if sharing is not None:
        if sharing.percentage_to_requesting is not None:
            # round() on a Fraction rounds half to even, to the cent.
            share = round(Fraction(left) * Fraction(sharing.percentage_to_requesting) / 100)
            label = f"{sharing.percentage_to_requesting:f} %"
            claimed = None
        else:
            share = min(left, _cents(sharing.fixed_to_requesting))
            label = "fixed"
            claimed = sharing.fixed_to_requesting
        lines.append(
            DisposalLine(
                LineKind.SHARE_TO_REQUESTING,
                sharing.reference,
                label,
                money(share),
                rules.sharing_basis,
                claimed=claimed,
            )
        )
        left -= share
    lines.append(DisposalLine(LineKind.KEPT_BY_REQUESTED, "", "", money(left), rules.kept_basis))
    statement = DisposalStatement(register, rules.profile, tuple(lines), tuple(notes))
    check_adds_up(statement)
    return statement
