"""Demo provider data: two subscriber accounts, a staff user and the catalogue around them.

`load_demo_data` fills an empty, migrated database with a believable provider so the portal
can be shown (and browser-tested) without a billing system behind it: a residential account
with a year of invoices and an amount due, a business account with several contacts, tickets
with public and internal notes, an install to schedule, a contract to sign and a workflow to
track. Everything is fictional: names, `.example` mail domains, 555-01xx phone numbers, and
payment methods that are only sandbox tokens plus the last four digits.

Dates are derived from the `today` argument (not the clock) so the data is reproducible and
"the current month's invoice" always means the month of `today`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from portal_app.models import (
    Account, AccountMembership, AccountService, Appointment, AppointmentWindow, CartOrder, Contact, ContactPoint, ContactType,
    Contract, Invoice, InvoiceLine, OutageNotice, OutageNoticeArea, OutageUpdate, Package, PackageItem, Payment,
    PaymentAllocation, PaymentMethod, PortalUser, ProviderSettings, ServiceArea, ServiceAreaPackage,
    ServiceHold, StaffUser, Ticket, TicketNote, Workflow, WorkflowTask, WorkflowTaskDependency,
)
from portal_app.services.billing import invoicing
from portal_app.services.billing.invoicing import PriceChange, ServiceCharge
from portal_app.services.core import history
from portal_app.services.core import formatting
from portal_app.services.orders import holds
from portal_app.services.core.principal import Principal
from portal_app.services.identity.secrets_util import hash_password

RowT = TypeVar("RowT")

RESIDENTIAL_ACCOUNT = "100200300"
BUSINESS_ACCOUNT = "100200400"

# Printed by the CLI and quoted in the README; the only place these passwords are written down.
DEMO_SIGN_INS: list[dict[str, str]] = [
    {"who": "Residential subscriber (Maya Okafor, account 100200300)",
     "username": "maya", "password": "demo-subscriber-2026"},
    {"who": "Business subscriber (Bluebonnet Bakery LLC, account 100200400)",
     "username": "bluebonnet", "password": "demo-business-2026"},
    {"who": "Provider staff, admin (Jordan Rivera)",
     "username": "staff", "password": "demo-staff-2026"},
]

CENTRAL = ZoneInfo("America/Chicago")  # the demo provider's local time for install windows
SYSTEM = Principal.system("Demo data")
REGULATORY_FEE_CENTS = 199
TAX_PERCENT = 6
INVOICE_DUE_DAY = 21

CONTACT_TYPES = ("Owner", "Billing", "Technical", "Authorized User")

# code, name, description, monthly cents, down/up Mbps, [(item, detail, cents)]; items sum to the price.
PACKAGES = [
    ("FIBER300", "Fiber 300", "Symmetrical 300 Mbps fiber for everyday streaming and video calls.", 5500, 300, 300,
     [("Fiber internet 300/300 Mbps", "Unlimited data", 4500), ("Wi-Fi 6 router", "Equipment rental", 1000)]),
    ("FIBER1G", "Fiber 1 Gig", "Symmetrical 1 Gbps fiber for busy homes and home offices.", 7500, 1000, 1000,
     [("Fiber internet 1/1 Gbps", "Unlimited data", 7500), ("Wi-Fi 7 router", "Included equipment", 0)]),
    ("FIBER2G", "Fiber 2 Gig", "Symmetrical 2 Gbps fiber for creators, gamers and small offices.", 9500, 2000, 2000,
     [("Fiber internet 2/2 Gbps", "Unlimited data", 9500), ("Wi-Fi 7 router", "Included equipment", 0),
      ("Professional installation", "Included", 0)]),
]

CONTRACT_TITLE = "Fiber Service Agreement — 24 months"
CONTRACT_BODY = """\
FIBER SERVICE AGREEMENT — 24 MONTHS (version 2026.1)

1. The service. Your provider (the "Provider") supplies fiber internet service at the service \
address on your account, at the speeds of the package you chose. Speeds are "up to" values \
measured at the Provider's equipment in your home; Wi-Fi speeds depend on your devices and layout.

2. Price lock. The monthly price of your package, before taxes and government fees, is locked \
for 24 months from the date you sign this agreement. Add-ons you order later are priced \
separately and are not covered by the lock.

3. Term and early termination. This agreement runs for 24 months. If you cancel before the end \
of the term, an early termination fee of {fee_per_month} for each full month remaining applies, up to \
{fee_cap}. No fee applies if you move to an address the Provider cannot serve, or if you cancel \
within 30 days of installation.

