"""The asset-return life cycle around the signed disposal statement (type card T23; legal.md
§6; UNTOC 14; UNCAC 57; statement Q20). The computation itself is tested in
test_asset_return.py; here, the steps and what they record."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from comity.domain.errors import (
    IllegalTransitionError,
    InvalidFieldsError,
    PermissionDeniedError,
    ReasonRequiredError,
)
from comity.domain.practice import asset_disposal as ad
from comity.domain.practice.asset_register import Money
from comity.domain.practice.lifecycle import PracticeRecord, Step, StepSide, Value, begin, take

pytestmark = pytest.mark.unit

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
RQD, RQG = StepSide.REQUESTED, StepSide.REQUESTING
DIGEST = hashlib.sha256(b"statement").hexdigest()
VALUES: dict[str, dict[str, Value]] = {
    "register": {"register_ref": "REG-2026-5", "assets": 2},
    "decide_disposal": {
        "disposition": "return_to_requesting_state",
        "reason": "Embezzled public funds on a final judgment (UNCAC 57(3)(a))",
    },
    "issue_statement": {"statement_sha256": DIGEST, "statement_id": "st-1"},
    "transfer": {"amount_cents": 250000000, "currency": "EUR", "transfer_ref": "SWIFT-77"},
    "acknowledge_receipt": {"receipt_ref": "XA-TREASURY-9"},
    "conclude": {},
    "refuse": {"reason": "r"},
}
SIDES = dict.fromkeys(VALUES, RQD) | {"acknowledge_receipt": RQG}


def step(
    record: PracticeRecord, code: str, at: datetime = T0, /, **values: Value
) -> PracticeRecord:
    return take(
        record, ad.ASSET_RETURN, code, side=SIDES[code], actor_id="officer", at=at,
        values={**VALUES[code], **values},
    )  # fmt: skip


def issued() -> PracticeRecord:
    record = step(begin(ad.ASSET_RETURN), "register")
    return step(step(record, "decide_disposal", T0 + DAY), "issue_statement", T0 + 2 * DAY)


def test_the_assets_are_registered_disposed_of_stated_transferred_and_acknowledged() -> None:
    record = step(begin(ad.ASSET_RETURN), "register")
    assert record.state == ad.REGISTERED
    assert ad.disposition(record) is None and ad.statement_digest(record) is None
    with pytest.raises(IllegalTransitionError):
        step(record, "transfer")
    record = step(record, "decide_disposal", T0 + DAY)
    assert ad.disposition(record) == "return_to_requesting_state"
    record = step(record, "issue_statement", T0 + 2 * DAY)
    assert record.state == ad.STATEMENT_ISSUED and ad.statement_digest(record) == DIGEST
    assert ad.transferred(record) is None
    record = step(record, "transfer", T0 + 10 * DAY)
    assert record.state == ad.TRANSFERRED
    # 250,000,000 cents are 2,500,000.00 euros.
    assert ad.transferred(record) == Money(Decimal("2500000.00"), "EUR")
    with pytest.raises(PermissionDeniedError):
        take(
            record, ad.ASSET_RETURN, "acknowledge_receipt", side=RQD, actor_id="x", at=T0 + 11 * DAY
        )
    done = step(record, "acknowledge_receipt", T0 + 11 * DAY)
    assert done.state == ad.RETURNED and ad.ASSET_RETURN.is_final(ad.RETURNED)


def test_a_corrected_statement_replaces_the_digest_the_transfer_follows() -> None:
    other = hashlib.sha256(b"corrected").hexdigest()
    record = step(issued(), "issue_statement", T0 + 3 * DAY, statement_sha256=other,
                  statement_id="st-2")  # fmt: skip
    assert record.state == ad.STATEMENT_ISSUED and ad.statement_digest(record) == other
    assert ad.is_statement_digest(DIGEST) and ad.is_statement_digest(other)
    assert not ad.is_statement_digest(DIGEST.upper())
    assert not ad.is_statement_digest(DIGEST[:-1]) and not ad.is_statement_digest(None)


def test_the_disposal_is_one_of_the_routes_of_section_6_with_reasons() -> None:
    registered = step(begin(ad.ASSET_RETURN), "register")
    with pytest.raises(InvalidFieldsError) as refused:
        step(registered, "decide_disposal", T0, disposition="keep_everything")
    assert refused.value.issues[0].path == "values.disposition"
    with pytest.raises(ReasonRequiredError):
        step(registered, "decide_disposal", T0, reason="")
    shared = step(registered, "decide_disposal", T0, disposition="sharing", agreement_ref="AGR-1")
    assert ad.disposition(shared) == "sharing"


def test_nothing_for_the_requesting_state_concludes_the_record() -> None:
    record = step(begin(ad.ASSET_RETURN), "register")
    record = step(record, "decide_disposal", T0, disposition="domestic_disposal", reason="AR-01")
    record = step(record, "issue_statement", T0)
    done = step(record, "conclude", T0 + DAY)
    assert done.state == ad.CONCLUDED and ad.ASSET_RETURN.is_final(ad.CONCLUDED)


def test_a_refusal_is_reasoned_and_comes_before_the_statement() -> None:
    with pytest.raises(ReasonRequiredError):
        step(begin(ad.ASSET_RETURN), "refuse", T0, reason=" ")
    assert step(begin(ad.ASSET_RETURN), "refuse").state == ad.REFUSED
    with pytest.raises(IllegalTransitionError):
        step(issued(), "refuse")


def test_the_transfer_values_are_typed() -> None:
    with pytest.raises(InvalidFieldsError) as refused:
        step(issued(), "transfer", T0 + 3 * DAY, amount_cents="2500000.00", transfer_ref="")
    assert [i.path for i in refused.value.issues] == ["values.amount_cents", "values.transfer_ref"]
    # A currency that is not an ISO 4217 code gives no amount rather than a wrong one.
    odd = step(issued(), "transfer", T0 + 3 * DAY, currency="euro")
    assert ad.transferred(odd) is None
    no_amount = PracticeRecord(
        "asset_return", ad.TRANSFERRED, (Step("transfer", RQD, "a", T0, (("currency", "EUR"),)),)
    )
    assert ad.transferred(no_amount) is None
    assert ad.FORM.clock_side is None and ad.FORM.type_codes == ("asset_return",)


LEGAL = {
    ad.REQUESTED: {"register", "refuse"},
    ad.REGISTERED: {"decide_disposal", "refuse"},
    ad.DISPOSAL_DECIDED: {"issue_statement", "refuse"},
    ad.STATEMENT_ISSUED: {"issue_statement", "transfer", "conclude"},
    ad.TRANSFERRED: {"acknowledge_receipt"},
    ad.RETURNED: set(),
    ad.CONCLUDED: set(),
    ad.REFUSED: set(),
}


@pytest.mark.parametrize("state", list(LEGAL))
@pytest.mark.parametrize("code", list(VALUES))
def test_every_step_is_legal_exactly_where_the_table_says(state: str, code: str) -> None:
    assert set(LEGAL) == set(ad.ASSET_RETURN.states)
    assert set(VALUES) == {rule.code for rule in ad.ASSET_RETURN.steps}
    record = PracticeRecord("asset_return", state)
    if code in LEGAL[state]:
        assert step(record, code).state in ad.ASSET_RETURN.states
    else:
        with pytest.raises(IllegalTransitionError, match=f"{code!r} cannot be taken"):
            step(record, code)
