"""Words that differ by the provider's country (the theme's `country`): ZIP code or postcode, state or county.

Each is a catalog text (`N_`), so a page shows it in the reader's language (`t(terms().postal_code)`) and a
service raises it as a message translated where it is read. Sentences that name the code are whole per
country, so each language can word them naturally.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal_app.services.core.i18n import N_, Text
from portal_app.theming import current_theme


@dataclass(frozen=True)
class CountryTerms:
    postal_code: Text  # a form label
    billing_postal_code: Text  # the label where the billing address's code is asked for
    region: Text  # the address line between city and postal code
    not_served: Text  # the shopping cart's refusal for a code outside every service area
    holder_or_code: Text  # sign-up: the account is matched by a last name or, for a business, the billing code


_US = CountryTerms(
    N_("ZIP code"), N_("Billing ZIP code"), N_("State"), N_("We do not serve that ZIP code yet."),
    N_("Enter the account holder's last name (or, for a business, the billing ZIP code)."))
_TERMS: dict[str, CountryTerms] = {
    "US": _US,
    "GB": CountryTerms(
        N_("Postcode"), N_("Billing postcode"), N_("County"), N_("We do not serve that postcode yet."),
        N_("Enter the account holder's last name (or, for a business, the billing postcode).")),
    "IE": CountryTerms(
        N_("Eircode"), N_("Billing Eircode"), N_("County"), N_("We do not serve that Eircode yet."),
        N_("Enter the account holder's last name (or, for a business, the billing Eircode).")),
}
_OTHER = CountryTerms(
    N_("Postal code"), N_("Billing postal code"), N_("Province or region"), N_("We do not serve that postal code yet."),
    N_("Enter the account holder's last name (or, for a business, the billing postal code)."))


def terms(country: str | None = None) -> CountryTerms:
    """The terms for `country` (ISO 3166 alpha-2), else the provider's."""
    return _TERMS.get((country or current_theme().country).upper(), _OTHER)
