"""The domain's exception tree. Each class carries a stable ``code``; only drivers map to HTTP.

DomainError
├── NotFoundError                 NOT_FOUND
├── UnknownRequestTypeError       UNKNOWN_REQUEST_TYPE
├── UnknownProfileError           UNKNOWN_PROFILE
├── UnknownAuthorityError         UNKNOWN_AUTHORITY
├── TypeNotAvailableError         TYPE_NOT_AVAILABLE
├── InvalidFieldsError            INVALID_FIELDS       (carries every issue)
├── IncompleteRequestError        INCOMPLETE_REQUEST   (carries every missing/invalid path)
├── IllegalTransitionError        ILLEGAL_TRANSITION
├── ReasonRequiredError           REASON_REQUIRED
├── NotEditableError              REQUEST_NOT_EDITABLE
├── ConcurrencyError              CONCURRENT_UPDATE
├── PermissionDeniedError         FORBIDDEN
│   └── FourEyesError             FOUR_EYES_REQUIRED
├── AuthenticationError           AUTHN_REQUIRED
│   └── InvalidCredentialsError   INVALID_CREDENTIALS
├── ConflictError                 CONFLICT (e.g. a user name already taken)
├── CatalogueError                CATALOGUE_INVALID (a catalogue file breaks its schema)
└── AuditUnavailableError         AUDIT_UNAVAILABLE (the audit entry could not be written)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldIssue:
    """One problem with one input path: ``kind`` is ``missing``, ``invalid`` or ``unknown``."""

    path: str
    kind: str
    message: str


class DomainError(Exception):
    """Base of every error the domain and services raise on purpose."""

    code = "DOMAIN_ERROR"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFoundError(DomainError):
    """The object does not exist, or the caller may not know that it exists."""

    code = "NOT_FOUND"


class UnknownRequestTypeError(DomainError):
    """The request type code is not in the catalogue."""

    code = "UNKNOWN_REQUEST_TYPE"


class UnknownProfileError(DomainError):
    """The framework profile code is not in the catalogue."""

    code = "UNKNOWN_PROFILE"


class UnknownAuthorityError(DomainError):
    """The authority named does not exist on this node."""

    code = "UNKNOWN_AUTHORITY"


class TypeNotAvailableError(DomainError):
    """The form of cooperation does not exist under the chosen framework profile."""

    code = "TYPE_NOT_AVAILABLE"


class InvalidFieldsError(DomainError):
    """Input that can never be right: unknown fields, wrong types, values outside a closed set."""

    code = "INVALID_FIELDS"

    def __init__(self, issues: tuple[FieldIssue, ...]) -> None:
        super().__init__(f"{len(issues)} field(s) are unknown or invalid")
        self.issues = issues


class IncompleteRequestError(DomainError):
    """Submission refused because the minimum content is not there (statement Q11, Q12)."""

    code = "INCOMPLETE_REQUEST"

    def __init__(self, issues: tuple[FieldIssue, ...]) -> None:
        super().__init__(f"{len(issues)} required field(s) are missing or invalid")
        self.issues = issues

    @property
    def missing(self) -> list[str]:
        """Every missing or invalid path, in catalogue order."""
        return [issue.path for issue in self.issues]


class IllegalTransitionError(DomainError):
    """The workflow has no such step from the request's current status."""

    code = "ILLEGAL_TRANSITION"


class ReasonRequiredError(DomainError):
    """The step needs written reasons (refusal, postponement, sending back, withdrawal)."""

    code = "REASON_REQUIRED"


class NotEditableError(DomainError):
    """Only drafts can be edited; anything later is part of the record."""

    code = "REQUEST_NOT_EDITABLE"


class ConcurrencyError(DomainError):
    """Somebody else changed the request since it was read."""

    code = "CONCURRENT_UPDATE"


class PermissionDeniedError(DomainError):
    """The caller may see the object but not perform this action on it."""

    code = "FORBIDDEN"


class FourEyesError(PermissionDeniedError):
    """Approval must come from a different user than the one who drafted or submitted."""

    code = "FOUR_EYES_REQUIRED"


class AuthenticationError(DomainError):
    """No valid credentials were presented."""

    code = "AUTHN_REQUIRED"


class InvalidCredentialsError(AuthenticationError):
    """The user name or password is wrong; deliberately does not say which."""

    code = "INVALID_CREDENTIALS"


class ConflictError(DomainError):
    """The command conflicts with existing state, such as a user name already taken."""

    code = "CONFLICT"


class CatalogueError(DomainError):
    """A catalogue or profile file does not follow the catalogue schema."""

    code = "CATALOGUE_INVALID"


class AuditUnavailableError(DomainError):
    """The audit entry could not be written, so the whole operation is refused."""

    code = "AUDIT_UNAVAILABLE"
