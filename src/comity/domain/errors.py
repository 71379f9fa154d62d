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
│   ├── FourEyesError             FOUR_EYES_REQUIRED
│   ├── PurposeDeniedError        PURPOSE_DENIED    (data used for a purpose not granted)
│   └── OnwardTransferDeniedError ONWARD_TRANSFER_DENIED (data passed on without a grant)
├── RetentionExpiredError         RETENTION_EXPIRED (the data are past their retention date)
├── AuthenticationError           AUTHN_REQUIRED
│   ├── InvalidCredentialsError   INVALID_CREDENTIALS
│   ├── MfaRequiredError          MFA_REQUIRED      (a valid one-time code is missing, or none
│   │                                                is enrolled on a node that requires one)
│   └── ReauthRequiredError       REAUTH_REQUIRED   (the step needs a more recent sign-in)
├── SignInThrottledError          SIGN_IN_THROTTLED (too many failed sign-ins: wait and retry)
├── ConflictError                 CONFLICT (e.g. a user name already taken)
├── CatalogueError                CATALOGUE_INVALID (a catalogue file breaks its schema)
├── AuditUnavailableError         AUDIT_UNAVAILABLE (the audit entry could not be written)
├── TrustError                    (another State's message or key cannot be trusted)
│   ├── SignatureInvalidError     SIG_INVALID       (a signature does not verify)
│   ├── DecryptFailedError        DECRYPT_FAILED    (wrong recipient key, or tampered ciphertext)
│   ├── SignerUntrustedError      SIGNER_UNTRUSTED  (key unknown, or not the claimed State's)
│   ├── PolicyViolationError      POLICY_VIOLATION  (unsigned, algorithm not allowed, malformed)
│   ├── TrustStaleError           TRUST_STALE       (directory past next update + grace: held)
│   ├── ClockSkewError            CLOCK_SKEW        (signature time outside the tolerance)
│   ├── ReplayError               REPLAY            (HTTP signature nonce seen before)
│   └── WrongRecipientError       WRONG_RECIPIENT   (the envelope is for another State)
├── SchemaInvalidError            SCHEMA_INVALID    (a verified message breaks the wire schema)
├── MessageIdConflictError        MSGID_CONFLICT    (same message id, different bytes)
├── DirectoryError                DIRECTORY_INVALID (a directory document cannot be built/used)
├── PackageUnsafeError            PACKAGE_UNSAFE    (an evidence input or manifest is unsafe)
├── DigestMismatchError           DIGEST_MISMATCH   (evidence bytes differ from their digest)
├── StatementInvalidError         STATEMENT_INVALID (an asset statement that does not recompute)
├── BlockingFindingsError         BLOCKING_FINDINGS (approval without overriding a legal block)
└── InvalidDecisionError          DECISION_INVALID (a refusal without valid grounds, reasons or
                                                    consultation; a postponement without review)
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


class PurposeDeniedError(PermissionDeniedError):
    """The data of a request may be used only for the purpose it states, or for one its
    originating State granted through an additional request (Statement Q7; DP-S3, DP-S4)."""

    code = "PURPOSE_DENIED"


class OnwardTransferDeniedError(PermissionDeniedError):
    """The data may not go on to another State or body: prohibited under the statement's
    profile, and under UNCC art. 36 / 2AP art. 14(10) only with the originating State's prior
    authorisation (DP-S5, DP-U5, DP-P10)."""

    code = "ONWARD_TRANSFER_DENIED"


class RetentionExpiredError(DomainError):
    """The data are past their retention date: they are, or are about to be, erased (DP-S6)."""

    code = "RETENTION_EXPIRED"


class AuthenticationError(DomainError):
    """No valid credentials were presented."""

    code = "AUTHN_REQUIRED"


class InvalidCredentialsError(AuthenticationError):
    """The user name or password is wrong; deliberately does not say which."""

    code = "INVALID_CREDENTIALS"


class MfaRequiredError(AuthenticationError):
    """The password was right but a valid, unused one-time code was not given."""

    code = "MFA_REQUIRED"


class ReauthRequiredError(AuthenticationError):
    """The step needs a sign-in more recent than the session's: authenticate again."""

    code = "REAUTH_REQUIRED"


class SignInThrottledError(DomainError):
    """Too many failed sign-ins for this name or from this address: retry later."""

    code = "SIGN_IN_THROTTLED"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class DependencyPendingError(DomainError):
    """A message from another State refers to one that has not arrived yet (security-test-plan
    R-19): a step or a withdrawal overtook its request on the way. It is not refused for
    good, because the request is still coming: the receiver keeps nothing and answers "try
    later", and the sender's relay sends the same bytes again."""

    code = "DEPENDENCY_PENDING"
    retry_after = 5


class ConflictError(DomainError):
    """The command conflicts with existing state, such as a user name already taken."""

    code = "CONFLICT"


class CatalogueError(DomainError):
    """A catalogue or profile file does not follow the catalogue schema."""

    code = "CATALOGUE_INVALID"


class AuditUnavailableError(DomainError):
    """The audit entry could not be written, so the whole operation is refused."""

    code = "AUDIT_UNAVAILABLE"


class AuditIntegrityError(DomainError):
    """The audit log no longer matches itself or a checkpoint it signed: a leaf, a node or
    the head was changed, removed or rolled back. The node refuses to sign checkpoints."""

    code = "AUDIT_INTEGRITY"


class ProofInvalidError(DomainError):
    """A Merkle inclusion or consistency proof does not verify (RFC 9162 §2.1.3, §2.1.4)."""

    code = "PROOF_INVALID"


class CheckpointError(DomainError):
    """A checkpoint (signed tree head) or a witness call is malformed or out of order."""

    code = "CHECKPOINT_INVALID"


class UnknownLogError(CheckpointError):
    """A checkpoint's origin names no log this node witnesses (C2SP tlog-witness: 404)."""

    code = "UNKNOWN_LOG"


class CheckpointSizeConflictError(CheckpointError):
    """The caller's idea of the last size this witness saw is wrong; ``size`` is the right one,
    so the log retries with a proof from there (C2SP tlog-witness: 409)."""

    code = "CHECKPOINT_SIZE_CONFLICT"

    def __init__(self, detail: str, *, size: int) -> None:
        super().__init__(detail)
        self.size = size


class CheckpointRollbackError(CheckpointError):
    """A checkpoint is smaller than one the same log signed before (C2SP tlog-witness: 400)."""

    code = "CHECKPOINT_ROLLBACK"


class EquivocationError(ProofInvalidError):
    """A log signed two views of its history that cannot both be true: the same size with
    two roots, or a tree that does not extend one it signed before (C2SP tlog-witness: 422)."""

    code = "EQUIVOCATION"


class TrustError(DomainError):
    """Something another State sent, or a key it published, cannot be trusted.

    Crypto failures reach callers as one of these few codes and nothing more specific, so a
    sender learns nothing it could use to probe the receiver's keys.
    """

    code = "TRUST_ERROR"


class SignatureInvalidError(TrustError):
    """A signature does not verify over the bytes it claims to cover."""

    code = "SIG_INVALID"


class DecryptFailedError(TrustError):
    """The envelope is not for this node's key, or its ciphertext was tampered with."""

    code = "DECRYPT_FAILED"


class SignerUntrustedError(TrustError):
    """The signing key is not in the directory, or belongs to another State than claimed."""

    code = "SIGNER_UNTRUSTED"


class PolicyViolationError(TrustError):
    """Unsigned, an algorithm outside the allow-list, or a structurally broken token."""

    code = "POLICY_VIOLATION"


class TrustStaleError(TrustError):
    """The directory is past its next update plus grace: nothing is sent or accepted."""

    code = "TRUST_STALE"


class ClockSkewError(TrustError):
    """A signature's creation time lies outside the tolerated clock difference."""

    code = "CLOCK_SKEW"


class ReplayError(TrustError):
    """An HTTP message signature (its nonce) was already used."""

    code = "REPLAY"


class WrongRecipientError(TrustError):
    """The envelope is addressed to another State than this node's."""

    code = "WRONG_RECIPIENT"


class SchemaInvalidError(DomainError):
    """A verified message does not follow the wire schema of its type."""

    code = "SCHEMA_INVALID"


class MessageIdConflictError(DomainError):
    """The same message id arrived before with different bytes (EBMS:0003)."""

    code = "MSGID_CONFLICT"


class DirectoryError(DomainError):
    """A directory document or State entry is missing, inconsistent or cannot be used."""

    code = "DIRECTORY_INVALID"


class PackageUnsafeError(DomainError):
    """An evidence input is not a regular file (symlink, device, FIFO, directory), or a
    manifest is malformed or names a path that could escape the package (absolute, ``..``)."""

    code = "PACKAGE_UNSAFE"


class DigestMismatchError(DomainError):
    """Evidence bytes do not match the digest the signed manifest gives for them: a chunk or
    file altered, missing, truncated or out of place, or a Merkle root that does not add up."""

    code = "DIGEST_MISMATCH"


class UploadChecksumMismatchError(DomainError):
    """An uploaded evidence chunk's bytes do not match the digest the upload itself declares
    (the chunk was damaged on the way); the sender sends it again."""

    code = "UPLOAD_CHECKSUM_MISMATCH"


class CustodyBrokenError(DomainError):
    """An evidence package's custody chain is broken: a custody record is missing, out of
    order, not signed by the State it names, or a stored chunk no longer matches its digest.
    The package is withheld from officers until it is examined."""

    code = "CUSTODY_BROKEN"


class StorageFullError(DomainError):
    """The node has no space left to store evidence; nothing partial is released and the
    transfer resumes once space returns."""

    code = "STORAGE_FULL"


class StoreUnavailableError(DomainError):
    """The node's database cannot be reached (restarting, failing over, refusing
    connections): nothing was changed, and the caller may try again shortly (X-08)."""

    code = "STORE_UNAVAILABLE"
    retry_after = 5


class StatementInvalidError(DomainError):
    """An asset-disposal statement from another State is refused: it is not signed by that
    State's key, it is not a statement of this request, or the disposal recomputed here from
    the register it carries is not exactly the statement and digest it carries."""

    code = "STATEMENT_INVALID"


class BlockingFindingsError(DomainError):
    """The legal engine found reasons the request cannot go as it is; approving it anyway needs
    a written justification, which is recorded."""

    code = "BLOCKING_FINDINGS"

    def __init__(self, findings: tuple[tuple[str, str], ...]) -> None:
        super().__init__(
            f"{len(findings)} blocking legal finding(s): "
            + ", ".join(code for code, _ in findings)
            + "; approve with a written override justification to send it anyway"
        )
        self.findings = findings


class InvalidDecisionError(DomainError):
    """The requested State's decision does not meet the law: a refusal needs grounds valid
    for the type under the profile, written reasons and, where required, a prior consultation
    of the requesting State; a postponement needs a review date."""

    code = "DECISION_INVALID"

    def __init__(self, detail: str, findings: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(detail)
        self.findings = findings
