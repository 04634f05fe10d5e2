"""Page modules: importing this registers every route of the portal."""

from portal_app.pages import autopay, home, invoices, payment, payments, quickpay, signin

__all__ = ["autopay", "home", "invoices", "payment", "payments", "quickpay", "signin"]
