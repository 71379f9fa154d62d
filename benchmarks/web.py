"""How long the officers' pages take on a node holding 10,000 requests, against a baseline.

A fresh node (SQLite in a temporary directory) is filled with N requests of the officer's
authority (``COMITY_BENCH_WEB_REQUESTS``, 10,000 by default): mixed types, both sides, and
statuses spread over the whole workflow, about 40 % of them received from other States (most
still open, so in the inbox, some emergencies waiting for a duty officer). They are filled
fast, straight through the store's repositories in transactions of 1,000 (request row,
history, search text and deadlines, exactly as the services store them), without the
services' audit entries and outbox rows, which no page reads.

Then an officer (drafter, approver and executor) signs in through the sign-in form, and each
page is called 200 times after 20 calls of warm-up, in-process through Starlette's
TestClient with the session cookie, timing each call: the dashboard (/), the inbox page
(/incoming), a request's page (/requests/{id}, random ids: each opening is also a recorded reading
of the data) and a search (/search?q=<word>, random words each found in about 1/40 of the
requests). Prints p50 and p95 per page in ms, p95 against the target (p95 < 150 ms on
SQLite), and everything as a multiple of a baseline measured in the same run (GET /healthz,
the same stack doing nothing): the machines are shared and noisy, so compare the ratios
between runs. Nothing is asserted about the times; a page that does not answer 200 stops
the run.

With ``COMITY_TEST_DATABASE_URL`` set (PostgreSQL), the same run follows on a fresh schema of
that database.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text
from starlette.testclient import TestClient

from comity.bootstrap import Container, build
from comity.config import Settings
from comity.domain.commands import AddUser
from comity.domain.deadlines import compute_deadlines
from comity.domain.requests import CooperationRequest, HistoryEntry
from comity.domain.usage import policy_for
from comity.domain.values import Channel, Role, Side, Urgency
from comity.domain.workflow import Status
from comity.services import node, users
from comity.services.demo import example_mla_fields, example_preservation_fields
from comity.web.app import create_app

REQUESTS = int(os.environ.get("COMITY_BENCH_WEB_REQUESTS", "10000"))
CALLS = 200
WARM_UP = 20
TARGET_MS = 150.0
BATCH = 1000
PASSWORD = "a long enough secret"

# Code names put in the facts of the requests, one each: a search for one finds ~1/40 of them.
WORDS = (
    "aurora basilisk cobalt dromedary ember falcon glacier harbour iris juniper kestrel "
    "lantern meridian nimbus obsidian peregrine quartz rampart sable tundra umber vortex "
    "willow xenon yarrow zephyr amber bramble cinder delta estuary fjord granite heron "
    "indigo jasper kelp lichen marlin nettle"
).split()

TYPES = (
    "mla",
    "mla",
    "mla",
    "preservation",
    "subscriber_info",
    "stored_data",
    "emergency_mla",
    "traffic_disclosure",
)
MADE = (
    Status.DRAFT,
    Status.DRAFT,
    Status.AWAITING_APPROVAL,
    Status.APPROVED,
    Status.SENT,
    Status.SENT,
    Status.ACCEPTED,
    Status.IN_EXECUTION,
    Status.EXECUTED,
    Status.CLOSED,
    Status.WITHDRAWN,
)
RECEIVED = (
    Status.RECEIVED,
    Status.RECEIVED,
    Status.REGISTERED,
    Status.UNDER_ASSESSMENT,
    Status.UNDER_ASSESSMENT,
    Status.ACCEPTED,
    Status.IN_EXECUTION,
    Status.EXECUTED,
    Status.CLOSED,
    Status.REFUSED,
)


def _request(
    ctx: Any, rng: random.Random, authority_id: str, actor_id: str, now: datetime
) -> CooperationRequest:
    """One request of the authority, on either side, in a status of its side."""
    type_code = rng.choice(TYPES)
    rtype = ctx.catalogue.type(type_code)
    profile = ctx.catalogue.default_profile
    received = rng.random() < 0.4
    side = Side.REQUESTED if received else Side.REQUESTING
    other = rng.choice(("XB", "XC", "XD", "XE"))
    fields = (
        example_preservation_fields(other if received else "XA")
        if type_code in ("preservation", "traffic_disclosure")
        else example_mla_fields(other if received else "XA")
    )
    fields["facts_summary"] += f" Operation {rng.choice(WORDS)}."
    created = now - timedelta(days=rng.uniform(0, 400))
    status = rng.choice(RECEIVED if received else MADE)
    history = [
        HistoryEntry(1, None, Status.RECEIVED if received else Status.DRAFT, actor_id, created)
    ]
    if status is not history[0].to_status:
        history.append(
            HistoryEntry(2, history[0].to_status, status, actor_id, created + timedelta(hours=5))
        )
    request_id = str(uuid.UUID(int=rng.getrandbits(128)))
    urgency = Urgency.EMERGENCY if type_code == "emergency_mla" else Urgency.ROUTINE
    request = CooperationRequest(
        id=request_id,
        reference=f"XA-{created.year}-{request_id.replace('-', '')[:8].upper()}",
        side=side,
        type_code=type_code,
        profile=profile.code,
        requesting_state=other if received else "XA",
        requested_state="XA" if received else other,
        authority_id=authority_id,
        urgency=urgency,
        channel=Channel.NETWORK_24_7 if type_code in ("preservation",) else rtype.default_channel,
        fields=fields,
        status=status,
        created_by=actor_id,
        created_at=created,
        updated_at=history[-1].at,
        exchange_id=str(uuid.UUID(int=rng.getrandbits(128))) if received else None,
        history=history,
    )
    request.usage_policy = policy_for(request, profile, now=created, retention=ctx.retention)
    return request


def fill(container: Container, authority_id: str, actor_id: str, count: int) -> list[str]:
    """Store ``count`` requests through the repositories, ``BATCH`` per transaction."""
    ctx = container.services
    rng = random.Random(20260)
    now = ctx.clock.now()
    ids: list[str] = []
    while len(ids) < count:
        with ctx.uow() as uow:
            for _ in range(min(BATCH, count - len(ids))):
                request = _request(ctx, rng, authority_id, actor_id, now)
                uow.requests.add(request)
                rtype = ctx.catalogue.type(request.type_code)
                profile = ctx.catalogue.profile(request.profile)
                uow.deadlines.replace_for(request.id, compute_deadlines(request, rtype, profile))
                ids.append(request.id)
            uow.commit()
    return ids


def _sign_in(client: TestClient, username: str) -> None:
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None, form.text
    answer = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def measure(
    client: TestClient, url: Callable[[], str], headers: dict[str, str] | None = None
) -> tuple[float, float]:
    """p50 and p95 of ``CALLS`` calls after ``WARM_UP``, in milliseconds."""
    samples: list[float] = []
    for index in range(WARM_UP + CALLS):
        target = url()
        start = time.perf_counter_ns()
        response = client.get(target, headers=headers)
        elapsed = (time.perf_counter_ns() - start) / 1e6
        if response.status_code != 200:
            raise SystemExit(f"GET {target} answered {response.status_code}: {response.text[:300]}")
        if index >= WARM_UP:
            samples.append(elapsed)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def run(label: str, settings: Settings) -> None:
    """Fill a node on ``settings``' database and time each page against /healthz."""
    container = build(settings)
    try:
        container.upgrade_database()
        ctx = container.services
        node.ensure_authorities(ctx)
        roles = frozenset({Role.DRAFTER, Role.APPROVER, Role.EXECUTOR})
        officer = users.add_user(
            ctx, command=AddUser("bench", PASSWORD, roles, authority_code="central")
        )
        started = time.perf_counter()
        ids = fill(container, officer.authority_id, officer.id, REQUESTS)
        filled = time.perf_counter() - started
        if settings.database_url:
            # A node's PostgreSQL autovacuum analyses a table soon after a large insert; the
            # bulk fill is faster than that, and without statistics the planner takes the
            # authority's 10,000 requests for 25 and checks the text index row by row (1.7 s
            # a search instead of 7 ms). Measure what a node serves once it has them.
            analyser = create_engine(settings.database_url)
            with analyser.begin() as connection:
                connection.execute(text("ANALYZE"))
            analyser.dispose()
        print(f"{label}: {len(ids)} requests filled in {filled:.1f} s")
        app = create_app(container)
        rng = random.Random(7)
        with TestClient(app) as client:
            _sign_in(client, "bench")
            baseline = measure(client, lambda: "/healthz")
            rows = [
                ("GET /healthz (baseline)", *baseline, False),
                ("dashboard (GET /)", *measure(client, lambda: "/"), True),
                ("inbox page (GET /incoming)", *measure(client, lambda: "/incoming"), True),
                (
                    "request page (GET /requests/{id}, random)",
                    *measure(client, lambda: f"/requests/{rng.choice(ids)}"),
                    True,
                ),
                (
                    "search (GET /search?q=<word>, random)",
                    *measure(client, lambda: f"/search?q={rng.choice(WORDS)}"),
                    True,
                ),
            ]
        print(f"{'page':<52} {'p50 ms':>8} {'p95 ms':>8} {'p95/target':>11} {'p50 x base':>11}")
        for name, p50, p95, paged in rows:
            ratio = f"{p95 / TARGET_MS:>11.2f}" if paged else f"{'':>11}"
            print(f"{name:<52} {p50:>8.1f} {p95:>8.1f} {ratio} {p50 / baseline[0]:>11.1f}")
        print(f"target: p95 < {TARGET_MS:.0f} ms on SQLite ({CALLS} calls each after {WARM_UP})")
    finally:
        container.close()


def _settings(folder: Path, database_url: str | None = None) -> Settings:
    return Settings(
        state="XA",
        data_dir=folder,
        database_url=database_url,
        argon2_time_cost=1,
        argon2_memory_cost=1024,
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", _settings(Path(folder)))
    pg_url = os.environ.get("COMITY_TEST_DATABASE_URL")
    if not pg_url:
        print("PostgreSQL: skipped (set COMITY_TEST_DATABASE_URL to run it)")
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
        with tempfile.TemporaryDirectory() as folder:
            run("PostgreSQL", _settings(Path(folder), url.render_as_string(hide_password=False)))
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
