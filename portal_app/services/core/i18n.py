"""Translated text: the gettext catalogs under portal_app/translations, through `babel.support.Translations`.

English is the source language: a msgid is the English text itself, so English needs no catalog and reads
exactly as written. Each other language has `translations/<lang>/LC_MESSAGES/messages.po`, read once at
import and compiled in memory (no .mo files to build or commit; `make translations` extracts and merges).

Services mark what a person reads with `_("...")`: it returns a `Text`, a plain English `str` that also keeps
its msgid and parameters, so a message raised deep in a service is translated where it is shown, in the
reader's language (`translate(text, locale)`): a state for its tab, the mail renderer for the recipient.
Pages use the same catalogs through `portal_app.i18n.t`.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
DOMAIN = "messages"
SOURCE = "en"
# The languages a person can choose, each named in itself, and the locale stored for it (PortalUser.language).
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
LOCALES: dict[str, str] = {"en": "en_US", "es": "es_US"}


class Text(str):
    """An English message that remembers its msgid and parameters, to be translated where it is read."""

    msgid: str
    params: dict[str, object]

    def __new__(cls, msgid: str, params: dict[str, object] | None = None) -> Text:
        params = params or {}
        text = super().__new__(cls, msgid % params if params else msgid)
        text.msgid = msgid
        text.params = params
        return text


def _(msgid: str, **params: object) -> Text:
    """Mark a message for the catalog (pybabel's keyword `_`); `%(name)s` placeholders take `params`."""
    return Text(msgid, params)


def language_of(locale: str | None) -> str:
    """"es_US" -> "es"; anything unknown or empty -> the source language."""
    lang = (locale or "").replace("-", "_").split("_")[0].lower()
    return lang if lang in LANGUAGES else SOURCE


def locale_of(lang: str) -> str:
    """"es" -> "es_US", the locale stored for a language chosen in the portal."""
    return LOCALES[language_of(lang)]


def catalog_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalog of a language (English: none, the msgids are the text)."""
    lang = language_of(lang)
    path = catalog_path(lang)
    if lang == SOURCE or not path.is_file():
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


def gettext(msgid: str, lang: str | None) -> str:
    """`msgid` in `lang` (a language or a locale); the English text when it has no translation."""
    return translations(language_of(lang)).gettext(msgid)


def translate(text: str, lang: str | None) -> str:
    """A message for a reader of `lang`: a `Text` by its msgid and parameters, a plain string by itself."""
    if isinstance(text, Text):
        translated = gettext(text.msgid, lang)
        params = {k: translate(v, lang) if isinstance(v, Text) else v for k, v in text.params.items()}
        return translated % params if params else translated
    return gettext(text, lang) if text else text


def page_texts(lang: str) -> dict[str, str]:
    """Every msgid with a translation in `lang`: what pages compile in (`portal_app.i18n.t`)."""
    path = catalog_path(lang)
    if language_of(lang) == SOURCE or not path.is_file():
        return {}
    with path.open("rb") as po:
        catalog = read_po(po, locale=lang, domain=DOMAIN)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}


def joined(parts: list[Text] | list[str], separator: str) -> Text:
    """Several messages as one (`a; b; c`), each part translated where the whole is shown."""
    params = {f"part{i}": part for i, part in enumerate(parts)}
    return Text(separator.join(f"%({name})s" for name in params), params)


# A label kept as data (a navigation entry, a notice by key) and translated where it is shown.
N_ = _
