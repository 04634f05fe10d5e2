"""The state half of the portal's dialogs (components/dialogs.py): whether a page's form panel or its
"are you sure?" question is open, and closing it from the browser (Escape, Cancel, the grey button);
and Home's reminders, shown after sign-in until done or put off for the session."""

from __future__ import annotations

import reflex as rx


class FormDialog(rx.State, mixin=True):
    """A page's form in a `panel_dialog`: the page opens it; the browser may close it."""

    form_open: bool = False

    @rx.event
    def set_form_open(self, value: bool):
        self.form_open = bool(value)


class ConfirmDialog(rx.State, mixin=True):
    """A page's `confirm_dialog`: the page asks about one of its rows (`_ask`); answering takes what was
    asked once (`_answered`); closing it unanswered forgets it, so a stray confirm changes nothing."""

    confirm_open: bool = False
    _asked: tuple[str, int] | None = None  # what the open question is about: a kind of row and its id

    def _ask(self, kind: str, row_id: int) -> None:
        self._asked, self.confirm_open = (kind, row_id), True

    def _answered(self) -> tuple[str, int] | None:
        """What the question was about (None when it was closed unanswered); the dialog closes."""
        asked, self._asked, self.confirm_open = self._asked, None, False
        return asked

    @rx.event
    def set_confirm_open(self, value: bool):
        self.confirm_open = bool(value)
        if not value:
            self._asked = None


class LaterReminder(rx.State, mixin=True):
    """A reminder on Home after sign-in (an appointment to schedule, a contract to sign) until it is done or
    put off with "Later" for the rest of this session. A state says what is pending and how it shows it."""

    _dismissed_session: int | None = None

    def _pending(self, db, principal) -> object | None:
        raise NotImplementedError

    def _remind(self, pending: object | None) -> None:
        raise NotImplementedError

    def _fill(self, db, principal):
        """Part of Home's one load (HomeState.load)."""
        self._remind(None if principal.session_id == self._dismissed_session else self._pending(db, principal))

    def _put_off(self, principal) -> None:
        self._dismissed_session = principal.session_id
        self._remind(None)
