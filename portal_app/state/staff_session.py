"""The signed-in staff member, resolved from the staff HttpOnly cookie once per event.

Staff pages subclass `StaffSessionState` and run their work through `@signed_in_event` or
`self._signed_in(...)` (portal_app/state/signed_in.py); pages that list things and change them also
take `StaffPage` (one load, one way to end a change). Subscriber cookies never resolve here, and
staff cookies never resolve as subscribers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import reflex as rx
from sqlmodel import Session

from portal_app.services.core.errors import FieldErrors, NotFound, PortalError
from portal_app.services.core.principal import Principal
from portal_app.services.identity import staff_auth
from portal_app.state.signed_in import SignedIn, signed_in_event
from portal_app.state.tab_guard import event_cookie, event_query_param

STAFF_SIGN_IN_PATH = "/staff/signin"


def client_id(raw: object, what: str) -> int:
    """An id an event brought (a modified client may send anything): a number, or the same not-found
    a missing one gets."""
    text = str(raw)
    if not text.isdigit() or len(text) > 18:
        raise NotFound(what)
    return int(text)


class StaffSessionState(SignedIn, rx.State):
    staff_signed_in: bool = False
    staff_name: str = ""
    staff_is_admin: bool = False  # only shapes the navigation; the services decide what each role may do

    def _token(self) -> str | None:
        return event_cookie(self, staff_auth.STAFF_COOKIE)

    def _resolve(self, db: Session, token: str | None) -> Principal:
        return staff_auth.resolve_staff_session(db, token=token)

    def _on_principal(self, principal: Principal) -> None:
        self.staff_signed_in = True
        self.staff_name = principal.display_name
        self.staff_is_admin = principal.staff_role == "admin"

    def _sign_in_page(self) -> tuple[str, str]:
        return STAFF_SIGN_IN_PATH, "/staff"

    def _clear_messages(self) -> None:
        """No message of an earlier event stays on the page: `errors`, every `err_*`, `notice`, `refused`."""
        for name in type(self).vars:
            if name in ("notice", "refused") or name.startswith("err_"):
                setattr(self, name, "")
            elif name == "errors":
                self.errors = {}

    def _show_problem(self, problem: Exception) -> None:
        self._clear_messages()
        super()._show_problem(problem)

    @rx.event
    async def require_staff(self):
        """on_load guard of a staff page that loads nothing else (see `require_subscriber`)."""
        return await self._signed_in(lambda db, principal: None)

    @rx.event
    async def staff_sign_out(self):
        return await self._sign_out_through("/auth/staff/sign-out")


T = TypeVar("T")


class StaffPage(rx.State, mixin=True):
    """A staff page that shows what there is and changes it: `load` starts with no messages and fills
    the page (`_reload`); a change ends in `_done` (its message and the page as it now stands)."""

    errors: dict[str, str] = {}
    notice: str = ""
    refused: str = ""  # an agent on an admin page: the services' refusal, shown instead of the page
    loaded: bool = False  # the page has been filled once (an empty list then means "none", not "wait")

    def _clear(self) -> None:
        self._clear_messages()

    def _reload(self, db: Session, principal: Principal) -> None:
        raise NotImplementedError

    @rx.event
    @signed_in_event
    def load(self, db: Session, principal: Principal):
        self._clear()
        self._reload(db, principal)
        self.loaded = True

    def _done(self, db: Session, principal: Principal, notice: str) -> None:
        self._clear()
        self.notice = notice
        self._reload(db, principal)

    def _done_or_refused(self, db: Session, principal: Principal, change: Callable[[], T],
                         notice: Callable[[T], str]) -> None:
        """Make a change that may be refused because things moved on meanwhile: then nothing of it is
        kept and the page, read again as it now stands, says why; else it says `notice(result)`."""
        try:
            result = change()
        except PortalError as problem:
            db.rollback()
            self._done(db, principal, str(problem))
            return
        self._done(db, principal, notice(result))


class StaffRowsPage(StaffPage, mixin=True):
    """A `StaffPage` whose rows carry their own small forms (rename, capacity): a refused row form shows
    its message under that row (`row_error_id`, `errors["row"]`), over the page as it now stands."""

    row_error_id: str = ""

    def _clear(self) -> None:
        super()._clear()
        self.row_error_id = ""

    def _show_problem(self, problem: Exception) -> None:
        self.row_error_id = ""  # a problem of the whole page: no row keeps an earlier row's message
        super()._show_problem(problem)

    def _row_refused(self, db: Session, principal: Principal, row_id: object, problem: Exception) -> None:
        """Called from the except branch of a row's change: nothing of it is kept, the rows are read
        again (the row may be gone), and the message lands under the row or, for a missing row, on top."""
        db.rollback()
        self._clear()
        self._reload(db, principal)
        if isinstance(problem, FieldErrors):
            self.row_error_id, self.errors = str(row_id), {"row": str(problem)}
        else:
            self.notice = str(problem)


class StaffAccountPage(StaffPage, mixin=True):
    """A staff page about one account, named in the address (`?number=`): `_open` reads it, and a
    number that matches no account leaves the page empty (`found` False) rather than failing."""

    account_number: str = ""
    account_name: str = ""
    found: bool = False
    _account_id: int | None = None  # the account on the page, once `_reload` has found it

    def _empty(self) -> None:
        """What the page shows of an account, back to nothing."""
        raise NotImplementedError

    def _account(self) -> int:
        """The account on the page, for a change to it (a change before any account is on the page finds none)."""
        if self._account_id is None:
            raise NotFound("account")
        return self._account_id

    def _open(self, db: Session, principal: Principal, number: str | None = None) -> None:
        """The account the address names (or `number`, typed into a page's find form)."""
        self.account_number = (event_query_param(self, "number") if number is None else number)[:32]
        self._clear()
        try:
            self._reload(db, principal)
            self.found = True
        except NotFound:
            self.found, self.account_name, self._account_id = False, "", None
            self._empty()
