"""Subscribers made by browser tests in the running app's database, one per test, so the suite
passes in any order and never moves the demo persona's data that a person trying the portal sees."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlmodel import Session, select

from portal_app.jobs import demo_data
from portal_app.jobs.demo_data import contract_body
from portal_app.models import Account, AccountService, Contract, Package, PaymentMethod, ServiceArea, Ticket, TicketNote, utcnow
from portal_app.services.orders import workflows
from portal_app.services.core.clock import provider_today
from portal_app.services.core.principal import Principal
from tests.factories import make_account, make_invoice, make_user

PASSWORD = "e2e-persona-passphrase-1"
INSTALL_STEPS = [("Order received", "Order received", "We have your order."),
                 ("Installer visit", "Installer visit", "A technician connects you.")]


@dataclass(frozen=True)
class Persona:
    account_id: int
    number: str
    username: str
    email: str
    password: str
    ticket_id: int | None = None
    contract_id: int | None = None
    service_id: int | None = None


def make_persona(
    portal,
    *,
    first_name: str = "Lena",
    last_name: str = "Ortiz",
    bills: tuple[int, ...] = (5000, 7245),
    card: bool = False,
    ticket: bool = False,
    contract: bool = False,
    package: str = "",
    workflow: bool = False,
) -> Persona:
    """A residential account of its own in Austin Metro with a verified portal user and, on request,
    open bills, a stored card, a ticket with a public note, a contract to sign, a package and an
    install workflow."""
    tag = uuid.uuid4().hex[:8]
    with Session(portal.engine, expire_on_commit=False) as db:
        area = db.exec(select(ServiceArea).where(ServiceArea.name == "Austin Metro")).one()
        account = make_account(db, first_name=first_name, last_name=last_name, service_area_id=area.id,
                               account_number=f"6{int(tag, 16) % 10**8:08d}")
        user = make_user(db, account, username=f"p{tag}", email=f"p{tag}@mail.example", password=PASSWORD)
        today = dt.date.today()
        for i, cents in enumerate(bills):
            make_invoice(db, account, cents, due_on=today + dt.timedelta(days=10 * i - 5))
        if card:
            db.add(PaymentMethod(account_id=account.id, kind="card", gateway="sandbox", gateway_token=f"pm_sandbox_ok_{tag}",
                                 brand="Visa", last4="4242", exp_month=8, exp_year=today.year + 4))
        ticket_id = contract_id = service_id = None
        if ticket:
            now = utcnow()
            row = Ticket(account_id=account.id, number=f"TKT-P{tag}", category="Technical", subject="Slow evenings",
                         status="open", opened_at=now, updated_at=now)
            db.add(row)
            db.flush()
            db.add(TicketNote(ticket_id=row.id, body="It slows down every evening.", is_public=True,
                              author_kind="subscriber", author_name=first_name, created_at=now))
            ticket_id = row.id
        if contract:
            row = Contract(account_id=account.id, title="Fiber Service Agreement", body_text=contract_body(), version="2026.1")
            db.add(row)
            db.flush()
            contract_id = row.id
        if package:
            offered = db.exec(select(Package).where(Package.code == package)).one()
            row = AccountService(account_id=account.id, package_id=offered.id, name=offered.name,
                                 monthly_price_cents=offered.monthly_price_cents)
            db.add(row)
            db.flush()
            service_id = row.id
        if workflow:
            workflows.create_workflow(db, principal=Principal.system("e2e"), account=account, kind="install",
                                   title="Fiber install", steps=INSTALL_STEPS)
        db.commit()
        return Persona(account_id=account.id, number=account.account_number, username=user.username, email=user.email,
                       password=PASSWORD, ticket_id=ticket_id, contract_id=contract_id, service_id=service_id)


@dataclass(frozen=True)
class MayaCopy:
    """A copy of the residential demo persona (Maya Okafor: a year of bills, three contacts, two
    tickets, an install to schedule, a contract to sign, an install to track) under ids of its own."""

    account_id: int
    number: str
    username: str
    email: str
    password: str
    wifi_ticket: str  # closed
    bill_ticket: str  # open, with a staff answer


def maya_copy(portal) -> MayaCopy:
    tag = uuid.uuid4().hex[:8]
    ids = demo_data.ResidentialIds(account_number=f"4{int(tag, 16) % 10**8:08d}", username=f"maya{tag}",
                                   email=f"maya.{tag}@lumen-demo.example", password=PASSWORD,
                                   ticket_numbers=(f"TKT-W{tag}", f"TKT-B{tag}"))
    with Session(portal.engine, expire_on_commit=False) as db:
        demo_data.add_residential_copy(db, today=provider_today(), ids=ids)
        db.commit()
        account = db.exec(select(Account).where(Account.account_number == ids.account_number)).one()
        return MayaCopy(account_id=account.id, number=ids.account_number, username=ids.username, email=ids.email,
                        password=PASSWORD, wifi_ticket=ids.ticket_numbers[0], bill_ticket=ids.ticket_numbers[1])
