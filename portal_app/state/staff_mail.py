"""Staff: the outboxes, mail and texts: what could not be delivered (reason, attempts) and sending it
again. `OutboxPage` is what both pages share: the rows as the page shows them and the Send again event."""

from __future__ import annotations

import datetime as dt

import reflex as rx

from portal_app.services.core import outbox
from portal_app.services.core.errors import NotFound, PortalError
from portal_app.services.notify import log, sms_outbox
from portal_app.state.signed_in import signed_in_event
from portal_app.state.staff_session import StaffPage, StaffSessionState, client_id
from portal_app.services.core import formatting


def outbox_row(*, id: int, subject: str, to: str, account: str, created: dt.datetime, status: str,
               next_at: dt.datetime | None, error: str, can_retry: bool) -> dict[str, str]:
    """One message as an outbox page lists it (strings only, times in the provider's zone)."""
    return {"id": str(id), "subject": subject, "to": to, "account": account,
            "created": formatting.moment(created), "status": status,
            "next": "next " + formatting.moment(next_at, "MMMd") if next_at is not None else "",
            "error": error, "can_retry": "1" if can_retry else ""}


class OutboxPage(StaffPage, mixin=True):
    """An outbox page: `rows` (see `outbox_row`) and **Send again** (`_requeue`)."""

    rows: list[dict[str, str]] = []

    def _requeue(self, db, principal, message_id: int) -> None:
        raise NotImplementedError

    @rx.event
    @signed_in_event
    def retry(self, db, principal, message_id: str):
        try:
            self._requeue(db, principal, client_id(message_id, "message"))
        except NotFound:  # delivered meanwhile: say so, and show the list as it now stands
            db.rollback()
            self._done(db, principal, "That message is no longer waiting to be sent.")
        except PortalError as refused:
            db.rollback()
            self._done(db, principal, str(refused))
        else:
            self._done(db, principal, "Queued again: the next delivery run sends it.")


class StaffMailState(OutboxPage, StaffSessionState):
    def _reload(self, db, principal) -> None:
        self.rows = [
            outbox_row(id=m.id, subject=m.subject, to=m.to_address, account=m.account_number, created=m.created_at,
                       status=f"Given up after {m.attempts} attempts" if m.dead
                       else f"Failed {m.attempts} time(s), will retry",
                       next_at=None if m.dead else m.next_attempt_at, error=m.last_error, can_retry=True)
            for m in outbox.failed_mail(db, principal=principal)
        ]

    def _requeue(self, db, principal, message_id: int) -> None:
        outbox.retry_mail(db, principal=principal, mail_id=message_id)


class StaffTextsState(OutboxPage, StaffSessionState):
    show_all: bool = False  # every text (newest 100), or only those that failed

    def _reload(self, db, principal) -> None:
        self.rows = [
            outbox_row(id=t.id, subject=t.what, to=t.to, account=t.account_number, created=t.created_at,
                       status=f"{t.status}: failed {t.attempts} time(s)" + ("" if t.next_attempt_at is None else ", will retry")
                       if t.failed else t.status,
                       next_at=t.next_attempt_at, error=t.last_error, can_retry=t.can_retry)
            for t in log.outbox_texts(db, principal=principal, failed_only=not self.show_all)
        ]

    def _requeue(self, db, principal, message_id: int) -> None:
        sms_outbox.retry_text(db, principal=principal, text_id=message_id)

    @rx.event
    @signed_in_event
    def show(self, db, principal, which: str):
        self.show_all = which == "all"
        self._clear()
        self._reload(db, principal)
