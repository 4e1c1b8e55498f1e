"""Password hashing with argon2id (memory-hard) and the password rules."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()


def configure_hasher(time_cost: int, memory_cost_kib: int) -> None:
    """Set argon2 costs from the configuration (tests use cheap ones)."""
    global _hasher, DUMMY_HASH
    if (_hasher.time_cost, _hasher.memory_cost) != (time_cost, memory_cost_kib):
        _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib)
        DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


#: A hash that never verifies: used to spend the same time for unknown e-mails.
DUMMY_HASH = hash_password("not-a-real-password-for-timing")
