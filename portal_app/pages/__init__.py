"""Page modules: importing this registers every route of the portal."""

from portal_app.pages import home, signin
from portal_app.pages import calendar, contacts, scheduling, tickets  # self-service

__all__ = ["calendar", "contacts", "home", "scheduling", "signin", "tickets"]
