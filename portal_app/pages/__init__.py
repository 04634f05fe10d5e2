"""Page modules: importing this registers every route of the portal."""

from portal_app.pages import autopay, home, invoices, payment, payments, quickpay, signin
from portal_app.pages import calendar, contacts, scheduling, tickets  # self-service
from portal_app.pages import email_links, security, signup, staff_accounts, staff_signin  # access
from portal_app.pages import cart, orders, package_change, services, staff_catalogue, staff_orders  # services, orders
from portal_app.pages import hold  # vacation holds
from portal_app.pages import invitation, people  # several accounts per sign-in
from portal_app.pages import staff_contact_types, staff_scheduling  # staff self-service
from portal_app.pages import staff_mail, staff_paper_bills, staff_texts  # staff: undelivered mail, texts, paper bills
from portal_app.pages import staff_service_status  # staff: suspend, restore, disconnect
from portal_app.pages import staff_audit, staff_jobs, staff_set_password, staff_settings, staff_two_factor  # running it
from portal_app.pages import staff_api_keys, staff_import, staff_users, staff_webhooks  # imports, API, staff
from portal_app.pages import notifications, staff_outages, status  # notifications and outage notices

__all__ = [
    "autopay", "calendar", "cart", "contacts", "email_links", "home", "invoices", "orders",
    "package_change", "payment", "payments", "quickpay", "scheduling", "security", "services",
    "signin", "signup", "staff_accounts", "staff_catalogue", "staff_contact_types", "staff_mail", "staff_texts", "staff_orders",
    "staff_scheduling", "staff_service_status", "staff_signin", "tickets", "staff_audit", "staff_jobs", "staff_set_password",
    "staff_settings", "staff_two_factor", "staff_users", "staff_import", "staff_api_keys", "staff_webhooks",
    "notifications", "staff_outages", "status", "staff_paper_bills", "hold",
    "invitation", "people",
]
