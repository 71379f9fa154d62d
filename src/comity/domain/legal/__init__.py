"""The legal engine: rules as pure functions from a case to findings (legal.md §2-§4, §7).

Rules never decide a discretionary ground: they surface it, say what the decision needs, and
leave the decision (with written reasons) to the officer. Profile differences are data, read
from the profile's flags and thresholds.
"""
