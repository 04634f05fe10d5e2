"""Page text in the reader's language: `t("Pay bill")` where a page would write "Pay bill".

Reflex compiles each page to React once, so the language switches in the browser: `t` returns the English
text as written when the catalog has no translation for it, and otherwise an `rx.cond` on the tab's
language var (state/language.py), which compiles to `lang === "es" ? "…" : "…"`, a few bytes per text. The
Spanish is read from the same catalog (translations/es) as server messages, when the page is compiled.
Extraction (`make translations`) finds every `t("…")`.
"""

from __future__ import annotations

import functools

import reflex as rx

from portal_app.services.core import i18n
from portal_app.state.language import LanguageState
from portal_app.theming import current_theme


@functools.cache
def _spanish() -> dict[str, str]:
    return i18n.page_texts("es")


def reads_spanish() -> rx.Var:
    """True in a tab that reads Spanish: chosen, or the provider's default while nothing is chosen."""
    if i18n.language_of(current_theme().locale) == "es":
        return LanguageState.lang != "en"
    return LanguageState.lang == "es"


def t(text: str) -> rx.Var | str:
    """`text` (English, the msgid) for this tab's language."""
    spanish = _spanish().get(text)
    if not spanish or spanish == text:
        return text
    return rx.cond(reads_spanish(), spanish, text)


def tf(msgid: str, **params: str) -> rx.Var | str:
    """`msgid` with `%(name)s` filled from `params` (texts known when the page compiles, each translated too)."""
    if not params:
        return t(msgid)
    english = msgid % params
    spanish = _spanish().get(msgid)
    if not spanish:
        return english
    return rx.cond(reads_spanish(), spanish % {k: _spanish().get(v) or v for k, v in params.items()}, english)


def tagline() -> rx.Var | str:
    """The theme's tagline in this tab's language (from the theme's [translations.<lang>] where it has one)."""
    theme = current_theme()
    english, spanish = theme.tagline_in("en"), theme.tagline_in("es")
    return english if english == spanish else rx.cond(reads_spanish(), spanish, english)


def language_known() -> rx.Var:
    """True from the server's first answer on, which carries the tab's language (the `portal_lang` cookie).

    Before it the page shows its compiled defaults, which read the provider's default language: a Spanish
    reader would see English for a moment. The first answer (the hydrate snapshot) also carries this
    connection's client token, empty in the compiled page, and the token stays through navigations (unlike
    `is_hydrated`, which goes false while each page's on_load runs), so it tells "not answered yet".
    """
    return rx.State.router.session.client_token != ""


def until_language_known() -> rx.Var:
    """The class of a page root whose words stay invisible (keeping their place) until the language is known
    (assets/portal.css: `.lang-pending`)."""
    return rx.cond(language_known(), "", "lang-pending")


def lang_attr() -> rx.Var:
    """The `lang` attribute of a page's root, so screen readers speak the text in its language."""
    return rx.cond(reads_spanish(), "es", "en")
