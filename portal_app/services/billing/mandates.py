"""The bank-debit (ACH) authorization a subscriber accepts, and its version, recorded with each
one-off debit and each AutoPay set up on a bank account."""

from __future__ import annotations

from portal_app.theming import current_theme

ACH_TERMS_VERSION = "ACH-2026-01"
ACH_TERMS = (
    "I authorize {provider} to debit the bank account above for the amount shown, and to credit it "
    "if a debit is made in error. I can revoke this authorization by contacting {provider} at least "
    "3 business days before the debit."
)


def ach_terms_text() -> str:
    return ACH_TERMS.format(provider=current_theme().provider_name)
