"""Rule modules, one per subject. Each exposes ``SPECS`` (the codes it may produce, with their
documentation) and ``RULES`` (functions from a case to findings)."""
