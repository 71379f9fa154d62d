"""The hardening tier (issue 9): crashes, partitions, duplication, fuzzing, the access
matrix and sessions, run by `make test-faults` and reported against security-test-plan §7."""
