"""The life cycle of a request for confiscation (type card T22): by the requested State's own
order, or by giving effect to the requesting State's order, up to its execution.

There are two routes (UNTOC 13(1)(a)/(b) [V]; UNCAC 55(1)(a)/(b) [V]; UNCC 50(1) [K]):

a. the requested State submits the request to its competent authorities "for the purpose of
   obtaining an order of confiscation" (``seek_order``), and records the order once its court
   makes it (``obtain_order``);
b. it submits to them, "with a view to giving effect to it", the confiscation order of a court
   of the requesting State (``give_effect``). UNCAC 55(3)(b) [V] (followed by UNCC 50(3) [K])
   has the requesting State state that the order is final and how bona fide third parties
   were notified and due process ensured; the step records the requested State's finding on
   both, and accepts only ``final`` and ``notified``: an order that is not final or whose
   third parties were not notified is refused with reasons, not given effect. (legal.md
   conditions the statement on the UN profiles; this life cycle applies the stricter rule to
   every profile, since the rights of bona fide third parties are preserved under every one,
   UNTOC 13(8) [V], UNCAC 55(9) [V].)

Either way the order is then executed, and the value realised is recorded as a whole number of
cents with its ISO 4217 currency, never a float (the house rule of ``asset_register``). The
request may be refused, with reasons, until an order is made: the offence is not covered
(UNTOC 13(7) [V]), the evidence is insufficient or untimely, or the property of de minimis
value (UNCAC 55(7) [V]). No clock runs: the conventions set no time limit.
"""

from __future__ import annotations

from decimal import Decimal

from comity.domain.practice.asset_register import CENT, Money, is_currency
from comity.domain.practice.forms import PracticeForm
from comity.domain.practice.lifecycle import (
    LifeCycle,
    PracticeRecord,
    StepRule,
    StepSide,
    ValueKind,
    ValueRule,
    instant_value,
)

REQUESTED = "requested"
ORDER_SOUGHT = "order_sought"
ORDER_MADE = "order_made"
EXECUTED = "executed"
REFUSED = "refused"

#: The catalogue's routes (``fields.route`` of the confiscation type), by the step that takes
#: each.
ROUTES = {"seek_order": "obtain_domestic_order", "give_effect": "execute_foreign_order"}

CONFISCATION = LifeCycle(
    code="confiscation",
    states=(REQUESTED, ORDER_SOUGHT, ORDER_MADE, EXECUTED, REFUSED),
    initial=REQUESTED,
    steps=(
        # Route a: the requested State's own order (UNTOC 13(1)(a); UNCAC 55(1)(a)).
        StepRule(
            "seek_order",
            frozenset({REQUESTED}),
            ORDER_SOUGHT,
            StepSide.REQUESTED,
            values=(ValueRule("proceedings_ref"),),
            basis=("UNTOC 13(1)(a)", "UNCAC 55(1)(a)", "UNCC 50(1)"),
        ),
        StepRule(
            "obtain_order",
            frozenset({ORDER_SOUGHT}),
            ORDER_MADE,
            StepSide.REQUESTED,
            values=(ValueRule("order_ref"), ValueRule("ordered_at", ValueKind.INSTANT)),
            basis=("UNTOC 13(1)(a)", "UNCAC 55(1)(a)"),
        ),
        # Route b: giving effect to the requesting State's final order (UNCAC 55(3)(b)).
        StepRule(
            "give_effect",
            frozenset({REQUESTED}),
            ORDER_MADE,
            StepSide.REQUESTED,
            values=(
                ValueRule("foreign_order_ref"),
                ValueRule("decision_ref"),
                ValueRule("ordered_at", ValueKind.INSTANT),
                ValueRule("order_finality", ValueKind.CHOICE, choices=("final",)),
                ValueRule("third_parties", ValueKind.CHOICE, choices=("notified",)),
            ),
            basis=(
                "UNTOC 13(1)(b)",
                "UNTOC 13(3)(b)",
                "UNCAC 55(1)(b)",
                "UNCAC 55(3)(b)",
                "UNCC 50(3)",
            ),
        ),
        StepRule(
            "refuse",
            frozenset({REQUESTED, ORDER_SOUGHT}),
            REFUSED,
            StepSide.REQUESTED,
            reasoned=True,
            basis=("UNTOC 13(7)", "UNCAC 55(7)"),
        ),
        # The order executed: the value realised, in cents, with its currency.
        StepRule(
            "execute",
            frozenset({ORDER_MADE}),
            EXECUTED,
            StepSide.REQUESTED,
            values=(
                ValueRule("value_realised_cents", ValueKind.COUNT),
                ValueRule("currency"),
                ValueRule("executed_at", ValueKind.INSTANT),
            ),
            basis=("UNTOC 13(1)", "UNCAC 55(1)", "UNCAC 55(9)"),
        ),
    ),
)


def route(record: PracticeRecord) -> str | None:
    """The route taken, as the catalogue names it (``obtain_domestic_order`` or
    ``execute_foreign_order``), or None before either was taken."""
    first = record.last(*ROUTES)
    return None if first is None else ROUTES[first.code]


def ordered_at(record: PracticeRecord) -> str | None:
    """When the order was made or given effect to, in ISO 8601 (UTC), or None."""
    found = instant_value(record.last("obtain_order", "give_effect"), "ordered_at")
    return None if found is None else found.isoformat()


def value_realised(record: PracticeRecord) -> Money | None:
    """The value the execution realised, as money (``1234567`` cents of ``EUR`` is
    ``12345.67 EUR``); None before the execution, or if the recorded currency is not an ISO
    4217 code (which the page shows as a problem rather than a wrong amount)."""
    executed = record.last("execute")
    if executed is None:
        return None
    amount, currency = executed.value("value_realised_cents"), executed.value("currency")
    if not isinstance(amount, int) or not is_currency(currency):
        return None
    return Money(Decimal(amount) * CENT, str(currency))


FORM = PracticeForm(lifecycle=CONFISCATION, type_codes=("confiscation",))
