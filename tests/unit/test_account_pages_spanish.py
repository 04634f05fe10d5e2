"""The billing and account pages' server messages read in Spanish where they are shown, and stay English for
logs, the account history and staff."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from factories import make_invoice, make_subscriber
from sqlmodel import Session, select

from portal_app.models import AccountHistory
from portal_app.services.billing import account_statement, explain
from portal_app.services.core import formatting, i18n
from portal_app.services.core.access import VIEW, require_role
from portal_app.services.core.errors import FieldErrors, RoleRefused
from portal_app.services.core.principal import Principal
from portal_app.services.identity import passwords
from portal_app.services.notify import preferences
from portal_app.services.notify.events import EVENTS
from portal_app.services.selfservice import contacts


def test_a_saved_choice_says_what_changed_in_spanish_and_keeps_english_in_the_history(db: Session) -> None:
    sub = make_subscriber(db)
    choices = {row.key: (row.email, row.sms) for row in preferences.preferences(db, principal=sub.principal).rows}
    choices["ticket_update"] = (False, False)
    said = preferences.save_preferences(db, principal=sub.principal, choices=choices, paperless=True,
                                        quiet_hours=False, quiet_start="21:00", quiet_end="08:00")
    db.commit()
    assert said == "Saved. Ticket replies: email off; quiet hours off."
    assert i18n.translate(said, "es") == ("Guardado. Respuestas a tickets: correo desactivado; "
                                          "horas de silencio desactivadas.")
    entry = db.exec(select(AccountHistory).where(AccountHistory.action == "choices_changed")).one()
    assert entry.summary == "Notification choices changed: Ticket replies: email off; quiet hours off"
    again = preferences.save_preferences(db, principal=sub.principal, choices=choices, paperless=True,
                                         quiet_hours=False, quiet_start="21:00", quiet_end="08:00")
    assert i18n.translate(again, "es_US") == "No cambió nada."


def test_every_event_a_subscriber_chooses_has_its_spanish() -> None:
    for event in EVENTS:
        assert i18n.translate(event.label, "es") != event.label, event.key
        assert i18n.translate(event.description, "es") != event.description, event.key


def test_field_messages_of_contacts_security_and_statements_in_spanish(db: Session) -> None:
    sub = make_subscriber(db)
    with pytest.raises(FieldErrors) as contact:
        contacts.add_contact(db, principal=sub.principal, contact_id=None, first_name="", last_name="",
                             type_id="", email="not-an-address", phone="")
    spanish = {field: i18n.translate(message, "es") for field, message in contact.value.errors.items()}
    assert spanish["first_name"] == "Escriba un nombre."
    assert spanish["email"] == "Escriba un correo electrónico como nombre@ejemplo.com."
    assert contact.value.errors["first_name"] == "Enter a first name."  # staff and logs read English

    assert i18n.translate(passwords.password_problem("short"), "es") == "Use al menos 12 caracteres."
    with pytest.raises(FieldErrors) as dates:
        account_statement.parse_range("", "", today=dt.date(2026, 3, 14))
    assert i18n.translate(dates.value.errors["from"], "es") == "Elija una fecha."


def test_a_view_only_refusal_and_a_bills_headline_in_spanish(db: Session) -> None:
    viewer = Principal(kind="subscriber", display_name="Ana", account_id=1, user_id=1, role=VIEW)
    with pytest.raises(RoleRefused) as refused:
        require_role(viewer, "full")
    assert i18n.translate(refused.value.message, "es").startswith("Su acceso a esta cuenta es solo de consulta")

    sub = make_subscriber(db)
    first = make_invoice(db, sub.account, 5000)
    second = make_invoice(db, sub.account, 7245)
    db.commit()
    ids = [first.id, second.id]
    explained = explain.explain_invoices(db, account_id=sub.account.id, invoice_ids=ids,
                                         fmt=formatting.formatter("es_US"))
    assert explained[first.id].headline.startswith("Esta es su primera factura: ")
    assert "más que su última factura" in explained[second.id].headline
    english = explain.explain_invoices(db, account_id=sub.account.id, invoice_ids=ids)
    assert "more than your last bill" in english[second.id].headline


def test_a_bills_payment_day_is_written_as_its_reader_does(db: Session) -> None:
    from test_bill_explained import _upgraded_in_march

    me, _march, april = _upgraded_in_march(db)
    spanish = explain.explain_invoices(db, account_id=me.account.id, invoice_ids=[april.id],
                                       fmt=formatting.formatter("es_US"))[april.id]
    paid = i18n.translate(spanish.account[1].text, "es")
    assert re.fullmatch(r"Pago del \d{1,2} [a-z]+\.? \(Visa •••• 4242\), gracias", paid), paid
    english = explain.explain_invoices(db, account_id=me.account.id, invoice_ids=[april.id])[april.id]
    assert re.fullmatch(r"Payment [A-Z][a-z]{2} \d{1,2} \(Visa •••• 4242\), thank you", english.account[1].text)
