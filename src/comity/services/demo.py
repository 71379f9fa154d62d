"""Demo data for a fictional State's node: users of every role and requests in several statuses.

Used by ``make run`` and by tests. Seeding runs the ordinary handlers, so the demo data pass
the same checks, audit and deadlines as anything an officer enters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from comity.domain.access import User
from comity.domain.commands import AddUser, CreateDraft, EditDraft, MoveRequest, RecordIncoming
from comity.domain.values import Channel, Role, Urgency
from comity.domain.workflow import Status
from comity.services import node, requests, users
from comity.services.context import ServiceContext

DEMO_PASSWORD = "comity-demo-2026"


@dataclass(frozen=True)
class DemoAccount:
    """A demo user: name, roles and authority code."""

    username: str
    roles: frozenset[Role]
    authority: str


DEMO_ACCOUNTS = (
    DemoAccount("drafter", frozenset({Role.DRAFTER}), "central"),
    DemoAccount("drafter2", frozenset({Role.DRAFTER}), "central"),
    DemoAccount("approver", frozenset({Role.APPROVER}), "central"),
    # Drafts and approves, so the four-eyes rule can be seen refusing self-approval.
    DemoAccount("senior", frozenset({Role.DRAFTER, Role.APPROVER}), "central"),
    DemoAccount("executor", frozenset({Role.EXECUTOR}), "central"),
    DemoAccount("duty", frozenset({Role.DUTY_OFFICER, Role.DRAFTER}), "poc247"),
    DemoAccount("dpo", frozenset({Role.DPO}), "central"),
    DemoAccount("auditor", frozenset({Role.AUDITOR}), "central"),
    DemoAccount("admin", frozenset({Role.ADMIN}), "central"),
)


def example_mla_fields(state: str = "XA") -> dict[str, Any]:
    """A complete request for mutual legal assistance about a phishing fraud (fictional)."""
    return {
        "requesting_authority": {
            "name": f"Central Authority of {state}",
            "kind": "central_authority",
            "officer": "Duty lawyer, MLA unit",
            "email": "mla@central.example",
            "time_zone": "UTC",
        },
        "conducting_authority": {
            "name": "Office of the Prosecutor General, Cybercrime Division",
            "functions": "Directs the criminal investigation",
        },
        "case_refs": [{"case_no": "CYB-2026-0412", "authority": "Prosecutor General"}],
        "language": "en",
        "offences": [
            {
                "conduct": "computer_fraud",
                "label": "Computer-related fraud",
                "legal_provision": "Criminal Code art. 231",
                "max_penalty_months": 84,
                "penalty_types": ["imprisonment", "fine"],
                "death_penalty_possible": False,
                "date_or_period": "2026-01 to 2026-03",
                "convention_offence": True,
            }
        ],
        "facts_summary": (
            "Between January and March 2026 a phishing campaign impersonating a bank "
            "collected the credentials of 1,200 customers; 3.4 million in funds were moved "
            "to mule accounts. The phishing pages were hosted by a provider in the requested "
            "State."
        ),
        "proceeding_nature": "investigation",
        "assistance_sought": (
            "Disclosure of subscriber information and connection logs for the hosting "
            "account that served the phishing pages."
        ),
        "purpose": "Identify the persons who operated the phishing pages, for prosecution.",
        "purpose_code": "criminal_proc",
        "measures": ["stored_data_access"],
        "data_categories": ["subscriber", "traffic"],
        "data_targets": [
            {
                "description": "Subscriber details and access logs of the hosting account",
                "identifiers": ["account 88412", "203.0.113.7"],
                "provider": "Example Hosting Ltd",
                "data_categories": ["subscriber", "traffic"],
                "date_from": "2026-01-01",
                "date_to": "2026-03-31",
                "nexus_to_offence": "The account served the phishing pages used in the fraud.",
            }
        ],
        "necessity_rationale": (
            "The account holder is the main suspect; the period covers the campaign."
        ),
        "judicial_authorisation": {
            "issuing_authority": "Investigating judge, District Court",
            "reference": "ORD-2026-77",
            "date": "2026-04-02",
        },
    }


def example_preservation_fields(state: str = "XA") -> dict[str, Any]:
    """A complete request to preserve stored data (fictional)."""
    fields = example_mla_fields(state)
    return {
        "requesting_authority": {
            "name": f"24/7 Point of Contact of {state}",
            "kind": "poc_24_7",
        },
        "case_refs": fields["case_refs"],
        "language": "en",
        "offences": fields["offences"],
        "facts_summary": fields["facts_summary"],
        "purpose": fields["purpose"],
        "purpose_code": "criminal_proc",
        "urgency_reasons": "Providers keep connection logs for 30 days only.",
        "data_to_preserve": [
            {
                "description": "Access logs and subscriber data of the hosting account",
                "identifiers": ["account 88412"],
                "data_categories": ["subscriber", "traffic"],
                "date_from": "2026-01-01",
                "date_to": "2026-03-31",
            }
        ],
        "nexus_to_offence": "The account served the phishing pages.",
        "necessity": "The logs will be deleted by the provider within weeks.",
        "mla_intended": True,
    }


def seed(ctx: ServiceContext) -> bool:
    """Create the demo users and requests; False (and nothing done) if they already exist."""
    node.ensure_authorities(ctx)
    existing = {user.username for user in users.list_users(ctx)}
    if existing & {account.username for account in DEMO_ACCOUNTS}:
        return False
    seed_accounts(ctx)
    people = {user.username: user for user in users.list_users(ctx)}
    _seed_outgoing(ctx, people)
    _seed_incoming(ctx)
    return True


def seed_accounts(ctx: ServiceContext) -> list[DemoAccount]:
    """Create the demo users that do not exist yet, and no requests; return those created.

    For nodes whose requests arrive from other nodes (``comity demo up``): seeded requests
    would claim to come from States that never sent them.
    """
    node.ensure_authorities(ctx)
    existing = {user.username for user in users.list_users(ctx)}
    created = [account for account in DEMO_ACCOUNTS if account.username not in existing]
    for account in created:
        users.add_user(
            ctx,
            command=AddUser(
                username=account.username,
                password=DEMO_PASSWORD,
                roles=account.roles,
                authority_code=account.authority,
            ),
        )
    return created


def _seed_outgoing(ctx: ServiceContext, people: dict[str, User]) -> None:
    drafter, approver = people["drafter"], people["approver"]
    complete = example_mla_fields(ctx.state)
    incomplete = {key: complete[key] for key in ("language", "facts_summary", "offences")}
    requests.create_draft(
        ctx,
        actor=drafter,
        command=CreateDraft("mla", "XB", fields=incomplete),
    )
    awaiting = requests.create_draft(
        ctx, actor=drafter, command=CreateDraft("mla", "XB", fields=complete)
    )
    requests.submit(ctx, actor=drafter, request_id=awaiting.request.id)
    approved = requests.create_draft(
        ctx,
        actor=drafter,
        command=CreateDraft(
            "mla",
            "XC",
            urgency=Urgency.URGENT,
            fields={**complete, "urgency_reasons": "The suspect is about to leave XC."},
        ),
    )
    requests.submit(ctx, actor=drafter, request_id=approved.request.id)
    requests.approve(ctx, actor=approver, request_id=approved.request.id, comment="Checked.")
    withdrawn = requests.create_draft(
        ctx, actor=drafter, command=CreateDraft("mla", "XC", fields={"language": "fr"})
    )
    requests.edit_draft(
        ctx,
        actor=drafter,
        command=EditDraft(withdrawn.request.id, fields_patch={"purpose": "Superseded."}),
    )
    requests.withdraw(
        ctx,
        actor=drafter,
        request_id=withdrawn.request.id,
        reason="The suspect was arrested at home; assistance no longer needed.",
    )


def _seed_incoming(ctx: ServiceContext) -> None:
    authorities = {item.code: item for item in node.authorities(ctx)}
    executor = _user(ctx, "executor")
    duty = _user(ctx, "duty")
    incoming = requests.record_incoming(
        ctx,
        command=RecordIncoming(
            type_code="mla",
            requesting_state="XB",
            authority_id=authorities["central"].id,
            profile="ahc-2022-proposal",
            urgency=Urgency.ROUTINE,
            channel=Channel.CENTRAL_AUTHORITY,
            fields=example_mla_fields("XB"),
        ),
        actor_id="system",
    )
    for step in (Status.REGISTERED, Status.UNDER_ASSESSMENT):
        requests.process(ctx, actor=executor, command=MoveRequest(incoming.request.id, step))
    preservation = requests.record_incoming(
        ctx,
        command=RecordIncoming(
            type_code="preservation",
            requesting_state="XC",
            authority_id=authorities["poc247"].id,
            profile="ahc-2022-proposal",
            urgency=Urgency.URGENT,
            channel=Channel.NETWORK_24_7,
            fields=example_preservation_fields("XC"),
        ),
        actor_id="system",
    )
    for step in (Status.REGISTERED, Status.UNDER_ASSESSMENT, Status.ACCEPTED, Status.IN_EXECUTION):
        requests.process(ctx, actor=duty, command=MoveRequest(preservation.request.id, step))
    emergency = example_preservation_fields("XB")
    emergency.update(
        {
            "urgency_reasons": "A child is at immediate risk.",
            "emergency_facts": "Messages announce a meeting with a 12-year-old tomorrow.",
            "emergency_nexus": "The account's data locate the sender before the meeting.",
        }
    )
    requests.record_incoming(
        ctx,
        command=RecordIncoming(
            type_code="preservation",
            requesting_state="XB",
            authority_id=authorities["poc247"].id,
            profile="ahc-2022-proposal",
            urgency=Urgency.EMERGENCY,
            channel=Channel.NETWORK_24_7,
            fields=emergency,
        ),
        actor_id="system",
    )


def _user(ctx: ServiceContext, username: str) -> User:
    return users.user_by_name(ctx, username=username)
