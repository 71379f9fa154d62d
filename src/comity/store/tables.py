"""Table definitions. Names are singular snake case; timestamps end in ``_at`` and are UTC."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

from comity.store.columns import UTCDateTime, json_type

# Stable constraint names make Alembic's diffs identical on SQLite and PostgreSQL, and let
# batch migrations on SQLite drop constraints by name.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = 36  # A UUID in its canonical text form.

authority = Table(
    "authority",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("state", String(2), nullable=False),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("time_zone", String(64), nullable=False),
)

user_account = Table(
    "user_account",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("authority_id", String(ID), ForeignKey("authority.id"), nullable=False),
    Column("roles", json_type(), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    # The enrolled authenticator's TOTP secret (sealed with a key outside the database) and
    # the last time step whose code was accepted, so no code works twice (ASVS 6.5.1); both
    # empty until enrolment.
    Column("totp_secret", String(200)),
    Column("totp_last_step", BigInteger),
)

api_token = Table(
    "api_token",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("user_id", String(ID), ForeignKey("user_account.id"), nullable=False, index=True),
    Column("issued_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    # When the session's password (and code) were last checked, and when it was last used:
    # the re-authentication window and the idle timeout. Empty on tokens from before 0012,
    # which count from their issue.
    Column("authenticated_at", UTCDateTime()),
    Column("last_seen_at", UTCDateTime()),
)

# Failed sign-ins by the digest of the name tried or of the client address, kept for the
# throttling window: in the database, so a restart forgets nothing and workers share them.
sign_in_failure = Table(
    "sign_in_failure",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subject", String(64), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_sign_in_failure_subject", "subject", "at"),
)

cooperation_request = Table(
    "cooperation_request",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("reference", String(40), nullable=False, unique=True),
    Column("side", String(12), nullable=False),
    Column("type_code", String(40), nullable=False),
    Column("profile", String(40), nullable=False),
    Column("requesting_state", String(2), nullable=False),
    Column("requested_state", String(2), nullable=False),
    Column("authority_id", String(ID), ForeignKey("authority.id"), nullable=False),
    Column("urgency", String(12), nullable=False),
    Column("channel", String(24), nullable=False),
    Column("status", String(24), nullable=False),
    Column("fields", json_type(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_by", String(ID), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("submitted_by", String(ID)),
    Column("approved_by", String(ID)),
    Column("approval_digest", String(64)),
    Column("exchange_id", String(ID)),
    Column("remote_status", String(24)),
    Column("acknowledged_at", UTCDateTime()),
    Column("acknowledged_by", String(ID)),
    Column("original_received_at", UTCDateTime()),
    # The usage policy (domain.usage) as JSON; its retention date is repeated in a column of
    # its own so the retention sweep finds what is due with an index, on either engine.
    Column("usage_policy", json_type()),
    Column("retention_until", UTCDateTime()),
    Column("erased_at", UTCDateTime()),
    Index("ix_cooperation_request_scope", "authority_id", "status", "updated_at"),
    # The latest requests of an authority (dashboard, search) without sorting them all.
    Index("ix_cooperation_request_recent", "authority_id", "updated_at", "id"),
    # The other State's id for the request is unique per counterpart, and finds its copy here.
    Index("ix_cooperation_request_exchange", "requesting_state", "exchange_id", unique=True),
    Index("ix_cooperation_request_retention", "retention_until"),
)

request_history = Table(
    "request_history",
    metadata,
    Column("request_id", String(ID), ForeignKey("cooperation_request.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("from_status", String(24)),
    Column("to_status", String(24), nullable=False),
    Column("actor_id", String(ID), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("reason", Text, nullable=False),
    Column("detail", json_type(), nullable=False, server_default="{}"),
)

deadline = Table(
    "deadline",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(ID), ForeignKey("cooperation_request.id"), nullable=False),
    Column("code", String(80), nullable=False),
    Column("label", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("basis", json_type(), nullable=False),
    Index("ix_deadline_request", "request_id"),
    Index("ix_deadline_due", "due_at"),
    # What falls due first, in the order the dashboard lists it, read from the index.
    Index("ix_deadline_order", "due_at", "code", "id"),
)

# The text a request is found by (accents folded, case folded). On PostgreSQL a GIN index over
# its tsvector serves searches; on SQLite an FTS5 table kept in step by triggers does
# (both created by the migration, since neither is expressible portably here).
request_search = Table(
    "request_search",
    metadata,
    Column("request_id", String(ID), ForeignKey("cooperation_request.id"), primary_key=True),
    Column("body", Text, nullable=False),
)

# The audit log (RFC 9162 Merkle tree, decision 0008). One row per leaf: ``leaf`` is the exact
# canonical text whose hash is the tree's leaf; the other columns repeat it for queries, and
# verification checks that they still agree with it. Rows are written in the same transaction
# as the change they record, and are never updated or deleted.
audit_leaf = Table(
    "audit_leaf",
    metadata,
    Column("leaf_index", BigInteger, primary_key=True, autoincrement=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("tag", String(80), nullable=False),
    Column("actor_id", String(ID), nullable=False),
    Column("object_id", String(64), nullable=False, index=True),
    Column("request_id", String(ID), index=True),
    Column("details", json_type(), nullable=False),
    Column("leaf", Text, nullable=False),
)

# The hashes of the tree's perfect subtrees: (level, index) covers leaves
# [index << level, (index + 1) << level). Level 0 holds the leaf hashes. Proofs are read from
# here, a few rows per proof, whatever the size of the log.
audit_node = Table(
    "audit_node",
    metadata,
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)

# The log's head, one row: its size, its right edge (the compact range, so an append needs no
# other read) and root. Appends lock it, which orders the leaves of concurrent commits.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("size", BigInteger, nullable=False),
    Column("frontier", json_type(), nullable=False),
    Column("root", String(64), nullable=False),
)

# Checkpoints this node signed over its own log (C2SP signed notes), and the cosignatures
# the other States' nodes returned for them.
audit_checkpoint = Table(
    "audit_checkpoint",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", String(64), nullable=False),
    Column("signed_at", UTCDateTime(), nullable=False),
    Column("note", Text, nullable=False),
)

audit_cosignature = Table(
    "audit_cosignature",
    metadata,
    Column(
        "checkpoint_size",
        BigInteger,
        ForeignKey("audit_checkpoint.size"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("witness_state", String(2), primary_key=True),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("line", Text, nullable=False),
)

# As a witness: the latest checkpoint of each other State's log this node verified and
# cosigned. Checked and replaced in one transaction, so the recorded size never goes down.
witnessed_log = Table(
    "witnessed_log",
    metadata,
    Column("state", String(2), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("root", String(64), nullable=False),
    Column("time", BigInteger, nullable=False),
    Column("note", Text, nullable=False),
    Column("witnessed_at", UTCDateTime(), nullable=False),
)

# Integrity and equivocation alerts, with the signed checkpoints that prove them.
audit_alert = Table(
    "audit_alert",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("raised_at", UTCDateTime(), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("state", String(2), nullable=False),
    Column("detail", Text, nullable=False),
    Column("evidence", json_type(), nullable=False),
)

# Alerts to the people on duty (e-mail, webhooks), written in the transaction that raised them
# and sent by the node's notifier thread: an outbox of their own.
notification = Table(
    "notification",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("recipient", String(400), nullable=False),
    Column("subject", String(400), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("request_id", String(ID), ForeignKey("cooperation_request.id")),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime()),
    Column("sent_at", UTCDateTime()),
    Column("last_error", String(300), nullable=False),
    Index("ix_notification_due", "status", "next_attempt_at"),
)

# The rosters of the 24/7 points of contact: who is on duty, backs up or supervises, when.
duty_shift = Table(
    "duty_shift",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("authority_id", String(ID), ForeignKey("authority.id"), nullable=False),
    Column("user_id", String(ID), ForeignKey("user_account.id"), nullable=False),
    Column("role", String(16), nullable=False),
    Column("starts_at", UTCDateTime(), nullable=False),
    Column("ends_at", UTCDateTime(), nullable=False),
    Column("contact", String(256)),
    Column("handover_note", Text, nullable=False),
    Index("ix_duty_shift_window", "authority_id", "ends_at", "starts_at"),
)

# Emergencies escalated because nobody acknowledged them in time: once each.
emergency_escalation = Table(
    "emergency_escalation",
    metadata,
    Column("request_id", String(ID), ForeignKey("cooperation_request.id"), primary_key=True),
    Column("escalated_at", UTCDateTime(), nullable=False),
    Column("alerted", Integer, nullable=False),
)

# Where each request stands in its form's practice life cycle (preservation, provisional
# arrest…), and every step taken, in order: the state is the last step's, kept for queries.
practice_record = Table(
    "practice_record",
    metadata,
    Column("request_id", String(ID), ForeignKey("cooperation_request.id"), primary_key=True),
    Column("lifecycle", String(40), nullable=False),
    Column("state", String(40), nullable=False),
    Column("final", Boolean, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("ix_practice_record_open", "final", "lifecycle"),
)

practice_step = Table(
    "practice_step",
    metadata,
    Column("request_id", String(ID), ForeignKey("cooperation_request.id"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("step", json_type(), nullable=False),
)

# Asset-disposal statements of asset_return requests: those this node issued and those the
# other State issued, recomputed here. ``token`` is the issuer's JWS over the register, the
# statement and its digest; ``statement`` repeats the statement for display.
asset_statement = Table(
    "asset_statement",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("request_id", String(ID), ForeignKey("cooperation_request.id"), nullable=False),
    Column("issued_at", UTCDateTime(), nullable=False),
    Column("issuer_state", String(2), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("token", Text, nullable=False),
    Column("statement", json_type(), nullable=False),
    Index("ix_asset_statement_digest", "request_id", "sha256", unique=True),
)

# Messages this node must deliver: the exact envelope bytes every retry repeats, and where each
# stands. Rows are written in the same transaction as the state change that caused them.
outbox_message = Table(
    "outbox_message",
    metadata,
    # The commit order, which is the order messages to one State leave in.
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("message_id", String(ID), nullable=False, unique=True),
    Column("recipient_state", String(2), nullable=False),
    Column("type", String(40), nullable=False),
    Column("request_id", String(ID), ForeignKey("cooperation_request.id")),
    Column("envelope", Text, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime()),
    Column("relayed_at", UTCDateTime()),
    Column("last_error", Text, nullable=False),
    Column("receipt", Text),
    Column("finished_at", UTCDateTime()),
    Index("ix_outbox_message_due", "status", "next_attempt_at"),
    # The relay's heads of queue: the oldest pending message per recipient State.
    Index("ix_outbox_message_heads", "status", "recipient_state", "seq"),
    Index("ix_outbox_message_request", "request_id"),
)

# Messages this node accepted: the dedup key, the digest of the exact bytes, and the receipt a
# duplicate gets back. Written in the same transaction as the message's business effect.
inbox_message = Table(
    "inbox_message",
    metadata,
    Column("sender_state", String(2), primary_key=True),
    Column("message_id", String(ID), primary_key=True),
    Column("digest", String(64), nullable=False),
    Column("type", String(40), nullable=False),
    Column("request_id", String(ID), ForeignKey("cooperation_request.id")),
    Column("received_at", UTCDateTime(), nullable=False),
    # ``delivered`` or ``not_delivered``: a duplicate of a refused message is refused again.
    Column("outcome", String(20), nullable=False),
    Column("code", String(40), nullable=False),
    Column("receipt", Text, nullable=False),
    Index("ix_inbox_message_request", "request_id"),
)

# ETSI REM-style evidences of each message's delivery, on the sending and the receiving node.
delivery_evidence = Table(
    "delivery_evidence",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_id", String(ID), nullable=False),
    Column("request_id", String(ID), ForeignKey("cooperation_request.id")),
    Column("message_type", String(40), nullable=False),
    Column("counterpart_state", String(2), nullable=False),
    Column("stage", String(30), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("code", String(40), nullable=False),
    Column("detail", Text, nullable=False),
    Column("signed", Text),
    Index("ix_delivery_evidence_request", "request_id", "at"),
    Index("ix_delivery_evidence_message", "message_id"),
)

# What arrived and was refused: the digest and size of the bytes, never their content.
quarantine_record = Table(
    "quarantine_record",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("claimed_sender", String(80), nullable=False),
    Column("code", String(40), nullable=False),
    Column("detail", Text, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("size", Integer, nullable=False),
)

# Nonces of HTTP message signatures seen inside the replay window.
signature_nonce = Table(
    "signature_nonce",
    metadata,
    Column("nonce", String(100), primary_key=True),
    Column("seen_at", UTCDateTime(), nullable=False, index=True),
)

# Every read, export or forward of a request's data, allowed or denied (DP-P8): the DPO's
# register. Written in the same transaction as the access's audit entry.
data_access = Table(
    "data_access",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("user_id", String(ID), nullable=False),
    Column("request_id", String(ID), ForeignKey("cooperation_request.id"), nullable=False),
    Column("purpose_code", String(40), nullable=False),
    # ``read``, ``export`` or ``forward``; ``allowed`` or ``denied`` (with the code why).
    Column("action", String(12), nullable=False),
    Column("outcome", String(12), nullable=False),
    Column("code", String(40), nullable=False),
    Column("recipient_state", String(2)),
    Index("ix_data_access_request", "request_id", "at"),
    Index("ix_data_access_at", "at"),
)

# What remains of a request whose data were erased at their retention date: the digest of the
# erased content and the record, signed by the node's key where it has one.
deletion_record = Table(
    "deletion_record",
    metadata,
    Column("request_id", String(ID), ForeignKey("cooperation_request.id"), primary_key=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("record", Text, nullable=False),
    Column("signed", Boolean, nullable=False),
)

# Evidence packages this node sealed (``outgoing``) or received (``incoming``): their status
# and transfer progress. The chunks live in the node's evidence directory, not here.
evidence_package = Table(
    "evidence_package",
    metadata,
    Column("package_id", String(128), primary_key=True),
    Column("request_id", String(ID), ForeignKey("cooperation_request.id"), nullable=False),
    Column("direction", String(10), nullable=False),
    Column("peer_state", String(2), nullable=False),
    Column("status", String(12), nullable=False),
    Column("merkle_root", String(64), nullable=False),
    Column("chunk_count", Integer, nullable=False),
    Column("total_bytes", BigInteger, nullable=False),
    Column("sealed_bytes", BigInteger, nullable=False),
    Column("chunks_done", Integer, nullable=False),
    Column("bytes_done", BigInteger, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("released_at", UTCDateTime()),
    Column("failure_code", String(40)),
    Column("failure_detail", Text),
    Column("manifest", Text, nullable=False),
    Index("ix_evidence_package_request", "request_id"),
    Index("ix_evidence_package_status", "direction", "status"),
)

# The custody chain of each package as this node knows it: every record signed by the node
# of the State where it happened, each linking to the digest of the one before.
evidence_custody = Table(
    "evidence_custody",
    metadata,
    Column(
        "package_id",
        String(128),
        ForeignKey("evidence_package.package_id"),
        primary_key=True,
    ),
    Column("sequence", Integer, primary_key=True),
    Column("previous", String(64), nullable=False),
    Column("action", String(20), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("place", String(2), nullable=False),
    Column("actor", String(80), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("file", Text),
    Column("detail", Text),
    Column("token", Text, nullable=False),
)
