"""Money is integer cents everywhere; this turns cents into text for people."""

from __future__ import annotations

import re
from decimal import Decimal

_SYMBOLS = {"USD": "$", "CAD": "$", "EUR": "€", "GBP": "£"}


def format_cents(cents: int, currency: str = "USD") -> str:
    if not isinstance(cents, int) or isinstance(cents, bool):
        raise TypeError("money amounts are integer cents")
    sign = "-" if cents < 0 else ""
    amount = Decimal(abs(cents)) / 100
    return f"{sign}{_SYMBOLS.get(currency, currency + ' ')}{amount:,.2f}"


def format_balance(cents: int, currency: str = "USD") -> str:
    """A balance as people read it: what is owed, or "$10.00 credit" (never "-$10.00")."""
    if cents < 0:
        return f"{format_cents(-cents, currency)} credit"
    return format_cents(cents, currency)


def parse_dollars(raw: object) -> int | None:
    """'84.5', '$1,084.50' -> integer cents (never through a float); None when it is not an amount."""
    text = str(raw if raw is not None else "").strip().lstrip("$").replace(",", "")
    if not re.fullmatch(r"\d{1,9}(\.\d{1,2})?", text):
        return None
    whole, _, fraction = text.partition(".")
    return int(whole) * 100 + int((fraction + "00")[:2])
