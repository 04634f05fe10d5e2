"""Random tokens and password hashing (Argon2id through passlib)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from passlib.context import CryptContext

_passwords = CryptContext(schemes=["argon2"], deprecated="auto")
# Verified against when the user is unknown so both paths cost the same time.
_DUMMY_HASH = _passwords.hash("not-a-real-password-used-for-timing")


def new_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def tokens_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)


def hash_password(password: str) -> str:
    return _passwords.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Constant-ish time: an absent hash still runs one Argon2 verification."""
    if not password_hash:
        _passwords.verify(password, _DUMMY_HASH)
        return False
    return _passwords.verify(password, password_hash)
