"""Closed sets of the domain, as string enums whose values are stable on the wire and in the DB."""

from enum import StrEnum


class Channel(StrEnum):
    """How a request travels from the requesting to the requested State (statement Q8-Q12)."""

    CENTRAL_AUTHORITY = "central_authority"
    DIPLOMATIC = "diplomatic"
    NETWORK_24_7 = "network_24_7"
    INTERPOL = "interpol"
    POLICE = "police"
    # A copy already sent by e-mail or through INTERPOL; the formal original follows (Q8-Q10).
    COPY_AHEAD = "copy_ahead"


class Urgency(StrEnum):
    """Urgency levels; ``emergency`` means a significant and imminent risk to life or safety."""

    ROUTINE = "routine"
    URGENT = "urgent"
    EMERGENCY = "emergency"


class Role(StrEnum):
    """What a user of a node may do (architecture §1)."""

    DRAFTER = "drafter"
    APPROVER = "approver"
    EXECUTOR = "executor"
    DUTY_OFFICER = "duty_officer"
    DPO = "dpo"
    # Reads the audit log, its proofs and the review statistics; sees no case content.
    AUDITOR = "auditor"
    ADMIN = "admin"


class Side(StrEnum):
    """Whether this node's copy of a request is the requesting or the requested State's."""

    REQUESTING = "requesting"
    REQUESTED = "requested"


class ConductCategory(StrEnum):
    """Controlled vocabulary of conduct, so thresholds and dual criminality can be computed."""

    ILLEGAL_ACCESS = "illegal_access"
    ILLEGAL_INTERCEPTION = "illegal_interception"
    DATA_INTERFERENCE = "data_interference"
    SYSTEM_INTERFERENCE = "system_interference"
    MISUSE_OF_DEVICES = "misuse_of_devices"
    COMPUTER_FORGERY = "computer_forgery"
    COMPUTER_FRAUD = "computer_fraud"
    CSAM = "csam"
    GROOMING = "grooming"
    NON_CONSENSUAL_IMAGES = "non_consensual_images"
    LAUNDERING = "laundering"
    OTHER = "other"


class AuthorityKind(StrEnum):
    """The kinds of authority a node's users belong to."""

    CENTRAL_AUTHORITY = "central_authority"
    COMPETENT_AUTHORITY = "competent_authority"
    POC_24_7 = "poc_24_7"
    FOREIGN_MINISTRY = "foreign_ministry"
    POLICE = "police"
    INTERPOL_NCB = "interpol_ncb"


class Availability(StrEnum):
    """Whether a form of cooperation exists under a framework profile (legal.md §7)."""

    AVAILABLE = "available"
    # Only where a bilateral treaty or domestic law provides for it; the request must cite it.
    TREATY_ONLY = "treaty_only"
    UNAVAILABLE = "unavailable"
