"""Review statistics without I/O: periods, percentiles checked by hand, outcomes, the
activity rule, and suppression (small cells, the cells hidden with them, and the fallback)."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest

from comity.domain.errors import InvalidFieldsError
from comity.domain.periods import LAST_DAY, Period, parse_period, years_later
from comity.domain.statistics import (
    METHOD,
    CaseFacts,
    Report,
    Step,
    Summary,
    build_report,
    check_min_cell,
    percentile,
    summarise,
    suppress,
)
from comity.domain.values import Side
from comity.domain.workflow import Status

S = Status
T0 = datetime(2025, 2, 1, 8, 0, tzinfo=UTC)
HALF = Period(date(2025, 1, 1), date(2025, 6, 30))
HOUR = 3600.0


def hours(h: float) -> datetime:
    return T0 + timedelta(hours=h)


def received(
    *steps: tuple[S, float],
    acknowledged: float | None = None,
    type_code: str = "mla",
    channel: str = "central_authority",
    profile: str = "ahc-2022-proposal",
    sender: str = "XB",
    at: float = 0,
) -> CaseFacts:
    """A request ``sender`` sent to XA, received ``at`` hours after T0; each step is a
    status and its time in hours after T0."""
    return CaseFacts(
        side=Side.REQUESTED,
        type_code=type_code,
        channel=channel,
        profile=profile,
        requesting_state=sender,
        requested_state="XA",
        steps=(Step(S.RECEIVED, hours(at)), *(Step(s, hours(h)) for s, h in steps)),
        acknowledged_at=None if acknowledged is None else hours(acknowledged),
    )


def sent(*steps: tuple[S, float], to: str = "XB", drafted: float = -10) -> CaseFacts:
    """A request XA drafted and approved ``drafted`` hours after T0, then ``steps``."""
    return CaseFacts(
        side=Side.REQUESTING,
        type_code="mla",
        channel="central_authority",
        profile="ahc-2022-proposal",
        requesting_state="XA",
        requested_state=to,
        steps=(
            Step(S.DRAFT, hours(drafted)),
            Step(S.AWAITING_APPROVAL, hours(drafted + 1)),
            Step(S.APPROVED, hours(drafted + 2)),
            *(Step(s, hours(h)) for s, h in steps),
        ),
    )


def decided(after: float, executed: float | None = None, at: float = 0) -> CaseFacts:
    """Received at ``at``, accepted ``after`` hours later, executed ``executed`` hours
    after the acceptance."""
    steps = [(S.REGISTERED, at + 0.5), (S.UNDER_ASSESSMENT, at + 1), (S.ACCEPTED, at + after)]
    if executed is not None:
        steps += [(S.IN_EXECUTION, at + after + 0.1), (S.EXECUTED, at + after + executed)]
    return received(*steps, at=at)


def report(
    facts: Sequence[CaseFacts], k: int = 5, categories: dict[str, list[str]] | None = None
) -> Report:
    return build_report(
        facts, state="XA", period=HALF, generated_at=hours(1000), k=k, categories=categories
    )


# -- periods ---------------------------------------------------------------------------------


def test_a_period_is_whole_utc_days_both_included() -> None:
    period = parse_period("2025-01-01", "2025-06-30")
    assert period == HALF
    assert period.begins == datetime(2025, 1, 1, tzinfo=UTC)
    assert period.ends == datetime(2025, 7, 1, tzinfo=UTC)
    assert period.holds(period.begins) and period.holds(period.ends - timedelta(microseconds=1))
    assert not period.holds(period.ends) and not period.holds(period.begins - timedelta(1))
    assert not period.holds(None)
    one_day = parse_period("2025-03-04", "2025-03-04")
    assert one_day.ends - one_day.begins == timedelta(days=1)


def test_the_digest_names_the_period_and_nothing_else() -> None:
    expected = hashlib.sha256(b"2025-01-01/2025-06-30").hexdigest()
    assert HALF.digest() == expected and len(expected) == 64
    assert Period(date(2025, 1, 1), date(2025, 7, 1)).digest() != expected


@pytest.mark.parametrize(
    "text",
    [
        "2025-1-01",
        "20250101",
        "2025-W01-1",
        "2025-01-01T00:00",
        " 2025-01-01",
        "2025-02-30",
        "2025-13-01",
        "\u0662\u0660\u0662\u0665-\u0660\u0661-\u0660\u0661",  # Arabic-Indic digits
        "1969-12-31",
        "9999-12-31",
        "",
        "yesterday",
    ],
)
def test_anything_but_a_calendar_day_is_refused(text: str) -> None:
    with pytest.raises(InvalidFieldsError) as raised:
        parse_period(text, "2025-06-30")
    assert [(i.path, i.kind) for i in raised.value.issues] == [("from", "invalid")]
    with pytest.raises(InvalidFieldsError) as raised:
        parse_period("2025-01-01", text)
    assert [(i.path, i.kind) for i in raised.value.issues] == [("to", "invalid")]


def test_both_bad_days_are_reported_at_once() -> None:
    with pytest.raises(InvalidFieldsError) as raised:
        parse_period("2025-02-29", "tomorrow")
    assert [i.path for i in raised.value.issues] == ["from", "to"]


def test_a_period_ends_on_or_after_its_first_day() -> None:
    with pytest.raises(InvalidFieldsError) as raised:
        parse_period("2025-06-30", "2025-06-29")
    (issue,) = raised.value.issues
    assert issue.path == "to" and "ends before it begins" in issue.message


def test_a_period_covers_ten_years_at_most() -> None:
    assert parse_period("2016-01-01", "2025-12-31").last == date(2025, 12, 31)
    with pytest.raises(InvalidFieldsError) as raised:
        parse_period("2016-01-01", "2026-01-01")
    assert "at most 10 years" in raised.value.issues[0].message
    # From 29 February, ten years later is 1 March.
    assert parse_period("2016-02-29", "2026-02-28").first == date(2016, 2, 29)
    with pytest.raises(InvalidFieldsError):
        parse_period("2016-02-29", "2026-03-01")
    # At the end of the calendar the limit is the last day there is.
    assert parse_period("9995-01-01", LAST_DAY.isoformat()).last == LAST_DAY


def test_years_later() -> None:
    assert years_later(date(2024, 5, 6), 10) == date(2034, 5, 6)
    assert years_later(date(2024, 2, 29), 10) == date(2034, 3, 1)
    assert years_later(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert years_later(date(9995, 1, 1), 10) == date.max


def test_the_threshold_is_the_node_s_unless_a_higher_one_is_asked_for() -> None:
    assert check_min_cell(None, 5) == 5
    assert check_min_cell(5, 5) == 5
    assert check_min_cell(11, 5) == 11
    with pytest.raises(InvalidFieldsError) as raised:
        check_min_cell(4, 5)
    (issue,) = raised.value.issues
    assert (issue.path, issue.message) == ("min_cell", "at least 5 on this node")


# -- percentiles -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "expected"), [(5, 15), (30, 20), (40, 20), (50, 35), (90, 50), (100, 50)]
)
def test_nearest_rank_percentiles_checked_by_hand(p: int, expected: float) -> None:
    # The textbook example: 15 20 35 40 50; rank = ceil(p/100 * 5).
    assert percentile([50, 15, 40, 20, 35], p) == expected


def test_percentiles_of_ten_and_of_one_value() -> None:
    values = [float(v) for v in range(10, 0, -1)]  # 10 … 1, unsorted on purpose
    # ceil(0.5 * 10) = 5, ceil(0.9 * 10) = 9, ceil(0.95 * 10) = 10
    assert [percentile(values, p) for p in (50, 90, 95)] == [5, 9, 10]
    assert [percentile([7.0], p) for p in (1, 50, 100)] == [7, 7, 7]


@pytest.mark.parametrize(("values", "p"), [([], 50), ([1.0], 0), ([1.0], 101)])
def test_a_percentile_needs_values_and_a_rank_in_range(values: list[float], p: int) -> None:
    with pytest.raises(ValueError, match="percentile"):
        percentile(values, p)


def test_a_summary_in_hours_or_whole_seconds_or_suppressed() -> None:
    values = [h * HOUR for h in (1.5, 2.25, 3, 10, 40.333)]
    assert summarise(values, 5, ("p50", "p90", "p95"), unit=3600) == Summary(
        5, (("p50", 3.0), ("p90", 40.33), ("p95", 40.33))
    )
    seconds = [59.9, 60.4, 120.0, 3599.99, 7.2]
    assert summarise(seconds, 5, ("p50", "max"), unit=1) == Summary(5, (("p50", 60), ("max", 3599)))
    assert summarise(seconds[:4], 5, ("p50",), unit=1) == Summary(None)
    assert summarise([], 1, ("p50",), unit=1) == Summary(None)


# -- suppression -----------------------------------------------------------------------------


def test_nothing_is_hidden_when_every_count_reaches_the_threshold() -> None:
    assert suppress({"b": 7, "a": 5}, 5) == {"a": 5, "b": 7}
    assert suppress({}, 5) == {}
    # A threshold of 1 protects nothing: even zeros are shown.
    assert suppress({"b": 1, "a": 0}, 1) == {"a": 0, "b": 1}


def test_a_zero_alone_is_not_left_to_be_worked_out_either() -> None:
    # Whether a hidden cell is 0 or 3, the same cells are hidden with it: what is hidden
    # does not tell which.
    assert suppress({"a": 0, "b": 7, "c": 20}, 5) == suppress({"a": 3, "b": 7, "c": 20}, 5)
    assert suppress({"a": 0, "b": 7, "c": 20}, 5) == {"a": None, "b": None, "c": 20}


def test_a_small_cell_is_hidden_with_the_smallest_other_so_no_subtraction_gives_it() -> None:
    assert suppress({"a": 2, "b": 7, "c": 20}, 5) == {"a": None, "b": None, "c": 20}


def test_small_cells_hidden_together_need_no_other() -> None:
    assert suppress({"a": 1, "b": 2, "c": 9}, 5) == {"a": None, "b": None, "c": 9}
    # Zeros are below the threshold: hidden, and they protect each other.
    assert suppress({"a": 0, "b": 0, "c": 9}, 5) == {"a": None, "b": None, "c": 9}


def test_small_cells_that_could_only_all_be_k_minus_one_are_not_left_alone() -> None:
    # Two cells below 5 adding up to 8 must both be 4: a third is hidden with them.
    assert suppress({"a": 4, "b": 4, "c": 9}, 5) == {"a": None, "b": None, "c": None}
    # With k = 2 a small cell is always 1: two of them adding up to 2 say so.
    assert suppress({"a": 1, "b": 1, "c": 2, "d": 6}, 2) == {
        "a": None,
        "b": None,
        "c": None,
        "d": 6,
    }


def test_equal_counts_are_hidden_together() -> None:
    # Hiding b but not c (both 6) would tell that b is 6 (at least 5, at most c).
    assert suppress({"a": 3, "b": 6, "c": 6, "d": 30}, 5) == {
        "a": None,
        "b": None,
        "c": None,
        "d": 30,
    }


def test_a_dimension_that_cannot_be_protected_says_so() -> None:
    assert suppress({"all": 3}, 5) is None
    assert suppress({"all": 0}, 5) is None
    assert suppress({"a": 4, "b": 4}, 5) is None


@pytest.mark.parametrize("k", [2, 3, 5])
def test_no_hidden_cell_follows_from_the_total_and_the_cells_shown(k: int) -> None:
    """For every dimension of three cells up to 8 (zeros included), whatever is hidden can
    be worked out neither by subtraction nor by knowing small cells are below k."""
    for counts in itertools.product(range(9), repeat=3):
        cells = dict(zip("abc", counts, strict=True))
        result = suppress(cells, k)
        if result is None:
            continue
        hidden = [key for key, value in result.items() if value is None]
        rest = sum(cells.values()) - sum(v for v in result.values() if v is not None)
        for key in hidden:
            # Values each hidden cell can take, given the others are hidden too and each is
            # 0..k-1 when below k: more than one, unless there is nothing to hide.
            small = [key2 for key2 in hidden if cells[key2] < k]
            if len(small) == len(hidden):
                options = {
                    combo[hidden.index(key)]
                    for combo in itertools.product(range(k), repeat=len(hidden))
                    if sum(combo) == rest
                }
            else:
                options = set(range(rest + 1))
            # Knowing a category had no request tells nothing of a case.
            assert len(options) > 1 or options == {0}, (cells, k, result)


# -- facts: activity, outcome ----------------------------------------------------------------


def test_a_draft_never_sent_is_not_counted() -> None:
    draft = sent()
    assert draft.exchanged() is None and not draft.active_in(HALF)
    assert report([draft]).counts["total"] == {"all": None}


def test_activity_starts_when_a_request_is_sent_or_received() -> None:
    # Drafted in the period, sent after it: not active in it.
    late = sent((S.SENT, 24 * 200), drafted=0)
    assert not late.active_in(HALF)
    # Sent before the period, a step in it: active.
    before = T0 - datetime(2024, 12, 1, tzinfo=UTC)
    old = sent((S.SENT, -before.total_seconds() / 3600), (S.ACCEPTED, 5), drafted=-4000)
    assert old.active_in(HALF)
    # Received before and only acknowledged in the period: active.
    quiet = received(acknowledged=10, at=-24 * 60)
    assert quiet.active_in(Period(date(2025, 2, 1), date(2025, 2, 1)))
    assert not quiet.active_in(Period(date(2025, 3, 1), date(2025, 3, 31)))


@pytest.mark.parametrize(
    ("steps", "outcome"),
    [
        ((), "pending"),
        (((S.REGISTERED, 1), (S.UNDER_ASSESSMENT, 2)), "pending"),
        (((S.MORE_INFO_REQUESTED, 1), (S.INFO_SUPPLIED, 2)), "pending"),
        (((S.UNDER_ASSESSMENT, 1), (S.ACCEPTED, 2)), "granted"),
        (((S.ACCEPTED, 2), (S.IN_EXECUTION, 3)), "granted"),
        (((S.ACCEPTED_IN_PART, 2), (S.IN_EXECUTION, 3)), "granted_in_part"),
        (((S.ACCEPTED_IN_PART, 2),), "granted_in_part"),
        (((S.ACCEPTED_IN_PART, 2), (S.IN_EXECUTION, 3), (S.EXECUTED, 4)), "executed"),
        (((S.EXECUTED, 4), (S.CLOSED, 5)), "executed"),
        (((S.REFUSED, 2), (S.CLOSED, 3)), "refused"),
        (((S.WITHDRAWN, 2),), "withdrawn"),
        (((S.EXPIRED, 2),), "expired"),
        (((S.POSTPONED, 2),), "postponed"),
        (((S.CONDITIONS_PROPOSED, 2),), "conditions_proposed"),
    ],
)
def test_the_outcome_is_the_last_status_a_closing_step_skipped(
    steps: tuple[tuple[S, float], ...], outcome: str
) -> None:
    assert received(*steps).outcome(hours(100)) == outcome


def test_the_outcome_is_taken_at_the_end_of_the_period() -> None:
    case = received((S.UNDER_ASSESSMENT, 1), (S.REFUSED, 50))
    assert case.outcome(hours(49)) == "pending"
    assert case.outcome(hours(51)) == "refused"
    assert case.outcome(hours(-1)) == "pending"


def test_in_execution_without_an_acceptance_counts_as_granted() -> None:
    # The requesting side mirrors a postponed request going straight into execution.
    case = sent((S.SENT, 0), (S.POSTPONED, 5), (S.IN_EXECUTION, 9))
    assert case.outcome(hours(10)) == "granted"


# -- the report ------------------------------------------------------------------------------


def test_counts_by_every_dimension_with_small_cells_suppressed() -> None:
    facts = [decided(10 * i, executed=i, at=i) for i in range(1, 7)]  # 6 executed, XB
    facts += [received(type_code="preservation", channel="network_24_7", sender="XC")] * 5
    facts += [received((S.REFUSED, 20))]
    facts += [sent((S.SENT, 0)), sent((S.SENT, 1), (S.ACCEPTED, 30))]
    categories = {
        "type": ["mla", "preservation", "extradition", "subscriber_info"],
        "channel": ["central_authority", "network_24_7", "diplomatic", "police"],
        "profile": ["ahc-2022-proposal", "uncc-2024", "budapest"],
        "state_pair": ["XA->XB", "XB->XA", "XA->XC", "XC->XA", "XA->XD", "XD->XA"],
    }
    counts = report(facts, categories=categories).counts
    assert counts["total"] == {"all": 14}
    # Categories with no request are listed, suppressed like any count below 5.
    assert counts["type"] == {
        "extradition": None,
        "mla": 9,
        "preservation": 5,
        "subscriber_info": None,
    }
    assert counts["channel"] == {
        "central_authority": 9,
        "diplomatic": None,
        "network_24_7": 5,
        "police": None,
    }
    assert counts["profile"] == {"ahc-2022-proposal": 14, "budapest": None, "uncc-2024": None}
    assert counts["outcome"] == {
        "conditions_proposed": None,
        "executed": 6,
        "expired": None,
        "granted": None,
        "granted_in_part": None,
        "pending": 6,
        "postponed": None,
        "refused": None,
        "withdrawn": None,
    }
    # XA->XB (2) is hidden with the zeros; XB->XA and XC->XA are shown.
    assert counts["state_pair"] == {
        "XA->XB": None,
        "XA->XC": None,
        "XA->XD": None,
        "XB->XA": 7,
        "XC->XA": 5,
        "XD->XA": None,
    }


def test_without_categories_only_what_occurs_is_listed_and_pairs_come_in_both_ways() -> None:
    facts = [decided(1)] * 6
    counts = report(facts).counts
    assert counts["type"] == {"mla": 6}
    # XA->XB (0) alone hidden would be 6 - 6: XB->XA is hidden with it.
    assert counts["state_pair"] == {"XA->XB": None, "XB->XA": None}
    assert report(facts, k=1).counts["state_pair"] == {"XA->XB": 0, "XB->XA": 6}


def test_one_dimension_that_cannot_be_protected_hides_every_count() -> None:
    # XB->XA 4 and XA->XB 4: both below 5, and with the total of 8 both would be known.
    facts = [decided(1)] * 4 + [sent((S.SENT, 0))] * 4
    counts = report(facts).counts
    assert counts["total"] == {"all": None}
    assert counts["state_pair"] == {"XA->XB": None, "XB->XA": None}
    assert all(value is None for cells in counts.values() for value in cells.values())
    # A lower threshold shows them.
    assert report(facts, k=4).counts["state_pair"] == {"XA->XB": 4, "XB->XA": 4}


def test_an_empty_period_shows_nothing() -> None:
    empty = report([])
    assert empty.counts["total"] == {"all": None}
    assert empty.turnaround["received"]["receipt_to_decision"] == Summary(None)
    assert empty.acknowledgement["sent"] == Summary(None)


def test_turnaround_percentiles_checked_by_hand() -> None:
    # Decisions after 10, 20, …, 60 hours; executions 1 … 5 hours after five of them.
    facts = [decided(10 * i, executed=i if i < 6 else None, at=i) for i in range(1, 7)]
    # A refusal after 100 hours is a decision too.
    facts.append(received((S.REFUSED, 100)))
    # Decided after the period: no duration in it.
    facts.append(decided(10, executed=1, at=24 * 180))
    result = report(facts)
    received_ = result.turnaround["received"]
    # 10 20 30 40 50 60 100: ranks ceil(3.5) = 4, ceil(6.3) = 7, ceil(6.65) = 7
    assert received_["receipt_to_decision"] == Summary(
        7, (("p50", 40.0), ("p90", 100.0), ("p95", 100.0))
    )
    # 1 2 3 4 5: ranks 3, 5, 5
    assert received_["decision_to_execution"] == Summary(
        5, (("p50", 3.0), ("p90", 5.0), ("p95", 5.0))
    )
    assert result.turnaround["sent"]["receipt_to_decision"] == Summary(None)


def test_a_duration_belongs_to_the_period_its_end_falls_in() -> None:
    # Received in December 2024, decided in February 2025, executed in July 2025.
    case = received((S.ACCEPTED, 10), (S.IN_EXECUTION, 11), (S.EXECUTED, 24 * 160), at=-24 * 60)
    spring = report([case] * 5, k=1).turnaround["received"]
    assert spring["receipt_to_decision"].n == 5
    assert spring["receipt_to_decision"].stats[0] == ("p50", 24 * 60 + 10.0)
    assert spring["decision_to_execution"] == Summary(None)
    # A refusal is never executed; an execution with no decision before it is not timed.
    refused = received((S.REFUSED, 3))
    odd = sent((S.SENT, 0), (S.POSTPONED, 2), (S.IN_EXECUTION, 3), (S.EXECUTED, 4))
    assert report([refused, odd], k=1).turnaround["received"]["decision_to_execution"] == (
        Summary(None)
    )
    assert report([odd], k=1).turnaround["sent"]["decision_to_execution"] == Summary(None)


def test_sent_requests_are_timed_from_their_first_sending() -> None:
    case = sent(
        (S.SENT, 0), (S.MORE_INFO_REQUESTED, 5), (S.SENT, 8), (S.ACCEPTED_IN_PART, 12),
        (S.IN_EXECUTION, 13), (S.EXECUTED, 18),
    )  # fmt: skip
    timed = report([case], k=1).turnaround["sent"]
    assert timed["receipt_to_decision"] == Summary(1, (("p50", 12.0), ("p90", 12.0), ("p95", 12.0)))
    assert timed["decision_to_execution"] == Summary(1, (("p50", 6.0), ("p90", 6.0), ("p95", 6.0)))


def test_acknowledgement_times_checked_by_hand() -> None:
    seconds = [60, 120, 180, 240, 3600]
    facts = [
        received(acknowledged=s / HOUR, type_code="preservation", channel="network_24_7")
        for s in seconds
    ]
    # Acknowledged after the period: not in it.
    facts.append(received(acknowledged=24 * 200, at=24 * 149))
    result = report(facts)
    # ranks: ceil(2.5) = 3, ceil(4.5) = 5, ceil(4.75) = 5
    assert result.acknowledgement["received"] == Summary(
        5, (("p50", 180), ("p90", 3600), ("p95", 3600), ("max", 3600))
    )
    assert result.acknowledgement["sent"] == Summary(None)
    # One fewer and the group is suppressed.
    assert report(facts[1:]).acknowledgement["received"] == Summary(None)


def test_the_report_carries_its_header_and_method() -> None:
    result = report([], k=7)
    assert (result.state, result.period, result.min_cell) == ("XA", HALF, 7)
    assert result.generated_at == hours(1000)
    assert "below 7" in result.method and "fewer than 7 values" in result.method
    assert result.method == METHOD.format(k=7)


def test_the_threshold_is_at_least_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        report([], k=0)
