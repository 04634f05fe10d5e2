"""The tab's language: a cookie-backed var every translated text on a page reads (portal_app.i18n.t).

The browser keeps the choice in a cookie (`portal_lang`), so it comes back with the first message of every
visit, signed in or not, before any page data. A signed-in subscriber's own choice is their portal user's
`language` (used for their mail and PDFs too): a signed-in page load sets the tab to it
(SessionState._on_page_load), and the header's choice writes it.
"""

from __future__ import annotations

import reflex as rx

from portal_app.services.core import formatting, i18n
from portal_app.theming import current_theme

LANGUAGE_COOKIE = "portal_lang"


class LanguageState(rx.State):
    # "" until a language is chosen or a signed-in subscriber's is known: the provider's default then.
    lang: str = rx.Cookie("", name=LANGUAGE_COOKIE, path="/", max_age=400 * 24 * 3600, same_site="lax")

    def _lang(self) -> str:
        """The language this tab reads ("en", "es")."""
        return i18n.language_of(self.lang or current_theme().locale)

    def _t(self, text: str) -> str:
        """A message (a service's `Text`, or English) in this tab's language."""
        return i18n.translate(text, self._lang())

    def _formats(self) -> formatting.Formatter:
        """Money and dates for this tab's reader: the provider's locale when it is in the tab's language
        (or nothing is chosen), else the locale kept for the chosen language (es -> es_US)."""
        theme_locale = current_theme().locale
        if not self.lang or i18n.language_of(theme_locale) == self._lang():
            return formatting.formatter(theme_locale)
        return formatting.formatter(i18n.locale_of(self._lang()))

    def _set_lang(self, lang: str) -> None:
        lang = i18n.language_of(lang)
        if self.lang != lang:  # unchanged: nothing to send
            self.lang = lang

    @rx.event
    def choose_language(self, lang: str):
        """Signed out (sign-in page): the choice stays in this browser and is kept for whoever signs in next."""
        if lang in i18n.LANGUAGES:
            self._set_lang(lang)
