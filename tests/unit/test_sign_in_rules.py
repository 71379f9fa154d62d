"""The pure rules of signing in: throttling, session life, freshness, second factor, single-use
one-time codes (domain.sign_in)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from comity.domain.sign_in import (
    SecondFactor,
    SessionRecord,
    SignInPolicy,
    recently_authenticated,
    retry_after,
    second_factor,
    session_alive,
    usable_step,
    worth_touching,
)

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
POLICY = SignInPolicy(max_failures=3, max_address_failures=4, failure_window=timedelta(minutes=15))


def minutes_ago(*values: float) -> list[datetime]:
    return [NOW - timedelta(minutes=value) for value in values]


def test_fewer_failures_than_the_threshold_do_not_throttle() -> None:
    assert retry_after([], NOW, POLICY) is None
    assert retry_after(minutes_ago(1, 2), NOW, POLICY) is None


def test_failures_older_than_the_window_do_not_count() -> None:
    assert retry_after(minutes_ago(1, 2, 15, 20, 30), NOW, POLICY) is None


def test_the_threshold_throttles_until_the_oldest_counted_failure_leaves_the_window() -> None:
    # The latest three failures are 1, 2 and 10 minutes old: the one 10 minutes old leaves
    # the window in 5 minutes, and then only two remain.
    assert retry_after(minutes_ago(2, 10, 1, 25), NOW, POLICY) == 5 * 60


def test_an_address_has_its_own_threshold() -> None:
    assert retry_after(minutes_ago(1, 2, 3), NOW, POLICY, address=True) is None
    assert retry_after(minutes_ago(1, 2, 3, 4), NOW, POLICY, address=True) == 11 * 60


def test_the_wait_is_never_under_a_second() -> None:
    at_edge = [NOW - POLICY.failure_window + timedelta(milliseconds=1)] * 3
    assert retry_after(at_edge, NOW, POLICY) == 1


def test_a_session_ends_at_its_expiry_or_after_the_idle_timeout() -> None:
    policy = SignInPolicy(idle_timeout=timedelta(minutes=30))
    later = NOW + timedelta(hours=1)

    def alive(last_seen_at: datetime, expires_at: datetime = later) -> bool:
        return session_alive(
            expires_at=expires_at, last_seen_at=last_seen_at, now=NOW, policy=policy
        )

    assert alive(NOW - timedelta(minutes=29))
    assert not alive(NOW - timedelta(minutes=30))
    assert not alive(NOW, expires_at=NOW), "the absolute timeout holds even for a session in use"


def test_a_session_record_applies_both_timeouts() -> None:
    record = SessionRecord(
        user_id="u",
        issued_at=NOW - timedelta(hours=1),
        expires_at=NOW + timedelta(hours=7),
        authenticated_at=NOW - timedelta(hours=1),
        last_seen_at=NOW - timedelta(minutes=5),
    )
    assert record.alive(NOW, SignInPolicy(idle_timeout=timedelta(minutes=10)))
    assert not record.alive(NOW, SignInPolicy(idle_timeout=timedelta(minutes=5)))


def test_a_session_is_touched_at_most_once_a_minute() -> None:
    assert not worth_touching(NOW - timedelta(seconds=59), NOW)
    assert worth_touching(NOW - timedelta(seconds=60), NOW)


def test_a_sign_in_is_recent_within_the_reauthentication_window() -> None:
    policy = SignInPolicy(reauth_window=timedelta(minutes=10))
    assert recently_authenticated(NOW - timedelta(minutes=10), NOW, policy)
    assert not recently_authenticated(NOW - timedelta(minutes=10, seconds=1), NOW, policy)


def test_the_second_factor_follows_enrolment_and_the_nodes_requirement() -> None:
    required = SignInPolicy(require_mfa=True)
    assert second_factor(enrolled=True, policy=POLICY) is SecondFactor.CODE
    assert second_factor(enrolled=True, policy=required) is SecondFactor.CODE
    assert second_factor(enrolled=False, policy=POLICY) is SecondFactor.NONE
    assert second_factor(enrolled=False, policy=required) is SecondFactor.ENROL_FIRST


def test_a_one_time_code_is_accepted_once_and_never_for_an_earlier_step() -> None:
    assert usable_step([100], None) == 100
    assert usable_step([100], 99) == 100
    assert usable_step([100], 100) is None, "the same code twice"
    assert usable_step([99], 100) is None, "an older code from the window after a newer one"
    assert usable_step([], None) is None
    assert usable_step([99, 101], 100) == 101
