"""Errors services raise; their messages are safe to show to the person who caused them."""


class PortalError(Exception):
    """Base class: the message is written for the user."""


class NotFound(PortalError):
    """The thing does not exist or is not yours; both answers are the same on purpose."""

    def __init__(self, what: str = "item") -> None:
        super().__init__(f"That {what} could not be found.")


class SignInFailed(PortalError):
    pass


class FieldErrors(PortalError):
    """Validation problems keyed by form field, shown next to each field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors
