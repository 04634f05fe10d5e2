"""Password rules: 12 to 128 characters, no composition rules, not one of the 10,000 most common.

The list in portal_app/data/common_passwords.txt is the first 10,000 entries of the ranked
password frequency list shipped by the `zxcvbn` 4.5.0 package on PyPI (MIT, see
common_passwords.LICENSE beside it).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from portal_app.services.core.errors import FieldErrors

MIN_LENGTH = 12
MAX_LENGTH = 128
_LIST = Path(__file__).resolve().parents[2] / "data" / "common_passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    return frozenset(line.strip().lower() for line in _LIST.read_text().splitlines() if line.strip())


def password_problem(password: str, *, username: str = "", email: str = "") -> str | None:
    """What is wrong with a new password, in words for the person choosing it, or None."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    folded = password.strip().lower()
    if folded in common_passwords():
        return "That password is one of the most common ones. Choose something less guessable."
    if folded in {username.strip().lower(), email.strip().lower()} - {""}:
        return "Your password cannot be your username or email address."
    return None


def check_new_password(password: str, *, field: str = "password", username: str = "", email: str = "") -> None:
    problem = password_problem(password, username=username, email=email)
    if problem:
        raise FieldErrors({field: problem})
