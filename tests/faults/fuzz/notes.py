"""Fuzz target: checkpoints, signed notes and witness bodies (``domain.ledger.checkpoints``,
``crypto.notes``, ``services.ledger_witness``).

Mode 0: an ``add-checkpoint`` body as the witness endpoint reads it, then the checkpoint in
it, its origin, and XA's signature and XB's cosignature on it (``crypto.ledger_keys``).
Mode 1: a shared-views body (``ledger_witness._views``) and every note in it.
"""

from __future__ import annotations

from tests.faults.fuzz.harness import instrumented, main, split_mode

with instrumented():
    from comity.crypto.ledger_keys import NodeLedgerKeys
    from comity.crypto.notes import NoteSigner
    from comity.domain.ledger.checkpoints import (
        Checkpoint,
        SignedNote,
        format_add_checkpoint,
        parse_add_checkpoint,
        parse_checkpoint,
        parse_note,
    )
    from comity.domain.ledger.origins import state_of_origin
    from comity.services.ledger_witness import _views
    from tests.faults.fuzz.material import Material, load


ORIGIN = "comity/XA/audit"


def _note(material: Material) -> SignedNote:
    checkpoint = Checkpoint(ORIGIN, 3, bytes(range(32)), 1_767_614_400)
    body = checkpoint.body()
    log = NoteSigner(material.sender_keys.signing, ORIGIN)
    witness = NoteSigner(material.receiver_keys.signing, "comity/XB/witness")
    return SignedNote(body, (log.sign(body), witness.cosign(body, 1_767_614_401)))


def seeds(material: Material) -> list[bytes]:
    """A real add-checkpoint body with a consistency proof, and a views body."""
    note = _note(material)
    views = (
        '{"views": [' + ", ".join(f'"{line}"' for line in [note.text().replace("\n", "\\n")]) + "]}"
    )
    return [
        b"\x00" + format_add_checkpoint(2, [bytes(32), bytes(range(32))], note),
        b"\x01" + views.encode(),
        # Regression seed: nesting past json's recursion limit once escaped as a 500.
        b"\x01" + b"[" * 5000,
    ]


def parse(data: bytes) -> object:
    material = load()
    mode, rest = split_mode(data)
    if mode % 2 == 0:
        _, _, note = parse_add_checkpoint(rest)
        checkpoint = parse_checkpoint(note.body)
        state = state_of_origin(checkpoint.origin)
        keys = NodeLedgerKeys(material.sender_keys.signing)
        keys.verify(note, checkpoint.origin, material.directory.state(state))
        return keys.verify_cosignature(note, "comity/XB/witness", material.directory.state("XB"))
    return [parse_checkpoint(parse_note(view).body) for view in _views(rest)]


if __name__ == "__main__":
    main(parse)
