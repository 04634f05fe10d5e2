"""Every amount, number, date and time a person reads, and every amount a person types, through Babel:
in a locale (the theme's, or a subscriber's), the provider's currency and the provider's time zone.

Money is integer cents everywhere else; this module is the edge where cents become text and typed text
becomes cents. A stored moment (a UTC datetime) is always shown as the provider's local day and time,
so a payment made at 03:30 UTC reads as the evening before in America/Chicago, on the page and on the
receipt alike. Dates without a time (due dates, billing periods) are already provider days.

Integrations (PDFs, calendar files) never import services: they take a `Formatter` handed to them.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from babel import Locale
from babel.core import UnknownLocaleError
from babel.dates import format_date, format_interval, format_skeleton, format_time
from babel.numbers import NumberFormatError, format_currency, format_decimal, get_currency_symbol, parse_decimal

from sqlmodel import Session

from portal_app.services.core import i18n
from portal_app.services.core.principal import Principal
from portal_app.theming import current_theme

# CLDR puts a narrow no-break space before "PM" and thin spaces around range dashes. Plain spaces read
# the same, keep text messages in the GSM alphabet (one such character makes a text UCS-2, 70 characters
# a part instead of 160) and match what people type when they search a page. Between two numbers the
# dash closes up, as our bills always printed ranges ("Mar 12–31"); between words it stays spaced
# ("Feb 1 – Mar 31, 2026").
_PLAIN_SPACES = str.maketrans({"\u202f": " ", "\u2009": " "})
_NUMBER_RANGE = re.compile(r"(?<=\d)\u2009–\u2009(?=\d)")
_CODE_MEETS_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_DATE_STYLES = ("short", "medium", "long", "full")
# Files exchanged with other systems (CSV imports) write amounts as 1084.50, whatever the provider's locale.
DATA_LOCALE = "en_US"
MAX_AMOUNT_DIGITS = 9  # whole units; far above any payment limit, far below what overflows a cents column


def _plain(text: str) -> str:
    return _NUMBER_RANGE.sub("–", text).translate(_PLAIN_SPACES)


# Babel takes about 0.2 ms an amount, and a page shows the same few amounts again and again (a bill
# explained names each total twice or more): the text of an amount in a locale and currency never changes.
@functools.lru_cache(maxsize=16384)
def _money_text(locale: str, currency: str, cents: int) -> str:
    text = format_currency(Decimal(cents).scaleb(-2), currency, locale=locale)
    # CLDR's currency spacing, which Babel leaves out: a letter code meets the digits with a
    # no-break space ("CHF 1,234.50"), a sign like "$" or "€" sits close ("$1,234.50").
    return _plain(_CODE_MEETS_DIGIT.sub("\u00a0", text))


@functools.lru_cache(maxsize=16384)
def _date_text(locale: str, form: str, day: dt.date) -> str:
    # Cached like amounts: a page of bills prints a few dozen days, each ~12 µs through Babel.
    if form in _DATE_STYLES:
        return _plain(format_date(day, form, locale=locale))
    return _plain(format_skeleton(form, day, locale=locale))


@dataclass(frozen=True)
class Formatter:
    """Formats for one locale, in the provider's currency and time zone."""

    locale: str
    currency: str
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    # --- words -----------------------------------------------------------------------------------
    def say(self, text: str, **params: object) -> str:
        """`text` (English, the catalog's msgid, or a service's `Text`) in this locale's language, with
        `params` filled: how documents (integrations/documents.py) write their words for the reader."""
        return i18n.translate(i18n.Text(text, params) if params else text, self.locale)

    # --- money and numbers -------------------------------------------------------------------------
    def money(self, cents: int) -> str:
        """108450 (cents) -> "$1,084.50" (en_US, USD); a negative amount keeps the locale's minus sign."""
        if not isinstance(cents, int) or isinstance(cents, bool):
            raise TypeError("money amounts are integer cents")
        return _money_text(self.locale, self.currency, cents)

    def balance(self, cents: int) -> str:
        """A balance as people read it: what is owed, or "$10.00 credit" (never "-$10.00")."""
        return f"{self.money(-cents)} credit" if cents < 0 else self.money(cents)

    def signed(self, cents: int) -> str:
        """A change in money: "+$5.00", "−$5.00" (a true minus sign), "$0.00"."""
        return ("+" if cents > 0 else "−" if cents < 0 else "") + self.money(abs(cents))

    def plain_amount(self, cents: int) -> str:
        """108450 (cents) -> "1084.50": an amount to type over (a form's starting value), in the locale's
        decimal mark, without currency or grouping; `parse_amount` reads it back."""
        if not isinstance(cents, int) or isinstance(cents, bool):
            raise TypeError("money amounts are integer cents")
        return format_decimal(Decimal(cents).scaleb(-2), format="0.00", locale=self.locale)

    def number(self, value: int | Decimal) -> str:
        """1234567 -> "1,234,567" in the locale's grouping."""
        return _plain(format_decimal(value, locale=self.locale))

    def parse_amount(self, typed: object) -> int | None:
        """What a person typed as an amount, in their locale ("84.5", "$1,084.50"), as integer cents;
        None when it is not a positive-or-zero amount with at most two decimals."""
        text = " ".join(str(typed if typed is not None else "").split())
        for symbol in {get_currency_symbol(self.currency, locale=self.locale), "$", self.currency}:
            text = text.replace(symbol, "")
        text = text.strip()
        # Digits and the locale's separators only: no signs, exponents ("1e3") or spaces inside.
        symbols = Locale.parse(self.locale).number_symbols.get("latn", {})
        allowed = set("0123456789") | {symbols.get("decimal", "."), symbols.get("group", ",")}
        if not text or not set(text) <= allowed:
            return None
        try:
            value = parse_decimal(text, locale=self.locale, strict=True)
        except (NumberFormatError, InvalidOperation):
            return None
        if (not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01"))
                or value >= Decimal(10) ** MAX_AMOUNT_DIGITS):
            return None
        return int(value.scaleb(2))

    # --- dates and times ---------------------------------------------------------------------------
    def local(self, moment: dt.datetime) -> dt.datetime:
        """A stored (UTC) moment in the provider's time zone."""
        if moment.tzinfo is None:
            raise ValueError("naive datetime: stored moments are timezone-aware UTC")
        return moment.astimezone(self.zone)

    def day_of(self, value: dt.date | dt.datetime) -> dt.date:
        """The provider's calendar day of a moment (a plain date is already one)."""
        return self.local(value).date() if isinstance(value, dt.datetime) else value

    def date(self, value: dt.date | dt.datetime, form: str = "medium") -> str:
        """A day: form "medium" (Mar 5, 2026), "long" (March 5, 2026), "full", "short", or a CLDR
        skeleton such as "MMMd" (Mar 5), "yMMMM" (March 2026), "MMMEd" (Thu, Mar 5). A moment is
        first read in the provider's time zone."""
        return _date_text(self.locale, form, self.day_of(value))

    def time(self, moment: dt.datetime, *, seconds: bool = False, zone_name: bool = False) -> str:
        """2:00 PM (the locale's 12- or 24-hour clock) in the provider's time zone; `zone_name` adds CDT."""
        local = self.local(moment)
        text = _plain(format_time(local, "medium" if seconds else "short", locale=self.locale))
        return f"{text} {local.tzname()}" if zone_name else text

    def moment(self, moment: dt.datetime, form: str = "medium", *, seconds: bool = False,
               zone_name: bool = False) -> str:
        """A stored moment as the provider's day and time: "Mar 4, 2026, 9:30 PM"."""
        pattern = Locale.parse(self.locale).datetime_formats["medium"]
        return pattern.replace("{1}", self.date(moment, form)).replace(
            "{0}", self.time(moment, seconds=seconds, zone_name=zone_name))

    def date_range(self, start: dt.date | dt.datetime, end: dt.date | dt.datetime, form: str = "yMMMd") -> str:
        """Two days as one range, shared parts written once: "Mar 5 – 9, 2026", "Mar 5 – Apr 9, 2026"."""
        return _plain(format_interval(self.day_of(start), self.day_of(end), form, locale=self.locale))

    def time_range(self, start: dt.datetime, end: dt.datetime) -> str:
        """A window of one day, each end written out so it reads alone: "8:00 AM – 12:00 PM"."""
        return f"{self.time(start)} – {self.time(end)}"


