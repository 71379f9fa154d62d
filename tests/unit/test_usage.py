"""Usage policies: purpose limitation, onward transfer per profile, retention (legal.md §4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from comity.domain.catalogue import Profile
from comity.domain.errors import (
    IllegalTransitionError,
    OnwardTransferDeniedError,
    PurposeDeniedError,
    RetentionExpiredError,
)
from comity.domain.events import DataErased
from comity.domain.requests import CooperationRequest
from comity.domain.usage import OnwardTransferMode, UsagePolicy, policy_for
from comity.domain.workflow import Status
from tests.builders import T0, a_request, catalogue, walk

RETENTION = timedelta(days=365)
PROFILES = {code: catalogue().profile(code) for code in ("ahc-2022-proposal", "uncc-2024")}
PROFILES["budapest"] = catalogue().profile("budapest")


def policy(profile: str = "ahc-2022-proposal", **fields: Any) -> UsagePolicy:
    request = a_request(profile=profile)
    request.fields.update(fields)
    return policy_for(request, PROFILES[profile], now=T0, retention=RETENTION)


def additional_use(
    *,
    kind: str = "both",
    purpose_code: str = "admin_proc",
    recipient: str | None = "XC",
    to: str = "XB",
    status: Status = Status.ACCEPTED,
) -> CooperationRequest:
    """An additional_use request this node (XA) sent to ``to``, taken to ``status``."""
    fields: dict[str, Any] = {
        "parent_reference": "XA-1",
        "use_kind": kind,
        "new_purpose": "Disciplinary proceedings against a bank employee",
        "new_purpose_code": purpose_code,
        "justification": "The employee helped the fraud.",
    }
    if recipient is not None:
        fields["onward_recipient"] = {"name": "Police", "kind": "state", "state": recipient}
    request = a_request("additional_use", fields=fields)
    request.requested_state = to
    steps = {
        Status.ACCEPTED: (Status.AWAITING_APPROVAL, Status.APPROVED, Status.SENT, Status.ACCEPTED),
        Status.REFUSED: (Status.AWAITING_APPROVAL, Status.APPROVED, Status.SENT, Status.REFUSED),
        Status.SENT: (Status.AWAITING_APPROVAL, Status.APPROVED, Status.SENT),
        Status.WITHDRAWN: (
            Status.AWAITING_APPROVAL,
            Status.APPROVED,
            Status.SENT,
            Status.ACCEPTED,
            Status.WITHDRAWN,
        ),
    }[status]
    return walk(request, *steps)


@pytest.mark.parametrize(
    ("profile", "mode"),
    [
        ("ahc-2022-proposal", OnwardTransferMode.PROHIBITED),
        ("uncc-2024", OnwardTransferMode.PRIOR_AUTHORISATION),
        ("budapest", OnwardTransferMode.PRIOR_AUTHORISATION),
    ],
)
def test_the_policy_takes_the_purpose_from_the_request_and_the_mode_from_the_profile(
    profile: str, mode: OnwardTransferMode
) -> None:
    made = policy(profile)
    assert made.onward_transfer is mode
    assert made.purpose_code == "criminal_proc"
    assert made.purpose.startswith("Identify the persons")
    assert made.proceedings == ("CYB-2026-0412",)
    assert made.originating_state == "XB"
    assert made.authorised_authorities == ("auth-1",)
    assert made.retention_until == T0 + RETENTION
    assert not made.confidential and not made.legal_hold
    assert made.additional_purposes == made.onward_recipients == ()


def test_a_received_request_s_data_come_from_the_requesting_state() -> None:
    received = a_request(incoming=True)
    made = policy_for(received, PROFILES["uncc-2024"], now=T0, retention=RETENTION)
    assert made.originating_state == "XB" == received.requesting_state
    drafted = a_request()
    drafted.requested_state = "XC"
    sent = policy_for(drafted, PROFILES["uncc-2024"], now=T0, retention=RETENTION)
    assert sent.originating_state == "XC"


def test_confidentiality_and_odd_case_references() -> None:
    assert policy(confidentiality={"keep_substance_confidential": True}).confidential
    assert policy(confidentiality={"keep_fact_confidential": True}).confidential
    assert not policy(confidentiality={"no_notice_to_subject": True}).confidential
    assert not policy(confidentiality="yes").confidential
    assert policy(case_refs="CYB-1").proceedings == ()
    assert policy(case_refs=[{"authority": "x"}, "CYB-2", {"case_no": "C-3"}]).proceedings == (
        "C-3",
    )


def test_a_draft_without_a_purpose_or_a_profile_rule_is_held_to_the_strictest_terms() -> None:
    request = a_request(fields={})
    silent = Profile(
        code="silent",
        title="t",
        description="d",
        instruments=(),
        flags={},
        thresholds={},
        durations={},
        reminders={},
    )
    made = policy_for(request, silent, now=T0, retention=RETENTION)
    assert made.purpose == made.purpose_code == "" and made.proceedings == ()
    assert made.onward_transfer is OnwardTransferMode.PROHIBITED
    made.check_use("", T0)
    with pytest.raises(PurposeDeniedError, match="no stated purpose"):
        made.check_use("criminal_proc", T0)


def test_the_stated_purpose_is_allowed_until_the_retention_date() -> None:
    made = policy()
    made.check_use("criminal_proc", T0)
    made.check_use("criminal_proc", T0 + RETENTION - timedelta(seconds=1))
    with pytest.raises(RetentionExpiredError):
        made.check_use("criminal_proc", T0 + RETENTION)
    with pytest.raises(RetentionExpiredError):
        made.check_use("admin_proc", T0 + RETENTION + timedelta(days=1))


@pytest.mark.parametrize("other", ["admin_proc", "civil_proc", "", "CRIMINAL_PROC"])
def test_another_purpose_is_denied(other: str) -> None:
    with pytest.raises(PurposeDeniedError, match="additional_use") as caught:
        policy().check_use(other, T0)
    assert caught.value.code == "PURPOSE_DENIED"


def test_a_purpose_granted_by_an_accepted_additional_use_is_allowed() -> None:
    granted = policy("uncc-2024").granting([additional_use(kind="new_purpose")])
    assert granted.additional_purposes == ("admin_proc",)
    assert granted.onward_recipients == ()
    granted.check_use("admin_proc", T0)
    with pytest.raises(PurposeDeniedError):
        granted.check_use("civil_proc", T0)


@pytest.mark.parametrize(
    "request_made",
    [
        lambda: additional_use(status=Status.SENT),
        lambda: additional_use(status=Status.REFUSED),
        lambda: additional_use(status=Status.WITHDRAWN),
        lambda: additional_use(to="XC"),
        lambda: a_request(),
        lambda: replace(additional_use(), side=a_request(incoming=True).side),
    ],
    ids=["pending", "refused", "withdrawn", "other-state", "not-additional-use", "received"],
)
def test_requests_that_grant_nothing_are_ignored(request_made: Any) -> None:
    granted = policy("uncc-2024").granting([request_made()])
    assert granted.additional_purposes == granted.onward_recipients == ()
    with pytest.raises(PurposeDeniedError):
        granted.check_use("admin_proc", T0)
    with pytest.raises(OnwardTransferDeniedError):
        granted.check_onward("XC")


def test_the_statement_s_profile_never_allows_onward_transfer_even_with_a_grant() -> None:
    made = policy("ahc-2022-proposal")
    granted = made.granting([additional_use(kind="onward_transfer")])
    assert granted.onward_recipients == ("XC",)
    for candidate in (made, granted):
        with pytest.raises(OnwardTransferDeniedError, match="prohibited") as caught:
            candidate.check_onward("XC")
        assert caught.value.code == "ONWARD_TRANSFER_DENIED"


@pytest.mark.parametrize("profile", ["uncc-2024", "budapest"])
def test_prior_authorisation_allows_only_the_state_granted(profile: str) -> None:
    made = policy(profile)
    with pytest.raises(OnwardTransferDeniedError, match="prior authorisation of XB"):
        made.check_onward("XC")
    granted = made.granting([additional_use(kind="onward_transfer")])
    granted.check_onward("XC")
    with pytest.raises(OnwardTransferDeniedError):
        granted.check_onward("XD")


def test_what_each_kind_of_additional_use_grants() -> None:
    made = policy("uncc-2024")
    both = made.granting([additional_use(kind="both"), additional_use(kind="both")])
    assert both.additional_purposes == ("admin_proc",) and both.onward_recipients == ("XC",)
    transfer = made.granting([additional_use(kind="onward_transfer")])
    assert transfer.additional_purposes == ()
    no_state = made.granting([additional_use(kind="both", recipient=None)])
    assert no_state.onward_recipients == () and no_state.additional_purposes == ("admin_proc",)
    odd = additional_use(kind="both")
    odd.fields["onward_recipient"] = "XC"
    odd.fields["new_purpose_code"] = 7
    assert made.granting([odd]) == made
    default_kind = additional_use(kind="new_purpose")
    del default_kind.fields["use_kind"]
    assert made.granting([default_kind]).additional_purposes == ("admin_proc",)


def test_the_policy_survives_its_record() -> None:
    made = replace(
        policy("budapest").granting([additional_use()]), confidential=True, legal_hold=True
    )
    assert UsagePolicy.from_record(made.as_record()) == made
    minimal = {
        key: value
        for key, value in policy().as_record().items()
        if key not in ("legal_hold", "additional_purposes", "onward_recipients")
    }
    assert UsagePolicy.from_record(minimal) == policy()


def test_erasing_empties_the_fields_once_and_keeps_the_record() -> None:
    request = a_request()
    before = request.digest()
    request.events.clear()
    later = T0 + RETENTION
    assert request.erase(actor_id="system", now=later) == before
    assert request.fields == {} and request.erased_at == later and request.updated_at == later
    assert request.status is Status.DRAFT and len(request.history) == 1
    (event,) = request.events
    assert isinstance(event, DataErased) and event.digest == before
    with pytest.raises(IllegalTransitionError):
        request.erase(actor_id="system", now=later)
