"""Password rules: 12 to 128 characters, no composition rules, not one of the 10,000 most common,
and not easy to guess by the `zxcvbn` strength estimator (repeats, sequences, keyboard walks,
dates, and words of the portal, the provider, the username or the email count against it).

The list in portal_app/data/common_passwords.txt is the first 10,000 entries of the ranked
password frequency list shipped by the `zxcvbn` 4.5.0 package on PyPI (MIT, see
common_passwords.LICENSE beside it).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from zxcvbn import zxcvbn

from portal_app.services.core.errors import FieldErrors
from portal_app.services.core.i18n import _
from portal_app.theming import current_theme

MIN_LENGTH = 12
MAX_LENGTH = 128
MIN_SCORE = 3  # zxcvbn's 0-4 scale: 3 is "safely unguessable" for an online attack with limits
_LIST = Path(__file__).resolve().parents[2] / "data" / "common_passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    return frozenset(line.strip().lower() for line in _LIST.read_text().splitlines() if line.strip())


def password_problem(password: str, *, username: str = "", email: str = "") -> str | None:
    """What is wrong with a new password, in words for the person choosing it, or None."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(count)s characters.", count=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(count)s characters.", count=MAX_LENGTH)
    folded = password.strip().lower()
    if folded in common_passwords():
        return _("That password is one of the most common ones. Choose something less guessable.")
    if folded in {username.strip().lower(), email.strip().lower()} - {""}:
        return _("Your password cannot be your username or email address.")
    words = _personal_words(username, email)
    rest = re.sub(r"[^a-z0-9]", "", folded)
    for word in sorted(words, key=len, reverse=True):
        rest = rest.replace(word, "")
    if len(rest) < 8:
        return _("Do not build the password from your username, your email or our name. Add unrelated words.")
    estimate = zxcvbn(password[:100], user_inputs=sorted(words))
    if estimate["score"] < MIN_SCORE:
        warning = (estimate.get("feedback") or {}).get("warning") or ""
        if not warning:
            return _("That password is easy to guess. A few unrelated words make a strong one.")
        # zxcvbn's own reason, in English (it has no catalogs).
        return _("That password is easy to guess (%(why)s). A few unrelated words make a strong one.",
                 why=warning.rstrip(".").lower())
    return None


def _personal_words(username: str, email: str) -> set[str]:
    """Words an attacker tries first: the provider's and portal's names, the username, the email."""
    theme = current_theme()
    text = " ".join([theme.provider_name, getattr(theme, "legal_name", ""), "portal", username,
                     email.replace("@", " ").replace(".", " ")]).lower()
    words = {w for w in re.split(r"[^a-z0-9]+", text) if len(w) >= 3}
    joined = re.sub(r"[^a-z0-9]", "", theme.provider_name.lower())
    return words | ({joined} if joined else set())


def check_new_password(password: str, *, field: str = "password", username: str = "", email: str = "") -> None:
    problem = password_problem(password, username=username, email=email)
    if problem:
        raise FieldErrors({field: problem})
