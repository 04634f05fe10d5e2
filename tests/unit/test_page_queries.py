"""No N+1 on any signed-in page: each page's one load costs the same number of queries for an
account with one of everything as for one with many, and uses one database connection."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from factories import count_queries, make_invoice, make_payment, make_subscriber
from sqlmodel import Session
from test_states import app_db, page_state, signed_in_cookie  # noqa: F401  (app_db is a fixture)

import portal_app.portal_app  # noqa: F401  (registers every page)
from portal_app.components.shell import PAGE_LOADERS, PUBLIC_ROUTES
from portal_app.models import (
    AccountService, Appointment, Contact, ContactPoint, Contract, PaymentAllocation, Ticket, TicketNote, get_engine,
    utcnow,
)
from portal_app.services.core.principal import Principal
from portal_app.services.orders import workflows
from factories import call

STEPS = [("Order received", "Order received", "We have your order."),
         ("Installer visit", "Installer visit", "A technician connects you.")]


def _subscriber_with(db: Session, n: int):
    """A subscriber with `n` of each thing a page lists."""
    me = make_subscriber(db)
    account = me.account
    now = utcnow()
    for i in range(n):
        invoice = make_invoice(db, account, 1000 + i, due_on=dt.date.today() + dt.timedelta(days=i))
        payment = make_payment(db, account, 500)
        db.add(PaymentAllocation(payment_id=payment.id, invoice_id=invoice.id, amount_cents=500))
        ticket = Ticket(account_id=account.id, number=f"T-{account.id}-{i}", subject=f"Ticket {i}",
                        opened_at=now, updated_at=now)
        db.add(ticket)
        db.flush()
        db.add(TicketNote(ticket_id=ticket.id, body="Hello", is_public=True, author_kind="subscriber",
                          author_name="Me", created_at=now))
        contact = Contact(account_id=account.id, first_name=f"P{i}", last_name="Q")
        db.add(contact)
        db.flush()
        db.add(ContactPoint(contact_id=contact.id, account_id=account.id, kind="email", value=f"p{i}@mail.example"))
        db.add(AccountService(account_id=account.id, name=f"Extra {i}", billable=True, monthly_price_cents=100 * i))
        db.add(Contract(account_id=account.id, title=f"Agreement {i}", body_text="Terms.", version="1"))
        db.add(Appointment(account_id=account.id, title=f"Visit {i}", status="scheduled",
                           starts_at=now + dt.timedelta(days=i + 2), ends_at=now + dt.timedelta(days=i + 2, hours=2)))
        workflows.create_workflow(db, principal=Principal.system("test"), account=account, kind="install",
                                  title=f"Install {i}", steps=STEPS)
    db.commit()
    return me


def _cost(db: Session, route: str, cookie: str) -> tuple[int, int]:
    """(statements, connections) one load of `route` takes."""
    statements = connections = 0

    def statement(*_args) -> None:
        nonlocal statements
        statements += 1

    def checkout(*_args) -> None:
        nonlocal connections
        connections += 1

    engine = get_engine()
    sa.event.listen(engine, "before_cursor_execute", statement)
    sa.event.listen(engine.pool, "checkout", checkout)
    try:
        for handler in PAGE_LOADERS[route]:
            state = page_state(handler.state, route, cookie=cookie)
            call(handler, state)
    finally:
        sa.event.remove(engine, "before_cursor_execute", statement)
        sa.event.remove(engine.pool, "checkout", checkout)
    return statements, connections


SUBSCRIBER_PAGES = sorted(r for r in PAGE_LOADERS if r not in PUBLIC_ROUTES and not r.startswith("/staff"))


@pytest.mark.parametrize("route", SUBSCRIBER_PAGES)
def test_a_page_costs_the_same_queries_for_many_rows_as_for_one(app_db: str, db: Session, route: str) -> None:  # noqa: F811
    one, many = _subscriber_with(db, 1), _subscriber_with(db, 6)
    cookie_one, cookie_many = signed_in_cookie(db, one), signed_in_cookie(db, many)
    _cost(db, route, cookie_one)  # first use: caches (settings, theme, the resolved sessions) warm up
    _cost(db, route, cookie_many)
    (statements_one, connections_one), (statements_many, connections_many) = (
        _cost(db, route, cookie_one), _cost(db, route, cookie_many))
    assert connections_one == connections_many == 1
    assert statements_many == statements_one, f"{route}: {statements_one} statements for one row, {statements_many} for six"



@pytest.mark.parametrize("route", SUBSCRIBER_PAGES)
def test_a_page_load_checks_the_session_once(app_db: str, db: Session, route: str) -> None:  # noqa: F811
    me = _subscriber_with(db, 1)
    cookie = signed_in_cookie(db, me)
    seen: list[str] = []

    def statement(_conn, _cursor, text, *_args) -> None:
        seen.append(text)

    sa.event.listen(get_engine(), "before_cursor_execute", statement)
    try:
        for handler in PAGE_LOADERS[route]:
            call(handler, page_state(handler.state, route, cookie=cookie))
    finally:
        sa.event.remove(get_engine(), "before_cursor_execute", statement)
    session_reads = [s for s in seen if s.lstrip().startswith("SELECT") and "FROM user_session" in s]
    assert len(session_reads) == 1


def test_a_revoked_session_ends_the_next_event_of_every_tab(app_db: str, db: Session) -> None:  # noqa: F811
    """Sign out everywhere: the session is read on every event, so the next one goes to sign-in."""
    from portal_app.services.identity import account_security
    from portal_app.state.statements import InvoicesState

    me = _subscriber_with(db, 1)
    cookie = signed_in_cookie(db, me)
    tab = page_state(InvoicesState, "/invoices", cookie=cookie)
    call(InvoicesState.load, tab)
    assert len(tab.invoices) == 1
    account_security.sign_out_everywhere(db, principal=me.principal)
    db.commit()
    answer = call(InvoicesState.go_to, tab, 1)
    assert "/signin" in str(answer) and tab.invoices == []


def test_a_bills_explanation_is_read_when_it_is_opened(app_db: str, db: Session) -> None:  # noqa: F811
    """The pager's page carries no explanations; opening one reads that bill's, once, and only for a bill
    on the page (an id typed into the event is never looked up)."""
    from portal_app.state.statements import InvoicesState

    me, them = _subscriber_with(db, 2), make_subscriber(db)
    theirs = make_invoice(db, them.account, 4200)
    db.commit()
    cookie = signed_in_cookie(db, me)
    tab = page_state(InvoicesState, "/invoices", cookie=cookie)
    call(InvoicesState.load, tab)
    assert [row["headline"] for row in tab.invoices] == ["", ""] and all(row["explainable"] for row in tab.invoices)
    newest = tab.invoices[0]["id"]
    handlers_db = Session(get_engine())  # on the engine the handlers use
    assert count_queries(handlers_db, lambda: call(InvoicesState.explain, tab, newest)) > 0
    assert tab.invoices[0]["headline"] and tab.invoices[1]["headline"] == ""
    assert count_queries(handlers_db, lambda: call(InvoicesState.explain, tab, newest)) == 0  # kept on the page
    call(InvoicesState.explain, tab, theirs.id)
    assert all(theirs.id != row["id"] for row in tab.invoices) and tab.invoices[1]["headline"] == ""
