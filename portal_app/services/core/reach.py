"""Ways to reach a person: email addresses and phone numbers, checked and normalised the same way
everywhere (contacts, sign-up, the shopping cart, imports)."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from portal_app.services.core.i18n import _
from portal_app.theming import current_theme

INVALID_EMAIL = _("Enter an email address like name@example.com.")


def normalize_email(raw: str) -> str:
    """A syntactically real address, normalised; raises ValueError with a message for the field."""
    text = (raw or "").strip()
    if not text:
        raise ValueError(_("Enter an email address."))
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        # Our own words: the library's explanation ("must have an @-sign") is not for subscribers.
        raise ValueError(INVALID_EMAIL) from None


def normalize_phone(raw: str, country: str | None = None) -> str:
    """E.164 for a number valid in the provider's country (or given with +country code)."""
    text = (raw or "").strip()
    if not text:
        raise ValueError(_("Enter a phone number."))
    region = country or current_theme().country
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as problem:
        raise ValueError(_("Enter a valid phone number, for example (512) 555-0123.")) from problem
    if not phonenumbers.is_valid_number(number):
        raise ValueError(_("Enter a valid phone number, for example (512) 555-0123."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str, country: str | None = None) -> str:
    """National format at home, international format for numbers from elsewhere."""
    region = country or current_theme().country
    try:
        number = phonenumbers.parse(e164, region)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
