"""Page modules: importing this registers every route of the portal."""

from portal_app.pages import autopay, home, invoices, payment, payments, quickpay, signin
from portal_app.pages import calendar, contacts, scheduling, tickets  # self-service
from portal_app.pages import email_links, security, signup, staff_accounts, staff_signin  # access
from portal_app.pages import staff_contact_types, staff_scheduling  # staff self-service

__all__ = [
    "autopay", "calendar", "contacts", "email_links", "home", "invoices", "payment", "payments",
    "quickpay", "scheduling", "security", "signin", "signup", "staff_accounts", "staff_contact_types",
    "staff_scheduling", "staff_signin", "tickets",
]
