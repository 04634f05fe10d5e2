"""Page modules: importing this registers every route of the portal."""

from portal_app.pages import home, signin

__all__ = ["home", "signin"]
