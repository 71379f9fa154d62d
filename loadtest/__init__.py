"""Load and soak runs against a real demo network (plan §6 Q-01, Q-03; §7 tier C "Load held").

``python -m loadtest.run`` starts ``comity demo up`` on free loopback ports, drives it with
locust (headless, bounded), prints each operation's percentiles beside the tier C targets and
stops everything; ``python -m loadtest.soak`` does the same for longer while it samples the
node processes' memory and open files.
"""
