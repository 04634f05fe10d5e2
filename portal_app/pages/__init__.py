"""Page modules: importing this registers every route of the portal."""

from portal_app.pages import email_links, home, security, signin, signup, staff_accounts, staff_signin

__all__ = ["email_links", "home", "security", "signin", "signup", "staff_accounts", "staff_signin"]
