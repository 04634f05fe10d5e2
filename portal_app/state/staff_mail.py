"""Staff: mail that could not be delivered (reason, attempts) and sending it again."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import reflex as rx

from portal_app.models import session_scope
from portal_app.services.core import outbox
from portal_app.services.core.errors import NotFound
from portal_app.state.staff_session import StaffSessionState
from portal_app.theming import current_theme
from portal_app.state.off_loop import off_the_loop


class StaffMailState(StaffSessionState):
    rows: list[dict[str, str]] = []
    loaded: bool = False
    notice: str = ""

    def _reload(self, principal) -> None:
        zone = ZoneInfo(current_theme().timezone)
        with session_scope() as db:
            failed = outbox.failed_mail(db, principal=principal)
        self.rows = [
            {"id": str(m.id), "to": m.to_address, "subject": m.subject, "account": m.account_number,
             "created": m.created_at.astimezone(zone).strftime("%b %-d, %Y %-I:%M %p"),
             "status": f"Given up after {m.attempts} attempts" if m.dead else f"Failed {m.attempts} time(s), will retry",
             "next": "" if m.dead else m.next_attempt_at.astimezone(zone).strftime("next %b %-d, %-I:%M %p"),
             "error": m.last_error}
            for m in failed
        ]
        self.loaded = True

    @rx.event
    @off_the_loop
    def load(self):
        principal = self._staff_principal()
        if principal is None:
            return
        self.notice = ""
        self._reload(principal)

    @rx.event
    @off_the_loop
    def retry(self, mail_id: str):
        principal = self._staff_principal()
        if principal is None:
            return
        try:
            with session_scope() as db:
                outbox.retry_mail(db, principal=principal, mail_id=int(mail_id))
        except (NotFound, ValueError):
            self.notice = "That message is no longer waiting to be sent."
        else:
            self.notice = "Queued again: the next delivery run sends it."
        self._reload(principal)