4. Equipment. The router, mesh extenders and optical terminal remain the Provider's property. \
Please return them within 30 days after your service ends; unreturned equipment is billed at \
its replacement cost, shown on your final invoice.

5. Auto-renewal. When the 24-month term ends, service continues month to month at the \
then-current price for your package. The Provider tells you at least 30 days before any price \
change, and you may cancel at any time after the term without a fee.

6. Billing. Invoices are issued on the 1st of each month and are due on the 21st. Late \
payments may lead to suspension after written notice. You can pay or set up AutoPay in the \
Subscriber Portal.

7. Signature. By typing your name and selecting Sign, you agree that your electronic signature \
has the same effect as a handwritten one, and you confirm that you are authorized to sign for \
this account.
"""


def contract_body() -> str:
    """The agreement's words, its fees in the provider's currency and locale."""
    return CONTRACT_BODY.format(fee_per_month=formatting.money(1000), fee_cap=formatting.money(20000))


def load_demo_data(db: Session, *, today: dt.date) -> bool:
    """Insert the demo provider unless it is already there; the caller commits."""
    if db.exec(select(Account).where(Account.account_number == RESIDENTIAL_ACCOUNT)).first():
        return False
    _provider_settings(db)
    types = _contact_types(db)
    areas, packages = _catalogue(db)
    staff = _staff_user(db, today)
    staff_principal = Principal(kind="staff", display_name=staff.full_name, staff_user_id=staff.id)
    _residential_account(db, today, types, areas["Austin Metro"], packages, staff_principal, MAYA)
    _business_account(db, today, types, areas["Austin Metro"], packages, staff_principal)
    _second_account_for_maya(db, today)
    _appointment_windows(db, today)
    _outage_notices(db, today, areas)
    db.flush()
    return True


def _outage_notices(db: Session, today: dt.date, areas: dict[str, ServiceArea]) -> None:
    """A fiber cut in Austin Metro yesterday (restored, so the status page shows it for a day or two)
    and planned maintenance in Round Rock later this week (open: its customers would see a banner; no demo
    sign-in lives there, so Maya and Bluebonnet see none until staff post one for Austin Metro)."""
    zone = CENTRAL
    yesterday = today - dt.timedelta(days=1)
    cut = _add(db, OutageNotice(
        kind="outage", title="Fiber cut near South Lamar", status="restored", posted_by="Jordan Rivera",
        details="A construction crew cut a fiber bundle. Internet is down for some homes in 78704.",
        starts_at=dt.datetime(yesterday.year, yesterday.month, yesterday.day, 14, 10, tzinfo=zone).astimezone(UTC),
        expected_end_at=dt.datetime(yesterday.year, yesterday.month, yesterday.day, 19, 0, tzinfo=zone).astimezone(UTC),
        restored_at=dt.datetime(yesterday.year, yesterday.month, yesterday.day, 18, 25, tzinfo=zone).astimezone(UTC)))
    db.add(OutageNoticeArea(notice_id=cut.id, service_area_id=areas["Austin Metro"].id))
    db.add(OutageUpdate(notice_id=cut.id, posted_by="Jordan Rivera", message="Crews are splicing the cable now.",
                        posted_at=dt.datetime(yesterday.year, yesterday.month, yesterday.day, 16, 0,
                                              tzinfo=zone).astimezone(UTC)))
    later = today + dt.timedelta(days=3)
    upgrade = _add(db, OutageNotice(
        kind="maintenance", title="Network upgrade in Round Rock", posted_by="Jordan Rivera",
        details="We are upgrading equipment. Internet may drop for a few minutes at a time.",
        starts_at=dt.datetime(later.year, later.month, later.day, 1, 0, tzinfo=zone).astimezone(UTC),
        expected_end_at=dt.datetime(later.year, later.month, later.day, 4, 0, tzinfo=zone).astimezone(UTC)))
    db.add(OutageNoticeArea(notice_id=upgrade.id, service_area_id=areas["Round Rock"].id))


# --- small helpers -------------------------------------------------------------------------


def _utc(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def _month_start(today: dt.date, months_back: int) -> dt.date:
    index = today.year * 12 + (today.month - 1) - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_end(month_start: dt.date) -> dt.date:
    return _month_start(month_start, -1) - dt.timedelta(days=1)


def _log(db: Session, account: Account, when: dt.datetime, principal: Principal, kind: str, action: str,
         summary: str, entity_type: str = "", entity_id: int | None = None) -> None:
    """A history row dated in the past, so the demo account has a story to show."""
    entry = history.record(db, principal=principal, account_id=account.id, kind=kind, action=action,
                           summary=summary, entity_type=entity_type, entity_id=entity_id)
    entry.occurred_at = when


def _add(db: Session, row: RowT) -> RowT:
    """Add and flush, so the row has its id for the rows that point at it."""
    db.add(row)
    db.flush()
    return row


# --- provider-wide rows (get-or-create, in case an operator already set some up) ------------


def _provider_settings(db: Session) -> None:
    if db.exec(select(ProviderSettings)).first() is None:
        db.add(ProviderSettings(hold_allowed=True))  # the demo shows vacation holds


def _contact_types(db: Session) -> dict[str, ContactType]:
    types: dict[str, ContactType] = {}
    for order, name in enumerate(CONTACT_TYPES, start=1):
        row = db.exec(select(ContactType).where(ContactType.name == name)).first()
        types[name] = row or _add(db, ContactType(name=name, sort_order=order))
    return types


def _catalogue(db: Session) -> tuple[dict[str, ServiceArea], dict[str, Package]]:
    areas = {}
    for name, zips, mode in (("Austin Metro", "78701,78702,78703,78704", "optional"),
                             ("Round Rock", "78664,78665", "required"),
                             ("Georgetown", "78626,78628", "disabled")):
        row = db.exec(select(ServiceArea).where(ServiceArea.name == name)).first()
        areas[name] = row or _add(db, ServiceArea(name=name, zip_codes=zips, portal_account_mode=mode))
    packages = {}
    for code, name, description, price, down, up, items in PACKAGES:
        package = db.exec(select(Package).where(Package.code == code)).first()
        if package is None:
            package = _add(db, Package(code=code, name=name, description=description, monthly_price_cents=price,
                                       download_mbps=down, upload_mbps=up))
            assert sum(cents for _, _, cents in items) == price, f"{code}: items must add up to the price"
            for order, (item, detail, cents) in enumerate(items, start=1):
                db.add(PackageItem(package_id=package.id, name=item, detail=detail, price_cents=cents,
                                   sort_order=order))
        packages[code] = package
        for area in areas.values():
            if db.get(ServiceAreaPackage, (area.id, package.id)) is None:
                db.add(ServiceAreaPackage(service_area_id=area.id, package_id=package.id))
    return areas, packages


def _staff_user(db: Session, today: dt.date) -> StaffUser:
    existing = db.exec(select(StaffUser).where(StaffUser.username == "staff")).first()
    if existing:
        return existing
    return _add(db, StaffUser(username="staff", email="staff@lumen-demo.example", full_name="Jordan Rivera",
                              password_hash=hash_password("demo-staff-2026"), role="admin",
                              created_at=_utc(_month_start(today, 14), 15)))


# --- building blocks shared by both accounts ------------------------------------------------


def _contact(db: Session, account: Account, contact_type: ContactType, first: str, last: str,
             points: list[tuple[str, str, str]]) -> Contact:
    """A contact with its (kind, value, label) points; phones are E.164."""
    contact = _add(db, Contact(account_id=account.id, contact_type_id=contact_type.id, first_name=first,
                               last_name=last, created_at=account.created_at))
    for kind, value, label in points:
        db.add(ContactPoint(contact_id=contact.id, account_id=account.id, kind=kind, value=value, label=label))
    return contact


def _portal_user(db: Session, account: Account, username: str, email: str, password: str) -> PortalUser:
    joined = account.created_at + dt.timedelta(days=2)
    user = _add(db, PortalUser(account_id=account.id, username=username, email=email,
                               password_hash=hash_password(password), created_at=joined,
                               verified_at=joined + dt.timedelta(minutes=7)))
    db.add(AccountMembership.home_of(user))
    _log(db, account, joined, Principal(kind="subscriber", display_name=username, user_id=user.id,
                                        account_id=account.id), "access", "registered",
         f"Portal sign-in '{username}' created and email verified", "portal_user", user.id)
    return user


def _invoice(db: Session, account: Account, month: dt.date, services: list[ServiceCharge],
             changes: list[PriceChange]) -> Invoice:
    """One monthly invoice as the billing run plans it (services, part-month lines of a package change),
    plus the regulatory fee and taxes; lines sum to the total."""
    planned = invoicing.plan_lines(services, changes, period_start=month, period_end=_month_end(month),
                                   billed=lambda day: day < month)  # every earlier month was billed
    lines = [(p.description, p.amount_cents, p.kind, p.account_service_id) for p in planned]
    lines.append(("Regulatory recovery fee", REGULATORY_FEE_CENTS, "fee", None))
    taxable = sum(cents for _, cents, _, _ in lines)
    lines.append(("State and local taxes", (taxable * TAX_PERCENT + 50) // 100, "tax", None))  # rounded half up
    total = sum(cents for _, cents, _, _ in lines)
    invoice = _add(db, Invoice(account_id=account.id, number=f"INV-{account.account_number}-{formatting.month_stamp(month)}",
                               issued_on=month, due_on=month.replace(day=INVOICE_DUE_DAY), period_start=month,
                               period_end=_month_end(month), total_cents=total, status="open",
                               created_at=_utc(month, 11)))
    rows = [InvoiceLine(invoice_id=invoice.id, description=description, amount_cents=cents, sort_order=order,
                        kind=kind, account_service_id=service_id)
            for order, (description, cents, kind, service_id) in enumerate(lines, start=1)]
    db.add_all(rows)
    # The portal shows lines and total side by side; they must never disagree.
    assert sum(row.amount_cents for row in rows) == invoice.total_cents, invoice.number
    return invoice


def _pay(db: Session, account: Account, invoice: Invoice, method: PaymentMethod, label: str,
         source: str) -> Payment:
    """Settle an invoice in full with a succeeded sandbox payment a few days before it is due."""
    when = _utc(invoice.due_on - dt.timedelta(days=3), 14, 30)
    stamp = formatting.month_stamp(invoice.issued_on)
    payment = _add(db, Payment(account_id=account.id, receipt_number=f"RCP-{account.account_number}-{stamp}",
                               amount_cents=invoice.total_cents, status="succeeded", method_kind=method.kind,
                               method_label=label, payment_method_id=method.id, source=source,
                               gateway="sandbox", gateway_ref=f"ch_sandbox_demo_{account.account_number}_{stamp}",
                               idempotency_key=f"demo-{account.account_number}-{stamp}",
                               created_at=when, settled_at=when))
    db.add(PaymentAllocation(payment_id=payment.id, invoice_id=invoice.id, amount_cents=invoice.total_cents))
    invoice.status = "paid"
    db.add(invoice)
    return payment


Plan = Callable[[int], tuple[list[ServiceCharge], list[PriceChange]]]


def _same_every_month(services: list[AccountService]) -> Plan:
    charges = invoicing.charges(s for s in services if s.billable)
    return lambda months_back: (charges, [])


def _billing_history(db: Session, account: Account, today: dt.date, months: int, plan: Plan,
                     method: PaymentMethod, label: str, sources: tuple[str, ...]) -> Invoice:
    """`months` monthly invoices ending with today's month (what each bills: `plan(months back)`); all
    but the current one are paid. Returns the current one."""
    for back in range(months - 1, -1, -1):
        invoice = _invoice(db, account, _month_start(today, back), *plan(back))
        if back == 0:
            return invoice  # the current month stays open: that is the amount due on the home page
        payment = _pay(db, account, invoice, method, label, sources[back % len(sources)])
        if back <= 3:  # the last few payments in the history, as the payment service would write them
            _log(db, account, payment.settled_at, SYSTEM, "payment", "succeeded",
                 f"Payment {payment.receipt_number} of {formatting.money(payment.amount_cents)} "
                 f"({payment.method_label}) applied to {invoice.number}", "payment", payment.id)
    raise ValueError("months must be at least 1")


# --- the residential persona: Maya Okafor ---------------------------------------------------


@dataclass(frozen=True)
class ResidentialIds:
    """What must differ between copies of the residential persona (all unique in the database)."""

    account_number: str
    username: str
    email: str
    password: str
    ticket_numbers: tuple[str, str]  # the closed Wi-Fi ticket, the open billing question


MAYA = ResidentialIds(RESIDENTIAL_ACCOUNT, "maya", "maya.okafor@lumen-demo.example", "demo-subscriber-2026",
                      ("TKT-10021", "TKT-10187"))


def add_residential_copy(db: Session, *, today: dt.date, ids: ResidentialIds) -> None:
    """Another account exactly like the residential persona under `ids` (browser tests give each test
    its own, so none depends on what another did to Maya); the demo catalogue must be loaded."""
    staff = _staff_user(db, today)
    areas, packages = _catalogue(db)
    _residential_account(db, today, _contact_types(db), areas["Austin Metro"], packages,
                         Principal(kind="staff", display_name=staff.full_name, staff_user_id=staff.id), ids)


def _residential_account(db: Session, today: dt.date, types: dict[str, ContactType], area: ServiceArea,
                         packages: dict[str, Package], staff: Principal, ids: ResidentialIds) -> None:
    opened = _month_start(today, 12) - dt.timedelta(days=9)
    account = _add(db, Account(account_number=ids.account_number, kind="residential", first_name="Maya",
                               last_name="Okafor", service_street="2417 Cedar Bend Dr", service_city="Austin",
                               service_state="TX", service_zip="78704", billing_zip="78704",
                               service_area_id=area.id, created_at=_utc(opened, 16)))
    _log(db, account, account.created_at, SYSTEM, "account", "created",
         "Account opened with Fiber 300 at 2417 Cedar Bend Dr", "account", account.id)
    fiber = packages["FIBER1G"]  # since last month's upgrade (`_upgrade`)
    services = [
        AccountService(account_id=account.id, package_id=fiber.id, name=fiber.name, billable=True,
                       monthly_price_cents=fiber.monthly_price_cents, started_on=opened),
        AccountService(account_id=account.id, name="Whole-home Wi-Fi", billable=True, monthly_price_cents=1000,
                       started_on=opened),
        # Shown on the services page but never billed: a courtesy for work-from-home subscribers.
        AccountService(account_id=account.id, name="Static IP", billable=False, monthly_price_cents=0,
                       started_on=opened),
    ]
    db.add_all(services)
    db.flush()
    card = _add(db, PaymentMethod(account_id=account.id, kind="card", gateway="sandbox",
                                  gateway_token="pm_sandbox_demo_visa", brand="Visa", last4="4242",
                                  exp_month=8, exp_year=2029, created_at=account.created_at))
    # Fiber 300 until the 12th of last month, then Fiber 1 Gig prorated from that day: this month's
    # bill credits the old price's days and charges the new one's ("Why is my bill different?").
    upgrade = invoicing.PriceChange(
        account_service_id=services[0].id, old_name=packages["FIBER300"].name,
        old_price_cents=packages["FIBER300"].monthly_price_cents, new_name=fiber.name,
        new_price_cents=fiber.monthly_price_cents, effective_on=_month_start(today, 1).replace(day=12))
    before = [ServiceCharge(services[0].id, upgrade.old_name, upgrade.old_price_cents),
              *invoicing.charges(services[1:2])]
    after = invoicing.charges(services[:2])
    # No RecurringPayment on purpose: the home page then offers to set up AutoPay.
    current = _billing_history(db, account, today, 12, lambda back: (before, []) if back else (after, [upgrade]),
                               card, "Visa •••• 4242", ("portal", "quickpay"))
    _contact(db, account, types["Owner"], "Maya", "Okafor",
             [("email", ids.email, "Personal"), ("phone", "+15125550123", "Mobile")])
    _contact(db, account, types["Billing"], "Daniel", "Okafor",
             [("email", "daniel.okafor@lumen-demo.example", "Personal")])
    _contact(db, account, types["Technical"], "Kemi", "Okafor", [("phone", "+15125550147", "Mobile")])
    user = _portal_user(db, account, ids.username, ids.email, ids.password)
    _upgrade(db, account, packages, upgrade, current, staff, user)
    _residential_tickets(db, account, today, staff, user, ids.ticket_numbers)
    _extender_install(db, account, today, staff)


def _upgrade(db: Session, account: Account, packages: dict[str, Package], change: PriceChange, invoice: Invoice,
             staff: Principal, user: PortalUser) -> None:
    """The package change behind this month's part-month lines: ordered in the portal, done by staff."""
    ordered = _utc(change.effective_on, 18, 40)
    done = ordered + dt.timedelta(days=2)
    order = _add(db, CartOrder(account_id=account.id, kind="package_change", service_area_id=account.service_area_id,
                               package_id=packages["FIBER1G"].id, previous_package_id=packages["FIBER300"].id,
                               prorate_now=True, status="completed", created_at=ordered,
                               account_service_id=change.account_service_id, previous_price_cents=change.old_price_cents,
                               new_price_cents=change.new_price_cents, effective_on=change.effective_on,
                               prorated_invoice_id=invoice.id))
    workflow = _add(db, Workflow(account_id=account.id, cart_order_id=order.id, kind="service_change",
                                 title=f"Change to {change.new_name}", status="closed", created_at=ordered,
                                 closed_at=done))
    steps = [("Order received", "Order received", f"We have your request to change to {change.new_name}."),
             ("Provision package", "Switching your service", f"We switch your line to {change.new_name}."),
             ("Update billing", "Billing updated",
              f"Your bills show {change.new_name} prorated from {formatting.date(change.effective_on, 'MMMd')}."),
             ("Quality check", "", "")]
    previous = None
    for sequence, (name, portal_name, description) in enumerate(steps, start=1):
        task = _add(db, WorkflowTask(workflow_id=workflow.id, name=name, sequence=sequence, status="completed",
                                     trackable=bool(portal_name), portal_name=portal_name,
                                     portal_description=description, run_count=1, completed_at=done))
        if previous is not None:
            db.add(WorkflowTaskDependency(task_id=task.id, depends_on_task_id=previous.id))
        previous = task
    maya = Principal(kind="subscriber", display_name=user.username, user_id=user.id, account_id=account.id)
    _log(db, account, ordered, maya, "service", "package_change_ordered",
         f"Package change ordered: {change.old_name} → {change.new_name} "
         f"(+{formatting.money(change.new_price_cents - change.old_price_cents)}/mo, prorated from "
         f"{formatting.date(change.effective_on, 'MMMd')}, email bills)", "cart_order", order.id)
    _log(db, account, done, staff, "service", "package_changed", f"Package changed to {change.new_name}",
         "account_service", change.account_service_id)


