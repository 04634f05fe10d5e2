"""Staff: mail that could not be delivered (reason, attempts) and sending it again."""

from __future__ import annotations


import reflex as rx

from portal_app.services.core import outbox
from portal_app.services.core.errors import NotFound
from portal_app.state.signed_in import signed_in_event
from portal_app.state.staff_session import StaffPage, StaffSessionState, client_id
from portal_app.services.core import formatting


class StaffMailState(StaffPage, StaffSessionState):
    rows: list[dict[str, str]] = []

    def _reload(self, db, principal) -> None:
        self.rows = [
            {"id": str(m.id), "to": m.to_address, "subject": m.subject, "account": m.account_number,
             "created": formatting.moment(m.created_at),
             "status": f"Given up after {m.attempts} attempts" if m.dead else f"Failed {m.attempts} time(s), will retry",
             "next": "" if m.dead else "next " + formatting.moment(m.next_attempt_at, "MMMd"),
             "error": m.last_error}
            for m in outbox.failed_mail(db, principal=principal)
        ]

    @rx.event
    @signed_in_event
    def retry(self, db, principal, mail_id: str):
        try:
            outbox.retry_mail(db, principal=principal, mail_id=client_id(mail_id, "message"))
        except NotFound:  # delivered meanwhile: say so, and show the list as it now stands
            db.rollback()
            self._done(db, principal, "That message is no longer waiting to be sent.")
        else:
            self._done(db, principal, "Queued again: the next delivery run sends it.")
