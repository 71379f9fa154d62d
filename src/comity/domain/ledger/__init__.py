"""The audit ledger's pure parts: leaves, RFC 9162 Merkle math, C2SP checkpoints, witnessing.

``leaves`` writes one audit entry as the canonical text the log hashes; ``merkle`` computes
tree hashes, inclusion and consistency proofs over the perfect subtrees a store keeps by
``(level, index)``, and verifies proofs; ``checkpoints`` reads and writes C2SP signed notes
and checkpoints; ``witness`` decides whether a witness may cosign a checkpoint. Nothing here
reads a clock, draws random numbers or touches a key: signing lives in ``comity.crypto.notes``.
"""