def _ticket(db: Session, account: Account, number: str, category: str, subject: str, status: str,
            notes: list[tuple[dt.datetime, str, str, bool, str]]) -> Ticket:
    """A ticket and its (time, author kind, author, public?, body) notes, oldest first."""
    ticket = _add(db, Ticket(account_id=account.id, number=number, category=category, subject=subject,
                             status=status, opened_at=notes[0][0], updated_at=notes[-1][0]))
    for when, kind, author, public, body in notes:
        db.add(TicketNote(ticket_id=ticket.id, body=body, is_public=public, author_kind=kind,
                          author_name=author, created_at=when))
    return ticket


def _residential_tickets(db: Session, account: Account, today: dt.date, staff: Principal, user: PortalUser,
                         numbers: tuple[str, str]) -> None:
    wifi_number, bill_number = numbers
    maya = Principal(kind="subscriber", display_name=user.username, user_id=user.id, account_id=account.id)
    opened, closed = _utc(today - dt.timedelta(days=24), 19, 12), _utc(today - dt.timedelta(days=21), 16, 40)
    wifi = _ticket(db, account, wifi_number, "Technical", "Slow Wi-Fi upstairs", "closed", [
        (opened, "subscriber", "Maya Okafor", True,
         "Wi-Fi in the upstairs bedrooms drops to about 20 Mbps in the evening. Downstairs next to "
         "the router it's fine. Video calls from the upstairs office keep freezing."),
        (opened + dt.timedelta(hours=15), "staff", "Jordan Rivera", False,
         "INTERNAL: Checked line levels remotely; ONT fine (-17.9 dBm), no errors on the port. Router "
         "on channel 6 with heavy neighbour overlap. Single mesh point is too far from the office. "
         "Extender is covered by her Whole-home Wi-Fi add-on, so no charge."),
        (closed, "staff", "Jordan Rivera", True,
         "Thanks for the details, Maya. Your fiber connection tests clean; the slowdown is Wi-Fi "
         "coverage upstairs. We've moved your router to a quieter channel and are sending a second "
         "mesh extender at no extra cost. Please pick an install time in the portal. Closing this "
         "ticket; reply any time if it happens again."),
    ])
    _log(db, account, opened, maya, "ticket", "opened", f"Ticket {wifi_number} opened: Slow Wi-Fi upstairs",
         "ticket", wifi.id)
    _log(db, account, closed, staff, "ticket", "closed", f"Ticket {wifi_number} closed: extender install ordered",
         "ticket", wifi.id)
    asked = _utc(today - dt.timedelta(days=3), 22, 5)
    bill = _ticket(db, account, bill_number, "Billing", "Question about my bill", "open", [
        (asked, "subscriber", "Maya Okafor", True,
         "Will the second Wi-Fi extender change my monthly bill? I still see Whole-home Wi-Fi at "
         f"{formatting.money(1000)} on the new invoice."),
        (asked + dt.timedelta(hours=12), "staff", "Jordan Rivera", False,
         "INTERNAL: Confirmed with billing: extender ships under the existing WHW add-on. Do NOT add "
         "an equipment line. Account in good standing, no credits owed."),
        (asked + dt.timedelta(hours=12, minutes=20), "staff", "Jordan Rivera", True,
         "Hi Maya, no change: the extender is included in your Whole-home Wi-Fi add-on, so your bill "
         "stays at the same amount. We'll keep this open until your install is done."),
    ])
    _log(db, account, asked, maya, "ticket", "opened", f"Ticket {bill_number} opened: Question about my bill",
         "ticket", bill.id)


