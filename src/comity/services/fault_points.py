"""Every named crash point of the node (security-test-plan §5.1), and where it is.

A point is a line of a service that calls ``ctx.faults.hit`` with its name: with
``COMITY_TEST_FAULTS=1`` and ``COMITY_FAULT_AT=name[:n]`` the node SIGKILLs itself the n-th
time it gets there. The fault tier's crash sweep (``tests/faults/test_crash_sweep.py``) kills
a node at each of them twice, and a unit test keeps this list and the source in step.
"""

from __future__ import annotations

CRASH_POINTS: tuple[str, ...] = (
    # Sending a message (exchange.send, then the relay in delivery.py).
    "after_outbox_commit",  # exchange._send: the request is sent and its message in the outbox
    "relay_after_claim",  # delivery.deliver_due: a due message taken, before it is attempted
    "before_http_send",  # delivery.attempt: before the envelope is posted
    "after_http_send_before_receipt_store",  # delivery.attempt: answer in hand, nothing stored
    "send_after_receipt_verify_before_store",  # delivery.attempt: receipt checked, not committed
    "send_after_receipt_store",  # delivery.attempt: the receipt and evidence committed
    # Receiving a message (incoming.receive).
    "recv_after_verify",  # the envelope decrypted and its signature verified
    "recv_after_parse",  # the message decoded, before the parties are checked
    "recv_before_commit",  # the effect, inbox row and receipt built, not committed
    "recv_after_commit_before_response",  # committed, the receipt not yet answered
    # Sealing and sending evidence (evidence.seal_and_send, evidence_transfer.TransferRelay).
    "evidence.seal.before_commit",  # the package sealed on disk, its rows not committed
    "evidence.seal.after_commit",  # the package recorded, its custody not yet copied
    "evidence.send.before_offer",  # the "sent" custody record committed, no offer made
    "evidence.send.after_offer",  # the receiver answered the offer
    "evidence.send.after_chunk",  # a chunk acknowledged by the receiver
    "evidence.send.after_complete_before_delivered",  # released there, not recorded here
    "evidence.send.after_delivered_commit",  # delivered recorded, custody not yet copied
    # Receiving evidence (evidence_arrival).
    "evidence.offer.before_commit",  # the package's files prepared, its rows not committed
    "evidence.chunk.before_store",  # a chunk checked against the manifest, not written
    "evidence.chunk.after_store",  # a chunk written and synced, not yet answered
    "evidence.complete.before_release",  # every chunk verified, the release not committed
    "evidence.complete.after_release",  # released and committed, custody not yet copied
    # The audit ledger (ledger_rounds, ledger, ledger_witness).
    "audit_after_leaf_before_checkpoint",  # leaves appended, a checkpoint due, none signed
    "ledger.checkpoint.signed_before_store",  # a checkpoint signed, not stored
    "ledger.checkpoint.after_store",  # a checkpoint stored, not sent to the witnesses
    "ledger.cosign.before_request",  # a checkpoint about to be sent to a witness
    "ledger.cosign.before_store",  # a witness's cosignature verified, not committed
    "witness_after_check_before_persist",  # the witness checked a checkpoint, not recorded
    # Retention (data_protection._erase).
    "retention_after_key_destroy_before_row_update",  # data and keys erased, not committed
    "retention_after_commit_before_file_removal",  # erasure committed, files not yet removed
)
