"""The custody chain: records, their strict document form, and the chain check."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from comity.domain.custody import (
    GENESIS,
    MAX_DETAIL,
    CustodyAction,
    CustodyRecord,
    check_chain,
    next_record,
    token_digest,
)
from comity.domain.errors import CustodyBrokenError

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ROOT = "ab" * 32
FILE_DIGEST = "cd" * 32


def sealed() -> CustodyRecord:
    return next_record(
        None,
        None,
        package_id="pkg-1",
        action=CustodyAction.SEALED,
        actor="node:XA",
        at=NOW,
        place="XA",
        digest=ROOT,
    )


def chain(length: int) -> list[tuple[str, CustodyRecord]]:
    """A chain of ``length`` records whose "tokens" are stand-ins (the domain only hashes them)."""
    records = [("token-0", sealed())]
    steps = [
        (CustodyAction.SENT, "node:XA", "XA"),
        (CustodyAction.RECEIVED, "node:XB", "XB"),
        (CustodyAction.VERIFIED, "node:XB", "XB"),
        (CustodyAction.STORED, "node:XB", "XB"),
    ]
    for index in range(1, length):
        action, actor, place = steps[(index - 1) % len(steps)]
        token, previous = records[-1]
        record = next_record(
            token,
            previous,
            package_id="pkg-1",
            action=action,
            actor=actor,
            # The receiving State's clock runs behind: times may go backwards.
            at=NOW - timedelta(minutes=index),
            place=place,
            digest=ROOT,
        )
        records.append((f"token-{index}", record))
    return records


def check(records: list[tuple[str, CustodyRecord]]) -> None:
    check_chain(records, package_id="pkg-1", sender_state="XA", merkle_root=ROOT)


def test_the_first_record_starts_from_genesis() -> None:
    record = sealed()
    assert record.sequence == 0
    assert record.previous == GENESIS == "0" * 64
    assert record.file is None and record.detail is None


def test_each_record_follows_the_token_before_it() -> None:
    records = chain(3)
    assert [record.sequence for _, record in records] == [0, 1, 2]
    assert records[1][1].previous == hashlib.sha256(b"token-0").hexdigest()
    assert records[2][1].previous == token_digest("token-1")
    check(records)


def test_a_file_level_record_keeps_its_file_and_detail() -> None:
    token, previous = chain(1)[0]
    record = next_record(
        token,
        previous,
        package_id="pkg-1",
        action=CustodyAction.OPENED,
        actor="user-42",
        at=NOW,
        place="XB",
        digest=FILE_DIGEST,
        file="dir/mail.mbox",
        detail="opened for the investigation",
    )
    assert record.file == "dir/mail.mbox"
    assert record.detail == "opened for the investigation"
    assert CustodyRecord.from_document(record.to_document()) == record


def test_the_document_form_round_trips_in_utc() -> None:
    record = next_record(
        None,
        None,
        package_id="pkg-1",
        action=CustodyAction.SEALED,
        actor="node:XA",
        at=datetime(2025, 3, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))),
        place="XA",
        digest=ROOT,
    )
    document = record.to_document()
    assert document == {
        "package_id": "pkg-1",
        "sequence": 0,
        "previous": GENESIS,
        "action": "sealed",
        "actor": "node:XA",
        "at": "2025-03-01T12:00:00Z",
        "place": "XA",
        "digest": ROOT,
        "file": None,
        "detail": None,
    }
    assert CustodyRecord.from_document(document) == record


def test_every_action_has_its_wire_name() -> None:
    assert [action.value for action in CustodyAction] == [
        "sealed",
        "sent",
        "received",
        "verified",
        "stored",
        "opened",
        "exported",
        "deleted",
        "rejected",
        "custody_broken",
    ]


def test_next_record_refuses_half_a_predecessor_a_naive_time_and_another_package() -> None:
    token, previous = chain(1)[0]
    common: dict[str, Any] = {
        "package_id": "pkg-1",
        "action": CustodyAction.SENT,
        "actor": "node:XA",
        "at": NOW,
        "place": "XA",
        "digest": ROOT,
    }
    with pytest.raises(ValueError, match="both"):
        next_record(token, None, **common)
    with pytest.raises(ValueError, match="both"):
        next_record(None, previous, **common)
    with pytest.raises(ValueError, match="UTC offset"):
        next_record(token, previous, **{**common, "at": datetime(2025, 3, 1)})
    with pytest.raises(ValueError, match="another package"):
        next_record(token, previous, **{**common, "package_id": "pkg-2"})
    with pytest.raises(CustodyBrokenError, match=r"custody\.actor"):
        next_record(token, previous, **{**common, "actor": ""})


def good_document() -> dict[str, Any]:
    return {**sealed().to_document(), "file": "a.bin", "detail": "note"}


def test_a_good_document_reads() -> None:
    record = CustodyRecord.from_document(good_document())
    assert record.file == "a.bin" and record.action is CustodyAction.SEALED


@pytest.mark.parametrize(
    ("change", "member"),
    [
        ({"extra": 1}, "custody.extra is not a known member"),
        ({"package_id": "bad id"}, "custody.package_id"),
        ({"package_id": 7}, "custody.package_id"),
        ({"sequence": -1}, "custody.sequence"),
        ({"sequence": True}, "custody.sequence"),
        ({"sequence": "0"}, "custody.sequence"),
        ({"sequence": 2**53 + 1}, "custody.sequence"),
        ({"previous": "AB" * 32}, "custody.previous"),
        ({"previous": None}, "custody.previous"),
        ({"action": "lost"}, "custody.action is not a custody action"),
        ({"action": 3}, "custody.action"),
        ({"actor": ""}, "custody.actor"),
        ({"actor": "a\x00b"}, "custody.actor"),
        ({"at": "yesterday"}, "custody.at is not an RFC 3339 instant"),
        ({"at": "2025-03-01T12:00:00"}, "custody.at has no UTC offset"),
        ({"place": None}, "custody.place"),
        ({"digest": "ab" * 31}, "custody.digest"),
        ({"file": "../etc/passwd"}, "custody.file: "),
        ({"file": ""}, "custody.file"),
        ({"file": 5}, "custody.file"),
        ({"detail": ""}, "custody.detail"),
        ({"detail": "x" * (MAX_DETAIL + 1)}, "custody.detail is longer"),
    ],
)
def test_a_bad_member_is_named(change: dict[str, Any], member: str) -> None:
    with pytest.raises(CustodyBrokenError, match="^" + member.replace(".", r"\.")) as caught:
        CustodyRecord.from_document({**good_document(), **change})
    assert caught.value.code == "CUSTODY_BROKEN"


def test_a_missing_member_or_a_non_object_is_refused() -> None:
    document = good_document()
    del document["detail"]
    with pytest.raises(CustodyBrokenError, match=r"custody\.detail is missing"):
        CustodyRecord.from_document(document)
    with pytest.raises(CustodyBrokenError, match="not an object"):
        CustodyRecord.from_document(["sealed"])


def test_an_empty_chain_is_broken() -> None:
    with pytest.raises(CustodyBrokenError, match="no custody records"):
        check([])


def test_a_chain_that_does_not_start_with_the_senders_seal_is_broken() -> None:
    records = chain(2)
    with pytest.raises(CustodyBrokenError, match="record 0 was made in XA, not in the sender XB"):
        check_chain(records, package_id="pkg-1", sender_state="XB", merkle_root=ROOT)
    with pytest.raises(CustodyBrokenError, match="not about the package's Merkle root"):
        check_chain(records, package_id="pkg-1", sender_state="XA", merkle_root="ef" * 32)
    token, first = records[0]
    received = CustodyRecord(**{**vars(first), "action": CustodyAction.RECEIVED})
    with pytest.raises(CustodyBrokenError, match="record 0 is received, not sealed"):
        check([(token, received), *records[1:]])


def test_a_record_of_another_package_is_named() -> None:
    records = chain(3)
    token, record = records[1]
    foreign = CustodyRecord(**{**vars(record), "package_id": "pkg-2"})
    with pytest.raises(CustodyBrokenError, match="record 1 is of another package"):
        check([records[0], (token, foreign), records[2]])


def test_a_missing_or_reordered_record_is_named() -> None:
    records = chain(4)
    with pytest.raises(CustodyBrokenError, match="record 1 has sequence 2"):
        check([records[0], *records[2:]])
    with pytest.raises(CustodyBrokenError, match="record 2 has sequence 3"):
        check([records[0], records[1], records[3], records[2]])


def test_a_rewritten_record_breaks_the_link_to_the_next_one() -> None:
    records = chain(3)
    # Record 1 signed again with other content has another token: record 2 no longer follows.
    with pytest.raises(CustodyBrokenError, match="record 2 does not follow the record before"):
        check([records[0], ("token-1-rewritten", records[1][1]), records[2]])
    # A first record that claims a predecessor is not the start of a chain.
    token, first = records[0]
    claimed = CustodyRecord(**{**vars(first), "previous": "11" * 32})
    with pytest.raises(CustodyBrokenError, match="record 0 does not follow"):
        check([(token, claimed)])