def _extender_install(db: Session, account: Account, today: dt.date, staff: Principal) -> None:
    """The install the closed Wi-Fi ticket led to: appointment, contract and a workflow to track."""
    ordered = _utc(today - dt.timedelta(days=21), 17, 5)
    title = "Mesh Wi-Fi extender install"
    workflow = _add(db, Workflow(account_id=account.id, kind="install", title=title, status="open",
                                 created_at=ordered))
    # name, portal name, portal description (empty = internal only), status
    steps = [
        ("Order received", "Order received", "We have your order for a mesh Wi-Fi extender.", "completed"),
        ("Equipment shipped", "Extender on its way", "Your extender is being packed and shipped to you.",
         "in_progress"),
        ("Schedule installer", "Pick an install time", "Choose a time window that suits you.", "pending"),
        ("Installer visit", "Installer visit", "A technician places and pairs the extender.", "pending"),
        ("Activation", "Extender activated", "We confirm strong Wi-Fi in every room.", "pending"),
        ("Quality check", "", "", "pending"),
    ]
    tasks = {}
    for sequence, (name, portal_name, description, status) in enumerate(steps, start=1):
        done = status == "completed"
        tasks[name] = _add(db, WorkflowTask(
            workflow_id=workflow.id, name=name, sequence=sequence, status=status, trackable=bool(portal_name),
            portal_name=portal_name, portal_description=description, run_count=1 if done else 0,
            completed_at=ordered + dt.timedelta(minutes=30) if done else None))
    # Shipping and scheduling run in parallel after the order; the visit needs both.
    for task, depends_on in (("Equipment shipped", "Order received"), ("Schedule installer", "Order received"),
                             ("Installer visit", "Equipment shipped"), ("Installer visit", "Schedule installer"),
                             ("Activation", "Installer visit"), ("Quality check", "Activation")):
        db.add(WorkflowTaskDependency(task_id=tasks[task].id, depends_on_task_id=tasks[depends_on].id))
    appointment = _add(db, Appointment(account_id=account.id, kind="install", title=title,
                                       status="to_schedule", created_at=ordered))
    contract = _add(db, Contract(account_id=account.id, title=CONTRACT_TITLE, body_text=contract_body(),
                                 version="2026.1", status="pending", created_at=ordered))
    _log(db, account, ordered, staff, "workflow", "created", f"Install workflow opened: {title}",
         "workflow", workflow.id)
    _log(db, account, ordered, staff, "appointment", "created", f"Appointment to schedule: {title}",
         "appointment", appointment.id)
    _log(db, account, ordered, staff, "contract", "sent", f"Contract sent for signature: {CONTRACT_TITLE}",
         "contract", contract.id)


