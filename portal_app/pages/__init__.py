"""Page modules: importing this registers every route of the portal."""

from portal_app.pages import autopay, home, invoices, payment, payments, quickpay, signin
from portal_app.pages import calendar, contacts, scheduling, tickets  # self-service

__all__ = [
    "autopay", "calendar", "contacts", "home", "invoices", "payment", "payments", "quickpay",
    "scheduling", "signin", "tickets",
]