@functools.cache
def _formatter(locale: str, currency: str, timezone: str) -> Formatter:
    return Formatter(locale=str(Locale.parse(locale)), currency=currency, timezone=timezone)


def formatter(locale: str | None = None) -> Formatter:
    """The formats for `locale` (a subscriber's language), else the provider's default locale."""
    theme = current_theme()
    chosen = theme.locale
    if locale:
        try:
            chosen = str(Locale.parse(locale))
        except (ValueError, UnknownLocaleError):
            chosen = theme.locale
    return _formatter(chosen, theme.currency, theme.timezone)


def for_principal(db: Session, principal: Principal) -> Formatter:
    """The formats a signed-in subscriber reads in (their portal user's `language`, read with the session);
    anyone else gets the provider's default locale."""
    return formatter(principal.language or None)


# The provider's default locale, for code that formats for no one in particular (staff pages, history).
def money(cents: int) -> str:
    return formatter().money(cents)


def balance(cents: int) -> str:
    return formatter().balance(cents)


def signed(cents: int) -> str:
    return formatter().signed(cents)


def date(value: dt.date | dt.datetime, form: str = "medium") -> str:
    return formatter().date(value, form)


def date_range(start: dt.date | dt.datetime, end: dt.date | dt.datetime, form: str = "yMMMd") -> str:
    return formatter().date_range(start, end, form)


def moment(value: dt.datetime, form: str = "medium", *, seconds: bool = False) -> str:
    return formatter().moment(value, form, seconds=seconds)


def plain_amount(cents: int) -> str:
    return formatter().plain_amount(cents)


def parse_amount(typed: object) -> int | None:
    return formatter().parse_amount(typed)


def day_stamp(day: dt.date) -> str:
    """20260305: a day inside identifiers and file names (never shown as a date to read). A moment is
    refused: which zone's day it is must be chosen by the caller."""
    if isinstance(day, dt.datetime):
        raise TypeError("day_stamp takes a date; pick the day of a moment first")
    return day.isoformat().replace("-", "")


def month_stamp(day: dt.date) -> str:
    """202603: a month inside identifiers such as invoice numbers."""
    return day_stamp(day)[:6]
