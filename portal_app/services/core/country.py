"""Words that differ by the provider's country (the theme's `country`): ZIP code or postcode, state or county.

Each is a catalog text (`N_`), so a page shows it in the reader's language (`t(terms().postal_code)`) and a
service puts it in a message as a value that is translated with the message.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal_app.services.core.i18n import N_, Text
from portal_app.theming import current_theme


@dataclass(frozen=True)
class CountryTerms:
    postal_code: Text  # a form label
    billing_postal_code: Text  # the label where the billing address's code is asked for
    postal_code_in_text: Text  # inside a sentence ("We do not serve that ZIP code yet.")
    region: Text  # the address line between city and postal code


_US = CountryTerms(N_("ZIP code"), N_("Billing ZIP code"), N_("ZIP code"), N_("State"))
_TERMS: dict[str, CountryTerms] = {
    "US": _US,
    "GB": CountryTerms(N_("Postcode"), N_("Billing postcode"), N_("postcode"), N_("County")),
    "IE": CountryTerms(N_("Eircode"), N_("Billing Eircode"), N_("Eircode"), N_("County")),
    "CA": CountryTerms(N_("Postal code"), N_("Billing postal code"), N_("postal code"), N_("Province")),
}
_OTHER = CountryTerms(N_("Postal code"), N_("Billing postal code"), N_("postal code"), N_("Region"))


def terms(country: str | None = None) -> CountryTerms:
    """The terms for `country` (ISO 3166 alpha-2), else the provider's."""
    return _TERMS.get((country or current_theme().country).upper(), _OTHER)
