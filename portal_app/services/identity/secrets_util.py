"""Random tokens and password hashing (Argon2id through passlib)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken
from passlib.context import CryptContext

from portal_app.config import get_settings

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


def _fernet() -> Fernet:
    key = hashlib.sha256(b"portal-seal:" + get_settings().secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(raw: str) -> str:
    """Encrypt a raw token for keeping in a store we do not fully trust (Reflex's state store)."""
    return _fernet().encrypt(raw.encode()).decode() if raw else ""


def unseal(sealed: str) -> str:
    """The raw token back, or "" when it was not sealed by this deployment's key."""
    if not sealed:
        return ""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        return ""
