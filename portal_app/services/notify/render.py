"""The words of every message, from Jinja2 templates (notify/templates): each email a plain-text and
an HTML template (autoescaped) under the provider's branding, each text message a short template.

A mail template `mail/<name>.txt` sets `{% block subject %}` and `{% block body %}`; `mail/<name>.html`
sets `{% block body %}`. A text `sms/<name>.txt` is optional: without it the event has no text.

Words are in the recipient's language: templates write `{{ _("Due on %(day)s", day=...) }}` or
`{% trans %}...{% endtrans %}` (Jinja2's i18n extension, new-style gettext: placeholders are filled, and
escaped in HTML, after translation), read from the same gettext catalogs as pages and services
(services/core/i18n.py) for the context's `locale` (the recipient's, else the provider's). A value marked
`_()` by a service (a `Text`) is shown translated too. `make translations` extracts the templates (babel.cfg).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from portal_app.config import get_settings
from portal_app.integrations.mail import header_text
from portal_app.integrations.sms import plain
from portal_app.services.core import formatting, i18n
from portal_app.theming import current_theme

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str


def _fmt(context: Any) -> formatting.Formatter:
    """The recipient's formats: a template context may carry their `locale`; else the provider's."""
    return formatting.formatter(context.get("locale"))


@jinja2.pass_context
def _money(context: Any, cents: int) -> str:
    return _fmt(context).money(int(cents))


@jinja2.pass_context
def _balance(context: Any, cents: int) -> str:
    return _fmt(context).balance(int(cents))


@jinja2.pass_context
def day_text(context: Any, value: dt.date | dt.datetime, form: str = "medium") -> str:
    """Jun 21, 2026 (a moment is read in the provider's time zone); `form` as formatting.Formatter.date."""
    return _fmt(context).date(value, form)


@jinja2.pass_context
def when_text(context: Any, value: dt.datetime) -> str:
    """Sun, Jun 21, 2:00 PM CDT, in the provider's time zone."""
    return _fmt(context).moment(value, "MMMEd", zone_name=True)


@jinja2.pass_context
def time_text(context: Any, value: dt.datetime) -> str:
    """2:00 PM, in the provider's time zone."""
    return _fmt(context).time(value)


def _language(context: Any) -> str:
    """The recipient's language: their `locale` in the context, else the provider's."""
    return i18n.language_of(context.get("locale") or current_theme().locale)


def _filled(context: Any, text: str, params: dict[str, Any]) -> str:
    """`text` (already translated) with its placeholders; escaped into HTML where the template autoescapes."""
    lang = _language(context)
    params = {k: i18n.translate(v, lang) if isinstance(v, i18n.Text) else v for k, v in params.items()}
    if context.eval_ctx.autoescape:
        return Markup(text) % params
    return text % params  # as Jinja's new-style gettext: always a format string (a literal % is %%)


@jinja2.pass_context
def _gettext(context: Any, msgid: str, **params: Any) -> str:
    """`_("...")` and `{% trans %}` in a template: the recipient's language."""
    return _filled(context, i18n.gettext(msgid, _language(context)), params)


@jinja2.pass_context
def _ngettext(context: Any, singular: str, plural: str, num: int, **params: Any) -> str:
    text = i18n.translations(_language(context)).ngettext(singular, plural, num)
    return _filled(context, text, {"num": num, **params})


@jinja2.pass_context
def say_text(context: Any, value: str) -> str:
    """`value|say`: words the portal keeps in English (a gateway's decline reason, a bank's note) in the
    recipient's language, where the catalog has them (integrations/payments mark them N_)."""
    return i18n.translate(value, _language(context)) if value else value


@jinja2.pass_context
def _finalize(context: Any, value: Any) -> Any:
    """A message a service marked with `_()` prints in the recipient's language."""
    return i18n.translate(value, _language(context)) if isinstance(value, i18n.Text) else value


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined,  # a misspelt name fails the test that renders it, never a blank
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
        finalize=_finalize,
    )
    env.policies["ext.i18n.trimmed"] = True  # a {% trans %} block over several lines is one sentence
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    env.globals.update(_=_gettext, gettext=_gettext, ngettext=_ngettext)
    env.filters.update(money=_money, balance=_balance, day=day_text, when=when_text, time=time_text, say=say_text)
    return env


def branding() -> dict[str, Any]:
    """What every template may use about the provider and the portal."""
    theme = current_theme()
    portal = get_settings().public_url.rstrip("/")
    logo = theme.logo if theme.logo.startswith(("http://", "https://")) else f"{portal}{theme.logo}"
    return {"provider": theme.provider_name, "short_name": theme.short_name, "legal_name": theme.legal_name,
            "support_phone": theme.support_phone, "support_email": theme.support_email, "accent": theme.accent,
            "on_accent": theme.on_accent, "logo_url": logo, "portal": portal}


def render_mail(name: str, context: dict[str, Any], *, can_opt_out: bool = True) -> Mail:
    """Subject, plain text and HTML of `mail/<name>`; `can_opt_out` adds where to change what we send."""
    env = _environment()
    values = {**branding(), "can_opt_out": can_opt_out, **context}
    values["lang"] = _language(values)  # <html lang> of the HTML part
    text_template = env.get_template(f"mail/{name}.txt")
    subject = "".join(text_template.blocks["subject"](text_template.new_context(values)))
    return Mail(subject=header_text(subject), text=text_template.render(values),
                html=env.get_template(f"mail/{name}.html").render(values))


def has_sms(name: str) -> bool:
    return (TEMPLATES / "sms" / f"{name}.txt").is_file()


def render_sms(name: str, context: dict[str, Any]) -> str:
    """`sms/<name>` as one line of GSM-7 text (look-alikes for curly quotes, dashes, the •••• of card labels)."""
    body = _environment().get_template(f"sms/{name}.txt").render({**branding(), **context})
    return plain(" ".join(body.split()))
