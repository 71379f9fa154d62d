"""Usage policies: what the data of a request may be used for, by whom, and for how long.

Every request carries one from the moment it is created or received (architecture §6;
legal.md §4): the purpose and proceedings it names (DP-S3), the State the data come from, the
onward-transfer mode of its framework profile (DP-S5 under the statement's profile; prior
authorisation under UNCC art. 36 and 2AP art. 14(10): DP-U5, DP-P10), the retention date
(DP-S6, DP-P5) and its confidentiality. A new purpose or an onward recipient is allowed only
once the originating State accepted an ``additional_use`` request (DP-S4). The checks raise;
the node enforces them on every read and forward.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from comity.domain.catalogue import Profile
from comity.domain.errors import (
    OnwardTransferDeniedError,
    PurposeDeniedError,
    RetentionExpiredError,
)
from comity.domain.requests import CooperationRequest
from comity.domain.values import Side
from comity.domain.workflow import Status

ADDITIONAL_USE = "additional_use"


class OnwardTransferMode(StrEnum):
    """Whether data may go on to a third State or body (legal.md §4.5, D10)."""

    # The statement's model: transfer to third parties is prohibited, with no override (Q7).
    PROHIBITED = "prohibited"
    # UNCC art. 36, 2AP art. 14(10): only with the originating State's prior authorisation.
    PRIOR_AUTHORISATION = "prior_authorisation"


@dataclass(frozen=True)
class UsagePolicy:
    """The terms under which this node holds a request's data."""

    purpose: str
    purpose_code: str
    # The proceedings the request names (its case references).
    proceedings: tuple[str, ...]
    # The State the data come from: the requested State for data this State asked for, the
    # requesting State for a request received from it.
    originating_state: str
    authorised_authorities: tuple[str, ...]
    onward_transfer: OnwardTransferMode
    retention_until: datetime
    confidential: bool = False
    # A documented reason to keep the data past the retention date (DP-S6): never swept.
    legal_hold: bool = False
    # What accepted ``additional_use`` requests allow besides the original purpose.
    additional_purposes: tuple[str, ...] = ()
    onward_recipients: tuple[str, ...] = ()

    def check_retention(self, now: datetime) -> None:
        """Raise ``RETENTION_EXPIRED`` once the retention date has come."""
        if now >= self.retention_until:
            raise RetentionExpiredError(
                f"the data were to be kept until {self.retention_until.isoformat()}"
            )

    def check_use(self, purpose_code: str, now: datetime) -> None:
        """Raise unless the data may be used for ``purpose_code`` at ``now``."""
        self.check_retention(now)
        if purpose_code != self.purpose_code and purpose_code not in self.additional_purposes:
            raise PurposeDeniedError(
                f"the data may be used for {self.purpose_code or 'no stated purpose'} only; "
                f"{purpose_code or 'another purpose'} needs an additional_use request "
                f"granted by {self.originating_state} (Statement Q7)"
            )

    def check_onward(self, recipient_state: str) -> None:
        """Raise unless the data may be passed on to ``recipient_state``."""
        if self.onward_transfer is OnwardTransferMode.PROHIBITED:
            raise OnwardTransferDeniedError(
                "transfer of the data to third parties is prohibited under this framework "
                "(Statement Q7)"
            )
        if recipient_state not in self.onward_recipients:
            raise OnwardTransferDeniedError(
                f"onward transfer to {recipient_state} needs the prior authorisation of "
                f"{self.originating_state} (UNCC art. 36; 2AP art. 14(10)): an accepted "
                "additional_use request"
            )

    def granting(self, additional_uses: Iterable[CooperationRequest]) -> UsagePolicy:
        """This policy with what the originating State granted through ``additional_uses``
        (requests of type ``additional_use`` this node sent); others are ignored."""
        purposes = list(self.additional_purposes)
        recipients = list(self.onward_recipients)
        for request in additional_uses:
            if not self._grants(request):
                continue
            kind = str(request.fields.get("use_kind", "new_purpose"))
            code = request.fields.get("new_purpose_code")
            if kind in ("new_purpose", "both") and isinstance(code, str):
                purposes.append(code)
            recipient = request.fields.get("onward_recipient")
            state = recipient.get("state") if isinstance(recipient, Mapping) else None
            if kind in ("onward_transfer", "both") and isinstance(state, str):
                recipients.append(state)
        return replace(
            self,
            additional_purposes=tuple(dict.fromkeys(purposes)),
            onward_recipients=tuple(dict.fromkeys(recipients)),
        )

    def _grants(self, request: CooperationRequest) -> bool:
        """An ``additional_use`` this node sent to the originating State, which accepted it
        (and that was not withdrawn since)."""
        return (
            request.type_code == ADDITIONAL_USE
            and request.side is Side.REQUESTING
            and request.requested_state == self.originating_state
            and request.status is not Status.WITHDRAWN
            and any(entry.to_status is Status.ACCEPTED for entry in request.history)
        )

    def as_record(self) -> dict[str, Any]:
        """The policy as plain JSON values."""
        return {
            "purpose": self.purpose,
            "purpose_code": self.purpose_code,
            "proceedings": list(self.proceedings),
            "originating_state": self.originating_state,
            "authorised_authorities": list(self.authorised_authorities),
            "onward_transfer": str(self.onward_transfer),
            "retention_until": self.retention_until.isoformat(),
            "confidential": self.confidential,
            "legal_hold": self.legal_hold,
            "additional_purposes": list(self.additional_purposes),
            "onward_recipients": list(self.onward_recipients),
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> UsagePolicy:
        """The policy ``as_record`` wrote."""
        return cls(
            purpose=str(record["purpose"]),
            purpose_code=str(record["purpose_code"]),
            proceedings=tuple(record["proceedings"]),
            originating_state=str(record["originating_state"]),
            authorised_authorities=tuple(record["authorised_authorities"]),
            onward_transfer=OnwardTransferMode(record["onward_transfer"]),
            retention_until=datetime.fromisoformat(record["retention_until"]),
            confidential=bool(record["confidential"]),
            legal_hold=bool(record.get("legal_hold", False)),
            additional_purposes=tuple(record.get("additional_purposes", ())),
            onward_recipients=tuple(record.get("onward_recipients", ())),
        )


def policy_for(
    request: CooperationRequest, profile: Profile, *, now: datetime, retention: timedelta
) -> UsagePolicy:
    """The usage policy of ``request`` under ``profile``, its retention counted from ``now``.

    A profile that says nothing about onward transfer is read as prohibiting it: the node
    never lets data go on without an explicit rule that allows it.
    """
    fields = request.fields
    confidentiality = fields.get("confidentiality")
    confidential = isinstance(confidentiality, Mapping) and any(
        bool(confidentiality.get(name))
        for name in ("keep_fact_confidential", "keep_substance_confidential")
    )
    refs = fields.get("case_refs")
    proceedings = tuple(
        str(ref["case_no"])
        for ref in (refs if isinstance(refs, list) else [])
        if isinstance(ref, Mapping) and ref.get("case_no")
    )
    originating = (
        request.requested_state if request.side is Side.REQUESTING else request.requesting_state
    )
    mode = profile.flags.get("onward_transfer_mode", OnwardTransferMode.PROHIBITED)
    return UsagePolicy(
        purpose=str(fields.get("purpose", "")),
        purpose_code=str(fields.get("purpose_code", "")),
        proceedings=proceedings,
        originating_state=originating,
        authorised_authorities=(request.authority_id,),
        onward_transfer=OnwardTransferMode(mode),
        retention_until=now + retention,
        confidential=confidential,
    )