# --- the business persona: Bluebonnet Bakery LLC -------------------------------------------


def _business_account(db: Session, today: dt.date, types: dict[str, ContactType], area: ServiceArea,
                      packages: dict[str, Package], staff: Principal) -> None:
    opened = _month_start(today, 3) - dt.timedelta(days=12)
    account = _add(db, Account(account_number=BUSINESS_ACCOUNT, kind="business", first_name="Rosa",
                               last_name="Delgado", company_name="Bluebonnet Bakery LLC",
                               service_street="908 Congress Ave", service_city="Austin", service_state="TX",
                               service_zip="78701", billing_zip="78701", service_area_id=area.id,
                               created_at=_utc(opened, 15)))
    _log(db, account, account.created_at, SYSTEM, "account", "created",
         "Business account opened with Fiber 2 Gig at 908 Congress Ave", "account", account.id)
    fiber = packages["FIBER2G"]
    services = [
        AccountService(account_id=account.id, package_id=fiber.id, name=fiber.name, billable=True,
                       monthly_price_cents=fiber.monthly_price_cents, started_on=opened),
        AccountService(account_id=account.id, name="Static IP block (5 addresses)", billable=True,
                       monthly_price_cents=1500, started_on=opened),
    ]
    db.add_all(services)
    db.flush()
    bank = _add(db, PaymentMethod(account_id=account.id, kind="ach", gateway="sandbox",
                                  gateway_token="pm_sandbox_demo_ach", brand="Hill Country Credit Union",
                                  last4="6789", created_at=account.created_at))
    _billing_history(db, account, today, 3, _same_every_month(services), bank, "Hill Country Credit Union •••• 6789",
                     ("portal",))
    _contact(db, account, types["Owner"], "Rosa", "Delgado",
             [("email", "rosa@bluebonnet-bakery.example", "Work"), ("phone", "+15125550161", "Mobile")])
    _contact(db, account, types["Billing"], "Marcus", "Webb",
             [("email", "accounts@bluebonnet-bakery.example", "Work"), ("phone", "+15125550165", "Office")])
    _contact(db, account, types["Technical"], "Lena", "Park",
             [("email", "it@bluebonnet-bakery.example", "Work"), ("phone", "+15125550172", "Mobile")])
    _contact(db, account, types["Authorized User"], "Sam", "Ortiz", [("phone", "+15125550188", "Mobile")])
    _portal_user(db, account, "bluebonnet", "rosa@bluebonnet-bakery.example", "demo-business-2026")
    _vacation_hold(db, account, today, staff)


