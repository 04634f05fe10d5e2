"""Errors services raise; their messages are safe to show to the person who caused them."""

from portal_app.services.core.i18n import _


class PortalError(Exception):
    """Base class: the message is written for the user."""

    @property
    def message(self) -> str:
        """The message as raised: a `Text` (services/core/i18n.py) keeps its msgid, so where it is shown
        it reads in the reader's language (`str(error)` is always the English)."""
        return self.args[0] if self.args else ""


class NotFound(PortalError):
    """The thing does not exist or is not yours; both answers are the same on purpose."""

    def __init__(self, what: str = "item") -> None:
        # `what` is marked N_("ticket") where it is raised, so it reads in the reader's language too.
        super().__init__(_("That %(what)s could not be found.", what=what))


class SignInFailed(PortalError):
    pass


class FieldErrors(PortalError):
    """Validation problems keyed by form field, shown next to each field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class StaffOnly(NotFound):
    """Not signed-in staff: a not-found (callers treat it as one) that says why."""

    def __init__(self, what: str = "page") -> None:
        PortalError.__init__(self, "Only provider staff can do that.")
        self.what = what


class Forbidden(PortalError):
    """Staff asked for something their role does not allow."""

    def __init__(self, message: str = "Only an admin can do that.") -> None:
        super().__init__(message)


class RoleRefused(Forbidden):
    """A subscriber's role on the chosen account (billing only, view only) does not allow the change."""
