"""The application layer: one handler per command, each inside one unit of work.

Handlers talk to storage, hashing and the clock only through the Protocols in ``ports``.
"""
