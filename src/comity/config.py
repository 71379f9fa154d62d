"""Settings, from the environment (prefix ``COMITY_``) and the node directory's ``node.json``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

NODE_FILE = "node.json"


class Settings(BaseSettings):
    """Everything a node needs to start. Unsafe or inconsistent values fail at start-up."""

    model_config = SettingsConfigDict(env_prefix="COMITY_", extra="ignore")

    state: str = Field(default="XA", description="ISO 3166 code of the node's State")
    data_dir: Path = Field(default=Path(".comity/node"), description="Node directory")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; SQLite in the node directory if unset"
    )
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # The mutual-TLS listener other States' nodes deliver to, and the address published for it.
    federation_port: int | None = Field(default=None, description="mTLS port for other nodes")
    public_endpoint: str | None = Field(
        default=None, description="Federation URL other nodes use (https://host:port)"
    )
    # Relay timings (seconds): first retry delay, ceiling, and the stage time limits.
    retry_first_delay: float = Field(default=1.0, gt=0)
    retry_max_delay: float = Field(default=300.0, gt=0)
    relay_timeout: float = Field(default=24 * 3600.0, gt=0)
    delivery_timeout: float = Field(default=48 * 3600.0, gt=0)
    relay_interval: float = Field(default=0.2, gt=0)
    directory_grace: float = Field(default=3600.0, ge=0)
    clock_skew: float = Field(default=300.0, gt=0)
    # Named crash points for fault tests (security-test-plan §5.1); never set in production.
    test_faults: bool = False
    fault_at: str | None = None
    token_lifetime_minutes: int = Field(default=480, ge=1, le=7 * 24 * 60)
    # Sign-in security (ASVS V6, V7): a session ends after this long unused; approving a
    # request or sending evidence needs a sign-in this recent; this many failed sign-ins of
    # one name, or from one address, within the window throttle it; and, in production, no
    # officer signs in without an enrolled authenticator app (``comity user enrol-totp``).
    idle_timeout_minutes: int = Field(default=120, ge=1, le=7 * 24 * 60)
    reauth_minutes: int = Field(default=10, ge=1, le=24 * 60)
    sign_in_max_failures: int = Field(default=5, ge=1, le=1000)
    sign_in_max_address_failures: int = Field(default=20, ge=1, le=100_000)
    sign_in_window_minutes: int = Field(default=15, ge=1, le=24 * 60)
    require_mfa: bool = False
    # How long requests' data are kept before they are erased (DP-S6, DP-P5).
    retention_days: int = Field(default=5 * 365, ge=1, le=100 * 365)
    # Review statistics: a count below this is suppressed; a reader may ask for a higher
    # threshold, never a lower one.
    stats_min_cell: int = Field(default=5, ge=1, le=1000)
    # Where evidence packages are kept; a separate volume in production (default: the node
    # directory's ``evidence``).
    evidence_dir: Path | None = Field(default=None, description="Evidence package store")
    # A package folder with no package row (a node killed between writing a package and
    # committing its row) is removed once nothing has written to it for this long (seconds).
    evidence_orphan_grace: float = Field(default=3600.0, ge=0)
    # The chunk size of packages this node seals: the unit of resumption (4 MiB by default).
    evidence_chunk_bytes: int = Field(default=4 * 1024 * 1024, ge=4096, le=64 * 1024 * 1024)
    # The audit log's checkpoints: one after this many new leaves, or this many seconds after
    # the last; the whole log is recomputed before each one up to this many leaves.
    ledger_checkpoint_leaves: int = Field(default=1000, ge=1)
    ledger_checkpoint_seconds: float = Field(default=60.0, gt=0)
    ledger_full_check_limit: int = Field(default=200_000, ge=0)
    # Above that size, and on a node with nothing to sign, the whole log is recomputed this
    # often (and at start-up).
    ledger_full_check_seconds: float = Field(default=600.0, gt=0)
    # Alerts to the people on duty when an emergency request arrives (issue 8, Q12): the
    # 24/7 duty addresses (comma-separated), the SMTP server, and webhooks (comma-separated)
    # with the secret their HMAC-SHA256 signature uses.
    notify_duty_emails: str = ""
    notify_smtp_host: str | None = None
    notify_smtp_port: int = Field(default=25, ge=1, le=65535)
    notify_smtp_from: str = "comity@localhost"
    notify_smtp_starttls: bool = False
    notify_webhooks: str = ""
    notify_webhook_secret: str | None = None
    # The address officers open the node's pages at (the link in alerts).
    public_url: str | None = None
    # A file holding how many seconds this node's clock runs ahead of real time, read at every
    # reading of the clock. Demo networks and end-to-end tests only: it is how they show a
    # 60-day expiry or an 18-day alarm in a minute. Never set in production.
    clock_offset_file: Path | None = None
    # How often (seconds) the clock-driven steps of practice life cycles are taken: a
    # preservation's expiry, a provisional arrest's release. Demo networks take them every 2 s.
    practice_interval: float = Field(default=30.0, gt=0)
    # Smaller argon2 costs are for tests only; the defaults follow the library's guidance.
    argon2_time_cost: int | None = None
    argon2_memory_cost: int | None = None

    @field_validator("state")
    @classmethod
    def _state_code(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{2}", value):
            raise ValueError("the State code must be two capital letters, e.g. XA")
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL in use: the configured one, or SQLite inside the node directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'comity.db').resolve()}"

    @property
    def duty_emails(self) -> tuple[str, ...]:
        """The 24/7 duty addresses alerts go to."""
        return tuple(a.strip() for a in self.notify_duty_emails.split(",") if a.strip())

    @property
    def webhooks(self) -> tuple[str, ...]:
        """The webhooks alerts go to."""
        return tuple(u.strip() for u in self.notify_webhooks.split(",") if u.strip())

    @property
    def resolved_evidence_dir(self) -> Path:
        """The evidence store in use: the configured one, or ``evidence`` in the node dir."""
        return self.evidence_dir or self.data_dir / "evidence"

    @classmethod
    def for_node(cls, data_dir: Path, **overrides: Any) -> Settings:
        """Settings for the node in ``data_dir``: its ``node.json``, then the environment."""
        stored: dict[str, Any] = {}
        node_file = data_dir / NODE_FILE
        if node_file.exists():
            stored = json.loads(node_file.read_text("utf-8"))
        # Explicit overrides win over the environment, which wins over the node file.
        from_env = cls()
        merged = {**stored, **from_env.model_dump(exclude_unset=True), **overrides}
        merged["data_dir"] = data_dir
        return cls(**merged)
