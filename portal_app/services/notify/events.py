"""What a subscriber can be told about, with each event's default channels and whether its email is
required (receipts, security notices, problems with money: the subscriber cannot turn those off).

The bill itself follows the account's delivery: with paperless billing its email is the bill (always
sent); with paper bills it goes by post (services/billing: `paper-bills`) and is never emailed, though a
text can still say it is ready."""

from __future__ import annotations

from dataclasses import dataclass

from portal_app.services.core.i18n import N_


@dataclass(frozen=True)
class Event:
    key: str
    label: str
    description: str
    email: bool  # on unless the subscriber turns it off
    sms: bool  # on once the account has a verified mobile number, unless turned off
    required: bool = False  # the email always goes
    paperless_bill: bool = False  # the email is the bill: always while paperless, never with paper bills


EVENTS: tuple[Event, ...] = (
    Event("bill_ready", N_("New bill"), N_("When your monthly bill is ready."), email=True, sms=False, paperless_bill=True),
    Event("bill_reminder", N_("Bill due soon"), N_("A few days before a bill is due. With AutoPay: which card or bank "
          "account we will charge, and when."), email=True, sms=False),
    Event("payment_receipt", N_("Receipts and refunds"), N_("Each payment you make and each refund."), email=True,
          sms=False, required=True),
    Event("payment_problem", N_("Payment problems"), N_("A payment or AutoPay charge that did not go through, was returned "
          "by the bank or needs a step from you."), email=True, sms=True, required=True),
    Event("service_status", N_("Service suspended or restored"), N_("When your internet service is suspended, "
          "restored or changes status."), email=True, sms=True, required=True),
    Event("promise", N_("Promises to pay"), N_("Your promise to pay confirmed, a reminder two days before, and what "
          "happens if it lapses."), email=True, sms=True, required=True),
    Event("card_expiring", N_("AutoPay card expiring"), N_("When the card AutoPay uses is about to expire."), email=True,
          sms=False),
    Event("appointment", N_("Appointments"), N_("A visit booked, moved or cancelled."), email=True, sms=True),
    Event("ticket_update", N_("Ticket replies"), N_("When we answer one of your tickets."), email=True, sms=False),
    Event("order_step", N_("Order progress"), N_("When we finish a step of your order (the steps Order Tracking "
          "shows), and when the order is complete."), email=True, sms=False),
    Event("contract", N_("Contracts to sign"), N_("When a contract is ready for you to read and sign."), email=True,
          sms=False),
    Event("outage", N_("Outages and maintenance"), N_("Service problems and planned work where you are, and when "
          "service is back."), email=True, sms=True),
    Event("security", N_("Security notices"), N_("Changes to your password, email or sign-ins."), email=True, sms=False,
          required=True),
)
BY_KEY = {event.key: event for event in EVENTS}


def email_required(event: Event, *, paperless: bool) -> bool:
    return event.required or (event.paperless_bill and paperless)


def email_offered(event: Event, *, paperless: bool) -> bool:
    """False for the bill of an account with paper bills: it comes by post."""
    return not (event.paperless_bill and not paperless)


# --- people invited to an account ------------------------------------------------------------------
# A person holding an account through a membership (not the account holder's sign-in) is emailed about it on
# their own address, by their own choices. Billing notices reach the full and billing-only roles unless they
# turn them off; what happens to the service (outages, appointments, tickets, orders, contracts) reaches the
# full role, which can act on it; a view-only person gets nothing unless they opt in. Security notices are
# about a sign-in, never an account, so they stay with the sign-in concerned. Nothing is required for an
# invited person: what the law requires goes to the account holder whatever they choose.
BILLING_EVENTS = frozenset({"bill_ready", "bill_reminder", "payment_receipt", "payment_problem", "service_status",
                            "promise", "card_expiring"})
SERVICE_EVENTS = frozenset({"outage", "appointment", "ticket_update", "order_step", "contract"})
MEMBER_EVENTS = tuple(event for event in EVENTS if event.key in BILLING_EVENTS | SERVICE_EVENTS)


def member_default(event: Event, role: str) -> bool:
    """Whether an invited person with this role is emailed about `event` before choosing."""
    if event.key in BILLING_EVENTS:
        return role in ("full", "billing")
    return event.key in SERVICE_EVENTS and role == "full"
