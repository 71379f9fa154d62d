"""atheris fuzz targets, one module per parser of foreign input (plan §6 F-01).

Each module is a libFuzzer target: ``python -m tests.faults.fuzz.<target> [libFuzzer flags]``.
It feeds the bytes to the parser and lets only a valid object or an error of the project's
tree (``comity.domain.errors``) through; anything else propagates, and libFuzzer reports it
as a crash. ``tests/faults/test_fuzz.py`` builds the key material and seed corpora and runs
every target for ``COMITY_FUZZ_SECONDS``.
"""