def _second_account_for_maya(db: Session, today: dt.date) -> None:
    """Maya keeps the bakery's books: Rosa invited her sign-in to Bluebonnet Bakery with billing-only access,
    so `maya` holds two accounts (the header's switcher) with two roles."""
    db.flush()
    maya = db.exec(select(PortalUser).where(PortalUser.username == MAYA.username)).one()
    bakery = db.exec(select(Account).where(Account.account_number == BUSINESS_ACCOUNT)).one()
    when = _utc(today - dt.timedelta(days=20), 15)
    db.add(AccountMembership(user_id=maya.id, account_id=bakery.id, role="billing", added_at=when,
                             added_by="invitation from bluebonnet"))
    _log(db, bakery, when, Principal(kind="subscriber", display_name="maya", user_id=maya.id, account_id=bakery.id,
                                     role="billing"),
         "access", "member_added", "'maya' accepted the invitation from bluebonnet (Billing only)", "portal_user",
         maya.id)


def _vacation_hold(db: Session, account: Account, today: dt.date, staff: Principal) -> None:
    """The bakery closes for two weeks next month: a vacation hold asked for last week and approved, so
    Services, Order Tracking and the calendar show it, and the daily job pauses the service on its day."""
    starts = _month_start(today, -1) + dt.timedelta(days=9)
    hold = _add(db, ServiceHold(account_id=account.id, starts_on=starts, ends_on=starts + dt.timedelta(days=13),
                                monthly_price_cents=ProviderSettings().hold_price_cents, status="approved",
                                requested_by="Rosa Delgado", decided_by="Jordan Rivera",
                                created_at=_utc(today - dt.timedelta(days=6), 10),
                                decided_at=_utc(today - dt.timedelta(days=5), 9)))
    rosa = Principal(kind="subscriber", display_name="Rosa Delgado", account_id=account.id)
    workflow = holds.open_order(db, principal=rosa, account=account, hold=hold)
    workflow.created_at = hold.created_at
    holds.complete_step(db, hold, holds.APPROVE)
    span = holds.span(hold.starts_on, hold.ends_on)
    _log(db, account, hold.created_at, rosa, "service", "hold_requested", f"Vacation hold requested: {span}",
         "service_hold", hold.id)
    _log(db, account, hold.decided_at, staff, "service", "hold_approved", f"Vacation hold {span} approved",
         "service_hold", hold.id)


# --- install windows (provider-wide) --------------------------------------------------------


def _appointment_windows(db: Session, today: dt.date) -> None:
    """Two windows a day (8-12 and 13-17 Central) for the next 14 days, Sundays off, capacity 2.

    Local wall-clock times go through zoneinfo so the UTC values follow daylight saving time.
    The earliest windows are full, as real calendars fill front to back, so the picker shows both.
    """
    count = 0
    for offset in range(1, 15):
        day = today + dt.timedelta(days=offset)
        if day.weekday() == 6:  # Sunday
            continue
        for start_hour, end_hour in ((8, 12), (13, 17)):
            starts = dt.datetime(day.year, day.month, day.day, start_hour, tzinfo=CENTRAL).astimezone(UTC)
            ends = dt.datetime(day.year, day.month, day.day, end_hour, tzinfo=CENTRAL).astimezone(UTC)
            booked = 2 if count < 3 else (1 if count % 4 == 0 else 0)
            db.add(AppointmentWindow(kind="install", starts_at=starts, ends_at=ends, capacity=2, booked=booked))
            count += 1
