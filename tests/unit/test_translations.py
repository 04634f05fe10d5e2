"""Translated text: every text marked for the catalog has its Spanish, and server messages read in Spanish."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from factories import PASSWORD, make_subscriber
from sqlmodel import Session, select

from portal_app.models import AccountHistory, PortalUser
from portal_app.services.billing import payments
from portal_app.services.core import i18n
from portal_app.services.core.errors import FieldErrors
from portal_app.services.core.principal import Principal
from portal_app.services.identity import language, ratelimit, signin_flow
from portal_app.services.identity.portal_users import as_principal

ROOT = Path(__file__).resolve().parents[2]
# The keywords `make translations` extracts with (Makefile), over the files babel.cfg names.
KEYWORDS = {**{name: None for name in ("t", "tf", "say", "_", "N_", "gettext")}, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _in_the_app(path: str) -> bool:
    """Walk portal_app only (not .venv, .web or tests), as the patterns in babel.cfg would anyway."""
    parts = Path(path).relative_to(ROOT).parts
    return parts[:1] == ("portal_app",) and not parts[-1].startswith((".", "__"))


def _extracted() -> dict[str, str]:
    """Every text marked in portal_app, as `pybabel extract -F babel.cfg` finds it: msgid -> where."""
    found: dict[str, str] = {}
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, options_map=options_map, keywords=KEYWORDS,
            directory_filter=_in_the_app):
        text = message if isinstance(message, str) else message[0]
        found.setdefault(text, f"{filename}:{lineno}")
    return found


def _spanish_catalog():
    with i18n.catalog_path("es").open("rb") as po:
        return read_po(po, locale="es")


def test_every_marked_text_has_a_spanish_translation() -> None:
    catalog = _spanish_catalog()
    extracted = _extracted()
    assert len(extracted) > 100  # the shell, sign-in, Home and Make a Payment at least
    missing = [f"{where}: {text!r}" for text, where in sorted(extracted.items())
               if text not in catalog or not catalog[text].string or catalog[text].fuzzy]
    assert not missing, "no Spanish (run `make translations`, then translate):\n" + "\n".join(missing)


def test_spanish_keeps_placeholders_and_the_product_names() -> None:
    for message in _spanish_catalog():
        if not message.id:
            continue
        # named placeholders: Spanish may put them in another order, but keeps each one
        assert sorted(PLACEHOLDER.findall(message.id)) == sorted(PLACEHOLDER.findall(message.string)), message.id
        for product in ("AutoPay", "Quick Pay"):
            assert (product in message.id) <= (product in message.string), message.id
    assert i18n.gettext("PAY BILL", "es_US") == "PAGAR FACTURA"


def test_english_is_the_text_as_written() -> None:
    assert i18n.gettext("PAY BILL", "en_US") == "PAY BILL"
    assert i18n.gettext("PAY BILL", None) == "PAY BILL"
    assert i18n.translate(i18n._("Too many attempts. Please wait %(minutes)s minutes and try again.", minutes=5),
                          "en") == "Too many attempts. Please wait 5 minutes and try again."
    assert i18n.gettext("Not in any catalog", "es") == "Not in any catalog"


def test_languages_and_locales() -> None:
    assert i18n.language_of("es_US") == i18n.language_of("es-MX") == "es"
    assert i18n.language_of("fr_CA") == i18n.language_of(None) == "en"
    assert i18n.locale_of("es") == "es_US" and i18n.locale_of("en") == "en_US"


def test_validation_messages_in_spanish() -> None:
    with pytest.raises(FieldErrors) as problems:
        payments.parse_card("1234", "13/99", "1")
    spanish = {field: i18n.translate(message, "es_US") for field, message in problems.value.errors.items()}
    assert spanish == {
        "card_number": "Escriba el número de la tarjeta tal como aparece en ella.",
        "expiry": "Escriba la fecha de vencimiento como MM/AA.",
        "cvc": "Escriba el código de seguridad de 3 o 4 dígitos.",
    }
    # The English stays what it always was.
    assert problems.value.errors["expiry"] == "Enter the expiry date as MM/YY."
    with pytest.raises(FieldErrors) as bad_amount:
        payments.parse_amount("12.345")
    assert i18n.translate(bad_amount.value.errors["amount"], "es") == \
        "Escriba un monto en dólares y centavos, por ejemplo 84.50."


def test_a_message_with_values_in_spanish() -> None:
    limited = ratelimit.RateLimited(timedelta(minutes=7))
    assert str(limited) == "Too many attempts. Please wait 7 minutes and try again."
    assert i18n.translate(limited.message, "es_US") == "Demasiados intentos. Espere 7 minutos e inténtelo de nuevo."


def test_sign_in_refusal_in_spanish_and_the_chosen_language_kept(db: Session) -> None:
    subscriber = make_subscriber(db)
    db.commit()
    user = subscriber.user
    wrong = signin_flow.sign_in(db, login=user.username, password="nope", language="es")
    assert i18n.translate(wrong.error, "es") == "El usuario o la contraseña no son correctos."
    db.commit()
    db.refresh(user)
    assert user.language is None  # a failed sign-in changes nobody's language

    right = signin_flow.sign_in(db, login=user.username, password=PASSWORD, language="es")
    assert right.ticket
    db.commit()
    db.refresh(user)
    assert user.language == "es_US"  # pages, mail and PDFs read Spanish from now on
    changed = db.exec(select(AccountHistory).where(AccountHistory.account_id == user.account_id,
                                                   AccountHistory.action == "language_changed")).all()
    assert len(changed) == 1

    # The next sign-in, choosing nothing, keeps it.
    again = signin_flow.sign_in(db, login=user.username, password=PASSWORD)
    assert again.ticket
    db.commit()
    assert db.get(PortalUser, user.id).language == "es_US"


def test_choosing_a_language_signed_in_is_for_the_own_sign_in_only(db: Session) -> None:
    subscriber = make_subscriber(db)
    db.commit()
    principal = as_principal(subscriber.user)
    assert language.choose_language(db, principal=principal, lang="es") is True
    assert language.choose_language(db, principal=principal, lang="es") is False  # already theirs
    db.commit()
    assert language.language_of(db, principal) == "es"
    staff = Principal(kind="staff", display_name="Jordan", staff_user_id=1)
    assert language.choose_language(db, principal=staff, lang="en") is False
    assert language.language_of(db, staff) is None
    with pytest.raises(ValueError):
        language.set_language(db, user=subscriber.user, lang="xx")


def test_access_mail_reads_in_the_recipients_language(db: Session) -> None:
    """Words a service hands a template (a reset link's subject, intro, button) are translated there too."""
    from portal_app.models import OutboxMail
    from portal_app.services.identity import access_mail

    spanish, english = make_subscriber(db), make_subscriber(db)
    spanish.user.language = "es_US"
    for sub in (spanish, english):
        access_mail.send_reset(db, user=sub.user, raw_token="t0ken")
    db.commit()
    mails = {m.account_id: m for m in db.exec(select(OutboxMail))}
    es, en = mails[spanish.account.id], mails[english.account.id]
    assert es.subject == "Restablezca su contraseña de Lumen Fiber"
    assert f"Alguien pidió restablecer la contraseña del acceso al portal '{spanish.user.username}'." in es.body_text
    assert "Abra este enlace para elegir una contraseña nueva. Sirve una sola vez y durante 1 hora:" in es.body_text
    assert ">Elegir una contraseña nueva</a>" in es.body_html and "Si el botón no funciona" in es.body_html
    assert en.subject == "Reset your Lumen Fiber password" and ">Choose a new password</a>" in en.body_html
