"""Password hashing with argon2id (implements ``services.ports.PasswordHasher``)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2PasswordHasher:
    """argon2id with the library's current recommended parameters (RFC 9106 profile)."""

    def __init__(self, *, time_cost: int | None = None, memory_cost: int | None = None) -> None:
        # Tests pass smaller costs to stay fast; production uses the library's defaults.
        defaults = PasswordHasher()
        self._hasher = PasswordHasher(
            time_cost=time_cost or defaults.time_cost,
            memory_cost=memory_cost or defaults.memory_cost,
        )
        self._decoy = self._hasher.hash("comity-decoy-password")

    def hash(self, password: str) -> str:
        """A salted argon2id hash."""
        return self._hasher.hash(password)

    def verify(self, hashed: str, password: str) -> bool:
        """True if ``password`` matches; any malformed hash counts as a mismatch."""
        try:
            return self._hasher.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False

    def verify_nothing(self, password: str) -> None:
        """Verify against a decoy hash with the same parameters, and ignore the result."""
        self.verify(self._decoy, password)
